//! The analysis document: the JSON that `sagitta analyze` writes for each
//! photo. These serde types *are* the schema; docs/output.md documents them.
//! Names are stable snake_case; a change that renames or removes a field
//! bumps the major part of [`SCHEMA_VERSION`], an added field the minor part.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

mod citing;
pub(crate) mod measurement;
mod measurement_id;
mod routine;
mod screening;
mod warning;

pub use citing::Cites;
pub use measurement::{Decline, Measurement, Reading};
pub use measurement_id::MeasurementId;
pub use warning::Warning;

pub use routine::{
    Amount, Because, LeftOut, Level, Phase, PhaseTwo, Progression, Routine, RoutineExercise, Sides,
};
pub use screening::{RedFlag, ScreeningRecord, ScreeningStatus};

mod compare;
pub use compare::*;

mod visit;
pub use visit::*;

pub const SCHEMA_VERSION: &str = "1.4";

/// The analysis document of one photo (`sagitta analyze --format json`):
/// keypoints, protocol, measurements, findings and routine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Analysis {
    pub schema_version: String,
    pub image: ImageInfo,
    /// Whose photo it is and when it was taken (`--client`, `--date`, a
    /// manifest row, or the photo's EXIF date); every field null when unknown.
    #[serde(default)]
    pub session: Session,
    pub model: ModelInfo,
    pub pose: PoseReport,
    /// Whether the photo could be assessed, and if not, why and how to retake it.
    #[serde(default)]
    pub assessment: Assessment,
    /// Which test the photo shows and how well it shows it.
    pub protocol: Protocol,
    /// Keyed by a stable snake_case name (`pelvic_tilt`, `hip_extension`, ...).
    pub measurements: BTreeMap<String, Measurement>,
    /// What the measurements suggest, for the recommender.
    pub findings: Vec<Finding>,
    /// Values within their measurement uncertainty of a cut-off: neither a
    /// finding nor clearly normal; each says how to re-check it by hand.
    #[serde(default)]
    pub borderline: Vec<Borderline>,
    /// Whether the client was asked the warning-sign questions, and what they said.
    #[serde(default)]
    pub screening: ScreeningRecord,
    /// The exercise plan. Absent when the photo was not assessed (unless a
    /// general routine was asked for) and in documents made before planning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routine: Option<Routine>,
    /// Things the user should know that did not stop the analysis.
    pub warnings: Vec<Warning>,
    /// Keys of the works this document cites (full citations in
    /// `assets/references.toml` and in the HTML report).
    #[serde(default)]
    pub references: Vec<String>,
    /// Keypoints a clinician moved (`sagitta measure --set`); the document
    /// was measured again from the corrected keypoints, without the model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<Correction>,
}

/// A keypoint moved by hand, from where the model placed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Correction {
    /// The landmark (`left_knee`, ...).
    pub keypoint: String,
    /// Where the model placed it, in photo pixels.
    pub from_px: [f64; 2],
    /// Where it was moved to; `pose.keypoints` holds this position.
    pub to_px: [f64; 2],
    /// The model's visibility of it; a corrected point counts as seen (1).
    pub visibility_was: f32,
}

/// The clinical record a photo belongs to. Every field is optional: nothing
/// is guessed, so an unknown client or date stays null.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Session {
    /// The client's identifier, as the clinic gave it (`--client`, manifest).
    pub client: Option<String>,
    /// When the photo was taken: `YYYY-MM-DD` as given, or
    /// `YYYY-MM-DDTHH:MM:SS` from the photo's EXIF DateTimeOriginal (the
    /// camera's local time; EXIF records no time zone).
    pub date: Option<String>,
    /// Where `date` came from; null when there is no date.
    pub date_source: Option<DateSource>,
    pub clinician: Option<String>,
    /// The body side the record names (the Thomas test leg, the side
    /// photographed), as the clinician stated it.
    pub side: Option<Side>,
    pub note: Option<String>,
}

impl Session {
    /// Whether anything is recorded.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The record as `label: value` pairs, for the text and HTML outputs;
    /// an unknown client or date is said to be unknown, never left out.
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            (
                "client",
                self.client
                    .clone()
                    .unwrap_or_else(|| "not recorded".to_string()),
            ),
            (
                "date",
                match (&self.date, self.date_source) {
                    (Some(date), Some(DateSource::Exif)) => {
                        format!("{date} (from the photo's EXIF)")
                    }
                    (Some(date), _) => date.clone(),
                    (None, _) => {
                        "not recorded (no --date, and the photo has no EXIF date)".to_string()
                    }
                },
            ),
        ];
        if let Some(clinician) = &self.clinician {
            out.push(("clinician", clinician.clone()));
        }
        if let Some(side) = self.side {
            out.push(("side", side.name().to_string()));
        }
        if let Some(note) = &self.note {
            out.push(("note", note.clone()));
        }
        out
    }
}

