//! The measurement stage: geometry on the keypoints (and the person mask),
//! no model and no I/O. Angle definitions and signs: [`conventions`]; every
//! threshold and uncertainty: `assets/limits.toml` (`crate::limits`).

pub(crate) mod conventions;
pub(crate) mod geometry;
pub(crate) mod markers;
pub(crate) mod pelvis;
pub(crate) mod posture;
pub(crate) mod protocol;
pub(crate) mod spine;
pub(crate) mod standing;
pub(crate) mod thomas;

use std::collections::BTreeMap;

use image::RgbImage;

use crate::limits::limits;
use crate::pose::{Joint, Pose};
use crate::schema::{Measurement, MeasurementId, Protocol, ProtocolKind, Reading, Side};
use geometry::{Pitch, Vec2};

pub use markers::MarkerColor;
pub use pelvis::PelvisInput;
pub(crate) use pelvis::SD_TO_90_PERCENT;
pub use protocol::Refusal;

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProtocolChoice {
    /// Detect the protocol from the pose.
    #[default]
    Auto,
    /// Upright side view.
    Standing,
    /// Supine at a table end, one knee held to the chest, the test leg hanging.
    ThomasTest,
}

#[derive(Debug, Clone, Default)]
pub struct MeasureOptions {
    pub protocol: ProtocolChoice,
    /// Degrees the camera was rolled (see [`conventions`]); `None` = level.
    pub camera_roll_deg: Option<f64>,
    /// Degrees the camera was tilted up (positive) or down (see
    /// [`conventions`]); `None` = level.
    pub camera_pitch_deg: Option<f64>,
    /// The lens's 35 mm-equivalent focal length, which the pitch correction
    /// needs: given, or from the photo's EXIF; `None` assumes
    /// [`ASSUMED_FOCAL_LENGTH_35MM_MM`].
    pub focal_length_35mm_mm: Option<f64>,
    pub pelvis: PelvisInput,
    /// Whether the photo's EXIF orientation turned it a quarter turn before
    /// measuring (the analyzer sets it): a body lying on its side in it is
    /// then not taken for a photo stored turned.
    pub quarter_turned_by_exif: bool,
}

impl MeasureOptions {
    /// The 35 mm-equivalent focal length the pitch is levelled with: the one
    /// given or read from EXIF, else the assumed phone lens.
    fn focal_length_35mm(&self) -> f64 {
        self.focal_length_35mm_mm
            .unwrap_or(ASSUMED_FOCAL_LENGTH_35MM_MM)
    }
}

/// What the measurement stage hands on.
#[derive(Debug, Clone)]
pub struct MeasureResult {
    pub protocol: Protocol,
    pub measurements: BTreeMap<String, Measurement>,
    /// Caveats about measurements that were made but lean on weak evidence.
    pub warnings: Vec<String>,
    /// Why a second look at the body may change the protocol, if it may.
    pub second_look: Option<protocol::SecondLookCue>,
}

/// The largest camera roll accepted. A side view rolled further is closer to
/// lying on its side than upright: such a photo wants its EXIF orientation
/// (or a rotation by a quarter turn) fixed, not a roll correction, and the
/// protocol checks (trunk within 35 degrees of vertical) would no longer
/// mean what they say.
pub const MAX_CAMERA_ROLL_DEG: f64 = 45.0;

/// The largest camera pitch accepted. Tilted further, the camera looks at
/// the body more from above or below than from the side, which levelling
/// the rays cannot undo.
pub const MAX_CAMERA_PITCH_DEG: f64 = 30.0;

/// The 35 mm-equivalent focal length taken when neither `--focal-length-35mm`
/// nor the photo's EXIF gives one: a phone's main camera (24 to 28 mm).
pub const ASSUMED_FOCAL_LENGTH_35MM_MM: f64 = 26.0;

/// The range of 35 mm-equivalent focal lengths accepted: an ultra-wide
/// phone lens to a long telephoto.
pub const FOCAL_LENGTH_35MM_RANGE_MM: (f64, f64) = (10.0, 400.0);

/// The diagonal of the 36 x 24 mm frame that 35 mm-equivalent focal lengths
/// are stated against.
const FULL_FRAME_DIAGONAL_MM: f64 = 43.266_615;

