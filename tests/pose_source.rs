//! The pose seam from outside the crate: a source that is not a model (the
//! keypoints of a saved analysis, as a re-measure with corrected points would
//! give them) drives the same pipeline through `Analyzer::with_source`.

mod common;

use common::sample;
use image::RgbImage;
use sagitta::pose::{Joint, Keypoint, Pose, PoseError, PoseSource, PoseTimings};
use sagitta::schema::Analysis;
use sagitta::{Analyzer, AnalyzerOptions};

/// Keypoints given, no person mask.
struct Given(Pose);

impl PoseSource for Given {
    fn estimate(&mut self, _image: &RgbImage) -> Result<(Pose, PoseTimings), PoseError> {
        Ok((self.0.clone(), PoseTimings::default()))
    }
}

/// The pose a saved analysis reports, by joint name; the model that placed it.
fn given_from(doc: &Analysis) -> Given {
    let mut keypoints = [Keypoint::default(); Joint::COUNT];
    for k in &doc.pose.keypoints {
        let joint = Joint::from_name(&k.name).expect("a known joint name");
        keypoints[joint.index()] = Keypoint {
            x: k.x,
            y: k.y,
            z: k.z,
            visibility: k.visibility,
            presence: k.presence,
        };
    }
    Given(Pose {
        keypoints,
        mask: None,
        persons_found: doc.pose.persons_found,
        detector_score: doc.pose.detector_score,
        pose_presence: doc.pose.pose_presence,
        model: doc.model.clone(),
    })
}

/// Found by the model, then given back: the same protocol, the same model
/// named in the document, and the keypoint angles within their rounding.
#[test]
fn keypoints_given_are_measured_as_the_models_were() {
    let photo = sample("thomas_short_left.jpg");
    let options = AnalyzerOptions::default();
    let found = Analyzer::new(&options).unwrap().analyze(&photo).unwrap();
    let mut again = Analyzer::with_source(Box::new(given_from(&found)), &options).unwrap();
    let given = again.analyze(&photo).unwrap();

    assert_eq!(given.protocol.kind, found.protocol.kind);
    assert_eq!(given.protocol.valid, found.protocol.valid);
    // The Thomas test's heavy second look named in both: the given source
    // has no second look of its own and passes the model on.
    assert_eq!(given.model, found.model);
    assert_eq!(given.pose, found.pose);
    assert_eq!(
        given.measurements.keys().collect::<Vec<_>>(),
        found.measurements.keys().collect::<Vec<_>>()
    );
    for name in found.measurements.keys() {
        assert_close(&found, &given, name);
    }
}

/// The same measurement in both documents: declined alike, or values within
/// the rounding of the keypoints the document reports (0.01 px) and of the
/// angle (0.1 degrees).
fn assert_close(found: &Analysis, given: &Analysis, name: &str) {
    let (a, b) = (&found.measurements[name], &given.measurements[name]);
    assert_eq!(a.declined, b.declined, "{name}");
    match (a.value_deg, b.value_deg) {
        (Some(x), Some(y)) => assert!((x - y).abs() <= 0.1 + 1e-9, "{name}: {x} found, {y} given"),
        (x, y) => assert_eq!(x, y, "{name}"),
    }
}

/// The outline measurements need the person mask: without one they are
/// declined with that reason, while the keypoint angles are made.
#[test]
fn a_source_without_a_mask_declines_the_outline_measurements_and_says_why() {
    let photo = sample("standing_neutral.jpg");
    let options = AnalyzerOptions::default();
    let found = Analyzer::new(&options).unwrap().analyze(&photo).unwrap();
    let mut again = Analyzer::with_source(Box::new(given_from(&found)), &options).unwrap();
    let given = again.analyze(&photo).unwrap();

    for name in ["pelvic_tilt", "craniovertebral_angle", "plumb_hip"] {
        assert!(found.measurements[name].declined.is_none(), "{name}");
        let reason = given.measurements[name].declined.as_deref().expect(name);
        assert!(reason.contains("no person mask"), "{name}: {reason}");
    }
    for name in ["trunk_inclination", "standing_hip_flexion", "knee_flexion"] {
        assert!(found.measurements[name].value_deg.is_some(), "{name}");
        assert_close(&found, &given, name);
    }
}
