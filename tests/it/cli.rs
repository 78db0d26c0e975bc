//! The real binary, as a user runs it: output formats, exit codes, and a
//! clear message for every file that cannot be analysed.

use crate::common;

use common::{assert_schema_valid, sagitta, sample, valid_output};
use predicates::prelude::*;

#[test]
fn analyze_sample_prints_json_with_the_documented_fields() {
    let output = valid_output(
        sagitta()
            .args(["analyze", "--format", "json"])
            .arg(sample("walker_01.jpg")),
        "analysis",
    );
    let doc: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(doc["schema_version"], sagitta::schema::SCHEMA_VERSION);
    assert_eq!(doc["image"]["width"], 480);
    assert_eq!(doc["image"]["height"], 600);
    assert_eq!(doc["model"]["detector"]["name"], "pose_detection");
    assert_eq!(doc["model"]["landmark"]["name"], "pose_landmark_full");
    assert_eq!(
        doc["model"]["landmark"]["sha256"].as_str().unwrap().len(),
        64
    );
    let keypoints = doc["pose"]["keypoints"].as_array().unwrap();
    assert_eq!(keypoints.len(), 33);
    assert_eq!(keypoints[0]["name"], "nose");
    assert_eq!(keypoints[32]["name"], "right_foot_index");
    for k in keypoints {
        for field in ["x", "y", "z", "visibility", "presence"] {
            assert!(k[field].is_number(), "{k}");
        }
    }
    assert_eq!(doc["pose"]["persons_found"], 1);
    assert!(doc["pose"]["detector_score"].as_f64().unwrap() > 0.5);
    assert!(doc["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn several_images_give_one_json_array() {
    let output = valid_output(
        sagitta()
            .args(["analyze", "--format", "json", "--model", "lite"])
            .arg(sample("walker_01.jpg"))
            .arg(sample("walker_02.jpg")),
        "analysis",
    );
    let doc: serde_json::Value = serde_json::from_slice(&output).unwrap();
    let items = doc.as_array().expect("an array");
    assert_eq!(items.len(), 2);
    assert!(
        items[1]["image"]["path"]
            .as_str()
            .unwrap()
            .ends_with("walker_02.jpg")
    );
    assert_eq!(items[0]["model"]["landmark"]["name"], "pose_landmark_lite");
}

#[test]
fn text_output_is_a_short_summary() {
    sagitta()
        .arg("analyze")
        .arg(sample("walker_03.jpg"))
        .assert()
        .success()
        .stdout(predicate::str::contains("walker_03.jpg (480x600 px"))
        .stdout(predicate::str::contains("mid-stride"))
        .stdout(predicate::str::contains("To retake:"))
        .stdout(predicate::str::contains("No routine"))
        .stdout(predicate::function(|text: &str| text.lines().count() <= 45));
}

#[test]
fn bad_files_are_named_with_their_problem_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.jpg");
    std::fs::write(&text, "this is a text file, not a photo").unwrap();
    let truncated = dir.path().join("cut.jpg");
    let bytes = std::fs::read(sample("walker_01.jpg")).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, "").unwrap();
    let missing = dir.path().join("missing.jpg");

    let assert = sagitta()
        .args(["analyze", "--format", "json"])
        .args([&text, &truncated, &empty, &missing])
        .arg(sample("walker_01.jpg"))
        .assert()
        .code(1);
    let output = assert.get_output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("notes.jpg: the content is not an image"),
        "{stderr}"
    );
    assert!(
        stderr.contains("cut.jpg: the JPEG data is truncated"),
        "{stderr}"
    );
    assert!(stderr.contains("empty.png: the file is empty"), "{stderr}");
    assert!(
        stderr.contains("missing.jpg: cannot read the file"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The good photo after the bad ones is still analysed.
    assert_schema_valid("analysis", None, &output.stdout);
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc.as_array().unwrap().len(), 1);
}

#[test]
fn a_photo_without_a_person_is_an_error_for_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wall.png");
    // A smooth gradient: a plain wall with nobody in front of it.
    image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x / 3) as u8, (y / 2) as u8, 120])
    })
    .save(&path)
    .unwrap();
    sagitta()
        .arg("analyze")
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("wall.png: no person found"));
}

