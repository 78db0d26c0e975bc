//! Every angle sagitta reports, its definition and its sign, in one place.
//!
//! All angles are in degrees (names end in `_deg`), measured in the image
//! plane after the camera-roll correction (`--camera-roll-deg`), and
//! expressed in the person's own frame: "anterior" is the way the front of
//! the body faces, whichever way that is in the image, so a mirrored photo
//! gives the same numbers.
//!
//! | measurement | definition | 0 | positive means |
//! |---|---|---|---|
//! | `trunk_inclination` | hip -> shoulder line against the vertical | upright | trunk leans forward (shoulder anterior of hip) |
//! | `standing_hip_flexion` | thigh (hip -> knee) against the trunk line continued down (shoulder -> hip) | thigh in line with the trunk | hip flexed (knee anterior of the trunk line); negative = extended |
//! | `knee_flexion` | shank (knee -> ankle) against the thigh line continued (hip -> knee) | straight knee | knee bent (ankle behind the thigh line); negative = hyperextended |
//! | `head_forward` | shoulder -> ear line against the vertical | ear above shoulder | ear anterior of the shoulder (no published norm; not classified) |
//! | `craniovertebral_angle` | C7 -> ear line against the horizontal (Wilmarth2002), C7 placed on the back outline (see `standing`) | ear level with C7 | ear above C7; smaller = head further forward |
//! | `pelvic_tilt` | PSIS -> ASIS line against the horizontal | ASIS level with PSIS | anterior tilt (ASIS lower than PSIS) |
//! | `hip_extension` (Thomas test) | test thigh (hip -> knee) against the horizontal, pointing to the feet | thigh horizontal | thigh below horizontal (hip extended past neutral); negative = above horizontal (short hip flexors) |
//! | `contralateral_hip_flexion` (Thomas test) | held thigh against the trunk line continued, as `standing_hip_flexion` | thigh in line with the trunk | flexed towards the chest |
//! | `trunk_tilt` (Thomas test) | shoulder -> hip line against the horizontal, pointing to the feet | trunk level | hips lower than shoulders |
//! | `plumb_*` (ratio) | horizontal offset of ear, shoulder, hip or knee from the vertical through the ankle, over the height from ankle to the top of the head | on the plumb line | anterior of the plumb line |
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

use super::geometry::{UP, Vec2, signed_angle_deg};

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
