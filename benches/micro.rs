//! Micro-benchmarks of the stages around the models: decoding, the two
//! tensor samplings, detector and landmark decoding, the geometry and the
//! overlay. `cargo bench --bench micro` (about 40 s after the build).

use std::hint::black_box;
use std::io::{Cursor, Write};
use std::path::Path;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use image::codecs::jpeg::JpegEncoder;
use image::{RgbImage, imageops};
use ndarray::{Array1, Array2, Array3};
use sagitta::image_io::{self, DecodeLimits};
use sagitta::measure::{self, MeasureOptions};
use sagitta::pose::blazepose::detector::{self, anchors};
use sagitta::pose::blazepose::landmarks::{self, MODEL_POINTS, RawLandmarks};
use sagitta::pose::blazepose::preprocess::{Roi, ValueRange, sample_roi};
use sagitta::pose::models::ModelSet;
use sagitta::pose::{BlazePose, ModelKind, Pose, PoseOptions, PoseSource};
use sagitta::report::overlay::annotate;
use sagitta::{Analyzer, AnalyzerOptions, PlanOptions, plan_routine};

const SAMPLE: &str = "samples/walker_01.jpg";
/// A phone photo held upright (12 MP).
const LARGE: (u32, u32) = (3000, 4000);
const DETECTOR_RANGE: ValueRange = ValueRange {
    min: -1.0,
    max: 1.0,
};
const LANDMARK_RANGE: ValueRange = ValueRange { min: 0.0, max: 1.0 };

/// The inputs every group shares, built once.
struct Fixture {
    sample_jpeg: Vec<u8>,
    large_jpeg: Vec<u8>,
    sample: RgbImage,
    large: RgbImage,
    pose: Pose,
    /// The crop the landmark model saw for the sample's body.
    crop: Roi,
}

impl Fixture {
    fn new() -> Self {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLE);
        let sample_jpeg = std::fs::read(&path).expect("the sample photo is readable");
        let sample = decode(&sample_jpeg);
        let large = upscale_with_grain(&sample, LARGE);
        let mut large_jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut Cursor::new(&mut large_jpeg), 90)
            .encode_image(&large)
            .expect("JPEG encoding");
        let models = ModelSet::locate(ModelKind::Full, None).expect("the full model is here");
        let mut estimator =
            BlazePose::new(&models, 1, PoseOptions::default()).expect("models load");
        let (pose, _) = estimator
            .estimate(&sample)
            .expect("the sample has a person");
        let crop = estimator.last_crop().expect("a body was found");
        eprintln!(
            "large photo: {}x{}, {:.1} MB JPEG",
            LARGE.0,
            LARGE.1,
            large_jpeg.len() as f64 / 1e6
        );
        Self {
            sample_jpeg,
            large_jpeg,
            sample,
            large,
            pose,
            crop,
        }
    }
}

fn decode(bytes: &[u8]) -> RgbImage {
    image_io::decode(bytes, &DecodeLimits::default())
        .map_err(|(_, message)| message)
        .expect("decodes")
        .image
}

/// An upscaled photo is unnaturally smooth and compresses (and decodes) far
/// faster than a camera's; fixed pseudo-random grain brings its JPEG closer
/// to a real 12 MP photo's size.
fn upscale_with_grain(image: &RgbImage, (width, height): (u32, u32)) -> RgbImage {
    let mut large = imageops::resize(image, width, height, imageops::FilterType::Triangle);
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for value in large.iter_mut() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *value = value.saturating_add_signed((state % 17) as i8 - 8);
    }
    large
}

fn bench_decode(c: &mut Criterion, f: &Fixture) {
    let mut group = c.benchmark_group("decode");
    group.bench_function("sample_480x600", |b| {
        b.iter(|| decode(black_box(&f.sample_jpeg)))
    });
    group.bench_function("sample_480x600/zune_jpeg_direct", |b| {
        b.iter(|| zune_direct(black_box(&f.sample_jpeg)))
    });
    group.bench_function("sample_480x600/jpeg_decoder", |b| {
        b.iter(|| jpeg_decoder_scaled(black_box(&f.sample_jpeg), None))
    });
    group.sample_size(10);
    group.bench_function("photo_3000x4000", |b| {
        b.iter(|| decode(black_box(&f.large_jpeg)))
    });
    group.bench_function("photo_3000x4000/zune_jpeg_direct", |b| {
        b.iter(|| zune_direct(black_box(&f.large_jpeg)))
    });
    group.bench_function("photo_3000x4000/jpeg_decoder", |b| {
        b.iter(|| jpeg_decoder_scaled(black_box(&f.large_jpeg), None))
    });
    // Downscale-on-decode: the DCT scaled to 1/2 and 1/4 (1500x2000, 750x1000).
    for (name, size) in [("1_2", (1500, 2000)), ("1_4", (750, 1000))] {
        group.bench_function(format!("photo_3000x4000/jpeg_decoder_scaled_{name}"), |b| {
            b.iter(|| jpeg_decoder_scaled(black_box(&f.large_jpeg), Some(size)))
        });
    }
    group.finish();
}

