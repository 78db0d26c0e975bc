//! `sagitta compare` through the real binary: a before/after pair with a
//! known change, a left/right Thomas-test pair, the camera set-up check, and
//! every kind of bad input (exit code 2 with the file named, or 1 for a photo
//! that cannot be analysed).

use crate::common;

use std::path::{Path, PathBuf};

use common::{sagitta, sample, valid_output};
use serde_json::Value;

/// `analyze --format json` of one photo with extra arguments, saved as `name` in `dir`.
fn saved_analysis(dir: &Path, name: &str, photo: &Path, extra: &[&str]) -> PathBuf {
    let output = valid_output(
        sagitta()
            .args(["analyze", "--format", "json"])
            .args(extra)
            .arg(photo),
        "analysis",
    );
    let path = dir.join(name);
    std::fs::write(&path, output).unwrap();
    path
}

fn edit(path: &Path, change: impl FnOnce(&mut Value)) {
    let mut doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    change(&mut doc);
    std::fs::write(path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}

fn compare_json(inputs: &[&Path], extra: &[&str]) -> Value {
    let output = valid_output(
        sagitta()
            .args(["compare", "--format", "json"])
            .args(extra)
            .args(inputs),
        "compare",
    );
    serde_json::from_slice(&output).unwrap()
}

fn row<'a>(rows: &'a Value, name: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["measurement"] == name)
        .unwrap_or_else(|| panic!("no row for {name} in {rows}"))
}

/// The same photo with the pelvis given by palpated landmarks twice: level
/// (ASIS and PSIS at one height), then with the ASIS 16 px lower over 80 px,
/// an anterior tilt of atan(16/80) = 11.31 degrees. The change is exact, and
/// larger than the palpation meter's MDC95 (1.96 x sqrt(2) x 3.6 = 10.0);
/// nothing else changes. The later visit is given first: date order wins.
#[test]
fn a_known_pelvic_tilt_change_exceeds_its_mdc_and_nothing_else_changes() {
    let dir = tempfile::tempdir().unwrap();
    let photo = sample("standing_neutral.jpg");
    // The person faces the image's left: the ASIS lies left of the PSIS.
    let before = saved_analysis(
        dir.path(),
        "before.json",
        &photo,
        &[
            "--client",
            "CL-7",
            "--date",
            "2026-10-01",
            "--asis",
            "250,430",
            "--psis",
            "330,430",
        ],
    );
    let after = saved_analysis(
        dir.path(),
        "after.json",
        &photo,
        &[
            "--client",
            "CL-7",
            "--date",
            "2026-11-02",
            "--asis",
            "250,446",
            "--psis",
            "330,430",
        ],
    );
    let doc = compare_json(&[&after, &before], &[]);
    assert_eq!(
        doc["schema_version"],
        sagitta::schema::COMPARE_SCHEMA_VERSION
    );
    assert_eq!(doc["client"], "CL-7");
    assert_eq!(doc["order"], "date");
    assert_eq!(doc["inputs"][0]["session"]["date"], "2026-10-01");
    assert_eq!(doc["inputs"][0]["kind"], "analysis");
    let changes = doc["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{doc}");
    let change = &changes[0];
    assert_eq!(
        (change["baseline"].as_u64(), change["follow_up"].as_u64()),
        (Some(1), Some(2))
    );
    assert!(change["setup_differences"].as_array().unwrap().is_empty());
    let tilt = row(&change["measurements"], "pelvic_tilt");
    let expected = (16.0f64 / 80.0).atan().to_degrees();
    assert!(
        (tilt["change_deg"].as_f64().unwrap() - expected).abs() < 0.1,
        "{tilt}"
    );
    assert!((tilt["before_deg"].as_f64().unwrap()).abs() < 0.1, "{tilt}");
    assert_eq!(tilt["mdc_deg"], 10.0);
    assert_eq!(tilt["combined_uncertainty_deg"], 5.1);
    assert_eq!(tilt["exceeds_mdc"], true);
    assert_eq!(tilt["mdc_references"], serde_json::json!(["Suits2021"]));
    for name in ["knee_flexion", "trunk_inclination", "standing_hip_flexion"] {
        let same = row(&change["measurements"], name);
        assert_eq!(same["change_deg"], 0.0, "{same}");
        assert_eq!(same["exceeds_mdc"], false, "{same}");
        assert!(
            same["mdc_basis"]
                .as_str()
                .unwrap()
                .contains("derived from sagitta's stated uncertainties")
        );
    }
    // Plumb offsets have no uncertainty: skipped, with the reason (the calls
    // are compared in kind instead).
    let skipped = change["skipped"].as_array().unwrap();
    assert!(
        skipped.iter().any(|s| s["measurement"] == "plumb_hip"
            && s["reason"].as_str().unwrap().contains("stated uncertainty")),
        "{skipped:?}"
    );
    assert!(
        doc["references"]
            .as_array()
            .unwrap()
            .contains(&Value::from("Suits2021"))
    );

    let text = sagitta()
        .args(["compare"])
        .args([&before, &after])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("of client CL-7, in date order"), "{text}");
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("pelvic_tilt"))
        .unwrap();
    assert!(
        line.contains("+11.3") && line.contains("exceeds the MDC"),
        "{line}"
    );
    assert!(text.contains("Suits2021: Suits WH."), "{text}");
}

