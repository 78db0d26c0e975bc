//! sagitta: sagittal posture analysis from side-view photos.
//!
//! Data flows one way: photo ([`image_io`]) -> keypoints ([`pose`]) ->
//! measurements ([`measure`]) -> findings and routine ([`recommend`]) ->
//! analysis document ([`schema`]) -> report ([`report`]). The command line
//! and the batch runner are modules of the binary (`src/main.rs`), not of
//! this library; errors and their exit codes are in [`error`].
//!
//! ```no_run
//! use sagitta::{Analyzer, AnalyzerOptions};
//! let mut analyzer = Analyzer::new(&AnalyzerOptions::default())?;
//! let analysis = analyzer.analyze(std::path::Path::new("samples/walker_01.jpg"))?;
//! println!("{}", analysis.pose.persons_found);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod compare;
pub mod document;
pub mod error;
pub mod image_io;
pub mod input;
pub(crate) mod limits;
pub mod measure;
pub mod pose;
pub mod recommend;
pub mod references;
pub mod report;
pub mod review;
pub mod schema;
pub mod session;
pub mod visit;

pub use document::read_analysis;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use error::{FileError, FileErrorKind, SetupError};
use image_io::DecodeLimits;
use measure::MeasureOptions;
use measure::protocol::SecondLookCue;
use pose::blazepose::{BlazePose, BlazePoseOptions};
use pose::models::ModelSet;
use pose::{ModelKind, PersonChoice, PoseError, PoseOptions, PoseSource, PoseTimings, SecondLook};
use recommend::{Recommender, Screening};
use schema::{
    Analysis, Assessment, AssessmentStatus, Borderline, Correction, Finding, ImageInfo,
    Measurement, Protocol, ProtocolKind, Routine, SCHEMA_VERSION, ScreeningRecord,
};

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

/// How the routine is planned.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Replacement catalogue and rules files (`None`: the built-in ones).
    pub catalog: Option<PathBuf>,
    pub rules: Option<PathBuf>,
    pub screening: Screening,
    /// Time budget of the routine.
    pub minutes: f64,
    /// For a photo that could not be assessed: plan a general routine,
    /// labelled as not based on the photo, instead of none.
    pub general_routine: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            catalog: None,
            rules: None,
            screening: Screening::default(),
            minutes: recommend::DEFAULT_MINUTES,
            general_routine: false,
        }
    }
}

impl PlanOptions {
    pub fn recommender(&self) -> Result<Recommender, SetupError> {
        Ok(Recommender::load(
            self.catalog.as_deref(),
            self.rules.as_deref(),
        )?)
    }
}

/// What the planning stage makes of a measured photo: the measurements
/// classified, the assessment, findings, borderline values, the screening,
/// the routine, and the warnings with planning's own notes.
#[derive(Debug, Clone)]
pub struct Planned {
    pub measurements: BTreeMap<String, Measurement>,
    pub assessment: Assessment,
    pub findings: Vec<Finding>,
    pub borderline: Vec<Borderline>,
    pub screening: ScreeningRecord,
    pub routine: Option<Routine>,
    pub warnings: Vec<String>,
}

