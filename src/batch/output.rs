//! The output folder (`--out`): each photo's files under its unique base
//! name, written through the per-photo sinks of `sagitta::report::files`,
//! the JSON last, so that `--resume` can tell a complete result.

use std::path::{Path, PathBuf};

use sagitta::error::{FileError, FileErrorKind};
use sagitta::report::files::PhotoFile;
use sagitta::schema::Analysis;

use super::inputs::{Item, RESULT_ENDINGS, identity};

/// The files one image's result consists of, in the output folder.
pub struct OutputFiles {
    json: PathBuf,
    annotated: PathBuf,
    report: PathBuf,
}

impl OutputFiles {
    pub fn new(dir: &Path, item: &Item) -> Self {
        let png = item
            .path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("png"));
        let name = &item.output_name;
        let [json, annotated_jpeg, annotated_png, report] = RESULT_ENDINGS;
        let annotated = if png { annotated_png } else { annotated_jpeg };
        Self {
            json: dir.join(format!("{name}{json}")),
            annotated: dir.join(format!("{name}{annotated}")),
            report: dir.join(format!("{name}{report}")),
        }
    }

    /// A complete earlier result: every file there, the JSON readable and for
    /// this photo (the same file, however its folder was spelled).
    pub fn complete(&self, item: &Item, report: bool) -> bool {
        let json_ok = sagitta::input::read_bounded(&self.json, sagitta::input::MAX_DOCUMENT_BYTES)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Analysis>(&bytes).ok())
            .is_some_and(|a| {
                a.image
                    .photo_path()
                    .is_ok_and(|p| same_photo(&p, &item.path))
            });
        let is_file = |path: &Path| std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
        json_ok && is_file(&self.annotated) && (!report || is_file(&self.report))
    }
}

/// Whether a path recorded in a result and a listed path name the same photo.
fn same_photo(recorded: &Path, listed: &Path) -> bool {
    recorded == listed || identity(recorded) == identity(listed)
}

/// Writes one photo's files into `dir`: the annotated image, the printable
/// page with `report`, then the JSON document.
pub fn write_outputs(
    dir: &Path,
    item: &Item,
    photo: image::RgbImage,
    analysis: &Analysis,
    report: bool,
) -> Result<(), FileError> {
    let files = OutputFiles::new(dir, item);
    let mut sinks = vec![PhotoFile::AnnotatedImage(files.annotated)];
    if report {
        sinks.push(PhotoFile::Report(files.report));
    }
    // The JSON goes last: its presence marks the result complete for --resume.
    sinks.push(PhotoFile::Document(files.json));
    PhotoFile::write_all(&sinks, photo, analysis).map_err(|(path, error)| {
        FileError::new(
            &item.path,
            FileErrorKind::Output,
            format!("cannot write {}: {error}", path.display()),
        )
    })
}
