//! The page of one analysed photo, laid out for one or two A4 pages: the
//! test and assessment beside the findings, the annotated photo beside the
//! measurements, then the routine and the works cited.

use maud::{Markup, html};

use super::routine::{referral, routine};
use super::{STYLE, data_uri, joined, page, references, severity_badge, warnings, words};
use crate::measure::conventions::Quantity;
use crate::report::overlay::protocol_name;
use crate::report::snake_name;
use crate::schema::{Analysis, AssessmentStatus, Finding, Measurement, Reading};

/// The report page for one analysed photo; `annotated_jpeg` is the
/// annotated photo, embedded as it is.
pub fn render(a: &Analysis, annotated_jpeg: &[u8]) -> String {
    let record = a
        .session
        .lines()
        .into_iter()
        .map(|(label, value)| html! { b { (label) } " " (value) });
    let meta = html! {
        (joined(record, " · ")) br;
        (a.image.path) br;
        (a.image.width) "×" (a.image.height) " px · model " (snake_name(&a.model.kind))
        " · sagitta schema " (a.schema_version)
    };
    let withheld = a.routine.as_ref().filter(|r| r.withheld);
    // Before any exercise, where it is read first, in the room the evidence
    // leaves: under a tall, narrow photo, which the table outruns, or under
    // the table beside a wide, low one.
    let safety = a.routine.as_ref().filter(|r| !r.withheld).map(|r| {
        html! { div class="alert" { b { "Safety." } " " (r.safety_note) } }
    });
    let figure_mm = figure_width_mm(a.image.width, a.image.height);
    let narrow = figure_mm <= NARROW_FIGURE_MM;
    let body = html! {
        @if let Some(routine) = withheld { (referral(routine)) }
        section class="summary" {
            div { (protocol(a)) (assessment(a)) }
            div { (findings(&a.findings)) (borderline(a)) (warnings(&a.warnings)) }
        }
        section class="evidence" {
            div style=(format!("width: {figure_mm:.0}mm")) {
                figure {
                    img alt="The photo with the measured angles drawn on it"
                        src=(data_uri(annotated_jpeg));
                }
                @if let (true, Some(safety)) = (narrow, &safety) { (safety) }
            }
            div {
                (measurements(a))
                @if let (false, Some(safety)) = (narrow, &safety) { (safety) }
            }
        }
        @match &a.routine {
            Some(r) if !r.withheld => { (routine(r)) }
            Some(_) => {}
            None => { (no_routine(a)) }
        }
        (references(&a.references, false))
        // A withheld routine: the page ends with the referral, as it began.
        @if let Some(routine) = withheld { (referral(routine)) }
    };
    page(
        &format!("Posture report: {}", a.image.path),
        &[STYLE],
        "Posture report",
        meta,
        body,
    )
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

fn assessment(a: &Analysis) -> Markup {
    let status = &a.assessment.status;
    let class = match status {
        AssessmentStatus::Assessed => "ok",
        AssessmentStatus::Partial => "sev-mild",
        AssessmentStatus::NotAssessed => "bad",
    };
    html! {
        h2 { "Assessment" }
        p { span class={ "badge " (class) } { (words(&snake_name(status))) } }
        @if !a.assessment.reasons.is_empty() {
            ul class="small" { @for reason in &a.assessment.reasons { li { (reason) } } }
        }
    }
}

fn borderline(a: &Analysis) -> Markup {
    html! {
        @if !a.borderline.is_empty() {
            h2 { "Borderline: re-check by hand" }
            ul class="small" {
                @for b in &a.borderline {
                    li class="block" {
                        b { (words(&b.id)) } ": " (b.because) ". " i { (b.recheck) } "."
                        @if let Some(reference) = &b.reference { br; span class="ref" { (reference) } }
                    }
                }
            }
        }
    }
}

/// In place of a routine for a photo that was not assessed.
fn no_routine(a: &Analysis) -> Markup {
    html! {
        div class="alert" {
            h2 { "No routine: this photo could not be assessed" }
            ul { @for reason in &a.assessment.reasons { li { (reason) } } }
            @if let Some(retake) = &a.assessment.retake { p { b { "To retake:" } " " (retake) } }
            p class="small" {
                "A general routine, not based on any photo, is available with --general-routine."
            }
        }
    }
}

fn protocol(a: &Analysis) -> Markup {
    let p = &a.protocol;
    let (class, validity) = if p.valid {
        ("ok", "valid")
    } else {
        ("bad", "not valid")
    };
    let mut view = Vec::new();
    if let Some(side) = p.near_side {
        view.push(format!("near side {}", snake_name(&side)));
    }
    view.push(format!("side view {:.0}\u{a0}%", p.lateral_score * 100.0));
    html! {
        h2 { "Test" }
        p {
            span class={ "badge " (class) } { (protocol_name(p.kind)) " · " (validity) }
            @if p.forced { " " span class="muted" { "(chosen by --protocol)" } }
            " " (view.join(", "))
        }
        p { (p.reason) }
        @if let Some(retake) = &p.retake { p class="small" { b { "Retake:" } " " (retake) } }
        @if !p.assumptions.is_empty() {
            p class="small" { b { "Assumes:" } " " (p.assumptions.join("; ")) "." }
        }
    }
}

fn findings(findings: &[Finding]) -> Markup {
    html! {
        h2 { "Findings" }
        @if findings.is_empty() {
            p class="muted" { "None: no measurement crossed a cut-off the rules act on." }
        } @else {
            ul {
                @for finding in findings {
                    li class="block" {
                        (severity_badge(finding.severity)) " " b { (words(&finding.id)) } ": "
                        (finding.because)
                        @if let Some(reference) = &finding.reference { br; span class="ref" { (reference) } }
                    }
                }
            }
        }
    }
}

/// The value cell: degrees with their sign and uncertainty, or a ratio.
fn value_text(m: &Reading) -> String {
    match (m.value_deg, m.value) {
        (Some(deg), _) => match m.uncertainty_deg {
            Some(u) => format!("{deg:+.1}° ±\u{a0}{u:.1}°"),
            None => format!("{deg:+.1}°"),
        },
        (None, Some(value)) => {
            let plus_minus = m
                .uncertainty
                .map(|u| format!(" ±\u{a0}{u:.3}"))
                .unwrap_or_default();
            match m.unit.as_deref() {
                unit if unit.is_some() && unit == Quantity::HeightFraction.unit() => {
                    format!("{:+.1}\u{a0}% of height", value * 100.0)
                }
                Some(unit) => format!("{value:.3}{plus_minus} {}", words(unit)),
                None => format!("{value:.3}{plus_minus}"),
            }
        }
        (None, None) => "—".to_string(),
    }
}

/// The small print under a measurement's row: each class's probability for
/// a call among classes (likeliest first), what would settle an uncertain
/// call, and the measurement's reference.
fn note(m: &Reading) -> Vec<Markup> {
    let mut note = Vec::new();
    if !m.probabilities.is_empty() {
        let mut shares: Vec<(&String, &f64)> = m.probabilities.iter().collect();
        shares.sort_by(|a, b| b.1.total_cmp(a.1));
        let shares = shares
            .into_iter()
            .map(|(class, p)| html! { (words(class)) "\u{a0}" (format!("{:.0}", p * 100.0)) });
        note.push(html! { b { "p\u{a0}%:" } " " (joined(shares, " · ")) });
    }
    if let Some(settle) = &m.to_settle {
        note.push(html! { b { "to settle it:" } " " (settle) });
    }
    if let Some(reference) = m.reference.as_deref().filter(|r| !r.is_empty()) {
        note.push(html! { (reference) });
    }
    note
}

/// One row per measurement: a declined one gives its reason on the same
/// line; a measured one's probabilities and reference run under it, across
/// the table, in small print.
fn measurements(a: &Analysis) -> Markup {
    html! {
        h2 { "Measurements" }
        table class="measurements" {
            thead {
                tr {
                    th { "Measurement" } th { "Value ± uncertainty" } th { "Class" }
                    th { "Conf." } th { "Method" }
                }
            }
            tbody {
                @for (name, m) in &a.measurements {
                    @match m {
                        Measurement::Declined(decline) => {
                            tr class="declined" { td { (words(name)) } td colspan="4" { "declined: " (decline.reason) } }
                        }
                        Measurement::Made(reading) => (measured_rows(name, reading)),
                    }
                }
            }
        }
    }
}

/// A measured value's row, and its note's row under it.
fn measured_rows(name: &str, m: &Reading) -> Markup {
    let note = note(m);
    html! {
        tr class=(if note.is_empty() { "measured" } else { "measured noted" }) {
            td { (words(name)) }
            td class="value" { (value_text(m)) }
            td { (words(m.classification.as_deref().unwrap_or(""))) }
            td {
                @if let Some(c) = m.confidence { (format!("{c:.2}")) }
                @if m.unreliable.is_some() && m.confidence.is_some() { " " b { "unreliable" } }
            }
            td class="method" { (words(&m.method)) }
        }
        @if !note.is_empty() {
            tr class="note" { td colspan="5" class="ref" { (joined(note, "; ")) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_portrait_photo_is_narrow_and_a_landscape_one_wide_but_bounded() {
        assert_eq!(figure_width_mm(600, 800), 54.0);
        assert!(figure_width_mm(600, 800) <= NARROW_FIGURE_MM);
        assert_eq!(figure_width_mm(960, 640), 86.0);
        assert!(figure_width_mm(960, 640) > NARROW_FIGURE_MM);
        assert_eq!(figure_width_mm(100, 4000), 45.0);
        assert_eq!(figure_width_mm(0, 0), 60.0);
    }
}
