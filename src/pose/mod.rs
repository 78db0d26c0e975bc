//! The model stage: photo in, body keypoints and a person mask out. Nothing
//! outside this module knows about tensors or ONNX Runtime.

// The model internals are the crate's own; the `bench-internals` feature
// opens them to the micro-benchmarks and the fuzz targets.
#[cfg(feature = "bench-internals")]
pub mod detector;
#[cfg(not(feature = "bench-internals"))]
pub(crate) mod detector;
#[cfg(feature = "bench-internals")]
pub mod landmarks;
#[cfg(not(feature = "bench-internals"))]
pub(crate) mod landmarks;
pub mod models;
#[cfg(feature = "bench-internals")]
pub mod preprocess;
#[cfg(not(feature = "bench-internals"))]
pub(crate) mod preprocess;
#[cfg(feature = "bench-internals")]
pub mod runtime;
#[cfg(not(feature = "bench-internals"))]
pub(crate) mod runtime;

use std::time::{Duration, Instant};

use image::RgbImage;

use crate::schema::{KeypointReport, PoseReport};
use detector::{Detection, Detector};
pub(crate) use landmarks::Landmarker;
use landmarks::{ALIGN_CENTER, ALIGN_TOP, LandmarkOutput};

use crate::limits::limits;

/// Below this pose presence the landmark model does not confirm a body
/// (`person.min_pose_presence`, MediaPipe's threshold).
fn min_pose_presence() -> f32 {
    limits().person.min_pose_presence as f32
}
pub use models::{ModelKind, ModelSet};
pub use preprocess::Roi;

/// The 33 BlazePose body landmarks, in the model's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Joint {
    Nose,
    LeftEyeInner,
    LeftEye,
    LeftEyeOuter,
    RightEyeInner,
    RightEye,
    RightEyeOuter,
    LeftEar,
    RightEar,
    MouthLeft,
    MouthRight,
    LeftShoulder,
    RightShoulder,
    LeftElbow,
    RightElbow,
    LeftWrist,
    RightWrist,
    LeftPinky,
    RightPinky,
    LeftIndex,
    RightIndex,
    LeftThumb,
    RightThumb,
    LeftHip,
    RightHip,
    LeftKnee,
    RightKnee,
    LeftAnkle,
    RightAnkle,
    LeftHeel,
    RightHeel,
    LeftFootIndex,
    RightFootIndex,
}

impl Joint {
    pub const COUNT: usize = 33;

    pub const ALL: [Joint; Self::COUNT] = [
        Joint::Nose,
        Joint::LeftEyeInner,
        Joint::LeftEye,
        Joint::LeftEyeOuter,
        Joint::RightEyeInner,
        Joint::RightEye,
        Joint::RightEyeOuter,
        Joint::LeftEar,
        Joint::RightEar,
        Joint::MouthLeft,
        Joint::MouthRight,
        Joint::LeftShoulder,
        Joint::RightShoulder,
        Joint::LeftElbow,
        Joint::RightElbow,
        Joint::LeftWrist,
        Joint::RightWrist,
        Joint::LeftPinky,
        Joint::RightPinky,
        Joint::LeftIndex,
        Joint::RightIndex,
        Joint::LeftThumb,
        Joint::RightThumb,
        Joint::LeftHip,
        Joint::RightHip,
        Joint::LeftKnee,
        Joint::RightKnee,
        Joint::LeftAnkle,
        Joint::RightAnkle,
        Joint::LeftHeel,
        Joint::RightHeel,
        Joint::LeftFootIndex,
        Joint::RightFootIndex,
    ];

    /// The model's index of this landmark.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The stable snake_case name used in the JSON output.
    pub fn name(self) -> &'static str {
        const NAMES: [&str; Joint::COUNT] = [
            "nose",
            "left_eye_inner",
            "left_eye",
            "left_eye_outer",
            "right_eye_inner",
            "right_eye",
            "right_eye_outer",
            "left_ear",
            "right_ear",
            "mouth_left",
            "mouth_right",
            "left_shoulder",
            "right_shoulder",
            "left_elbow",
            "right_elbow",
            "left_wrist",
            "right_wrist",
            "left_pinky",
            "right_pinky",
            "left_index",
            "right_index",
            "left_thumb",
            "right_thumb",
            "left_hip",
            "right_hip",
            "left_knee",
            "right_knee",
            "left_ankle",
            "right_ankle",
            "left_heel",
            "right_heel",
            "left_foot_index",
            "right_foot_index",
        ];
        NAMES[self.index()]
    }

    pub fn from_name(name: &str) -> Option<Joint> {
        Self::ALL.into_iter().find(|joint| joint.name() == name)
    }
}

