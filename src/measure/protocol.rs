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
    /// An upright side view whose legs read a step or a kneel (a bent knee,
    /// a split stance, a raised heel) by no more than the keypoints' own
    /// error past its limit, or on keypoints the model did not see: looked
    /// at again, and meanwhile measured as standing with the legs declined
    /// or, past a limit no stance comes near, refused. On 4 of the 48
    /// renders of the tilt series (benches/README.md) the first look put the
    /// knee or a heel of a standing person in clothing close to the
    /// background's colour where a step would put it; a look on the crop
    /// its own keypoints imply did not.
    UprightLegsInDoubt,
    /// An upright body refused as frontal or oblique by a side-view score
    /// short of its limit by no more than the keypoints' own scatter
    /// (`view.side_score_doubt`): looked at again, and kept only where the
    /// second look reads a side view. A real standing photo cut at the knees
    /// read 0.46 where the whole photo read 0.62; on the crop its keypoints
    /// imply, 0.53.
    SideViewInDoubt,
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

/// Why a photo does not show a protocol sagitta measures, or does not show
/// it validly. Each has retake advice of its own ([`Refusal::advice`]),
/// fitted to the protocol the photo was meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The shoulders or the hips are outside the photo.
    TrunkOutOfFrame,
    /// A frontal or oblique view.
    NotSideOn,
    /// Upright with the thigh far forward of the trunk, as in sitting.
    Seated,
    /// A knee bent as in kneeling, lunging or squatting.
    Kneeling,
    /// Legs as in a step: a knee bent, the thighs apart, a heel raised.
    Step,
    /// The trunk between upright and lying.
    NeitherUprightNorLying,
    /// Lying face down.
    FaceDown,
    /// Lying on the back without a knee held to the chest.
    NoHeldKnee,
    /// Lying on the back with both hips flexed: no free test leg.
    BothHipsFlexed,
    /// The free lower leg does not hang off the table end.
    FreeLegNotHanging,
    /// A Thomas test with the trunk tilted from level.
    TrunkNotLevel,
    /// Lying as a standing body lies in a photo stored a quarter turn off.
    TurnedOnSide,
    /// `--protocol` asked for one protocol and the photo shows the other.
    OtherProtocol,
}

impl Refusal {
    pub const ALL: [Refusal; 13] = [
        Refusal::TrunkOutOfFrame,
        Refusal::NotSideOn,
        Refusal::Seated,
        Refusal::Kneeling,
        Refusal::Step,
        Refusal::NeitherUprightNorLying,
        Refusal::FaceDown,
        Refusal::NoHeldKnee,
        Refusal::BothHipsFlexed,
        Refusal::FreeLegNotHanging,
        Refusal::TrunkNotLevel,
        Refusal::TurnedOnSide,
        Refusal::OtherProtocol,
    ];

    /// Whether the photo was meant as a Thomas test (a body lying on its
    /// back or face down): its advice never asks the person to stand.
    pub fn meant_as_thomas_test(self) -> bool {
        matches!(
            self,
            Refusal::FaceDown
                | Refusal::NoHeldKnee
                | Refusal::BothHipsFlexed
                | Refusal::FreeLegNotHanging
                | Refusal::TrunkNotLevel
        )
    }

