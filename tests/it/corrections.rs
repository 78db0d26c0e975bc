//! Corrections through the real binary: `sagitta measure --from --set`
//! moves a misplaced keypoint and measures again without the model, and
//! `analyze --person` chooses the person in a photo with several.

use crate::common;

use std::path::{Path, PathBuf};

use common::{assert_schema_valid, repo, sagitta, sample, saved_analysis};
use predicates::prelude::PredicateBooleanExt;
use serde_json::Value;

fn keypoint(doc: &Value, name: &str) -> [f64; 2] {
    let k = doc["pose"]["keypoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == name)
        .unwrap_or_else(|| panic!("no {name}"));
    [k["x"].as_f64().unwrap(), k["y"].as_f64().unwrap()]
}

fn value(doc: &Value, measurement: &str) -> f64 {
    doc["measurements"][measurement]["value_deg"]
        .as_f64()
        .unwrap_or_else(|| panic!("{measurement}: {}", doc["measurements"][measurement]))
}

/// The Thomas-test hip extension from the geometry: the thigh (hip to knee)
/// against the horizontal, positive below it (y grows downwards).
fn thigh_below_horizontal_deg(hip: [f64; 2], knee: [f64; 2]) -> f64 {
    (knee[1] - hip[1])
        .atan2((knee[0] - hip[0]).abs())
        .to_degrees()
}

/// The knee angle from the geometry: the shank against the thigh line
/// continued, unsigned.
fn knee_bend_deg(hip: [f64; 2], knee: [f64; 2], ankle: [f64; 2]) -> f64 {
    let thigh = [knee[0] - hip[0], knee[1] - hip[1]];
    let shank = [ankle[0] - knee[0], ankle[1] - knee[1]];
    let cos = (thigh[0] * shank[0] + thigh[1] * shank[1])
        / (thigh[0].hypot(thigh[1]) * shank[0].hypot(shank[1]));
    cos.clamp(-1.0, 1.0).acos().to_degrees()
}

/// `measure --format json --from FROM ARGS`, checked against the schema.
pub fn measure(from: &Path, args: &[&str]) -> Value {
    let output = sagitta()
        .args(["measure", "--format", "json", "--from"])
        .arg(from)
        .args(args)
        .assert()
        .success();
    let stdout = output.get_output().stdout.clone();
    assert_schema_valid("analysis", None, &stdout);
    serde_json::from_slice(&stdout).unwrap()
}

/// The output rounds angles to 0.1 degree.
const ROUNDING_DEG: f64 = 0.051;

#[test]
fn moving_the_test_knee_changes_the_thomas_angles_by_the_geometry() {
    let dir = tempfile::tempdir().unwrap();
    let (saved, before) = saved_analysis(dir.path(), &sample("thomas_short_left.jpg"), &[]);
    assert_eq!(before["protocol"]["kind"], "thomas_test");
    assert_eq!(before["protocol"]["near_side"], "left");
    let (hip, knee, ankle) = (
        keypoint(&before, "left_hip"),
        keypoint(&before, "left_knee"),
        keypoint(&before, "left_ankle"),
    );
    // The saved angles are those of the saved keypoints.
    let hip_before = value(&before, "hip_extension");
    assert!((hip_before - thigh_below_horizontal_deg(hip, knee)).abs() < ROUNDING_DEG);

    // Drop the knee 40 px: the thigh now slopes down from the hip.
    let moved = [knee[0], knee[1] + 40.0];
    let after = measure(
        &saved,
        &["--set", &format!("left_knee={},{}", moved[0], moved[1])],
    );
    let expected_hip = thigh_below_horizontal_deg(hip, moved);
    let hip_after = value(&after, "hip_extension");
    assert!(
        (hip_after - expected_hip).abs() < ROUNDING_DEG,
        "hip extension {hip_after}, geometry {expected_hip}"
    );
    let expected_change = expected_hip - thigh_below_horizontal_deg(hip, knee);
    assert!(
        expected_change > 10.0,
        "a change worth testing: {expected_change}"
    );
    assert!((hip_after - hip_before - expected_change).abs() < 2.0 * ROUNDING_DEG);
    let knee_after = value(&after, "knee_flexion");
    assert!(
        (knee_after.abs() - knee_bend_deg(hip, moved, ankle)).abs() < ROUNDING_DEG,
        "knee flexion {knee_after}, geometry {}",
        knee_bend_deg(hip, moved, ankle)
    );
    // What the knee does not touch is unchanged.
    assert_eq!(
        after["measurements"]["trunk_tilt"],
        before["measurements"]["trunk_tilt"]
    );

    // The document says what was corrected, from where to where.
    let corrections = after["corrections"].as_array().unwrap();
    assert_eq!(corrections.len(), 1);
    assert_eq!(corrections[0]["keypoint"], "left_knee");
    assert_eq!(corrections[0]["from_px"], serde_json::json!(knee));
    assert_eq!(corrections[0]["to_px"], serde_json::json!(moved));
    assert_eq!(keypoint(&after, "left_knee"), moved);
    assert!(after["warnings"].to_string().contains("without the model"));
    assert_eq!(after["model"], before["model"]);
    assert!(before.get("corrections").is_none());

    // Correcting the corrected document again keeps where the model had it.
    let again_path = dir.path().join("corrected.json");
    std::fs::write(&again_path, serde_json::to_vec(&after).unwrap()).unwrap();
    let again = measure(
        &again_path,
        &[
            "--set",
            &format!("left_knee={},{}", knee[0], knee[1] + 20.0),
            "--set",
            "left_ankle=180,470",
        ],
    );
    let corrections = again["corrections"].as_array().unwrap();
    assert_eq!(corrections.len(), 2);
    assert_eq!(corrections[0]["from_px"], serde_json::json!(knee));
    assert_eq!(
        corrections[0]["to_px"],
        serde_json::json!([knee[0], knee[1] + 20.0])
    );
    assert_eq!(corrections[1]["keypoint"], "left_ankle");

    // The text output says the point was moved; --verbose shows it in the
    // keypoint table as moved.
    sagitta()
        .args(["measure", "--from"])
        .arg(&saved)
        .args(["--set", &format!("left_knee={},{}", moved[0], moved[1])])
        .assert()
        .success()
        .stdout(predicates::str::contains("corrected by hand: left_knee"));
    sagitta()
        .args(["measure", "--verbose", "--from"])
        .arg(&saved)
        .args(["--set", &format!("left_knee={},{}", moved[0], moved[1])])
        .assert()
        .success()
        .stdout(predicates::str::contains(format!(
            "{:.0}, {:.0} (moved)",
            moved[0], moved[1]
        )));

    // JSON Lines: the record and its summary, as the schema has them.
    let jsonl = sagitta()
        .args(["measure", "--format", "jsonl", "--from"])
        .arg(&saved)
        .args(["--set", &format!("left_knee={},{}", moved[0], moved[1])])
        .assert()
        .success();
    assert_schema_valid("jsonl", None, &jsonl.get_output().stdout);

    // Without --set the saved keypoints measure to the saved angles.
    let same = measure(&saved, &[]);
    assert_eq!(
        same["measurements"]["hip_extension"],
        before["measurements"]["hip_extension"]
    );
    assert!(same.get("corrections").is_none());
}

#[test]
fn the_annotated_image_marks_the_corrected_point() {
    let dir = tempfile::tempdir().unwrap();
    let (saved, before) = saved_analysis(dir.path(), &sample("thomas_short_left.jpg"), &[]);
    let knee = keypoint(&before, "left_knee");
    let moved = [knee[0] - 30.0, knee[1] + 30.0];
    let set = format!("left_knee={},{}", moved[0], moved[1]);
    let draw = |name: &str, args: &[&str]| {
        let target = dir.path().join(name);
        sagitta()
            .args(["measure", "--from"])
            .arg(&saved)
            .args(args)
            .arg("--annotate")
            .arg(&target)
            .assert()
            .success();
        image::open(&target).unwrap().to_rgb8()
    };
    let plain = draw("plain.png", &[]);
    let corrected = draw("corrected.png", &["--set", &set]);
    // The ring around the new position is in the correction colour.
    let marked = |image: &image::RgbImage| {
        let (cx, cy) = (moved[0] as i64, moved[1] as i64);
        (-20..=20)
            .flat_map(|dy| (-20..=20).map(move |dx| (cx + dx, cy + dy)))
            .filter_map(|(x, y)| image.get_pixel_checked(x as u32, y as u32))
            .filter(|p| p.0[2] > 200 && p.0[0] < 120 && p.0[1] > 110 && p.0[1] < 190)
            .count()
    };
    assert!(marked(&corrected) > 20, "{}", marked(&corrected));
    assert_eq!(marked(&plain), 0);

    // A photo that is not the analysed one is refused.
    sagitta()
        .args(["measure", "--set", &set, "--from"])
        .arg(&saved)
        .arg("--annotate")
        .arg(dir.path().join("x.png"))
        .arg("--photo")
        .arg(sample("walker_01.jpg"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not the same photo"));
}

/// The measurements that read the person outline (the pelvic estimate, the
/// craniovertebral angle, the plumb offsets through the head's top, the
/// spine curves) and do not use the knee.
const OUTLINE_NOT_KNEE: [&str; 9] = [
    "pelvic_tilt",
    "craniovertebral_angle",
    "plumb_ear",
    "plumb_shoulder",
    "plumb_hip",
    "lumbar_lordosis_depth",
    "lumbar_lordosis_angle",
    "thoracic_kyphosis_depth",
    "thoracic_kyphosis_angle",
];

/// The document keeps the person mask, so measuring it again traces the
/// same outlines: with no point moved every measurement is as saved, and
/// the knee moved by 2 px (issue 21's case) leaves every outline
/// measurement that does not use the knee as it was. A document written
/// before it kept the mask gets them declined, with the reason.
#[test]
fn outline_measurements_are_kept_from_the_saved_mask() {
    let dir = tempfile::tempdir().unwrap();
    let (saved, before) = saved_analysis(dir.path(), &sample("standing_anterior_tilt.jpg"), &[]);
    assert_eq!(before["protocol"]["kind"], "standing");
    assert_eq!(before["measurements"]["pelvic_tilt"]["method"], "estimate");
    for name in OUTLINE_NOT_KNEE {
        assert!(before["measurements"][name]["declined"].is_null(), "{name}");
    }
    // Measured again with no point moved: the same values (within the
    // output's 0.1: the document's keypoints are rounded to 0.01 px, which
    // can move a value across a rounding boundary; with the keypoints
    // alike the mask read back measures exactly as the model's, as
    // tests/pose_source.rs shows), the same assessment, and the same mask.
    let same = measure(&saved, &[]);
    for (name, measurement) in before["measurements"].as_object().unwrap() {
        let again = &same["measurements"][name];
        assert_eq!(again["declined"], measurement["declined"], "{name}");
        // Angles are rounded to 0.1 degree, other values to 0.001.
        for (field, step) in [("value_deg", 0.1), ("value", 0.001)] {
            if let Some(value) = measurement[field].as_f64() {
                let value_again = again[field].as_f64().unwrap();
                assert!(
                    (value_again - value).abs() <= step + 1e-9,
                    "{name}: {value} saved, {value_again} again"
                );
            }
        }
    }
    assert_eq!(same["assessment"], before["assessment"]);
    assert_eq!(same["pose"]["person_mask"], before["pose"]["person_mask"]);

    // The case: the knee moved by about 2 px.
    let knee = keypoint(&before, "left_knee");
    assert!((knee[0] - 310.0).hypot(knee[1] - 530.0) < 3.0, "{knee:?}");
    let after = measure(&saved, &["--set", "left_knee=310,530"]);
    for name in OUTLINE_NOT_KNEE {
        assert_eq!(
            after["measurements"][name], same["measurements"][name],
            "{name}"
        );
    }
    assert_ne!(
        after["measurements"]["knee_flexion"],
        same["measurements"]["knee_flexion"]
    );
    assert_eq!(
        after["assessment"]["status"],
        before["assessment"]["status"]
    );
    assert_ne!(after["assessment"]["status"], "not_assessed");

    // Without the mask, as a document from before schema 1.3.
    let mut unmasked = before.clone();
    unmasked["pose"]
        .as_object_mut()
        .unwrap()
        .remove("person_mask")
        .unwrap();
    let old = dir.path().join("unmasked.json");
    std::fs::write(&old, serde_json::to_vec(&unmasked).unwrap()).unwrap();
    let doc = measure(&old, &[]);
    for name in OUTLINE_NOT_KNEE {
        let reason = doc["measurements"][name]["declined"]
            .as_str()
            .unwrap_or_default();
        assert!(reason.contains("no person mask"), "{name}: {reason}");
    }
    // Keypoint angles need no outline.
    assert_eq!(
        doc["measurements"]["knee_flexion"],
        same["measurements"]["knee_flexion"]
    );

    // Palpated landmarks need no outline; given to the first run, they are
    // used again when the document is measured again.
    let landmarks = ["--asis", "270,390", "--psis", "345,375"];
    let (saved, before) = saved_analysis(dir.path(), &sample("standing_neutral.jpg"), &landmarks);
    assert_eq!(before["measurements"]["pelvic_tilt"]["method"], "landmarks");
    let kept = measure(&saved, &[]);
    assert_eq!(
        kept["measurements"]["pelvic_tilt"],
        before["measurements"]["pelvic_tilt"]
    );
    let moved = measure(&saved, &["--asis", "270,400", "--psis", "345,375"]);
    let expected = (400.0f64 - 375.0).atan2(345.0 - 270.0).to_degrees();
    let value = moved["measurements"]["pelvic_tilt"]["value_deg"]
        .as_f64()
        .unwrap();
    assert!(
        (value - expected).abs() < ROUNDING_DEG,
        "{value} vs {expected}"
    );
}

/// What the first run was told is kept unless told again: a forced
/// protocol, and the camera roll.
#[test]
fn the_documents_own_options_are_kept() {
    let fixture = repo().join("tests/fixtures/analysis_thomas.json");
    let saved = common::read_json(&fixture);
    assert_eq!(saved["protocol"]["forced"], true);
    let kept = measure(&fixture, &[]);
    assert_eq!(kept["protocol"]["kind"], "thomas_test");
    assert_eq!(kept["protocol"]["forced"], true);
    let detected = measure(&fixture, &["--protocol", "auto"]);
    assert_eq!(detected["protocol"]["forced"], false);

    let dir = tempfile::tempdir().unwrap();
    let rolled = measure(&fixture, &["--camera-roll-deg", "5"]);
    assert_eq!(rolled["protocol"]["camera_roll_deg"], 5.0);
    let path = dir.path().join("rolled.json");
    std::fs::write(&path, serde_json::to_vec(&rolled).unwrap()).unwrap();
    let again = measure(&path, &[]);
    assert_eq!(again["protocol"]["camera_roll_deg"], 5.0);
    assert_eq!(again["measurements"], rolled["measurements"]);

    let tilted = measure(
        &fixture,
        &["--camera-pitch-deg", "8", "--focal-length-35mm", "40"],
    );
    assert_eq!(tilted["protocol"]["camera_pitch_deg"], 8.0);
    assert_eq!(tilted["protocol"]["focal_length_35mm_mm"], 40.0);
    assert_ne!(tilted["measurements"], kept["measurements"]);
    let path = dir.path().join("tilted.json");
    std::fs::write(&path, serde_json::to_vec(&tilted).unwrap()).unwrap();
    let again = measure(&path, &[]);
    assert_eq!(again["protocol"]["camera_pitch_deg"], 8.0);
    assert_eq!(again["measurements"], tilted["measurements"]);
}

#[test]
fn bad_corrections_are_usage_errors_that_say_what_is_wrong() {
    let fixture = repo().join("tests/fixtures/analysis_thomas.json");
    for (set, says) in [
        ("left_kne=400,300", "unknown keypoint"),
        ("left_knee=400", "expected X,Y"),
        ("left_knee=4x0,300", "pixel coordinate"),
        ("left_knee=NaN,300", "pixel coordinate"),
        ("left_knee", "KEYPOINT=X,Y"),
        ("left_knee=900,300", "outside the 850x567 photo"),
        ("left_knee=-1,300", "outside the 850x567 photo"),
    ] {
        sagitta()
            .args(["measure", "--set", set, "--from"])
            .arg(&fixture)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(says))
            .stderr(predicates::str::contains("panicked").not());
    }
    sagitta()
        .args([
            "measure",
            "--set",
            "left_knee=1,1",
            "--set",
            "left_knee=2,2",
            "--from",
        ])
        .arg(&fixture)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("given twice"));
}

#[test]
fn a_hostile_saved_analysis_is_refused_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = common::read_json(&repo().join("tests/fixtures/analysis_thomas.json"));
    let mut short = fixture.clone();
    short["pose"]["keypoints"].as_array_mut().unwrap().pop();
    let mut swapped = fixture.clone();
    swapped["pose"]["keypoints"]
        .as_array_mut()
        .unwrap()
        .swap(25, 26);
    let mut far = fixture.clone();
    far["pose"]["keypoints"][25]["x"] = 1e30.into();
    let mut probability = fixture.clone();
    probability["pose"]["keypoints"][25]["visibility"] = 7.into();
    for (name, doc, says) in [
        ("short.json", short, "not the 33"),
        ("swapped.json", swapped, "expected left_knee"),
        ("far.json", far, "outside"),
        ("probability.json", probability, "probability"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
        sagitta()
            .args(["measure", "--from"])
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(name))
            .stderr(predicates::str::contains(says));
    }
    // The photo the document names is read as any photo is: never a device.
    let mut device = fixture.clone();
    device["image"]["path"] = "/dev/zero".into();
    let path = dir.path().join("device.json");
    std::fs::write(&path, serde_json::to_vec(&device).unwrap()).unwrap();
    sagitta()
        .args(["measure", "--from"])
        .arg(&path)
        .arg("--annotate")
        .arg(dir.path().join("out.png"))
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a regular file"));
    assert!(!dir.path().join("out.png").exists());

    let text = dir.path().join("text.json");
    std::fs::write(
        &text,
        "{\"schema_version\": \"1.2\", \"schema_version\": \"1.2\"}",
    )
    .unwrap();
    sagitta()
        .args(["measure", "--from"])
        .arg(&text)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("text.json"));
}

