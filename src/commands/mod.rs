//! What each command does, given its checked options: no clap in here
//! (`cli/` turns the command line into these options and does every usage
//! check first), so a command reads as the work it does, and a test or
//! another front end could call it with options of its own.
//!
//! `analyze` (with `--annotate` and the visits `--out` makes), `saved`
//! (`routine` and `measure`, from a saved analysis), `compare`, `visit`,
//! and `listings` (`catalog`, `schema`, `measurements`); here, what they
//! share: printing one document and the annotated photo a page shows.

pub mod analyze;
pub mod compare;
pub mod listings;
pub mod saved;
pub mod visit;

use std::io;
use std::path::Path;

use sagitta::error::{EXIT_FILE_FAILED, EXIT_OK, Error};
use sagitta::report::{self, Format, TextDetail};
use sagitta::schema::Analysis;

/// What `routine` and `catalog` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFormat {
    Text,
    Json,
}

/// What `compare` and `visit` print: text, their document, or a printable page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFormat {
    Text,
    Json,
    Html,
}

/// What `measurements` prints: a listing, the registry as JSON, or the
/// Markdown page committed as docs/measurements.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryFormat {
    Text,
    Json,
    Markdown,
}

/// The text a `--verbose` flag asks for.
pub fn detail(verbose: bool) -> TextDetail {
    match verbose {
        true => TextDetail::Verbose,
        false => TextDetail::Summary,
    }
}

pub fn output_error(error: io::Error) -> Error {
    Error::Output(error)
}

/// Writes a document as pretty JSON and a newline.
fn print_json(value: &impl serde::Serialize, out: &mut impl io::Write) -> Result<(), Error> {
    serde_json::to_writer_pretty(&mut *out, value)
        .map_err(io::Error::from)
        .map_err(output_error)?;
    writeln!(out).map_err(output_error)
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

/// The annotated image of a saved analysis for a printed page: the one
/// `--out` wrote beside it, else the photo it names (as recorded, or beside
/// the analysis) annotated again.
fn annotated_image_for(json: &Path, analysis: &Analysis) -> Result<Vec<u8>, String> {
    let folder = json.parent().unwrap_or(Path::new(""));
    let stem = json
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let encode = |image: &image::RgbImage| {
        report::files::encode_image(image, Path::new("page.jpg"))
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
    let recorded = analysis.image.photo_path().map_err(|e| e.to_string())?;
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

/// The annotated image of a saved analysis for a printed page, or `None`
/// and a line in `missing` that says why the page cannot show it.
fn page_image(json: &Path, analysis: &Analysis, missing: &mut Vec<String>) -> Option<Vec<u8>> {
    annotated_image_for(json, analysis)
        .map_err(|why| missing.push(format!("{}: photo not found: {why}", json.display())))
        .ok()
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
