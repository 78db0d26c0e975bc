//! Golden keypoints: sagitta's ONNX pipeline against MediaPipe's own
//! (`mediapipe==0.10.21`, legacy pose solution, full model), stored in
//! `tests/golden/` by `tests/golden/make_golden.sh`.
//!
//! The two pipelines are not identical (MediaPipe's detector file differs
//! slightly from the npm one; sagitta adds a second landmark pass), so the
//! comparison allows a tolerance, expressed as a fraction of the torso length
//! (near-side shoulder to hip) so that it means the same on every photo size.

use crate::common;

use std::path::PathBuf;

use sagitta::pose::{Joint, ModelKind};
use sagitta::{Analyzer, AnalyzerOptions};
use serde_json::Value;

/// Largest allowed distance between sagitta's and MediaPipe's near-side
/// landmarks, as a fraction of the torso length. Measured (full model, one
/// pass, 8 photos): ear, shoulder and hip differ by at most 0.020, knee and
/// ankle by at most 0.070 (the gym photos, where the two detector files give
/// slightly different crops and the feet sit at the frame edge). Each bound
/// sits just above its measured worst case: about 4 px on the walker samples
/// for the trunk.
const TOLERANCE_TRUNK: f64 = 0.03;
const TOLERANCE_LIMB: f64 = 0.08;

const SIDES: [[Joint; 5]; 2] = [
    [
        Joint::LeftEar,
        Joint::LeftShoulder,
        Joint::LeftHip,
        Joint::LeftKnee,
        Joint::LeftAnkle,
    ],
    [
        Joint::RightEar,
        Joint::RightShoulder,
        Joint::RightHip,
        Joint::RightKnee,
        Joint::RightAnkle,
    ],
];

struct Golden {
    name: String,
    image: PathBuf,
    width: f64,
    height: f64,
    landmarks: Vec<Value>,
}

fn goldens() -> Vec<Golden> {
    let dir = common::repo().join("tests/golden");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|file| {
            let doc = common::read_json(&file);
            let source = doc["source_image"].as_str().unwrap();
            let image = match source.strip_prefix("../shared/photos/") {
                Some(relative) => common::shared_photo(relative)?,
                None => common::repo().join(source),
            };
            let bytes = std::fs::read(&image).unwrap();
            assert_eq!(
                sagitta::pose::models::sha256_hex(&bytes),
                doc["source_sha256"].as_str().unwrap(),
                "{} changed since its golden was made: rerun tests/golden/make_golden.sh",
                image.display()
            );
            assert_eq!(doc["person_found"], true);
            Some(Golden {
                name: file.file_stem().unwrap().to_string_lossy().into_owned(),
                image,
                width: doc["width"].as_f64().unwrap(),
                height: doc["height"].as_f64().unwrap(),
                landmarks: doc["landmarks"].as_array().unwrap().clone(),
            })
        })
        .collect()
}

fn golden_point(golden: &Golden, joint: Joint) -> (f64, f64, f64) {
    let lm = &golden.landmarks[joint.index()];
    assert_eq!(lm["name"], joint.name());
    (
        lm["x"].as_f64().unwrap(),
        lm["y"].as_f64().unwrap(),
        lm["visibility"].as_f64().unwrap(),
    )
}

