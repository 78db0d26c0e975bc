//! The spine's curves read from the back outline of a standing side view.
//!
//! sagitta walks backwards from the trunk line to the edge of the person
//! mask at heights from the base of the neck down past the buttock, giving
//! the back outline. On it (sign conventions in [`super::conventions`]):
//!
//! - a straight edge laid on the back touches the outline on the **buttock**
//!   (around and below the hip joint) and on the **thoracic back** (the upper
//!   trunk): each is the tangent point seen from the other, so the chord
//!   between them does not depend on how the body or the camera leans;
//! - the **lumbar lordosis** is the hollow between them: its depth is the
//!   largest distance of the outline in front of that chord, reached at the
//!   lumbar apex; its angle
//!   is the flexible-curve arc angle 4 atan(2 depth / chord) (the tangent
//!   change along a circular arc of that depth and chord, as the flexicurve
//!   studies compute it, Youdas1996), so it compares with surface measures of
//!   the curve such as LangTapia2011's;
//! - the **thoracic kyphosis** is the bulge between the base of the neck (C7)
//!   and the lumbar apex: depth behind that chord at its most posterior
//!   point (the kyphosis apex), and its arc angle the same way;
//! - the **buttock prominence** is how far the buttock stands behind the
//!   lumbar apex.
//!
//! Lengths are fractions of the trunk length (shoulder to hip keypoint), so
//! the values do not depend on the person's size or the photo's scale. The
//! outline is skin and clothing, not bone: it follows the spine only as far
//! as the back muscles, the buttock, the shoulder blades and the clothing
//! let it. How far that is was measured on the rendered sweep (samples/render,
//! benches/README.md "Spine curves"): the renders' spines are posed exactly
//! (one rig, its lumbar curve following the posed pelvic tilt), so whatever
//! the outline curves vary across bodies and clothing at a given tilt is
//! error of the outline as a measure of the spine (`spine.*_body_sd` in
//! assets/limits.toml, with every other limit used here). Each value's 90 %
//! uncertainty combines that spread (leave-one-out residual of the line on
//! the posed tilt) with what the photo itself shows (the outline's
//! roughness and the mask's resolution).
//!
//! An outline that cannot be trusted is declined with the reason: the body
//! cut by the frame, a hand or arm over the back, an outline too rough to be
//! skin (hair over the back, folds of loose clothing), or too little of it.
use std::collections::BTreeMap;

use crate::schema::{Measurement, MeasurementId, Reading};

use super::conventions::{Quantity, arc_angle_deg, depth_in_front_of};
use super::geometry::Vec2;
use super::protocol::View;
use super::{Body, Limb, declined, joint, round};
use crate::limits::{SpineLimits, limits};

/// The method name of every curve measurement.
const METHOD: &str = "back_outline";

/// Standard deviations to a two-sided 90 % bound.
const SD_TO_90_PERCENT: f64 = 1.645;

/// One point of the traced back outline.
#[derive(Debug, Clone, Copy, PartialEq)]
struct OutlinePoint {
    /// Where it lies (roll-corrected photo frame).
    at: Vec2,
    /// Trunk lengths below the top of the trace (increasing downwards).
    down: f64,
    /// Trunk lengths backwards of the hip joint (increasing posteriorly).
    back: f64,
}

/// The back outline and the curves read from it.
#[derive(Debug, Clone)]
struct BackCurves {
    outline: Vec<OutlinePoint>,
    c7: OutlinePoint,
    thoracic_back: OutlinePoint,
    kyphosis_apex: OutlinePoint,
    lumbar_apex: OutlinePoint,
    buttock: OutlinePoint,
    /// Depth of the lumbar hollow in front of the thoracic-back -> buttock chord.
    lordosis_depth: f64,
    /// Arc angle of the lumbar hollow (degrees, positive hollow).
    lordosis_deg: f64,
    /// Depth of the upper-back bulge behind the C7 -> lumbar-apex chord.
    kyphosis_depth: f64,
    /// Arc angle of the upper-back bulge (degrees, positive convex).
    kyphosis_deg: f64,
    /// How far the buttock stands behind the lumbar apex.
    buttock_prominence: f64,
    /// 90 % uncertainty of a depth (trunk lengths).
    depth_uncertainty: f64,
}

