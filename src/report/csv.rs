//! `--format csv`: one row per photo (analysed or not) with a header row.

use std::io::{self, Write};

use super::{Exporter, snake_name};
use crate::error::FileError;
use crate::measure::conventions::{CSV_COLUMNS, CsvCell};
use crate::schema::{Analysis, Summary};

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

pub struct CsvExporter<'w> {
    writer: csv::Writer<Box<dyn Write + 'w>>,
    header_written: bool,
}

impl<'w> CsvExporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        Self {
            writer: csv::Writer::from_writer(out),
            header_written: false,
        }
    }

    fn row(&mut self, fields: Vec<String>) -> io::Result<()> {
        if !self.header_written {
            let mut header: Vec<String> = [
                "path",
                "status",
                "error_kind",
                "error_message",
                "width",
                "height",
                "protocol",
                "protocol_valid",
                "near_side",
            ]
            .map(String::from)
            .to_vec();
            header.extend(CSV_COLUMNS.iter().map(|c| c.header.to_string()));
            header.extend(
                [
                    "pelvic_tilt_method",
                    "findings",
                    "routine_withheld",
                    "routine_minutes",
                    "warnings",
                    "assessment",
                    "borderline",
                    "screening",
                    "routine_general",
                ]
                .map(String::from),
            );
            self.writer.write_record(&header)?;
            self.header_written = true;
        }
        self.writer.write_record(&fields)?;
        self.writer.flush()
    }
}

impl Exporter for CsvExporter<'_> {
    fn analysis(&mut self, a: &Analysis) -> io::Result<()> {
        let mut fields = vec![
            text_cell(&a.image.path),
            "analysed".to_string(),
            String::new(),
            String::new(),
            a.image.width.to_string(),
            a.image.height.to_string(),
            snake_name(&a.protocol.kind),
            a.protocol.valid.to_string(),
            a.protocol
                .near_side
                .map(|s| snake_name(&s))
                .unwrap_or_default(),
        ];
        let measurement = |name: &str| a.measurements.get(name);
        for column in CSV_COLUMNS {
            let m = measurement(column.measurement)
                .filter(|_| column.protocol.is_none_or(|p| p == a.protocol.kind));
            let cell = match column.cell {
                CsvCell::Value => m
                    .and_then(|m| m.value_deg.or(m.value))
                    .map(|v| v.to_string()),
                CsvCell::Uncertainty => m.and_then(|m| m.uncertainty_deg).map(|v| v.to_string()),
                CsvCell::Classification => m.and_then(|m| m.classification.clone()),
            };
            fields.push(cell.unwrap_or_default());
        }
        fields.push(
            measurement("pelvic_tilt")
                .filter(|m| m.declined.is_none())
                .map(|m| m.method.clone())
                .unwrap_or_default(),
        );
        fields.push(
            a.findings
                .iter()
                .map(|f| f.id.as_str())
                .collect::<Vec<_>>()
                .join(";"),
        );
        fields.push(
            a.routine
                .as_ref()
                .map(|r| r.withheld.to_string())
                .unwrap_or_default(),
        );
        fields.push(
            a.routine
                .as_ref()
                .map(|r| r.total_minutes.to_string())
                .unwrap_or_default(),
        );
        fields.push(text_cell(&a.warnings.join("; ")));
        fields.push(snake_name(&a.assessment.status));
        fields.push(
            a.borderline
                .iter()
                .map(|b| b.id.as_str())
                .collect::<Vec<_>>()
                .join(";"),
        );
        fields.push(snake_name(&a.screening.status));
        fields.push(
            a.routine
                .as_ref()
                .map(|r| r.general.to_string())
                .unwrap_or_default(),
        );
        self.row(fields)
    }

    fn error(&mut self, error: &FileError) -> io::Result<()> {
        let mut fields = vec![
            text_cell(&error.path.display().to_string()),
            "failed".to_string(),
            error.kind.as_str().to_string(),
            text_cell(&error.message),
        ];
        fields.resize(9 + CSV_COLUMNS.len() + 9, String::new());
        self.row(fields)
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::text_cell;

    #[test]
    fn formula_like_text_cells_are_quoted() {
        for formula in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\t=1"] {
            assert_eq!(text_cell(formula), format!("'{formula}"));
        }
        assert_eq!(text_cell("photos/a.jpg"), "photos/a.jpg");
    }
}
