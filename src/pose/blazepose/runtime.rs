//! Finding and loading ONNX Runtime, the one environment per process,
//! session options, and a session's outputs read as `ndarray` views.
//!
//! The library is looked for, in order: `ORT_DYLIB_PATH` (when set, only
//! there); `libonnxruntime.so` next to the executable (where the build puts
//! it); the installed layout's data folder (the wheel, the archive: see
//! `install.rs`); and, in a source build only, the verified copy the build
//! left in the user's cache (so `cargo install --path .` still finds it).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ndarray::{ArrayView, Axis, Dimension};
use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::DynValue;
use sha2::Digest;

use crate::error::SetupError;

use super::install;
use super::models::ModelFile;

/// The ONNX Runtime version the build fetches and `ort` is compiled against.
pub const ORT_VERSION: &str = env!("SAGITTA_ORT_VERSION");
const LIB_FILE: &str = "libonnxruntime.so";

/// The environment lives as long as the process: ONNX Runtime allows only one.
static ENVIRONMENT: OnceLock<Environment> = OnceLock::new();
static INIT_LOCK: Mutex<()> = Mutex::new(());

/// The checksum of the library the build verified (empty when the build
/// fetched none).
const BUILD_SHA256: &str = env!("SAGITTA_ORT_SHA256");
const BUILD_SIZE: &str = env!("SAGITTA_ORT_SIZE");

/// Where the runtime library is looked for, in order.
pub fn library_candidates() -> Vec<PathBuf> {
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH") {
        return vec![PathBuf::from(path)];
    }
    own_copies()
}

/// Where sagitta's own, pinned copy of the library may be: next to the
/// executable, in the installed data folder, and (source builds only) the
/// build's cache. A packaged binary must not reach back into the machine
/// it was built on.
fn own_copies() -> Vec<PathBuf> {
    let mut copies: Vec<PathBuf> = [install::exe_dir(), install::data_dir()]
        .into_iter()
        .flatten()
        .map(|dir| dir.join(LIB_FILE))
        .collect();
    let built = env!("SAGITTA_BUILD_ORT_DYLIB");
    if !install::PACKAGED && !built.is_empty() {
        copies.push(PathBuf::from(built));
    }
    copies
}

