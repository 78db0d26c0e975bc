//! The measurement stage on synthetic skeletons whose angles are known
//! exactly, on real photos, and on marker dots drawn onto a real photo.

use crate::common;
use std::collections::BTreeMap;

use image::RgbImage;
use proptest::prelude::*;
use sagitta::measure::{MeasureOptions, PelvisInput, ProtocolChoice, Refusal, measure};
use sagitta::pose::{Joint, Keypoint, Pose, Region, SegmentationMask};
use sagitta::schema::{Measurement, ModelInfo, ModelKind, ModelRef, ProtocolKind, Side};

const W: u32 = 1800;
const H: u32 = 1800;
/// Where the synthetic hips stand.
const CENTER: f64 = 900.0;

/// A point `length` from `from`, `deg` degrees from straight down, turned
/// towards `forward` (+1 = image right, -1 = image left).
fn limb(from: (f64, f64), length: f64, deg: f64, forward: f64) -> (f64, f64) {
    let (s, c) = deg.to_radians().sin_cos();
    (from.0 + forward * s * length, from.1 + c * length)
}

/// A standing person, side-on, facing `forward`, with the given angles
/// (degrees, sagitta's conventions).
struct Standing {
    trunk: f64,
    hip_flexion: f64,
    knee_flexion: f64,
    head_forward: f64,
}

fn standing_points(s: &Standing, forward: f64) -> BTreeMap<Joint, (f64, f64)> {
    let hip = (CENTER, CENTER);
    // The trunk leans `trunk` forward: the shoulder is above and ahead of the hip.
    let shoulder = limb(hip, 250.0, 180.0 - s.trunk, forward);
    let ear = limb(shoulder, 100.0, 180.0 - s.head_forward, forward);
    // The trunk line continued below the hip points `trunk` degrees back from
    // straight down; the thigh is `hip_flexion` forward of it.
    let knee = limb(hip, 220.0, s.hip_flexion - s.trunk, forward);
    // The shank swings back from the thigh line by the knee flexion.
    let ankle = limb(
        knee,
        220.0,
        s.hip_flexion - s.trunk - s.knee_flexion,
        forward,
    );
    let heel = (ankle.0 - forward * 15.0, ankle.1 + 20.0);
    let toe = (ankle.0 + forward * 60.0, ankle.1 + 25.0);
    let nose = (ear.0 + forward * 40.0, ear.1 + 5.0);
    let mut points = BTreeMap::new();
    // Side-on: left and right overlap, the near (left) side a little in front.
    for (left, right, p) in [
        (Joint::LeftEar, Joint::RightEar, ear),
        (Joint::LeftShoulder, Joint::RightShoulder, shoulder),
        (
            Joint::LeftElbow,
            Joint::RightElbow,
            (shoulder.0 + forward * 5.0, shoulder.1 + 120.0),
        ),
        (
            Joint::LeftWrist,
            Joint::RightWrist,
            (shoulder.0 + forward * 10.0, shoulder.1 + 230.0),
        ),
        (Joint::LeftHip, Joint::RightHip, hip),
        (Joint::LeftKnee, Joint::RightKnee, knee),
        (Joint::LeftAnkle, Joint::RightAnkle, ankle),
        (Joint::LeftHeel, Joint::RightHeel, heel),
        (Joint::LeftFootIndex, Joint::RightFootIndex, toe),
    ] {
        points.insert(left, p);
        points.insert(right, p);
    }
    points.insert(Joint::Nose, nose);
    points
}

/// A pose from named points: unlisted joints sit at the hips, hidden; the
/// person mask covers a box around the listed points (and 80 px above the top one).
fn pose_from(points: &BTreeMap<Joint, (f64, f64)>) -> Pose {
    let xs = points.values().map(|p| p.0);
    let ys = points.values().map(|p| p.1);
    let (x0, x1) = (
        xs.clone().fold(f64::MAX, f64::min) - 60.0,
        xs.fold(f64::MIN, f64::max) + 60.0,
    );
    let (y0, y1) = (
        ys.clone().fold(f64::MAX, f64::min) - 80.0,
        ys.fold(f64::MIN, f64::max) + 10.0,
    );
    pose_with_mask(points, |x, y| (x - x0).min(x1 - x).min(y - y0).min(y1 - y))
}

/// A pose from named points whose person mask is given as a signed distance
/// to the body outline (pixels, positive inside). The model's logits are
/// smooth across an edge, so they are made proportional to that distance.
fn pose_with_mask(
    points: &BTreeMap<Joint, (f64, f64)>,
    inside_by: impl Fn(f64, f64) -> f64,
) -> Pose {
    let hip = points[&Joint::LeftHip];
    let mut keypoints = [Keypoint {
        x: hip.0 as f32,
        y: hip.1 as f32,
        visibility: 0.0,
        presence: 0.0,
        z: 0.0,
    }; Joint::COUNT];
    for (joint, &(x, y)) in points {
        // The near (left) side slightly nearer the camera and better seen.
        let left = joint.name().starts_with("left");
        keypoints[joint.index()] = Keypoint {
            x: x as f32,
            y: y as f32,
            z: if left { -10.0 } else { 10.0 },
            visibility: if left { 0.99 } else { 0.9 },
            presence: 0.99,
        };
    }
    let roi = Region {
        center_x: W as f32 / 2.0,
        center_y: H as f32 / 2.0,
        size: W as f32,
        rotation: 0.0,
    };
    let side = 256;
    let logits = ndarray::Array2::from_shape_fn((side, side), |(row, col)| {
        let (u, v) = (
            (col as f32 + 0.5) / side as f32,
            (row as f32 + 0.5) / side as f32,
        );
        let (x, y) = roi.to_image(u, v);
        (0.5 * inside_by(x as f64, y as f64)).clamp(-20.0, 20.0) as f32
    });
    Pose {
        keypoints,
        mask: Some(SegmentationMask::from_logits(logits, roi)),
        persons_found: 1,
        detector_score: 0.9,
        pose_presence: 0.99,
        model: synthetic_model(),
    }
}

/// The "model" of a synthetic pose: named as such, with no checksum to check.
fn synthetic_model() -> ModelInfo {
    let named = |name: &str| ModelRef {
        name: name.to_string(),
        sha256: String::new(),
    };
    ModelInfo {
        kind: ModelKind::Full,
        detector: named("synthetic"),
        landmark: named("synthetic"),
    }
}

fn transform(
    points: &BTreeMap<Joint, (f64, f64)>,
    f: impl Fn((f64, f64)) -> (f64, f64),
) -> BTreeMap<Joint, (f64, f64)> {
    points.iter().map(|(&j, &p)| (j, f(p))).collect()
}

fn value(measurements: &BTreeMap<String, Measurement>, name: &str) -> f64 {
    let m = &measurements[name];
    m.value_deg()
        .or(m.value())
        .unwrap_or_else(|| panic!("{name}: {m:?}"))
}

fn run(
    points: &BTreeMap<Joint, (f64, f64)>,
    options: &MeasureOptions,
) -> sagitta::measure::MeasureResult {
    measure(&pose_from(points), &RgbImage::new(W, H), options)
}

const ANGLES: Standing = Standing {
    trunk: 4.0,
    hip_flexion: 7.0,
    knee_flexion: 12.0,
    head_forward: 25.0,
};

#[test]
fn standing_angles_are_exact_for_both_facings() {
    for forward in [1.0, -1.0] {
        let result = run(
            &standing_points(&ANGLES, forward),
            &MeasureOptions::default(),
        );
        assert_eq!(
            result.protocol.kind,
            ProtocolKind::Standing,
            "{:?}",
            result.protocol
        );
        assert!(result.protocol.valid);
        assert_eq!(result.protocol.near_side, Some(Side::Left));
        let m = &result.measurements;
        // Values are rounded to 0.1 degree in the output.
        assert!((value(m, "trunk_inclination") - 4.0).abs() <= 0.05);
        assert!((value(m, "standing_hip_flexion") - 7.0).abs() <= 0.05);
        assert!((value(m, "knee_flexion") - 12.0).abs() <= 0.05);
        assert!((value(m, "head_forward") - 25.0).abs() <= 0.05);
        // Each value names its points: hip, knee, ankle for the knee; ankle first for the plumb line.
        let points = standing_points(&ANGLES, forward);
        let at = |j: Joint| {
            [
                (points[&j].0 * 10.0).round() / 10.0,
                (points[&j].1 * 10.0).round() / 10.0,
            ]
        };
        assert_eq!(
            m["knee_flexion"].points_px(),
            vec![
                at(Joint::LeftHip),
                at(Joint::LeftKnee),
                at(Joint::LeftAnkle)
            ]
        );
        assert_eq!(
            m["trunk_inclination"].points_px(),
            vec![at(Joint::LeftHip), at(Joint::LeftShoulder)]
        );
        assert_eq!(
            m["plumb_hip"].points_px(),
            vec![at(Joint::LeftAnkle), at(Joint::LeftHip)]
        );
        // The knee is ahead of the ankle, the shoulder ahead of the hip.
        assert!(value(m, "plumb_knee") > 0.0);
        assert!(value(m, "plumb_shoulder") > value(m, "plumb_hip"));
    }
}

#[test]
fn hyperextension_and_extension_are_negative() {
    let s = Standing {
        trunk: -3.0,
        hip_flexion: -8.0,
        knee_flexion: -6.0,
        head_forward: -5.0,
    };
    let m = run(&standing_points(&s, 1.0), &MeasureOptions::default()).measurements;
    assert!((value(&m, "trunk_inclination") + 3.0).abs() <= 0.05);
    assert!((value(&m, "standing_hip_flexion") + 8.0).abs() <= 0.05);
    assert!((value(&m, "knee_flexion") + 6.0).abs() <= 0.05);
    assert!((value(&m, "head_forward") + 5.0).abs() <= 0.05);
}

