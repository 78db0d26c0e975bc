//! The visit page: the photos side by side, the findings of the visit with
//! each one's photo, the left/right Thomas test, then the visit's one
//! routine (or the referral that withholds it).

use maud::html;

use super::compare::asymmetry_block;
use super::routine::{referral, routine};
use super::{
    COMPARE_STYLE, Photo, STYLE, page, photos, references, severity_badge, warnings, words,
};
use crate::report::visit::{screening_text, whose};
use crate::schema::{AssessmentStatus, Visit};

/// The visit page; `images[i]` is the annotated photo (JPEG) of photo
/// `i + 1`, when it could be found or made.
pub fn render_visit_html(v: &Visit, images: &[Option<Vec<u8>>]) -> String {
    let meta = html! {
        b { "client" } " " (v.client.as_deref().unwrap_or("not recorded")) " · "
        b { "date" } " " (v.date.as_deref().unwrap_or("not recorded")) " · "
        (v.photos.len()) " photos" br;
        "sagitta visit schema " (v.schema_version)
    };
    let withheld = v.routine.as_ref().filter(|r| r.withheld);
    let figures = v.photos.iter().zip(images).map(|(photo, image)| {
        let assessed = photo.assessment.status == AssessmentStatus::Assessed;
        let status = html! {
            @if !assessed { " · " b { "not assessed" } ": " (photo.assessment.reasons.join("; ")) }
        };
        Photo {
            jpeg: image.as_deref(),
            alt: format!("Photo {} with the measured angles drawn on it", photo.index),
            caption: html! {
                b { "[" (photo.index) "]" } " " (photo.label) (status) br; (photo.source)
            },
        }
    });
    let body = html! {
        @if let Some(routine) = withheld { (referral(routine)) }
        (photos(figures, v.photos.len() > 3))
        div class="block" {
            h2 { "Findings of the visit" }
            @if v.findings.is_empty() {
                p class="muted" {
                    "None: no measurement of an assessed photo crossed a cut-off the rules act on."
                }
            } @else {
                table {
                    thead { tr { th { "Photo" } th { "Finding" } th { "Evidence" } } }
                    tbody {
                        @for f in &v.findings {
                            tr {
                                td { "[" (f.photo) "] " (f.source) }
                                td { (severity_badge(f.finding.severity)) " " b { (words(&f.finding.id)) } }
                                td {
                                    (f.finding.because)
                                    @if let Some(reference) = &f.finding.reference {
                                        br; span class="ref" { (reference) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @for photo in &v.photos {
                @for b in &photo.borderline {
                    p class="small" {
                        span class="badge sev-info" { "borderline" }
                        " [" (photo.index) "] " (photo.label) ": " (b.because) "; re-check: " (b.recheck)
                    }
                }
            }
            p class="small" { b { "Warning signs:" } " " (screening_text(v)) }
        }
        @for asymmetry in &v.asymmetry { (asymmetry_block(asymmetry, false, &mut |_| true)) }
        (warnings(&v.warnings))
        @match &v.routine {
            Some(r) if !r.withheld => {
                div class="alert" { b { "Safety." } " " (r.safety_note) }
                (routine(r))
            }
            Some(_) => {}
            None => { p class="muted" { "No routine: no photo of the visit was assessed." } }
        }
        (references(&v.references, true))
        @if let Some(routine) = withheld { (referral(routine)) }
    };
    page(
        &format!("Visit report: {}", whose(v)),
        &[STYLE, COMPARE_STYLE],
        "Visit report",
        meta,
        body,
    )
}
