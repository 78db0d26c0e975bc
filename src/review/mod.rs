//! `sagitta review`: a local web page over photos and saved analyses, where
//! a clinician looks at the overlay, drags misplaced keypoints, clicks the
//! palpated ASIS and PSIS, fills in the record and saves.
//!
//! The page is a thin view over the library calls the command line makes:
//! [`crate::Analyzer`] for a photo, [`crate::remeasure`] for a dragged
//! point or placed landmarks (no model run), [`crate::plan_routine`] for a
//! changed screening, and [`crate::report::files::PhotoFile`] to save. The
//! server renders every number and text (escaped) and the overlay as SVG
//! from the same [`crate::report::overlay::Scene`] the annotated image is
//! painted from; the page's script only moves handles and sends the edit.
//!
//! Security (docs/security.md): loopback only, a session token exchanged
//! for an HttpOnly SameSite=Strict cookie, the `Host` header checked
//! against DNS rebinding, same-origin JSON for every change, ids instead of
//! paths, and bounded bodies and edits.

mod edit;
mod http;
mod view;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::SetupError;
use crate::recommend::Recommender;
use crate::report::files::PhotoFile;
use crate::schema::Analysis;
use crate::{Analyzer, AnalyzerOptions};

pub use edit::Edit;

/// Writes what must follow a save in the output folder (the command line
/// makes the visits there, as `analyze --out` does).
pub type AfterSave = Box<dyn Fn(&Path) -> Result<(), String> + Send + Sync>;

/// What `sagitta review` serves.
pub struct ReviewOptions {
    /// Photos, folders of photos (not walked into) and saved analyses.
    pub inputs: Vec<PathBuf>,
    /// Where saves go: `<name>.json`, `<name>.annotated.jpg`, `<name>.report.html`.
    pub out: PathBuf,
    pub analyzer: AnalyzerOptions,
    /// The port on both loopback addresses; 0 takes a free one.
    pub port: u16,
    pub after_save: Option<AfterSave>,
}

/// `sagitta review`: starts the server, prints its address, opens the
/// browser when `open` (unless `--no-open`), and serves until Ctrl-C.
pub fn run(options: ReviewOptions, open: bool) -> Result<u8, crate::error::Error> {
    let server = Server::start(options)?;
    let url = server.url();
    println!("sagitta review: open {url}");
    println!("sagitta review: serving until Ctrl-C");
    if open && let Err(e) = open_browser(&url) {
        eprintln!("sagitta review: no browser opened ({e}); open the address above");
    }
    server.wait();
    Ok(crate::error::EXIT_OK)
}

/// Where one queued item comes from.
#[derive(Debug, Clone)]
enum Source {
    Photo(PathBuf),
    /// A saved analysis; its photo is found as `measure --from` finds it.
    Saved(PathBuf),
}

/// A photo in the queue, known to the page by its `id` only.
struct Item {
    id: String,
    source: Source,
    /// The base name of its result files in `--out`.
    name: String,
    /// The annotated image's extension: `png` for a PNG photo, as `analyze --out`.
    image_extension: &'static str,
    opened: Mutex<Option<Arc<Opened>>>,
}

/// An item as opened: the analysis the page starts from and the upright photo.
struct Opened {
    base: Analysis,
    photo: Arc<image::RgbImage>,
    /// The upright photo as JPEG for the page (EXIF orientation applied, so
    /// a click's pixel is the analysis's pixel).
    jpeg: Arc<Vec<u8>>,
    /// The lens's focal length from the photo's EXIF: what a pitch typed on
    /// the page is levelled with unless the clinician gives another.
    exif_focal_length_35mm_mm: Option<f64>,
    /// Where the base came from: a saved analysis, shown as it was saved.
    from_saved: bool,
}

