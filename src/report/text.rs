//! `--format text`: what a person reads in a terminal. By default a
//! summary that fits a screen (protocol, findings and calls with their
//! evidence, the measurements in clinical order with their uncertainty,
//! the routine); `--verbose` adds the keypoints, the detector scores, every
//! measurement's method and reasons, the full routine with its rule ids and
//! the references in full; with `--out`, one line per photo.

use std::io::{self, Write};

use super::{Exporter, snake_name};
use crate::measure::conventions;
use crate::pose::Joint;
use crate::recommend::{write_routine_summary, write_wrapped};
use crate::schema::{Analysis, AssessmentStatus, Measurement, MeasurementId, Summary};

/// How much the text output shows of each photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextDetail {
    /// The summary: at most 100 columns, about one screen.
    #[default]
    Summary,
    /// The summary, then every detail the analysis holds.
    Verbose,
    /// One line: the photo, its protocol and its findings (the files of
    /// `--out` hold the rest).
    Line,
}

pub struct TextExporter<'w> {
    out: Box<dyn Write + 'w>,
    detail: TextDetail,
}

impl<'w> TextExporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>, detail: TextDetail) -> Self {
        Self { out, detail }
    }
}

/// The landmarks a sagittal analysis uses, as (label, left, right).
const SUMMARY_JOINTS: [(&str, Joint, Joint); 6] = [
    ("ear", Joint::LeftEar, Joint::RightEar),
    ("shoulder", Joint::LeftShoulder, Joint::RightShoulder),
    ("hip", Joint::LeftHip, Joint::RightHip),
    ("knee", Joint::LeftKnee, Joint::RightKnee),
    ("ankle", Joint::LeftAnkle, Joint::RightAnkle),
    ("heel", Joint::LeftHeel, Joint::RightHeel),
];

impl Exporter for TextExporter<'_> {
    fn analysis(&mut self, a: &Analysis) -> io::Result<()> {
        let out = &mut *self.out;
        match self.detail {
            TextDetail::Line => write_line(a, out)?,
            TextDetail::Summary => write_summary(a, out)?,
            TextDetail::Verbose => {
                write_summary(a, out)?;
                writeln!(out)?;
                write_details(a, out)?;
            }
        }
        out.flush()
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.out.flush()
    }
}

/// A path or free text from a document: never raw to a terminal.
fn safe(text: &str) -> String {
    crate::input::terminal_safe(text, false).into_owned()
}

/// "not assessed", "assessed".
fn status_words(a: &Analysis) -> String {
    snake_name(&a.assessment.status).replace('_', " ")
}

/// `--out`: the photo, its protocol and what was found, on one line.
fn write_line(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let p = &a.protocol;
    let protocol = format!(
        "{}{}",
        snake_name(&p.kind),
        if p.valid { "" } else { " (not valid)" }
    );
    let result = if a.assessment.status != AssessmentStatus::Assessed {
        format!("{}: {}", status_words(a), a.assessment.reasons.join("; "))
    } else if a.findings.is_empty() {
        "no findings".to_string()
    } else {
        let ids: Vec<&str> = a.findings.iter().map(|f| f.id.as_str()).collect();
        format!("findings {}", ids.join(", "))
    };
    let withheld = match &a.routine {
        Some(routine) if routine.withheld => "; routine withheld (warning signs)",
        _ => "",
    };
    writeln!(
        out,
        "{}: {protocol}; {result}{withheld}",
        safe(&a.image.path)
    )
}

/// The citation keys a statement's reference names, as " [A, B]".
pub(super) fn keys(reference: Option<&str>) -> String {
    let keys: Vec<&str> = reference
        .map(crate::references::cited_in)
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.key.as_str())
        .collect();
    match keys.is_empty() {
        true => String::new(),
        false => format!(" [{}]", keys.join(", ")),
    }
}

/// A class name in words ("no_type" is none of Kendall's types).
pub(super) fn class_words(class: &str) -> String {
    match class {
        "no_type" => "none of Kendall's types".to_string(),
        _ => class.replace('_', " "),
    }
}

