//! Which way the person faces, which side is nearer the camera, how side-on
//! the view is, and which test protocol the photo shows.

use crate::schema::{Facing, Protocol, ProtocolKind, Side};

use super::conventions::{hip_flexion_deg, knee_flexion_deg};
use super::geometry::{UP, Vec2};
use super::{Body, Limb, ProtocolChoice, joint, other};

/// A view is side-on enough for sagittal angles when the left and right
/// shoulders and hips are at most this far apart across the body axis, in
/// torso lengths (score 0.5). Shoulders about 0.75 torso lengths wide appear
/// 0.25 apart when the camera is about 20 degrees off a true side view;
/// MediaPipe's knee-angle error grows from -2.3 degrees at a true side view
/// to -13.9 degrees over 45-90 degree views (Cosoli2026).
const MAX_SIDE_SEPARATION: f64 = 0.5;
const MIN_LATERAL_SCORE: f64 = 0.5;

/// Trunk within this many degrees of vertical counts as upright, beyond
/// `LYING_DEG` as lying (sagitta defaults: a wide margin either side of 45).
const UPRIGHT_DEG: f64 = 35.0;
const LYING_DEG: f64 = 55.0;
/// Standing: thighs and knees close to straight (sagitta defaults; a seated
/// person's hips are flexed about 90 degrees, a kneeling person's knees more).
const MAX_STANDING_HIP_FLEXION: f64 = 45.0;
const MAX_STANDING_KNEE_FLEXION: f64 = 45.0;
/// Heels level: the higher heel may sit at most this far above the other, in
/// leg lengths (hip to ankle). Set in `mid_stride`'s documentation below.
pub const HEEL_LEVEL_TOLERANCE: f64 = 0.12;
/// A knee bent more than this (either leg) is a step, not a stance.
pub const MAX_STANCE_KNEE_FLEXION: f64 = 25.0;
/// Thomas test: the held knee is pulled towards the chest (hip flexed past
/// this), the test thigh stays near the trunk line (sagitta defaults).
pub const MIN_HELD_HIP_FLEXION: f64 = 80.0;
const MAX_TEST_HIP_FLEXION: f64 = 45.0;
/// How far (in thigh lengths) the test ankle must hang below its knee
/// (sagitta default: a shank about 20 degrees below horizontal).
const MIN_TEST_SHANK_DROP: f64 = 0.3;

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
    trunk_from_vertical_deg > LYING_DEG
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

/// How far (torso lengths) the lowest ankle of a modified Thomas test hangs
/// below the hips at the least: with the test thigh 15 degrees above
/// horizontal and the knee flexed only 45 degrees, thigh and shank each
/// about 0.85 torso lengths long, the ankle is 0.85 x (sin 30 - sin 15), about
/// 0.2, below the hip (sagitta default from that geometry).
const MIN_THOMAS_ANKLE_DROP_TORSO: f64 = 0.2;

