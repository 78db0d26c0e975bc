//! The seam between the photo and the measurements: a pose source finds a
//! body and hands on a model-neutral [`Pose`] (the named joints, an optional
//! person mask with its placement, and the model that placed them, by name
//! and checksum). `measure` reads only this. Each model keeps its own
//! workings in its own folder: BlazePose's anchors, crops, heatmaps, ONNX
//! sessions and its heavier second look at lying bodies are in
//! [`blazepose`]. A new source (another model, or keypoints a user corrected
//! in a saved analysis) implements [`PoseSource`].

pub mod blazepose;
mod saved_mask;

use std::time::Duration;

use image::RgbImage;
use ndarray::Array2;

use crate::error::Invalid;
use crate::limits::limits;
use crate::schema::{KeypointReport, ModelInfo, PersonSelection, PoseReport, SelectedBy};

pub use crate::schema::ModelKind;
pub use blazepose::models;
pub use blazepose::{BlazePose, PoseOptions};

/// A source of poses: a model run on the photo, or keypoints given.
pub trait PoseSource: Send {
    /// Finds the most prominent person in `image`.
    fn estimate(&mut self, image: &RgbImage) -> Result<(Pose, PoseTimings), PoseError>;

    /// Whether the source can look again, more closely, at a body lying on
    /// its back (where the first look misplaces legs most).
    fn has_second_look(&self) -> bool {
        false
    }

    /// The closer look at `pose`, the body this source found last in
    /// `image`. An error is a failure of the source itself; a look that does
    /// not improve on `pose` keeps it, with the reason as a warning.
    fn look_again(
        &mut self,
        _image: &RgbImage,
        _pose: &Pose,
        _timings: &mut PoseTimings,
    ) -> Result<SecondLook, PoseError> {
        Ok(SecondLook::Kept(
            "this pose source has no second look".to_string(),
        ))
    }

    /// The same model again, on the crop the last body's own keypoints
    /// imply rather than the person detector's box, which can misjudge
    /// where the legs end (it did on renders of people in clothing close to
    /// the background's colour). `None` where the source has no such look.
    fn look_closer(
        &mut self,
        _image: &RgbImage,
        _timings: &mut PoseTimings,
    ) -> Result<Option<Pose>, PoseError> {
        Ok(None)
    }
}

/// What a second look made of a pose.
#[derive(Debug)]
pub enum SecondLook {
    /// A better pose of the same body.
    Refined(Box<Pose>),
    /// The first pose stands; the warning says why.
    Kept(String),
}

/// The named body joints every pose source reports: BlazePose's 33
/// landmarks, in its order (the names the document uses). A source with
/// fewer joints leaves the others unseen.
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

    /// This joint's place in [`Joint::ALL`] and in a pose's keypoints.
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

/// A square region of the photo, possibly rotated, in photo pixels: where a
/// model looked, and where a mask on that region lies in the photo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub center_x: f32,
    pub center_y: f32,
    /// Side length in pixels.
    pub size: f32,
    /// Rotation in radians; positive turns the region clockwise on screen
    /// (image y points down), so that `rotation` undoes a body leaning by the same angle.
    pub rotation: f32,
}

impl Region {
    /// Maps a point given as a fraction of the region (0..1 along each side,
    /// in the region's own rotated frame) to photo pixels.
    pub fn to_image(&self, u: f32, v: f32) -> (f32, f32) {
        let (sin, cos) = self.rotation.sin_cos();
        let (x, y) = ((u - 0.5) * self.size, (v - 0.5) * self.size);
        (
            self.center_x + cos * x - sin * y,
            self.center_y + sin * x + cos * y,
        )
    }

    /// Inverse of [`Region::to_image`]: photo pixels to fractions of the region.
    pub fn from_image(&self, x: f32, y: f32) -> (f32, f32) {
        let (sin, cos) = self.rotation.sin_cos();
        let (dx, dy) = (x - self.center_x, y - self.center_y);
        let u = (cos * dx + sin * dy) / self.size + 0.5;
        let v = (-sin * dx + cos * dy) / self.size + 0.5;
        (u, v)
    }
}

