//! The visit document: what `sagitta visit --format json` writes for the
//! photos of one client on one date (standing, the Thomas test of each
//! leg): every photo's findings with its source, the left/right Thomas test
//! difference, one screening and one routine for the visit. It has its own
//! [`VISIT_SCHEMA_VERSION`], changed by the same rule as the analysis
//! document's.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Assessment, Asymmetry, Borderline, Finding, ImageInfo, ProtocolKind, Routine, ScreeningRecord,
    Side,
};

pub const VISIT_SCHEMA_VERSION: &str = "1.0";

/// The visit document (`sagitta visit --format json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Visit {
    pub schema_version: String,
    /// The client every photo belongs to; null when none recorded one.
    pub client: Option<String>,
    /// The visit's date, YYYY-MM-DD; null when no photo recorded one.
    pub date: Option<String>,
    /// The photos, in the order given; `index` counts from 1.
    pub photos: Vec<VisitPhoto>,
    /// Every photo's findings, each with the photo it came from.
    pub findings: Vec<VisitFinding>,
    /// The Thomas test of the left leg against the right, when both legs
    /// were tested (indices are those of `photos`).
    pub asymmetry: Vec<Asymmetry>,
    /// The visit's warning-sign screening: a yes recorded on any photo (or
    /// given to `visit`) is the client's on that date; `negative` only when
    /// every question was answered no.
    pub screening: ScreeningRecord,
    /// One routine planned from all photos' findings; withheld, with the
    /// referral, on any warning sign; absent when no photo was assessed.
    pub routine: Option<Routine>,
    pub warnings: Vec<String>,
    /// Keys of the works the document cites (`assets/references.toml`).
    pub references: Vec<String>,
}

/// One photo of the visit, as its saved analysis recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VisitPhoto {
    pub index: usize,
    /// The analysis file given on the command line.
    pub source: String,
    /// What it shows, in words: `standing`, `Thomas test, left leg`.
    pub label: String,
    pub image: ImageInfo,
    pub protocol: ProtocolKind,
    pub protocol_valid: bool,
    /// The Thomas test's test leg; null for other protocols.
    pub test_leg: Option<Side>,
    pub assessment: Assessment,
    /// Values within their uncertainty of a cut-off: re-check, no finding.
    pub borderline: Vec<Borderline>,
}

/// A finding and the photo it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VisitFinding {
    /// `index` of the photo.
    pub photo: usize,
    /// The photo's `label`.
    pub source: String,
    #[serde(flatten)]
    pub finding: Finding,
}