/// The JPEG decoder `image` uses, without `image`'s wrapper or sagitta's
/// checks (limits, EXIF orientation, marker walk): the floor for `decode`.
fn zune_direct(bytes: &[u8]) -> Vec<u8> {
    zune_jpeg::JpegDecoder::new(zune_core::bytestream::ZCursor::new(bytes))
        .decode()
        .expect("decodes")
}

/// image-rs's `jpeg-decoder`, optionally scaling the DCT to at least `size`.
fn jpeg_decoder_scaled(bytes: &[u8], size: Option<(u16, u16)>) -> Vec<u8> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    if let Some((width, height)) = size {
        decoder.scale(width, height).expect("scales");
    }
    decoder.decode().expect("decodes")
}

fn bench_letterbox(c: &mut Criterion, f: &Fixture) {
    let mut group = c.benchmark_group("letterbox_224");
    let side = detector::INPUT_SIDE;
    let mut tensor = Array3::zeros((side, side, 3));
    for (name, image) in [("sample_480x600", &f.sample), ("photo_3000x4000", &f.large)] {
        let roi = Roi::letterbox(image.width(), image.height());
        group.bench_function(name, |b| {
            b.iter(|| sample_roi(black_box(image), &roi, DETECTOR_RANGE, tensor.view_mut()))
        });
    }
    group.finish();
}

fn bench_rotated_crop(c: &mut Criterion, f: &Fixture) {
    let mut group = c.benchmark_group("rotated_crop_256");
    let side = landmarks::INPUT_SIDE;
    let mut tensor = Array3::zeros((side, side, 3));
    // The crop the sample really gets, and the same body at 12 MP; a tilt
    // makes sure the rotated path is taken even if the walker stands upright.
    let roi = Roi {
        rotation: f.crop.rotation + 0.2,
        ..f.crop
    };
    let scale = LARGE.1 as f32 / f.sample.height() as f32;
    let large_roi = Roi {
        center_x: roi.center_x * scale,
        center_y: roi.center_y * scale,
        size: roi.size * scale,
        ..roi
    };
    for (name, image, roi) in [
        ("sample_480x600", &f.sample, roi),
        ("photo_3000x4000", &f.large, large_roi),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| sample_roi(black_box(image), &roi, LANDMARK_RANGE, tensor.view_mut()))
        });
    }
    group.finish();
}

/// Raw detector outputs for 2254 anchors where 16 pass the score threshold in
/// two clusters (two people), as many as the busiest reference photo gives
/// (the median over the 49 reference photos is 8).
fn synthetic_detector_outputs(anchors: &[(f32, f32)]) -> (Array2<f32>, Array1<f32>) {
    // Box centre and size, then 4 keypoints (x, y), as the model gives them.
    const VALUES_PER_ANCHOR: usize = 12;
    let side = detector::INPUT_SIDE as f32;
    let mut regressors = Array2::zeros((anchors.len(), VALUES_PER_ANCHOR));
    let mut logits: Array1<f32> = (0..anchors.len()).map(|i| -4.0 - (i % 7) as f32).collect();
    // (first anchor, candidates, box width and height in input pixels)
    let people = [(1200, 10, 60.0, 150.0), (1700, 6, 40.0, 90.0)];
    for (first, count, width, height) in people {
        // Every box of a cluster is centred near its first anchor, so they overlap.
        let centre = anchors[first];
        for (k, index) in (first..first + count).enumerate() {
            logits[index] = 0.5 + k as f32 * 0.3;
            let mut r = regressors.row_mut(index);
            let jitter = k as f32 * 0.7;
            r[0] = (centre.0 - anchors[index].0) * side + jitter;
            r[1] = (centre.1 - anchors[index].1) * side - jitter;
            r[2] = width + jitter;
            r[3] = height - jitter;
            for point in 0..4 {
                r[4 + 2 * point] = r[0] + point as f32 * 5.0;
                r[5 + 2 * point] = r[1] - point as f32 * 20.0;
            }
        }
    }
    (regressors, logits)
}

fn bench_detector(c: &mut Criterion) {
    let anchors = anchors();
    let (regressors, logits) = synthetic_detector_outputs(&anchors);
    let people =
        detector::weighted_nms(detector::decode(regressors.view(), logits.view(), &anchors));
    assert_eq!(people.len(), 2, "the synthetic outputs hold two people");
    c.bench_function("detector/decode_nms_2254_anchors_16_candidates", |b| {
        b.iter(|| {
            detector::weighted_nms(detector::decode(
                black_box(regressors.view()),
                black_box(logits.view()),
                &anchors,
            ))
        })
    });
}

