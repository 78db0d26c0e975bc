//! Standing pelvic tilt: the ASIS-PSIS line against the horizontal, positive
//! for anterior tilt, by one of three methods.
//!
//! - `landmarks`: the user gives the ASIS and PSIS in image pixels: exact.
//! - `markers`: two coloured adhesive dots on ASIS and PSIS are found near the
//!   hip: the same angle, from the dots' centres.
//! - `estimate`: no markers. Tilting the pelvis turns the body outline
//!   around it, at the front (lower abdomen to pubis) and at the back (lumbar
//!   hollow to buttock). sagitta finds both outlines in the person mask at 12
//!   heights between the waist and just below the hip joint, fits a straight
//!   line to each, and reads its inclination (positive when the outline runs
//!   backwards as it descends, as anterior tilt makes it). Each inclination
//!   is turned into a tilt by a straight line fitted on rendered people whose
//!   tilt is known (samples/render, the accuracy sweep of benches/README.md):
//!   the outline turns less than the pelvis itself (soft tissue), so the
//!   gain is above one, and the offset is where a neutral pelvis leaves the
//!   outline. The front outline follows the tilt far better than the back
//!   one, whose slope depends mostly on the buttock's shape, so the front
//!   gives the estimate and the back stands in where the front is hidden.
//!   Where an arm lies along most of the front outline (a forearm hanging in
//!   front of the belly), that outline may be the arm's, and the back one is
//!   weighed in, each by the inverse of its variance. The uncertainty is a
//!   90 % bound from the calibration's residual spread across bodies,
//!   widened by the spread pelvic shape alone gives the ASIS-PSIS angle in
//!   real pelves (Preece2008), which the rendered skeleton does not vary.
//!   Heights where a hand or an arm crosses an outline are skipped, and so
//!   is a point standing outside the line through the others by more than
//!   a finger's thickness (a hand the keypoints missed); an outline left
//!   with too few heights, or too irregular to be a body contour, is not
//!   used; with neither outline left, the estimate is
//!   declined with the reason. A back outline that hangs straight from the
//!   waist (loose clothing, or a flat buttock) is still used, since a tucked
//!   pelvis flattens the buttock too, but with a wider uncertainty, a lower
//!   confidence and a warning.
//!
//! The calibration lines, the outline's limits and the marker search's
//! limits are `pelvis` in `assets/limits.toml`, each with its provenance.
use image::RgbImage;

use crate::limits::limits;
use crate::pose::Joint;
use crate::schema::{self, Measurement, Side};

use super::conventions::pelvic_tilt_deg;
use super::geometry::Vec2;
use super::markers::{MarkerColor, find_markers, off_the_balls};
use super::protocol::View;
use super::{Body, Limb, angle, declined, joint, round};

/// How the pelvic tilt is obtained.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum PelvisInput {
    /// From the body outline; needs nothing from the user.
    #[default]
    Estimate,
    /// ASIS and PSIS given in photo pixels.
    Landmarks { asis: (f64, f64), psis: (f64, f64) },
    /// Coloured dots on ASIS and PSIS.
    Markers(MarkerColor),
    /// Coloured raised balls on ASIS and PSIS (SAPO-style): as `Markers`,
    /// with the tilt corrected for the balls' centres standing one radius
    /// off the skin.
    MarkerBalls(MarkerColor),
}

/// Standard deviations to a two-sided 90 % bound: `uncertainty_deg` covers
/// nine errors in ten, as the keypoint angles' 90th-percentile errors do.
pub(crate) const SD_TO_90_PERCENT: f64 = 1.645;
/// Heights at which the outline is sampled between the waist and the
/// buttock (the band's limits are `pelvis.band_*` in `assets/limits.toml`).
const BAND_LEVELS: usize = 12;

