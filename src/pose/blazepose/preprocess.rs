//! Shared pre-processing: a rotated square region of the photo sampled into a
//! model's NHWC float tensor, and the transform that maps model coordinates
//! back to photo pixels.
//!
//! Both models see the photo through a [`Roi`]: the detector through the
//! whole photo letterboxed into a square, the landmark model through a square
//! rotated so the body stands upright. Sampling follows MediaPipe's
//! `ImageToTensorCalculator`: the region's top-left corner maps to tensor
//! coordinate 0 and its far edge to `size`, bilinear interpolation, black
//! outside the photo.

use image::RgbImage;
use ndarray::ArrayViewMut3;

pub use crate::pose::Region;

/// The region a model looks at: the neutral [`Region`], with BlazePose's
/// two ways of placing it.
pub type Roi = Region;

impl Region {
    /// The square that letterboxes the whole photo: centred, as wide as its long side.
    pub fn letterbox(width: u32, height: u32) -> Self {
        Self {
            center_x: width as f32 / 2.0,
            center_y: height as f32 / 2.0,
            size: width.max(height) as f32,
            rotation: 0.0,
        }
    }

    /// The region MediaPipe derives from two alignment points: centred on
    /// `center`, rotated so that `center -> top` points straight up, with a side
    /// of `2 * |top - center| * scale`.
    pub fn from_alignment_points(center: (f32, f32), top: (f32, f32), scale: f32) -> Self {
        let (dx, dy) = (top.0 - center.0, top.1 - center.1);
        let rotation = normalize_radians(std::f32::consts::FRAC_PI_2 - (-dy).atan2(dx));
        Self {
            center_x: center.0,
            center_y: center.1,
            size: 2.0 * dx.hypot(dy) * scale,
            rotation,
        }
    }
}

/// Normalises an angle to [-pi, pi).
pub fn normalize_radians(angle: f32) -> f32 {
    use std::f32::consts::PI;
    angle - 2.0 * PI * ((angle + PI) / (2.0 * PI)).floor()
}

/// How pixel values 0..255 become tensor values.
#[derive(Debug, Clone, Copy)]
pub struct ValueRange {
    pub min: f32,
    pub max: f32,
}

/// Samples `roi` of `image` into `tensor` (one image of a model's NHWC
/// input: rows x columns x RGB, square), scaling 0..255 to `range`. Every
/// value is written. Outside the photo the pixel is black, as in MediaPipe's
/// zero border.
pub fn sample_roi(image: &RgbImage, roi: &Roi, range: ValueRange, mut tensor: ArrayViewMut3<f32>) {
    let side = tensor.dim().1;
    debug_assert_eq!(tensor.dim(), (side, side, 3), "a square RGB tensor");
    let scale = (range.max - range.min) / 255.0;
    let (width, height) = (image.width() as i64, image.height() as i64);
    let pixels = image.as_raw();
    let stride = width as usize * 3;
    let (sin, cos) = roi.rotation.sin_cos();
    let step = roi.size / side as f32;
    // Source position of tensor pixel (0, 0), and how it moves per column and row.
    let (origin_x, origin_y) = roi.to_image(0.0, 0.0);
    let (col_dx, col_dy) = (cos * step, sin * step);
    let (row_dx, row_dy) = (-sin * step, cos * step);

    let fetch = |x: i64, y: i64, channel: usize| -> f32 {
        if x < 0 || y < 0 || x >= width || y >= height {
            0.0
        } else {
            pixels[y as usize * stride + x as usize * 3 + channel] as f32
        }
    };

    for (row, mut out_row) in tensor.outer_iter_mut().enumerate() {
        let mut src_x = origin_x + row as f32 * row_dx;
        let mut src_y = origin_y + row as f32 * row_dy;
        // A row of pixels is contiguous in a standard-layout tensor; the
        // loop below runs on it as a slice, which keeps it as fast as it was.
        let out_row = out_row
            .as_slice_mut()
            .expect("the input tensor is in standard layout");
        for out in out_row.chunks_exact_mut(3) {
            let (xi, yi) = (floor_to_i32(src_x), floor_to_i32(src_y));
            let (fx, fy) = (src_x - xi as f32, src_y - yi as f32);
            let (xi, yi) = (xi as i64, yi as i64);
            if xi >= 0 && yi >= 0 && xi + 1 < width && yi + 1 < height {
                // The common case: all four neighbours inside, one bounds check
                // for the pixel instead of twelve.
                let base = yi as usize * stride + xi as usize * 3;
                let top_row = &pixels[base..base + 6];
                let bottom_row = &pixels[base + stride..base + stride + 6];
                for channel in 0..3 {
                    let (p00, p10) = (top_row[channel] as f32, top_row[channel + 3] as f32);
                    let (p01, p11) = (bottom_row[channel] as f32, bottom_row[channel + 3] as f32);
                    let top = p00 + (p10 - p00) * fx;
                    let bottom = p01 + (p11 - p01) * fx;
                    out[channel] = range.min + (top + (bottom - top) * fy) * scale;
                }
            } else if xi + 1 < 0 || yi + 1 < 0 || xi >= width || yi >= height {
                // Wholly outside (this also covers coordinates too large to
                // have a fraction): black.
                out.fill(range.min);
            } else {
                for (channel, value) in out.iter_mut().enumerate() {
                    let (p00, p10, p01, p11) = (
                        fetch(xi, yi, channel),
                        fetch(xi + 1, yi, channel),
                        fetch(xi, yi + 1, channel),
                        fetch(xi + 1, yi + 1, channel),
                    );
                    let top = p00 + (p10 - p00) * fx;
                    let bottom = p01 + (p11 - p01) * fx;
                    *value = range.min + (top + (bottom - top) * fy) * scale;
                }
            }
            src_x += col_dx;
            src_y += col_dy;
        }
    }
}

