//! The BlazePose landmark model: crop the region of interest, run the model,
//! decode 39 points (33 body landmarks and 2 alignment points, plus 4 unused),
//! refine them from the heatmap, and map them back to photo pixels.

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use super::preprocess::{Roi, ValueRange, sample_roi};
use crate::pose::{Keypoint, SegmentationMask, sigmoid};

/// Side of the landmark model's square input tensor.
pub const INPUT_SIDE: usize = 256;
const INPUT_RANGE: ValueRange = ValueRange { min: 0.0, max: 1.0 };
/// Points the model predicts: 33 landmarks, 2 alignment points, 4 unused.
pub const MODEL_POINTS: usize = 39;
const VALUES_PER_POINT: usize = 5;
/// Index of the alignment points (mid-hip centre, above-the-head point).
pub const ALIGN_CENTER: usize = 33;
pub const ALIGN_TOP: usize = 34;
/// Heatmap refinement settings of MediaPipe's pose graph: a 7x7 window,
/// applied only where the heatmap is at least this confident.
const HEATMAP_KERNEL: usize = 7;
const HEATMAP_MIN_CONFIDENCE: f32 = 0.5;

/// A point as the model gives it, in fractions of the crop (x, y) and
/// crop-width units (z), with visibility and presence as probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CropPoint {
    pub x: f32,
    pub y: f32,
    pub z: f32,
    pub visibility: f32,
    pub presence: f32,
}

/// What one landmark-model run found.
pub struct LandmarkOutput {
    /// All 39 points, in photo pixels (z in pixels too, relative to the hips).
    pub points: Vec<Keypoint>,
    /// The model's pose-presence probability.
    pub presence: f32,
    pub mask: SegmentationMask,
}

/// Raw model outputs, copied out of the session.
pub struct RawLandmarks {
    pub landmarks: Vec<f32>,
    pub presence: f32,
    pub segmentation: Vec<f32>,
    pub heatmap: Vec<f32>,
    pub heatmap_side: usize,
}

pub struct Landmarker {
    session: Session,
    input: Vec<f32>,
}

impl Landmarker {
    pub fn new(session: Session) -> Self {
        Self {
            session,
            input: Vec::new(),
        }
    }

    /// Crops `roi` into the input tensor (the pre-processing step).
    pub fn prepare(&mut self, image: &RgbImage, roi: &Roi) {
        sample_roi(image, roi, INPUT_SIDE, INPUT_RANGE, &mut self.input);
    }

    pub fn infer(&mut self) -> Result<RawLandmarks, ort::Error> {
        let input = TensorRef::from_array_view((
            [1usize, INPUT_SIDE, INPUT_SIDE, 3],
            self.input.as_slice(),
        ))?;
        let outputs = self.session.run(ort::inputs![input])?;
        let (_, landmarks) = outputs["Identity"].try_extract_tensor::<f32>()?;
        let (_, presence) = outputs["Identity_1"].try_extract_tensor::<f32>()?;
        let (_, segmentation) = outputs["Identity_2"].try_extract_tensor::<f32>()?;
        let (heatmap_shape, heatmap) = outputs["Identity_3"].try_extract_tensor::<f32>()?;
        Ok(RawLandmarks {
            landmarks: landmarks.to_vec(),
            presence: presence.first().copied().unwrap_or(0.0),
            segmentation: segmentation.to_vec(),
            heatmap: heatmap.to_vec(),
            heatmap_side: heatmap_shape.get(1).copied().unwrap_or(0).max(0) as usize,
        })
    }
}

/// Decodes, refines and projects raw outputs for the crop `roi`.
pub fn postprocess(raw: RawLandmarks, roi: &Roi) -> LandmarkOutput {
    let mut crop_points = decode(&raw.landmarks);
    refine_from_heatmap(&mut crop_points, &raw.heatmap, raw.heatmap_side);
    let points = crop_points
        .iter()
        .map(|p| {
            let (x, y) = roi.to_image(p.x, p.y);
            Keypoint {
                x,
                y,
                z: p.z * roi.size,
                visibility: p.visibility,
                presence: p.presence,
            }
        })
        .collect();
    LandmarkOutput {
        points,
        presence: raw.presence,
        mask: SegmentationMask::from_logits(raw.segmentation, INPUT_SIDE, *roi),
    }
}