/// A pelvic tilt measurement, and a warning where the estimate leans on an
/// outline that may be cloth rather than body.
pub fn measure(
    body: &Body,
    view: &View,
    photo: Option<&RgbImage>,
    input: &PelvisInput,
) -> (Measurement, Option<String>) {
    match input {
        PelvisInput::Estimate => estimate(body, view),
        PelvisInput::Landmarks { asis, psis } => {
            let (asis, psis) = (
                body.from_photo(Vec2::new(asis.0, asis.1)),
                body.from_photo(Vec2::new(psis.0, psis.1)),
            );
            (from_points(body, "landmarks", asis, psis, view), None)
        }
        PelvisInput::Markers(color) | PelvisInput::MarkerBalls(color) => {
            let found = photo
                .ok_or_else(|| {
                    "the marker dots are found in the photo, and none was read".to_string()
                })
                .and_then(|image| find_markers(image, body, view, *color));
            match found {
                Ok(pair) if matches!(input, PelvisInput::MarkerBalls(_)) => {
                    let (asis, psis, spread_deg) = off_the_balls(&pair);
                    let tilt = from_points(body, "markers", asis, psis, view);
                    (widened(tilt, spread_deg), None)
                }
                Ok(pair) => (
                    from_points(body, "markers", pair.asis, pair.psis, view),
                    None,
                ),
                Err(reason) => (declined("markers", reason), None),
            }
        }
    }
}

/// A tilt from marker balls, its uncertainty widened by the spread of the
/// correction for the balls' lift.
fn widened(tilt: Measurement, spread_deg: f64) -> Measurement {
    match tilt {
        Measurement::Made(reading) => Measurement::Made(schema::Reading {
            uncertainty_deg: reading
                .uncertainty_deg
                .map(|u| round(u.hypot(SD_TO_90_PERCENT * spread_deg), 1)),
            ..reading
        }),
        declined => declined,
    }
}

fn from_points(body: &Body, method: &str, asis: Vec2, psis: Vec2, view: &View) -> Measurement {
    if let Err(reason) = landmarks_on_the_body(body, view, asis, psis) {
        return declined(method, reason);
    }
    match pelvic_tilt_deg(asis, psis, view.anterior) {
        Some(value)
            if !(limits().pelvis.landmark_min_tilt_deg..=limits().pelvis.landmark_max_tilt_deg)
                .contains(&value) =>
        {
            declined(
                method,
                format!(
                    "the ASIS and PSIS given make a tilt of {value:.1} degrees, outside the {} to {} a pelvis can show (Preece2008): check the points",
                    limits().pelvis.landmark_min_tilt_deg,
                    limits().pelvis.landmark_max_tilt_deg
                ),
            )
        }
        Some(value) => Measurement::Made(schema::Reading {
            points_px: body.photo_points(&[psis, asis]),
            // Palpated landmarks: the angle itself is exact, the palpation is not.
            uncertainty_deg: Some(limits().uncertainty.palpation_deg),
            ..angle(value, method, 1.0)
        }),
        None => declined(
            method,
            "the ASIS must lie in front of the PSIS (check which point is which, and the facing)",
        ),
    }
}

/// Whether points given as ASIS and PSIS can be those landmarks of this
/// body: each near the hip keypoint, and as far apart as a pelvis is deep
/// for a torso of this length. A point typed wrong, or placed on another part
/// of the photo, is caught here, before a finding rests on it.
fn landmarks_on_the_body(body: &Body, view: &View, asis: Vec2, psis: Vec2) -> Result<(), String> {
    let limits = &limits().pelvis;
    let near = view.near_side;
    let hip = joint(near, Limb::Hip);
    body.require(&[joint(near, Limb::Shoulder), hip])
        .map_err(|reason| format!("the landmarks cannot be checked against the body: {reason}"))?;
    let torso = body.torso_length(near);
    let hip_at = body.point(hip);
    for (name, point) in [("ASIS", asis), ("PSIS", psis)] {
        let offset = point - hip_at;
        let reach = offset.x.abs().max(offset.y.abs()) / torso;
        if reach > limits.marker_search_torso {
            return Err(format!(
                "the {name} given lies {reach:.2} torso lengths from the hip keypoint, and ASIS and PSIS lie within {}: check the point (a mistyped digit?)",
                limits.marker_search_torso
            ));
        }
    }
    let spacing = (asis - psis).length() / torso;
    if !(limits.landmark_min_spacing_torso..=limits.landmark_max_spacing_torso).contains(&spacing) {
        return Err(format!(
            "the ASIS and PSIS given lie {spacing:.2} torso lengths apart, and a pelvis is {} to {} deep for its torso: check the points",
            limits.landmark_min_spacing_torso, limits.landmark_max_spacing_torso
        ));
    }
    Ok(())
}

