//! The visit document for people: as text for a terminal, and as one
//! printable HTML page (A4): the photos side by side, a combined findings
//! table with each finding's source, the left/right Thomas test, then the
//! visit's one routine. Every text from the inputs is escaped (HTML) or made
//! terminal-safe (text).

use std::fmt::{self, Write as _};
use std::io::{self, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::compare::{COMPARE_STYLE, asymmetry_rows, write_row, write_skipped, write_text_table};
use super::html::{
    Esc, STYLE, severity_name, words, write_references, write_referral, write_routine,
};
use super::snake_name;
use super::text::keys;
use crate::input::terminal_safe;
use crate::recommend::{write_routine_summary, write_routine_text, write_wrapped};
use crate::schema::{AssessmentStatus, ScreeningStatus, Visit};

fn safe(text: &str) -> String {
    terminal_safe(text, false).into_owned()
}

/// "client CL-1 on 2026-11-25", with what is not recorded said so.
fn whose(v: &Visit) -> String {
    format!(
        "client {} on {}",
        v.client.as_deref().unwrap_or("not recorded"),
        v.date.as_deref().unwrap_or("an unrecorded date")
    )
}

/// The screening in a line.
fn screening_text(v: &Visit) -> String {
    let s = &v.screening;
    match s.status {
        ScreeningStatus::Positive => {
            let flags: Vec<String> = s.flags.iter().map(|f| f.name().replace('_', " ")).collect();
            format!("positive ({}): the routine is withheld", flags.join(", "))
        }
        ScreeningStatus::Negative => "negative: every question answered no".to_string(),
        ScreeningStatus::NotAsked => format!(
            "not asked ({} of the 8 questions unanswered for this visit)",
            s.unanswered.len()
        ),
    }
}

/// The visit as text: the photos, the findings with their sources, the
/// left/right Thomas test, the screening and the routine (the full routine
/// with `verbose`).
pub fn write_visit_text(v: &Visit, verbose: bool, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "Visit of {}: {} photo{}",
        safe(&whose(v)),
        v.photos.len(),
        if v.photos.len() == 1 { "" } else { "s" }
    )?;
    for photo in &v.photos {
        let status = snake_name(&photo.assessment.status).replace('_', " ");
        writeln!(
            out,
            "  [{}] {}: {} ({status})",
            photo.index,
            photo.label,
            safe(&photo.source)
        )?;
    }
    if v.findings.is_empty() {
        writeln!(out, "Findings: none")?;
    } else {
        writeln!(out, "Findings:")?;
    }
    for f in &v.findings {
        let text = format!(
            "[{} {}] {} ({}): {}{}",
            f.photo,
            f.source,
            f.finding.id.replace('_', " "),
            snake_name(&f.finding.severity),
            f.finding.because,
            keys(f.finding.reference.as_deref())
        );
        write_wrapped(out, "  -", "    ", &safe(&text))?;
    }
    for photo in &v.photos {
        for b in &photo.borderline {
            let text = format!(
                "[{} {}] borderline, not a finding: {}; re-check: {}",
                photo.index, photo.label, b.because, b.recheck
            );
            write_wrapped(out, "  -", "    ", &safe(&text))?;
        }
    }
    for asymmetry in &v.asymmetry {
        writeln!(
            out,
            "Left/right Thomas test: left test leg [{}], right test leg [{}]",
            asymmetry.left, asymmetry.right
        )?;
        write_text_table(
            out,
            ["left", "right", "left-right"],
            &asymmetry.setup_differences,
            &asymmetry_rows(asymmetry),
            &asymmetry.skipped,
        )?;
    }
    writeln!(out, "Warning signs: {}", screening_text(v))?;
    for warning in &v.warnings {
        write_wrapped(out, "warning:", "  ", &safe(warning))?;
    }
    match (&v.routine, verbose) {
        (Some(routine), false) => write_routine_summary(routine, out)?,
        (Some(routine), true) => write_routine_text(routine, out)?,
        (None, _) => writeln!(out, "No routine: no photo of the visit was assessed.")?,
    }
    out.flush()
}

/// The visit page; `images[i]` is the annotated photo (JPEG) of photo
/// `i + 1`, when it could be found or made.
pub fn render_visit_html(v: &Visit, images: &[Option<Vec<u8>>]) -> String {
    let mut page = String::new();
    write_page(&mut page, v, images).expect("writing to a String cannot fail");
    page
}

