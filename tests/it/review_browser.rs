//! The review page in a real browser: Debian's headless Chromium driven by
//! chromedriver over WebDriver, with real pointer and keyboard input
//! (WebDriver actions), on the bundled samples. The browser is required:
//! without `chromium` and `chromedriver` these tests fail, they never skip
//! (`scripts/test.sh` installs both).
//!
//! WebDriver is JSON over HTTP, so the client is the few requests below on
//! the same plain HTTP helper the API tests use: no async runtime and no
//! browser download in the dev-dependencies.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{assert_schema_valid, read_json, repo, sagitta, sample, shared_photo};
use crate::review::{Review, request, truth_landmarks};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "chromedriver";
/// The W3C name of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const CONTROL: &str = "\u{E009}";
const ARROW_RIGHT: &str = "\u{E014}";

/// A headless Chromium session; the driver is ended when it drops.
struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    fn start() -> Browser {
        assert!(
            Path::new(CHROMIUM).is_file(),
            "{CHROMIUM} is missing: the browser tests need Debian's chromium and chromium-driver (scripts/test.sh installs them)"
        );
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "{CHROMEDRIVER} cannot start ({e}): scripts/test.sh installs chromium-driver"
                )
            });
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                // Root in a container: no sandbox. No network: no background
                // traffic and no component updates.
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-dev-shm-usage", "--no-first-run", "--window-size=1500,950",
                    "--force-device-scale-factor=1",
                ],
            },
        }}});
        let answer = browser.call("POST", "/session", capabilities);
        browser.session = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_string();
        browser
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let path = if path == "/session" {
            path.to_string()
        } else {
            format!("/session/{}{path}", self.session)
        };
        let host = format!("127.0.0.1:{}", self.port);
        let body = if method == "GET" {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        let answer = request(
            self.port,
            &format!("{method} {path}"),
            &[("Host", &host), ("Content-Type", "application/json")],
            &body,
        );
        let reply = answer.json();
        assert_eq!(answer.status, 200, "{method} {path}: {reply}");
        reply["value"].clone()
    }

    fn go(&self, url: &str) {
        self.call("POST", "/url", json!({ "url": url }));
    }

    fn script(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": args }),
        )
    }

    /// Waits until `script` returns true (at most `seconds`).
    fn wait_for(&self, what: &str, script: &str, seconds: u64) {
        let started = Instant::now();
        loop {
            if self.script(script, json!([])) == json!(true) {
                return;
            }
            let message = self.script(
                "return document.getElementById('message').textContent",
                json!([]),
            );
            assert!(
                started.elapsed() < Duration::from_secs(seconds),
                "waited {seconds} s for {what}; the page says: {message}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn text(&self, selector: &str) -> String {
        self.script(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
            json!([selector]),
        )
        .as_str()
        .unwrap_or_else(|| panic!("no {selector} on the page"))
        .to_string()
    }

    fn element(&self, selector: &str) -> Value {
        self.call(
            "POST",
            "/element",
            json!({"using": "css selector", "value": selector}),
        )
    }

    /// A real mouse click on the element (WebDriver's element click).
    fn click(&self, selector: &str) {
        let element = self.element(selector);
        let id = element[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("{selector}: {element}"))
            .to_string();
        self.call("POST", &format!("/element/{id}/click"), json!({}));
    }

    fn pointer(&self, steps: Vec<Value>) {
        self.call(
            "POST",
            "/actions",
            json!({"actions": [{
                "type": "pointer", "id": "mouse",
                "parameters": {"pointerType": "mouse"},
                "actions": steps,
            }]}),
        );
        self.call("DELETE", "/actions", json!({}));
    }

    fn click_at(&self, [x, y]: [i64; 2]) {
        self.pointer(vec![
            json!({"type": "pointerMove", "origin": "viewport", "x": x, "y": y, "duration": 0}),
            json!({"type": "pointerDown", "button": 0}),
            json!({"type": "pointerUp", "button": 0}),
        ]);
    }

    fn drag(&self, [x0, y0]: [i64; 2], [x1, y1]: [i64; 2]) {
        let mut steps = vec![
            json!({"type": "pointerMove", "origin": "viewport", "x": x0, "y": y0, "duration": 0}),
            json!({"type": "pointerDown", "button": 0}),
        ];
        for i in 1..=5 {
            steps.push(json!({"type": "pointerMove", "origin": "viewport",
                "x": x0 + (x1 - x0) * i / 5, "y": y0 + (y1 - y0) * i / 5, "duration": 30}));
        }
        steps.push(json!({"type": "pointerUp", "button": 0}));
        self.pointer(steps);
    }

    /// Real key presses: `keys` held down in order, then released.
    fn keys(&self, keys: &[&str]) {
        let mut steps: Vec<Value> = keys
            .iter()
            .map(|k| json!({"type": "keyDown", "value": k}))
            .collect();
        steps.extend(
            keys.iter()
                .rev()
                .map(|k| json!({"type": "keyUp", "value": k})),
        );
        self.call(
            "POST",
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": steps}]}),
        );
        self.call("DELETE", "/actions", json!({}));
    }

    /// Where photo pixel (`x`, `y`) is in the viewport, read off the photo
    /// element's box and natural size (not the page's own conversion).
    fn on_screen(&self, x: f64, y: f64) -> [f64; 2] {
        let point = self.script(
            "const img = document.getElementById('photo'); const r = img.getBoundingClientRect();
             return [r.left + arguments[0] * r.width / img.naturalWidth,
                     r.top + arguments[1] * r.height / img.naturalHeight];",
            json!([x, y]),
        );
        [point[0].as_f64().unwrap(), point[1].as_f64().unwrap()]
    }

    /// The photo pixel under viewport point `p`, the same way round.
    fn in_photo(&self, [x, y]: [i64; 2]) -> [f64; 2] {
        let point = self.script(
            "const img = document.getElementById('photo'); const r = img.getBoundingClientRect();
             return [(arguments[0] - r.left) * img.naturalWidth / r.width,
                     (arguments[1] - r.top) * img.naturalHeight / r.height];",
            json!([x, y]),
        );
        [point[0].as_f64().unwrap(), point[1].as_f64().unwrap()]
    }

    fn screenshot(&self, path: &Path) {
        use base64::Engine;
        let data = self.call("GET", "/screenshot", json!({}));
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap())
            .unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Opens the review's address with its token and waits for the first photo.
    fn open(&self, review: &Review) {
        self.go(&review.server.as_ref().unwrap().url());
        self.ready();
    }

    fn ready(&self) {
        self.wait_for(
            "the photo, overlay and table",
            "return document.body.dataset.state === 'ready'
                && document.querySelector('#overlay svg') !== null
                && document.querySelector('#panel table') !== null
                && document.getElementById('photo').complete",
            120,
        );
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let host = format!("127.0.0.1:{}", self.port);
            let _ = std::panic::catch_unwind(|| {
                request(
                    self.port,
                    &format!("DELETE /session/{}", self.session),
                    &[("Host", &host)],
                    b"",
                )
            });
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn round([x, y]: [f64; 2]) -> [i64; 2] {
    [x.round() as i64, y.round() as i64]
}

fn handle_centre(browser: &Browser, keypoint: &str) -> [f64; 2] {
    let point = browser.script(
        "const r = document.querySelector(`circle[data-keypoint='${arguments[0]}']`).getBoundingClientRect();
         return [r.left + r.width / 2, r.top + r.height / 2];",
        json!([keypoint]),
    );
    [point[0].as_f64().unwrap(), point[1].as_f64().unwrap()]
}

fn number_in(text: &str) -> f64 {
    text.split(['°', ' '])
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number in {text:?}"))
}

#[test]
fn dragging_the_knee_changes_knee_flexion_and_ctrl_z_undoes_it() {
    let out = tempfile::tempdir().unwrap();
    let review = Review::start(vec![sample("standing_anterior_tilt.jpg")], out.path());
    let browser = Browser::start();
    browser.open(&review);
    let cell = "tr[data-name='knee_flexion'] td.value";
    let before = browser.text(cell);
    let knee = handle_centre(&browser, "left_knee");
    // 15 photo pixels forward, at the page's scale.
    let scale = browser.on_screen(100.0, 0.0)[0] - browser.on_screen(0.0, 0.0)[0];
    let target = [knee[0] - 15.0 * scale / 100.0, knee[1]];
    browser.drag(round(knee), round(target));
    browser.wait_for(
        "knee flexion to change",
        &format!("const c = document.querySelector(\"{cell}\"); return c !== null && c.textContent !== {before:?} && document.body.dataset.state === 'ready'"),
        30,
    );
    let after = browser.text(cell);
    assert!(
        (number_in(&after) - number_in(&before)).abs() > 5.0,
        "{before} -> {after}"
    );
    let moved = browser.script(
        "return document.querySelector(\"circle[data-keypoint='left_knee']\").classList.contains('moved')",
        json!([]),
    );
    assert_eq!(moved, json!(true));
    // Ctrl+Z: back to the detected knee.
    browser.keys(&[CONTROL, "z"]);
    browser.wait_for(
        "the undo",
        &format!("return document.querySelector(\"{cell}\").textContent === {before:?}"),
        30,
    );
}

#[test]
fn clicking_asis_and_psis_at_the_truth_calls_the_tilt_anterior() {
    let out = tempfile::tempdir().unwrap();
    let review = Review::start(
        vec![
            sample("standing_anterior_tilt.jpg"),
            sample("standing_neutral.jpg"),
        ],
        out.path(),
    );
    let browser = Browser::start();
    browser.open(&review);
    let call = "tr[data-name='pelvic_pattern'] td.call";
    assert_eq!(browser.text(call), "uncertain");
    let (asis, psis) = truth_landmarks();
    // The button, then a click on the photo; the key P, then a click.
    browser.click("#place-asis");
    browser.click_at(round(browser.on_screen(asis[0], asis[1])));
    browser.wait_for(
        "the ASIS mark",
        "return document.querySelector('.landmark.asis') !== null && document.body.dataset.state === 'ready'",
        30,
    );
    browser.keys(&["p"]);
    browser.click_at(round(browser.on_screen(psis[0], psis[1])));
    browser.wait_for(
        "anterior",
        &format!("return document.querySelector(\"{call}\").textContent === 'anterior'"),
        30,
    );
    let tilt = browser.text("tr[data-name='pelvic_tilt'] td:nth-child(3)");
    assert_eq!(tilt, "landmarks");
    // The screenshot for the README, of this state. `SAGITTA_BLESS=1`
    // writes the committed one.
    let shot = if std::env::var_os("SAGITTA_BLESS").is_some() {
        repo().join("docs/review.png")
    } else {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("review.png")
    };
    browser.screenshot(&shot);
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    // The right arrow opens the next photo.
    browser.click("h1");
    browser.keys(&[ARROW_RIGHT]);
    browser.wait_for(
        "the next photo",
        "return document.getElementById('position').textContent.startsWith('2 / 2')",
        60,
    );
    browser.ready();
}

#[test]
fn a_warning_sign_answered_yes_withholds_the_routine() {
    let out = tempfile::tempdir().unwrap();
    let review = Review::start(vec![sample("standing_neutral.jpg")], out.path());
    let browser = Browser::start();
    browser.open(&review);
    assert!(browser.text(".routine").contains("minutes"));
    browser.click("input[name='flag-night_pain'][value='yes']");
    browser.wait_for(
        "the routine withheld",
        "const w = document.querySelector('.routine .withheld'); return w !== null && w.textContent.includes('withheld')",
        30,
    );
}

#[test]
fn ctrl_s_saves_the_three_files_with_a_valid_document() {
    let out = tempfile::tempdir().unwrap();
    let review = Review::start(vec![sample("thomas_short_left.jpg")], out.path());
    let browser = Browser::start();
    browser.open(&review);
    browser.click("input[name='client']");
    browser.keys(&["C"]);
    browser.keys(&["7"]);
    browser.click("h1");
    browser.wait_for(
        "the record sent",
        "return document.body.dataset.state === 'ready' && document.getElementById('message').textContent === 'Updated.'",
        30,
    );
    browser.keys(&[CONTROL, "s"]);
    browser.wait_for(
        "the save",
        "return document.getElementById('message').textContent.startsWith('Saved:')",
        60,
    );
    for ending in [".annotated.jpg", ".report.html", ".json"] {
        assert!(
            out.path()
                .join(format!("thomas_short_left{ending}"))
                .is_file(),
            "{ending}"
        );
    }
    let json = std::fs::read(out.path().join("thomas_short_left.json")).unwrap();
    assert_schema_valid("analysis", None, &json);
    assert_eq!(
        read_json(&out.path().join("thomas_short_left.json"))["session"]["client"],
        json!("C7")
    );
    assert!(browser.text("#queue").contains("saved"));
}

#[test]
fn a_click_on_an_exif_rotated_photo_lands_on_the_pixel_asis_names() {
    let Some(photo) = shared_photo("openposture_fixtures/desk_lean_exif.jpeg") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let review = Review::start(vec![photo.clone()], out.path());
    let browser = Browser::start();
    browser.open(&review);
    // The page shows the photo upright, as the analysis measures it (EXIF
    // orientation 6: stored 1280x960, upright 960x1280).
    let size = browser.script(
        "const i = document.getElementById('photo'); return [i.naturalWidth, i.naturalHeight]",
        json!([]),
    );
    assert_eq!(size, json!([960, 1280]));
    // A person leaning at a desk is no posture sagitta measures; the
    // clinician forces the standing protocol, as `--protocol standing`.
    browser.click("select[name='protocol']");
    browser.click("select[name='protocol'] option[value='standing']");
    browser.wait_for(
        "the protocol",
        "return document.body.dataset.state === 'ready' && document.getElementById('message').textContent === 'Updated.'",
        60,
    );
    // Zoomed in with the wheel for a precise click, then two clicks.
    let centre = round(browser.on_screen(480.0, 640.0));
    browser.call(
        "POST",
        "/actions",
        json!({"actions": [{"type": "wheel", "id": "wheel", "actions": [
            {"type": "scroll", "x": centre[0], "y": centre[1], "deltaX": 0, "deltaY": -100, "origin": "viewport"},
            {"type": "scroll", "x": centre[0], "y": centre[1], "deltaX": 0, "deltaY": -100, "origin": "viewport"}
        ]}]}),
    );
    let mut placed = Vec::new();
    for (key, target) in [("a", [430.0, 700.0]), ("p", [520.0, 660.0])] {
        browser.click("h1");
        browser.keys(&[key]);
        let at = round(browser.on_screen(target[0], target[1]));
        browser.click_at(at);
        placed.push(browser.in_photo(at));
        browser.wait_for(
            "the landmark",
            &format!("return document.querySelector('.landmark.{}') !== null && document.body.dataset.state === 'ready'", if key == "a" { "asis" } else { "psis" }),
            30,
        );
    }
    browser.keys(&[CONTROL, "s"]);
    browser.wait_for(
        "the save",
        "return document.getElementById('message').textContent.startsWith('Saved:')",
        120,
    );
    let saved = read_json(&out.path().join("desk_lean_exif.json"));
    let tilt = &saved["measurements"]["pelvic_tilt"];
    assert_eq!(tilt["method"], json!("landmarks"));
    // The points recorded are the pixels clicked (PSIS, then ASIS).
    for (recorded, clicked) in [
        (&tilt["points_px"][0], placed[1]),
        (&tilt["points_px"][1], placed[0]),
    ] {
        for axis in 0..2 {
            let got = recorded[axis].as_f64().unwrap();
            assert!(
                (got - clicked[axis]).abs() <= 0.2,
                "{recorded} against {clicked:?}"
            );
        }
    }
    // And the command line, given those pixels as --asis and --psis, measures the same tilt.
    let point = |p: [f64; 2]| format!("{:.1},{:.1}", p[0], p[1]);
    let output = sagitta()
        .args(["analyze", "--format", "json", "--protocol", "standing"])
        .args(["--asis", &point(placed[0]), "--psis", &point(placed[1])])
        .arg(&photo)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let cli: Value = serde_json::from_slice(&output).unwrap();
    let cli_tilt = cli["measurements"]["pelvic_tilt"]["value_deg"]
        .as_f64()
        .unwrap();
    let page_tilt = tilt["value_deg"].as_f64().unwrap();
    assert!(
        (cli_tilt - page_tilt).abs() <= 0.15,
        "page {page_tilt}, --asis/--psis {cli_tilt}"
    );
}
