//! The photos a batch takes: files, folders (with `-r`, their subfolders)
//! and glob patterns expanded, each photo listed once with a unique base
//! name for its output files, and `--shard`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sagitta::error::{FileError, FileErrorKind};
use sagitta::report::files::{is_name_char, sanitize, stem_name, temporary_target};
use sagitta::session::{Manifest, SessionInput};
use walkdir::WalkDir;

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
            _ => Err(format!(
                "expected I/N with 1 <= I <= N, got {:?}",
                sagitta::input::excerpt(text)
            )),
        }
    }
}

impl Shard {
    /// Whether `path` belongs to this shard. The hash of the path as listed is
    /// stable across machines and runs, so N jobs split an archive the same way.
    pub fn takes(&self, path: &Path) -> bool {
        let digest = sagitta::pose::models::sha256_hex(path.to_string_lossy().as_bytes());
        let value = u64::from_str_radix(&digest[..16], 16).unwrap_or(0);
        (value % self.count as u64) as usize == self.index - 1
    }
}

/// Gives each item its record: `given` for all, or with a manifest, its own
/// row (`given` then only fills a clinician the row leaves empty). A photo
/// without a row gets an error record instead of a guessed record, and so
/// does a row whose photo is not there. Returns how many rows name photos
/// that exist but were not among the inputs.
pub fn attach_sessions(
    inputs: &mut Inputs,
    manifest: Option<&Manifest>,
    given: &SessionInput,
) -> usize {
    let Some(manifest) = manifest else {
        for item in &mut inputs.items {
            item.session = given.clone();
        }
        return 0;
    };
    for item in inputs
        .items
        .iter_mut()
        .filter(|i| i.listing_error.is_none())
    {
        match manifest.session_for(&item.path) {
            Ok(mut session) => {
                session.clinician = session.clinician.or_else(|| given.clinician.clone());
                item.session = session;
            }
            Err(no_record) => {
                let kind = if item.path.exists() {
                    FileErrorKind::Manifest
                } else {
                    FileErrorKind::Io
                };
                item.listing_error = Some(FileError::new(&item.path, kind, no_record.to_string()));
            }
        }
    }
    let listed: HashSet<PathBuf> = inputs.items.iter().map(|i| i.path.clone()).collect();
    let real: HashSet<PathBuf> = inputs
        .items
        .iter()
        .filter_map(|i| std::fs::canonicalize(&i.path).ok())
        .collect();
    let mut not_given = 0;
    for row in &manifest.rows {
        match std::fs::canonicalize(&row.photo) {
            Ok(path) if !real.contains(&path) => not_given += 1,
            Ok(_) => {}
            Err(_) if listed.contains(&row.photo) => {}
            Err(error) => inputs.items.push(Item {
                output_name: format!("manifest-line-{}", row.line),
                listing_error: Some(FileError::new(
                    &row.photo,
                    FileErrorKind::Io,
                    format!(
                        "listed in the manifest {} (line {}), but the photo cannot be found: {error}",
                        manifest.path.display(),
                        row.line
                    ),
                )),
                path: row.photo.clone(),
                session: SessionInput::default(),
            }),
        }
    }
    not_given
}

/// One photo to analyse.
#[derive(Debug, Clone)]
pub struct Item {
    pub path: PathBuf,
    /// Base name of its files in the output folder.
    pub output_name: String,
    /// A problem found while listing it (e.g. a pattern that matched nothing).
    pub listing_error: Option<FileError>,
    /// Its clinical record (`--client`..., or its manifest row).
    pub session: SessionInput,
}

/// The inputs, expanded.
#[derive(Debug, Default)]
pub struct Inputs {
    pub items: Vec<Item>,
    pub skipped_not_image: usize,
    /// Paths listed again after their first place, and left out.
    pub listed_twice: usize,
}

fn has_image_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Deepest folder a walk enters, below the folder named on the command
/// line. Deeper folders are not walked; each gets an error record that names it.
pub const MAX_WALK_DEPTH: usize = 64;

/// One listed input: its path, the base name of its outputs, and a problem
/// found while listing it.
type Listed = (PathBuf, String, Option<FileError>);

/// A folder's identity on this machine, whatever path reaches it.
type FolderId = (u64, u64);

fn folder_id(metadata: &std::fs::Metadata) -> FolderId {
    use std::os::unix::fs::MetadataExt;
    (metadata.dev(), metadata.ino())
}

