//! Measurements on real photos: what they must show, what they must decline,
//! and marker dots drawn onto a real photo at known points.

use crate::common;

use std::path::Path;

use sagitta::measure::{MarkerColor, MeasureOptions, PelvisInput, ProtocolChoice, Refusal};
use sagitta::pose::{Joint, ModelKind};
use sagitta::schema::{Analysis, AssessmentStatus, ProtocolKind};
use sagitta::{Analyzer, AnalyzerOptions};

fn analyze(path: &Path, measure: MeasureOptions) -> Analysis {
    let mut analyzer = Analyzer::new(&AnalyzerOptions {
        measure,
        ..AnalyzerOptions::default()
    })
    .unwrap();
    let analysis = analyzer.analyze(path).unwrap();
    common::assert_document_valid("analysis", &analysis);
    analysis
}

/// The standing pair cut below the knees, as a photo that leaves the legs
/// out is. The relaxed one at 75 % of its height: with less of the body in
/// view the first look reads its side view at 0.46 (0.62 whole), within the
/// keypoints' scatter of the 0.5 limit, and the second look on the crop its
/// keypoints imply reads 0.53. The tucked one at 60 %: the model puts the
/// near knee at the bottom edge, unseen (visibility under 0.5), and the
/// thigh read off it lies about 50 degrees forward, as in sitting. Each was
/// refused ("frontal or oblique", "seated or crouching"); each is assessed.
#[test]
fn a_standing_photo_cut_below_the_knees_is_assessed_not_refused() {
    for (name, kept) in [
        ("Standing_Pelvic_Tilt__0.jpg", 0.75),
        ("Standing_Pelvic_Tilt__1.jpg", 0.6),
    ] {
        let Some(path) = common::shared_photo(&format!("free_exercise_db_stretches/{name}")) else {
            return;
        };
        let photo = image::open(&path).unwrap().to_rgb8();
        let (width, height) = photo.dimensions();
        let rows = (f64::from(height) * kept) as u32;
        let cut = image::imageops::crop_imm(&photo, 0, 0, width, rows).to_image();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut_below_the_knees.png");
        cut.save(&path).unwrap();
        let analysis = analyze(&path, MeasureOptions::default());
        assert_eq!(
            analysis.protocol.kind,
            ProtocolKind::Standing,
            "{name}: {:?}",
            analysis.protocol
        );
        assert!(analysis.protocol.valid, "{name}");
        assert!(analysis.protocol.lateral_score >= 0.5, "{name}");
        assert!(
            analysis.measurements["trunk_inclination"]
                .value_deg()
                .is_some()
        );
        assert!(analysis.measurements["pelvic_tilt"].value_deg().is_some());
        assert!(
            analysis.measurements["knee_flexion"]
                .declined_reason()
                .is_some(),
            "{name}: the knees are not in the photo"
        );
    }
}

