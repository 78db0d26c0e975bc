//! Re-measuring: a saved analysis measured and planned again from its
//! keypoints (`sagitta measure --from`), without a photo or a model.

use crate::document::assemble;
use crate::error::Invalid;
use crate::measure::{self, MeasureOptions};
use crate::plan::{PlanOptions, plan, replan_options};
use crate::pose;
use crate::recommend::Recommender;
use crate::schema::{
    self, Analysis, Correction, Measurement, MeasurementId, ProtocolKind, Warning,
};

/// Why a saved analysis cannot be measured again as asked.
#[derive(Debug, thiserror::Error)]
pub enum RemeasureError {
    /// The document's keypoints or mask cannot be read back into a pose.
    #[error(transparent)]
    SavedPose(#[from] Invalid),
    /// A keypoint was moved off the photo.
    #[error(
        "{joint}={x},{y} lies outside the {width}x{height} photo (x from 0 to {width}, y from 0 to {height})"
    )]
    MovedOffPhoto {
        joint: &'static str,
        x: f64,
        y: f64,
        width: u32,
        height: u32,
    },
}

/// What measuring a saved analysis again changes (`sagitta measure`): the
/// keypoints moved by hand, and the measuring options, each `None` keeping
/// what the document was measured with.
#[derive(Debug, Clone, Default)]
pub struct Remeasure {
    /// Landmark and its new photo position, in pixels.
    pub moves: Vec<(pose::Joint, [f64; 2])>,
    /// `None`: the protocol the document forced, else detected again.
    pub protocol: Option<measure::ProtocolChoice>,
    /// `None`: the document's `protocol.camera_roll_deg`.
    pub camera_roll_deg: Option<f64>,
    /// `None`: the document's `protocol.camera_pitch_deg`.
    pub camera_pitch_deg: Option<f64>,
    /// `None`: the document's `protocol.focal_length_35mm_mm`.
    pub focal_length_35mm_mm: Option<f64>,
    /// Palpated (ASIS, PSIS) in photo pixels; `None`: the landmarks the
    /// document's pelvic tilt was measured from, if it was.
    pub landmarks: Option<((f64, f64), (f64, f64))>,
}

impl Remeasure {
    /// The measuring options: those given, else the saved document's.
    fn measure_options(&self, saved: &Analysis) -> MeasureOptions {
        use measure::{PelvisInput, ProtocolChoice};
        let protocol = self.protocol.unwrap_or(match saved.protocol.kind {
            ProtocolKind::Standing if saved.protocol.forced => ProtocolChoice::Standing,
            ProtocolKind::ThomasTest if saved.protocol.forced => ProtocolChoice::ThomasTest,
            _ => ProtocolChoice::Auto,
        });
        // Landmarks given to the first run are its pelvic tilt's points
        // (PSIS, then ASIS).
        let saved_landmarks = saved
            .measurements
            .get(MeasurementId::PelvicTilt.name())
            .and_then(Measurement::reading)
            .filter(|m| m.method == "landmarks" && m.points_px.len() == 2)
            .map(|m| {
                let [psis, asis] = [m.points_px[0], m.points_px[1]];
                ((asis[0], asis[1]), (psis[0], psis[1]))
            });
        MeasureOptions {
            protocol,
            camera_roll_deg: self.camera_roll_deg.or(saved.protocol.camera_roll_deg),
            camera_pitch_deg: self.camera_pitch_deg.or(saved.protocol.camera_pitch_deg),
            focal_length_35mm_mm: self
                .focal_length_35mm_mm
                .or(saved.protocol.focal_length_35mm_mm),
            pelvis: match self.landmarks.or(saved_landmarks) {
                Some((asis, psis)) => PelvisInput::Landmarks { asis, psis },
                None => PelvisInput::Estimate,
            },
            // A saved analysis does not record the photo's EXIF orientation.
            quarter_turned_by_exif: false,
        }
    }
}

/// Measures a saved analysis again from its keypoints, without the model,
/// after moving the keypoints `change.moves` lists: the clinician's
/// correction of a misplaced point. Each moved point counts as seen, and the
/// document lists it in `corrections` (with where the model had it;
/// corrections made earlier are kept). Measurements that trace the person
/// outline read the mask the document keeps (`pose.person_mask`); a
/// document from before it kept one gets them declined. An error names what
/// is wrong with the document or a move.
pub fn remeasure(
    saved: &Analysis,
    change: &Remeasure,
    recommender: &Recommender,
    plan_options: &PlanOptions,
) -> Result<Analysis, RemeasureError> {
    let measure_options = change.measure_options(saved);
    let mut pose = pose::Pose::from_report(&saved.pose, saved.model.clone())?;
    let (width, height) = (saved.image.width, saved.image.height);
    let mut corrections = saved.corrections.clone();
    for &(joint, [x, y]) in &change.moves {
        if !(x.is_finite()
            && y.is_finite()
            && (0.0..width as f64).contains(&x)
            && (0.0..height as f64).contains(&y))
        {
            return Err(RemeasureError::MovedOffPhoto {
                joint: joint.name(),
                x,
                y,
                width,
                height,
            });
        }
        let keypoint = &mut pose.keypoints[joint.index()];
        match corrections.iter_mut().find(|c| c.keypoint == joint.name()) {
            Some(earlier) => earlier.to_px = [x, y],
            None => corrections.push(Correction {
                keypoint: joint.name().to_string(),
                // As `pose.keypoints` reports it (two decimals).
                from_px: [keypoint.x, keypoint.y].map(|v| measure::round(v as f64, 2)),
                to_px: [x, y],
                visibility_was: keypoint.visibility,
            }),
        }
        keypoint.x = x as f32;
        keypoint.y = y as f32;
        keypoint.visibility = 1.0;
        keypoint.presence = 1.0;
    }
    let measured = measure::measure_sized(&pose, (width, height), None, &measure_options);
    let mut warnings: Vec<Warning> = measured.warnings.into_iter().map(Warning::Photo).collect();
    warnings.push(Warning::MeasuredAgain {
        corrections: corrections.clone(),
    });
    let planned = plan(
        recommender,
        &replan_options(plan_options, &saved.screening),
        &measured.protocol,
        measured.measurements,
        warnings,
    );
    Ok(assemble(
        saved.image.clone(),
        saved.session.clone(),
        schema::PoseReport {
            keypoints: pose.keypoint_reports(),
            ..saved.pose.clone()
        },
        pose.model,
        measured.protocol,
        planned,
        corrections,
    ))
}
