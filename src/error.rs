//! Every error sagitta reports, and which exit code each one means (in one place).
//!
//! | exit code | meaning |
//! |---|---|
//! | 0 | every file was analysed (a declined measurement is a normal result) |
//! | 1 | at least one file could not be analysed ([`FileError`]) |
//! | 2 | usage or setup error ([`SetupError`], bad arguments): nothing could run |
//! | 3 | standard output was closed before the end of a batch with `--out` ([`Error::StdoutClosed`]); the batch went on, its files are complete |
//! | 130 | interrupted by SIGINT or SIGTERM ([`Error::Interrupted`]); the output is closed properly, `--resume` finishes the batch |

use std::path::PathBuf;

/// Exit code when every file was analysed.
pub const EXIT_OK: u8 = 0;
/// Exit code when at least one file could not be analysed.
pub const EXIT_FILE_FAILED: u8 = 1;
/// Exit code for usage and setup errors.
pub const EXIT_SETUP: u8 = 2;
/// Exit code when standard output closed early while `--out` files were written.
pub const EXIT_STDOUT_CLOSED: u8 = 3;
/// Exit code after SIGINT or SIGTERM (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// A problem with the installation (runtime library, model files) or the
/// arguments: nothing can be analysed until it is fixed.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "ONNX Runtime library not found (looked in: {searched}). Fix: reinstall sagitta (`pip install \
         --force-reinstall sagitta`, or unpack its archive again); from source, build it with `cargo build --release`, \
         which fetches onnxruntime {version} from PyPI; or set ORT_DYLIB_PATH=/path/to/libonnxruntime.so.{version}"
    )]
    RuntimeMissing {
        searched: String,
        version: &'static str,
    },
    #[error(
        "cannot load ONNX Runtime from {path}: {reason}. Fix: point ORT_DYLIB_PATH at libonnxruntime.so.{version} \
         (from the PyPI wheel onnxruntime=={version}) or unset it to use the library built with sagitta"
    )]
    RuntimeLoad {
        path: PathBuf,
        reason: String,
        version: &'static str,
    },
    #[error(
        "the ONNX Runtime library {path} is damaged ({reason}); it is not loaded. Fix: rebuild with \
         `cargo build --release`, which fetches and verifies onnxruntime {version} again (delete the cached copy \
         in ~/.cache/sagitta/onnxruntime-{version}/ first if that is the damaged one), or point ORT_DYLIB_PATH at an \
         intact libonnxruntime.so.{version}"
    )]
    RuntimeDamaged {
        path: PathBuf,
        reason: String,
        version: &'static str,
    },
    #[error("cannot start ONNX Runtime: {0}")]
    RuntimeInit(String),
    #[error("model file {path} not found. Fix: {fix}")]
    ModelMissing { path: PathBuf, fix: String },
    #[error(
        "model file {path} is damaged or not the expected version (sha256 {actual}, expected {expected}). \
         Fix: in a checkout, restore it with `git checkout -- models/` or regenerate it with `bash models/convert.sh`; \
         installed, reinstall it with `pip install --force-reinstall sagitta-models` (or unpack the archive again)"
    )]
    ModelChecksum {
        path: PathBuf,
        expected: &'static str,
        actual: String,
    },
    #[error(
        "cannot use the model folder {path}: {source}. Fix: make it a readable folder, or point --model-dir / \
         SAGITTA_MODEL_DIR at the folder that holds the models"
    )]
    ModelFolder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read model file {path}: {source}")]
    ModelRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// ONNX Runtime could not make a session of the model (its error boxed,
    /// so that no `ort` type appears outside the pose model's folder).
    #[error("cannot create an inference session for {path}: {source}")]
    Session {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Recommend(#[from] RecommendError),
}

/// A catalogue, rules or screening file that cannot be used. Every message
/// starts with the file (or the embedded asset) it is about.
#[derive(Debug, thiserror::Error)]
pub enum RecommendError {
    #[error("{origin}: cannot read: {source}")]
    Read {
        origin: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Syntax { origin: String, message: String },
    #[error("{origin}: {}", problems.join("; "))]
    Invalid {
        origin: String,
        problems: Vec<String>,
    },
}

/// A saved document's field that this sagitta could not have written, or
/// parts of it that contradict each other: the message names the field. It
/// is found by a check, with no error underneath it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl From<String> for Invalid {
    fn from(problem: String) -> Self {
        Self(problem)
    }
}

/// What went wrong with one input file; the batch goes on with the others.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FileErrorKind {
    /// The file could not be read (missing, a directory, a broken link...).
    Io,
    /// The content is not an image format sagitta reads.
    NotAnImage,
    /// The content looks like an image but cannot be decoded (truncated, corrupt).
    Decode,
    /// The image is larger than the decoding limits allow.
    TooLarge,
    /// The image is too small or too narrow to hold a measurable person.
    TooSmall,
    /// The pose model found no person.
    NoPerson,
    /// ONNX Runtime failed while running the model on this image.
    Inference,
    /// A result file could not be written.
    Output,
    /// With `--manifest`: the photo has no row there, so it has no record
    /// (client, date) and is not analysed.
    Manifest,
}

impl FileErrorKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One file that could not be analysed, with the reason.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct FileError {
    pub path: PathBuf,
    pub kind: FileErrorKind,
    pub message: String,
}

impl FileError {
    /// The error of the file at `path`. A path longer than any the system
    /// opens ([`MAX_PATH_BYTES`](crate::input::MAX_PATH_BYTES); a 1 MB
    /// manifest cell, a 128 KB argument) is kept as an excerpt, so that
    /// neither the record nor the message repeats it whole.
    pub fn new(path: impl Into<PathBuf>, kind: FileErrorKind, message: impl Into<String>) -> Self {
        let mut path = path.into();
        if path.as_os_str().len() > crate::input::MAX_PATH_BYTES {
            path = PathBuf::from(crate::input::excerpt(&path.to_string_lossy()));
        }
        Self {
            path,
            kind,
            message: message.into(),
        }
    }
}

/// Any error that ends a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
    #[error(
        "standard output was closed after {records} records; the batch went on writing its results to {}: \
         {analysed} analysed, {failed} failed, {not_started} not started",
        dir.display()
    )]
    StdoutClosed {
        records: usize,
        dir: PathBuf,
        analysed: usize,
        failed: usize,
        not_started: usize,
    },
    #[error(
        "interrupted: {analysed} analysed, {failed} failed, {not_started} not started{}",
        if *resume { "; run the same command with --resume to finish" } else { "" }
    )]
    Interrupted {
        analysed: usize,
        failed: usize,
        not_started: usize,
        resume: bool,
    },
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Setup(_) | Self::Output(_) => EXIT_SETUP,
            Self::File(_) => EXIT_FILE_FAILED,
            Self::StdoutClosed { .. } => EXIT_STDOUT_CLOSED,
            Self::Interrupted { .. } => EXIT_INTERRUPTED,
        }
    }
}
