//! The visit document as text for a terminal (every text from the inputs
//! made terminal-safe); its printable page is `html/visit.rs`.

use std::io::{self, Write};

use super::compare::{asymmetry_rows, write_text_table};
use super::snake_name;
use super::text::keys;
use crate::input::terminal_safe;
use crate::recommend::{write_routine_summary, write_routine_text, write_wrapped};
use crate::schema::{ScreeningStatus, Visit};

fn safe(text: &str) -> String {
    terminal_safe(text, false).into_owned()
}

/// "client CL-1 on 2026-11-25", with what is not recorded said so.
pub(super) fn whose(v: &Visit) -> String {
    format!(
        "client {} on {}",
        v.client.as_deref().unwrap_or("not recorded"),
        v.date.as_deref().unwrap_or("an unrecorded date")
    )
}

/// The screening in a line.
pub(super) fn screening_text(v: &Visit) -> String {
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
