//! Command-line definitions and the commands they run. The binary only
//! parses arguments, calls [`run`] and turns the result into an exit code.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::batch::{self, BatchOptions, Shard};
use sagitta::error::{EXIT_FILE_FAILED, EXIT_OK, Error, SetupError};
use sagitta::measure::{MarkerColor, MeasureOptions, PelvisInput, ProtocolChoice};
use sagitta::pose::{ModelKind, PoseOptions};
use sagitta::recommend::{self, Recommender, Screening};
use sagitta::report::files::PhotoFile;
use sagitta::report::{self, Format};
use sagitta::schema::RedFlag;
use sagitta::schema::{Analysis, SCHEMA_VERSION};
use sagitta::{Analyzer, AnalyzerOptions, PlanOptions, plan_routine};

#[derive(Debug, Parser)]
#[command(
    name = "sagitta",
    version,
    about = "Posture analysis from side-view photos: keypoints, pelvic tilt, Thomas test"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse side-view photos: keypoints, measurements, findings, routine.
    Analyze(AnalyzeArgs),
    /// Plan the routine again from a saved analysis (no model is run).
    Routine(RoutineArgs),
    /// List the exercises sagitta can recommend.
    Catalog(CatalogArgs),
    /// List the measurements sagitta reports: definition, zero and sign, and the CSV columns.
    Measurements(MeasurementsArgs),
}

/// Options that shape the routine, shared by `analyze` and `routine`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// A warning sign the client reports (repeatable); any one withholds the routine.
    #[arg(long = "red-flag", value_name = "NAME", value_parser = red_flag_parser())]
    pub red_flags: Vec<RedFlag>,
    /// JSON file with the client's answers to the safety questions (see the README).
    #[arg(long, value_name = "FILE")]
    pub screening: Option<PathBuf>,
    /// The client was asked every warning-sign question and answered no to all.
    #[arg(long, conflicts_with = "red_flags")]
    pub no_red_flags: bool,
    /// Ask the warning-sign questions on the terminal before analysing.
    #[arg(long)]
    pub ask: bool,
    /// For a photo that could not be assessed: give a general routine,
    /// labelled as not based on the photo, instead of none.
    #[arg(long)]
    pub general_routine: bool,
    /// Time budget of the routine in minutes.
    #[arg(long, default_value_t = recommend::DEFAULT_MINUTES, value_parser = parse_minutes)]
    pub minutes: f64,
    /// Exercise catalogue replacing the built-in one (TOML, see assets/catalogue.toml).
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Rules replacing the built-in ones (TOML, see assets/rules.toml).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}

impl PlanArgs {
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
                return Err(Error::Setup(SetupError::Usage(
                    "--ask asks the warning-sign questions on a terminal, and standard input is not one; give the answers with --screening FILE, --red-flag NAME or --no-red-flags".to_string(),
                )));
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

fn parse_minutes(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(minutes) if minutes.is_finite() && minutes > 0.0 && minutes <= 240.0 => Ok(minutes),
        _ => Err(format!("expected minutes between 0 and 240, got {text:?}")),
    }
}

/// `--format` of `analyze` (the library's [`Format`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FormatArg {
    /// A short readable summary per photo.
    #[default]
    Text,
    /// The analysis document; several photos give one JSON array.
    Json,
    /// One typed JSON record per line: `analysis`, `error`, then a `summary`.
    Jsonl,
    /// One row per photo with the key measurements, findings and status.
    Csv,
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Self {
        match format {
            FormatArg::Text => Self::Text,
            FormatArg::Json => Self::Json,
            FormatArg::Jsonl => Self::Jsonl,
            FormatArg::Csv => Self::Csv,
        }
    }
}

/// `--model` and `--thomas-model` (the library's [`ModelKind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelArg {
    Lite,
    Full,
    Heavy,
}

impl From<ModelArg> for ModelKind {
    fn from(model: ModelArg) -> Self {
        match model {
            ModelArg::Lite => Self::Lite,
            ModelArg::Full => Self::Full,
            ModelArg::Heavy => Self::Heavy,
        }
    }
}

/// `--protocol` (the library's [`ProtocolChoice`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum ProtocolArg {
    /// Detect the protocol from the pose.
    Auto,
    /// Upright side view.
    Standing,
    /// Supine at a table end, one knee held to the chest, the test leg hanging.
    ThomasTest,
}