#[test]
fn camera_roll_is_undone() {
    let points = standing_points(&ANGLES, 1.0);
    for roll in [-8.0f64, 5.0] {
        // The camera rolled: everything appears turned `roll` degrees clockwise about the centre.
        let (sin, cos) = roll.to_radians().sin_cos();
        let rolled = transform(&points, |(x, y)| {
            let (dx, dy) = (x - W as f64 / 2.0, y - H as f64 / 2.0);
            (
                W as f64 / 2.0 + dx * cos - dy * sin,
                H as f64 / 2.0 + dx * sin + dy * cos,
            )
        });
        let uncorrected = run(&rolled, &MeasureOptions::default()).measurements;
        assert!(
            (value(&uncorrected, "trunk_inclination") - 4.0).abs() > 3.0,
            "the roll must show without correction"
        );
        let corrected = run(
            &rolled,
            &MeasureOptions {
                camera_roll_deg: Some(roll),
                ..Default::default()
            },
        );
        let m = corrected.measurements;
        assert!(
            (value(&m, "trunk_inclination") - 4.0).abs() <= 0.06,
            "{}",
            value(&m, "trunk_inclination")
        );
        assert!((value(&m, "knee_flexion") - 12.0).abs() <= 0.06);
        assert!(
            corrected
                .protocol
                .assumptions
                .iter()
                .any(|a| a.contains("rolled"))
        );
    }
}

#[test]
fn camera_pitch_is_levelled() {
    // The standing body as a level camera sees it, in a vertical plane square
    // to the lens and off to the side of the photo's centre, where a tilt
    // leans verticals; then seen by the same camera tilted up or down.
    let points = transform(&standing_points(&ANGLES, 1.0), |(x, y)| (x + 500.0, y));
    let focal_35mm = 26.0;
    let focal_px = focal_35mm * f64::from(W).hypot(f64::from(H)) / 36f64.hypot(24.0);
    let centre = (f64::from(W) / 2.0, f64::from(H) / 2.0);
    for pitch in [-15.0f64, 12.0] {
        let (sin, cos) = pitch.to_radians().sin_cos();
        let tilted = transform(&points, |(x, y)| {
            let (rx, ry) = ((x - centre.0) / focal_px, (y - centre.1) / focal_px);
            let (ry, depth) = (cos * ry + sin, -sin * ry + cos);
            (
                centre.0 + rx / depth * focal_px,
                centre.1 + ry / depth * focal_px,
            )
        });
        let uncorrected = run(&tilted, &MeasureOptions::default());
        assert!(
            (value(&uncorrected.measurements, "trunk_inclination") - 4.0).abs() > 2.0,
            "the keystone must show without correction: {}",
            value(&uncorrected.measurements, "trunk_inclination")
        );
        assert!(
            uncorrected
                .protocol
                .assumptions
                .iter()
                .any(|a| a.contains("looked level")),
            "{:?}",
            uncorrected.protocol.assumptions
        );
        assert_eq!(uncorrected.protocol.camera_pitch_deg, None);
        let corrected = run(
            &tilted,
            &MeasureOptions {
                camera_pitch_deg: Some(pitch),
                focal_length_35mm_mm: Some(focal_35mm),
                ..Default::default()
            },
        );
        let m = &corrected.measurements;
        for (name, want) in [
            ("trunk_inclination", 4.0),
            ("standing_hip_flexion", 7.0),
            ("knee_flexion", 12.0),
        ] {
            assert!(
                (value(m, name) - want).abs() <= 0.06,
                "{pitch}: {name} {}",
                value(m, name)
            );
        }
        // The points it names are the photo's own pixels, not the levelled ones.
        let knee = m["knee_flexion"].points_px()[1];
        let photo_knee = tilted[&Joint::LeftKnee];
        assert!((knee[0] - photo_knee.0).abs() <= 0.06 && (knee[1] - photo_knee.1).abs() <= 0.06);
        assert_eq!(corrected.protocol.camera_pitch_deg, Some(pitch));
        assert_eq!(corrected.protocol.focal_length_35mm_mm, Some(focal_35mm));
        let direction = if pitch > 0.0 { "up" } else { "down" };
        assert!(
            corrected
                .protocol
                .assumptions
                .iter()
                .any(|a| a.contains(&format!("tilted {direction}"))),
            "{:?}",
            corrected.protocol.assumptions
        );
    }
}

#[test]
fn pelvic_tilt_from_given_landmarks() {
    let points = standing_points(&ANGLES, 1.0);
    // ASIS 120 px ahead of the PSIS and 12 degrees lower: anterior tilt of 12.
    let (s, c) = 12f64.to_radians().sin_cos();
    let psis = (840.0, 820.0);
    let asis = (psis.0 + c * 120.0, psis.1 + s * 120.0);
    let options = MeasureOptions {
        pelvis: PelvisInput::Landmarks { asis, psis },
        ..Default::default()
    };
    let tilt = &run(&points, &options).measurements["pelvic_tilt"];
    assert_eq!(tilt.method(), "landmarks");
    assert!((tilt.value_deg().unwrap() - 12.0).abs() <= 0.05);
    let rounded = |v: f64| (v * 10.0).round() / 10.0;
    assert_eq!(
        tilt.points_px(),
        vec![[psis.0, psis.1], [rounded(asis.0), rounded(asis.1)]]
    );
    // Facing left, the same anatomy is mirrored; swapping the points is caught.
    let swapped = MeasureOptions {
        pelvis: PelvisInput::Landmarks {
            asis: psis,
            psis: asis,
        },
        ..Default::default()
    };
    assert!(
        run(&points, &swapped).measurements["pelvic_tilt"]
            .declined_reason()
            .is_some()
    );
}

/// A body whose outline around the pelvis runs backwards by `tilt_deg` as it
/// descends, front and back alike (the pelvis block turned by that angle),
/// 240 px deep, from above the shoulders to below the knees.
fn tilted_pelvis_pose(points: &BTreeMap<Joint, (f64, f64)>, forward: f64, tilt_deg: f64) -> Pose {
    let hip = points[&Joint::LeftHip];
    let lean = tilt_deg.to_radians().tan();
    pose_with_mask(points, |x, y| {
        // Offset ahead of the tilted mid-line, in the person's frame.
        let ahead = (x - hip.0) * forward + lean * (y - hip.1);
        (120.0 - ahead.abs())
            .min(y - (hip.1 - 330.0))
            .min(hip.1 + 300.0 - y)
    })
}

#[test]
fn pelvic_tilt_estimate_follows_the_outline_linearly_for_both_facings() {
    let mut neutral_by_facing = Vec::new();
    for forward in [1.0, -1.0] {
        let points = standing_points(&ANGLES, forward);
        let estimate = |tilt: f64| {
            let pose = tilted_pelvis_pose(&points, forward, tilt);
            let result = measure(&pose, &RgbImage::new(W, H), &MeasureOptions::default());
            let m = &result.measurements["pelvic_tilt"];
            assert_eq!(m.method(), "estimate");
            // The back outline is a straight line: where it does not run back
            // as it descends there is no buttock curve, and it may be cloth,
            // which the warning says.
            assert_eq!(
                result.warnings.iter().any(|w| w.contains("hangs straight")),
                tilt <= 0.0,
                "tilt {tilt}: {:?}",
                result.warnings
            );
            m.value_deg().unwrap_or_else(|| panic!("{m:?}"))
        };
        let neutral = estimate(0.0);
        neutral_by_facing.push(neutral);
        // One gain for every tilt (a straight calibration line), above one:
        // the outline turns less than the pelvis it wraps.
        let gain = (estimate(20.0) - neutral) / 20.0;
        assert!(gain > 1.0, "facing {forward}: gain {gain}");
        for tilt in [-12.0, -5.0, 8.0] {
            let change = estimate(tilt) - neutral;
            assert!(
                (change - gain * tilt).abs() <= 0.25 * gain,
                "facing {forward}, tilt {tilt}: estimate moved {change}, gain {gain}"
            );
        }
    }
    assert!(
        (neutral_by_facing[0] - neutral_by_facing[1]).abs() <= 0.2,
        "{neutral_by_facing:?}"
    );
}

