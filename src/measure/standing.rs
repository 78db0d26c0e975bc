//! Standing side-view measurements: trunk, hip, knee, head and the plumb
//! line (the posture calls are in `posture`).

use std::collections::BTreeMap;

use crate::limits::limits;
use crate::schema::{Measurement, MeasurementId, Reading};

use super::conventions::{
    Quantity, hip_flexion_deg, inclination_to_vertical_deg, knee_flexion_deg, plumb_offset,
};
use super::geometry::{UP, Vec2};
use super::protocol::View;
use super::{Body, Limb, angle, declined, joint, round};

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
    let oblique = (view.lateral_score < limits().view.min_lateral_score).then(|| {
        format!(
            "the view is too oblique for sagittal angles (side-view score {:.2})",
            view.lateral_score
        )
    });

    let mut angle_from = |id: MeasurementId,
                          joints: &[crate::pose::Joint],
                          compute: &dyn Fn() -> Option<f64>| {
        let measurement = match (&oblique, body.require(joints)) {
            (Some(reason), _) => declined(KEYPOINTS, reason.clone()),
            (None, Err(reason)) => declined(KEYPOINTS, reason),
            (None, Ok(())) => match compute() {
                Some(value) => Measurement::Made(Reading {
                    points_px: body
                        .photo_points(&joints.iter().map(|&j| body.point(j)).collect::<Vec<_>>()),
                    ..angle(
                        value,
                        KEYPOINTS,
                        body.min_visibility(joints) * view.lateral_score,
                    )
                }),
                None => declined(KEYPOINTS, "the keypoints coincide"),
            },
        };
        out.insert(id.name().to_string(), measurement);
    };
    let p = |j| body.point(j);
    angle_from(MeasurementId::TrunkInclination, &[hip, shoulder], &|| {
        inclination_to_vertical_deg(p(hip), p(shoulder), anterior)
    });
    angle_from(
        MeasurementId::StandingHipFlexion,
        &[shoulder, hip, knee],
        &|| hip_flexion_deg(p(shoulder), p(hip), p(knee), anterior),
    );
    angle_from(
        MeasurementId::StandingKneeFlexion,
        &[hip, knee, ankle],
        &|| knee_flexion_deg(p(hip), p(knee), p(ankle), anterior),
    );
    angle_from(MeasurementId::HeadForward, &[shoulder, ear], &|| {
        inclination_to_vertical_deg(p(shoulder), p(ear), anterior)
    });
    if let Some(m) = out
        .get_mut(MeasurementId::HeadForward.name())
        .and_then(Measurement::reading_mut)
    {
        m.reference = Some(
            "none: no published norm exists for this ear-shoulder angle; it is not the craniovertebral angle (see craniovertebral_angle)"
                .to_string(),
        );
    }
    let cva = match (&oblique, body.require(&[shoulder, ear])) {
        (Some(reason), _) => declined(CVA_METHOD, reason.clone()),
        (None, Err(reason)) => declined(CVA_METHOD, reason),
        (None, Ok(())) => craniovertebral(body, view, p(shoulder), p(ear))
            .unwrap_or_else(|reason| declined(CVA_METHOD, reason)),
    };
    out.insert(MeasurementId::CraniovertebralAngle.name().to_string(), cva);

    // The plumb line runs up from the ankle; offsets are fractions of the
    // height from the ankle to the top of the head (found in the person mask).
    let plumb_joints = [ear, shoulder, hip, knee, ankle];
    let height = match (&oblique, body.require(&plumb_joints)) {
        (Some(reason), _) => Err(reason.clone()),
        (None, Err(reason)) => Err(reason),
        (None, Ok(())) => head_top(body, body.torso_length(near)).map(|top| p(ankle).y - top.y),
    };
    for (id, limb) in [
        (MeasurementId::PlumbEar, ear),
        (MeasurementId::PlumbShoulder, shoulder),
        (MeasurementId::PlumbHip, hip),
        (MeasurementId::PlumbKnee, knee),
    ] {
        let measurement = match &height {
            Err(reason) => declined("plumb_line", reason.clone()),
            Ok(height) => match plumb_offset(p(limb), p(ankle), anterior, *height) {
                Some(value) => Measurement::Made(Reading {
                    value: Some(round(value, 3)),
                    unit: Quantity::HeightFraction.unit().map(str::to_string),
                    method: "plumb_line".to_string(),
                    uncertainty: Some(limits().uncertainty.plumb_height),
                    confidence: Some(round(
                        body.min_visibility(&[limb, ankle]) * view.lateral_score,
                        2,
                    )),
                    points_px: body.photo_points(&[p(ankle), p(limb)]),
                    ..Reading::default()
                }),
                None => declined("plumb_line", "the body height could not be measured"),
            },
        };
        out.insert(id.name().to_string(), measurement);
    }
}

