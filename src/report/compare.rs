//! The compare document for people: as text for a terminal, and as a
//! printable HTML page (A4) with the annotated photos side by side and the
//! tables of changes and left/right differences. Every text from the inputs
//! is escaped (HTML) or made terminal-safe (text).

use std::fmt::{self, Write as _};
use std::io::{self, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::html::{Esc, STYLE, write_references};
use super::overlay::protocol_name;
use super::snake_name;
use super::text::class_words;
use crate::input::terminal_safe;
use crate::schema::{
    Asymmetry, CallStatus, Change, ComparedInput, Comparison, ComparisonOrder, FindingStatus,
    Judgement, ProtocolKind, Side,
};

fn side_word(side: Side) -> &'static str {
    match side {
        Side::Left => "left",
        Side::Right => "right",
    }
}

/// `2026-11-02` or "no date".
fn date_of(input: &ComparedInput) -> String {
    input
        .session
        .date
        .clone()
        .unwrap_or_else(|| "no date".to_string())
}

/// What the photo shows: "standing" or "Thomas test, left leg".
fn shows(input: &ComparedInput) -> String {
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
fn grouped(skipped: &[crate::schema::Skipped]) -> Vec<(Vec<&str>, &str)> {
    let mut groups: Vec<(Vec<&str>, &str)> = Vec::new();
    for s in skipped {
        match groups.iter_mut().find(|(_, reason)| *reason == s.reason) {
            Some((names, _)) => names.push(&s.measurement),
            None => groups.push((vec![&s.measurement], &s.reason)),
        }
    }
    groups
}

fn verdict(judgement: &Judgement) -> &'static str {
    if judgement.exceeds_mdc {
        "exceeds the MDC: more than measurement error"
    } else {
        "within measurement error"
    }
}

/// The ways the MDCs were set, each once, labelled with the protocol
/// (`knee_flexion` is a different measurement standing and in the Thomas test).
fn mdc_notes(c: &Comparison) -> Vec<(String, String)> {
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
struct KindRow {
    name: String,
    before: String,
    after: String,
    status: &'static str,
    changed: bool,
    angle: Option<String>,
}

/// The calls, then the findings, of a before/after change.
fn kind_rows(change: &Change) -> Vec<KindRow> {
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
        writeln!(
            out,
            "\nInput [{}] compared with nothing: {}",
            not.input,
            safe(&not.reason)
        )?;
    }
    let notes = mdc_notes(c);
    if !notes.is_empty() {
        writeln!(out, "\nHow each MDC was set:")?;
        for (name, basis) in notes {
            writeln!(out, "  {}: {basis}", safe(&name))?;
        }
    }
    for warning in &c.warnings {
        writeln!(out, "warning: {}", safe(warning))?;
    }
    if !c.references.is_empty() {
        writeln!(out, "references:")?;
        for key in &c.references {
            if let Some(reference) = crate::references::get(key) {
                writeln!(out, "  {key}: {}", reference.full())?;
            }
        }
    }
    out.flush()
}

pub(super) const COMPARE_STYLE: &str = r#"
.photos { display: flex; flex-wrap: wrap; gap: 3mm; align-items: flex-start; break-inside: avoid;
  margin-bottom: 2mm; }
.photos figure { flex: 1 1 0; min-width: 30%; max-width: none; }
.photos figure img { margin: 0 auto; max-height: 88mm; }
.photos.many figure img { max-height: 58mm; }
.photos figcaption { font-size: 7pt; margin-top: .8mm; overflow-wrap: anywhere; }
.nophoto { border: .3mm dashed #9aa7b0; border-radius: 1mm; padding: 8mm 2mm; text-align: center;
  color: #5b6770; font-size: 7.4pt; }
td.name { white-space: normal; width: 36%; }
.sign { display: block; font-size: 6.3pt; color: #5b6770; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.setup { break-inside: avoid; border: .4mm solid #b9770e; background: #fff6e6; border-radius: 1.2mm;
  padding: 1.2mm 2mm; margin: 1.5mm 0; font-size: 7.4pt; }
"#;

/// One compared measurement as both tables show it: two values with their
/// uncertainties (before/after, or left/right) and their difference.
pub(super) struct ComparedRow<'a> {
    name: &'a str,
    values: [(f64, f64); 2],
    difference: f64,
    judgement: &'a Judgement,
}

fn change_rows(change: &Change) -> Vec<ComparedRow<'_>> {
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
    writeln!(
        out,
        "  {:<26} {:>15} {:>15} {:>10} {:>8} {:>6}",
        "measurement", first, second, difference, "+/-", "MDC95"
    )?;
    for row in rows {
        let [(a, ua), (b, ub)] = row.values;
        writeln!(
            out,
            "  {:<26} {:>15} {:>15} {:>+10.1} {:>8.1} {:>6.1}  {}",
            safe(row.name),
            format!("{a:+.1} +/- {ua:.1}"),
            format!("{b:+.1} +/- {ub:.1}"),
            row.difference,
            row.judgement.combined_uncertainty_deg,
            row.judgement.mdc_deg,
            verdict(row.judgement)
        )?;
    }
    for (names, reason) in grouped(skipped) {
        writeln!(
            out,
            "  not compared: {}: {}",
            safe(&names.join(", ")),
            safe(reason)
        )?;
    }
    Ok(())
}

