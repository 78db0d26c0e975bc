//! Turning analysis documents into output. One exporter per format behind
//! [`Exporter`]; the runner feeds it results in input order.

mod compare;
mod csv;
pub mod files;
pub mod html;
mod json;
pub mod json_schema;
mod jsonl;
pub mod overlay;
mod text;
mod visit;

pub use compare::{render_compare_html, write_compare_text};
pub use text::{TextDetail, write_no_routine, write_routine_section};
pub use visit::{render_visit_html, write_visit_text};

use std::io::{self, Write};

use crate::error::FileError;
use crate::measure::conventions;
use crate::schema::{Analysis, Summary};

/// What `--format` prints on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// A summary per photo that fits a screen (see [`TextDetail`]).
    #[default]
    Text,
    /// The analysis document; several photos give one JSON array.
    Json,
    /// One typed JSON record per line: `analysis`, `error`, then a `summary`.
    Jsonl,
    /// One row per photo with the key measurements, findings and status.
    Csv,
}

/// The snake_case name serde gives a unit enum variant (`thomas_test`, `left`).
pub(crate) fn snake_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The measurement registry as `sagitta measurements --format json` writes
/// it: every measurement with its definition and sign, and the CSV columns.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub(crate) struct Registry {
    measurements: &'static [conventions::MeasurementSpec],
    /// The measurement columns of `--format csv`, in order.
    csv_columns: &'static [conventions::CsvColumn],
}

/// Writes the measurement registry as JSON (`sagitta measurements --format json`).
pub fn write_measurements_json(out: &mut dyn Write) -> io::Result<()> {
    let registry = Registry {
        measurements: conventions::MEASUREMENTS,
        csv_columns: conventions::CSV_COLUMNS,
    };
    serde_json::to_writer_pretty(&mut *out, &registry)?;
    writeln!(out)
}

/// The measurement registry as `sagitta measurements` prints it: every
/// measurement with its definition and sign, then the CSV columns they fill.
pub fn write_measurements_text(out: &mut dyn Write) -> io::Result<()> {
    for m in conventions::MEASUREMENTS {
        let unit = match m.quantity {
            conventions::Quantity::Angle => "degrees",
            conventions::Quantity::HeightFraction => "fraction of height",
            conventions::Quantity::TrunkFraction => "fraction of trunk length",
            conventions::Quantity::Class => "class",
        };
        let protocols: Vec<String> = m.protocols.iter().map(snake_name).collect();
        writeln!(out, "{} ({unit}; {})", m.name, protocols.join(", "))?;
        writeln!(out, "  {}", m.definition)?;
        match m.zero {
            Some(zero) => writeln!(out, "  0 = {zero}; positive = {}", m.positive)?,
            None => writeln!(out, "  {}", m.positive)?,
        }
    }
    writeln!(out, "CSV columns (--format csv):")?;
    for c in conventions::CSV_COLUMNS {
        let what = match c.cell {
            conventions::CsvCell::Value => "value",
            conventions::CsvCell::Uncertainty => "uncertainty",
            conventions::CsvCell::Classification => "class",
        };
        writeln!(out, "  {} = {} of {}", c.header, what, c.measurement)?;
    }
    Ok(())
}

/// Writes results as they arrive; `finish` closes the output.
pub trait Exporter {
    fn analysis(&mut self, analysis: &Analysis) -> io::Result<()>;
    /// A file that could not be analysed (formats without error records
    /// leave it to the message on standard error).
    fn error(&mut self, _error: &FileError) -> io::Result<()> {
        Ok(())
    }
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
}

/// The exporter for `format`. `many` says whether several photos were asked
/// for (JSON then prints an array even if only one succeeded); `detail` is
/// how much the text format shows.
pub fn exporter<'w>(
    format: Format,
    out: Box<dyn Write + 'w>,
    many: bool,
    detail: TextDetail,
) -> Box<dyn Exporter + 'w> {
    match format {
        Format::Text => Box::new(text::TextExporter::new(out, detail)),
        Format::Json => Box::new(json::JsonExporter::new(out, many)),
        Format::Jsonl => Box::new(jsonl::JsonlExporter::new(out)),
        Format::Csv => Box::new(csv::CsvExporter::new(out)),
    }
}