/// Expands files, folders (`recursive`: with subfolders) and glob patterns.
/// A file named on the command line always gets a record; in a folder walk,
/// files without an image name are counted and skipped. Wherever a walk
/// meets the output folder `out` (as the folder named, `--out wk wk`, or
/// inside it), it leaves out the files sagitta writes there (results and
/// their temporary files), so that they are not analysed as photos on the
/// next run; the photos there are analysed.
///
/// Folder walks follow links to folders, but enter each real folder (device
/// and inode) at most once per run, so a link back up the tree (`d/self -> .`)
/// cannot make a loop or list a photo twice; they go at most
/// [`MAX_WALK_DEPTH`] folders deep. A path listed more than once (the same
/// bytes, or the same file name in the same real folder spelled another way,
/// `./p/a.jpg` and `p/a.jpg`) is analysed once, at its first place.
pub fn expand(args: &[PathBuf], recursive: bool, out: Option<&Path>) -> Inputs {
    let mut inputs = Inputs::default();
    let mut listed: Vec<Listed> = Vec::new();
    let mut walker = Walker {
        recursive,
        visited: HashSet::new(),
        output_folder: out
            .and_then(|dir| std::fs::metadata(dir).ok())
            .filter(|m| m.is_dir())
            .map(|m| folder_id(&m)),
        out: &mut listed,
        skipped: &mut inputs.skipped_not_image,
    };
    for arg in args {
        let text = arg.to_string_lossy();
        let is_pattern = !arg.exists() && text.contains(['*', '?', '[']);
        if is_pattern {
            let matches: Vec<PathBuf> = glob::glob(&text)
                .map(|paths| paths.flatten().collect())
                .unwrap_or_default();
            if matches.is_empty() {
                let error = FileError::new(arg, FileErrorKind::Io, "no file matches this pattern");
                walker.out.push((arg.clone(), stem_name(arg), Some(error)));
            }
            for path in matches {
                let name = stem_name(&path);
                walker.out.push((path, name, None));
            }
        } else if arg.is_dir() {
            walker.walk(arg);
        } else {
            walker.out.push((arg.clone(), stem_name(arg), None));
        }
    }
    // The same photo listed twice: analysed once, where it first appears.
    let mut seen = HashSet::new();
    let before = listed.len();
    listed.retain(|(path, _, _)| seen.insert(identity(path)));
    inputs.listed_twice = before - listed.len();
    inputs.items = unique_names(listed);
    inputs
}

/// What tells two listed paths apart: the bytes of the real folder they lie
/// in (when it can be resolved) and of their file name. Never lossy, so
/// `p\xff.jpg` and `p\xfe.jpg` differ.
pub fn identity(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let folder = match path.parent() {
        Some(parent) if parent.as_os_str().is_empty() => Path::new("."),
        Some(parent) => parent,
        None => Path::new("/"),
    };
    match (std::fs::canonicalize(folder), path.file_name()) {
        (Ok(real), Some(name)) => {
            let mut key = real.into_os_string().into_vec();
            key.push(b'/');
            key.extend_from_slice(name.as_bytes());
            key
        }
        _ => path.as_os_str().as_bytes().to_vec(),
    }
}

/// Gives every item a base name no other item has: same-named photos get a
/// hash of their [`identity`]; what still collides (a hash collision, or a
/// photo literally named like another's hashed name) gets `-2`, `-3`... in
/// listing order.
fn unique_names(listed: Vec<Listed>) -> Vec<Item> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (_, name, _) in &listed {
        *counts.entry(name.to_lowercase()).or_default() += 1;
    }
    let mut taken: HashSet<String> = HashSet::new();
    let named: Vec<(PathBuf, String, Option<FileError>)> = listed
        .into_iter()
        .map(|(path, name, listing_error)| {
            let name = if counts[&name.to_lowercase()] > 1 {
                let digest = sagitta::pose::models::sha256_hex(&identity(&path));
                format!("{name}-{}", &digest[..8])
            } else {
                name
            };
            (path, name, listing_error)
        })
        .collect();
    named
        .into_iter()
        .map(|(path, name, listing_error)| {
            let mut output_name = name.clone();
            let mut n = 2;
            // Output names compare without case: the folder may be on a
            // case-insensitive file system (a Samba share, a USB disk).
            while !taken.insert(output_name.to_lowercase()) {
                output_name = format!("{name}-{n}");
                n += 1;
            }
            Item {
                path,
                output_name,
                listing_error,
                session: SessionInput::default(),
            }
        })
        .collect()
}

struct Walker<'a> {
    recursive: bool,
    /// Folders already walked, so that each is walked once.
    visited: HashSet<FolderId>,
    /// The output folder, where sagitta's own files are not listed.
    output_folder: Option<FolderId>,
    out: &'a mut Vec<Listed>,
    skipped: &'a mut usize,
}

