//! Every angle sagitta reports, its definition and its sign, in one place.
//!
//! All angles are in degrees (names end in `_deg`), measured in the image
//! plane after the camera corrections (`--camera-roll-deg`,
//! `--camera-pitch-deg`), and
//! expressed in the person's own frame: "anterior" is the way the front of
//! the body faces, whichever way that is in the image, so a mirrored photo
//! gives the same numbers.
//!
//! [`MEASUREMENTS`] is the registry: every measurement sagitta reports, with
//! its unit, its definition and sign, the line it is read against, the
//! label the annotated image draws. The outputs
//! read it; adding a measurement touches the code that measures it, this
//! registry and their tests.
//!
//! Each measured value lists the photo points it came from in `points_px`,
//! in the order the definition names them: the segment's start and end
//! (`plumb_*`: ankle, then the point; `pelvic_tilt`: PSIS, then ASIS), or end,
//! vertex, end for a joint angle.
//!
//! Sources use other signs: Harvey's Thomas-test hip angle (Harvey1998)
//! and the EXECP cut-off "hip angle > 0 = short hip flexors" (EXECP2021) count the
//! thigh *above* horizontal as positive, so their values are the negative of
//! `hip_extension`; the rules data states their cut-offs with the sign turned.
//!
//! `--camera-roll-deg R`: the camera was rolled so that true vertical appears
//! turned R degrees clockwise in the image; sagitta turns every point back by
//! R degrees before measuring. Without it, image vertical is taken as true
//! vertical, and the output says so.
//!
//! `--camera-pitch-deg P`: the camera was tilted P degrees up (negative:
//! down) from level, as a phone's level shows it. After the roll, sagitta
//! turns each point's ray back by P about the camera's horizontal axis,
//! through the photo's centre, with the lens's 35 mm-equivalent focal length
//! (`--focal-length-35mm`, else the photo's EXIF, else 26 mm): the points
//! then lie as a level camera at the same place would have seen them, and a
//! body in a vertical plane square to the lens keeps its angles. Without it
//! the camera is taken as level, as the roll is, and nothing is changed.

use schemars::JsonSchema;
use serde::Serialize;

use crate::schema::{MeasurementId, ProtocolKind};

use super::geometry::{UP, Vec2, signed_angle_deg};

/// What a measurement's value is, and so which field of the document holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// Degrees, in `value_deg`.
    Angle,
    /// A fraction of the body height (ankle to the top of the head), in `value`.
    HeightFraction,
    /// A fraction of the trunk length (shoulder to hip keypoint), in `value`.
    TrunkFraction,
    /// A class name, in `classification`.
    Class,
}

impl Quantity {
    /// The `unit` the document gives a value that is not in degrees.
    pub fn unit(self) -> Option<&'static str> {
        match self {
            Quantity::HeightFraction => Some("fraction_of_height"),
            Quantity::TrunkFraction => Some("fraction_of_trunk_length"),
            Quantity::Angle | Quantity::Class => None,
        }
    }
}

/// The line an angle is read against, as the annotated image draws it. A
/// joint angle (three points) needs none: it is read between its segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceLine {
    /// The segment against the vertical, measured from straight up.
    Vertical,
    /// The segment against the horizontal on the side the segment points to
    /// (the feet for the thigh and trunk, anterior for PSIS -> ASIS).
    Horizontal,
}

impl MeasurementId {
    /// Its registry entry (a test holds that every id has one).
    pub fn spec(self) -> &'static MeasurementSpec {
        MEASUREMENTS
            .iter()
            .find(|m| m.ids.contains(&self))
            .expect("every measurement id is in the registry")
    }
}