/// The farthest a pixel coordinate given by hand (`--asis`, `--psis`,
/// `--person`) or carried by a saved document may lie from the photo's
/// origin: a point may lie a little outside the photo, never a million
/// pixels away (the decoder's side limit is 16384).
pub const MAX_POINT_PX: f64 = 1e6;

/// How to retake a photo of `kind` where nothing in it was refused but
/// something could not be measured or confirmed; a refusal has advice of its
/// own ([`protocol::Refusal::advice`]).
pub fn retake_advice(kind: ProtocolKind) -> &'static str {
    match kind {
        ProtocolKind::ThomasTest => {
            "Retake the Thomas test side-on at the height of the table, the whole body in the frame: lying on the back at the table's end, one knee held to the chest, the other thigh off the end with its lower leg hanging free, both knees and the hanging ankle clear of the hands and the table (Harvey1998 for the position, Cosoli2026 for the side view)."
        }
        ProtocolKind::Standing | ProtocolKind::Unsupported => {
            "Retake side-on at hip height from about 3 m, the whole body in the frame down to both feet, standing still with both feet flat on the floor, in tight clothing, arms clear of the trunk (Cosoli2026 for the side view, Mota for the distance)."
        }
    }
}

/// What to do where the protocol is not valid or something was declined.
/// A pelvic tilt declined because of the landmarks or markers given (and the
/// pelvic pattern and posture type that follow from it) is no fault of the
/// photo: typed landmarks are to be checked, markers put right; the photo is
/// retaken only for what the photo itself could not give.
fn advice_after_declines(
    protocol: &Protocol,
    measurements: &BTreeMap<String, Measurement>,
    pelvis: &PelvisInput,
) -> Option<String> {
    const FOLLOW_THE_TILT: [MeasurementId; 3] = [
        MeasurementId::PelvicTilt,
        MeasurementId::PelvicPattern,
        MeasurementId::PostureType,
    ];
    let tilt_declined = measurements
        .get(MeasurementId::PelvicTilt.name())
        .is_some_and(Measurement::is_declined);
    let by_input = tilt_declined && *pelvis != PelvisInput::Estimate;
    let photo_fault = !protocol.valid
        || measurements.iter().any(|(name, m)| {
            m.is_declined() && !(by_input && FOLLOW_THE_TILT.iter().any(|id| id.name() == name))
        });
    // off a standing photo the decline only says the input was not used
    let input_advice = match pelvis {
        _ if !by_input || protocol.kind != ProtocolKind::Standing => None,
        PelvisInput::Landmarks { .. } => Some(CHECK_LANDMARKS),
        _ => Some(FIX_MARKERS),
    };
    let photo_advice = photo_fault.then(|| retake_advice(protocol.kind));
    match (photo_advice, input_advice) {
        (Some(photo), Some(input)) => Some(format!("{photo} {input}")),
        (photo, input) => photo.or(input).map(str::to_string),
    }
}

/// What to do when the ASIS and PSIS given by hand were declined.
pub const CHECK_LANDMARKS: &str = "The photo needs no retake for the pelvis: check the ASIS and PSIS points given (--asis and --psis, or those placed on the review page), each on the bony landmark of the side nearer the camera, in the photo's pixels counted from its top-left corner (x to the right, y down).";

/// What to do when marker dots or balls were not found or not usable.
pub const FIX_MARKERS: &str = "For the markers: put right what the pelvic tilt's reason names, then retake with both markers facing the camera, clear of hands and arms (arms folded across the chest), in a colour that contrasts with the skin and clothing around them.";

/// Body parts that come in pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limb {
    Ear,
    Shoulder,
    Elbow,
    Wrist,
    Hip,
    Knee,
    Ankle,
    Heel,
    Toe,
}

pub fn joint(side: Side, limb: Limb) -> Joint {
    use Joint::*;
    let (left, right) = match limb {
        Limb::Ear => (LeftEar, RightEar),
        Limb::Shoulder => (LeftShoulder, RightShoulder),
        Limb::Elbow => (LeftElbow, RightElbow),
        Limb::Wrist => (LeftWrist, RightWrist),
        Limb::Hip => (LeftHip, RightHip),
        Limb::Knee => (LeftKnee, RightKnee),
        Limb::Ankle => (LeftAnkle, RightAnkle),
        Limb::Heel => (LeftHeel, RightHeel),
        Limb::Toe => (LeftFootIndex, RightFootIndex),
    };
    if side == Side::Left { left } else { right }
}

