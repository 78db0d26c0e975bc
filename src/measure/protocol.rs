//! Which way the person faces, which side is nearer the camera, how side-on
//! the view is, and which test protocol the photo shows. Every limit comes
//! from `assets/limits.toml` (`view` and `protocol`).

use crate::limits::limits;
use crate::schema::{Facing, Protocol, ProtocolKind, Side};

use super::conventions::{hip_flexion_deg, knee_flexion_deg};
use super::geometry::{UP, Vec2};
use super::{Body, Limb, ProtocolChoice, joint, other};

/// How the person is seen.
#[derive(Debug, Clone, Copy)]
pub struct View {
    /// The front direction of the body in the image: horizontal for an
    /// upright person, straight up for one lying on the back.
    pub anterior: Vec2,
    pub facing: Option<Facing>,
    pub near_side: Side,
    /// 1 = true side view, 0 = frontal.
    pub lateral_score: f64,
    /// Trunk angle from vertical, degrees (0 upright, 90 lying).
    pub trunk_from_vertical_deg: f64,
}

/// A trunk this far from vertical is lying down.
fn is_lying(trunk_from_vertical_deg: f64) -> bool {
    trunk_from_vertical_deg > limits().protocol.lying_deg
}

impl View {
    /// Whether the body lies down (on the back, front or side).
    pub fn lying(&self) -> bool {
        is_lying(self.trunk_from_vertical_deg)
    }
}

/// Lying face down: on the back the nose points to the ceiling, above the
/// ears; face down it points to the floor, below them.
fn face_down(body: &Body) -> bool {
    let ear_mid = body
        .point(joint(Side::Left, Limb::Ear))
        .midpoint(body.point(joint(Side::Right, Limb::Ear)));
    body.point(crate::pose::Joint::Nose).y > ear_mid.y
}

/// Why the keypoints' legs may be wrong in a way that decides the protocol,
/// so that a second, closer look (where the pose source has one) is worth
/// its cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondLookCue {
    /// A Thomas test, or a body lying on its back with a foot hanging below
    /// the hips, where one may be shown even if these keypoints miss it (the
    /// first model swaps the held and the free leg on some lying bodies).
    LyingWithFootDown,
    /// An upright side view refused only for its legs (a bent knee, a split
    /// stance, a raised heel) by a reading within the keypoints' own error of
    /// its limit: on 4 of the 48 renders of the tilt series
    /// (benches/README.md) the first look put the knee or a heel of a
    /// standing person in clothing close to the background's colour where a
    /// step would put it; a look on the crop its own keypoints imply did not.
    UprightRejectedForLegs,
}

/// Whether the keypoints may show a Thomas test even where they do not show
/// it clearly: a body lying on its back with a foot hanging below the hips,
/// whichever leg the keypoints call which.
fn may_show_thomas_test(body: &Body, view: &View) -> bool {
    if !view.lying() || face_down(body) {
        return false;
    }
    let hips = body
        .point(joint(Side::Left, Limb::Hip))
        .midpoint(body.point(joint(Side::Right, Limb::Hip)));
    let lowest_ankle = [Side::Left, Side::Right]
        .map(|side| body.point(joint(side, Limb::Ankle)).y)
        .into_iter()
        .fold(f64::MIN, f64::max);
    let torso = body.torso_length(view.near_side).max(1e-9);
    (lowest_ankle - hips.y) / torso >= limits().protocol.min_thomas_ankle_drop_torso
}