/// One measurement of the document.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct MeasurementSpec {
    /// The key in the document's `measurements`.
    pub name: &'static str,
    pub quantity: Quantity,
    /// The protocols that report it.
    // As the measurement's id in each: the document lists their protocols.
    #[serde(rename = "protocols", serialize_with = "serialize_protocols")]
    #[schemars(rename = "protocols", with = "Vec<ProtocolKind>")]
    pub ids: &'static [MeasurementId],
    /// What is measured, and against what.
    pub definition: &'static str,
    /// Where the value is 0 (`None` for a class).
    pub zero: Option<&'static str>,
    /// What a positive value means (a class: the classes).
    pub positive: &'static str,
    pub reference_line: Option<ReferenceLine>,
    /// The short label drawn next to the angle on the annotated image.
    pub label: &'static str,
}

impl MeasurementSpec {
    /// The protocols that report it.
    pub fn protocols(&self) -> impl Iterator<Item = ProtocolKind> + '_ {
        self.ids.iter().map(|id| id.protocol())
    }
}

fn serialize_protocols<S: serde::Serializer>(
    ids: &&'static [MeasurementId],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(ids.iter().map(|id| id.protocol()))
}

use MeasurementId::*;

/// Every measurement, its definition and its sign.
pub const MEASUREMENTS: &[MeasurementSpec] = &[
    MeasurementSpec {
        name: "trunk_inclination",
        quantity: Quantity::Angle,
        ids: &[TrunkInclination],
        definition: "hip -> shoulder line against the vertical",
        zero: Some("upright"),
        positive: "trunk leans forward (shoulder anterior of hip)",
        reference_line: Some(ReferenceLine::Vertical),
        label: "trunk inclination",
    },
    MeasurementSpec {
        name: "standing_hip_flexion",
        quantity: Quantity::Angle,
        ids: &[StandingHipFlexion],
        definition: "thigh (hip -> knee) against the trunk line continued down (shoulder -> hip)",
        zero: Some("thigh in line with the trunk"),
        positive: "hip flexed (knee anterior of the trunk line); negative = extended",
        reference_line: None,
        label: "hip flexion",
    },
    MeasurementSpec {
        name: "knee_flexion",
        quantity: Quantity::Angle,
        ids: &[StandingKneeFlexion, ThomasKneeFlexion],
        definition: "shank (knee -> ankle) against the thigh line continued (hip -> knee); the near knee standing, the test knee in the Thomas test",
        zero: Some("straight knee"),
        positive: "knee bent (ankle behind the thigh line); negative = hyperextended",
        reference_line: None,
        label: "knee flexion",
    },
    MeasurementSpec {
        name: "head_forward",
        quantity: Quantity::Angle,
        ids: &[HeadForward],
        definition: "shoulder -> ear line against the vertical",
        zero: Some("ear above shoulder"),
        positive: "ear anterior of the shoulder (no published norm; not classified)",
        reference_line: Some(ReferenceLine::Vertical),
        label: "head forward",
    },
    MeasurementSpec {
        name: "craniovertebral_angle",
        quantity: Quantity::Angle,
        ids: &[CraniovertebralAngle],
        definition: "C7 -> ear (tragus) line against the horizontal (Wilmarth2002), C7 placed on the back outline of the neck",
        zero: Some("ear level with C7"),
        positive: "ear above C7; smaller = head further forward",
        reference_line: Some(ReferenceLine::Horizontal),
        label: "CVA (approx.)",
    },
    MeasurementSpec {
        name: "pelvic_tilt",
        quantity: Quantity::Angle,
        ids: &[PelvicTilt],
        definition: "PSIS -> ASIS line against the horizontal",
        zero: Some("ASIS level with PSIS"),
        positive: "anterior tilt (ASIS lower than PSIS)",
        reference_line: Some(ReferenceLine::Horizontal),
        label: "pelvic tilt",
    },
    MeasurementSpec {
        name: "plumb_ear",
        quantity: Quantity::HeightFraction,
        ids: &[PlumbEar],
        definition: "horizontal offset of the ear from the vertical through the ankle, over the height from ankle to the top of the head",
        zero: Some("on the plumb line"),
        positive: "anterior of the plumb line",
        reference_line: None,
        label: "plumb ear",
    },
    MeasurementSpec {
        name: "plumb_shoulder",
        quantity: Quantity::HeightFraction,
        ids: &[PlumbShoulder],
        definition: "horizontal offset of the shoulder from the vertical through the ankle, over the height from ankle to the top of the head",
        zero: Some("on the plumb line"),
        positive: "anterior of the plumb line",
        reference_line: None,
        label: "plumb shoulder",
    },
    MeasurementSpec {
        name: "plumb_hip",
        quantity: Quantity::HeightFraction,
        ids: &[PlumbHip],
        definition: "horizontal offset of the hip from the vertical through the ankle, over the height from ankle to the top of the head",
        zero: Some("on the plumb line"),
        positive: "anterior of the plumb line",
        reference_line: None,
        label: "plumb hip",
    },
    MeasurementSpec {
        name: "plumb_knee",
        quantity: Quantity::HeightFraction,
        ids: &[PlumbKnee],
        definition: "horizontal offset of the knee from the vertical through the ankle, over the height from ankle to the top of the head",
        zero: Some("on the plumb line"),
        positive: "anterior of the plumb line",
        reference_line: None,
        label: "plumb knee",
    },
    MeasurementSpec {
        name: "lumbar_lordosis_depth",
        quantity: Quantity::TrunkFraction,
        ids: &[LumbarLordosisDepth],
        definition: "largest distance of the back outline in front of the chord that touches it on the upper back and on the buttock (a straight edge laid on the back), over the trunk length; points_px: chord's upper end, lumbar apex, chord's lower end",
        zero: Some("the lumbar outline on the chord (flat)"),
        positive: "a hollow (lordosis); negative = the lumbar outline bulges behind the chord",
        reference_line: None,
        label: "lordosis depth",
    },
    MeasurementSpec {
        name: "lumbar_lordosis_angle",
        quantity: Quantity::Angle,
        ids: &[LumbarLordosisAngle],
        definition: "flexible-curve arc angle of the lumbar hollow, 4 atan(2 depth / chord) (Youdas1996), from lumbar_lordosis_depth and its chord; points_px as for the depth",
        zero: Some("flat lumbar outline"),
        positive: "a hollow; larger = deeper lordosis",
        reference_line: None,
        label: "lordosis",
    },
    MeasurementSpec {
        name: "thoracic_kyphosis_depth",
        quantity: Quantity::TrunkFraction,
        ids: &[ThoracicKyphosisDepth],
        definition: "largest distance of the back outline behind the chord from the base of the neck (C7) to the lumbar apex, over the trunk length; points_px: C7, kyphosis apex, lumbar apex",
        zero: Some("the upper-back outline on the chord (flat)"),
        positive: "a bulge (kyphosis); negative = the upper back lies in front of the chord",
        reference_line: None,
        label: "kyphosis depth",
    },
    MeasurementSpec {
        name: "thoracic_kyphosis_angle",
        quantity: Quantity::Angle,
        ids: &[ThoracicKyphosisAngle],
        definition: "flexible-curve arc angle of the upper-back bulge, 4 atan(2 depth / chord), from thoracic_kyphosis_depth and its chord; points_px as for the depth",
        zero: Some("flat upper back"),
        positive: "a bulge; larger = rounder upper back",
        reference_line: None,
        label: "kyphosis",
    },
    MeasurementSpec {
        name: "buttock_prominence",
        quantity: Quantity::TrunkFraction,
        ids: &[ButtockProminence],
        definition: "how far the buttock's tangent point lies behind the lumbar apex, horizontally, over the trunk length; points_px: lumbar apex, buttock",
        zero: Some("buttock level with the lumbar apex"),
        positive: "buttock behind the lumbar apex",
        reference_line: None,
        label: "buttock",
    },
    MeasurementSpec {
        name: "lower_abdomen_inclination",
        quantity: Quantity::Angle,
        ids: &[LowerAbdomenInclination],
        definition: "line fitted to the front outline from the waist to just below the hip joint, against the vertical; points_px: the line's top and bottom",
        zero: Some("vertical front outline"),
        positive: "the outline runs backwards as it descends (as an anterior pelvic tilt makes it)",
        reference_line: None,
        label: "lower abdomen",
    },
    MeasurementSpec {
        name: "pelvic_pattern",
        quantity: Quantity::Class,
        ids: &[PelvicPattern],
        definition: "the pelvic pattern from pelvic_tilt and its uncertainty with a prior from published prevalences (Preece2008, Herrington2011): anterior above 23 deg, posterior below 0, neutral between; `probabilities` gives each class's",
        zero: None,
        positive: "one of anterior, neutral, posterior (called once more likely than not, both with the prior and from the photo alone), uncertain (with the classes in reach in `borderline` and what would settle it in `to_settle`)",
        reference_line: None,
        label: "pelvic pattern",
    },
    MeasurementSpec {
        name: "posture_type",
        quantity: Quantity::Class,
        ids: &[PostureType],
        definition: "Kendall's posture type from its definition (Kendall1993): the pelvic pattern, the lumbar and thoracic curves against surface norms (LangTapia2011) and the pelvis's position on the plumb line; `probabilities` gives each type's, and no_type the share no type covers",
        zero: None,
        positive: "one of ideal, lordotic, kyphotic_lordotic, kyphotic, flat_back, sway_back (called once more likely than not), uncertain (types in reach in `borderline`)",
        reference_line: None,
        label: "posture type",
    },
    MeasurementSpec {
        name: "hip_extension",
        quantity: Quantity::Angle,
        ids: &[HipExtension],
        definition: "test thigh (hip -> knee) against the horizontal, pointing to the feet",
        zero: Some("thigh horizontal"),
        positive: "thigh below horizontal (hip extended past neutral); negative = above horizontal (short hip flexors)",
        reference_line: Some(ReferenceLine::Horizontal),
        label: "hip extension",
    },
    MeasurementSpec {
        name: "contralateral_hip_flexion",
        quantity: Quantity::Angle,
        ids: &[ContralateralHipFlexion],
        definition: "held thigh against the trunk line continued, as `standing_hip_flexion`",
        zero: Some("thigh in line with the trunk"),
        positive: "flexed towards the chest",
        reference_line: None,
        label: "held hip flexion",
    },
    MeasurementSpec {
        name: "trunk_tilt",
        quantity: Quantity::Angle,
        ids: &[TrunkTilt],
        definition: "shoulder -> hip line against the horizontal, pointing to the feet",
        zero: Some("trunk level"),
        positive: "hips lower than shoulders",
        reference_line: Some(ReferenceLine::Horizontal),
        label: "trunk tilt",
    },
];