/// "+27.2 ± 3.6 deg", "+0.156 ± 0.053 trunk"; `None` for a declined or
/// class measurement.
fn value_text(m: &Measurement) -> Option<String> {
    let plus_minus = |u: Option<f64>, digits: usize| match u {
        Some(u) => format!(" ± {u:.digits$}"),
        None => " ± ?".to_string(),
    };
    let m = m.reading()?;
    if let Some(deg) = m.value_deg {
        return Some(format!("{deg:+.1}{} deg", plus_minus(m.uncertainty_deg, 1)));
    }
    let unit = match m.unit.as_deref() {
        Some("fraction_of_height") => "height",
        Some("fraction_of_trunk_length") => "trunk",
        Some(other) => other,
        None => "",
    };
    m.value
        .map(|v| format!("{v:+.3}{} {unit}", plus_minus(m.uncertainty, 3)))
}

/// The default text: protocol, findings and calls with their evidence,
/// the measurements in clinical order, then the routine.
fn write_summary(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let p = &a.protocol;
    let header = format!(
        "{} ({}x{} px): {} ({}{}):",
        safe(&a.image.path),
        a.image.width,
        a.image.height,
        snake_name(&p.kind),
        if p.valid { "valid" } else { "not valid" },
        if p.forced { ", forced" } else { "" },
    );
    write_wrapped(out, &header, "  ", &p.reason)?;
    if !a.session.is_empty() {
        let record: Vec<String> = a
            .session
            .lines()
            .into_iter()
            .map(|(label, value)| format!("{label} {value}"))
            .collect();
        write_wrapped(out, "  session:", "    ", &safe(&record.join("; ")))?;
    }
    // Without a routine, the closing lines say what was not assessed.
    let no_routine = a.routine.is_none();
    if a.assessment.status != AssessmentStatus::Assessed {
        writeln!(out, "  assessment: {}", status_words(a))?;
        for reason in a.assessment.reasons.iter().filter(|_| !no_routine) {
            write_wrapped(out, "    -", "      ", reason)?;
        }
    }
    let retake = a.assessment.retake.as_ref().or(p.retake.as_ref());
    if let Some(retake) = retake.filter(|_| !(no_routine && a.assessment.retake.is_some())) {
        write_wrapped(out, "  retake:", "    ", retake)?;
    }
    for warning in &a.warnings {
        write_wrapped(out, "  warning:", "    ", &safe(&warning.to_string()))?;
    }
    write_findings(a, out)?;
    write_calls(a, out)?;
    write_measurement_grid(a, out)?;
    match &a.routine {
        Some(routine) => write_routine_section(routine, false, out),
        None => write_no_routine(a, out),
    }
}

fn write_findings(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    if a.assessment.status != AssessmentStatus::Assessed {
        return Ok(());
    }
    if a.findings.is_empty() {
        writeln!(out, "Findings: none")?;
    } else {
        writeln!(out, "Findings:")?;
    }
    for finding in &a.findings {
        let text = format!(
            "{} ({}): {}{}",
            finding.id.replace('_', " "),
            snake_name(&finding.severity),
            finding.because,
            keys(finding.reference.as_deref())
        );
        write_wrapped(out, "  -", "    ", &text)?;
    }
    for borderline in &a.borderline {
        let text = format!(
            "{}; re-check: {}{}",
            borderline.because,
            borderline.recheck,
            keys(borderline.reference.as_deref())
        );
        write_wrapped(out, "  - borderline, not a finding:", "    ", &text)?;
    }
    Ok(())
}