/// One traced outline: its inclination (degrees, positive when it runs
/// backwards as it descends), the line fit's angular error, and whether it
/// hangs straight like cloth.
#[derive(Debug, Clone, Copy)]
struct Outline {
    inclination_deg: f64,
    fit_error_deg: f64,
    draped: bool,
    /// The share of the traced points that an arm lies along (within
    /// `arm_clearance_torso` of the segment from shoulder to elbow, elbow to
    /// wrist or wrist to hand): where it is most of them, the outline may be
    /// the arm's rather than the body's.
    arm_share: f64,
    /// The fitted line at the top and the bottom of the band.
    top: Vec2,
    bottom: Vec2,
}

/// A tilt read from one outline through its calibration line, with its
/// spread across bodies and the error the photo itself shows (degrees).
#[derive(Debug, Clone, Copy)]
struct Reading {
    tilt_deg: f64,
    residual_sd_deg: f64,
    measured_deg: f64,
}

impl Reading {
    fn of(calibration: crate::limits::Calibration, outline: &Outline, extra_deg: f64) -> Self {
        Self {
            tilt_deg: calibration.tilt_deg(outline.inclination_deg),
            residual_sd_deg: calibration.residual_sd_deg,
            measured_deg: (calibration.gain * outline.fit_error_deg).hypot(extra_deg),
        }
    }

    /// Both readings weighted by the inverse of their variance. Their errors
    /// are not independent (both follow the body's shape), so the spreads
    /// combine as if fully correlated: an upper bound, not the smaller
    /// figure independence would give.
    fn combined(self, other: Reading) -> (Reading, f64) {
        let variance = |r: &Reading| r.residual_sd_deg.powi(2) + r.measured_deg.powi(2);
        let weight = variance(&other) / (variance(&self) + variance(&other));
        let mix = |a: f64, b: f64| weight * a + (1.0 - weight) * b;
        (
            Reading {
                tilt_deg: mix(self.tilt_deg, other.tilt_deg),
                residual_sd_deg: mix(self.residual_sd_deg, other.residual_sd_deg),
                measured_deg: mix(self.measured_deg, other.measured_deg),
            },
            weight,
        )
    }
}

/// The estimate's 90 % bound: the calibration's residual across bodies, the
/// spread pelvic shape gives real pelves, the error the photo itself shows,
/// and how the lumbar spine takes up the pelvis's turn (which the outline
/// cannot tell: the calibration holds under two lumbar deformations, with
/// their spread), as independent standard deviations.
fn estimate_uncertainty_deg(residual_sd_deg: f64, measured_deg: f64) -> f64 {
    let limits = limits();
    SD_TO_90_PERCENT
        * residual_sd_deg
            .hypot(limits.uncertainty.pelvic_morphology_sd_deg)
            .hypot(measured_deg)
            .hypot(limits.pelvis.lumbar_deformation_sd_deg)
}