/// Whether the keypoints may show a Thomas test even where they do not show
/// it clearly: a body lying on its back with a foot hanging below the hips,
/// whichever leg the keypoints call which (the first model swaps them on
/// some lying bodies).
pub fn may_show_thomas_test(body: &Body, view: &View) -> bool {
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
    (lowest_ankle - hips.y) / torso >= MIN_THOMAS_ANKLE_DROP_TORSO
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
    let lateral_score = (1.0 - separation / MAX_SIDE_SEPARATION).clamp(0.0, 1.0);
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
    if (left - right).abs() > 0.05 {
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
pub fn detect(body: &Body, view: &View, choice: ProtocolChoice) -> Protocol {
    let auto = auto_detect(body, view);
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
    Protocol {
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
    }
}

/// A heel the heel check can use: inside the photo, and placed by the model
/// with a presence of at least 0.5 (MediaPipe's threshold). Its visibility
/// is not required: in a true side view the far foot is behind the near leg
/// (visibility 0.42-0.45 on the rendered standing samples), yet the model
/// still places it, and a lifted heel is what the check looks for.
fn heel_placed(body: &Body, heel: crate::pose::Joint) -> bool {
    body.in_frame(heel) && body.presence(heel) >= 0.5
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
fn mid_stride(body: &Body, view: &View) -> Option<String> {
    let leg = |side| {
        body.point(joint(side, Limb::Hip))
            .distance(body.point(joint(side, Limb::Ankle)))
    };
    let leg_length = leg(Side::Left).max(leg(Side::Right)).max(1e-9);
    let heels = [Side::Left, Side::Right].map(|side| joint(side, Limb::Heel));
    if heels.iter().all(|&h| heel_placed(body, h)) {
        let rise = (body.point(heels[0]).y - body.point(heels[1]).y).abs() / leg_length;
        if rise > HEEL_LEVEL_TOLERANCE {
            let higher = if body.point(heels[0]).y < body.point(heels[1]).y {
                "left"
            } else {
                "right"
            };
            return Some(format!(
                "mid-stride: the {higher} heel is {:.0} % of a leg length above the other (both heels must be down, within {:.0} %)",
                rise * 100.0,
                HEEL_LEVEL_TOLERANCE * 100.0
            ));
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
        if bend > MAX_STANCE_KNEE_FLEXION {
            return Some(format!(
                "mid-stride: the {} knee is bent {bend:.0} degrees, as in a step (standing allows {MAX_STANCE_KNEE_FLEXION:.0})",
                side_name(side)
            ));
        }
    }
    None
}

fn auto_detect(body: &Body, view: &View) -> (ProtocolKind, String) {
    use ProtocolKind::Unsupported;
    let trunk: Vec<_> = [Side::Left, Side::Right]
        .iter()
        .flat_map(|&s| [joint(s, Limb::Shoulder), joint(s, Limb::Hip)])
        .collect();
    if trunk.iter().any(|&j| !body.in_frame(j)) {
        return (
            Unsupported,
            "the shoulders and hips must both be in the photo".to_string(),
        );
    }
    if view.lateral_score < MIN_LATERAL_SCORE {
        return (
            Unsupported,
            format!(
                "frontal or oblique view (side-view score {:.2}, needs {MIN_LATERAL_SCORE}): sagittal angles need a side view",
                view.lateral_score
            ),
        );
    }
    let near = view.near_side;
    let (shoulder, hip, knee, ankle) = (
        body.point(joint(near, Limb::Shoulder)),
        body.point(joint(near, Limb::Hip)),
        body.point(joint(near, Limb::Knee)),
        body.point(joint(near, Limb::Ankle)),
    );
    let tilt = view.trunk_from_vertical_deg;
    if tilt <= UPRIGHT_DEG {
        let hip_flexion = hip_flexion_deg(shoulder, hip, knee, view.anterior).unwrap_or(0.0);
        if hip_flexion > MAX_STANDING_HIP_FLEXION {
            return (
                Unsupported,
                format!(
                    "seated or crouching: the thigh is {hip_flexion:.0} degrees forward of the trunk line"
                ),
            );
        }
        if body.in_frame(joint(near, Limb::Ankle)) {
            let knee_flexion = knee_flexion_deg(hip, knee, ankle, view.anterior).unwrap_or(0.0);
            if knee_flexion > MAX_STANDING_KNEE_FLEXION {
                return (
                    Unsupported,
                    format!(
                        "kneeling, lunging or squatting: the knee is bent {knee_flexion:.0} degrees"
                    ),
                );
            }
        }
        let far = other(near);
        let far_flexion = hip_flexion_deg(
            shoulder,
            hip,
            body.point(joint(far, Limb::Knee)),
            view.anterior,
        )
        .unwrap_or(0.0);
        if (far_flexion - hip_flexion).abs() > MAX_STANDING_HIP_FLEXION {
            return (
                Unsupported,
                format!(
                    "split stance or lunge: the thighs are {:.0} degrees apart",
                    (far_flexion - hip_flexion).abs()
                ),
            );
        }
        if let Some(reason) = mid_stride(body, view) {
            return (Unsupported, reason);
        }
        return (
            ProtocolKind::Standing,
            format!("upright side view (trunk {tilt:.0} degrees from vertical)"),
        );
    }
    if tilt < LYING_DEG {
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
    if held_flexion < MIN_HELD_HIP_FLEXION {
        return (
            Unsupported,
            format!(
                "lying on the back without a knee held to the chest (hip flexion {held_flexion:.0} degrees, needs {MIN_HELD_HIP_FLEXION:.0}): not a Thomas-test position"
            ),
        );
    }
    if test_flexion > MAX_TEST_HIP_FLEXION {
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
    if body.in_frame(joint(test, Limb::Ankle)) && shank_drop < MIN_TEST_SHANK_DROP {
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
