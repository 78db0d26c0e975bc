//! The command line as clap sees it: the commands, their flags, their help
//! texts and the parsers of single values. Nothing here reads a file or
//! checks one flag against another (`options.rs` does).
//!
//! The clap value enums (`--format`, `--model`, `--protocol`) are mapped
//! onto the library's and the commands' own types, so that no type outside
//! `cli/` derives clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::batch::Shard;
use crate::commands::{DocumentFormat, PageFormat, RegistryFormat};
use sagitta::measure::{
    FOCAL_LENGTH_35MM_RANGE_MM, MAX_CAMERA_PITCH_DEG, MAX_CAMERA_ROLL_DEG, MAX_POINT_PX,
    MarkerColor, ProtocolChoice,
};
use sagitta::pose::{Joint, ModelKind, PersonChoice};
use sagitta::recommend;
use sagitta::report::{self, Format};
use sagitta::schema::{RedFlag, Side};
use sagitta::session;

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
    pub paths: Vec<PathBuf>,
    /// Where saving writes `<name>.json`, `<name>.annotated.jpg` and `<name>.report.html`.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Print the address only; do not open the browser.
    #[arg(long)]
    pub no_open: bool,
    /// The port on 127.0.0.1 and ::1 (0: a free one). No option listens
    /// elsewhere: photos and the token would cross the network in clear.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

/// The pose models, shared by `analyze` and `compare` (for photos it
/// analyses itself).
#[derive(Debug, Args)]
pub struct ModelArgs {
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

impl From<DocFormat> for DocumentFormat {
    fn from(format: DocFormat) -> Self {
        match format {
            DocFormat::Text => Self::Text,
            DocFormat::Json => Self::Json,
        }
    }
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

impl From<CompareFormat> for PageFormat {
    fn from(format: CompareFormat) -> Self {
        match format {
            CompareFormat::Text => Self::Text,
            CompareFormat::Json => Self::Json,
            CompareFormat::Html => Self::Html,
        }
    }
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
    // for photos compare analyses itself
    #[command(flatten)]
    pub models: ModelArgs,
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

impl From<MeasurementsFormat> for RegistryFormat {
    fn from(format: MeasurementsFormat) -> Self {
        match format {
            MeasurementsFormat::Text => Self::Text,
            MeasurementsFormat::Json => Self::Json,
            MeasurementsFormat::Markdown => Self::Markdown,
        }
    }
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
    /// The camera's tilt in degrees (-30 to 30), up positive, as a phone's
    /// level shows it: the keypoints are levelled before measuring, which
    /// removes the keystone a tilted camera gives a body seen from the side.
    #[arg(long, value_name = "DEG", allow_hyphen_values = true, value_parser = parse_pitch)]
    pub camera_pitch_deg: Option<f64>,
    /// The lens's 35 mm-equivalent focal length in mm (10 to 400), for
    /// --camera-pitch-deg; by default the photo's EXIF, else 26 (a phone).
    #[arg(long = "focal-length-35mm", value_name = "MM", value_parser = parse_focal_length)]
    pub focal_length_35mm: Option<f64>,
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
    #[command(flatten)]
    pub models: ModelArgs,
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
    /// The markers are raised balls (as SAPO uses), not flat dots: the tilt is
    /// corrected for their centres standing one radius off the skin.
    #[arg(long, requires = "markers")]
    pub marker_balls: bool,
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

fn required_text(what: &str, text: &str, max: usize) -> Result<String, String> {
    session::parse_text(what, text, max)?.ok_or_else(|| format!("the {what} is empty"))
}

fn parse_side(text: &str) -> Result<Side, String> {
    session::parse_side(text)?.ok_or_else(|| "expected left or right".to_string())
}

fn parse_roll(text: &str) -> Result<f64, String> {
    parse_within(
        text,
        "a roll",
        -MAX_CAMERA_ROLL_DEG,
        MAX_CAMERA_ROLL_DEG,
        "degrees",
    )
}

fn parse_pitch(text: &str) -> Result<f64, String> {
    parse_within(
        text,
        "a pitch",
        -MAX_CAMERA_PITCH_DEG,
        MAX_CAMERA_PITCH_DEG,
        "degrees",
    )
}

fn parse_focal_length(text: &str) -> Result<f64, String> {
    let (shortest, longest) = FOCAL_LENGTH_35MM_RANGE_MM;
    parse_within(text, "a focal length", shortest, longest, "mm")
}

/// A number within `low..=high`, or a message naming what was expected.
fn parse_within(text: &str, what: &str, low: f64, high: f64, unit: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && (low..=high).contains(&value) => Ok(value),
        Ok(_) => Err(format!(
            "expected {what} between {low} and {high} {unit}, got {}",
            sagitta::input::excerpt(text)
        )),
        Err(_) => Err(format!(
            "expected a number of {unit}, got {}",
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