/// Traces the back outline and reads the curves, or says why it cannot.
fn back_curves(body: &Body, view: &View) -> Result<BackCurves, String> {
    let near = view.near_side;
    let (shoulder_joint, hip_joint) = (joint(near, Limb::Shoulder), joint(near, Limb::Hip));
    body.require(&[shoulder_joint, hip_joint])?;
    body.require_mask()?;
    if view.lying() || view.anterior.y != 0.0 {
        return Err("needs an upright side view".to_string());
    }
    let torso = body.torso_length(near);
    let (shoulder, hip) = (body.point(shoulder_joint), body.point(hip_joint));
    let backward = view.anterior * -1.0;
    let arms = super::pelvis::Arms::of(body);
    let spine = &limits().spine;
    let clearance = limits().pelvis.arm_clearance_torso;
    let levels = level_count(spine);
    let mut raw = Vec::with_capacity(levels);
    let mut occluded = Vec::new();
    for level in 0..levels {
        let above_hip = spine.top_torso - spine.step_torso * level as f64;
        // Start inside the body, on the trunk line (continued above the
        // shoulder and below the hip) at this height.
        let start = hip + (shoulder - hip) * above_hip;
        if !body.inside(start) {
            continue;
        }
        let Some(edge) = super::pelvis::find_edge(body, start, backward, torso)
            .map_err(|_| "the body is cut by the frame at the back".to_string())?
        else {
            continue;
        };
        let point = OutlinePoint {
            at: edge,
            down: (edge.y - (hip.y - spine.top_torso * (hip.y - shoulder.y))) / torso,
            back: (edge - hip).dot(backward) / torso,
        };
        if arms.hide(edge, clearance * torso) {
            occluded.push(point.down);
            continue;
        }
        raw.push(point);
    }
    read_curves(raw, &occluded, body.mask_cell_px() / torso)
}

/// How many heights are traced, one every `step_torso` from the top down.
fn level_count(spine: &SpineLimits) -> usize {
    ((spine.top_torso - spine.bottom_torso) / spine.step_torso).round() as usize + 1
}