/// Raw landmark outputs: 39 points spread over the crop, each with a
/// confident Gaussian blob in its 64x64 heatmap channel (so refinement does
/// its full work), and a 256x256 mask.
fn synthetic_landmark_outputs() -> RawLandmarks {
    const HEATMAP_SIDE: usize = 64;
    let input = landmarks::INPUT_SIDE as f32;
    let points: Vec<(f32, f32)> = (0..MODEL_POINTS)
        .map(|i| {
            let t = i as f32 / MODEL_POINTS as f32;
            (0.3 + 0.4 * (t * 7.0).sin().abs(), 0.1 + 0.8 * t)
        })
        .collect();
    let mut raw = Array2::zeros((MODEL_POINTS, 5));
    for (mut row, &(x, y)) in raw.rows_mut().into_iter().zip(&points) {
        row.assign(&ndarray::arr1(&[x * input, y * input, -10.0, 3.0, 4.0]));
    }
    let mut heatmap = Array3::from_elem((HEATMAP_SIDE, HEATMAP_SIDE, MODEL_POINTS), -8.0f32);
    for (channel, &(x, y)) in points.iter().enumerate() {
        let (px, py) = (x * HEATMAP_SIDE as f32, y * HEATMAP_SIDE as f32);
        for row in 0..HEATMAP_SIDE {
            for col in 0..HEATMAP_SIDE {
                let d2 = (col as f32 - px).powi(2) + (row as f32 - py).powi(2);
                heatmap[[row, col, channel]] = 6.0 - d2;
            }
        }
    }
    let side = landmarks::INPUT_SIDE;
    RawLandmarks {
        landmarks: raw,
        presence: 0.99,
        segmentation: Array2::from_shape_fn((side, side), |(row, col)| {
            ((row * side + col) % 23) as f32 - 11.0
        }),
        heatmap,
    }
}

fn bench_landmarks(c: &mut Criterion, f: &Fixture) {
    let raw = synthetic_landmark_outputs();
    let mut group = c.benchmark_group("landmarks");
    group.bench_function("decode_refine_64x64x39", |b| {
        b.iter(|| {
            let mut points = landmarks::decode(black_box(raw.landmarks.view()));
            landmarks::refine_from_heatmap(&mut points, black_box(raw.heatmap.view()));
            points
        })
    });
    // The whole post-processing step, with the 256x256 mask's sigmoid.
    group.bench_function("postprocess_with_mask", |b| {
        b.iter_batched(
            || copy_raw(&raw),
            |raw| landmarks::postprocess(raw, &f.crop),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn copy_raw(raw: &RawLandmarks) -> RawLandmarks {
    RawLandmarks {
        landmarks: raw.landmarks.clone(),
        presence: raw.presence,
        segmentation: raw.segmentation.clone(),
        heatmap: raw.heatmap.clone(),
    }
}

fn bench_geometry(c: &mut Criterion, f: &Fixture, analyzer: &mut Analyzer) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLE);
    let analysis = analyzer
        .analyze_timed(&path)
        .expect("the sample is analysed")
        .analysis;
    let plan = PlanOptions::default();
    let recommender = plan.recommender().expect("built-in catalogue");
    let options = MeasureOptions::default();

    let mut group = c.benchmark_group("geometry");
    group.bench_function("measure", |b| {
        b.iter(|| measure::measure(black_box(&f.pose), &f.sample, &options))
    });
    // What the saved document adds per photo: the pose with its person mask
    // in the compact form, and the whole document as JSON.
    group.bench_function("pose_report_with_mask", |b| {
        b.iter(|| black_box(&f.pose).report())
    });
    group.bench_function("document_json", |b| {
        b.iter(|| serde_json::to_vec(black_box(&analysis)).expect("serialises"))
    });
    group.bench_function("plan_routine", |b| {
        b.iter_batched(
            || analysis.clone(),
            |mut analysis| plan_routine(&recommender, &plan, &mut analysis),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn bench_overlay(c: &mut Criterion, f: &Fixture, analyzer: &mut Analyzer) {
    let mut group = c.benchmark_group("overlay");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLE);
    // The analyzer reads from a path: the large photo goes through a temporary file.
    let mut large = tempfile::NamedTempFile::new().expect("temporary file");
    large
        .write_all(&f.large_jpeg)
        .expect("temporary file written");
    for (name, path) in [
        ("sample_480x600", sample.as_path()),
        ("photo_3000x4000", large.path()),
    ] {
        let outcome = analyzer.analyze_timed(path).expect("the photo is analysed");
        group.bench_function(name, |b| {
            // The copy is made outside the timing: `annotate` draws in place.
            b.iter_batched(
                || outcome.photo.clone(),
                |photo| annotate(black_box(photo), &outcome.analysis),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    let fixture = Fixture::new();
    bench_decode(c, &fixture);
    bench_letterbox(c, &fixture);
    bench_rotated_crop(c, &fixture);
    bench_detector(c);
    bench_landmarks(c, &fixture);
    let mut analyzer = Analyzer::new(&AnalyzerOptions::default()).expect("models load");
    bench_geometry(c, &fixture, &mut analyzer);
    bench_overlay(c, &fixture, &mut analyzer);
}

criterion_group! {
    name = micro;
    // Modest times keep the whole run within a few minutes on two busy cores.
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = benches
}
criterion_main!(micro);
