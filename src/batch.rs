//! Batch runs: expanding the inputs, parallel workers (one [`Analyzer`] and
//! its model sessions per worker), the progress bar, the output folder with
//! atomic writes and `--resume`, and `--shard`. One bad file gets its record
//! and never stops or loses the others.

use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::analysis::{Analysis, Summary};
use crate::error::{Error, FileError, FileErrorKind, SetupError};
use crate::report::Exporter;
use crate::{Analyzer, AnalyzerOptions};

/// File name endings a folder walk treats as photos (case-insensitive).
const IMAGE_EXTENSIONS: [&str; 9] = [
    "jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff", "jfif",
];

/// `--shard I/N`: this run takes the images whose path hashes to `I - 1` mod `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let parse = |v: &str| v.trim().parse::<usize>().ok();
        match text.split_once('/').map(|(i, n)| (parse(i), parse(n))) {
            Some((Some(index), Some(count))) if count >= 1 && (1..=count).contains(&index) => {
                Ok(Self { index, count })
            }
            _ => Err(format!("expected I/N with 1 <= I <= N, got {text:?}")),
        }
    }
}

impl Shard {
    /// Whether `path` belongs to this shard. The hash of the path as listed is
    /// stable across machines and runs, so N jobs split an archive the same way.
    pub fn takes(&self, path: &Path) -> bool {
        let digest = crate::pose::models::sha256_hex(path.to_string_lossy().as_bytes());
        let value = u64::from_str_radix(&digest[..16], 16).unwrap_or(0);
        (value % self.count as u64) as usize == self.index - 1
    }
}

/// What to do besides printing.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// Parallel workers, each with its own model sessions.
    pub jobs: usize,
    pub recursive: bool,
    /// Folder for `<name>.json`, `<name>.annotated.jpg|png` and `<name>.report.html`.
    pub out: Option<PathBuf>,
    pub report: bool,
    pub resume: bool,
    pub shard: Option<Shard>,
    pub quiet: bool,
}

/// One photo to analyse.
#[derive(Debug, Clone)]
pub struct Item {
    pub path: PathBuf,
    /// Base name of its files in the output folder.
    pub output_name: String,
    /// A problem found while listing it (e.g. a pattern that matched nothing).
    pub listing_error: Option<FileError>,
}

/// The inputs, expanded.
#[derive(Debug, Default)]
pub struct Inputs {
    pub items: Vec<Item>,
    pub skipped_not_image: usize,
}

fn has_image_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Expands files, folders (`recursive`: with subfolders) and glob patterns.
/// A file named on the command line always gets a record; in a folder walk,
/// files without an image name are counted and skipped.
pub fn expand(args: &[PathBuf], recursive: bool) -> Inputs {
    let mut inputs = Inputs::default();
    let mut listed: Vec<(PathBuf, String, Option<FileError>)> = Vec::new();
    for arg in args {
        let text = arg.to_string_lossy();
        let is_pattern = !arg.exists() && text.contains(['*', '?', '[']);
        if is_pattern {
            let matches: Vec<PathBuf> = glob::glob(&text)
                .map(|paths| paths.flatten().collect())
                .unwrap_or_default();
            if matches.is_empty() {
                let error = FileError::new(arg, FileErrorKind::Io, "no file matches this pattern");
                listed.push((arg.clone(), stem_name(arg), Some(error)));
            }
            for path in matches {
                let name = stem_name(&path);
                listed.push((path, name, None));
            }
        } else if arg.is_dir() {
            walk(
                arg,
                arg,
                recursive,
                &mut listed,
                &mut inputs.skipped_not_image,
            );
        } else {
            listed.push((arg.clone(), stem_name(arg), None));
        }
    }
    // Same-named photos from different folders must not overwrite each other.
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (_, name, _) in &listed {
        *counts.entry(name.clone()).or_default() += 1;
    }
    inputs.items = listed
        .into_iter()
        .map(|(path, name, listing_error)| {
            let output_name = if counts[&name] > 1 {
                let digest = crate::pose::models::sha256_hex(path.to_string_lossy().as_bytes());
                format!("{name}-{}", &digest[..8])
            } else {
                name
            };
            Item {
                path,
                output_name,
                listing_error,
            }
        })
        .collect();
    inputs
}

fn walk(
    root: &Path,
    dir: &Path,
    recursive: bool,
    out: &mut Vec<(PathBuf, String, Option<FileError>)>,
    skipped: &mut usize,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            let error = FileError::new(
                dir,
                FileErrorKind::Io,
                format!("cannot list the folder: {error}"),
            );
            out.push((dir.to_path_buf(), stem_name(dir), Some(error)));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    // Sorted, so that runs and shards list the same order everywhere.
    paths.sort();
    for path in paths {
        // `symlink_metadata` so a broken link is still listed (and reported).
        let is_dir = std::fs::metadata(&path)
            .map(|m| m.is_dir())
            .unwrap_or(false);
        if is_dir && recursive {
            walk(root, &path, recursive, out, skipped);
        } else if has_image_name(&path) {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            out.push((path.clone(), relative_name(relative), None));
        } else if !is_dir {
            *skipped += 1;
        }
    }
}