impl From<ProtocolArg> for ProtocolChoice {
    fn from(protocol: ProtocolArg) -> Self {
        match protocol {
            ProtocolArg::Auto => Self::Auto,
            ProtocolArg::Standing => Self::Standing,
            ProtocolArg::ThomasTest => Self::ThomasTest,
        }
    }
}

/// `--red-flag NAME`: the library's warning signs, by their JSON names,
/// each with its one-line summary in the help.
fn red_flag_parser() -> impl clap::builder::TypedValueParser<Value = RedFlag> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(
        RedFlag::ALL.map(|flag| PossibleValue::new(flag.name()).help(flag.summary())),
    )
    .map(|name| RedFlag::from_name(&name).expect("only listed names get through"))
}

/// Output of `routine`, `catalog` and `measurements`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DocFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct RoutineArgs {
    /// A saved analysis document (`sagitta analyze --format json`).
    #[arg(long, value_name = "RESULT.json")]
    pub from: PathBuf,
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Output on standard output.
    #[arg(long, value_enum, default_value_t = DocFormat::Text)]
    pub format: DocFormat,
}

#[derive(Debug, Args)]
pub struct MeasurementsArgs {
    /// Output on standard output.
    #[arg(long, value_enum, default_value_t = DocFormat::Text)]
    pub format: DocFormat,
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// Output on standard output.
    #[arg(long, value_enum, default_value_t = DocFormat::Text)]
    pub format: DocFormat,
    /// Catalogue file replacing the built-in one.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Photos to analyse (JPEG, PNG, WebP, ...; the format is read from the content).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output on standard output.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Landmark model: lite (fastest), full, heavy (most accurate, about 2.5 times slower).
    #[arg(long, value_enum, default_value_t = ModelArg::Full)]
    pub model: ModelArg,
    /// Landmark model for photos that show the Thomas test: they are looked at
    /// again with it (the full model misreads the hanging knee of a lying person);
    /// the same as --model for no second look.
    #[arg(long, value_enum, default_value_t = ModelArg::Heavy)]
    pub thomas_model: ModelArg,
    /// Folder holding the ONNX model files (default: $SAGITTA_MODEL_DIR, else the models/ folder sagitta was built from).
    #[arg(long, value_name = "DIR")]
    pub model_dir: Option<PathBuf>,
    /// ONNX Runtime threads per model (at most the number of cores, unless --force-threads).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: u16,
    /// Allow --threads above the number of cores (each extra thread only waits for a core).
    #[arg(long)]
    pub force_threads: bool,
    /// Run the landmark model a second time on the crop its first result implies
    /// (off by default: it did not bring results closer to the heavy model).
    #[arg(long)]
    pub second_pass: bool,
    /// Test protocol: detect it, or force one (a forced protocol the photo does not show is marked invalid).
    #[arg(long, value_enum, default_value_t = ProtocolArg::Auto)]
    pub protocol: ProtocolArg,
    /// The camera's roll in degrees (-45 to 45): true vertical appears turned this far clockwise in the image.
    #[arg(
        long,
        value_name = "DEG",
        allow_hyphen_values = true,
        value_parser = parse_roll
    )]
    pub camera_roll_deg: Option<f64>,
    /// ASIS position in image pixels (with --psis): pelvic tilt from these landmarks.
    #[arg(long, value_name = "X,Y", value_parser = parse_point, requires = "psis", allow_hyphen_values = true)]
    pub asis: Option<(f64, f64)>,
    /// PSIS position in image pixels (with --asis).
    #[arg(long, value_name = "X,Y", value_parser = parse_point, requires = "asis", allow_hyphen_values = true)]
    pub psis: Option<(f64, f64)>,
    /// Find two coloured marker dots on ASIS and PSIS near the hip for the pelvic tilt.
    #[arg(long, conflicts_with = "asis")]
    pub markers: bool,
    /// Colour of the marker dots: red, green, blue, yellow, magenta, cyan or #rrggbb.
    #[arg(
        long,
        value_name = "COLOUR",
        default_value = "red",
        requires = "markers"
    )]
    pub marker_color: MarkerColor,
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Analyse folders with their subfolders.
    #[arg(long, short = 'r')]
    pub recursive: bool,
    /// Parallel workers, each with its own model sessions (default: one per core).
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
    /// Write `<name>.json` and `<name>.annotated.jpg` (`.png` for PNG photos) per photo into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// With --out: also write a printable `<name>.report.html` per photo.
    #[arg(long)]
    pub report: bool,
    /// With --out: skip photos whose complete result is already in DIR.
    #[arg(long)]
    pub resume: bool,
    /// Take only shard I of N (e.g. 2/8) of the photos, for cluster job arrays.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// For one photo: write the annotated image to FILE (.jpg or .png).
    #[arg(long, value_name = "FILE")]
    pub annotate: Option<PathBuf>,
    /// No progress bar and no closing summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// The largest camera roll accepted. A side view rolled further is closer to
