//! Saved documents as evidence: what `routine --from`, `measure --from` and
//! `compare` read back is checked as strictly as the command line, and a
//! re-plan never drops a warning sign the document records.

use crate::common;

use std::path::{Path, PathBuf};

use common::{assert_schema_valid, repo, sagitta, sample, saved_analysis as analysed};
use predicates::prelude::*;
use serde_json::{Value, json};

/// The README's palpated landmarks for `standing_anterior_tilt.jpg`.
const ASIS: &str = "281,357";
const PSIS: &str = "318,338";

/// A saved standing analysis (landmarks given) to tamper with.
fn fixture() -> Value {
    common::read_json(&repo().join("tests/fixtures/analysis_standing.json"))
}

/// A small person mask a photo could have given, to tamper with: a 4x4
/// grid over 200 px whose middle four cells are the person (runs: 5
/// outside, 2 in, 2 out, 2 in, 5 out), and the log-odds of all sixteen, as
/// every cell lies next to the outline.
fn mask() -> Value {
    use base64::Engine;
    let inside = |cell: usize| matches!(cell, 5 | 6 | 9 | 10);
    let logits: Vec<u8> = (0..16)
        .flat_map(|cell| if inside(cell) { 3.0f32 } else { -3.0 }.to_le_bytes())
        .collect();
    let base64 = base64::engine::general_purpose::STANDARD;
    json!({
        "rows": 4, "columns": 4,
        "region": {"center_px": [240.0, 300.0], "side_px": 200.0, "rotation_rad": 0.1},
        "contour_probability": 0.5,
        "inside_runs": base64.encode([5, 2, 2, 2, 5]),
        "outline_logits": base64.encode(logits),
    })
}

/// The fixture with [`mask`] in it, then `edit` applied to the mask.
fn with_mask(document: &mut Value, edit: fn(&mut Value)) {
    document["pose"]["person_mask"] = mask();
    edit(&mut document["pose"]["person_mask"]);
}

fn save(dir: &Path, name: &str, document: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(document).unwrap()).unwrap();
    path
}

/// Runs `sagitta <command> --from <document>` and returns its JSON output.
fn replanned(command: &str, document: &Path, extra: &[&str]) -> Value {
    let output = sagitta()
        .args([command, "--format", "json", "--from"])
        .arg(document)
        .args(extra)
        .assert()
        .success();
    serde_json::from_slice(&output.get_output().stdout).unwrap()
}

#[test]
fn a_warning_sign_survives_every_replan() {
    let dir = tempfile::tempdir().unwrap();
    let (saved, document) = analysed(
        dir.path(),
        &sample("standing_anterior_tilt.jpg"),
        &[
            "--red-flag",
            "bladder_bowel_change",
            "--asis",
            ASIS,
            "--psis",
            PSIS,
        ],
    );
    assert_eq!(document["routine"]["withheld"], true);

    // `routine --from` prints the routine alone.
    for extra in [&[][..], &["--no-red-flags"], &["--minutes", "5"]] {
        let routine = replanned("routine", &saved, extra);
        assert_eq!(
            routine["withheld"], true,
            "routine --from {extra:?}: {routine}"
        );
        assert_eq!(routine["exercises"].as_array().unwrap().len(), 0);
        assert!(routine["referral"].as_str().is_some_and(|r| !r.is_empty()));
        assert_eq!(routine["red_flags"], json!(["bladder_bowel_change"]));
    }
    // `measure --from` (with and without a moved keypoint) prints the document.
    for extra in [
        &[][..],
        &["--no-red-flags"],
        &["--set", "left_knee=310,530"],
    ] {
        let again = replanned("measure", &saved, extra);
        assert_eq!(again["screening"]["status"], "positive", "{extra:?}");
        assert_eq!(again["screening"]["flags"], json!(["bladder_bowel_change"]));
        assert_eq!(again["routine"]["withheld"], true, "{extra:?}");
        assert_schema_valid("analysis", None, &serde_json::to_vec(&again).unwrap());
    }
    // A flag given now joins the saved one.
    let joined = replanned("measure", &saved, &["--red-flag", "night_pain"]);
    assert_eq!(
        joined["screening"]["flags"],
        json!(["bladder_bowel_change", "night_pain"])
    );
}