/// Works out facing, near side and view quality.
pub fn view(body: &Body) -> View {
    let near_side = near_side(body);
    let shoulder_mid = body
        .point(joint(Side::Left, Limb::Shoulder))
        .midpoint(body.point(joint(Side::Right, Limb::Shoulder)));
    let hip_mid = body
        .point(joint(Side::Left, Limb::Hip))
        .midpoint(body.point(joint(Side::Right, Limb::Hip)));
    let axis = shoulder_mid - hip_mid;
    let trunk_from_vertical_deg = axis
        .normalized()
        .map(|a| a.dot(UP).clamp(-1.0, 1.0).acos().to_degrees())
        .unwrap_or(0.0);

    let facing = if !is_lying(trunk_from_vertical_deg) {
        facing_upright(body)
    } else {
        None
    };
    let anterior = match facing {
        Some(Facing::ImageRight) => Vec2::new(1.0, 0.0),
        Some(Facing::ImageLeft) => Vec2::new(-1.0, 0.0),
        // Lying on the back: the front of the body faces the ceiling.
        None => UP,
    };

    // Left-right separation across the body axis, in torso lengths.
    let across = axis
        .normalized()
        .map(|a| Vec2::new(-a.y, a.x))
        .unwrap_or(Vec2::new(1.0, 0.0));
    let torso = axis.length().max(1e-9);
    let separation = [Limb::Shoulder, Limb::Hip]
        .iter()
        .map(|&limb| {
            (body.point(joint(Side::Left, limb)) - body.point(joint(Side::Right, limb)))
                .dot(across)
                .abs()
        })
        .sum::<f64>()
        / 2.0
        / torso;
    let lateral_score =
        (1.0 - separation / limits().view.max_side_separation_torso).clamp(0.0, 1.0);
    View {
        anterior,
        facing,
        near_side,
        lateral_score,
        trunk_from_vertical_deg,
    }
}

/// The side whose shoulder, hip, knee and ankle the model sees better; on a
/// tie, the one with the smaller depth (nearer the camera).
fn near_side(body: &Body) -> Side {
    let limbs = [Limb::Shoulder, Limb::Hip, Limb::Knee, Limb::Ankle];
    let score = |side: Side| {
        limbs
            .iter()
            .map(|&l| body.visibility(joint(side, l)))
            .sum::<f64>()
    };
    let depth = |side: Side| {
        limbs
            .iter()
            .map(|&l| body.pose_z(joint(side, l)))
            .sum::<f64>()
    };
    let (left, right) = (score(Side::Left), score(Side::Right));
    if (left - right).abs() > limits().view.near_side_visibility_margin {
        if left > right {
            Side::Left
        } else {
            Side::Right
        }
    } else if depth(Side::Left) <= depth(Side::Right) {
        Side::Left
    } else {
        Side::Right
    }
}

/// Facing of an upright person: the nose lies ahead of the ears and the toes
/// ahead of the heels; each cue votes with its visibility.
fn facing_upright(body: &Body) -> Option<Facing> {
    let ear_mid = body
        .point(joint(Side::Left, Limb::Ear))
        .midpoint(body.point(joint(Side::Right, Limb::Ear)));
    let nose = crate::pose::Joint::Nose;
    let mut vote = (body.point(nose).x - ear_mid.x).signum() * body.visibility(nose);
    for side in [Side::Left, Side::Right] {
        let (heel, toe) = (joint(side, Limb::Heel), joint(side, Limb::Toe));
        if body.in_frame(heel) && body.in_frame(toe) {
            vote += (body.point(toe).x - body.point(heel).x).signum()
                * body.min_visibility(&[heel, toe])
                * 0.5;
        }
    }
    if vote > 0.0 {
        Some(Facing::ImageRight)
    } else if vote < 0.0 {
        Some(Facing::ImageLeft)
    } else {
        None
    }
}

