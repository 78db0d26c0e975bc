//! Saved analysis documents read back as evidence (`routine --from`,
//! `measure --from`, `compare`). A document is checked before anything is
//! planned or measured from it: every number it carries gets the check the
//! command line gives the same number, and its parts must agree with each
//! other, so an edited or damaged document is refused with what is wrong
//! instead of yielding a finding or a routine.

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::Invalid;
use crate::image_io::DecodeLimits;
use crate::measure::{
    FOCAL_LENGTH_35MM_RANGE_MM, MAX_CAMERA_PITCH_DEG, MAX_CAMERA_ROLL_DEG, MAX_POINT_PX,
    conventions,
};
use crate::plan::Planned;
use crate::pose::{Joint, Pose};
use crate::recommend::Screening;
use crate::schema::measurement::{ValueAndDecline, holds_value_and_decline};
use crate::schema::{
    self, Analysis, ImageInfo, Measurement, ModelInfo, PersonMask, PoseReport, Protocol,
    SCHEMA_VERSION,
};
use crate::{input, references, session};

/// The largest mask region a document may give, in sides of the photo's
/// longer side: a model's crop covers the body with a margin and may reach
/// past the frame, but not by more than the photo again on every side.
const MAX_MASK_SIDE_PER_PHOTO_SIDE: f64 = 3.0;

/// The document, assembled once from what the stages produced, with the
/// index of the works it cites (read off the finished document).
pub(crate) fn assemble(
    image: ImageInfo,
    session: schema::Session,
    pose: PoseReport,
    model: ModelInfo,
    protocol: Protocol,
    planned: Planned,
    corrections: Vec<schema::Correction>,
) -> Analysis {
    let mut analysis = Analysis {
        schema_version: SCHEMA_VERSION.to_string(),
        image,
        session,
        model,
        pose,
        assessment: planned.assessment,
        protocol,
        measurements: planned.measurements,
        findings: planned.findings,
        borderline: planned.borderline,
        screening: planned.screening,
        routine: planned.routine,
        warnings: planned.warnings,
        references: Vec::new(),
        corrections,
    };
    analysis.references = references::cited_by(&analysis);
    analysis
}

/// Reads a saved analysis document (`sagitta analyze --format json`, or the
/// `<name>.json` of `--out`) as other documents are read, and checks that it
/// is one: an analysis of this schema's major version and of no later minor
/// version, with values a photo could have given. The message names the file.
pub fn read_analysis(path: &Path) -> Result<Analysis, DocumentError> {
    let from = path.display().to_string();
    match input::read_document(path) {
        Ok(text) => parse_analysis(&text, &from),
        Err(source) => Err(DocumentError::Read { from, source }),
    }
}

/// Why a saved analysis document cannot be used; each message starts with
/// the document's name.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("{from}: cannot read: {source}")]
    Read {
        from: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{from}: not a sagitta analysis document: {}",
        input::shorten_message(&source.to_string())
    )]
    NotJson {
        from: String,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "{from}: holds a list of {count} analyses (`--format json` with several photos); give one analysis per file (`--out DIR` writes them)"
    )]
    List { from: String, count: usize },
    #[error("{from}: is a compare document, not an analysis")]
    Compare { from: String },
    #[error(
        "{from}: is a visit document (`sagitta visit`), not an analysis; give the photos' analyses"
    )]
    Visit { from: String },
    #[error("{from}: {source}")]
    Invalid {
        from: String,
        #[source]
        source: Invalid,
    },
}

/// A saved analysis document's text, parsed and checked as
/// [`read_analysis`] does; `from` names it in messages.
pub fn parse_analysis(text: &str, from: &str) -> Result<Analysis, DocumentError> {
    let from = from.to_string();
    if let Err(source) = input::check_unique_keys(text) {
        return Err(DocumentError::NotJson { from, source });
    }
    let analysis: Analysis = match serde_json::from_str(text) {
        Ok(analysis) => analysis,
        // Say what the document is, where it is another of sagitta's.
        Err(source) => {
            return Err(match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Array(items)) => DocumentError::List {
                    from,
                    count: items.len(),
                },
                Ok(serde_json::Value::Object(map)) if map.contains_key("changes") => {
                    DocumentError::Compare { from }
                }
                Ok(serde_json::Value::Object(map))
                    if map.contains_key("photos") && map.contains_key("asymmetry") =>
                {
                    DocumentError::Visit { from }
                }
                Ok(serde_json::Value::Object(map)) if value_and_decline(&map).is_some() => {
                    let name = value_and_decline(&map).unwrap_or_default();
                    DocumentError::Invalid {
                        from,
                        source: Invalid(format!(
                            "measurements.{} {ValueAndDecline}",
                            input::excerpt(name)
                        )),
                    }
                }
                _ => DocumentError::NotJson { from, source },
            });
        }
    };
    match check(&analysis) {
        Ok(()) => Ok(analysis),
        Err(source) => Err(DocumentError::Invalid { from, source }),
    }
}