/// The library that would be loaded: the first candidate that exists.
pub fn locate_library() -> Result<PathBuf, SetupError> {
    if std::env::var_os("ORT_DYLIB_PATH").is_some_and(|v| v.is_empty()) {
        return Err(SetupError::Usage(format!(
            "ORT_DYLIB_PATH is set but empty. Fix: unset it (`unset ORT_DYLIB_PATH`) to use the library built \
             with sagitta, or set it to the path of libonnxruntime.so.{ORT_VERSION}"
        )));
    }
    let candidates = library_candidates();
    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .ok_or_else(|| SetupError::RuntimeMissing {
            searched: candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            version: ORT_VERSION,
        })
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
    let path = locate_library()?;
    // A truncated library would be mapped past its end and the first call
    // into it would kill the process with SIGBUS: check it before loading.
    check_library(&path)?;
    disable_telemetry();
    let builder = ort::init_from(&path).map_err(|error| SetupError::RuntimeLoad {
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

/// The variable that keeps ONNX Runtime from recording the process.
pub const TELEMETRY_OPT_OUT: &str = "ORT_DISABLE_TELEMETRY";

/// ONNX Runtime 1.31 records every process that creates an environment: a
/// persistent device id and an event database (process path, operating
/// system, processor) under `~/.cache/Microsoft/DeveloperTools/.onnxruntime`.
/// Only `ORT_DISABLE_TELEMETRY=1`, read when the environment is created,
/// stops it; `with_telemetry(false)` acts after the first event. A clinical
/// tool records nothing about the machine or its use outside `--out`, so it
/// is set whatever the caller's environment says.
fn disable_telemetry() {
    if std::env::var_os(TELEMETRY_OPT_OUT).is_some_and(|v| v == "1") {
        return;
    }
    // SAFETY: called once, under INIT_LOCK, before the runtime library is
    // loaded: the runtime, the only foreign code sagitta runs that reads the
    // environment, is not there yet, and Rust's own reads are serialised
    // with this write by the standard library.
    unsafe { std::env::set_var(TELEMETRY_OPT_OUT, "1") };
}

/// Whether `path` is one of sagitta's own copies of the library, which
/// must be the one the build fetched and verified.
fn is_build_verified(path: &Path) -> bool {
    if env!("SAGITTA_BUILD_ORT_DYLIB").is_empty() || BUILD_SHA256.is_empty() {
        return false;
    }
    let real = |p: &Path| std::fs::canonicalize(p).ok();
    let Some(target) = real(path) else {
        return false;
    };
    own_copies()
        .iter()
        .any(|copy| real(copy).is_some_and(|copy| copy == target))
}

/// The SHA-256 `path` must have: the build's, for sagitta's own copy;
/// none for a library given with `ORT_DYLIB_PATH` elsewhere.
pub fn pinned_sha256(path: &Path) -> Option<&'static str> {
    is_build_verified(path).then_some(BUILD_SHA256)
}

/// Checks the library before it is loaded: the build's own copy by size and
/// SHA-256; any other file (ORT_DYLIB_PATH) for being a whole 64-bit ELF
/// shared object, every segment it maps lying within the file.
pub fn check_library(path: &Path) -> Result<(), SetupError> {
    let load_error = |reason: String| SetupError::RuntimeLoad {
        path: path.to_path_buf(),
        reason,
        version: ORT_VERSION,
    };
    let (mut file, metadata) =
        crate::input::open_regular(path).map_err(|e| load_error(e.to_string()))?;
    if is_build_verified(path) {
        let damaged = |reason: String| SetupError::RuntimeDamaged {
            path: path.to_path_buf(),
            reason,
            version: ORT_VERSION,
        };
        let expected_size: u64 = BUILD_SIZE.parse().unwrap_or(0);
        if expected_size != 0 && metadata.len() != expected_size {
            return Err(damaged(format!(
                "{} bytes, the verified copy has {expected_size}",
                metadata.len()
            )));
        }
        let mut hasher = sha2::Sha256::new();
        std::io::copy(&mut file, &mut hasher).map_err(|e| damaged(e.to_string()))?;
        let actual: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if actual != BUILD_SHA256 {
            return Err(damaged(format!(
                "sha256 {actual}, the verified copy has {BUILD_SHA256}"
            )));
        }
        return Ok(());
    }
    elf_fits(&mut file, metadata.len()).map_err(|problem| {
        load_error(format!(
            "the file is truncated or not a shared library ({problem})"
        ))
    })
}

/// Whether an ELF64 little-endian shared object's headers, program headers,
/// loaded segments and section headers all lie within its `len` bytes.
fn elf_fits(file: &mut std::fs::File, len: u64) -> Result<(), String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut read_at = |offset: u64, buf: &mut [u8]| -> Result<(), String> {
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.read_exact(buf))
            .map_err(|e| format!("cannot read {} bytes at {offset}: {e}", buf.len()))
    };
    let mut header = [0u8; 64];
    if len < 64 {
        return Err(format!("only {len} bytes"));
    }
    read_at(0, &mut header)?;
    if &header[..4] != b"\x7fELF" {
        return Err("no ELF header".to_string());
    }
    if header[4] != 2 || header[5] != 1 {
        return Err("not a 64-bit little-endian ELF file".to_string());
    }
    let u16_at = |b: &[u8], at: usize| u64::from(u16::from_le_bytes([b[at], b[at + 1]]));
    let u64_at =
        |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("eight bytes"));
    if u16_at(&header, 16) != 3 {
        return Err("an ELF file, but not a shared library".to_string());
    }
    let (ph_off, sh_off) = (u64_at(&header, 32), u64_at(&header, 40));
    let (ph_size, ph_num) = (u16_at(&header, 54), u16_at(&header, 56));
    let (sh_size, sh_num) = (u16_at(&header, 58), u16_at(&header, 60));
    let within = |offset: u64, size: u64| offset.checked_add(size).is_some_and(|end| end <= len);
    if ph_size < 56 || !within(ph_off, ph_size * ph_num) {
        return Err(format!("its program headers end past its {len} bytes"));
    }
    if sh_off != 0 && !within(sh_off, sh_size * sh_num) {
        return Err(format!(
            "its section headers (at byte {sh_off}) end past its {len} bytes"
        ));
    }
    let mut entry = [0u8; 56];
    for i in 0..ph_num {
        read_at(ph_off + i * ph_size, &mut entry)?;
        let kind = u32::from_le_bytes(entry[..4].try_into().expect("four bytes"));
        let (offset, size) = (u64_at(&entry, 8), u64_at(&entry, 32));
        // PT_LOAD: mapped into memory, so it must be there in full.
        if kind == 1 && !within(offset, size) {
            return Err(format!(
                "a segment it maps runs to byte {}, past its {len} bytes",
                offset.saturating_add(size)
            ));
        }
    }
    Ok(())
}

/// Creates a session for a verified model file with `threads` intra-op threads.
pub fn session(model: &ModelFile, threads: usize) -> Result<Session, SetupError> {
    let bytes = model.read_verified()?;
    let env = environment()?;
    let session_error = |error: ort::Error| SetupError::Session {
        path: model.path.clone(),
        source: Box::new(error),
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

/// A model output for a batch of one image as an `f32` view of dimension `D`,
/// the batch axis dropped. It borrows the session's output: nothing is copied.
/// An output of another shape is an error, not a panic.
pub fn single_output<D: Dimension>(value: &DynValue) -> Result<ArrayView<'_, f32, D>, ort::Error> {
    let array = value.try_extract_array::<f32>()?;
    if array.shape().first() != Some(&1) {
        return Err(ort::Error::new(format!(
            "an output of shape {:?}, not a batch of one image",
            array.shape()
        )));
    }
    array
        .index_axis_move(Axis(0), 0)
        .into_dimensionality::<D>()
        .map_err(ort::Error::wrap)
}
