//! The compare document as text for a terminal (every text from the inputs
//! made terminal-safe), and the rows and groupings its printable page
//! (`html/compare.rs`) shows too.

use std::io::{self, Write};

use super::overlay::protocol_name;
use super::snake_name;
use super::text::class_words;
use crate::input::terminal_safe;
use crate::recommend::write_wrapped;
use crate::schema::{
    Asymmetry, CallStatus, Change, ComparedInput, Comparison, ComparisonOrder, FindingStatus,
    Judgement, ProtocolKind, Side,
};

pub(super) fn side_word(side: Side) -> &'static str {
    match side {
        Side::Left => "left",
        Side::Right => "right",
    }
}

/// `2026-11-02` or "no date".
pub(super) fn date_of(input: &ComparedInput) -> String {
    input
        .session
        .date
        .clone()
        .unwrap_or_else(|| "no date".to_string())
}

/// What the photo shows: "standing" or "Thomas test, left leg".
pub(super) fn shows(input: &ComparedInput) -> String {
    let mut text = protocol_name(input.protocol).to_string();
    if let Some(leg) = input.test_leg {
        text.push_str(&format!(", {} test leg", side_word(leg)));
    }
    if !input.protocol_valid {
        text.push_str(" (not valid)");
    }
    text
}

/// Skipped measurements grouped by their reason, in first-seen order:
/// (names, reason).
pub(super) fn grouped(skipped: &[crate::schema::Skipped]) -> Vec<(Vec<&str>, &str)> {
    let mut groups: Vec<(Vec<&str>, &str)> = Vec::new();
    for s in skipped {
        match groups.iter_mut().find(|(_, reason)| *reason == s.reason) {
            Some((names, _)) => names.push(&s.measurement),
            None => groups.push((vec![&s.measurement], &s.reason)),
        }
    }
    groups
}

/// The verdict column, short enough that a row fits 100 columns; the
/// table's closing line says what it means.
fn verdict(judgement: &Judgement) -> &'static str {
    if judgement.exceeds_mdc {
        "exceeds the MDC"
    } else {
        "within error"
    }
}