#[test]
fn usage_errors_exit_2() {
    sagitta().arg("analyze").assert().code(2);
    sagitta()
        .args(["analyze", "--model", "huge", "x.jpg"])
        .assert()
        .code(2);
    sagitta()
        .args(["analyze", "--threads", "0", "x.jpg"])
        .assert()
        .code(2);
}

#[test]
fn setup_errors_name_the_fix_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    sagitta()
        .args(["analyze", "--model-dir"])
        .arg(dir.path())
        .arg(sample("walker_01.jpg"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pose_detection.onnx not found"))
        .stderr(predicate::str::contains("Fix:"));

    // A damaged model file is refused by its checksum.
    for name in ["pose_detection.onnx", "pose_landmark_full.onnx"] {
        let bytes = std::fs::read(common::repo().join("models").join(name)).unwrap();
        std::fs::write(dir.path().join(name), &bytes[..bytes.len() / 3]).unwrap();
    }
    sagitta()
        .args(["analyze", "--model-dir"])
        .arg(dir.path())
        .arg(sample("walker_01.jpg"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "damaged or not the expected version",
        ));

    // A folder without the landmark model: the message says how to get it back.
    let shipped = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        common::repo().join("models/pose_detection.onnx"),
        shipped.path().join("pose_detection.onnx"),
    )
    .unwrap();
    sagitta()
        .args(["analyze", "--model", "heavy", "--model-dir"])
        .arg(shipped.path())
        .arg(sample("walker_01.jpg"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "pose_landmark_heavy.onnx not found",
        ))
        .stderr(predicate::str::contains(
            "git checkout -- models/pose_landmark_heavy.onnx",
        ));
}

#[test]
fn a_missing_or_wrong_runtime_library_names_the_fix() {
    sagitta()
        .arg("analyze")
        .arg(sample("walker_01.jpg"))
        .env("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ONNX Runtime library not found"))
        .stderr(predicate::str::contains("ORT_DYLIB_PATH"));

    // A file that is not ONNX Runtime at all.
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("libonnxruntime.so");
    std::fs::write(&fake, "not a shared library").unwrap();
    sagitta()
        .arg("analyze")
        .arg(sample("walker_01.jpg"))
        .env("ORT_DYLIB_PATH", &fake)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot load ONNX Runtime"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn routine_from_a_saved_analysis_matches_the_direct_run() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("result.json");
    // walker_03 is mid-stride: not assessed, so a routine only on request,
    // labelled as general.
    let output = sagitta()
        .args([
            "analyze",
            "--format",
            "json",
            "--minutes",
            "8",
            "--general-routine",
        ])
        .arg(sample("walker_03.jpg"))
        .output()
        .unwrap();
    assert!(output.status.success());
    std::fs::write(&saved, &output.stdout).unwrap();
    assert_schema_valid("analysis", None, &output.stdout);
    let direct: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(direct["assessment"]["status"], "not_assessed");
    assert_eq!(direct["routine"]["general"], true);
    assert!(direct["routine"]["total_minutes"].as_f64().unwrap() <= 8.0);

    let replanned = sagitta()
        .args([
            "routine",
            "--format",
            "json",
            "--minutes",
            "8",
            "--general-routine",
            "--from",
        ])
        .arg(&saved)
        .output()
        .unwrap();
    assert!(
        replanned.status.success(),
        "{}",
        String::from_utf8_lossy(&replanned.stderr)
    );
    assert_schema_valid("analysis", Some("Routine"), &replanned.stdout);
    let routine: serde_json::Value = serde_json::from_slice(&replanned.stdout).unwrap();
    assert_eq!(routine, direct["routine"]);

    // A red flag on re-planning withholds the routine and says where to go.
    let withheld = sagitta()
        .args([
            "routine",
            "--format",
            "json",
            "--red-flag",
            "bladder_bowel_change",
            "--from",
        ])
        .arg(&saved)
        .output()
        .unwrap();
    assert_schema_valid("analysis", Some("Routine"), &withheld.stdout);
    let routine: serde_json::Value = serde_json::from_slice(&withheld.stdout).unwrap();
    assert_eq!(routine["withheld"], true);
    assert!(
        routine["referral"]
            .as_str()
            .unwrap()
            .contains("immediately")
    );
    assert!(routine["exercises"].as_array().unwrap().is_empty());

    // Without --general-routine there is none: the text says why and how to retake.
    let none = sagitta()
        .args(["routine", "--from"])
        .arg(&saved)
        .output()
        .unwrap();
    assert!(none.status.success());
    let text = String::from_utf8_lossy(&none.stdout);
    assert!(text.contains("No routine"), "{text}");
    assert!(text.contains("mid-stride"), "{text}");
    assert!(text.contains("To retake"), "{text}");
}