/// Where a forearm hangs along the front outline, that outline may be the
/// arm's: the back outline is weighed in, with less weight than the front,
/// a wider uncertainty and a warning; where the front outline cannot be used
/// at all (a ragged edge), the back one gives the estimate alone.
#[test]
fn an_arm_along_the_front_outline_weighs_in_the_back_outline() {
    for forward in [1.0, -1.0] {
        let tilt = 10.0;
        let clear = standing_points(&ANGLES, forward);
        let hip = clear[&Joint::LeftHip];
        // The front outline of `tilted_pelvis_pose` lies 120 px ahead of the
        // tilted mid-line; the forearm hangs 6 px inside it, from well above
        // the band (shoulder to hip, 0.35 torso above to 0.1 below the hip)
        // to well below it, so no elbow or wrist keypoint is near the band.
        let lean = f64::to_radians(tilt).tan();
        let on_front = |y: f64| (hip.0 + forward * (114.0 - lean * (y - hip.1)), y);
        let mut along = clear.clone();
        for (elbow, wrist) in [
            (Joint::LeftElbow, Joint::LeftWrist),
            (Joint::RightElbow, Joint::RightWrist),
        ] {
            along.insert(elbow, on_front(hip.1 - 200.0));
            along.insert(wrist, on_front(hip.1 + 80.0));
        }
        let estimate = |pose: Pose| {
            let result = measure(&pose, &RgbImage::new(W, H), &MeasureOptions::default());
            let m = result.measurements["pelvic_tilt"].clone();
            (
                m.value_deg().unwrap_or_else(|| panic!("{m:?}")),
                m.uncertainty_deg().unwrap(),
                result.warnings.join("; "),
            )
        };
        let (front, front_u, front_warn) = estimate(tilted_pelvis_pose(&clear, forward, tilt));
        let (mixed, mixed_u, mixed_warn) = estimate(tilted_pelvis_pose(&along, forward, tilt));
        // The same block with a ragged front edge (30 px teeth every 12 px):
        // the front outline is refused and the back one is used alone.
        let ragged = pose_with_mask(&clear, |x, y| {
            let ahead = (x - hip.0) * forward + lean * (y - hip.1);
            let teeth = if (y / 12.0).floor() as i64 % 2 == 0 {
                30.0
            } else {
                0.0
            };
            (120.0 - teeth - ahead)
                .min(120.0 + ahead)
                .min(y - (hip.1 - 330.0))
                .min(hip.1 + 300.0 - y)
        });
        let (back, _, back_warn) = estimate(ragged);
        assert!(!front_warn.contains("weighed in"), "{front_warn}");
        assert!(mixed_warn.contains("weighed in"), "{mixed_warn}");
        assert!(
            back_warn.contains("front outline was not used"),
            "{back_warn}"
        );
        // On this block the back outline reads a lower tilt than the front.
        assert!(back < mixed && mixed < front, "{back} < {mixed} < {front}");
        assert!(
            front - mixed < mixed - back,
            "the front weighs more: {back} {mixed} {front}"
        );
        assert!(mixed_u > front_u, "{mixed_u} > {front_u}");
    }
}

#[test]
fn a_side_view_score_just_short_of_its_limit_asks_for_a_second_look() {
    // Shoulders and hips spread further and further across the body: a side
    // view, then one within the keypoints' scatter (0.12) of the 0.5 limit,
    // then a view beyond doubt oblique.
    let mut seen = [false; 3];
    for spread in (0..=24).map(|k| f64::from(k) * 5.0) {
        let mut points = standing_points(&ANGLES, 1.0);
        for (joint, dx) in [
            (Joint::LeftShoulder, -spread),
            (Joint::RightShoulder, spread),
            (Joint::LeftHip, -spread * 2.0 / 3.0),
            (Joint::RightHip, spread * 2.0 / 3.0),
        ] {
            points.get_mut(&joint).unwrap().0 += dx;
        }
        let result = run(&points, &MeasureOptions::default());
        let score = result.protocol.lateral_score;
        if score >= 0.5 {
            assert_eq!(result.protocol.kind, ProtocolKind::Standing, "{score}");
            seen[0] = true;
        } else {
            assert_eq!(result.protocol.kind, ProtocolKind::Unsupported, "{score}");
            assert!(result.protocol.reason.contains("frontal or oblique"));
            let in_doubt = score >= 0.38 + 1e-9;
            assert_eq!(result.second_look.is_some(), in_doubt, "{score}");
            seen[if in_doubt { 1 } else { 2 }] = true;
        }
    }
    assert_eq!(seen, [true; 3], "the spreads must reach all three cases");
}

#[test]
fn a_frontal_view_is_unsupported_and_forcing_it_declines_the_angles() {
    let mut points = standing_points(&ANGLES, 1.0);
    // Shoulders and hips spread across the body: seen from the front.
    for (joint, dx) in [
        (Joint::LeftShoulder, -90.0),
        (Joint::RightShoulder, 90.0),
        (Joint::LeftHip, -60.0),
        (Joint::RightHip, 60.0),
    ] {
        points.get_mut(&joint).unwrap().0 += dx;
    }
    let auto = run(&points, &MeasureOptions::default());
    assert_eq!(auto.protocol.kind, ProtocolKind::Unsupported);
    assert!(
        auto.protocol.reason.contains("frontal or oblique"),
        "{}",
        auto.protocol.reason
    );
    assert!(auto.protocol.retake.is_some());
    let forced = run(
        &points,
        &MeasureOptions {
            protocol: ProtocolChoice::Standing,
            ..Default::default()
        },
    );
    assert!(!forced.protocol.valid);
    assert!(
        forced.measurements["knee_flexion"]
            .declined_reason()
            .unwrap()
            .contains("too oblique")
    );
}

/// Supine, head towards `head` (+1 right), test thigh `below` degrees below
/// horizontal, test knee bent `knee`, the other hip flexed `held`.
fn thomas_points(head: f64, below: f64, knee: f64, held: f64) -> BTreeMap<Joint, (f64, f64)> {
    let hip = (CENTER, CENTER);
    let shoulder = (hip.0 + head * 260.0, CENTER);
    let feet = -head;
    let (s, c) = below.to_radians().sin_cos();
    let test_knee = (hip.0 + feet * c * 220.0, hip.1 + s * 220.0);
    // The shank turns from the thigh line by `knee` towards the floor
    // (posterior for a person on their back): clockwise on screen when the
    // feet point right, anticlockwise when they point left.
    let thigh_angle = s.atan2(feet * c);
    let shank_angle = thigh_angle + feet * knee.to_radians();
    let test_ankle = (
        test_knee.0 + shank_angle.cos() * 220.0,
        test_knee.1 + shank_angle.sin() * 220.0,
    );
    // Held thigh: flexed `held` degrees from the trunk line continued, towards the ceiling.
    let (hs, hc) = held.to_radians().sin_cos();
    let held_knee = (hip.0 + feet * hc * 200.0, hip.1 - hs * 200.0);
    let ear = (shoulder.0 + head * 90.0, CENTER - 30.0);
    let nose = (ear.0 + head * 10.0, CENTER - 70.0);
    let mut points = BTreeMap::new();
    points.insert(Joint::Nose, nose);
    for (near, far, p) in [
        (Joint::LeftEar, Joint::RightEar, ear),
        (Joint::LeftShoulder, Joint::RightShoulder, shoulder),
        (Joint::LeftHip, Joint::RightHip, hip),
        (
            Joint::LeftElbow,
            Joint::RightElbow,
            (shoulder.0 - head * 100.0, CENTER + 40.0),
        ),
        (
            Joint::LeftWrist,
            Joint::RightWrist,
            (shoulder.0 - head * 180.0, CENTER + 60.0),
        ),
    ] {
        points.insert(near, p);
        points.insert(far, p);
    }
    points.insert(Joint::LeftKnee, test_knee);
    points.insert(Joint::LeftAnkle, test_ankle);
    points.insert(Joint::RightKnee, held_knee);
    points.insert(
        Joint::RightAnkle,
        (held_knee.0 + feet * 150.0, held_knee.1 + 40.0),
    );
    points
}

#[test]
fn thomas_test_angles_are_exact_and_signed_for_both_directions() {
    for head in [1.0, -1.0] {
        for (below, knee) in [(10.0, 80.0), (-7.0, 55.0)] {
            let result = run(
                &thomas_points(head, below, knee, 120.0),
                &MeasureOptions::default(),
            );
            assert_eq!(
                result.protocol.kind,
                ProtocolKind::ThomasTest,
                "{:?}",
                result.protocol
            );
            assert!(result.protocol.valid, "{:?}", result.protocol);
            let m = &result.measurements;
            assert!(
                (value(m, "hip_extension") - below).abs() <= 0.05,
                "{below}: {}",
                value(m, "hip_extension")
            );
            assert!(
                (value(m, "knee_flexion") - knee).abs() <= 0.05,
                "{knee}: {}",
                value(m, "knee_flexion")
            );
            assert!((value(m, "contralateral_hip_flexion") - 120.0).abs() <= 0.05);
            assert!(value(m, "trunk_tilt").abs() <= 0.05);
        }
    }
}

#[test]
fn supine_without_the_held_knee_is_not_a_thomas_test() {
    let points = thomas_points(1.0, 5.0, 80.0, 10.0);
    let auto = run(&points, &MeasureOptions::default());
    assert_eq!(auto.protocol.kind, ProtocolKind::Unsupported);
    assert!(
        auto.protocol
            .reason
            .contains("without a knee held to the chest"),
        "{}",
        auto.protocol.reason
    );
    let forced = run(
        &points,
        &MeasureOptions {
            protocol: ProtocolChoice::ThomasTest,
            ..Default::default()
        },
    );
    assert_eq!(forced.protocol.kind, ProtocolKind::ThomasTest);
    assert!(!forced.protocol.valid);
    // The near leg is still measured.
    assert!(forced.measurements["hip_extension"].value_deg().is_some());
}

#[test]
fn a_test_leg_lying_flat_is_not_the_modified_thomas_test() {
    // Knee to chest on the floor with the other leg straight along it.
    let result = run(
        &thomas_points(1.0, 0.0, 0.0, 120.0),
        &MeasureOptions::default(),
    );
    assert_eq!(result.protocol.kind, ProtocolKind::Unsupported);
    assert!(
        result.protocol.reason.contains("does not hang"),
        "{}",
        result.protocol.reason
    );
}

