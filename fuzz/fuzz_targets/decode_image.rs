//! Image bytes through decoding (limits, EXIF orientation, truncation and
//! animation checks) and the pre-processing both models see: the letterboxed
//! photo and a rotated crop. No model is run.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ndarray::Array3;
use sagitta::image_io::{DecodeLimits, decode};
use sagitta::pose::blazepose::preprocess::{Roi, ValueRange, sample_roi};

/// The crop's placement comes first (16 bytes), as the landmark model's
/// alignment points would give it, so any float, NaN and infinity included,
/// is tried; the rest is the file.
#[derive(arbitrary::Arbitrary, Debug)]
struct Input<'a> {
    roi: [f32; 4],
    file: &'a [u8],
}

// Tighter than the defaults so that no input may legitimately allocate
// close to libFuzzer's 2 GB memory limit; the code paths are the same.
const LIMITS: DecodeLimits = DecodeLimits {
    max_file_bytes: 1 << 20,
    max_side: 4096,
    max_pixels: 4_000_000,
    max_alloc: 64 << 20,
    min_side: 64,
    max_aspect: 8.0,
};

/// Small tensors keep executions fast; the sampling code does not depend on the side.
const SIDE: usize = 32;
const RANGE: ValueRange = ValueRange {
    min: -1.0,
    max: 1.0,
};

fuzz_target!(|input: Input| {
    let Ok(photo) = decode(input.file, &LIMITS) else {
        return;
    };
    let image = &photo.image;
    // NaN everywhere: sampling must write every value.
    let mut tensor = Array3::from_elem((SIDE, SIDE, 3), f32::NAN);
    sample_roi(
        image,
        &Roi::letterbox(image.width(), image.height()),
        RANGE,
        tensor.view_mut(),
    );
    assert!(tensor.iter().all(|v| !v.is_nan()));
    let [center_x, center_y, size, rotation] = input.roi;
    sample_roi(
        image,
        &Roi {
            center_x,
            center_y,
            size,
            rotation,
        },
        RANGE,
        tensor.view_mut(),
    );
});