#[test]
fn pelvic_tilt_pair_is_ordered_and_ankle_measures_are_declined() {
    let (Some(relaxed), Some(tucked)) = (
        common::shared_photo("free_exercise_db_stretches/Standing_Pelvic_Tilt__0.jpg"),
        common::shared_photo("free_exercise_db_stretches/Standing_Pelvic_Tilt__1.jpg"),
    ) else {
        return;
    };
    let relaxed = analyze(&relaxed, MeasureOptions::default());
    let tucked = analyze(&tucked, MeasureOptions::default());
    for analysis in [&relaxed, &tucked] {
        assert_eq!(
            analysis.protocol.kind,
            ProtocolKind::Standing,
            "{:?}",
            analysis.protocol
        );
        // The feet are cut off by the frame: everything that needs the ankle is declined.
        for name in [
            "knee_flexion",
            "plumb_ear",
            "plumb_shoulder",
            "plumb_hip",
            "plumb_knee",
        ] {
            assert!(
                analysis.measurements[name].declined_reason().is_some(),
                "{name}: {:?}",
                analysis.measurements[name]
            );
        }
    }
    // Both outlines are partly hidden in the relaxed photo (a loose shirt
    // hangs over the back, a hand over the front), but enough of them is
    // left to estimate; declining here would be the "mostly declines" failure.
    let tilt = |a: &Analysis| {
        let m = &a.measurements["pelvic_tilt"];
        assert_eq!(m.method(), "estimate");
        m.value_deg()
            .unwrap_or_else(|| panic!("{}: {m:?}", a.image.path))
    };
    let (relaxed_deg, tucked_deg) = (tilt(&relaxed), tilt(&tucked));
    // 'Tailbone forward' is a posterior tilt relative to the relaxed stance.
    assert!(
        tucked_deg < relaxed_deg,
        "relaxed {relaxed_deg}, tucked {tucked_deg}"
    );
    // The loose shirt is said, not hidden.
    assert!(
        relaxed
            .warnings
            .iter()
            .any(|w| w.to_string().contains("hangs straight")),
        "{:?}",
        relaxed.warnings
    );
    // In the relaxed photo the near forearm hangs over the belly, so the back
    // outline (the hanging shirt) is weighed in: with both outlines that
    // weak the estimate's confidence falls under the floor, and the pelvic
    // pattern is shown but not called, with the reason.
    assert!(
        relaxed.warnings.iter().any(|w| w
            .to_string()
            .contains("an arm lies along most of the front outline")),
        "{:?}",
        relaxed.warnings
    );
    let relaxed_pattern = &relaxed.measurements["pelvic_pattern"];
    assert!(
        relaxed_pattern
            .declined_reason()
            .is_some_and(|r| r.contains("under the floor")),
        "{relaxed_pattern:?}"
    );
    // The tucked (posterior) stance is never called anterior: its pattern is
    // made, with next to no anterior probability, and no anterior finding or
    // pattern-specific routine comes from it.
    let tucked_pattern = &tucked.measurements["pelvic_pattern"];
    assert!(
        tucked_pattern.declined_reason().is_none(),
        "{tucked_pattern:?}"
    );
    assert!(
        tucked_pattern.probabilities()["anterior"] < 0.05,
        "{tucked_pattern:?}"
    );
    assert_ne!(tucked_pattern.classification(), Some("anterior"));
    let total: f64 = tucked_pattern.probabilities().values().sum();
    assert!((total - 1.0).abs() < 0.01);
    assert_ne!(
        tucked.measurements["pelvic_pattern"].classification(),
        Some("neutral"),
        "the tucked stance's estimate is far below the neutral range"
    );
    assert!(
        !tucked
            .findings
            .iter()
            .any(|f| f.id == "marked_anterior_tilt"
                || f.id == "lordotic_posture"
                || f.id == "kyphotic_lordotic_posture")
    );
}

/// Hand measurement of On-Your-Back_Quad_Stretch__0.jpg (850x567), picked by
/// eye on 2x and 3x crops with a pixel grid before comparing: near (left)
/// leg hip (290, 240) (mid-depth of the pelvis above the bench end), knee
/// (118, 233) (behind the kneecap), ankle (205, 402) (above the shoe collar of
/// the foot whose heel sits by the bench leg). Thigh: 2.3 degrees above
/// horizontal (hip_extension -2.3); knee flexion 119.5 degrees.
const HAND_HIP_EXTENSION: f64 = -2.3;
const HAND_KNEE_FLEXION: f64 = 119.5;
/// The issue asks for both angles within 5 degrees of the hand measurement.
/// Pose-model angles carry 4-8 degrees of error (CLINICAL.md 4.1, 4.8), and
/// the full model read this knee at 108.9 degrees (10.6 off); the heavy model,
/// which the analyzer switches to for Thomas-test photos by default, reads
/// 117.9 (thigh -0.6). 5 degrees leaves room for ONNX Runtime's small
/// numerical drift across machines, not for the full model's error.
const TOLERANCE: f64 = 5.0;

