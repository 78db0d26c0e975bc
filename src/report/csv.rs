//! `--format csv`: one row per photo (analysed or not) with a header row,
//! for a spreadsheet: each protocol's measurements in columns of their own
//! (`thomas_knee_flexion_deg` is never the standing knee), each angle with its
//! uncertainty in the column beside it, the assessment and the test leg.

use std::io::{self, Write};

use super::{Exporter, snake_name};
use crate::error::FileError;
use crate::schema::{Analysis, Measurement, ProtocolKind, Summary};

/// A measurement's column: which protocol's measurement it holds, under
/// which header. An angle (`_deg`) has its `_uncertainty_deg` column beside it.
struct Column {
    protocol: ProtocolKind,
    measurement: &'static str,
    header: &'static str,
}

impl Column {
    fn is_angle(&self) -> bool {
        self.header.ends_with("_deg")
    }

    fn uncertainty_header(&self) -> String {
        format!("{}_uncertainty_deg", self.header.trim_end_matches("_deg"))
    }
}

const fn standing(measurement: &'static str, header: &'static str) -> Column {
    Column {
        protocol: ProtocolKind::Standing,
        measurement,
        header,
    }
}

const fn thomas(measurement: &'static str, header: &'static str) -> Column {
    Column {
        protocol: ProtocolKind::ThomasTest,
        measurement,
        header,
    }
}

/// The measurement columns, in order: the Thomas test, then standing.
const COLUMNS: [Column; 14] = [
    thomas("hip_extension", "thomas_hip_extension_deg"),
    thomas("knee_flexion", "thomas_knee_flexion_deg"),
    thomas(
        "contralateral_hip_flexion",
        "thomas_contralateral_hip_flexion_deg",
    ),
    thomas("trunk_tilt", "thomas_trunk_tilt_deg"),
    standing("pelvic_tilt", "standing_pelvic_tilt_deg"),
    standing("trunk_inclination", "standing_trunk_inclination_deg"),
    standing("standing_hip_flexion", "standing_hip_flexion_deg"),
    standing("knee_flexion", "standing_knee_flexion_deg"),
    standing("head_forward", "standing_head_forward_deg"),
    standing(
        "craniovertebral_angle",
        "standing_craniovertebral_angle_deg",
    ),
    standing("plumb_ear", "standing_plumb_ear_fraction_of_height"),
    standing(
        "plumb_shoulder",
        "standing_plumb_shoulder_fraction_of_height",
    ),
    standing("plumb_hip", "standing_plumb_hip_fraction_of_height"),
    standing("plumb_knee", "standing_plumb_knee_fraction_of_height"),
];

/// The columns before the measurements.
const LEADING: [&str; 8] = [
    "path",
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
    "posture_type",
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
    "width",
    "height",
    "error_kind",
    "error_message",
];

/// The header row.
fn header() -> Vec<String> {
    let mut header: Vec<String> = LEADING.map(String::from).to_vec();
    for column in &COLUMNS {
        header.push(column.header.to_string());
        if column.is_angle() {
            header.push(column.uncertainty_header());
        }
    }
    header.extend(TRAILING.map(String::from));
    header
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

    /// Writes one row: `cell` gives the cell under each header.
    fn row(&mut self, cell: impl Fn(&str) -> String) -> io::Result<()> {
        if !self.header_written {
            self.writer.write_record(&self.header)?;
            self.header_written = true;
        }
        self.writer
            .write_record(self.header.iter().map(|h| cell(h)))?;
        self.writer.flush()
    }
}

/// The cell of a measurement column (or of its uncertainty) for `a`: empty
/// when the photo shows another protocol, or the value was declined.
fn measurement_cell(a: &Analysis, header: &str) -> Option<String> {
    let (column, uncertainty) = COLUMNS.iter().find_map(|c| {
        if c.header == header {
            Some((c, false))
        } else if c.is_angle() && c.uncertainty_header() == header {
            Some((c, true))
        } else {
            None
        }
    })?;
    let m: Option<&Measurement> = (a.protocol.kind == column.protocol)
        .then(|| a.measurements.get(column.measurement))
        .flatten()
        .filter(|m| m.declined.is_none());
    Some(match (m, uncertainty) {
        (Some(m), false) => number(m.value_deg.or(m.value)),
        (Some(m), true) => number(m.uncertainty_deg),
        (None, _) => String::new(),
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
                    .filter(|m| m.declined.is_none())
            };
            match header {
                "path" => text_cell(&a.image.path),
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
                "posture_type" => standing("posture_type")
                    .and_then(|m| m.classification.clone())
                    .unwrap_or_default(),
                "findings" => joined(a.findings.iter().map(|f| f.id.as_str())),
                "borderline" => joined(a.borderline.iter().map(|b| b.id.as_str())),
                "unreliable" => joined(
                    a.measurements
                        .iter()
                        .filter(|(_, m)| m.unreliable.is_some())
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
                "warnings" => text_cell(&a.warnings.join("; ")),
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

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
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
            }
        }
        // The knee of each protocol has its own column.
        assert!(header.contains(&"thomas_knee_flexion_deg".to_string()));
        assert!(header.contains(&"standing_knee_flexion_deg".to_string()));
    }
}
