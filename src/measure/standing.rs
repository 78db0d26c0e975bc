//! Standing side-view measurements: trunk, hip, knee, head, the plumb line,
//! and a posture type after Kendall.

use std::collections::BTreeMap;

use crate::analysis::Measurement;

use super::conventions::{
    hip_flexion_deg, inclination_to_vertical_deg, knee_flexion_deg, plumb_offset,
};
use super::geometry::{UP, Vec2};
use super::protocol::View;
use super::{Body, Limb, angle, declined, joint, round};

/// Below this side-view score sagittal angles are declined (see `protocol`).
const MIN_LATERAL_SCORE: f64 = 0.5;
const KEYPOINTS: &str = "keypoints";

pub fn measure(body: &Body, view: &View, out: &mut BTreeMap<String, Measurement>) {
    let near = view.near_side;
    let [ear, shoulder, hip, knee, ankle] = [
        Limb::Ear,
        Limb::Shoulder,
        Limb::Hip,
        Limb::Knee,
        Limb::Ankle,
    ]
    .map(|limb| joint(near, limb));
    let anterior = view.anterior;
    let oblique = (view.lateral_score < MIN_LATERAL_SCORE).then(|| {
        format!(
            "the view is too oblique for sagittal angles (side-view score {:.2})",
            view.lateral_score
        )
    });

    let mut angle_from = |name: &str,
                          joints: &[crate::pose::Joint],
                          compute: &dyn Fn() -> Option<f64>| {
        let measurement = match (&oblique, body.require(joints)) {
            (Some(reason), _) => declined(KEYPOINTS, reason.clone()),
            (None, Err(reason)) => declined(KEYPOINTS, reason),
            (None, Ok(())) => match compute() {
                Some(value) => Measurement {
                    points_px: body
                        .photo_points(&joints.iter().map(|&j| body.point(j)).collect::<Vec<_>>()),
                    ..angle(
                        value,
                        KEYPOINTS,
                        body.min_visibility(joints) * view.lateral_score,
                    )
                },
                None => declined(KEYPOINTS, "the keypoints coincide"),
            },
        };
        out.insert(name.to_string(), measurement);
    };
    let p = |j| body.point(j);
    angle_from("trunk_inclination", &[hip, shoulder], &|| {
        inclination_to_vertical_deg(p(hip), p(shoulder), anterior)
    });
    angle_from("standing_hip_flexion", &[shoulder, hip, knee], &|| {
        hip_flexion_deg(p(shoulder), p(hip), p(knee), anterior)
    });
    angle_from("knee_flexion", &[hip, knee, ankle], &|| {
        knee_flexion_deg(p(hip), p(knee), p(ankle), anterior)
    });
    angle_from("head_forward", &[shoulder, ear], &|| {
        inclination_to_vertical_deg(p(shoulder), p(ear), anterior)
    });

    // The plumb line runs up from the ankle; offsets are fractions of the
    // height from the ankle to the top of the head (found in the person mask).
    let plumb_joints = [ear, shoulder, hip, knee, ankle];
    let height = match (&oblique, body.require(&plumb_joints)) {
        (Some(reason), _) => Err(reason.clone()),
        (None, Err(reason)) => Err(reason),
        (None, Ok(())) => head_top(body, body.torso_length(near)).map(|top| p(ankle).y - top.y),
    };
    for (name, limb) in [
        ("plumb_ear", ear),
        ("plumb_shoulder", shoulder),
        ("plumb_hip", hip),
        ("plumb_knee", knee),
    ] {
        let measurement = match &height {
            Err(reason) => declined("plumb_line", reason.clone()),
            Ok(height) => match plumb_offset(p(limb), p(ankle), anterior, *height) {
                Some(value) => Measurement {
                    value: Some(round(value, 3)),
                    unit: Some("fraction_of_height".to_string()),
                    method: "plumb_line".to_string(),
                    confidence: Some(round(
                        body.min_visibility(&[limb, ankle]) * view.lateral_score,
                        2,
                    )),
                    points_px: body.photo_points(&[p(ankle), p(limb)]),
                    ..Measurement::default()
                },
                None => declined("plumb_line", "the body height could not be measured"),
            },
        };
        out.insert(name.to_string(), measurement);
    }
}

