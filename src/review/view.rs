//! What the page shows of one analysis: the overlay as SVG (the scene the
//! annotated image is painted from), the keypoint and landmark handles,
//! and the panel (status, calls, measurements, findings, borderline
//! results, routine in short) as escaped HTML, read off the analysis
//! document's JSON. The page's script only inserts them.

use maud::{Markup, html};
use serde_json::{Value, json};

use super::edit::{saved_answer, saved_landmarks};
use crate::recommend::Recommender;
use crate::schema::{Analysis, RedFlag};

/// The keypoints the page offers to drag: both sides' chains, ear to foot.
const HANDLES: [&str; 14] = [
    "left_ear",
    "left_shoulder",
    "left_hip",
    "left_knee",
    "left_ankle",
    "left_heel",
    "left_foot_index",
    "right_ear",
    "right_shoulder",
    "right_hip",
    "right_knee",
    "right_ankle",
    "right_heel",
    "right_foot_index",
];

/// The view of `analysis` for the page.
pub(super) fn view(analysis: &Analysis, opened: &Analysis) -> Value {
    let min_visibility = crate::limits::limits().keypoint.min_visibility as f32;
    let near = analysis.protocol.near_side.map(|s| match s {
        crate::schema::Side::Left => "left_",
        crate::schema::Side::Right => "right_",
    });
    let keypoints: Vec<Value> = HANDLES
        .iter()
        .filter_map(|name| analysis.pose.keypoint(name).map(|k| (name, k)))
        .filter(|(_, k)| k.x.is_finite() && k.y.is_finite())
        .map(|(name, k)| {
            json!({
                "name": name,
                "x": k.x,
                "y": k.y,
                "low": k.visibility < min_visibility,
                "moved": analysis.corrections.iter().any(|c| c.keypoint == *name),
                "near": near.is_none_or(|prefix| name.starts_with(prefix)),
            })
        })
        .collect();
    let landmarks = saved_landmarks(analysis);
    let scene =
        crate::report::overlay::scene(analysis, analysis.image.width, analysis.image.height);
    // Each measurement's value and call, for the page's tests and tooltips.
    let values: serde_json::Map<String, Value> = analysis
        .measurements
        .iter()
        .map(|(name, m)| {
            (
                name.clone(),
                json!({
                    "value": m.value_deg().or(m.value()).filter(|_| !m.is_declined()),
                    "call": m.classification(),
                }),
            )
        })
        .collect();
    json!({
        "status": analysis.assessment.status,
        "values": values,
        "width": analysis.image.width,
        "height": analysis.image.height,
        "svg": scene.svg(),
        "panel": panel(analysis),
        "keypoints": keypoints,
        "asis": landmarks.map(|l| l.0),
        "psis": landmarks.map(|l| l.1),
        "routine_withheld": analysis.routine.as_ref().is_none_or(|r| r.withheld),
        "saved_yes": opened.screening.flags.iter().map(|f| f.name()).collect::<Vec<_>>(),
    })
}

/// The edit that reproduces the opened analysis: its landmarks, camera,
/// record and answers, nothing moved. The page starts from it; its lens is
/// the photo's own where the analysis levelled no pitch with one.
pub(super) fn initial_edit(opened: &Analysis, exif_focal_length_35mm_mm: Option<f64>) -> Value {
    let landmarks = saved_landmarks(opened);
    let session = &opened.session;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    json!({
        "moves": [],
        "reset": false,
        "asis": landmarks.map(|l| l.0),
        "psis": landmarks.map(|l| l.1),
        "protocol": null,
        "camera_roll_deg": opened.protocol.camera_roll_deg,
        "camera_pitch_deg": opened.protocol.camera_pitch_deg,
        "focal_length_35mm_mm": opened.protocol.focal_length_35mm_mm.or(exif_focal_length_35mm_mm),
        "record": {
            "client": text(&session.client),
            "date": session.date.as_ref().map(|d| d[..d.floor_char_boundary(10)].to_string()).unwrap_or_default(),
            "clinician": text(&session.clinician),
            "side": session.side.map(|s| crate::report::snake_name(&s)).unwrap_or_default(),
            "note": text(&session.note),
        },
        "screening": RedFlag::ALL.iter().map(|&f| (f.name().to_string(), json!(saved_answer(opened, f)))).collect::<serde_json::Map<_, _>>(),
        "cleared": [],
    })
}

/// The warning-sign questions, in the rules' order: `[name, question]`.
pub(super) fn questions(recommender: &Recommender) -> Value {
    json!(
        recommender
            .questions()
            .iter()
            .map(|(flag, question)| json!([flag.name(), question]))
            .collect::<Vec<_>>()
    )
}