pub fn other(side: Side) -> Side {
    if side == Side::Left {
        Side::Right
    } else {
        Side::Left
    }
}

/// How a photo point reaches the frame the measurements use: the camera's
/// roll turned back about the photo's centre, then its pitch levelled.
#[derive(Debug, Clone, Copy)]
pub struct CameraFrame {
    center: Vec2,
    roll_deg: f64,
    pitch: Option<Pitch>,
}

impl CameraFrame {
    /// The frame of a `width` x `height` photo under `options`' roll and pitch.
    pub fn new(width: u32, height: u32, options: &MeasureOptions) -> Self {
        let focal_35mm = options.focal_length_35mm();
        let diagonal_px = f64::from(width).hypot(f64::from(height));
        Self {
            center: Vec2::new(f64::from(width) / 2.0, f64::from(height) / 2.0),
            roll_deg: options.camera_roll_deg.unwrap_or(0.0),
            pitch: options.camera_pitch_deg.map(|deg| Pitch {
                deg,
                focal_px: focal_35mm * diagonal_px / FULL_FRAME_DIAGONAL_MM,
            }),
        }
    }

    /// A photo pixel in the measured frame.
    fn measured(self, point: Vec2) -> Vec2 {
        let unrolled = point.rotated_about(self.center, -self.roll_deg);
        self.pitch
            .map_or(unrolled, |pitch| pitch.levelled(unrolled, self.center))
    }

    /// A point of the measured frame in photo pixels.
    fn photo(self, point: Vec2) -> Vec2 {
        let tilted = self
            .pitch
            .map_or(point, |pitch| pitch.tilted(point, self.center));
        tilted.rotated_about(self.center, self.roll_deg)
    }

    /// The same camera rolled a further `deg` degrees.
    fn rolled(self, deg: f64) -> Self {
        Self {
            roll_deg: self.roll_deg + deg,
            ..self
        }
    }
}

/// The keypoints as the measurements see them: camera roll and pitch undone,
/// with whether each one was seen and lies inside the photo.
pub struct Body<'a> {
    points: [Vec2; Joint::COUNT],
    visibility: [f64; Joint::COUNT],
    in_frame: [bool; Joint::COUNT],
    pose: &'a Pose,
    camera: CameraFrame,
    size: (f64, f64),
}

impl<'a> Body<'a> {
    pub fn new(pose: &'a Pose, width: u32, height: u32, camera: CameraFrame) -> Self {
        let mut points = [Vec2::default(); Joint::COUNT];
        let mut visibility = [0.0; Joint::COUNT];
        let mut in_frame = [false; Joint::COUNT];
        for joint in Joint::ALL {
            let k = pose.get(joint);
            let raw = Vec2::new(k.x as f64, k.y as f64);
            points[joint.index()] = camera.measured(raw);
            visibility[joint.index()] = if k.visibility.is_finite() {
                k.visibility as f64
            } else {
                0.0
            };
            in_frame[joint.index()] =
                raw.x >= 0.0 && raw.y >= 0.0 && raw.x < width as f64 && raw.y < height as f64;
        }
        Self {
            points,
            visibility,
            in_frame,
            pose,
            camera,
            size: (width as f64, height as f64),
        }
    }

    pub fn point(&self, joint: Joint) -> Vec2 {
        self.points[joint.index()]
    }

    pub fn visibility(&self, joint: Joint) -> f64 {
        self.visibility[joint.index()]
    }

    pub fn in_frame(&self, joint: Joint) -> bool {
        self.in_frame[joint.index()]
    }

    /// Photo width and height in pixels.
    pub fn photo_size(&self) -> (f64, f64) {
        self.size
    }

    /// The model's depth of a keypoint (smaller = nearer the camera).
    pub fn pose_z(&self, joint: Joint) -> f64 {
        self.pose.get(joint).z as f64
    }

