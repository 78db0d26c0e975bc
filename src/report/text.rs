//! `--format text`: a short summary a person reads in a terminal.

use std::io::{self, Write};

use super::Exporter;
use crate::analysis::Analysis;
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
        writeln!(out, "{} ({}x{} px, model {:?})", a.image.path, a.image.width, a.image.height, a.model.kind)?;
        writeln!(
            out,
            "  person: detector score {:.2}, pose presence {:.2}, {} found",
            a.pose.detector_score, a.pose.pose_presence, a.pose.persons_found
        )?;
        writeln!(out, "  {:<9} {:>22} {:>22}", "keypoint", "left x, y (vis)", "right x, y (vis)")?;
        for (label, left, right) in SUMMARY_JOINTS {
            let cell = |joint: Joint| {
                a.pose
                    .keypoint(joint)
                    .map(|k| format!("{:.0}, {:.0} ({:.2})", k.x, k.y, k.visibility))
                    .unwrap_or_default()
            };
            writeln!(out, "  {:<9} {:>22} {:>22}", label, cell(left), cell(right))?;
        }
        for warning in &a.warnings {
            writeln!(out, "  warning: {warning}")?;
        }
        out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
