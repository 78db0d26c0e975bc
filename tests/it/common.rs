//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn sample(name: &str) -> PathBuf {
    repo().join("samples").join(name)
}

/// A photo from the shared reference folder beside the checkout. Those photos
/// may not be redistributed, so a plain clone lacks them: the test is then
/// skipped with a note, except in CI (`CI` set), where a missing photo fails.
pub fn shared_photo(relative: &str) -> Option<PathBuf> {
    let path = repo().join("../shared/photos").join(relative);
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing in CI",
        path.display()
    );
    eprintln!(
        "skipped: {} is not here (it lives in ../shared beside the checkout)",
        path.display()
    );
    None
}

pub fn sagitta() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("sagitta").expect("the sagitta binary is built")
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The committed JSON Schema `schema/<name>.schema.json` (the one other
/// programs read; `tests/it/schema.rs` checks it is what the code generates).
pub fn published_schema(name: &str) -> serde_json::Value {
    read_json(&repo().join("schema").join(format!("{name}.schema.json")))
}

/// Why `value` breaks the published schema `name` (at its definition
/// `definition` when given, as `Routine` of `analysis`); empty when it is valid.
pub fn schema_errors(
    name: &str,
    definition: Option<&str>,
    value: &serde_json::Value,
) -> Vec<String> {
    let mut schema = published_schema(name);
    if let Some(definition) = definition {
        schema = serde_json::json!({
            "$schema": schema["$schema"],
            "$ref": format!("#/$defs/{definition}"),
            "$defs": schema["$defs"],
        });
    }
    let validator = jsonschema::validator_for(&schema).expect("the published schema compiles");
    validator
        .iter_errors(value)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

/// Asserts that what sagitta printed validates against its published schema:
/// `analysis` for `--format json` (one document or an array of them), `jsonl`
/// line by line, or a definition of one (`("analysis", Some("Routine"))`).
pub fn assert_schema_valid(name: &str, definition: Option<&str>, output: &[u8]) {
    let text = std::str::from_utf8(output).expect("sagitta prints UTF-8");
    let values: Vec<serde_json::Value> = if name == "jsonl" {
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| serde_json::from_str(line).expect("each JSON Lines record parses"))
            .collect()
    } else {
        match serde_json::from_str(text).expect("the output parses as JSON") {
            serde_json::Value::Array(items) if definition.is_none() => items,
            value => vec![value],
        }
    };
    assert!(!values.is_empty(), "no JSON to validate in {text:?}");
    for value in &values {
        let errors = schema_errors(name, definition, value);
        assert!(
            errors.is_empty(),
            "output breaks the published {name} schema:\n{}",
            errors.join("\n")
        );
    }
}

/// Runs `command`, expects it to succeed, and returns what it printed once
/// that has been checked against the published schema `name`.
pub fn valid_output(command: &mut assert_cmd::Command, name: &str) -> Vec<u8> {
    let output = command.assert().success().get_output().stdout.clone();
    assert_schema_valid(name, None, &output);
    output
}

/// Asserts that a document the library made (`Analyzer::analyze`) validates
/// against the published schema `name`, as its JSON output would.
pub fn assert_document_valid(name: &str, document: &impl serde::Serialize) {
    let json = serde_json::to_vec(document).expect("the document serialises");
    assert_schema_valid(name, None, &json);
}

/// Runs `analyze --format json` on `photo` with `extra`, checks the document
/// against the published schema and saves it as `saved.json` in `dir`.
pub fn saved_analysis(dir: &Path, photo: &Path, extra: &[&str]) -> (PathBuf, serde_json::Value) {
    let output = sagitta()
        .args(["analyze", "--format", "json"])
        .args(extra)
        .arg(photo)
        .assert()
        .success();
    let stdout = output.get_output().stdout.clone();
    assert_schema_valid("analysis", None, &stdout);
    let path = dir.join("saved.json");
    std::fs::write(&path, &stdout).unwrap();
    (path, serde_json::from_slice(&stdout).unwrap())
}

/// What [`jpeg_with_exif`] writes into the Exif IFD.
#[derive(Default)]
pub struct Exif<'a> {
    /// DateTimeOriginal, `YYYY:MM:DD HH:MM:SS`.
    pub date_time: Option<&'a str>,
    /// FocalLengthIn35mmFilm, mm.
    pub focal_length_35mm: Option<u16>,
}

/// The sample `from` as `dir/name` with an EXIF block holding only `exif`'s
/// fields: the APP1 segment goes right after the start-of-image marker.
pub fn jpeg_with_exif(dir: &Path, from: &str, name: &str, exif: &Exif) -> PathBuf {
    const EXIF_IFD_AT: u32 = 26;
    let mut entries: Vec<[u8; 12]> = Vec::new();
    let mut data = Vec::new();
    let count = u32::from(exif.date_time.is_some()) + u32::from(exif.focal_length_35mm.is_some());
    let data_at = EXIF_IFD_AT + 2 + 12 * count + 4;
    let entry = |tag: u16, kind: u16, n: u32, value: [u8; 4]| {
        let mut e = [0u8; 12];
        e[..2].copy_from_slice(&tag.to_le_bytes());
        e[2..4].copy_from_slice(&kind.to_le_bytes());
        e[4..8].copy_from_slice(&n.to_le_bytes());
        e[8..].copy_from_slice(&value);
        e
    };
    // Entries in tag order: DateTimeOriginal (ASCII, stored after the IFD),
    // then FocalLengthIn35mmFilm (SHORT, inline).
    if let Some(date_time) = exif.date_time {
        assert_eq!(date_time.len(), 19);
        entries.push(entry(
            0x9003,
            2,
            20,
            (data_at + data.len() as u32).to_le_bytes(),
        ));
        data.extend(date_time.as_bytes());
        data.push(0);
    }
    if let Some(mm) = exif.focal_length_35mm {
        let [a, b] = mm.to_le_bytes();
        entries.push(entry(0xA405, 3, 1, [a, b, 0, 0]));
    }
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    // IFD0: one entry, the pointer to the Exif IFD.
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(entry(0x8769, 4, 1, EXIF_IFD_AT.to_le_bytes()));
    tiff.extend(0u32.to_le_bytes());
    tiff.extend((entries.len() as u16).to_le_bytes());
    for e in &entries {
        tiff.extend(e);
    }
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(data);
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend(((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend(b"Exif\0\0");
    app1.extend(tiff);
    let jpeg = std::fs::read(sample(from)).unwrap();
    let mut bytes = jpeg[..2].to_vec();
    bytes.extend(app1);
    bytes.extend(&jpeg[2..]);
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}
