//! Command-line definitions and the commands they run. The binary only
//! parses arguments, calls [`run`] and turns the result into an exit code.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::{EXIT_FILE_FAILED, EXIT_OK, Error};
use crate::pose::{ModelKind, PoseOptions};
use crate::report::{self, Format};
use crate::{Analyzer, AnalyzerOptions};

#[derive(Debug, Parser)]
#[command(name = "sagitta", version, about = "Posture analysis from side-view photos: keypoints, pelvic tilt, Thomas test")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find the body keypoints in one or more side-view photos.
    Analyze(AnalyzeArgs),
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Photos to analyse (JPEG, PNG, WebP, ...; the format is read from the content).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output on standard output.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Landmark model: lite (fastest), full, heavy (most accurate; build it with `bash models/convert.sh heavy`).
    #[arg(long, value_enum, default_value_t = ModelKind::Full)]
    pub model: ModelKind,
    /// Folder holding the ONNX model files (default: $SAGITTA_MODEL_DIR, else the models/ folder sagitta was built from).
    #[arg(long, value_name = "DIR")]
    pub model_dir: Option<PathBuf>,
    /// ONNX Runtime threads per model.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: u16,
    /// Run the landmark model a second time on the crop its first result implies
    /// (off by default: it did not bring results closer to the heavy model).
    #[arg(long)]
    pub second_pass: bool,
}

impl AnalyzeArgs {
    fn analyzer_options(&self) -> AnalyzerOptions {
        AnalyzerOptions {
            model: self.model,
            model_dir: self.model_dir.clone(),
            inference_threads: usize::from(self.threads),
            pose: PoseOptions { second_pass: self.second_pass },
            ..AnalyzerOptions::default()
        }
    }
}

/// Runs a parsed command line; returns the exit code for a run that could start.
pub fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Analyze(args) => analyze(&args),
    }
}

fn analyze(args: &AnalyzeArgs) -> Result<u8, Error> {
    let mut analyzer = Analyzer::new(&args.analyzer_options())?;
    let stdout = io::stdout().lock();
    let mut exporter = report::exporter(args.format, Box::new(stdout), args.paths.len() > 1);
    let mut failed = 0usize;
    for path in &args.paths {
        match analyzer.analyze(path) {
            Ok(analysis) => exporter.analysis(&analysis).map_err(output_error)?,
            Err(error) => {
                failed += 1;
                eprintln!("sagitta: {error}");
            }
        }
    }
    exporter.finish().map_err(output_error)?;
    let _ = io::stderr().flush();
    Ok(if failed == 0 { EXIT_OK } else { EXIT_FILE_FAILED })
}

fn output_error(error: io::Error) -> Error {
    Error::Output(error)
}
