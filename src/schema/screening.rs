//! The warning signs and the screening as the document records them.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A warning sign reported by the user. Any one withholds the routine.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RedFlag {
    RadiatingPain,
    NumbnessOrWeakness,
    RecentInjury,
    SharpPain,
    BladderBowelChange,
    NightPain,
    WorseningPain,
    NoImprovement,
}

impl RedFlag {
    /// Every warning sign, in the order the questions are asked.
    pub const ALL: [RedFlag; 8] = [
        Self::RadiatingPain,
        Self::NumbnessOrWeakness,
        Self::RecentInjury,
        Self::SharpPain,
        Self::BladderBowelChange,
        Self::NightPain,
        Self::WorseningPain,
        Self::NoImprovement,
    ];

    /// The snake_case name (`radiating_pain`), as the JSON and `--red-flag` spell it.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// What the sign is, in a line (the help of `--red-flag`).
    pub fn summary(self) -> &'static str {
        match self {
            Self::RadiatingPain => "Pain that travels into a buttock or along a leg",
            Self::NumbnessOrWeakness => "A leg that is numb, tingles or has lost strength",
            Self::RecentInjury => "The pain began with a recent injury",
            Self::SharpPain => "Sharp rather than dull pain",
            Self::BladderBowelChange => "Any change in bladder or bowel control",
            Self::NightPain => "Severe pain, or pain that wakes you at night",
            Self::WorseningPain => "Pain that gets worse during or after stretching",
            Self::NoImprovement => "No better after 2-3 weeks of practice every day",
        }
    }

    /// The warning sign of that exact name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|flag| flag.name() == name)
    }
}

impl fmt::Display for RedFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether the warning-sign questions were asked, and the answer.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ScreeningStatus {
    /// Not every question was answered and no warning sign was reported: the
    /// routine may be done only if none of the questions applies.
    #[default]
    NotAsked,
    /// Every question was answered, and the answer was no.
    Negative,
    /// At least one warning sign was reported: the routine is withheld.
    Positive,
}

/// The screening as the analysis records it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct ScreeningRecord {
    pub status: ScreeningStatus,
    /// The warning signs reported (empty unless `positive`).
    pub flags: Vec<RedFlag>,
    /// The questions that were not answered (with `not_asked`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unanswered: Vec<RedFlag>,
}