/// lying on its side than upright: such a photo wants its EXIF orientation
/// (or a rotation by a quarter turn) fixed, not a roll correction, and the
/// protocol checks (trunk within 35 degrees of vertical) would no longer
/// mean what they say.
pub const MAX_CAMERA_ROLL_DEG: f64 = 45.0;

fn parse_roll(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(deg) if deg.is_finite() && deg.abs() <= MAX_CAMERA_ROLL_DEG => Ok(deg),
        Ok(_) => Err(format!(
            "expected a roll between -{MAX_CAMERA_ROLL_DEG} and {MAX_CAMERA_ROLL_DEG} degrees, got {}",
            sagitta::input::excerpt(text)
        )),
        Err(_) => Err(format!(
            "expected a number of degrees, got {}",
            sagitta::input::excerpt(text)
        )),
    }
}

fn parse_point(text: &str) -> Result<(f64, f64), String> {
    let (x, y) = text
        .split_once(',')
        .ok_or_else(|| format!("expected X,Y, got {:?}", sagitta::input::excerpt(text)))?;
    // Pixels: a point may lie a little outside the photo, but not a million
    // pixels (the decoder's side limit is 16384).
    let number = |v: &str| {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && v.abs() <= 1e6)
            .ok_or_else(|| {
                format!(
                    "expected a pixel coordinate within +-1000000, got {:?}",
                    sagitta::input::excerpt(v)
                )
            })
    };
    Ok((number(x)?, number(y)?))
}

impl AnalyzeArgs {
    fn analyzer_options(&self) -> Result<AnalyzerOptions, Error> {
        Ok(AnalyzerOptions {
            model: self.model.into(),
            model_dir: self.model_dir.clone(),
            inference_threads: usize::from(self.threads),
            pose: PoseOptions {
                second_pass: self.second_pass,
            },
            thomas_model: self.thomas_model.into(),
            measure: MeasureOptions {
                protocol: self.protocol.into(),
                camera_roll_deg: self.camera_roll_deg,
                pelvis: match (self.asis, self.psis) {
                    (Some(asis), Some(psis)) => PelvisInput::Landmarks { asis, psis },
                    _ if self.markers => PelvisInput::Markers(self.marker_color),
                    _ => PelvisInput::Estimate,
                },
            },
            plan: self.plan.plan_options()?,
            ..AnalyzerOptions::default()
        })
    }
}

/// Runs a parsed command line; returns the exit code for a run that could start.
pub fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Analyze(args) => analyze(&args),
        Command::Routine(args) => routine(&args),
        Command::Catalog(args) => catalog(&args),
        Command::Measurements(args) => measurements(&args),
    }
}