#[test]
fn a_tilted_trunk_invalidates_the_thomas_test() {
    let mut points = thomas_points(1.0, 10.0, 80.0, 120.0);
    // Shoulders 25 degrees higher than the hips: the pelvis is not controlled.
    for joint in [Joint::LeftShoulder, Joint::RightShoulder] {
        points.get_mut(&joint).unwrap().1 -= 260.0 * 25f64.to_radians().tan();
    }
    let result = run(&points, &MeasureOptions::default());
    assert_eq!(result.protocol.kind, ProtocolKind::ThomasTest);
    assert!(!result.protocol.valid);
    assert!(
        result.protocol.reason.contains("compensation"),
        "{}",
        result.protocol.reason
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn angles_do_not_change_with_scale_translation_or_mirroring(
        scale in 0.3f64..1.6, dx in -150.0f64..150.0, dy in -150.0f64..150.0,
        trunk in -10.0f64..10.0, hip in -15.0f64..30.0, knee in -10.0f64..24.0,
    ) {
        let s = Standing { trunk, hip_flexion: hip, knee_flexion: knee, head_forward: 20.0 };
        let base = run(&standing_points(&s, 1.0), &MeasureOptions::default()).measurements;
        let moved = transform(&standing_points(&s, 1.0), |(x, y)| (CENTER + (x - CENTER) * scale + dx, CENTER + (y - CENTER) * scale + dy));
        let mirrored = transform(&standing_points(&s, 1.0), |(x, y)| (W as f64 - x, y));
        for other in [run(&moved, &MeasureOptions::default()).measurements, run(&mirrored, &MeasureOptions::default()).measurements] {
            for name in ["trunk_inclination", "standing_hip_flexion", "knee_flexion", "head_forward"] {
                // Both are rounded to 0.1 degree; the underlying values agree far closer.
                prop_assert!((base[name].value_deg().unwrap() - other[name].value_deg().unwrap()).abs() <= 0.1 + 1e-9, "{}", name);
            }
        }
    }

    #[test]
    fn any_finite_keypoints_give_no_nan_and_no_panic(
        coords in proptest::collection::vec((-2000.0f64..3000.0, -2000.0f64..3000.0), Joint::COUNT),
        collapse in any::<bool>(),
    ) {
        let points: BTreeMap<Joint, (f64, f64)> = Joint::ALL
            .iter()
            .zip(&coords)
            // Coincident points too: every joint on one spot.
            .map(|(&j, &p)| (j, if collapse { (CENTER, CENTER) } else { p }))
            .collect();
        for protocol in [ProtocolChoice::Auto, ProtocolChoice::Standing, ProtocolChoice::ThomasTest] {
            let result = run(&points, &MeasureOptions { protocol, ..Default::default() });
            for (name, m) in &result.measurements {
                for v in [m.value_deg(), m.value(), m.confidence(), m.uncertainty_deg()].into_iter().flatten() {
                    prop_assert!(v.is_finite(), "{} = {}", name, v);
                }
                prop_assert!(m.declined_reason().is_some() || m.value_deg().is_some() || m.value().is_some() || m.classification().is_some(), "{}", name);
            }
            prop_assert!(result.protocol.lateral_score.is_finite());
        }
    }
}

// --- Issue 14: decisions a physiotherapist would sign ------------------------

/// A relaxed stance, then the same person with one heel lifted as in a
/// step: the first is standing, the second `unsupported` as mid-stride.
#[test]
fn a_lifted_heel_or_a_stepping_knee_is_mid_stride_not_standing() {
    for forward in [1.0, -1.0] {
        let points = standing_points(&ANGLES, forward);
        let stance = run(&points, &MeasureOptions::default());
        assert_eq!(
            stance.protocol.kind,
            ProtocolKind::Standing,
            "{:?}",
            stance.protocol
        );
        assert!(stance.protocol.unconfirmed.is_empty());

        // Leg length here is about 440 px: 0.12 of it is 53 px.
        let leg = 440.0;
        for (lift, standing) in [(0.08, true), (0.2, false)] {
            let mut lifted = points.clone();
            let heel = lifted[&Joint::RightHeel];
            lifted.insert(Joint::RightHeel, (heel.0, heel.1 - lift * leg));
            let result = run(&lifted, &MeasureOptions::default());
            if standing {
                assert_eq!(result.protocol.kind, ProtocolKind::Standing, "{lift}");
            } else {
                assert_eq!(result.protocol.kind, ProtocolKind::Unsupported);
                assert!(
                    result.protocol.reason.starts_with("mid-stride"),
                    "{}",
                    result.protocol.reason
                );
                assert!(result.measurements.is_empty());
            }
        }

        // The far knee bent 35 degrees as in a step, heels level.
        let mut stepping = points.clone();
        let knee = stepping[&Joint::RightKnee];
        let ankle = limb(
            knee,
            220.0,
            ANGLES.hip_flexion - ANGLES.trunk - 35.0,
            forward,
        );
        stepping.insert(Joint::RightAnkle, ankle);
        let heel = stepping[&Joint::LeftHeel];
        stepping.insert(Joint::RightHeel, (ankle.0 - forward * 15.0, heel.1));
        let result = run(&stepping, &MeasureOptions::default());
        assert_eq!(result.protocol.kind, ProtocolKind::Unsupported);
        assert!(
            result.protocol.reason.contains("knee is bent"),
            "{}",
            result.protocol.reason
        );
    }
}

#[test]
fn feet_outside_the_photo_leave_standing_unconfirmed() {
    let mut points = standing_points(&ANGLES, 1.0);
    for joint in [
        Joint::LeftHeel,
        Joint::RightHeel,
        Joint::LeftFootIndex,
        Joint::RightFootIndex,
    ] {
        let p = points[&joint];
        points.insert(joint, (p.0, H as f64 + 50.0));
    }
    let result = run(&points, &MeasureOptions::default());
    assert_eq!(result.protocol.kind, ProtocolKind::Standing);
    assert_eq!(result.protocol.unconfirmed.len(), 1);
    assert!(result.protocol.unconfirmed[0].contains("could not be ruled out"));
}

#[test]
fn every_angle_carries_its_published_uncertainty() {
    let result = run(&standing_points(&ANGLES, 1.0), &MeasureOptions::default());
    let m = &result.measurements;
    // The larger of the published error on real people and sagitta's own
    // 90th-percentile error on the rendered ground truth.
    assert_eq!(m["knee_flexion"].uncertainty_deg(), Some(7.1));
    assert_eq!(m["standing_hip_flexion"].uncertainty_deg(), Some(8.1));
    assert_eq!(m["trunk_inclination"].uncertainty_deg(), Some(5.4));
    assert_eq!(m["head_forward"].uncertainty_deg(), Some(4.0));
    for (name, measurement) in m {
        if measurement.value_deg().is_some() {
            assert!(measurement.uncertainty_deg().is_some(), "{name}");
        }
    }
    let thomas = run(
        &thomas_points(1.0, 10.0, 80.0, 120.0),
        &MeasureOptions::default(),
    );
    assert_eq!(
        thomas.measurements["hip_extension"].uncertainty_deg(),
        Some(4.3)
    );
    assert_eq!(
        thomas.measurements["knee_flexion"].uncertainty_deg(),
        Some(7.1)
    );
}

/// A standing body whose back outline is drawn with a known profile: the
/// posterior edge at `back_px` behind the hip joint's vertical, except on
/// the listed plateaus (top and bottom heights in trunk lengths above the
/// hip, and the edge's offset there: positive = further back), joined by
/// ramps over 3 traced heights. The front edge and the head and feet are a
/// plain box around the keypoints.
fn back_profile_pose(
    forward: f64,
    plateaus: &[(f64, f64, f64)],
    points: &BTreeMap<Joint, (f64, f64)>,
) -> Pose {
    const BACK_PX: f64 = 60.0;
    const RAMP_TORSO: f64 = 0.075;
    let hip = points[&Joint::LeftHip];
    let torso = 250.0;
    let ys = points.values().map(|p| p.1);
    let (top, bottom) = (
        ys.clone().fold(f64::MAX, f64::min) - 80.0,
        ys.fold(f64::MIN, f64::max) + 10.0,
    );
    let plateaus = plateaus.to_vec();
    // How far behind the hip the edge lies at photo height y.
    let behind = move |y: f64| {
        let up = (hip.1 - y) / torso;
        plateaus.iter().fold(BACK_PX, |edge, &(low, high, offset)| {
            let weight = if up >= low && up <= high {
                1.0
            } else if up < low && up > low - RAMP_TORSO {
                1.0 - (low - up) / RAMP_TORSO
            } else if up > high && up < high + RAMP_TORSO {
                1.0 - (up - high) / RAMP_TORSO
            } else {
                0.0
            };
            edge + weight * offset
        })
    };
    pose_with_mask(points, move |x, y| {
        // Distance inside, measured along the body's front direction.
        let ahead = (x - hip.0) * forward;
        (ahead + behind(y))
            .min(120.0 - ahead)
            .min(y - top)
            .min(bottom - y)
    })
}

fn spine(pose: Pose) -> BTreeMap<String, Measurement> {
    measure(&pose, &RgbImage::new(W, H), &MeasureOptions::default()).measurements
}

const UPRIGHT: Standing = Standing {
    trunk: 0.0,
    hip_flexion: 0.0,
    knee_flexion: 5.0,
    head_forward: 20.0,
};
/// Thoracic back and buttock 30 px (0.12 trunk lengths) further back than
/// the rest of the back, on plateaus; a lumbar hollow 15 px (0.06) in front.
const THORACIC: (f64, f64, f64) = (0.55, 0.75, 30.0);
const BUTTOCK: (f64, f64, f64) = (-0.2, 0.0, 30.0);
const HOLLOW: (f64, f64, f64) = (0.2, 0.35, -15.0);

#[test]
fn a_drawn_lumbar_hollow_is_measured_exactly_for_both_facings() {
    for forward in [1.0, -1.0] {
        let points = standing_points(&UPRIGHT, forward);
        let pose = back_profile_pose(forward, &[THORACIC, BUTTOCK, HOLLOW], &points);
        let m = spine(pose);
        // The straight edge laid on the back touches both plateaus (equally
        // far back), so the chord is vertical and the hollow's depth is the
        // plateaus' 30 px plus the hollow's 15 px: 45 / 250 trunk lengths.
        let depth = value(&m, "lumbar_lordosis_depth");
        assert!(
            (depth - 0.18).abs() <= 0.008,
            "{depth} {:?}",
            m["lumbar_lordosis_depth"]
        );
        let lordosis = &m["lumbar_lordosis_angle"];
        let [top, apex, bottom] = [0, 1, 2].map(|i| lordosis.points_px()[i]);
        // The apex lies in the hollow, the chord's ends on the plateaus.
        let up = |p: [f64; 2]| (900.0 - p[1]) / 250.0;
        assert!((0.2..=0.35).contains(&up(apex)), "{apex:?}");
        assert!((0.55..=0.75).contains(&up(top)), "{top:?}");
        assert!((-0.2..=0.0).contains(&up(bottom)), "{bottom:?}");
        // Its angle is the flexible-curve arc angle of that depth over that chord.
        let chord = ((top[0] - bottom[0]).powi(2) + (top[1] - bottom[1]).powi(2)).sqrt() / 250.0;
        let expected = 4.0 * (2.0 * depth / chord).atan().to_degrees();
        assert!(
            (value(&m, "lumbar_lordosis_angle") - expected).abs() <= 0.15,
            "{expected}"
        );
        // The buttock stands 45 px behind the hollow.
        let buttock = value(&m, "buttock_prominence");
        assert!((buttock - 0.18).abs() <= 0.008, "{buttock}");
        // The thoracic plateau bulges behind the chord from C7 to the
        // lumbar apex: a positive kyphosis.
        assert!(value(&m, "thoracic_kyphosis_depth") > 0.1);
        assert!(value(&m, "thoracic_kyphosis_angle") > 0.0);
        for name in ["lumbar_lordosis_depth", "buttock_prominence"] {
            let u = m[name].uncertainty().unwrap();
            assert!(u > 0.0 && u < 0.1, "{name}: {u}");
        }
        assert!(m["lumbar_lordosis_depth"].outline_px().len() > 40);
    }
}

#[test]
fn a_flat_back_has_no_lordosis() {
    let points = standing_points(&UPRIGHT, 1.0);
    let m = spine(back_profile_pose(1.0, &[], &points));
    assert!(value(&m, "lumbar_lordosis_depth").abs() <= 0.006);
    assert!(value(&m, "lumbar_lordosis_angle").abs() <= 1.5);
    assert!(value(&m, "thoracic_kyphosis_depth").abs() <= 0.006);
    // Upper back, lumbar region and buttock all on one line: no hollow either.
    let m = spine(back_profile_pose(1.0, &[(-0.2, 0.75, 30.0)], &points));
    assert!(value(&m, "lumbar_lordosis_depth").abs() <= 0.006);
}

#[test]
fn a_back_outline_that_cannot_be_trusted_is_declined_with_the_reason() {
    // An elbow held behind the lumbar hollow.
    let mut points = standing_points(&UPRIGHT, 1.0);
    for elbow in [Joint::LeftElbow, Joint::RightElbow] {
        points.insert(elbow, (900.0 - 75.0, 900.0 - 0.25 * 250.0));
    }
    for wrist in [Joint::LeftWrist, Joint::RightWrist] {
        points.insert(wrist, (900.0 - 80.0, 900.0 - 0.05 * 250.0));
    }
    let m = spine(back_profile_pose(
        1.0,
        &[THORACIC, BUTTOCK, HOLLOW],
        &points,
    ));
    let reason = m["lumbar_lordosis_depth"]
        .declined_reason()
        .unwrap_or_default();
    assert!(
        reason.contains("hand or arm"),
        "{:?}",
        m["lumbar_lordosis_depth"]
    );
    assert!(m["thoracic_kyphosis_angle"].declined_reason().is_some());

    // The back beyond the left edge of the photo.
    let points = transform(&standing_points(&UPRIGHT, 1.0), |(x, y)| (x - 850.0, y));
    let m = spine(back_profile_pose(
        1.0,
        &[THORACIC, BUTTOCK, HOLLOW],
        &points,
    ));
    let reason = m["lumbar_lordosis_depth"]
        .declined_reason()
        .unwrap_or_default();
    assert!(
        reason.contains("cut by the frame"),
        "{:?}",
        m["lumbar_lordosis_depth"]
    );

    // A ragged outline (hair or folds of cloth): the edge jumps 30 px back
    // and forth every 12.5 px of height.
    let points = standing_points(&UPRIGHT, 1.0);
    let pose = pose_with_mask(&points, |x, y| {
        let edge = 60.0
            + if (y / 12.5).floor() as i64 % 2 == 0 {
                30.0
            } else {
                0.0
            };
        (x - 900.0 + edge)
            .min(1020.0 - x)
            .min(y - 480.0)
            .min(1380.0 - y)
    });
    let m = spine(pose);
    let reason = m["lumbar_lordosis_depth"]
        .declined_reason()
        .unwrap_or_default();
    assert!(
        reason.contains("irregular"),
        "{:?}",
        m["lumbar_lordosis_depth"]
    );
}

#[test]
fn the_posture_calls_carry_probabilities_that_sum_to_one() {
    let points = standing_points(&UPRIGHT, 1.0);
    let m = spine(back_profile_pose(
        1.0,
        &[THORACIC, BUTTOCK, HOLLOW],
        &points,
    ));
    for name in ["pelvic_pattern", "posture_type"] {
        let call = &m[name];
        if call.declined_reason().is_some() {
            continue;
        }
        let total: f64 = call.probabilities().values().sum();
        assert!((total - 1.0).abs() < 0.01, "{name}: {call:?}");
        let class = call.classification().unwrap();
        if class == "uncertain" {
            assert!(call.to_settle().is_some(), "{name}");
        } else {
            assert!(call.probabilities()[class] >= 0.66, "{name}: {call:?}");
        }
    }
    assert!(
        m["pelvic_pattern"].declined_reason().is_none(),
        "{:?}",
        m["pelvic_pattern"]
    );
}

#[test]
fn values_under_the_confidence_floor_are_marked_unreliable() {
    let points = standing_points(&ANGLES, 1.0);
    let mut pose = pose_from(&points);
    // Knees just seen (0.52) in a true side view: confidence 0.52, above the floor.
    for joint in [Joint::LeftKnee, Joint::RightKnee] {
        pose.keypoints[joint.index()].visibility = 0.52;
    }
    let ok = measure(&pose, &RgbImage::new(W, H), &MeasureOptions::default());
    assert!(ok.measurements["knee_flexion"].unreliable().is_none());
    assert!(ok.measurements["knee_flexion"].confidence().unwrap() >= 0.25);

    // A confidence of 0.07, as the issue saw on real estimates: unreliable.

    let mut measurements = ok.measurements.clone();
    let knee = measurements
        .get_mut("knee_flexion")
        .and_then(Measurement::reading_mut)
        .unwrap();
    knee.confidence = Some(0.07);
    knee.classification = Some("within_cutoffs".into());
    sagitta::measure::apply_confidence_floor(&mut measurements);
    let knee = &measurements["knee_flexion"];
    assert!(
        knee.unreliable()
            .unwrap()
            .contains("under the floor of 0.25")
    );
    assert_eq!(knee.classification(), None);
    assert_eq!(
        knee.value_deg(),
        ok.measurements["knee_flexion"].value_deg(),
        "still shown"
    );
}

#[test]
fn a_forced_thomas_test_measures_the_hanging_leg_not_the_flexed_one() {
    // The held (flexed) leg is the near one, and the other knee is not held
    // high enough for a detected test: forcing it must still take the leg
    // that hangs off the table end.
    let mut points = thomas_points(1.0, 10.0, 80.0, 60.0);
    for (a, b) in [
        (Joint::LeftKnee, Joint::RightKnee),
        (Joint::LeftAnkle, Joint::RightAnkle),
    ] {
        let (pa, pb) = (points[&a], points[&b]);
        points.insert(a, pb);
        points.insert(b, pa);
    }
    let forced = MeasureOptions {
        protocol: ProtocolChoice::ThomasTest,
        ..MeasureOptions::default()
    };
    let result = run(&points, &forced);
    assert_eq!(result.protocol.kind, ProtocolKind::ThomasTest);
    assert!(!result.protocol.valid);
    assert_eq!(result.protocol.near_side, Some(Side::Left));
    assert!(
        result
            .protocol
            .reason
            .contains("test leg: right, the leg hanging lowest"),
        "{}",
        result.protocol.reason
    );
    let hip = value(&result.measurements, "hip_extension");
    assert!((hip - 10.0).abs() <= 0.05, "{hip}");
    assert!((value(&result.measurements, "knee_flexion") - 80.0).abs() <= 0.05);
}

#[test]
fn pelvic_landmarks_on_a_photo_that_is_not_standing_are_declined_with_the_reason() {
    let options = MeasureOptions {
        pelvis: PelvisInput::Landmarks {
            asis: (900.0, 880.0),
            psis: (860.0, 870.0),
        },
        ..MeasureOptions::default()
    };
    let result = run(&thomas_points(1.0, 10.0, 80.0, 120.0), &options);
    assert_eq!(result.protocol.kind, ProtocolKind::ThomasTest);
    let tilt = &result.measurements["pelvic_tilt"];
    assert!(tilt.value_deg().is_none());
    assert!(
        tilt.declined_reason()
            .unwrap()
            .contains("--asis/--psis landmarks were not used"),
        "{tilt:?}"
    );
    assert!(result.warnings.iter().any(|w| w.contains("--asis/--psis")));
    // On a standing photo they are used, with the palpation uncertainty.
    let result = run(&standing_points(&ANGLES, 1.0), &options);
    assert_eq!(result.measurements["pelvic_tilt"].method(), "landmarks");
    assert_eq!(
        result.measurements["pelvic_tilt"].uncertainty_deg(),
        Some(3.6)
    );
}

/// One case for the Python conventions: the keypoints the measuring code
/// gets, and the same points under the names the Python module takes.
struct PythonCase {
    points: BTreeMap<Joint, (f64, f64)>,
    options: MeasureOptions,
    protocol: ProtocolKind,
    input: serde_json::Value,
}

/// `samples/render/sagitta_conventions.py`, the Python port of the angle
/// definitions that the renderer's ground truth and the accuracy benchmark
/// use, gives the angles the measuring code reports for the same points:
/// the same names, values and signs, both facings and head sides, positive
/// and negative angles. Each name is a registered angle of its protocol.
#[test]
fn the_python_conventions_agree_with_the_measuring_code() {
    use std::io::Write as _;

    let xy = |p: (f64, f64)| serde_json::json!([p.0, p.1]);
    let mut cases = Vec::new();
    for forward in [1.0, -1.0] {
        for (angles, tilt_deg) in [
            (&ANGLES, 12.0),
            (
                &Standing {
                    trunk: -3.5,
                    hip_flexion: -8.0,
                    knee_flexion: -6.0,
                    head_forward: -5.0,
                },
                -6.0,
            ),
            (
                &Standing {
                    trunk: 9.0,
                    hip_flexion: 21.0,
                    knee_flexion: 17.0,
                    head_forward: 14.0,
                },
                27.0,
            ),
        ] {
            let points = standing_points(angles, forward);
            let (s, c) = f64::to_radians(tilt_deg).sin_cos();
            let psis = (CENTER - forward * 60.0, CENTER - 80.0);
            let asis = (psis.0 + forward * c * 120.0, psis.1 + s * 120.0);
            let p = |j: Joint| xy(points[&j]);
            let input = serde_json::json!({
                "protocol": "standing",
                "anterior": [forward, 0.0],
                "points": {
                    "shoulder": p(Joint::LeftShoulder), "hip": p(Joint::LeftHip),
                    "knee": p(Joint::LeftKnee), "ankle": p(Joint::LeftAnkle),
                    "ear": p(Joint::LeftEar), "asis": xy(asis), "psis": xy(psis),
                },
            });
            cases.push(PythonCase {
                points,
                options: MeasureOptions {
                    pelvis: PelvisInput::Landmarks { asis, psis },
                    ..Default::default()
                },
                protocol: ProtocolKind::Standing,
                input,
            });
        }
    }
    for head in [1.0, -1.0] {
        // (test thigh below horizontal, test knee, held hip, shoulders raised), degrees.
        for (below, knee, held, raised) in [(10.0, 80.0, 120.0, 6.0), (-7.0, 55.0, 100.0, -4.0)] {
            let mut points = thomas_points(head, below, knee, held);
            for joint in [Joint::LeftShoulder, Joint::RightShoulder] {
                points.get_mut(&joint).unwrap().1 -= 260.0 * f64::to_radians(raised).tan();
            }
            // The synthetic Thomas test holds the right knee and tests the left leg.
            let p = |j: Joint| xy(points[&j]);
            let input = serde_json::json!({
                "protocol": "thomas_test",
                "points": {
                    "shoulder": p(Joint::LeftShoulder), "hip": p(Joint::LeftHip),
                    "knee": p(Joint::LeftKnee), "ankle": p(Joint::LeftAnkle),
                    "held_shoulder": p(Joint::RightShoulder), "held_hip": p(Joint::RightHip),
                    "held_knee": p(Joint::RightKnee),
                },
            });
            cases.push(PythonCase {
                points,
                options: MeasureOptions::default(),
                protocol: ProtocolKind::ThomasTest,
                input,
            });
        }
    }

    let script = common::repo().join("samples/render/sagitta_conventions.py");
    let mut python = std::process::Command::new("python3")
        .arg(&script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("this test runs python3 on {}: {e}", script.display()));
    let input: Vec<_> = cases.iter().map(|c| &c.input).collect();
    python
        .stdin
        .take()
        .unwrap()
        .write_all(&serde_json::to_vec(&input).unwrap())
        .unwrap();
    let output = python.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}: {}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let python_angles: Vec<BTreeMap<String, Option<f64>>> =
        serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(python_angles.len(), cases.len());

    let mut registry = Vec::new();
    sagitta::report::write_measurements_json(&mut registry).unwrap();
    let registry: serde_json::Value = serde_json::from_slice(&registry).unwrap();
    let registered_angle = |name: &str, protocol: &str| {
        registry["measurements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| {
                m["name"] == name
                    && m["quantity"] == "angle"
                    && m["protocols"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|p| p == protocol)
            })
    };

    for (case, from_python) in cases.iter().zip(&python_angles) {
        let result = run(&case.points, &case.options);
        assert_eq!(result.protocol.kind, case.protocol, "{:?}", result.protocol);
        match case.protocol {
            ProtocolKind::Standing => assert_eq!(result.protocol.near_side, Some(Side::Left)),
            _ => assert_eq!(result.protocol.test_leg, Some(Side::Left)),
        }
        let protocol = case.input["protocol"].as_str().unwrap();
        // The angles the measuring code takes from keypoints and landmarks.
        let measured: BTreeMap<&str, f64> = result
            .measurements
            .iter()
            .filter(|(_, m)| matches!(m.method(), "keypoints" | "landmarks"))
            .filter_map(|(name, m)| Some((name.as_str(), m.value_deg()?)))
            .collect();
        let names: Vec<&str> = from_python.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            measured.keys().copied().collect::<Vec<_>>(),
            "{}",
            case.input
        );
        for (name, value) in from_python {
            assert!(registered_angle(name, protocol), "{name} ({protocol})");
            let value = value.unwrap_or_else(|| panic!("{name}: none from {}", case.input));
            // The measuring code rounds to 0.1 degree; every case's angles are
            // at least 3 degrees from zero, so a turned sign shows.
            assert!(value.abs() >= 3.0, "{name} = {value} in {}", case.input);
            assert!(
                (value - measured[name.as_str()]).abs() <= 0.05 + 1e-9,
                "{name}: python {value}, rust {} in {}",
                measured[name.as_str()],
                case.input
            );
        }
    }
}