/// The order a clinician reads the measurements in: pelvis, spine and
/// trunk, hip, knee, head. The text summary lists them so.
pub const CLINICAL_ORDER: &[MeasurementId] = &[
    // pelvis
    PelvicTilt,
    PelvicPattern,
    LowerAbdomenInclination,
    ButtockProminence,
    // spine and trunk
    PostureType,
    LumbarLordosisAngle,
    LumbarLordosisDepth,
    ThoracicKyphosisAngle,
    ThoracicKyphosisDepth,
    TrunkInclination,
    TrunkTilt,
    PlumbShoulder,
    // hip
    HipExtension,
    ContralateralHipFlexion,
    StandingHipFlexion,
    PlumbHip,
    // knee
    StandingKneeFlexion,
    ThomasKneeFlexion,
    PlumbKnee,
    // head
    HeadForward,
    CraniovertebralAngle,
    PlumbEar,
];

/// The place of the measurement `name` in [`CLINICAL_ORDER`]; one the
/// order does not know (from a newer document) comes last.
pub fn clinical_rank(name: &str) -> usize {
    CLINICAL_ORDER
        .iter()
        .position(|id| id.name() == name)
        .unwrap_or(CLINICAL_ORDER.len())
}

/// The angle a call among classes is made from, where it is one: the
/// pelvic pattern is read from the pelvic tilt; the posture type rests on
/// several measurements.
pub fn call_angle(call: MeasurementId) -> Option<MeasurementId> {
    match call {
        PelvicPattern => Some(PelvicTilt),
        _ => None,
    }
}

