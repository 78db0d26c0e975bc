//! BlazePose (MediaPipe Pose) as a pose source: the detector finds the
//! person, the landmark model places 33 landmarks and the person mask on a
//! rotated crop around them, and a heavier landmark model takes a second look
//! at bodies lying on their back. Anchors, crops, heatmaps and the ONNX
//! Runtime sessions stay in this folder; what leaves it is the neutral
//! [`Pose`].

// The model internals are the crate's own; the `bench-internals` feature
// opens them to the micro-benchmarks and the fuzz targets.
#[cfg(feature = "bench-internals")]
pub mod detector;
#[cfg(not(feature = "bench-internals"))]
pub(crate) mod detector;
pub mod install;
#[cfg(feature = "bench-internals")]
pub mod landmarks;
#[cfg(not(feature = "bench-internals"))]
pub(crate) mod landmarks;
pub mod models;
#[cfg(feature = "bench-internals")]
pub mod preprocess;
#[cfg(not(feature = "bench-internals"))]
pub(crate) mod preprocess;
#[cfg(feature = "bench-internals")]
pub mod runtime;
#[cfg(not(feature = "bench-internals"))]
pub(crate) mod runtime;

use std::path::PathBuf;
use std::time::Instant;

use image::RgbImage;

use super::{Joint, Keypoint, PersonChoice, Pose, PoseError, PoseSource, PoseTimings, SecondLook};
use crate::error::SetupError;
use crate::limits::limits;
use crate::schema::{ModelInfo, ModelRef};
use detector::{Detection, Detector};
use landmarks::{ALIGN_CENTER, ALIGN_TOP, LandmarkOutput, Landmarker};
use models::{ModelFile, ModelKind, ModelSet};
use preprocess::Roi;

/// Below this pose presence the landmark model does not confirm a body
/// (`person.min_pose_presence`, MediaPipe's threshold).
fn min_pose_presence() -> f32 {
    limits().person.min_pose_presence as f32
}

/// The model failed: its runtime's error, behind the neutral [`PoseError`].
fn inference(error: ort::Error) -> PoseError {
    PoseError::Inference(Box::new(error))
}

/// How the estimator refines its result.
///
/// Measured on the 5 samples and 44 shared photos against the heavy model
/// (median near-side ear/shoulder/hip/knee/ankle distance, in torso lengths):
/// heatmap refinement (always on) brings the full model from 0.069 to 0.035;
/// a second pass moved it away (0.035 -> 0.043), so it is off by default.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoseOptions {
    /// Run the landmark model a second time on the region derived from its
    /// own alignment points (MediaPipe's tracking step, applied to one photo).
    pub second_pass: bool,
    /// Which person to analyse when the detector finds several.
    pub person: PersonChoice,
}

/// Scale of the landmark crop around the alignment points (MediaPipe's 1.25).
const ROI_SCALE: f32 = 1.25;

/// Which BlazePose models to load, and how.
#[derive(Debug, Clone)]
pub struct BlazePoseOptions {
    pub model: ModelKind,
    pub model_dir: Option<PathBuf>,
    /// ONNX Runtime intra-op threads per session.
    pub threads: usize,
    pub pose: PoseOptions,
    /// Landmark model for the second look at bodies lying on their back;
    /// equal to `model`: no second look.
    pub second_look: ModelKind,
}

/// Detector and landmark sessions for one worker, and the second look;
/// reuse it for every photo.
pub struct BlazePose {
    detector: Detector,
    landmarker: Landmarker,
    options: PoseOptions,
    model: ModelInfo,
    second_look: SecondLookModel,
    /// Where the last estimate found its body, for a second look.
    last: Option<LastBody>,
}

/// The last body found: the crop its landmarks came from, the crop its own
/// alignment points imply, and its detection.
#[derive(Debug, Clone, Copy)]
struct LastBody {
    roi: Roi,
    keypoint_roi: Roi,
    persons_found: usize,
    score: f32,
}

/// The second look's landmark model, loaded on the first photo that needs
/// it (once per worker); a model that cannot be loaded is not retried.
enum SecondLookModel {
    Same,
    NotLoaded {
        kind: ModelKind,
        model_dir: Option<PathBuf>,
        threads: usize,
    },
    Ready {
        kind: ModelKind,
        file: ModelFile,
        landmarker: Box<Landmarker>,
    },
    Unavailable(String),
}

