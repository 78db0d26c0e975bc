//! Hostile and messy input: the corpus of broken and odd files
//! (`tests/corpus/`, outcomes in `expected.json`), awkward file-system
//! entries, setup faults, and output that must stay inside `--out`.

use crate::common;

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
            let warned = photo
                .warnings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
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
    if !output.stdout.is_empty() {
        common::assert_schema_valid("jsonl", None, &output.stdout);
    }
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
    // script fetches ONNX Runtime with pip, once, at build time). The one
    // exception is `sagitta review`: its server (tiny_http) listens on the
    // loopback addresses only (tests/it/review.rs), and it starts one
    // program, the desktop's opener, with its own address.
    let opener = common::repo().join("src/review/mod.rs");
    let mut sources = vec![common::repo().join("src")];
    while let Some(path) = sources.pop() {
        if path.is_dir() {
            sources.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for forbidden in ["std::net", "TcpStream", "UdpSocket", "process::Command"] {
                let allowed = usize::from(path == opener && forbidden == "process::Command");
                assert!(
                    text.matches(forbidden).count() <= allowed,
                    "{} uses {forbidden}",
                    path.display()
                );
            }
        }
    }
    let text = std::fs::read_to_string(&opener).unwrap();
    let call = text
        .find("process::Command::new(program)")
        .expect("the opener");
    let function = text[..call]
        .rfind("fn open_browser(url: &str)")
        .expect("in open_browser");
    assert!(text[function..call].contains("\"xdg-open\""));
}

// ---------------------------------------------------------------------------
// Issue 13, "Hostile environment": one test per defect. Each failed on the
// code before the fix (named in the comment) and passes after it.

fn lib_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("sagitta")
        .parent()
        .unwrap()
        .to_path_buf()
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Runs `f` on another thread; a call that does not return within a minute
/// (a read that blocks on a FIFO) fails the test instead of hanging it.
fn within_a_minute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(f());
    });
    receiver
        .recv_timeout(Duration::from_secs(60))
        .expect("the call blocked (a FIFO read?)")
}

/// Before: `--annotate` renamed its output over whatever was there: a FIFO, a
/// device node or a link became a JPEG.
#[test]
fn annotate_replaces_only_a_regular_file_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.jpg");
    mkfifo(&fifo);
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep").unwrap();
    let link = dir.path().join("link.jpg");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    for (target, what) in [(&fifo, "device, FIFO or socket"), (&link, "symbolic link")] {
        sagitta()
            .args(["analyze", "--model", "lite", "--annotate"])
            .arg(target)
            .arg(sample("walker_01.jpg"))
            .timeout(Duration::from_secs(120))
            .assert()
            .code(2)
            .stderr(predicates::str::contains(what));
    }
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
}

use std::os::unix::fs::FileTypeExt;

/// Before: the last of two equal keys won: `{"night_pain": true,
/// "night_pain": false}` raised no flag.
#[test]
fn a_screening_key_given_twice_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let screening = dir.path().join("screening.json");
    std::fs::write(&screening, r#"{"night_pain": true, "night_pain": false}"#).unwrap();
    sagitta()
        .args(["routine", "--screening"])
        .arg(&screening)
        .arg("--from")
        .arg(common::repo().join("tests/fixtures/analysis_standing.json"))
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "the key `night_pain` appears more than once",
        ));
    // The same for a saved analysis.
    let text =
        std::fs::read_to_string(common::repo().join("tests/fixtures/analysis_standing.json"))
            .unwrap();
    let doubled = text.replacen('{', "{\"findings\": [],", 1);
    let saved = dir.path().join("doubled.json");
    std::fs::write(&saved, doubled).unwrap();
    sagitta()
        .args(["routine", "--from"])
        .arg(&saved)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "`findings` appears more than once",
        ));
}