#[test]
fn answers_saved_as_no_stay_answered_through_a_replan() {
    let dir = tempfile::tempdir().unwrap();
    let (saved, document) = analysed(
        dir.path(),
        &sample("standing_anterior_tilt.jpg"),
        &["--no-red-flags", "--asis", ASIS, "--psis", PSIS],
    );
    assert_eq!(document["screening"]["status"], "negative");
    let again = replanned("measure", &saved, &[]);
    assert_eq!(again["screening"]["status"], "negative");
    assert_eq!(again["routine"]["withheld"], false);
    assert!(!again["routine"]["exercises"].as_array().unwrap().is_empty());
}

/// Each edit makes the fixture a document no sagitta wrote; `measure --from`,
/// `routine --from` and `compare` refuse it as a usage error naming the file
/// and the field.
#[test]
fn tampered_documents_are_refused_by_every_reader() {
    type Edit = fn(&mut Value);
    let cases: &[(&str, Edit, &str)] = &[
        (
            "roll",
            |d| d["protocol"]["camera_roll_deg"] = json!(90.0),
            "protocol.camera_roll_deg",
        ),
        (
            "pitch",
            |d| d["protocol"]["camera_pitch_deg"] = json!(-31.0),
            "protocol.camera_pitch_deg",
        ),
        (
            "focal length",
            |d| d["protocol"]["focal_length_35mm_mm"] = json!(0.0),
            "protocol.focal_length_35mm_mm",
        ),
        (
            "landmark",
            |d| d["measurements"]["pelvic_tilt"]["points_px"] = json!([[1e300, 1.0], [2.0, 3.0]]),
            "measurements.pelvic_tilt.points_px[0]",
        ),
        (
            "correction_name",
            |d| {
                d["corrections"] = json!([{"keypoint": "<script>", "from_px": [1.0, 2.0],
                    "to_px": [3.0, 4.0], "visibility_was": 0.5}])
            },
            "corrections[0].keypoint",
        ),
        (
            "correction_visibility",
            |d| {
                d["corrections"] = json!([{"keypoint": "left_knee", "from_px": [1.0, 2.0],
                    "to_px": [3.0, 4.0], "visibility_was": 5.0}])
            },
            "corrections[0].visibility_was",
        ),
        (
            "correction_outside",
            |d| {
                d["corrections"] = json!([{"keypoint": "left_knee", "from_px": [1.0, 2.0],
                    "to_px": [3.0, 4000.0], "visibility_was": 0.5}])
            },
            "corrections[0].to_px",
        ),
        (
            "empty_image",
            |d| d["image"] = json!({"path": "x.jpg", "width": 0, "height": 0}),
            "image is 0x0",
        ),
        (
            "huge_image",
            |d| {
                d["image"] =
                    json!({"path": "x.jpg", "width": 4294967295u32, "height": 4294967295u32})
            },
            "image is 4294967295x4294967295",
        ),
        (
            "person_point",
            |d| d["pose"]["person"] = json!({"by": "point", "point_px": [1e300, 5.0]}),
            "pose.person.point_px",
        ),
        (
            "unknown_measurement",
            |d| {
                d["measurements"]["spine_twist"] =
                    json!({"value_deg": 3.0, "method": "keypoints", "classification": null})
            },
            "measurements.spine_twist",
        ),
        (
            "full_turn",
            |d| d["measurements"]["trunk_inclination"]["value_deg"] = json!(359.0),
            "measurements.trunk_inclination.value_deg",
        ),
        (
            "value_and_decline",
            |d| d["measurements"]["trunk_inclination"]["declined"] = json!("no shoulder"),
            "holds a value and a decline",
        ),
        (
            "newer_minor",
            |d| d["schema_version"] = json!("1.99"),
            "schema_version 1.99",
        ),
        (
            "positive_without_flags",
            |d| d["screening"] = json!({"status": "positive", "flags": []}),
            "screening: status positive",
        ),
        (
            "flags_not_positive",
            |d| d["screening"] = json!({"status": "negative", "flags": ["night_pain"]}),
            "screening: status negative",
        ),
        (
            "mask_rows",
            |d| with_mask(d, |m| m["rows"] = json!(0)),
            "pose.person_mask.rows is 0",
        ),
        (
            "mask_huge",
            |d| with_mask(d, |m| m["columns"] = json!(100_000)),
            "pose.person_mask.columns is 100000",
        ),
        (
            "mask_runs_short",
            |d| with_mask(d, |m| m["inside_runs"] = json!("BQICAg==")),
            "pose.person_mask.inside_runs covers 11 cells, not the 4 x 4",
        ),
        (
            "mask_runs_not_base64",
            |d| with_mask(d, |m| m["inside_runs"] = json!("<svg onload=x>")),
            "pose.person_mask.inside_runs is not base64",
        ),
        (
            "mask_logits_missing",
            |d| with_mask(d, |m| m["outline_logits"] = json!("")),
            "pose.person_mask.outline_logits holds 0 bytes, not the 4 x 16",
        ),
        (
            "mask_logit_on_the_wrong_side",
            // The first cell's -3.0 made +3.0 (0x40400000): inside, where
            // the runs say outside.
            |d| {
                with_mask(d, |m| {
                    let logits = m["outline_logits"].as_str().unwrap();
                    m["outline_logits"] = json!(format!("AABAQA{}", &logits[6..]));
                })
            },
            "pose.person_mask.outline_logits holds 3e0 at row 0, column 0",
        ),
        (
            "mask_side",
            |d| with_mask(d, |m| m["region"]["side_px"] = json!(-5.0)),
            "pose.person_mask.region.side_px",
        ),
        (
            "mask_larger_than_the_photo",
            |d| with_mask(d, |m| m["region"]["side_px"] = json!(5000.0)),
            "pose.person_mask.region.side_px is 5000, more than 3 times",
        ),
        (
            "mask_outside_the_photo",
            |d| with_mask(d, |m| m["region"]["center_px"] = json!([240.0, -900.0])),
            "pose.person_mask.region.center_px (240, -900) puts the mask wholly outside",
        ),
        (
            "mask_turned",
            |d| with_mask(d, |m| m["region"]["rotation_rad"] = json!(7.0)),
            "pose.person_mask.region.rotation_rad",
        ),
        (
            "mask_contour",
            |d| with_mask(d, |m| m["contour_probability"] = json!(0.0)),
            "pose.person_mask.contour_probability",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    // The untouched fixture is read by all three, with a mask too.
    let clean = save(dir.path(), "clean.json", &fixture());
    replanned("measure", &clean, &[]);
    replanned("routine", &clean, &[]);
    let mut masked = fixture();
    with_mask(&mut masked, |_| {});
    let masked = save(dir.path(), "masked.json", &masked);
    replanned("measure", &masked, &[]);
    replanned("routine", &masked, &[]);
    for (name, edit, field) in cases {
        let mut document = fixture();
        edit(&mut document);
        let path = save(dir.path(), &format!("{name}.json"), &document);
        let file = path.display().to_string();
        for command in [
            vec!["measure", "--from", &file],
            vec!["routine", "--from", &file],
            vec!["compare", &file, clean.to_str().unwrap()],
        ] {
            sagitta()
                .args(&command)
                .assert()
                .code(2)
                .stdout(predicate::str::is_empty())
                .stderr(
                    predicate::str::contains(file.as_str())
                        .and(predicate::str::contains(*field))
                        .and(predicate::str::contains("panicked").not()),
                );
        }
    }
}

/// Creates an ONNX Runtime environment through the C API from Python, as
/// any program that loads the library without the opt-out does.
const CREATE_ENVIRONMENT: &str = r#"
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
lib.OrtGetApiBase.restype = ctypes.POINTER(ctypes.c_void_p)
get_api = ctypes.CFUNCTYPE(ctypes.POINTER(ctypes.c_void_p), ctypes.c_uint32)(lib.OrtGetApiBase()[0])
create_env = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p,
                              ctypes.POINTER(ctypes.c_void_p))(get_api(17)[3])
env = ctypes.c_void_p()
assert create_env(3, b"control", ctypes.byref(env)) is None and env.value
"#;

/// The files under `home`, relative to it.
fn files_under(home: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut folders = vec![home.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                found.push(path.strip_prefix(home).unwrap().display().to_string());
            }
        }
    }
    found.sort();
    found
}

