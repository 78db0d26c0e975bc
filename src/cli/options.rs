//! Each command's flags turned into the options its command function takes
//! (`crate::commands`), checked: every usage error a command line can make
//! is found here, before any photo is analysed or any output written, each
//! with its message and exit code 2. As hyperfine's
//! `Options::from_cli_arguments`: clap parses single values, this file
//! checks them against each other and against the files they name.
//!
//! The files a command reads to decide what it will do are read here too:
//! the manifest (which photos, with which records), the saved analyses of
//! `routine`, `measure` and `visit` (a bad one is a usage error), the
//! screening answers (and `--ask`'s questions, asked before the work).

use std::io;
use std::path::{Path, PathBuf};

use super::args::{
    AnalyzeArgs, CompareArgs, MeasureArgs, PlanArgs, ReviewArgs, RoutineArgs, SessionArgs,
    VisitArgs,
};
use crate::batch::{self, BatchOptions};
use crate::commands::analyze::AnalyzeOptions;
use crate::commands::compare::CompareOptions;
use crate::commands::output_error;
use crate::commands::saved::{MeasureOptions, RoutineOptions};
use crate::commands::visit::VisitOptions;
use sagitta::error::{Error, SetupError};
use sagitta::measure::{MeasureOptions as GeometryOptions, PelvisInput, ProtocolChoice};
use sagitta::pose::{PersonChoice, PoseOptions};
use sagitta::recommend::Screening;
use sagitta::schema::{DateSource, Side};
use sagitta::session::{Manifest, SessionInput};
use sagitta::{AnalyzerOptions, PlanOptions, Remeasure};

fn usage(message: impl Into<String>) -> Error {
    Error::Setup(SetupError::Usage(message.into()))
}

pub fn analyze_options(args: AnalyzeArgs) -> Result<AnalyzeOptions, Error> {
    let cores = default_jobs();
    if usize::from(args.threads) > cores && !args.force_threads {
        return Err(usage(format!(
            "--threads {} is more than the {cores} cores here: the extra threads only wait for a core and \
             make the run many times slower. Use --threads {cores} or less (or --jobs for parallel photos), \
             or add --force-threads",
            args.threads
        )));
    }
    if let Some(target) = &args.annotate {
        let mut inputs = args.plan.input_files();
        inputs.extend(args.paths.iter().map(PathBuf::as_path));
        inputs.extend(args.manifest.as_deref());
        check_annotate_target(target, &inputs)?;
    }
    let manifest = match &args.manifest {
        Some(path) => Some(Manifest::read(path)?),
        None => None,
    };
    let listed: Vec<PathBuf> = match &manifest {
        Some(manifest) if args.paths.is_empty() => {
            manifest.rows.iter().map(|row| row.photo.clone()).collect()
        }
        _ => args.paths.clone(),
    };
    if listed.is_empty() {
        return Err(usage("the manifest lists no photos"));
    }
    let mut inputs = batch::expand(&listed, args.recursive, args.out.as_deref());
    if args.side.is_some() && inputs.items.len() > 1 {
        return Err(usage(
            "--side names one photo's side: give one photo (use --manifest for several)",
        ));
    }
    let not_given = batch::attach_sessions(
        &mut inputs,
        manifest.as_ref(),
        &args.session.input(args.side),
    );
    // What the listing found, said before any later usage error.
    if not_given > 0 && !args.quiet {
        eprintln!(
            "sagitta: {not_given} manifest row(s) name photos that exist but were not given here; they were not analysed"
        );
    }
    if inputs.listed_twice > 0 && !args.quiet {
        eprintln!(
            "sagitta: {} path(s) listed more than once: each photo is analysed once, at its first place",
            inputs.listed_twice
        );
    }
    let single = inputs.items.len() == 1 && listed.len() == 1 && !listed[0].is_dir();
    if args.geometry.asis.is_some() && !single {
        return Err(usage(
            "--asis and --psis give points on one photo: analyse one photo at a time with them",
        ));
    }
    if matches!(args.person, PersonChoice::At(..)) && !single {
        return Err(usage(
            "--person X,Y points at one person in one photo: analyse one photo at a time with it (or use --person centre)",
        ));
    }
    if args.annotate.is_some() && !single {
        return Err(usage(
            "--annotate writes one image: give exactly one photo (use --out DIR for several)",
        ));
    }
    if (args.resume || args.report) && args.out.is_none() {
        return Err(usage("--resume and --report work with --out DIR"));
    }
    let analyzer = analyzer_options(&args)?;
    Ok(AnalyzeOptions {
        analyzer,
        inputs,
        single,
        format: args.format.into(),
        verbose: args.verbose,
        annotate: args.annotate,
        batch: BatchOptions {
            jobs: args.jobs.map(usize::from).unwrap_or(cores),
            out: args.out,
            report: args.report,
            resume: args.resume,
            shard: args.shard,
            quiet: args.quiet,
        },
    })
}

