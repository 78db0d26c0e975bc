//! The clinical record of a photo: client, date, clinician, side and note,
//! from the command line (`--client`, `--date`, ...) or from a manifest
//! (`--manifest FILE`, one CSV row per photo), checked before anything is
//! analysed, and written into the analysis document's `session`.
//!
//! Nothing is guessed: a photo without a manifest row is not given one, and
//! without `--date` the only date used is the photo's EXIF DateTimeOriginal
//! (never the file's modification time, which a copy changes).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::SetupError;
use crate::schema::{Analysis, DateSource, Session, Side, Warning};

/// Longest client identifier: an id, not a file.
pub const MAX_CLIENT_CHARS: usize = 64;
/// Longest clinician name.
pub const MAX_CLINICIAN_CHARS: usize = 100;
/// Longest note: a line on a printed page, not a case history.
pub const MAX_NOTE_CHARS: usize = 500;
/// Most rows a manifest may have: a clinic archive, not a database dump.
pub const MAX_MANIFEST_ROWS: usize = 100_000;

/// What the clinician states about a photo; empty fields are unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionInput {
    pub client: Option<String>,
    /// `YYYY-MM-DD`, checked by [`parse_date`].
    pub date: Option<String>,
    /// Where `date` came from (`Given` or `Manifest`).
    pub date_source: Option<DateSource>,
    pub clinician: Option<String>,
    pub side: Option<Side>,
    pub note: Option<String>,
}

/// A calendar date `YYYY-MM-DD` (years 1900-2999), as given back. The
/// shape is checked here, strictly: jiff's parsers also take other ISO 8601
/// spellings (`20261125`, a time of day), which a record must not hold;
/// the calendar (days in a month, leap years) is jiff's.
pub fn parse_date(text: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "expected a date as YYYY-MM-DD (e.g. 2026-11-25), got {:?}",
            crate::input::excerpt(text)
        )
    };
    let text = text.trim();
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<i16> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return Err(bad());
    }
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return Err(bad());
    };
    let month = i8::try_from(month).expect("two digits");
    let first = jiff::civil::Date::new(year, month, 1)
        .map_err(|_| format!("{text}: there is no month {month}"))?;
    if !(1900..=2999).contains(&year) {
        return Err(format!("{text}: the year is outside 1900-2999"));
    }
    let days = first.days_in_month();
    if day == 0 || day > i16::from(days) {
        return Err(format!("{text}: month {month} of {year} has {days} days"));
    }
    Ok(text.to_string())
}

/// A free-text field (client, clinician, note): trimmed, at most `max`
/// characters, no control characters (they would break a CSV row or a
/// terminal line) and no invisible or text-direction characters (they can
/// make one client's identifier look like another's in a report, or turn
/// it around: [`crate::input::is_invisible`]); empty means not given.
pub fn parse_text(what: &str, text: &str, max: usize) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!(
            "the {what} holds a control character ({:?}): {}",
            c,
            crate::input::excerpt(text)
        ));
    }
    if let Some(c) = text.chars().find(|&c| crate::input::is_invisible(c)) {
        return Err(format!(
            "the {what} holds U+{:04X}, an invisible or text-direction character that can make it \
             read other than it is stored; type it without: {}",
            c as u32,
            crate::input::excerpt(text)
        ));
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(format!(
            "the {what} is {chars} characters long, over the {max} allowed: {}",
            crate::input::excerpt(text)
        ));
    }
    Ok(Some(text.to_string()))
}

/// `left` or `right` (any case); empty means not given.
pub fn parse_side(text: &str) -> Result<Option<Side>, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "left" | "l" => Ok(Some(Side::Left)),
        "right" | "r" => Ok(Some(Side::Right)),
        _ => Err(format!(
            "expected the side as left or right, got {:?}",
            crate::input::excerpt(text)
        )),
    }
}

/// The session record of a photo that was analysed without any: the EXIF date, if any.
pub fn from_photo(taken: Option<String>) -> Session {
    Session {
        date_source: taken.as_ref().map(|_| DateSource::Exif),
        date: taken,
        ..Session::default()
    }
}