impl SecondLookModel {
    fn get(&mut self) -> Result<(ModelKind, &ModelFile, &mut Landmarker), String> {
        if let Self::NotLoaded {
            kind,
            model_dir,
            threads,
        } = self
        {
            let kind = *kind;
            let loaded = ModelSet::locate(kind, model_dir.as_deref()).and_then(|set| {
                let session = runtime::session(&set.landmark, *threads)?;
                Ok((set.landmark, session))
            });
            *self = match loaded {
                Ok((file, session)) => Self::Ready {
                    kind,
                    file,
                    landmarker: Box::new(Landmarker::new(session)),
                },
                Err(error) => Self::Unavailable(error.to_string()),
            };
        }
        match self {
            Self::Ready {
                kind,
                file,
                landmarker,
            } => Ok((*kind, file, landmarker)),
            Self::Unavailable(reason) => Err(reason.clone()),
            Self::Same | Self::NotLoaded { .. } => Err("no second model".to_string()),
        }
    }
}

fn model_ref(file: &ModelFile) -> ModelRef {
    ModelRef {
        name: file.known.name.to_string(),
        sha256: file.known.sha256.to_string(),
    }
}

impl BlazePose {
    /// Loads the sessions of the located `models`, without a second look.
    pub fn new(
        models: &ModelSet,
        threads: usize,
        options: PoseOptions,
    ) -> Result<Self, SetupError> {
        Ok(Self {
            detector: Detector::new(runtime::session(&models.detector, threads)?),
            landmarker: Landmarker::new(runtime::session(&models.landmark, threads)?),
            options,
            model: ModelInfo {
                kind: models.kind,
                detector: model_ref(&models.detector),
                landmark: model_ref(&models.landmark),
            },
            second_look: SecondLookModel::Same,
            last: None,
        })
    }

    /// Loads the sessions of the located `models`, with the second look of
    /// `options`. The second look's model is loaded on the first photo that
    /// needs it, but located and checked now: a missing or damaged model is
    /// a setup error (exit code 2), as for the first model, not a warning on
    /// some photos. Its checksum runs beside the session set-up, off the
    /// path to the first result.
    pub fn load(models: &ModelSet, options: &BlazePoseOptions) -> Result<Self, SetupError> {
        std::thread::scope(|scope| {
            let check = (options.second_look != options.model).then(|| {
                scope.spawn(|| {
                    ModelSet::locate(options.second_look, options.model_dir.as_deref())?
                        .landmark
                        .verify_once()
                })
            });
            let estimator = Self::new(models, options.threads, options.pose);
            let second_look = match check {
                None => Ok(SecondLookModel::Same),
                Some(check) => check
                    .join()
                    .expect("the model check does not panic")
                    .map(|()| SecondLookModel::NotLoaded {
                        kind: options.second_look,
                        model_dir: options.model_dir.clone(),
                        threads: options.threads,
                    }),
            };
            // The first model's problem is reported first: it is the one
            // every photo needs.
            let mut estimator = estimator?;
            estimator.second_look = second_look?;
            Ok(estimator)
        })
    }

    /// The crop the landmark model saw for the last body found (for the
    /// micro-benchmarks, which time that crop).
    #[cfg(feature = "bench-internals")]
    pub fn last_crop(&self) -> Option<Roi> {
        self.last.map(|last| last.roi)
    }

    fn landmarks(
        &mut self,
        image: &RgbImage,
        roi: &Roi,
        timings: &mut PoseTimings,
    ) -> Result<LandmarkOutput, PoseError> {
        run_landmarks(&mut self.landmarker, image, roi, timings)
    }
}

impl PoseSource for BlazePose {
    fn estimate(&mut self, image: &RgbImage) -> Result<(Pose, PoseTimings), PoseError> {
        let mut timings = PoseTimings::default();

        let started = Instant::now();
        let letterbox = self.detector.prepare(image);
        timings.preprocess += started.elapsed();

        let started = Instant::now();
        let (regressors, logits) = self.detector.infer().map_err(inference)?;
        timings.detector += started.elapsed();

        let started = Instant::now();
        let people = self
            .detector
            .postprocess(regressors.view(), logits.view(), &letterbox);
        let person = choose_person(&people, self.options.person, image)?;
        let roi = Roi::from_alignment_points(person.keypoints[0], person.keypoints[1], ROI_SCALE);
        timings.postprocess += started.elapsed();

        let mut output = self.landmarks(image, &roi, &mut timings)?;
        let mut final_roi = roi;
        if self.options.second_pass && output.presence >= min_pose_presence() {
            let refined = keypoint_roi(&output);
            let second = self.landmarks(image, &refined, &mut timings)?;
            if second.presence >= min_pose_presence() {
                output = second;
                final_roi = refined;
            }
        }
        let (persons_found, score) = (people.len(), person.score);
        self.last = Some(LastBody {
            roi: final_roi,
            keypoint_roi: keypoint_roi(&output),
            persons_found,
            score,
        });
        let pose = confirmed_pose(output, persons_found, score, self.model.clone())?;
        Ok((pose, timings))
    }

