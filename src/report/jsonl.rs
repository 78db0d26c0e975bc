//! `--format jsonl`: one typed record per line, written as soon as it is
//! known, like ripgrep's JSON output: `{"type": "analysis", ...document}`,
//! `{"type": "error", "image": {"path"}, "error": {"kind", "message"}}`,
//! and a final `{"type": "summary", ...}`.

use std::io::{self, Write};

use schemars::JsonSchema;
use serde::Serialize;

use super::Exporter;
use crate::error::{FileError, FileErrorKind};
use crate::schema::{Analysis, Summary};

pub struct JsonlExporter<'w> {
    out: Box<dyn Write + 'w>,
}

impl<'w> JsonlExporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        Self { out }
    }

    fn line(&mut self, record: &impl Serialize) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, record)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

/// One line of `--format jsonl`: the record's `type`, then its body.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[schemars(rename = "JsonlRecord")]
pub(crate) enum Record<'a> {
    /// One analysed photo: the analysis document.
    Analysis(&'a Analysis),
    /// One file that could not be analysed.
    Error {
        image: ImagePath,
        error: ErrorBody<'a>,
    },
    /// The last record of a run: counts and timings.
    Summary(&'a Summary),
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct ImagePath {
    /// The path as given on the command line (as `image.path` of an analysis).
    path: String,
    /// Its bytes in hex, only when they are not UTF-8 (as
    /// `image.path_bytes_hex` of an analysis).
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes_hex: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct ErrorBody<'a> {
    kind: FileErrorKind,
    /// What went wrong, naming the file.
    message: &'a str,
}

impl Exporter for JsonlExporter<'_> {
    fn analysis(&mut self, analysis: &Analysis) -> io::Result<()> {
        self.line(&Record::Analysis(analysis))
    }

    fn error(&mut self, error: &FileError) -> io::Result<()> {
        let (path, path_bytes_hex) = crate::schema::path_fields(&error.path);
        self.line(&Record::Error {
            image: ImagePath {
                path,
                path_bytes_hex,
            },
            error: ErrorBody {
                kind: error.kind,
                message: &error.message,
            },
        })
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.line(&Record::Summary(summary))
    }
}