#[test]
fn routine_from_a_file_that_is_not_an_analysis_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"schema_version\": \"1.0\"}").unwrap();
    sagitta()
        .args(["routine", "--from"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.json: not a sagitta analysis document",
        ));
}

#[test]
fn catalog_lists_every_exercise_in_text_and_json() {
    let output = valid_output(sagitta().args(["catalog", "--format", "json"]), "catalog");
    let catalog: serde_json::Value = serde_json::from_slice(&output).unwrap();
    let text = String::from_utf8(sagitta().arg("catalog").output().unwrap().stdout).unwrap();
    let exercises = catalog["exercises"].as_array().expect("an exercises array");
    assert!(exercises.len() >= 15);
    for exercise in exercises {
        let name = exercise["name"].as_str().unwrap();
        assert!(text.contains(name), "{name} missing from the text listing");
    }
}

/// The registry the outputs read: `sagitta measurements` lists every
/// measurement with its sign, its Markdown page (docs/measurements.md, held
/// to the command by tests/schema.rs) has a row for each, and the CSV
/// header carries exactly the registry's columns, in its order.
#[test]
fn measurements_lists_the_registry_that_the_docs_and_the_csv_follow() {
    let output = valid_output(
        sagitta().args(["measurements", "--format", "json"]),
        "measurements",
    );
    let registry: serde_json::Value = serde_json::from_slice(&output).unwrap();
    let text = String::from_utf8(sagitta().arg("measurements").output().unwrap().stdout).unwrap();
    let markdown = String::from_utf8(
        sagitta()
            .args(["measurements", "--format", "markdown"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    let (signs, columns) = markdown
        .split_once("\n## CSV columns")
        .expect("the page's measurement table, then its CSV columns");
    for column in registry["csv_columns"].as_array().unwrap() {
        let header = column["header"].as_str().unwrap();
        assert!(
            columns.contains(&format!("\n| `{header}` |")),
            "{header} missing from the CSV columns of docs/measurements.md"
        );
    }
    let measurements = registry["measurements"].as_array().unwrap();
    assert!(measurements.len() >= 14);
    for m in measurements {
        let name = m["name"].as_str().unwrap();
        assert!(
            text.contains(&format!("{name} (")),
            "{name} missing from the text listing"
        );
        assert!(
            signs.contains(&format!("\n| `{name}` |")),
            "{name} missing from the measurement table of docs/measurements.md"
        );
        assert!(!m["definition"].as_str().unwrap().is_empty());
    }

    // The CSV header: the registry's columns, in its order, between the
    // photo's columns and the findings.
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.jpg");
    let csv = sagitta()
        .args(["analyze", "--format", "csv", "-q"])
        .arg(&missing)
        .output()
        .unwrap();
    let header = String::from_utf8(csv.stdout).unwrap();
    let header: Vec<&str> = header.lines().next().unwrap().split(',').collect();
    let columns: Vec<&str> = registry["csv_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["header"].as_str().unwrap())
        .collect();
    let first = header
        .iter()
        .position(|h| *h == columns[0])
        .expect("the registry's first column");
    assert_eq!(header[first..first + columns.len()], columns[..]);
    assert!(!header[..first].iter().any(|h| h.ends_with("_deg")));
    assert!(
        !header[first + columns.len()..]
            .iter()
            .any(|h| h.ends_with("_deg"))
    );
}

#[test]
fn screening_is_recorded_and_asking_needs_a_terminal() {
    // Standard input is not a terminal here: --ask refuses, naming the alternatives.
    sagitta()
        .args(["analyze", "--ask"])
        .arg(sample("walker_02.jpg"))
        .write_stdin("n\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--ask"))
        .stderr(predicate::str::contains("--no-red-flags"));

    let json = |extra: &[&str]| {
        let output = sagitta()
            .args(["analyze", "--format", "json", "--model", "lite"])
            .args(extra)
            .arg(sample("walker_02.jpg"))
            .output()
            .unwrap();
        assert!(output.status.success());
        assert_schema_valid("analysis", None, &output.stdout);
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    assert_eq!(json(&[])["screening"]["status"], "not_asked");
    assert_eq!(json(&["--no-red-flags"])["screening"]["status"], "negative");
    let positive = json(&["--red-flag", "sharp_pain"]);
    assert_eq!(positive["screening"]["status"], "positive");
    assert_eq!(positive["screening"]["flags"][0], "sharp_pain");
    // A warning sign gives the referral even for a photo that was not assessed.
    assert_eq!(positive["assessment"]["status"], "not_assessed");
    assert_eq!(positive["routine"]["withheld"], true);
}

#[test]
fn text_for_a_photo_that_was_not_assessed_says_why_and_how_to_retake() {
    let output = sagitta()
        .args(["analyze", "--model", "lite"])
        .arg(sample("walker_03.jpg"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("assessment: not assessed"), "{text}");
    assert!(text.contains("No routine"), "{text}");
    assert!(text.contains("mid-stride"), "{text}");
    assert!(text.contains("To retake"), "{text}");
    assert!(!text.contains("Routine:"), "{text}");

    // A warning sign: the output ends with the referral, not with stretching advice.
    let output = sagitta()
        .args(["analyze", "--model", "lite", "--red-flag", "radiating_pain"])
        .arg(sample("walker_03.jpg"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let last = text.trim_end().lines().last().unwrap();
    assert!(last.contains("see a physiotherapist or doctor"), "{text}");
    assert!(!text.contains("Stretch to a mild pull"), "{text}");
}

fn json_of(args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let output = valid_output(
        sagitta().args(["analyze", "--format", "json"]).args(args),
        "analysis",
    );
    serde_json::from_slice(&output).unwrap()
}

#[test]
fn the_session_record_appears_in_json_text_and_csv() {
    let photo = sample("walker_01.jpg");
    let args = [
        "--client",
        "CL-0042",
        "--date",
        "2026-11-02",
        "--clinician",
        "A. Physio",
        "--note",
        "follow-up, 4 weeks",
    ];
    let mut with_photo: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    with_photo.push(photo.as_os_str());
    let doc = json_of(&with_photo);
    assert_eq!(
        doc["session"],
        serde_json::json!({
            "client": "CL-0042", "date": "2026-11-02", "date_source": "given",
            "clinician": "A. Physio", "side": null, "note": "follow-up, 4 weeks"
        })
    );
    let text = sagitta()
        .arg("analyze")
        .args(args)
        .arg(&photo)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains(
            "session: client CL-0042; date 2026-11-02; clinician A. Physio; note follow-up, 4 weeks"
        ),
        "{text}"
    );
    let csv = sagitta()
        .args([
            "analyze",
            "--format",
            "csv",
            "--client",
            "=HYPERLINK(\"x\")",
            "--date",
            "2026-11-02",
        ])
        .arg(&photo)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let mut reader = csv::Reader::from_reader(&csv[..]);
    let header = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let cell = |name: &str| {
        row.get(header.iter().position(|h| h == name).unwrap())
            .unwrap()
            .to_string()
    };
    // A client id that looks like a formula stays text in a spreadsheet.
    assert_eq!(cell("client"), "'=HYPERLINK(\"x\")");
    assert_eq!(cell("date"), "2026-11-02");
}

#[test]
fn the_exif_date_is_the_default_and_a_different_given_date_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let dated = common::jpeg_with_exif(
        dir.path(),
        "walker_01.jpg",
        "dated.jpg",
        &common::Exif {
            date_time: Some("2025:03:14 09:26:53"),
            ..Default::default()
        },
    );
    let doc = json_of(&[dated.as_os_str()]);
    assert_eq!(doc["session"]["date"], "2025-03-14T09:26:53");
    assert_eq!(doc["session"]["date_source"], "exif");
    assert!(
        doc["warnings"].as_array().unwrap().is_empty(),
        "{}",
        doc["warnings"]
    );

    let doc = json_of(&["--date".as_ref(), "2026-11-02".as_ref(), dated.as_os_str()]);
    assert_eq!(doc["session"]["date"], "2026-11-02");
    assert_eq!(doc["session"]["date_source"], "given");
    let warnings = doc["warnings"].to_string();
    assert!(
        warnings.contains("EXIF date is 2025-03-14T09:26:53"),
        "{warnings}"
    );

    // The same day as the EXIF date: nothing to warn about.
    let doc = json_of(&["--date".as_ref(), "2025-03-14".as_ref(), dated.as_os_str()]);
    assert!(
        doc["warnings"].as_array().unwrap().is_empty(),
        "{}",
        doc["warnings"]
    );

    // No EXIF date: none, and the file's modification time is not used.
    let doc = json_of(&[sample("walker_01.jpg").as_os_str()]);
    assert_eq!(doc["session"]["date"], serde_json::Value::Null);
    assert_eq!(doc["session"]["date_source"], serde_json::Value::Null);
    let text = sagitta()
        .args(["analyze", "--client", "CL-1"])
        .arg(sample("walker_01.jpg"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(
        String::from_utf8(text)
            .unwrap()
            .contains("date not recorded (no --date, and the photo has no EXIF date)")
    );
}

#[test]
fn bad_session_values_are_usage_errors() {
    for (option, value, needle) in [
        ("--date", "2026-02-30", "month 2 of 2026 has 28 days"),
        ("--date", "02/11/2026", "expected a date as YYYY-MM-DD"),
        ("--client", "CL\u{1b}[31m", "control character"),
        ("--note", &"x".repeat(501), "over the 500 allowed"),
        ("--side", "both", "expected the side as left or right"),
    ] {
        sagitta()
            .args(["analyze", option, value])
            .arg(sample("walker_01.jpg"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(needle));
    }
}

/// The stated side is checked against the Thomas test's test leg.
#[test]
fn a_side_that_is_not_the_test_leg_is_warned_about() {
    let doc = json_of(&[
        "--side".as_ref(),
        "right".as_ref(),
        sample("thomas_short_left.jpg").as_os_str(),
    ]);
    assert_eq!(doc["session"]["side"], "right");
    assert!(
        doc["warnings"]
            .to_string()
            .contains("names the right side, but the photo's Thomas test leg is the left"),
        "{}",
        doc["warnings"]
    );
}

/// The README's first command, read from the README itself, shows the main
/// job: the standing sample with palpated landmarks is assessed, the pelvic
/// pattern called anterior, a finding made and the routine planned for it
/// (not the general one).
#[test]
fn the_readmes_first_command_shows_a_finding_and_its_routine() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let command = readme
        .lines()
        .find(|line| line.starts_with("cargo run --release -- analyze"))
        .expect("the README's first command");
    let args: Vec<&str> = command
        .split('#')
        .next()
        .unwrap()
        .split_whitespace()
        .skip(4)
        .collect();
    assert_eq!(args[0], "analyze", "{command}");
    let output = valid_output(
        sagitta()
            .current_dir(common::repo())
            .args(&args)
            .args(["--format", "json"]),
        "analysis",
    );
    let doc: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(doc["protocol"]["kind"], "standing", "{command}");
    assert_eq!(doc["assessment"]["status"], "assessed");
    assert_eq!(
        doc["measurements"]["pelvic_pattern"]["classification"],
        "anterior"
    );
    let findings = doc["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["id"] == "marked_anterior_tilt"),
        "{findings:?}"
    );
    assert_eq!(doc["routine"]["general"], false);
    assert!(!doc["routine"]["exercises"].as_array().unwrap().is_empty());
}

/// The lines of `analyze` run on a sample with these arguments.
fn text_lines(args: &[&str]) -> Vec<String> {
    let output = sagitta()
        .current_dir(common::repo())
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn line_index(lines: &[String], start: &str) -> usize {
    lines
        .iter()
        .position(|l| l.starts_with(start) || l.trim_start().starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start:?}:\n{}", lines.join("\n")))
}

/// The default text is a summary that fits a screen: protocol, findings
/// and calls with their citation keys, the measurements in clinical order
/// each with its uncertainty, then the routine with m:ss durations and one
/// line of why; the detector, the keypoints, rule ids and full references
/// only with --verbose.
#[test]
fn the_text_summary_fits_a_screen_and_details_wait_for_verbose() {
    let photo = "samples/standing_anterior_tilt.jpg";
    let landmarks = ["--asis", "281,357", "--psis", "318,338"];
    let mut with_landmarks = vec!["analyze", photo];
    with_landmarks.extend(landmarks);
    for args in [vec!["analyze", photo], with_landmarks.clone()] {
        let lines = text_lines(&args);
        assert!(lines.len() <= 45, "{args:?}: {} lines", lines.len());
        for line in &lines {
            assert!(line.chars().count() <= 100, "{args:?}: {line}");
        }
        let text = lines.join("\n");
        assert!(lines[0].contains("standing (valid)"), "{}", lines[0]);
        let findings = line_index(&lines, "Findings");
        let measurements = line_index(&lines, "Measurements");
        let routine = line_index(&lines, "Routine");
        assert!(findings < measurements && measurements < routine, "{text}");
        // Clinical order (pelvis, spine, hip, knee, head), read down the
        // left column, then down the right.
        let grid: Vec<&String> = lines[measurements + 1..routine]
            .iter()
            .take_while(|l| l.starts_with("  ") && !l.starts_with("  declined"))
            .collect();
        let column = |n: usize| {
            grid.iter()
                .filter_map(move |l| l.split_whitespace().filter(|w| w.contains('_')).nth(n))
        };
        let names: Vec<&str> = column(0).chain(column(1)).collect();
        let order: Vec<usize> = [
            "pelvic_tilt",
            "lumbar_lordosis_angle",
            "standing_hip_flexion",
            "knee_flexion",
            "head_forward",
        ]
        .iter()
        .map(|name| {
            names
                .iter()
                .position(|n| n == name)
                .unwrap_or_else(|| panic!("{name}: {names:?}"))
        })
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{names:?}\n{text}");
        assert!(text.contains("[Herrington2011, Preece2008]"), "{text}");
        for detail in [
            "detector score",
            "doi:",
            "decompress_stretch_decompress",
            "Why:",
            "no_type",
        ] {
            assert!(!text.contains(detail), "{detail}:\n{text}");
        }
        // Every exercise: m:ss, name and dose, then its why.
        let first = lines
            .iter()
            .position(|l| l.trim_start().starts_with("1. "))
            .expect("a numbered exercise");
        let exercise = &lines[first];
        let duration = exercise.split_whitespace().nth(1).unwrap();
        let (m, s) = duration.split_once(':').unwrap();
        assert!(m.parse::<u32>().is_ok() && s.len() == 2 && s.parse::<u32>().unwrap() < 60);
        assert!(exercise.contains(" × "), "{exercise}");
        assert!(!lines[first + 1].trim_start().starts_with("2. "));
    }
    // Wrapped lines read as one text.
    let lines = text_lines(&with_landmarks);
    let text: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
    let text = text.join(" ");
    assert!(
        text.contains("pelvic pattern: anterior (probability anterior 0.94"),
        "{text}"
    );
    assert!(
        text.contains("from pelvic tilt +27.2 ± 3.6 deg (landmarks)"),
        "{text}"
    );
    assert!(
        text.contains("Routine for marked anterior tilt, lordotic posture: 11:10 of 12:00"),
        "{text}"
    );

    with_landmarks.push("--verbose");
    let verbose = text_lines(&with_landmarks).join("\n");
    for detail in [
        "detector score",
        "doi:",
        "(decompress_stretch_decompress)",
        "Why:",
        "Position:",
    ] {
        assert!(verbose.contains(detail), "{detail}:\n{verbose}");
    }
}

/// Declined measurements share one line naming them; the reasons come
/// with --verbose.
#[test]
fn declined_measurements_share_one_line() {
    let lines = text_lines(&["analyze", "samples/thomas_short_left.jpg"]);
    let declined: Vec<&String> = lines.iter().filter(|l| l.contains("declined")).collect();
    assert_eq!(declined.len(), 1, "{lines:#?}");
    assert!(
        declined[0].contains("contralateral_hip_flexion"),
        "{}",
        declined[0]
    );
    let verbose = text_lines(&["analyze", "--verbose", "samples/thomas_short_left.jpg"]).join("\n");
    assert!(
        verbose.contains("contralateral_hip_flexion  declined: the right knee is hidden"),
        "{verbose}"
    );
}

/// With --out the files hold the analyses: the terminal gets one line
/// per photo and the closing summary.
#[test]
fn with_out_the_terminal_gets_one_line_per_photo() {
    let dir = tempfile::tempdir().unwrap();
    let output = sagitta()
        .current_dir(common::repo())
        .args(["analyze", "--model", "lite", "--out"])
        .arg(dir.path())
        .args(["samples/thomas_short_left.jpg", "samples/walker_03.jpg"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0]
            .starts_with("samples/thomas_short_left.jpg: thomas_test; findings short_hip_flexors"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("samples/walker_03.jpg: unsupported"),
        "{stdout}"
    );
    assert!(lines[1].contains("not assessed"), "{stdout}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("2 analysed"), "{stderr}");
}

/// Each command's help speaks of that command: what `measure` takes from
/// the saved document is in its own help, not in `analyze`'s.
#[test]
fn analyze_help_carries_no_text_meant_for_measure() {
    let help = |command: &str| {
        let output = sagitta().args([command, "--help"]).output().unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    let analyze = help("analyze");
    assert!(analyze.contains("--camera-roll-deg"), "{analyze}");
    for meant_for_measure in ["`measure`", "the document's", "saved document"] {
        assert!(
            !analyze.contains(meant_for_measure),
            "{meant_for_measure}:\n{analyze}"
        );
    }
    let measure = help("measure");
    assert!(measure.contains("default to the saved"), "{measure}");
}

/// `catalog` cites its sources by reference key (assets/references.toml),
/// never by a file name the product does not have.
#[test]
fn the_catalogue_cites_reference_keys_not_files() {
    let output = sagitta().arg("catalog").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains(".txt"), "{text}");
    let recommender = sagitta::recommend::Recommender::embedded().unwrap();
    for source in &recommender.catalog().sources {
        assert!(
            sagitta::references::get(&source.id).is_some(),
            "{}",
            source.id
        );
        assert!(
            text.contains(&format!("  {}: {}", source.id, source.title)),
            "{text}"
        );
    }
    let json = sagitta()
        .args(["catalog", "--format", "json"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&json.stdout).contains(".txt"));
}

/// Every measurement stated with an uncertainty has its uncertainty column
/// in the CSV, filled with the same number.
#[test]
fn the_csv_has_an_uncertainty_column_for_every_uncertain_value() {
    let photo = "samples/standing_anterior_tilt.jpg";
    let run = |format: &str| {
        let output = sagitta()
            .current_dir(common::repo())
            .args(["analyze", "--format", format, photo])
            .output()
            .unwrap();
        assert!(output.status.success());
        output.stdout
    };
    let doc: serde_json::Value = serde_json::from_slice(&run("json")).unwrap();
    let registry = sagitta()
        .args(["measurements", "--format", "json"])
        .output()
        .unwrap();
    let registry: serde_json::Value = serde_json::from_slice(&registry.stdout).unwrap();
    let columns = registry["csv_columns"].as_array().unwrap();
    let mut reader = csv::Reader::from_reader(std::io::Cursor::new(run("csv")));
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let mut checked = 0;
    for (name, m) in doc["measurements"].as_object().unwrap() {
        let Some(u) = m["uncertainty_deg"].as_f64().or(m["uncertainty"].as_f64()) else {
            continue;
        };
        let column = columns
            .iter()
            .find(|c| {
                c["measurement"] == name.as_str()
                    && c["cell"] == "uncertainty"
                    && (c["protocol"].is_null() || c["protocol"] == doc["protocol"]["kind"])
            })
            .unwrap_or_else(|| panic!("{name} has no uncertainty column"));
        let index = headers.iter().position(|h| h == column["header"]).unwrap();
        let cell: f64 = row[index]
            .parse()
            .unwrap_or_else(|_| panic!("{name}: {:?}", &row[index]));
        assert!((cell - u).abs() < 1e-3, "{name}: {cell} against {u}");
        checked += 1;
    }
    assert!(checked >= 10, "{checked}");
    assert!(doc["measurements"]["buttock_prominence"]["uncertainty"].is_number());
}
