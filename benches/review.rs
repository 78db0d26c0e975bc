//! `sagitta review`'s speed (figures in benches/README.md):
//!
//! - first view, in Chromium: a fresh server each time (the model loaded
//!   and run on the first photo), the browser already started; from the
//!   navigation to the address with the token to the first photo, overlay
//!   and table drawn (the page records `performance.now()` after that
//!   paint);
//! - first view, server side: the same requests the page makes (page,
//!   script, style, font, queue, the photo analysed, the photo itself)
//!   replayed one after the other, from the first to the last answer;
//! - drag: one keypoint moved, answered with the re-measured table and the
//!   overlay as SVG (no model run, no image encoded).
//!
//! Medians of several runs. `cargo bench --bench review`.

// The tests' HTTP and WebDriver clients; the bench uses part of them.
#[path = "../tests/it/http.rs"]
#[allow(dead_code)]
mod http;
#[path = "../tests/it/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sagitta::AnalyzerOptions;
use sagitta::review::{ReviewOptions, Server};
use serde_json::json;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn start(photo: &Path, out: &Path) -> (Server, u16, String) {
    let server = Server::start(ReviewOptions {
        inputs: vec![photo.to_path_buf()],
        out: out.to_path_buf(),
        analyzer: AnalyzerOptions::default(),
        port: 0,
        after_save: None,
    })
    .expect("the server starts");
    let port = server.port();
    let token = server.url().split("token=").nth(1).unwrap().to_string();
    (server, port, token)
}

fn get(port: u16, path: &str, cookie: &str) -> http::Answer {
    let host = format!("127.0.0.1:{port}");
    let answer = http::request(
        port,
        &format!("GET {path}"),
        &[("Host", &host), ("Cookie", cookie)],
        b"",
    );
    assert!(
        matches!(answer.status, 200 | 303),
        "{path}: {}",
        answer.status
    );
    answer
}

fn first_view(photo: &Path, runs: usize) -> Duration {
    let out = tempfile::tempdir().unwrap();
    let times = (0..runs)
        .map(|_| {
            let (server, port, token) = start(photo, out.path());
            let cookie = format!("sagitta_review={token}");
            let started = Instant::now();
            get(port, &format!("/?token={token}"), "");
            for path in [
                "/",
                "/assets/review.js",
                "/assets/review.css",
                "/api/queue",
                "/api/photo/p1",
                "/photo/p1.jpg",
                "/assets/overlay.ttf",
            ] {
                get(port, path, &cookie);
            }
            let elapsed = started.elapsed();
            server.stop();
            elapsed
        })
        .collect();
    median(times)
}

fn first_drawn(browser: &webdriver::Browser, photo: &Path, runs: usize) -> Duration {
    let out = tempfile::tempdir().unwrap();
    let times = (0..runs)
        .map(|_| {
            let (server, _, _) = start(photo, out.path());
            browser.go(&server.url());
            browser.wait_for(
                "the first photo drawn",
                "return document.body.dataset.firstDrawnMs !== undefined",
                120,
            );
            let drawn = browser.script(
                "return Number(document.body.dataset.firstDrawnMs)",
                json!([]),
            );
            server.stop();
            Duration::from_secs_f64(drawn.as_f64().unwrap() / 1e3)
        })
        .collect();
    median(times)
}

fn drag(photo: &Path, runs: usize) -> Duration {
    let out = tempfile::tempdir().unwrap();
    let (server, port, token) = start(photo, out.path());
    let cookie = format!("sagitta_review={token}");
    let opened = get(port, "/api/photo/p1", &cookie).json();
    let knee = opened["view"]["keypoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "left_knee" || k["name"] == "right_knee")
        .cloned()
        .expect("a knee");
    let host = format!("127.0.0.1:{port}");
    let origin = format!("http://{host}");
    let times = (0..runs)
        .map(|i| {
            let mut edit = opened["edit"].clone();
            edit["moves"] = json!([{"keypoint": knee["name"], "x": knee["x"].as_f64().unwrap() - 3.0 - (i % 5) as f64, "y": knee["y"]}]);
            let body = edit.to_string();
            let started = Instant::now();
            let answer = http::request(
                port,
                "POST /api/photo/p1/view",
                &[("Host", &host), ("Cookie", &cookie), ("Origin", &origin), ("Content-Type", "application/json")],
                body.as_bytes(),
            );
            let elapsed = started.elapsed();
            assert_eq!(answer.status, 200);
            elapsed
        })
        .collect();
    server.stop();
    median(times)
}

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let sample = repo.join("samples/standing_anterior_tilt.jpg");
    // The size of a phone photo: the sample scaled to 3000x4000 (12 MP).
    let scratch = tempfile::tempdir().unwrap();
    let phone = scratch.path().join("standing_anterior_tilt_12mp.jpg");
    image::open(&sample)
        .unwrap()
        .resize_exact(3000, 4000, image::imageops::FilterType::Triangle)
        .to_rgb8()
        .save(&phone)
        .unwrap();
    let browser = webdriver::Browser::start();
    for photo in [sample, phone] {
        let size = image::image_dimensions(&photo).unwrap();
        let drawn = first_drawn(&browser, &photo, 5);
        let first = first_view(&photo, 5);
        let dragged = drag(&photo, 31);
        println!(
            "{} ({}x{}): first view drawn in Chromium {:.0} ms, server side {:.0} ms; drag {:.1} ms (medians)",
            photo.file_name().unwrap().to_string_lossy(),
            size.0,
            size.1,
            drawn.as_secs_f64() * 1e3,
            first.as_secs_f64() * 1e3,
            dragged.as_secs_f64() * 1e3
        );
    }
}