/// Chooses the protocol (or checks the forced one) and says why.
pub fn detect(
    body: &Body,
    view: &View,
    choice: ProtocolChoice,
) -> (Protocol, Option<SecondLookCue>) {
    let (auto, legs_rejected) = auto_detect(body, view);
    let (kind, valid, reason, forced) = match choice {
        ProtocolChoice::Auto => (auto.0, auto.0 != ProtocolKind::Unsupported, auto.1, false),
        ProtocolChoice::Standing | ProtocolChoice::ThomasTest => {
            let kind = if choice == ProtocolChoice::Standing {
                ProtocolKind::Standing
            } else {
                ProtocolKind::ThomasTest
            };
            if auto.0 == kind {
                (kind, true, auto.1, true)
            } else {
                (
                    kind,
                    false,
                    format!(
                        "forced by --protocol, but the photo does not show it: {}",
                        auto.1
                    ),
                    true,
                )
            }
        }
    };
    let cue = if kind == ProtocolKind::ThomasTest || may_show_thomas_test(body, view) {
        Some(SecondLookCue::LyingWithFootDown)
    } else if legs_rejected {
        Some(SecondLookCue::UprightRejectedForLegs)
    } else {
        None
    };
    let protocol = Protocol {
        kind,
        valid,
        reason,
        forced,
        facing: view.facing,
        near_side: Some(view.near_side),
        lateral_score: super::round(view.lateral_score, 2),
        retake: None,
        assumptions: Vec::new(),
        unconfirmed: if kind == ProtocolKind::Standing {
            feet_unconfirmed(body)
        } else {
            Vec::new()
        },
        test_leg: None,
        camera_roll_deg: None,
    };
    (protocol, cue)
}

/// A heel the heel check can use: inside the photo, and placed by the model
/// (presence at least `keypoint.min_presence`). Its visibility
/// is not required: in a true side view the far foot is behind the near leg
/// (visibility 0.42-0.45 on the rendered standing samples), yet the model
/// still places it, and a lifted heel is what the check looks for.
fn heel_placed(body: &Body, heel: crate::pose::Joint) -> bool {
    body.in_frame(heel) && body.presence(heel) >= limits().keypoint.min_presence
}

/// What the photo cannot confirm of "both feet on the floor".
fn feet_unconfirmed(body: &Body) -> Vec<String> {
    let seen = |side| heel_placed(body, joint(side, Limb::Heel));
    match (seen(Side::Left), seen(Side::Right)) {
        (true, true) => Vec::new(),
        (false, false) => vec![
            "both feet on the floor: the feet are hidden or outside the photo, so a step or a raised heel could not be ruled out".to_string(),
        ],
        _ => vec![
            "both feet on the floor: one foot is hidden or outside the photo, so its heel could not be checked".to_string(),
        ],
    }
}

/// Standing means both heels down and neither knee bent as in a step; the
/// reason when the photo shows otherwise (`None` when it does not, or the
/// feet cannot be seen).
fn mid_stride(body: &Body, view: &View) -> Option<NotAStance> {
    let leg = |side| {
        body.point(joint(side, Limb::Hip))
            .distance(body.point(joint(side, Limb::Ankle)))
    };
    let leg_length = leg(Side::Left).max(leg(Side::Right)).max(1e-9);
    let limits = &limits().protocol;
    let heels = [Side::Left, Side::Right].map(|side| joint(side, Limb::Heel));
    if heels.iter().all(|&h| heel_placed(body, h)) {
        let rise = (body.point(heels[0]).y - body.point(heels[1]).y).abs() / leg_length;
        if rise > limits.heel_level_tolerance_leg {
            let higher = if body.point(heels[0]).y < body.point(heels[1]).y {
                "left"
            } else {
                "right"
            };
            return Some(NotAStance {
                reason: format!(
                    "mid-stride: the {higher} heel is {:.0} % of a leg length above the other (both heels must be down, within {:.0} %)",
                    rise * 100.0,
                    limits.heel_level_tolerance_leg * 100.0
                ),
                in_doubt: within_error(
                    rise,
                    limits.heel_level_tolerance_leg,
                    limits.heel_rise_error_leg,
                ),
            });
        }
    }
    for side in [Side::Left, Side::Right] {
        let [hip, knee, ankle] = [Limb::Hip, Limb::Knee, Limb::Ankle].map(|l| joint(side, l));
        if ![hip, knee, ankle].iter().all(|&j| body.usable(j)) {
            continue;
        }
        let bend = knee_flexion_deg(
            body.point(hip),
            body.point(knee),
            body.point(ankle),
            view.anterior,
        )
        .unwrap_or(0.0);
        if bend > limits.max_stance_knee_flexion_deg {
            return Some(NotAStance {
                reason: format!(
                    "mid-stride: the {} knee is bent {bend:.0} degrees, as in a step (standing allows {:.0})",
                    side_name(side),
                    limits.max_stance_knee_flexion_deg
                ),
                in_doubt: within_error(
                    bend,
                    limits.max_stance_knee_flexion_deg,
                    crate::limits::limits().uncertainty.knee_deg,
                ),
            });
        }
    }
    None
}