/// The curves of a traced outline (points top to bottom, in trunk lengths);
/// `occluded` lists the heights hidden by an arm; `cell` is the mask's cell
/// size in trunk lengths.
fn read_curves(raw: Vec<OutlinePoint>, occluded: &[f64], cell: f64) -> Result<BackCurves, String> {
    let spine = &limits().spine;
    let levels = level_count(spine);
    if (raw.len() as f64) < spine.min_level_share * levels as f64 {
        return Err(if occluded.len() * 2 > levels.saturating_sub(raw.len()) {
            "a hand or arm lies over the back outline".to_string()
        } else {
            format!(
                "the back outline was found at only {} of {levels} heights",
                raw.len()
            )
        });
    }
    // Gaps (hidden or missing heights) along the traced outline.
    let mut previous = 0.0;
    for p in &raw {
        if p.down - previous > spine.max_gap_torso + spine.step_torso / 2.0 {
            return Err(if occluded.iter().any(|&d| d > previous && d < p.down) {
                "a hand or arm lies over the back outline".to_string()
            } else {
                "the back outline has a gap between the neck and the buttock".to_string()
            });
        }
        previous = p.down;
    }
    let outline = smoothed(&raw);
    let roughness = (raw
        .iter()
        .zip(&outline)
        .map(|(r, s)| (r.back - s.back).powi(2))
        .sum::<f64>()
        / raw.len() as f64)
        .sqrt();
    if roughness > spine.max_roughness_torso {
        return Err(format!(
            "the back outline is irregular ({:.3} trunk lengths from a smooth curve): hair, a hand or loose clothing over the back",
            roughness
        ));
    }
    let in_band = |(low, high): (f64, f64)| {
        let (from, to) = (spine.top_torso - high, spine.top_torso - low);
        outline
            .iter()
            .filter(move |p| p.down >= from - 1e-9 && p.down <= to + 1e-9)
    };
    // The chord of the lumbar hollow is a straight edge laid on the back: it
    // touches the outline on the upper back and on the buttock, so it does
    // not depend on how the body or the camera leans. Each end is the
    // tangent point seen from the other, starting from the buttock's most
    // posterior point; a few rounds settle it.
    let mut buttock = in_band((spine.buttock_band_low, spine.buttock_band_high))
        .copied()
        .max_by(|a: &OutlinePoint, b: &OutlinePoint| a.back.total_cmp(&b.back))
        .ok_or("the buttock is missing from the back outline")?;
    let mut thoracic_back = buttock;
    for _ in 0..4 {
        thoracic_back = tangent_point(
            in_band((spine.thoracic_band_low, spine.thoracic_band_high)),
            buttock,
        )
        .ok_or("the upper back is missing from the back outline")?;
        buttock = tangent_point(
            in_band((spine.buttock_band_low, spine.buttock_band_high)),
            thoracic_back,
        )
        .ok_or("the buttock is missing from the back outline")?;
    }
    let c7 = outline[0];
    if c7.down > spine.max_gap_torso {
        return Err("the base of the neck is missing from the back outline".to_string());
    }
    let between = |a: OutlinePoint, b: OutlinePoint| {
        outline
            .iter()
            .copied()
            .filter(move |p| p.down > a.down && p.down < b.down)
    };
    let plane = |p: OutlinePoint| Vec2::new(p.down, p.back);
    let (lumbar_apex, lordosis_depth) = between(thoracic_back, buttock)
        .map(|p| {
            (
                p,
                depth_in_front_of(plane(thoracic_back), plane(buttock), plane(p)),
            )
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .ok_or("the lumbar region is missing from the back outline")?;
    let (kyphosis_apex, kyphosis_behind) = between(c7, lumbar_apex)
        .map(|p| {
            (
                p,
                -depth_in_front_of(plane(c7), plane(lumbar_apex), plane(p)),
            )
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .ok_or("the upper back is missing from the back outline")?;
    let chord = |a: OutlinePoint, b: OutlinePoint| plane(a).distance(plane(b));
    let lordosis_deg = arc_angle_deg(lordosis_depth, chord(thoracic_back, buttock));
    let kyphosis_deg = arc_angle_deg(kyphosis_behind, chord(c7, lumbar_apex));
    // A depth is read from three outline points, each off by the outline's
    // own noise: the roughness left after smoothing over 5 heights (its
    // error falls by sqrt(5)), or the mask's cell size (a uniform error of
    // one cell has SD cell/sqrt(12)), whichever is larger. The apex and the
    // chord's midpoint (the mean of two ends) give sqrt(1 + 1/2) of it.
    let point_sd = (roughness / 5f64.sqrt()).max(cell / 12f64.sqrt());
    let depth_uncertainty = SD_TO_90_PERCENT * point_sd * 1.5f64.sqrt();
    Ok(BackCurves {
        c7,
        thoracic_back,
        kyphosis_apex,
        lumbar_apex,
        buttock,
        lordosis_depth,
        lordosis_deg,
        kyphosis_depth: kyphosis_behind,
        kyphosis_deg,
        buttock_prominence: buttock.back - lumbar_apex.back,
        depth_uncertainty,
        outline,
    })
}

/// The point of `band` that a straight edge pivoting on `from` touches
/// first when laid against the back: the one seen furthest backwards from it.
fn tangent_point<'a>(
    band: impl Iterator<Item = &'a OutlinePoint>,
    from: OutlinePoint,
) -> Option<OutlinePoint> {
    band.filter(|p| (p.down - from.down).abs() > 1e-9)
        .max_by(|a, b| {
            let slope = |p: &OutlinePoint| (p.back - from.back) / (p.down - from.down).abs();
            slope(a).total_cmp(&slope(b))
        })
        .copied()
}

/// Running mean of the backward offset over 5 heights (fewer at the ends).
fn smoothed(raw: &[OutlinePoint]) -> Vec<OutlinePoint> {
    (0..raw.len())
        .map(|i| {
            let window = &raw[i.saturating_sub(2)..(i + 3).min(raw.len())];
            OutlinePoint {
                back: window.iter().map(|p| p.back).sum::<f64>() / window.len() as f64,
                ..raw[i]
            }
        })
        .collect()
}

/// The 90 % uncertainty of an arc angle from its depth's: the slope of
/// 4 atan(2d/c) in d, at the measured depth.
fn arc_uncertainty_deg(depth: f64, depth_uncertainty: f64, chord: f64) -> f64 {
    (arc_angle_deg(depth + depth_uncertainty / 2.0, chord)
        - arc_angle_deg(depth - depth_uncertainty / 2.0, chord))
    .abs()
}

/// The curve measurements, or each declined with the reason; a warning
/// where the back hangs straight past the lumbar hollow.
pub fn measure(
    body: &Body,
    view: &View,
    out: &mut BTreeMap<String, Measurement>,
) -> Option<String> {
    let ids = [
        MeasurementId::LumbarLordosisDepth,
        MeasurementId::LumbarLordosisAngle,
        MeasurementId::ThoracicKyphosisDepth,
        MeasurementId::ThoracicKyphosisAngle,
        MeasurementId::ButtockProminence,
    ];
    let curves = match back_curves(body, view) {
        Ok(curves) => curves,
        Err(reason) => {
            for id in ids {
                out.insert(id.name().to_string(), declined(METHOD, reason.clone()));
            }
            return None;
        }
    };
    let near = view.near_side;
    let confidence = round(
        (body.min_visibility(&[joint(near, Limb::Shoulder), joint(near, Limb::Hip)])
            * view.lateral_score)
            .clamp(0.0, 1.0),
        2,
    );
    let outline_px = body.photo_points(&curves.outline.iter().map(|p| p.at).collect::<Vec<_>>());
    let u = curves.depth_uncertainty;
    let chord = |a: &OutlinePoint, b: &OutlinePoint| {
        Vec2::new(a.down, a.back).distance(Vec2::new(b.down, b.back))
    };
    let ratio = |value: f64, body_sd: f64, points: &[&OutlinePoint], outline: bool| {
        Measurement::Made(Reading {
            value: Some(round(value, 3)),
            unit: Quantity::TrunkFraction.unit().map(str::to_string),
            uncertainty: Some(round((SD_TO_90_PERCENT * body_sd).hypot(u), 3)),
            method: METHOD.to_string(),
            confidence: Some(confidence),
            points_px: body.photo_points(&points.iter().map(|p| p.at).collect::<Vec<_>>()),
            outline_px: if outline {
                outline_px.clone()
            } else {
                Vec::new()
            },
            ..Reading::default()
        })
    };
    let bend = |depth: f64, value: f64, body_sd: f64, chord: f64, points: &[&OutlinePoint]| {
        Measurement::Made(Reading {
            value_deg: Some(round(value, 1)),
            uncertainty_deg: Some(round(
                (SD_TO_90_PERCENT * body_sd).hypot(arc_uncertainty_deg(depth, u, chord)),
                1,
            )),
            method: METHOD.to_string(),
            confidence: Some(confidence),
            points_px: body.photo_points(&points.iter().map(|p| p.at).collect::<Vec<_>>()),
            ..Reading::default()
        })
    };
    let c = &curves;
    let spread = &limits().spine;
    let lumbar = [&c.thoracic_back, &c.lumbar_apex, &c.buttock];
    let thoracic = [&c.c7, &c.kyphosis_apex, &c.lumbar_apex];
    out.insert(
        MeasurementId::LumbarLordosisDepth.name().to_string(),
        ratio(
            c.lordosis_depth,
            spread.lordosis_depth_body_sd,
            &lumbar,
            true,
        ),
    );
    out.insert(
        MeasurementId::LumbarLordosisAngle.name().to_string(),
        bend(
            c.lordosis_depth,
            c.lordosis_deg,
            spread.lordosis_angle_body_sd_deg,
            chord(&c.thoracic_back, &c.buttock),
            &lumbar,
        ),
    );
    out.insert(
        MeasurementId::ThoracicKyphosisDepth.name().to_string(),
        ratio(
            c.kyphosis_depth,
            spread.kyphosis_depth_body_sd,
            &thoracic,
            false,
        ),
    );
    out.insert(
        MeasurementId::ThoracicKyphosisAngle.name().to_string(),
        bend(
            c.kyphosis_depth,
            c.kyphosis_deg,
            spread.kyphosis_angle_body_sd_deg,
            chord(&c.c7, &c.lumbar_apex),
            &thoracic,
        ),
    );
    out.insert(
        MeasurementId::ButtockProminence.name().to_string(),
        ratio(
            c.buttock_prominence,
            spread.buttock_body_sd,
            &[&c.lumbar_apex, &c.buttock],
            false,
        ),
    );
    // Cloth hanging from the upper back to the buttock bridges the lumbar
    // hollow; a buttock that barely stands out is the sign (the same limit
    // as the pelvis estimate's).
    (c.buttock_prominence < limits().pelvis.min_buttock_curve_torso).then(|| {
        "spine curves: the back hangs almost straight from the upper back to the buttock (loose clothing over the lumbar hollow, or a flat back); in loose clothing the lordosis reads flatter than it is, so close-fitting clothing gives a firmer reading".to_string()
    })
}