/// The first measurement of a document that holds a value and a decline,
/// which the typed [`Measurement`] cannot hold, so that the message names it.
fn value_and_decline(document: &serde_json::Map<String, serde_json::Value>) -> Option<&str> {
    let measurements = document.get("measurements")?.as_object()?;
    measurements
        .iter()
        .find(|(_, m)| holds_value_and_decline(m))
        .map(|(name, _)| name.as_str())
}

/// Whether a document could have been written by this sagitta from a photo:
/// the schema version, the photo's size, the record, the screening, the
/// protocol, the pose, the measurements and the corrections. The problem
/// names the field.
pub fn check(analysis: &Analysis) -> Result<(), Invalid> {
    check_version(&analysis.schema_version)?;
    check_image(analysis)?;
    check_session(&analysis.session)?;
    Screening::check_record(&analysis.screening)?;
    check_protocol(analysis)?;
    check_pose(analysis)?;
    for (name, measurement) in &analysis.measurements {
        check_measurement(name, measurement)?;
    }
    check_corrections(analysis)
}

/// `MAJOR.MINOR`: this major version, and no minor version later than this
/// sagitta's, whose fields it would not know and so silently drop.
fn check_version(version: &str) -> Result<(), Invalid> {
    let parse = |v: &str| -> Option<(u32, u32)> {
        let (major, minor) = v.split_once('.')?;
        let number = |part: &str| {
            (!part.is_empty() && part.len() <= 4 && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse().ok())
                .flatten()
        };
        Some((number(major)?, number(minor)?))
    };
    let ours = parse(SCHEMA_VERSION).expect("SCHEMA_VERSION is MAJOR.MINOR");
    match parse(version) {
        Some((major, minor)) if major == ours.0 && minor <= ours.1 => Ok(()),
        Some((major, _)) if major == ours.0 => Err(Invalid(format!(
            "schema_version {} was written by a later sagitta (this one reads up to {SCHEMA_VERSION}): update sagitta to read it",
            input::excerpt(version)
        ))),
        _ => Err(Invalid(format!(
            "schema_version {} is not readable by this sagitta (schema {SCHEMA_VERSION})",
            input::excerpt(version)
        ))),
    }
}

/// A size the decoder would have accepted, and a path that names one file.
fn check_image(analysis: &Analysis) -> Result<(), Invalid> {
    analysis.image.photo_path()?;
    let limits = DecodeLimits::default();
    let (width, height) = (analysis.image.width, analysis.image.height);
    let sides = limits.min_side..=limits.max_side;
    if !sides.contains(&width)
        || !sides.contains(&height)
        || u64::from(width) * u64::from(height) > limits.max_pixels
    {
        return Err(Invalid(format!(
            "image is {width}x{height} pixels: not a photo sagitta analyses (each side {} to {}, at most {} pixels)",
            limits.min_side, limits.max_side, limits.max_pixels
        )));
    }
    Ok(())
}

/// The record's texts and date, as `--client`, `--date`, ... take them.
fn check_session(s: &crate::schema::Session) -> Result<(), Invalid> {
    let texts = [
        ("client", &s.client, session::MAX_CLIENT_CHARS),
        ("clinician", &s.clinician, session::MAX_CLINICIAN_CHARS),
        ("note", &s.note, session::MAX_NOTE_CHARS),
    ];
    for (field, value, max) in texts {
        if let Some(value) = value {
            session::parse_text(field, value, max).map_err(|e| format!("session.{field}: {e}"))?;
        }
    }
    if let Some(date) = &s.date {
        // A date as given, or an EXIF date and time.
        let day = date.get(..10).unwrap_or(date);
        let time_ok = date.len() == 10
            || (date.len() == 19
                && date.as_bytes()[10] == b'T'
                && date[11..].bytes().all(|b| b.is_ascii_digit() || b == b':'));
        session::parse_date(day)
            .ok()
            .filter(|_| time_ok)
            .ok_or_else(|| {
                format!(
                    "session.date {} is not a date sagitta writes",
                    input::excerpt(date)
                )
            })?;
    }
    Ok(())
}

