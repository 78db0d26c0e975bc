//! Command-line definitions and the commands they run. The binary only
//! parses arguments, calls [`run`] and turns the result into an exit code.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::batch::{self, BatchOptions, Shard};
use sagitta::error::{EXIT_FILE_FAILED, EXIT_OK, Error, SetupError};
use sagitta::measure::{
    MAX_CAMERA_ROLL_DEG, MAX_POINT_PX, MarkerColor, MeasureOptions, PelvisInput, ProtocolChoice,
};
use sagitta::pose::{Joint, ModelKind, PersonChoice, PoseOptions};
use sagitta::recommend::{self, Recommender, Screening};
use sagitta::report::files::PhotoFile;
use sagitta::report::{self, Format, TextDetail};
use sagitta::schema::{Analysis, DateSource, RedFlag, Side};
use sagitta::session::{self, Manifest, SessionInput};
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
    Analyze(Box<AnalyzeArgs>),
    /// Plan the routine again from a saved analysis (no model is run).
    Routine(RoutineArgs),
    /// List the exercises sagitta can recommend.
    Catalog(CatalogArgs),
    /// Measure a saved analysis again from its keypoints, moving misplaced
    /// ones by hand (no model is run).
    ///
    /// --protocol, --camera-roll-deg and --asis/--psis default to the saved
    /// document's: the protocol it forced (if it did), its camera roll and
    /// its landmarks.
    Measure(MeasureArgs),
    /// Print the JSON Schema of a machine-readable output.
    Schema(SchemaArgs),
    /// Compare analyses of one client: before/after, and the left against the right Thomas test.
    Compare(CompareArgs),
    /// One visit: the saved analyses of one client on one date (standing, the
    /// Thomas test of each leg) as one report with one routine.
    ///
    /// Every photo's findings with its source, the left against the right
    /// Thomas test, and one routine planned from all the findings. A warning
    /// sign recorded with any photo (or given here) withholds the routine.
    Visit(VisitArgs),
    /// List the measurements sagitta reports: definition, zero and sign, and the CSV columns.
    Measurements(MeasurementsArgs),
    /// Review photos in the browser: drag keypoints, click ASIS and PSIS,
    /// fill in the record and save (a local page on 127.0.0.1 and ::1 only).
    ///
    /// Prints the address with its session token and opens the default
    /// browser; serves until Ctrl-C. Saving writes `<name>.json`,
    /// `<name>.annotated.jpg` and `<name>.report.html` into --out, as
    /// `analyze --out --report` does, and the visit where one is recorded.
    Review(ReviewArgs),
    /// Print the manual page (roff), as committed in docs/sagitta.1.
    #[command(hide = true)]
    Manpage,
}

/// `sagitta review`: the photos and saved analyses, where saving goes.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Photos, folders of photos and saved analyses (`.json`) to review.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Where saving writes `<name>.json`, `<name>.annotated.jpg` and `<name>.report.html`.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Print the address only; do not open the browser.
    #[arg(long)]
    no_open: bool,
    /// The port on 127.0.0.1 and ::1 (0: a free one). No option listens
    /// elsewhere: photos and the token would cross the network in clear.
    #[arg(long, default_value_t = 0)]
    port: u16,
}

/// Options that shape the routine, shared by `analyze` and `routine`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// A warning sign the client reports (repeatable); any one withholds the routine.
    #[arg(long = "red-flag", value_name = "NAME", value_parser = red_flag_parser())]
    pub red_flags: Vec<RedFlag>,
    /// JSON file with the client's answers to the safety questions (see docs/guide.md).
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
    /// The files these options read.
    fn input_files(&self) -> Vec<&std::path::Path> {
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
        _ => Err(format!(
            "expected minutes between 0 and 240, got {:?}",
            sagitta::input::excerpt(text)
        )),
    }
}