/// The logistic function: log-odds to a probability.
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The step of a walk that reads mask probabilities either side of the
/// outline to place it between them (`measure`'s edge search); a saved mask
/// keeps the model's values wherever such a walk can read them.
pub const OUTLINE_STEP_PX: f64 = 0.5;

/// A person mask: a grid of logits (log-odds that the pixel shows the
/// person), rows x columns, over a region of the photo, with that region's
/// placement, so any photo pixel can be looked up. The sigmoid is applied on
/// lookup: the measurements read a few hundred pixels, not 65536.
#[derive(Debug, Clone)]
pub struct SegmentationMask {
    logits: Array2<f32>,
    region: Region,
}

impl SegmentationMask {
    pub fn from_logits(logits: Array2<f32>, region: Region) -> Self {
        Self { logits, region }
    }

    /// The side of one mask cell in photo pixels (the longer side, where the
    /// grid is not square).
    pub fn cell_px(&self) -> f64 {
        let (rows, cols) = self.logits.dim();
        f64::from(self.region.size) / rows.min(cols).max(1) as f64
    }

    /// Probability that photo pixel (x, y) belongs to the person; 0 outside
    /// the crop. The logits are interpolated bilinearly between cell centres,
    /// so the 50 % contour is smooth at sub-cell scale rather than stepped
    /// (a cell covers several photo pixels when the person fills the photo).
    pub fn probability_at(&self, x: f32, y: f32) -> f32 {
        let (u, v) = self.region.from_image(x, y);
        let (rows, cols) = self.logits.dim();
        if !((0.0..1.0).contains(&u) && (0.0..1.0).contains(&v)) || rows == 0 || cols == 0 {
            return 0.0;
        }
        let (col, row) = (
            (u * cols as f32 - 0.5).clamp(0.0, (cols - 1) as f32),
            (v * rows as f32 - 0.5).clamp(0.0, (rows - 1) as f32),
        );
        let (c0, r0) = (col.floor(), row.floor());
        let (fx, fy) = (col - c0, row - r0);
        let (c0, r0) = (c0 as usize, r0 as usize);
        let (c1, r1) = ((c0 + 1).min(cols - 1), (r0 + 1).min(rows - 1));
        // In bounds: the clamps above keep both cells inside the grid.
        let at = |r: usize, c: usize| self.logits[[r, c]];
        let top = at(r0, c0) + (at(r0, c1) - at(r0, c0)) * fx;
        let bottom = at(r1, c0) + (at(r1, c1) - at(r1, c0)) * fx;
        sigmoid(top + (bottom - top) * fy)
    }
}

/// A body found in a photo, as the measurements see it.
#[derive(Debug, Clone)]
pub struct Pose {
    /// The 33 named joints, indexed by [`Joint::index`]; a joint the source
    /// does not place has visibility and presence 0.
    pub keypoints: [Keypoint; Joint::COUNT],
    /// The person mask, where the source gives one.
    pub mask: Option<SegmentationMask>,
    /// People the source found; the most prominent one is this pose.
    pub persons_found: usize,
    pub detector_score: f32,
    /// The source's probability that this is a body.
    pub pose_presence: f32,
    /// The model that placed the keypoints, by name and checksum.
    pub model: ModelInfo,
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
    /// The model itself failed (its runtime's error, whatever the model).
    #[error(
        "no person found at {x},{y}: none of the {found} people found covers that point (--person)"
    )]
    NoPersonAt { x: f64, y: f64, found: usize },
    #[error("the pose model failed: {0}")]
    Inference(Box<dyn std::error::Error + Send + Sync>),
}

/// Which person to analyse in a photo with several (`--person`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum PersonChoice {
    /// Among the people found about as confidently as the best, the largest
    /// (the client nearer the camera).
    #[default]
    Largest,
    /// Among those, the one nearest the photo's centre (the client in the
    /// middle, an assistant at the edge).
    Centre,
    /// The person whose body holds this photo point (x, y in pixels); the
    /// most confident one where bodies overlap there.
    At(f64, f64),
}

impl PersonChoice {
    /// How the document records the choice.
    pub fn report(self) -> PersonSelection {
        let (by, point_px) = match self {
            Self::Largest => (SelectedBy::Largest, None),
            Self::Centre => (SelectedBy::Centre, None),
            Self::At(x, y) => (SelectedBy::Point, Some([x, y])),
        };
        PersonSelection { by, point_px }
    }
}