/// Writes what the clinician stated into the document's session. A stated
/// date replaces the EXIF one; when the two name different days, a warning
/// says so (a photo filed under the wrong visit, or a camera clock that is
/// off). A stated side that is not the Thomas test's test leg is warned about.
pub fn apply(analysis: &mut Analysis, input: &SessionInput) {
    let session = &mut analysis.session;
    if let Some(client) = &input.client {
        session.client = Some(client.clone());
    }
    if let Some(clinician) = &input.clinician {
        session.clinician = Some(clinician.clone());
    }
    if let Some(note) = &input.note {
        session.note = Some(note.clone());
    }
    if let Some(side) = input.side {
        session.side = Some(side);
    }
    if let Some(date) = &input.date {
        let exif = (session.date_source == Some(DateSource::Exif))
            .then(|| session.date.clone())
            .flatten();
        if let Some(exif) = exif.filter(|taken| !taken.starts_with(date.as_str())) {
            analysis.warnings.push(Warning::ExifDateDiffers {
                exif,
                date: date.clone(),
            });
        }
        session.date = Some(date.clone());
        session.date_source = Some(input.date_source.unwrap_or(DateSource::Given));
    }
    if let (Some(stated), Some(test_leg)) = (input.side, analysis.thomas_test_leg())
        && stated != test_leg
    {
        analysis
            .warnings
            .push(Warning::SideDiffers { stated, test_leg });
    }
}

/// One row of a manifest.
#[derive(Debug, Clone)]
pub struct ManifestRow {
    /// Line in the file (1 = the header).
    pub line: usize,
    /// The photo as written in the manifest, relative to the manifest's folder.
    pub photo: PathBuf,
    pub session: SessionInput,
}

/// `--manifest FILE`: a CSV file with a header row naming its columns:
/// `photo` (required), `client`, `date`, `side`, `note`, `clinician`.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub path: PathBuf,
    pub rows: Vec<ManifestRow>,
    /// Each row's photo by its real path (photos that exist).
    by_real_path: HashMap<PathBuf, usize>,
    /// The rows whose photo does not exist, by the path as written (joined
    /// to the manifest's folder), so that matching stays linear in the rows.
    by_written: HashMap<PathBuf, usize>,
}

const COLUMNS: [&str; 6] = ["photo", "client", "date", "side", "note", "clinician"];

