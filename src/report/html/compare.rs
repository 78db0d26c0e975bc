//! The compare page: the annotated photos side by side, what changed
//! before/after (in kind, then each angle against its MDC), the left/right
//! Thomas test, and how each MDC was set. The tables of compared angles are
//! shared with the visit page.

use std::collections::HashSet;

use maud::{Markup, html};

use super::{COMPARE_STYLE, Photo, STYLE, joined, page, photos, references, warnings, words};
use crate::report::compare::{
    ComparedRow, asymmetry_rows, change_rows, date_of, grouped, kind_rows, mdc_notes, shows,
    side_word,
};
use crate::report::overlay::protocol_name;
use crate::schema::{Asymmetry, Change, Comparison, ComparisonOrder, Skipped};

/// The compare page; `images[i]` is the annotated photo (JPEG) of input
/// `i + 1`, when it could be found or made.
pub fn render_compare_html(c: &Comparison, images: &[Option<Vec<u8>>]) -> String {
    let client = c.client.as_deref().unwrap_or("client not recorded");
    // The visits, each once: photos of one day are one visit.
    let mut dates: Vec<String> = c.inputs.iter().map(date_of).collect();
    dates.dedup();
    let meta = html! {
        b { "client" } " " (client) " · " (dates.join(" → ")) " · "
        @match c.order {
            ComparisonOrder::Date => "in date order",
            ComparisonOrder::AsGiven => "in the order given",
        }
        br; "sagitta compare schema " (c.schema_version)
    };
    let figures = c.inputs.iter().zip(images).map(|(input, image)| {
        let mut caption = vec![
            html! { b { "[" (input.index) "]" } " " (date_of(input)) },
            html! { (shows(input)) },
        ];
        if let Some(clinician) = &input.session.clinician {
            caption.push(html! { "by " (clinician) });
        }
        if let Some(note) = &input.session.note {
            caption.push(html! { i { (note) } });
        }
        caption.push(html! { span class="muted" { (input.source) } });
        Photo {
            jpeg: image.as_deref(),
            alt: format!("Input {} with the measured angles drawn on it", input.index),
            caption: joined(caption, " · "),
        }
    });
    // Each measurement's sign is explained once, in the first table it is in.
    let mut explained = HashSet::new();
    let mut first_time = |name: &str| explained.insert(name.to_string());
    let changes: Vec<Markup> = c
        .changes
        .iter()
        .map(|change| change_block(change, &mut first_time))
        .collect();
    let asymmetries: Vec<Markup> = c
        .asymmetry
        .iter()
        .map(|asymmetry| asymmetry_block(asymmetry, true, &mut first_time))
        .collect();
    let notes = mdc_notes(c);
    let body = html! {
        (photos(figures, c.inputs.len() > 3))
        @for block in changes { (block) }
        @for block in asymmetries { (block) }
        @if !c.not_compared.is_empty() {
            h2 { "Compared with nothing" }
            ul class="small" {
                @for not in &c.not_compared { li { "[" (not.input) "] " (not.reason) } }
            }
        }
        (warnings(&c.warnings))
        @if !notes.is_empty() {
            div class="block" {
                h2 { "How each minimal detectable change was set" }
                p class="small" {
                    "A difference smaller than the MDC95 may be measurement error alone "
                    "(95\u{a0}% of repeated measurements of an unchanged person differ by less)."
                }
                ul class="ref" {
                    @for (name, basis) in notes { li { b { (words(&name)) } ": " (basis) } }
                }
            }
        }
        (references(&c.references, true))
    };
    page(
        &format!("Posture comparison: {client}"),
        &[STYLE, COMPARE_STYLE],
        "Posture comparison",
        meta,
        body,
    )
}

/// One before/after change: what changed in kind, then each angle.
fn change_block(change: &Change, first_time: &mut impl FnMut(&str) -> bool) -> Markup {
    let leg = change
        .test_leg
        .map(|l| format!(", {} test leg", side_word(l)))
        .unwrap_or_default();
    html! {
        div class="block" {
            h2 {
                "Before/after: " (protocol_name(change.protocol)) (leg) ", ["
                (change.baseline) "] → [" (change.follow_up) "]"
            }
            (setup(&change.setup_differences))
            (kind_table(change))
            (compared_table(["Before", "After", "Change"], &change_rows(change), first_time))
            (skipped(&change.skipped))
        }
    }
}