impl Walker<'_> {
    fn fail(&mut self, dir: &Path, message: String) {
        let error = FileError::new(dir, FileErrorKind::Io, message);
        self.out
            .push((dir.to_path_buf(), stem_name(dir), Some(error)));
    }

    /// Lists the photos under `root` (a folder), in name order, depth first.
    /// `walkdir` follows the links and finds the loops among the folders
    /// it is in; the set of real folders walked also keeps a folder reached
    /// twice by other ways (two links, a bind mount, `wk wk`) to one walk.
    fn walk(&mut self, root: &Path) {
        let walk = WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .max_depth(if self.recursive { usize::MAX } else { 1 });
        let mut entries = walk.into_iter();
        // The folders being walked that are the output folder, and the one
        // just entered, whose listing may fail.
        let mut output_folders: HashSet<PathBuf> = HashSet::new();
        let mut entered: Option<PathBuf> = None;
        while let Some(next) = entries.next() {
            let entry = match next {
                Ok(entry) => entry,
                // A link back to a folder being walked: walked once already.
                Err(error) if error.loop_ancestor().is_some() => continue,
                Err(error) => {
                    let listing_failed = error.depth() == 0 || error.path() == entered.as_deref();
                    let path = error.path().unwrap_or(root).to_path_buf();
                    match error.into_io_error() {
                        Some(io) if listing_failed => {
                            self.fail(&path, format!("cannot list the folder: {io}"))
                        }
                        // An entry that cannot be looked at (a dangling
                        // link): a photo by its name, or skipped.
                        _ => self.list_file(root, &path),
                    }
                    continue;
                }
            };
            let path = entry.path();
            let in_output_folder = path.parent().is_some_and(|p| output_folders.contains(p));
            if entry.depth() > 0 && in_output_folder && is_own_file(path) {
                if entry.file_type().is_dir() {
                    entries.skip_current_dir();
                }
                continue;
            }
            if !entry.file_type().is_dir() {
                self.list_file(root, path);
                continue;
            }
            if entry.depth() > 0 && !self.recursive {
                // A folder in a folder walked without --recursive.
                if has_image_name(path) {
                    self.list_file(root, path);
                }
                continue;
            }
            if entry.depth() > MAX_WALK_DEPTH {
                self.fail(
                    path,
                    format!("folder nested more than {MAX_WALK_DEPTH} levels deep: not walked"),
                );
                entries.skip_current_dir();
                continue;
            }
            let id = match std::fs::metadata(path) {
                Ok(metadata) => folder_id(&metadata),
                Err(error) => {
                    self.fail(path, format!("cannot list the folder: {error}"));
                    entries.skip_current_dir();
                    continue;
                }
            };
            if !self.visited.insert(id) {
                entries.skip_current_dir();
                continue;
            }
            if Some(id) == self.output_folder {
                output_folders.insert(path.to_path_buf());
            }
            entered = Some(path.to_path_buf());
        }
    }

    /// A file met in a walk: a photo by its name, else counted as skipped.
    fn list_file(&mut self, root: &Path, path: &Path) {
        if has_image_name(path) {
            let relative = path.strip_prefix(root).unwrap_or(path);
            self.out
                .push((path.to_path_buf(), relative_name(relative), None));
        } else {
            *self.skipped += 1;
        }
    }
}

/// Whether a base name may hold `c`.
/// What follows a photo's base name in the names of its result files in the
/// output folder: the document, the annotated image (`.png` for a PNG
/// photo) and the printable page.
pub const RESULT_ENDINGS: [&str; 4] = [".json", ".annotated.jpg", ".annotated.png", ".report.html"];

/// Whether `name` is one sagitta gives a result file in the output folder:
/// a base name as [`sanitize`] makes them, then one of [`RESULT_ENDINGS`].
pub fn is_result_name(name: &str) -> bool {
    RESULT_ENDINGS.iter().any(|ending| {
        name.strip_suffix(ending).is_some_and(|base| {
            !base.is_empty() && !base.starts_with('.') && base.chars().all(is_name_char)
        })
    })
}