/// Before: documents were read whole with no check of what they were: a
/// FIFO hung forever, `/dev/zero` grew until killed, and an error echoed
/// the whole input.
#[test]
fn documents_are_read_only_from_bounded_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let from_fifo = fifo.clone();
    let error = within_a_minute(move || {
        sagitta::recommend::Recommender::load(Some(&from_fifo), None)
            .unwrap_err()
            .to_string()
    });
    assert!(error.contains("not a regular file (a FIFO"), "{error}");
    for option in ["--catalog", "--rules", "--screening"] {
        sagitta()
            .args(["routine", option])
            .arg("/dev/zero")
            .arg("--from")
            .arg(common::repo().join("tests/fixtures/analysis_standing.json"))
            .timeout(Duration::from_secs(60))
            .assert()
            .code(2)
            .stderr(predicates::str::contains("a character device"));
    }
    sagitta()
        .args(["routine", "--from"])
        .arg(&fifo)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("FIFO"));

    // Over the size limit: refused unread.
    let big = dir.path().join("big.toml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(sagitta::input::MAX_DOCUMENT_BYTES + 1)
        .unwrap();
    let output = sagitta()
        .args(["catalog", "--catalog"])
        .arg(&big)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("over the 4.0 MiB limit"));

    // Within the limit, a one-line document and a huge key are quoted in excerpts.
    let line = dir.path().join("line.toml");
    std::fs::write(&line, "x".repeat(3_000_000)).unwrap();
    let key = dir.path().join("key.json");
    std::fs::write(&key, format!("{{\"{}\": true}}", "k".repeat(3_000_000))).unwrap();
    for (option, path) in [("--catalog", &line), ("--screening", &key)] {
        let output = sagitta()
            .args(["routine", option])
            .arg(path)
            .arg("--from")
            .arg(common::repo().join("tests/fixtures/analysis_standing.json"))
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        assert!(
            output.stderr.len() < 2000,
            "{option}: {} bytes of message",
            output.stderr.len()
        );
    }
}

/// The corpus's orientation-6 JPEG with its frame header made to declare
/// `width` x `height`: a kilobyte that asks for hundreds of megabytes.
fn jpeg_declaring(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = std::fs::read(corpus_dir().join("orientation-6.jpg")).unwrap();
    let mut at = 2;
    loop {
        let marker = bytes[at + 1];
        let length = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        if matches!(marker, 0xC0..=0xC2) {
            bytes[at + 5..at + 7].copy_from_slice(&height.to_be_bytes());
            bytes[at + 7..at + 9].copy_from_slice(&width.to_be_bytes());
            return bytes;
        }
        at += 2 + length;
    }
}

/// Before: the limits bounded each side (16384) and the decoder's buffer
/// (1 GiB), not the photo: a 1 KB JPEG declaring 16384 x 16384 took 1.65 GB.
/// Now a photo may have at most 50 megapixels, checked on the header.
#[test]
fn a_tiny_file_declaring_a_huge_photo_is_refused_before_decoding() {
    let limits = DecodeLimits::default();
    assert!(
        limits.max_pixels >= 8064 * 6048,
        "a 48 MP phone photo must fit"
    );
    assert!(limits.max_alloc >= 8064 * 6048 * 4, "... also with alpha");
    let bomb = jpeg_declaring(8192, 8192);
    assert!(bomb.len() < 2000);
    let (kind, message) = image_io::decode(&bomb, &limits).err().expect("refused");
    assert_eq!(kind, sagitta::error::FileErrorKind::TooLarge);
    assert!(message.contains("67.1 megapixels"), "{message}");
}

/// Before: NaN, inf and 1e308 were accepted as the camera roll.
#[test]
fn the_camera_roll_must_be_finite_and_within_45_degrees() {
    for value in ["NaN", "inf", "-inf", "1e308", "45.5", "-90"] {
        sagitta()
            .args(["analyze", "--camera-roll-deg", value])
            .arg(sample("walker_01.jpg"))
            .timeout(Duration::from_secs(60))
            .assert()
            .code(2)
            .stderr(predicates::str::contains("between -45 and 45"));
    }
}