// --- Issue 22: a standing client is refused for the legs only on evidence ----

/// The measurements a step changes, which a stance the photo cannot confirm declines.
const LEG_MEASUREMENTS: [&str; 6] = [
    "standing_hip_flexion",
    "knee_flexion",
    "plumb_ear",
    "plumb_shoulder",
    "plumb_hip",
    "plumb_knee",
];

/// Measurements of the pelvis, trunk and head, which do not depend on the legs.
const UPPER_BODY: [&str; 5] = [
    "trunk_inclination",
    "head_forward",
    "craniovertebral_angle",
    "pelvic_tilt",
    "lower_abdomen_inclination",
];

/// Hip to ankle of `standing_points(&ANGLES, _)`: the unit of the heel check.
fn leg_length(points: &BTreeMap<Joint, (f64, f64)>) -> f64 {
    let (hip, ankle) = (points[&Joint::LeftHip], points[&Joint::LeftAnkle]);
    (hip.0 - ankle.0).hypot(hip.1 - ankle.1)
}

/// The relaxed stance with the far (right) heel read `rise` leg lengths
/// above the near one.
fn far_heel_raised(forward: f64, rise: f64) -> BTreeMap<Joint, (f64, f64)> {
    let mut points = standing_points(&ANGLES, forward);
    let lift = rise * leg_length(&points);
    points.get_mut(&Joint::RightHeel).unwrap().1 -= lift;
    points
}