fn estimate(body: &Body, view: &View) -> (Measurement, Option<String>) {
    const METHOD: &str = "estimate";
    let near = view.near_side;
    let (shoulder, hip) = (joint(near, Limb::Shoulder), joint(near, Limb::Hip));
    if let Err(reason) = body
        .require(&[shoulder, hip])
        .and_then(|()| body.require_mask())
    {
        return (declined(METHOD, reason), None);
    }
    let torso = body.torso_length(near);
    let arms = Arms::of(body);

    let back = outline(body, view, near, torso, Edge::Back, &arms);
    let front = outline(body, view, near, torso, Edge::Front, &arms);
    // The front outline gives the estimate; the back one stands in where the
    // front is hidden, and is weighed in where an arm lies along most of the
    // front outline (which then partly traces the arm: on the tilt series
    // such a front barely moved with the tilt, while the back did). Each
    // carries its calibration's spread and the error of its own line fit,
    // scaled like the inclination.
    let limits = &limits().pelvis;
    let front_reading = front
        .as_ref()
        .ok()
        .map(|o| Reading::of(limits.front_calibration, o, 0.0));
    let back_reading = back.as_ref().ok().map(|o| {
        let extra = if o.draped {
            limits.draped_extra_deg
        } else {
            0.0
        };
        Reading::of(limits.back_calibration, o, extra)
    });
    let arm_over_front = front
        .as_ref()
        .is_ok_and(|o| o.arm_share >= limits.arm_over_front_share);
    let (reading, front_weight) = match (front_reading, back_reading) {
        (Some(f), Some(b)) if arm_over_front => {
            let (mixed, weight) = f.combined(b);
            (mixed, Some(weight))
        }
        (Some(f), _) => (f, None),
        (None, Some(b)) => (b, None),
        (None, None) => {
            let (Err(back), Err(front)) = (back, front) else {
                unreachable!("an outline succeeded")
            };
            return (
                declined(
                    METHOD,
                    format!("back outline: {back}; front outline: {front}"),
                ),
                None,
            );
        }
    };
    let value = reading.tilt_deg;
    // The pelvic line the estimate implies, drawn through the hip joint:
    // PSIS end first, as for palpated landmarks.
    let hip_point = body.point(hip);
    let (down, forward) = value.to_radians().sin_cos();
    let half = (view.anterior * forward + super::geometry::UP * -down) * (0.25 * torso);
    // What the photo itself says about the error: the line fit's own error.
    let measured = reading.measured_deg;
    let uncertainty = estimate_uncertainty_deg(reading.residual_sd_deg, measured);
    let from_back = front.is_err();
    let loose = back.as_ref().is_ok_and(|o| o.draped);
    // Halves where the error measured on the photo reaches
    // `confidence_halving_deg`, where
    // only the weaker back outline is left, and where the clothing may hang.
    let confidence = body.min_visibility(&[shoulder, hip])
        * view.lateral_score
        * (1.0 + (measured / limits.confidence_halving_deg).powi(2)).recip()
        * if from_back { 0.5 } else { 1.0 }
        * if loose { 0.5 } else { 1.0 };
    // What the user should know about the evidence behind the value.
    let mut caveats = Vec::new();
    if let Err(reason) = &front {
        caveats.push(format!(
            "the front outline was not used ({reason}), so the estimate rests on the back \
             outline, which follows the tilt less closely"
        ));
    }
    if let Some(weight) = front_weight {
        caveats.push(format!(
            "an arm lies along most of the front outline of the pelvis, so the back outline \
             is weighed in ({:.0} % front, {:.0} % back); arms folded across the chest, or \
             held clear of the trunk, show the front outline whole",
            100.0 * weight,
            100.0 * (1.0 - weight)
        ));
    }
    if loose {
        caveats.push(format!(
            "the back outline hangs straight from the waist (loose clothing, or a flat buttock){}; \
             close-fitting clothing around the pelvis gives a firmer estimate",
            if from_back {
                format!(
                    ", so it is used with {} degrees more uncertainty",
                    limits.draped_extra_deg
                )
            } else {
                String::new()
            }
        ));
    }
    let warning = (!caveats.is_empty()).then(|| format!("pelvic_tilt: {}", caveats.join("; ")));
    (
        Measurement::Made(schema::Reading {
            uncertainty_deg: Some(round(uncertainty, 1)),
            points_px: body.photo_points(&[hip_point - half, hip_point + half]),
            ..angle(value, METHOD, confidence)
        }),
        warning,
    )
}

/// The lower abdominal outline: the front outline's inclination between the
/// waist and the pubis (positive when it runs backwards as it descends, as
/// an anterior tilt makes it), with its 90 % uncertainty from its spread
/// across bodies and its own line fit.
pub fn lower_abdomen(body: &Body, view: &View) -> Measurement {
    const METHOD: &str = "front_outline";
    let near = view.near_side;
    let (shoulder, hip) = (joint(near, Limb::Shoulder), joint(near, Limb::Hip));
    if let Err(reason) = body.require(&[shoulder, hip]).and(body.require_mask()) {
        return declined(METHOD, reason);
    }
    let torso = body.torso_length(near);
    let arms = Arms::of(body);
    let front_calibration = limits().pelvis.front_calibration;
    match outline(body, view, near, torso, Edge::Front, &arms) {
        Ok(front) => Measurement::Made(schema::Reading {
            uncertainty_deg: Some(round(
                // The front outline's spread across the rendered bodies at a
                // given tilt: the front calibration's residual over its gain.
                SD_TO_90_PERCENT
                    * (front_calibration.residual_sd_deg / front_calibration.gain)
                        .hypot(front.fit_error_deg),
                1,
            )),
            points_px: body.photo_points(&[front.top, front.bottom]),
            ..angle(
                front.inclination_deg,
                METHOD,
                body.min_visibility(&[shoulder, hip]) * view.lateral_score,
            )
        }),
        Err(reason) => declined(METHOD, reason),
    }
}

