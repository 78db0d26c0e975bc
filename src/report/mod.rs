//! Turning analysis documents into output. One exporter per format behind
//! [`Exporter`]; the runner feeds it results in input order.

mod json;
mod text;

use std::io::{self, Write};

use crate::analysis::Analysis;

/// What `--format` prints on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// A short readable summary per photo.
    #[default]
    Text,
    /// The analysis document; several photos give one JSON array.
    Json,
}

/// Writes results as they arrive; `finish` closes the output.
pub trait Exporter {
    fn analysis(&mut self, analysis: &Analysis) -> io::Result<()>;
    fn finish(&mut self) -> io::Result<()>;
}

/// The exporter for `format`. `many` says whether several photos were asked
/// for (JSON then prints an array even if only one succeeded).
pub fn exporter<'w>(
    format: Format,
    out: Box<dyn Write + 'w>,
    many: bool,
) -> Box<dyn Exporter + 'w> {
    match format {
        Format::Text => Box::new(text::TextExporter::new(out)),
        Format::Json => Box::new(json::JsonExporter::new(out, many)),
    }
}
