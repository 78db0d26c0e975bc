//! The pipeline of one photo: decode ([`image_io`](crate::image_io)), find
//! the pose ([`pose`](crate::pose)), measure, plan, and assemble the document.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::document::assemble;
use crate::error::{FileError, FileErrorKind, SetupError};
use crate::image_io::{self, DecodeLimits};
use crate::measure::protocol::SecondLookCue;
use crate::measure::{self, MeasureOptions};
use crate::plan::{PlanOptions, plan};
use crate::pose::blazepose::{BlazePose, BlazePoseOptions};
use crate::pose::models::ModelSet;
use crate::pose::{
    ModelKind, PersonChoice, PoseError, PoseOptions, PoseSource, PoseTimings, SecondLook,
};
use crate::recommend::Recommender;
use crate::schema::{self, Analysis, ImageInfo, ProtocolKind, Warning};
use crate::session;

/// Everything that configures an [`Analyzer`].
#[derive(Debug, Clone)]
pub struct AnalyzerOptions {
    pub model: ModelKind,
    pub model_dir: Option<PathBuf>,
    /// ONNX Runtime intra-op threads per session.
    pub inference_threads: usize,
    pub limits: DecodeLimits,
    pub pose: PoseOptions,
    /// Landmark model for photos that show the Thomas test: the full model
    /// misreads the hanging knee of a lying person by about 10 degrees where
    /// the heavy one is within 2 (tests/it/photos.rs), and such photos are few.
    /// Equal to `model`: no second look.
    pub thomas_model: ModelKind,
    pub measure: MeasureOptions,
    pub plan: PlanOptions,
}

impl Default for AnalyzerOptions {
    fn default() -> Self {
        Self {
            model: ModelKind::Full,
            model_dir: None,
            inference_threads: 1,
            limits: DecodeLimits::default(),
            pose: PoseOptions::default(),
            thomas_model: ModelKind::Heavy,
            measure: MeasureOptions::default(),
            plan: PlanOptions::default(),
        }
    }
}

/// Time spent on each stage of one photo.
#[derive(Debug, Clone, Copy, Default)]
pub struct StageTimings {
    pub decode: Duration,
    pub pose: PoseTimings,
    /// Measurements, findings, the routine and the document.
    pub geometry: Duration,
}

/// One analysed photo.
pub struct Outcome {
    pub analysis: Analysis,
    /// The decoded photo, upright.
    pub photo: image::RgbImage,
    /// The lens's 35 mm-equivalent focal length from the photo's EXIF, which
    /// the document records only where a pitch was levelled with it.
    pub exif_focal_length_35mm_mm: Option<f64>,
    pub timings: StageTimings,
}

/// Runs photos through the whole pipeline. Holds the pose source (the model
/// sessions): build one per worker and reuse it for every photo that worker
/// handles.
pub struct Analyzer {
    source: Box<dyn PoseSource>,
    limits: DecodeLimits,
    measure: MeasureOptions,
    recommender: Recommender,
    plan: PlanOptions,
    /// How the source chose the person, where the analyzer knows it (the
    /// BlazePose source follows `--person`; a source given from outside
    /// reports nothing).
    person: Option<PersonChoice>,
}

impl Analyzer {
    /// An analyzer with BlazePose as its pose source (the models of `options`).
    pub fn new(options: &AnalyzerOptions) -> Result<Self, SetupError> {
        let models = ModelSet::locate(options.model, options.model_dir.as_deref())?;
        let recommender = options.plan.recommender()?;
        let source = BlazePose::load(
            &models,
            &BlazePoseOptions {
                model: options.model,
                model_dir: options.model_dir.clone(),
                threads: options.inference_threads,
                pose: options.pose,
                second_look: options.thomas_model,
            },
        )?;
        let mut analyzer = Self::assemble(Box::new(source), options, recommender);
        analyzer.person = Some(options.pose.person);
        Ok(analyzer)
    }

    /// An analyzer that takes its poses from `source` (another model, or
    /// keypoints given by the user); the model settings of `options`
    /// (`model`, `model_dir`, `inference_threads`, `pose`, `thomas_model`)
    /// are then not used.
    pub fn with_source(
        source: Box<dyn PoseSource>,
        options: &AnalyzerOptions,
    ) -> Result<Self, SetupError> {
        let recommender = options.plan.recommender()?;
        Ok(Self::assemble(source, options, recommender))
    }

    fn assemble(
        source: Box<dyn PoseSource>,
        options: &AnalyzerOptions,
        recommender: Recommender,
    ) -> Self {
        Self {
            source,
            limits: options.limits,
            measure: options.measure.clone(),
            recommender,
            plan: options.plan.clone(),
            person: None,
        }
    }

