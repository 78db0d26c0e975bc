//! `--format csv`: one row per photo (analysed or not) with a header row,
//! for a spreadsheet: each protocol's measurements in columns of their own
//! (`thomas_knee_flexion_deg` is never the standing knee), each angle with its
//! uncertainty in the column beside it (the registry's
//! [`CSV_COLUMNS`]), the assessment and the test leg.

use std::io::{self, Write};

use super::{Exporter, snake_name};
use crate::error::FileError;
use crate::measure::conventions::{CSV_COLUMNS, CsvCell};
use crate::schema::{Analysis, Measurement, ProtocolKind, Summary};

/// The columns before the measurements: the photo and its record
/// (`session`: client, date and clinician, and the side the clinician
/// named), then what was found.
const LEADING: [&str; 12] = [
    "path",
    "client",
    "date",
    "clinician",
    "side_recorded",
    "status",
    "assessment",
    "protocol",
    "protocol_valid",
    "test_leg",
    "near_side",
    "facing",
];

/// The columns after the measurements.
const TRAILING: [&str; 16] = [
    "pelvic_tilt_method",
    "findings",
    "borderline",
    "unreliable",
    "assessment_reasons",
    "routine_minutes",
    "routine_withheld",
    "routine_general",
    "screening",
    "corrections",
    "warnings",
    "note",
    "width",
    "height",
    "error_kind",
    "error_message",
];

/// The header row.
fn header() -> Vec<String> {
    LEADING
        .into_iter()
        .chain(CSV_COLUMNS.iter().map(|c| c.header))
        .chain(TRAILING)
        .map(String::from)
        .collect()
}

/// A cell of free text (a path, a message) that a spreadsheet would take
/// for a formula (`=`, `+`, `-`, `@`, or a tab or carriage return before one)
/// gets a leading `'`, which spreadsheets show as text (OWASP's advice for
/// CSV injection). Number cells are written as they are.
fn text_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn joined<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().collect::<Vec<_>>().join(";")
}

pub struct CsvExporter<'w> {
    writer: csv::Writer<Box<dyn Write + 'w>>,
    header: Vec<String>,
    header_written: bool,
}

impl<'w> CsvExporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        Self {
            writer: csv::Writer::from_writer(out),
            header: header(),
            header_written: false,
        }
    }

    fn write_header_once(&mut self) -> io::Result<()> {
        if !self.header_written {
            self.writer.write_record(&self.header)?;
            self.header_written = true;
        }
        Ok(())
    }

    /// Writes one row: `cell` gives the cell under each header.
    fn row(&mut self, cell: impl Fn(&str) -> String) -> io::Result<()> {
        self.write_header_once()?;
        self.writer
            .write_record(self.header.iter().map(|h| cell(h)))?;
        self.writer.flush()
    }
}

/// The cell of a measurement column for `a`: empty when the photo shows
/// another protocol, or the value was declined.
fn measurement_cell(a: &Analysis, header: &str) -> Option<String> {
    let column = CSV_COLUMNS.iter().find(|c| c.header == header)?;
    let m = a
        .measurements
        .get(column.measurement)
        .filter(|_| column.protocol.is_none_or(|p| p == a.protocol.kind))
        .and_then(Measurement::reading);
    Some(match column.cell {
        CsvCell::Value => number(m.and_then(|m| m.value_deg.or(m.value))),
        CsvCell::Uncertainty => number(m.and_then(|m| m.uncertainty_deg.or(m.uncertainty))),
        CsvCell::Classification => m.and_then(|m| m.classification.clone()).unwrap_or_default(),
    })
}

