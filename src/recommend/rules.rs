//! The rules: cut-offs that turn measurements into findings, the exercises
//! each finding calls for, and the texts of the safety screening.

use serde::Deserialize;

use super::Problems;
use super::catalog::{Catalog, Sourced};
use crate::schema::{
    Borderline, Finding, Measurement, MeasurementId, ProtocolKind, Reading, RedFlag, Severity,
};

/// Priorities run from 1 (kept first when time is short) to 9 (dropped first).
const PRIORITIES: std::ops::RangeInclusive<u8> = 1..=9;

/// Put before the reference of a finding whose cut-off no study validates.
const HEURISTIC: &str = "heuristic cut-off, not validated";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub routine: RoutineGuidance,
    #[serde(rename = "red_flag")]
    pub red_flags: Vec<RedFlagRule>,
    #[serde(rename = "finding")]
    pub findings: Vec<FindingRule>,
    #[serde(rename = "rule")]
    pub rules: Vec<Rule>,
    /// What to do when no rule fires.
    pub maintenance: Rule,
    pub phase_two: PhaseTwoRule,
}

/// What every routine says, whatever the findings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutineGuidance {
    /// How often to do it.
    pub frequency: String,
    /// When to stop and seek help.
    pub safety_note: String,
    /// Whom the routine is for and whom not.
    pub scope: String,
    /// When in the day to do it.
    pub when: String,
    /// Everyday advice that goes with it (sitting breaks, the workspace).
    pub daily_life: String,
    pub sources: Vec<String>,
}

/// The referral for one red flag.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedFlagRule {
    pub id: RedFlag,
    /// Care is needed at once, not at the next appointment.
    #[serde(default)]
    pub urgent: bool,
    /// Why the routine is withheld and whom to see.
    pub referral: String,
    /// The question that asks for this warning sign (yes = raised).
    pub question: String,
    pub sources: Vec<String>,
}

/// A cut-off on one measurement of one protocol, and the finding it gives.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingRule {
    pub id: String,
    pub protocol: ProtocolKind,
    pub measurement: String,
    pub when: Condition,
    pub severity: Severity,
    /// No study validates the cut-off; the finding's reference says so.
    #[serde(default)]
    pub heuristic: bool,
    pub reference: String,
    /// The finding's one-line explanation, with `{placeholders}`.
    pub because: String,
    /// How to re-check a borderline value by hand (instrument and test).
    #[serde(default)]
    pub recheck: Option<String>,
}

/// What a measurement must show for a finding.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawCondition")]
pub enum Condition {
    /// A number strictly beyond a cut-off. An angle's bound nearest the
    /// cut-off (value ∓ uncertainty_deg) must be beyond it, always;
    /// `clear_evidence` is still accepted from older rules files and says so
    /// explicitly.
    Threshold {
        quantity: Quantity,
        direction: Direction,
        cutoff: f64,
        clear_evidence: bool,
    },
    /// A categorical measurement equal to this class.
    Classification(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// `Measurement::value_deg`.
    ValueDeg,
    /// `Measurement::value` (ratios, fractions).
    Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Above,
    Below,
}

/// The TOML form of a [`Condition`]: exactly one field besides `clear_evidence`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    value_deg_above: Option<f64>,
    value_deg_below: Option<f64>,
    value_above: Option<f64>,
    value_below: Option<f64>,
    classification: Option<String>,
    #[serde(default)]
    clear_evidence: bool,
}

impl TryFrom<RawCondition> for Condition {
    type Error = String;

