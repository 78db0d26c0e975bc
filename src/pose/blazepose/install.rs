//! Where an installed sagitta keeps its runtime library and models, and the
//! `--version` report that names what it would load.
//!
//! The installed layout is the same for the wheel and the archive: the
//! binary in `PREFIX/bin/`, ONNX Runtime and `models/` in
//! `PREFIX/share/sagitta/`. It is found from the executable's own path, so
//! it works wherever the prefix is (a virtual environment, `~/.local`, an
//! unpacked archive). A build with the `packaged` feature (what
//! `scripts/build_wheel.sh` makes) looks nowhere else by default: not in the
//! source tree it was built from, not in the build's cache, so a package
//! that lacks a file fails on the build machine too.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::models::{self, DETECTOR, KnownModel, ModelKind};
use super::runtime;

/// Whether this binary was built to be installed (wheel, archive) rather
/// than run from its source tree.
pub const PACKAGED: bool = cfg!(feature = "packaged");

/// The folder holding the running executable (symbolic links resolved).
pub fn exe_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
}

/// `PREFIX/share/sagitta` for an executable in `PREFIX/bin`.
pub fn data_dir() -> Option<PathBuf> {
    exe_dir().and_then(|bin| {
        bin.parent()
            .map(|prefix| prefix.join("share").join("sagitta"))
    })
}

/// What `sagitta --version` prints: the tool, then the runtime library and
/// each model with the path it would be loaded from and its SHA-256
/// against the pinned one, so a support request can name exactly what ran.
pub fn version_report() -> String {
    let mut report = format!(
        "sagitta {} ({} build)\n",
        env!("CARGO_PKG_VERSION"),
        if PACKAGED { "packaged" } else { "source" }
    );
    let runtime_line = match runtime::locate_library() {
        Ok(path) => {
            let pinned = runtime::pinned_sha256(&path);
            file_line(&path, pinned)
        }
        Err(error) => format!("not usable: {error}"),
    };
    let _ = writeln!(
        report,
        "onnx runtime {}: {runtime_line}",
        runtime::ORT_VERSION
    );
    let dir = models::resolve_dir(None);
    let known = [DETECTOR]
        .into_iter()
        .chain([ModelKind::Lite, ModelKind::Full, ModelKind::Heavy].map(ModelKind::landmark_model));
    for model in known {
        let path = dir.join(model.file_name);
        let _ = writeln!(report, "model {}: {}", model.name, model_line(&path, model));
    }
    report
}

fn model_line(path: &Path, model: KnownModel) -> String {
    if !path.is_file() {
        return format!("{} (missing)", path.display());
    }
    file_line(path, Some(model.sha256))
}

/// `PATH sha256 HEX (verified | expected HEX | not pinned)`.
fn file_line(path: &Path, pinned: Option<&str>) -> String {
    let actual = match models::file_sha256(path) {
        Ok(hex) => hex,
        Err(error) => return format!("{} (unreadable: {error})", path.display()),
    };
    let verdict = match pinned {
        Some(expected) if expected == actual => "verified".to_string(),
        Some(expected) => format!("DAMAGED, expected {expected}"),
        None => "not a copy sagitta pins".to_string(),
    };
    format!("{} sha256 {actual} ({verdict})", path.display())
}
