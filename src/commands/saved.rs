//! The commands that work from a saved analysis and run no model:
//! `routine` plans its routine again, `measure` measures it again from its
//! (corrected) keypoints.

use std::io::{self, Write};
use std::path::PathBuf;

use sagitta::error::{EXIT_FILE_FAILED, EXIT_OK, Error, SetupError};
use sagitta::report::files::PhotoFile;
use sagitta::report::{self, Format};
use sagitta::schema::Analysis;
use sagitta::{PlanOptions, Remeasure, plan_routine};

use super::{DocumentFormat, detail, output_error, print_json, print_one};

/// `routine`, checked: the saved analysis read.
#[derive(Debug)]
pub struct RoutineOptions {
    pub analysis: Analysis,
    pub plan: PlanOptions,
    pub format: DocumentFormat,
    /// Text: every exercise with its position, steps, cautions and rule ids.
    pub verbose: bool,
}

/// Re-plans a saved analysis: the findings are derived again from its
/// protocol and measurements (so replacement rules take effect), then planned.
pub fn routine(options: RoutineOptions) -> Result<u8, Error> {
    let RoutineOptions {
        mut analysis,
        plan,
        format,
        verbose,
    } = options;
    plan_routine(&plan.recommender()?, &plan, &mut analysis);
    let mut out = io::stdout().lock();
    let Some(routine) = analysis.routine.as_ref() else {
        // Not assessed and no general routine asked for: say why, as `analyze` does.
        match format {
            DocumentFormat::Json => print_json(&analysis.assessment, &mut out)?,
            DocumentFormat::Text => {
                report::write_no_routine(&analysis, &mut out).map_err(output_error)?;
                writeln!(out).map_err(output_error)?;
            }
        }
        return Ok(EXIT_OK);
    };
    match format {
        DocumentFormat::Json => print_json(routine, &mut out)?,
        DocumentFormat::Text => {
            report::write_routine_section(routine, verbose, &mut out).map_err(output_error)?;
            writeln!(out).map_err(output_error)?;
        }
    }
    Ok(EXIT_OK)
}

/// `measure`, checked: the saved analysis read, the keypoints each moved
/// once, the annotated image's target safe to write.
#[derive(Debug)]
pub struct MeasureOptions {
    pub saved: Analysis,
    /// Where the saved analysis was read from, for messages.
    pub from: PathBuf,
    /// The photo: `--photo`, else the path the document names.
    pub photo: PathBuf,
    pub change: Remeasure,
    pub plan: PlanOptions,
    pub format: Format,
    pub verbose: bool,
    /// `--annotate FILE`: the annotated photo, corrected points marked.
    pub annotate: Option<PathBuf>,
}

/// Measures a saved analysis again from its keypoints, with the keypoints
/// `--set` moves, and prints it like `analyze` (no model is run).
pub fn measure(options: MeasureOptions) -> Result<u8, Error> {
    let usage = |message: String| Error::Setup(SetupError::Usage(message));
    let MeasureOptions {
        saved,
        from,
        photo: photo_path,
        change,
        plan,
        format,
        verbose,
        annotate,
    } = options;
    let analysis = sagitta::remeasure(&saved, &change, &plan.recommender()?, &plan)
        .map_err(|problem| usage(format!("{}: {problem}", from.display())))?;
    if let Some(target) = &annotate {
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
    print_one(format, detail(verbose), &analysis)
}