/// The top of the head: from the nose straight up to where the person mask ends.
fn head_top(body: &Body, torso: f64) -> Result<Vec2, String> {
    let nose = body.point(crate::pose::Joint::Nose);
    let step = 1.0;
    // The crown is well within one torso length above the nose.
    let limit = torso.max(10.0);
    let mut travelled = 0.0;
    while travelled < limit {
        let point = nose + UP * travelled;
        let photo = body.to_photo(point);
        if photo.y < 0.0 {
            return Err("the top of the head is outside the photo".to_string());
        }
        if body.mask_at(point) < 0.5 {
            return Ok(point);
        }
        travelled += step;
    }
    Err("the top of the head could not be found in the person outline".to_string())
}

/// Kendall's posture types from the standing angles (Kendall1993):
/// kyphotic-lordotic = hips flexed with knees slightly hyperextended;
/// sway-back = hips extended with the pelvis carried forward; flat-back =
/// hips extended without it; ideal otherwise. Kendall's descriptions are
/// qualitative, so the cut-offs below are sagitta heuristics. Each angle is
/// tested at its bound (value -/+ its `uncertainty_deg`): a type is given
/// only when the angles clear its cut-offs by their uncertainty, `ideal` only
/// when they clearly miss every type's, and `borderline` (listing the types
/// within reach) otherwise.
pub fn classify_posture(measurements: &mut BTreeMap<String, Measurement>) {
    const FLEXED_HIP_DEG: f64 = 10.0;
    const EXTENDED_HIP_DEG: f64 = -5.0;
    const HYPEREXTENDED_KNEE_DEG: f64 = 0.0;
    const PELVIS_FORWARD: f64 = 0.03;
    let usable = |name: &str| {
        measurements
            .get(name)
            .filter(|m| m.declined.is_none() && m.unreliable.is_none())
    };
    let value = |name: &str| usable(name).and_then(|m| m.value_deg.or(m.value));
    let uncertainty = |name: &str| {
        usable(name)
            .and_then(|m| m.uncertainty_deg)
            .unwrap_or(0.0)
            .abs()
    };
    let confidence = |name: &str| {
        measurements
            .get(name)
            .and_then(|m| m.confidence)
            .unwrap_or(0.0)
    };
    let needed = [
        "standing_hip_flexion",
        "knee_flexion",
        "plumb_hip",
        "plumb_shoulder",
    ];
    let measurement = match needed.map(value) {
        [Some(hip), Some(knee), Some(plumb_hip), Some(plumb_shoulder)] => {
            let (hu, ku) = (
                uncertainty("standing_hip_flexion"),
                uncertainty("knee_flexion"),
            );
            let kyphotic_clear = hip - hu >= FLEXED_HIP_DEG && knee + ku <= HYPEREXTENDED_KNEE_DEG;
            let kyphotic_near = hip + hu >= FLEXED_HIP_DEG && knee - ku <= HYPEREXTENDED_KNEE_DEG;
            let extended_clear = hip + hu <= EXTENDED_HIP_DEG;
            let extended_near = hip - hu <= EXTENDED_HIP_DEG;
            let extended_kind = if plumb_hip - plumb_shoulder >= PELVIS_FORWARD {
                "sway_back"
            } else {
                "flat_back"
            };
            let mut near = Vec::new();
            let kind = if kyphotic_clear {
                "kyphotic_lordotic"
            } else if extended_clear {
                extended_kind
            } else {
                if kyphotic_near {
                    near.push("kyphotic_lordotic".to_string());
                }
                if extended_near {
                    near.push(extended_kind.to_string());
                }
                if near.is_empty() {
                    "ideal"
                } else {
                    "borderline"
                }
            };
            Measurement {
                method: "kendall_rules".to_string(),
                confidence: Some(round(needed.map(confidence).into_iter().fold(1.0, f64::min), 2)),
                classification: Some(kind.to_string()),
                borderline: near,
                reference: Some(
                    "Kendall1993; cut-offs (hip flexed 10 deg, extended -5 deg, knee 0 deg) are sagitta heuristics, each angle tested at its uncertainty"
                        .to_string(),
                ),
                ..Measurement::default()
            }
        }
        _ => declined(
            "kendall_rules",
            "needs the hip and knee angles and the plumb line, which were declined or unreliable",
        ),
    };
    measurements.insert("posture_type".to_string(), measurement);
}