/// The arms in the photo, which may hide an outline: their elbow, wrist and
/// hand keypoints, and the segments between them (shoulder to elbow, elbow
/// to wrist, wrist to hand).
pub(super) struct Arms {
    joints: Vec<Vec2>,
    segments: Vec<(Vec2, Vec2)>,
}

impl Arms {
    pub(super) fn of(body: &Body) -> Self {
        let mut joints = Vec::new();
        let mut segments = Vec::new();
        for side in [Side::Left, Side::Right] {
            let (index, thumb) = match side {
                Side::Left => (Joint::LeftIndex, Joint::LeftThumb),
                Side::Right => (Joint::RightIndex, Joint::RightThumb),
            };
            let [shoulder, elbow, wrist] =
                [Limb::Shoulder, Limb::Elbow, Limb::Wrist].map(|limb| joint(side, limb));
            joints.extend(
                [elbow, wrist, index, thumb]
                    .into_iter()
                    .filter(|&j| body.in_frame(j))
                    .map(|j| body.point(j)),
            );
            segments.extend(
                [
                    (shoulder, elbow),
                    (elbow, wrist),
                    (wrist, index),
                    (wrist, thumb),
                ]
                .into_iter()
                .filter(|&(a, b)| body.in_frame(a) && body.in_frame(b))
                .map(|(a, b)| (body.point(a), body.point(b))),
            );
        }
        Self { joints, segments }
    }

    /// An elbow, wrist or hand keypoint lies within `clearance` of `point`:
    /// the outline there is skipped.
    pub(super) fn hide(&self, point: Vec2, clearance: f64) -> bool {
        self.joints.iter().any(|a| a.distance(point) < clearance)
    }

