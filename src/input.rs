//! Reading what sagitta is handed, defensively: the documents it is given
//! (`--catalog`, `--rules`, `--screening`, `routine --from`, the saved results
//! `--resume` looks at) and the photos.
//!
//! - Only a regular file is read. It is opened with `O_NONBLOCK`, and its
//!   type is checked on the open file, so a FIFO cannot hang the run and a
//!   device (`/dev/zero`) is never read, even if one is swapped in between.
//! - At most a fixed number of bytes is read ([`MAX_DOCUMENT_BYTES`] for
//!   documents), whatever the file claims.
//! - Text must be UTF-8; a leading byte-order mark (which some Windows
//!   editors write) is dropped.
//! - JSON documents may not repeat a key in any object: with `serde_json`
//!   the last duplicate would silently win, and a red flag could be lost.
//! - Messages quote untrusted text only as a short excerpt, with control
//!   characters escaped, so neither a huge input nor an escape sequence in a
//!   file name reaches the terminal.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};

/// Largest catalogue, rules, screening or analysis document read: the
/// built-in catalogue is 19 KB and an analysis document about 30 KB, so this
/// leaves two orders of magnitude of room.
pub const MAX_DOCUMENT_BYTES: u64 = 4 * 1024 * 1024;

/// Characters of untrusted text quoted in a message.
pub const EXCERPT_CHARS: usize = 80;

/// Longest path the system opens (Linux `PATH_MAX`, its closing NUL
/// included): a longer one names no file, and is quoted only as an excerpt.
pub const MAX_PATH_BYTES: usize = 4096;

/// Longest line of a message printed as it is: twice the longest path, so
/// that a message quoting a real path is never cut.
const MAX_MESSAGE_LINE_CHARS: usize = 2 * MAX_PATH_BYTES;

/// What kind of file system entry the metadata describes, for messages.
fn kind_of(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        "a folder"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Opens `path` for reading if, and only if, it is a regular file (a link
/// to one is followed). Never blocks on a FIFO.
pub fn open_regular(path: &Path) -> io::Result<(File, std::fs::Metadata)> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        let message = match kind_of(metadata.file_type()) {
            "not a regular file" => "not a regular file".to_string(),
            kind => format!("not a regular file ({kind})"),
        };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
    }
    Ok((file, metadata))
}

/// Reads a regular file of at most `limit` bytes.
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let (file, metadata) = open_regular(path)?;
    let too_large = |size: u64| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the file is {}, over the {} limit",
                human_bytes(size),
                human_bytes(limit)
            ),
        )
    };
    if metadata.len() > limit {
        return Err(too_large(metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // The file may grow after the check: read one byte past the limit to tell.
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads a text document (regular file, at most [`MAX_DOCUMENT_BYTES`],
/// UTF-8, a leading byte-order mark dropped).
pub fn read_document(path: &Path) -> io::Result<String> {
    let bytes = read_bounded(path, MAX_DOCUMENT_BYTES)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(error) => {
            let at = error.valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            let hint = if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
                " (it looks like UTF-16: save it as UTF-8)"
            } else {
                ""
            };
            Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("not UTF-8 text: invalid byte at offset {at} (line {line}){hint}"),
            ))
        }
    }
}

/// Drops a leading byte-order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{FEFF}').unwrap_or(text)
}

fn human_bytes(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}

/// At most [`EXCERPT_CHARS`] characters of `text`, control characters
/// escaped, and how long the whole was when it was cut.
pub fn excerpt(text: &str) -> String {
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == EXCERPT_CHARS {
            out.push_str(&format!("... ({} bytes in all)", text.len()));
            return out;
        }
        push_escaped(&mut out, c);
    }
    out
}

/// A message that may quote untrusted input, made short: each line cut to
/// 200 characters and at most 12 lines. Newlines stay; other control
/// characters are escaped.
pub fn shorten_message(message: &str) -> String {
    const LINE_CHARS: usize = 200;
    const LINES: usize = 12;
    let mut out = String::new();
    let total = message.lines().count();
    for (i, line) in message.lines().enumerate() {
        if i == LINES {
            out.push_str(&format!("\n... ({} more lines)", total - LINES));
            break;
        }
        if i > 0 {
            out.push('\n');
        }
        for (chars, c) in line.chars().enumerate() {
            if chars == LINE_CHARS {
                out.push_str(&format!("... ({} bytes in this line)", line.len()));
                break;
            }
            push_escaped(&mut out, c);
        }
    }
    out
}

/// Whether `c` changes how the text around it is shown without being seen
/// itself: the direction marks, embeddings, overrides and isolates (U+061C,
/// U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069), the other
/// characters Unicode calls default-ignorable (zero-width space, joiners,
/// word joiner, soft hyphen, variation selectors, byte-order mark, tags,
/// fillers; DerivedCoreProperties.txt), the interlinear annotation marks
/// (U+FFF9 to U+FFFB) and the line and paragraph separators (U+2028,
/// U+2029). In a client's identifier, one of them makes two different
/// records look alike, or one record read backwards.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x2028..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFFB
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

fn push_escaped(out: &mut String, c: char) {
    if c.is_control() || is_invisible(c) {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    } else {
        out.push(c);
    }
}

