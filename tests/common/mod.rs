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