#[test]
fn supine_quad_stretch_is_unsupported_but_measurable_when_forced() {
    let Some(path) =
        common::shared_photo("free_exercise_db_stretches/On-Your-Back_Quad_Stretch__0.jpg")
    else {
        return;
    };
    let auto = analyze(&path, MeasureOptions::default());
    assert_eq!(auto.protocol.kind, ProtocolKind::Unsupported);
    assert!(
        auto.protocol.reason.contains("knee held to the chest"),
        "{}",
        auto.protocol.reason
    );
    assert!(auto.findings.is_empty());

    let forced = analyze(
        &path,
        MeasureOptions {
            protocol: ProtocolChoice::ThomasTest,
            ..Default::default()
        },
    );
    assert_eq!(forced.protocol.kind, ProtocolKind::ThomasTest);
    assert!(!forced.protocol.valid);
    assert!(
        forced.findings.is_empty(),
        "an invalid test yields no findings"
    );
    // No classification tags, no borderline values, no routine: not assessed.
    for (name, m) in &forced.measurements {
        assert_eq!(m.classification(), None, "{name}");
        assert!(m.borderline().is_empty(), "{name}");
    }
    assert!(forced.borderline.is_empty());
    assert_eq!(forced.assessment.status, AssessmentStatus::NotAssessed);
    assert!(forced.routine.is_none());
    // The leg hanging off the bench end is the test leg, and the reason says so.
    assert!(
        forced.protocol.reason.contains("the leg hanging lowest"),
        "{}",
        forced.protocol.reason
    );
    let hip = forced.measurements["hip_extension"].value_deg().unwrap();
    let knee = forced.measurements["knee_flexion"].value_deg().unwrap();
    assert!(
        (hip - HAND_HIP_EXTENSION).abs() <= TOLERANCE,
        "hip_extension {hip}"
    );
    assert!(
        (knee - HAND_KNEE_FLEXION).abs() <= TOLERANCE,
        "knee_flexion {knee}"
    );
    // The test leg was measured with the Thomas-test model, and the output says which.
    assert_eq!(forced.model.kind, ModelKind::Heavy);
    assert_eq!(forced.model.landmark.name, "pose_landmark_heavy");
    // A lying body gets the second look even where it shows no Thomas test.
    assert_eq!(auto.model.kind, ModelKind::Heavy);
}

#[test]
fn seated_photos_are_unsupported_for_standing_measures() {
    for name in [
        "bench_feet_dangling.jpg",
        "desk_hunch.jpeg",
        "hunchback_left.jpg",
        "hunchback_right.jpg",
        "straight_armsfolded.jpg",
        "reclined_right.jpg",
        "kneeling_right.jpg",
    ] {
        let Some(path) = common::shared_photo(&format!("openposture_fixtures/{name}")) else {
            return;
        };
        let analysis = analyze(&path, MeasureOptions::default());
        assert_eq!(
            analysis.protocol.kind,
            ProtocolKind::Unsupported,
            "{name}: {:?}",
            analysis.protocol
        );
        assert!(analysis.measurements.is_empty(), "{name}");
        assert!(analysis.protocol.retake.is_some());
    }
}