#[test]
fn the_camera_pitch_and_focal_length_must_be_finite_and_in_range() {
    for (flag, value, says) in [
        (
            "--camera-pitch-deg",
            "NaN",
            "expected a pitch between -30 and 30 degrees",
        ),
        (
            "--camera-pitch-deg",
            "30.5",
            "expected a pitch between -30 and 30 degrees",
        ),
        ("--camera-pitch-deg", "up", "expected a number of degrees"),
        (
            "--focal-length-35mm",
            "0",
            "expected a focal length between 10 and 400 mm",
        ),
        (
            "--focal-length-35mm",
            "inf",
            "expected a focal length between 10 and 400 mm",
        ),
    ] {
        sagitta()
            .args(["analyze", flag, value])
            .arg(sample("walker_01.jpg"))
            .timeout(Duration::from_secs(60))
            .assert()
            .code(2)
            .stderr(predicates::str::contains(says));
    }
}

/// Before: `--threads 64` on two cores was accepted (and ran 40-100 times slower).
#[test]
fn threads_beyond_the_cores_need_force() {
    let cores = std::thread::available_parallelism().unwrap().get();
    if cores >= 64 {
        eprintln!("skipped: {cores} cores");
        return;
    }
    sagitta()
        .args(["analyze", "--threads", "64"])
        .arg(sample("walker_01.jpg"))
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--force-threads"));
}

/// Before: `routine --from` planned from any number, 1e308 degrees included.
#[test]
fn routine_from_refuses_implausible_values() {
    let text =
        std::fs::read_to_string(common::repo().join("tests/fixtures/analysis_standing.json"))
            .unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let measurements = doc["measurements"].as_object_mut().unwrap();
    let (name, measurement) = measurements
        .iter_mut()
        .find(|(_, m)| m.get("value_deg").is_some())
        .unwrap();
    let name = name.clone();
    measurement["value_deg"] = serde_json::json!(1e308);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("huge.json");
    std::fs::write(&saved, serde_json::to_string(&doc).unwrap()).unwrap();
    sagitta()
        .args(["routine", "--from"])
        .arg(&saved)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "measurements.{name}.value_deg is 1e308"
        )));
}

/// Before: a library cut short was mapped past its end, and the first call
/// into it killed sagitta with SIGBUS (exit 135, no message).
#[test]
fn a_truncated_runtime_library_is_refused_before_it_is_loaded() {
    let library = lib_dir().join("libonnxruntime.so");
    let bytes = std::fs::read(&library).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for keep in [4096, bytes.len() / 2] {
        let cut = dir.path().join(format!("cut-{keep}.so"));
        std::fs::write(&cut, &bytes[..keep]).unwrap();
        assert_runtime_refused(&cut, "the file is truncated or not a shared library");
    }
    // The build's own copy (next to the executable) is checked by size and checksum.
    let exe_dir = dir.path().join("bin");
    std::fs::create_dir(&exe_dir).unwrap();
    std::fs::copy(
        assert_cmd::cargo::cargo_bin("sagitta"),
        exe_dir.join("sagitta"),
    )
    .unwrap();
    std::fs::write(exe_dir.join("libonnxruntime.so"), &bytes[..bytes.len() - 1]).unwrap();
    let output = std::process::Command::new(exe_dir.join("sagitta"))
        .arg("analyze")
        .arg(sample("walker_01.jpg"))
        .env_remove("ORT_DYLIB_PATH")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is damaged"), "{stderr}");
    assert!(
        stderr.contains("Fix: rebuild with `cargo build --release`"),
        "{stderr}"
    );

    // Set but empty: said so, not "looked in: ".
    sagitta()
        .arg("analyze")
        .arg(sample("walker_01.jpg"))
        .env("ORT_DYLIB_PATH", "")
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("ORT_DYLIB_PATH is set but empty"));
}