/// The protocol the keypoints show and why, and whether an upright side
/// view was refused for its legs alone by a reading within the keypoints'
/// error of its limit (see [`SecondLookCue`]).
fn auto_detect(body: &Body, view: &View) -> ((ProtocolKind, String), bool) {
    use ProtocolKind::Unsupported;
    let (limits, min_lateral_score) = (&limits().protocol, limits().view.min_lateral_score);
    let trunk: Vec<_> = [Side::Left, Side::Right]
        .iter()
        .flat_map(|&s| [joint(s, Limb::Shoulder), joint(s, Limb::Hip)])
        .collect();
    if trunk.iter().any(|&j| !body.in_frame(j)) {
        return (
            (
                Unsupported,
                "the shoulders and hips must both be in the photo".to_string(),
            ),
            false,
        );
    }
    if view.lateral_score < min_lateral_score {
        return (
            (
                Unsupported,
                format!(
                    "frontal or oblique view (side-view score {:.2}, needs {min_lateral_score}): sagittal angles need a side view",
                    view.lateral_score
                ),
            ),
            false,
        );
    }
    let tilt = view.trunk_from_vertical_deg;
    if tilt > limits.upright_deg {
        return (lying(body, view, tilt), false);
    }
    let near = view.near_side;
    let hip_flexion = hip_flexion_of(body, near, view.anterior);
    if hip_flexion > limits.max_standing_hip_flexion_deg {
        return (
            (
                Unsupported,
                format!(
                    "seated or crouching: the thigh is {hip_flexion:.0} degrees forward of the trunk line"
                ),
            ),
            false,
        );
    }
    match stance(body, view, hip_flexion) {
        Err(refusal) => ((Unsupported, refusal.reason), refusal.in_doubt),
        Ok(()) => (
            (
                ProtocolKind::Standing,
                format!("upright side view (trunk {tilt:.0} degrees from vertical)"),
            ),
            false,
        ),
    }
}

/// Why the legs of an upright body are not a stance, and whether the
/// reading that says so lies within the keypoints' own error of its limit
/// (then a closer look may show a stance after all).
struct NotAStance {
    reason: String,
    in_doubt: bool,
}

/// Whether `reading` passes `limit` by no more than `error`.
fn within_error(reading: f64, limit: f64, error: f64) -> bool {
    reading - limit <= error
}

/// The legs of an upright body as a stance: the near knee not bent as in
/// kneeling, the thighs together, both heels down. `hip_flexion` is the
/// near hip's.
fn stance(body: &Body, view: &View, hip_flexion: f64) -> Result<(), NotAStance> {
    let limits = &limits().protocol;
    let errors = &crate::limits::limits().uncertainty;
    let near = view.near_side;
    let point = |limb| body.point(joint(near, limb));
    if body.in_frame(joint(near, Limb::Ankle)) {
        let knee_flexion = knee_flexion_deg(
            point(Limb::Hip),
            point(Limb::Knee),
            point(Limb::Ankle),
            view.anterior,
        )
        .unwrap_or(0.0);
        if knee_flexion > limits.max_standing_knee_flexion_deg {
            return Err(NotAStance {
                reason: format!(
                    "kneeling, lunging or squatting: the knee is bent {knee_flexion:.0} degrees"
                ),
                in_doubt: within_error(
                    knee_flexion,
                    limits.max_standing_knee_flexion_deg,
                    errors.knee_deg,
                ),
            });
        }
    }
    // The far thigh against the near trunk line, as the near one is.
    let far_flexion = hip_flexion_deg(
        point(Limb::Shoulder),
        point(Limb::Hip),
        body.point(joint(other(near), Limb::Knee)),
        view.anterior,
    )
    .unwrap_or(0.0);
    let apart = (far_flexion - hip_flexion).abs();
    if apart > limits.max_standing_hip_flexion_deg {
        return Err(NotAStance {
            reason: format!("split stance or lunge: the thighs are {apart:.0} degrees apart"),
            // A difference of two hip angles, each with the segment error.
            in_doubt: within_error(
                apart,
                limits.max_standing_hip_flexion_deg,
                std::f64::consts::SQRT_2 * errors.segment_deg,
            ),
        });
    }
    match mid_stride(body, view) {
        Some(refusal) => Err(refusal),
        None => Ok(()),
    }
}