    /// An arm segment passes within `clearance` of `point`.
    fn lie_along(&self, point: Vec2, clearance: f64) -> bool {
        self.segments
            .iter()
            .any(|&(a, b)| point.distance_to_segment(a, b) < clearance)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Edge {
    Back,
    Front,
}

/// Finds one outline of the body between the waist and the hip joint and
/// fits a line to it. Heights where a hand or an arm lies over the outline
/// are skipped, whether its keypoints show it or the outline's bulge does.
fn outline(
    body: &Body,
    view: &View,
    near: Side,
    torso: f64,
    edge: Edge,
    arms: &Arms,
) -> Result<Outline, String> {
    let name = if edge == Edge::Back { "back" } else { "front" };
    let hip = body.point(joint(near, Limb::Hip));
    let shoulder = body.point(joint(near, Limb::Shoulder));
    let outward = if edge == Edge::Back {
        view.anterior * -1.0
    } else {
        view.anterior
    };
    let backward = view.anterior * -1.0;
    let limits = &limits().pelvis;
    let (band_top, band_bottom) = (limits.band_top_torso, limits.band_bottom_torso);
    let mut points = Vec::with_capacity(BAND_LEVELS);
    let mut occluded = false;
    // Traced heights, and those an arm lies along.
    let (mut traced, mut arm_along) = (0usize, 0usize);
    for level in 0..BAND_LEVELS {
        let t = level as f64 / (BAND_LEVELS - 1) as f64;
        let rise = torso * (band_top + (band_bottom - band_top) * t);
        // Start inside the body, on the trunk line at this height.
        let along = rise / torso;
        let start = hip + (shoulder - hip) * along;
        if !body.inside(start) {
            continue;
        }
        let Some(point) = find_edge(body, start, outward, torso)? else {
            continue;
        };
        let clearance = limits.arm_clearance_torso * torso;
        traced += 1;
        if arms.lie_along(point, clearance) {
            arm_along += 1;
        }
        if arms.hide(point, clearance) {
            occluded = true;
            continue;
        }
        // Height below the waist, and how far back the outline lies.
        points.push((-(point - hip).dot(super::geometry::UP), point.dot(backward)));
    }
    // A hand or a fold over the outline can only push it outwards, and its
    // keypoints may miss it (a far hand the model barely sees).
    let outward_sign = if edge == Edge::Back { 1.0 } else { -1.0 };
    let level_step = torso * (band_top - band_bottom) / (BAND_LEVELS - 1) as f64;
    if drop_outward_bumps(
        &mut points,
        outward_sign,
        limits.max_bump_torso * torso,
        2.0 * level_step,
    ) {
        occluded = true;
    }
    let band = torso * (band_top - band_bottom);
    let span =
        points.last().map_or(0.0, |last| last.0) - points.first().map_or(0.0, |first| first.0);
    if (points.len() as f64) < limits.min_level_share * BAND_LEVELS as f64
        || span < limits.min_span_share * band
    {
        return Err(if occluded {
            format!("a hand or arm lies over the {name} outline of the pelvis")
        } else {
            format!("the {name} outline of the pelvis was not found in the person mask")
        });
    }
    let (slope, residual) = fit_line(&points);
    if residual > limits.max_residual_torso * torso {
        return Err(format!(
            "the {name} outline of the pelvis is irregular (loose clothing, hair or a hand over it)"
        ));
    }
    // The fitted line's ends, back in the photo frame: `backward` offset
    // `mean + slope * (height - mean height)` at the first and last heights.
    let (first, last) = (points[0].0, points[points.len() - 1].0);
    let mean_height = points.iter().map(|p| p.0).sum::<f64>() / points.len() as f64;
    let mean_back = points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64;
    let at = |height: f64| {
        let back = mean_back + slope * (height - mean_height);
        // Height is measured down from the hip; `backward` is horizontal.
        let horizontal = backward * (back - hip.dot(backward));
        Vec2::new(hip.x + horizontal.x, hip.y + height)
    };
    Ok(Outline {
        top: at(first),
        bottom: at(last),
        inclination_deg: slope.atan().to_degrees(),
        fit_error_deg: (residual / band).atan().to_degrees(),
        draped: edge == Edge::Back && !buttock_stands_out(torso, &points),
        arm_share: arm_along as f64 / traced.max(1) as f64,
    })
}

/// Walks from `start` (inside the body) along `outward` to where the person
/// mask ends; `None` if it does not end within a torso length.
pub(super) fn find_edge(
    body: &Body,
    start: Vec2,
    outward: Vec2,
    torso: f64,
) -> Result<Option<Vec2>, String> {
    const STEP: f64 = crate::pose::OUTLINE_STEP_PX;
    let (width, height) = body.photo_size();
    let contour = limits().mask.person_probability;
    let mut previous = body.mask_at(start);
    let mut distance = 0.0;
    while distance < torso {
        let point = start + outward * (distance + STEP);
        let photo = body.to_photo(point);
        if photo.x < 0.0 || photo.y < 0.0 || photo.x >= width || photo.y >= height {
            return Err("the body is cut by the frame around the pelvis".to_string());
        }
        let current = body.mask_at(point);
        if current < contour {
            let fraction = (previous - contour) / (previous - current).max(1e-9);
            return Ok(Some(start + outward * (distance + fraction * STEP)));
        }
        previous = current;
        distance += STEP;
    }
    Ok(None)
}

/// Removes, one at a time, the point lying furthest outside the line fitted
/// to the others (`outward_sign`: +1 where outside is a larger offset, -1
/// where it is a smaller one) while that is more than `limit`, keeping at
/// least three points; says whether any was removed. Only a point with
/// another within `neighbour_gap` of its height is judged: a lone point
/// beyond a gap (heights skipped for an arm) is where the line is least
/// known, not evidence of a hand.
fn drop_outward_bumps(
    points: &mut Vec<(f64, f64)>,
    outward_sign: f64,
    limit: f64,
    neighbour_gap: f64,
) -> bool {
    let mut removed = false;
    while points.len() > 3 {
        let worst = (0..points.len())
            .filter(|&i| {
                points
                    .iter()
                    .enumerate()
                    .any(|(j, p)| j != i && (p.0 - points[i].0).abs() <= neighbour_gap)
            })
            .map(|i| {
                let others: Vec<_> = points
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(_, &p)| p)
                    .collect();
                let (intercept, slope) = line_through(&others);
                (
                    i,
                    outward_sign * (points[i].1 - intercept - slope * points[i].0),
                )
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match worst {
            Some((i, outside)) if outside > limit => {
                points.remove(i);
                removed = true;
            }
            _ => break,
        }
    }
    removed
}

/// Whether the buttock stands out behind the waist, as a body contour does;
/// cloth hanging straight from the back does not.
fn buttock_stands_out(torso: f64, band: &[(f64, f64)]) -> bool {
    let waist = band[0].1;
    let lower_half = &band[band.len() / 2..];
    let buttock = lower_half.iter().map(|p| p.1).fold(f64::MIN, f64::max);
    buttock - waist >= limits().pelvis.min_buttock_curve_torso * torso
}

/// Least-squares line `y = a + b x`; returns the slope and the RMS residual.
fn fit_line(points: &[(f64, f64)]) -> (f64, f64) {
    let (intercept, slope) = line_through(points);
    let residual = (points
        .iter()
        .map(|p| (p.1 - intercept - slope * p.0).powi(2))
        .sum::<f64>()
        / points.len() as f64)
        .sqrt();
    (slope, residual)
}

/// Least-squares line `y = a + b x`; returns `(a, b)`.
fn line_through(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum::<f64>();
    let sxy = points
        .iter()
        .map(|p| (p.0 - mean_x) * (p.1 - mean_y))
        .sum::<f64>();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (mean_y - slope * mean_x, slope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_over_the_outline_is_dropped_and_a_hollow_is_kept() {
        // A front outline (offsets grow backwards) on y = 10 + 0.5 x.
        let line = |x: f64| 10.0 + 0.5 * x;
        let clean: Vec<(f64, f64)> = (0..8).map(|i| (i as f64, line(i as f64))).collect();

        // Fingers 6 px in front of the body at the top: dropped (outside
        // is a smaller offset for the front outline), and the fit is exact.
        let mut bumped = clean.clone();
        bumped[0].1 -= 6.0;
        assert!(drop_outward_bumps(&mut bumped, -1.0, 3.0, 1.5));
        assert_eq!(bumped, clean[1..]);
        let (slope, residual) = fit_line(&bumped);
        assert!((slope - 0.5).abs() < 1e-12 && residual < 1e-12);

        // A hollow (inwards) is the body's own shape: kept.
        let mut hollow = clean.clone();
        hollow[4].1 += 6.0;
        assert!(!drop_outward_bumps(&mut hollow, -1.0, 3.0, 1.5));
        assert_eq!(hollow.len(), 8);

        // For the back outline outside is a larger offset.
        let mut back = clean.clone();
        back[7].1 += 6.0;
        assert!(drop_outward_bumps(&mut back, 1.0, 3.0, 1.5));
        assert_eq!(back, clean[..7]);

        // A step within the limit is not a hand.
        let mut small = clean.clone();
        small[0].1 -= 2.0;
        assert!(!drop_outward_bumps(&mut small, -1.0, 3.0, 1.5));

        // Two bumped heights go one after the other; three points stay.
        let mut two = clean.clone();
        two[0].1 -= 8.0;
        two[1].1 -= 7.0;
        assert!(drop_outward_bumps(&mut two, -1.0, 3.0, 1.5));
        assert_eq!(two, clean[2..]);
        // A lone point beyond a gap of skipped heights is not judged.
        let mut lone: Vec<(f64, f64)> = clean[..5].to_vec();
        lone.push((12.0, line(12.0) - 6.0));
        let kept = lone.clone();
        assert!(!drop_outward_bumps(&mut lone, -1.0, 3.0, 1.5));
        assert_eq!(lone, kept);

        let mut tiny = clean[..3].to_vec();
        tiny[0].1 -= 9.0;
        assert!(!drop_outward_bumps(&mut tiny, -1.0, 3.0, 1.5));
    }

    #[test]
    fn the_estimate_uncertainty_carries_the_lumbar_deformation_spread() {
        let limits = limits();
        let (residual, shape) = (6.6, limits.uncertainty.pelvic_morphology_sd_deg);
        let deformation = limits.pelvis.lumbar_deformation_sd_deg;
        assert!(deformation > 0.0);
        let stated = estimate_uncertainty_deg(residual, 2.0);
        let sum_of_squares: f64 = [residual, shape, 2.0, deformation]
            .iter()
            .map(|x| x * x)
            .sum();
        assert!(
            (stated - 1.645 * sum_of_squares.sqrt()).abs() < 1e-9,
            "{stated}"
        );
        assert!(stated > estimate_uncertainty_deg(residual, 0.0));
    }
}
