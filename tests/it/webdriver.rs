//! A WebDriver client for Debian's headless Chromium through chromedriver:
//! sessions, script calls for reading the page, real pointer, wheel and
//! keyboard input (WebDriver actions) and screenshots. WebDriver is JSON
//! over HTTP, so this is a few requests on the tests' plain HTTP client:
//! no async runtime, and no browser download.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http::request;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "chromedriver";
/// The W3C name of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
pub const CONTROL: &str = "\u{E009}";
pub const ARROW_RIGHT: &str = "\u{E014}";

/// A headless Chromium session; the driver is ended when it drops.
pub struct Browser {
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
    pub fn start() -> Browser {
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

    pub fn call(&self, method: &str, path: &str, body: Value) -> Value {
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

    pub fn go(&self, url: &str) {
        self.call("POST", "/url", json!({ "url": url }));
    }

    pub fn script(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": args }),
        )
    }

    /// Waits until `script` returns true (at most `seconds`).
    pub fn wait_for(&self, what: &str, script: &str, seconds: u64) {
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

    pub fn text(&self, selector: &str) -> String {
        self.script(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
            json!([selector]),
        )
        .as_str()
        .unwrap_or_else(|| panic!("no {selector} on the page"))
        .to_string()
    }

    pub fn element(&self, selector: &str) -> Value {
        self.call(
            "POST",
            "/element",
            json!({"using": "css selector", "value": selector}),
        )
    }

    /// A real mouse click on the element (WebDriver's element click).
    pub fn click(&self, selector: &str) {
        let element = self.element(selector);
        let id = element[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("{selector}: {element}"))
            .to_string();
        self.call("POST", &format!("/element/{id}/click"), json!({}));
    }

    pub fn pointer(&self, steps: Vec<Value>) {
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

    pub fn click_at(&self, [x, y]: [i64; 2]) {
        self.pointer(vec![
            json!({"type": "pointerMove", "origin": "viewport", "x": x, "y": y, "duration": 0}),
            json!({"type": "pointerDown", "button": 0}),
            json!({"type": "pointerUp", "button": 0}),
        ]);
    }

    pub fn drag(&self, [x0, y0]: [i64; 2], [x1, y1]: [i64; 2]) {
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
    pub fn keys(&self, keys: &[&str]) {
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
    pub fn on_screen(&self, x: f64, y: f64) -> [f64; 2] {
        let point = self.script(
            "const img = document.getElementById('photo'); const r = img.getBoundingClientRect();
             return [r.left + arguments[0] * r.width / img.naturalWidth,
                     r.top + arguments[1] * r.height / img.naturalHeight];",
            json!([x, y]),
        );
        [point[0].as_f64().unwrap(), point[1].as_f64().unwrap()]
    }

    /// The photo pixel under viewport point `p`, the same way round.
    pub fn in_photo(&self, [x, y]: [i64; 2]) -> [f64; 2] {
        let point = self.script(
            "const img = document.getElementById('photo'); const r = img.getBoundingClientRect();
             return [(arguments[0] - r.left) * img.naturalWidth / r.width,
                     (arguments[1] - r.top) * img.naturalHeight / r.height];",
            json!([x, y]),
        );
        [point[0].as_f64().unwrap(), point[1].as_f64().unwrap()]
    }

    pub fn screenshot(&self, path: &Path) {
        use base64::Engine;
        let data = self.call("GET", "/screenshot", json!({}));
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap())
            .unwrap();
        std::fs::write(path, png).unwrap();
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
