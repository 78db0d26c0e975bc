//! From measurements to findings, and from findings to an exercise routine.
//!
//! The catalogue (`assets/catalogue.toml`) and the rules (`assets/rules.toml`)
//! are data, embedded in the binary and replaceable by files; this module
//! loads them, checks them against each other, and applies them:
//!
//! - [`Recommender::findings`] turns the measurements of a valid protocol into
//!   [`Finding`]s, by the cut-offs in the rules (each with its citation);
//! - [`Recommender::plan`] turns findings into a [`Routine`] that fits a time
//!   budget, or withholds it when the [`Screening`] raised a red flag.
//!
//! Planning is deterministic: the same findings, screening and budget always
//! give the same routine.
//!
//! # Screening file (`--screening FILE`)
//!
//! A JSON object. Each red flag may be given as a key with a boolean, and/or
//! listed by name in a `red_flags` array; a flag is raised when it is `true`
//! or listed. Any other key, or a value of the wrong type, is an error that
//! names the file and the key.
//!
//! ```json
//! {
//!   "radiating_pain": false,
//!   "night_pain": true,
//!   "red_flags": ["sharp_pain"]
//! }
//! ```
//!
//! The names: `radiating_pain`, `numbness_or_weakness`, `recent_injury`,
//! `sharp_pain`, `bladder_bowel_change`, `night_pain`, `worsening_pain`,
//! `no_improvement` (the same as `--red-flag NAME`).
//!
//! A file that raises no flag counts as a negative screening only when it
//! answers all eight; otherwise the screening is `not_asked` and the routine
//! lists the questions ([`ScreeningStatus`]).

mod catalog;
mod plan;
mod rules;
mod screening;
mod text;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

pub use catalog::{Catalog, Credit, Dose, Exercise, SAGITTA_DEFAULT, SourceText, Sourced, Timing};
pub use rules::{
    Condition, Direction, FindingRule, Outcome, PhaseTwoRule, Quantity, RedFlagRule,
    RoutineGuidance, Rule, RuleItem, Rules,
};
pub use screening::Screening;
pub use text::{
    SUMMARY_WIDTH, dose_text, mmss, wrap, write_catalog_text, write_routine_summary,
    write_routine_text, write_wrapped,
};

use crate::error::RecommendError;
use crate::schema::{Borderline, Finding, Measurement, Protocol, RedFlag, Routine};

/// The session length when none is asked for: that of the reference routine
/// (`routine_12min`).
pub const DEFAULT_MINUTES: f64 = 12.0;

const EMBEDDED_CATALOG: &str = include_str!("../../assets/catalogue.toml");
const EMBEDDED_RULES: &str = include_str!("../../assets/rules.toml");

/// The catalogue and the rules, loaded and checked against each other.
#[derive(Debug, Clone)]
pub struct Recommender {
    catalog: Catalog,
    rules: Rules,
}

impl Recommender {
    /// The catalogue and rules built into the binary.
    pub fn embedded() -> Result<Self, RecommendError> {
        Self::load(None, None)
    }

    /// Loads the catalogue and the rules from files; `None` takes the
    /// embedded one. The rules are checked against the catalogue they will use.
    pub fn load(catalog: Option<&Path>, rules: Option<&Path>) -> Result<Self, RecommendError> {
        let catalog_doc = Document::open(catalog, "assets/catalogue.toml", EMBEDDED_CATALOG)?;
        let catalog: Catalog = catalog_doc.parse_toml()?;
        catalog.validate().finish(&catalog_doc.origin)?;

        let rules_doc = Document::open(rules, "assets/rules.toml", EMBEDDED_RULES)?;
        let rules: Rules = rules_doc.parse_toml()?;
        rules.validate(&catalog).finish(&rules_doc.origin)?;
        Ok(Self { catalog, rules })
    }