/// The measurements a step changes: the leg angles, and the plumb line,
/// which runs up from the ankle.
const LEG_MEASUREMENTS: [MeasurementId; 6] = [
    MeasurementId::StandingHipFlexion,
    MeasurementId::StandingKneeFlexion,
    MeasurementId::PlumbEar,
    MeasurementId::PlumbShoulder,
    MeasurementId::PlumbHip,
    MeasurementId::PlumbKnee,
];

/// Declines the leg measurements that were made, with `reason`; those
/// already declined keep their own reason.
pub fn decline_legs(out: &mut BTreeMap<String, Measurement>, reason: &str) {
    for id in LEG_MEASUREMENTS {
        if let Some(m) = out.get_mut(id.name())
            && let Measurement::Made(made) = m
        {
            *m = declined(&made.method, reason);
        }
    }
}

const CVA_METHOD: &str = "keypoints_and_outline";

/// The craniovertebral angle after Wilmarth2002: the line from C7 to the
/// tragus against the horizontal (smaller = head further forward). The ear
/// keypoint stands for the tragus; C7 is found on the back outline of the
/// person mask at `neck.c7_level` of the way from the shoulder keypoint up to
/// the ear, walking backwards. Its uncertainty (`uncertainty.craniovertebral_deg`)
/// exceeds the gap between the published means with and without neck pain
/// (Lau2009), so the value is not classified.
fn craniovertebral(
    body: &Body,
    view: &View,
    shoulder: Vec2,
    ear: Vec2,
) -> Result<Measurement, String> {
    let anterior = view.anterior;
    if anterior.y != 0.0 {
        return Err("needs an upright side view".to_string());
    }
    body.require_mask()?;
    let level = shoulder.y + limits().neck.c7_level * (ear.y - shoulder.y);
    let start = Vec2::new(shoulder.x, level);
    if !body.inside(start) {
        return Err("the base of the neck is not inside the person outline".to_string());
    }
    let backwards = anterior * -1.0;
    let reach = body.torso_length(view.near_side).max(10.0);
    let mut travelled = 0.0;
    let mut c7 = None;
    while travelled < reach {
        let point = start + backwards * travelled;
        let photo = body.to_photo(point);
        let (width, height) = body.photo_size();
        if photo.x < 0.0 || photo.y < 0.0 || photo.x >= width || photo.y >= height {
            return Err("the back of the neck is outside the photo".to_string());
        }
        if !body.inside(point) {
            c7 = Some(point);
            break;
        }
        travelled += 0.5;
    }
    let c7 = c7.ok_or("the back of the neck could not be found in the person outline")?;
    let forward = (ear.x - c7.x) * anterior.x;
    let rise = c7.y - ear.y;
    if rise <= 0.0 {
        return Err("the ear is not above the base of the neck".to_string());
    }
    let value = rise.atan2(forward).to_degrees();
    let confidence = body.min_visibility(&[
        super::joint(view.near_side, Limb::Shoulder),
        super::joint(view.near_side, Limb::Ear),
    ]) * view.lateral_score;
    Ok(Measurement::Made(Reading {
        points_px: body.photo_points(&[c7, ear]),
        uncertainty_deg: Some(limits().uncertainty.craniovertebral_deg),
        reference: Some(
            "Wilmarth2002 (definition); Lau2009: 50.6 +/- 2.1 deg without neck pain, 43.9 +/- 3.6 with chronic neck pain; C7 approximated from the outline, so not classified"
                .to_string(),
        ),
        ..angle(value, CVA_METHOD, confidence)
    }))
}

/// The top of the head: from the nose straight up to where the person mask ends.
fn head_top(body: &Body, torso: f64) -> Result<Vec2, String> {
    body.require_mask()?;
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
        if !body.inside(point) {
            return Ok(point);
        }
        travelled += step;
    }
    Err("the top of the head could not be found in the person outline".to_string())
}