/// `value.floor()` as an integer without the libm call that `f32::floor`
/// becomes on baseline x86-64 (no SSE4.1). Saturates like `as i32`, NaN
/// gives 0; within i32's range it equals the float floor exactly.
fn floor_to_i32(value: f32) -> i32 {
    let truncated = value as i32;
    if (truncated as f32) > value {
        // Saturated at i32::MIN, the cast already rounded down.
        truncated.saturating_sub(1)
    } else {
        truncated
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    /// Found by fuzzing: a crop centred at 3e38 pixels (a float the landmark
    /// model may emit) overflowed the integer pixel index in debug builds.
    #[test]
    fn a_crop_far_off_the_photo_samples_black() {
        let image = image::RgbImage::from_pixel(64, 64, image::Rgb([200, 100, 50]));
        let range = ValueRange {
            min: -1.0,
            max: 1.0,
        };
        let mut tensor = Array3::zeros((8, 8, 3));
        for (center_x, center_y) in [
            (3e38, 10.0),
            (10.0, -3e38),
            (f32::MAX, f32::MAX),
            (-f32::MAX, 0.0),
        ] {
            let roi = Roi {
                center_x,
                center_y,
                size: 100.0,
                rotation: 0.3,
            };
            sample_roi(&image, &roi, range, tensor.view_mut());
            assert!(tensor.iter().all(|&v| v == -1.0), "{roi:?}: {tensor:?}");
        }
    }

    #[test]
    fn roi_round_trip_and_corners() {
        let roi = Roi {
            center_x: 100.0,
            center_y: 50.0,
            size: 40.0,
            rotation: 0.3,
        };
        let (x, y) = roi.to_image(0.2, 0.9);
        let (u, v) = roi.from_image(x, y);
        assert!((u - 0.2).abs() < 1e-5 && (v - 0.9).abs() < 1e-5);
        let centre = roi.to_image(0.5, 0.5);
        assert_eq!(centre, (100.0, 50.0));
    }

    #[test]
    fn alignment_points_make_the_body_upright() {
        // A body lying along +x (head to the right): the region must turn by +90 degrees
        // so that the crop's "up" points along the body.
        let roi = Roi::from_alignment_points((10.0, 10.0), (30.0, 10.0), 1.25);
        assert!((roi.rotation - std::f32::consts::FRAC_PI_2).abs() < 1e-6);
        assert!((roi.size - 50.0).abs() < 1e-5);
        // The crop's top centre lands on the head side.
        let (x, y) = roi.to_image(0.5, 0.0);
        assert!(
            (x - 35.0).abs() < 1e-4 && (y - 10.0).abs() < 1e-4,
            "{x},{y}"
        );
        // Upright body: no rotation.
        let upright = Roi::from_alignment_points((10.0, 50.0), (10.0, 10.0), 1.0);
        assert!(upright.rotation.abs() < 1e-6);
    }

    #[test]
    fn normalize_radians_range() {
        use std::f32::consts::PI;
        for angle in [-7.0, -PI, -1.0, 0.0, 1.0, PI, 7.0] {
            let n = normalize_radians(angle);
            assert!((-PI..PI).contains(&n), "{angle} -> {n}");
            assert!(
                ((n - angle) / (2.0 * PI)).fract().abs() < 1e-5
                    || ((n - angle) / (2.0 * PI)).fract().abs() > 1.0 - 1e-5
            );
        }
    }

    #[test]
    fn letterbox_samples_pixels_and_black_border() {
        // A 4x2 image, each pixel a distinct red value; letterboxed into 4x4.
        let image = RgbImage::from_fn(4, 2, |x, y| image::Rgb([(x * 10 + y * 100) as u8, 7, 0]));
        let roi = Roi::letterbox(4, 2);
        let mut tensor = Array3::zeros((4, 4, 3));
        sample_roi(
            &image,
            &roi,
            ValueRange {
                min: 0.0,
                max: 255.0,
            },
            tensor.view_mut(),
        );
        let at = |row: usize, col: usize, ch: usize| tensor[[row, col, ch]];
        // Row 0 lies above the photo (source y = -1): black.
        assert_eq!(at(0, 0, 0), 0.0);
        // Row 1 maps to source y = 0 exactly, column c to source x = c.
        for col in 0..3 {
            assert!((at(1, col, 0) - (col * 10) as f32).abs() < 1e-4);
            assert!((at(1, col, 1) - 7.0).abs() < 1e-4);
        }
        // Row 2 maps to source y = 1.
        assert!((at(2, 1, 0) - 110.0).abs() < 1e-4);
    }

    /// The sampling as first written: per channel, with `f32::floor`.
    fn reference_sample(image: &RgbImage, roi: &Roi, side: usize, range: ValueRange) -> Vec<f32> {
        let scale = (range.max - range.min) / 255.0;
        let (sin, cos) = roi.rotation.sin_cos();
        let step = roi.size / side as f32;
        let (origin_x, origin_y) = roi.to_image(0.0, 0.0);
        let fetch = |x: i64, y: i64, c: usize| -> f32 {
            if x < 0 || y < 0 || x >= image.width() as i64 || y >= image.height() as i64 {
                0.0
            } else {
                image.get_pixel(x as u32, y as u32).0[c] as f32
            }
        };
        let mut out = Vec::with_capacity(side * side * 3);
        for row in 0..side {
            let mut src_x = origin_x + row as f32 * (-sin * step);
            let mut src_y = origin_y + row as f32 * (cos * step);
            for _ in 0..side {
                let (x0, y0) = (src_x.floor(), src_y.floor());
                let (fx, fy) = (src_x - x0, src_y - y0);
                let (xi, yi) = (x0 as i64, y0 as i64);
                for c in 0..3 {
                    let top = fetch(xi, yi, c) + (fetch(xi + 1, yi, c) - fetch(xi, yi, c)) * fx;
                    let bottom = fetch(xi, yi + 1, c)
                        + (fetch(xi + 1, yi + 1, c) - fetch(xi, yi + 1, c)) * fx;
                    out.push(range.min + (top + (bottom - top) * fy) * scale);
                }
                src_x += cos * step;
                src_y += sin * step;
            }
        }
        out
    }

    #[test]
    fn fast_sampling_is_bit_identical_to_the_reference() {
        let image = RgbImage::from_fn(61, 47, |x, y| {
            image::Rgb([(x * 7 + y * 3) as u8, (x * y) as u8, (255 - x * 4) as u8])
        });
        let range = ValueRange {
            min: -1.0,
            max: 1.0,
        };
        // Filled with NaN: every value must be written.
        let mut tensor = Array3::from_elem((37, 37, 3), f32::NAN);
        // Inside, straddling every edge, rotated, and wholly off the photo.
        for (cx, cy, size, rotation) in [
            (30.0, 23.0, 20.0, 0.0),
            (30.0, 23.0, 90.0, 0.0),
            (5.5, 40.2, 33.3, 0.7),
            (58.0, 2.0, 25.0, -2.1),
            (30.0, 23.0, 70.0, 3.0),
            (-500.0, 900.0, 40.0, 1.0),
        ] {
            let roi = Roi {
                center_x: cx,
                center_y: cy,
                size,
                rotation,
            };
            sample_roi(&image, &roi, range, tensor.view_mut());
            let expected = reference_sample(&image, &roi, 37, range);
            assert_eq!(tensor.len(), expected.len());
            for (i, (a, b)) in tensor.iter().zip(&expected).enumerate() {
                assert_eq!(
                    a.to_bits(),
                    b.to_bits(),
                    "roi {roi:?}, value {i}: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn floor_matches_the_float_floor() {
        for value in [
            -2.5f32, -1.0, -0.25, 0.0, 0.75, 1.0, 3.999, -3.000_001, 1e9, -1e9,
        ] {
            assert_eq!(floor_to_i32(value), value.floor() as i32, "{value}");
        }
        assert_eq!(floor_to_i32(f32::NAN), 0);
        assert_eq!(floor_to_i32(1e20), i32::MAX);
        assert_eq!(floor_to_i32(-1e20), i32::MIN);
        assert_eq!(floor_to_i32(f32::NEG_INFINITY), i32::MIN);
    }

    #[test]
    fn value_range_scales() {
        let image = RgbImage::from_pixel(2, 2, image::Rgb([255, 0, 51]));
        let roi = Roi {
            center_x: 1.0,
            center_y: 1.0,
            size: 1.0,
            rotation: 0.0,
        };
        let mut tensor = Array3::zeros((1, 1, 3));
        sample_roi(
            &image,
            &roi,
            ValueRange {
                min: -1.0,
                max: 1.0,
            },
            tensor.view_mut(),
        );
        assert!((tensor[[0, 0, 0]] - 1.0).abs() < 1e-6);
        assert!((tensor[[0, 0, 1]] + 1.0).abs() < 1e-6);
        assert!((tensor[[0, 0, 2]] - (51.0 / 127.5 - 1.0)).abs() < 1e-6);
    }
}