fn measure_pose(pose: &Pose, options: &MeasureOptions) -> sagitta::measure::MeasureResult {
    measure(pose, &RgbImage::new(W, H), options)
}

/// The stance is measured as standing, its legs declined with a reason that
/// says a step could not be ruled out, and its pelvis, trunk and head read
/// exactly as on the same stance with both feet seen flat.
fn assert_legs_declined_upper_body_measured(
    result: &sagitta::measure::MeasureResult,
    forward: f64,
    unconfirmed: &str,
) {
    assert_eq!(
        result.protocol.kind,
        ProtocolKind::Standing,
        "{:?}",
        result.protocol
    );
    assert!(result.protocol.valid);
    assert!(
        result
            .protocol
            .unconfirmed
            .iter()
            .any(|u| u.contains(unconfirmed)),
        "{:?}",
        result.protocol.unconfirmed
    );
    for name in LEG_MEASUREMENTS {
        let m = &result.measurements[name];
        assert!(
            m.declined_reason()
                .is_some_and(|r| ["could not be ruled out", "outside", "hidden"]
                    .iter()
                    .any(|why| r.contains(why))),
            "{name}: {m:?}"
        );
    }
    let level = run(
        &standing_points(&ANGLES, forward),
        &MeasureOptions::default(),
    );
    for name in UPPER_BODY {
        assert_eq!(
            result.measurements[name], level.measurements[name],
            "{name}"
        );
    }
    assert!((value(&result.measurements, "trunk_inclination") - ANGLES.trunk).abs() <= 0.05);
    assert!((value(&result.measurements, "head_forward") - ANGLES.head_forward).abs() <= 0.05);
    assert_eq!(
        result.protocol.retake.as_deref(),
        Some(sagitta::measure::retake_advice(ProtocolKind::Standing))
    );
}

