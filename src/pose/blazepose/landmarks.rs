//! The BlazePose landmark model: crop the region of interest, run the model,
//! decode 39 points (33 body landmarks and 2 alignment points, plus 4 unused),
//! refine them from the heatmap, and map them back to photo pixels.

use image::RgbImage;
use ndarray::{Array2, Array3, Array4, ArrayView2, ArrayView3, Axis, Ix1, Ix3, s};
use ort::session::Session;
use ort::value::TensorRef;

use super::preprocess::{Roi, ValueRange, sample_roi};
use super::runtime::single_output;
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
    /// One row per point: x, y, z in input pixels, visibility and presence logits.
    pub landmarks: Array2<f32>,
    pub presence: f32,
    /// Person-mask logits over the crop, rows x columns.
    pub segmentation: Array2<f32>,
    /// One heatmap per point: rows x columns x points.
    pub heatmap: Array3<f32>,
}

/// A landmark model with its input tensor, allocated once and refilled for
/// every crop.
pub struct Landmarker {
    session: Session,
    /// NHWC, a batch of one.
    input: Array4<f32>,
}

impl Landmarker {
    pub fn new(session: Session) -> Self {
        Self {
            session,
            input: Array4::zeros((1, INPUT_SIDE, INPUT_SIDE, 3)),
        }
    }

    /// Crops `roi` into the input tensor (the pre-processing step).
    pub fn prepare(&mut self, image: &RgbImage, roi: &Roi) {
        let tensor = self.input.index_axis_mut(Axis(0), 0);
        sample_roi(image, roi, INPUT_RANGE, tensor);
    }

    pub fn infer(&mut self) -> Result<RawLandmarks, ort::Error> {
        let input = TensorRef::from_array_view(self.input.view())?;
        let outputs = self.session.run(ort::inputs![input])?;
        let landmarks = single_output::<Ix1>(&outputs["Identity"])?
            .into_shape_with_order((MODEL_POINTS, VALUES_PER_POINT))
            .map_err(ort::Error::wrap)?;
        let presence = single_output::<Ix1>(&outputs["Identity_1"])?;
        // The mask has one channel: rows x columns x 1.
        let segmentation = single_output::<Ix3>(&outputs["Identity_2"])?;
        let heatmap = single_output::<Ix3>(&outputs["Identity_3"])?;
        Ok(RawLandmarks {
            landmarks: landmarks.to_owned(),
            presence: presence.first().copied().unwrap_or(0.0),
            segmentation: segmentation.index_axis(Axis(2), 0).to_owned(),
            heatmap: heatmap.to_owned(),
        })
    }
}

/// Decodes, refines and projects raw outputs for the crop `roi`.
pub fn postprocess(raw: RawLandmarks, roi: &Roi) -> LandmarkOutput {
    let mut crop_points = decode(raw.landmarks.view());
    refine_from_heatmap(&mut crop_points, raw.heatmap.view());
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
        mask: SegmentationMask::from_logits(raw.segmentation, *roi),
    }
}

/// Raw values, one row of 5 per point, to points in fractions of the crop.
pub fn decode(values: ArrayView2<f32>) -> Vec<CropPoint> {
    let side = INPUT_SIDE as f32;
    values
        .rows()
        .into_iter()
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
/// the reference implementation. `heatmap` is rows x columns x points.
pub fn refine_from_heatmap(points: &mut [CropPoint], heatmap: ArrayView3<f32>) {
    let (rows, cols, channels) = heatmap.dim();
    if rows == 0 || cols == 0 || channels != points.len() {
        return;
    }
    let half = (HEATMAP_KERNEL - 1) / 2;
    for (point, channel) in points.iter_mut().zip(heatmap.axis_iter(Axis(2))) {
        let (col, row) = (
            (point.x * cols as f32).floor(),
            (point.y * rows as f32).floor(),
        );
        if !(col >= 0.0 && row >= 0.0 && col < cols as f32 && row < rows as f32) {
            continue;
        }
        let (col, row) = (col as usize, row as usize);
        let (top, left) = (row.saturating_sub(half), col.saturating_sub(half));
        let window = channel.slice(s![
            top..(row + half + 1).min(rows),
            left..(col + half + 1).min(cols)
        ]);
        let (mut sum, mut weighted_col, mut weighted_row, mut max_confidence) =
            (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        // Row by row, left to right: the order fixes the float sums.
        for (r, window_row) in (top..).zip(window.rows()) {
            for (c, &logit) in (left..).zip(window_row) {
                let confidence = sigmoid(logit);
                sum += confidence;
                max_confidence = max_confidence.max(confidence);
                weighted_col += c as f32 * confidence;
                weighted_row += r as f32 * confidence;
            }
        }
        if max_confidence >= HEATMAP_MIN_CONFIDENCE && sum > 0.0 {
            point.x = weighted_col / cols as f32 / sum;
            point.y = weighted_row / rows as f32 / sum;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_scales_and_activates() {
        let mut values = Array2::zeros((MODEL_POINTS, VALUES_PER_POINT));
        values
            .row_mut(0)
            .assign(&ndarray::arr1(&[128.0, 64.0, -25.6, 0.0, 100.0]));
        let points = decode(values.view());
        assert_eq!(points.len(), MODEL_POINTS);
        assert_eq!((points[0].x, points[0].y, points[0].z), (0.5, 0.25, -0.1));
        assert_eq!(points[0].visibility, 0.5);
        assert!(points[0].presence > 0.999);
    }

    #[test]
    fn heatmap_refinement_moves_to_the_peak_when_confident() {
        let side = 8;
        let mut heatmap = Array3::from_elem((side, side, 1), -20.0);
        // A confident blob centred exactly on cell (5, 2) (column, row), one channel.
        heatmap[[2, 5, 0]] = 5.0;
        heatmap[[2, 4, 0]] = 0.0;
        heatmap[[2, 6, 0]] = 0.0;
        let mut points = [CropPoint {
            x: 0.6,
            y: 0.3,
            ..Default::default()
        }];
        refine_from_heatmap(&mut points, heatmap.view());
        assert!((points[0].x - 5.0 / 8.0).abs() < 1e-3, "{:?}", points[0]);
        assert!((points[0].y - 2.0 / 8.0).abs() < 1e-3, "{:?}", points[0]);

        // An unconfident heatmap leaves the point where it was.
        let flat = Array3::from_elem((side, side, 1), -20.0);
        let mut points = [CropPoint {
            x: 0.6,
            y: 0.3,
            ..Default::default()
        }];
        refine_from_heatmap(&mut points, flat.view());
        assert_eq!((points[0].x, points[0].y), (0.6, 0.3));

        // A point outside the crop is left alone.
        let mut points = [CropPoint {
            x: -0.1,
            y: 0.3,
            ..Default::default()
        }];
        refine_from_heatmap(&mut points, heatmap.view());
        assert_eq!(points[0].x, -0.1);
    }
}