/// Before: a model folder that could not be used was reported as a missing
/// model file, and a damaged heavy model only gave a warning and exit 0.
#[test]
fn model_folder_and_heavy_model_faults_are_setup_errors() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_folder = dir.path().join("models.txt");
    std::fs::write(&not_a_folder, "").unwrap();
    sagitta()
        .args(["analyze", "--model-dir"])
        .arg(&not_a_folder)
        .arg(sample("walker_01.jpg"))
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot use the model folder"))
        .stderr(predicates::str::contains("it is not a folder"));

    let models = dir.path().join("models");
    std::fs::create_dir(&models).unwrap();
    for name in ["pose_detection.onnx", "pose_landmark_lite.onnx"] {
        std::os::unix::fs::symlink(common::repo().join("models").join(name), models.join(name))
            .unwrap();
    }
    std::fs::write(models.join("pose_landmark_heavy.onnx"), b"not a model").unwrap();
    sagitta()
        .args(["analyze", "--model", "lite", "--model-dir"])
        .arg(&models)
        .arg(sample("walker_01.jpg"))
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "pose_landmark_heavy.onnx is damaged",
        ));
}

/// Before: an output folder inside the input folder was walked on the next
/// `-r` run, and its annotated images analysed as photos.
#[test]
fn the_output_folder_inside_the_input_folder_is_not_analysed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(sample("walker_03.jpg"), dir.path().join("a.jpg")).unwrap();
    let out = dir.path().join("results");
    for _ in 0..2 {
        let (code, records, stderr) = run_jsonl(&[
            os("-r"),
            os("--out"),
            out.as_os_str(),
            dir.path().as_os_str(),
        ]);
        assert_eq!(code, Some(0), "{stderr}");
        let (by_name, _) = records_by_name(&records);
        assert_eq!(by_name.keys().collect::<Vec<_>>(), ["a.jpg"]);
    }
}

/// Before: `--resume` compared the recorded path as text, so `./p8/` after
/// `p8` redid everything.
#[test]
fn resume_recognises_a_folder_spelled_differently() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("p");
    std::fs::create_dir(&photos).unwrap();
    for name in ["a.jpg", "b.jpg"] {
        std::fs::copy(sample("walker_03.jpg"), photos.join(name)).unwrap();
    }
    let out = dir.path().join("out");
    let (code, _, stderr) = run_jsonl(&[os("--out"), out.as_os_str(), photos.as_os_str()]);
    assert_eq!(code, Some(0), "{stderr}");
    let respelled = dir.path().join("p/../p/./");
    let (code, records, stderr) = run_jsonl(&[
        os("--resume"),
        os("--out"),
        out.as_os_str(),
        respelled.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let (_, summary) = records_by_name(&records);
    assert_eq!(summary["skipped_existing"], 2, "{records:?}");
}

/// Before: a cell that began with `=` was a formula in a spreadsheet, and an
/// escape sequence in a file name reached the terminal raw.
#[test]
fn file_names_cannot_inject_formulas_or_escape_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let formula = dir.path().join("=HYPERLINK(1).jpg");
    std::fs::write(&formula, b"not an image").unwrap();
    let output = sagitta()
        .args(["analyze", "--model", "lite", "--format", "csv"])
        .arg("=HYPERLINK(1).jpg")
        .current_dir(dir.path())
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let csv = String::from_utf8_lossy(&output.stdout);
    let row = csv.lines().nth(1).unwrap();
    assert!(row.starts_with("'"), "{row}");

    let escape = dir.path().join("\u{1b}[31mred\u{1b}]0;title\u{7}.jpg");
    std::fs::write(&escape, b"not an image").unwrap();
    let output = sagitta()
        .args(["analyze", "--model", "lite"])
        .arg(&escape)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("\\x1b[31mred"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{7}'),
        "{stderr:?}"
    );
}

/// Before: `--asis -10,20` was taken for an option (clap suggested `-- -10,20`).
#[test]
fn negative_landmark_coordinates_are_values() {
    let output = sagitta()
        .args([
            "analyze", "--model", "lite", "--asis", "-10,20", "--psis", "-30,25",
        ])
        .arg(sample("walker_01.jpg"))
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

/// Spawns a batch with standard output piped; returns the child.
fn spawn_batch(args: &[&std::ffi::OsStr]) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("sagitta"))
        .args(["analyze", "--model", "lite", "--jobs", "1", "--quiet"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn photos(dir: &Path, count: usize) {
    for i in 0..count {
        std::fs::copy(sample("walker_03.jpg"), dir.join(format!("p{i}.jpg"))).unwrap();
    }
}

/// Before: with `--out`, a reader that stopped early (`| head -1`) ended the
/// batch after a few photos, with exit code 0.
#[test]
fn a_closed_stdout_does_not_silently_stop_a_batch_with_out() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    photos(dir.path(), 5);
    let out = dir.path().join("out");
    let mut child = spawn_batch(&[
        os("--format"),
        os("jsonl"),
        os("--out"),
        out.as_os_str(),
        dir.path().as_os_str(),
    ]);
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader goes away after one line, as `head -1` does.
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("standard output was closed"), "{stderr}");
    let jsons = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    assert_eq!(jsons, 5);
}