/// A change edited into a saved Thomas test: the knee 20 degrees more bent
/// exceeds its MDC (12.0 from sagitta's 7.1-degree uncertainty, above the
/// published 4.17 of Kim2015); a 5-degree change of the hip extension does
/// not exceed its 6.7.
#[test]
fn edited_thomas_test_changes_are_judged_against_their_own_mdc() {
    let dir = tempfile::tempdir().unwrap();
    let before = saved_analysis(
        dir.path(),
        "before.json",
        &sample("thomas_short_left.jpg"),
        &["--client", "CL-9"],
    );
    let after = dir.path().join("after.json");
    std::fs::copy(&before, &after).unwrap();
    let original: Value = serde_json::from_slice(&std::fs::read(&before).unwrap()).unwrap();
    let knee = original["measurements"]["knee_flexion"]["value_deg"]
        .as_f64()
        .unwrap();
    let hip = original["measurements"]["hip_extension"]["value_deg"]
        .as_f64()
        .unwrap();
    edit(&after, |doc| {
        doc["measurements"]["knee_flexion"]["value_deg"] = Value::from(knee + 20.0);
        doc["measurements"]["hip_extension"]["value_deg"] = Value::from(hip + 5.0);
    });
    let doc = compare_json(&[&before, &after], &[]);
    assert_eq!(doc["order"], "as_given");
    let change = &doc["changes"][0];
    assert_eq!(change["protocol"], "thomas_test");
    assert_eq!(change["test_leg"], "left");
    let knee_row = row(&change["measurements"], "knee_flexion");
    assert!((knee_row["change_deg"].as_f64().unwrap() - 20.0).abs() < 0.05);
    assert_eq!(knee_row["mdc_deg"], 12.0);
    assert_eq!(knee_row["exceeds_mdc"], true);
    assert!(knee_row["mdc_basis"].as_str().unwrap().contains("Kim2015"));
    let hip_row = row(&change["measurements"], "hip_extension");
    assert!((hip_row["change_deg"].as_f64().unwrap() - 5.0).abs() < 0.05);
    assert_eq!(hip_row["mdc_deg"], 7.2);
    assert_eq!(hip_row["exceeds_mdc"], false);
    assert!(
        doc["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("order given")),
        "{doc}"
    );
}

/// The rendered left and right Thomas tests (both true hip extension 15 and
/// knee flexion 80 degrees): each photo's test leg is found, the asymmetry
/// is left minus right, and it stays within the measurement error.
#[test]
fn left_and_right_thomas_tests_give_the_asymmetry_within_error() {
    let doc = compare_json(
        &[
            &sample("thomas_short_right.jpg"),
            &sample("thomas_short_left.jpg"),
        ],
        &["--client", "CL-3"],
    );
    let legs: Vec<&str> = doc["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["test_leg"].as_str().unwrap())
        .collect();
    assert_eq!(legs, ["right", "left"]);
    assert_eq!(doc["inputs"][0]["kind"], "photo");
    assert_eq!(doc["inputs"][0]["session"]["client"], "CL-3");
    assert!(doc["changes"].as_array().unwrap().is_empty(), "{doc}");
    let asymmetry = &doc["asymmetry"][0];
    assert_eq!(asymmetry["left"], 2);
    assert_eq!(asymmetry["right"], 1);
    // Photos of the two legs face opposite ways by design: not a set-up difference.
    assert!(
        asymmetry["setup_differences"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{asymmetry}"
    );
    for name in ["hip_extension", "knee_flexion"] {
        let m = row(&asymmetry["measurements"], name);
        let (left, right) = (
            m["left_deg"].as_f64().unwrap(),
            m["right_deg"].as_f64().unwrap(),
        );
        assert!(
            (m["difference_deg"].as_f64().unwrap() - (left - right)).abs() < 0.051,
            "{m}"
        );
        assert_eq!(m["exceeds_mdc"], false, "{m}");
    }
    let skipped: Vec<&str> = asymmetry["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["measurement"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["contralateral_hip_flexion", "trunk_tilt"]);
    assert_eq!(
        doc["references"],
        serde_json::json!(["Kim2015", "Peeler2007"])
    );
}

/// A right knee edited 25 degrees straighter than the left: an asymmetry
/// past the MDC.
#[test]
fn an_asymmetry_past_the_error_is_called() {
    let dir = tempfile::tempdir().unwrap();
    let left = saved_analysis(
        dir.path(),
        "left.json",
        &sample("thomas_short_left.jpg"),
        &[],
    );
    let right = saved_analysis(
        dir.path(),
        "right.json",
        &sample("thomas_short_right.jpg"),
        &[],
    );
    let left_knee = |doc: &Value| {
        doc["measurements"]["knee_flexion"]["value_deg"]
            .as_f64()
            .unwrap()
    };
    let left_doc: Value = serde_json::from_slice(&std::fs::read(&left).unwrap()).unwrap();
    let target = left_knee(&left_doc) - 25.0;
    edit(&right, |doc| {
        doc["measurements"]["knee_flexion"]["value_deg"] = Value::from(target);
    });
    let doc = compare_json(&[&left, &right], &[]);
    let knee = row(&doc["asymmetry"][0]["measurements"], "knee_flexion");
    assert!(
        (knee["difference_deg"].as_f64().unwrap() - 25.0).abs() < 0.05,
        "{knee}"
    );
    assert_eq!(knee["exceeds_mdc"], true);
}

/// Another image size and a person a third smaller: the set-up differs, the
/// keypoint angles are still compared, the pelvic outline estimate is not.
#[test]
fn a_different_camera_set_up_is_flagged_and_the_pelvic_estimate_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let before = saved_analysis(
        dir.path(),
        "before.json",
        &sample("standing_neutral.jpg"),
        &[],
    );
    let after = dir.path().join("after.json");
    std::fs::copy(&before, &after).unwrap();
    edit(&after, |doc| {
        doc["image"]["width"] = Value::from(900);
        doc["image"]["height"] = Value::from(1200);
    });
    let doc = compare_json(&[&before, &after], &[]);
    let change = &doc["changes"][0];
    let setup: Vec<&str> = change["setup_differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        setup
            .iter()
            .any(|s| s.contains("image size 600x800 in input 1 and 900x1200")),
        "{setup:?}"
    );
    assert!(
        setup.iter().any(|s| s.contains("camera distance or zoom")),
        "{setup:?}"
    );
    let tilt = change["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["measurement"] == "pelvic_tilt")
        .unwrap_or_else(|| panic!("{change}"));
    assert!(
        tilt["reason"]
            .as_str()
            .unwrap()
            .contains("one camera set-up"),
        "{tilt}"
    );
    row(&change["measurements"], "knee_flexion");
}

/// The page: both annotated photos embedded, the table, the MDC notes, no scripts.
#[test]
fn the_html_page_shows_both_photos_and_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let photo = sample("standing_neutral.jpg");
    let before = saved_analysis(dir.path(), "before.json", &photo, &["--client", "CL-7"]);
    let after = saved_analysis(dir.path(), "after.json", &photo, &["--client", "CL-7"]);
    let page = sagitta()
        .args(["compare", "--format", "html"])
        .args([&before, &after])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let page = String::from_utf8(page).unwrap();
    assert_eq!(page.matches("src=\"data:image/jpeg;base64,").count(), 2);
    assert!(page.contains("<b>client</b> CL-7"));
    assert!(
        page.contains("Before/after: Standing, [1] → [2]"),
        "{}",
        &page[..2000]
    );
    assert!(page.contains("How each minimal detectable change was set"));
    // Each measurement says once what a positive value means.
    assert_eq!(
        page.matches("+ = anterior tilt (ASIS lower than PSIS)")
            .count(),
        1
    );
    assert!(!page.contains("<script"));
}

#[test]
fn bad_inputs_are_refused_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let one = saved_analysis(
        dir.path(),
        "one.json",
        &sample("standing_neutral.jpg"),
        &["--client", "CL-1"],
    );
    let other_client = saved_analysis(
        dir.path(),
        "two.json",
        &sample("standing_neutral.jpg"),
        &["--client", "CL-2"],
    );
    let thomas = saved_analysis(
        dir.path(),
        "thomas.json",
        &sample("thomas_short_left.jpg"),
        &["--client", "CL-1"],
    );
    let not_analysis = dir.path().join("settings.json");
    std::fs::write(&not_analysis, r#"{"theme": "dark"}"#).unwrap();
    let list = dir.path().join("list.json");
    std::fs::write(&list, "[{}, {}]").unwrap();
    let fails = |args: &[&Path], code: i32, needles: &[&str]| {
        let output = sagitta()
            .arg("compare")
            .args(args)
            .assert()
            .code(code)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        for needle in needles {
            assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
    };
    fails(&[&one], 2, &["at least two analyses, got 1"]);
    fails(
        &[&one, &not_analysis],
        2,
        &["settings.json: not a sagitta analysis document"],
    );
    fails(
        &[&one, &list],
        2,
        &["list.json: holds a list of 2 analyses"],
    );
    fails(
        &[&one, &other_client],
        2,
        &[
            "different clients",
            "one.json is client \"CL-1\"",
            "two.json is client \"CL-2\"",
        ],
    );
    fails(
        &[&one, &thomas],
        2,
        &[
            "nothing to compare",
            "one.json: the only standing analysis",
            "thomas.json: the only Thomas test of the left leg",
        ],
    );
    fails(
        &[&one, &dir.path().join("missing.jpg")],
        1,
        &["missing.jpg"],
    );
    // --client must match the saved analyses.
    let output = sagitta()
        .args(["compare", "--client", "CL-2"])
        .args([&one, &thomas])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("one.json: is an analysis of client \"CL-1\", not of --client \"CL-2\"")
    );
}

/// A photo the rules could not assess (mid-stride) is compared with nothing,
/// and says why; the valid pair is still compared.
#[test]
fn an_unsupported_photo_is_named_and_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let photo = sample("standing_neutral.jpg");
    let a = saved_analysis(dir.path(), "a.json", &photo, &[]);
    let b = saved_analysis(dir.path(), "b.json", &photo, &[]);
    let walking = saved_analysis(dir.path(), "walking.json", &sample("walker_03.jpg"), &[]);
    let doc = compare_json(&[&a, &b, &walking], &[]);
    assert_eq!(doc["changes"].as_array().unwrap().len(), 1);
    let not = &doc["not_compared"][0];
    assert_eq!(not["input"], 3);
    assert!(
        not["reason"]
            .as_str()
            .unwrap()
            .contains("no posture sagitta can assess"),
        "{not}"
    );
}

/// Rendered Thomas tests of one left leg, short then normal (true hip
/// extension -10 then +15, knee flexion 60 then 80 degrees: +25 and +20),
/// analysed on the spot: both changes exceed their MDC, within the sweep's
/// worst errors of the truth.
#[test]
fn a_rendered_thomas_test_before_and_after_shows_the_true_change() {
    let doc = compare_json(
        &[
            &sample("thomas_short_left.jpg"),
            &sample("thomas_normal_left.jpg"),
        ],
        &["--client", "CL-5"],
    );
    let change = &doc["changes"][0];
    assert_eq!(change["test_leg"], "left");
    // Each value lies within its tolerance of the truth on the renders
    // (tests/it/renders.rs: hip extension 7, knee flexion 6 degrees), so a
    // change within twice that.
    for (name, truth, tolerance) in [("hip_extension", 25.0, 7.0), ("knee_flexion", 20.0, 6.0)] {
        let m = row(&change["measurements"], name);
        let measured = m["change_deg"].as_f64().unwrap();
        assert!((measured - truth).abs() <= 2.0 * tolerance, "{name}: {m}");
        assert_eq!(m["exceeds_mdc"], true, "{m}");
    }
}

/// Text from a saved document (a measurement name, a note) never reaches
/// the terminal raw: a name no measurement has is refused, quoted escaped.
#[test]
fn escape_sequences_in_saved_documents_are_not_printed_raw() {
    let dir = tempfile::tempdir().unwrap();
    let photo = sample("standing_neutral.jpg");
    let a = saved_analysis(dir.path(), "a.json", &photo, &[]);
    let b = saved_analysis(dir.path(), "b.json", &photo, &[]);
    for path in [&a, &b] {
        edit(path, |doc| {
            let knee = doc["measurements"]["knee_flexion"].clone();
            doc["measurements"]["\u{1b}[31mred"] = knee;
        });
    }
    let output = sagitta()
        .arg("compare")
        .args([&a, &b])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let text = String::from_utf8(output).unwrap();
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(
        text.contains("measurements.\\x1b[31mred is not a measurement"),
        "{text}"
    );
}

/// The README's standing sample before (pelvic tilt 27.2 degrees from the
/// landmarks: pattern anterior) and after (landmarks 12 degrees apart:
/// neutral, and 22 degrees: within the error of the cut-off). Compare says
/// what changed in kind: the pattern and each finding, before and after,
/// with the angle the pattern rests on, whether or not that angle's change
/// exceeds its MDC.
#[test]
fn compare_says_what_changed_in_kind() {
    let dir = tempfile::tempdir().unwrap();
    let photo = sample("standing_anterior_tilt.jpg");
    fn landmarks(asis: &str) -> [&str; 6] {
        ["--client", "CL-9", "--asis", asis, "--psis", "318,338"]
    }
    let before = saved_analysis(dir.path(), "before.json", &photo, &landmarks("281,357"));
    let after = saved_analysis(dir.path(), "after.json", &photo, &landmarks("281,346"));
    let near = saved_analysis(dir.path(), "near.json", &photo, &landmarks("281,353"));
    let doc = compare_json(&[&before, &after], &[]);
    let change = &doc["changes"][0];
    let call = |change: &Value, name: &str| -> Value {
        change["calls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["call"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no call {name}: {change}"))
    };
    let pattern = call(change, "pelvic_pattern");
    assert_eq!(
        (&pattern["before"], &pattern["after"], &pattern["status"]),
        (
            &Value::from("anterior"),
            &Value::from("neutral"),
            &Value::from("changed")
        ),
        "{pattern}"
    );
    assert_eq!(pattern["angle"]["measurement"], "pelvic_tilt");
    assert_eq!(pattern["angle"]["exceeds_mdc"], true, "{pattern}");
    assert!(call(change, "posture_type")["status"].is_string());
    // The calls are compared in kind, not listed as skipped.
    let skipped = change["skipped"].as_array().unwrap();
    assert!(
        skipped.iter().all(|s| s["measurement"] != "pelvic_pattern"),
        "{skipped:?}"
    );
    let findings = change["findings"].as_array().unwrap();
    let tilt = findings
        .iter()
        .find(|f| f["finding"] == "marked_anterior_tilt")
        .unwrap_or_else(|| panic!("{findings:?}"));
    assert_eq!(tilt["status"], "resolved");
    assert!(tilt["before"].as_str().unwrap().contains("anterior"));
    assert!(tilt["after"].is_null());

    // A change of class within the angle's MDC is still shown, with the angle.
    let doc = compare_json(&[&before, &near], &[]);
    let pattern = call(&doc["changes"][0], "pelvic_pattern");
    assert_eq!(pattern["status"], "changed", "{pattern}");
    assert_ne!(pattern["after"], "anterior");
    assert_eq!(pattern["angle"]["exceeds_mdc"], false, "{pattern}");

    let text = sagitta()
        .args(["compare"])
        .args([&before, &after])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("pelvic pattern: anterior -> neutral (changed)"),
        "{text}"
    );
    assert!(text.contains("from pelvic tilt +27.2 -> "), "{text}");
    assert!(
        text.contains("finding marked anterior tilt: present -> absent (resolved)"),
        "{text}"
    );
    let page = sagitta()
        .args(["compare", "--format", "html"])
        .args([&before, &after])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("What changed in kind"));
    assert!(
        page.contains("<span class=\"badge sev-moderate\">resolved</span>"),
        "{page}"
    );
}