    fn try_from(raw: RawCondition) -> Result<Self, String> {
        use {Direction::*, Quantity::*};
        let clear_evidence = raw.clear_evidence;
        let thresholds = [
            (ValueDeg, Above, raw.value_deg_above),
            (ValueDeg, Below, raw.value_deg_below),
            (Value, Above, raw.value_above),
            (Value, Below, raw.value_below),
        ];
        let mut conditions: Vec<Condition> = thresholds
            .into_iter()
            .filter_map(|(quantity, direction, cutoff)| {
                cutoff.map(|cutoff| Condition::Threshold {
                    quantity,
                    direction,
                    cutoff,
                    clear_evidence,
                })
            })
            .chain(raw.classification.map(Condition::Classification))
            .collect();
        if conditions.len() != 1 {
            return Err(
                "`when` needs exactly one of value_deg_above, value_deg_below, \
                        value_above, value_below, classification"
                    .into(),
            );
        }
        let condition = conditions.remove(0);
        match &condition {
            Condition::Threshold { cutoff, .. } if !cutoff.is_finite() => {
                Err(format!("the cut-off {cutoff} is not a finite number"))
            }
            Condition::Threshold {
                quantity: ValueDeg, ..
            } => Ok(condition),
            _ if clear_evidence => Err(
                "clear_evidence needs a value_deg cut-off: only angles carry an uncertainty".into(),
            ),
            _ => Ok(condition),
        }
    }
}

impl Direction {
    fn passes(self, x: f64, cutoff: f64) -> bool {
        match self {
            Self::Above => x > cutoff,
            Self::Below => x < cutoff,
        }
    }
}

impl Condition {
    /// The placeholders a `because` template may use with this condition.
    fn placeholders(&self) -> &'static [&'static str] {
        match self {
            Self::Threshold {
                quantity: Quantity::ValueDeg,
                ..
            } => &["value", "cutoff", "uncertainty", "bound"],
            Self::Threshold { .. } => &["value", "cutoff"],
            Self::Classification(_) => &["classification"],
        }
    }

    /// Whether the measurement meets the condition, with the placeholder
    /// values. Missing or non-finite values never meet it. An angle is tested
    /// at its bound nearest the cut-off (value -/+ `uncertainty_deg`), and a
    /// value that meets the cut-off only within its uncertainty, or misses it
    /// by less than its uncertainty, is borderline.
    fn test(&self, m: &Reading) -> Test {
        match self {
            Self::Classification(class) => {
                let fields = vec![("classification", class.clone())];
                if m.classification.as_deref() == Some(class) {
                    Test::Met(fields)
                } else if m.borderline.contains(class) {
                    Test::Borderline(fields)
                } else {
                    Test::Clear
                }
            }
            Self::Threshold {
                quantity: Quantity::Value,
                direction,
                cutoff,
                ..
            } => {
                let Some(value) = m.value else {
                    return Test::Clear;
                };
                let unit = m.unit.as_deref();
                if direction.passes(value, *cutoff) {
                    Test::Met(vec![
                        ("value", number(value, unit)),
                        ("cutoff", number(*cutoff, unit)),
                    ])
                } else {
                    Test::Clear
                }
            }
            Self::Threshold {
                quantity: Quantity::ValueDeg,
                direction,
                cutoff,
                ..
            } => {
                let Some(value) = m.value_deg else {
                    return Test::Clear;
                };
                // An uncertainty that is NaN makes every comparison false: no finding.
                let margin = m.uncertainty_deg.unwrap_or(0.0).abs();
                let bound = match direction {
                    Direction::Above => value - margin,
                    Direction::Below => value + margin,
                };
                let fields = vec![
                    ("value", degrees(value)),
                    ("cutoff", degrees(*cutoff)),
                    ("uncertainty", degrees(margin)),
                    ("bound", degrees(bound)),
                ];
                if direction.passes(bound, *cutoff) {
                    Test::Met(fields)
                } else if margin > 0.0 && (value - cutoff).abs() <= margin {
                    Test::Borderline(fields)
                } else {
                    Test::Clear
                }
            }
        }
    }
}