/// A file-system-safe base name: letters, digits, `-`, `_`, `.`; no leading dot.
fn sanitize(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
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

fn stem_name(path: &Path) -> String {
    sanitize(
        &path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    )
}

/// `a/b/photo.jpg` under the walked folder becomes `a__b__photo`.
fn relative_name(relative: &Path) -> String {
    let mut parts: Vec<String> = relative
        .parent()
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    parts.push(
        relative
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    sanitize(&parts.join("__"))
}

/// The files one image's result consists of, in the output folder.
struct OutputFiles {
    json: PathBuf,
    annotated: PathBuf,
    report: PathBuf,
}

impl OutputFiles {
    fn new(dir: &Path, item: &Item) -> Self {
        let png = item
            .path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("png"));
        let name = &item.output_name;
        Self {
            json: dir.join(format!("{name}.json")),
            annotated: dir.join(format!(
                "{name}.annotated.{}",
                if png { "png" } else { "jpg" }
            )),
            report: dir.join(format!("{name}.report.html")),
        }
    }

    /// A complete earlier result: every file there, the JSON readable and for this photo.
    fn complete(&self, item: &Item, report: bool) -> bool {
        let json_ok = std::fs::read(&self.json)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Analysis>(&bytes).ok())
            .is_some_and(|a| a.image.path == item.path.display().to_string());
        json_ok && self.annotated.is_file() && (!report || self.report.is_file())
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, so an
/// interrupted run never leaves a half-written result.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Encodes the annotated photo in the format its name asks for.
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

fn write_outputs(
    dir: &Path,
    item: &Item,
    photo: image::RgbImage,
    analysis: &Analysis,
    report: bool,
) -> Result<(), FileError> {
    let files = OutputFiles::new(dir, item);
    let fail = |what: &Path, e: &dyn std::fmt::Display| {
        FileError::new(
            &item.path,
            FileErrorKind::Output,
            format!("cannot write {}: {e}", what.display()),
        )
    };
    let annotated = crate::report::overlay::annotate(photo, analysis);
    let image_bytes =
        encode_image(&annotated, &files.annotated).map_err(|e| fail(&files.annotated, &e))?;
    // The JSON goes last: its presence marks the result complete for --resume.
    write_atomically(&files.annotated, &image_bytes).map_err(|e| fail(&files.annotated, &e))?;
    if report {
        let jpeg = if files.annotated.extension().is_some_and(|e| e == "jpg") {
            image_bytes
        } else {
            encode_image(&annotated, Path::new("report.jpg"))
                .map_err(|e| fail(&files.report, &e))?
        };
        let html = crate::report::html::render(analysis, &jpeg);
        write_atomically(&files.report, html.as_bytes()).map_err(|e| fail(&files.report, &e))?;
    }
    let json = serde_json::to_vec_pretty(analysis).map_err(|e| fail(&files.json, &e))?;
    write_atomically(&files.json, &json).map_err(|e| fail(&files.json, &e))
}

/// What a worker hands back for one item.
enum Record {
    Analysed(Box<Analysis>),
    Failed(FileError),
    Skipped,
}

enum Message {
    Done(usize, Record),
    Setup(SetupError),
}

/// Analyses every item with `options.jobs` workers and feeds the results to
/// `exporter` in input order. Errors of single files are records; a setup
/// error (models, runtime) stops the run.
pub fn run(
    analyzer: &AnalyzerOptions,
    options: &BatchOptions,
    inputs: Inputs,
    exporter: &mut dyn Exporter,
    print_errors: bool,
) -> Result<Summary, Error> {
    let started = Instant::now();
    let mut summary = Summary {
        skipped_not_image: inputs.skipped_not_image,
        shard: options.shard.map(|s| format!("{}/{}", s.index, s.count)),
        ..Summary::default()
    };
    let items: Vec<Item> = match options.shard {
        Some(shard) => {
            let (mine, others): (Vec<_>, Vec<_>) =
                inputs.items.into_iter().partition(|i| shard.takes(&i.path));
            summary.other_shards = others.len();
            mine
        }
        None => inputs.items,
    };
    // More workers than photos would only load more model sessions.
    summary.jobs = options.jobs.clamp(1, items.len().max(1));
    if let Some(dir) = &options.out {
        std::fs::create_dir_all(dir).map_err(|e| {
            SetupError::Usage(format!(
                "cannot create the output folder {}: {e}",
                dir.display()
            ))
        })?;
    }

    let progress = if options.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar =
            ProgressBar::with_draw_target(Some(items.len() as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{bar:30} {pos}/{len} photos  {per_sec}  ETA {eta}")
        {
            bar.set_style(style);
        }
        bar
    };

    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (sender, receiver) = mpsc::channel::<Message>();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(summary.jobs)
        .thread_name(|i| format!("sagitta-worker-{i}"))
        .build()
        .map_err(|e| SetupError::Usage(format!("cannot start {} workers: {e}", summary.jobs)))?;

    let mut setup_error = None;
    let mut output_error = None;
    std::thread::scope(|scope| {
        let items = &items;
        let (next, stop) = (&next, &stop);
        scope.spawn(move || {
            // One Analyzer per worker thread, built once and reused for every photo it takes.
            pool.broadcast(|_| {
                let sender = sender.clone();
                let mut analyzer = match Analyzer::new(analyzer) {
                    Ok(analyzer) => analyzer,
                    Err(error) => {
                        stop.store(true, Ordering::SeqCst);
                        let _ = sender.send(Message::Setup(error));
                        return;
                    }
                };
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    if index >= items.len() || stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let record = process(&mut analyzer, &items[index], options);
                    if sender.send(Message::Done(index, record)).is_err() {
                        break;
                    }
                }
            });
            drop(sender);
        });

        // Results arrive in any order; they are written in input order.
        let mut pending: BTreeMap<usize, Record> = BTreeMap::new();
        let mut written = 0usize;
        for message in receiver {
            match message {
                Message::Setup(error) => {
                    setup_error.get_or_insert(error);
                }
                Message::Done(index, record) => {
                    progress.inc(1);
                    pending.insert(index, record);
                    while let Some(record) = pending.remove(&written) {
                        written += 1;
                        if output_error.is_some() {
                            continue;
                        }
                        let result = match record {
                            Record::Analysed(analysis) => {
                                summary.analysed += 1;
                                exporter.analysis(&analysis)
                            }
                            Record::Failed(error) => {
                                summary.failed += 1;
                                if print_errors {
                                    progress.suspend(|| eprintln!("sagitta: {error}"));
                                }
                                exporter.error(&error)
                            }
                            Record::Skipped => {
                                summary.skipped_existing += 1;
                                Ok(())
                            }
                        };
                        if let Err(error) = result {
                            // A closed stdout (e.g. `| head`): stop the workers.
                            stop.store(true, Ordering::SeqCst);
                            output_error = Some(error);
                        }
                    }
                }
            }
        }
    });
    progress.finish_and_clear();
    if let Some(error) = setup_error {
        return Err(error.into());
    }
    if let Some(error) = output_error {
        return Err(Error::Output(error));
    }
    summary.files = summary.analysed + summary.failed;
    summary.elapsed_s = crate::measure::round(started.elapsed().as_secs_f64(), 3);
    summary.images_per_second = if summary.elapsed_s > 0.0 {
        crate::measure::round(summary.analysed as f64 / summary.elapsed_s, 2)
    } else {
        0.0
    };
    exporter.finish(&summary).map_err(Error::Output)?;
    Ok(summary)
}

fn process(analyzer: &mut Analyzer, item: &Item, options: &BatchOptions) -> Record {
    if let Some(error) = &item.listing_error {
        return Record::Failed(error.clone());
    }
    if let Some(dir) = &options.out
        && options.resume
        && OutputFiles::new(dir, item).complete(item, options.report)
    {
        return Record::Skipped;
    }
    let outcome = match analyzer.analyze_timed(&item.path) {
        Ok(outcome) => outcome,
        Err(error) => return Record::Failed(error),
    };
    if let Some(dir) = &options.out
        && let Err(error) =
            write_outputs(dir, item, outcome.photo, &outcome.analysis, options.report)
    {
        return Record::Failed(error);
    }
    Record::Analysed(Box::new(outcome.analysis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_parsing_and_partition() {
        assert_eq!(
            "2/3".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 3 }
        );
        for bad in ["0/3", "4/3", "1/0", "x/2", "3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let shards: Vec<Shard> = (1..=3).map(|i| Shard { index: i, count: 3 }).collect();
        for n in 0..200 {
            let path = PathBuf::from(format!("archive/{n}.jpg"));
            assert_eq!(shards.iter().filter(|s| s.takes(&path)).count(), 1);
        }
    }

    #[test]
    fn output_names_are_safe() {
        assert_eq!(sanitize("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(sanitize("..."), "image");
        assert_eq!(
            relative_name(Path::new("a/b c/photo 1.jpg")),
            "a__b_c__photo_1"
        );
        assert!(!sanitize("x/../../y").contains('/'));
        assert_eq!(sanitize(&"写".repeat(80)), "写".repeat(40));
    }
}