    /// The first model again, on the crop the last body's own alignment
    /// points imply (unless `second_pass` already used it).
    fn look_closer(
        &mut self,
        image: &RgbImage,
        timings: &mut PoseTimings,
    ) -> Result<Option<Pose>, PoseError> {
        let Some(last) = self.last.filter(|_| !self.options.second_pass) else {
            return Ok(None);
        };
        let output = self.landmarks(image, &last.keypoint_roi, timings)?;
        Ok(confirmed_pose(output, last.persons_found, last.score, self.model.clone()).ok())
    }

    fn has_second_look(&self) -> bool {
        !matches!(self.second_look, SecondLookModel::Same)
    }

    /// The second landmark model on the region the last estimate found the
    /// body in, keeping its detection.
    fn look_again(
        &mut self,
        image: &RgbImage,
        _pose: &Pose,
        timings: &mut PoseTimings,
    ) -> Result<SecondLook, PoseError> {
        let Some(LastBody {
            roi,
            persons_found,
            score,
            ..
        }) = self.last
        else {
            return Ok(SecondLook::Kept(
                "no body was found to look at again".to_string(),
            ));
        };
        let detector = self.model.detector.clone();
        let (kind, file, landmarker) = match self.second_look.get() {
            Ok(loaded) => loaded,
            Err(reason) => {
                return Ok(SecondLook::Kept(format!(
                    "the Thomas-test landmark model could not be loaded ({reason}); the test was measured with the first model"
                )));
            }
        };
        let model = ModelInfo {
            kind,
            detector,
            landmark: model_ref(file),
        };
        let refined = run_landmarks(landmarker, image, &roi, timings)
            .and_then(|output| confirmed_pose(output, persons_found, score, model));
        match refined {
            Ok(pose) => Ok(SecondLook::Refined(Box::new(pose))),
            Err(error @ PoseError::Inference(_)) => Err(error),
            Err(error) => Ok(SecondLook::Kept(format!(
                "the {kind:?} landmark model did not confirm the pose ({error}); the Thomas test was measured with the first model"
            ))),
        }
    }
}

/// The crop a landmark run's own alignment points imply, as MediaPipe
/// tracks a body from one frame to the next.
fn keypoint_roi(output: &LandmarkOutput) -> Roi {
    let center = &output.points[ALIGN_CENTER];
    let top = &output.points[ALIGN_TOP];
    Roi::from_alignment_points((center.x, center.y), (top.x, top.y), ROI_SCALE)
}

/// The pose a landmark run found, or an error where the model does not
/// confirm a person there.
fn confirmed_pose(
    output: LandmarkOutput,
    persons_found: usize,
    detector_score: f32,
    model: ModelInfo,
) -> Result<Pose, PoseError> {
    if output.presence < min_pose_presence() {
        return Err(PoseError::NotConfirmed {
            score: detector_score,
            presence: output.presence,
        });
    }
    let mut keypoints = [Keypoint::default(); Joint::COUNT];
    keypoints.copy_from_slice(&output.points[..Joint::COUNT]);
    Ok(Pose {
        keypoints,
        mask: Some(output.mask),
        persons_found,
        detector_score,
        pose_presence: output.presence,
        model,
    })
}

fn run_landmarks(
    landmarker: &mut Landmarker,
    image: &RgbImage,
    roi: &Roi,
    timings: &mut PoseTimings,
) -> Result<LandmarkOutput, PoseError> {
    let started = Instant::now();
    landmarker.prepare(image, roi);
    timings.preprocess += started.elapsed();

    let started = Instant::now();
    let raw = landmarker.infer().map_err(inference)?;
    timings.landmark += started.elapsed();

    let started = Instant::now();
    let output = landmarks::postprocess(raw, roi);
    timings.postprocess += started.elapsed();
    Ok(output)
}