/// Everything the request handlers share.
struct State {
    items: Vec<Item>,
    out: PathBuf,
    token: String,
    port: u16,
    analyzer_options: AnalyzerOptions,
    analyzer: Mutex<Option<Analyzer>>,
    recommender: Recommender,
    /// Held while saving: two tabs saving never interleave their files.
    save_lock: Mutex<()>,
    after_save: Option<AfterSave>,
}

/// A running review server on 127.0.0.1 and ::1.
pub struct Server {
    state: Arc<State>,
    listeners: Vec<Arc<tiny_http::Server>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

/// Photo file endings a folder contributes.
const PHOTO_EXTENSIONS: [&str; 3] = ["jpg", "jpeg", "png"];
/// Most photos one review serves: a day's clinic, not an archive.
const MAX_ITEMS: usize = 2000;

impl Server {
    /// Lists the inputs, binds the loopback addresses and starts serving.
    pub fn start(options: ReviewOptions) -> Result<Server, SetupError> {
        let usage = SetupError::Usage;
        let items = queue(&options.inputs).map_err(usage)?;
        if items.is_empty() {
            return Err(usage(
                "review: no photo or saved analysis among the inputs (folders give their .jpg, .jpeg and .png photos)".into(),
            ));
        }
        std::fs::create_dir_all(&options.out).map_err(|e| {
            usage(format!(
                "review: cannot make the output folder {}: {e}",
                options.out.display()
            ))
        })?;
        let recommender = options.analyzer.plan.recommender()?;
        let v4 = tiny_http::Server::http(("127.0.0.1", options.port)).map_err(|e| {
            usage(format!(
                "review: cannot listen on 127.0.0.1:{}: {e}",
                options.port
            ))
        })?;
        let port = v4
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .ok_or_else(|| usage("review: the server has no port".into()))?;
        let mut listeners = vec![Arc::new(v4)];
        // IPv6 loopback where the machine has it; 127.0.0.1 alone serves otherwise.
        if let Ok(v6) = tiny_http::Server::http(("::1", port)) {
            listeners.push(Arc::new(v6));
        }
        let state = Arc::new(State {
            items,
            out: options.out,
            token: new_token()?,
            port,
            analyzer_options: options.analyzer,
            analyzer: Mutex::new(None),
            recommender,
            save_lock: Mutex::new(()),
            after_save: options.after_save,
        });
        let mut threads = Vec::new();
        for listener in &listeners {
            // Two workers per address: a model run on one photo leaves the
            // page's other requests served.
            for _ in 0..2 {
                let (listener, state) = (listener.clone(), state.clone());
                threads.push(std::thread::spawn(move || {
                    for request in listener.incoming_requests() {
                        http::handle(&state, request);
                    }
                }));
            }
        }
        Ok(Server {
            state,
            listeners,
            threads,
        })
    }

    pub fn port(&self) -> u16 {
        self.state.port
    }

    /// The address to open, with the session token.
    pub fn url(&self) -> String {
        format!(
            "http://127.0.0.1:{}/?token={}",
            self.state.port, self.state.token
        )
    }

    /// Serves until the process ends (Ctrl-C).
    pub fn wait(self) {
        for thread in self.threads {
            let _ = thread.join();
        }
    }