#[test]
fn marker_dots_drawn_on_a_photo_give_the_known_angle() {
    // walker_03 is mid-stride, so standing is forced: the markers are still
    // measured, but the invalid protocol gives them no classification.
    let sample = common::sample("walker_03.jpg");
    let forced = || MeasureOptions {
        protocol: ProtocolChoice::Standing,
        ..Default::default()
    };
    let plain = analyze(&sample, forced());
    assert_eq!(plain.protocol.kind, ProtocolKind::Standing);
    assert!(!plain.protocol.valid);
    let near_hip = match plain.protocol.near_side {
        Some(sagitta::schema::Side::Left) => Joint::LeftHip,
        _ => Joint::RightHip,
    };
    let hip = plain.pose.keypoint(near_hip.name()).unwrap();
    // She faces the image's left: the ASIS lies to the left of the PSIS.
    assert_eq!(
        plain.protocol.facing,
        Some(sagitta::schema::Facing::ImageLeft)
    );
    let asis = (hip.x as f64 - 22.0, hip.y as f64 - 14.0);
    let psis = (hip.x as f64 + 24.0, hip.y as f64 - 21.0);
    let expected = ((asis.1 - psis.1) / (psis.0 - asis.0)).atan().to_degrees();

    let mut photo = image::open(&sample).unwrap().to_rgb8();
    for (cx, cy) in [asis, psis] {
        imageproc::drawing::draw_filled_circle_mut(
            &mut photo,
            (cx.round() as i32, cy.round() as i32),
            4,
            image::Rgb([230, 25, 25]),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let marked = dir.path().join("marked.png");
    photo.save(&marked).unwrap();

    let options = MeasureOptions {
        pelvis: PelvisInput::Markers("red".parse::<MarkerColor>().unwrap()),
        ..forced()
    };
    let analysis = analyze(&marked, options);
    let tilt = &analysis.measurements["pelvic_tilt"];
    assert_eq!(tilt.method(), "markers");
    assert_eq!(tilt.uncertainty_deg(), Some(3.6));
    assert_eq!(tilt.classification(), None, "invalid protocol: no tags");
    assert!(analysis.findings.is_empty() && analysis.borderline.is_empty());
    let value = tilt.value_deg().unwrap_or_else(|| panic!("{tilt:?}"));
    assert!(
        (value - expected).abs() <= 1.0,
        "expected {expected:.2}, got {value}"
    );

    // A third dot is one too many: a clear decline, not a guess.
    imageproc::drawing::draw_filled_circle_mut(
        &mut photo,
        (hip.x as i32, hip.y as i32 + 30),
        4,
        image::Rgb([230, 25, 25]),
    );
    photo.save(&marked).unwrap();
    let options = MeasureOptions {
        pelvis: PelvisInput::Markers("red".parse::<MarkerColor>().unwrap()),
        ..forced()
    };
    let tilt = &analyze(&marked, options).measurements["pelvic_tilt"];
    assert!(
        tilt.declined_reason()
            .unwrap()
            .contains("found 3 marker dots"),
        "{tilt:?}"
    );
}

/// Every photo at hand (both shared folders and the samples): the issue saw
/// all of them get the same routine. Now a photo that was not assessed gets
/// none, and says why and how to retake it; one that was assessed says so.
#[test]
fn no_photo_that_was_not_assessed_gets_a_routine() {
    let mut photos: Vec<std::path::PathBuf> = [
        "walker_01",
        "walker_02",
        "walker_03",
        "walker_04",
        "walker_rotated90",
    ]
    .iter()
    .map(|name| common::sample(&format!("{name}.jpg")))
    .collect();
    for folder in ["free_exercise_db_stretches", "openposture_fixtures"] {
        // Gate on one known photo (skipped, or failing in CI, when absent).
        let Some(known) = common::shared_photo(&format!("{folder}/../SOURCES.md")) else {
            return;
        };
        let dir = known.parent().unwrap().join(folder);
        let mut found: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "jpg" || e == "jpeg"))
            .collect();
        found.sort();
        photos.extend(found);
    }
    assert!(photos.len() >= 49, "{}", photos.len());
    let mut analyzer = Analyzer::new(&AnalyzerOptions {
        thomas_model: ModelKind::Full,
        ..AnalyzerOptions::default()
    })
    .unwrap();
    for path in &photos {
        let a = analyzer.analyze(path).unwrap();
        common::assert_document_valid("analysis", &a);
        let name = path.file_name().unwrap().to_string_lossy();
        match a.assessment.status {
            AssessmentStatus::NotAssessed => {
                assert!(
                    a.routine.is_none(),
                    "{name}: a routine without an assessment"
                );
                assert!(!a.assessment.reasons.is_empty(), "{name}");
                assert!(a.assessment.retake.is_some(), "{name}");
                assert!(a.findings.is_empty(), "{name}");
            }
            _ => {
                assert!(a.protocol.valid, "{name}");
                let routine = a
                    .routine
                    .as_ref()
                    .expect("an assessed photo gets a routine");
                assert!(!routine.general);
                // Nobody was asked the warning-sign questions here.
                assert_eq!(routine.screening_questions.len(), 8, "{name}");
            }
        }
        assert_eq!(
            a.screening.status,
            sagitta::schema::ScreeningStatus::NotAsked
        );
        // Every value that was classified is reliable.
        for (m_name, m) in &a.measurements {
            if m.classification().is_some() {
                assert!(m.unreliable().is_none(), "{name} {m_name}");
            }
        }
    }
}

