//! Safety screening: warning signs that call for a professional instead of a
//! routine. The referral texts live in the rules; the names live here so that
//! `--red-flag` can offer them.

use std::collections::BTreeSet;
use std::path::Path;

use super::Problems;
use crate::error::{Invalid, RecommendError};
use crate::schema::{RedFlag, ScreeningRecord, ScreeningStatus};

fn parse_flag(name: &str) -> Result<RedFlag, String> {
    RedFlag::from_name(name).ok_or_else(|| {
        let name = crate::input::excerpt(name);
        let names: Vec<String> = RedFlag::ALL.iter().map(ToString::to_string).collect();
        format!(
            "unknown red flag `{name}`; expected one of {}",
            names.join(", ")
        )
    })
}

/// The red flags raised for one person, and which questions were answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Screening {
    flags: BTreeSet<RedFlag>,
    /// Questions answered yes or no (the raised flags included).
    answered: BTreeSet<RedFlag>,
}

impl Screening {
    /// These warning signs were reported (the other questions unanswered).
    pub fn new(flags: impl IntoIterator<Item = RedFlag>) -> Self {
        let flags: BTreeSet<RedFlag> = flags.into_iter().collect();
        Self {
            answered: flags.clone(),
            flags,
        }
    }

    /// Every question was asked and answered no (`--no-red-flags`).
    pub fn all_answered_no() -> Self {
        Self {
            flags: BTreeSet::new(),
            answered: RedFlag::ALL.iter().copied().collect(),
        }
    }

    /// Records one answer.
    pub fn answer(&mut self, flag: RedFlag, yes: bool) {
        self.answered.insert(flag);
        if yes {
            self.flags.insert(flag);
        }
    }

    pub fn status(&self) -> ScreeningStatus {
        if !self.flags.is_empty() {
            ScreeningStatus::Positive
        } else if RedFlag::ALL.iter().all(|flag| self.answered.contains(flag)) {
            ScreeningStatus::Negative
        } else {
            ScreeningStatus::NotAsked
        }
    }

    pub fn record(&self) -> ScreeningRecord {
        let status = self.status();
        ScreeningRecord {
            status,
            flags: self.flags().collect(),
            unanswered: if status == ScreeningStatus::NotAsked {
                RedFlag::ALL
                    .iter()
                    .copied()
                    .filter(|flag| !self.answered.contains(flag))
                    .collect()
            } else {
                Vec::new()
            },
        }
    }

    /// Asks each question on `output` and reads a yes or no from `input`
    /// (`--ask`). An answer that is neither is asked again; the end of the
    /// input leaves the remaining questions unanswered.
    pub fn ask(
        &mut self,
        questions: &[(RedFlag, String)],
        input: &mut dyn std::io::BufRead,
        output: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        writeln!(
            output,
            "Before any exercise: answer each question with y (yes) or n (no)."
        )?;
        for (flag, question) in questions {
            loop {
                write!(output, "{question} [y/n] ")?;
                output.flush()?;
                let mut line = String::new();
                if input.read_line(&mut line)? == 0 {
                    writeln!(output)?;
                    return Ok(());
                }
                match line.trim().to_ascii_lowercase().as_str() {
                    "y" | "yes" => {
                        self.answer(*flag, true);
                        break;
                    }
                    "n" | "no" => {
                        self.answer(*flag, false);
                        break;
                    }
                    _ => writeln!(output, "Please answer y or n.")?,
                }
            }
        }
        Ok(())
    }

    /// Reads a screening file (format: see the module documentation): a
    /// regular file of limited size (see [`crate::input`]).
    pub fn from_json_file(path: &Path) -> Result<Self, RecommendError> {
        let origin = path.display().to_string();
        match crate::input::read_document(path) {
            Ok(text) => Self::from_json(&text, &origin),
            Err(source) => Err(RecommendError::Read { origin, source }),
        }
    }

