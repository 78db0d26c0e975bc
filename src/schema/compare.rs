//! The compare document: what `sagitta compare --format json` writes for two
//! or more analyses of one client. It has its own [`COMPARE_SCHEMA_VERSION`],
//! changed by the same rule as the analysis document's.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{AssessmentStatus, Facing, ImageInfo, ModelKind, ProtocolKind, Session, Side};

pub const COMPARE_SCHEMA_VERSION: &str = "1.1";

/// The compare document (`sagitta compare --format json`): two or more
/// analyses of one client, before/after and left/right, each difference
/// judged against its minimal detectable change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Comparison {
    pub schema_version: String,
    /// The client every input belongs to; null when none recorded one.
    pub client: Option<String>,
    /// How the inputs were put in order (the first is the baseline).
    pub order: ComparisonOrder,
    /// The analyses compared, in that order; `index` counts from 1.
    pub inputs: Vec<ComparedInput>,
    /// Before/after: each later analysis of a protocol (and, for the Thomas
    /// test, of a test leg) against the first.
    pub changes: Vec<Change>,
    /// Left against right: Thomas tests of the two legs on the same day.
    pub asymmetry: Vec<Asymmetry>,
    /// Inputs that nothing could be compared with, and why.
    pub not_compared: Vec<NotCompared>,
    pub warnings: Vec<String>,
    /// Keys of the works the document cites (`assets/references.toml`).
    pub references: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonOrder {
    /// By the session date (every input has one); equal dates keep the order given.
    Date,
    /// As given on the command line (some input has no date).
    AsGiven,
}

/// Whether an input was a saved analysis or a photo analysed for the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    Analysis,
    Photo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ComparedInput {
    pub index: usize,
    /// The file given on the command line.
    pub source: String,
    pub kind: InputKind,
    pub image: ImageInfo,
    pub session: Session,
    pub protocol: ProtocolKind,
    pub protocol_valid: bool,
    pub assessment: AssessmentStatus,
    pub facing: Option<Facing>,
    /// The Thomas test's test leg; null for other protocols.
    pub test_leg: Option<Side>,
    /// The landmark model the measurements come from.
    pub model: ModelKind,
    /// The person's size in the photo as a fraction of the image height
    /// (ear to heel standing, hip to knee in the Thomas test): the camera
    /// distance and zoom, for the set-up check.
    pub body_scale: Option<f64>,
}

/// One later analysis against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Change {
    /// `index` of the baseline input.
    pub baseline: usize,
    /// `index` of the later input.
    pub follow_up: usize,
    pub protocol: ProtocolKind,
    pub test_leg: Option<Side>,
    /// How the camera set-up differs between the two photos (image size,
    /// distance, facing, model); empty when it matches.
    pub setup_differences: Vec<String>,
    /// What changed in kind: each call among classes (pelvic pattern,
    /// posture type) before and after (1.1).
    pub calls: Vec<CallChange>,
    /// Each finding of either analysis: persists, resolved or new (1.1).
    pub findings: Vec<FindingChange>,
    pub measurements: Vec<MeasurementChange>,
    pub skipped: Vec<Skipped>,
}

/// Whether a call kept its class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallStatus {
    Unchanged,
    Changed,
}

/// A call among classes before and after. A changed class is reported
/// whether or not the angle it rests on changed by more than its MDC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CallChange {
    /// The measurement that holds the call (`pelvic_pattern`, `posture_type`).
    pub call: String,
    /// The class before; null where the call was not made (declined).
    pub before: Option<String>,
    pub after: Option<String>,
    pub status: CallStatus,
    /// The angle the call rests on, before and after, with its judgement
    /// against its MDC; null for a call that rests on no single angle
    /// (posture type) or when that angle could not be compared (its reason
    /// is in `skipped`).
    pub angle: Option<MeasurementChange>,
}

/// What became of a finding between the two analyses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    /// In both.
    Persists,
    /// Before only.
    Resolved,
    /// After only.
    New,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FindingChange {
    pub finding: String,
    pub status: FindingStatus,
    /// Its evidence before (value and cut-off); null when absent before.
    pub before: Option<String>,
    /// Its evidence after; null when absent after.
    pub after: Option<String>,
}

/// A measurement before and after; `change_deg` = after - before, signed as
/// the measurement is (`measure::conventions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MeasurementChange {
    pub measurement: String,
    pub before_deg: f64,
    pub before_uncertainty_deg: f64,
    pub after_deg: f64,
    pub after_uncertainty_deg: f64,
    pub change_deg: f64,
    #[serde(flatten)]
    pub judgement: Judgement,
}

/// The Thomas test of the left leg against that of the right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Asymmetry {
    /// `index` of the input whose test leg is the left.
    pub left: usize,
    /// `index` of the input whose test leg is the right.
    pub right: usize,
    pub setup_differences: Vec<String>,
    pub measurements: Vec<MeasurementAsymmetry>,
    pub skipped: Vec<Skipped>,
}

/// A measurement of the left test leg against the right;
/// `difference_deg` = left - right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MeasurementAsymmetry {
    pub measurement: String,
    pub left_deg: f64,
    pub left_uncertainty_deg: f64,
    pub right_deg: f64,
    pub right_uncertainty_deg: f64,
    pub difference_deg: f64,
    #[serde(flatten)]
    pub judgement: Judgement,
}

/// Whether a difference between two measurements is more than their error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Judgement {
    /// The two uncertainties combined: sqrt(u1^2 + u2^2).
    pub combined_uncertainty_deg: f64,
    /// The minimal detectable change (95 %): a smaller difference may be
    /// measurement error alone.
    pub mdc_deg: f64,
    /// How `mdc_deg` was obtained (published figure, or derived from the
    /// stated uncertainties, and which was larger).
    pub mdc_basis: String,
    /// Reference keys `mdc_basis` cites.
    pub mdc_references: Vec<String>,
    /// The absolute difference is larger than `mdc_deg`.
    pub exceeds_mdc: bool,
}

/// A measurement left out of a comparison, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Skipped {
    pub measurement: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NotCompared {
    pub input: usize,
    pub reason: String,
}
