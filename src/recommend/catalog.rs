//! The exercise catalogue: what each exercise is for, how it is done, and its
//! dose, every number credited to a reference text or marked as sagitta's own.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Problems;
use crate::schema::{Amount, Level, Phase, Sides};

/// The `source` of a number or a description that no reference text gives.
pub const SAGITTA_DEFAULT: &str = "sagitta default";

/// Upper bound for any one dose number: larger is a data error, and the
/// bound keeps every duration well inside `u32`.
const MAX_DOSE: u32 = 3600;

/// The exercise catalogue: the reference texts, the timing of a session and
/// the exercises with their doses (`sagitta catalog --format json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    #[serde(rename(deserialize = "source"))]
    pub sources: Vec<SourceText>,
    pub timing: Timing,
    #[serde(rename(deserialize = "exercise"))]
    pub exercises: Vec<Exercise>,
}

/// A reference text the catalogue and the rules cite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceText {
    /// Its key in assets/references.toml, which holds the full reference.
    pub id: String,
    pub title: String,
}

/// The time around the work itself, for every exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Timing {
    /// Getting into the starting position.
    pub setup_s: Sourced<u32>,
    /// Between two holds, sets or sides.
    pub switch_s: Sourced<u32>,
}

/// Where a description comes from: a source id, or [`SAGITTA_DEFAULT`] with a reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credit {
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A number and where it comes from: a source id, or [`SAGITTA_DEFAULT`] with a reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sourced<T> {
    pub value: T,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Stable snake_case id, used by the rules and in the routine.
    pub id: String,
    pub name: String,
    /// The exercise this one extends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_of: Option<String>,
    /// For an advanced exercise: the easier form that must come first. The
    /// routine gives the easier form in the first week and the advanced one
    /// as a progression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub easier_form: Option<String>,
    pub phase: Phase,
    pub level: Level,
    pub position: String,
    pub sides: Sides,
    /// Muscles and structures it works on.
    pub targets: Vec<String>,
    /// The ids of the texts that name it.
    pub sources: Vec<String>,
    /// Whether the steps follow a text's description.
    pub steps_source: Credit,
    pub steps: Vec<String>,
    pub dose: Dose,
    pub cautions: Vec<String>,
}

/// How much of an exercise: one of a hold, repetitions or continuous work,
/// per set and (for [`Sides::Each`]) per side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dose {
    /// A static hold, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_s: Option<Sourced<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reps: Option<Sourced<u32>>,
    /// How long one repetition takes; needed to time `reps`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds_per_rep: Option<Sourced<u32>>,
    /// Continuous work such as rolling, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_s: Option<Sourced<u32>>,
    pub sets: Sourced<u32>,
}

impl Dose {
    /// The numbers of this dose, with `sets` sets.
    pub fn amount(&self, sets: u32) -> Amount {
        let value = |number: &Option<Sourced<u32>>| number.as_ref().map(|n| n.value);
        Amount {
            hold_s: value(&self.hold_s),
            reps: value(&self.reps),
            seconds_per_rep: value(&self.seconds_per_rep),
            time_s: value(&self.time_s),
            sets,
        }
    }
}

impl Exercise {
    /// Seconds for the whole exercise with `sets` sets: setup, every bout
    /// (set × side) of work, and a switch between consecutive bouts.
    pub fn duration_s(&self, timing: &Timing, sets: u32) -> u32 {
        let bouts = sets * self.sides.count();
        let work = self.dose.amount(sets).work_s();
        timing.setup_s.value + bouts * work + bouts.saturating_sub(1) * timing.switch_s.value
    }
}