#[test]
fn a_hidden_far_heel_read_high_is_no_step() {
    for forward in [1.0, -1.0] {
        let points = far_heel_raised(forward, 0.25);
        // Seen, a heel a quarter of a leg up is a step.
        let seen = run(&points, &MeasureOptions::default());
        assert_eq!(seen.protocol.kind, ProtocolKind::Unsupported);
        assert!(
            seen.protocol
                .reason
                .starts_with("mid-stride: the right heel is 25 %"),
            "{}",
            seen.protocol.reason
        );
        // Hidden behind the near leg (placed by the model, but not seen), or
        // seen with too little visibility, it is no evidence of one.
        for visibility in [0.3, 0.49] {
            let mut pose = pose_from(&points);
            for joint in [Joint::RightHeel, Joint::RightFootIndex] {
                pose.keypoints[joint.index()].visibility = visibility;
            }
            let result = measure_pose(&pose, &MeasureOptions::default());
            assert_legs_declined_upper_body_measured(
                &result,
                forward,
                &format!(
                    "the right foot is hidden (visibility {visibility:.2}), so the reading is not taken as evidence"
                ),
            );
        }
    }
}

#[test]
fn a_thigh_read_forward_off_an_unseen_knee_is_no_evidence_of_sitting() {
    // Upright, the near thigh 60 degrees forward of the trunk line: seated
    // where the model sees the knee.
    let points = standing_points(
        &Standing {
            hip_flexion: 60.0,
            knee_flexion: 60.0,
            ..ANGLES
        },
        1.0,
    );
    let seen = measure_pose(&pose_from(&points), &MeasureOptions::default());
    assert_eq!(seen.protocol.kind, ProtocolKind::Unsupported);
    assert!(
        seen.protocol.reason.starts_with("seated or crouching"),
        "{}",
        seen.protocol.reason
    );
    // The same knee placed but not seen, as where the frame cuts the legs
    // and the model puts the knee at its edge: standing, legs declined.
    let mut pose = pose_from(&points);
    for joint in [Joint::LeftKnee, Joint::RightKnee] {
        pose.keypoints[joint.index()].visibility = 0.36;
    }
    let result = measure_pose(&pose, &MeasureOptions::default());
    let assessed = result.protocol.kind == ProtocolKind::Standing && result.protocol.valid;
    assert!(assessed, "{:?}", result.protocol);
    assert_eq!(
        result.protocol.unconfirmed[0],
        "standing, not seated: the left thigh is 60 degrees forward of the trunk line, but the left knee is hidden (visibility 0.36), so the reading is not taken as evidence"
    );
    for name in LEG_MEASUREMENTS {
        assert!(
            result.measurements[name].declined_reason().is_some(),
            "{name}: {:?}",
            result.measurements[name]
        );
    }
    assert!((value(&result.measurements, "trunk_inclination") - 4.0).abs() <= 0.05);
    assert!(result.second_look.is_some(), "the closer look is asked for");
}

#[test]
fn a_foot_at_the_bottom_edge_of_the_photo_is_no_evidence_of_a_step() {
    for forward in [1.0, -1.0] {
        // The whole body lowered until the near toe is 10 px inside the
        // bottom edge, closer than a heel's error (7.4 % of the leg, 32 px).
        let raised = far_heel_raised(forward, 0.25);
        let drop = H as f64 - 10.0 - raised[&Joint::LeftFootIndex].1;
        let lowered = transform(&raised, |(x, y)| (x, y + drop));
        let result = run(&lowered, &MeasureOptions::default());
        assert_eq!(
            result.protocol.kind,
            ProtocolKind::Standing,
            "{:?}",
            result.protocol
        );
        assert!(
            result.protocol.unconfirmed[0].contains("the left foot is at the edge of the photo"),
            "{:?}",
            result.protocol.unconfirmed
        );
        for name in LEG_MEASUREMENTS {
            assert!(
                result.measurements[name].declined_reason().is_some(),
                "{name}"
            );
        }
        // Level, the same feet confirm the stance.
        let level = transform(&standing_points(&ANGLES, forward), |(x, y)| (x, y + drop));
        let result = run(&level, &MeasureOptions::default());
        assert_eq!(result.protocol.kind, ProtocolKind::Standing);
        assert!(result.protocol.unconfirmed.is_empty());
        assert!(result.measurements["knee_flexion"].value_deg().is_some());
    }
}

#[test]
fn feet_outside_the_photo_decline_the_legs_and_keep_pelvis_trunk_and_head() {
    for forward in [1.0, -1.0] {
        let mut points = standing_points(&ANGLES, forward);
        // The model's guess for feet below the frame: placed outside it, one
        // of them higher than the other.
        for (joint, below) in [
            (Joint::LeftHeel, 60.0),
            (Joint::LeftFootIndex, 65.0),
            (Joint::RightHeel, 5.0),
            (Joint::RightFootIndex, 10.0),
        ] {
            let p = points[&joint];
            points.insert(joint, (p.0, H as f64 + below));
        }
        let result = run(&points, &MeasureOptions::default());
        assert_legs_declined_upper_body_measured(
            &result,
            forward,
            "the feet are hidden or outside the photo",
        );
    }
}

#[test]
fn a_heel_within_the_keypoints_error_of_the_limit_declines_the_legs_not_the_photo() {
    // 16 % of a leg: past the 12 % a level stance allows by less than the
    // keypoints' error of 7.4 %.
    let result = run(&far_heel_raised(1.0, 0.16), &MeasureOptions::default());
    assert_legs_declined_upper_body_measured(&result, 1.0, "neither shown nor ruled out");
    assert!(
        result.protocol.unconfirmed[0]
            .contains("the right heel is 16 % of a leg length above the other"),
        "{:?}",
        result.protocol.unconfirmed
    );
    // The closer look is asked for.
    assert!(result.second_look.is_some());
    // Past the limit by more than the error: a step.
    let result = run(&far_heel_raised(1.0, 0.21), &MeasureOptions::default());
    assert_eq!(result.protocol.kind, ProtocolKind::Unsupported);
    assert!(result.protocol.reason.starts_with("mid-stride"));
    assert!(result.second_look.is_none());
}

#[test]
fn a_swinging_leg_is_refused_as_a_step_and_a_kneel_as_kneeling() {
    for forward in [1.0, -1.0] {
        // The near knee bent 70 degrees, its foot swung back and off the
        // floor, the far leg straight under the body: a walking frame.
        let mut points = standing_points(&ANGLES, forward);
        let knee = points[&Joint::LeftKnee];
        let ankle = limb(
            knee,
            220.0,
            ANGLES.hip_flexion - ANGLES.trunk - 70.0,
            forward,
        );
        points.insert(Joint::LeftAnkle, ankle);
        points.insert(Joint::LeftHeel, (ankle.0 - forward * 15.0, ankle.1 + 20.0));
        points.insert(
            Joint::LeftFootIndex,
            (ankle.0 + forward * 40.0, ankle.1 + 45.0),
        );
        let result = run(&points, &MeasureOptions::default());
        assert_eq!(result.protocol.kind, ProtocolKind::Unsupported);
        assert!(
            result.protocol.reason.starts_with("mid-stride")
                && result.protocol.reason.contains("as in a step"),
            "{}",
            result.protocol.reason
        );
        assert_eq!(
            result.protocol.retake.as_deref(),
            Some(Refusal::Step.advice())
        );

        // Kneeling upright on both knees: thighs vertical, shanks on the floor.
        let kneeling = standing_points(
            &Standing {
                trunk: 0.0,
                hip_flexion: 0.0,
                knee_flexion: 90.0,
                head_forward: 20.0,
            },
            forward,
        );
        let result = run(&kneeling, &MeasureOptions::default());
        assert!(
            result
                .protocol
                .reason
                .starts_with("kneeling, lunging or squatting: the left knee is bent 90 degrees"),
            "{}",
            result.protocol.reason
        );
        assert_eq!(
            result.protocol.retake.as_deref(),
            Some(Refusal::Kneeling.advice())
        );
    }
}

/// Turns points a quarter turn about the photo's centre (`clockwise` on screen or not).
fn quarter_turn(
    points: &BTreeMap<Joint, (f64, f64)>,
    clockwise: bool,
) -> BTreeMap<Joint, (f64, f64)> {
    let (cx, cy) = (W as f64 / 2.0, H as f64 / 2.0);
    transform(points, |(x, y)| {
        let (dx, dy) = (x - cx, y - cy);
        if clockwise {
            (cx - dy, cy + dx)
        } else {
            (cx + dy, cy - dx)
        }
    })
}

#[test]
fn a_standing_body_on_its_side_gets_the_hint_to_rotate_the_photo() {
    for forward in [1.0, -1.0] {
        for clockwise in [true, false] {
            let turned = quarter_turn(&standing_points(&ANGLES, forward), clockwise);
            let result = run(&turned, &MeasureOptions::default());
            assert_eq!(result.protocol.kind, ProtocolKind::Unsupported);
            assert!(
                result
                    .protocol
                    .reason
                    .contains("so the photo may be stored on its side"),
                "{}",
                result.protocol.reason
            );
            assert_eq!(
                result.protocol.retake.as_deref(),
                Some(Refusal::TurnedOnSide.advice())
            );
            // Where the EXIF orientation already turned the photo, the body
            // really lies: no hint.
            let exif = run(
                &turned,
                &MeasureOptions {
                    quarter_turned_by_exif: true,
                    ..MeasureOptions::default()
                },
            );
            assert!(!exif.protocol.reason.contains("stored on its side"));
            assert_ne!(
                exif.protocol.retake.as_deref(),
                Some(Refusal::TurnedOnSide.advice())
            );
        }
        // A walking frame on its side (the thighs 60 degrees apart) is no
        // standing body turned: no hint.
        let mut stepping = standing_points(&ANGLES, forward);
        let hip = stepping[&Joint::RightHip];
        let knee = limb(
            hip,
            220.0,
            -60.0 + ANGLES.hip_flexion - ANGLES.trunk,
            forward,
        );
        let ankle = limb(
            knee,
            220.0,
            -60.0 + ANGLES.hip_flexion - ANGLES.trunk - 10.0,
            forward,
        );
        stepping.insert(Joint::RightKnee, knee);
        stepping.insert(Joint::RightAnkle, ankle);
        stepping.insert(Joint::RightHeel, (ankle.0 - forward * 15.0, ankle.1 + 20.0));
        stepping.insert(
            Joint::RightFootIndex,
            (ankle.0 + forward * 60.0, ankle.1 + 25.0),
        );
        assert!(
            run(&stepping, &MeasureOptions::default())
                .protocol
                .reason
                .starts_with("mid-stride"),
        );
        let result = run(&quarter_turn(&stepping, true), &MeasureOptions::default());
        assert!(
            !result.protocol.reason.contains("stored on its side"),
            "{}",
            result.protocol.reason
        );
    }
    // Nor a body lying on its back with a knee held and a leg hanging.
    let result = run(
        &thomas_points(1.0, 0.0, 0.0, 120.0),
        &MeasureOptions::default(),
    );
    assert!(!result.protocol.reason.contains("stored on its side"));
}