/// The compare page; `images[i]` is the annotated photo (JPEG) of input
/// `i + 1`, when it could be found or made.
pub fn render_compare_html(c: &Comparison, images: &[Option<Vec<u8>>]) -> String {
    let mut page = String::new();
    write_page(&mut page, c, images).expect("writing to a String cannot fail");
    page
}

fn write_page(out: &mut String, c: &Comparison, images: &[Option<Vec<u8>>]) -> fmt::Result {
    // Each measurement's sign is explained once, in the first table it is in.
    let mut explained = std::collections::HashSet::new();
    let client = c.client.as_deref().unwrap_or("client not recorded");
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Posture comparison: {}</title>\n<style>{STYLE}{COMPARE_STYLE}</style>\n</head>\n<body>",
        Esc(client)
    )?;
    // The visits, each once: photos of one day are one visit.
    let mut dates: Vec<String> = c
        .inputs
        .iter()
        .map(|i| Esc(&date_of(i)).to_string())
        .collect();
    dates.dedup();
    writeln!(
        out,
        "<header><h1>Posture comparison</h1><div class=\"meta\"><b>client</b> {} &#183; {} \
         &#183; {}<br>sagitta compare schema {}</div></header>",
        Esc(client),
        dates.join(" &#8594; "),
        match c.order {
            ComparisonOrder::Date => "in date order",
            ComparisonOrder::AsGiven => "in the order given",
        },
        Esc(&c.schema_version)
    )?;
    // More than three photos wrap into rows of three, each row lower.
    let many = if c.inputs.len() > 3 { " many" } else { "" };
    writeln!(out, "<div class=\"photos{many}\">")?;
    for (input, image) in c.inputs.iter().zip(images) {
        write!(out, "<figure>")?;
        match image {
            Some(jpeg) => write!(
                out,
                "<img alt=\"Input {} with the measured angles drawn on it\" src=\"data:image/jpeg;base64,{}\">",
                input.index,
                STANDARD.encode(jpeg)
            )?,
            None => write!(
                out,
                "<div class=\"nophoto\">photo not found: neither the annotated image beside the analysis nor the photo it names</div>"
            )?,
        }
        let mut caption = vec![
            format!("<b>[{}]</b> {}", input.index, Esc(&date_of(input))),
            Esc(&shows(input)).to_string(),
        ];
        if let Some(clinician) = &input.session.clinician {
            caption.push(format!("by {}", Esc(clinician)));
        }
        if let Some(note) = &input.session.note {
            caption.push(format!("<i>{}</i>", Esc(note)));
        }
        caption.push(format!(
            "<span class=\"muted\">{}</span>",
            Esc(&input.source)
        ));
        writeln!(
            out,
            "<figcaption>{}</figcaption></figure>",
            caption.join(" &#183; ")
        )?;
    }
    writeln!(out, "</div>")?;
    for change in &c.changes {
        let leg = change
            .test_leg
            .map(|l| format!(", {} test leg", side_word(l)))
            .unwrap_or_default();
        writeln!(
            out,
            "<div class=\"block\"><h2>Before/after: {}{leg}, [{}] &#8594; [{}]</h2>",
            protocol_name(change.protocol),
            change.baseline,
            change.follow_up
        )?;
        write_setup(out, &change.setup_differences)?;
        write_kind_table(out, change)?;
        writeln!(
            out,
            "<table><thead><tr><th>Measurement</th><th>Before</th><th>After</th><th>Change</th>\
             <th>&#177; combined</th><th>MDC95</th><th>Verdict</th></tr></thead><tbody>"
        )?;
        for row in change_rows(change) {
            write_row(out, &row, explained.insert(row.name.to_string()))?;
        }
        writeln!(out, "</tbody></table>")?;
        write_skipped(out, &change.skipped)?;
        writeln!(out, "</div>")?;
    }
    for asymmetry in &c.asymmetry {
        writeln!(
            out,
            "<div class=\"block\"><h2>Left/right Thomas test: left leg [{}], right leg [{}]</h2>",
            asymmetry.left, asymmetry.right
        )?;
        write_setup(out, &asymmetry.setup_differences)?;
        writeln!(
            out,
            "<table><thead><tr><th>Measurement</th><th>Left</th><th>Right</th><th>Left &#8722; right</th>\
             <th>&#177; combined</th><th>MDC95</th><th>Verdict</th></tr></thead><tbody>"
        )?;
        for row in asymmetry_rows(asymmetry) {
            write_row(out, &row, explained.insert(row.name.to_string()))?;
        }
        writeln!(out, "</tbody></table>")?;
        write_skipped(out, &asymmetry.skipped)?;
        writeln!(out, "</div>")?;
    }
    if !c.not_compared.is_empty() {
        writeln!(out, "<h2>Compared with nothing</h2><ul class=\"small\">")?;
        for not in &c.not_compared {
            writeln!(out, "<li>[{}] {}</li>", not.input, Esc(&not.reason))?;
        }
        writeln!(out, "</ul>")?;
    }
    if !c.warnings.is_empty() {
        writeln!(out, "<h2>Warnings</h2><ul class=\"small\">")?;
        for warning in &c.warnings {
            writeln!(out, "<li>{}</li>", Esc(warning))?;
        }
        writeln!(out, "</ul>")?;
    }
    let notes = mdc_notes(c);
    if !notes.is_empty() {
        writeln!(
            out,
            "<div class=\"block\"><h2>How each minimal detectable change was set</h2>\
             <p class=\"small\">A difference smaller than the MDC95 may be measurement error alone \
             (95&#160;% of repeated measurements of an unchanged person differ by less).</p><ul class=\"ref\">"
        )?;
        for (name, basis) in notes {
            writeln!(
                out,
                "<li><b>{}</b>: {}</li>",
                Esc(&name.replace('_', " ")),
                Esc(&basis)
            )?;
        }
        writeln!(out, "</ul></div>")?;
    }
    write_references(out, &c.references, true)?;
    writeln!(out, "</body>\n</html>")
}