/// The origin of a session date. The file's modification time is never used:
/// copying a photo changes it.
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
pub enum DateSource {
    /// `--date` on the command line.
    Given,
    /// The `date` column of the `--manifest` file.
    Manifest,
    /// The photo's EXIF DateTimeOriginal.
    Exif,
}

/// How far the photo supports an assessment.
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
pub enum AssessmentStatus {
    /// Every measurement the rules read was made and is reliable.
    Assessed,
    /// Some were, some were not (`reasons` says which and why).
    Partial,
    /// None could be: unsupported or invalid protocol, or every measurement
    /// the rules read declined or unreliable. No routine is planned.
    #[default]
    NotAssessed,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Assessment {
    pub status: AssessmentStatus,
    /// What could not be assessed and why; empty when assessed.
    pub reasons: Vec<String>,
    /// How to retake the photo; null when assessed.
    pub retake: Option<String>,
}

/// A value within its uncertainty of a cut-off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Borderline {
    /// The finding it would be if it cleared the cut-off.
    pub id: String,
    pub measurement: String,
    /// The value, its uncertainty and the cut-off.
    pub because: String,
    /// How to re-check it by hand.
    pub recheck: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// The photo's test protocol.
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
pub enum ProtocolKind {
    /// Upright, side view.
    Standing,
    /// Supine at a table end, test thigh off the end, the other knee held to the chest.
    ThomasTest,
    /// Anything else (seated, kneeling, lunging, frontal view...).
    Unsupported,
}

/// Left or right, of the body (not of the image).
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
pub enum Side {
    Left,
    Right,
}

impl Side {
    /// The side as the outputs name it (`left`, `right`).
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// Which way the person faces in the image.
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
pub enum Facing {
    /// The front of the body points towards the image's left edge.
    ImageLeft,
    /// The front of the body points towards the image's right edge.
    ImageRight,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Protocol {
    pub kind: ProtocolKind,
    /// Whether the photo satisfies the protocol; an invalid test yields no findings.
    pub valid: bool,
    /// Why this protocol was chosen, or why it is not valid.
    pub reason: String,
    /// True when `--protocol` forced the kind instead of auto-detection.
    pub forced: bool,
    pub facing: Option<Facing>,
    /// The body side nearer the camera; measurements use it.
    pub near_side: Option<Side>,
    /// How side-on the view is: 1 = a true side view, 0 = frontal.
    pub lateral_score: f64,
    /// How to retake the photo when something could not be measured.
    pub retake: Option<String>,
    /// Assumptions the measurements rest on (e.g. image vertical = true vertical).
    pub assumptions: Vec<String>,
    /// Parts of the protocol the photo could not confirm (e.g. the feet are
    /// outside the photo); they make the assessment partial.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unconfirmed: Vec<String>,
    /// The Thomas test's test leg (the one measured); absent for another protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_leg: Option<Side>,
    /// The camera roll corrected before measuring (`--camera-roll-deg`);
    /// absent when the image vertical was taken as true vertical.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera_roll_deg: Option<f64>,
    /// The camera's tilt up (positive) or down levelled before measuring
    /// (`--camera-pitch-deg`); absent when the camera was taken as level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera_pitch_deg: Option<f64>,
    /// The 35 mm-equivalent focal length the pitch was levelled with (given,
    /// from the photo's EXIF, or assumed); present with `camera_pitch_deg`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focal_length_35mm_mm: Option<f64>,
}

/// How strongly a finding should steer the routine.
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
pub enum Severity {
    Info,
    Mild,
    Moderate,
    Marked,
}

/// Something the measurements show, for the recommender.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Stable snake_case id (`short_hip_flexors`, `marked_anterior_tilt`, ...).
    pub id: String,
    pub severity: Severity,
    /// One line: which measurement, its value, and the cut-off it crossed.
    pub because: String,
    /// The measurement it came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measurement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImageInfo {
    /// The path as given on the command line; a name that is not UTF-8 is
    /// shown with U+FFFD in place of the bytes it cannot show, and its exact
    /// bytes are in `path_bytes_hex`.
    pub path: String,
    /// The path's bytes in lowercase hex, present only when they are not
    /// UTF-8 (schema 1.3): `path` alone would name another file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_bytes_hex: Option<String>,
    /// Size after EXIF orientation was applied, in pixels.
    pub width: u32,
    pub height: u32,
}

/// A path as the outputs record it: shown as text, and its exact bytes in
/// hex where they are not UTF-8 (`path_bytes_hex`).
pub fn path_fields(path: &std::path::Path) -> (String, Option<String>) {
    use std::os::unix::ffi::OsStrExt;
    let bytes = path.as_os_str().as_bytes();
    (
        path.display().to_string(),
        std::str::from_utf8(bytes)
            .is_err()
            .then(|| bytes.iter().map(|b| format!("{b:02x}")).collect()),
    )
}

impl ImageInfo {
    /// The record of the photo at `path`, whose exact name is kept.
    pub fn new(path: &std::path::Path, width: u32, height: u32) -> Self {
        let (path, path_bytes_hex) = path_fields(path);
        Self {
            path,
            path_bytes_hex,
            width,
            height,
        }
    }