/// Raw `[39 x 5]` values to points in fractions of the crop.
pub fn decode(values: &[f32]) -> Vec<CropPoint> {
    let side = INPUT_SIDE as f32;
    values
        .chunks_exact(VALUES_PER_POINT)
        .take(MODEL_POINTS)
        .map(|v| CropPoint {
            x: v[0] / side,
            y: v[1] / side,
            z: v[2] / side,
            visibility: sigmoid(v[3]),
            presence: sigmoid(v[4]),
        })
        .collect()
}

/// MediaPipe's heatmap refinement: each point moves to the confidence-weighted
/// mean of the heatmap cells in a 7x7 window around it, when the window's
/// strongest cell is confident enough. Like MediaPipe, a cell's position is
/// its index over the heatmap side (no half-cell offset), so results match
/// the reference implementation.
pub fn refine_from_heatmap(points: &mut [CropPoint], heatmap: &[f32], side: usize) {
    let channels = points.len();
    if side == 0 || heatmap.len() != side * side * channels {
        return;
    }
    let half = (HEATMAP_KERNEL - 1) / 2;
    for (index, point) in points.iter_mut().enumerate() {
        let (col, row) = (
            (point.x * side as f32).floor(),
            (point.y * side as f32).floor(),
        );
        if !(col >= 0.0 && row >= 0.0 && col < side as f32 && row < side as f32) {
            continue;
        }
        let (col, row) = (col as usize, row as usize);
        let (mut sum, mut weighted_col, mut weighted_row, mut max_confidence) =
            (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for r in row.saturating_sub(half)..(row + half + 1).min(side) {
            for c in col.saturating_sub(half)..(col + half + 1).min(side) {
                let confidence = sigmoid(heatmap[(r * side + c) * channels + index]);
                sum += confidence;
                max_confidence = max_confidence.max(confidence);
                weighted_col += c as f32 * confidence;
                weighted_row += r as f32 * confidence;
            }
        }
        if max_confidence >= HEATMAP_MIN_CONFIDENCE && sum > 0.0 {
            point.x = weighted_col / side as f32 / sum;
            point.y = weighted_row / side as f32 / sum;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_scales_and_activates() {
        let mut values = vec![0.0; MODEL_POINTS * VALUES_PER_POINT];
        values[..5].copy_from_slice(&[128.0, 64.0, -25.6, 0.0, 100.0]);
        let points = decode(&values);
        assert_eq!(points.len(), MODEL_POINTS);
        assert_eq!((points[0].x, points[0].y, points[0].z), (0.5, 0.25, -0.1));
        assert_eq!(points[0].visibility, 0.5);
        assert!(points[0].presence > 0.999);
    }

    #[test]
    fn heatmap_refinement_moves_to_the_peak_when_confident() {
        let side = 8;
        let mut heatmap = vec![-20.0; side * side];
        // A confident blob centred exactly on cell (5, 2), one channel.
        heatmap[2 * side + 5] = 5.0;
        heatmap[2 * side + 4] = 0.0;
        heatmap[2 * side + 6] = 0.0;
        let mut points = [CropPoint {
            x: 0.6,
            y: 0.3,
            ..Default::default()
        }];
        refine_from_heatmap(&mut points, &heatmap, side);
        assert!((points[0].x - 5.0 / 8.0).abs() < 1e-3, "{:?}", points[0]);
        assert!((points[0].y - 2.0 / 8.0).abs() < 1e-3, "{:?}", points[0]);

        // An unconfident heatmap leaves the point where it was.
        let flat = vec![-20.0; side * side];
        let mut points = [CropPoint {
            x: 0.6,
            y: 0.3,
            ..Default::default()
        }];
        refine_from_heatmap(&mut points, &flat, side);
        assert_eq!((points[0].x, points[0].y), (0.6, 0.3));

        // A point outside the crop is left alone.
        let mut points = [CropPoint {
            x: -0.1,
            y: 0.3,
            ..Default::default()
        }];
        refine_from_heatmap(&mut points, &heatmap, side);
        assert_eq!(points[0].x, -0.1);
    }
}