/// The left against the right Thomas test, with the camera set-up
/// differences where `with_setup` (the compare page; the visit page's
/// photos are of one set-up).
pub(super) fn asymmetry_block(
    asymmetry: &Asymmetry,
    with_setup: bool,
    first_time: &mut impl FnMut(&str) -> bool,
) -> Markup {
    html! {
        div class="block" {
            h2 {
                "Left/right Thomas test: left leg [" (asymmetry.left) "], right leg ["
                (asymmetry.right) "]"
            }
            @if with_setup { (setup(&asymmetry.setup_differences)) }
            (compared_table(["Left", "Right", "Left − right"], &asymmetry_rows(asymmetry), first_time))
            (skipped(&asymmetry.skipped))
        }
    }
}

/// What changed in kind: the calls with the angle each rests on, and the
/// findings, a change marked whether or not any angle crossed its MDC.
fn kind_table(change: &Change) -> Markup {
    let rows = kind_rows(change);
    html! {
        @if !rows.is_empty() {
            table {
                thead {
                    tr { th { "What changed in kind" } th { "Before" } th { "After" } th { "Status" } }
                }
                tbody {
                    @for row in rows {
                        tr {
                            td class="name" {
                                (row.name)
                                @if let Some(angle) = &row.angle { span class="sign" { "from " (angle) } }
                            }
                            td { (row.before) }
                            td { (row.after) }
                            td {
                                span class={ "badge " (if row.changed { "sev-moderate" } else { "sev-info" }) } {
                                    (row.status)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn setup(differences: &[String]) -> Markup {
    html! {
        @if !differences.is_empty() {
            div class="setup" {
                b { "Camera set-up differs:" } " " (differences.join("; "))
                ". Angles from keypoints still compare; the pelvic outline estimate does not."
            }
        }
    }
}

/// Compared angles, one row each: the two values, their difference, its
/// combined uncertainty, the MDC and the verdict. `first_time` says whether
/// a measurement's sign is yet to be explained on the page.
fn compared_table(
    [first, second, difference]: [&str; 3],
    rows: &[ComparedRow],
    first_time: &mut impl FnMut(&str) -> bool,
) -> Markup {
    html! {
        table {
            thead {
                tr {
                    th { "Measurement" } th { (first) } th { (second) } th { (difference) }
                    th { "± combined" } th { "MDC95" } th { "Verdict" }
                }
            }
            tbody { @for row in rows { (compared_row(row, first_time(row.name))) } }
        }
    }
}

fn compared_row(row: &ComparedRow, explain_sign: bool) -> Markup {
    let judgement = row.judgement;
    let [(a, ua), (b, ub)] = row.values;
    let (class, verdict) = if judgement.exceeds_mdc {
        ("sev-moderate", "exceeds MDC")
    } else {
        ("sev-info", "within error")
    };
    // What a positive value means, from the one sign convention
    // (`measure::conventions`), so the direction of a change can be read.
    let sign = crate::measure::conventions::spec(row.name).filter(|_| explain_sign);
    html! {
        tr {
            td class="name" {
                (words(row.name))
                @if let Some(spec) = sign { span class="sign" { "+ = " (spec.positive) } }
            }
            td class="num" { (format!("{a:+.1}° ± {ua:.1}")) }
            td class="num" { (format!("{b:+.1}° ± {ub:.1}")) }
            td class="num" { b { (format!("{:+.1}°", row.difference)) } }
            td class="num" { (format!("{:.1}°", judgement.combined_uncertainty_deg)) }
            td class="num" { (format!("{:.1}°", judgement.mdc_deg)) }
            td { span class={ "badge " (class) } { (verdict) } }
        }
    }
}

/// What was not compared, grouped by the reason.
fn skipped(skipped: &[Skipped]) -> Markup {
    let listed = grouped(skipped).into_iter().map(|(names, reason)| {
        let names: Vec<String> = names.iter().map(|n| words(n)).collect();
        html! { b { (names.join(", ")) } ": " (reason) }
    });
    html! {
        @if !skipped.is_empty() {
            p class="small muted" { "Not compared: " (joined(listed, "; ")) "." }
        }
    }
}
