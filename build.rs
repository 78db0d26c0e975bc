//! Fetches the ONNX Runtime shared library at build time, from the PyPI
//! `onnxruntime` wheel (a package registry, the only network this project may
//! use), checks it against pinned SHA-256 sums, keeps it in a per-user cache and
//! copies it next to the binaries cargo builds, where `ort`'s loader looks.
//!
//! Nothing is downloaded at run time. Environment variables:
//! - `SAGITTA_ORT_WHEEL`: use this already-downloaded wheel instead of pip.
//! - `SAGITTA_CACHE_DIR`: cache folder (default `$XDG_CACHE_HOME/sagitta` or `~/.cache/sagitta`).
//! - `SAGITTA_SKIP_ORT_FETCH=1`: do nothing; the library must then be given
//!   at run time with `ORT_DYLIB_PATH`.

use std::env;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

const ORT_VERSION: &str = "1.31.1";
const WHEEL_NAME: &str = "onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl";
const WHEEL_SHA256: &str = "5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f";
const LIB_MEMBER: &str = "onnxruntime/capi/libonnxruntime.so.1.31.1";
const LIB_SHA256: &str = "fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3";
/// The file name `ort` looks for next to the executable.
const LIB_FILE: &str = "libonnxruntime.so";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    for var in [
        "SAGITTA_ORT_WHEEL",
        "SAGITTA_CACHE_DIR",
        "SAGITTA_SKIP_ORT_FETCH",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    println!("cargo:rustc-env=SAGITTA_ORT_VERSION={ORT_VERSION}");
    // What sagitta checks the library the build verified against before loading it.
    println!("cargo:rustc-env=SAGITTA_ORT_SHA256={LIB_SHA256}");

    if env::var_os("SAGITTA_SKIP_ORT_FETCH").is_some() {
        println!(
            "cargo:warning=SAGITTA_SKIP_ORT_FETCH is set: set ORT_DYLIB_PATH when running sagitta"
        );
        println!("cargo:rustc-env=SAGITTA_BUILD_ORT_DYLIB=");
        println!("cargo:rustc-env=SAGITTA_ORT_SIZE=0");
        return;
    }
    let supported = env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64");
    if !supported {
        println!(
            "cargo:warning=no pinned ONNX Runtime wheel for this target: set ORT_DYLIB_PATH when running sagitta"
        );
        println!("cargo:rustc-env=SAGITTA_BUILD_ORT_DYLIB=");
        println!("cargo:rustc-env=SAGITTA_ORT_SIZE=0");
        return;
    }

    match provide_library() {
        Ok(cached) => {
            println!(
                "cargo:rustc-env=SAGITTA_BUILD_ORT_DYLIB={}",
                cached.display()
            );
            let size = fs::metadata(&cached).map(|m| m.len()).unwrap_or(0);
            println!("cargo:rustc-env=SAGITTA_ORT_SIZE={size}");
        }
        Err(message) => {
            eprintln!("error: could not provide ONNX Runtime {ORT_VERSION}: {message}");
            eprintln!(
                "fix: make PyPI reachable for `python3 -m pip download`, or download {WHEEL_NAME} yourself and set \
                 SAGITTA_ORT_WHEEL=/path/to/it, or set SAGITTA_SKIP_ORT_FETCH=1 and ORT_DYLIB_PATH at run time"
            );
            std::process::exit(1);
        }
    }
}

/// Makes sure the verified library is in the cache and next to the build's binaries.
fn provide_library() -> Result<PathBuf, String> {
    let cache = cache_dir()?.join(format!("onnxruntime-{ORT_VERSION}"));
    fs::create_dir_all(&cache).map_err(|e| format!("cannot create {}: {e}", cache.display()))?;
    let cached_lib = cache.join(format!("{LIB_FILE}.{ORT_VERSION}"));

    if !file_has_sha256(&cached_lib, LIB_SHA256) {
        let wheel = match env::var_os("SAGITTA_ORT_WHEEL") {
            Some(path) => PathBuf::from(path),
            None => download_wheel(&cache)?,
        };
        if !file_has_sha256(&wheel, WHEEL_SHA256) {
            return Err(format!(
                "{} does not have the pinned sha256 {WHEEL_SHA256}",
                wheel.display()
            ));
        }
        let bytes = read_zip_member(&wheel, LIB_MEMBER)?;
        if sha256_hex(&bytes) != LIB_SHA256 {
            return Err(format!(
                "{LIB_MEMBER} in the wheel does not have the pinned sha256 {LIB_SHA256}"
            ));
        }
        write_atomically(&cached_lib, &bytes)?;
    }

    for dir in binary_dirs()? {
        let target = dir.join(LIB_FILE);
        if !file_has_sha256(&target, LIB_SHA256) {
            let bytes = fs::read(&cached_lib)
                .map_err(|e| format!("cannot read {}: {e}", cached_lib.display()))?;
            fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            write_atomically(&target, &bytes)?;
        }
    }
    Ok(cached_lib)
}

fn cache_dir() -> Result<PathBuf, String> {
    if let Some(dir) = env::var_os("SAGITTA_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = env::var_os("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(dir).join("sagitta"));
    }
    env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cache").join("sagitta"))
        .ok_or_else(|| "neither SAGITTA_CACHE_DIR, XDG_CACHE_HOME nor HOME is set".to_string())
}

/// `target/<profile>` and `target/<profile>/deps`: where the binary, the tests and
/// the benches run from. `OUT_DIR` is `target/<profile>/build/<crate>-<hash>/out`.
fn binary_dirs() -> Result<Vec<PathBuf>, String> {
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?);
    let profile_dir = out_dir
        .ancestors()
        .nth(3)
        .ok_or_else(|| format!("unexpected OUT_DIR layout: {}", out_dir.display()))?
        .to_path_buf();
    Ok(vec![profile_dir.join("deps"), profile_dir])
}

fn download_wheel(cache: &Path) -> Result<PathBuf, String> {
    let wheel_dir = cache.join("wheel");
    let wheel = wheel_dir.join(WHEEL_NAME);
    if file_has_sha256(&wheel, WHEEL_SHA256) {
        return Ok(wheel);
    }
    let python = env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    let status = Command::new(&python)
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
        .args([
            "--platform",
            "manylinux_2_28_x86_64",
            "--python-version",
            "3.11",
            "--implementation",
            "cp",
        ])
        .arg(format!("onnxruntime=={ORT_VERSION}"))
        .arg("-d")
        .arg(&wheel_dir)
        .status()
        .map_err(|e| format!("cannot run `{python} -m pip`: {e}"))?;
    if !status.success() {
        return Err(format!(
            "`{python} -m pip download onnxruntime=={ORT_VERSION}` failed ({status})"
        ));
    }
    Ok(wheel)
}

fn read_zip_member(archive: &Path, member: &str) -> Result<Vec<u8>, String> {
    let file =
        fs::File::open(archive).map_err(|e| format!("cannot open {}: {e}", archive.display()))?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| format!("{} is not a wheel: {e}", archive.display()))?;
    let mut entry = zip
        .by_name(member)
        .map_err(|e| format!("{} lacks {member}: {e}", archive.display()))?;
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot unpack {member}: {e}"))?;
    Ok(bytes)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut file =
        fs::File::create(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    fs::rename(&tmp, path).map_err(|e| format!("cannot rename to {}: {e}", path.display()))
}

fn file_has_sha256(path: &Path, expected: &str) -> bool {
    fs::read(path)
        .map(|bytes| sha256_hex(&bytes) == expected)
        .unwrap_or(false)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