fn write_page(out: &mut String, v: &Visit, images: &[Option<Vec<u8>>]) -> fmt::Result {
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Visit report: {}</title>\n<style>{STYLE}{COMPARE_STYLE}</style>\n</head>\n<body>",
        Esc(&whose(v))
    )?;
    writeln!(
        out,
        "<header><h1>Visit report</h1><div class=\"meta\"><b>client</b> {} &#183; <b>date</b> {} \
         &#183; {} photos<br>sagitta visit schema {}</div></header>",
        Esc(v.client.as_deref().unwrap_or("not recorded")),
        Esc(v.date.as_deref().unwrap_or("not recorded")),
        v.photos.len(),
        Esc(&v.schema_version)
    )?;
    let withheld = v.routine.as_ref().filter(|r| r.withheld);
    if let Some(routine) = withheld {
        write_referral(out, routine)?;
    }
    let many = if v.photos.len() > 3 { " many" } else { "" };
    writeln!(out, "<div class=\"photos{many}\">")?;
    for (photo, image) in v.photos.iter().zip(images) {
        write!(out, "<figure>")?;
        match image {
            Some(jpeg) => write!(
                out,
                "<img alt=\"Photo {} with the measured angles drawn on it\" src=\"data:image/jpeg;base64,{}\">",
                photo.index,
                STANDARD.encode(jpeg)
            )?,
            None => write!(
                out,
                "<div class=\"nophoto\">photo not found: neither the annotated image beside the analysis nor the photo it names</div>"
            )?,
        }
        let status = match photo.assessment.status {
            AssessmentStatus::Assessed => String::new(),
            _ => format!(
                " &#183; <b>not assessed</b>: {}",
                Esc(&photo.assessment.reasons.join("; "))
            ),
        };
        writeln!(
            out,
            "<figcaption><b>[{}]</b> {}{status}<br>{}</figcaption></figure>",
            photo.index,
            Esc(&photo.label),
            Esc(&photo.source)
        )?;
    }
    writeln!(out, "</div>")?;
    writeln!(out, "<div class=\"block\"><h2>Findings of the visit</h2>")?;
    if v.findings.is_empty() {
        writeln!(
            out,
            "<p class=\"muted\">None: no measurement of an assessed photo crossed a cut-off the rules act on.</p>"
        )?;
    } else {
        writeln!(
            out,
            "<table><thead><tr><th>Photo</th><th>Finding</th><th>Evidence</th></tr></thead><tbody>"
        )?;
        for f in &v.findings {
            let severity = severity_name(f.finding.severity);
            let reference = f
                .finding
                .reference
                .as_deref()
                .map(|r| format!("<br><span class=\"ref\">{}</span>", Esc(r)))
                .unwrap_or_default();
            writeln!(
                out,
                "<tr><td>[{}] {}</td><td><span class=\"badge sev-{severity}\">{severity}</span> <b>{}</b></td>\
                 <td>{}{reference}</td></tr>",
                f.photo,
                Esc(&f.source),
                Esc(&words(&f.finding.id)),
                Esc(&f.finding.because)
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    for photo in &v.photos {
        for b in &photo.borderline {
            writeln!(
                out,
                "<p class=\"small\"><span class=\"badge sev-info\">borderline</span> [{}] {}: {}; \
                 re-check: {}</p>",
                photo.index,
                Esc(&photo.label),
                Esc(&b.because),
                Esc(&b.recheck)
            )?;
        }
    }
    writeln!(
        out,
        "<p class=\"small\"><b>Warning signs:</b> {}</p></div>",
        Esc(&screening_text(v))
    )?;
    for asymmetry in &v.asymmetry {
        writeln!(
            out,
            "<div class=\"block\"><h2>Left/right Thomas test: left leg [{}], right leg [{}]</h2>",
            asymmetry.left, asymmetry.right
        )?;
        writeln!(
            out,
            "<table><thead><tr><th>Measurement</th><th>Left</th><th>Right</th><th>Left &#8722; right</th>\
             <th>&#177; combined</th><th>MDC95</th><th>Verdict</th></tr></thead><tbody>"
        )?;
        for row in asymmetry_rows(asymmetry) {
            write_row(out, &row, true)?;
        }
        writeln!(out, "</tbody></table>")?;
        write_skipped(out, &asymmetry.skipped)?;
        writeln!(out, "</div>")?;
    }
    if !v.warnings.is_empty() {
        writeln!(out, "<h2>Warnings</h2><ul class=\"small\">")?;
        for warning in &v.warnings {
            writeln!(out, "<li>{}</li>", Esc(warning))?;
        }
        writeln!(out, "</ul>")?;
    }
    match &v.routine {
        Some(routine) if !routine.withheld => {
            writeln!(
                out,
                "<div class=\"alert\"><b>Safety.</b> {}</div>",
                Esc(&routine.safety_note)
            )?;
            write_routine(out, routine)?;
        }
        Some(_) => {}
        None => writeln!(
            out,
            "<p class=\"muted\">No routine: no photo of the visit was assessed.</p>"
        )?,
    }
    write_references(out, &v.references, true)?;
    if let Some(routine) = withheld {
        write_referral(out, routine)?;
    }
    writeln!(out, "</body>\n</html>")
}