    /// The model's probability that a keypoint lies inside the photo.
    pub fn presence(&self, joint: Joint) -> f64 {
        let presence = self.pose.get(joint).presence;
        if presence.is_finite() {
            presence as f64
        } else {
            0.0
        }
    }

    /// Seen by the model and inside the photo.
    pub fn usable(&self, joint: Joint) -> bool {
        self.in_frame(joint) && self.visibility(joint) >= limits().keypoint.min_visibility
    }

    /// Checks that every joint is usable; otherwise the reason names the first
    /// that is not.
    pub fn require(&self, joints: &[Joint]) -> Result<(), String> {
        for &joint in joints {
            if !self.in_frame(joint) {
                return Err(format!(
                    "the {} is outside the photo",
                    joint.name().replace('_', " ")
                ));
            }
            if self.visibility(joint) < limits().keypoint.min_visibility {
                return Err(format!(
                    "the {} is hidden (visibility {:.2})",
                    joint.name().replace('_', " "),
                    self.visibility(joint)
                ));
            }
        }
        Ok(())
    }

    /// The lowest visibility among `joints`: the confidence a measurement built on them can claim.
    pub fn min_visibility(&self, joints: &[Joint]) -> f64 {
        joints
            .iter()
            .map(|&j| self.visibility(j))
            .fold(1.0, f64::min)
    }

    /// Person-mask probability at a (camera-corrected) point; 0 where the
    /// pose source gives no mask.
    pub fn mask_at(&self, point: Vec2) -> f64 {
        let raw = self.camera.photo(point);
        self.pose.mask.as_ref().map_or(0.0, |mask| {
            mask.probability_at(raw.x as f32, raw.y as f32) as f64
        })
    }

    /// Whether a (camera-corrected) point lies inside the person outline.
    pub fn inside(&self, point: Vec2) -> bool {
        self.mask_at(point) >= limits().mask.person_probability
    }

    /// Checks that the pose source gave a person mask, which the outline
    /// measurements read; otherwise the reason.
    pub fn require_mask(&self) -> Result<(), String> {
        match self.pose.mask {
            Some(_) => Ok(()),
            None => Err(
                "there is no person mask to read the body outline from (a saved analysis keeps one from schema 1.3 on, traced at this sagitta's mask probability: analyse the photo again to measure it)"
                    .to_string(),
            ),
        }
    }

    /// Maps a camera-corrected point back to photo pixels.
    pub fn to_photo(&self, point: Vec2) -> Vec2 {
        self.camera.photo(point)
    }

    /// Maps photo pixels to the camera-corrected frame.
    pub fn from_photo(&self, point: Vec2) -> Vec2 {
        self.camera.measured(point)
    }

    /// The side of one cell of the person mask, in photo pixels: the finest
    /// detail the mask can show.
    pub fn mask_cell_px(&self) -> f64 {
        self.pose
            .mask
            .as_ref()
            .map_or(0.0, crate::pose::SegmentationMask::cell_px)
    }

    /// Shoulder-to-hip distance on `side`, the length unit of the measurements.
    pub fn torso_length(&self, side: Side) -> f64 {
        self.point(joint(side, Limb::Shoulder))
            .distance(self.point(joint(side, Limb::Hip)))
    }

    /// The same keypoints turned a further `deg` degrees, as if the camera
    /// had been rolled that much more; the photo and its edges stay.
    pub fn turned(&self, deg: f64) -> Body<'a> {
        Body::new(
            self.pose,
            self.size.0 as u32,
            self.size.1 as u32,
            self.camera.rolled(deg),
        )
    }
}

/// A measured angle with its method and confidence.
pub fn angle(value_deg: f64, method: &str, confidence: f64) -> Reading {
    Reading {
        value_deg: Some(round(value_deg, 1)),
        method: method.to_string(),
        confidence: Some(round(confidence.clamp(0.0, 1.0), 2)),
        ..Reading::default()
    }
}

impl Body<'_> {
    /// Camera-corrected points back in photo pixels, rounded, for `points_px`.
    pub fn photo_points(&self, points: &[Vec2]) -> Vec<[f64; 2]> {
        points
            .iter()
            .map(|&p| {
                let photo = self.to_photo(p);
                [round(photo.x, 1), round(photo.y, 1)]
            })
            .collect()
    }
}