/// The calls among classes (pelvic pattern, posture type): the class with
/// its probability, the runner-up, and the value it rests on.
fn write_calls(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let mut calls: Vec<(&String, &Measurement)> = a
        .measurements
        .iter()
        .filter(|(name, m)| conventions::is_call(name) && m.classification().is_some())
        .collect();
    if calls.is_empty() {
        return Ok(());
    }
    calls.sort_by_key(|(name, _)| conventions::clinical_rank(name));
    writeln!(out, "Calls:")?;
    for (name, m) in calls
        .into_iter()
        .filter_map(|(n, m)| Some((n, m.reading()?)))
    {
        let class = m.classification.as_deref().unwrap_or_default();
        let mut ranked: Vec<(&String, &f64)> = m.probabilities.iter().collect();
        ranked.sort_by(|x, y| y.1.total_cmp(x.1));
        let mut text = format!("{}: {}", name.replace('_', " "), class_words(class));
        let odds: Vec<String> = ranked
            .iter()
            .take(2)
            .filter(|(_, p)| **p >= 0.005)
            .map(|(c, p)| format!("{} {p:.2}", class_words(c)))
            .collect();
        if !odds.is_empty() {
            text.push_str(&format!(" (probability {})", odds.join(", ")));
        }
        let evidence = MeasurementId::from_name(name, a.protocol.kind)
            .and_then(conventions::call_angle)
            .and_then(|from| Some((from.name(), a.measurement(from)?)));
        if let Some((from, source)) = evidence
            && let Some(value) = value_text(source)
        {
            text.push_str(&format!(
                ", from {} {value} ({})",
                from.replace('_', " "),
                source.method()
            ));
        }
        text.push_str(&keys(m.reference.as_deref()));
        write_wrapped(out, "  -", "    ", &text)?;
        if let Some(settle) = &m.to_settle {
            write_wrapped(out, "    to settle it:", "      ", settle)?;
        }
    }
    Ok(())
}

/// The measured values in clinical order, two columns read downwards;
/// the declined ones share one line, the unreliable ones are starred.
fn write_measurement_grid(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let mut named: Vec<(&String, &Measurement)> = a
        .measurements
        .iter()
        .filter(|(name, _)| !conventions::is_call(name))
        .collect();
    named.sort_by_key(|(name, _)| conventions::clinical_rank(name));
    let cells: Vec<String> = named
        .iter()
        .filter_map(|(name, m)| {
            let unreliable = m.reading().is_some_and(|m| m.unreliable.is_some());
            let star = if unreliable { " *" } else { "" };
            value_text(m).map(|value| format!("{name:<25} {value}{star}"))
        })
        .collect();
    let declined: Vec<&str> = named
        .iter()
        .filter(|(_, m)| m.is_declined())
        .map(|(name, _)| name.as_str())
        .collect();
    if cells.is_empty() && declined.is_empty() {
        return Ok(());
    }
    let unstated = match cells.iter().any(|c| c.contains("± ?")) {
        true => "; ?: none stated",
        false => "",
    };
    writeln!(
        out,
        "Measurements (value ± uncertainty{unstated}), pelvis to head:"
    )?;
    let rows = cells.len().div_ceil(2);
    let width = cells.iter().map(|c| c.chars().count()).max().unwrap_or(0);
    for row in 0..rows {
        let left = &cells[row];
        match cells.get(row + rows) {
            Some(right) => writeln!(out, "  {left:<width$}  {right}")?,
            None => writeln!(out, "  {left}")?,
        }
    }
    if named
        .iter()
        .any(|(_, m)| m.reading().is_some_and(|m| m.unreliable.is_some()))
    {
        writeln!(
            out,
            "  * unreliable: shown, never acted on (reasons: --verbose)"
        )?;
    }
    if !declined.is_empty() {
        write_wrapped(
            out,
            "  declined:",
            "    ",
            &format!("{} (reasons: --verbose, or the JSON)", declined.join(", ")),
        )?;
    }
    Ok(())
}

