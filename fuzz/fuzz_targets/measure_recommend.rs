//! Arbitrary keypoints, person mask and options through the measurements,
//! then the recommender (classification, findings, plan) and the routine's
//! text and JSON: everything after the model, with any numbers it could emit.

#![no_main]

use std::sync::LazyLock;

use image::{Rgb, RgbImage};
use libfuzzer_sys::fuzz_target;
use ndarray::Array2;
use sagitta::measure::{MarkerColor, MeasureOptions, PelvisInput, ProtocolChoice, measure};
use sagitta::pose::{Joint, Keypoint, Pose, Region, SegmentationMask};
use sagitta::recommend::{Recommender, Screening, write_routine_text};
use sagitta::schema::RedFlag;
use sagitta::schema::{ModelInfo, ModelKind, ModelRef};

/// Fields in the order `arbitrary` reads them: a seed made from a real
/// analysis needs only the keypoints and the photo size at the front.
#[derive(arbitrary::Arbitrary, Debug)]
struct Input {
    /// x, y, z, visibility, presence of each landmark.
    keypoints: [[f32; 5]; Joint::COUNT],
    width: u16,
    height: u16,
    protocol: u8,
    camera_roll_deg: Option<f64>,
    pelvis: u8,
    asis: (f64, f64),
    psis: (f64, f64),
    marker: [u8; 3],
    mask_side: u8,
    mask_logits: [f32; 64],
    /// center x, center y, size, rotation of the mask's crop.
    mask_roi: [f32; 4],
    red_flags: u8,
    minutes: f64,
    /// Coloured squares painted on the photo, for the marker search.
    paint: Vec<(u16, u16, [u8; 3])>,
    /// A general routine, not based on the photo (`--general-routine`).
    general: bool,
}

/// Large enough for the keypoints of real photos, small enough to stay fast.
const MAX_SIDE: u16 = 1024;

static RECOMMENDER: LazyLock<Recommender> =
    LazyLock::new(|| Recommender::embedded().expect("the embedded catalogue and rules are valid"));

fn pose(input: &Input) -> Pose {
    let mut keypoints = [Keypoint::default(); Joint::COUNT];
    for (keypoint, [x, y, z, visibility, presence]) in keypoints.iter_mut().zip(input.keypoints) {
        *keypoint = Keypoint {
            x,
            y,
            z,
            visibility,
            presence,
        };
    }
    let side = usize::from(input.mask_side % 9);
    let [center_x, center_y, size, rotation] = input.mask_roi;
    let roi = Region {
        center_x,
        center_y,
        size,
        rotation,
    };
    let fuzzed = || ModelRef {
        name: "fuzz".to_string(),
        sha256: String::new(),
    };
    Pose {
        keypoints,
        mask: Some(SegmentationMask::from_logits(
            Array2::from_shape_fn((side, side), |(row, col)| {
                input.mask_logits[row * side + col]
            }),
            roi,
        )),
        persons_found: 1,
        detector_score: 0.9,
        pose_presence: 0.9,
        model: ModelInfo {
            kind: ModelKind::Full,
            detector: fuzzed(),
            landmark: fuzzed(),
        },
    }
}

fn photo(input: &Input) -> RgbImage {
    let (width, height) = (
        input.width.clamp(1, MAX_SIDE),
        input.height.clamp(1, MAX_SIDE),
    );
    let mut image = RgbImage::from_pixel(width.into(), height.into(), Rgb([128, 128, 128]));
    for &(x, y, colour) in input.paint.iter().take(16) {
        for dy in 0..6 {
            for dx in 0..6 {
                if let Some(pixel) =
                    image.get_pixel_mut_checked(u32::from(x) + dx, u32::from(y) + dy)
                {
                    *pixel = Rgb(colour);
                }
            }
        }
    }
    image
}

fn options(input: &Input) -> MeasureOptions {
    MeasureOptions {
        protocol: [
            ProtocolChoice::Auto,
            ProtocolChoice::Standing,
            ProtocolChoice::ThomasTest,
        ][usize::from(input.protocol) % 3],
        camera_roll_deg: input.camera_roll_deg,
        pelvis: match input.pelvis % 3 {
            0 => PelvisInput::Estimate,
            1 => PelvisInput::Landmarks {
                asis: input.asis,
                psis: input.psis,
            },
            _ => PelvisInput::Markers(MarkerColor { rgb: input.marker }),
        },
    }
}

fuzz_target!(|input: Input| {
    let pose = pose(&input);
    let image = photo(&input);
    let mut result = measure(&pose, &image, &options(&input));

    let recommender = &*RECOMMENDER;
    result.measurements =
        recommender.classify(&result.protocol, std::mem::take(&mut result.measurements));
    let findings = recommender.findings(&result.protocol, &result.measurements);
    let flags = RedFlag::ALL
        .iter()
        .enumerate()
        .filter(|(bit, _)| input.red_flags & (1 << bit) != 0);
    let screening = Screening::new(flags.map(|(_, flag)| *flag));
    let routine = recommender.plan(&findings, &screening, input.minutes, input.general);

    serde_json::to_vec(&result.measurements).expect("measurements serialise");
    serde_json::to_vec(&routine).expect("the routine serialises");
    write_routine_text(&routine, &mut Vec::new()).expect("the routine prints");
});