/// One landmark in photo pixels. `z` is depth relative to the hips in the
/// same pixel scale (smaller is nearer the camera); `visibility` and
/// `presence` are the model's probabilities that the point is unoccluded and
/// inside the photo.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Keypoint {
    pub x: f32,
    pub y: f32,
    pub z: f32,
    pub visibility: f32,
    pub presence: f32,
}

/// The landmark model's person mask: logits on the model's crop, with the
/// crop's placement so any photo pixel can be looked up. The sigmoid is
/// applied on lookup: the measurements read a few hundred pixels, not 65536.
#[derive(Debug, Clone)]
pub struct SegmentationMask {
    logits: Vec<f32>,
    side: usize,
    roi: Roi,
}

impl SegmentationMask {
    pub fn from_logits(logits: Vec<f32>, side: usize, roi: Roi) -> Self {
        Self { logits, side, roi }
    }

    /// The side of one mask cell in photo pixels.
    pub fn cell_px(&self) -> f64 {
        f64::from(self.roi.size) / self.side.max(1) as f64
    }

    /// Probability that photo pixel (x, y) belongs to the person; 0 outside
    /// the crop. The logits are interpolated bilinearly between cell centres,
    /// so the 50 % contour is smooth at sub-cell scale rather than stepped
    /// (a cell covers several photo pixels when the person fills the photo).
    pub fn probability_at(&self, x: f32, y: f32) -> f32 {
        let (u, v) = self.roi.from_image(x, y);
        let side = self.side as f32;
        if !((0.0..1.0).contains(&u) && (0.0..1.0).contains(&v)) || self.side == 0 {
            return 0.0;
        }
        let last = side - 1.0;
        let (col, row) = (
            (u * side - 0.5).clamp(0.0, last),
            (v * side - 0.5).clamp(0.0, last),
        );
        let (c0, r0) = (col.floor(), row.floor());
        let (fx, fy) = (col - c0, row - r0);
        let (c0, r0) = (c0 as usize, r0 as usize);
        let (c1, r1) = ((c0 + 1).min(self.side - 1), (r0 + 1).min(self.side - 1));
        let at = |r: usize, c: usize| {
            self.logits
                .get(r * self.side + c)
                .copied()
                .unwrap_or(f32::MIN)
        };
        let top = at(r0, c0) + (at(r0, c1) - at(r0, c0)) * fx;
        let bottom = at(r1, c0) + (at(r1, c1) - at(r1, c0)) * fx;
        detector::sigmoid(top + (bottom - top) * fy)
    }
}

/// A body found in a photo.
#[derive(Debug, Clone)]
pub struct Pose {
    /// The 33 landmarks, indexed by [`Joint::index`].
    pub keypoints: [Keypoint; Joint::COUNT],
    pub mask: SegmentationMask,
    /// The region the landmark model looked at.
    pub roi: Roi,
    /// People the detector found; the most prominent one was analysed.
    pub persons_found: usize,
    pub detector_score: f32,
    /// The landmark model's pose-presence probability.
    pub pose_presence: f32,
}

impl Pose {
    pub fn get(&self, joint: Joint) -> &Keypoint {
        &self.keypoints[joint.index()]
    }
}

/// Time spent in each step of one estimate.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoseTimings {
    pub preprocess: Duration,
    pub detector: Duration,
    pub landmark: Duration,
    pub postprocess: Duration,
}