    /// The exact path of the photo: `path`, or the bytes of
    /// `path_bytes_hex`, which must be a name that is not UTF-8 and that
    /// `path` shows; anything else is an edited document.
    pub fn photo_path(&self) -> Result<std::path::PathBuf, crate::error::Invalid> {
        use std::os::unix::ffi::OsStrExt;
        let Some(hex) = &self.path_bytes_hex else {
            return Ok(std::path::PathBuf::from(&self.path));
        };
        let bytes: Option<Vec<u8>> = (hex.len() % 2 == 0 && hex.is_ascii())
            .then(|| {
                (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
                    .collect()
            })
            .flatten();
        match bytes {
            Some(bytes)
                if std::str::from_utf8(&bytes).is_err()
                    && String::from_utf8_lossy(&bytes) == self.path =>
            {
                Ok(std::path::PathBuf::from(std::ffi::OsStr::from_bytes(&bytes)))
            }
            _ => Err(crate::error::Invalid(
                "image.path_bytes_hex is not the hex of a name that is not UTF-8 and that image.path shows"
                    .to_string(),
            )),
        }
    }
}

/// The landmark model size: `lite` is fastest, `heavy` most accurate.
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
pub enum ModelKind {
    Lite,
    #[default]
    Full,
    Heavy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModelInfo {
    pub kind: ModelKind,
    pub detector: ModelRef,
    pub landmark: ModelRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModelRef {
    pub name: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PoseReport {
    /// The 33 BlazePose landmarks in model order.
    pub keypoints: Vec<KeypointReport>,
    /// How many people the detector found; the most prominent one is analysed.
    pub persons_found: usize,
    pub detector_score: f32,
    /// The landmark model's probability that a body is in its crop.
    pub pose_presence: f32,
    /// How the analysed person was chosen among those found (`--person`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonSelection>,
    /// The person mask the outline measurements read, kept so that the
    /// document can be measured again (`measure --from`) with them. Absent
    /// where the pose source gave none, and in documents before 1.3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_mask: Option<PersonMask>,
}

/// The pose model's person mask in a compact form: a grid of cells over a
/// square region of the photo, each inside the person or not, with the
/// model's own log-odds kept only for the cells along the outline, the only
/// ones whose values the measurements read (elsewhere they compare with
/// `contour_probability` alone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PersonMask {
    /// Cells down the region (1 to 1024).
    pub rows: u32,
    /// Cells across it (1 to 1024).
    pub columns: u32,
    /// Where the grid lies in the photo.
    pub region: MaskRegion,
    /// A cell is the person where the model's probability is at least
    /// this (`mask.person_probability` in `assets/limits.toml` when saved);
    /// a sagitta that traces the outline at another probability does not
    /// use the mask.
    pub contour_probability: f64,
    /// Which cells are the person: the lengths of the runs of cells in row
    /// order (the top row first, each row left to right), alternately
    /// outside and inside the person, starting outside (only the first run
    /// may be 0 long); each an unsigned LEB128 number, the bytes in base64.
    pub inside_runs: String,
    /// The model's log-odds for every cell of a 2x2 block whose cells are
    /// not all inside or all outside, and for the cells around such a block
    /// (one cell deep, or as many as half a pixel spans where cells are
    /// smaller: the step of the walks that read the values), in row order:
    /// little-endian 32-bit floats, the bytes in base64. Which cells these
    /// are follows from `inside_runs`, `rows`, `columns` and `side_px`.
    pub outline_logits: String,
}

/// A square region of the photo, possibly rotated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MaskRegion {
    /// The centre, in photo pixels.
    pub center_px: [f32; 2],
    /// The side, in photo pixels.
    pub side_px: f32,
    /// The turn of the region's rows from the photo's, clockwise on screen
    /// (image y points down), within -pi to pi.
    pub rotation_rad: f32,
}

/// How the analysed person was chosen (`--person`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PersonSelection {
    pub by: SelectedBy,
    /// With `point`: the photo point (pixels) the person's box contains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_px: Option<[f64; 2]>,
}

/// The rule that chose the analysed person.
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
pub enum SelectedBy {
    /// The largest of the people found about as confidently as the best.
    Largest,
    /// The one of those nearest the photo's centre.
    Centre,
    /// The one whose box contains a given point.
    Point,
}

/// One landmark: `x`, `y` in image pixels (origin top-left, y down); `z`
/// depth relative to the hips in the same pixel scale, negative = nearer the
/// camera; `visibility` and `presence` are probabilities (0..1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KeypointReport {
    pub name: String,
    pub x: f32,
    pub y: f32,
    pub z: f32,
    pub visibility: f32,
    pub presence: f32,
}

impl Analysis {
    /// The measurement `id`, if the document holds it; `None` for an id of
    /// another protocol than the document's.
    pub fn measurement(&self, id: MeasurementId) -> Option<&Measurement> {
        (id.protocol() == self.protocol.kind)
            .then(|| self.measurements.get(id.name()))
            .flatten()
    }

