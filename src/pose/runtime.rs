//! Finding and loading ONNX Runtime, the one environment per process, and
//! session options.
//!
//! The library is looked for, in order: `ORT_DYLIB_PATH` (when set, only
//! there); `libonnxruntime.so` next to the executable (where the build puts
//! it); the verified copy the build left in the user's cache (so a binary
//! installed with `cargo install --path .` still finds it).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

use crate::error::SetupError;

use super::models::ModelFile;

/// The ONNX Runtime version the build fetches and `ort` is compiled against.
pub const ORT_VERSION: &str = env!("SAGITTA_ORT_VERSION");
const LIB_FILE: &str = "libonnxruntime.so";

/// The environment lives as long as the process: ONNX Runtime allows only one.
static ENVIRONMENT: OnceLock<Environment> = OnceLock::new();
static INIT_LOCK: Mutex<()> = Mutex::new(());

/// Where the runtime library is looked for, in order.
pub fn library_candidates() -> Vec<PathBuf> {
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH") {
        return vec![PathBuf::from(path)];
    }
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        candidates.push(dir.join(LIB_FILE));
    }
    let built = env!("SAGITTA_BUILD_ORT_DYLIB");
    if !built.is_empty() {
        candidates.push(PathBuf::from(built));
    }
    candidates
}

/// The process-wide ONNX Runtime environment, loading the library on first use.
pub fn environment() -> Result<&'static Environment, SetupError> {
    if let Some(env) = ENVIRONMENT.get() {
        return Ok(env);
    }
    let _guard = INIT_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(env) = ENVIRONMENT.get() {
        return Ok(env);
    }
    let candidates = library_candidates();
    let path = candidates
        .iter()
        .find(|path| path.is_file())
        .ok_or_else(|| SetupError::RuntimeMissing {
            searched: candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            version: ORT_VERSION,
        })?;
    let builder = ort::init_from(path).map_err(|error| SetupError::RuntimeLoad {
        path: path.clone(),
        reason: error.to_string(),
        version: ORT_VERSION,
    })?;
    let env = builder
        .with_name("sagitta")
        .with_telemetry(false)
        .build()
        .map_err(|error| SetupError::RuntimeInit(error.to_string()))?;
    Ok(ENVIRONMENT.get_or_init(|| env))
}

/// Creates a session for a verified model file with `threads` intra-op threads.
pub fn session(model: &ModelFile, threads: usize) -> Result<Session, SetupError> {
    let bytes = model.read_verified()?;
    let env = environment()?;
    let session_error = |error: ort::Error| SetupError::Session {
        path: model.path.clone(),
        reason: error.to_string(),
    };
    Session::builder(env)
        .map_err(session_error)?
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(|e| session_error(e.into()))?
        .with_intra_threads(threads.max(1))
        .map_err(|e| session_error(e.into()))?
        .with_inter_threads(1)
        .map_err(|e| session_error(e.into()))?
        .commit_from_memory(&bytes)
        .map_err(session_error)
}
