//! `--format csv`: one row per photo (analysed or not) with a header row,
//! for a spreadsheet, in the columns of [`csv_columns`](super::csv_columns):
//! each protocol's measurements in columns of their own, each angle with its
//! uncertainty beside it, the assessment and the test leg.

use std::io::{self, Write};

use super::csv_columns::{Column, CsvCell, CsvColumn, Field, columns};
use super::{Exporter, snake_name};
use crate::error::FileError;
use crate::schema::{Analysis, Measurement, MeasurementId, Summary};

/// The header row.
fn header(columns: &[Column]) -> Vec<&'static str> {
    columns.iter().map(|c| c.header()).collect()
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
    columns: Vec<Column>,
    header_written: bool,
}

impl<'w> CsvExporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        Self {
            writer: csv::Writer::from_writer(out),
            columns: columns(),
            header_written: false,
        }
    }

    fn write_header_once(&mut self) -> io::Result<()> {
        if !self.header_written {
            self.writer.write_record(header(&self.columns))?;
            self.header_written = true;
        }
        Ok(())
    }

    /// Writes one row: `cell` gives the cell of each column.
    fn row(&mut self, cell: impl Fn(Column) -> String) -> io::Result<()> {
        self.write_header_once()?;
        self.writer
            .write_record(self.columns.iter().map(|&c| cell(c)))?;
        self.writer.flush()
    }
}

/// The cell of a measurement column for `a`: empty when the photo shows
/// another protocol, or the value was declined.
fn measurement_cell(a: &Analysis, column: &CsvColumn) -> String {
    let m = a
        .measurement(column.measurement)
        .and_then(Measurement::reading);
    match column.cell {
        CsvCell::Value => number(m.and_then(|m| m.value_deg.or(m.value))),
        CsvCell::Uncertainty => number(m.and_then(|m| m.uncertainty_deg.or(m.uncertainty))),
        CsvCell::Classification => m.and_then(|m| m.classification.clone()).unwrap_or_default(),
    }
}

impl Exporter for CsvExporter<'_> {
    fn analysis(&mut self, a: &Analysis) -> io::Result<()> {
        self.row(|column| {
            let field = match column {
                Column::Measurement(column) => return measurement_cell(a, column),
                Column::Field(field) => field,
            };
            match field {
                Field::Path => text_cell(&a.image.path),
                Field::Client => text_cell(a.session.client.as_deref().unwrap_or_default()),
                Field::Date => a.session.date.clone().unwrap_or_default(),
                Field::Clinician => text_cell(a.session.clinician.as_deref().unwrap_or_default()),
                Field::SideRecorded => a.session.side.map(|s| snake_name(&s)).unwrap_or_default(),
                Field::Note => text_cell(a.session.note.as_deref().unwrap_or_default()),
                Field::Status => "analysed".to_string(),
                Field::Assessment => snake_name(&a.assessment.status),
                Field::Protocol => snake_name(&a.protocol.kind),
                Field::ProtocolValid => a.protocol.valid.to_string(),
                Field::TestLeg => a
                    .protocol
                    .test_leg
                    .map(|s| snake_name(&s))
                    .unwrap_or_default(),
                Field::NearSide => a
                    .protocol
                    .near_side
                    .map(|s| snake_name(&s))
                    .unwrap_or_default(),
                Field::Facing => a
                    .protocol
                    .facing
                    .map(|f| snake_name(&f))
                    .unwrap_or_default(),
                Field::PelvicTiltMethod => a
                    .measurement(MeasurementId::PelvicTilt)
                    .and_then(Measurement::reading)
                    .map(|m| m.method.clone())
                    .unwrap_or_default(),
                Field::Findings => joined(a.findings.iter().map(|f| f.id.as_str())),
                Field::Borderline => joined(a.borderline.iter().map(|b| b.id.as_str())),
                Field::Unreliable => joined(
                    a.measurements
                        .iter()
                        .filter(|(_, m)| m.reading().is_some_and(|m| m.unreliable.is_some()))
                        .map(|(name, _)| name.as_str()),
                ),
                Field::AssessmentReasons => text_cell(&a.assessment.reasons.join("; ")),
                Field::RoutineMinutes => number(a.routine.as_ref().map(|r| r.total_minutes)),
                Field::RoutineWithheld => a
                    .routine
                    .as_ref()
                    .map(|r| r.withheld.to_string())
                    .unwrap_or_default(),
                Field::RoutineGeneral => a
                    .routine
                    .as_ref()
                    .map(|r| r.general.to_string())
                    .unwrap_or_default(),
                Field::Screening => snake_name(&a.screening.status),
                Field::Corrections => joined(a.corrections.iter().map(|c| c.keypoint.as_str())),
                Field::Warnings => text_cell(
                    &a.warnings
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                Field::Width => a.image.width.to_string(),
                Field::Height => a.image.height.to_string(),
                Field::ErrorKind | Field::ErrorMessage => String::new(),
            }
        })
    }

    fn error(&mut self, error: &FileError) -> io::Result<()> {
        self.row(|column| match column {
            Column::Field(Field::Path) => text_cell(&error.path.display().to_string()),
            Column::Field(Field::Status) => "failed".to_string(),
            Column::Field(Field::ErrorKind) => error.kind.as_str().to_string(),
            Column::Field(Field::ErrorMessage) => text_cell(&error.message),
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
        let header: Vec<String> = header(&columns()).into_iter().map(String::from).collect();
        for (i, name) in header.iter().enumerate() {
            assert!(!header[..i].contains(name), "{name} twice");
            if name.ends_with("_deg") && !name.ends_with("_uncertainty_deg") {
                assert_eq!(
                    header[i + 1],
                    format!("{}_uncertainty_deg", name.trim_end_matches("_deg"))
                );
                let (Column::Measurement(column), Column::Measurement(beside)) =
                    (columns()[i], columns()[i + 1])
                else {
                    panic!("{name} and the column beside it are measurement columns");
                };
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