impl Pose {
    /// Keypoints given: the pose a saved analysis reports (`pose.keypoints`,
    /// placed by `model`), to measure again without running a model. The
    /// document is read as hostile: the 33 landmarks by name in model order,
    /// pixel coordinates within a million, probabilities within 0..1; the
    /// person mask the document keeps (`pose.person_mask`) checked as
    /// strictly. A mask traced at another probability than this sagitta's
    /// `mask.person_probability` is not used, and the outline measurements
    /// are declined as without one.
    pub fn from_report(report: &PoseReport, model: ModelInfo) -> Result<Self, Invalid> {
        if report.keypoints.len() != Joint::COUNT {
            return Err(Invalid(format!(
                "pose.keypoints has {} entries, not the {} BlazePose landmarks",
                report.keypoints.len(),
                Joint::COUNT
            )));
        }
        let mut keypoints = [Keypoint::default(); Joint::COUNT];
        for (joint, reported) in Joint::ALL.iter().zip(&report.keypoints) {
            if reported.name != joint.name() {
                return Err(Invalid(format!(
                    "pose.keypoints[{}] is {}, expected {} (the landmarks in model order)",
                    joint.index(),
                    crate::input::excerpt(&reported.name),
                    joint.name()
                )));
            }
            let coordinates = [reported.x, reported.y, reported.z];
            let probabilities = [reported.visibility, reported.presence];
            if !coordinates.iter().all(|v| v.is_finite() && v.abs() <= 1e6)
                || !probabilities.iter().all(|v| (0.0..=1.0).contains(v))
            {
                return Err(Invalid(format!(
                    "pose.keypoints[{}] ({}) has a coordinate outside +-1000000 or a probability outside 0..1",
                    joint.index(),
                    joint.name()
                )));
            }
            keypoints[joint.index()] = Keypoint {
                x: reported.x,
                y: reported.y,
                z: reported.z,
                visibility: reported.visibility,
                presence: reported.presence,
            };
        }
        let mask = match &report.person_mask {
            Some(saved) => Some(SegmentationMask::from_report(saved)?)
                .filter(|_| saved.contour_probability == limits().mask.person_probability),
            None => None,
        };
        Ok(Self {
            keypoints,
            mask,
            persons_found: report.persons_found,
            detector_score: report.detector_score,
            pose_presence: report.pose_presence,
            model,
        })
    }

    /// The pose as the document reports it: the keypoints and scores
    /// rounded for output, the mask as [`SegmentationMask::report`] keeps it.
    pub fn report(&self) -> PoseReport {
        PoseReport {
            keypoints: self.keypoint_reports(),
            persons_found: self.persons_found,
            detector_score: round(self.detector_score, 4),
            pose_presence: round(self.pose_presence, 4),
            // The caller knows how the person was chosen.
            person: None,
            person_mask: self
                .mask
                .as_ref()
                .map(|mask| mask.report(limits().mask.person_probability)),
        }
    }

    /// The keypoints as the document reports them, rounded for output.
    pub fn keypoint_reports(&self) -> Vec<KeypointReport> {
        Joint::ALL
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
            .collect()
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
        let roi = Region {
            center_x: 10.0,
            center_y: 10.0,
            size: 4.0,
            rotation: 0.0,
        };
        // 2x2 mask: only the top-left cell is the person.
        let mask =
            SegmentationMask::from_logits(ndarray::array![[20.0, -20.0], [-20.0, -20.0]], roi);
        assert!(mask.probability_at(8.5, 8.5) > 0.99);
        assert!(mask.probability_at(11.5, 8.5) < 0.01);
        assert_eq!(mask.probability_at(100.0, 100.0), 0.0);

        // Rows run down the crop, columns across it: a 2-row, 4-column mask
        // whose top row is the person.
        let mask = SegmentationMask::from_logits(
            ndarray::array![[20.0, 20.0, 20.0, 20.0], [-20.0, -20.0, -20.0, -20.0]],
            roi,
        );
        assert!(mask.probability_at(11.5, 8.5) > 0.99);
        assert!(mask.probability_at(8.5, 11.5) < 0.01);
        assert_eq!(mask.cell_px(), 2.0);
    }
}