    /// What the rules make of the measurements: findings, borderline values,
    /// and the measurements the rules read that could not be judged (with
    /// the reason). Nothing unless the protocol is valid; only the rules
    /// written for this protocol apply. In the order of the rules file.
    pub fn evaluate(
        &self,
        protocol: &Protocol,
        measurements: &BTreeMap<String, Measurement>,
    ) -> Evaluation {
        let mut evaluation = Evaluation::default();
        if !protocol.valid {
            return evaluation;
        }
        for rule in self
            .rules
            .findings
            .iter()
            .filter(|rule| rule.protocol == protocol.kind)
        {
            let name = &rule.measurement;
            let Some(measurement) = measurements.get(name) else {
                push_unique(
                    &mut evaluation.unassessed,
                    Unassessed::new(name, "not measured"),
                );
                continue;
            };
            match rule.judge(measurement) {
                Outcome::Finding(finding) => evaluation.findings.push(finding),
                Outcome::Borderline(borderline) => evaluation.borderline.push(borderline),
                Outcome::Clear => {}
                Outcome::Unassessable => {
                    let reason = measurement.unusable_reason().unwrap_or("not usable");
                    push_unique(&mut evaluation.unassessed, Unassessed::new(name, reason));
                }
            }
        }
        evaluation.read = self
            .rules
            .findings
            .iter()
            .filter(|rule| rule.protocol == protocol.kind)
            .map(|rule| rule.measurement.clone())
            .fold(Vec::new(), |mut names, name| {
                push_unique(&mut names, name);
                names
            });
        evaluation
    }

    /// The findings the measurements support (see [`Recommender::evaluate`]).
    pub fn findings(
        &self,
        protocol: &Protocol,
        measurements: &BTreeMap<String, Measurement>,
    ) -> Vec<Finding> {
        self.evaluate(protocol, measurements).findings
    }

    /// The routine for these findings within `minutes` (a non-positive or
    /// non-finite budget fits nothing), or the referral that replaces it.
    /// `general`: a routine not based on any photo (the findings are ignored).
    pub fn plan(
        &self,
        findings: &[Finding],
        screening: &Screening,
        minutes: f64,
        general: bool,
    ) -> Routine {
        self.plan_with(findings, &[], screening, minutes, general)
    }

    /// As [`Recommender::plan`], and what a rule avoids for a finding that
    /// is only `borderline` (ids) is left out too until it is re-checked.
    pub fn plan_with(
        &self,
        findings: &[Finding],
        borderline: &[String],
        screening: &Screening,
        minutes: f64,
        general: bool,
    ) -> Routine {
        plan::plan(
            &self.catalog,
            &self.rules,
            findings,
            screening,
            minutes,
            general,
            borderline,
        )
    }

    /// The warning-sign questions, in the order of the rules file.
    pub fn questions(&self) -> Vec<(RedFlag, String)> {
        self.rules
            .red_flags
            .iter()
            .map(|entry| (entry.id, entry.question.clone()))
            .collect()
    }

    /// The measurements with their `classification`, `borderline` and
    /// `reference` from the finding rules written for it under this protocol:
    /// the ids of the rules it clearly meets, else `borderline` when it lies
    /// within its uncertainty of a cut-off, else `within_cutoffs`. With an
    /// invalid protocol nothing is classified and classes the measure stage
    /// set are removed. Measurements no rule covers, declined and unreliable
    /// ones get no classification.
    pub fn classify(
        &self,
        protocol: &Protocol,
        mut measurements: BTreeMap<String, Measurement>,
    ) -> BTreeMap<String, Measurement> {
        for (name, measurement) in measurements.iter_mut() {
            let Some(measurement) = measurement.reading_mut() else {
                continue;
            };
            if !protocol.valid || measurement.unreliable.is_some() {
                measurement.classification = None;
                measurement.borderline.clear();
                continue;
            }
            let applicable: Vec<&FindingRule> = self
                .rules
                .findings
                .iter()
                .filter(|rule| rule.protocol == protocol.kind && &rule.measurement == name)
                .collect();
            if applicable.is_empty() {
                continue;
            }
            let mut references: Vec<&str> = applicable
                .iter()
                .map(|rule| rule.reference.as_str())
                .collect();
            references.dedup();
            // Classes set by the measure stage (posture_type) stay as they are.
            if measurement.classification.is_some() {
                measurement.reference.get_or_insert(references.join("; "));
                continue;
            }
            let mut met = Vec::new();
            let mut near = Vec::new();
            for rule in &applicable {
                match rule.judge_reading(measurement) {
                    Outcome::Finding(_) => met.push(rule.id.clone()),
                    Outcome::Borderline(_) => near.push(rule.id.clone()),
                    Outcome::Clear | Outcome::Unassessable => {}
                }
            }
            measurement.classification = Some(if !met.is_empty() {
                met.join(",")
            } else if !near.is_empty() {
                "borderline".to_string()
            } else {
                "within_cutoffs".to_string()
            });
            measurement.borderline = near;
            measurement.reference = Some(references.join("; "));
        }
        measurements
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }
}