/// A measurement the photo cannot support, with the reason.
pub fn declined(method: &str, reason: impl Into<String>) -> Measurement {
    Measurement::declined(method, reason)
}

pub fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

fn protocol_label(kind: ProtocolKind) -> &'static str {
    match kind {
        ProtocolKind::Standing => "standing",
        ProtocolKind::ThomasTest => "a Thomas test",
        ProtocolKind::Unsupported => "not a posture sagitta measures",
    }
}

/// The uncertainty of a keypoint angle: the larger of the published error of
/// the method on real people (`uncertainty.segment_deg`, `uncertainty.knee_deg`)
/// and sagitta's own 90th-percentile error on rendered ground truth
/// (`uncertainty.benchmark_p90`; renders are kinder than real photos).
pub fn keypoint_uncertainty_deg(id: MeasurementId) -> f64 {
    let limits = limits();
    let published = match id {
        MeasurementId::StandingKneeFlexion | MeasurementId::ThomasKneeFlexion => {
            limits.uncertainty.knee_deg
        }
        _ => limits.uncertainty.segment_deg,
    };
    let measured = limits.benchmark_p90_deg(id).unwrap_or(0.0);
    published.max(measured)
}

/// Gives every keypoint angle without one its uncertainty.
fn assign_uncertainty(kind: ProtocolKind, measurements: &mut BTreeMap<String, Measurement>) {
    for (name, m) in measurements.iter_mut() {
        if let Some(m) = m.reading_mut()
            && m.value_deg.is_some()
            && m.method == "keypoints"
            && m.uncertainty_deg.is_none()
            && let Some(id) = MeasurementId::from_name(name, kind)
        {
            m.uncertainty_deg = Some(keypoint_uncertainty_deg(id));
        }
    }
}

/// Marks every value whose confidence is under the floor
/// (`Limits::confidence_floor` in `crate::limits`).
pub fn apply_confidence_floor(measurements: &mut BTreeMap<String, Measurement>) {
    let floor = limits().confidence_floor();
    for m in measurements
        .values_mut()
        .filter_map(Measurement::reading_mut)
    {
        let Some(confidence) = m.confidence else {
            continue;
        };
        if m.unreliable.is_none() && confidence < floor {
            m.unreliable = Some(format!(
                "confidence {confidence:.2} is under the floor of {floor}: shown, but not classified or acted on"
            ));
            m.classification = None;
            m.borderline.clear();
        }
    }
}

/// Measures everything the photo supports.
pub fn measure(pose: &Pose, image: &RgbImage, options: &MeasureOptions) -> MeasureResult {
    measure_sized(pose, (image.width(), image.height()), Some(image), options)
}