/// Two people side by side on one canvas: the client on the left, and a
/// second, smaller person nearer the middle; the right edge is empty.
fn two_people(dir: &Path) -> PathBuf {
    let left = image::open(sample("standing_neutral.jpg"))
        .unwrap()
        .to_rgb8();
    let other = image::open(sample("standing_neutral.jpg")).unwrap().fliph();
    let other = other
        .resize(540, 720, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let wall = *left.get_pixel(5, 5);
    let mut canvas = image::RgbImage::from_pixel(1400, 800, wall);
    image::imageops::replace(&mut canvas, &left, 0, 0);
    image::imageops::replace(&mut canvas, &other, 560, 80);
    let path = dir.join("two_people.png");
    canvas.save(&path).unwrap();
    path
}

fn hips_x(doc: &Value) -> f64 {
    (keypoint(doc, "left_hip")[0] + keypoint(doc, "right_hip")[0]) / 2.0
}

#[test]
fn person_chooses_who_is_analysed_in_a_photo_with_two() {
    let dir = tempfile::tempdir().unwrap();
    let photo = two_people(dir.path());
    let analyse = |person: &str| {
        let output = sagitta()
            .args([
                "analyze", "--format", "json", "--model", "lite", "--person", person,
            ])
            .arg(&photo)
            .assert()
            .success();
        let stdout = output.get_output().stdout.clone();
        assert_schema_valid("analysis", None, &stdout);
        serde_json::from_slice::<Value>(&stdout).unwrap()
    };
    let largest = analyse("largest");
    assert_eq!(largest["pose"]["persons_found"], 2, "{}", largest["pose"]);
    assert!(hips_x(&largest) < 600.0, "{}", hips_x(&largest));
    assert_eq!(largest["pose"]["person"]["by"], "largest");
    assert!(largest["warnings"].to_string().contains("2 people found"));

    let centre = analyse("centre");
    assert!(
        (560.0..1040.0).contains(&hips_x(&centre)),
        "{}",
        hips_x(&centre)
    );
    assert_eq!(centre["pose"]["person"]["by"], "centre");

    let pointed = analyse("800,500");
    assert!((560.0..1100.0).contains(&hips_x(&pointed)));
    assert_eq!(pointed["pose"]["person"]["by"], "point");
    assert_eq!(
        pointed["pose"]["person"]["point_px"],
        serde_json::json!([800.0, 500.0])
    );

    // A point where nobody stands is that photo's error, not a guess.
    sagitta()
        .args(["analyze", "--model", "lite", "--person", "1300,400"])
        .arg(&photo)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("no person found at 1300,400"));
    // A point names one person in one photo.
    sagitta()
        .args(["analyze", "--person", "800,500"])
        .arg(&photo)
        .arg(sample("walker_01.jpg"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("one photo"));
    sagitta()
        .args(["analyze", "--person", "tallest"])
        .arg(&photo)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("largest, centre or X,Y"));
}