/// `text` for a terminal: control characters (ESC, CSI, BEL, carriage
/// return... and newline, unless `keep_newlines`) and invisible ones
/// ([`is_invisible`]) escaped, so a file name cannot move the cursor,
/// recolour the screen, fake a line or turn the text around it.
pub fn terminal_safe(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let needs = |c: char| (c.is_control() && !(keep_newlines && c == '\n')) || is_invisible(c);
    if !text.chars().any(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A whole message for standard error: [`terminal_safe`] (newlines kept),
/// and any line over [`MAX_MESSAGE_LINE_CHARS`] characters, which can only
/// hold something quoted whole from the input, cut with its length said.
pub fn terminal_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1 << 16));
    for (i, line) in message.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match line.char_indices().nth(MAX_MESSAGE_LINE_CHARS) {
            Some((cut, _)) => {
                out.push_str(&terminal_safe(&line[..cut], false));
                out.push_str(&format!("... ({} bytes in this line)", line.len()));
            }
            None => out.push_str(&terminal_safe(line, false)),
        }
    }
    out
}

/// Checks that no object in the JSON `text` repeats a key (at any depth).
/// Syntax errors are reported as well; `serde_json`'s nesting limit (128)
/// applies.
pub fn check_unique_keys(text: &str) -> Result<(), serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(strip_bom(text));
    UniqueKeys::deserialize(&mut deserializer)?;
    deserializer.end()
}

/// Any JSON value whose objects have unique keys.
struct UniqueKeys;

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueKeysVisitor)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_unit<E>(self) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_none<E>(self) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueKeys, A::Error> {
        while seq.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
        let mut keys = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if keys.contains(&key) {
                return Err(de::Error::custom(format!(
                    "the key `{}` appears more than once in one object",
                    excerpt(&key)
                )));
            }
            map.next_value::<UniqueKeys>()?;
            keys.insert(key);
        }
        Ok(UniqueKeys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_found_at_any_depth() {
        assert!(check_unique_keys(r#"{"a": 1, "b": [{"c": 1, "d": 2}]}"#).is_ok());
        let error = check_unique_keys(r#"{"night_pain": true, "night_pain": false}"#)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("the key `night_pain` appears more than once"),
            "{error}"
        );
        assert!(check_unique_keys(r#"{"a": {"x": [1, {"y": 1, "y": 2}]}}"#).is_err());
        // The same key in two different objects is fine.
        assert!(check_unique_keys(r#"[{"a": 1}, {"a": 2}]"#).is_ok());
        // Escaped spellings of one key are one key.
        assert!(check_unique_keys(r#"{"a": 1, "\u0061": 2}"#).is_err());
        assert!(check_unique_keys("\u{FEFF}{}").is_ok());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let error = check_unique_keys(&deep).unwrap_err().to_string();
        assert!(error.contains("recursion limit"), "{error}");
    }

    #[test]
    fn excerpts_are_short_and_escaped() {
        let long = "k".repeat(10_000_000);
        let cut = excerpt(&long);
        assert!(cut.len() < 200, "{}", cut.len());
        assert!(cut.ends_with("(10000000 bytes in all)"), "{cut}");
        assert_eq!(excerpt("a\x1b[31mb"), "a\\x1b[31mb");
        let message = shorten_message(&format!("line one\n{}\n", "z".repeat(5000)));
        assert!(message.len() < 300, "{message}");
        assert_eq!(
            terminal_safe("bad\x1b]0;title\x07\u{9b}name\n", true),
            "bad\\x1b]0;title\\x07\\x9bname\n"
        );
        assert_eq!(terminal_safe("plain", false), "plain");
        assert_eq!(
            terminal_safe("CL-\u{202E}1\u{200B}", false),
            "CL-\\u{202e}1\\u{200b}"
        );
        assert_eq!(excerpt("a\u{2066}b"), "a\\u{2066}b");
        let long_line = format!("one\ntwo {}\x1b\n", "w".repeat(131_000));
        let message = terminal_message(&long_line);
        assert!(message.len() < 8300, "{}", message.len());
        assert!(message.starts_with("one\ntwo www"), "{message}");
        assert!(
            message.ends_with("... (131005 bytes in this line)\n"),
            "{message}"
        );
        assert_eq!(terminal_message("a\x1b[31m\nb"), "a\\x1b[31m\nb");
        assert_eq!(terminal_safe("a\nb", false), "a\\nb");
    }

    #[test]
    fn only_bounded_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("doc.json");
        std::fs::write(&doc, b"\xEF\xBB\xBF{\"a\": 1}").unwrap();
        assert_eq!(read_document(&doc).unwrap(), "{\"a\": 1}");

        let error = read_document(Path::new("/dev/zero")).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("not a regular file (a character device)"),
            "{error}"
        );
        let error = read_document(dir.path()).unwrap_err();
        assert!(error.to_string().contains("a folder"), "{error}");

        let fifo = dir.path().join("fifo");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        // Would block forever without O_NONBLOCK (no writer ever comes).
        let error = read_document(&fifo).unwrap_err();
        assert!(error.to_string().contains("FIFO"), "{error}");

        let big = dir.path().join("big");
        let file = File::create(&big).unwrap();
        file.set_len(MAX_DOCUMENT_BYTES + 1).unwrap();
        let error = read_document(&big).unwrap_err();
        assert!(
            error.to_string().contains("over the 4.0 MiB limit"),
            "{error}"
        );

        std::fs::write(&doc, b"\xFF\xFE{\x00}\x00").unwrap();
        let error = read_document(&doc).unwrap_err().to_string();
        assert!(
            error.contains("not UTF-8") && error.contains("UTF-16"),
            "{error}"
        );
    }
}