impl Catalog {
    pub fn exercise(&self, id: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|e| e.id == id)
    }

    pub fn source(&self, id: &str) -> Option<&SourceText> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// Checks a `source` field: a known text, or sagitta's default with a reason.
    pub(super) fn check_credit(
        &self,
        problems: &mut Problems,
        what: &dyn Fn() -> String,
        source: &str,
        reason: Option<&str>,
    ) {
        if source == SAGITTA_DEFAULT {
            problems.require(reason.is_some_and(|r| !r.trim().is_empty()), || {
                format!("{} is a \"{SAGITTA_DEFAULT}\" without a reason", what())
            });
        } else {
            problems.require(self.source(source).is_some(), || {
                format!("{} cites unknown source `{source}`", what())
            });
        }
    }

    /// Checks a list of source ids: at least one, each a known text.
    pub(super) fn check_sources(
        &self,
        problems: &mut Problems,
        what: impl Fn() -> String,
        sources: &[String],
    ) {
        problems.require(!sources.is_empty(), || {
            format!("{} names no source text", what())
        });
        for source in sources {
            problems.require(self.source(source).is_some(), || {
                format!("{} cites unknown source `{source}`", what())
            });
        }
    }

    /// Checks a number: its credit, and that it lies in `min..=MAX_DOSE`.
    pub(super) fn check_number(
        &self,
        problems: &mut Problems,
        what: &dyn Fn() -> String,
        number: &Sourced<u32>,
        min: u32,
    ) {
        self.check_credit(problems, what, &number.source, number.reason.as_deref());
        problems.require((min..=MAX_DOSE).contains(&number.value), || {
            format!("{} is {}, outside {min}..={MAX_DOSE}", what(), number.value)
        });
    }

    /// Checks that the catalogue is complete and consistent.
    pub(super) fn validate(&self) -> Problems {
        let mut problems = Problems::default();
        problems.require(!self.sources.is_empty(), || {
            "no [[source]] is defined".into()
        });
        problems.require(!self.exercises.is_empty(), || {
            "no [[exercise]] is defined".into()
        });
        problems.unique("source", self.sources.iter().map(|s| s.id.as_str()));
        problems.unique("exercise", self.exercises.iter().map(|e| e.id.as_str()));
        for source in &self.sources {
            problems.snake_case("source", &source.id);
            problems.not_blank(|| format!("source `{}` title", source.id), &source.title);
        }
        self.check_number(
            &mut problems,
            &|| "timing.setup_s".into(),
            &self.timing.setup_s,
            0,
        );
        self.check_number(
            &mut problems,
            &|| "timing.switch_s".into(),
            &self.timing.switch_s,
            0,
        );
        for exercise in &self.exercises {
            self.validate_exercise(&mut problems, exercise);
        }
        problems
    }

    fn validate_exercise(&self, problems: &mut Problems, exercise: &Exercise) {
        let id = &exercise.id;
        problems.snake_case("exercise", id);
        problems.not_blank(|| format!("exercise `{id}` name"), &exercise.name);
        problems.not_blank(|| format!("exercise `{id}` position"), &exercise.position);
        for (what, list) in [
            ("targets", &exercise.targets),
            ("steps", &exercise.steps),
            ("cautions", &exercise.cautions),
        ] {
            problems.require(!list.is_empty(), || {
                format!("exercise `{id}` has no {what}")
            });
            for entry in list {
                problems.not_blank(|| format!("an entry of exercise `{id}` {what}"), entry);
            }
        }
        self.check_sources(problems, || format!("exercise `{id}`"), &exercise.sources);
        let credit = &exercise.steps_source;
        self.check_credit(
            problems,
            &|| format!("exercise `{id}` steps_source"),
            &credit.source,
            credit.reason.as_deref(),
        );
        if let Some(parent) = &exercise.variant_of {
            problems.require(parent != id && self.exercise(parent).is_some(), || {
                format!("exercise `{id}` is a variant of unknown exercise `{parent}`")
            });
        }
        if let Some(easier) = &exercise.easier_form {
            let found = self.exercise(easier);
            problems.require(
                easier != id && found.is_some_and(|e| e.level != Level::Advanced),
                || format!("exercise `{id}` names `{easier}` as its easier form, which is unknown or advanced itself"),
            );
            problems.require(exercise.level == Level::Advanced, || {
                format!("exercise `{id}` has an easier form but is not advanced")
            });
        }
        self.validate_dose(problems, exercise);
    }

    fn validate_dose(&self, problems: &mut Problems, exercise: &Exercise) {
        let id = &exercise.id;
        let dose = &exercise.dose;
        let amounts = [&dose.hold_s, &dose.reps, &dose.time_s];
        problems.require(amounts.iter().filter(|a| a.is_some()).count() == 1, || {
            format!("exercise `{id}` dose needs exactly one of hold_s, reps, time_s")
        });
        problems.require(
            dose.reps.is_some() == dose.seconds_per_rep.is_some(),
            || format!("exercise `{id}` dose: reps and seconds_per_rep go together"),
        );
        let fields = [
            ("hold_s", dose.hold_s.as_ref()),
            ("reps", dose.reps.as_ref()),
            ("seconds_per_rep", dose.seconds_per_rep.as_ref()),
            ("time_s", dose.time_s.as_ref()),
            ("sets", Some(&dose.sets)),
        ];
        for (field, number) in fields {
            if let Some(number) = number {
                self.check_number(
                    problems,
                    &|| format!("exercise `{id}` dose.{field}"),
                    number,
                    1,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded() -> Catalog {
        toml::from_str(include_str!("../../assets/catalogue.toml")).unwrap()
    }

    fn problems(catalog: &Catalog) -> Vec<String> {
        catalog.validate().0
    }

    #[test]
    fn the_embedded_catalogue_is_valid() {
        assert_eq!(problems(&embedded()), Vec::<String>::new());
    }

    #[test]
    fn duration_counts_setup_bouts_and_switches() {
        let catalog = embedded();
        let kneeling = catalog.exercise("kneeling_hip_flexor_stretch").unwrap();
        // 2 sets x 2 sides of 30 s, 3 switches of 5 s, 15 s setup.
        assert_eq!(kneeling.duration_s(&catalog.timing, 2), 15 + 4 * 30 + 3 * 5);
        let swings = catalog.exercise("leg_swings").unwrap();
        assert_eq!(swings.dose.amount(1).work_s(), 10 * 2);
        let bridge = catalog.exercise("glute_bridge").unwrap();
        assert_eq!(bridge.duration_s(&catalog.timing, 1), 15 + 30);
    }

    #[test]
    fn names_match_the_data_spelling() {
        for phase in [
            Phase::Decompress,
            Phase::Release,
            Phase::Dynamic,
            Phase::Stretch,
            Phase::Strengthen,
        ] {
            assert_eq!(serde_json::to_value(phase).unwrap(), phase.name());
        }
        for level in [Level::Beginner, Level::Intermediate, Level::Advanced] {
            assert_eq!(serde_json::to_value(level).unwrap(), level.name());
        }
    }

    #[test]
    fn a_default_without_reason_and_an_unknown_source_are_rejected() {
        let mut catalog = embedded();
        catalog.exercises[0].dose.sets.reason = None;
        catalog.exercises[0].sources.push("blog".into());
        let found = problems(&catalog);
        assert!(
            found
                .iter()
                .any(|p| p.contains("dose.sets is a \"sagitta default\" without a reason")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("cites unknown source `blog`")),
            "{found:?}"
        );
    }

    #[test]
    fn a_dose_needs_exactly_one_amount() {
        let mut catalog = embedded();
        let dose = &mut catalog.exercises[0].dose;
        dose.time_s = dose.hold_s.clone();
        let found = problems(&catalog);
        assert!(
            found
                .iter()
                .any(|p| p.contains("exactly one of hold_s, reps, time_s")),
            "{found:?}"
        );

        let mut catalog = embedded();
        catalog.exercises[0].dose.hold_s.as_mut().unwrap().value = 0;
        assert!(
            problems(&catalog)
                .iter()
                .any(|p| p.contains("dose.hold_s is 0"))
        );
    }

    #[test]
    fn incomplete_entries_are_rejected() {
        let mut catalog = embedded();
        catalog.exercises[1].steps.clear();
        catalog.exercises[1].cautions = vec![" ".into()];
        catalog.exercises[2].variant_of = Some("nothing".into());
        let found = problems(&catalog);
        assert!(
            found.iter().any(|p| p.ends_with("has no steps")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|p| p.contains("cautions is empty")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("variant of unknown exercise `nothing`")),
            "{found:?}"
        );
    }

    #[test]
    fn unknown_fields_are_syntax_errors() {
        let text = include_str!("../../assets/catalogue.toml")
            .replace("level = \"beginner\"", "levle = \"beginner\"");
        let error = toml::from_str::<Catalog>(&text).unwrap_err().to_string();
        assert!(error.contains("levle"), "{error}");
    }
}