/// What a condition makes of a measurement.
enum Test {
    Met(Vec<(&'static str, String)>),
    Borderline(Vec<(&'static str, String)>),
    Clear,
}

/// What a finding rule makes of a measurement.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Finding(Finding),
    /// Within the measurement's uncertainty of the cut-off: shown, with
    /// advice to re-check, but not a finding.
    Borderline(Borderline),
    /// Clearly on the near side of the cut-off.
    Clear,
    /// The measurement cannot be judged (declined or unreliable).
    Unassessable,
}

fn degrees(x: f64) -> String {
    format!("{x:.1}°")
}

fn number(x: f64, unit: Option<&str>) -> String {
    match unit {
        Some(unit) => format!("{x:.3} {unit}"),
        None => format!("{x:.3}"),
    }
}

/// Advice on a borderline value when the rule gives none.
const DEFAULT_RECHECK: &str =
    "re-check by hand with a goniometer or an inclinometer before acting on it";

impl FindingRule {
    /// The finding, when the measurement clearly meets the condition; a
    /// declined or unreliable measurement never does.
    pub fn evaluate(&self, measurement: &Measurement) -> Option<Finding> {
        match self.judge(measurement) {
            Outcome::Finding(finding) => Some(finding),
            _ => None,
        }
    }

    fn reference_text(&self) -> String {
        if self.heuristic {
            format!("{HEURISTIC}; {}", self.reference)
        } else {
            self.reference.clone()
        }
    }

    /// The finding, the borderline value, or neither.
    pub fn judge(&self, measurement: &Measurement) -> Outcome {
        match measurement.usable() {
            Some(reading) => self.judge_reading(reading),
            None => Outcome::Unassessable,
        }
    }

    /// [`judge`](Self::judge) for a value the rules may read.
    pub fn judge_reading(&self, measurement: &Reading) -> Outcome {
        let fill = |fields: &[(&'static str, String)]| {
            fields
                .iter()
                .fold(self.because.clone(), |text, (name, value)| {
                    text.replace(&format!("{{{name}}}"), value)
                })
        };
        match self.when.test(measurement) {
            Test::Met(fields) => Outcome::Finding(Finding {
                id: self.id.clone(),
                severity: self.severity,
                because: fill(&fields),
                measurement: Some(self.measurement.clone()),
                reference: Some(self.reference_text()),
            }),
            Test::Borderline(fields) => {
                let value = |name: &str| {
                    fields
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, v)| v.as_str())
                };
                let because = match (value("value"), value("uncertainty"), value("cutoff")) {
                    (Some(v), Some(u), Some(c)) => format!(
                        "{} {v} (±{u}) is within its uncertainty of the {c} cut-off for {}: neither a finding nor clearly normal",
                        self.measurement,
                        self.id.replace('_', " ")
                    ),
                    _ => format!(
                        "{} is within the measurement uncertainty of {}: neither a finding nor clearly normal",
                        self.measurement,
                        value("classification")
                            .unwrap_or(&self.id)
                            .replace('_', " ")
                    ),
                };
                Outcome::Borderline(Borderline {
                    id: self.id.clone(),
                    measurement: self.measurement.clone(),
                    because,
                    recheck: self
                        .recheck
                        .clone()
                        .unwrap_or_else(|| DEFAULT_RECHECK.to_string()),
                    reference: Some(self.reference_text()),
                })
            }
            Test::Clear => Outcome::Clear,
        }
    }
}

/// The `{name}` placeholders of a template, or `None` when a brace is left open.
fn placeholders(template: &str) -> Option<Vec<&str>> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        names.push(&after[..close]);
        rest = &after[close + 1..];
    }
    Some(names)
}

/// Findings -> exercises. Fires when any of `findings` is present.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    /// Empty only for the maintenance rule.
    #[serde(default)]
    pub findings: Vec<String>,
    /// One line: why these exercises for these findings.
    pub rationale: String,
    pub sources: Vec<String>,
    /// Whether the routine offers phase two.
    #[serde(default)]
    pub phase_two: bool,
    /// Exercises to keep out of the routine, whichever rule adds them.
    #[serde(default)]
    pub avoid: Vec<String>,
    pub items: Vec<RuleItem>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleItem {
    pub exercise: String,
    /// 1 is kept first when time is short, 9 dropped first.
    pub priority: u8,
    /// Placed at the end of the routine (the closing decompression).
    #[serde(default)]
    pub closing: bool,
    /// Replaces the catalogue's set count.
    #[serde(default)]
    pub sets: Option<Sourced<u32>>,
    /// An emphasis shown with the exercise.
    #[serde(default)]
    pub note: Option<String>,
    /// The exercise acts on the cause of the rule's findings (the short
    /// muscle's stretch), not only on their comfort: a short budget plans it
    /// before every exercise that does not, and says which finding is left
    /// without one when none fits.
    #[serde(default)]
    pub addresses: bool,
}