/// Before: SIGINT and SIGTERM killed the run mid-array, leaving `--format
/// json` output that no parser reads.
#[test]
fn an_interrupt_ends_the_json_array_and_says_so() {
    use std::io::Read;
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let dir = tempfile::tempdir().unwrap();
        photos(dir.path(), 6);
        let mut child = spawn_batch(&[os("--format"), os("json"), dir.path().as_os_str()]);
        let mut stdout = child.stdout.take().unwrap();
        // Wait for the first result to begin, then interrupt.
        let mut text = Vec::new();
        let mut byte = [0u8; 1];
        while !text.ends_with(b"\"schema_version\"") {
            assert_eq!(stdout.read(&mut byte).unwrap(), 1, "output ended early");
            text.push(byte[0]);
        }
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        stdout.read_to_end(&mut text).unwrap();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(130), "{stderr}");
        assert!(stderr.contains("interrupted"), "{stderr}");
        let array: Vec<Value> = serde_json::from_slice(&text).expect("a whole JSON array");
        if !array.is_empty() {
            common::assert_schema_valid("analysis", None, &text);
        }
        assert!(!array.is_empty() && array.len() < 6, "{}", array.len());
    }
}

/// Before: the stale-temporary cleanup in `--out` removed any old
/// `.<something>.tmp-<something>` file, such as `.x.tmp-abc`, `.mydata.tmp-`
/// or `.foo.json.tmp-1234`, which sagitta never makes. Only the names its
/// atomic writes make are removed: `.<result file>.tmp-` and 12 ASCII
/// letters or digits.
#[test]
fn stale_temporary_cleanup_removes_only_names_sagitta_makes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let theirs = [
        ".x.tmp-abc",
        ".mydata.tmp-",
        ".foo.json.tmp-1234",
        ".notes.txt.tmp-AbCdEf012345",
        ".a.json.tmp-AbCdEf01234!",
        ".json.tmp-AbCdEf012345",
    ];
    let ours = [
        ".a.json.tmp-AbCdEf012345",
        ".b.annotated.jpg.tmp-0123456789az",
        ".c.annotated.png.tmp-ZZZZZZZZZZZZ",
        ".d.report.html.tmp-q1w2e3r4t5y6",
    ];
    let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(7200);
    for name in theirs.iter().chain(&ours) {
        let path = out.join(name);
        std::fs::write(&path, b"half").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
    }
    let input = dir.path().join("not-a-photo.jpg");
    std::fs::write(&input, b"session notes").unwrap();
    let (code, _, stderr) = run_jsonl(&[os("--out"), out.as_os_str(), input.as_os_str()]);
    assert_eq!(code, Some(1), "{stderr}");
    let left: Vec<String> = files_under(&out)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut expected = theirs.map(String::from).to_vec();
    expected.sort();
    assert_eq!(left, expected);
}