/// Why no pose came out of a photo.
#[derive(Debug, thiserror::Error)]
pub enum PoseError {
    #[error("no person found in the photo")]
    NoPerson,
    #[error(
        "no person found: the detector saw someone (score {score:.2}) but the landmark model did not confirm a body (presence {presence:.2})"
    )]
    NotConfirmed { score: f32, presence: f32 },
    #[error("the pose model failed: {0}")]
    Inference(#[from] ort::Error),
}

/// How the estimator refines its result.
///
/// Measured on the 5 samples and 44 shared photos against the heavy model
/// (median near-side ear/shoulder/hip/knee/ankle distance, in torso lengths):
/// heatmap refinement (always on) brings the full model from 0.069 to 0.035;
/// a second pass moved it away (0.035 -> 0.043), so it is off by default.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoseOptions {
    /// Run the landmark model a second time on the region derived from its
    /// own alignment points (MediaPipe's tracking step, applied to one photo).
    pub second_pass: bool,
}

/// Detector and landmark sessions for one worker; reuse it for every photo.
pub struct PoseEstimator {
    detector: Detector,
    landmarker: Landmarker,
    options: PoseOptions,
}

/// Scale of the landmark crop around the alignment points (MediaPipe's 1.25).
const ROI_SCALE: f32 = 1.25;

impl PoseEstimator {
    pub fn new(
        models: &ModelSet,
        threads: usize,
        options: PoseOptions,
    ) -> Result<Self, crate::error::SetupError> {
        Ok(Self {
            detector: Detector::new(runtime::session(&models.detector, threads)?),
            landmarker: Landmarker::new(runtime::session(&models.landmark, threads)?),
            options,
        })
    }

    /// Finds the most prominent person in `image`.
    pub fn estimate(&mut self, image: &RgbImage) -> Result<(Pose, PoseTimings), PoseError> {
        let mut timings = PoseTimings::default();

        let started = Instant::now();
        let letterbox = self.detector.prepare(image);
        timings.preprocess += started.elapsed();

        let started = Instant::now();
        let (regressors, logits) = self.detector.infer()?;
        timings.detector += started.elapsed();

        let started = Instant::now();
        let people = self.detector.postprocess(&regressors, &logits, &letterbox);
        let person = most_prominent(&people).ok_or(PoseError::NoPerson)?;
        let roi = Roi::from_alignment_points(person.keypoints[0], person.keypoints[1], ROI_SCALE);
        timings.postprocess += started.elapsed();

        let mut output = self.landmarks(image, &roi, &mut timings)?;
        let mut final_roi = roi;
        if self.options.second_pass && output.presence >= min_pose_presence() {
            let center = &output.points[ALIGN_CENTER];
            let top = &output.points[ALIGN_TOP];
            let refined =
                Roi::from_alignment_points((center.x, center.y), (top.x, top.y), ROI_SCALE);
            let second = self.landmarks(image, &refined, &mut timings)?;
            if second.presence >= min_pose_presence() {
                output = second;
                final_roi = refined;
            }
        }
        let pose = confirmed_pose(output, final_roi, people.len(), person.score)?;
        Ok((pose, timings))
    }

    fn landmarks(
        &mut self,
        image: &RgbImage,
        roi: &Roi,
        timings: &mut PoseTimings,
    ) -> Result<LandmarkOutput, PoseError> {
        run_landmarks(&mut self.landmarker, image, roi, timings)
    }
}

/// Runs `landmarker` on the region `pose` was found in, keeping its
/// detection: a second, usually larger, landmark model's look at the same
/// person. A result the model does not confirm is an error.
pub(crate) fn relandmark(
    landmarker: &mut Landmarker,
    image: &RgbImage,
    pose: &Pose,
    timings: &mut PoseTimings,
) -> Result<Pose, PoseError> {
    let output = run_landmarks(landmarker, image, &pose.roi, timings)?;
    confirmed_pose(output, pose.roi, pose.persons_found, pose.detector_score)
}

/// The pose a landmark run found in `roi`, or an error where the model does
/// not confirm a person there.
fn confirmed_pose(
    output: LandmarkOutput,
    roi: Roi,
    persons_found: usize,
    detector_score: f32,
) -> Result<Pose, PoseError> {
    if output.presence < min_pose_presence() {
        return Err(PoseError::NotConfirmed {
            score: detector_score,
            presence: output.presence,
        });
    }
    let mut keypoints = [Keypoint::default(); Joint::COUNT];
    keypoints.copy_from_slice(&output.points[..Joint::COUNT]);
    Ok(Pose {
        keypoints,
        mask: output.mask,
        roi,
        persons_found,
        detector_score,
        pose_presence: output.presence,
    })
}