/// The strengthening phase that follows the stretching phase.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseTwoRule {
    pub id: String,
    /// When to start, e.g. after 2-3 weeks of stretching every day.
    pub start_after: String,
    pub rationale: String,
    pub sources: Vec<String>,
    pub items: Vec<RuleItem>,
}

impl Rules {
    /// Checks the rules and that everything they name exists in `catalog`.
    pub(super) fn validate(&self, catalog: &Catalog) -> Problems {
        let mut problems = Problems::default();
        let guidance = &self.routine;
        problems.not_blank(|| "routine.frequency".into(), &guidance.frequency);
        problems.not_blank(|| "routine.safety_note".into(), &guidance.safety_note);
        problems.not_blank(|| "routine.scope".into(), &guidance.scope);
        problems.not_blank(|| "routine.when".into(), &guidance.when);
        problems.not_blank(|| "routine.daily_life".into(), &guidance.daily_life);
        catalog.check_sources(&mut problems, || "routine".into(), &guidance.sources);
        self.validate_red_flags(&mut problems, catalog);
        self.validate_findings(&mut problems);

        let ids = self
            .rules
            .iter()
            .chain([&self.maintenance])
            .map(|r| r.id.as_str());
        problems.unique("rule", ids.chain([self.phase_two.id.as_str()]));
        for rule in &self.rules {
            problems.require(!rule.findings.is_empty(), || {
                format!("rule `{}` names no finding", rule.id)
            });
            self.validate_rule(&mut problems, catalog, rule);
        }
        problems.require(self.maintenance.findings.is_empty(), || {
            "the maintenance rule fires when no other does, so it names no finding".into()
        });
        self.validate_rule(&mut problems, catalog, &self.maintenance);

        let phase_two = &self.phase_two;
        problems.snake_case("rule", &phase_two.id);
        problems.not_blank(|| "phase_two.start_after".into(), &phase_two.start_after);
        problems.not_blank(|| "phase_two.rationale".into(), &phase_two.rationale);
        catalog.check_sources(&mut problems, || "phase_two".into(), &phase_two.sources);
        validate_items(&mut problems, catalog, &phase_two.id, &phase_two.items);
        problems
    }

    fn validate_red_flags(&self, problems: &mut Problems, catalog: &Catalog) {
        for flag in &RedFlag::ALL {
            let entries = self
                .red_flags
                .iter()
                .filter(|entry| entry.id == *flag)
                .count();
            problems.require(entries == 1, || {
                format!("red flag `{flag}` needs exactly one [[red_flag]] entry, found {entries}")
            });
        }
        for entry in &self.red_flags {
            problems.not_blank(
                || format!("red flag `{}` referral", entry.id),
                &entry.referral,
            );
            problems.not_blank(
                || format!("red flag `{}` question", entry.id),
                &entry.question,
            );
            catalog.check_sources(
                problems,
                || format!("red flag `{}`", entry.id),
                &entry.sources,
            );
        }
    }

