//! `--format text`: a short summary a person reads in a terminal.

use std::io::{self, Write};

use super::{Exporter, snake_name};
use crate::pose::Joint;
use crate::schema::{Analysis, Summary};

pub struct TextExporter<'w> {
    out: Box<dyn Write + 'w>,
}

impl<'w> TextExporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        Self { out }
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
        let out = &mut self.out;
        writeln!(
            out,
            "{} ({}x{} px, model {:?})",
            // A file name may hold escape sequences: never raw to a terminal.
            crate::input::terminal_safe(&a.image.path, false),
            a.image.width,
            a.image.height,
            a.model.kind
        )?;
        if !a.session.is_empty() {
            let record: Vec<String> = a
                .session
                .lines()
                .into_iter()
                .map(|(label, value)| format!("{label} {value}"))
                .collect();
            // Free text from a document or a manifest: never raw to a terminal.
            let record = record.join("; ");
            writeln!(
                out,
                "  session: {}",
                crate::input::terminal_safe(&record, false)
            )?;
        }
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
        let p = &a.protocol;
        writeln!(
            out,
            "  protocol: {} ({}){}: {}",
            snake_name(&p.kind),
            if p.valid { "valid" } else { "not valid" },
            if p.forced { ", forced" } else { "" },
            p.reason
        )?;
        for (name, m) in &a.measurements {
            let value = match (m.value_deg, m.value, &m.declined) {
                (_, _, Some(reason)) => format!("declined: {reason}"),
                (Some(deg), _, _) => match m.uncertainty_deg {
                    Some(u) => format!("{deg:+.1} deg +/- {u:.1} ({})", m.method),
                    None => format!("{deg:+.1} deg ({})", m.method),
                },
                (None, Some(v), _) => match m.uncertainty {
                    Some(u) => format!("{v:+.3} +/- {u:.3} {}", m.unit.as_deref().unwrap_or("")),
                    None => format!("{v:+.3} {}", m.unit.as_deref().unwrap_or("")),
                },
                (None, None, None) => String::new(),
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
        writeln!(
            out,
            "  assessment: {}",
            snake_name(&a.assessment.status).replace('_', " ")
        )?;
        for reason in &a.assessment.reasons {
            writeln!(out, "    - {reason}")?;
        }
        if let Some(retake) = a.assessment.retake.as_ref().or(p.retake.as_ref()) {
            writeln!(out, "  retake: {retake}")?;
        }
        for finding in &a.findings {
            writeln!(
                out,
                "  finding: {} ({:?}): {}",
                finding.id, finding.severity, finding.because
            )?;
        }
        for borderline in &a.borderline {
            writeln!(
                out,
                "  borderline (not a finding): {}; {}",
                borderline.because, borderline.recheck
            )?;
        }
        for warning in &a.warnings {
            writeln!(out, "  warning: {warning}")?;
        }
        write_references(a, &mut *out)?;
        match &a.routine {
            Some(routine) => write_routine_section(a, routine, &mut *out)?,
            None => write_no_routine(a, &mut *out)?,
        }
        out.flush()
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.out.flush()
    }
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

/// The routine (or the referral that replaces it). A withheld routine ends
/// the output with the referral.
pub fn write_routine_section(
    _a: &Analysis,
    routine: &crate::schema::Routine,
    out: &mut dyn Write,
) -> io::Result<()> {
    crate::recommend::write_routine_text(routine, out)
}

/// What the reader gets instead of a routine for a photo that was not
/// assessed: what could not be assessed, why, how to retake it.
pub fn write_no_routine(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "No routine: this photo could not be assessed, so nothing in it supports one."
    )?;
    for reason in &a.assessment.reasons {
        writeln!(out, "  Not assessed: {reason}")?;
    }
    if let Some(retake) = &a.assessment.retake {
        writeln!(out, "  To retake: {retake}")?;
    }
    writeln!(
        out,
        "  A general routine, not based on any photo, is given with --general-routine."
    )
}