fn words(name: &str) -> String {
    name.replace('_', " ")
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite())
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The panel beside the photo, from the document's JSON (its published
/// names), escaped throughout by maud.
fn panel(analysis: &Analysis) -> String {
    let doc = serde_json::to_value(analysis).unwrap_or(Value::Null);
    let status = text(&doc["assessment"], "status").unwrap_or("unknown");
    let measurements = doc["measurements"].as_object().cloned().unwrap_or_default();
    let findings = doc["findings"].as_array().cloned().unwrap_or_default();
    let borderline = doc["borderline"].as_array().cloned().unwrap_or_default();
    let warnings = doc["warnings"].as_array().cloned().unwrap_or_default();
    let calls = calls(&measurements);
    let values = values(&measurements);
    html! {
        section class={ "status " (status) } {
            h2 { (words(status)) }
            p {
                (words(text(&doc["protocol"], "kind").unwrap_or("unknown")))
                " · "
                (text(&doc["protocol"], "reason").unwrap_or(""))
            }
            (list(doc["assessment"]["reasons"].as_array()))
        }
        // The calls, with every class's probability.
        @if !calls.is_empty() {
            section {
                h2 { "Calls" }
                table class="calls" { @for row in &calls { (row) } }
            }
        }
        // The measurements with their uncertainty.
        @if values.is_empty() {
            section { h2 { "Measurements" } p { "none" } }
        } @else {
            section {
                h2 { "Measurements" }
                table class="measurements" {
                    tr { th { "measurement" } th { "value" } th { "method" } th { "notes" } }
                    @for row in &values { (row) }
                }
            }
        }
        section {
            h2 { "Findings" }
            @if findings.is_empty() { p { "none" } }
            @for f in &findings {
                p class="finding" {
                    b { (words(text(f, "id").unwrap_or(""))) }
                    " (" (text(f, "severity").unwrap_or("")) "): "
                    (text(f, "because").unwrap_or(""))
                }
            }
            @if !borderline.is_empty() {
                h3 { "Borderline" }
                @for b in &borderline {
                    p class="borderline" {
                        b { (words(text(b, "id").unwrap_or(""))) }
                        ": " (text(b, "because").unwrap_or("")) " "
                        i { "Recheck:" } " " (text(b, "recheck").unwrap_or(""))
                    }
                }
            }
        }
        section class="routine" {
            h2 { "Routine" }
            @match doc.get("routine").filter(|r| !r.is_null()) {
                None => { p class="withheld" { "No routine: the photo was not assessed." } }
                Some(r) if r["withheld"].as_bool() == Some(true) => {
                    p class="withheld" {
                        "Routine withheld: "
                        (text(&r["referral"], "message")
                            .or(text(r, "referral"))
                            .unwrap_or("a warning sign was reported; refer before any exercise"))
                    }
                }
                Some(r) => {
                    p {
                        (format!(
                            "{:.0} of {:.0} minutes",
                            number(&r["total_minutes"]).unwrap_or(0.0),
                            number(&r["budget_minutes"]).unwrap_or(0.0)
                        ))
                    }
                    ol {
                        @for e in r["exercises"].as_array().into_iter().flatten() {
                            li {
                                (text(e, "name").unwrap_or("")) " "
                                span class="note" {
                                    "(" (text(e, "phase").unwrap_or("")) ", "
                                    (e["duration_s"].as_u64().unwrap_or(0)) " s)"
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !warnings.is_empty() {
            section { h2 { "Warnings" } (list(Some(&warnings))) }
        }
    }
    .into_string()
}

/// The rows of the calls table: each classified measurement with every
/// class's probability, and what would settle it.
fn calls(measurements: &serde_json::Map<String, Value>) -> Vec<Markup> {
    let mut rows = Vec::new();
    for (name, m) in measurements {
        let Some(probabilities) = m["probabilities"].as_object().filter(|p| !p.is_empty()) else {
            continue;
        };
        let call = text(m, "classification").unwrap_or("none");
        let mut shares: Vec<(&String, f64)> = probabilities
            .iter()
            .filter_map(|(class, p)| number(p).map(|p| (class, p)))
            .collect();
        shares.sort_by(|a, b| b.1.total_cmp(&a.1));
        let shares: Vec<String> = shares
            .iter()
            .map(|(class, p)| format!("{} {:.0}%", words(class), p * 100.0))
            .collect();
        rows.push(html! {
            tr data-name=(name) {
                th { (words(name)) }
                td class="call" { (words(call)) }
                td { (shares.join(", ")) }
            }
            @if let Some(settle) = text(m, "to_settle") {
                tr { td colspan="3" class="note" { "to settle: " (settle) } }
            }
        });
    }
    rows
}

/// The rows of the measurements table: each measurement without classes,
/// its value with its uncertainty, method and notes.
fn values(measurements: &serde_json::Map<String, Value>) -> Vec<Markup> {
    let mut rows = Vec::new();
    for (name, m) in measurements {
        if m["probabilities"]
            .as_object()
            .is_some_and(|p| !p.is_empty())
        {
            continue;
        }
        let value = if let Some(v) = number(&m["value_deg"]) {
            match number(&m["uncertainty_deg"]) {
                Some(u) => format!("{v:.1}° ± {u:.1}°"),
                None => format!("{v:.1}°"),
            }
        } else if let Some(v) = number(&m["value"]) {
            match number(&m["uncertainty"]) {
                Some(u) => format!("{v:.3} ± {u:.3}"),
                None => format!("{v:.3}"),
            }
        } else {
            "—".to_string()
        };
        let mut notes = Vec::new();
        for key in ["classification", "declined", "unreliable"] {
            if let Some(t) = text(m, key) {
                notes.push(if key == "classification" {
                    words(t)
                } else {
                    format!("{key}: {t}")
                });
            }
        }
        rows.push(html! {
            tr data-name=(name) {
                th { (words(name)) }
                td class="value" { (value) }
                td { (words(text(m, "method").unwrap_or(""))) }
                td { (notes.join("; ")) }
            }
        });
    }
    rows
}

/// The texts among `items` as a list; nothing where there are none.
fn list(items: Option<&Vec<Value>>) -> Markup {
    let items: Vec<&str> = items
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    html! {
        @if !items.is_empty() {
            ul { @for item in items { li { (item) } } }
        }
    }
}