/// `--format` of `analyze` (the library's [`Format`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FormatArg {
    /// A summary per photo that fits a screen (--verbose: every detail; with --out: one line).
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
    /// Text: every exercise with its position, steps, cautions and rule ids.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// Output of `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CompareFormat {
    /// Tables for a terminal.
    #[default]
    Text,
    /// The compare document.
    Json,
    /// A printable page (A4) with the annotated photos side by side.
    Html,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Saved analyses (`analyze --format json`, or the `<name>.json` of --out)
    /// or photos to analyse now; two or more, of one client.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output on standard output.
    #[arg(long, value_enum, default_value_t = CompareFormat::Text)]
    pub format: CompareFormat,
    /// The client of the photos analysed now; saved analyses of another client are refused.
    #[arg(long, value_name = "ID", value_parser = |t: &str| required_text("client", t, session::MAX_CLIENT_CHARS))]
    pub client: Option<String>,
    /// Landmark model for photos analysed now.
    #[arg(long, value_enum, default_value_t = ModelArg::Full)]
    pub model: ModelArg,
    /// Landmark model for photos analysed now that show the Thomas test.
    #[arg(long, value_enum, default_value_t = ModelArg::Heavy)]
    pub thomas_model: ModelArg,
    /// Folder holding the ONNX model files.
    #[arg(long, value_name = "DIR")]
    pub model_dir: Option<PathBuf>,
}

/// Output of `measurements`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum MeasurementsFormat {
    /// A listing for a terminal.
    #[default]
    Text,
    /// The registry (`sagitta schema measurements` describes it).
    Json,
    /// The page committed as docs/measurements.md.
    Markdown,
}

#[derive(Debug, Args)]
pub struct VisitArgs {
    /// Saved analyses (`analyze --format json`, or the `<name>.json` of
    /// --out) of one client on one date.
    #[arg(required = true, value_name = "ANALYSIS.json")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Output on standard output: text, the visit document (json), or a
    /// printable page (html) with the photos side by side.
    #[arg(long, value_enum, default_value_t = CompareFormat::Text)]
    pub format: CompareFormat,
    /// Text: the full routine with positions, steps, cautions and rule ids.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct MeasurementsArgs {
    /// Output on standard output.
    #[arg(long, value_enum, default_value_t = MeasurementsFormat::Text)]
    pub format: MeasurementsFormat,
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

/// How the keypoints are measured, shared by `analyze` and `measure`
/// (which takes each from its saved document unless given, as its own help
/// says: these texts show in both commands' help).
#[derive(Debug, Args)]
pub struct GeometryArgs {
    /// Test protocol: detect it (default), or force one (a forced protocol the
    /// photo does not show is marked invalid).
    #[arg(long, value_enum)]
    pub protocol: Option<ProtocolArg>,
    /// The camera's roll in degrees (-45 to 45): true vertical appears turned
    /// this far clockwise in the image.
    #[arg(
        long,
        value_name = "DEG",
        allow_hyphen_values = true,
        value_parser = parse_roll
    )]
    pub camera_roll_deg: Option<f64>,
    /// ASIS position in image pixels (with --psis): pelvic tilt from these
    /// landmarks (one photo).
    #[arg(long, value_name = "X,Y", value_parser = parse_point, requires = "psis", allow_hyphen_values = true)]
    pub asis: Option<(f64, f64)>,
    /// PSIS position in image pixels (with --asis).
    #[arg(long, value_name = "X,Y", value_parser = parse_point, requires = "asis", allow_hyphen_values = true)]
    pub psis: Option<(f64, f64)>,
}

#[derive(Debug, Args)]
pub struct MeasureArgs {
    /// A saved analysis document (`sagitta analyze --format json`).
    #[arg(long, value_name = "RESULT.json")]
    pub from: PathBuf,
    /// Move a keypoint to X,Y in photo pixels (e.g. left_knee=412,388); repeatable.
    #[arg(
        long = "set",
        value_name = "KEYPOINT=X,Y",
        value_parser = parse_keypoint_move,
        allow_hyphen_values = true
    )]
    pub moves: Vec<(Joint, [f64; 2])>,
    #[command(flatten)]
    pub geometry: GeometryArgs,
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Output on standard output.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Write the annotated photo, corrected points marked, to FILE (.jpg or .png).
    #[arg(long, value_name = "FILE")]
    pub annotate: Option<PathBuf>,
    /// With --annotate: the photo, where it is no longer at the path the document names.
    #[arg(long, value_name = "PATH", requires = "annotate")]
    pub photo: Option<PathBuf>,
    /// Text: after the summary, the keypoints, every measurement's method and
    /// reasons, the full routine and the references.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// `--set KEYPOINT=X,Y`: a landmark by its JSON name and a photo position.
