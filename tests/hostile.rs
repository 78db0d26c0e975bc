//! Hostile and messy input: the corpus of broken and odd files
//! (`tests/corpus/`, outcomes in `expected.json`), awkward file-system
//! entries, setup faults, and output that must stay inside `--out`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{sagitta, sample};
use predicates::prelude::*;
use sagitta::image_io::{self, DecodeLimits};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
struct Manifest {
    files: BTreeMap<String, Expected>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Expected {
    Decoded {
        decoded: [u32; 2],
        /// A corpus file whose pixels the decoded ones must match.
        upright: Option<String>,
        warning: Option<String>,
    },
    Refused {
        kind: String,
        message: String,
    },
}

fn corpus_dir() -> PathBuf {
    common::repo().join("tests/corpus/files")
}

fn manifest() -> Manifest {
    let text = std::fs::read_to_string(common::repo().join("tests/corpus/expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// JPEG at quality 100 without chroma subsampling, in blocks of one colour
/// aligned to its 8x8 grid, comes back within a few levels.
const PIXEL_TOLERANCE: i32 = 8;

/// What `image_io::load` gave, measured against the manifest; `None` when it matches.
fn mismatch(name: &str, expected: &Expected) -> Option<String> {
    let limits = DecodeLimits::default();
    let result = image_io::load(&corpus_dir().join(name), &limits);
    match (expected, result) {
        (Expected::Refused { kind, message }, Err(error)) => {
            (error.kind.as_str() != kind || !error.message.contains(message.as_str())).then(|| {
                format!(
                    "{name}: expected {kind} ({message:?}), got {:?}: {}",
                    error.kind, error.message
                )
            })
        }
        (Expected::Refused { kind, .. }, Ok(photo)) => Some(format!(
            "{name}: expected {kind}, but it decoded to {:?}",
            photo.image.dimensions()
        )),
        (Expected::Decoded { .. }, Err(error)) => {
            Some(format!("{name}: expected to decode, got {error}"))
        }
        (
            Expected::Decoded {
                decoded,
                upright,
                warning,
            },
            Ok(photo),
        ) => {
            if photo.image.dimensions() != (decoded[0], decoded[1]) {
                return Some(format!(
                    "{name}: decoded to {:?}, expected {decoded:?}",
                    photo.image.dimensions()
                ));
            }
            let warned = photo.warnings.join("; ");
            match warning {
                Some(fragment) if !warned.contains(fragment.as_str()) => {
                    return Some(format!(
                        "{name}: expected a warning with {fragment:?}, got {warned:?}"
                    ));
                }
                None if !warned.is_empty() => {
                    return Some(format!("{name}: unexpected warning {warned:?}"));
                }
                _ => {}
            }
            let reference = image_io::load(&corpus_dir().join(upright.as_deref()?), &limits)
                .unwrap()
                .image;
            let worst = photo
                .image
                .pixels()
                .zip(reference.pixels())
                .flat_map(|(a, b)| (0..3).map(move |c| (a[c] as i32 - b[c] as i32).abs()))
                .max()
                .unwrap_or(0);
            (worst > PIXEL_TOLERANCE)
                .then(|| format!("{name}: pixels differ from {upright:?} by up to {worst}"))
        }
    }
}

#[test]
fn every_corpus_file_decodes_or_is_refused_as_the_manifest_says() {
    let manifest = manifest();
    let mut on_disk: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    assert_eq!(
        on_disk,
        manifest.files.keys().cloned().collect::<Vec<_>>(),
        "files and manifest differ"
    );
    let problems: Vec<String> = manifest
        .files
        .iter()
        .filter_map(|(name, expected)| mismatch(name, expected))
        .collect();
    assert!(
        problems.is_empty(),
        "{} of {} files:\n{}",
        problems.len(),
        manifest.files.len(),
        problems.join("\n")
    );
}

#[test]
fn all_eight_exif_orientations_are_covered() {
    let manifest = manifest();
    for orientation in 1..=8 {
        let name = format!("orientation-{orientation}.jpg");
        assert!(
            matches!(
                manifest.files.get(&name),
                Some(Expected::Decoded {
                    upright: Some(_),
                    ..
                })
            ),
            "{name} must be compared with the upright pattern"
        );
    }
}

/// Runs the binary with JSON Lines output; a run that hangs fails the test.
fn run_jsonl(args: &[&std::ffi::OsStr]) -> (Option<i32>, Vec<Value>, String) {
    let output = sagitta()
        .args(["analyze", "--format", "jsonl", "--quiet", "--model", "lite"])
        .args(args)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let records = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (output.status.code(), records, stderr)
}

/// The record of each input, keyed by its file name, and the summary.
fn records_by_name(records: &[Value]) -> (BTreeMap<String, Value>, Value) {
    let mut by_name = BTreeMap::new();
    let mut summary = Value::Null;
    for record in records {
        if record["type"] == "summary" {
            summary = record.clone();
            continue;
        }
        let path = PathBuf::from(record["image"]["path"].as_str().unwrap());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            by_name.insert(name.clone(), record.clone()).is_none(),
            "two records for {name}"
        );
    }
    (by_name, summary)
}

fn error_kind(record: &Value) -> &str {
    record["error"]["kind"].as_str().unwrap_or("(analysed)")
}

#[test]
fn the_corpus_through_the_binary_gives_one_record_per_file_and_exit_1() {
    let manifest = manifest();
    let paths: Vec<PathBuf> = manifest
        .files
        .keys()
        .map(|name| corpus_dir().join(name))
        .collect();
    let args: Vec<&std::ffi::OsStr> = paths.iter().map(|p| p.as_os_str()).collect();
    let (code, records, stderr) = run_jsonl(&args);
    assert_eq!(code, Some(1), "{stderr}");
    let (by_name, summary) = records_by_name(&records);
    assert_eq!(summary["files"], manifest.files.len());
    for (name, expected) in &manifest.files {
        let record = &by_name[name];
        match expected {
            Expected::Refused { kind, message } => {
                assert_eq!(error_kind(record), kind, "{name}: {record}");
                assert!(
                    record["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains(message.as_str()),
                    "{name}: {record}"
                );
            }
            // A test pattern is decoded and shown to the model, which may or may not see a person in it.
            Expected::Decoded { .. } => {
                assert!(
                    ["(analysed)", "no_person"].contains(&error_kind(record)),
                    "{name}: {record}"
                );
            }
        }
    }
}

fn os(text: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(text)
}

/// Every file under `root`, relative to it.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(
                files_under(&path)
                    .into_iter()
                    .map(|p| path.strip_prefix(root).unwrap().join(p)),
            );
        } else {
            found.push(path.strip_prefix(root).unwrap().to_path_buf());
        }
    }
    found.sort();
    found
}

