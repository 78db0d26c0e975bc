//! The installed layout (the wheel, the archive): a binary in PREFIX/bin
//! finds ONNX Runtime and the models in PREFIX/share/sagitta, checks them,
//! and `--version` says which files it would load. The packaged build's
//! whole install, offline and without the checkout, is checked by
//! `scripts/check_install.sh` (in .ci/run).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh PREFIX with the test build's binary in `bin/` (a hard link, so
/// that the executable's own path is inside the prefix) and an empty
/// `share/sagitta/`.
fn prefix(name: &str) -> (PathBuf, PathBuf) {
    let prefix = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&prefix);
    let share = prefix.join("share").join("sagitta");
    std::fs::create_dir_all(&share).unwrap();
    std::fs::create_dir_all(prefix.join("bin")).unwrap();
    let binary = prefix.join("bin").join("sagitta");
    let built = Path::new(env!("CARGO_BIN_EXE_sagitta"));
    if std::fs::hard_link(built, &binary).is_err() {
        std::fs::copy(built, &binary).unwrap();
    }
    (binary, share)
}

fn link(original: &Path, link: &Path) {
    std::os::unix::fs::symlink(original, link).unwrap();
}

/// The runtime library the build put beside the test build's binary.
fn built_runtime() -> PathBuf {
    let library = Path::new(env!("CARGO_BIN_EXE_sagitta"))
        .parent()
        .unwrap()
        .join("libonnxruntime.so");
    assert!(library.is_file(), "{} is missing", library.display());
    library
}

fn version_report(binary: &Path) -> String {
    let output = Command::new(binary)
        .arg("--version")
        .env_remove("ORT_DYLIB_PATH")
        .env_remove("SAGITTA_MODEL_DIR")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn installed_layout_is_found_from_the_binary_and_verified() {
    let (binary, share) = prefix("installed_layout");
    link(&built_runtime(), &share.join("libonnxruntime.so"));
    link(&repo().join("models"), &share.join("models"));

    let report = version_report(&binary);
    assert!(
        report.starts_with(concat!("sagitta ", env!("CARGO_PKG_VERSION"))),
        "{report}"
    );
    let runtime = format!(
        "onnx runtime 1.31.1: {} sha256 ",
        share.join("libonnxruntime.so").display()
    );
    for (line_start, name) in [
        (runtime, "libonnxruntime.so"),
        (model_line("pose_detection", &share), "pose_detection.onnx"),
        (
            model_line("pose_landmark_lite", &share),
            "pose_landmark_lite.onnx",
        ),
        (
            model_line("pose_landmark_full", &share),
            "pose_landmark_full.onnx",
        ),
        (
            model_line("pose_landmark_heavy", &share),
            "pose_landmark_heavy.onnx",
        ),
    ] {
        let line = report
            .lines()
            .find(|line| line.starts_with(&line_start))
            .unwrap_or_else(|| panic!("no line for {name} from {}:\n{report}", share.display()));
        assert!(line.ends_with("(verified)"), "{line}");
    }

    // And the analysis runs on what it found there.
    let output = Command::new(&binary)
        .args(["analyze", "--format", "json"])
        .arg(repo().join("samples/standing_anterior_tilt.jpg"))
        .env_remove("ORT_DYLIB_PATH")
        .env_remove("SAGITTA_MODEL_DIR")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let analysis: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        analysis["model"]["detector"]["sha256"],
        "d92952526ab957374fc9cb4337cf6fb8b3311c3c7dfd351af9d375267b76ba46"
    );
}

fn model_line(name: &str, share: &Path) -> String {
    format!(
        "model {name}: {} sha256 ",
        share.join("models").join(format!("{name}.onnx")).display()
    )
}

#[test]
fn a_damaged_installed_model_is_named_and_refused() {
    let (binary, share) = prefix("damaged_model");
    link(&built_runtime(), &share.join("libonnxruntime.so"));
    let models = share.join("models");
    std::fs::create_dir_all(&models).unwrap();
    for entry in std::fs::read_dir(repo().join("models")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "onnx") {
            link(&path, &models.join(path.file_name().unwrap()));
        }
    }
    let damaged = models.join("pose_detection.onnx");
    std::fs::remove_file(&damaged).unwrap();
    std::fs::write(&damaged, b"not a model").unwrap();

    let report = version_report(&binary);
    let line = report
        .lines()
        .find(|line| line.starts_with("model pose_detection: "))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(line.contains(&damaged.display().to_string()), "{line}");
    assert!(
        line.ends_with(
            "(DAMAGED, expected d92952526ab957374fc9cb4337cf6fb8b3311c3c7dfd351af9d375267b76ba46)"
        ),
        "{line}"
    );

    let output = Command::new(&binary)
        .arg("analyze")
        .arg(repo().join("samples/standing_anterior_tilt.jpg"))
        .env_remove("ORT_DYLIB_PATH")
        .env_remove("SAGITTA_MODEL_DIR")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&damaged.display().to_string()), "{stderr}");
}