/// Whether the measurement is a call among classes.
pub fn is_call(name: &str) -> bool {
    spec(name).is_some_and(|spec| spec.quantity == Quantity::Class)
}

/// The registry entry of a measurement.
pub fn spec(name: &str) -> Option<&'static MeasurementSpec> {
    MEASUREMENTS.iter().find(|m| m.name == name)
}

/// Straight down in the image.
const DOWN: Vec2 = Vec2::new(0.0, 1.0);

/// Angle of the segment `from -> to` against the vertical, positive when `to`
/// lies anterior of `from` (`anterior` is the body's front direction).
pub fn inclination_to_vertical_deg(from: Vec2, to: Vec2, anterior: Vec2) -> Option<f64> {
    signed_angle_deg(to - from, UP, anterior)
}

/// Hip flexion: the thigh against the trunk line continued past the hip,
/// positive when the thigh swings anterior.
pub fn hip_flexion_deg(shoulder: Vec2, hip: Vec2, knee: Vec2, anterior: Vec2) -> Option<f64> {
    signed_angle_deg(knee - hip, hip - shoulder, anterior)
}

/// Knee flexion: the shank against the thigh line continued past the knee,
/// positive when the shank swings posterior (a bent knee), negative for a
/// hyperextended knee.
pub fn knee_flexion_deg(hip: Vec2, knee: Vec2, ankle: Vec2, anterior: Vec2) -> Option<f64> {
    signed_angle_deg(ankle - knee, knee - hip, anterior * -1.0)
}