/// ONNX Runtime writes a device id and an event database into the home
/// folder of any process that creates an environment (the control, with no
/// CI variables to quiet it); sagitta's run leaves the home folder empty.
#[test]
fn nothing_about_the_machine_is_recorded_outside_out() {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_sagitta"));
    let library = binary.with_file_name("libonnxruntime.so");
    assert!(library.is_file(), "{} is missing", library.display());
    let path = std::env::var("PATH").unwrap();

    let control_home = tempfile::tempdir().unwrap();
    let control = std::process::Command::new("python3")
        .env_clear()
        .env("PATH", &path)
        .env("HOME", control_home.path())
        .arg("-c")
        .arg(CREATE_ENVIRONMENT)
        .arg(&library)
        .status()
        .expect("python3 runs");
    assert!(control.success());
    let recorded = files_under(control_home.path());
    assert!(
        recorded.iter().any(|f| f.ends_with("onnxruntime.db"))
            && recorded.iter().any(|f| f.ends_with("deviceid")),
        "the control run recorded {recorded:?}: the test could not tell"
    );

    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut run = assert_cmd::Command::new(&binary);
    run.env_clear()
        .env("PATH", &path)
        .env("HOME", home.path())
        .args(["analyze", "-q", "--out"])
        .arg(out.path())
        .arg(sample("standing_anterior_tilt.jpg"))
        .assert()
        .success();
    assert_eq!(files_under(home.path()), Vec::<String>::new());
    // The opt-out is sagitta's own: a caller's `ORT_DISABLE_TELEMETRY=0`
    // does not turn the recording back on.
    let home = tempfile::tempdir().unwrap();
    assert_cmd::Command::new(&binary)
        .env_clear()
        .env("PATH", &path)
        .env("HOME", home.path())
        .env("ORT_DISABLE_TELEMETRY", "0")
        .args(["analyze", "-q", "--format", "json"])
        .arg(sample("standing_anterior_tilt.jpg"))
        .assert()
        .success();
    assert_eq!(files_under(home.path()), Vec::<String>::new());
}

