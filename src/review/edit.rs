//! What the page sends: the clinician's edit of one photo, whole (moved
//! keypoints, landmarks, protocol, camera, record, warning-sign answers),
//! checked as strictly as the command line's options and turned into the
//! library's calls on the opened analysis.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::measure::{
    FOCAL_LENGTH_35MM_RANGE_MM, MAX_CAMERA_PITCH_DEG, MAX_CAMERA_ROLL_DEG, ProtocolChoice,
};
use crate::pose::Joint;
use crate::recommend::{Recommender, Screening};
use crate::schema::{Analysis, RedFlag};
use crate::session::{self, SessionInput};
use crate::{PlanOptions, Remeasure};

/// Longest answer name or protocol name the page may send.
const MAX_WORD: usize = 32;

/// One photo's edit, as the page holds it: the whole state, not a step, so
/// that undo and redo on the page are a matter of sending an earlier one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    /// Keypoints moved on the page, each at most once, in photo pixels.
    #[serde(default)]
    pub moves: Vec<Move>,
    /// Back to the detected keypoints: the corrections the opened analysis
    /// records are undone first.
    #[serde(default)]
    pub reset: bool,
    /// The palpated landmarks in photo pixels; both, or the estimate is used.
    #[serde(default)]
    pub asis: Option<[f64; 2]>,
    #[serde(default)]
    pub psis: Option<[f64; 2]>,
    /// `auto`, `standing` or `thomas_test`; absent: as the analysis was measured.
    #[serde(default)]
    pub protocol: Option<String>,
    /// The camera as `--camera-roll-deg`, `--camera-pitch-deg` and
    /// `--focal-length-35mm` give it (the lens counts only with a pitch);
    /// each absent: as the analysis was measured.
    #[serde(default)]
    pub camera_roll_deg: Option<f64>,
    #[serde(default)]
    pub camera_pitch_deg: Option<f64>,
    #[serde(default)]
    pub focal_length_35mm_mm: Option<f64>,
    #[serde(default)]
    pub record: Record,
    /// Each warning sign's answer: `yes`, `no` or `not_asked`.
    #[serde(default)]
    pub screening: BTreeMap<String, String>,
    /// Warning signs the opened analysis records as yes that the clinician
    /// explicitly changed (a yes is never cleared silently).
    #[serde(default)]
    pub cleared: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Move {
    pub keypoint: String,
    pub x: f64,
    pub y: f64,
}

/// The record fields as typed; empty is not given.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    #[serde(default)]
    pub client: String,
    /// `YYYY-MM-DD`; the photo's EXIF date is the default.
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub clinician: String,
    /// The Thomas test leg (or the side photographed): `left`, `right` or empty.
    #[serde(default)]
    pub side: String,
    #[serde(default)]
    pub note: String,
}

/// The landmarks a document's pelvic tilt was measured from: (ASIS, PSIS).
pub(super) fn saved_landmarks(analysis: &Analysis) -> Option<([f64; 2], [f64; 2])> {
    analysis
        .measurements
        .get("pelvic_tilt")
        .filter(|m| m.method() == "landmarks" && m.points_px().len() == 2)
        .map(|m| (m.points_px()[1], m.points_px()[0]))
}

/// A warning sign's answer in the opened analysis: `yes`, `no` or `not_asked`.
pub(super) fn saved_answer(analysis: &Analysis, flag: RedFlag) -> &'static str {
    let record = &analysis.screening;
    if record.flags.contains(&flag) {
        "yes"
    } else if record.unanswered.contains(&flag)
        || record.status == crate::schema::ScreeningStatus::NotAsked && record.unanswered.is_empty()
    {
        "not_asked"
    } else {
        "no"
    }
}

fn flag_named(name: &str) -> Result<RedFlag, String> {
    RedFlag::ALL
        .iter()
        .copied()
        .find(|f| f.name() == name)
        .ok_or_else(|| {
            format!(
                "unknown warning sign {:?}: one of {}",
                crate::input::excerpt(name),
                RedFlag::ALL.map(|f| f.name()).join(", ")
            )
        })
}