fn analyzer_options(args: &AnalyzeArgs) -> Result<AnalyzerOptions, Error> {
    Ok(AnalyzerOptions {
        model: args.models.model.into(),
        model_dir: args.models.model_dir.clone(),
        inference_threads: usize::from(args.threads),
        pose: PoseOptions {
            second_pass: args.second_pass,
            person: args.person,
        },
        thomas_model: args.models.thomas_model.into(),
        measure: GeometryOptions {
            protocol: args
                .geometry
                .protocol
                .map_or(ProtocolChoice::Auto, ProtocolChoice::from),
            camera_roll_deg: args.geometry.camera_roll_deg,
            camera_pitch_deg: args.geometry.camera_pitch_deg,
            focal_length_35mm_mm: args.geometry.focal_length_35mm,
            pelvis: match (args.geometry.asis, args.geometry.psis) {
                (Some(asis), Some(psis)) => PelvisInput::Landmarks { asis, psis },
                _ if args.markers && args.marker_balls => {
                    PelvisInput::MarkerBalls(args.marker_color)
                }
                _ if args.markers => PelvisInput::Markers(args.marker_color),
                _ => PelvisInput::Estimate,
            },
            // Set by the analyzer for each photo.
            ..GeometryOptions::default()
        },
        plan: args.plan.plan_options()?,
        ..AnalyzerOptions::default()
    })
}

pub fn routine_options(args: RoutineArgs) -> Result<RoutineOptions, Error> {
    let analysis = sagitta::read_analysis(&args.from).map_err(|e| usage(e.to_string()))?;
    Ok(RoutineOptions {
        analysis,
        plan: args.plan.plan_options()?,
        format: args.format.into(),
        verbose: args.verbose,
    })
}

pub fn measure_options(args: MeasureArgs) -> Result<MeasureOptions, Error> {
    for (i, (joint, _)) in args.moves.iter().enumerate() {
        if args.moves[..i].iter().any(|(earlier, _)| earlier == joint) {
            return Err(usage(format!(
                "--set {} is given twice: move each keypoint once",
                joint.name()
            )));
        }
    }
    let saved = sagitta::read_analysis(&args.from).map_err(|e| usage(e.to_string()))?;
    let photo = match &args.photo {
        Some(photo) => photo.clone(),
        // Checked by read_analysis.
        None => saved.image.photo_path().map_err(|e| usage(e.to_string()))?,
    };
    if let Some(target) = &args.annotate {
        let mut inputs = args.plan.input_files();
        inputs.extend([args.from.as_path(), photo.as_path()]);
        check_annotate_target(target, &inputs)?;
    }
    let geometry = &args.geometry;
    let change = Remeasure {
        moves: args.moves.clone(),
        protocol: geometry.protocol.map(ProtocolChoice::from),
        camera_roll_deg: geometry.camera_roll_deg,
        camera_pitch_deg: geometry.camera_pitch_deg,
        focal_length_35mm_mm: geometry.focal_length_35mm,
        landmarks: geometry.asis.zip(geometry.psis),
    };
    Ok(MeasureOptions {
        saved,
        plan: args.plan.plan_options()?,
        from: args.from,
        photo,
        change,
        format: args.format.into(),
        verbose: args.verbose,
        annotate: args.annotate,
    })
}

pub fn compare_options(args: CompareArgs) -> Result<CompareOptions, Error> {
    check_each_once(&args.inputs)?;
    Ok(CompareOptions {
        format: args.format.into(),
        client: args.client,
        analyzer: AnalyzerOptions {
            model: args.models.model.into(),
            thomas_model: args.models.thomas_model.into(),
            model_dir: args.models.model_dir,
            ..AnalyzerOptions::default()
        },
        inputs: args.inputs,
    })
}

pub fn visit_options(args: VisitArgs) -> Result<VisitOptions, Error> {
    check_each_once(&args.inputs)?;
    let saved = args
        .inputs
        .into_iter()
        .map(|path| {
            let analysis = sagitta::read_analysis(&path).map_err(|e| usage(e.to_string()))?;
            Ok((path, analysis))
        })
        .collect::<Result<_, Error>>()?;
    Ok(VisitOptions {
        saved,
        plan: args.plan.plan_options()?,
        format: args.format.into(),
        verbose: args.verbose,
    })
}

