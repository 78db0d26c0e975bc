//! The ONNX model files: which file each model is, its pinned checksum, and
//! where the model folder is.
//!
//! The folder is, in order: `--model-dir`, `SAGITTA_MODEL_DIR`, the
//! installed layout's `share/sagitta/models/` (the wheel, the archive: see
//! `install.rs`); then, in a source build only, the `models/` folder of the
//! source tree the binary was built from, or `models/` next to the executable. Every file is checked against its SHA-256 before use, so a
//! truncated or swapped file is refused at start rather than giving odd poses.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::install;
use crate::error::SetupError;
pub use crate::schema::ModelKind;

/// A model file the project knows: name, file and pinned checksum.
#[derive(Debug, Clone, Copy)]
pub struct KnownModel {
    pub name: &'static str,
    pub file_name: &'static str,
    pub sha256: &'static str,
}

pub const DETECTOR: KnownModel = KnownModel {
    name: "pose_detection",
    file_name: "pose_detection.onnx",
    sha256: "d92952526ab957374fc9cb4337cf6fb8b3311c3c7dfd351af9d375267b76ba46",
};

impl ModelKind {
    pub fn landmark_model(self) -> KnownModel {
        match self {
            ModelKind::Lite => KnownModel {
                name: "pose_landmark_lite",
                file_name: "pose_landmark_lite.onnx",
                sha256: "a6be56f416dc70a0406a2404ebe986ae4a41f942e567436f6df891baf9071201",
            },
            ModelKind::Full => KnownModel {
                name: "pose_landmark_full",
                file_name: "pose_landmark_full.onnx",
                sha256: "eae2a5593689bc1f013c5edefffef13d40f957eb5650152f88b7253e91f3cacc",
            },
            ModelKind::Heavy => KnownModel {
                name: "pose_landmark_heavy",
                file_name: "pose_landmark_heavy.onnx",
                sha256: "6d704ab5c25761da365372ec11e8524e07d29d6a67b923653d8a03649da7b7ff",
            },
        }
    }
}

/// A known model at a concrete path.
#[derive(Debug, Clone)]
pub struct ModelFile {
    pub known: KnownModel,
    pub path: PathBuf,
}

impl ModelFile {
    /// Reads the file and checks its checksum.
    pub fn read_verified(&self) -> Result<Vec<u8>, SetupError> {
        let bytes = std::fs::read(&self.path).map_err(|source| SetupError::ModelRead {
            path: self.path.clone(),
            source,
        })?;
        let actual = sha256_hex(&bytes);
        if actual != self.known.sha256 {
            return Err(SetupError::ModelChecksum {
                path: self.path.clone(),
                expected: self.known.sha256,
                actual,
            });
        }
        Ok(bytes)
    }
}

/// The detector and one landmark model, located and ready to load.
#[derive(Debug, Clone)]
pub struct ModelSet {
    pub kind: ModelKind,
    pub detector: ModelFile,
    pub landmark: ModelFile,
}

impl ModelSet {
    /// Locates both files; a missing file is an error that says how to get it,
    /// a folder that cannot be read one that says so (not "not found").
    pub fn locate(kind: ModelKind, model_dir: Option<&Path>) -> Result<Self, SetupError> {
        let dir = resolve_dir(model_dir);
        match std::fs::metadata(&dir) {
            Ok(metadata) if !metadata.is_dir() => {
                return Err(SetupError::ModelFolder {
                    path: dir,
                    source: std::io::Error::other("it is not a folder"),
                });
            }
            Err(source) if source.kind() != std::io::ErrorKind::NotFound => {
                return Err(SetupError::ModelFolder { path: dir, source });
            }
            _ => {}
        }
        let file = |known: KnownModel| -> Result<ModelFile, SetupError> {
            let path = dir.join(known.file_name);
            match std::fs::metadata(&path) {
                Ok(metadata) if metadata.is_file() => return Ok(ModelFile { known, path }),
                Ok(_) => {
                    return Err(SetupError::ModelRead {
                        path,
                        source: std::io::Error::other("not a regular file"),
                    });
                }
                Err(source) if source.kind() != std::io::ErrorKind::NotFound => {
                    return Err(SetupError::ModelRead { path, source });
                }
                Err(_) => {}
            }
            let restore = if install::PACKAGED {
                "reinstall it with `pip install --force-reinstall sagitta-models` (or unpack the archive again)"
                    .to_string()
            } else {
                format!(
                    "restore it with `git checkout -- models/{name}` (or rebuild it with `bash models/convert.sh`)",
                    name = known.file_name
                )
            };
            let fix = format!(
                "the file ships with sagitta: {restore}, or point --model-dir / SAGITTA_MODEL_DIR at the folder \
                 that holds it"
            );
            Err(SetupError::ModelMissing { path, fix })
        };
        Ok(Self {
            kind,
            detector: file(DETECTOR)?,
            landmark: file(kind.landmark_model())?,
        })
    }
}

impl ModelFile {
    /// Checks the checksum once per process and file (later calls for the
    /// same path trust the first): for a model that is loaded only later, on
    /// the first photo that needs it, so that a damaged one stops the run at
    /// its start with exit code 2 instead of being skipped with a warning.
    pub fn verify_once(&self) -> Result<(), SetupError> {
        use std::collections::HashSet;
        use std::sync::Mutex;
        static VERIFIED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
        let mut verified = VERIFIED.lock().unwrap_or_else(|p| p.into_inner());
        let verified = verified.get_or_insert_with(HashSet::new);
        if verified.contains(&self.path) {
            return Ok(());
        }
        // Streamed: the heavy model is 55 MB, and is not kept now.
        let actual = file_sha256(&self.path).map_err(|source| SetupError::ModelRead {
            path: self.path.clone(),
            source,
        })?;
        if actual != self.known.sha256 {
            return Err(SetupError::ModelChecksum {
                path: self.path.clone(),
                expected: self.known.sha256,
                actual,
            });
        }
        verified.insert(self.path.clone());
        Ok(())
    }
}

/// The model folder: `explicit` (`--model-dir`), else as the module says.
pub fn resolve_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_path_buf();
    }
    if let Some(dir) = std::env::var_os("SAGITTA_MODEL_DIR") {
        return PathBuf::from(dir);
    }
    let installed = install::data_dir().map(|dir| dir.join("models"));
    if let Some(dir) = installed.as_ref().filter(|dir| dir.is_dir()) {
        return dir.clone();
    }
    if install::PACKAGED {
        // Named in the "missing" error; never the build machine's folder.
        return installed.unwrap_or_else(|| PathBuf::from("share/sagitta/models"));
    }
    let source_tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    if source_tree.is_dir() {
        return source_tree;
    }
    install::exe_dir()
        .map(|dir| dir.join("models"))
        .unwrap_or(source_tree)
}

/// The SHA-256 of a file, read in a stream, as lowercase hex.
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