/// Whether the file at `path` (in the output folder) is one sagitta writes
/// there: a result or the temporary file of one.
fn is_own_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| is_result_name(temporary_target(name).unwrap_or(name)))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` on another thread; a call that does not return within a minute
    /// (a read that blocks on a FIFO) fails the test instead of hanging it.
    fn within_a_minute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = sender.send(f());
        });
        receiver
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the call blocked (a FIFO read?)")
    }

    fn expand_all(args: &[PathBuf], recursive: bool) -> Inputs {
        expand(args, recursive, None)
    }

    /// Before: the hash that tells same-named outputs apart was taken over the
    /// lossy UTF-8 form, so `p\xff.jpg` and `p\xfe.jpg` got one output name.
    #[test]
    fn output_names_differ_for_names_that_differ_only_in_non_utf8_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        for byte in 0xf0..=0xffu8 {
            let name = [b'p', byte, b'.', b'j', b'p', b'g'];
            std::fs::write(dir.path().join(std::ffi::OsStr::from_bytes(&name)), b"x").unwrap();
        }
        let inputs = expand_all(&[dir.path().to_path_buf()], false);
        assert_eq!(inputs.items.len(), 16);
        let names: std::collections::BTreeSet<&str> = inputs
            .items
            .iter()
            .map(|i| i.output_name.as_str())
            .collect();
        assert_eq!(names.len(), 16, "{names:?}");
    }

    /// Before: a photo listed twice was analysed twice, both writing the same
    /// output files at once.
    #[test]
    fn a_photo_listed_twice_is_analysed_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("p")).unwrap();
        let photo = dir.path().join("p/a.jpg");
        std::fs::write(&photo, b"x").unwrap();
        let other_spelling = dir.path().join("p/./a.jpg");
        let inputs = expand_all(&[photo.clone(), photo, other_spelling], false);
        assert_eq!(inputs.items.len(), 1, "{:?}", inputs.items);
    }

    /// Before: `d/self -> .` listed the photo 41 times (until the path was too
    /// long), and two such links never finished.
    #[test]
    fn folder_walks_enter_each_real_folder_once() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("d");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("a.jpg"), b"x").unwrap();
        std::os::unix::fs::symlink(".", d.join("self")).unwrap();
        let inputs = expand_all(std::slice::from_ref(&d), true);
        assert_eq!(inputs.items.len(), 1, "{:?}", inputs.items);
        std::os::unix::fs::symlink(".", d.join("self2")).unwrap();
        std::os::unix::fs::symlink("..", d.join("up")).unwrap();
        let walked = d.clone();
        let inputs = within_a_minute(move || expand_all(&[walked], true));
        assert_eq!(inputs.items.len(), 1, "{:?}", inputs.items);
    }

    /// A link to a sibling folder lists its photos once, in name order; a
    /// dangling link is a photo by its name (its analysis says what is
    /// wrong), or skipped; a folder is not walked without --recursive.
    #[test]
    fn folder_walks_follow_links_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("d");
        std::fs::create_dir_all(d.join("b")).unwrap();
        std::fs::write(d.join("b/2.jpg"), b"x").unwrap();
        std::fs::write(d.join("c.jpg"), b"x").unwrap();
        std::fs::write(d.join("notes.txt"), b"x").unwrap();
        std::os::unix::fs::symlink("b", d.join("a")).unwrap();
        std::os::unix::fs::symlink("gone.jpg", d.join("ghost.jpg")).unwrap();
        std::os::unix::fs::symlink("gone.txt", d.join("ghost.txt")).unwrap();
        let inputs = expand_all(std::slice::from_ref(&d), true);
        let names: Vec<&str> = inputs
            .items
            .iter()
            .map(|i| i.output_name.as_str())
            .collect();
        assert_eq!(names, ["a__2", "c", "ghost"]);
        assert_eq!(inputs.skipped_not_image, 2);
        assert_eq!(inputs.listed_twice, 0);
        let flat = expand_all(std::slice::from_ref(&d), false);
        let names: Vec<&str> = flat.items.iter().map(|i| i.output_name.as_str()).collect();
        assert_eq!(names, ["c", "ghost"]);
    }

    /// Before: a walk went as deep as the path length allowed and dropped what
    /// lay deeper as "not an image".
    #[test]
    fn a_folder_too_deep_to_walk_gets_a_record_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut deep = dir.path().to_path_buf();
        for _ in 0..MAX_WALK_DEPTH + 3 {
            deep.push("d");
        }
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("x.jpg"), b"x").unwrap();
        let inputs = expand_all(&[dir.path().to_path_buf()], true);
        let errors: Vec<String> = inputs
            .items
            .iter()
            .filter_map(|i| i.listing_error.as_ref().map(|e| e.to_string()))
            .collect();
        assert_eq!(errors.len(), 1, "{:?}", inputs.items);
        assert!(
            errors[0].contains("nested more than 64 levels deep"),
            "{errors:?}"
        );
    }

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
    fn result_names_are_the_names_the_output_folder_gets() {
        for name in [
            "a.json",
            "sub__b-1a2b3c4d.annotated.jpg",
            "c-2.annotated.png",
            "\u{5199}.report.html",
        ] {
            assert!(is_result_name(name), "{name}");
        }
        for name in [
            ".json",
            ".a.json",
            "a.jpg",
            "a.annotated.jpeg",
            "a b.json",
            "a.json.tmp-AbCdEf012345",
        ] {
            assert!(!is_result_name(name), "{name}");
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