/// What changed in kind: the calls with the angle each rests on, and the
/// findings, a change marked whether or not any angle crossed its MDC.
fn write_kind_table(out: &mut String, change: &Change) -> fmt::Result {
    let rows = kind_rows(change);
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<table><thead><tr><th>What changed in kind</th><th>Before</th><th>After</th>\
         <th>Status</th></tr></thead><tbody>"
    )?;
    for row in rows {
        let badge = if row.changed {
            "sev-moderate"
        } else {
            "sev-info"
        };
        let angle = row
            .angle
            .map(|a| format!("<span class=\"sign\">from {}</span>", Esc(&a)))
            .unwrap_or_default();
        writeln!(
            out,
            "<tr><td class=\"name\">{}{angle}</td><td>{}</td><td>{}</td>\
             <td><span class=\"badge {badge}\">{}</span></td></tr>",
            Esc(&row.name),
            Esc(&row.before),
            Esc(&row.after),
            row.status
        )?;
    }
    writeln!(out, "</tbody></table>")
}

fn write_setup(out: &mut String, differences: &[String]) -> fmt::Result {
    if differences.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = differences.iter().map(|d| Esc(d).to_string()).collect();
    writeln!(
        out,
        "<div class=\"setup\"><b>Camera set-up differs:</b> {}. Angles from keypoints still compare; \
         the pelvic outline estimate does not.</div>",
        listed.join("; ")
    )
}

pub(super) fn write_row(out: &mut String, row: &ComparedRow, explain_sign: bool) -> fmt::Result {
    let (name, difference, judgement) = (row.name, row.difference, row.judgement);
    let [(a, ua), (b, ub)] = row.values;
    let (class, text) = if judgement.exceeds_mdc {
        ("sev-moderate", "exceeds MDC")
    } else {
        ("sev-info", "within error")
    };
    // What a positive value means, from the one sign convention
    // (`measure::conventions`), so the direction of a change can be read.
    let sign = crate::measure::conventions::spec(name)
        .filter(|_| explain_sign)
        .map(|spec| format!("<span class=\"sign\">+ = {}</span>", Esc(spec.positive)))
        .unwrap_or_default();
    writeln!(
        out,
        "<tr><td class=\"name\">{}{sign}</td><td class=\"num\">{a:+.1}&#176; &#177; {ua:.1}</td>\
         <td class=\"num\">{b:+.1}&#176; &#177; {ub:.1}</td><td class=\"num\"><b>{difference:+.1}&#176;</b></td>\
         <td class=\"num\">{:.1}&#176;</td><td class=\"num\">{:.1}&#176;</td>\
         <td><span class=\"badge {class}\">{text}</span></td></tr>",
        Esc(&name.replace('_', " ")),
        judgement.combined_uncertainty_deg,
        judgement.mdc_deg
    )
}

pub(super) fn write_skipped(out: &mut String, skipped: &[crate::schema::Skipped]) -> fmt::Result {
    if skipped.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = grouped(skipped)
        .into_iter()
        .map(|(names, reason)| {
            let names: Vec<String> = names.iter().map(|n| n.replace('_', " ")).collect();
            format!("<b>{}</b>: {}", Esc(&names.join(", ")), Esc(reason))
        })
        .collect();
    writeln!(
        out,
        "<p class=\"small muted\">Not compared: {}.</p>",
        listed.join("; ")
    )
}