    /// The Thomas test's test leg: `protocol.test_leg`, as the measurement
    /// recorded it; in a document written before it was recorded (schema
    /// 1.1), the hip `hip_extension` was measured from, matched to the nearer
    /// of the two hip keypoints. `None` for another protocol, or an older
    /// document whose hip extension was declined.
    pub fn thomas_test_leg(&self) -> Option<Side> {
        if self.protocol.kind != ProtocolKind::ThomasTest {
            return None;
        }
        if let Some(leg) = self.protocol.test_leg {
            return Some(leg);
        }
        let [x, y] = *self
            .measurement(MeasurementId::HipExtension)?
            .points_px()
            .first()?;
        let distance = |name: &str| {
            self.pose
                .keypoint(name)
                .map(|k| (f64::from(k.x) - x).hypot(f64::from(k.y) - y))
        };
        match (distance("left_hip")?, distance("right_hip")?) {
            (left, right) if left < right => Some(Side::Left),
            (left, right) if right < left => Some(Side::Right),
            _ => None,
        }
    }
}

impl PoseReport {
    /// The landmark of that name (`left_hip`, ...).
    pub fn keypoint(&self, name: &str) -> Option<&KeypointReport> {
        self.keypoints.iter().find(|k| k.name == name)
    }
}

/// The last record of a batch run (`--format jsonl`): counts and timings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Files that got a record (analysed or failed).
    pub files: usize,
    pub analysed: usize,
    pub failed: usize,
    /// Files in walked folders whose names are not image names.
    pub skipped_not_image: usize,
    /// Images skipped by `--resume` because their complete result exists.
    pub skipped_existing: usize,
    /// Images left to other shards by `--shard`.
    pub other_shards: usize,
    /// `I/N` when the run was one shard of N.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    pub jobs: usize,
    pub elapsed_s: f64,
    pub images_per_second: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    /// Every variant's name from strum (text, CSV, HTML) is its serde name
    /// (JSON).
    fn names_agree<T>()
    where
        T: VariantArray + Serialize + std::fmt::Debug + 'static,
        for<'a> &'a T: Into<&'static str>,
    {
        for variant in T::VARIANTS {
            let name: &'static str = variant.into();
            assert_eq!(serde_json::to_value(variant).unwrap(), name, "{variant:?}");
        }
    }

    #[test]
    fn every_enum_is_named_as_the_json_names_it() {
        names_agree::<DateSource>();
        names_agree::<AssessmentStatus>();
        names_agree::<ProtocolKind>();
        names_agree::<Side>();
        names_agree::<Facing>();
        names_agree::<Severity>();
        names_agree::<ModelKind>();
        names_agree::<SelectedBy>();
        names_agree::<Phase>();
        names_agree::<Level>();
        names_agree::<Sides>();
        names_agree::<RedFlag>();
        names_agree::<ScreeningStatus>();
        names_agree::<crate::error::FileErrorKind>();
    }
}