/// What the rules make of one photo's measurements.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub borderline: Vec<Borderline>,
    /// Measurements the rules read that could not be judged, each with why.
    pub unassessed: Vec<Unassessed>,
    /// The measurements the rules of this protocol read.
    pub read: Vec<String>,
}

/// A measurement the rules read that they could not judge; shown as
/// `name: reason` among the assessment's reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unassessed {
    pub measurement: String,
    pub reason: String,
}

impl Unassessed {
    fn new(measurement: &str, reason: &str) -> Self {
        Self {
            measurement: measurement.to_string(),
            reason: reason.to_string(),
        }
    }
}

impl std::fmt::Display for Unassessed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.measurement, self.reason)
    }
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// A data file's text and how messages name it.
struct Document {
    origin: String,
    text: Cow<'static, str>,
}

impl Document {
    fn open(
        path: Option<&Path>,
        asset: &str,
        embedded: &'static str,
    ) -> Result<Self, RecommendError> {
        let Some(path) = path else {
            return Ok(Self {
                origin: format!("{asset} (embedded)"),
                text: Cow::Borrowed(embedded),
            });
        };
        let origin = path.display().to_string();
        // A regular file of limited size, never a FIFO or a device.
        match crate::input::read_document(path) {
            Ok(text) => Ok(Self {
                origin,
                text: Cow::Owned(text),
            }),
            Err(source) => Err(RecommendError::Read { origin, source }),
        }
    }

    fn parse_toml<T: serde::de::DeserializeOwned>(&self) -> Result<T, RecommendError> {
        toml::from_str(&self.text).map_err(|error| RecommendError::Syntax {
            origin: self.origin.clone(),
            // TOML errors quote the offending line: keep it short.
            message: crate::input::shorten_message(error.to_string().trim_end()),
        })
    }
}

/// Collects every problem a check finds, so one run reports them all.
#[derive(Debug, Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, problem: String) {
        // Problems may quote the input (ids, keys): never at length.
        self.0.push(crate::input::shorten_message(&problem));
    }

    fn require(&mut self, ok: bool, problem: impl FnOnce() -> String) {
        if !ok {
            self.push(problem());
        }
    }

    /// A problem for each id that occurs more than once.
    fn unique<'a>(&mut self, what: &str, ids: impl IntoIterator<Item = &'a str>) {
        let mut seen = std::collections::BTreeSet::new();
        for id in ids {
            self.require(seen.insert(id), || {
                format!("{what} `{id}` is defined more than once")
            });
        }
    }

    fn snake_case(&mut self, what: &str, id: &str) {
        let ok = id.starts_with(|c: char| c.is_ascii_lowercase())
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        self.require(ok, || format!("{what} id `{id}` is not snake_case"));
    }

    fn not_blank(&mut self, what: impl FnOnce() -> String, text: &str) {
        self.require(!text.trim().is_empty(), || format!("{} is empty", what()));
    }

    fn finish(self, origin: &str) -> Result<(), RecommendError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(RecommendError::Invalid {
                origin: origin.to_string(),
                problems: self.0,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_loads_and_validates() {
        let recommender = Recommender::embedded().expect("embedded data is valid");
        assert!(recommender.catalog().exercises.len() >= 16);
    }

    #[test]
    fn a_missing_file_is_named_in_the_error() {
        let error = Recommender::load(Some(Path::new("/nonexistent/cat.toml")), None).unwrap_err();
        assert!(matches!(error, RecommendError::Read { .. }));
        assert!(
            error
                .to_string()
                .starts_with("/nonexistent/cat.toml: cannot read"),
            "{error}"
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_origin() {
        let mut problems = Problems::default();
        problems.unique("exercise", ["a", "b", "a"]);
        problems.snake_case("exercise", "Bad-Id");
        problems.not_blank(|| "name".to_string(), "  ");
        let error = problems.finish("x.toml").unwrap_err().to_string();
        assert_eq!(
            error,
            "x.toml: exercise `a` is defined more than once; exercise id `Bad-Id` is not snake_case; name is empty"
        );
    }
}