/// Measures a pose on a photo of `size` (width, height in pixels); `photo`
/// is read only to find marker dots, and may be absent when the keypoints
/// come from a saved analysis.
pub fn measure_sized(
    pose: &Pose,
    size: (u32, u32),
    photo: Option<&RgbImage>,
    options: &MeasureOptions,
) -> MeasureResult {
    let camera = CameraFrame::new(size.0, size.1, options);
    let body = Body::new(pose, size.0, size.1, camera);
    let view = protocol::view(&body);
    let protocol::Detection {
        mut protocol,
        second_look,
        legs_declined,
    } = protocol::detect(
        &body,
        &view,
        options.protocol,
        options.quarter_turned_by_exif,
    );
    protocol.camera_roll_deg = options.camera_roll_deg;
    protocol.camera_pitch_deg = options.camera_pitch_deg;
    protocol.focal_length_35mm_mm = options
        .camera_pitch_deg
        .map(|_| options.focal_length_35mm());
    let mut measurements = BTreeMap::new();
    let mut warnings = Vec::new();

    protocol.assumptions.push(match options.camera_roll_deg {
        Some(roll) => format!("the camera was rolled {roll} degrees (corrected before measuring)"),
        None => {
            "the image vertical is true vertical (camera level; set --camera-roll-deg otherwise)"
                .to_string()
        }
    });
    protocol.assumptions.push(match options.camera_pitch_deg {
        Some(pitch) => {
            let focal = match options.focal_length_35mm_mm {
                Some(mm) => format!("a 35 mm-equivalent focal length of {mm} mm"),
                None => format!(
                    "an assumed 35 mm-equivalent focal length of {ASSUMED_FOCAL_LENGTH_35MM_MM} mm (a phone's main camera; the photo gave none)"
                ),
            };
            format!(
                "the camera was tilted {} {} degrees (levelled before measuring, with {focal}, about the photo's centre)",
                if pitch >= 0.0 { "up" } else { "down" },
                pitch.abs()
            )
        }
        None => "the camera looked level, neither up nor down (set --camera-pitch-deg otherwise)"
            .to_string(),
    });

    match protocol.kind {
        ProtocolKind::Standing => {
            standing::measure(&body, &view, &mut measurements);
            if let Some(reason) = &legs_declined {
                standing::decline_legs(&mut measurements, reason);
            }
            warnings.extend(spine::measure(&body, &view, &mut measurements));
            assign_uncertainty(ProtocolKind::Standing, &mut measurements);
            let (tilt, warning) = pelvis::measure(&body, &view, photo, &options.pelvis);
            measurements.insert(MeasurementId::PelvicTilt.name().to_string(), tilt);
            warnings.extend(warning);
            measurements.insert(
                MeasurementId::LowerAbdomenInclination.name().to_string(),
                pelvis::lower_abdomen(&body, &view),
            );
            apply_confidence_floor(&mut measurements);
            let pattern = posture::pelvic_pattern(&measurements);
            measurements.insert(MeasurementId::PelvicPattern.name().to_string(), pattern);
            let kendall = posture::kendall_type(&measurements);
            measurements.insert(MeasurementId::PostureType.name().to_string(), kendall);
        }
        ProtocolKind::ThomasTest => {
            thomas::measure(&body, &view, &mut protocol, &mut measurements);
            assign_uncertainty(ProtocolKind::ThomasTest, &mut measurements);
        }
        ProtocolKind::Unsupported => {}
    }
    apply_confidence_floor(&mut measurements);
    if protocol.kind != ProtocolKind::Unsupported {
        let uncertainty = &limits().uncertainty;
        protocol.assumptions.push(format!(
            "uncertainty_deg of a keypoint angle is the larger of the published error of the method on real people ({} degrees at the hip and for segments, Stenum2021; {} at the knee, Yue2024) and sagitta's 90th-percentile error on rendered ground truth (SagittaBench2026); {} for palpated pelvic landmarks (Suits2021)",
            uncertainty.segment_deg, uncertainty.knee_deg, uncertainty.palpation_deg
        ));
    }
    if protocol.kind == ProtocolKind::Standing {
        protocol.assumptions.push(format!(
            "the uncertainty of a plumb offset, {} of the height, is sagitta's 90th-percentile error on rendered ground truth (SagittaBench2026): no published figure exists",
            limits().uncertainty.plumb_height
        ));
    }

    // Pelvic landmarks or markers are read only on a standing photo: say so
    // instead of dropping them without a word.
    if protocol.kind != ProtocolKind::Standing && options.pelvis != PelvisInput::Estimate {
        let what = match options.pelvis {
            PelvisInput::Landmarks { .. } => "--asis/--psis landmarks",
            _ => "--markers",
        };
        let reason = format!(
            "the {what} were not used: pelvic tilt is measured on a standing photo only, and this one is {} ({})",
            protocol_label(protocol.kind),
            protocol.reason
        );
        measurements.insert(
            MeasurementId::PelvicTilt.name().to_string(),
            declined(
                match options.pelvis {
                    PelvisInput::Landmarks { .. } => "landmarks",
                    _ => "markers",
                },
                reason.clone(),
            ),
        );
        warnings.push(reason);
    }

    debug_assert!(
        measurements
            .keys()
            .all(|name| conventions::spec(name).is_some()),
        "every measurement is in the registry (conventions::MEASUREMENTS): {:?}",
        measurements.keys().collect::<Vec<_>>()
    );
    if protocol.retake.is_none() {
        protocol.retake = advice_after_declines(&protocol, &measurements, &options.pelvis);
    }
    MeasureResult {
        protocol,
        measurements,
        warnings,
        second_look,
    }
}