/// The ways the MDCs were set, each once, labelled with the protocol
/// (`knee_flexion` is a different measurement standing and in the Thomas test).
pub(super) fn mdc_notes(c: &Comparison) -> Vec<(String, String)> {
    let label = |protocol: ProtocolKind, name: &str| {
        format!("{}: {}", protocol_name(protocol), name.replace('_', " "))
    };
    let rows = c
        .changes
        .iter()
        .flat_map(|ch| {
            ch.measurements
                .iter()
                .map(|m| (label(ch.protocol, &m.measurement), &m.judgement))
        })
        .chain(c.asymmetry.iter().flat_map(|a| {
            a.measurements.iter().map(|m| {
                (
                    label(ProtocolKind::ThomasTest, &m.measurement),
                    &m.judgement,
                )
            })
        }));
    let mut notes: Vec<(String, String)> = Vec::new();
    for (name, judgement) in rows {
        let note = (name, judgement.mdc_basis.clone());
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    notes
}

/// One thing that may have changed in kind: a call or a finding, before,
/// after, its status, and for a call the angle it rests on.
pub(super) struct KindRow {
    pub(super) name: String,
    pub(super) before: String,
    pub(super) after: String,
    pub(super) status: &'static str,
    pub(super) changed: bool,
    pub(super) angle: Option<String>,
}

/// The calls, then the findings, of a before/after change.
pub(super) fn kind_rows(change: &Change) -> Vec<KindRow> {
    let class = |c: &Option<String>| {
        c.as_deref()
            .map(class_words)
            .unwrap_or_else(|| "not made".to_string())
    };
    let calls = change.calls.iter().map(|call| KindRow {
        name: call.call.replace('_', " "),
        before: class(&call.before),
        after: class(&call.after),
        status: match call.status {
            CallStatus::Changed => "changed",
            CallStatus::Unchanged => "unchanged",
        },
        changed: call.status == CallStatus::Changed,
        angle: call.angle.as_ref().map(|m| {
            format!(
                "{} {:+.1} -> {:+.1} deg (change {:+.1}, {} the MDC of {:.1})",
                m.measurement.replace('_', " "),
                m.before_deg,
                m.after_deg,
                m.change_deg,
                if m.judgement.exceeds_mdc {
                    "exceeds"
                } else {
                    "within"
                },
                m.judgement.mdc_deg
            )
        }),
    });
    let present = |because: &Option<String>| match because {
        Some(_) => "present".to_string(),
        None => "absent".to_string(),
    };
    let findings = change.findings.iter().map(|f| KindRow {
        name: format!("finding {}", f.finding.replace('_', " ")),
        before: present(&f.before),
        after: present(&f.after),
        status: match f.status {
            FindingStatus::Persists => "persists",
            FindingStatus::Resolved => "resolved",
            FindingStatus::New => "new",
        },
        changed: f.status != FindingStatus::Persists,
        angle: None,
    });
    calls.chain(findings).collect()
}

/// The comparison as text.
pub fn write_compare_text(c: &Comparison, out: &mut dyn Write) -> io::Result<()> {
    let safe = |text: &str| terminal_safe(text, false).into_owned();
    writeln!(
        out,
        "Comparison of {} analyses{}, {}",
        c.inputs.len(),
        c.client
            .as_deref()
            .map(|client| format!(" of client {}", safe(client)))
            .unwrap_or_default(),
        match c.order {
            ComparisonOrder::Date => "in date order",
            ComparisonOrder::AsGiven => "in the order given",
        }
    )?;
    for input in &c.inputs {
        writeln!(
            out,
            "  [{}] {}: {}, {} ({}x{} px, model {})",
            input.index,
            safe(&input.source),
            safe(&date_of(input)),
            shows(input),
            input.image.width,
            input.image.height,
            snake_name(&input.model)
        )?;
    }
    for change in &c.changes {
        let leg = change
            .test_leg
            .map(|l| format!(", {} test leg", side_word(l)))
            .unwrap_or_default();
        writeln!(
            out,
            "\nBefore/after ({}{leg}): [{}] -> [{}]",
            protocol_name(change.protocol),
            change.baseline,
            change.follow_up
        )?;
        for row in kind_rows(change) {
            writeln!(
                out,
                "  {}: {} -> {} ({})",
                safe(&row.name),
                safe(&row.before),
                safe(&row.after),
                row.status
            )?;
            if let Some(angle) = &row.angle {
                writeln!(out, "    from {}", safe(angle))?;
            }
        }
        write_text_table(
            out,
            ["before", "after", "change"],
            &change.setup_differences,
            &change_rows(change),
            &change.skipped,
        )?;
    }
    for asymmetry in &c.asymmetry {
        writeln!(
            out,
            "\nLeft/right Thomas test: left test leg [{}], right test leg [{}]",
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
    for not in &c.not_compared {
        writeln!(out)?;
        let first = format!("Input [{}] compared with nothing:", not.input);
        write_wrapped(out, &first, "  ", &safe(&not.reason))?;
    }
    let notes = mdc_notes(c);
    if !notes.is_empty() {
        writeln!(out, "\nHow each MDC was set:")?;
        for (name, basis) in notes {
            write_wrapped(out, &format!("  {}:", safe(&name)), "    ", &basis)?;
        }
    }
    for warning in &c.warnings {
        write_wrapped(out, "warning:", "  ", &safe(warning))?;
    }
    if !c.references.is_empty() {
        writeln!(out, "references:")?;
        for key in &c.references {
            if let Some(reference) = crate::references::get(key) {
                write_wrapped(out, &format!("  {key}:"), "    ", &reference.full())?;
            }
        }
    }
    out.flush()
}

/// One compared measurement as both tables show it: two values with their
/// uncertainties (before/after, or left/right) and their difference.
pub(super) struct ComparedRow<'a> {
    pub(super) name: &'a str,
    pub(super) values: [(f64, f64); 2],
    pub(super) difference: f64,
    pub(super) judgement: &'a Judgement,
}

pub(super) fn change_rows(change: &Change) -> Vec<ComparedRow<'_>> {
    change
        .measurements
        .iter()
        .map(|m| ComparedRow {
            name: &m.measurement,
            values: [
                (m.before_deg, m.before_uncertainty_deg),
                (m.after_deg, m.after_uncertainty_deg),
            ],
            difference: m.change_deg,
            judgement: &m.judgement,
        })
        .collect()
}

pub(super) fn asymmetry_rows(asymmetry: &Asymmetry) -> Vec<ComparedRow<'_>> {
    asymmetry
        .measurements
        .iter()
        .map(|m| ComparedRow {
            name: &m.measurement,
            values: [
                (m.left_deg, m.left_uncertainty_deg),
                (m.right_deg, m.right_uncertainty_deg),
            ],
            difference: m.difference_deg,
            judgement: &m.judgement,
        })
        .collect()
}

/// The text table shared by before/after and left/right: set-up
/// differences, one line per measurement, and what was not compared.
pub(super) fn write_text_table(
    out: &mut dyn Write,
    [first, second, difference]: [&str; 3],
    setup_differences: &[String],
    rows: &[ComparedRow],
    skipped: &[crate::schema::Skipped],
) -> io::Result<()> {
    let safe = |text: &str| terminal_safe(text, false).into_owned();
    for setup in setup_differences {
        writeln!(out, "  camera set-up differs: {}", safe(setup))?;
    }
    // at most 99 columns (values to +999.9 +/- 99.9), as the wrapped text
    writeln!(
        out,
        "  {:<25} {:>15} {:>15} {:>10} {:>5} {:>5}",
        "measurement", first, second, difference, "+/-", "MDC95"
    )?;
    for row in rows {
        let [(a, ua), (b, ub)] = row.values;
        writeln!(
            out,
            "  {:<25} {:>15} {:>15} {:>+10.1} {:>5.1} {:>5.1}  {}",
            safe(row.name),
            format!("{a:+.1} +/- {ua:.1}"),
            format!("{b:+.1} +/- {ub:.1}"),
            row.difference,
            row.judgement.combined_uncertainty_deg,
            row.judgement.mdc_deg,
            verdict(row.judgement)
        )?;
    }
    if !rows.is_empty() {
        writeln!(
            out,
            "  (+/-: the two uncertainties combined; a change within the MDC95 is within measurement error)"
        )?;
    }
    for (names, reason) in grouped(skipped) {
        let text = format!("{}: {}", safe(&names.join(", ")), safe(reason));
        write_wrapped(out, "  not compared:", "    ", &text)?;
    }
    Ok(())
}
