//! The files written per photo, beside the stdout exporters: the annotated
//! image, the printable page and the JSON document. The one-photo path
//! (`--annotate`) and the batch output folder (`--out`) write through the
//! same sinks, and every file is written atomically (a temporary file in the
//! target's folder, then a rename), so an interrupted run never leaves a
//! half-written result.

use std::io::Write;
use std::path::{Path, PathBuf};

use image::RgbImage;

use crate::schema::Analysis;

/// Whether `c` may stand in a result's base name.
pub fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// A file-system-safe base name for a photo's results: letters, digits,
/// `-`, `_`, `.`; no leading dot. The batch (`--out`) and the review server
/// name result files with it.
pub fn sanitize(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if is_name_char(c) { c } else { '_' })
        .collect();
    let cleaned = cleaned.trim_start_matches('.');
    // Bytes, not characters: with `-<hash>`, `.annotated.jpg` and `.tmp-<pid>`
    // added, it must stay within the 255 bytes a file name may have.
    let cleaned = &cleaned[..cleaned.floor_char_boundary(120)];
    if cleaned.is_empty() {
        "image".to_string()
    } else {
        cleaned.to_string()
    }
}

/// The base name of a photo's results: its file stem, [`sanitize`]d.
pub fn stem_name(path: &Path) -> String {
    sanitize(
        &path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    )
}

/// One file of a photo's result.
#[derive(Debug, Clone)]
pub enum PhotoFile {
    /// The photo with the analysis drawn on it (`.jpg` or `.png` by its name).
    AnnotatedImage(PathBuf),
    /// The printable page, with the annotated photo embedded as a JPEG.
    Report(PathBuf),
    /// The analysis document, pretty-printed JSON.
    Document(PathBuf),
}

/// The annotated photo of one analysis: drawn at most once, and encoded as
/// JPEG at most once for the files that need it.
struct Drawing {
    photo: Option<RgbImage>,
    annotated: Option<RgbImage>,
    jpeg: Option<Vec<u8>>,
}

impl Drawing {
    fn annotated(&mut self, analysis: &Analysis) -> &RgbImage {
        if self.annotated.is_none() {
            let photo = self.photo.take().unwrap_or_default();
            self.annotated = Some(super::overlay::annotate(photo, analysis));
        }
        self.annotated.as_ref().expect("drawn above")
    }

    /// The annotated photo encoded for `path`; a JPEG is kept for the page.
    fn encoded(&mut self, analysis: &Analysis, path: &Path) -> Result<Vec<u8>, String> {
        let jpeg = image::ImageFormat::from_path(path)
            .map_or(true, |format| format == image::ImageFormat::Jpeg);
        if jpeg && let Some(bytes) = &self.jpeg {
            return Ok(bytes.clone());
        }
        let bytes = encode_image(self.annotated(analysis), path).map_err(|e| e.to_string())?;
        if jpeg {
            self.jpeg = Some(bytes.clone());
        }
        Ok(bytes)
    }
}

impl PhotoFile {
    pub fn path(&self) -> &Path {
        match self {
            PhotoFile::AnnotatedImage(path)
            | PhotoFile::Report(path)
            | PhotoFile::Document(path) => path,
        }
    }

    /// Writes `files` in order for one analysed `photo`; the first failure
    /// stops the rest and names its file.
    pub fn write_all(
        files: &[PhotoFile],
        photo: RgbImage,
        analysis: &Analysis,
    ) -> Result<(), (PathBuf, String)> {
        let mut drawing = Drawing {
            photo: Some(photo),
            annotated: None,
            jpeg: None,
        };
        for file in files {
            file.write(&mut drawing, analysis)
                .map_err(|error| (file.path().to_path_buf(), error))?;
        }
        Ok(())
    }

    fn write(&self, drawing: &mut Drawing, analysis: &Analysis) -> Result<(), String> {
        let bytes = match self {
            PhotoFile::AnnotatedImage(path) => drawing.encoded(analysis, path)?,
            PhotoFile::Report(_) => {
                let jpeg = drawing.encoded(analysis, Path::new("report.jpg"))?;
                super::html::render(analysis, &jpeg).into_bytes()
            }
            PhotoFile::Document(_) => {
                serde_json::to_vec_pretty(analysis).map_err(|e| e.to_string())?
            }
        };
        write_atomically(self.path(), &bytes).map_err(|e| e.to_string())
    }
}

/// Marks the name of a temporary file: `.<name>.tmp-<random>`.
const TEMP_MARK: &str = ".tmp-";

/// Random characters ending a temporary file's name; `tempfile` draws them
/// from the ASCII letters and digits.
const TEMP_RANDOM_CHARS: usize = 12;

/// The name of the file that a temporary file named `name` was to become,
/// if [`write_atomically`] could have made that name: `.<target>.tmp-` and
/// [`TEMP_RANDOM_CHARS`] ASCII letters or digits. `None` for any other name.
pub fn temporary_target(name: &str) -> Option<&str> {
    let (target, random) = name.strip_prefix('.')?.rsplit_once(TEMP_MARK)?;
    let random_part =
        random.len() == TEMP_RANDOM_CHARS && random.bytes().all(|b| b.is_ascii_alphanumeric());
    (random_part && !target.is_empty()).then_some(target)
}