impl Manifest {
    /// Reads and checks a manifest. Every problem names the file and, where
    /// there is one, the line; the file is read as the other documents are
    /// (regular file, at most 4 MiB, UTF-8).
    pub fn read(path: &Path) -> Result<Self, SetupError> {
        let origin = crate::input::terminal_safe(&path.display().to_string(), false).into_owned();
        let fail = |message: String| SetupError::Usage(format!("manifest {origin}: {message}"));
        let text =
            crate::input::read_document(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| fail(format!("the header row cannot be read: {e}")))?
            .clone();
        let mut column = HashMap::new();
        for (index, name) in header.iter().enumerate() {
            let key = name.to_ascii_lowercase();
            if !COLUMNS.contains(&key.as_str()) {
                return Err(fail(format!(
                    "unknown column {:?} in the header row; the columns are {}",
                    crate::input::excerpt(name),
                    COLUMNS.join(", ")
                )));
            }
            if column.insert(key, index).is_some() {
                return Err(fail(format!(
                    "the column {:?} appears twice in the header row",
                    crate::input::excerpt(name)
                )));
            }
        }
        if !column.contains_key("photo") {
            return Err(fail(format!(
                "the header row has no `photo` column (its columns: {})",
                crate::input::excerpt(&header.iter().collect::<Vec<_>>().join(","))
            )));
        }
        let folder = path.parent().unwrap_or(Path::new(""));
        let mut rows: Vec<ManifestRow> = Vec::new();
        let mut by_real_path: HashMap<PathBuf, usize> = HashMap::new();
        let mut by_written: HashMap<PathBuf, usize> = HashMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| fail(e.to_string()))?;
            let line = record.position().map_or(0, |p| p.line() as usize);
            if record.iter().all(str::is_empty) {
                continue;
            }
            if rows.len() == MAX_MANIFEST_ROWS {
                return Err(fail(format!("more than {MAX_MANIFEST_ROWS} rows")));
            }
            let cell = |name: &str| column.get(name).and_then(|&i| record.get(i)).unwrap_or("");
            let at_line = |message: String| fail(format!("line {line}: {message}"));
            let written = cell("photo");
            if written.is_empty() {
                return Err(at_line("the photo cell is empty".to_string()));
            }
            if written.len() > crate::input::MAX_PATH_BYTES {
                return Err(at_line(format!(
                    "the photo path is {} bytes long, over the {} bytes a path can have: {}",
                    written.len(),
                    crate::input::MAX_PATH_BYTES,
                    crate::input::excerpt(written)
                )));
            }
            if written.chars().any(char::is_control) {
                return Err(at_line(format!(
                    "the photo path holds a control character: {}",
                    crate::input::excerpt(written)
                )));
            }
            let photo = folder.join(written);
            let date = match cell("date") {
                "" => None,
                date => Some(parse_date(date).map_err(at_line)?),
            };
            let session = SessionInput {
                client: parse_text("client", cell("client"), MAX_CLIENT_CHARS).map_err(at_line)?,
                date_source: date.as_ref().map(|_| DateSource::Manifest),
                date,
                clinician: parse_text("clinician", cell("clinician"), MAX_CLINICIAN_CHARS)
                    .map_err(at_line)?,
                side: parse_side(cell("side")).map_err(at_line)?,
                note: parse_text("note", cell("note"), MAX_NOTE_CHARS).map_err(at_line)?,
            };
            let index = rows.len();
            // The same photo twice would give it two records: which one is
            // meant cannot be told, so neither is used.
            let earlier = match std::fs::canonicalize(&photo) {
                Ok(real) => by_real_path.insert(real, index),
                Err(_) => by_written.insert(photo.clone(), index),
            };
            if let Some(earlier) = earlier {
                return Err(at_line(format!(
                    "the photo {} is listed again (first on line {})",
                    crate::input::excerpt(written),
                    rows[earlier].line
                )));
            }
            rows.push(ManifestRow {
                line,
                photo,
                session,
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            rows,
            by_real_path,
            by_written,
        })
    }

    /// The row for a photo (matched by its real path, so `./a.jpg`,
    /// `photos/../a.jpg` and a link to it find the same row).
    pub fn row_for(&self, photo: &Path) -> Option<&ManifestRow> {
        let real = std::fs::canonicalize(photo).ok()?;
        self.by_real_path.get(&real).map(|&i| &self.rows[i])
    }

    /// The record of a photo, or why it has none (the message to report).
    pub fn session_for(&self, photo: &Path) -> Result<SessionInput, String> {
        if let Some(row) = self.row_for(photo) {
            return Ok(row.session.clone());
        }
        let manifest = self.path.display();
        match self.by_written.get(photo) {
            Some(&index) => Err(format!(
                "listed in the manifest {manifest} (line {}), but the photo cannot be found",
                self.rows[index].line
            )),
            None => Err(format!(
                "has no row in the manifest {manifest}: its client and date are not guessed; add a row for it"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_be_real_calendar_days() {
        assert_eq!(parse_date("2026-11-25").unwrap(), "2026-11-25");
        assert_eq!(parse_date("2024-02-29").unwrap(), "2024-02-29");
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-04-31",
            "2026-00-10",
            "26-11-25",
            "2026/11/25",
            "2026-11-25T10:00",
            "１２３４-11-25",
            "1850-01-01",
            "",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        // Each problem says what is wrong, the month before the year.
        for (bad, message) in [
            ("2023-02-29", "2023-02-29: month 2 of 2023 has 28 days"),
            ("2000-02-30", "2000-02-30: month 2 of 2000 has 29 days"),
            ("2026-04-00", "2026-04-00: month 4 of 2026 has 30 days"),
            ("2026-13-01", "2026-13-01: there is no month 13"),
            ("1850-00-01", "1850-00-01: there is no month 0"),
            ("3000-01-01", "3000-01-01: the year is outside 1900-2999"),
            (
                "2026-1-05",
                "expected a date as YYYY-MM-DD (e.g. 2026-11-25), got \"2026-1-05\"",
            ),
        ] {
            assert_eq!(parse_date(bad).unwrap_err(), message);
        }
    }

    #[test]
    fn free_text_refuses_control_characters_and_long_text() {
        assert_eq!(
            parse_text("client", "  CL-0042 ", 64).unwrap().as_deref(),
            Some("CL-0042")
        );
        assert_eq!(parse_text("client", "   ", 64).unwrap(), None);
        assert!(parse_text("note", "a\nb", 500).is_err());
        assert!(parse_text("note", "\x1b[31mred", 500).is_err());
        assert!(parse_text("client", &"x".repeat(65), 64).is_err());
        for hidden in [
            '\u{202E}',
            '\u{2066}',
            '\u{200B}',
            '\u{200D}',
            '\u{FEFF}',
            '\u{E0041}',
        ] {
            let error = parse_text("client", &format!("CL-{hidden}42"), 64).unwrap_err();
            assert!(
                error.contains(&format!("U+{:04X}", hidden as u32)) && !error.contains(hidden),
                "{error}"
            );
        }
        // Letters of any script are text, not hidden characters.
        assert!(
            parse_text(
                "clinician",
                "Dr. \u{00C9}lodie M\u{00FC}ller \u{5C71}\u{7530}",
                100
            )
            .is_ok()
        );
    }

    #[test]
    fn sides_parse_in_any_case() {
        assert_eq!(parse_side("Left").unwrap(), Some(Side::Left));
        assert_eq!(parse_side("R").unwrap(), Some(Side::Right));
        assert_eq!(parse_side("").unwrap(), None);
        assert!(parse_side("both").is_err());
    }
}