/// A body that is not upright: a Thomas test, or why not.
fn lying(body: &Body, view: &View, tilt: f64) -> (ProtocolKind, String) {
    use ProtocolKind::Unsupported;
    let limits = &limits().protocol;
    if tilt < limits.lying_deg {
        return (
            Unsupported,
            format!("the trunk is neither upright nor lying ({tilt:.0} degrees from vertical)"),
        );
    }
    if face_down(body) {
        return (
            Unsupported,
            "lying face down: the Thomas test is done lying on the back".to_string(),
        );
    }
    let flexion = |side| hip_flexion_of(body, side, view.anterior);
    let (held, test) = thomas_legs(flexion(Side::Left), flexion(Side::Right));
    let (held_flexion, test_flexion) = (flexion(held), flexion(test));
    if held_flexion < limits.min_held_hip_flexion_deg {
        return (
            Unsupported,
            format!(
                "lying on the back without a knee held to the chest (hip flexion {held_flexion:.0} degrees, needs {:.0}): not a Thomas-test position",
                limits.min_held_hip_flexion_deg
            ),
        );
    }
    if test_flexion > limits.max_test_hip_flexion_deg {
        return (
            Unsupported,
            format!(
                "both hips are flexed ({held_flexion:.0} and {test_flexion:.0} degrees): the test leg must hang free"
            ),
        );
    }
    // In the modified Thomas test the test thigh lies off the table end and
    // the lower leg hangs (Harvey1998, EXECP2021): a leg lying flat on the
    // floor, or raised as in a figure-4 stretch, does not test the hip flexors.
    let (test_knee, test_ankle) = (
        body.point(joint(test, Limb::Knee)),
        body.point(joint(test, Limb::Ankle)),
    );
    let shank_drop = (test_ankle.y - test_knee.y)
        / test_knee
            .distance(body.point(joint(test, Limb::Hip)))
            .max(1e-9);
    if body.in_frame(joint(test, Limb::Ankle)) && shank_drop < limits.min_test_shank_drop_thigh {
        return (
            Unsupported,
            "the free lower leg does not hang: the modified Thomas test needs the test thigh off the table end with the lower leg hanging down"
                .to_string(),
        );
    }
    (
        ProtocolKind::ThomasTest,
        format!(
            "lying on the back, {} knee held to the chest, {} leg free",
            side_name(held),
            side_name(test)
        ),
    )
}

/// Hip flexion on one side (0 where the points coincide).
pub fn hip_flexion_of(body: &Body, side: Side, anterior: Vec2) -> f64 {
    hip_flexion_deg(
        body.point(joint(side, Limb::Shoulder)),
        body.point(joint(side, Limb::Hip)),
        body.point(joint(side, Limb::Knee)),
        anterior,
    )
    .unwrap_or(0.0)
}

/// (held leg, test leg): the test leg is the less flexed one.
pub fn thomas_legs(left_flexion: f64, right_flexion: f64) -> (Side, Side) {
    if left_flexion >= right_flexion {
        (Side::Left, Side::Right)
    } else {
        (Side::Right, Side::Left)
    }
}

pub fn side_name(side: Side) -> &'static str {
    if side == Side::Left { "left" } else { "right" }
}