    fn validate_findings(&self, problems: &mut Problems) {
        problems.unique("finding", self.findings.iter().map(|f| f.id.as_str()));
        for finding in &self.findings {
            let id = &finding.id;
            problems.snake_case("finding", id);
            problems.snake_case("measurement", &finding.measurement);
            problems.require(finding.protocol != ProtocolKind::Unsupported, || {
                format!("finding `{id}` is for the unsupported protocol, which has no measurements")
            });
            // Read back with the protocol's help: `knee_flexion` is a
            // measurement of both protocols, `hip_extension` of one.
            problems.require(
                finding.protocol == ProtocolKind::Unsupported
                    || MeasurementId::from_name(&finding.measurement, finding.protocol).is_some(),
                || {
                    let protocol: &str = finding.protocol.into();
                    format!(
                        "finding `{id}` reads {}, which is not a measurement of {protocol} (`sagitta measurements` lists them)",
                        finding.measurement
                    )
                },
            );
            problems.not_blank(|| format!("finding `{id}` reference"), &finding.reference);
            problems.require(
                !crate::references::cited_in(&finding.reference).is_empty(),
                || format!("finding `{id}` reference cites no key of assets/references.toml"),
            );
            problems.not_blank(|| format!("finding `{id}` because"), &finding.because);
            let allowed = finding.when.placeholders();
            match placeholders(&finding.because) {
                None => problems.push(format!("finding `{id}` because has an unclosed `{{`")),
                Some(names) => {
                    for name in names {
                        problems.require(allowed.contains(&name), || {
                            format!(
                                "finding `{id}` because uses {{{name}}}; this condition allows {}",
                                allowed.join(", ")
                            )
                        });
                    }
                }
            }
            let used = self.rules.iter().any(|rule| rule.findings.contains(id));
            problems.require(used, || format!("finding `{id}` is used by no rule"));
            let addressed = self.rules.iter().any(|rule| {
                rule.findings.contains(id) && rule.items.iter().any(|item| item.addresses)
            });
            problems.require(!used || addressed, || {
                format!("finding `{id}`: no rule for it marks an item `addresses = true`")
            });
        }
    }

    fn validate_rule(&self, problems: &mut Problems, catalog: &Catalog, rule: &Rule) {
        let id = &rule.id;
        problems.snake_case("rule", id);
        problems.not_blank(|| format!("rule `{id}` rationale"), &rule.rationale);
        catalog.check_sources(problems, || format!("rule `{id}`"), &rule.sources);
        for finding in &rule.findings {
            problems.require(self.findings.iter().any(|f| &f.id == finding), || {
                format!("rule `{id}` names unknown finding `{finding}`")
            });
        }
        for avoided in &rule.avoid {
            problems.require(catalog.exercise(avoided).is_some(), || {
                format!("rule `{id}` avoids unknown exercise `{avoided}`")
            });
            problems.require(
                !rule.items.iter().any(|item| &item.exercise == avoided),
                || format!("rule `{id}` both adds and avoids `{avoided}`"),
            );
        }
        validate_items(problems, catalog, id, &rule.items);
    }
}