fn run_landmarks(
    landmarker: &mut Landmarker,
    image: &RgbImage,
    roi: &Roi,
    timings: &mut PoseTimings,
) -> Result<LandmarkOutput, PoseError> {
    let started = Instant::now();
    landmarker.prepare(image, roi);
    timings.preprocess += started.elapsed();

    let started = Instant::now();
    let raw = landmarker.infer()?;
    timings.landmark += started.elapsed();

    let started = Instant::now();
    let output = landmarks::postprocess(raw, roi);
    timings.postprocess += started.elapsed();
    Ok(output)
}

/// The person to analyse when several are found: among the detections about
/// as confident as the best, the largest box (nearest the camera or most in
/// frame), which in a clinic photo is the client. "About as confident" is
/// `person.prominent_min_score_share` of the best score.
fn most_prominent(people: &[Detection]) -> Option<&Detection> {
    let share = limits().person.prominent_min_score_share as f32;
    let best = people.iter().map(|p| p.score).fold(f32::MIN, f32::max);
    people
        .iter()
        .filter(|p| p.score >= share * best)
        .max_by(|a, b| a.area().total_cmp(&b.area()))
}

impl Pose {
    /// The pose as the document reports it, rounded for output.
    pub fn report(&self) -> PoseReport {
        PoseReport {
            keypoints: Joint::ALL
                .iter()
                .map(|&joint| {
                    let k = self.get(joint);
                    KeypointReport {
                        name: joint.name().to_string(),
                        x: round(k.x, 2),
                        y: round(k.y, 2),
                        z: round(k.z, 2),
                        visibility: round(k.visibility, 4),
                        presence: round(k.presence, 4),
                    }
                })
                .collect(),
            persons_found: self.persons_found,
            detector_score: round(self.detector_score, 4),
            pose_presence: round(self.pose_presence, 4),
        }
    }
}

/// Rounds for output: sub-pixel digits past the second carry no information.
fn round(value: f32, decimals: i32) -> f32 {
    let scale = 10f32.powi(decimals);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_prominent_person_is_the_largest_of_the_confident_boxes() {
        let person = |score, side: f32| Detection {
            score,
            bbox: [0.0, 0.0, side, side],
            keypoints: Default::default(),
        };
        // Equally confident: the larger box (the client nearer the camera).
        let people = [person(0.9, 100.0), person(0.88, 300.0)];
        assert_eq!(most_prominent(&people).unwrap().bbox[2], 300.0);
        // A much less confident box does not win by its size.
        let people = [person(0.86, 100.0), person(0.56, 300.0)];
        assert_eq!(most_prominent(&people).unwrap().bbox[2], 100.0);
        assert!(most_prominent(&[]).is_none());
    }

    #[test]
    fn joint_names_round_trip_and_follow_the_model_order() {
        for (index, joint) in Joint::ALL.iter().enumerate() {
            assert_eq!(joint.index(), index);
            assert_eq!(Joint::from_name(joint.name()), Some(*joint));
        }
        assert_eq!(Joint::LeftHip.index(), 23);
        assert_eq!(Joint::RightFootIndex.index(), 32);
        assert_eq!(Joint::from_name("tail"), None);
    }

    #[test]
    fn mask_lookup_follows_the_crop() {
        let roi = Roi {
            center_x: 10.0,
            center_y: 10.0,
            size: 4.0,
            rotation: 0.0,
        };
        // 2x2 mask: only the top-left cell is the person.
        let mask = SegmentationMask::from_logits(vec![20.0, -20.0, -20.0, -20.0], 2, roi);
        assert!(mask.probability_at(8.5, 8.5) > 0.99);
        assert!(mask.probability_at(11.5, 8.5) < 0.01);
        assert_eq!(mask.probability_at(100.0, 100.0), 0.0);
    }
}