/// Angle of the segment `from -> to` against the horizontal that points
/// `towards` (a direction along the body, e.g. to the feet), positive below
/// the horizontal.
pub fn below_horizontal_deg(from: Vec2, to: Vec2, towards: Vec2) -> Option<f64> {
    let horizontal = Vec2::new(towards.x.signum(), 0.0);
    if towards.x == 0.0 {
        return None;
    }
    signed_angle_deg(to - from, horizontal, DOWN)
}

/// Pelvic tilt from the two landmarks: the PSIS -> ASIS line against the
/// anterior horizontal, positive when the ASIS is lower (anterior tilt).
/// `None` when the ASIS does not lie anterior of the PSIS.
pub fn pelvic_tilt_deg(asis: Vec2, psis: Vec2, anterior: Vec2) -> Option<f64> {
    let line = asis - psis;
    if line.dot(anterior) <= 0.0 {
        return None;
    }
    signed_angle_deg(line, Vec2::new(anterior.x.signum(), 0.0), DOWN)
}

/// Horizontal offset of `point` from the vertical through `ankle`, as a
/// fraction of `height`, positive anterior.
pub fn plumb_offset(point: Vec2, ankle: Vec2, anterior: Vec2, height: f64) -> Option<f64> {
    let offset = (point.x - ankle.x) * anterior.x.signum();
    (height > 0.0 && anterior.x != 0.0).then(|| offset / height)
}

/// Signed distance of `point` in front of the chord `from -> to`, all three
/// given as (down, back) pairs on a back outline: positive when the point
/// lies anterior of the chord (a hollow), negative behind it (a bulge).
pub fn depth_in_front_of(from: Vec2, to: Vec2, point: Vec2) -> f64 {
    let chord = to - from;
    let length = chord.length();
    if length < 1e-12 {
        return 0.0;
    }
    let offset = point - from;
    -(chord.x * offset.y - chord.y * offset.x) / length
}

