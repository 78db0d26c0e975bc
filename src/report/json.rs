//! `--format json`: one analysis document, or an array of them.

use std::io::{self, Write};

use super::Exporter;
use crate::schema::{Analysis, Summary};

pub struct JsonExporter<'w> {
    out: Box<dyn Write + 'w>,
    many: bool,
    written: usize,
}

impl<'w> JsonExporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>, many: bool) -> Self {
        Self {
            out,
            many,
            written: 0,
        }
    }
}

impl Exporter for JsonExporter<'_> {
    fn analysis(&mut self, analysis: &Analysis) -> io::Result<()> {
        // The array is streamed so results appear as they are done.
        if self.many {
            self.out
                .write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
        }
        serde_json::to_writer_pretty(&mut self.out, analysis)?;
        if !self.many {
            self.out.write_all(b"\n")?;
        }
        self.written += 1;
        self.out.flush()
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        if self.many {
            self.out
                .write_all(if self.written == 0 { b"[]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }
}