impl Exporter for CsvExporter<'_> {
    fn analysis(&mut self, a: &Analysis) -> io::Result<()> {
        self.row(|header| {
            if let Some(cell) = measurement_cell(a, header) {
                return cell;
            }
            let standing = |name: &str| {
                (a.protocol.kind == ProtocolKind::Standing)
                    .then(|| a.measurements.get(name))
                    .flatten()
                    .and_then(Measurement::reading)
            };
            match header {
                "path" => text_cell(&a.image.path),
                "client" => text_cell(a.session.client.as_deref().unwrap_or_default()),
                "date" => a.session.date.clone().unwrap_or_default(),
                "clinician" => text_cell(a.session.clinician.as_deref().unwrap_or_default()),
                "side_recorded" => a.session.side.map(|s| snake_name(&s)).unwrap_or_default(),
                "note" => text_cell(a.session.note.as_deref().unwrap_or_default()),
                "status" => "analysed".to_string(),
                "assessment" => snake_name(&a.assessment.status),
                "protocol" => snake_name(&a.protocol.kind),
                "protocol_valid" => a.protocol.valid.to_string(),
                "test_leg" => a
                    .protocol
                    .test_leg
                    .map(|s| snake_name(&s))
                    .unwrap_or_default(),
                "near_side" => a
                    .protocol
                    .near_side
                    .map(|s| snake_name(&s))
                    .unwrap_or_default(),
                "facing" => a
                    .protocol
                    .facing
                    .map(|f| snake_name(&f))
                    .unwrap_or_default(),
                "pelvic_tilt_method" => standing("pelvic_tilt")
                    .map(|m| m.method.clone())
                    .unwrap_or_default(),
                "findings" => joined(a.findings.iter().map(|f| f.id.as_str())),
                "borderline" => joined(a.borderline.iter().map(|b| b.id.as_str())),
                "unreliable" => joined(
                    a.measurements
                        .iter()
                        .filter(|(_, m)| m.reading().is_some_and(|m| m.unreliable.is_some()))
                        .map(|(name, _)| name.as_str()),
                ),
                "assessment_reasons" => text_cell(&a.assessment.reasons.join("; ")),
                "routine_minutes" => number(a.routine.as_ref().map(|r| r.total_minutes)),
                "routine_withheld" => a
                    .routine
                    .as_ref()
                    .map(|r| r.withheld.to_string())
                    .unwrap_or_default(),
                "routine_general" => a
                    .routine
                    .as_ref()
                    .map(|r| r.general.to_string())
                    .unwrap_or_default(),
                "screening" => snake_name(&a.screening.status),
                "corrections" => joined(a.corrections.iter().map(|c| c.keypoint.as_str())),
                "warnings" => text_cell(
                    &a.warnings
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                "width" => a.image.width.to_string(),
                "height" => a.image.height.to_string(),
                _ => String::new(),
            }
        })
    }

    fn error(&mut self, error: &FileError) -> io::Result<()> {
        self.row(|header| match header {
            "path" => text_cell(&error.path.display().to_string()),
            "status" => "failed".to_string(),
            "error_kind" => error.kind.as_str().to_string(),
            "error_message" => text_cell(&error.message),
            _ => String::new(),
        })
    }

    /// A run without rows still gives the header, so that a reader sees
    /// an empty table rather than no CSV at all.
    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.write_header_once()?;
        self.writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_cells_are_quoted() {
        for formula in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\t=1"] {
            assert_eq!(text_cell(formula), format!("'{formula}"));
        }
        assert_eq!(text_cell("photos/a.jpg"), "photos/a.jpg");
    }

    #[test]
    fn every_header_is_unique_and_every_angle_has_its_uncertainty_beside_it() {
        let header = header();
        for (i, name) in header.iter().enumerate() {
            assert!(!header[..i].contains(name), "{name} twice");
            if name.ends_with("_deg") && !name.ends_with("_uncertainty_deg") {
                assert_eq!(
                    header[i + 1],
                    format!("{}_uncertainty_deg", name.trim_end_matches("_deg"))
                );
                let column = CSV_COLUMNS.iter().find(|c| c.header == name).unwrap();
                let beside = CSV_COLUMNS
                    .iter()
                    .find(|c| c.header == header[i + 1])
                    .unwrap();
                assert_eq!(
                    (beside.measurement, beside.protocol, beside.cell),
                    (column.measurement, column.protocol, CsvCell::Uncertainty)
                );
            }
        }
        // The knee of each protocol has its own column.
        assert!(header.contains(&"thomas_knee_flexion_deg".to_string()));
        assert!(header.contains(&"standing_knee_flexion_deg".to_string()));
    }
}