#[test]
fn odd_file_system_entries_each_get_a_record_and_a_fifo_does_not_hang() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let photo = sample("walker_03.jpg");
    std::fs::create_dir(root.join("folder.jpg")).unwrap();
    std::fs::copy(&photo, root.join("folder.jpg/inside.jpg")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/photo.jpg", root.join("broken-link.jpg")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(root.join("pipe.jpg"))
        .status()
        .unwrap();
    assert!(status.success());
    std::os::unix::fs::symlink(root.join("pipe.jpg"), root.join("link-to-pipe.jpg")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("device.jpg")).unwrap();
    for name in ["with space.jpg", "Frau Müller – Seite.JPG"] {
        std::fs::copy(&photo, root.join(name)).unwrap();
    }
    // Not UTF-8 (Latin-1 "café"): legal on Linux, and common on old archives.
    std::fs::copy(
        &photo,
        root.join(std::ffi::OsStr::from_bytes(b"caf\xe9.jpg")),
    )
    .unwrap();

    let out = tempfile::tempdir().unwrap();
    let (code, records, stderr) = run_jsonl(&[
        os("--jobs"),
        os("2"),
        os("--out"),
        out.path().as_os_str(),
        root.as_os_str(),
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    let (by_name, summary) = records_by_name(&records);
    let kinds: BTreeMap<&str, &str> = by_name
        .iter()
        .map(|(name, record)| (name.as_str(), error_kind(record)))
        .collect();
    let expected: BTreeMap<&str, &str> = [
        ("Frau Müller – Seite.JPG", "(analysed)"),
        ("broken-link.jpg", "io"),
        ("caf\u{FFFD}.jpg", "(analysed)"),
        ("device.jpg", "io"),
        ("folder.jpg", "io"),
        ("link-to-pipe.jpg", "io"),
        ("pipe.jpg", "io"),
        ("with space.jpg", "(analysed)"),
    ]
    .into_iter()
    .collect();
    assert_eq!(kinds, expected, "{records:?}");
    assert_eq!(summary["analysed"], 3);
    assert!(
        by_name["pipe.jpg"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a regular file")
    );
    assert!(
        by_name["broken-link.jpg"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot read the file")
    );
    let written: Vec<String> = files_under(out.path())
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        written,
        [
            "Frau_Müller___Seite.annotated.jpg",
            "Frau_Müller___Seite.json",
            "caf_.annotated.jpg",
            "caf_.json",
            "with_space.annotated.jpg",
            "with_space.json"
        ]
    );
}

#[test]
fn an_output_path_that_cannot_be_written_fails_that_photo_only() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.jpg", "b.jpg", "c.jpg"] {
        std::fs::copy(sample("walker_03.jpg"), dir.path().join(name)).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    // A folder where a result file has to go.
    std::fs::create_dir(out.path().join("a.json")).unwrap();
    std::fs::create_dir(out.path().join("b.annotated.jpg")).unwrap();
    let (code, records, stderr) =
        run_jsonl(&[os("--out"), out.path().as_os_str(), dir.path().as_os_str()]);
    assert_eq!(code, Some(1), "{stderr}");
    let (by_name, summary) = records_by_name(&records);
    assert_eq!(error_kind(&by_name["a.jpg"]), "output");
    assert!(
        by_name["a.jpg"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("a.json"),
        "{}",
        by_name["a.jpg"]
    );
    assert_eq!(error_kind(&by_name["b.jpg"]), "output");
    assert_eq!(error_kind(&by_name["c.jpg"]), "(analysed)");
    assert_eq!(summary["failed"], 2);
    // The failed writes left no temporary files behind.
    let names: Vec<PathBuf> = files_under(out.path());
    assert!(
        names.iter().all(|n| !n.to_string_lossy().contains(".tmp-")),
        "{names:?}"
    );
    assert!(names.contains(&PathBuf::from("c.json")));

    // --out naming a regular file: nothing can be written, so the run stops with a usage error.
    let file = dir.path().join("a.jpg");
    sagitta()
        .args(["analyze", "--format", "jsonl", "--out"])
        .arg(&file)
        .arg(&file)
        .timeout(Duration::from_secs(120))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot create the output folder"))
        .stderr(predicates::str::contains("panicked").not());
}

#[test]
fn hostile_file_names_never_write_outside_the_output_folder() {
    let root = tempfile::tempdir().unwrap();
    let (inputs, out) = (root.path().join("in"), root.path().join("out"));
    std::fs::create_dir(&inputs).unwrap();
    let names = [
        "..\u{2215}..\u{2215}escape.jpg", // DIVISION SLASH, which looks like '/'
        "..\\..\\windows.jpg",
        "line\nbreak.jpg",
        ".hidden.jpg",
        "-dash.jpg",
        "$(touch pwned).jpg",
        // 80 three-byte characters: 240 bytes, within the 255 a file name may have.
        &format!("{}.jpg", "写".repeat(80)),
    ];
    for name in names {
        std::fs::copy(sample("walker_03.jpg"), inputs.join(name)).unwrap();
    }
    let (code, records, stderr) = run_jsonl(&[
        os("--jobs"),
        os("2"),
        os("--out"),
        out.as_os_str(),
        inputs.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let (by_name, summary) = records_by_name(&records);
    assert_eq!(summary["analysed"], names.len());
    assert!(
        by_name.contains_key("line\nbreak.jpg"),
        "the record keeps the real name"
    );
    // Everything written lies directly in the output folder, one JSON and one image per photo.
    let outside: Vec<PathBuf> = files_under(root.path())
        .into_iter()
        .filter(|p| !p.starts_with("in") && !p.starts_with("out"))
        .collect();
    assert!(outside.is_empty(), "{outside:?}");
    assert!(!root.path().join("pwned").exists());
    let written = files_under(&out);
    assert_eq!(written.len(), 2 * names.len(), "{written:?}");
    for path in &written {
        let name = path.to_string_lossy();
        assert_eq!(path.components().count(), 1, "{name}");
        assert!(
            !name.starts_with('.') && !name.contains(['\n', '\\', '/', '$', ' ']),
            "{name:?}"
        );
    }
}

/// An `OrtGetApiBase` that offers no API for the version asked for and calls
/// itself 1.10.0: what an old ONNX Runtime does.
const OLD_RUNTIME_C: &str = r#"
#include <stddef.h>
typedef struct { const void* (*GetApi)(unsigned); const char* (*GetVersionString)(void); } OrtApiBase;
static const void* get_api(unsigned version) { (void)version; return NULL; }
static const char* version_string(void) { return "1.10.0"; }
static const OrtApiBase base = { get_api, version_string };
const OrtApiBase* OrtGetApiBase(void) { return &base; }
"#;

fn assert_runtime_refused(library: &Path, fragment: &str) {
    sagitta()
        .arg("analyze")
        .arg(sample("walker_01.jpg"))
        .env("ORT_DYLIB_PATH", library)
        .timeout(Duration::from_secs(120))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot load ONNX Runtime"))
        .stderr(predicates::str::contains(fragment))
        .stderr(predicates::str::contains(
            "Fix: point ORT_DYLIB_PATH at libonnxruntime.so.1.31.1",
        ))
        .stderr(predicates::str::contains("panicked").not());
}

#[test]
fn a_shared_library_that_is_not_onnx_runtime_or_too_old_is_refused_with_exit_2() {
    // A real shared object without the runtime's entry point.
    let zlib = Path::new("/lib/x86_64-linux-gnu/libz.so.1");
    if zlib.exists() {
        assert_runtime_refused(zlib, "does not export `OrtGetApiBase`");
    } else {
        eprintln!("skipped the libz case: {} is not here", zlib.display());
    }

    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("old.c");
    std::fs::write(&source, OLD_RUNTIME_C).unwrap();
    let library = dir.path().join("libonnxruntime.so.1.10.0");
    // `cc` is there wherever Rust links binaries; without it the case is skipped.
    match std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&library)
        .arg(&source)
        .status()
    {
        Ok(status) if status.success() => assert_runtime_refused(&library, "but got '1.10.0'"),
        other => {
            eprintln!("skipped the old-runtime case: cannot compile a stub with cc ({other:?})")
        }
    }
}

/// Crates that open network connections; none may be linked into sagitta.
const NETWORK_CRATES: [&str; 14] = [
    "ureq",
    "reqwest",
    "hyper",
    "curl",
    "isahc",
    "attohttpc",
    "surf",
    "h2",
    "tokio",
    "async-std",
    "mio",
    "socket2",
    "rustls",
    "native-tls",
];

#[test]
fn nothing_reaches_the_network_or_a_shell_at_run_time() {
    // The dependencies built into the binary (not build scripts or tests).
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--edges",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "--manifest-path",
        ])
        .arg(common::repo().join("Cargo.toml"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(
        crates.contains(&"image"),
        "unexpected cargo tree output: {tree}"
    );
    let linked: Vec<&&str> = crates
        .iter()
        .filter(|name| NETWORK_CRATES.contains(name))
        .collect();
    assert!(
        linked.is_empty(),
        "network crates in the binary: {linked:?}"
    );

    // Nor does sagitta's own code open sockets or start programs (the build
    // script fetches ONNX Runtime with pip, once, at build time).
    let mut sources = vec![common::repo().join("src")];
    while let Some(path) = sources.pop() {
        if path.is_dir() {
            sources.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for forbidden in ["std::net", "TcpStream", "UdpSocket", "process::Command"] {
                assert!(
                    !text.contains(forbidden),
                    "{} uses {forbidden}",
                    path.display()
                );
            }
        }
    }
}

/// Found by fuzzing: a crop centred at 3e38 pixels (a float the landmark
/// model may emit) overflowed the integer pixel index in debug builds.
#[test]
fn a_crop_far_off_the_photo_samples_black() {
    use sagitta::pose::preprocess::{Roi, ValueRange, sample_roi};
    let image = image::RgbImage::from_pixel(64, 64, image::Rgb([200, 100, 50]));
    let range = ValueRange {
        min: -1.0,
        max: 1.0,
    };
    let mut tensor = Vec::new();
    for (center_x, center_y) in [
        (3e38, 10.0),
        (10.0, -3e38),
        (f32::MAX, f32::MAX),
        (-f32::MAX, 0.0),
    ] {
        let roi = Roi {
            center_x,
            center_y,
            size: 100.0,
            rotation: 0.3,
        };
        sample_roi(&image, &roi, 8, range, &mut tensor);
        assert!(tensor.iter().all(|&v| v == -1.0), "{roi:?}: {tensor:?}");
    }
}
