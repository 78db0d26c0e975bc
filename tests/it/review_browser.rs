//! The review page in a real browser: Debian's headless Chromium driven by
//! chromedriver over WebDriver, with real pointer and keyboard input
//! (WebDriver actions, `webdriver.rs`), on the bundled samples. The browser
//! is required: without `chromium` and `chromedriver` these tests fail,
//! they never skip (`scripts/test.sh` installs both).

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::common::{assert_schema_valid, read_json, repo, sagitta, sample, shared_photo};
use crate::review::{Review, truth_landmarks};
use crate::webdriver::{ARROW_RIGHT, Browser, CONTROL};

/// Opens the review's address with its token and waits for the first photo.
fn open(browser: &Browser, review: &Review) {
    browser.go(&review.server.as_ref().unwrap().url());
    ready(browser);
}

/// Waits until the photo, its overlay and the table are drawn.
pub fn ready(browser: &Browser) {
    browser.wait_for(
        "the photo, overlay and table",
        "return document.body.dataset.state === 'ready'
            && document.querySelector('#overlay svg') !== null
            && document.querySelector('#panel section') !== null
            && document.getElementById('photo').complete",
        120,
    );
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
    open(&browser, &review);
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
    open(&browser, &review);
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
    // The screenshot for the README, of this state. `UPDATE_EXPECT=1` (as for the
    // generated files) writes the committed one.
    let shot = if std::env::var_os("UPDATE_EXPECT").is_some() {
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
    ready(&browser);
}

#[test]
fn a_warning_sign_answered_yes_withholds_the_routine() {
    let out = tempfile::tempdir().unwrap();
    let review = Review::start(vec![sample("standing_neutral.jpg")], out.path());
    let browser = Browser::start();
    open(&browser, &review);
    assert!(browser.text(".routine").contains("minutes"));
    browser.click("input[name='flag-night_pain'][value='yes']");
    browser.wait_for(
        "the routine withheld",
        "const w = document.querySelector('.routine .withheld'); return w !== null && w.textContent.includes('withheld')",
        30,
    );
}

#[test]
fn ctrl_s_saves_the_three_files_with_the_typed_record_and_camera() {
    let out = tempfile::tempdir().unwrap();
    let review = Review::start(vec![sample("thomas_short_left.jpg")], out.path());
    let browser = Browser::start();
    open(&browser, &review);
    let cell = "tr[data-name='knee_flexion'] td.value";
    let level = browser.text(cell);
    browser.click("input[name='client']");
    browser.keys(&["C"]);
    browser.keys(&["7"]);
    // A render carries no tilt or lens: an empty field stands for level and
    // the assumed phone lens.
    let placeholder = |name: &str| {
        browser.script(
            "return document.querySelector(`input[name='${arguments[0]}']`).placeholder",
            json!([name]),
        )
    };
    assert_eq!(placeholder("camera_pitch_deg"), json!("level"));
    assert_eq!(
        placeholder("focal_length_35mm_mm"),
        json!("26 (a phone's, assumed)")
    );
    // The camera looked down 8 degrees: the knee is levelled before measuring.
    browser.click("input[name='camera_pitch_deg']");
    for key in ["-", "8"] {
        browser.keys(&[key]);
    }
    browser.click("h1");
    browser.wait_for(
        "the record and camera sent",
        &format!("return document.body.dataset.state === 'ready' && document.getElementById('message').textContent === 'Updated.' && document.querySelector(\"{cell}\").textContent !== {level:?}"),
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
    let protocol = &read_json(&out.path().join("thomas_short_left.json"))["protocol"];
    assert_eq!(protocol["camera_pitch_deg"], json!(-8.0));
    assert_eq!(protocol["focal_length_35mm_mm"], json!(26.0));
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
    open(&browser, &review);
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