/// A photo the HTML page cannot find is a warning naming the input and a
/// non-zero exit; the photo is found relative to the analysis when both
/// moved together.
#[test]
fn a_photo_compare_cannot_find_is_a_warning_and_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    // Saved from the checkout with the photo's path relative to it.
    let save = |name: &str, asis: &str| {
        let output = valid_output(
            sagitta()
                .current_dir(common::repo())
                .args([
                    "analyze", "--format", "json", "--asis", asis, "--psis", "318,338",
                ])
                .arg("samples/standing_anterior_tilt.jpg"),
            "analysis",
        );
        let path = dir.path().join(name);
        std::fs::write(&path, output).unwrap();
        path
    };
    let (before, after) = (
        save("before.json", "281,357"),
        save("after.json", "281,346"),
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let run = || {
        sagitta()
            .current_dir(elsewhere.path())
            .args(["compare", "--format", "html"])
            .args([&before, &after])
            .output()
            .unwrap()
    };
    let output = run();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("warning"), "{stderr}");
    assert!(stderr.contains("before.json: photo not found"), "{stderr}");
    assert!(stderr.contains("after.json: photo not found"), "{stderr}");
    let page = String::from_utf8_lossy(&output.stdout);
    assert!(page.contains("photo not found"));

    // The photo moved with the analyses, at the same relative path.
    std::fs::create_dir(dir.path().join("samples")).unwrap();
    std::fs::copy(
        sample("standing_anterior_tilt.jpg"),
        dir.path().join("samples/standing_anterior_tilt.jpg"),
    )
    .unwrap();
    let output = run();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let page = String::from_utf8_lossy(&output.stdout);
    assert_eq!(page.matches("src=\"data:image/jpeg;base64,").count(), 2);
}