/// One file named twice (under whatever path) would compare an analysis
/// with itself, or count one photo twice in a visit.
fn check_each_once(paths: &[PathBuf]) -> Result<(), Error> {
    let mut seen = std::collections::HashMap::new();
    for path in paths {
        if let Ok(real) = std::fs::canonicalize(path)
            && let Some(first) = seen.insert(real, path)
        {
            return Err(usage(format!(
                "{} is the same file as {}: give each analysis once",
                path.display(),
                first.display()
            )));
        }
    }
    Ok(())
}

impl PlanArgs {
    /// The files these options read.
    fn input_files(&self) -> Vec<&Path> {
        [&self.screening, &self.catalog, &self.rules]
            .into_iter()
            .filter_map(|file| file.as_deref())
            .collect()
    }

    fn plan_options(&self) -> Result<PlanOptions, Error> {
        let mut screening = Screening::new(self.red_flags.iter().copied());
        if self.no_red_flags {
            screening.merge(Screening::all_answered_no());
        }
        if let Some(path) = &self.screening {
            screening.merge(Screening::from_json_file(path).map_err(SetupError::from)?);
        }
        let mut options = PlanOptions {
            catalog: self.catalog.clone(),
            rules: self.rules.clone(),
            screening,
            minutes: self.minutes,
            general_routine: self.general_routine,
        };
        if self.ask {
            use std::io::IsTerminal;
            if !io::stdin().is_terminal() {
                return Err(usage(
                    "--ask asks the warning-sign questions on a terminal, and standard input is not one; give the answers with --screening FILE, --red-flag NAME or --no-red-flags",
                ));
            }
            let questions = options.recommender()?.questions();
            options
                .screening
                .ask(&questions, &mut io::stdin().lock(), &mut io::stderr())
                .map_err(output_error)?;
        }
        Ok(options)
    }
}

impl SessionArgs {
    fn input(&self, side: Option<Side>) -> SessionInput {
        SessionInput {
            client: self.client.clone(),
            date_source: self.date.as_ref().map(|_| DateSource::Given),
            date: self.date.clone(),
            clinician: self.clinician.clone(),
            side,
            note: self.note.clone(),
        }
    }
}

/// One worker per core: measured on a 2-core machine, two workers with one
/// ONNX Runtime thread each beat one worker with two threads (see benches/README.md).
fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// `--annotate FILE` replaces FILE only if it is a regular file or nothing
/// (checked without following a link): never a device, a FIFO, a folder or
/// a link, whatever it points to, and never a file the command reads
/// (`inputs`: the photo, the saved analysis, the screening, manifest,
/// catalogue and rules files), under whatever name or hard link.
fn check_annotate_target(target: &Path, inputs: &[&Path]) -> Result<(), Error> {
    let refuse = |what: &str| {
        Err(usage(format!(
            "--annotate {}: {what}; sagitta only creates a new file or replaces a regular file there",
            sagitta::input::terminal_safe(&target.display().to_string(), false)
        )))
    };
    match std::fs::symlink_metadata(target) {
        Ok(metadata) if metadata.file_type().is_file() => {
            use std::os::unix::fs::MetadataExt;
            let same = |input: &&&Path| {
                std::fs::metadata(input)
                    .is_ok_and(|m| (m.dev(), m.ino()) == (metadata.dev(), metadata.ino()))
            };
            match inputs.iter().find(same) {
                Some(input) => Err(usage(format!(
                    "--annotate {} is {}, which this command reads: sagitta never writes over its input; \
                     name another file",
                    sagitta::input::terminal_safe(&target.display().to_string(), false),
                    sagitta::input::terminal_safe(&input.display().to_string(), false)
                ))),
                None => Ok(()),
            }
        }
        Ok(metadata) if metadata.file_type().is_symlink() => refuse("is a symbolic link"),
        Ok(metadata) if metadata.is_dir() => refuse("is a folder"),
        Ok(_) => refuse("is a device, FIFO or socket"),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => refuse(&format!("cannot be checked ({error})")),
    }
}

/// `sagitta review`'s server options, and whether to open the browser. A
/// save refreshes the visit it belongs to, as `analyze --out` does.
pub fn review_options(args: ReviewArgs) -> (sagitta::review::ReviewOptions, bool) {
    let options = sagitta::review::ReviewOptions {
        inputs: args.paths,
        out: args.out,
        analyzer: AnalyzerOptions::default(),
        port: args.port,
        after_save: Some(Box::new(|dir| {
            crate::commands::visit::write_folder_visits(dir, &PlanOptions::default(), true, true)
                .map_err(|e| e.to_string())
        })),
    };
    (options, !args.no_open)
}