    /// Parses a screening document; `origin` names it in error messages. A
    /// key given twice is an error: with the last one winning, a raised flag
    /// could be silently cleared.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, RecommendError> {
        let text = crate::input::strip_bom(text);
        let syntax = |error: serde_json::Error| RecommendError::Syntax {
            origin: origin.to_string(),
            message: format!(
                "expected a JSON object of red flags: {}",
                crate::input::shorten_message(&error.to_string())
            ),
        };
        crate::input::check_unique_keys(text).map_err(syntax)?;
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(syntax)?;
        let mut flags = BTreeSet::new();
        let mut answered = BTreeSet::new();
        let mut problems = Problems::default();
        for (key, value) in &object {
            if key == "red_flags" {
                let Some(names) = value.as_array() else {
                    problems.push("`red_flags` must be an array of red flag names".into());
                    continue;
                };
                for name in names {
                    match name.as_str().map(parse_flag) {
                        Some(Ok(flag)) => {
                            flags.insert(flag);
                            answered.insert(flag);
                        }
                        Some(Err(problem)) => problems.push(format!("red_flags: {problem}")),
                        None => problems.push(format!(
                            "red_flags: {} is not a name",
                            crate::input::excerpt(&name.to_string())
                        )),
                    }
                }
                continue;
            }
            let flag = match parse_flag(key) {
                Ok(flag) => flag,
                Err(_) => {
                    problems.push(format!(
                        "unknown key `{}`; expected `red_flags` or a red flag name",
                        crate::input::excerpt(key)
                    ));
                    continue;
                }
            };
            match value.as_bool() {
                Some(true) => {
                    flags.insert(flag);
                    answered.insert(flag);
                }
                Some(false) => {
                    answered.insert(flag);
                }
                None => problems.push(format!(
                    "`{key}` must be true or false, not {}",
                    crate::input::excerpt(&value.to_string())
                )),
            }
        }
        problems.finish(origin)?;
        Ok(Self { flags, answered })
    }

    /// The screening a saved document records. Every flag it lists counts as
    /// reported, whatever its status says: a re-plan never loses a warning
    /// sign (`check_record` refuses a record that contradicts itself).
    pub fn from_record(record: &ScreeningRecord) -> Self {
        let flags: BTreeSet<RedFlag> = record.flags.iter().copied().collect();
        // A positive record does not say which other questions were
        // answered, nor does a `not_asked` one older than `unanswered`: then
        // only the flags count as answered.
        let answered = match record.status {
            ScreeningStatus::Negative if flags.is_empty() => RedFlag::ALL.iter().copied().collect(),
            ScreeningStatus::NotAsked if !record.unanswered.is_empty() => RedFlag::ALL
                .iter()
                .copied()
                .filter(|flag| flags.contains(flag) || !record.unanswered.contains(flag))
                .collect(),
            _ => flags.clone(),
        };
        Self { flags, answered }
    }

    /// Whether a saved screening record agrees with itself: `positive`
    /// exactly when it lists a flag, no flag or question twice, no flag among
    /// the unanswered questions, and unanswered questions only when
    /// `not_asked`. A document whose record contradicts itself was edited.
    pub fn check_record(record: &ScreeningRecord) -> Result<(), Invalid> {
        let flags: BTreeSet<RedFlag> = record.flags.iter().copied().collect();
        let unanswered: BTreeSet<RedFlag> = record.unanswered.iter().copied().collect();
        let positive = record.status == ScreeningStatus::Positive;
        let consistent = positive != flags.is_empty()
            && (record.status == ScreeningStatus::NotAsked || unanswered.is_empty())
            && flags.is_disjoint(&unanswered)
            && flags.len() == record.flags.len()
            && unanswered.len() == record.unanswered.len();
        if consistent {
            return Ok(());
        }
        let status: &str = record.status.into();
        Err(Invalid(format!(
            "screening: status {status} does not agree with its {} flag(s) and {} unanswered question(s): not a record sagitta writes",
            record.flags.len(),
            record.unanswered.len()
        )))
    }

    /// Adds the other screening's flags (e.g. `--red-flag` to `--screening`).
    pub fn merge(&mut self, other: Screening) {
        self.flags.extend(other.flags);
        self.answered.extend(other.answered);
    }

    pub fn contains(&self, flag: RedFlag) -> bool {
        self.flags.contains(&flag)
    }

    pub fn is_empty(&self) -> bool {
        self.flags.is_empty()
    }

    /// The raised flags, in a fixed order.
    pub fn flags(&self) -> impl Iterator<Item = RedFlag> + '_ {
        self.flags.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Screening, String> {
        Screening::from_json(text, "screen.json").map_err(|e| e.to_string())
    }

    #[test]
    fn flags_may_be_keys_or_listed() {
        let screening =
            parse(r#"{"radiating_pain": false, "night_pain": true, "red_flags": ["sharp_pain"]}"#)
                .unwrap();
        assert_eq!(
            screening.flags().collect::<Vec<_>>(),
            [RedFlag::SharpPain, RedFlag::NightPain]
        );
        assert!(parse("{}").unwrap().is_empty());
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_file_and_the_key() {
        let error = parse(r#"{"back_ache": true}"#).unwrap_err();
        assert!(
            error.starts_with("screen.json: unknown key `back_ache`"),
            "{error}"
        );
        let error = parse(r#"{"night_pain": "yes"}"#).unwrap_err();
        assert!(
            error.contains("`night_pain` must be true or false"),
            "{error}"
        );
        let error = parse(r#"{"red_flags": ["cramp"]}"#).unwrap_err();
        assert!(
            error.contains("unknown red flag `cramp`; expected one of radiating_pain,"),
            "{error}"
        );
        let error = parse("[]").unwrap_err();
        assert!(
            error.starts_with("screen.json: expected a JSON object"),
            "{error}"
        );
    }

    #[test]
    fn cli_and_json_names_agree() {
        for flag in &RedFlag::ALL {
            let json = serde_json::to_value(flag).unwrap();
            assert_eq!(json.as_str(), Some(flag.to_string().as_str()));
            assert_eq!(parse_flag(&flag.to_string()), Ok(*flag));
        }
        assert_eq!(
            RedFlag::BladderBowelChange.to_string(),
            "bladder_bowel_change"
        );
    }

    #[test]
    fn status_tells_not_asked_from_negative_and_positive() {
        assert_eq!(Screening::default().status(), ScreeningStatus::NotAsked);
        assert_eq!(
            Screening::all_answered_no().status(),
            ScreeningStatus::Negative
        );
        // A file that answers only some questions, all no, was not a full screening.
        let partial = parse(r#"{"night_pain": false}"#).unwrap();
        assert_eq!(partial.status(), ScreeningStatus::NotAsked);
        assert_eq!(partial.record().unanswered.len(), 7);
        let all_no: String = RedFlag::ALL
            .iter()
            .map(|f| format!("\"{f}\": false"))
            .collect::<Vec<_>>()
            .join(", ");
        assert_eq!(
            parse(&format!("{{{all_no}}}")).unwrap().status(),
            ScreeningStatus::Negative
        );
        let positive = Screening::new([RedFlag::SharpPain]).record();
        assert_eq!(positive.status, ScreeningStatus::Positive);
        assert_eq!(positive.flags, [RedFlag::SharpPain]);
        assert!(positive.unanswered.is_empty());
    }

    #[test]
    fn asking_reads_yes_and_no_and_repeats_unclear_answers() {
        let questions: Vec<(RedFlag, String)> =
            RedFlag::ALL.iter().map(|f| (*f, format!("{f}?"))).collect();
        let mut screening = Screening::default();
        let mut output = Vec::new();
        let answers = "n\nmaybe\nN\nno\nn\nn\nn\nn\nn\n";
        screening
            .ask(&questions, &mut answers.as_bytes(), &mut output)
            .unwrap();
        assert_eq!(screening.status(), ScreeningStatus::Negative);
        assert!(
            String::from_utf8(output)
                .unwrap()
                .contains("Please answer y or n.")
        );

        let mut screening = Screening::default();
        screening
            .ask(&questions, &mut "n\ny\n".as_bytes(), &mut Vec::new())
            .unwrap();
        assert_eq!(
            screening.flags().collect::<Vec<_>>(),
            [RedFlag::NumbnessOrWeakness]
        );
        // Input ended after two answers: still positive, the rest unanswered.
        assert_eq!(screening.status(), ScreeningStatus::Positive);

        let mut screening = Screening::default();
        screening
            .ask(&questions, &mut "n\nn\n".as_bytes(), &mut Vec::new())
            .unwrap();
        assert_eq!(screening.status(), ScreeningStatus::NotAsked);
    }

    #[test]
    fn a_key_given_twice_is_an_error_not_a_lost_flag() {
        let error = parse(r#"{"night_pain": true, "night_pain": false}"#).unwrap_err();
        assert!(
            error.contains("the key `night_pain` appears more than once"),
            "{error}"
        );
        // A byte-order mark (Windows editors) is not an error.
        assert!(
            parse("\u{FEFF}{\"night_pain\": true}")
                .unwrap()
                .contains(RedFlag::NightPain)
        );
        // A huge unknown key is quoted as an excerpt.
        let error = parse(&format!(r#"{{"{}": true}}"#, "k".repeat(10_000_000))).unwrap_err();
        assert!(error.len() < 500, "{} bytes", error.len());
    }

    #[test]
    fn merge_unites_the_flags() {
        let mut screening = Screening::new([RedFlag::RecentInjury]);
        screening.merge(Screening::new([RedFlag::NightPain, RedFlag::RecentInjury]));
        assert_eq!(screening.flags().count(), 2);
        assert!(screening.contains(RedFlag::NightPain));
    }
}