/// `--annotate` never writes over a file the command reads: the photo,
/// under its own name or a hard link, the saved analysis, or the photo the
/// analysis names.
#[test]
fn annotate_never_writes_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("self.jpg");
    std::fs::copy(sample("walker_01.jpg"), &photo).unwrap();
    let link = dir.path().join("link.jpg");
    std::fs::hard_link(&photo, &link).unwrap();
    let original = std::fs::read(&photo).unwrap();
    let saved = dir.path().join("self.json");
    let output = sagitta()
        .args(["analyze", "--format", "json"])
        .arg(&photo)
        .assert()
        .success();
    std::fs::write(&saved, &output.get_output().stdout).unwrap();

    let refused = |command: &mut assert_cmd::Command, target: &Path| {
        command
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "--annotate {} is",
                target.display()
            )));
    };
    for target in [&photo, &link] {
        refused(
            sagitta()
                .args(["analyze", "-q", "--annotate"])
                .arg(target)
                .arg(&photo),
            target,
        );
        refused(
            sagitta()
                .args(["measure", "--from"])
                .arg(&saved)
                .arg("--annotate")
                .arg(target),
            target,
        );
    }
    refused(
        sagitta()
            .args(["measure", "--from"])
            .arg(&saved)
            .arg("--annotate")
            .arg(&saved),
        &saved,
    );
    assert_eq!(std::fs::read(&photo).unwrap(), original);
    // Another name is written.
    let other = dir.path().join("annotated.jpg");
    sagitta()
        .args(["analyze", "-q", "--annotate"])
        .arg(&other)
        .arg(&photo)
        .assert()
        .success();
    assert!(other.is_file());
}

/// A photo whose name is not UTF-8 keeps its exact bytes in the document:
/// `measure --from` annotates that photo, not the one its lossy name
/// (U+FFFD in place of the byte) happens to name, and a document whose
/// bytes do not match its name is refused.
#[test]
fn a_name_that_is_not_utf8_names_its_own_photo() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let exact = dir.path().join(std::ffi::OsStr::from_bytes(b"b\xff.jpg"));
    let lossy = dir.path().join("b\u{FFFD}.jpg");
    std::fs::copy(sample("walker_01.jpg"), &exact).unwrap();
    std::fs::copy(sample("standing_anterior_tilt.jpg"), &lossy).unwrap();
    let (saved, document) = analysed(dir.path(), &exact, &[]);
    assert_eq!(document["image"]["path_bytes_hex"], hex_of(&exact).as_str());
    let annotated = dir.path().join("annotated.jpg");
    sagitta()
        .args(["measure", "--from"])
        .arg(&saved)
        .arg("--annotate")
        .arg(&annotated)
        .assert()
        .success();
    let photo = image::open(&exact).unwrap();
    let drawn = image::open(&annotated).unwrap();
    assert_eq!(
        (drawn.width(), drawn.height()),
        (photo.width(), photo.height())
    );
    assert_ne!(
        (drawn.width(), drawn.height()),
        image::image_dimensions(&lossy).unwrap()
    );

    // The bytes of another name, or of a UTF-8 name, are an edited document.
    for edited in ["62ef.jpg", "62c3a9", "zz"] {
        let mut tampered = document.clone();
        tampered["image"]["path_bytes_hex"] = json!(edited);
        let path = save(dir.path(), "tampered.json", &tampered);
        sagitta()
            .args(["measure", "--from"])
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("image.path_bytes_hex"));
    }

    // A JSON Lines error record keeps the bytes too.
    let broken = dir.path().join(std::ffi::OsStr::from_bytes(b"c\xfe.jpg"));
    std::fs::write(&broken, b"not a photo").unwrap();
    let output = sagitta()
        .args(["analyze", "--format", "jsonl"])
        .arg(&broken)
        .assert()
        .code(1);
    let first: Value = serde_json::from_slice(
        output
            .get_output()
            .stdout
            .split(|b| *b == b'\n')
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["type"], "error");
    assert_eq!(first["image"]["path_bytes_hex"], hex_of(&broken).as_str());
}