/// The bundled walking frames are refused as a step (issue 22: walker_01
/// read "kneeling, lunging or squatting"), with the advice for a step,
/// whichever landmark model reads them.
#[test]
fn the_walking_frames_are_refused_as_a_step() {
    for model in [ModelKind::Lite, ModelKind::Full, ModelKind::Heavy] {
        let mut analyzer = Analyzer::new(&AnalyzerOptions {
            model,
            ..AnalyzerOptions::default()
        })
        .unwrap();
        for name in ["walker_01", "walker_02", "walker_03", "walker_04"] {
            let a = analyzer
                .analyze(&common::sample(&format!("{name}.jpg")))
                .unwrap();
            let name = format!("{name} ({model:?})");
            common::assert_document_valid("analysis", &a);
            assert_eq!(a.protocol.kind, ProtocolKind::Unsupported, "{name}");
            assert!(
                a.protocol.reason.starts_with("mid-stride")
                    && a.protocol.reason.contains("as in a step"),
                "{name}: {}",
                a.protocol.reason
            );
            assert_eq!(a.assessment.status, AssessmentStatus::NotAssessed);
            assert_eq!(
                a.assessment.retake.as_deref(),
                Some(Refusal::Step.advice()),
                "{name}"
            );
            assert!(a.routine.is_none());
            assert!(!a.measurements.contains_key("posture_type"));
        }
    }
}

/// walker_02 turned a quarter turn lies level, but its legs are a step
/// (the thighs about 50 degrees apart): turned upright it would not be a
/// standing side view, so it gets no hint to rotate the photo, and is
/// refused as what it shows lying down.
#[test]
fn the_rotated_walking_frame_gets_no_hint_to_rotate_it() {
    let a = analyze(
        &common::sample("walker_rotated90.jpg"),
        MeasureOptions::default(),
    );
    assert_eq!(a.protocol.kind, ProtocolKind::Unsupported);
    assert!(
        a.protocol
            .reason
            .starts_with("lying on the back without a knee held to the chest"),
        "{}",
        a.protocol.reason
    );
    assert_eq!(
        a.assessment.retake.as_deref(),
        Some(Refusal::NoHeldKnee.advice())
    );
}

/// Advice for a Thomas test never asks the person to stand (issue 22:
/// thomas_short_left.jpg was told "standing still on both feet").
#[test]
fn thomas_test_samples_get_thomas_test_advice() {
    let mut analyzer = Analyzer::new(&AnalyzerOptions::default()).unwrap();
    let mut advised = 0;
    for name in [
        "thomas_short_left",
        "thomas_short_right",
        "thomas_normal_left",
    ] {
        let a = analyzer
            .analyze(&common::sample(&format!("{name}.jpg")))
            .unwrap();
        assert_eq!(a.protocol.kind, ProtocolKind::ThomasTest, "{name}");
        for advice in [&a.protocol.retake, &a.assessment.retake]
            .into_iter()
            .flatten()
        {
            advised += 1;
            assert_eq!(
                advice,
                sagitta::measure::retake_advice(ProtocolKind::ThomasTest),
                "{name}"
            );
            assert!(!advice.to_lowercase().contains("stand"), "{name}: {advice}");
        }
    }
    // thomas_short_left's held knee is hidden, so it has advice to check.
    assert!(advised > 0);
}