/// Writes `bytes` to `path` through a temporary file and a rename, so an
/// interrupted run never leaves a half-written result.
///
/// The temporary file is created in the target's folder with an
/// unpredictable name and `O_CREAT | O_EXCL`, so a link planted where it
/// will be cannot redirect the write; the rename replaces whatever entry
/// `path` was (a link included) without following it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut file = tempfile::Builder::new()
        .prefix(&format!(".{name}{TEMP_MARK}"))
        .rand_bytes(TEMP_RANDOM_CHARS)
        // As a plain create would, less the umask.
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    // On failure the temporary file is removed when dropped.
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Temporary files older than this are left over from a run that was
/// killed: a live one exists for the milliseconds a write takes.
const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Removes temporary files that killed runs left in the output folder:
/// regular files (not links) whose name [`write_atomically`] could have
/// made for a file that `is_ours` (a name sagitta writes there), older than
/// `STALE_TEMP_AGE` (so that another run writing into the same folder
/// keeps its own). Any other file is left alone, whatever its name looks
/// like. Returns how many were removed.
pub fn remove_stale_temporaries(dir: &Path, is_ours: impl Fn(&str) -> bool) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        // sagitta's names are UTF-8: the base names are made from letters and digits.
        let Some(target) = name.to_str().and_then(temporary_target) else {
            continue;
        };
        if !is_ours(target) {
            continue;
        }
        let stale = entry.metadata().is_ok_and(|m| {
            m.file_type().is_file()
                && m.modified()
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > STALE_TEMP_AGE)
        });
        if stale && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Encodes an image in the format its file name asks for (JPEG at quality
/// 90 where the name says nothing else).
pub fn encode_image(image: &image::RgbImage, path: &Path) -> Result<Vec<u8>, image::ImageError> {
    let format = image::ImageFormat::from_path(path).unwrap_or(image::ImageFormat::Jpeg);
    let mut bytes = Vec::new();
    let mut cursor = std::io::Cursor::new(&mut bytes);
    match format {
        image::ImageFormat::Jpeg => {
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut cursor, 90)
                .encode_image(image)?
        }
        other => image.write_to(&mut cursor, other)?,
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Before: the temporary file was `.<name>.tmp-<pid>`, created with a plain
    /// create that followed a link planted there, so the write went outside.
    #[test]
    fn a_link_planted_at_the_temporary_name_is_not_followed() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let victim = root.path().join("victim.txt");
        std::fs::write(&victim, "original").unwrap();
        let pid = std::process::id();
        std::os::unix::fs::symlink(&victim, out.join(format!(".result.json.tmp-{pid}"))).unwrap();
        // A link at the final name is replaced, never written through.
        std::os::unix::fs::symlink(&victim, out.join("result.json")).unwrap();
        write_atomically(&out.join("result.json"), b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "original");
        let written = std::fs::symlink_metadata(out.join("result.json")).unwrap();
        assert!(written.file_type().is_file(), "{written:?}");
        assert_eq!(std::fs::read(out.join("result.json")).unwrap(), b"{}");
    }

    /// Before: stale `.tmp-PID` files of killed runs stayed for ever.
    #[test]
    fn stale_temporary_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let stale = out.join(".a.json.tmp-4242abcdXYZ0");
        let fresh = out.join(".b.json.tmp-4243abcdXYZ0");
        let not_ours = out.join(".a.txt.tmp-4242abcdXYZ0");
        for path in [&stale, &fresh, &not_ours] {
            std::fs::write(path, b"half").unwrap();
        }
        let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        for path in [&stale, &not_ours] {
            std::fs::File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(two_hours_ago)
                .unwrap();
        }
        assert_eq!(remove_stale_temporaries(&out, |t| t.ends_with(".json")), 1);
        assert!(!stale.exists());
        // A fresh one may be another run's write in progress.
        assert!(fresh.exists());
        assert!(not_ours.exists());
    }

    #[test]
    fn temporary_names_are_recognised_only_as_write_atomically_makes_them() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.report.html");
        // A temporary file of a real write, kept from being removed.
        let kept = tempfile::Builder::new()
            .prefix(&format!(".a.report.html{TEMP_MARK}"))
            .rand_bytes(TEMP_RANDOM_CHARS)
            .tempfile_in(dir.path())
            .unwrap();
        let name = kept.path().file_name().unwrap().to_str().unwrap();
        assert_eq!(temporary_target(name), Some("a.report.html"));
        write_atomically(&target, b"page").unwrap();
        assert_eq!(temporary_target(".a.json.tmp-AbCdEf012345"), Some("a.json"));
        for other in [
            ".x.tmp-abc",
            ".mydata.tmp-",
            ".foo.json.tmp-1234",
            ".a.json.tmp-AbCdEf01234!",
            ".a.json.tmp-AbCdEf0123456",
            ".tmp-AbCdEf012345",
            "a.json.tmp-AbCdEf012345",
            ".a.json.tmp-AbCdEf01234\u{e9}",
        ] {
            assert_eq!(temporary_target(other), None, "{other}");
        }
    }
}
