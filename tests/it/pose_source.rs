//! The pose seam from outside the crate: a source that is not a model (the
//! keypoints of a saved analysis, as a re-measure with corrected points would
//! give them) drives the same pipeline through `Analyzer::with_source`.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::sample;
use image::RgbImage;
use sagitta::pose::blazepose::BlazePoseOptions;
use sagitta::pose::models::ModelSet;
use sagitta::pose::{BlazePose, Joint, Keypoint, Pose, PoseError, PoseSource, PoseTimings};
use sagitta::schema::{Analysis, PoseReport, ProtocolKind, SelectedBy};
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
    // The keypoints and counts pass through; how the person was chosen
    // (`--person`) is the model's to say, and a given source says nothing;
    // this one gives no mask, so the document keeps none.
    assert_eq!(found.pose.person.map(|p| p.by), Some(SelectedBy::Largest));
    assert_eq!(given.pose.person, None);
    assert!(found.pose.person_mask.is_some());
    let unchosen = PoseReport {
        person: None,
        person_mask: None,
        ..found.pose.clone()
    };
    assert_eq!(given.pose, unchosen);
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
    assert_eq!(a.declined_reason(), b.declined_reason(), "{name}");
    match (a.value_deg(), b.value_deg()) {
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
        assert!(
            found.measurements[name].declined_reason().is_none(),
            "{name}"
        );
        let reason = given.measurements[name].declined_reason().expect(name);
        assert!(reason.contains("no person mask"), "{name}: {reason}");
    }
    for name in ["trunk_inclination", "standing_hip_flexion", "knee_flexion"] {
        assert!(found.measurements[name].value_deg().is_some(), "{name}");
        assert_close(&found, &given, name);
    }
}

/// BlazePose with its keypoints rounded as the document reports them (to
/// 0.01 px), so that only the mask differs from a saved analysis read back.
struct Rounded(BlazePose);

impl PoseSource for Rounded {
    fn estimate(&mut self, image: &RgbImage) -> Result<(Pose, PoseTimings), PoseError> {
        let (pose, timings) = self.0.estimate(image)?;
        let reported = Pose::from_report(&pose.report(), pose.model.clone()).unwrap();
        Ok((
            Pose {
                keypoints: reported.keypoints,
                ..pose
            },
            timings,
        ))
    }
}

/// The mask a document keeps answers every question the measurements ask
/// as the model's own did: the same keypoints measured with the model's
/// mask and with the one read back from the document give identical
/// measurements, values, points and traced outlines alike.
#[test]
fn a_saved_mask_measures_as_the_models_own() {
    let options = AnalyzerOptions::default();
    let models = ModelSet::locate(options.model, None).unwrap();
    let mut outline_values = 0;
    for name in [
        "standing_anterior_tilt.jpg",
        "standing_neutral.jpg",
        "standing_posterior_tilt.jpg",
        "thomas_short_left.jpg",
        "walker_03.jpg",
    ] {
        let photo = sample(name);
        let model = BlazePose::load(
            &models,
            &BlazePoseOptions {
                model: options.model,
                model_dir: None,
                threads: options.inference_threads,
                pose: options.pose,
                second_look: options.model,
            },
        )
        .unwrap();
        let found = Analyzer::with_source(Box::new(Rounded(model)), &options)
            .unwrap()
            .analyze(&photo)
            .unwrap();
        let saved = Pose::from_report(&found.pose, found.model.clone()).unwrap();
        assert!(saved.mask.is_some(), "{name}");
        let given = Analyzer::with_source(Box::new(Given(saved)), &options)
            .unwrap()
            .analyze(&photo)
            .unwrap();
        assert_eq!(given.measurements, found.measurements, "{name}");
        outline_values += [
            "pelvic_tilt",
            "lumbar_lordosis_depth",
            "craniovertebral_angle",
        ]
        .iter()
        .filter(|m| {
            found
                .measurements
                .get(**m)
                .is_some_and(|m| m.declined_reason().is_none())
        })
        .count();
    }
    // The three standing samples trace all three outlines.
    assert!(outline_values >= 9, "{outline_values}");
}

/// A source whose first look bends the near knee of a standing body and
/// whose closer look (the crop the body's own keypoints imply) gives `closer`;
/// it counts the closer looks asked for.
struct SecondOpinion {
    first: Pose,
    closer: Pose,
    closer_looks: Arc<AtomicUsize>,
}

impl PoseSource for SecondOpinion {
    fn estimate(&mut self, _image: &RgbImage) -> Result<(Pose, PoseTimings), PoseError> {
        Ok((self.first.clone(), PoseTimings::default()))
    }

    fn look_closer(
        &mut self,
        _image: &RgbImage,
        _timings: &mut PoseTimings,
    ) -> Result<Option<Pose>, PoseError> {
        self.closer_looks.fetch_add(1, Ordering::SeqCst);
        Ok(Some(self.closer.clone()))
    }
}