/// The person to analyse among the detections, as `choice` asks. A
/// person's place is the detector's hip centre, and their body the circle
/// about it that reaches the point above the head (the region the landmark
/// crop is built from): the box the detector gives covers only the head and
/// upper trunk, where a clinician would not think to point.
fn choose_person<'a>(
    people: &'a [Detection],
    choice: PersonChoice,
    image: &RgbImage,
) -> Result<&'a Detection, PoseError> {
    let hip_centre = |d: &Detection| d.keypoints[0];
    let reach = |d: &Detection, (x, y): (f32, f32)| {
        let (hx, hy) = hip_centre(d);
        (x - hx).hypot(y - hy)
    };
    let chosen = match choice {
        PersonChoice::Largest => most_prominent(people),
        PersonChoice::Centre => {
            let centre = (image.width() as f32 / 2.0, image.height() as f32 / 2.0);
            confident(people).min_by(|a, b| reach(a, centre).total_cmp(&reach(b, centre)))
        }
        PersonChoice::At(x, y) => {
            let point = (x as f32, y as f32);
            let chosen = people
                .iter()
                .filter(|d| reach(d, point) <= reach(d, d.keypoints[1]))
                .max_by(|a, b| a.score.total_cmp(&b.score));
            if chosen.is_none() && !people.is_empty() {
                return Err(PoseError::NoPersonAt {
                    x,
                    y,
                    found: people.len(),
                });
            }
            chosen
        }
    };
    chosen.ok_or(PoseError::NoPerson)
}

/// The detections about as confident as the best (at least
/// `person.prominent_min_score_share` of its score): a much less confident
/// one is not preferred for its size or place.
fn confident(people: &[Detection]) -> impl Iterator<Item = &Detection> {
    let share = limits().person.prominent_min_score_share as f32;
    let best = people.iter().map(|p| p.score).fold(f32::MIN, f32::max);
    people.iter().filter(move |p| p.score >= share * best)
}

/// The person to analyse when several are found: among the detections about
/// as confident as the best, the largest box (nearest the camera or most in
/// frame), which in a clinic photo is the client. "About as confident" is
/// `person.prominent_min_score_share` of the best score.
fn most_prominent(people: &[Detection]) -> Option<&Detection> {
    confident(people).max_by(|a, b| a.area().total_cmp(&b.area()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_prominent_person_is_the_largest_of_the_confident_boxes() {
        let person = |score, side: f32| Detection {
            score,
            bbox: [0.0, 0.0, side, side],
            keypoints: Default::default(),
        };
        // Equally confident: the larger box (the client nearer the camera).
        let people = [person(0.9, 100.0), person(0.88, 300.0)];
        assert_eq!(most_prominent(&people).unwrap().bbox[2], 300.0);
        // A much less confident box does not win by its size.
        let people = [person(0.86, 100.0), person(0.56, 300.0)];
        assert_eq!(most_prominent(&people).unwrap().bbox[2], 100.0);
        assert!(most_prominent(&[]).is_none());
    }

    #[test]
    fn person_choice_picks_the_centre_or_the_body_under_a_point() {
        // A person with the hips at (x, 300) whose head reaches 200 px above.
        let person = |score, x: f32, side: f32| Detection {
            score,
            bbox: [x - side / 2.0, 100.0, x + side / 2.0, 100.0 + side],
            keypoints: [(x, 300.0), (x, 100.0), (0.0, 0.0), (0.0, 0.0)],
        };
        let image = RgbImage::new(1000, 600);
        // A larger person at the left edge, a smaller one in the middle.
        let people = [person(0.9, 150.0, 300.0), person(0.9, 520.0, 200.0)];
        let pick = |choice| choose_person(&people, choice, &image).map(|d| d.keypoints[0].0);
        assert_eq!(pick(PersonChoice::Largest).unwrap(), 150.0);
        assert_eq!(pick(PersonChoice::Centre).unwrap(), 520.0);
        // A point on the legs, below the detector's box, still names the person.
        assert_eq!(pick(PersonChoice::At(530.0, 480.0)).unwrap(), 520.0);
        assert_eq!(pick(PersonChoice::At(100.0, 150.0)).unwrap(), 150.0);
        assert!(matches!(
            pick(PersonChoice::At(900.0, 300.0)),
            Err(PoseError::NoPersonAt { found: 2, .. })
        ));
        // A much less confident one in the middle does not win the centre.
        let people = [person(0.9, 150.0, 300.0), person(0.5, 520.0, 200.0)];
        let picked = choose_person(&people, PersonChoice::Centre, &image).unwrap();
        assert_eq!(picked.keypoints[0].0, 150.0);
        assert!(choose_person(&[], PersonChoice::Centre, &image).is_err());
    }
}
