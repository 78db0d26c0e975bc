//! The published JSON Schemas (`schema/`, `sagitta schema NAME`): the
//! committed files are what the code generates, they are valid draft
//! 2020-12 schemas, they reject what sagitta does not write, and every
//! sample's output in every JSON format validates against them. The other
//! tests that read JSON output validate it too (`common::assert_schema_valid`).
//!
//! After changing a serde type, regenerate the committed files with
//! `UPDATE_EXPECT=1 cargo test --test it schema::` (expect-test's file
//! expectations: the files stay the plain JSON the command prints; or
//! `cargo run -- schema NAME > schema/NAME.schema.json` for each name).
//!
//! The documents generated from the code are held to it here too:
//! docs/measurements.md (`sagitta measurements --format markdown`, from the
//! measurement registry) and the manual page docs/sagitta.1 (`sagitta
//! manpage`, from the command-line definitions); the same
//! `UPDATE_EXPECT=1` run rewrites them.

use crate::common;

use common::{assert_schema_valid, repo, sagitta, schema_errors};
use expect_test::expect_file;
use sagitta::report::json_schema::PUBLISHED;

fn printed(name: &str) -> serde_json::Value {
    let output = sagitta().args(["schema", name]).assert().success();
    serde_json::from_slice(&output.get_output().stdout).expect("sagitta schema prints JSON")
}

#[test]
fn the_committed_schemas_are_what_the_code_generates() {
    for published in PUBLISHED {
        let path = repo()
            .join("schema")
            .join(format!("{}.schema.json", published.name));
        let generated = printed(published.name);
        assert_eq!(generated, published.json());
        let text = serde_json::to_string_pretty(&generated).unwrap() + "\n";
        expect_file![path].assert_eq(&text);
    }
    // No stale file for a document that is no longer published.
    for entry in std::fs::read_dir(repo().join("schema")).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        let name = file.strip_suffix(".schema.json").unwrap_or(&file);
        assert!(
            PUBLISHED.iter().any(|p| p.name == name),
            "schema/{file} is not a published schema"
        );
    }
}

/// Each generated document, committed, is byte for byte what its command
/// prints now (a difference is shown as a diff).
#[test]
fn the_committed_generated_docs_are_what_the_code_prints() {
    let generated_docs: [(&str, &[&str]); 2] = [
        (
            "docs/measurements.md",
            &["measurements", "--format", "markdown"],
        ),
        ("docs/sagitta.1", &["manpage"]),
    ];
    for (file, args) in generated_docs {
        let output = sagitta().args(args).assert().success();
        let generated = String::from_utf8(output.get_output().stdout.clone()).unwrap();
        assert!(generated.len() > 1000, "{file}: {generated}");
        expect_file![repo().join(file)].assert_eq(&generated);
    }
}

#[test]
fn the_default_schema_is_the_analysis_document_and_unknown_names_are_refused() {
    let output = sagitta().arg("schema").assert().success();
    let default: serde_json::Value = serde_json::from_slice(&output.get_output().stdout).unwrap();
    assert_eq!(default, printed("analysis"));
    sagitta()
        .args(["schema", "nonsense"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("analysis"));
}

#[test]
fn the_schemas_are_valid_draft_2020_12_schemas() {
    for published in PUBLISHED {
        let schema = published.json();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        jsonschema::meta::validate(&schema)
            .unwrap_or_else(|e| panic!("{}: not a valid JSON Schema: {e}", published.name));
    }
}

/// A document with a field of the wrong type, a missing required field or
/// an unknown enum value is refused: the validation can fail.
#[test]
fn the_analysis_schema_rejects_what_sagitta_does_not_write() {
    // A saved 1.1 document, with what 1.2 writes always (the visit's record,
    // unknown here): valid as it is.
    let mut fixture = common::read_json(&repo().join("tests/fixtures/analysis_thomas.json"));
    fixture["schema_version"] = sagitta::schema::SCHEMA_VERSION.into();
    fixture["session"] = serde_json::to_value(sagitta::schema::Session::default()).unwrap();
    // ... and with what 1.3 writes always: each exercise's targets.
    let routine = &mut fixture["routine"];
    assert!(!routine["exercises"].as_array().unwrap().is_empty());
    for list in ["/exercises", "/phase_two/exercises"] {
        let items = routine.pointer_mut(list).and_then(|v| v.as_array_mut());
        for exercise in items.into_iter().flatten() {
            exercise["targets"] = serde_json::json!(["hip flexors"]);
        }
    }
    let errors = schema_errors("analysis", None, &fixture);
    assert!(errors.is_empty(), "{errors:?}");
    let mut without_session = fixture.clone();
    without_session.as_object_mut().unwrap().remove("session");

    let mut wrong_type = fixture.clone();
    wrong_type["measurements"]["hip_extension"]["value_deg"] = "-12".into();
    let mut missing = fixture.clone();
    missing.as_object_mut().unwrap().remove("protocol");
    let mut unknown_status = fixture.clone();
    unknown_status["assessment"]["status"] = "fine".into();
    let mut bad_point = fixture.clone();
    bad_point["measurements"]["hip_extension"]["points_px"] = serde_json::json!([[1.0, 2.0, 3.0]]);
    for (what, broken) in [
        ("no session (1.2 always writes one)", without_session),
        ("a string angle", wrong_type),
        ("no protocol", missing),
        ("an unknown status", unknown_status),
        ("a point of three numbers", bad_point),
    ] {
        assert!(
            !schema_errors("analysis", None, &broken).is_empty(),
            "{what} passed the schema"
        );
    }
}

/// Every sample, as one JSON array and as JSON Lines (an error record
/// included), with the files `--out` writes.
#[test]
fn every_sample_output_validates_in_every_json_format() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_photo = dir.path().join("notes.jpg");
    std::fs::write(&not_a_photo, "not a photo").unwrap();
    let samples: Vec<_> = std::fs::read_dir(repo().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    assert!(samples.len() >= 10);

    let out = dir.path().join("out");
    let jsonl = sagitta()
        .args(["analyze", "--format", "jsonl", "--quiet", "--out"])
        .arg(&out)
        .args(&samples)
        .arg(&not_a_photo)
        .assert()
        .code(1);
    let stdout = &jsonl.get_output().stdout;
    assert_schema_valid("jsonl", None, stdout);
    let types: Vec<String> = String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["type"].to_string())
        .collect();
    assert!(types.contains(&"\"error\"".to_string()), "{types:?}");
    assert_eq!(types.last().unwrap(), "\"summary\"");

    let mut written = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            assert_schema_valid("analysis", None, &std::fs::read(&path).unwrap());
            written += 1;
        }
    }
    assert_eq!(written, samples.len());

    let json = sagitta()
        .args(["analyze", "--format", "json", "--general-routine"])
        .args(&samples[..2])
        .assert()
        .success();
    assert_schema_valid("analysis", None, &json.get_output().stdout);
}

#[test]
fn a_replanned_routine_validates_as_the_documents_routine() {
    let output = sagitta()
        .args(["routine", "--format", "json", "--from"])
        .arg(repo().join("tests/fixtures/analysis_thomas.json"))
        .assert()
        .success();
    assert_schema_valid("analysis", Some("Routine"), &output.get_output().stdout);
}