    /// How to take a photo this refusal does not apply to.
    pub fn advice(self) -> &'static str {
        match self {
            Refusal::TrunkOutOfFrame => {
                "Step back or zoom out until the whole body, head to feet, is in the frame, and retake side-on (Cosoli2026 for the side view)."
            }
            Refusal::NotSideOn => {
                "Move the camera square to the person's side, so that the two shoulders and the two hips line up one behind the other, and retake (Cosoli2026 for the side view)."
            }
            Refusal::Seated => {
                "sagitta assesses a standing posture or the Thomas test, not sitting or crouching: for posture, photograph the person standing upright, side-on, from about 3 m (Mota for the distance)."
            }
            Refusal::Kneeling => {
                "For a posture photo the person stands upright on both feet with the knees straight, not kneeling, lunging or squatting; retake side-on from about 3 m (Mota for the distance)."
            }
            Refusal::Step => {
                "Wait until the person stands still, both feet flat on the floor side by side and the weight on both legs, then retake side-on: a photo taken while walking or stepping shows a step, not a stance."
            }
            Refusal::NeitherUprightNorLying => {
                "Photograph the person either standing upright or lying flat on the back; here the trunk leans halfway between. Hold the camera level, or give --camera-roll-deg for a tilted one."
            }
            Refusal::FaceDown => {
                "The Thomas test is photographed lying on the back: have the person turn face up at the end of the table, one knee held to the chest and the other leg hanging off the end (Harvey1998)."
            }
            Refusal::NoHeldKnee => {
                "Have the person pull one knee to the chest with both hands until the lower back lies flat on the table, the other thigh off the table's end, then retake side-on (Harvey1998)."
            }
            Refusal::BothHipsFlexed => {
                "Only one knee is held to the chest in the Thomas test: have the person let the other leg down, the thigh off the table's end and the lower leg hanging free (Harvey1998)."
            }
            Refusal::FreeLegNotHanging => {
                "Move the person down the table until the buttocks are at its end and the free thigh lies off it, so that the lower leg hangs down freely, then retake (Harvey1998, EXECP2021)."
            }
            Refusal::TrunkNotLevel => {
                "Have the person lie with the back and head flat on the table and pull the held knee in until the lower back flattens, so that the trunk lies level, then retake (Vigotsky2016)."
            }
            Refusal::TurnedOnSide => {
                "The photo seems to be stored a quarter turn off: if the person was standing, rotate it upright (it carries no EXIF orientation that would) and analyse it again."
            }
            Refusal::OtherProtocol => {
                "Analyse the photo without --protocol to measure what it shows, or photograph the protocol that was asked for."
            }
        }
    }
}

/// The protocol a photo shows, and what follows for its measurements.
#[derive(Debug, Clone)]
pub struct Detection {
    pub protocol: Protocol,
    pub second_look: Option<SecondLookCue>,
    /// Why a standing photo's leg measurements are declined: a step could
    /// not be ruled out, the feet being hidden, outside the photo or read
    /// within the keypoints' error of a step.
    pub legs_declined: Option<String>,
}

/// Chooses the protocol (or checks the forced one) and says why.
/// `quarter_turned_by_exif`: the photo's EXIF orientation turned it a
/// quarter turn, so a body lying on its side is not a photo stored turned.
pub fn detect(
    body: &Body,
    view: &View,
    choice: ProtocolChoice,
    quarter_turned_by_exif: bool,
) -> Detection {
    let shown = auto_detect(body, view, quarter_turned_by_exif);
    let (kind, reason, forced, refusal) = match choice {
        ProtocolChoice::Auto => (shown.kind, shown.reason, false, shown.refusal),
        ProtocolChoice::Standing | ProtocolChoice::ThomasTest => {
            let kind = if choice == ProtocolChoice::Standing {
                ProtocolKind::Standing
            } else {
                ProtocolKind::ThomasTest
            };
            if shown.kind == kind {
                (kind, shown.reason, true, None)
            } else {
                (
                    kind,
                    format!(
                        "forced by --protocol, but the photo does not show it: {}",
                        shown.reason
                    ),
                    true,
                    Some(shown.refusal.unwrap_or(Refusal::OtherProtocol)),
                )
            }
        }
    };
    let legs_in_doubt = shown.stance.in_doubt;
    let stance = match (kind, shown.kind) {
        (ProtocolKind::Standing, ProtocolKind::Standing) => shown.stance,
        // A forced stance the photo does not show: its feet are still said.
        (ProtocolKind::Standing, _) => StanceDoubts {
            unconfirmed: feet(body).unchecked.into_iter().collect(),
            ..StanceDoubts::default()
        },
        _ => StanceDoubts::default(),
    };
    let second_look = if kind == ProtocolKind::ThomasTest || may_show_thomas_test(body, view) {
        Some(SecondLookCue::LyingWithFootDown)
    } else if legs_in_doubt {
        Some(SecondLookCue::UprightLegsInDoubt)
    } else if refusal == Some(Refusal::NotSideOn) && side_view_in_doubt(view) {
        Some(SecondLookCue::SideViewInDoubt)
    } else {
        None
    };
    let legs_declined = (shown.kind == ProtocolKind::Standing)
        .then(|| stance.unconfirmed.first())
        .flatten()
        .map(|first| format!("a step changes it and could not be ruled out ({first})"));
    let protocol = Protocol {
        kind,
        valid: refusal.is_none(),
        reason,
        forced,
        facing: view.facing,
        near_side: Some(view.near_side),
        lateral_score: super::round(view.lateral_score, 2),
        retake: refusal.map(|r| r.advice().to_string()),
        assumptions: Vec::new(),
        unconfirmed: stance.unconfirmed,
        test_leg: None,
        camera_roll_deg: None,
        camera_pitch_deg: None,
        focal_length_35mm_mm: None,
    };
    Detection {
        protocol,
        second_look,
        legs_declined,
    }
}

