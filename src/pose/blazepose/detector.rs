//! The BlazePose person detector: SSD anchors, box decoding and weighted
//! non-maximum suppression, as MediaPipe's `pose_detection` graph configures them.

use image::RgbImage;
use ndarray::{Array1, Array2, Array4, ArrayView1, ArrayView2, Axis, Ix2, Zip, s};
use ort::session::Session;
use ort::value::TensorRef;

use super::preprocess::{Roi, ValueRange, sample_roi};
use super::runtime::single_output;
use crate::pose::sigmoid;

/// Side of the detector's square input tensor.
pub const INPUT_SIDE: usize = 224;
const INPUT_RANGE: ValueRange = ValueRange {
    min: -1.0,
    max: 1.0,
};
/// Scores below this are not people (MediaPipe's `min_score_thresh`).
const MIN_SCORE: f32 = 0.5;
/// Boxes overlapping more than this are one person (MediaPipe's `min_suppression_threshold`).
const NMS_IOU: f32 = 0.3;
const NUM_KEYPOINTS: usize = 4;
const VALUES_PER_ANCHOR: usize = 4 + 2 * NUM_KEYPOINTS;
/// Logits are clipped before the sigmoid, as MediaPipe does (`score_clipping_thresh`).
const SCORE_CLIP: f32 = 100.0;

/// One detected person, in photo pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub score: f32,
    /// Box corners: x_min, y_min, x_max, y_max.
    pub bbox: [f32; 4],
    /// 0: mid-hip centre; 1: a point above the head (gives scale and rotation); 2, 3: unused here.
    pub keypoints: [(f32, f32); NUM_KEYPOINTS],
}

impl Detection {
    pub fn area(&self) -> f32 {
        (self.bbox[2] - self.bbox[0]).max(0.0) * (self.bbox[3] - self.bbox[1]).max(0.0)
    }
}

/// Anchor centres, in fractions of the input tensor. The layout (strides
/// 8, 16, 32, 32, 32 with two anchors per cell, the three stride-32 layers
/// sharing one 7x7 grid) gives 2254 anchors.
pub fn anchors() -> Vec<(f32, f32)> {
    const STRIDES: [usize; 5] = [8, 16, 32, 32, 32];
    let mut anchors = Vec::with_capacity(2254);
    let mut layer = 0;
    while layer < STRIDES.len() {
        // Consecutive layers with the same stride share one grid.
        let mut per_cell = 0;
        let stride = STRIDES[layer];
        while layer < STRIDES.len() && STRIDES[layer] == stride {
            per_cell += 2;
            layer += 1;
        }
        let grid = INPUT_SIDE.div_ceil(stride);
        for y in 0..grid {
            for x in 0..grid {
                let centre = (
                    (x as f32 + 0.5) / grid as f32,
                    (y as f32 + 0.5) / grid as f32,
                );
                anchors.extend(std::iter::repeat_n(centre, per_cell));
            }
        }
    }
    anchors
}

/// Decodes raw regressors (one row of box and keypoint offsets per anchor)
/// and score logits (one per anchor) into candidate detections, in fractions
/// of the letterboxed input (before suppression).
pub fn decode(
    regressors: ArrayView2<f32>,
    logits: ArrayView1<f32>,
    anchors: &[(f32, f32)],
) -> Vec<Detection> {
    let side = INPUT_SIDE as f32;
    let count = anchors.len().min(logits.len()).min(regressors.nrows());
    let mut candidates = Vec::new();
    Zip::indexed(logits.slice(s![..count]))
        .and(&ArrayView1::from(&anchors[..count]))
        .for_each(|anchor, &logit, &(ax, ay)| {
            let score = sigmoid(logit.clamp(-SCORE_CLIP, SCORE_CLIP));
            // `is_nan` too: a NaN logit must not count as a person.
            if score.is_nan() || score < MIN_SCORE {
                return;
            }
            // Only the few anchors that pass get their row read.
            let r = regressors.row(anchor);
            let (cx, cy) = (r[0] / side + ax, r[1] / side + ay);
            let (w, h) = (r[2] / side, r[3] / side);
            let mut keypoints = [(0.0, 0.0); NUM_KEYPOINTS];
            for (k, point) in keypoints.iter_mut().enumerate() {
                *point = (r[4 + 2 * k] / side + ax, r[5 + 2 * k] / side + ay);
            }
            candidates.push(Detection {
                score,
                bbox: [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0],
                keypoints,
            });
        });
    candidates
}

