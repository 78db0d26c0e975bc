//! The layout of `--format csv`: the measurement columns (each protocol's
//! measurements in columns of their own, so that `thomas_knee_flexion_deg` is
//! never the standing knee; each angle with its uncertainty beside it) and
//! the columns of the photo's record and outcome around them. Every column
//! is a typed value, so a cell is found by matching its column, never by
//! its header's text.

use schemars::JsonSchema;
use serde::Serialize;

use crate::schema::{MeasurementId, ProtocolKind};

/// What a CSV cell holds of its measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CsvCell {
    /// `value_deg`, else `value`.
    Value,
    /// `uncertainty_deg`, else `uncertainty` (in the value's unit).
    Uncertainty,
    Classification,
}

/// One measurement column of `--format csv`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct CsvColumn {
    pub header: &'static str,
    #[schemars(with = "String")]
    pub measurement: MeasurementId,
    pub cell: CsvCell,
    /// Filled only for photos of this protocol (`None`: any protocol).
    pub protocol: Option<ProtocolKind>,
}

/// A column of `measurement`, filled only for photos of its protocol: each
/// protocol's measurements have columns of their own, so a spreadsheet never
/// reads the Thomas test's knee as a standing knee.
const fn of(header: &'static str, measurement: MeasurementId, cell: CsvCell) -> CsvColumn {
    CsvColumn {
        header,
        measurement,
        cell,
        protocol: Some(measurement.protocol()),
    }
}

use CsvCell::{Classification, Uncertainty, Value};
use MeasurementId::*;

/// The measurement columns of `--format csv`, in order: the Thomas test,
/// then standing; every angle is followed by its uncertainty.
pub const CSV_COLUMNS: &[CsvColumn] = &[
    of("thomas_hip_extension_deg", HipExtension, Value),
    of(
        "thomas_hip_extension_uncertainty_deg",
        HipExtension,
        Uncertainty,
    ),
    of("thomas_knee_flexion_deg", ThomasKneeFlexion, Value),
    of(
        "thomas_knee_flexion_uncertainty_deg",
        ThomasKneeFlexion,
        Uncertainty,
    ),
    of(
        "thomas_contralateral_hip_flexion_deg",
        ContralateralHipFlexion,
        Value,
    ),
    of(
        "thomas_contralateral_hip_flexion_uncertainty_deg",
        ContralateralHipFlexion,
        Uncertainty,
    ),
    of("thomas_trunk_tilt_deg", TrunkTilt, Value),
    of("thomas_trunk_tilt_uncertainty_deg", TrunkTilt, Uncertainty),
    of("standing_pelvic_tilt_deg", PelvicTilt, Value),
    of(
        "standing_pelvic_tilt_uncertainty_deg",
        PelvicTilt,
        Uncertainty,
    ),
    of("standing_trunk_inclination_deg", TrunkInclination, Value),
    of(
        "standing_trunk_inclination_uncertainty_deg",
        TrunkInclination,
        Uncertainty,
    ),
    of("standing_hip_flexion_deg", StandingHipFlexion, Value),
    of(
        "standing_hip_flexion_uncertainty_deg",
        StandingHipFlexion,
        Uncertainty,
    ),
    of("standing_knee_flexion_deg", StandingKneeFlexion, Value),
    of(
        "standing_knee_flexion_uncertainty_deg",
        StandingKneeFlexion,
        Uncertainty,
    ),
    of("standing_head_forward_deg", HeadForward, Value),
    of(
        "standing_head_forward_uncertainty_deg",
        HeadForward,
        Uncertainty,
    ),
    of(
        "standing_craniovertebral_angle_deg",
        CraniovertebralAngle,
        Value,
    ),
    of(
        "standing_craniovertebral_angle_uncertainty_deg",
        CraniovertebralAngle,
        Uncertainty,
    ),
    of("standing_plumb_ear_fraction_of_height", PlumbEar, Value),
    of(
        "standing_plumb_ear_uncertainty_fraction_of_height",
        PlumbEar,
        Uncertainty,
    ),
    of(
        "standing_plumb_shoulder_fraction_of_height",
        PlumbShoulder,
        Value,
    ),
    of(
        "standing_plumb_shoulder_uncertainty_fraction_of_height",
        PlumbShoulder,
        Uncertainty,
    ),
    of("standing_plumb_hip_fraction_of_height", PlumbHip, Value),
    of(
        "standing_plumb_hip_uncertainty_fraction_of_height",
        PlumbHip,
        Uncertainty,
    ),
    of("standing_plumb_knee_fraction_of_height", PlumbKnee, Value),
    of(
        "standing_plumb_knee_uncertainty_fraction_of_height",
        PlumbKnee,
        Uncertainty,
    ),
    of(
        "standing_lumbar_lordosis_depth_fraction_of_trunk_length",
        LumbarLordosisDepth,
        Value,
    ),
    of(
        "standing_lumbar_lordosis_depth_uncertainty_fraction_of_trunk_length",
        LumbarLordosisDepth,
        Uncertainty,
    ),
    of(
        "standing_lumbar_lordosis_angle_deg",
        LumbarLordosisAngle,
        Value,
    ),
    of(
        "standing_lumbar_lordosis_angle_uncertainty_deg",
        LumbarLordosisAngle,
        Uncertainty,
    ),
    of(
        "standing_thoracic_kyphosis_depth_fraction_of_trunk_length",
        ThoracicKyphosisDepth,
        Value,
    ),
    of(
        "standing_thoracic_kyphosis_depth_uncertainty_fraction_of_trunk_length",
        ThoracicKyphosisDepth,
        Uncertainty,
    ),
    of(
        "standing_thoracic_kyphosis_angle_deg",
        ThoracicKyphosisAngle,
        Value,
    ),
    of(
        "standing_thoracic_kyphosis_angle_uncertainty_deg",
        ThoracicKyphosisAngle,
        Uncertainty,
    ),
    of(
        "standing_buttock_prominence_fraction_of_trunk_length",
        ButtockProminence,
        Value,
    ),
    of(
        "standing_buttock_prominence_uncertainty_fraction_of_trunk_length",
        ButtockProminence,
        Uncertainty,
    ),
    of(
        "standing_lower_abdomen_inclination_deg",
        LowerAbdomenInclination,
        Value,
    ),
    of(
        "standing_lower_abdomen_inclination_uncertainty_deg",
        LowerAbdomenInclination,
        Uncertainty,
    ),
    of("pelvic_pattern", PelvicPattern, Classification),
    of("posture_type", PostureType, Classification),
];