/// What the keypoints show: a protocol, or a refusal and its reason.
struct Shown {
    kind: ProtocolKind,
    reason: String,
    refusal: Option<Refusal>,
    stance: StanceDoubts,
}

fn refused(refusal: Refusal, reason: impl Into<String>) -> Shown {
    Shown {
        kind: ProtocolKind::Unsupported,
        reason: reason.into(),
        refusal: Some(refusal),
        stance: StanceDoubts::default(),
    }
}

/// What a stance could not confirm of "standing still on both feet".
#[derive(Debug, Clone, Default)]
struct StanceDoubts {
    unconfirmed: Vec<String>,
    /// Whether the legs read past a limit by no more than the keypoints'
    /// error, or on keypoints not seen: a closer look may settle it (set on
    /// a refusal too, see [`PastLimit::at_stance_edge`]).
    in_doubt: bool,
}

/// A heel the level check can use: inside the photo, and placed by the
/// model (presence at least `keypoint.min_presence`). Its visibility is not
/// required: in a true side view the far foot is behind the near leg
/// (visibility 0.42-0.45 on the rendered standing samples), yet the model
/// places it where the near one stands. Two such heels level with each
/// other confirm both feet down; a raised one shows a step only where its
/// foot is seen ([`foot_seen`]).
fn heel_placed(body: &Body, heel: crate::pose::Joint) -> bool {
    body.in_frame(heel) && body.presence(heel) >= limits().keypoint.min_presence
}

/// Whether a foot is seen well enough for its heel to be evidence of a step:
/// heel and toe seen by the model (visibility at least
/// `keypoint.min_visibility`) and farther inside the photo than a heel's own
/// error (`protocol.heel_rise_error_leg`), so that the frame does not cut
/// the foot. Otherwise, why not.
fn foot_seen(body: &Body, side: Side, leg_length: f64) -> Result<(), String> {
    let margin = limits().protocol.heel_rise_error_leg * leg_length;
    let (width, height) = body.photo_size();
    for part in [Limb::Heel, Limb::Toe] {
        let at = joint(side, part);
        let photo = body.to_photo(body.point(at));
        if !body.in_frame(at) {
            return Err(format!(
                "the {} foot is partly outside the photo",
                side_name(side)
            ));
        }
        if photo
            .x
            .min(photo.y)
            .min(width - photo.x)
            .min(height - photo.y)
            < margin
        {
            return Err(format!(
                "the {} foot is at the edge of the photo, within a heel's error of it",
                side_name(side)
            ));
        }
        if body.visibility(at) < limits().keypoint.min_visibility {
            return Err(format!(
                "the {} foot is hidden (visibility {:.2})",
                side_name(side),
                body.visibility(at)
            ));
        }
    }
    Ok(())
}

/// The length of the longer leg, hip to ankle: the unit of the heel check.
fn leg_length(body: &Body) -> f64 {
    let leg = |side| {
        body.point(joint(side, Limb::Hip))
            .distance(body.point(joint(side, Limb::Ankle)))
    };
    leg(Side::Left).max(leg(Side::Right)).max(1e-9)
}