/// Findings, classifications, the assessment and the routine for a measured
/// photo. The same function serves `analyze` and `routine --from`, so both
/// plan alike. A photo that was not assessed gets no routine (the referral
/// when a warning sign was reported; a general one only when asked for).
pub fn plan(
    recommender: &Recommender,
    options: &PlanOptions,
    protocol: &Protocol,
    measurements: BTreeMap<String, Measurement>,
    mut warnings: Vec<String>,
) -> Planned {
    let measurements = recommender.classify(protocol, measurements);
    let evaluation = recommender.evaluate(protocol, &measurements);
    let assessment = assess(protocol, &evaluation);
    let findings = evaluation.findings;
    let borderline = evaluation.borderline;
    let screening = options.screening.record();
    let assessed = assessment.status != AssessmentStatus::NotAssessed;
    let general_note =
        "--general-routine was ignored: this photo was assessed, so its routine is based on it";
    warnings.retain(|w| w != general_note);
    if assessed && options.general_routine {
        warnings.push(general_note.to_string());
    }
    let routine = if !options.screening.is_empty() || assessed {
        let borderline: Vec<String> = borderline.iter().map(|b| b.id.clone()).collect();
        Some(recommender.plan_with(
            &findings,
            &borderline,
            &options.screening,
            options.minutes,
            false,
        ))
    } else if options.general_routine {
        Some(recommender.plan(&[], &options.screening, options.minutes, true))
    } else {
        None
    };
    let minutes_note = format!(
        "--minutes {} was not used: no routine was planned for a photo that was not assessed",
        options.minutes
    );
    warnings.retain(|w| w != &minutes_note);
    if routine.is_none() && options.minutes != recommend::DEFAULT_MINUTES {
        warnings.push(minutes_note);
    }
    Planned {
        measurements,
        assessment,
        findings,
        borderline,
        screening,
        routine,
        warnings,
    }
}

/// Plans an existing document again (`routine --from`): its planned parts
/// are replaced by what [`plan`] makes of its protocol and measurements.
pub fn plan_routine(recommender: &Recommender, options: &PlanOptions, analysis: &mut Analysis) {
    let planned = plan(
        recommender,
        &replan_options(options, &analysis.screening),
        &analysis.protocol,
        std::mem::take(&mut analysis.measurements),
        std::mem::take(&mut analysis.warnings),
    );
    let Planned {
        measurements,
        assessment,
        findings,
        borderline,
        screening,
        routine,
        warnings,
    } = planned;
    analysis.measurements = measurements;
    analysis.assessment = assessment;
    analysis.findings = findings;
    analysis.borderline = borderline;
    analysis.screening = screening;
    analysis.routine = routine;
    analysis.warnings = warnings;
    analysis.references = cited_keys(analysis);
}

/// The plan options for a saved document planned again: the warning signs
/// and answers it records, with those given now added. Nothing given now
/// clears a warning sign the document records, so a re-plan of a document
/// with one keeps the routine withheld.
fn replan_options(options: &PlanOptions, saved: &ScreeningRecord) -> PlanOptions {
    let mut screening = Screening::from_record(saved);
    screening.merge(options.screening.clone());
    PlanOptions {
        screening,
        ..options.clone()
    }
}

/// What measuring a saved analysis again changes (`sagitta measure`): the
/// keypoints moved by hand, and the measuring options, each `None` keeping
/// what the document was measured with.
#[derive(Debug, Clone, Default)]
pub struct Remeasure {
    /// Landmark and its new photo position, in pixels.
    pub moves: Vec<(pose::Joint, [f64; 2])>,
    /// `None`: the protocol the document forced, else detected again.
    pub protocol: Option<measure::ProtocolChoice>,
    /// `None`: the document's `protocol.camera_roll_deg`.
    pub camera_roll_deg: Option<f64>,
    /// Palpated (ASIS, PSIS) in photo pixels; `None`: the landmarks the
    /// document's pelvic tilt was measured from, if it was.
    pub landmarks: Option<((f64, f64), (f64, f64))>,
}

impl Remeasure {
    /// The measuring options: those given, else the saved document's.
    fn measure_options(&self, saved: &Analysis) -> MeasureOptions {
        use measure::{PelvisInput, ProtocolChoice};
        let protocol = self.protocol.unwrap_or(match saved.protocol.kind {
            ProtocolKind::Standing if saved.protocol.forced => ProtocolChoice::Standing,
            ProtocolKind::ThomasTest if saved.protocol.forced => ProtocolChoice::ThomasTest,
            _ => ProtocolChoice::Auto,
        });
        // Landmarks given to the first run are its pelvic tilt's points
        // (PSIS, then ASIS).
        let saved_landmarks = saved
            .measurements
            .get("pelvic_tilt")
            .filter(|m| m.method == "landmarks" && m.points_px.len() == 2)
            .map(|m| {
                let [psis, asis] = [m.points_px[0], m.points_px[1]];
                ((asis[0], asis[1]), (psis[0], psis[1]))
            });
        MeasureOptions {
            protocol,
            camera_roll_deg: self.camera_roll_deg.or(saved.protocol.camera_roll_deg),
            pelvis: match self.landmarks.or(saved_landmarks) {
                Some((asis, psis)) => PelvisInput::Landmarks { asis, psis },
                None => PelvisInput::Estimate,
            },
            // A saved analysis does not record the photo's EXIF orientation.
            quarter_turned_by_exif: false,
        }
    }
}