/// The bundled standing sample (with the README's landmarks) and the
/// Thomas test of each leg, saved with one client and date.
fn visit_analyses(dir: &Path) -> [PathBuf; 3] {
    let record = ["--client", "CL-0042", "--date", "2026-11-25"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        record.iter().chain(extra).copied().collect()
    };
    [
        saved_analysis(
            dir,
            "standing.json",
            &sample("standing_anterior_tilt.jpg"),
            &with(&["--asis", "281,357", "--psis", "318,338"]),
        ),
        saved_analysis(
            dir,
            "thomas_left.json",
            &sample("thomas_short_left.jpg"),
            &with(&["--side", "left"]),
        ),
        saved_analysis(
            dir,
            "thomas_right.json",
            &sample("thomas_short_right.jpg"),
            &with(&["--side", "right"]),
        ),
    ]
}

fn visit_json(inputs: &[PathBuf], extra: &[&str]) -> Value {
    let output = valid_output(
        sagitta()
            .args(["visit", "--format", "json"])
            .args(extra)
            .args(inputs),
        "visit",
    );
    serde_json::from_slice(&output).unwrap()
}

/// One visit: every photo's findings with its source, the left against
/// the right Thomas test, and one routine planned from all the findings;
/// a warning sign recorded with any photo withholds the routine, and the
/// screening is negative only when every question was answered no.
#[test]
fn a_visit_is_one_report_with_one_routine() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = visit_analyses(dir.path());
    let doc = visit_json(&inputs, &[]);
    assert_eq!(doc["schema_version"], sagitta::schema::VISIT_SCHEMA_VERSION);
    assert_eq!(
        (&doc["client"], &doc["date"]),
        (&Value::from("CL-0042"), &Value::from("2026-11-25"))
    );
    let labels: Vec<&str> = doc["photos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "standing",
            "Thomas test, left leg",
            "Thomas test, right leg"
        ]
    );
    let sourced: Vec<(u64, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["photo"].as_u64().unwrap(), f["id"].as_str().unwrap()))
        .collect();
    for expected in [
        (1, "marked_anterior_tilt"),
        (2, "short_hip_flexors"),
        (3, "short_hip_flexors"),
    ] {
        assert!(sourced.contains(&expected), "{expected:?} in {sourced:?}");
    }
    let asymmetry = &doc["asymmetry"][0];
    assert_eq!(
        (asymmetry["left"].as_u64(), asymmetry["right"].as_u64()),
        (Some(2), Some(3))
    );
    assert!(row(&asymmetry["measurements"], "hip_extension")["difference_deg"].is_number());
    // One routine for all: the standing and both Thomas findings are among
    // its reasons, each named with its photo.
    let routine = &doc["routine"];
    assert_eq!(routine["withheld"], false);
    let reasons: Vec<&str> = routine["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["because"].as_array().unwrap())
        .map(|b| b["evidence"].as_str().unwrap())
        .collect();
    for source in [
        "standing: ",
        "Thomas test, left leg: ",
        "Thomas test, right leg: ",
    ] {
        assert!(
            reasons.iter().any(|r| r.starts_with(source)),
            "{source}: {reasons:?}"
        );
    }
    assert_eq!(doc["screening"]["status"], "not_asked");

    // A yes on the right leg's photo withholds the visit's routine.
    let flagged = dir.path().join("flagged.json");
    std::fs::copy(&inputs[2], &flagged).unwrap();
    edit(
        &flagged,
        |d| d["screening"] = serde_json::json!({"status": "positive", "flags": ["night_pain"]}),
    );
    let doc = visit_json(&[inputs[0].clone(), inputs[1].clone(), flagged], &[]);
    assert_eq!(doc["screening"]["status"], "positive");
    assert_eq!(doc["routine"]["withheld"], true);
    assert!(doc["routine"]["exercises"].as_array().unwrap().is_empty());
    assert!(
        doc["routine"]["referral"]
            .as_str()
            .unwrap()
            .contains("doctor")
    );
    // Every question answered no for the visit: negative.
    let doc = visit_json(&inputs, &["--no-red-flags"]);
    assert_eq!(doc["screening"]["status"], "negative");
    assert_eq!(doc["routine"]["withheld"], false);

    // Text: the sources, the left/right table, the one routine; HTML: the
    // three photos side by side, the findings table, then the routine.
    let text = sagitta().arg("visit").args(&inputs).output().unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.starts_with("Visit of client CL-0042 on 2026-11-25: 3 photos"),
        "{text}"
    );
    assert!(
        text.contains("[2 Thomas test, left leg] short hip flexors"),
        "{text}"
    );
    assert!(
        text.contains("Left/right Thomas test: left test leg [2], right test leg [3]"),
        "{text}"
    );
    assert_eq!(text.matches("\nRoutine").count(), 1, "{text}");
    let page = sagitta()
        .current_dir(common::repo())
        .args(["visit", "--format", "html"])
        .args(&inputs)
        .output()
        .unwrap();
    assert_eq!(
        page.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&page.stderr)
    );
    let page = String::from_utf8(page.stdout).unwrap();
    assert_eq!(page.matches("src=\"data:image/jpeg;base64,").count(), 3);
    let findings = page.find("Findings of the visit").unwrap();
    let routine = page.find("Your routine").unwrap();
    assert!(findings < routine);
}