/// The camera roll, pitch and focal length within what `--camera-roll-deg`,
/// `--camera-pitch-deg` and `--focal-length-35mm` take; the lateral score a
/// fraction.
fn check_protocol(analysis: &Analysis) -> Result<(), Invalid> {
    let protocol = &analysis.protocol;
    if let Some(roll) = protocol.camera_roll_deg
        && !(roll.is_finite() && roll.abs() <= MAX_CAMERA_ROLL_DEG)
    {
        return Err(Invalid(format!(
            "protocol.camera_roll_deg is {}, outside -{MAX_CAMERA_ROLL_DEG} to {MAX_CAMERA_ROLL_DEG}: not a roll sagitta corrects",
            Num(roll)
        )));
    }
    if let Some(pitch) = protocol.camera_pitch_deg
        && !(pitch.is_finite() && pitch.abs() <= MAX_CAMERA_PITCH_DEG)
    {
        return Err(Invalid(format!(
            "protocol.camera_pitch_deg is {}, outside -{MAX_CAMERA_PITCH_DEG} to {MAX_CAMERA_PITCH_DEG}: not a tilt sagitta levels",
            Num(pitch)
        )));
    }
    let (shortest, longest) = FOCAL_LENGTH_35MM_RANGE_MM;
    if let Some(focal) = protocol.focal_length_35mm_mm
        && !(shortest..=longest).contains(&focal)
    {
        return Err(Invalid(format!(
            "protocol.focal_length_35mm_mm is {}, outside {shortest} to {longest}",
            Num(focal)
        )));
    }
    if !(0.0..=1.0).contains(&protocol.lateral_score) {
        return Err(Invalid(format!(
            "protocol.lateral_score is {}, outside 0 to 1",
            Num(protocol.lateral_score)
        )));
    }
    Ok(())
}

/// The keypoints as [`Pose::from_report`] takes them, the scores fractions,
/// at least the one person analysed, and a `--person` point as the command
/// line takes it.
fn check_pose(analysis: &Analysis) -> Result<(), Invalid> {
    let pose = &analysis.pose;
    Pose::from_report(pose, analysis.model.clone())?;
    for (field, score) in [
        ("detector_score", pose.detector_score),
        ("pose_presence", pose.pose_presence),
    ] {
        if !(0.0..=1.0).contains(&score) {
            return Err(Invalid(format!(
                "pose.{field} is {}, outside 0 to 1",
                Num(score.into())
            )));
        }
    }
    if pose.persons_found == 0 {
        return Err(Invalid(
            "pose.persons_found is 0, but a person was analysed".to_string(),
        ));
    }
    if let Some(point) = pose.person.and_then(|p| p.point_px) {
        check_point("pose.person.point_px", point)?;
    }
    if let Some(mask) = &pose.person_mask {
        check_mask(mask, &analysis.image)?;
    }
    Ok(())
}

/// The person mask on the photo: [`Pose::from_report`] has checked the
/// grid, its encoding and its region on their own; here the region must be
/// one a model could have looked at in this photo, overlapping it and at
/// most [`MAX_MASK_SIDE_PER_PHOTO_SIDE`] times its longer side.
fn check_mask(mask: &PersonMask, image: &ImageInfo) -> Result<(), Invalid> {
    let (width, height) = (f64::from(image.width), f64::from(image.height));
    let side = f64::from(mask.region.side_px);
    let longest = width.max(height);
    if side > MAX_MASK_SIDE_PER_PHOTO_SIDE * longest {
        return Err(Invalid(format!(
            "pose.person_mask.region.side_px is {side}, more than {MAX_MASK_SIDE_PER_PHOTO_SIDE} times the {}x{} photo's longer side",
            image.width, image.height
        )));
    }
    let [x, y] = mask.region.center_px.map(f64::from);
    // The square's corners lie within side / sqrt(2) of its centre.
    let reach = side / std::f64::consts::SQRT_2;
    if !(-reach..=width + reach).contains(&x) || !(-reach..=height + reach).contains(&y) {
        return Err(Invalid(format!(
            "pose.person_mask.region.center_px ({x}, {y}) puts the mask wholly outside the {}x{} photo",
            image.width, image.height
        )));
    }
    Ok(())
}