/// MediaPipe's weighted non-maximum suppression: boxes overlapping the best
/// remaining one are merged into it, averaging box and keypoints by score;
/// the merged detection keeps the best score.
pub fn weighted_nms(mut candidates: Vec<Detection>) -> Vec<Detection> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept = Vec::new();
    while !candidates.is_empty() {
        // The best one always belongs to its own group, even when its box is degenerate.
        let best = candidates.remove(0);
        let (mut overlapping, rest): (Vec<_>, Vec<_>) = candidates
            .into_iter()
            .partition(|d| iou(&best.bbox, &d.bbox) > NMS_IOU);
        overlapping.insert(0, best);
        candidates = rest;
        let total: f32 = overlapping.iter().map(|d| d.score).sum();
        let mut merged = overlapping[0].clone();
        merged.bbox = [0.0; 4];
        merged.keypoints = [(0.0, 0.0); NUM_KEYPOINTS];
        for d in &overlapping {
            let w = d.score / total;
            for (m, v) in merged.bbox.iter_mut().zip(d.bbox) {
                *m += v * w;
            }
            for (m, v) in merged.keypoints.iter_mut().zip(d.keypoints) {
                m.0 += v.0 * w;
                m.1 += v.1 * w;
            }
        }
        kept.push(merged);
    }
    kept
}

fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let ix = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let iy = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let intersection = ix * iy;
    let union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - intersection;
    if union <= 0.0 {
        0.0
    } else {
        intersection / union
    }
}

/// The detector model with its anchors and its input tensor, allocated once
/// and refilled for every photo.
pub struct Detector {
    session: Session,
    anchors: Vec<(f32, f32)>,
    /// NHWC, a batch of one.
    input: Array4<f32>,
}

impl Detector {
    pub fn new(session: Session) -> Self {
        Self {
            session,
            anchors: anchors(),
            input: Array4::zeros((1, INPUT_SIDE, INPUT_SIDE, 3)),
        }
    }

    /// Letterboxes the photo into the input tensor (the pre-processing step).
    pub fn prepare(&mut self, image: &RgbImage) -> Roi {
        let roi = Roi::letterbox(image.width(), image.height());
        let tensor = self.input.index_axis_mut(Axis(0), 0);
        sample_roi(image, &roi, INPUT_RANGE, tensor);
        roi
    }

    /// Runs the model on the prepared input; returns the raw regressors (one
    /// row per anchor) and score logits (one per anchor).
    pub fn infer(&mut self) -> Result<(Array2<f32>, Array1<f32>), ort::Error> {
        let input = TensorRef::from_array_view(self.input.view())?;
        let outputs = self.session.run(ort::inputs![input])?;
        let regressors = single_output::<Ix2>(&outputs[0])?;
        let logits = single_output::<Ix2>(&outputs[1])?;
        if regressors.dim() != (self.anchors.len(), VALUES_PER_ANCHOR)
            || logits.dim() != (self.anchors.len(), 1)
        {
            return Err(ort::Error::new(format!(
                "detector outputs of shapes {:?} and {:?}, not {} anchors x {VALUES_PER_ANCHOR} and x 1",
                regressors.shape(),
                logits.shape(),
                self.anchors.len()
            )));
        }
        Ok((regressors.to_owned(), logits.column(0).to_owned()))
    }