/// A visit is one client on one date: analyses of two dates are refused,
/// naming them.
#[test]
fn a_visit_of_two_dates_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let photo = sample("thomas_short_left.jpg");
    let first = saved_analysis(
        dir.path(),
        "a.json",
        &photo,
        &["--client", "CL-1", "--date", "2026-11-25"],
    );
    let second = dir.path().join("b.json");
    std::fs::copy(&first, &second).unwrap();
    edit(&second, |d| d["session"]["date"] = "2026-12-02".into());
    let output = sagitta()
        .arg("visit")
        .args([&first, &second])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("b.json is dated \"2026-12-02\""),
        "{stderr}"
    );
}

/// A client, a clinician and a note holding markup reach every printed
/// page (the photo's, the compare page, the visit page) as text: escaped,
/// never a tag.
#[test]
fn every_page_shows_a_record_holding_markup_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let client = "<script>alert('c')</script>";
    let note = "<script>alert(\"n\")</script> & <b>bold</b>";
    let record = [
        "--client",
        client,
        "--date",
        "2026-11-25",
        "--clinician",
        "Dr <i>X</i>",
        "--note",
        note,
    ];
    let out = dir.path().join("out");
    sagitta()
        .args(["analyze", "--quiet", "--report", "--out"])
        .arg(&out)
        .args(record)
        .args([
            sample("thomas_short_left.jpg"),
            sample("thomas_short_right.jpg"),
        ])
        .assert()
        .success();
    let saved = [
        out.join("thomas_short_left.json"),
        out.join("thomas_short_right.json"),
    ];
    let html_of = |command: &str| {
        let output = sagitta()
            .args([command, "--format", "html"])
            .args(&saved)
            .assert()
            .success();
        String::from_utf8(output.get_output().stdout.clone()).unwrap()
    };
    let pages = [
        std::fs::read_to_string(out.join("thomas_short_left.report.html")).unwrap(),
        html_of("compare"),
        html_of("visit"),
    ];
    // The visit page names the client, not each photo's note.
    for (page, shows_note) in pages.iter().zip([true, true, false]) {
        let start = &page[..page.len().min(3000)];
        assert!(!page.contains("<script"), "{start}");
        assert!(
            !page.contains("<b>bold</b>") && !page.contains("<i>X</i>"),
            "{start}"
        );
        assert!(
            page.contains("&lt;script&gt;alert('c')&lt;/script&gt;"),
            "{start}"
        );
        let escaped_note =
            "&lt;script&gt;alert(&quot;n&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;";
        assert_eq!(page.contains(escaped_note), shows_note, "{start}");
    }
}