#[test]
fn keypoints_match_mediapipe_on_every_golden_photo() {
    // The full model throughout, as in the goldens: lying bodies would
    // otherwise get the heavy model's second look.
    let mut analyzer = Analyzer::new(&AnalyzerOptions {
        thomas_model: ModelKind::Full,
        ..AnalyzerOptions::default()
    })
    .expect("models and runtime load");
    let (mut worst_trunk, mut worst_limb): (f64, f64) = (0.0, 0.0);
    let mut report = String::new();
    for golden in goldens() {
        let analysis = analyzer.analyze(&golden.image).unwrap();
        common::assert_document_valid("analysis", &analysis);
        assert_eq!(analysis.image.width as f64, golden.width);
        assert_eq!(analysis.image.height as f64, golden.height);

        // The near side is the one MediaPipe sees better.
        let visibility = |side: &[Joint; 5]| {
            side.iter()
                .map(|&j| golden_point(&golden, j).2)
                .sum::<f64>()
        };
        let near = if visibility(&SIDES[0]) >= visibility(&SIDES[1]) {
            &SIDES[0]
        } else {
            &SIDES[1]
        };
        let (sx, sy, _) = golden_point(&golden, near[1]);
        let (hx, hy, _) = golden_point(&golden, near[2]);
        let torso = (sx - hx).hypot(sy - hy);

        report.push_str(&format!("{:<32}", golden.name));
        for &joint in near {
            let (gx, gy, _) = golden_point(&golden, joint);
            let inside = (0.0..golden.width).contains(&gx) && (0.0..golden.height).contains(&gy);
            let ours = analysis.pose.keypoint(joint.name()).unwrap();
            let error = (ours.x as f64 - gx).hypot(ours.y as f64 - gy) / torso;
            report.push_str(&format!(
                " {}={:.3}{}",
                joint.name(),
                error,
                if inside { "" } else { "(out)" }
            ));
            // A point outside the photo is the models' guess, not a measurement.
            if !inside {
                continue;
            }
            if matches!(
                joint,
                Joint::LeftKnee | Joint::RightKnee | Joint::LeftAnkle | Joint::RightAnkle
            ) {
                worst_limb = worst_limb.max(error);
            } else {
                worst_trunk = worst_trunk.max(error);
            }
        }
        report.push('\n');
    }
    eprintln!(
        "distance to MediaPipe, in torso lengths:\n{report}worst in-frame: trunk {worst_trunk:.3}, limbs {worst_limb:.3}"
    );
    assert!(
        worst_trunk <= TOLERANCE_TRUNK,
        "trunk landmarks differ by {worst_trunk:.3} torso lengths:\n{report}"
    );
    assert!(
        worst_limb <= TOLERANCE_LIMB,
        "knee/ankle differ by {worst_limb:.3} torso lengths:\n{report}"
    );
}

#[test]
fn exif_orientation_is_applied_before_the_model_runs() {
    let Some(path) = common::shared_photo("openposture_fixtures/desk_lean_exif.jpeg") else {
        return;
    };
    // The stored pixels are sideways (EXIF orientation 6): upright, the photo is portrait.
    let raw = image::ImageReader::open(&path)
        .unwrap()
        .into_dimensions()
        .unwrap();
    let mut analyzer = Analyzer::new(&AnalyzerOptions::default()).unwrap();
    let analysis = analyzer.analyze(&path).unwrap();
    common::assert_document_valid("analysis", &analysis);
    assert_eq!(
        (analysis.image.width, analysis.image.height),
        (raw.1, raw.0)
    );
    // Upright: the head is above the hips.
    let nose = analysis.pose.keypoint(Joint::Nose.name()).unwrap();
    let hip_y = (analysis.pose.keypoint(Joint::LeftHip.name()).unwrap().y
        + analysis.pose.keypoint(Joint::RightHip.name()).unwrap().y)
        / 2.0;
    assert!(
        nose.y < hip_y - 0.1 * analysis.image.height as f32,
        "nose {} hips {hip_y}",
        nose.y
    );
}

#[test]
fn a_person_lying_down_is_found_in_the_rotated_sample() {
    // One model for both photos, so only the rotation differs.
    let mut analyzer = Analyzer::new(&AnalyzerOptions {
        thomas_model: ModelKind::Full,
        ..AnalyzerOptions::default()
    })
    .unwrap();
    let upright = analyzer.analyze(&common::sample("walker_02.jpg")).unwrap();
    let lying = analyzer
        .analyze(&common::sample("walker_rotated90.jpg"))
        .unwrap();
    // Rotating the photo 90 degrees clockwise maps (x, y) to (H - 1 - y, x).
    let height = upright.image.height as f32;
    let torso = {
        let s = upright.pose.keypoint(Joint::LeftShoulder.name()).unwrap();
        let h = upright.pose.keypoint(Joint::LeftHip.name()).unwrap();
        (s.x - h.x).hypot(s.y - h.y)
    };
    for joint in [
        Joint::Nose,
        Joint::LeftHip,
        Joint::LeftKnee,
        Joint::LeftAnkle,
    ] {
        let a = upright.pose.keypoint(joint.name()).unwrap();
        let b = lying.pose.keypoint(joint.name()).unwrap();
        let (ex, ey) = (height - 1.0 - a.y, a.x);
        let error = (b.x - ex).hypot(b.y - ey) / torso;
        assert!(error < 0.1, "{}: {error:.3} torso lengths", joint.name());
    }
}