#[test]
fn low_confidence_values_are_unreliable_and_unclassified() {
    // A Thomas test forced on an oblique photo (side-view score about 0.2):
    // every angle's confidence falls under the 0.25 floor.
    let Some(path) = common::shared_photo("free_exercise_db_stretches/Quad_Stretch__1.jpg") else {
        return;
    };
    let a = analyze(
        &path,
        MeasureOptions {
            protocol: ProtocolChoice::ThomasTest,
            ..Default::default()
        },
    );
    let mut seen = 0;
    for (name, m) in &a.measurements {
        let Some(confidence) = m.confidence() else {
            continue;
        };
        assert!(m.value_deg().is_some(), "{name}: still shown");
        if confidence < 0.25 {
            seen += 1;
            assert!(
                m.unreliable().unwrap().contains("under the floor"),
                "{name}: {m:?}"
            );
            assert_eq!(m.classification(), None, "{name}");
        }
    }
    assert!(seen >= 2, "{:?}", a.measurements);
    assert!(a.findings.is_empty() && a.borderline.is_empty());
    assert!(a.routine.is_none());
}

#[test]
fn pelvic_landmarks_on_a_seated_photo_are_declined_with_a_warning() {
    let Some(path) = common::shared_photo("openposture_fixtures/straight_armsfolded.jpg") else {
        return;
    };
    let a = analyze(
        &path,
        MeasureOptions {
            pelvis: PelvisInput::Landmarks {
                asis: (400.0, 500.0),
                psis: (300.0, 480.0),
            },
            ..Default::default()
        },
    );
    assert_eq!(a.protocol.kind, ProtocolKind::Unsupported);
    let tilt = &a.measurements["pelvic_tilt"];
    assert_eq!(tilt.method(), "landmarks");
    assert!(tilt.declined_reason().unwrap().contains("were not used"));
    assert!(
        a.warnings
            .iter()
            .any(|w| w.to_string().contains("--asis/--psis"))
    );
}

#[test]
fn a_declined_pelvic_input_asks_for_that_input_to_be_put_right_not_a_new_photo() {
    use sagitta::measure::{CHECK_LANDMARKS, FIX_MARKERS, retake_advice};
    let photo = common::sample("standing_neutral.jpg");
    let retake = |pelvis: PelvisInput| {
        let a = analyze(
            &photo,
            MeasureOptions {
                pelvis,
                ..Default::default()
            },
        );
        assert!(
            a.measurements["pelvic_tilt"].declined_reason().is_some(),
            "{:?}",
            a.measurements["pelvic_tilt"]
        );
        a.assessment.retake.unwrap_or_default()
    };
    // A typed point far from the pelvis: the photo itself gave everything else.
    let mistyped = PelvisInput::Landmarks {
        asis: (5.0, 5.0),
        psis: (60.0, 5.0),
    };
    assert_eq!(retake(mistyped), CHECK_LANDMARKS);
    // Markers the photo does not carry: put the markers right, then retake.
    let markers = PelvisInput::Markers("magenta".parse::<MarkerColor>().unwrap());
    assert_eq!(retake(markers), FIX_MARKERS);
    // On a Thomas test the landmarks are only not used: nothing to check or
    // retake for them, and nothing that asks the person to stand.
    let thomas = analyze(
        &common::sample("thomas_short_left.jpg"),
        MeasureOptions {
            pelvis: PelvisInput::Landmarks {
                asis: (5.0, 5.0),
                psis: (60.0, 5.0),
            },
            ..Default::default()
        },
    );
    assert_eq!(thomas.protocol.kind, ProtocolKind::ThomasTest);
    let advice = thomas.assessment.retake.unwrap_or_default();
    assert!(!advice.contains(CHECK_LANDMARKS), "{advice}");
    assert!(
        !advice.contains(retake_advice(ProtocolKind::Standing)),
        "{advice}"
    );
}