    /// Stops listening and waits for the workers.
    pub fn stop(self) {
        for listener in &self.listeners {
            listener.unblock();
            listener.unblock();
        }
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}

/// Opens `url` in the default browser, where the desktop has one.
fn open_browser(url: &str) -> Result<(), NoBrowser> {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(program)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|_| ())
        .map_err(|source| NoBrowser { program, source })
}

/// The desktop's opener could not be started (none installed, as on a
/// server): the address is printed for the user to open.
#[derive(Debug, thiserror::Error)]
#[error("{program}: {source}")]
struct NoBrowser {
    program: &'static str,
    #[source]
    source: std::io::Error,
}

/// 32 random bytes in hex, from the operating system.
fn new_token() -> Result<String, SetupError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        SetupError::Usage(format!(
            "review: no random numbers for the session token: {e}"
        ))
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The queue: each input photo, each photo of each input folder (sorted by
/// name), each saved analysis; a path named twice is listed once.
fn queue(inputs: &[PathBuf]) -> Result<Vec<Item>, String> {
    let mut sources = Vec::new();
    for input in inputs {
        let metadata =
            std::fs::metadata(input).map_err(|e| format!("review: {}: {e}", input.display()))?;
        if metadata.is_dir() {
            let mut photos: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| format!("review: {}: {e}", input.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| is_photo(path) && path.is_file())
                .collect();
            photos.sort();
            sources.extend(photos.into_iter().map(Source::Photo));
        } else if has_extension(input, &["json"]) {
            sources.push(Source::Saved(input.clone()));
        } else {
            sources.push(Source::Photo(input.clone()));
        }
    }
    if sources.len() > MAX_ITEMS {
        return Err(format!(
            "review: {} photos, over the {MAX_ITEMS} one review serves",
            sources.len()
        ));
    }
    let mut seen = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut items = Vec::new();
    for source in sources {
        let path = match &source {
            Source::Photo(p) | Source::Saved(p) => p.clone(),
        };
        if !seen.insert(std::fs::canonicalize(&path).unwrap_or(path.clone())) {
            continue;
        }
        let stem = crate::report::files::stem_name(&path);
        // Two photos of one name from two folders get their place in the queue added.
        let name = if names.contains(&stem) {
            format!("{stem}-{}", items.len() + 1)
        } else {
            stem
        };
        names.insert(name.clone());
        let photo_is_png = match &source {
            Source::Photo(p) => has_extension(p, &["png"]),
            Source::Saved(_) => false,
        };
        items.push(Item {
            id: format!("p{}", items.len() + 1),
            source,
            name,
            image_extension: if photo_is_png { "png" } else { "jpg" },
            opened: Mutex::new(None),
        });
    }
    Ok(items)
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

fn is_photo(path: &Path) -> bool {
    has_extension(path, &PHOTO_EXTENSIONS)
        && !path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.') || n.contains(".annotated."))
}

impl Item {
    fn files(&self, out: &Path) -> [PathBuf; 3] {
        [
            out.join(format!("{}.annotated.{}", self.name, self.image_extension)),
            out.join(format!("{}.report.html", self.name)),
            out.join(format!("{}.json", self.name)),
        ]
    }

    /// Whether this item's result is saved in the output folder.
    fn is_saved(&self, out: &Path) -> bool {
        self.files(out).iter().all(|p| p.is_file())
    }

    fn label(&self) -> String {
        match &self.source {
            Source::Photo(p) | Source::Saved(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }
}

impl State {
    fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|item| item.id == id)
    }

    /// The item opened: its saved result in `--out` where there is one (as it
    /// was saved), else the saved analysis it is, else the photo analysed.
    fn open(&self, item: &Item) -> Result<Arc<Opened>, String> {
        let mut slot = item.opened.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(opened) = &*slot {
            return Ok(opened.clone());
        }
        let saved_here = self.out.join(format!("{}.json", item.name));
        let opened = match &item.source {
            Source::Saved(json) => open_saved(json)?,
            Source::Photo(photo) if saved_here.is_file() => {
                let saved = crate::read_analysis(&saved_here).map_err(|e| e.to_string())?;
                let same = saved.image.photo_path().is_ok_and(|p| {
                    std::fs::canonicalize(&p).ok() == std::fs::canonicalize(photo).ok()
                });
                if same {
                    with_photo(saved, photo, true)?
                } else {
                    self.analyze(photo)?
                }
            }
            Source::Photo(photo) => self.analyze(photo)?,
        };
        let opened = Arc::new(opened);
        *slot = Some(opened.clone());
        Ok(opened)
    }

    fn analyze(&self, photo: &Path) -> Result<Opened, String> {
        let mut analyzer = self.analyzer.lock().unwrap_or_else(|e| e.into_inner());
        if analyzer.is_none() {
            *analyzer = Some(Analyzer::new(&self.analyzer_options).map_err(|e| e.to_string())?);
        }
        let outcome = analyzer
            .as_mut()
            .expect("made above")
            .analyze_timed(photo)
            .map_err(|e| e.to_string())?;
        let jpeg = page_jpeg(&outcome.photo)?;
        Ok(Opened {
            base: outcome.analysis,
            photo: Arc::new(outcome.photo),
            jpeg: Arc::new(jpeg),
            exif_focal_length_35mm_mm: outcome.exif_focal_length_35mm_mm,
            from_saved: false,
        })
    }
}

/// A saved analysis with its photo: as recorded, relative to the analysis,
/// or beside it.
fn open_saved(json: &Path) -> Result<Opened, String> {
    let saved = crate::read_analysis(json).map_err(|e| e.to_string())?;
    let folder = json.parent().unwrap_or(Path::new(""));
    let recorded = saved.image.photo_path().map_err(|e| e.to_string())?;
    let mut candidates = vec![recorded.clone()];
    if recorded.is_relative() {
        candidates.push(folder.join(&recorded));
    }
    if let Some(name) = recorded.file_name() {
        candidates.push(folder.join(name));
    }
    let photo = candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| {
            format!(
                "{}: its photo is not at {}",
                json.display(),
                candidates
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
    with_photo(saved, &photo, true)
}

fn with_photo(saved: Analysis, photo_path: &Path, from_saved: bool) -> Result<Opened, String> {
    let photo =
        crate::image_io::load(photo_path, &Default::default()).map_err(|e| e.to_string())?;
    let size = (photo.image.width(), photo.image.height());
    if size != (saved.image.width, saved.image.height) {
        return Err(format!(
            "{} is {}x{} px, not the {}x{} px photo the analysis measured",
            photo_path.display(),
            size.0,
            size.1,
            saved.image.width,
            saved.image.height
        ));
    }
    let jpeg = page_jpeg(&photo.image)?;
    Ok(Opened {
        base: saved,
        photo: Arc::new(photo.image),
        jpeg: Arc::new(jpeg),
        exif_focal_length_35mm_mm: photo.focal_length_35mm_mm,
        from_saved,
    })
}

fn page_jpeg(photo: &image::RgbImage) -> Result<Vec<u8>, String> {
    crate::report::files::encode_image(photo, Path::new("page.jpg"))
        .map_err(|e| format!("the photo could not be encoded for the page: {e}"))
}

/// Writes the three files of `analysis` into `--out` as `analyze --out
/// --report` does (annotated image, page, then the document, each
/// atomically), one save at a time, then what follows a save (the visit).
fn save(
    state: &State,
    item: &Item,
    opened: &Opened,
    analysis: &Analysis,
) -> Result<Vec<String>, String> {
    let _one_at_a_time = state.save_lock.lock().unwrap_or_else(|e| e.into_inner());
    let [annotated, report, json] = item.files(&state.out);
    let sinks = [
        PhotoFile::AnnotatedImage(annotated),
        PhotoFile::Report(report),
        PhotoFile::Document(json),
    ];
    PhotoFile::write_all(&sinks, (*opened.photo).clone(), analysis)
        .map_err(|(path, error)| format!("cannot write {}: {error}", path.display()))?;
    // Opened again, the item shows what was saved.
    *item.opened.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(Opened {
        base: analysis.clone(),
        photo: opened.photo.clone(),
        jpeg: opened.jpeg.clone(),
        exif_focal_length_35mm_mm: opened.exif_focal_length_35mm_mm,
        from_saved: true,
    }));
    if let Some(after) = &state.after_save {
        after(&state.out)?;
    }
    Ok(sinks
        .iter()
        .filter_map(|s| {
            s.path()
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .collect())
}