    pub fn analyze(&mut self, path: &Path) -> Result<Analysis, FileError> {
        self.analyze_timed(path).map(|outcome| outcome.analysis)
    }

    /// Analyses one photo; the outcome keeps the decoded photo (for drawing)
    /// and how long each stage took.
    pub fn analyze_timed(&mut self, path: &Path) -> Result<Outcome, FileError> {
        let mut timings = StageTimings::default();
        let started = Instant::now();
        let mut photo = image_io::load(path, &self.limits)?;
        timings.decode = started.elapsed();

        let file_error = |error: PoseError| {
            let kind = match error {
                PoseError::NoPerson
                | PoseError::NotConfirmed { .. }
                | PoseError::NoPersonAt { .. } => FileErrorKind::NoPerson,
                PoseError::Inference(_) => FileErrorKind::Inference,
            };
            FileError::new(path, kind, error.to_string())
        };
        let (mut pose, pose_timings) = self.source.estimate(&photo.image).map_err(file_error)?;
        timings.pose = pose_timings;

        let mut started = Instant::now();
        let measure_options = MeasureOptions {
            quarter_turned_by_exif: photo.quarter_turned_by_exif,
            focal_length_35mm_mm: self
                .measure
                .focal_length_35mm_mm
                .or(photo.focal_length_35mm_mm),
            ..self.measure.clone()
        };
        let mut measured = measure::measure(&pose, &photo.image, &measure_options);
        let mut warnings = std::mem::take(&mut photo.warnings);
        // Where the first look's legs decide the protocol and may be wrong,
        // the source looks again and the protocol is decided again. A body
        // lying on its back that may show the Thomas test gets the second
        // model (the first swapped the held and the free leg on renders),
        // whose keypoints are kept. An upright body whose legs read a step within the keypoints' error (measured as
        // standing, legs declined) gets the first model on the crop its own
        // keypoints imply, kept only where it shows a stance beyond doubt; one
        // refused as oblique by a side-view score within the keypoints' error
        // of its limit gets the same look, kept where it reads a side view.
        // The look's own time goes to the pose stage, not to geometry.
        timings.geometry += started.elapsed();
        let second = match measured.second_look {
            Some(SecondLookCue::LyingWithFootDown) if self.source.has_second_look() => {
                match self
                    .source
                    .look_again(&photo.image, &pose, &mut timings.pose)
                    .map_err(file_error)?
                {
                    SecondLook::Refined(refined) => Some(*refined),
                    SecondLook::Kept(warning) => {
                        warnings.push(Warning::Photo(warning));
                        None
                    }
                }
            }
            Some(SecondLookCue::UprightLegsInDoubt | SecondLookCue::SideViewInDoubt) => self
                .source
                .look_closer(&photo.image, &mut timings.pose)
                .map_err(file_error)?,
            _ => None,
        };
        started = Instant::now();
        if let Some(second) = second {
            let remeasured = measure::measure(&second, &photo.image, &measure_options);
            let standing =
                remeasured.protocol.kind == ProtocolKind::Standing && remeasured.protocol.valid;
            let keep = match measured.second_look {
                Some(SecondLookCue::LyingWithFootDown) => true,
                Some(SecondLookCue::SideViewInDoubt) => standing,
                _ => standing && remeasured.second_look.is_none(),
            };
            if keep {
                pose = second;
                measured = remeasured;
            }
        }
        warnings.extend(measured.warnings.into_iter().map(Warning::Photo));
        if pose.persons_found > 1 {
            warnings.push(Warning::SeveralPeople {
                found: pose.persons_found,
                analysed: match self.person {
                    Some(PersonChoice::Largest) | None =>
                        "the most prominent one (largest in the frame; --person centre or --person X,Y chooses another)".to_string(),
                    Some(PersonChoice::Centre) => "the one nearest the centre of the photo (--person centre)".to_string(),
                    Some(PersonChoice::At(x, y)) => format!("the one at {x},{y} (--person)"),
                },
            });
        }
        let planned = plan(
            &self.recommender,
            &self.plan,
            &measured.protocol,
            measured.measurements,
            warnings,
        );
        let analysis = assemble(
            ImageInfo::new(path, photo.image.width(), photo.image.height()),
            session::from_photo(photo.taken.take()),
            schema::PoseReport {
                person: self.person.map(PersonChoice::report),
                ..pose.report()
            },
            pose.model,
            measured.protocol,
            planned,
            Vec::new(),
        );
        timings.geometry += started.elapsed();
        Ok(Outcome {
            analysis,
            photo: photo.image,
            exif_focal_length_35mm_mm: photo.focal_length_35mm_mm,
            timings,
        })
    }
}
