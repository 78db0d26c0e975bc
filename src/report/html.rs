//! The printable report: one self-contained HTML page per photo (inline CSS,
//! the annotated photo as a data URI, no scripts, nothing fetched) laid out
//! for one or two A4 pages. Every text from the document is escaped, since
//! paths and data files can hold anything.

use std::fmt::{self, Display, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::overlay::protocol_name;
use crate::measure::conventions::Quantity;
use crate::schema::{Analysis, AssessmentStatus, Finding, Measurement, Reading, Severity};
use crate::schema::{LeftOut, Routine, RoutineExercise};

pub(super) const STYLE: &str = r#"
@page { size: A4; margin: 8mm 9mm; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 8.5pt;
  line-height: 1.12; color: #1d2327; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 192mm; }
@media screen { body { padding: 8mm 4mm; } }
h1 { font-size: 14pt; margin: 0; color: #17465c; }
h2 { font-size: 10pt; margin: 1.8mm 0 .8mm; padding-bottom: .3mm; color: #17465c;
  border-bottom: .4mm solid #2c6e8f; break-after: avoid; }
h3 { font-size: 8.8pt; margin: 0; }
p { margin: .6mm 0; }
ul, ol { margin: .4mm 0; padding-left: 4.2mm; }
li { margin: .1mm 0; }
header { display: flex; justify-content: space-between; align-items: baseline; gap: 4mm;
  border-bottom: .8mm solid #17465c; padding-bottom: 1mm; margin-bottom: 1.5mm; }
.meta { color: #56616a; font-size: 7.2pt; text-align: right; overflow-wrap: anywhere; }
/* The test and assessment beside the findings, above the evidence. */
.summary { display: grid; grid-template-columns: 1fr 1fr; gap: 5mm; break-inside: avoid; }
.summary h2:first-child { margin-top: 0; }
/* The annotated photo beside the measurements table; the page sets the
   figure's width from the photo's shape. */
.evidence { display: grid; grid-template-columns: auto 1fr; gap: 3.5mm; align-items: start;
  margin-top: 1.5mm; }
.evidence h2 { margin-top: 0; }
.evidence > div { min-width: 0; }
figure { margin: 0; flex: none; max-width: 58%; }
figure img { display: block; max-width: 100%; max-height: 84mm; border-radius: 1mm;
  object-fit: contain; }
.evidence figure { max-width: none; }
.evidence .alert { margin-bottom: 0; }
.evidence figure img { width: 100%; height: auto; }
.badge { display: inline-block; padding: .1mm 1.5mm; border-radius: 1mm; font-weight: bold;
  font-size: 7.4pt; white-space: nowrap; }
.ok { background: #dff2e4; color: #1f6b35; }
.bad { background: #fbe2df; color: #9b2a1f; }
.sev-info { background: #e6eef3; color: #34576b; }
.sev-mild { background: #fff3cf; color: #7a5a00; }
.sev-moderate { background: #ffe2c6; color: #8a4200; }
.sev-marked { background: #fbd5d0; color: #8f1f14; }
.muted { color: #5b6770; }
.small { font-size: 7.4pt; }
.ref { font-size: 6.2pt; line-height: 1.1; color: #5b6770; }
table { width: 100%; border-collapse: collapse; font-size: 7.8pt; }
th { text-align: left; background: #eaf1f5; }
th, td { padding: .35mm 1mm; border-bottom: .2mm solid #d5dde2; vertical-align: top; }
tr { break-inside: avoid; }
tr.measured td:first-child { white-space: nowrap; }
td.value { font-variant-numeric: tabular-nums; }
td.method { font-size: 7.2pt; color: #5b6770; }
/* A measurement's reference note runs under its row, across the table. */
tr.measured.noted td { border-bottom: 0; padding-bottom: 0; }
tr.note td { padding-top: 0; white-space: normal; }
tr.declined td { color: #6b747a; font-style: italic; font-size: 7.4pt; }
tr.declined td:first-child { font-style: normal; }
.exercises { columns: 2; column-gap: 4mm; }
/* A card may continue in the next column, its border repeated, but only
   between steps and never right after its heading. */
.exercise { border: .2mm solid #d5dde2; border-left: 1mm solid #2c6e8f; border-radius: 1mm;
  padding: .5mm 1.5mm; margin: 0 0 1mm; -webkit-box-decoration-break: clone;
  box-decoration-break: clone; }
.exercise .head { break-inside: avoid; break-after: avoid; margin-bottom: .3mm; }
.exercise h3 { display: inline; }
.exercise p, .exercise li { break-inside: avoid; }
.exercise p { margin: .3mm 0; }
.exercise.later, .exercise.again { border-left-color: #8a9aa5; break-inside: avoid; }
.exercise ol { padding-left: 4mm; margin: .2mm 0; }
.dose { font-weight: bold; color: #17465c; }
.block { break-inside: avoid; }
ul.cols { columns: 2; column-gap: 5mm; }
ul.cols li { break-inside: avoid; }
.alert { break-inside: avoid; border: .5mm solid #c0392b; background: #fdf1ef;
  border-radius: 1.5mm; padding: 1mm 2.5mm; margin: 1.5mm 0; }
.alert.big { font-size: 10pt; border-width: .8mm; }
.alert h2 { border: 0; margin: 0 0 1mm; color: #9b2a1f; }
ul.ref li { margin: 0; }
"#;

/// Text from the document, HTML-escaped when displayed.
pub(super) struct Esc<'a>(pub(super) &'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..at])?;
            f.write_str(match rest.as_bytes()[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[at + 1..];
        }
        f.write_str(rest)
    }
}

/// A snake_case id as words: `short_hip_flexors` -> "short hip flexors".
pub(super) fn words(id: &str) -> String {
    id.replace('_', " ")
}

/// The report page for one analysed photo; `annotated_jpeg` is the
/// annotated photo, embedded as it is.
pub fn render(analysis: &Analysis, annotated_jpeg: &[u8]) -> String {
    let mut page = String::new();
    write_page(&mut page, analysis, annotated_jpeg).expect("writing to a String cannot fail");
    page
}

fn write_page(out: &mut String, a: &Analysis, jpeg: &[u8]) -> fmt::Result {
    let path = Esc(&a.image.path);
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Posture report: {path}</title>\n<style>{STYLE}</style>\n</head>\n<body>"
    )?;
    let record: Vec<String> = a
        .session
        .lines()
        .into_iter()
        .map(|(label, value)| format!("<b>{label}</b> {}", Esc(&value)))
        .collect();
    writeln!(
        out,
        "<header><h1>Posture report</h1><div class=\"meta\">{}<br>{path}<br>{}&#215;{} px \
         &#183; model {} &#183; sagitta schema {}</div></header>",
        record.join(" &#183; "),
        a.image.width,
        a.image.height,
        super::snake_name(&a.model.kind),
        Esc(&a.schema_version)
    )?;
    if let Some(routine) = a.routine.as_ref().filter(|r| r.withheld) {
        write_referral(out, routine)?;
    }
    writeln!(out, "<section class=\"summary\"><div>")?;
    write_protocol(out, a)?;
    write_assessment(out, a)?;
    writeln!(out, "</div><div>")?;
    write_findings(out, &a.findings)?;
    write_borderline(out, a)?;
    if !a.warnings.is_empty() {
        writeln!(out, "<h2>Warnings</h2><ul class=\"small\">")?;
        for warning in &a.warnings {
            writeln!(out, "<li>{}</li>", Esc(&warning.to_string()))?;
        }
        writeln!(out, "</ul>")?;
    }
    writeln!(out, "</div></section>")?;
    // Before any exercise, where it is read first, in the room the evidence
    // leaves: under a tall, narrow photo, which the table outruns, or under
    // the table beside a wide, low one.
    let safety = a
        .routine
        .as_ref()
        .filter(|r| !r.withheld)
        .map(|r| {
            format!(
                "<div class=\"alert\"><b>Safety.</b> {}</div>",
                Esc(&r.safety_note)
            )
        })
        .unwrap_or_default();
    let figure_mm = figure_width_mm(a.image.width, a.image.height);
    let (under_photo, under_table) = if figure_mm <= NARROW_FIGURE_MM {
        (safety.as_str(), "")
    } else {
        ("", safety.as_str())
    };
    writeln!(
        out,
        "<section class=\"evidence\"><div style=\"width: {figure_mm:.0}mm\"><figure>\
         <img alt=\"The photo with the measured angles drawn on it\" \
         src=\"data:image/jpeg;base64,{}\"></figure>{under_photo}</div><div>",
        STANDARD.encode(jpeg)
    )?;
    write_measurements(out, a)?;
    writeln!(out, "{under_table}</div></section>")?;
    match &a.routine {
        Some(routine) if !routine.withheld => write_routine(out, routine)?,
        Some(_) => {}
        None => write_no_routine(out, a)?,
    }
    write_references(out, &a.references, false)?;
    // A withheld routine: the page ends with the referral, as it began.
    if let Some(routine) = a.routine.as_ref().filter(|r| r.withheld) {
        write_referral(out, routine)?;
    }
    writeln!(out, "</body>\n</html>")
}

/// A figure this narrow (a portrait photo) leaves room under it for the
/// safety note, beside a table that runs longer than the photo; beside a
/// wider one the note goes under the table.
const NARROW_FIGURE_MM: f64 = 60.0;

/// The photo's width on the page: a portrait photo stands 72 mm tall beside
/// the table; a landscape one is kept wide enough to read, leaving the table
/// at least 100 mm.
fn figure_width_mm(width_px: u32, height_px: u32) -> f64 {
    const TALLEST_MM: f64 = 72.0;
    if width_px == 0 || height_px == 0 {
        return 60.0;
    }
    (TALLEST_MM * f64::from(width_px) / f64::from(height_px)).clamp(45.0, 86.0)
}

fn write_assessment(out: &mut String, a: &Analysis) -> fmt::Result {
    let status = &a.assessment.status;
    let class = match status {
        AssessmentStatus::Assessed => "ok",
        AssessmentStatus::Partial => "sev-mild",
        AssessmentStatus::NotAssessed => "bad",
    };
    writeln!(
        out,
        "<h2>Assessment</h2><p><span class=\"badge {class}\">{}</span></p>",
        Esc(&words(&super::snake_name(status)))
    )?;
    if !a.assessment.reasons.is_empty() {
        writeln!(out, "<ul class=\"small\">")?;
        for reason in &a.assessment.reasons {
            writeln!(out, "<li>{}</li>", Esc(reason))?;
        }
        writeln!(out, "</ul>")?;
    }
    Ok(())
}

fn write_borderline(out: &mut String, a: &Analysis) -> fmt::Result {
    if a.borderline.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<h2>Borderline: re-check by hand</h2><ul class=\"small\">"
    )?;
    for b in &a.borderline {
        write!(
            out,
            "<li class=\"block\"><b>{}</b>: {}. <i>{}</i>.",
            Esc(&words(&b.id)),
            Esc(&b.because),
            Esc(&b.recheck)
        )?;
        if let Some(reference) = &b.reference {
            write!(out, "<br><span class=\"ref\">{}</span>", Esc(reference))?;
        }
        writeln!(out, "</li>")?;
    }
    writeln!(out, "</ul>")
}

/// In place of a routine for a photo that was not assessed.
fn write_no_routine(out: &mut String, a: &Analysis) -> fmt::Result {
    writeln!(
        out,
        "<div class=\"alert\"><h2>No routine: this photo could not be assessed</h2>"
    )?;
    writeln!(out, "<ul>")?;
    for reason in &a.assessment.reasons {
        writeln!(out, "<li>{}</li>", Esc(reason))?;
    }
    writeln!(out, "</ul>")?;
    if let Some(retake) = &a.assessment.retake {
        writeln!(out, "<p><b>To retake:</b> {}</p>", Esc(retake))?;
    }
    writeln!(
        out,
        "<p class=\"small\">A general routine, not based on any photo, is available with --general-routine.</p></div>"
    )
}

/// Every work a page cites (`keys`), in full; nothing where none is known.
/// `block` keeps the list on one printed page (the compare page's layout).
pub(super) fn write_references(out: &mut String, keys: &[String], block: bool) -> fmt::Result {
    let cited: Vec<_> = keys
        .iter()
        .filter_map(|key| crate::references::get(key))
        .collect();
    if cited.is_empty() {
        return Ok(());
    }
    let (open, close) = if block {
        ("<div class=\"block\">", "</div>")
    } else {
        ("", "")
    };
    writeln!(out, "{open}<h2>References</h2><ul class=\"ref\">")?;
    for reference in cited {
        writeln!(
            out,
            "<li><b>{}</b>: {}</li>",
            Esc(&reference.key),
            Esc(&reference.full())
        )?;
    }
    writeln!(out, "</ul>{close}")
}

fn write_protocol(out: &mut String, a: &Analysis) -> fmt::Result {
    let p = &a.protocol;
    let (class, validity) = if p.valid {
        ("ok", "valid")
    } else {
        ("bad", "not valid")
    };
    writeln!(
        out,
        "<h2>Test</h2><p><span class=\"badge {class}\">{} &#183; {validity}</span>{}",
        protocol_name(p.kind),
        if p.forced {
            " <span class=\"muted\">(chosen by --protocol)</span>"
        } else {
            ""
        }
    )?;
    let mut view = Vec::new();
    if let Some(side) = p.near_side {
        view.push(format!("near side {}", super::snake_name(&side)));
    }
    view.push(format!("side view {:.0}&#160;%", p.lateral_score * 100.0));
    writeln!(out, " {}</p>\n<p>{}</p>", view.join(", "), Esc(&p.reason))?;
    if let Some(retake) = &p.retake {
        writeln!(out, "<p class=\"small\"><b>Retake:</b> {}</p>", Esc(retake))?;
    }
    if !p.assumptions.is_empty() {
        let assumptions: Vec<String> = p.assumptions.iter().map(|a| Esc(a).to_string()).collect();
        writeln!(
            out,
            "<p class=\"small\"><b>Assumes:</b> {}.</p>",
            assumptions.join("; ")
        )?;
    }
    Ok(())
}

pub(super) fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Mild => "mild",
        Severity::Moderate => "moderate",
        Severity::Marked => "marked",
    }
}

fn write_findings(out: &mut String, findings: &[Finding]) -> fmt::Result {
    writeln!(out, "<h2>Findings</h2>")?;
    if findings.is_empty() {
        return writeln!(
            out,
            "<p class=\"muted\">None: no measurement crossed a cut-off the rules act on.</p>"
        );
    }
    writeln!(out, "<ul>")?;
    for finding in findings {
        let severity = severity_name(finding.severity);
        write!(
            out,
            "<li class=\"block\"><span class=\"badge sev-{severity}\">{severity}</span> \
             <b>{}</b>: {}",
            Esc(&words(&finding.id)),
            Esc(&finding.because)
        )?;
        if let Some(reference) = &finding.reference {
            write!(out, "<br><span class=\"ref\">{}</span>", Esc(reference))?;
        }
        writeln!(out, "</li>")?;
    }
    writeln!(out, "</ul>")
}

/// The value cell: degrees with their sign and uncertainty, or a ratio.
fn value_text(m: &Reading) -> String {
    match (m.value_deg, m.value) {
        (Some(deg), _) => match m.uncertainty_deg {
            Some(u) => format!("{deg:+.1}&#176; &#177;&#160;{u:.1}&#176;"),
            None => format!("{deg:+.1}&#176;"),
        },
        (None, Some(value)) => {
            let plus_minus = m
                .uncertainty
                .map(|u| format!(" &#177;&#160;{u:.3}"))
                .unwrap_or_default();
            match m.unit.as_deref() {
                unit if unit.is_some() && unit == Quantity::HeightFraction.unit() => {
                    format!("{:+.1}&#160;% of height", value * 100.0)
                }
                Some(unit) => format!("{value:.3}{plus_minus} {}", Esc(&words(unit))),
                None => format!("{value:.3}{plus_minus}"),
            }
        }
        (None, None) => "&#8212;".to_string(),
    }
}

/// The small print under a measurement's row: each class's probability for
/// a call among classes (likeliest first), what would settle an uncertain
/// call, and the measurement's reference.
fn note_text(m: &Reading) -> Vec<String> {
    let mut note = Vec::new();
    if !m.probabilities.is_empty() {
        let mut shares: Vec<(&String, &f64)> = m.probabilities.iter().collect();
        shares.sort_by(|a, b| b.1.total_cmp(a.1));
        let shares: Vec<String> = shares
            .into_iter()
            .map(|(class, p)| format!("{}&#160;{:.0}", Esc(&words(class)), p * 100.0))
            .collect();
        note.push(format!("<b>p&#160;%:</b> {}", shares.join(" &#183; ")));
    }
    if let Some(settle) = &m.to_settle {
        note.push(format!("<b>to settle it:</b> {}", Esc(settle)));
    }
    if let Some(reference) = m.reference.as_deref().filter(|r| !r.is_empty()) {
        note.push(Esc(reference).to_string());
    }
    note
}

/// One row per measurement: a declined one gives its reason on the same
/// line; a measured one's probabilities and reference run under it, across
/// the table, in small print.
fn write_measurements(out: &mut String, a: &Analysis) -> fmt::Result {
    writeln!(
        out,
        "<h2>Measurements</h2><table class=\"measurements\"><thead><tr><th>Measurement</th>\
         <th>Value &#177; uncertainty</th><th>Class</th><th>Conf.</th><th>Method</th>\
         </tr></thead><tbody>"
    )?;
    for (name, m) in &a.measurements {
        let name = Esc(&words(name));
        let m = match m {
            Measurement::Declined(decline) => {
                writeln!(
                    out,
                    "<tr class=\"declined\"><td>{name}</td><td colspan=\"4\">declined: {}</td></tr>",
                    Esc(&decline.reason)
                )?;
                continue;
            }
            Measurement::Made(reading) => reading,
        };
        let confidence = match (&m.unreliable, m.confidence) {
            (Some(_), Some(c)) => format!("{c:.2} <b>unreliable</b>"),
            (_, c) => c.map(|c| format!("{c:.2}")).unwrap_or_default(),
        };
        let note = note_text(m);
        writeln!(
            out,
            "<tr class=\"measured{}\"><td>{name}</td><td class=\"value\">{}</td><td>{}</td>\
             <td>{confidence}</td><td class=\"method\">{}</td></tr>",
            if note.is_empty() { "" } else { " noted" },
            value_text(m),
            Esc(&words(m.classification.as_deref().unwrap_or(""))),
            Esc(&words(&m.method)),
        )?;
        if !note.is_empty() {
            writeln!(
                out,
                "<tr class=\"note\"><td colspan=\"5\" class=\"ref\">{}</td></tr>",
                note.join("; ")
            )?;
        }
    }
    writeln!(out, "</tbody></table>")
}

/// The texts in first-seen order, each once.
fn distinct<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = Vec::new();
    for text in texts {
        if !seen.contains(&text) {
            seen.push(text);
        }
    }
    seen
}

/// "2:20 min".
fn duration_text(seconds: u32) -> String {
    format!("{}:{:02}&#160;min", seconds / 60, seconds % 60)
}

/// Decimal minutes as in [`duration_text`]: 11.17 -> "11:10 min".
fn minutes_text(minutes: f64) -> String {
    duration_text((minutes * 60.0).round() as u32)
}

/// The referral that replaces a withheld routine, at the top of the page.
pub(super) fn write_referral(out: &mut String, routine: &Routine) -> fmt::Result {
    writeln!(
        out,
        "<div class=\"alert big\"><h2>Routine withheld: please see a professional first</h2>"
    )?;
    if let Some(referral) = &routine.referral {
        writeln!(out, "<p>{}</p>", Esc(referral))?;
    }
    if !routine.red_flags.is_empty() {
        let flags: Vec<String> = routine
            .red_flags
            .iter()
            .map(|flag| words(&flag.to_string()))
            .collect();
        writeln!(
            out,
            "<p class=\"small\"><b>Warning signs reported:</b> {}</p>",
            Esc(&flags.join(", "))
        )?;
    }
    writeln!(out, "</div>")
}

/// The routine, with phase two; not called for a withheld one.
pub(super) fn write_routine(out: &mut String, routine: &Routine) -> fmt::Result {
    let count = routine.exercises.len();
    writeln!(
        out,
        "<h2>{}: {count} exercise{}, {} of {}</h2>",
        if routine.general {
            "General routine, not based on this photo"
        } else {
            "Your routine"
        },
        if count == 1 { "" } else { "s" },
        minutes_text(routine.total_minutes),
        minutes_text(routine.budget_minutes)
    )?;
    if routine.general {
        writeln!(
            out,
            "<p class=\"alert\">This photo could not be assessed. This routine was asked for with --general-routine: it does not rest on any measurement of yours.</p>"
        )?;
    }
    if !routine.scope.is_empty() {
        writeln!(
            out,
            "<p><b>Who this is for:</b> {}</p>",
            Esc(&routine.scope)
        )?;
    }
    if !routine.screening_questions.is_empty() {
        writeln!(
            out,
            "<div class=\"alert\"><b>Only if none of these apply.</b> The warning-sign questions were not asked; answer them before starting:<ul class=\"cols\">"
        )?;
        for question in &routine.screening_questions {
            writeln!(out, "<li>{}</li>", Esc(question))?;
        }
        writeln!(
            out,
            "</ul>If any of them applies, do not start: see a physiotherapist or doctor first.</div>"
        )?;
    }
    if let Some(frequency) = &routine.frequency {
        writeln!(out, "<p><b>{}</b></p>", Esc(frequency))?;
    }
    if let Some(when) = &routine.when {
        writeln!(out, "<p><b>When:</b> {}</p>", Esc(when))?;
    }
    // Each rule's rationale once, for the whole routine.
    let because = routine.exercises.iter().flat_map(|e| &e.because);
    writeln!(out, "<ul class=\"small\">")?;
    for rationale in distinct(because.map(|b| b.rationale.as_str())) {
        writeln!(out, "<li>{}</li>", Esc(rationale))?;
    }
    writeln!(out, "</ul>")?;
    let reasons: Vec<String> = routine.exercises.iter().map(reasons).collect();
    let shared = reasons.windows(2).all(|pair| pair[0] == pair[1]);
    if let (true, Some(reason)) = (shared, reasons.first()) {
        writeln!(out, "<p><b>For:</b> {}</p>", Esc(reason))?;
    }
    let reasons = (!shared).then_some(reasons.as_slice());
    write_exercises(out, &routine.exercises, Session::Now { reasons })?;
    write_left_out(out, &routine.left_out)?;
    for progression in &routine.progressions {
        writeln!(
            out,
            "<p class=\"small\"><b>Later: {}</b> instead of the {}, {}.</p>",
            Esc(&progression.name),
            Esc(&progression.instead.to_lowercase()),
            Esc(&progression.start)
        )?;
    }
    if let Some(daily_life) = &routine.daily_life {
        writeln!(out, "<p><b>Day to day:</b> {}</p>", Esc(daily_life))?;
    }
    if let Some(phase_two) = &routine.phase_two {
        writeln!(
            out,
            "<h2>Phase two, after {}: {}</h2><p class=\"small\">{}</p>",
            Esc(&phase_two.start_after),
            minutes_text(phase_two.total_minutes),
            Esc(&phase_two.rationale)
        )?;
        write_exercises(out, &phase_two.exercises, Session::Later)?;
        write_left_out(out, &phase_two.left_out)?;
    }
    if !routine.notes.is_empty() {
        writeln!(out, "<ul class=\"small\">")?;
        for note in &routine.notes {
            writeln!(out, "<li>{}</li>", Esc(note))?;
        }
        writeln!(out, "</ul>")?;
    }
    Ok(())
}

/// What an exercise is for: its findings, by name. The findings section
/// gives their evidence.
fn reasons(item: &RoutineExercise) -> String {
    let findings = item.because.iter().map(|b| {
        // `none` marks the maintenance routine, which no finding asked for.
        if b.finding == "none" {
            b.rule.as_str()
        } else {
            b.finding.as_str()
        }
    });
    let names: Vec<String> = distinct(findings).into_iter().map(words).collect();
    names.join(", ")
}

/// Which session a list of exercises is for.
#[derive(Clone, Copy)]
enum Session<'a> {
    /// Today's routine: steps one per line, and what each exercise is for
    /// when the exercises differ in that (else the heading says it once).
    Now { reasons: Option<&'a [String]> },
    /// Phase two, weeks away: the same facts in less room.
    Later,
}

/// The exercises as numbered cards in two columns.
fn write_exercises(
    out: &mut String,
    exercises: &[RoutineExercise],
    session: Session<'_>,
) -> fmt::Result {
    writeln!(out, "<div class=\"exercises\">")?;
    for (number, item) in exercises.iter().enumerate() {
        // An exercise done again (to close, say) points back to its steps.
        let earlier = exercises[..number]
            .iter()
            .position(|e| same_instructions(e, item));
        writeln!(
            out,
            "<div class=\"exercise{}\"><div class=\"head\"><h3>{}. {}</h3> \
             <span class=\"dose\">{}</span> <span class=\"muted\">&#183; {} &#183; {}{}</span></div>",
            match (session, earlier) {
                (Session::Later, _) => " later",
                (_, Some(_)) => " again",
                _ => "",
            },
            number + 1,
            Esc(&item.name),
            Esc(&crate::recommend::dose_text(&item.amount, item.sides)),
            duration_text(item.duration_s),
            item.phase.name(),
            if item.closing { ", to close" } else { "" }
        )?;
        if let Some(earlier) = earlier {
            writeln!(
                out,
                "<p class=\"small\">Position, steps and cautions as in exercise {}.</p>",
                earlier + 1
            )?;
            write_reasons(out, session, number)?;
            writeln!(out, "</div>")?;
            continue;
        }
        write!(
            out,
            "<p class=\"small\"><b>Position:</b> {}",
            Esc(&item.position)
        )?;
        match session {
            Session::Now { .. } => {
                writeln!(out, "</p><ol>")?;
                for step in &item.steps {
                    writeln!(out, "<li>{}</li>", Esc(step))?;
                }
                writeln!(out, "</ol>")?;
            }
            Session::Later => {
                // The steps run on after the position, numbered inline.
                let mut separator = " &#8212;";
                for (number, step) in item.steps.iter().enumerate() {
                    write!(out, "{separator} <b>{}.</b>&#160;{}", number + 1, Esc(step))?;
                    separator = "";
                }
                writeln!(out, "</p>")?;
            }
        }
        for note in &item.notes {
            writeln!(out, "<p class=\"small\"><b>Note:</b> {}</p>", Esc(note))?;
        }
        for caution in &item.cautions {
            writeln!(
                out,
                "<p class=\"small\"><b>Caution:</b> {}</p>",
                Esc(caution)
            )?;
        }
        write_reasons(out, session, number)?;
        writeln!(out, "</div>")?;
    }
    writeln!(out, "</div>")
}

/// Whether two exercises are done the same way, so that the second can
/// point back to the first.
fn same_instructions(a: &RoutineExercise, b: &RoutineExercise) -> bool {
    a.name == b.name
        && a.position == b.position
        && a.steps == b.steps
        && a.cautions == b.cautions
        && a.notes == b.notes
}

/// What exercise `number` of today's routine is for, when the exercises
/// differ in that.
fn write_reasons(out: &mut String, session: Session<'_>, number: usize) -> fmt::Result {
    if let Session::Now {
        reasons: Some(reasons),
    } = session
    {
        writeln!(
            out,
            "<p class=\"small muted\"><b>For:</b> {}</p>",
            Esc(&reasons[number])
        )?;
    }
    Ok(())
}

fn write_left_out(out: &mut String, left_out: &[LeftOut]) -> fmt::Result {
    if left_out.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<div class=\"block\"><h3>Left out</h3><ul class=\"small\">"
    )?;
    for item in left_out {
        writeln!(
            out,
            "<li><b>{}</b>{} ({}): {}</li>",
            Esc(&item.name),
            if item.closing { ", closing" } else { "" },
            duration_text(item.duration_s),
            Esc(&item.reason)
        )?;
    }
    writeln!(out, "</ul></div>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_special_character() {
        assert_eq!(
            Esc(r#"a&b<c>d"e'f"#).to_string(),
            "a&amp;b&lt;c&gt;d&quot;e&#39;f"
        );
        assert_eq!(Esc("plain ünïcode").to_string(), "plain ünïcode");
    }

    #[test]
    fn a_portrait_photo_is_narrow_and_a_landscape_one_wide_but_bounded() {
        assert_eq!(figure_width_mm(600, 800), 54.0);
        assert!(figure_width_mm(600, 800) <= NARROW_FIGURE_MM);
        assert_eq!(figure_width_mm(960, 640), 86.0);
        assert!(figure_width_mm(960, 640) > NARROW_FIGURE_MM);
        assert_eq!(figure_width_mm(100, 4000), 45.0);
        assert_eq!(figure_width_mm(0, 0), 60.0);
    }

    #[test]
    fn durations_read_as_minutes_and_seconds() {
        assert_eq!(duration_text(140), "2:20&#160;min");
        assert_eq!(duration_text(45), "0:45&#160;min");
    }
}