/// What the heels show: a heel raised past the level tolerance, or why
/// "both feet on the floor" could not be checked.
#[derive(Default)]
struct Feet {
    raised: Option<PastLimit>,
    unchecked: Option<String>,
}

fn feet(body: &Body) -> Feet {
    let limits = &limits().protocol;
    let heels = [Side::Left, Side::Right].map(|side| joint(side, Limb::Heel));
    let unchecked = |text: &str| Feet {
        raised: None,
        unchecked: Some(text.to_string()),
    };
    match heels.map(|h| heel_placed(body, h)) {
        [true, true] => {}
        [false, false] => {
            return unchecked(
                "both feet on the floor: the feet are hidden or outside the photo, so a step or a raised heel could not be ruled out",
            );
        }
        _ => {
            return unchecked(
                "both feet on the floor: one foot is hidden or outside the photo, so its heel could not be checked",
            );
        }
    }
    let leg_length = leg_length(body);
    let rise = (body.point(heels[0]).y - body.point(heels[1]).y).abs() / leg_length;
    if rise <= limits.heel_level_tolerance_leg {
        return Feet::default();
    }
    let higher = if body.point(heels[0]).y < body.point(heels[1]).y {
        "left"
    } else {
        "right"
    };
    Feet {
        raised: Some(PastLimit {
            refusal: Refusal::Step,
            what: format!(
                "the {higher} heel is {:.0} % of a leg length above the other",
                rise * 100.0
            ),
            as_in: "as in a step",
            past: rise - limits.heel_level_tolerance_leg,
            error: limits.heel_rise_error_leg,
            limit: format!("{:.0} %", limits.heel_level_tolerance_leg * 100.0),
            error_text: format!("{:.0} %", limits.heel_rise_error_leg * 100.0),
            at_stance_edge: true,
            // A heel the model guessed (hidden, or its foot cut by the
            // frame) is no evidence of a step.
            unseen: [Side::Left, Side::Right]
                .into_iter()
                .find_map(|side| foot_seen(body, side, leg_length).err()),
        }),
        unchecked: None,
    }
}

/// A reading of the legs past a stance's limit.
struct PastLimit {
    refusal: Refusal,
    /// What was read, e.g. "the left knee is bent 50 degrees".
    what: String,
    /// What it looks like, e.g. "as in a step".
    as_in: &'static str,
    /// How far past the limit, and the keypoints' error of the reading
    /// (same unit).
    past: f64,
    error: f64,
    /// The limit and the error, with their units, for the reason.
    limit: String,
    error_text: String,
    /// Why the keypoints it rests on are no evidence (hidden, outside the
    /// photo or at its edge); `None` where they are seen.
    unseen: Option<String>,
    /// Whether the limit sits at the edge of what standing bodies read (the
    /// heel tolerance and the stance knee: set just above the largest
    /// readings on the 96 standing renders), so that a reading past it by
    /// less than the error is one a stance gives. The limits of kneeling
    /// and of thighs apart sit far beyond any stance (halfway to a seated
    /// or kneeling pose): a reading past them is no stance's, and within
    /// the error it only earns a closer look before the refusal.
    at_stance_edge: bool,
}