    /// Turns raw outputs into people found in the photo, most confident first,
    /// in photo pixels.
    pub fn postprocess(
        &self,
        regressors: ArrayView2<f32>,
        logits: ArrayView1<f32>,
        letterbox: &Roi,
    ) -> Vec<Detection> {
        let mut people = weighted_nms(decode(regressors, logits, &self.anchors));
        for person in &mut people {
            let (x0, y0) = letterbox.to_image(person.bbox[0], person.bbox[1]);
            let (x1, y1) = letterbox.to_image(person.bbox[2], person.bbox[3]);
            person.bbox = [x0, y0, x1, y1];
            for point in &mut person.keypoints {
                *point = letterbox.to_image(point.0, point.1);
            }
        }
        people
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_layout_matches_the_model() {
        let anchors = anchors();
        assert_eq!(anchors.len(), 2254);
        // First layer: 28x28 grid, two anchors per cell, row-major.
        assert_eq!(anchors[0], (0.5 / 28.0, 0.5 / 28.0));
        assert_eq!(anchors[1], anchors[0]);
        assert_eq!(anchors[2], (1.5 / 28.0, 0.5 / 28.0));
        // Second layer starts after 28*28*2 anchors on a 14x14 grid.
        assert_eq!(anchors[1568], (0.5 / 14.0, 0.5 / 14.0));
        // Last layer: 7x7 grid with six anchors per cell.
        let last = 1568 + 14 * 14 * 2;
        assert_eq!(anchors[last..last + 6], [(0.5 / 7.0, 0.5 / 7.0); 6]);
        assert_eq!(anchors[2253], (6.5 / 7.0, 6.5 / 7.0));
    }

    fn raw(anchors: usize, hits: &[(usize, f32, [f32; 4])]) -> (Array2<f32>, Array1<f32>) {
        let mut regressors = Array2::zeros((anchors, VALUES_PER_ANCHOR));
        let mut logits = Array1::from_elem(anchors, -10.0);
        for &(index, logit, [dx, dy, w, h]) in hits {
            logits[index] = logit;
            let mut r = regressors.row_mut(index);
            r.slice_mut(ndarray::s![..6])
                .assign(&ndarray::arr1(&[dx, dy, w, h, dx, dy]));
        }
        (regressors, logits)
    }

    #[test]
    fn decode_offsets_from_the_anchor_and_drops_low_scores() {
        let anchors = vec![(0.25, 0.5), (0.75, 0.5)];
        let (regressors, logits) = raw(2, &[(0, 2.0, [22.4, -11.2, 44.8, 89.6])]);
        let found = decode(regressors.view(), logits.view(), &anchors);
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert!((d.score - sigmoid(2.0)).abs() < 1e-6);
        // Centre (0.35, 0.45), size (0.2, 0.4).
        let expected = [0.25, 0.25, 0.45, 0.65];
        for (a, b) in d.bbox.iter().zip(expected) {
            assert!((a - b).abs() < 1e-6, "{:?}", d.bbox);
        }
        assert!((d.keypoints[0].0 - 0.35).abs() < 1e-6);
    }

    #[test]
    fn weighted_nms_merges_overlaps_and_keeps_separate_people() {
        let make = |score: f32, x: f32| Detection {
            score,
            bbox: [x, 0.0, x + 1.0, 1.0],
            keypoints: [(x, 0.5); NUM_KEYPOINTS],
        };
        let merged = weighted_nms(vec![make(0.6, 0.1), make(0.9, 0.0), make(0.8, 5.0)]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].score, 0.9);
        // Score-weighted mean of x = 0.0 (0.9) and x = 0.1 (0.6).
        let expected_x = 0.1 * 0.6 / 1.5;
        assert!((merged[0].bbox[0] - expected_x).abs() < 1e-6);
        assert!((merged[0].keypoints[0].0 - expected_x).abs() < 1e-6);
        assert_eq!(merged[1].bbox[0], 5.0);
    }

    #[test]
    fn iou_of_disjoint_and_identical_boxes() {
        let a = [0.0, 0.0, 2.0, 2.0];
        assert_eq!(iou(&a, &a), 1.0);
        assert_eq!(iou(&a, &[3.0, 3.0, 4.0, 4.0]), 0.0);
        assert!((iou(&a, &[1.0, 0.0, 3.0, 2.0]) - 1.0 / 3.0).abs() < 1e-6);
    }
}
