//! The integration tests, as one test binary: each file beside this one is a
//! module. Every binary under `tests/` links the library with ONNX Runtime's
//! loader and `image`, so one binary instead of thirteen saves twelve links.
//! Run one file's tests with `cargo test --test it cli::`.

mod batch;
mod cli;
mod common;
mod compare;
mod corrections;
mod golden;
mod hostile;
mod http;
mod install;
mod measure;
mod photos;
mod pose_source;
mod recommend;
mod renders;
mod report;
mod review;
mod review_browser;
mod saved_documents;
mod schema;
mod webdriver;
