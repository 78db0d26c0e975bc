//! Accuracy on rendered people whose angles are known exactly
//! (samples/render/): the committed renders in `samples/` and `tests/renders/`
//! must be detected as the protocol they show, and every angle must lie
//! within the error the accuracy benchmark measured for its method
//! (benches/README.md, "Accuracy against rendered ground truth").

use crate::common;

use std::path::{Path, PathBuf};

use sagitta::measure::MeasureOptions;
use sagitta::schema::{Analysis, ProtocolKind};
use sagitta::{Analyzer, AnalyzerOptions};
use serde_json::Value;

/// Largest error allowed per measurement, against the angle as posed in 3D:
/// the worst error of the accuracy sweep (88 renders, benches/README.md) for
/// that measurement and protocol with a quarter more for headroom (the
/// committed renders are other draws from the same population, and one
/// sweep's worst case is not the population's), rounded up to the degree.
fn tolerance_deg(protocol: &str, measurement: &str) -> f64 {
    match (protocol, measurement) {
        ("standing", "trunk_inclination") => 9.0,
        ("standing", "standing_hip_flexion") => 14.0,
        ("standing", "knee_flexion") => 11.0,
        ("standing", "pelvic_tilt") => 16.0,
        ("thomas_test", "hip_extension") => 7.0,
        ("thomas_test", "knee_flexion") => 6.0,
        ("thomas_test", "trunk_tilt") => 8.0,
        // The head angle and the held hip: measured against a different
        // landmark than the keypoint (pinna centre, held thigh under the
        // hands), with no tolerance to hold here.
        _ => f64::INFINITY,
    }
}

struct Render {
    image: PathBuf,
    truth: Value,
}

fn renders() -> Vec<Render> {
    let mut found = Vec::new();
    for dir in [
        common::repo().join("samples"),
        common::repo().join("tests/renders"),
    ] {
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".truth.json"))
            .collect();
        names.sort();
        for truth_path in names {
            let truth = common::read_json(&truth_path);
            let image = dir.join(truth["image"]["file"].as_str().unwrap());
            found.push(Render { image, truth });
        }
    }
    assert!(
        found.len() >= 6,
        "the committed renders are missing: {found:?}",
        found = found.len()
    );
    found
}