impl PastLimit {
    /// An angle `reading` past `limit`, with the keypoints' `error` of it,
    /// resting on `joints`.
    fn angle(
        body: &Body,
        joints: &[crate::pose::Joint],
        (refusal, what, as_in): (Refusal, String, &'static str),
        (reading, limit, error): (f64, f64, f64),
        at_stance_edge: bool,
    ) -> Self {
        Self {
            refusal,
            what,
            as_in,
            past: reading - limit,
            error,
            limit: format!("{limit:.0} degrees"),
            error_text: format!("{error:.0} degrees"),
            unseen: body.require(joints).err(),
            at_stance_edge,
        }
    }

    /// Seen, and past the limit by more than the keypoints' error, or past
    /// a limit no stance comes near: a step (or a kneel) the error cannot
    /// explain.
    fn shown(&self) -> bool {
        self.unseen.is_none() && (self.past > self.error || !self.at_stance_edge)
    }

    /// Shown, but by no more than the error past its limit.
    fn within_error(&self) -> bool {
        self.past <= self.error
    }

    fn refusal_reason(&self) -> String {
        let head = match self.refusal {
            Refusal::Kneeling => "kneeling, lunging or squatting",
            Refusal::Seated => "seated or crouching",
            _ => "mid-stride",
        };
        format!(
            "{head}: {}, {} (standing allows {})",
            self.what, self.as_in, self.limit
        )
    }

    /// What the photo could not confirm, for a reading that was not taken
    /// as shown.
    fn doubt(&self) -> String {
        let claim = match self.refusal {
            Refusal::Seated => "standing, not seated",
            _ => "standing still on both feet",
        };
        match &self.unseen {
            Some(why) => format!(
                "{claim}: {}, but {why}, so the reading is not taken as evidence",
                self.what
            ),
            None => format!(
                "{claim}: {}, past the {} a stance allows by no more than the keypoints' error ({}), so a step is neither shown nor ruled out",
                self.what, self.limit, self.error_text
            ),
        }
    }
}

/// Knee flexion of one leg, where its hip, knee and ankle are inside the photo.
fn knee_flexion_of(body: &Body, side: Side, anterior: Vec2) -> Option<f64> {
    let [hip, knee, ankle] = [Limb::Hip, Limb::Knee, Limb::Ankle].map(|l| joint(side, l));
    if ![hip, knee, ankle].iter().all(|&j| body.in_frame(j)) {
        return None;
    }
    knee_flexion_deg(
        body.point(hip),
        body.point(knee),
        body.point(ankle),
        anterior,
    )
}

fn leg_joints(side: Side) -> [crate::pose::Joint; 3] {
    [Limb::Hip, Limb::Knee, Limb::Ankle].map(|l| joint(side, l))
}

/// The legs of an upright body as a stance, reading by reading: the near
/// knee not bent as in kneeling, the thighs together, both heels down,
/// neither knee bent as in a step. `hip_flexion` is the near hip's. Only a
/// reading on seen keypoints refuses the stance: past a limit no stance
/// comes near, or past one at a stance's edge by more than the keypoints'
/// error ([`PastLimit::at_stance_edge`]). One past such a limit by less, or
/// on keypoints the model did not see, leaves the stance unconfirmed and
/// the legs unmeasured, as do feet outside the photo; a reading within the
/// error of its limit is worth a closer look.
fn stance(body: &Body, view: &View) -> Result<StanceDoubts, Shown> {
    let limits = &limits().protocol;
    let errors = &crate::limits::limits().uncertainty;
    let near = view.near_side;
    let seen_flexion = |side| {
        knee_flexion_of(body, side, view.anterior)
            .filter(|_| body.require(&leg_joints(side)).is_ok())
    };
    let mut readings = Vec::new();
    // The near thigh forward as in sitting. Read off a knee the model did
    // not see (hidden, or placed at the frame's edge where the frame cuts
    // the legs), it is no evidence of sitting.
    let hip_flexion = hip_flexion_of(body, near, view.anterior);
    if hip_flexion > limits.max_standing_hip_flexion_deg {
        readings.push(PastLimit::angle(
            body,
            &[joint(near, Limb::Hip), joint(near, Limb::Knee)],
            (
                Refusal::Seated,
                format!(
                    "the {} thigh is {hip_flexion:.0} degrees forward of the trunk line",
                    side_name(near)
                ),
                "as in sitting",
            ),
            (
                hip_flexion,
                limits.max_standing_hip_flexion_deg,
                errors.segment_deg,
            ),
            false,
        ));
    }
    // The near knee bent as in kneeling, unless the other leg is not: then
    // the body stands on that leg and the bent knee is a step, which the
    // last check reads. (The other leg's reading only names the refusal,
    // so a knee the model places without seeing it will do.)
    let other_standing = knee_flexion_of(body, other(near), view.anterior)
        .is_some_and(|bend| bend <= limits.max_standing_knee_flexion_deg);
    if let Some(bend) = knee_flexion_of(body, near, view.anterior)
        .filter(|&bend| bend > limits.max_standing_knee_flexion_deg && !other_standing)
    {
        readings.push(PastLimit::angle(
            body,
            &leg_joints(near),
            (
                Refusal::Kneeling,
                format!("the {} knee is bent {bend:.0} degrees", side_name(near)),
                "as in kneeling",
            ),
            (bend, limits.max_standing_knee_flexion_deg, errors.knee_deg),
            false,
        ));
    }
    // The far thigh against the near trunk line, as the near one is. Apart
    // with the knees straight it is a step; with a knee bent as in
    // kneeling, a lunge.
    let far_knee = joint(other(near), Limb::Knee);
    let far_flexion = hip_flexion_deg(
        body.point(joint(near, Limb::Shoulder)),
        body.point(joint(near, Limb::Hip)),
        body.point(far_knee),
        view.anterior,
    )
    .unwrap_or(0.0);
    let apart = (far_flexion - hip_flexion).abs();
    if apart > limits.max_standing_hip_flexion_deg {
        let kneeling = [near, other(near)].into_iter().find_map(|side| {
            seen_flexion(side)
                .filter(|&bend| bend > limits.max_standing_knee_flexion_deg)
                .map(|bend| (side, bend))
        });
        let what = format!("the thighs are {apart:.0} degrees apart");
        readings.push(PastLimit::angle(
            body,
            &[joint(near, Limb::Knee), far_knee],
            match kneeling {
                None => (Refusal::Step, what, "as in a step"),
                Some((side, bend)) => (
                    Refusal::Kneeling,
                    format!(
                        "{what} and the {} knee is bent {bend:.0} degrees",
                        side_name(side)
                    ),
                    "as in a lunge",
                ),
            },
            (
                apart,
                limits.max_standing_hip_flexion_deg,
                // A difference of two hip angles, each with the segment error.
                std::f64::consts::SQRT_2 * errors.segment_deg,
            ),
            false,
        ));
    }
    let feet = feet(body);
    readings.extend(feet.raised);
    // Either knee bent as in a step: the more bent one. The far leg counts
    // only where the model sees it (behind the near one it often does not);
    // the near leg always, so that a near leg the model could not see is in
    // doubt, not taken for straight.
    if let Some((side, bend)) = [near, other(near)]
        .into_iter()
        .filter_map(|side| {
            let bend = if side == near {
                knee_flexion_of(body, side, view.anterior)
            } else {
                seen_flexion(side)
            };
            Some((side, bend?))
        })
        .filter(|&(_, bend)| bend > limits.max_stance_knee_flexion_deg)
        .max_by(|a, b| a.1.total_cmp(&b.1))
    {
        readings.push(PastLimit::angle(
            body,
            &leg_joints(side),
            (
                Refusal::Step,
                format!("the {} knee is bent {bend:.0} degrees", side_name(side)),
                "as in a step",
            ),
            (bend, limits.max_stance_knee_flexion_deg, errors.knee_deg),
            true,
        ));
    }
    // The first reading shown refuses; within the error of its limit the
    // body gets a closer look first.
    if let Some(shown) = readings
        .iter()
        .find(|r| r.shown() && !r.within_error())
        .or_else(|| readings.iter().find(|r| r.shown()))
    {
        return Err(Shown {
            stance: StanceDoubts {
                unconfirmed: Vec::new(),
                in_doubt: shown.within_error(),
            },
            ..refused(shown.refusal, shown.refusal_reason())
        });
    }
    let mut unconfirmed: Vec<String> = readings.iter().map(PastLimit::doubt).collect();
    unconfirmed.extend(feet.unchecked);
    Ok(StanceDoubts {
        unconfirmed,
        in_doubt: !readings.is_empty(),
    })
}

/// Whether an upright body's side-view score falls short of its limit by no
/// more than the keypoints' own scatter.
fn side_view_in_doubt(view: &View) -> bool {
    let limits = limits();
    view.trunk_from_vertical_deg <= limits.protocol.upright_deg
        && view.lateral_score >= limits.view.min_lateral_score - limits.view.side_score_doubt
}

/// The protocol the keypoints show and why, or the refusal.
fn auto_detect(body: &Body, view: &View, quarter_turned_by_exif: bool) -> Shown {
    let (limits, min_lateral_score) = (&limits().protocol, limits().view.min_lateral_score);
    let trunk: Vec<_> = [Side::Left, Side::Right]
        .iter()
        .flat_map(|&s| [joint(s, Limb::Shoulder), joint(s, Limb::Hip)])
        .collect();
    if trunk.iter().any(|&j| !body.in_frame(j)) {
        return refused(
            Refusal::TrunkOutOfFrame,
            "the shoulders and hips must both be in the photo",
        );
    }
    if view.lateral_score < min_lateral_score {
        return refused(
            Refusal::NotSideOn,
            format!(
                "frontal or oblique view (side-view score {:.2}, needs {min_lateral_score}): sagittal angles need a side view",
                view.lateral_score
            ),
        );
    }
    let tilt = view.trunk_from_vertical_deg;
    if tilt > limits.upright_deg {
        return lying(body, view, tilt, quarter_turned_by_exif);
    }
    match stance(body, view) {
        Err(refusal) => refusal,
        Ok(stance) => Shown {
            kind: ProtocolKind::Standing,
            reason: format!("upright side view (trunk {tilt:.0} degrees from vertical)"),
            refusal: None,
            stance,
        },
    }
}

/// A body that is not upright: a Thomas test, or why not. A body that is
/// no Thomas test but would be a standing side view turned a quarter turn
/// (straight legs, the heels level, neither foot hanging below the hips) is
/// said to lie as in a photo stored on its side, unless the photo's EXIF
/// orientation already turned it.
fn lying(body: &Body, view: &View, tilt: f64, quarter_turned_by_exif: bool) -> Shown {
    let shown = thomas_position(body, view, tilt);
    if shown.refusal.is_none()
        || quarter_turned_by_exif
        || !view.lying()
        || may_show_thomas_test(body, view)
    {
        return shown;
    }
    let stands_when_turned = [90.0, -90.0].into_iter().any(|turn| {
        let turned = body.turned(turn);
        let upright = auto_detect(&turned, &self::view(&turned), true);
        upright.kind == ProtocolKind::Standing && upright.stance.unconfirmed.is_empty()
    });
    if !stands_when_turned {
        return shown;
    }
    refused(
        Refusal::TurnedOnSide,
        format!(
            "{}; turned a quarter turn, the body would be a standing side view (straight legs, the feet together, none hanging), so the photo may be stored on its side",
            shown.reason
        ),
    )
}

/// Whether a body lying down shows the Thomas test position, or why not.
fn thomas_position(body: &Body, view: &View, tilt: f64) -> Shown {
    let limits = &limits().protocol;
    if tilt < limits.lying_deg {
        return refused(
            Refusal::NeitherUprightNorLying,
            format!("the trunk is neither upright nor lying ({tilt:.0} degrees from vertical)"),
        );
    }
    if face_down(body) {
        return refused(
            Refusal::FaceDown,
            "lying face down: the Thomas test is done lying on the back",
        );
    }
    let flexion = |side| hip_flexion_of(body, side, view.anterior);
    let (held, test) = thomas_legs(flexion(Side::Left), flexion(Side::Right));
    let (held_flexion, test_flexion) = (flexion(held), flexion(test));
    if held_flexion < limits.min_held_hip_flexion_deg {
        return refused(
            Refusal::NoHeldKnee,
            format!(
                "lying on the back without a knee held to the chest (hip flexion {held_flexion:.0} degrees, needs {:.0}): not a Thomas-test position",
                limits.min_held_hip_flexion_deg
            ),
        );
    }
    if test_flexion > limits.max_test_hip_flexion_deg {
        return refused(
            Refusal::BothHipsFlexed,
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
        return refused(
            Refusal::FreeLegNotHanging,
            "the free lower leg does not hang: the modified Thomas test needs the test thigh off the table end with the lower leg hanging down",
        );
    }
    Shown {
        kind: ProtocolKind::ThomasTest,
        reason: format!(
            "lying on the back, {} knee held to the chest, {} leg free",
            side_name(held),
            side_name(test)
        ),
        refusal: None,
        stance: StanceDoubts::default(),
    }
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