/// Measures a saved analysis again from its keypoints, without the model,
/// after moving the keypoints `change.moves` lists: the clinician's
/// correction of a misplaced point. Each moved point counts as seen, and the
/// document lists it in `corrections` (with where the model had it;
/// corrections made earlier are kept). Measurements that trace the person
/// outline read the mask the document keeps (`pose.person_mask`); a
/// document from before it kept one gets them declined. An error names what
/// is wrong with the document or a move.
pub fn remeasure(
    saved: &Analysis,
    change: &Remeasure,
    recommender: &Recommender,
    plan_options: &PlanOptions,
) -> Result<Analysis, String> {
    let measure_options = change.measure_options(saved);
    let mut pose = pose::Pose::from_report(&saved.pose, saved.model.clone())?;
    let (width, height) = (saved.image.width, saved.image.height);
    let mut corrections = saved.corrections.clone();
    for &(joint, [x, y]) in &change.moves {
        if !(x.is_finite()
            && y.is_finite()
            && (0.0..width as f64).contains(&x)
            && (0.0..height as f64).contains(&y))
        {
            return Err(format!(
                "{}={x},{y} lies outside the {width}x{height} photo (x from 0 to {width}, y from 0 to {height})",
                joint.name()
            ));
        }
        let keypoint = &mut pose.keypoints[joint.index()];
        match corrections.iter_mut().find(|c| c.keypoint == joint.name()) {
            Some(earlier) => earlier.to_px = [x, y],
            None => corrections.push(Correction {
                keypoint: joint.name().to_string(),
                // As `pose.keypoints` reports it (two decimals).
                from_px: [keypoint.x, keypoint.y].map(|v| measure::round(v as f64, 2)),
                to_px: [x, y],
                visibility_was: keypoint.visibility,
            }),
        }
        keypoint.x = x as f32;
        keypoint.y = y as f32;
        keypoint.visibility = 1.0;
        keypoint.presence = 1.0;
    }
    let measured = measure::measure_sized(&pose, (width, height), None, &measure_options);
    let mut warnings = measured.warnings;
    warnings.push(format!(
        "measured again from the saved keypoints, without the model{}",
        if corrections.is_empty() {
            String::new()
        } else {
            format!(
                "; corrected by hand: {}",
                corrections
                    .iter()
                    .map(|c| format!(
                        "{} moved from ({:.1}, {:.1}) to ({:.1}, {:.1})",
                        c.keypoint, c.from_px[0], c.from_px[1], c.to_px[0], c.to_px[1]
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    ));
    let planned = plan(
        recommender,
        &replan_options(plan_options, &saved.screening),
        &measured.protocol,
        measured.measurements,
        warnings,
    );
    Ok(assemble(
        saved.image.clone(),
        saved.session.clone(),
        schema::PoseReport {
            keypoints: pose.keypoint_reports(),
            ..saved.pose.clone()
        },
        pose.model,
        measured.protocol,
        planned,
        corrections,
    ))
}

/// The document, assembled once from what the stages produced, with the
/// index of the works it cites (read off the finished document).
fn assemble(
    image: ImageInfo,
    session: schema::Session,
    pose: schema::PoseReport,
    model: schema::ModelInfo,
    protocol: Protocol,
    planned: Planned,
    corrections: Vec<schema::Correction>,
) -> Analysis {
    let mut analysis = Analysis {
        schema_version: SCHEMA_VERSION.to_string(),
        image,
        session,
        model,
        pose,
        assessment: planned.assessment,
        protocol,
        measurements: planned.measurements,
        findings: planned.findings,
        borderline: planned.borderline,
        screening: planned.screening,
        routine: planned.routine,
        warnings: planned.warnings,
        references: Vec::new(),
        corrections,
    };
    analysis.references = cited_keys(&analysis);
    analysis
}

/// Whether the rules could judge what they read: not at all for an
/// unsupported or invalid protocol, or when every measurement they read was
/// declined or unreliable; partly when some were, or when the photo could
/// not confirm part of the protocol.
fn assess(protocol: &Protocol, evaluation: &recommend::Evaluation) -> Assessment {
    let retake = Some(
        protocol
            .retake
            .clone()
            .unwrap_or_else(|| measure::retake_advice(protocol.kind).to_string()),
    );
    if protocol.kind == ProtocolKind::Unsupported || !protocol.valid {
        let what = match protocol.kind {
            ProtocolKind::Unsupported => {
                "the photo shows no posture sagitta can assess".to_string()
            }
            kind => format!(
                "the photo does not show a valid {}",
                serde_json::to_value(kind)
                    .ok()
                    .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
                    .unwrap_or_default()
            ),
        };
        return Assessment {
            status: AssessmentStatus::NotAssessed,
            reasons: vec![format!("{what}: {}", protocol.reason)],
            retake,
        };
    }
    let mut reasons: Vec<String> = evaluation.unassessed.clone();
    let judged = evaluation
        .read
        .iter()
        .filter(|name| !reasons.iter().any(|r| r.starts_with(&format!("{name}:"))))
        .count();
    if !evaluation.read.is_empty() && judged == 0 {
        reasons.insert(
            0,
            "none of the measurements the rules read could be made reliably".to_string(),
        );
        return Assessment {
            status: AssessmentStatus::NotAssessed,
            reasons,
            retake,
        };
    }
    reasons.extend(protocol.unconfirmed.iter().cloned());
    if reasons.is_empty() {
        Assessment {
            status: AssessmentStatus::Assessed,
            reasons,
            retake: None,
        }
    } else {
        Assessment {
            status: AssessmentStatus::Partial,
            reasons,
            retake,
        }
    }
}

/// The keys of the references the document cites anywhere in its text.
fn cited_keys(analysis: &Analysis) -> Vec<String> {
    // Numbers and the encoded mask cite nothing; leaving them out keeps the
    // scan cheap.
    let copy = Analysis {
        pose: schema::PoseReport {
            keypoints: Vec::new(),
            person_mask: None,
            ..analysis.pose.clone()
        },
        references: Vec::new(),
        ..analysis.clone()
    };
    let text = serde_json::to_string(&copy).unwrap_or_default();
    references::cited_in(&text)
        .into_iter()
        .map(|r| r.key.clone())
        .collect()
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
        // keypoints imply, kept only where it shows a stance beyond doubt.
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
                        warnings.push(warning);
                        None
                    }
                }
            }
            Some(SecondLookCue::UprightLegsInDoubt) => self
                .source
                .look_closer(&photo.image, &mut timings.pose)
                .map_err(file_error)?,
            _ => None,
        };
        started = Instant::now();
        if let Some(second) = second {
            let remeasured = measure::measure(&second, &photo.image, &measure_options);
            if measured.second_look == Some(SecondLookCue::LyingWithFootDown)
                || (remeasured.protocol.kind == ProtocolKind::Standing
                    && remeasured.second_look.is_none())
            {
                pose = second;
                measured = remeasured;
            }
        }
        warnings.extend(measured.warnings);
        if pose.persons_found > 1 {
            warnings.push(format!(
                "{} people found; {} was analysed",
                pose.persons_found,
                match self.person {
                    Some(PersonChoice::Largest) | None =>
                        "the most prominent one (largest in the frame; --person centre or --person X,Y chooses another)".to_string(),
                    Some(PersonChoice::Centre) => "the one nearest the centre of the photo (--person centre)".to_string(),
                    Some(PersonChoice::At(x, y)) => format!("the one at {x},{y} (--person)"),
                }
            ));
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
            timings,
        })
    }
}