/// Each render analysed as a clinician who knows the camera roll would run it.
fn analyze_all(renders: &[Render]) -> Vec<Analysis> {
    renders
        .iter()
        .map(|r| {
            let roll = r.truth["camera"]["vertical_appears_turned_cw_deg"]
                .as_f64()
                .unwrap_or(0.0);
            let mut analyzer = Analyzer::new(&AnalyzerOptions {
                measure: MeasureOptions {
                    camera_roll_deg: (roll != 0.0).then_some(roll),
                    ..MeasureOptions::default()
                },
                ..AnalyzerOptions::default()
            })
            .unwrap();
            let analysis = analyzer.analyze(&r.image).unwrap();
            common::assert_document_valid("analysis", &analysis);
            analysis
        })
        .collect()
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn renders_are_detected_and_measured_within_the_benchmarked_error() {
    let renders = renders();
    let analyses = analyze_all(&renders);
    let mut failures = Vec::new();
    for (render, analysis) in renders.iter().zip(&analyses) {
        let expected = match render.truth["protocol"].as_str().unwrap() {
            "standing" => ProtocolKind::Standing,
            "thomas_test" => ProtocolKind::ThomasTest,
            other => panic!("unknown protocol {other}"),
        };
        if analysis.protocol.kind != expected {
            failures.push(format!(
                "{}: {:?} instead of {expected:?} ({})",
                name(&render.image),
                analysis.protocol.kind,
                analysis.protocol.reason
            ));
            continue;
        }
        let protocol = render.truth["protocol"].as_str().unwrap();
        for (measurement, truth) in render.truth["angles_3d_deg"].as_object().unwrap() {
            let tolerance = tolerance_deg(protocol, measurement);
            let Some(got) = analysis.measurements.get(measurement) else {
                continue;
            };
            let truth = truth.as_f64().unwrap();
            match got.value_deg() {
                Some(value) if (value - truth).abs() > tolerance => failures.push(format!(
                    "{}: {measurement} {value:.1}, true {truth:.1} (tolerance {tolerance})",
                    name(&render.image),
                )),
                None if tolerance.is_finite() => failures.push(format!(
                    "{}: {measurement} declined: {:?}",
                    name(&render.image),
                    got.declined_reason()
                )),
                _ => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_thomas_test_samples_get_the_finding_their_true_angle_implies() {
    let renders: Vec<_> = renders()
        .into_iter()
        .filter(|r| r.truth["protocol"] == "thomas_test")
        .collect();
    let analyses = analyze_all(&renders);
    for (render, analysis) in renders.iter().zip(&analyses) {
        let true_hip = render.truth["angles_3d_deg"]["hip_extension"]
            .as_f64()
            .unwrap();
        // Only where the truth is clear of the cut-off by more than the
        // tolerance can the finding be required either way.
        if true_hip.abs() <= tolerance_deg("thomas_test", "hip_extension") {
            continue;
        }
        let fired = analysis
            .findings
            .iter()
            .any(|f| f.id == "short_hip_flexors");
        assert_eq!(
            fired,
            true_hip < 0.0,
            "{}: true hip extension {true_hip:.1}, findings {:?}",
            name(&render.image),
            analysis.findings
        );
    }
}

#[test]
fn the_pelvic_estimate_orders_the_standing_samples_by_their_true_tilt() {
    let mut standing: Vec<(f64, f64)> = Vec::new();
    let renders: Vec<_> = renders()
        .into_iter()
        .filter(|r| r.image.starts_with(common::repo().join("samples")))
        .filter(|r| r.truth["protocol"] == "standing")
        .collect();
    for (render, analysis) in renders.iter().zip(analyze_all(&renders)) {
        let truth = render.truth["angles_3d_deg"]["pelvic_tilt"]
            .as_f64()
            .unwrap();
        let estimate = analysis.measurements["pelvic_tilt"]
            .value_deg()
            .unwrap_or_else(|| panic!("{}: pelvic tilt declined", name(&render.image)));
        standing.push((truth, estimate));
    }
    assert!(standing.len() >= 3, "{standing:?}");
    standing.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(
        standing.windows(2).all(|w| w[0].1 < w[1].1),
        "estimates out of the true order: {standing:?}"
    );
}

/// The spine curves follow the posed tilt on the committed renders as they
/// do on the accuracy sweep: lumbar_lordosis_depth lies within the sweep's
/// worst leave-one-out error (0.063 trunk lengths, benches/README.md "Spine
/// curves") plus a quarter of headroom of the line fitted there, and no
/// posture call contradicts the true tilt (a posterior pelvis is never called
/// anterior, nor an anterior one posterior).
#[test]
fn the_spine_curves_follow_the_posed_tilt_and_no_call_contradicts_it() {
    const DEPTH_AT_13_DEG: f64 = 0.0796;
    const DEPTH_PER_DEG: f64 = 0.00198;
    const TOLERANCE: f64 = 0.063 * 1.25;
    let renders: Vec<_> = renders()
        .into_iter()
        .filter(|r| r.truth["protocol"] == "standing")
        .collect();
    assert!(renders.len() >= 7);
    for (render, analysis) in renders.iter().zip(analyze_all(&renders)) {
        let tilt = render.truth["angles_3d_deg"]["pelvic_tilt"]
            .as_f64()
            .unwrap();
        let depth = &analysis.measurements["lumbar_lordosis_depth"];
        let value = depth
            .value()
            .unwrap_or_else(|| panic!("{}: {depth:?}", name(&render.image)));
        let expected = DEPTH_AT_13_DEG + DEPTH_PER_DEG * (tilt - 13.0);
        assert!(
            (value - expected).abs() <= TOLERANCE,
            "{}: depth {value}, expected {expected:.3} for a tilt of {tilt}",
            name(&render.image)
        );
        let pattern = analysis.measurements["pelvic_pattern"].classification();
        if tilt < 0.0 {
            assert_ne!(pattern, Some("anterior"), "{}", name(&render.image));
        }
        if tilt > 23.0 {
            assert_ne!(pattern, Some("posterior"), "{}", name(&render.image));
        }
    }
}
