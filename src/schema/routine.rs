//! The routine as the document carries it: the exercises, their doses and
//! why each was chosen, or the referral that replaces them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RedFlag;

/// The parts of a routine, in the order a session runs them: unload the
/// lower back first (as the 12-minute routine does), loosen with rolling,
/// move, stretch, then strengthen.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Phase {
    Decompress,
    Release,
    Dynamic,
    Stretch,
    Strengthen,
}

impl Phase {
    pub fn name(self) -> &'static str {
        self.into()
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Level {
    Beginner,
    Intermediate,
    Advanced,
}

impl Level {
    pub fn name(self) -> &'static str {
        self.into()
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Sides {
    /// Done on the left and then on the right: the dose is per side.
    Each,
    /// Both sides at once (or not sided at all).
    Both,
}

impl Sides {
    pub fn count(self) -> u32 {
        match self {
            Self::Each => 2,
            Self::Both => 1,
        }
    }
}

/// A dose as plain numbers: one of a hold, repetitions or continuous work
/// per set (per side when the exercise is done on each side).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Amount {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_s: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reps: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_per_rep: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_s: Option<u32>,
    pub sets: u32,
}

impl Amount {
    /// Seconds of work in one set on one side.
    pub fn work_s(&self) -> u32 {
        let reps = self
            .reps
            .zip(self.seconds_per_rep)
            .map(|(reps, pace)| reps * pace);
        [self.hold_s, self.time_s, reps].into_iter().flatten().sum()
    }
}

/// The routine handed to the client, or the referral that replaces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Routine {
    /// True when a warning sign means: see a professional, don't exercise.
    pub withheld: bool,
    /// Why the routine is withheld and whom to see; null otherwise.
    pub referral: Option<String>,
    /// The warning signs that withheld it.
    pub red_flags: Vec<RedFlag>,
    /// The time asked for.
    pub budget_minutes: f64,
    /// The time the exercises take; never more than `budget_minutes`.
    pub total_minutes: f64,
    /// In session order.
    pub exercises: Vec<RoutineExercise>,
    /// What the rules asked for but the routine leaves out, and why.
    pub left_out: Vec<LeftOut>,
    /// The strengthening phase that follows, when the findings call for it.
    pub phase_two: Option<PhaseTwo>,
    /// How often to do it; null when withheld.
    pub frequency: Option<String>,
    /// Remarks on the plan as a whole (budget, findings without a rule).
    pub notes: Vec<String>,
    /// When to stop and seek help; for a withheld routine, the referral again,
    /// so that whatever prints it last ends with the referral.
    pub safety_note: String,
    /// True for a general routine asked for with `--general-routine` on a
    /// photo that could not be assessed: it is not based on the photo.
    #[serde(default)]
    pub general: bool,
    /// Whom the routine is for, and whom not (from the reference texts).
    #[serde(default)]
    pub scope: String,
    /// When to do it in the day (a break from sitting, before or after exercise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// Everyday advice that goes with it: breaking up long sitting, the workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_life: Option<String>,
    /// With a screening that was not asked: the warning-sign questions. Do
    /// the routine only if none of them applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub screening_questions: Vec<String>,
    /// Advanced exercises the findings call for, replaced in the first week
    /// by their easier form, and when to move on to them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub progressions: Vec<Progression>,
}

/// An advanced exercise that comes after its easier form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Progression {
    pub id: String,
    pub name: String,
    /// The easier form done instead until then.
    pub instead: String,
    /// When to move on to it.
    pub start: String,
    pub because: Vec<Because>,
}

/// One exercise of a routine, with its dose and why it is there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RoutineExercise {
    pub id: String,
    pub name: String,
    pub phase: Phase,
    pub level: Level,
    pub position: String,
    /// The muscles and structures it works, as the catalogue names them
    /// (schema 1.3; empty in older documents).
    #[serde(default)]
    pub targets: Vec<String>,
    pub sides: Sides,
    #[serde(flatten)]
    pub amount: Amount,
    /// The whole exercise, setup and switches included.
    pub duration_s: u32,
    /// The closing position of the routine.
    pub closing: bool,
    pub steps: Vec<String>,
    pub cautions: Vec<String>,
    /// Emphases the rules add.
    pub notes: Vec<String>,
    pub because: Vec<Because>,
}

/// What led to an exercise: a finding, and the rule that acted on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Because {
    /// The finding id; `none` for the maintenance routine.
    pub finding: String,
    /// The measurement behind the finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measurement: Option<String>,
    /// The finding's explanation: value and cut-off.
    pub evidence: String,
    pub rule: String,
    pub rationale: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LeftOut {
    pub id: String,
    pub name: String,
    pub closing: bool,
    pub duration_s: u32,
    pub reason: String,
}

/// Strengthening to add once the stretching phase has run its course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PhaseTwo {
    pub start_after: String,
    pub rationale: String,
    /// Planned, like the routine, within the budget.
    pub total_minutes: f64,
    pub exercises: Vec<RoutineExercise>,
    pub left_out: Vec<LeftOut>,
}