/// Before: a 1 MB photo cell of a manifest came back whole in the JSON Lines
/// record and on standard error, and so did a path of 131,000 bytes given
/// on the command line.
#[test]
fn long_paths_are_excerpted_in_records_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    let cell = format!("{}.jpg", "x".repeat(1_000_000));
    std::fs::write(
        dir.path().join("visits.csv"),
        format!("photo,client\n{cell},CL-1\n"),
    )
    .unwrap();
    for format in ["jsonl", "text"] {
        let output = sagitta()
            .current_dir(dir.path())
            .args(["analyze", "--model", "lite", "--format", format])
            .args(["--manifest", "visits.csv"])
            .timeout(Duration::from_secs(300))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{format}: {}", head(&stderr));
        assert!(output.stdout.len() + output.stderr.len() < 2000, "{format}");
        assert!(
            stderr.contains("manifest visits.csv: line 2: the photo path is 1000004 bytes long"),
            "{stderr}"
        );
        assert!(stderr.contains("(1000004 bytes in all)"), "{stderr}");
    }
    // The argument limit of the system is 131,072 bytes.
    let long = dir.path().join("p".repeat(131_000));
    for format in ["jsonl", "text"] {
        let output = sagitta()
            .args(["analyze", "--model", "lite", "--format", format])
            .arg(&long)
            .timeout(Duration::from_secs(300))
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        assert_eq!(output.status.code(), Some(1), "{format}: {}", head(&stderr));
        assert!(
            stdout.len() + stderr.len() < 2000,
            "{format}: {}",
            stdout.len() + stderr.len()
        );
        assert!(
            stdout.contains("bytes in all)") || stderr.contains("bytes in all)"),
            "{format}: {stdout} {stderr}"
        );
    }
}

/// The start of a long text, for an assertion's message.
fn head(text: &str) -> String {
    text.chars().take(300).collect()
}

/// Before: the argument parser quoted a 131 KB value whole, and on a colour
/// terminal (`CLICOLOR_FORCE=1` stands in for one) an escape sequence in a
/// value reached standard error raw.
#[test]
fn argument_errors_quote_an_escaped_excerpt_of_the_value() {
    let long = "c".repeat(131_000);
    for args in [
        vec!["--client".to_string(), long.clone()],
        vec!["--note".to_string(), long.clone()],
        vec!["--shard".to_string(), long.clone()],
        vec!["--minutes".to_string(), long.clone()],
        vec!["--format".to_string(), long.clone()],
        vec![format!("--{long}")],
    ] {
        let output = sagitta()
            .arg("analyze")
            .args(&args)
            .arg("photo.jpg")
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}: {}",
            head(&args[0]),
            head(&stderr)
        );
        assert!(output.stdout.is_empty());
        assert!(
            stderr.len() < 2000,
            "{}: {} bytes",
            head(&args[0]),
            stderr.len()
        );
        assert!(stderr.contains("bytes in all)"), "{stderr}");
    }
    let output = sagitta()
        .env("CLICOLOR_FORCE", "1")
        .args(["analyze", "--client=a\u{1b}[31mRED", "photo.jpg"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    assert!(stderr.contains("invalid value 'a\\x1b[31mRED'"), "{stderr}");
    // Help and version still go to standard output, with exit code 0.
    sagitta()
        .args(["analyze", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Usage: sagitta analyze"));
    sagitta()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("sagitta "));
}

/// Before: a right-to-left override, a direction isolate or a zero-width
/// character was taken into a record's text; in a report or a terminal it
/// makes one client's identifier read like another's.
#[test]
fn record_texts_refuse_direction_controls_and_invisible_characters() {
    for (flag, value, named) in [
        ("--client", "CL-\u{202E}2400", "U+202E"),
        ("--client", "CL-00\u{200B}42", "U+200B"),
        ("--client", "CL-0042\u{2060}", "U+2060"),
        ("--clinician", "Dr \u{2067}Smith", "U+2067"),
        ("--note", "seen\u{200F} twice", "U+200F"),
    ] {
        let output = sagitta()
            .args(["analyze", flag, value, "photo.jpg"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flag} {value:?}: {stderr}");
        assert!(stderr.contains(flag) && stderr.contains(named), "{stderr}");
        let hidden = value.chars().find(|c| !c.is_ascii()).unwrap();
        assert!(!stderr.contains(hidden), "{stderr:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("visits.csv"),
        "photo,client\na.jpg,CL-1\nb.jpg,CL-\u{202E}1\n",
    )
    .unwrap();
    sagitta()
        .current_dir(dir.path())
        .args(["analyze", "--manifest", "visits.csv"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("manifest visits.csv: line 3: the client")
                .and(predicate::str::contains("U+202E")),
        );
}
