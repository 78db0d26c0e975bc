//! The printable pages (A4), self-contained: inline CSS (`assets/report.css`,
//! and `assets/compare.css` for the pages that set photos side by side,
//! embedded at build time), the annotated photos as data URIs, no scripts,
//! nothing fetched. The markup is written with maud templates, which escape
//! every text they insert: paths, records and data files can hold anything.
//!
//! `analysis`: the page of one photo; `compare` and `visit`: the pages of
//! several; `routine`: the routine and the referral that replaces a
//! withheld one (the analysis and visit pages); here, what all share.

mod analysis;
mod compare;
mod routine;
mod visit;

pub use analysis::render;
pub use compare::render_compare_html;
pub use visit::render_visit_html;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::schema::Severity;

/// The style of every page.
const STYLE: &str = include_str!("../../../assets/report.css");
/// What the compare and visit pages add: photos side by side, compared values.
const COMPARE_STYLE: &str = include_str!("../../../assets/compare.css");

/// A whole page: its title, its style sheets (sagitta's own, inserted as
/// they are), its header (a heading, and the record in small print) and body.
fn page(title: &str, styles: &[&str], heading: &str, meta: Markup, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { @for style in styles { (PreEscaped(style)) } }
            }
            body {
                header { h1 { (heading) } div class="meta" { (meta) } }
                (body)
            }
        }
    }
    .into_string()
}

/// `parts` with `separator` between them.
fn joined(parts: impl IntoIterator<Item = Markup>, separator: &str) -> Markup {
    html! {
        @for (i, part) in parts.into_iter().enumerate() {
            @if i > 0 { (separator) }
            (part)
        }
    }
}

/// A JPEG as the `src` of an image.
fn data_uri(jpeg: &[u8]) -> String {
    format!("data:image/jpeg;base64,{}", STANDARD.encode(jpeg))
}

/// One photo of a compare or visit page: its annotated image (`None`: it
/// could not be found or made), what the image shows, and its caption.
struct Photo<'a> {
    jpeg: Option<&'a [u8]>,
    alt: String,
    caption: Markup,
}

/// The photos side by side; `many` (more than three) wrap into rows of
/// three, each row lower.
fn photos<'a>(photos: impl IntoIterator<Item = Photo<'a>>, many: bool) -> Markup {
    html! {
        div class=(if many { "photos many" } else { "photos" }) {
            @for photo in photos {
                figure {
                    @match photo.jpeg {
                        Some(jpeg) => { img alt=(photo.alt) src=(data_uri(jpeg)); }
                        None => {
                            div class="nophoto" {
                                "photo not found: neither the annotated image beside the analysis nor the photo it names"
                            }
                        }
                    }
                    figcaption { (photo.caption) }
                }
            }
        }
    }
}

/// A list of warnings under its heading; nothing when there are none.
fn warnings<T: std::fmt::Display>(warnings: &[T]) -> Markup {
    html! {
        @if !warnings.is_empty() {
            h2 { "Warnings" }
            ul class="small" { @for warning in warnings { li { (warning.to_string()) } } }
        }
    }
}

/// Every work a page cites (`keys`), in full; nothing where none is known.
/// `block` keeps the list on one printed page (the compare and visit pages).
fn references(keys: &[String], block: bool) -> Markup {
    let cited: Vec<_> = keys
        .iter()
        .filter_map(|key| crate::references::get(key))
        .collect();
    if cited.is_empty() {
        return html! {};
    }
    let list = html! {
        h2 { "References" }
        ul class="ref" {
            @for reference in cited { li { b { (reference.key) } ": " (reference.full()) } }
        }
    };
    match block {
        true => html! { div class="block" { (list) } },
        false => list,
    }
}

/// A snake_case id as words: `short_hip_flexors` -> "short hip flexors".
fn words(id: &str) -> String {
    id.replace('_', " ")
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Mild => "mild",
        Severity::Moderate => "moderate",
        Severity::Marked => "marked",
    }
}

/// A finding's severity as a coloured badge.
fn severity_badge(severity: Severity) -> Markup {
    let name = severity_name(severity);
    html! { span class={ "badge sev-" (name) } { (name) } }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text a template inserts is escaped, in content and attributes.
    #[test]
    fn inserted_text_is_escaped() {
        let hostile = "<script>alert(\"x\")</script> & co";
        let photo = Photo {
            jpeg: Some(b"jpeg"),
            alt: hostile.to_string(),
            caption: html! { (hostile) },
        };
        let page = page(hostile, &[STYLE], hostile, html! {}, photos([photo], false));
        assert!(!page.contains("<script"), "{page}");
        let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co";
        // The title, the heading, the image's alt text and its caption.
        assert_eq!(page.matches(escaped).count(), 4, "{page}");
    }
}
