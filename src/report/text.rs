//! `--format text`: a short summary a person reads in a terminal.

use std::io::{self, Write};

use super::{Exporter, snake_name};
use crate::analysis::{Analysis, Summary};
use crate::pose::Joint;

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
            let cell = |joint: Joint| {
                a.pose
                    .keypoint(joint)
                    .map(|k| format!("{:.0}, {:.0} ({:.2})", k.x, k.y, k.visibility))
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
                (None, Some(v), _) => format!("{v:+.3} {}", m.unit.as_deref().unwrap_or("")),
                (None, None, None) => String::new(),
            };
            let class = m
                .classification
                .as_deref()
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default();
            writeln!(out, "  {name:<26} {value}{class}")?;
        }
        if let Some(retake) = &p.retake {
            writeln!(out, "  retake: {retake}")?;
        }
        for finding in &a.findings {
            writeln!(
                out,
                "  finding: {} ({:?}): {}",
                finding.id, finding.severity, finding.because
            )?;
        }
        if let Some(routine) = &a.routine {
            crate::recommend::write_routine_text(routine, &mut *out)?;
        }
        for warning in &a.warnings {
            writeln!(out, "  warning: {warning}")?;
        }
        out.flush()
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.out.flush()
    }
}