/// A column of the table that is not a measurement's: the photo and its
/// record, what was found, and the error of a photo that failed. Its header
/// is its name in snake case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Field {
    Path,
    Client,
    Date,
    Clinician,
    SideRecorded,
    Status,
    Assessment,
    Protocol,
    ProtocolValid,
    TestLeg,
    NearSide,
    Facing,
    PelvicTiltMethod,
    Findings,
    Borderline,
    Unreliable,
    AssessmentReasons,
    RoutineMinutes,
    RoutineWithheld,
    RoutineGeneral,
    Screening,
    Corrections,
    Warnings,
    Note,
    Width,
    Height,
    ErrorKind,
    ErrorMessage,
}

/// The columns before the measurements: the photo and its record
/// (`session`: client, date and clinician, and the side the clinician
/// named), then what was found.
const LEADING: [Field; 12] = [
    Field::Path,
    Field::Client,
    Field::Date,
    Field::Clinician,
    Field::SideRecorded,
    Field::Status,
    Field::Assessment,
    Field::Protocol,
    Field::ProtocolValid,
    Field::TestLeg,
    Field::NearSide,
    Field::Facing,
];

/// The columns after the measurements.
const TRAILING: [Field; 16] = [
    Field::PelvicTiltMethod,
    Field::Findings,
    Field::Borderline,
    Field::Unreliable,
    Field::AssessmentReasons,
    Field::RoutineMinutes,
    Field::RoutineWithheld,
    Field::RoutineGeneral,
    Field::Screening,
    Field::Corrections,
    Field::Warnings,
    Field::Note,
    Field::Width,
    Field::Height,
    Field::ErrorKind,
    Field::ErrorMessage,
];

/// One column of the table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Column {
    Field(Field),
    Measurement(&'static CsvColumn),
}

impl Column {
    pub fn header(self) -> &'static str {
        match self {
            Self::Field(field) => field.into(),
            Self::Measurement(column) => column.header,
        }
    }
}

/// Every column, in order.
pub fn columns() -> Vec<Column> {
    LEADING
        .into_iter()
        .map(Column::Field)
        .chain(CSV_COLUMNS.iter().map(Column::Measurement))
        .chain(TRAILING.into_iter().map(Column::Field))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::conventions::Quantity;

    #[test]
    fn csv_columns_are_unique_and_read_registered_measurements() {
        for (i, c) in CSV_COLUMNS.iter().enumerate() {
            assert!(CSV_COLUMNS[..i].iter().all(|o| o.header != c.header));
            let m = c.measurement.spec();
            // Units in names: a column of degrees ends in _deg, a fraction's
            // (value or uncertainty) in its unit.
            let degrees = m.quantity == Quantity::Angle;
            assert_eq!(c.header.ends_with("_deg"), degrees, "{}", c.header);
            if let Some(unit) = m.quantity.unit() {
                assert!(c.header.ends_with(unit), "{}", c.header);
            }
            assert_eq!(
                c.cell == CsvCell::Classification,
                m.quantity == Quantity::Class
            );
            assert_eq!(c.protocol, Some(c.measurement.protocol()));
        }
    }

    #[test]
    fn every_measurement_reaches_the_csv() {
        for &id in MeasurementId::ALL {
            assert!(CSV_COLUMNS.iter().any(|c| c.measurement == id), "{id:?}");
        }
    }
}