/// The standing sample's pose with the near lower leg swung back by
/// `degrees` about the knee (the ankle, heel and toes moved with it), as a
/// first look that misplaces the foot of a standing person would read it.
fn with_knee_bent(doc: &Analysis, degrees: f32) -> Pose {
    let mut pose = given_from(doc).0;
    let near = match doc.protocol.near_side {
        Some(sagitta::schema::Side::Left) => "left",
        Some(sagitta::schema::Side::Right) => "right",
        None => panic!("a standing analysis names its near side"),
    };
    let backward = match doc.protocol.facing {
        Some(sagitta::schema::Facing::ImageLeft) => 1.0f32,
        Some(sagitta::schema::Facing::ImageRight) => -1.0,
        other => panic!("a side view faces left or right, not {other:?}"),
    };
    let at = |pose: &Pose, name: &str| pose.keypoints[Joint::from_name(name).unwrap().index()];
    let knee = at(&pose, &format!("{near}_knee"));
    let ankle = at(&pose, &format!("{near}_ankle"));
    let shank = (ankle.x - knee.x).hypot(ankle.y - knee.y);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (dx, dy) = (
        knee.x + backward * shank * sin - ankle.x,
        knee.y + shank * cos - ankle.y,
    );
    for part in ["ankle", "heel", "foot_index"] {
        let k = &mut pose.keypoints[Joint::from_name(&format!("{near}_{part}")).unwrap().index()];
        k.x += dx;
        k.y += dy;
    }
    pose
}

fn assert_refused_as_a_step(analysis: &Analysis) {
    assert_eq!(analysis.protocol.kind, ProtocolKind::Unsupported);
    assert!(
        analysis.protocol.reason.starts_with("mid-stride"),
        "{}",
        analysis.protocol.reason
    );
}

/// Measured as standing, with the leg measurements declined because a step
/// could not be ruled out.
fn assert_standing_with_legs_in_doubt(analysis: &Analysis) {
    assert_eq!(analysis.protocol.kind, ProtocolKind::Standing);
    assert!(analysis.protocol.valid);
    assert!(
        analysis.protocol.unconfirmed[0].contains("neither shown nor ruled out"),
        "{:?}",
        analysis.protocol.unconfirmed
    );
    let knee = &analysis.measurements["knee_flexion"];
    assert!(
        knee.declined_reason()
            .is_some_and(|r| r.contains("could not be ruled out")),
        "{knee:?}"
    );
    assert!(
        analysis.measurements["trunk_inclination"]
            .value_deg()
            .is_some()
    );
}

/// An upright body whose knee reads bent within the keypoints' error of the
/// stance limit (25 degrees, 7.1 of error) is measured as standing with its
/// legs declined, and gets the closer look; where that shows a stance, the
/// photo is measured as standing from it, legs and all.
#[test]
fn a_standing_body_with_a_doubtful_knee_is_measured_from_a_closer_look() {
    let photo = sample("standing_neutral.jpg");
    let options = AnalyzerOptions::default();
    let found = Analyzer::new(&options).unwrap().analyze(&photo).unwrap();
    assert_eq!(found.protocol.kind, ProtocolKind::Standing);
    let bent = with_knee_bent(&found, 30.0);

    // Alone, the bent first look leaves the legs in doubt.
    let mut alone = Analyzer::with_source(Box::new(Given(bent.clone())), &options).unwrap();
    assert_standing_with_legs_in_doubt(&alone.analyze(&photo).unwrap());

    let looks = Arc::new(AtomicUsize::new(0));
    let source = SecondOpinion {
        first: bent,
        closer: given_from(&found).0,
        closer_looks: looks.clone(),
    };
    let mut analyzer = Analyzer::with_source(Box::new(source), &options).unwrap();
    let looked = analyzer.analyze(&photo).unwrap();
    assert_eq!(looks.load(Ordering::SeqCst), 1);
    assert_eq!(looked.protocol.kind, ProtocolKind::Standing);
    assert!(looked.protocol.valid);
    assert!(looked.protocol.unconfirmed.is_empty());
    assert_eq!(looked.pose.keypoints, found.pose.keypoints);
    assert_close(&found, &looked, "knee_flexion");
}

/// A closer look that still shows no stance leaves the first reading, and a
/// knee bent well past the limit (80 degrees, the other leg straight: a
/// step) is refused without one.
#[test]
fn a_closer_look_is_kept_only_where_it_shows_a_stance_and_asked_only_in_doubt() {
    let photo = sample("standing_neutral.jpg");
    let options = AnalyzerOptions::default();
    let found = Analyzer::new(&options).unwrap().analyze(&photo).unwrap();

    for (first, closer, asked) in [(30.0, 60.0, 1), (80.0, 0.0, 0)] {
        let first_pose = with_knee_bent(&found, first);
        let looks = Arc::new(AtomicUsize::new(0));
        let source = SecondOpinion {
            first: first_pose.clone(),
            closer: with_knee_bent(&found, closer),
            closer_looks: looks.clone(),
        };
        let mut analyzer = Analyzer::with_source(Box::new(source), &options).unwrap();
        let result = analyzer.analyze(&photo).unwrap();
        if asked == 1 {
            assert_standing_with_legs_in_doubt(&result);
        } else {
            assert_refused_as_a_step(&result);
        }
        let alone = Analyzer::with_source(Box::new(Given(first_pose)), &options)
            .unwrap()
            .analyze(&photo)
            .unwrap();
        assert_eq!(
            result.pose.keypoints, alone.pose.keypoints,
            "knee bent {first}"
        );
        assert_eq!(looks.load(Ordering::SeqCst), asked, "knee bent {first}");
    }
}