fn inside(what: &str, [x, y]: [f64; 2], analysis: &Analysis) -> Result<(), String> {
    let (width, height) = (analysis.image.width, analysis.image.height);
    if x.is_finite()
        && y.is_finite()
        && (0.0..f64::from(width)).contains(&x)
        && (0.0..f64::from(height)).contains(&y)
    {
        Ok(())
    } else {
        Err(format!(
            "{what}={x},{y} lies outside the {width}x{height} photo"
        ))
    }
}

/// A camera setting within what its command-line option takes.
fn camera_setting(
    what: &str,
    value: Option<f64>,
    (low, high): (f64, f64),
    unit: &str,
) -> Result<Option<f64>, String> {
    match value {
        Some(v) if !(low..=high).contains(&v) => {
            Err(format!("{what}={v} lies outside {low} to {high} {unit}"))
        }
        _ => Ok(value),
    }
}

impl Edit {
    /// The opened analysis with this edit made: re-measured without the
    /// model where keypoints, landmarks, the protocol or the camera changed,
    /// planned again where only the answers did, and the record written in.
    /// A pitch is levelled with the lens given, else the analysis's, else
    /// `photo_lens_35mm_mm` (the photo's EXIF), as `analyze` would. An
    /// error names the field that is wrong.
    pub fn apply(
        &self,
        opened: &Analysis,
        photo_lens_35mm_mm: Option<f64>,
        recommender: &Recommender,
        plan: &PlanOptions,
    ) -> Result<Analysis, String> {
        // The moves.
        let mut moves = Vec::new();
        for m in &self.moves {
            let joint = Joint::from_name(&m.keypoint).ok_or_else(|| {
                format!("unknown keypoint {:?}", crate::input::excerpt(&m.keypoint))
            })?;
            if moves.iter().any(|&(j, _)| j == joint) {
                return Err(format!(
                    "{} is moved twice: move each keypoint once",
                    m.keypoint
                ));
            }
            inside(&m.keypoint, [m.x, m.y], opened)?;
            moves.push((joint, [m.x, m.y]));
        }
        // The landmarks.
        for (what, point) in [("asis", self.asis), ("psis", self.psis)] {
            if let Some(point) = point {
                inside(what, point, opened)?;
            }
        }
        let landmarks = self.asis.zip(self.psis);
        let saved = &opened.protocol;
        let roll = camera_setting(
            "camera_roll_deg",
            self.camera_roll_deg,
            (-MAX_CAMERA_ROLL_DEG, MAX_CAMERA_ROLL_DEG),
            "degrees",
        )?
        .filter(|&roll| Some(roll) != saved.camera_roll_deg);
        let pitch = camera_setting(
            "camera_pitch_deg",
            self.camera_pitch_deg,
            (-MAX_CAMERA_PITCH_DEG, MAX_CAMERA_PITCH_DEG),
            "degrees",
        )?;
        // The lens changes nothing unless a pitch is levelled with it.
        let focal = camera_setting(
            "focal_length_35mm_mm",
            self.focal_length_35mm_mm,
            FOCAL_LENGTH_35MM_RANGE_MM,
            "mm",
        )?
        .or(saved.focal_length_35mm_mm)
        .or(photo_lens_35mm_mm)
        .filter(|&mm| {
            pitch.or(saved.camera_pitch_deg).is_some() && Some(mm) != saved.focal_length_35mm_mm
        });
        let pitch = pitch.filter(|&pitch| Some(pitch) != saved.camera_pitch_deg);
        let camera_changed = roll.is_some() || pitch.is_some() || focal.is_some();
        let protocol = match self.protocol.as_deref() {
            None => None,
            Some("auto") => Some(ProtocolChoice::Auto),
            Some("standing") => Some(ProtocolChoice::Standing),
            Some("thomas_test") => Some(ProtocolChoice::ThomasTest),
            Some(other) => {
                return Err(format!(
                    "unknown protocol {:?}: auto, standing or thomas_test",
                    crate::input::excerpt(&other[..other.floor_char_boundary(MAX_WORD)])
                ));
            }
        };
        // The answers; a yes the analysis records stays unless cleared explicitly.
        let mut screening = Screening::default();
        for (name, answer) in &self.screening {
            let flag = flag_named(name)?;
            match answer.as_str() {
                "yes" => screening.answer(flag, true),
                "no" => screening.answer(flag, false),
                "not_asked" => {}
                other => {
                    return Err(format!(
                        "{name}: the answer {:?} is not yes, no or not_asked",
                        crate::input::excerpt(other)
                    ));
                }
            }
        }
        let cleared: BTreeSet<RedFlag> = self
            .cleared
            .iter()
            .map(|name| flag_named(name))
            .collect::<Result<_, _>>()?;
        for &flag in &opened.screening.flags {
            let still_yes = screening.contains(flag);
            if !still_yes && !cleared.contains(&flag) {
                return Err(format!(
                    "{}: recorded as yes; changing a recorded yes is an explicit step",
                    flag.name()
                ));
            }
        }
        for flag in &cleared {
            if !opened.screening.flags.contains(flag) {
                return Err(format!(
                    "{}: not recorded as yes, nothing to clear",
                    flag.name()
                ));
            }
        }
        let record = self.session_input(opened)?;

        // The document the library starts from.
        let mut start = opened.clone();
        if self.reset {
            undo_corrections(&mut start);
        }
        let landmarks_changed = landmarks != saved_landmarks(opened);
        if landmarks_changed && landmarks.is_none() {
            // Removed: the copy forgets them, so the tilt is estimated again.
            start.measurements.remove("pelvic_tilt");
        }
        let screening_record = screening.record();
        let screening_changed = screening_record != opened.screening;
        start.screening = screening_record;
        let plan = PlanOptions {
            screening: Screening::default(),
            ..plan.clone()
        };
        let geometry_changed = self.reset
            || !moves.is_empty()
            || landmarks_changed
            || protocol.is_some()
            || camera_changed;
        let mut analysis = if geometry_changed {
            let change = Remeasure {
                moves,
                protocol,
                camera_roll_deg: roll,
                camera_pitch_deg: pitch,
                focal_length_35mm_mm: focal,
                landmarks: landmarks.map(|(a, p)| ((a[0], a[1]), (p[0], p[1]))),
            };
            crate::remeasure(&start, &change, recommender, &plan).map_err(|e| e.to_string())?
        } else if screening_changed {
            crate::plan_routine(recommender, &plan, &mut start);
            start
        } else {
            start
        };
        for flag in &cleared {
            analysis.warnings.push(crate::schema::Warning::Saved(format!(
                "the warning sign {} was recorded as yes and was changed in review by an explicit step",
                flag.name()
            )));
        }
        session::apply(&mut analysis, &record);
        Ok(analysis)
    }