/// `--verbose`: what the summary leaves out.
fn write_details(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Details (model {:?}):", a.model.kind)?;
    writeln!(
        out,
        "  person: detector score {:.2}, pose presence {:.2}, {} found",
        a.pose.detector_score, a.pose.pose_presence, a.pose.persons_found
    )?;
    writeln!(
        out,
        "  {:<9} {:>22} {:>22}",
        "keypoint", "left x, y (vis)", "right x, y (vis)"
    )?;
    for (label, left, right) in SUMMARY_JOINTS {
        // A keypoint moved by hand shows that instead of a visibility.
        let cell = |joint: Joint| {
            let moved = a.corrections.iter().any(|c| c.keypoint == joint.name());
            a.pose
                .keypoint(joint.name())
                .map(|k| match moved {
                    true => format!("{:.0}, {:.0} (moved)", k.x, k.y),
                    false => format!("{:.0}, {:.0} ({:.2})", k.x, k.y, k.visibility),
                })
                .unwrap_or_default()
        };
        writeln!(out, "  {:<9} {:>22} {:>22}", label, cell(left), cell(right))?;
    }
    for (name, m) in &a.measurements {
        let m = match m {
            Measurement::Declined(decline) => {
                writeln!(out, "  {name:<26} declined: {}", decline.reason)?;
                continue;
            }
            Measurement::Made(reading) => reading,
        };
        let value = match (m.value_deg, m.value) {
            (Some(deg), _) => match m.uncertainty_deg {
                Some(u) => format!("{deg:+.1} deg +/- {u:.1} ({})", m.method),
                None => format!("{deg:+.1} deg ({})", m.method),
            },
            (None, Some(v)) => match m.uncertainty {
                Some(u) => format!("{v:+.3} +/- {u:.3} {}", m.unit.as_deref().unwrap_or("")),
                None => format!("{v:+.3} {}", m.unit.as_deref().unwrap_or("")),
            },
            (None, None) => String::new(),
        };
        let class = m
            .classification
            .as_deref()
            .map(|c| format!(" [{c}]"))
            .unwrap_or_default();
        let unreliable = m
            .unreliable
            .as_deref()
            .map(|why| format!(" UNRELIABLE: {why}"))
            .unwrap_or_default();
        let shares = if m.probabilities.is_empty() {
            String::new()
        } else {
            let shares: Vec<String> = m
                .probabilities
                .iter()
                .map(|(class, p)| format!("{class} {p:.2}"))
                .collect();
            format!(" ({})", shares.join(", "))
        };
        writeln!(out, "  {name:<26} {value}{class}{shares}{unreliable}")?;
        if let Some(settle) = &m.to_settle {
            writeln!(out, "  {:<26} to settle it: {settle}", "")?;
        }
    }
    write_references(a, &mut *out)?;
    if let Some(routine) = &a.routine {
        writeln!(out)?;
        crate::recommend::write_routine_text(routine, &mut *out)?;
    }
    Ok(())
}

/// The cited works in full, so a printed page can be followed up.
fn write_references(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    if a.references.is_empty() {
        return Ok(());
    }
    writeln!(out, "  references:")?;
    for key in &a.references {
        if let Some(reference) = crate::references::get(key) {
            writeln!(out, "    {key}: {}", reference.full())?;
        }
    }
    Ok(())
}

/// The routine (or the referral that replaces it): the summary, or with
/// `verbose` every step, caution and rule. A withheld routine ends the
/// output with the referral.
pub fn write_routine_section(
    routine: &crate::schema::Routine,
    verbose: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match verbose {
        true => crate::recommend::write_routine_text(routine, out),
        false => write_routine_summary(routine, out),
    }
}

/// What the reader gets instead of a routine for a photo that was not
/// assessed: what could not be assessed, why, how to retake it.
pub fn write_no_routine(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "No routine: this photo could not be assessed, so nothing in it supports one."
    )?;
    for reason in &a.assessment.reasons {
        write_wrapped(out, "  Not assessed:", "    ", reason)?;
    }
    if let Some(retake) = &a.assessment.retake {
        write_wrapped(out, "  To retake:", "    ", retake)?;
    }
    writeln!(
        out,
        "  A general routine, not based on any photo, is given with --general-routine."
    )
}