fn analyze(args: &AnalyzeArgs) -> Result<u8, Error> {
    let usage = |message: &str| Err(Error::Setup(SetupError::Usage(message.to_string())));
    let cores = default_jobs();
    if usize::from(args.threads) > cores && !args.force_threads {
        return usage(&format!(
            "--threads {} is more than the {cores} cores here: the extra threads only wait for a core and \
             make the run many times slower. Use --threads {cores} or less (or --jobs for parallel photos), \
             or add --force-threads",
            args.threads
        ));
    }
    if let Some(target) = &args.annotate {
        check_annotate_target(target)?;
    }
    let inputs = batch::expand(&args.paths, args.recursive, args.out.as_deref());
    if inputs.listed_twice > 0 && !args.quiet {
        eprintln!(
            "sagitta: {} path(s) listed more than once: each photo is analysed once, at its first place",
            inputs.listed_twice
        );
    }
    let single = inputs.items.len() == 1 && args.paths.len() == 1 && !args.paths[0].is_dir();
    if args.asis.is_some() && !single {
        return usage(
            "--asis and --psis give points on one photo: analyse one photo at a time with them",
        );
    }
    if args.annotate.is_some() && !single {
        return usage(
            "--annotate writes one image: give exactly one photo (use --out DIR for several)",
        );
    }
    if (args.resume || args.report) && args.out.is_none() {
        return usage("--resume and --report work with --out DIR");
    }
    let options = args.analyzer_options()?;
    if let Some(target) = &args.annotate {
        return annotate_one(&options, &inputs.items[0].path, target, args.format.into());
    }
    let batch_options = BatchOptions {
        jobs: args.jobs.map(usize::from).unwrap_or_else(default_jobs),
        out: args.out.clone(),
        report: args.report,
        resume: args.resume,
        shard: args.shard,
        quiet: args.quiet,
    };
    batch::install_interrupt_handler();
    let stdout = io::stdout().lock();
    let mut exporter = report::exporter(args.format.into(), Box::new(stdout), !single);
    // Formats without error records leave the message on standard error.
    let print_errors = matches!(args.format, FormatArg::Text | FormatArg::Json);
    let summary = batch::run(
        &options,
        &batch_options,
        inputs,
        exporter.as_mut(),
        print_errors,
    )?;
    if args.format == FormatArg::Text && !single && !args.quiet {
        eprintln!(
            "sagitta: {} analysed, {} failed, {} skipped (not images), {} already done; {:.1} photos/s",
            summary.analysed,
            summary.failed,
            summary.skipped_not_image,
            summary.skipped_existing,
            summary.images_per_second
        );
    }
    Ok(if summary.failed == 0 {
        EXIT_OK
    } else {
        EXIT_FILE_FAILED
    })
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
/// a link, whatever it points to.
fn check_annotate_target(target: &std::path::Path) -> Result<(), Error> {
    let refuse = |what: &str| {
        Err(Error::Setup(SetupError::Usage(format!(
            "--annotate {}: {what}; sagitta only creates a new file or replaces a regular file there",
            sagitta::input::terminal_safe(&target.display().to_string(), false)
        ))))
    };
    match std::fs::symlink_metadata(target) {
        Ok(metadata) if metadata.file_type().is_file() => Ok(()),
        Ok(metadata) if metadata.file_type().is_symlink() => refuse("is a symbolic link"),
        Ok(metadata) if metadata.is_dir() => refuse("is a folder"),
        Ok(_) => refuse("is a device, FIFO or socket"),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => refuse(&format!("cannot be checked ({error})")),
    }
}

/// `--annotate FILE`: analyse one photo, print it, and write the annotated image.
fn annotate_one(
    options: &AnalyzerOptions,
    path: &std::path::Path,
    target: &std::path::Path,
    format: Format,
) -> Result<u8, Error> {
    let mut analyzer = Analyzer::new(options)?;
    let outcome = match analyzer.analyze_timed(path) {
        Ok(outcome) => outcome,
        Err(error) => {
            let text = error.to_string();
            eprintln!("sagitta: {}", sagitta::input::terminal_safe(&text, false));
            return Ok(EXIT_FILE_FAILED);
        }
    };
    let annotated = [PhotoFile::AnnotatedImage(target.to_path_buf())];
    if let Err((_, error)) = PhotoFile::write_all(&annotated, outcome.photo, &outcome.analysis) {
        let text = format!(
            "{}: cannot write the annotated image {}: {error}",
            path.display(),
            target.display()
        );
        eprintln!("sagitta: {}", sagitta::input::terminal_safe(&text, false));
        return Ok(EXIT_FILE_FAILED);
    }
    let mut exporter = report::exporter(format, Box::new(io::stdout().lock()), false);
    exporter.analysis(&outcome.analysis).map_err(output_error)?;
    exporter.finish(&Default::default()).map_err(output_error)?;
    Ok(EXIT_OK)
}

/// Re-plans a saved analysis: the findings are derived again from its
/// protocol and measurements (so replacement rules take effect), then planned.
fn routine(args: &RoutineArgs) -> Result<u8, Error> {
    let usage = |message: String| Error::Setup(SetupError::Usage(message));
    let from = args.from.display().to_string();
    let text = sagitta::input::read_document(&args.from)
        .map_err(|e| usage(format!("{from}: cannot read: {e}")))?;
    let not_analysis = |e: serde_json::Error| {
        usage(format!(
            "{from}: not a sagitta analysis document: {}",
            sagitta::input::shorten_message(&e.to_string())
        ))
    };
    sagitta::input::check_unique_keys(&text).map_err(not_analysis)?;
    let mut analysis: Analysis = serde_json::from_str(&text).map_err(not_analysis)?;
    if let Err(problem) = plausible(&analysis) {
        return Err(usage(format!("{from}: {problem}")));
    }
    let major = |version: &str| version.split('.').next().map(str::to_string);
    if major(&analysis.schema_version) != major(SCHEMA_VERSION) {
        return Err(usage(format!(
            "{from}: schema_version {} is not readable by this sagitta (schema {SCHEMA_VERSION})",
            sagitta::input::excerpt(&analysis.schema_version)
        )));
    }
    let options = args.plan.plan_options()?;
    plan_routine(&options.recommender()?, &options, &mut analysis);
    let mut out = io::stdout().lock();
    let Some(routine) = analysis.routine.as_ref() else {
        // Not assessed and no general routine asked for: say why, as `analyze` does.
        match args.format {
            DocFormat::Json => serde_json::to_writer_pretty(&mut out, &analysis.assessment)
                .map_err(io::Error::from)
                .map_err(output_error)?,
            DocFormat::Text => {
                report::write_no_routine(&analysis, &mut out).map_err(output_error)?
            }
        }
        writeln!(out).map_err(output_error)?;
        return Ok(EXIT_OK);
    };
    match args.format {
        DocFormat::Json => serde_json::to_writer_pretty(&mut out, routine)
            .map_err(io::Error::from)
            .map_err(output_error)?,
        DocFormat::Text => {
            report::write_routine_section(&analysis, routine, &mut out).map_err(output_error)?
        }
    }
    writeln!(out).map_err(output_error)?;
    Ok(EXIT_OK)
}

/// The measurements of a saved analysis are the rules' only input when it is
/// planned again: each must be a number a photo could have given.
fn plausible(analysis: &Analysis) -> Result<(), String> {
    for (name, m) in &analysis.measurements {
        let name = sagitta::input::excerpt(name);
        let checks = [
            ("value_deg", m.value_deg, -360.0..=360.0),
            ("uncertainty_deg", m.uncertainty_deg, 0.0..=360.0),
            ("confidence", m.confidence, 0.0..=1.0),
            // Plumb offsets are fractions of the body height; other values
            // (counts, ratios) are small too.
            ("value", m.value, -1000.0..=1000.0),
        ];
        for (field, value, range) in checks {
            if let Some(value) = value
                && !range.contains(&value)
            {
                return Err(format!(
                    "measurements.{name}.{field} is {value:e}, outside {} to {}: not a value sagitta writes",
                    range.start(),
                    range.end()
                ));
            }
        }
    }
    Ok(())
}

fn catalog(args: &CatalogArgs) -> Result<u8, Error> {
    let recommender = Recommender::load(args.catalog.as_deref(), None).map_err(SetupError::from)?;
    let mut out = io::stdout().lock();
    match args.format {
        DocFormat::Json => {
            serde_json::to_writer_pretty(&mut out, recommender.catalog())
                .map_err(io::Error::from)
                .map_err(output_error)?;
            writeln!(out).map_err(output_error)?;
        }
        DocFormat::Text => {
            recommend::write_catalog_text(recommender.catalog(), &mut out).map_err(output_error)?
        }
    }
    Ok(EXIT_OK)
}

fn measurements(args: &MeasurementsArgs) -> Result<u8, Error> {
    let mut out = io::stdout().lock();
    match args.format {
        DocFormat::Json => report::write_measurements_json(&mut out),
        DocFormat::Text => report::write_measurements_text(&mut out),
    }
    .map_err(output_error)?;
    Ok(EXIT_OK)
}

fn output_error(error: io::Error) -> Error {
    Error::Output(error)
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    /// The command line spells each library value as the JSON does, and
    /// offers every one.
    #[test]
    fn argument_values_map_to_the_library_values_of_the_same_name() {
        let name = |value: Option<clap::builder::PossibleValue>| {
            value.map(|v| v.get_name().to_string()).unwrap_or_default()
        };
        let parser = red_flag_parser();
        let command = clap::Command::new("test");
        for flag in RedFlag::ALL {
            let json = serde_json::to_value(flag).unwrap();
            assert_eq!(flag.name(), json.as_str().unwrap());
            let parsed = clap::builder::TypedValueParser::parse_ref(
                &parser,
                &command,
                None,
                std::ffi::OsStr::new(flag.name()),
            );
            assert_eq!(parsed.unwrap(), flag);
        }
        for &model in ModelArg::value_variants() {
            let json = serde_json::to_value(ModelKind::from(model)).unwrap();
            assert_eq!(name(model.to_possible_value()), json.as_str().unwrap());
        }
        for (&arg, choice) in ProtocolArg::value_variants().iter().zip([
            ProtocolChoice::Auto,
            ProtocolChoice::Standing,
            ProtocolChoice::ThomasTest,
        ]) {
            assert_eq!(ProtocolChoice::from(arg), choice);
        }
        assert_eq!(Format::from(FormatArg::default()), Format::default());
    }
}
