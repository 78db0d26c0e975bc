//! `sagitta review`'s server, started in-process on a free port: the API
//! the page uses, and the security cases (no token, a wrong token, a
//! foreign Host, a cross-origin change, a path in a request, an oversized
//! body, edits out of bounds).

use std::path::{Path, PathBuf};

use sagitta::AnalyzerOptions;
use sagitta::review::{ReviewOptions, Server};
use serde_json::{Value, json};

use crate::common::{Exif, assert_schema_valid, jpeg_with_exif, read_json, sample, saved_analysis};
use crate::corrections::measure;
pub use crate::http::{Answer, request};

/// A review server over `inputs` saving into `out`, with its token and cookie.
pub struct Review {
    pub server: Option<Server>,
    pub port: u16,
    pub token: String,
    pub cookie: String,
}

impl Review {
    pub fn start(inputs: Vec<PathBuf>, out: &Path) -> Review {
        let server = Server::start(ReviewOptions {
            inputs,
            out: out.to_path_buf(),
            analyzer: AnalyzerOptions::default(),
            port: 0,
            after_save: None,
        })
        .expect("the server starts");
        let port = server.port();
        let url = server.url();
        let token = url.split("token=").nth(1).unwrap().to_string();
        Review {
            server: Some(server),
            port,
            token: token.clone(),
            cookie: format!("sagitta_review={token}"),
        }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn get(&self, path: &str) -> Answer {
        request(
            self.port,
            &format!("GET {path}"),
            &[("Host", &self.host()), ("Cookie", &self.cookie)],
            b"",
        )
    }

    pub fn post(&self, path: &str, body: &Value) -> Answer {
        request(
            self.port,
            &format!("POST {path}"),
            &[
                ("Host", &self.host()),
                ("Cookie", &self.cookie),
                ("Origin", &self.origin()),
                ("Content-Type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    }

    /// Saves `edit` of the first photo, which must succeed: the answer.
    pub fn save_first(&self, edit: &Value) -> Value {
        let answer = self.post("/api/photo/p1/save", edit);
        assert_eq!(
            answer.status,
            200,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        answer.json()
    }
}

impl Drop for Review {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop();
        }
    }
}

/// A review of `photo` saving into a fresh folder, and the photo as the
/// page first opens it.
fn opened_alone(photo: PathBuf) -> (tempfile::TempDir, Review, Value) {
    let out = tempfile::tempdir().unwrap();
    let review = Review::start(vec![photo], out.path());
    let opened = review.get("/api/photo/p1").json();
    (out, review, opened)
}

/// The opened photo's initial edit with `change` applied to it.
fn edited(initial: &Value, change: impl FnOnce(&mut Value)) -> Value {
    let mut edit = initial.clone();
    change(&mut edit);
    edit
}

fn value(view: &Value, name: &str) -> f64 {
    view["values"][name]["value"]
        .as_f64()
        .unwrap_or_else(|| panic!("{name} has no value: {}", view["values"][name]))
}

/// Where the truth file puts the near (left) ASIS and PSIS of the sample.
pub fn truth_landmarks() -> ([f64; 2], [f64; 2]) {
    let truth = read_json(&sample("standing_anterior_tilt.truth.json"));
    let point = |name: &str| {
        let p = &truth["landmarks_px"][name];
        [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()]
    };
    (point("left_asis"), point("left_psis"))
}

#[test]
fn the_token_is_exchanged_for_a_strict_cookie_and_nothing_is_served_without_it() {
    let out = tempfile::tempdir().unwrap();
    let review = Review::start(vec![sample("walker_01.jpg")], out.path());
    let host = review.host();
    // No token, no cookie.
    for path in ["/", "/api/queue", "/assets/review.js", "/photo/p1.jpg"] {
        let answer = request(review.port, &format!("GET {path}"), &[("Host", &host)], b"");
        assert_eq!(answer.status, 403, "{path} without the token");
    }
    // A wrong token, in the address and in the cookie.
    let wrong = "0".repeat(review.token.len());
    let answer = request(
        review.port,
        &format!("GET /?token={wrong}"),
        &[("Host", &host)],
        b"",
    );
    assert_eq!(answer.status, 403);
    assert!(answer.header("set-cookie").is_none());
    let answer = request(
        review.port,
        "GET /api/queue",
        &[
            ("Host", &host),
            ("Cookie", &format!("sagitta_review={wrong}")),
        ],
        b"",
    );
    assert_eq!(answer.status, 403);
    // The right token: a cookie the page's script cannot read, sent to this site only.
    let answer = request(
        review.port,
        &format!("GET /?token={}", review.token),
        &[("Host", &host)],
        b"",
    );
    assert_eq!(answer.status, 303);
    assert_eq!(answer.header("location"), Some("/"));
    let cookie = answer.header("set-cookie").expect("a cookie");
    assert!(cookie.starts_with(&review.cookie), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let page = review.get("/");
    assert_eq!(page.status, 200);
    let policy = page.header("content-security-policy").unwrap();
    assert!(policy.contains("default-src 'none'") && policy.contains("script-src 'self'"));
    // The page names its assets by the server's own paths: nothing from the network.
    let html = String::from_utf8(page.body).unwrap();
    for attribute in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attribute) {
            let target = &html[at + attribute.len()..];
            assert!(
                target.starts_with('/') && !target.starts_with("//"),
                "{}",
                &target[..20]
            );
        }
    }
    let queue = review.get("/api/queue").json();
    assert_eq!(
        queue,
        json!([{"id": "p1", "label": "walker_01.jpg", "saved": false}])
    );
}

#[test]
fn a_foreign_host_and_a_cross_origin_change_are_refused() {
    let out = tempfile::tempdir().unwrap();
    let review = Review::start(vec![sample("walker_01.jpg")], out.path());
    let cookie = review.cookie.clone();
    // DNS rebinding: another site's name resolving to 127.0.0.1.
    for host in [
        format!("evil.example:{}", review.port),
        "127.0.0.1".to_string(),
        format!("127.0.0.1:{}", review.port + 1),
        String::new(),
    ] {
        let answer = request(
            review.port,
            "GET /api/queue",
            &[("Host", &host), ("Cookie", &cookie)],
            b"",
        );
        assert_eq!(answer.status, 403, "Host {host:?}");
    }
    // The loopback names are accepted.
    for host in [
        format!("localhost:{}", review.port),
        format!("[::1]:{}", review.port),
    ] {
        let answer = request(
            review.port,
            "GET /api/queue",
            &[("Host", &host), ("Cookie", &cookie)],
            b"",
        );
        assert_eq!(answer.status, 200, "Host {host:?}");
    }
    // A change from another origin, or with no origin, or not as JSON.
    let body = b"{}";
    let host = review.host();
    for (origin, content_type, status) in [
        (Some("http://evil.example"), "application/json", 403),
        (Some("null"), "application/json", 403),
        (None, "application/json", 403),
        (Some(review.origin().as_str()), "text/plain", 415),
        (
            Some(review.origin().as_str()),
            "application/x-www-form-urlencoded",
            415,
        ),
    ] {
        let mut headers = vec![
            ("Host", host.as_str()),
            ("Cookie", cookie.as_str()),
            ("Content-Type", content_type),
        ];
        if let Some(origin) = origin {
            headers.push(("Origin", origin));
        }
        let answer = request(review.port, "POST /api/photo/p1/save", &headers, body);
        assert_eq!(answer.status, status, "Origin {origin:?}, {content_type}");
    }
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "nothing was saved"
    );
}

#[test]
fn requests_name_ids_never_paths_and_bodies_are_bounded() {
    let out = tempfile::tempdir().unwrap();
    let review = Review::start(vec![sample("walker_01.jpg")], out.path());
    for path in [
        "/api/photo/..%2F..%2Fetc%2Fpasswd",
        "/api/photo/%2Fetc%2Fpasswd",
        "/photo/..%2Fsamples%2Fwalker_01.jpg",
        "/photo/../../etc/passwd.jpg",
        "/assets/../../Cargo.toml",
        "/compare/p1/..%2Fp1",
    ] {
        let answer = review.get(path);
        assert!(
            matches!(answer.status, 400 | 404),
            "{path}: {}",
            answer.status
        );
        assert!(!String::from_utf8_lossy(&answer.body).contains("root:"));
    }
    // A path inside an edit is not a field an edit has.
    let answer = review.post(
        "/api/photo/p1/view",
        &json!({"moves": [], "path": "/etc/passwd"}),
    );
    assert_eq!(answer.status, 400);
    assert!(
        answer.json()["error"]
            .as_str()
            .unwrap()
            .contains("unknown field")
    );
    // An oversized body is refused before it is read.
    let big = format!("{{\"record\": {{\"note\": \"{}\"}}}}", "x".repeat(70_000));
    let answer = request(
        review.port,
        "POST /api/photo/p1/view",
        &[
            ("Host", &review.host()),
            ("Cookie", &review.cookie),
            ("Origin", &review.origin()),
            ("Content-Type", "application/json"),
        ],
        big.as_bytes(),
    );
    assert_eq!(answer.status, 413);
}

#[test]
fn edits_out_of_bounds_are_refused_with_the_field_named() {
    let out = tempfile::tempdir().unwrap();
    let review = Review::start(vec![sample("standing_anterior_tilt.jpg")], out.path());
    let opened = review.get("/api/photo/p1");
    assert_eq!(opened.status, 200);
    let initial = opened.json()["edit"].clone();
    let moves: Vec<Value> = (0..34)
        .map(|i| json!({"keypoint": "left_knee", "x": i, "y": 1}))
        .collect();
    let cases = [
        (
            json!({"moves": [{"keypoint": "left_knee", "x": 600.0, "y": 10.0}]}),
            "outside the 600x800",
        ),
        (
            json!({"moves": [{"keypoint": "left_knee", "x": -1.0, "y": 10.0}]}),
            "outside",
        ),
        (
            json!({"asis": [10.0, 900.0], "psis": [20.0, 20.0]}),
            "asis=10,900 lies outside",
        ),
        (
            json!({"moves": [{"keypoint": "left_elbow_pit", "x": 1.0, "y": 1.0}]}),
            "unknown keypoint",
        ),
        (
            json!({"moves": [{"keypoint": "left_knee", "x": 1.0, "y": 1.0}, {"keypoint": "left_knee", "x": 2.0, "y": 1.0}]}),
            "twice",
        ),
        (json!({"moves": moves}), "over the 33"),
        (json!({"record": {"client": "x".repeat(65)}}), "over the 64"),
        (json!({"record": {"date": "2026-13-01"}}), "no month 13"),
        (json!({"record": {"note": "a\u{202e}b"}}), "U+202E"),
        (
            json!({"screening": {"night_pain": "maybe"}}),
            "not yes, no or not_asked",
        ),
        (
            json!({"screening": {"rm_rf": "yes"}}),
            "unknown warning sign",
        ),
        (json!({"protocol": "lying"}), "unknown protocol"),
        (
            json!({"camera_pitch_deg": 31.0}),
            "camera_pitch_deg=31 lies outside -30 to 30 degrees",
        ),
        (
            json!({"camera_roll_deg": -45.5}),
            "camera_roll_deg=-45.5 lies outside -45 to 45 degrees",
        ),
        (
            json!({"focal_length_35mm_mm": 9.0}),
            "focal_length_35mm_mm=9 lies outside 10 to 400 mm",
        ),
        (json!({"camera_pitch_deg": "level"}), "not an edit"),
    ];
    for (change, expected) in cases {
        let body = edited(&initial, |edit| {
            for (key, value) in change.as_object().unwrap() {
                edit[key] = value.clone();
            }
        });
        let answer = review.post("/api/photo/p1/view", &body);
        assert_eq!(answer.status, 400, "{change}");
        let error = answer.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains(expected), "{change}: {error}");
    }
}

#[test]
fn a_drag_remeasures_landmarks_call_the_tilt_and_a_yes_withholds_the_routine() {
    let (_out, review, opened) = opened_alone(sample("standing_anterior_tilt.jpg"));
    let initial = opened["edit"].clone();
    let view = &opened["view"];
    assert!(view["svg"].as_str().unwrap().starts_with("<svg"));
    assert!(view["panel"].as_str().unwrap().contains("knee flexion"));
    assert_eq!(view["routine_withheld"], json!(false));
    let knee = view["keypoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "left_knee")
        .unwrap()
        .clone();
    let before = value(view, "knee_flexion");
    // The knee dragged 15 px forward: knee flexion changes, the outline
    // measurements stay (the saved mask), no model run.
    let dragged = edited(&initial, |e| {
        e["moves"] = json!([{"keypoint": "left_knee", "x": knee["x"].as_f64().unwrap() - 15.0, "y": knee["y"]}]);
    });
    let after = review.post("/api/photo/p1/view", &dragged).json()["view"].clone();
    assert!(
        (value(&after, "knee_flexion") - before).abs() > 5.0,
        "{before} -> {}",
        value(&after, "knee_flexion")
    );
    assert_eq!(
        value(&after, "lumbar_lordosis_angle"),
        value(view, "lumbar_lordosis_angle")
    );
    let moved = after["keypoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "left_knee")
        .unwrap();
    assert_eq!(moved["moved"], json!(true));
    // ASIS and PSIS where the truth file has them: the tilt from landmarks, called anterior.
    assert_eq!(view["values"]["pelvic_pattern"]["call"], json!("uncertain"));
    let (asis, psis) = truth_landmarks();
    let placed = edited(&initial, |e| {
        e["asis"] = json!(asis);
        e["psis"] = json!(psis);
    });
    let called = review.post("/api/photo/p1/view", &placed).json()["view"].clone();
    assert_eq!(
        called["values"]["pelvic_pattern"]["call"],
        json!("anterior")
    );
    assert!((called["asis"][0].as_f64().unwrap() - asis[0]).abs() <= 0.05);
    // A warning sign answered yes withholds the routine, as --red-flag does.
    let flagged = edited(&placed, |e| e["screening"]["night_pain"] = json!("yes"));
    let withheld = review.post("/api/photo/p1/view", &flagged).json()["view"].clone();
    assert_eq!(withheld["routine_withheld"], json!(true));
    assert!(
        withheld["panel"]
            .as_str()
            .unwrap()
            .contains("Routine withheld")
    );
}

#[test]
fn a_camera_typed_on_the_page_measures_as_measure_from_does() {
    let photo = sample("thomas_short_left.jpg");
    let (out, review, opened) = opened_alone(photo.clone());
    let initial = opened["edit"].clone();
    // A render carries no EXIF: no camera and no lens until one is typed.
    for field in [
        "camera_roll_deg",
        "camera_pitch_deg",
        "focal_length_35mm_mm",
    ] {
        assert_eq!(initial[field], Value::Null, "{field}");
    }
    let camera = edited(&initial, |e| {
        e["camera_roll_deg"] = json!(2.0);
        e["camera_pitch_deg"] = json!(-8.0);
        e["focal_length_35mm_mm"] = json!(40.0);
    });
    let view = review.post("/api/photo/p1/view", &camera).json()["view"].clone();
    assert_ne!(
        value(&view, "knee_flexion"),
        value(&opened["view"], "knee_flexion")
    );
    review.save_first(&camera);
    let path = out.path().join("thomas_short_left.json");
    let document = read_json(&path);
    assert_eq!(document["protocol"]["camera_roll_deg"], json!(2.0));
    assert_eq!(document["protocol"]["camera_pitch_deg"], json!(-8.0));
    assert_eq!(document["protocol"]["focal_length_35mm_mm"], json!(40.0));
    // The page is a front end over the library call the command line makes.
    let first = tempfile::tempdir().unwrap();
    let (analysed, _) = saved_analysis(first.path(), &photo, &[]);
    let typed = measure(
        &analysed,
        &[
            "--camera-roll-deg",
            "2",
            "--camera-pitch-deg",
            "-8",
            "--focal-length-35mm",
            "40",
        ],
    );
    assert_eq!(document["measurements"], typed["measurements"]);
    // Opened again, the page starts from the saved camera, and an emptied
    // field keeps it.
    drop(review);
    let again = Review::start(vec![photo], out.path());
    let reopened = again.get("/api/photo/p1").json();
    assert_eq!(reopened["edit"]["camera_pitch_deg"], json!(-8.0));
    assert_eq!(reopened["edit"]["focal_length_35mm_mm"], json!(40.0));
    let emptied = edited(&reopened["edit"], |e| e["camera_pitch_deg"] = Value::Null);
    let kept = again.post("/api/photo/p1/view", &emptied).json()["view"].clone();
    assert_eq!(kept["values"], reopened["view"]["values"]);
}

#[test]
fn a_tilt_typed_on_the_page_is_levelled_with_the_photos_own_lens() {
    let photos = tempfile::tempdir().unwrap();
    let photo = jpeg_with_exif(
        photos.path(),
        "thomas_short_left.jpg",
        "lens_52.jpg",
        &Exif {
            focal_length_35mm: Some(52),
            ..Default::default()
        },
    );
    // `analyze` levels a tilt with the lens the photo's EXIF gives.
    let first = tempfile::tempdir().unwrap();
    let (_, analysed) = saved_analysis(first.path(), &photo, &["--camera-pitch-deg", "-8"]);
    assert_eq!(analysed["protocol"]["focal_length_35mm_mm"], json!(52.0));
    // The page offers that lens before any tilt is typed; without a tilt it
    // changes nothing, so the untouched photo is not measured again.
    let (out, review, opened) = opened_alone(photo);
    assert_eq!(opened["edit"]["camera_pitch_deg"], Value::Null);
    assert_eq!(opened["edit"]["focal_length_35mm_mm"], json!(52.0));
    let saved = |edit: &Value| {
        review.save_first(edit);
        read_json(&out.path().join("lens_52.json"))
    };
    let untouched = saved(&opened["edit"]);
    assert_eq!(untouched["protocol"]["focal_length_35mm_mm"], Value::Null);
    assert!(
        !untouched["warnings"].to_string().contains("measured again"),
        "{}",
        untouched["warnings"]
    );
    // A tilt typed with the lens field emptied is levelled with the photo's
    // lens, as `analyze` levels it.
    let tilted = edited(&opened["edit"], |e| {
        e["camera_pitch_deg"] = json!(-8.0);
        e["focal_length_35mm_mm"] = Value::Null;
    });
    let document = saved(&tilted);
    assert_eq!(document["protocol"]["camera_pitch_deg"], json!(-8.0));
    assert_eq!(document["protocol"]["focal_length_35mm_mm"], json!(52.0));
}

/// The annotated JPEG the report embeds.
fn embedded_jpeg(report: &Path) -> Vec<u8> {
    use base64::Engine;
    let html = std::fs::read_to_string(report).unwrap();
    let start = html
        .find("data:image/jpeg;base64,")
        .expect("an embedded photo")
        + 23;
    let end = start + html[start..].find('"').unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(&html[start..end])
        .unwrap()
}

#[test]
fn saving_writes_the_three_files_as_analyze_does_and_a_reopening_shows_them() {
    let photo = sample("standing_anterior_tilt.jpg");
    let (out, review, opened) = opened_alone(photo.clone());
    let initial = opened["edit"].clone();
    let (asis, psis) = truth_landmarks();
    let edit = edited(&initial, |e| {
        e["moves"] = json!([{"keypoint": "left_knee", "x": 300.0, "y": 530.0}]);
        e["asis"] = json!(asis);
        e["psis"] = json!(psis);
        e["record"]["client"] = json!("C-17 <b>");
        e["record"]["date"] = json!("2026-03-02");
        e["screening"]["sharp_pain"] = json!("yes");
    });
    let saved = review.save_first(&edit);
    let names = [
        "standing_anterior_tilt.annotated.jpg",
        "standing_anterior_tilt.report.html",
        "standing_anterior_tilt.json",
    ];
    assert_eq!(saved["files"], json!(names));
    for name in names {
        assert!(out.path().join(name).is_file(), "{name}");
    }
    let json = std::fs::read(out.path().join(names[2])).unwrap();
    assert_schema_valid("analysis", None, &json);
    let document: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(document["corrections"][0]["keypoint"], json!("left_knee"));
    assert_eq!(document["corrections"][0]["to_px"], json!([300.0, 530.0]));
    assert_eq!(
        document["measurements"]["pelvic_tilt"]["method"],
        json!("landmarks")
    );
    assert_eq!(document["session"]["client"], json!("C-17 <b>"));
    assert_eq!(document["screening"]["flags"], json!(["sharp_pain"]));
    assert_eq!(document["routine"]["withheld"], json!(true));
    // The page's client text is escaped in the report.
    let report = std::fs::read_to_string(out.path().join(names[1])).unwrap();
    assert!(!report.contains("C-17 <b>") && report.contains("C-17 &lt;b&gt;"));
    // The annotated image is the painter's drawing of the saved document.
    let analysis: sagitta::schema::Analysis = serde_json::from_slice(&json).unwrap();
    let upright = sagitta::image_io::load(&photo, &Default::default())
        .unwrap()
        .image;
    let expected = sagitta::report::files::encode_image(
        &sagitta::report::overlay::annotate(upright, &analysis),
        Path::new("x.jpg"),
    )
    .unwrap();
    assert_eq!(std::fs::read(out.path().join(names[0])).unwrap(), expected);
    assert_eq!(embedded_jpeg(&out.path().join(names[1])), expected);

    // The queue marks it saved; another review of the same folder opens it as saved.
    assert_eq!(review.get("/api/queue").json()[0]["saved"], json!(true));
    drop(review);
    let again = Review::start(vec![photo], out.path());
    let reopened = again.get("/api/photo/p1").json();
    assert_eq!(reopened["from_saved"], json!(true));
    assert_eq!(reopened["saved"], json!(true));
    let reopened_asis = reopened["edit"]["asis"].as_array().unwrap();
    for (got, placed) in reopened_asis.iter().zip(asis) {
        // Saved to the tenth of a pixel, as `--asis` is.
        assert!(
            (got.as_f64().unwrap() - placed).abs() <= 0.05,
            "{reopened_asis:?}"
        );
    }
    assert_eq!(reopened["edit"]["record"]["client"], json!("C-17 <b>"));
    assert_eq!(reopened["edit"]["screening"]["sharp_pain"], json!("yes"));
    assert_eq!(
        reopened["view"]["values"]["pelvic_tilt"],
        json!({"value": document["measurements"]["pelvic_tilt"]["value_deg"], "call": null})
    );
    // The recorded yes is not cleared silently: only with the explicit step,
    // which the document then records.
    let initial = reopened["edit"].clone();
    let silently = edited(&initial, |e| e["screening"]["sharp_pain"] = json!("no"));
    let refused = again.post("/api/photo/p1/view", &silently);
    assert_eq!(refused.status, 400);
    assert!(
        refused.json()["error"]
            .as_str()
            .unwrap()
            .contains("explicit")
    );
    let explicitly = edited(&silently, |e| e["cleared"] = json!(["sharp_pain"]));
    let cleared = again.post("/api/photo/p1/save", &explicitly);
    assert_eq!(cleared.status, 200);
    let document = read_json(&out.path().join(names[2]));
    assert_eq!(document["screening"]["flags"], json!([]));
    assert!(
        document["warnings"].as_array().unwrap().iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("sharp_pain was recorded as yes")),
        "{}",
        document["warnings"]
    );
    assert_eq!(document["routine"]["withheld"], json!(false));
}

#[test]
fn two_tabs_saving_at_once_never_mix_their_files() {
    let out = tempfile::tempdir().unwrap();
    let review = Review::start(vec![sample("standing_neutral.jpg")], out.path());
    let initial = review.get("/api/photo/p1").json()["edit"].clone();
    let edits: Vec<Value> = [480.0, 520.0]
        .iter()
        .map(|&y| {
            edited(&initial, |e| {
                e["moves"] = json!([{"keypoint": "left_knee", "x": 300.0, "y": y}])
            })
        })
        .collect();
    let review = &review;
    std::thread::scope(|scope| {
        for round in 0..3 {
            let handles: Vec<_> = edits
                .iter()
                .map(|edit| scope.spawn(move || review.post("/api/photo/p1/save", edit).status))
                .collect();
            for handle in handles {
                assert_eq!(handle.join().unwrap(), 200, "round {round}");
            }
            let base = out.path().join("standing_neutral");
            let document = read_json(&base.with_extension("json"));
            let y = document["corrections"][0]["to_px"][1].as_f64().unwrap();
            assert!([480.0, 520.0].contains(&y));
            // The page and the image come from the same save as each other.
            let annotated = std::fs::read(base.with_extension("annotated.jpg")).unwrap();
            assert_eq!(
                embedded_jpeg(&base.with_extension("report.html")),
                annotated
            );
        }
    });
    let leftovers: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn compare_shows_two_saved_photos_and_asks_for_a_save_first() {
    let out = tempfile::tempdir().unwrap();
    let review = Review::start(
        vec![
            sample("thomas_short_left.jpg"),
            sample("thomas_short_right.jpg"),
        ],
        out.path(),
    );
    let first = review.get("/api/photo/p1").json()["edit"].clone();
    assert_eq!(review.post("/api/photo/p1/save", &first).status, 200);
    let unsaved = review.get("/compare/p1/p2");
    assert_eq!(unsaved.status, 409);
    let second = review.get("/api/photo/p2").json()["edit"].clone();
    assert_eq!(review.post("/api/photo/p2/save", &second).status, 200);
    let page = review.get("/compare/p1/p2");
    assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
    let policy = page.header("content-security-policy").unwrap();
    assert!(!policy.contains("script-src"), "{policy}");
    let html = String::from_utf8(page.body).unwrap();
    assert!(html.contains("thomas_short_left.jpg") && html.contains("thomas_short_right.jpg"));
}

#[test]
fn a_saved_analysis_given_as_input_opens_as_saved_with_its_photo() {
    let first = tempfile::tempdir().unwrap();
    crate::common::sagitta()
        .args(["analyze", "--quiet", "--out"])
        .arg(first.path())
        .args(["--report", "--client", "C-3"])
        .arg(sample("thomas_normal_left.jpg"))
        .assert()
        .success();
    let saved = first.path().join("thomas_normal_left.json");
    let document = read_json(&saved);
    let out = tempfile::tempdir().unwrap();
    let review = Review::start(vec![saved], out.path());
    assert_eq!(
        review.get("/api/queue").json(),
        json!([{"id": "p1", "label": "thomas_normal_left.json", "saved": false}])
    );
    let opened = review.get("/api/photo/p1").json();
    assert_eq!(opened["from_saved"], json!(true));
    assert_eq!(opened["edit"]["record"]["client"], json!("C-3"));
    let knee = &document["measurements"]["knee_flexion"];
    assert_eq!(
        opened["view"]["values"]["knee_flexion"]["value"],
        knee["value_deg"]
    );
    // The photo it names is served, upright, at the analysed size.
    let photo = review.get("/photo/p1.jpg");
    assert_eq!(photo.header("content-type"), Some("image/jpeg"));
    assert_eq!(
        photo.header("content-length"),
        Some(photo.body.len().to_string().as_str())
    );
    let image = image::load_from_memory(&photo.body).unwrap();
    assert_eq!(
        (image.width(), image.height()),
        (
            document["image"]["width"].as_u64().unwrap() as u32,
            document["image"]["height"].as_u64().unwrap() as u32
        )
    );
}

#[test]
fn a_missing_input_is_a_usage_error_naming_it() {
    let out = tempfile::tempdir().unwrap();
    let missing = out.path().join("no_such_photo.jpg");
    crate::common::sagitta()
        .args(["review", "--no-open", "--out"])
        .arg(out.path().join("visits"))
        .arg(&missing)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no_such_photo.jpg"));
    assert!(!out.path().join("visits").exists(), "nothing was made");
}