/// Whether advice asks the person to stand.
fn asks_to_stand(advice: &str) -> bool {
    advice
        .split(|c: char| !c.is_alphabetic())
        .any(|word| word.to_lowercase().starts_with("stand"))
}

#[test]
fn every_refusal_has_retake_advice_of_its_own_that_fits_the_protocol() {
    use sagitta::measure::retake_advice;
    let general = [
        retake_advice(ProtocolKind::Standing),
        retake_advice(ProtocolKind::ThomasTest),
    ];
    let mut all: Vec<&str> = Refusal::ALL.iter().map(|r| r.advice()).collect();
    all.extend(general);
    let distinct: std::collections::BTreeSet<_> = all.iter().collect();
    assert_eq!(distinct.len(), all.len(), "{all:#?}");
    assert!(!asks_to_stand(retake_advice(ProtocolKind::ThomasTest)));
    for refusal in Refusal::ALL {
        if refusal.meant_as_thomas_test() {
            assert!(!asks_to_stand(refusal.advice()), "{refusal:?}");
        }
    }

    // Each refusal, from keypoints that show it, carries its own advice.
    let auto = MeasureOptions::default();
    let standing = |s: Standing| standing_points(&s, 1.0);
    let mut out_of_frame = standing_points(&ANGLES, 1.0);
    for joint in [Joint::LeftShoulder, Joint::RightShoulder] {
        out_of_frame.get_mut(&joint).unwrap().1 = -40.0;
    }
    let mut frontal = standing_points(&ANGLES, 1.0);
    for (joint, dx) in [
        (Joint::LeftShoulder, -90.0),
        (Joint::RightShoulder, 90.0),
        (Joint::LeftHip, -60.0),
        (Joint::RightHip, 60.0),
    ] {
        frontal.get_mut(&joint).unwrap().0 += dx;
    }
    let mut face_down = thomas_points(1.0, 10.0, 80.0, 120.0);
    face_down.get_mut(&Joint::Nose).unwrap().1 = CENTER + 70.0;
    let mut trunk_not_level = thomas_points(1.0, 10.0, 80.0, 120.0);
    for joint in [Joint::LeftShoulder, Joint::RightShoulder] {
        trunk_not_level.get_mut(&joint).unwrap().1 -= 260.0 * 25f64.to_radians().tan();
    }
    let cases = [
        (Refusal::TrunkOutOfFrame, out_of_frame, auto.clone()),
        (Refusal::NotSideOn, frontal, auto.clone()),
        (
            Refusal::Seated,
            standing(Standing {
                trunk: 0.0,
                hip_flexion: 90.0,
                knee_flexion: 90.0,
                head_forward: 20.0,
            }),
            auto.clone(),
        ),
        (
            Refusal::Kneeling,
            standing(Standing {
                trunk: 0.0,
                hip_flexion: 0.0,
                knee_flexion: 90.0,
                head_forward: 20.0,
            }),
            auto.clone(),
        ),
        (Refusal::Step, far_heel_raised(1.0, 0.3), auto.clone()),
        (
            Refusal::NeitherUprightNorLying,
            standing(Standing {
                trunk: 45.0,
                ..ANGLES
            }),
            auto.clone(),
        ),
        (Refusal::FaceDown, face_down, auto.clone()),
        (
            Refusal::NoHeldKnee,
            thomas_points(1.0, 5.0, 80.0, 10.0),
            auto.clone(),
        ),
        (
            Refusal::BothHipsFlexed,
            thomas_points(1.0, -60.0, 80.0, 120.0),
            auto.clone(),
        ),
        (
            Refusal::FreeLegNotHanging,
            thomas_points(1.0, 0.0, 0.0, 120.0),
            auto.clone(),
        ),
        (Refusal::TrunkNotLevel, trunk_not_level, auto.clone()),
        (
            Refusal::TurnedOnSide,
            quarter_turn(&standing_points(&ANGLES, 1.0), true),
            auto.clone(),
        ),
        (
            Refusal::OtherProtocol,
            standing_points(&ANGLES, 1.0),
            MeasureOptions {
                protocol: ProtocolChoice::ThomasTest,
                ..MeasureOptions::default()
            },
        ),
    ];
    assert_eq!(
        cases.iter().map(|c| c.0).collect::<Vec<_>>(),
        Refusal::ALL,
        "every refusal has a case"
    );
    for (refusal, points, options) in &cases {
        let result = run(points, options);
        assert!(!result.protocol.valid, "{refusal:?}: {:?}", result.protocol);
        assert_eq!(
            result.protocol.retake.as_deref(),
            Some(refusal.advice()),
            "{refusal:?}: {}",
            result.protocol.reason
        );
    }

    // A valid Thomas test with a measurement declined gets the Thomas
    // test's own advice, which does not ask the person to stand.
    let mut pose = pose_from(&thomas_points(1.0, 10.0, 80.0, 120.0));
    pose.keypoints[Joint::LeftAnkle.index()].visibility = 0.1;
    let result = measure_pose(&pose, &auto);
    assert!(result.protocol.valid);
    assert!(
        result.measurements["knee_flexion"]
            .declined_reason()
            .is_some()
    );
    assert_eq!(
        result.protocol.retake.as_deref(),
        Some(retake_advice(ProtocolKind::ThomasTest))
    );
}

#[test]
fn a_bent_knee_the_model_did_not_see_is_no_step_but_thighs_apart_are() {
    for forward in [1.0, -1.0] {
        // The near knee read bent 60 degrees, but both knees hidden
        // (visibility 0.3; the near side stays the better seen): measured as
        // standing, the legs declined, and a closer look asked for.
        let mut points = standing_points(&ANGLES, forward);
        let knee = points[&Joint::LeftKnee];
        let ankle = limb(
            knee,
            220.0,
            ANGLES.hip_flexion - ANGLES.trunk - 60.0,
            forward,
        );
        points.insert(Joint::LeftAnkle, ankle);
        let mut pose = pose_from(&points);
        for joint in [Joint::LeftKnee, Joint::RightKnee] {
            pose.keypoints[joint.index()].visibility = 0.3;
        }
        let result = measure_pose(&pose, &MeasureOptions::default());
        assert_eq!(result.protocol.near_side, Some(Side::Left));
        // (The swung ankle moves the synthetic outline's box, so the
        // outline measurements are not compared with the stance's here.)
        assert_eq!(result.protocol.kind, ProtocolKind::Standing);
        assert!(
            result.protocol.unconfirmed[0].contains(
                "the left knee is hidden (visibility 0.30), so the reading is not taken as evidence"
            ),
            "{:?}",
            result.protocol.unconfirmed
        );
        for name in LEG_MEASUREMENTS {
            assert!(
                result.measurements[name].declined_reason().is_some(),
                "{name}"
            );
        }
        assert!((value(&result.measurements, "trunk_inclination") - ANGLES.trunk).abs() <= 0.05);
        assert!((value(&result.measurements, "head_forward") - ANGLES.head_forward).abs() <= 0.05);
        assert!(result.second_look.is_some());
        // Seen, the same knee is a step.
        let result = run(&points, &MeasureOptions::default());
        assert!(
            result
                .protocol
                .reason
                .starts_with("mid-stride: the left knee is bent 60 degrees")
        );

        // Thighs 48 degrees apart, seen: within the error of the 45-degree
        // limit, but no stance reads near it, so still refused (after a
        // closer look).
        let mut split = standing_points(&ANGLES, forward);
        let hip = split[&Joint::RightHip];
        let back = ANGLES.hip_flexion - ANGLES.trunk - 48.0;
        let knee = limb(hip, 220.0, back, forward);
        let ankle = limb(knee, 220.0, back, forward);
        split.insert(Joint::RightKnee, knee);
        split.insert(Joint::RightAnkle, ankle);
        // Heels level, so that the thighs alone tell.
        let (heel, toe) = (split[&Joint::LeftHeel], split[&Joint::LeftFootIndex]);
        split.insert(Joint::RightHeel, (ankle.0 - forward * 15.0, heel.1));
        split.insert(Joint::RightFootIndex, (ankle.0 + forward * 60.0, toe.1));
        let result = run(&split, &MeasureOptions::default());
        assert_eq!(result.protocol.kind, ProtocolKind::Unsupported);
        assert!(
            result
                .protocol
                .reason
                .starts_with("mid-stride: the thighs are 48 degrees apart"),
            "{}",
            result.protocol.reason
        );
        assert!(result.second_look.is_some());
    }
}