/// The arc angle of a curve of `depth` over a `chord` (same unit): the
/// tangent change along a circular arc with that sagitta, 4 atan(2 depth /
/// chord), degrees, as flexible-curve studies compute the lordosis angle
/// (Youdas1996); the sign of `depth`.
pub fn arc_angle_deg(depth: f64, chord: f64) -> f64 {
    if chord <= 0.0 {
        return 0.0;
    }
    4.0 * (2.0 * depth / chord).atan().to_degrees()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RIGHT: Vec2 = Vec2::new(1.0, 0.0);
    const LEFT: Vec2 = Vec2::new(-1.0, 0.0);

    /// A point `length` away from `from` at `deg` from straight down, turned towards `anterior`.
    fn limb(from: Vec2, length: f64, deg: f64, anterior: Vec2) -> Vec2 {
        let (s, c) = deg.to_radians().sin_cos();
        from + Vec2::new(anterior.x * s * length, c * length)
    }

    #[test]
    fn trunk_and_head_inclination_are_positive_forward_for_both_facings() {
        for anterior in [RIGHT, LEFT] {
            let hip = Vec2::new(100.0, 200.0);
            // Shoulder 10 degrees forward of vertical.
            let shoulder = hip
                + Vec2::new(
                    anterior.x * 10f64.to_radians().sin(),
                    -10f64.to_radians().cos(),
                ) * 50.0;
            let got = inclination_to_vertical_deg(hip, shoulder, anterior).unwrap();
            assert!((got - 10.0).abs() < 1e-9, "{got}");
        }
    }

    #[test]
    fn hip_and_knee_flexion_signs() {
        for anterior in [RIGHT, LEFT] {
            let shoulder = Vec2::new(0.0, 0.0);
            let hip = Vec2::new(0.0, 50.0);
            let knee = limb(hip, 40.0, 30.0, anterior);
            assert!((hip_flexion_deg(shoulder, hip, knee, anterior).unwrap() - 30.0).abs() < 1e-9);
            let behind = limb(hip, 40.0, -15.0, anterior);
            assert!(
                (hip_flexion_deg(shoulder, hip, behind, anterior).unwrap() + 15.0).abs() < 1e-9
            );

            // Thigh straight down; shank swung back 40 degrees = knee bent 40.
            let knee = hip + Vec2::new(0.0, 40.0);
            let ankle = limb(knee, 40.0, -40.0, anterior);
            assert!((knee_flexion_deg(hip, knee, ankle, anterior).unwrap() - 40.0).abs() < 1e-9);
            // Shank forward of the thigh line: hyperextension, negative.
            let ankle = limb(knee, 40.0, 5.0, anterior);
            assert!((knee_flexion_deg(hip, knee, ankle, anterior).unwrap() + 5.0).abs() < 1e-9);
        }
    }

    #[test]
    fn thigh_below_horizontal_is_positive_whichever_way_the_feet_point() {
        for feet in [RIGHT, LEFT] {
            let hip = Vec2::new(50.0, 50.0);
            let (s, c) = 12f64.to_radians().sin_cos();
            let knee = hip + Vec2::new(feet.x * c, s) * 40.0;
            assert!((below_horizontal_deg(hip, knee, feet).unwrap() - 12.0).abs() < 1e-9);
            let raised = hip + Vec2::new(feet.x * c, -s) * 40.0;
            assert!((below_horizontal_deg(hip, raised, feet).unwrap() + 12.0).abs() < 1e-9);
        }
        assert!(below_horizontal_deg(Vec2::default(), RIGHT, Vec2::new(0.0, 1.0)).is_none());
    }

    #[test]
    fn pelvic_tilt_is_positive_when_the_asis_is_lower() {
        for anterior in [RIGHT, LEFT] {
            let psis = Vec2::new(100.0, 100.0);
            let (s, c) = 9f64.to_radians().sin_cos();
            let asis = psis + Vec2::new(anterior.x * c, s) * 120.0;
            assert!((pelvic_tilt_deg(asis, psis, anterior).unwrap() - 9.0).abs() < 1e-9);
            let asis_high = psis + Vec2::new(anterior.x * c, -s) * 120.0;
            assert!((pelvic_tilt_deg(asis_high, psis, anterior).unwrap() + 9.0).abs() < 1e-9);
            // ASIS behind the PSIS: the points were swapped or the facing is wrong.
            assert!(pelvic_tilt_deg(psis, asis, anterior).is_none());
        }
    }

    #[test]
    fn a_hollow_lies_in_front_of_its_chord_and_a_bulge_behind() {
        // (down, back) pairs: a chord straight down, 2 long.
        let (top, bottom) = (Vec2::new(0.0, 1.0), Vec2::new(2.0, 1.0));
        assert!((depth_in_front_of(top, bottom, Vec2::new(1.0, 0.7)) - 0.3).abs() < 1e-12);
        assert!((depth_in_front_of(top, bottom, Vec2::new(1.0, 1.2)) + 0.2).abs() < 1e-12);
        // The distance is square to the chord, whichever way it slants.
        let slanted = Vec2::new(2.0, 3.0);
        let point = Vec2::new(1.0, 2.0) + Vec2::new(1.0, -1.0) * (0.5 / 2f64.sqrt());
        assert!((depth_in_front_of(top, slanted, point) - 0.5).abs() < 1e-12);
        assert_eq!(depth_in_front_of(top, top, point), 0.0);
    }

    #[test]
    fn the_arc_angle_is_the_tangent_change_of_a_circular_arc() {
        // A semicircle: depth = half the chord, the tangent turns 180 degrees.
        assert!((arc_angle_deg(1.0, 2.0) - 180.0).abs() < 1e-9);
        // A 60-degree arc of radius 1: chord 1, sagitta 1 - cos 30.
        let sagitta = 1.0 - 30f64.to_radians().cos();
        assert!((arc_angle_deg(sagitta, 1.0) - 60.0).abs() < 1e-9);
        assert_eq!(arc_angle_deg(0.0, 1.0), 0.0);
        assert!(arc_angle_deg(-sagitta, 1.0) < 0.0);
        assert_eq!(arc_angle_deg(0.1, 0.0), 0.0);
    }

    #[test]
    fn every_id_reads_back_from_its_name_and_protocol() {
        for &id in MeasurementId::ALL {
            assert_eq!(MeasurementId::from_name(id.name(), id.protocol()), Some(id));
            assert_eq!(id.spec().name, id.name());
            assert_eq!(id.to_string(), id.name());
        }
        assert_eq!(
            MeasurementId::from_name("hip_extension", ProtocolKind::Standing),
            None
        );
        assert_eq!(
            MeasurementId::from_name("pelvic_tilt", ProtocolKind::Unsupported),
            None
        );
        assert_eq!(
            MeasurementId::from_name("not_a_measurement", ProtocolKind::Standing),
            None
        );
    }

    #[test]
    fn the_two_knee_flexions_are_distinct_ids_told_apart_by_protocol() {
        use MeasurementId::{StandingKneeFlexion, ThomasKneeFlexion};
        assert_ne!(StandingKneeFlexion, ThomasKneeFlexion);
        assert_eq!(StandingKneeFlexion.name(), ThomasKneeFlexion.name());
        assert_eq!(
            MeasurementId::from_name("knee_flexion", ProtocolKind::Standing),
            Some(StandingKneeFlexion)
        );
        assert_eq!(
            MeasurementId::from_name("knee_flexion", ProtocolKind::ThomasTest),
            Some(ThomasKneeFlexion)
        );
        // One published entry describes both.
        assert!(std::ptr::eq(
            StandingKneeFlexion.spec(),
            ThomasKneeFlexion.spec()
        ));
    }

    #[test]
    fn each_registry_entry_has_one_id_per_protocol_and_each_id_one_entry() {
        for m in MEASUREMENTS {
            for (i, id) in m.ids.iter().enumerate() {
                assert_eq!(id.name(), m.name);
                assert!(
                    m.ids[..i]
                        .iter()
                        .all(|other| other.protocol() != id.protocol()),
                    "{} twice for one protocol",
                    m.name
                );
            }
        }
        for &id in MeasurementId::ALL {
            let entries = MEASUREMENTS.iter().filter(|m| m.ids.contains(&id)).count();
            assert_eq!(entries, 1, "{id:?}");
        }
        // ALL lists them in the registry's order.
        let ids: Vec<MeasurementId> = MEASUREMENTS.iter().flat_map(|m| m.ids).copied().collect();
        assert_eq!(ids, MeasurementId::ALL);
    }

    #[test]
    fn the_registry_names_each_measurement_once_and_fully() {
        for (i, m) in MEASUREMENTS.iter().enumerate() {
            assert!(
                MEASUREMENTS[..i].iter().all(|other| other.name != m.name),
                "{} twice",
                m.name
            );
            assert!(!m.ids.is_empty() && !m.label.is_empty(), "{}", m.name);
            assert!(
                !m.definition.is_empty() && !m.positive.is_empty(),
                "{}",
                m.name
            );
            // Every value has a zero and a sign; a class has neither.
            assert_eq!(
                m.zero.is_none(),
                m.quantity == Quantity::Class,
                "{}",
                m.name
            );
            // A reference line belongs to an angle read against it.
            assert!(m.reference_line.is_none() || m.quantity == Quantity::Angle);
        }
    }

    #[test]
    fn the_clinical_order_lists_every_measurement_once() {
        assert_eq!(CLINICAL_ORDER.len(), MeasurementId::ALL.len());
        for id in MeasurementId::ALL {
            assert_eq!(
                CLINICAL_ORDER.iter().filter(|n| *n == id).count(),
                1,
                "{id:?}"
            );
        }
        assert!(clinical_rank("pelvic_tilt") < clinical_rank("knee_flexion"));
        assert_eq!(clinical_rank("not_a_measurement"), CLINICAL_ORDER.len());
    }

    /// Every measurement a saved analysis holds is in the registry (the
    /// fixtures and the golden outputs were written by the measuring code).
    #[test]
    fn every_measurement_the_documents_hold_is_registered() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let mut seen = 0;
        for dir in ["fixtures", "golden"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_none_or(|e| e != "json") {
                    continue;
                }
                let doc: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                let Some(measurements) = doc.get("measurements").and_then(|m| m.as_object()) else {
                    continue;
                };
                for (name, m) in measurements {
                    spec(name).unwrap_or_else(|| panic!("{name} in {path:?}"));
                    let protocol: ProtocolKind =
                        serde_json::from_value(doc["protocol"]["kind"].clone()).unwrap();
                    if m.get("declined").is_none_or(|d| d.is_null()) {
                        assert!(
                            MeasurementId::from_name(name, protocol).is_some(),
                            "{name} in {path:?}"
                        );
                    }
                    seen += 1;
                }
            }
        }
        assert!(seen >= 14, "{seen}");
    }

    #[test]
    fn plumb_offset_is_positive_anterior() {
        let ankle = Vec2::new(100.0, 500.0);
        assert_eq!(
            plumb_offset(Vec2::new(120.0, 100.0), ankle, RIGHT, 400.0),
            Some(0.05)
        );
        assert_eq!(
            plumb_offset(Vec2::new(120.0, 100.0), ankle, LEFT, 400.0),
            Some(-0.05)
        );
        assert_eq!(
            plumb_offset(Vec2::new(120.0, 100.0), ankle, LEFT, 0.0),
            None
        );
    }
}
