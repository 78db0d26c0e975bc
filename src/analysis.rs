//! The analysis document: the JSON that `sagitta analyze` writes for each
//! photo. These serde types *are* the schema; the README documents them.
//! Names are stable snake_case; a change that renames or removes a field
//! bumps the major part of [`SCHEMA_VERSION`], an added field the minor part.

use serde::{Deserialize, Serialize};

use crate::pose::{Joint, ModelKind, Pose};

pub const SCHEMA_VERSION: &str = "1.0";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub schema_version: String,
    pub image: ImageInfo,
    pub model: ModelInfo,
    pub pose: PoseReport,
    /// Things the user should know that did not stop the analysis.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageInfo {
    /// The path as given on the command line.
    pub path: String,
    /// Size after EXIF orientation was applied, in pixels.
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub kind: ModelKind,
    pub detector: ModelRef,
    pub landmark: ModelRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRef {
    pub name: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoseReport {
    /// The 33 BlazePose landmarks in model order.
    pub keypoints: Vec<KeypointReport>,
    /// How many people the detector found; the most prominent one is analysed.
    pub persons_found: usize,
    pub detector_score: f32,
    /// The landmark model's probability that a body is in its crop.
    pub pose_presence: f32,
}

/// One landmark: `x`, `y` in image pixels (origin top-left, y down); `z`
/// depth relative to the hips in the same pixel scale, negative = nearer the
/// camera; `visibility` and `presence` are probabilities (0..1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeypointReport {
    pub name: String,
    pub x: f32,
    pub y: f32,
    pub z: f32,
    pub visibility: f32,
    pub presence: f32,
}

impl PoseReport {
    pub fn from_pose(pose: &Pose) -> Self {
        Self {
            keypoints: Joint::ALL
                .iter()
                .map(|&joint| {
                    let k = pose.get(joint);
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
            persons_found: pose.persons_found,
            detector_score: round(pose.detector_score, 4),
            pose_presence: round(pose.pose_presence, 4),
        }
    }

    pub fn keypoint(&self, joint: Joint) -> Option<&KeypointReport> {
        self.keypoints.iter().find(|k| k.name == joint.name())
    }
}

/// Rounds for output: sub-pixel digits past the second carry no information.
fn round(value: f32, decimals: i32) -> f32 {
    let scale = 10f32.powi(decimals);
    (value * scale).round() / scale
}