fn hex_of(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Landmarks a typo away from a finding: a point far from the hip, points
/// too far apart, or a tilt no pelvis shows are declined with the reason,
/// and no finding rests on them; the README's landmarks still give the
/// anterior call. A saved document with such landmarks is declined alike.
#[test]
fn landmarks_are_checked_against_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let photo = sample("standing_anterior_tilt.jpg");
    let (_, good) = analysed(dir.path(), &photo, &["--asis", ASIS, "--psis", PSIS]);
    let tilt = good["measurements"]["pelvic_tilt"]["value_deg"]
        .as_f64()
        .unwrap();
    assert!((tilt - 28.0).abs() <= 3.6, "{tilt}");
    assert_eq!(
        good["measurements"]["pelvic_pattern"]["classification"],
        "anterior"
    );

    for (asis, psis, reason) in [
        ("281,557", PSIS, "torso lengths from the hip keypoint"),
        ("20,20", "590,790", "torso lengths from the hip keypoint"),
        ("300,350", "302,349", "torso lengths apart"),
        // Both near the hip and a pelvis's depth apart, but the ASIS far
        // below the PSIS: a tilt of some 60 degrees.
        ("292,395", "318,338", "a pelvis can show"),
    ] {
        let (_, document) = analysed(dir.path(), &photo, &["--asis", asis, "--psis", psis]);
        let pelvic = &document["measurements"]["pelvic_tilt"];
        assert!(pelvic["value_deg"].is_null(), "--asis {asis}: {pelvic}");
        assert!(
            pelvic["declined"].as_str().unwrap().contains(reason),
            "--asis {asis}: {pelvic}"
        );
        let findings = document["findings"].as_array().unwrap();
        assert!(
            !findings
                .iter()
                .any(|f| f["id"].as_str().unwrap().contains("tilt")),
            "--asis {asis}: {findings:?}"
        );
        // A document that carries such landmarks (edited into a good one)
        // is declined the same way when measured again.
        let mut edited = good.clone();
        let point =
            |text: &str| -> Vec<f64> { text.split(',').map(|v| v.parse().unwrap()).collect() };
        edited["measurements"]["pelvic_tilt"]["points_px"] = json!([point(psis), point(asis)]);
        let path = save(dir.path(), "edited.json", &edited);
        let again = replanned("measure", &path, &[]);
        assert!(
            again["measurements"]["pelvic_tilt"]["declined"]
                .as_str()
                .is_some_and(|r| r.contains(reason)),
            "measure --from with --asis {asis}: {}",
            again["measurements"]["pelvic_tilt"]
        );
        assert_ne!(
            again["measurements"]["pelvic_pattern"]["classification"],
            "anterior"
        );
    }
}

/// A visit document among the analyses (a `*.json` glob over an `--out`
/// folder picks it up) is named for what it is.
#[test]
fn a_visit_document_is_not_taken_for_an_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let record = ["--client", "CL-7", "--date", "2026-11-25"];
    let standing = analysed(dir.path(), &sample("standing_neutral.jpg"), &record).0;
    let standing = {
        let kept = dir.path().join("standing.json");
        std::fs::rename(&standing, &kept).unwrap();
        kept
    };
    let thomas = analysed(dir.path(), &sample("thomas_short_left.jpg"), &record).0;
    let output = sagitta()
        .args(["visit", "--format", "json"])
        .args([&standing, &thomas])
        .assert()
        .success();
    let visit = save(
        dir.path(),
        "CL-7_2026-11-25.visit.json",
        &serde_json::from_slice(&output.get_output().stdout).unwrap(),
    );
    for command in ["compare", "visit"] {
        sagitta()
            .arg(command)
            .args([&standing, &visit])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "is a visit document (`sagitta visit`), not an analysis",
            ));
    }
}
