//! What the user should know about an analysis that did not stop it. Each
//! kind of warning is a variant, so that planning removes and adds its own
//! by kind; the JSON keeps each as the sentence it shows.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Correction, Side};

/// One warning of an analysis.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// The file is animated: only its first frame was analysed.
    AnimatedImage,
    /// A note of the stages on the photo: its view, its protocol, the body
    /// outline, or the pose model's second look.
    Photo(String),
    /// Several people were found; `analysed` says which one was, and how
    /// `--person` chooses another.
    SeveralPeople { found: usize, analysed: String },
    /// The record's date is not the day of the photo's EXIF date.
    ExifDateDiffers { exif: String, date: String },
    /// The record names another side than the Thomas test leg.
    SideDiffers { stated: Side, test_leg: Side },
    /// Measured again from a saved document's keypoints (`measure --from`),
    /// with the keypoints moved by hand.
    MeasuredAgain { corrections: Vec<Correction> },
    /// `--general-routine` was given for a photo that was assessed.
    GeneralRoutineIgnored,
    /// `--minutes` was given, but no routine was planned.
    MinutesUnused { minutes: f64 },
    /// A warning of a saved document that planning does not make: kept as
    /// its text.
    Saved(String),
}

impl Warning {
    /// Whether planning makes it, and so replaces it when it plans again.
    pub fn is_planning_note(&self) -> bool {
        matches!(
            self,
            Self::GeneralRoutineIgnored | Self::MinutesUnused { .. }
        )
    }

    /// Planning's own note, from its text in a saved document.
    fn planning_note(text: &str) -> Option<Self> {
        if text == Self::GeneralRoutineIgnored.to_string() {
            return Some(Self::GeneralRoutineIgnored);
        }
        let minutes = text
            .strip_prefix("--minutes ")?
            .strip_suffix(MINUTES_UNUSED)?;
        let note = Self::MinutesUnused {
            minutes: minutes.parse().ok()?,
        };
        // Only a number this sagitta would have written reads back as one.
        (note.to_string() == text).then_some(note)
    }
}

const MINUTES_UNUSED: &str =
    " was not used: no routine was planned for a photo that was not assessed";

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AnimatedImage => {
                write!(f, "the file is animated: only its first frame was analysed")
            }
            Self::Photo(text) | Self::Saved(text) => write!(f, "{text}"),
            Self::SeveralPeople { found, analysed } => {
                write!(f, "{found} people found; {analysed} was analysed")
            }
            Self::ExifDateDiffers { exif, date } => write!(
                f,
                "the photo's EXIF date is {exif}, but the record's date {date} was used: check that the photo belongs to this visit"
            ),
            Self::SideDiffers { stated, test_leg } => write!(
                f,
                "the record names the {} side, but the photo's Thomas test leg is the {}: check the record or the photo",
                stated.name(),
                test_leg.name()
            ),
            Self::MeasuredAgain { corrections } => {
                write!(
                    f,
                    "measured again from the saved keypoints, without the model"
                )?;
                for (i, c) in corrections.iter().enumerate() {
                    let lead = if i == 0 {
                        "; corrected by hand: "
                    } else {
                        ", "
                    };
                    write!(
                        f,
                        "{lead}{} moved from ({:.1}, {:.1}) to ({:.1}, {:.1})",
                        c.keypoint, c.from_px[0], c.from_px[1], c.to_px[0], c.to_px[1]
                    )?;
                }
                Ok(())
            }
            Self::GeneralRoutineIgnored => write!(
                f,
                "--general-routine was ignored: this photo was assessed, so its routine is based on it"
            ),
            Self::MinutesUnused { minutes } => write!(f, "--minutes {minutes}{MINUTES_UNUSED}"),
        }
    }
}

impl Serialize for Warning {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Warning {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Self::planning_note(&text).unwrap_or(Self::Saved(text)))
    }
}

impl JsonSchema for Warning {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        String::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_back(warning: &Warning) -> Warning {
        let json = serde_json::to_string(warning).unwrap();
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn planning_notes_read_back_as_themselves_and_others_as_their_text() {
        for note in [
            Warning::GeneralRoutineIgnored,
            Warning::MinutesUnused { minutes: 12.5 },
        ] {
            assert_eq!(read_back(&note), note);
            assert!(note.is_planning_note());
        }
        let corrected = Warning::MeasuredAgain {
            corrections: vec![Correction {
                keypoint: "left_knee".into(),
                from_px: [1.0, 2.0],
                to_px: [3.25, 4.0],
                visibility_was: 0.5,
            }],
        };
        assert_eq!(
            read_back(&corrected),
            Warning::Saved(
                "measured again from the saved keypoints, without the model; corrected by hand: \
                 left_knee moved from (1.0, 2.0) to (3.2, 4.0)"
                    .into()
            )
        );
        assert!(!read_back(&corrected).is_planning_note());
    }

    #[test]
    fn a_minutes_note_sagitta_would_not_write_is_kept_as_text() {
        let text =
            "--minutes 020 was not used: no routine was planned for a photo that was not assessed";
        let read: Warning = serde_json::from_value(serde_json::json!(text)).unwrap();
        assert_eq!(read, Warning::Saved(text.into()));
    }
}