fn validate_items(problems: &mut Problems, catalog: &Catalog, owner: &str, items: &[RuleItem]) {
    problems.require(!items.is_empty(), || format!("rule `{owner}` has no items"));
    let slots = items
        .iter()
        .map(|item| (item.exercise.as_str(), item.closing));
    let mut seen = std::collections::BTreeSet::new();
    for (exercise, closing) in slots {
        problems.require(seen.insert((exercise, closing)), || {
            format!("rule `{owner}` lists `{exercise}` twice in the same place")
        });
    }
    for item in items {
        let exercise = &item.exercise;
        problems.require(catalog.exercise(exercise).is_some(), || {
            format!("rule `{owner}` names unknown exercise `{exercise}`")
        });
        problems.require(PRIORITIES.contains(&item.priority), || {
            format!(
                "rule `{owner}` gives `{exercise}` priority {}, outside {}..={}",
                item.priority,
                PRIORITIES.start(),
                PRIORITIES.end()
            )
        });
        if let Some(sets) = &item.sets {
            catalog.check_number(
                problems,
                &|| format!("rule `{owner}` sets of `{exercise}`"),
                sets,
                1,
            );
        }
        if let Some(note) = &item.note {
            problems.not_blank(|| format!("rule `{owner}` note on `{exercise}`"), note);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        toml::from_str(include_str!("../../assets/catalogue.toml")).unwrap()
    }

    fn embedded() -> Rules {
        toml::from_str(include_str!("../../assets/rules.toml")).unwrap()
    }

    fn problems(rules: &Rules) -> Vec<String> {
        rules.validate(&catalog()).0
    }

    fn rule(id: &str, when: &str, because: &str) -> FindingRule {
        toml::from_str(&format!(
            "id = \"{id}\"\nprotocol = \"standing\"\nmeasurement = \"m\"\nwhen = {when}\n\
             severity = \"mild\"\nreference = \"r\"\nbecause = \"{because}\""
        ))
        .unwrap()
    }

    fn degrees_with(value: f64, uncertainty: Option<f64>) -> Measurement {
        Measurement::Made(Reading {
            value_deg: Some(value),
            uncertainty_deg: uncertainty,
            method: "keypoints".into(),
            ..Reading::default()
        })
    }

    #[test]
    fn the_embedded_rules_are_valid() {
        assert_eq!(problems(&embedded()), Vec::<String>::new());
    }

    #[test]
    fn cut_offs_are_strict() {
        let above = rule("a", "{ value_deg_above = 10.0 }", "{value} > {cutoff}");
        assert!(above.evaluate(&degrees_with(10.0, None)).is_none());
        let finding = above.evaluate(&degrees_with(10.5, None)).unwrap();
        assert_eq!(finding.because, "10.5° > 10.0°");
        assert_eq!(finding.measurement.as_deref(), Some("m"));
        let below = rule("b", "{ value_deg_below = 0.0 }", "{value}");
        assert!(below.evaluate(&degrees_with(0.0, None)).is_none());
        assert!(below.evaluate(&degrees_with(-0.5, None)).is_some());
    }

    #[test]
    fn clear_evidence_tests_the_bound_nearest_the_cut_off() {
        let above = rule(
            "a",
            "{ value_deg_above = 23.0, clear_evidence = true }",
            "{value} ±{uncertainty} → {bound} > {cutoff}",
        );
        assert!(above.evaluate(&degrees_with(27.0, Some(5.0))).is_none());
        let finding = above.evaluate(&degrees_with(29.0, Some(5.0))).unwrap();
        assert_eq!(finding.because, "29.0° ±5.0° → 24.0° > 23.0°");
        // Without an uncertainty the value itself is the bound.
        assert!(above.evaluate(&degrees_with(23.5, None)).is_some());

        let below = rule(
            "b",
            "{ value_deg_below = 0.0, clear_evidence = true }",
            "{bound}",
        );
        assert!(below.evaluate(&degrees_with(-3.0, Some(4.0))).is_none());
        assert!(below.evaluate(&degrees_with(-5.0, Some(4.0))).is_some());
        assert!(
            below
                .evaluate(&degrees_with(-5.0, Some(f64::NAN)))
                .is_none()
        );
    }

    #[test]
    fn ratios_and_classes_are_compared_too() {
        let ratio = rule("r", "{ value_above = 0.05 }", "{value} over {cutoff}");
        let measurement = Measurement::Made(Reading {
            value: Some(0.08),
            unit: Some("fraction_of_height".into()),
            method: "keypoints".into(),
            ..Reading::default()
        });
        let finding = ratio.evaluate(&measurement).unwrap();
        assert_eq!(
            finding.because,
            "0.080 fraction_of_height over 0.050 fraction_of_height"
        );
        assert!(
            ratio.evaluate(&degrees_with(1.0, None)).is_none(),
            "an angle is not a ratio"
        );

        let class = rule(
            "c",
            "{ classification = \"flat_back\" }",
            "type {classification}",
        );
        let mut measurement = Measurement::Made(Reading {
            classification: Some("flat_back".into()),
            method: "keypoints".into(),
            ..Reading::default()
        });
        assert_eq!(
            class.evaluate(&measurement).unwrap().because,
            "type flat_back"
        );
        measurement.reading_mut().unwrap().classification = Some("sway_back".into());
        assert!(class.evaluate(&measurement).is_none());
    }

    #[test]
    fn declined_measurements_never_fire() {
        let above = rule("a", "{ value_deg_above = 10.0 }", "{value}");
        let measurement = Measurement::declined("keypoints", "hip not visible");
        assert!(above.evaluate(&measurement).is_none());
    }

    #[test]
    fn heuristic_cut_offs_say_so_in_the_reference() {
        let rules = embedded();
        let tilt = rules
            .findings
            .iter()
            .find(|f| f.id == "marked_anterior_tilt")
            .unwrap();
        assert!(tilt.heuristic);
        let anterior = Measurement::Made(Reading {
            classification: Some("anterior".into()),
            method: "tilt_with_prior".into(),
            ..Reading::default()
        });
        let finding = tilt.evaluate(&anterior).unwrap();
        assert!(finding.reference.unwrap().starts_with(HEURISTIC));
    }

    #[test]
    fn malformed_conditions_are_rejected_at_parse_time() {
        for (when, expected) in [
            (
                "{ value_deg_above = 1.0, value_deg_below = 2.0 }",
                "exactly one of",
            ),
            ("{}", "exactly one of"),
            (
                "{ value_above = 1.0, clear_evidence = true }",
                "only angles carry an uncertainty",
            ),
            ("{ value_deg_above = nan }", "not a finite number"),
            ("{ value_deg_over = 1.0 }", "value_deg_over"),
        ] {
            let text = format!(
                "id = \"x\"\nprotocol = \"standing\"\nmeasurement = \"m\"\nwhen = {when}\n\
                 severity = \"mild\"\nreference = \"r\"\nbecause = \"b\""
            );
            let error = toml::from_str::<FindingRule>(&text)
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{when}: {error}");
        }
    }

    #[test]
    fn a_finding_must_read_a_measurement_of_its_protocol() {
        let mut rules = embedded();
        let hip = rules
            .findings
            .iter()
            .position(|f| f.id == "short_hip_flexors")
            .unwrap();
        rules.findings[hip].measurement = "pelvic_tilt".into();
        assert_eq!(
            problems(&rules),
            [
                "finding `short_hip_flexors` reads pelvic_tilt, which is not a measurement of thomas_test (`sagitta measurements` lists them)"
            ]
        );
        // knee_flexion is a measurement of the Thomas test too.
        rules.findings[hip].measurement = "knee_flexion".into();
        assert_eq!(problems(&rules), Vec::<String>::new());
    }

    #[test]
    fn templates_may_only_use_their_condition_placeholders() {
        let mut rules = embedded();
        // A threshold finding may not use {classification}; any may not leave a brace open.
        let threshold = rules
            .findings
            .iter()
            .position(|f| f.id == "short_hip_flexors")
            .unwrap();
        rules.findings[threshold].because = "{value} and {classification}".into();
        rules.findings[0].because = "{value".into();
        let found = problems(&rules);
        assert!(
            found.iter().any(|p| p.contains("uses {classification}")),
            "{found:?}"
        );
        assert!(found.iter().any(|p| p.contains("unclosed")), "{found:?}");
    }

    #[test]
    fn references_to_missing_things_are_rejected() {
        let mut rules = embedded();
        rules.rules[0].items[0].exercise = "handstand".into();
        rules.rules[0].findings.push("unknown_finding".into());
        rules.rules[1]
            .avoid
            .push("kneeling_hip_flexor_stretch".into());
        rules.rules[1].items[0].priority = 0;
        rules.red_flags.pop();
        rules.phase_two.sources.push("blog".into());
        let found = problems(&rules);
        for expected in [
            "names unknown exercise `handstand`",
            "names unknown finding `unknown_finding`",
            "both adds and avoids `kneeling_hip_flexor_stretch`",
            "priority 0, outside 1..=9",
            "needs exactly one [[red_flag]] entry, found 0",
            "phase_two cites unknown source `blog`",
        ] {
            assert!(
                found.iter().any(|p| p.contains(expected)),
                "{expected}: {found:?}"
            );
        }
    }

    #[test]
    fn every_finding_needs_a_rule_and_rule_ids_are_unique() {
        let mut rules = embedded();
        rules.rules.retain(|r| r.id != "rectus_femoris");
        rules.maintenance.id = rules.rules[0].id.clone();
        let found = problems(&rules);
        assert!(
            found
                .iter()
                .any(|p| p.contains("finding `short_rectus_femoris` is used by no rule"))
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("is defined more than once")),
            "{found:?}"
        );
    }
}