fn parse_keypoint_move(text: &str) -> Result<(Joint, [f64; 2]), String> {
    let (name, point) = text.split_once('=').ok_or_else(|| {
        format!(
            "expected KEYPOINT=X,Y (e.g. left_knee=412,388), got {:?}",
            sagitta::input::excerpt(text)
        )
    })?;
    let joint = Joint::from_name(name.trim()).ok_or_else(|| {
        format!(
            "unknown keypoint {:?}; the keypoints are {}",
            sagitta::input::excerpt(name),
            Joint::ALL.map(Joint::name).join(", ")
        )
    })?;
    let (x, y) = parse_point(point)?;
    Ok((joint, [x, y]))
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which document (the published schemas are also in the checkout's schema/ folder).
    #[arg(default_value = "analysis", value_parser = schema_name_parser())]
    pub name: String,
}

/// The names of the published schemas, each with its one-line summary in the help.
fn schema_name_parser() -> clap::builder::PossibleValuesParser {
    use clap::builder::{PossibleValue, PossibleValuesParser};
    PossibleValuesParser::new(
        report::json_schema::PUBLISHED
            .iter()
            .map(|published| PossibleValue::new(published.name).help(published.about)),
    )
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Photos to analyse (JPEG, PNG, WebP, ...; the format is read from the
    /// content). With --manifest and no PATH: the manifest's photos.
    #[arg(required_unless_present = "manifest", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub session: SessionArgs,
    /// CSV file giving each photo its record: a header row, then one row per
    /// photo with the columns photo (relative to the manifest's folder),
    /// client, date, side, note and clinician. A photo without a row is
    /// reported, not analysed.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["client", "date", "side", "note"])]
    pub manifest: Option<PathBuf>,
    /// The side the record names (left or right: the Thomas test leg, the side photographed); one photo.
    #[arg(long, value_name = "SIDE", value_parser = parse_side)]
    pub side: Option<Side>,
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
    /// Folder holding the ONNX model files (default: $SAGITTA_MODEL_DIR, else share/sagitta/models beside an installed
    /// sagitta's bin/, else the models/ folder sagitta was built from).
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
    #[command(flatten)]
    pub geometry: GeometryArgs,
    /// The person to analyse in a photo with several: largest (default: the
    /// largest of the confidently found), centre (nearest the photo's centre)
    /// or X,Y (the one whose body holds that pixel; one photo only).
    #[arg(long, value_name = "largest|centre|X,Y", default_value = "largest", value_parser = parse_person, allow_hyphen_values = true)]
    pub person: PersonChoice,
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
    /// Text: after the summary, the keypoints and detector scores, every
    /// measurement's method and reasons, the full routine with its rule ids
    /// and the references (with --out: instead of one line per photo).
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// The clinical record of the photos: whose, when, by whom.
#[derive(Debug, Args)]
pub struct SessionArgs {
    /// The client's identifier (at most 64 characters), recorded in every output.
    #[arg(long, value_name = "ID", value_parser = |t: &str| required_text("client", t, session::MAX_CLIENT_CHARS))]
    pub client: Option<String>,
    /// The session date, YYYY-MM-DD (default: the photo's EXIF DateTimeOriginal, else none).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = session::parse_date)]
    pub date: Option<String>,
    /// Who took or assessed the photo.
    #[arg(long, value_name = "NAME", value_parser = |t: &str| required_text("clinician", t, session::MAX_CLINICIAN_CHARS))]
    pub clinician: Option<String>,
    /// A note for the record (at most 500 characters, one line).
    #[arg(long, value_name = "TEXT", value_parser = |t: &str| required_text("note", t, session::MAX_NOTE_CHARS))]
    pub note: Option<String>,
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

fn required_text(what: &str, text: &str, max: usize) -> Result<String, String> {
    session::parse_text(what, text, max)?.ok_or_else(|| format!("the {what} is empty"))
}

fn parse_side(text: &str) -> Result<Side, String> {
    session::parse_side(text)?.ok_or_else(|| "expected left or right".to_string())
}

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

fn parse_person(text: &str) -> Result<PersonChoice, String> {
    match text.trim() {
        "largest" => Ok(PersonChoice::Largest),
        "centre" | "center" => Ok(PersonChoice::Centre),
        point => parse_point(point)
            .map(|(x, y)| PersonChoice::At(x, y))
            .map_err(|problem| format!("expected largest, centre or X,Y in pixels: {problem}")),
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
            .filter(|v| v.is_finite() && v.abs() <= MAX_POINT_PX)
            .ok_or_else(|| {
                format!(
                    "expected a pixel coordinate within +-{MAX_POINT_PX}, got {:?}",
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
                person: self.person,
            },
            thomas_model: self.thomas_model.into(),
            measure: MeasureOptions {
                protocol: self
                    .geometry
                    .protocol
                    .map_or(ProtocolChoice::Auto, ProtocolChoice::from),
                camera_roll_deg: self.geometry.camera_roll_deg,
                pelvis: match (self.geometry.asis, self.geometry.psis) {
                    (Some(asis), Some(psis)) => PelvisInput::Landmarks { asis, psis },
                    _ if self.markers => PelvisInput::Markers(self.marker_color),
                    _ => PelvisInput::Estimate,
                },
                // Set by the analyzer for each photo.
                ..MeasureOptions::default()
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
        Command::Measure(args) => measure(&args),
        Command::Schema(args) => schema(&args),
        Command::Compare(args) => compare(&args),
        Command::Visit(args) => visit(&args),
        Command::Measurements(args) => measurements(&args),
        Command::Review(args) => sagitta::review::run(
            sagitta::review::ReviewOptions {
                inputs: args.paths,
                out: args.out,
                analyzer: AnalyzerOptions::default(),
                port: args.port,
                // A save refreshes the visit it belongs to, as `analyze --out` does.
                after_save: Some(Box::new(|dir| {
                    write_visits(dir, &PlanOptions::default(), true, true)
                        .map_err(|e| e.to_string())
                })),
            },
            !args.no_open,
        ),
        Command::Manpage => manpage(),
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
        return usage("the manifest lists no photos");
    }
    let mut inputs = batch::expand(&listed, args.recursive, args.out.as_deref());
    if args.side.is_some() && inputs.items.len() > 1 {
        return usage("--side names one photo's side: give one photo (use --manifest for several)");
    }
    let not_given = batch::attach_sessions(
        &mut inputs,
        manifest.as_ref(),
        &args.session.input(args.side),
    );
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
        return usage(
            "--asis and --psis give points on one photo: analyse one photo at a time with them",
        );
    }
    if matches!(args.person, PersonChoice::At(..)) && !single {
        return usage(
            "--person X,Y points at one person in one photo: analyse one photo at a time with it (or use --person centre)",
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
        let item = &inputs.items[0];
        return annotate_one(
            &options,
            item,
            target,
            args.format.into(),
            detail(args.verbose),
        );
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
    // With --out the files hold the analysis: the terminal gets a line each.
    let text_detail = match (args.verbose, args.out.is_some()) {
        (false, true) => TextDetail::Line,
        (verbose, _) => detail(verbose),
    };
    let mut exporter = report::exporter(args.format.into(), Box::new(stdout), !single, text_detail);
    // Formats without error records leave the message on standard error.
    let print_errors = matches!(args.format, FormatArg::Text | FormatArg::Json);
    let summary = batch::run(
        &options,
        &batch_options,
        inputs,
        exporter.as_mut(),
        print_errors,
    )?;
    if let Some(dir) = &args.out {
        write_visits(dir, &options.plan, args.report, args.quiet)?;
    }
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

/// `--out DIR`: the analyses in DIR that record a client and a date, two
/// or more of one record, make a visit: `<client>_<date>.visit.json`, and
/// with --report its `.visit.html`. Every analysis of the folder counts, so
/// a visit photographed in several runs (or --resume) is still one.
fn write_visits(
    dir: &std::path::Path,
    plan: &PlanOptions,
    report: bool,
    quiet: bool,
) -> Result<(), Error> {
    use sagitta::visit::{VisitInput, visit};
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.ends_with(".json") && !name.ends_with(".visit.json") && !name.starts_with('.')
        })
        .collect();
    paths.sort();
    let mut groups: std::collections::BTreeMap<(String, String), Vec<(PathBuf, VisitInput)>> =
        std::collections::BTreeMap::new();
    for path in paths {
        // Not every JSON file of the folder need be an analysis.
        let Ok(analysis) = sagitta::read_analysis(&path) else {
            continue;
        };
        let (Some(client), Some(date)) = (
            analysis.session.client.clone(),
            analysis.session.date.clone(),
        ) else {
            continue;
        };
        let input = VisitInput {
            source: path.display().to_string(),
            analysis,
        };
        groups
            .entry((client, date))
            .or_default()
            .push((path, input));
    }
    let recommender = plan.recommender()?;
    for ((client, date), members) in groups.into_iter().filter(|(_, m)| m.len() > 1) {
        // A client id may hold any character: the file name keeps the safe ones.
        let safe: String = client
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let name = format!("{safe}_{date}.visit");
        let images: Vec<Option<Vec<u8>>> = members
            .iter()
            .map(|(path, input)| annotated_image_for(path, &input.analysis).ok())
            .collect();
        let count = members.len();
        let inputs = members.into_iter().map(|(_, input)| input).collect();
        let visit = match visit(inputs, &recommender, plan) {
            Ok(visit) => visit,
            Err(why) => {
                eprintln!(
                    "sagitta: visit of {}: {why}",
                    sagitta::input::terminal_safe(&client, false)
                );
                continue;
            }
        };
        let mut files = vec![(
            dir.join(format!("{name}.json")),
            serde_json::to_vec_pretty(&visit)
                .map_err(io::Error::from)
                .map_err(output_error)?,
        )];
        if report {
            let page = report::render_visit_html(&visit, &images);
            files.push((dir.join(format!("{name}.html")), page.into_bytes()));
        }
        for (path, bytes) in files {
            report::files::write_atomically(&path, &bytes).map_err(|e| {
                Error::Output(io::Error::new(e.kind(), format!("{}: {e}", path.display())))
            })?;
            if !quiet {
                eprintln!(
                    "sagitta: visit of {} on {date}, {count} photos: {}",
                    sagitta::input::terminal_safe(&client, false),
                    path.display()
                );
            }
        }
    }
    Ok(())
}

/// The text a `--verbose` flag asks for.
fn detail(verbose: bool) -> TextDetail {
    match verbose {
        true => TextDetail::Verbose,
        false => TextDetail::Summary,
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
fn check_annotate_target(
    target: &std::path::Path,
    inputs: &[&std::path::Path],
) -> Result<(), Error> {
    let refuse = |what: &str| {
        Err(Error::Setup(SetupError::Usage(format!(
            "--annotate {}: {what}; sagitta only creates a new file or replaces a regular file there",
            sagitta::input::terminal_safe(&target.display().to_string(), false)
        ))))
    };
    match std::fs::symlink_metadata(target) {
        Ok(metadata) if metadata.file_type().is_file() => {
            use std::os::unix::fs::MetadataExt;
            let same = |input: &&&std::path::Path| {
                std::fs::metadata(input)
                    .is_ok_and(|m| (m.dev(), m.ino()) == (metadata.dev(), metadata.ino()))
            };
            match inputs.iter().find(same) {
                Some(input) => Err(Error::Setup(SetupError::Usage(format!(
                    "--annotate {} is {}, which this command reads: sagitta never writes over its input; \
                     name another file",
                    sagitta::input::terminal_safe(&target.display().to_string(), false),
                    sagitta::input::terminal_safe(&input.display().to_string(), false)
                )))),
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

/// `--annotate FILE`: analyse one photo, print it, and write the annotated image.
fn annotate_one(
    options: &AnalyzerOptions,
    item: &batch::Item,
    target: &std::path::Path,
    format: Format,
    detail: TextDetail,
) -> Result<u8, Error> {
    let path = &item.path;
    let mut analyzer = Analyzer::new(options)?;
    let analysed = match &item.listing_error {
        Some(error) => Err(error.clone()),
        None => analyzer.analyze_timed(path),
    };
    let outcome = match analysed {
        Ok(mut outcome) => {
            session::apply(&mut outcome.analysis, &item.session);
            outcome
        }
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
    print_one(format, detail, &outcome.analysis)
}

/// Prints the document of one photo in `format`, JSON Lines with its
/// closing summary (one file, analysed).
fn print_one(format: Format, detail: TextDetail, analysis: &Analysis) -> Result<u8, Error> {
    let mut exporter = report::exporter(format, Box::new(io::stdout().lock()), false, detail);
    exporter.analysis(analysis).map_err(output_error)?;
    let summary = sagitta::schema::Summary {
        files: 1,
        analysed: 1,
        jobs: 1,
        ..Default::default()
    };
    exporter.finish(&summary).map_err(output_error)?;
    Ok(EXIT_OK)
}

/// Re-plans a saved analysis: the findings are derived again from its
/// protocol and measurements (so replacement rules take effect), then planned.
fn routine(args: &RoutineArgs) -> Result<u8, Error> {
    let mut analysis = sagitta::read_analysis(&args.from)
        .map_err(|message| Error::Setup(SetupError::Usage(message)))?;
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
            report::write_routine_section(routine, args.verbose, &mut out).map_err(output_error)?
        }
    }
    writeln!(out).map_err(output_error)?;
    Ok(EXIT_OK)
}

/// Measures a saved analysis again from its keypoints, with the keypoints
/// `--set` moves, and prints it like `analyze` (no model is run).
fn measure(args: &MeasureArgs) -> Result<u8, Error> {
    let usage = |message: String| Error::Setup(SetupError::Usage(message));
    let from = args.from.display().to_string();
    for (i, (joint, _)) in args.moves.iter().enumerate() {
        if args.moves[..i].iter().any(|(earlier, _)| earlier == joint) {
            return Err(usage(format!(
                "--set {} is given twice: move each keypoint once",
                joint.name()
            )));
        }
    }
    let saved = sagitta::read_analysis(&args.from).map_err(usage)?;
    let photo_path = match &args.photo {
        Some(photo) => photo.clone(),
        // Checked by read_analysis.
        None => saved.image.photo_path().map_err(usage)?,
    };
    if let Some(target) = &args.annotate {
        let mut inputs = args.plan.input_files();
        inputs.extend([args.from.as_path(), photo_path.as_path()]);
        check_annotate_target(target, &inputs)?;
    }
    let geometry = &args.geometry;
    let change = sagitta::Remeasure {
        moves: args.moves.clone(),
        protocol: geometry.protocol.map(ProtocolChoice::from),
        camera_roll_deg: geometry.camera_roll_deg,
        landmarks: geometry.asis.zip(geometry.psis),
    };
    let plan_options = args.plan.plan_options()?;
    let analysis = sagitta::remeasure(&saved, &change, &plan_options.recommender()?, &plan_options)
        .map_err(|problem| usage(format!("{from}: {problem}")))?;
    if let Some(target) = &args.annotate {
        let photo = sagitta::image_io::load(&photo_path, &Default::default()).map_err(|e| {
            usage(format!(
                "--annotate needs the photo: {e}; give it with --photo PATH"
            ))
        })?;
        let size = (photo.image.width(), photo.image.height());
        if size != (saved.image.width, saved.image.height) {
            return Err(usage(format!(
                "{}: the photo is {}x{} pixels, the analysis was of a {}x{} photo: not the same photo",
                photo_path.display(),
                size.0,
                size.1,
                saved.image.width,
                saved.image.height
            )));
        }
        let annotated = [PhotoFile::AnnotatedImage(target.to_path_buf())];
        if let Err((_, error)) = PhotoFile::write_all(&annotated, photo.image, &analysis) {
            let text = format!(
                "cannot write the annotated image {}: {error}",
                target.display()
            );
            eprintln!("sagitta: {}", sagitta::input::terminal_safe(&text, false));
            return Ok(EXIT_FILE_FAILED);
        }
    }
    print_one(args.format.into(), detail(args.verbose), &analysis)
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

fn schema(args: &SchemaArgs) -> Result<u8, Error> {
    let published = report::json_schema::Published::named(&args.name)
        .expect("clap only lets the published names through");
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &published.json())
        .map_err(io::Error::from)
        .map_err(output_error)?;
    writeln!(out).map_err(output_error)?;
    Ok(EXIT_OK)
}

/// Whether a compare input is a saved analysis (a `.json` name, or JSON
/// content) rather than a photo.
fn is_analysis_document(path: &std::path::Path) -> bool {
    use std::io::Read;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        return true;
    }
    let mut start = [0u8; 64];
    let read = sagitta::input::open_regular(path)
        .and_then(|(mut file, _)| file.read(&mut start))
        .unwrap_or(0);
    let text = start[..read]
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&start[..read]);
    text.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{' || b == b'[')
}

/// The annotated image of a saved analysis for the compare page: the one
/// `--out` wrote beside it, else the photo it names (as recorded, or beside
/// the analysis) annotated again.
fn annotated_image_for(json: &std::path::Path, analysis: &Analysis) -> Result<Vec<u8>, String> {
    let folder = json.parent().unwrap_or(std::path::Path::new(""));
    let stem = json
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let encode = |image: &image::RgbImage| {
        report::files::encode_image(image, std::path::Path::new("page.jpg"))
            .map_err(|e| format!("the image could not be encoded: {e}"))
    };
    for extension in ["jpg", "png"] {
        let beside = folder.join(format!("{stem}.annotated.{extension}"));
        if let Ok(bytes) = sagitta::input::read_bounded(&beside, 64 << 20) {
            if extension == "jpg" {
                return Ok(bytes);
            }
            let image = image::load_from_memory(&bytes)
                .map_err(|e| format!("{}: {e}", beside.display()))?
                .into_rgb8();
            return encode(&image);
        }
    }
    // The photo as recorded (relative to where `analyze` ran), relative to
    // the analysis, or beside it.
    let recorded = analysis.image.photo_path()?;
    let mut candidates = vec![recorded.clone()];
    if recorded.is_relative() {
        candidates.push(folder.join(&recorded));
    }
    if let Some(name) = recorded.file_name() {
        candidates.push(folder.join(name));
    }
    candidates.dedup();
    let Some((path, photo)) = candidates.iter().find_map(|path| {
        sagitta::image_io::load(path, &Default::default())
            .ok()
            .map(|photo| (path, photo))
    }) else {
        let tried: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
        return Err(format!(
            "no {stem}.annotated.jpg or .png beside it, and the photo is at none of {}",
            tried.join(", ")
        ));
    };
    let size = (photo.image.width(), photo.image.height());
    if size != (analysis.image.width, analysis.image.height) {
        return Err(format!(
            "{} is {}x{} px, not the {}x{} px photo the analysis measured",
            path.display(),
            size.0,
            size.1,
            analysis.image.width,
            analysis.image.height
        ));
    }
    encode(&report::overlay::annotate(photo.image, analysis))
}

/// `sagitta compare`: reads or analyses each input, compares them and prints
/// the result. A bad document or a comparison that cannot be made is a usage
/// error (2); a photo that cannot be analysed, or one the HTML page cannot
/// show (a warning names it; the page is still written), a file error (1).
fn compare(args: &CompareArgs) -> Result<u8, Error> {
    use sagitta::compare::{CompareInput, compare};
    use sagitta::schema::InputKind;
    let usage = |message: String| Error::Setup(SetupError::Usage(message));
    let want_images = args.format == CompareFormat::Html;
    let mut analyzer = None;
    let mut inputs = Vec::new();
    let mut images = Vec::new();
    // Photos the page cannot show: each a warning, and a non-zero exit.
    let mut missing: Vec<String> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for path in &args.inputs {
        // One file twice would compare an analysis with itself.
        if let Ok(real) = std::fs::canonicalize(path)
            && let Some(first) = seen.insert(real, path)
        {
            return Err(usage(format!(
                "{} is the same file as {}: give each analysis once",
                path.display(),
                first.display()
            )));
        }
        let source = path.display().to_string();
        if is_analysis_document(path) {
            let analysis = sagitta::read_analysis(path).map_err(usage)?;
            if let (Some(given), Some(recorded)) = (&args.client, &analysis.session.client)
                && given != recorded
            {
                return Err(usage(format!(
                    "{source}: is an analysis of client {recorded:?}, not of --client {given:?}"
                )));
            }
            let image = match want_images {
                true => match annotated_image_for(path, &analysis) {
                    Ok(bytes) => Some(bytes),
                    Err(why) => {
                        missing.push(format!("{source}: photo not found: {why}"));
                        None
                    }
                },
                false => None,
            };
            images.push(image);
            inputs.push(CompareInput {
                source,
                kind: InputKind::Analysis,
                analysis,
            });
            continue;
        }
        if analyzer.is_none() {
            analyzer = Some(Analyzer::new(&AnalyzerOptions {
                model: args.model.into(),
                thomas_model: args.thomas_model.into(),
                model_dir: args.model_dir.clone(),
                ..AnalyzerOptions::default()
            })?);
        }
        let analyzer = analyzer.as_mut().expect("made above");
        let mut outcome = match analyzer.analyze_timed(path) {
            Ok(outcome) => outcome,
            Err(error) => {
                let text = format!("{error} (nothing was compared)");
                eprintln!("sagitta: {}", sagitta::input::terminal_safe(&text, false));
                return Ok(EXIT_FILE_FAILED);
            }
        };
        session::apply(
            &mut outcome.analysis,
            &SessionInput {
                client: args.client.clone(),
                ..SessionInput::default()
            },
        );
        images.push(
            want_images
                .then(|| {
                    let annotated = report::overlay::annotate(outcome.photo, &outcome.analysis);
                    report::files::encode_image(&annotated, std::path::Path::new("page.jpg")).ok()
                })
                .flatten(),
        );
        inputs.push(CompareInput {
            source,
            kind: InputKind::Photo,
            analysis: outcome.analysis,
        });
    }
    // The page shows the photos in the comparison's order.
    let order: Vec<String> = inputs.iter().map(|i| i.source.clone()).collect();
    let comparison = compare(inputs).map_err(|e| usage(e.to_string()))?;
    let mut out = io::stdout().lock();
    match args.format {
        CompareFormat::Text => {
            report::write_compare_text(&comparison, &mut out).map_err(output_error)?
        }
        CompareFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &comparison)
                .map_err(io::Error::from)
                .map_err(output_error)?;
            writeln!(out).map_err(output_error)?;
        }
        CompareFormat::Html => {
            let ordered: Vec<Option<Vec<u8>>> = comparison
                .inputs
                .iter()
                .map(|input| {
                    let at = order.iter().position(|s| *s == input.source);
                    at.and_then(|i| images[i].clone())
                })
                .collect();
            let page = report::render_compare_html(&comparison, &ordered);
            out.write_all(page.as_bytes()).map_err(output_error)?;
        }
    }
    Ok(warn_missing_photos(&missing))
}

/// `sagitta visit`: reads the saved analyses, makes them one visit and
/// prints it. A bad document, or analyses of different clients or dates, is
/// a usage error (2); a photo the HTML page cannot show, a warning and a file
/// error (1), the page still written.
fn visit(args: &VisitArgs) -> Result<u8, Error> {
    use sagitta::visit::{VisitInput, visit};
    let usage = |message: String| Error::Setup(SetupError::Usage(message));
    let mut inputs = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for path in &args.inputs {
        if let Ok(real) = std::fs::canonicalize(path)
            && let Some(first) = seen.insert(real, path)
        {
            return Err(usage(format!(
                "{} is the same file as {}: give each analysis once",
                path.display(),
                first.display()
            )));
        }
        inputs.push(VisitInput {
            source: path.display().to_string(),
            analysis: sagitta::read_analysis(path).map_err(usage)?,
        });
    }
    let options = args.plan.plan_options()?;
    let recommender = options.recommender()?;
    let mut missing = Vec::new();
    let images: Vec<Option<Vec<u8>>> = match args.format {
        CompareFormat::Html => args
            .inputs
            .iter()
            .zip(&inputs)
            .map(
                |(path, input)| match annotated_image_for(path, &input.analysis) {
                    Ok(bytes) => Some(bytes),
                    Err(why) => {
                        missing.push(format!("{}: photo not found: {why}", input.source));
                        None
                    }
                },
            )
            .collect(),
        _ => Vec::new(),
    };
    let visit = visit(inputs, &recommender, &options).map_err(usage)?;
    let mut out = io::stdout().lock();
    match args.format {
        CompareFormat::Text => {
            report::write_visit_text(&visit, args.verbose, &mut out).map_err(output_error)?
        }
        CompareFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &visit)
                .map_err(io::Error::from)
                .map_err(output_error)?;
            writeln!(out).map_err(output_error)?;
        }
        CompareFormat::Html => {
            let page = report::render_visit_html(&visit, &images);
            out.write_all(page.as_bytes()).map_err(output_error)?;
        }
    }
    Ok(warn_missing_photos(&missing))
}

/// The photos a printed page could not show, as warnings; any one is a
/// file error (1), the page still written.
fn warn_missing_photos(missing: &[String]) -> u8 {
    for warning in missing {
        eprintln!(
            "sagitta: warning: {}",
            sagitta::input::terminal_safe(warning, false)
        );
    }
    if missing.is_empty() {
        EXIT_OK
    } else {
        EXIT_FILE_FAILED
    }
}

fn measurements(args: &MeasurementsArgs) -> Result<u8, Error> {
    let mut out = io::stdout().lock();
    match args.format {
        MeasurementsFormat::Json => report::write_measurements_json(&mut out),
        MeasurementsFormat::Text => report::write_measurements_text(&mut out),
        MeasurementsFormat::Markdown => report::write_measurements_markdown(&mut out),
    }
    .map_err(output_error)?;
    Ok(EXIT_OK)
}

fn manpage() -> Result<u8, Error> {
    crate::manpage::write(&mut io::stdout().lock()).map_err(output_error)?;
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
