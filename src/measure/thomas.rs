//! The (modified) Thomas test from a side photo: the test thigh against the
//! horizontal, the test knee's flexion, the held hip's flexion, and whether
//! the trunk is level enough for the test to be valid.

use std::collections::BTreeMap;

use crate::limits::limits;
use crate::schema::{Measurement, MeasurementId, Protocol, Reading};

use super::conventions::{below_horizontal_deg, hip_flexion_deg, knee_flexion_deg};
use super::protocol::{Refusal, View, hip_flexion_of, side_name, thomas_legs};
use super::{Body, Limb, angle, declined, joint, other};

/// The leg whose ankle hangs lowest below its knee (in thigh lengths, image
/// down), among those whose hip, knee and ankle are in the photo.
pub fn hanging_leg(body: &Body) -> Option<crate::schema::Side> {
    use crate::schema::Side;
    [Side::Left, Side::Right]
        .into_iter()
        .filter(|&side| {
            [Limb::Hip, Limb::Knee, Limb::Ankle]
                .iter()
                .all(|&l| body.in_frame(joint(side, l)))
        })
        .map(|side| {
            let (hip, knee, ankle) = (
                body.point(joint(side, Limb::Hip)),
                body.point(joint(side, Limb::Knee)),
                body.point(joint(side, Limb::Ankle)),
            );
            (side, (ankle.y - knee.y) / hip.distance(knee).max(1e-9))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(side, _)| side)
}

const KEYPOINTS: &str = "keypoints";

pub fn measure(
    body: &Body,
    view: &View,
    protocol: &mut Protocol,
    out: &mut BTreeMap<String, Measurement>,
) {
    let flexion = |side| hip_flexion_of(body, side, view.anterior);
    // A detected test measures the leg that is free (the less flexed one). A
    // forced one the photo does not show measures the leg that hangs lowest
    // below its knee, as the test leg hangs off the table end; with neither
    // ankle in the photo, the less flexed leg.
    let (held, test, how) = if protocol.forced && !protocol.valid {
        match hanging_leg(body) {
            Some(test) => (other(test), test, "the leg hanging lowest below its knee"),
            None => {
                let (held, test) = thomas_legs(
                    flexion(crate::schema::Side::Left),
                    flexion(crate::schema::Side::Right),
                );
                (
                    held,
                    test,
                    "the less flexed leg; neither ankle is in the photo",
                )
            }
        }
    } else {
        let (held, test) = thomas_legs(
            flexion(crate::schema::Side::Left),
            flexion(crate::schema::Side::Right),
        );
        (held, test, "the free leg")
    };
    let [shoulder, hip, knee, ankle] =
        [Limb::Shoulder, Limb::Hip, Limb::Knee, Limb::Ankle].map(|l| joint(test, l));
    let [held_shoulder, held_hip, held_knee] =
        [Limb::Shoulder, Limb::Hip, Limb::Knee].map(|l| joint(held, l));
    let p = |j| body.point(j);
    // Towards the feet along the body, for "below the horizontal".
    let feet = p(hip) - p(shoulder);

    // `points` are the joints the value is drawn from, in `points_px` order;
    // `also` are joints it needs besides (the shoulder gives the way to the feet).
    let mut put = |id: MeasurementId,
                   points: &[crate::pose::Joint],
                   also: &[crate::pose::Joint],
                   value: Option<f64>| {
        let required: Vec<_> = points.iter().chain(also).copied().collect();
        let measurement = match (body.require(&required), value) {
            (Err(reason), _) => declined(KEYPOINTS, reason),
            (Ok(()), None) => declined(KEYPOINTS, "the keypoints coincide"),
            (Ok(()), Some(value)) => Measurement::Made(Reading {
                points_px: body
                    .photo_points(&points.iter().map(|&j| body.point(j)).collect::<Vec<_>>()),
                ..angle(
                    value,
                    KEYPOINTS,
                    body.min_visibility(&required) * view.lateral_score,
                )
            }),
        };
        out.insert(id.name().to_string(), measurement);
    };
    put(
        MeasurementId::HipExtension,
        &[hip, knee],
        &[shoulder],
        below_horizontal_deg(p(hip), p(knee), feet),
    );
    put(
        MeasurementId::ThomasKneeFlexion,
        &[hip, knee, ankle],
        &[],
        knee_flexion_deg(p(hip), p(knee), p(ankle), view.anterior),
    );
    put(
        MeasurementId::ContralateralHipFlexion,
        &[held_shoulder, held_hip, held_knee],
        &[],
        hip_flexion_deg(p(held_shoulder), p(held_hip), p(held_knee), view.anterior),
    );
    let trunk_tilt = below_horizontal_deg(p(shoulder), p(hip), feet);
    put(MeasurementId::TrunkTilt, &[shoulder, hip], &[], trunk_tilt);

    protocol.reason = format!("{} (test leg: {}, {how})", protocol.reason, side_name(test));
    protocol.test_leg = Some(test);
    // The thigh-against-horizontal angle is confounded by pelvic tilt; the
    // test is valid only with the pelvis controlled (Vigotsky2016), which the
    // photo shows through the held hip and the trunk.
    if protocol.valid {
        let limits = &limits().protocol;
        let held_flexion = flexion(held);
        if held_flexion < limits.min_held_hip_flexion_deg {
            protocol.valid = false;
            protocol.retake = Some(Refusal::NoHeldKnee.advice().to_string());
            protocol.reason = format!(
                "the other knee is not held to the chest (hip flexion {held_flexion:.0} degrees), so the lumbar spine is not flattened"
            );
        } else if let Some(tilt) = trunk_tilt.filter(|t| t.abs() > limits.max_trunk_tilt_deg) {
            protocol.valid = false;
            protocol.retake = Some(Refusal::TrunkNotLevel.advice().to_string());
            protocol.reason = format!(
                "compensation: the trunk is tilted {tilt:.0} degrees from level, so pelvic tilt may be masking the hip angle (Vigotsky2016)"
            );
        }
    }
    protocol.assumptions.push(
        "the table is level: the thigh angle is read against the image horizontal".to_string(),
    );
}