/// A point as `--asis`, `--psis` and `--person` take it: finite, within a
/// million pixels.
fn check_point(field: &str, [x, y]: [f64; 2]) -> Result<(), Invalid> {
    if [x, y]
        .iter()
        .all(|v| v.is_finite() && v.abs() <= MAX_POINT_PX)
    {
        Ok(())
    } else {
        Err(Invalid(format!(
            "{field} ({}, {}) has a coordinate outside +-{MAX_POINT_PX}: not a pixel of a photo",
            Num(x),
            Num(y)
        )))
    }
}

/// A measurement sagitta knows, with
/// numbers in their ranges: an angle within a half turn either way, its
/// uncertainty under a half turn, fractions in 0 to 1.
fn check_measurement(name: &str, m: &Measurement) -> Result<(), Invalid> {
    if conventions::spec(name).is_none() {
        return Err(Invalid(format!(
            "measurements.{} is not a measurement sagitta makes (`sagitta measurements` lists them)",
            input::excerpt(name)
        )));
    }
    // A decline carries nothing else; a value and a decline together are
    // refused as the document is parsed (`holds a value and a decline`).
    let Some(m) = m.reading() else {
        return Ok(());
    };
    let checks = [
        ("value_deg", m.value_deg, -180.0..=180.0),
        ("uncertainty_deg", m.uncertainty_deg, 0.0..=180.0),
        ("confidence", m.confidence, 0.0..=1.0),
        // Plumb offsets are fractions of the body height; other values
        // (counts, ratios) are small too.
        ("value", m.value, -1000.0..=1000.0),
        ("uncertainty", m.uncertainty, 0.0..=1000.0),
    ];
    for (field, value, range) in checks {
        if let Some(value) = value
            && !range.contains(&value)
        {
            return Err(Invalid(format!(
                "measurements.{name}.{field} is {}, outside {} to {}: not a value sagitta writes",
                Num(value),
                range.start(),
                range.end()
            )));
        }
    }
    for (class, probability) in &m.probabilities {
        if !(0.0..=1.0).contains(probability) {
            return Err(Invalid(format!(
                "measurements.{name}.probabilities.{} is {}, outside 0 to 1",
                input::excerpt(class),
                Num(*probability)
            )));
        }
    }
    for (field, points) in [("points_px", &m.points_px), ("outline_px", &m.outline_px)] {
        for (i, point) in points.iter().enumerate() {
            check_point(&format!("measurements.{name}.{field}[{i}]"), *point)?;
        }
    }
    Ok(())
}

/// Each correction names a keypoint once, moved to a pixel inside the photo
/// (as `--set` takes it), from a place a keypoint could have, with the
/// model's visibility a fraction.
fn check_corrections(analysis: &Analysis) -> Result<(), Invalid> {
    let (width, height) = (analysis.image.width as f64, analysis.image.height as f64);
    let mut seen = BTreeSet::new();
    for (i, c) in analysis.corrections.iter().enumerate() {
        let field = format!("corrections[{i}]");
        let joint = Joint::from_name(&c.keypoint).ok_or_else(|| {
            format!(
                "{field}.keypoint {} is not a keypoint name (`sagitta measure --help` lists them)",
                input::excerpt(&c.keypoint)
            )
        })?;
        if !seen.insert(joint) {
            return Err(Invalid(format!(
                "{field}.keypoint {} is corrected twice",
                joint.name()
            )));
        }
        check_point(&format!("{field}.from_px"), c.from_px)?;
        let [x, y] = c.to_px;
        if !((0.0..width).contains(&x) && (0.0..height).contains(&y)) {
            return Err(Invalid(format!(
                "{field}.to_px ({}, {}) lies outside the {}x{} photo",
                Num(x),
                Num(y),
                analysis.image.width,
                analysis.image.height
            )));
        }
        if !(0.0..=1.0).contains(&c.visibility_was) {
            return Err(Invalid(format!(
                "{field}.visibility_was is {}, outside 0 to 1",
                Num(c.visibility_was.into())
            )));
        }
    }
    Ok(())
}

/// A number as a message shows it: plainly, or in exponent form where it is
/// too large or too small to read that way (a tampered 1e300).
struct Num(f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.0;
        if v == 0.0 || (1e-4..1e6).contains(&v.abs()) {
            write!(f, "{v}")
        } else {
            write!(f, "{v:e}")
        }
    }
}
