//! `sagitta analyze`: the photos through the batch runner, or one photo
//! with its annotated image (`--annotate`); with `--out`, the folder's
//! visits after the batch.

use std::io;
use std::path::PathBuf;

use crate::batch::{self, BatchOptions, Inputs, Item};
use sagitta::error::{EXIT_FILE_FAILED, EXIT_OK, Error};
use sagitta::report::files::PhotoFile;
use sagitta::report::{self, Format, TextDetail};
use sagitta::{Analyzer, AnalyzerOptions, session};

use super::{detail, print_one};

/// `analyze`, checked: the inputs expanded and given their records.
#[derive(Debug)]
pub struct AnalyzeOptions {
    pub analyzer: AnalyzerOptions,
    pub inputs: Inputs,
    /// One photo named on its own (not a folder): printed as one document,
    /// not as a list, and without the closing summary line.
    pub single: bool,
    pub format: Format,
    pub verbose: bool,
    /// `--annotate FILE` (with `single`): the one photo's annotated image.
    pub annotate: Option<PathBuf>,
    pub batch: BatchOptions,
}

pub fn analyze(options: AnalyzeOptions) -> Result<u8, Error> {
    if let Some(target) = &options.annotate {
        let item = &options.inputs.items[0];
        return annotate_one(
            &options.analyzer,
            item,
            target,
            options.format,
            detail(options.verbose),
        );
    }
    batch::install_interrupt_handler();
    let stdout = io::stdout().lock();
    let out = options.batch.out.as_deref();
    // With --out the files hold the analysis: the terminal gets a line each.
    let text_detail = match (options.verbose, out.is_some()) {
        (false, true) => TextDetail::Line,
        (verbose, _) => detail(verbose),
    };
    let mut exporter = report::exporter(
        options.format,
        Box::new(stdout),
        !options.single,
        text_detail,
    );
    // Formats without error records leave the message on standard error.
    let print_errors = matches!(options.format, Format::Text | Format::Json);
    let summary = batch::run(
        &options.analyzer,
        &options.batch,
        options.inputs,
        exporter.as_mut(),
        print_errors,
    )?;
    if let Some(dir) = out {
        super::visit::write_folder_visits(
            dir,
            &options.analyzer.plan,
            options.batch.report,
            options.batch.quiet,
        )?;
    }
    if options.format == Format::Text && !options.single && !options.batch.quiet {
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

/// `--annotate FILE`: analyse one photo, print it, and write the annotated image.
fn annotate_one(
    options: &AnalyzerOptions,
    item: &Item,
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