    /// The record fields that differ from the opened analysis's, checked as
    /// `--client`, `--date`, `--clinician`, `--side` and `--note` are.
    fn session_input(&self, opened: &Analysis) -> Result<SessionInput, String> {
        let saved = &opened.session;
        let changed = |text: Option<String>, saved: &Option<String>| {
            text.filter(|t| Some(t) != saved.as_ref())
        };
        let r = &self.record;
        let date = match r.date.trim() {
            "" => None,
            text => Some(session::parse_date(text).map_err(|e| e.to_string())?),
        };
        let saved_day = saved
            .date
            .as_ref()
            .map(|d| d[..d.floor_char_boundary(10)].to_string());
        Ok(SessionInput {
            client: changed(
                session::parse_text("client", &r.client, session::MAX_CLIENT_CHARS)?,
                &saved.client,
            ),
            date: date.filter(|d| Some(d) != saved_day.as_ref()),
            date_source: None,
            clinician: changed(
                session::parse_text("clinician", &r.clinician, session::MAX_CLINICIAN_CHARS)?,
                &saved.clinician,
            ),
            side: session::parse_side(&r.side)?.filter(|s| Some(*s) != saved.side),
            note: changed(
                session::parse_text("note", &r.note, session::MAX_NOTE_CHARS)?,
                &saved.note,
            ),
        })
    }
}

/// Puts every corrected keypoint back where the model had it.
fn undo_corrections(analysis: &mut Analysis) {
    for correction in std::mem::take(&mut analysis.corrections) {
        if let Some(k) = analysis
            .pose
            .keypoints
            .iter_mut()
            .find(|k| k.name == correction.keypoint)
        {
            k.x = correction.from_px[0] as f32;
            k.y = correction.from_px[1] as f32;
            k.visibility = correction.visibility_was;
        }
    }
}
