//! The manual page (`sagitta manpage`, committed as `docs/sagitta.1`),
//! generated from the clap definitions so that it says what `--help` says.
//!
//! `clap_mangen` writes one page per command; sagitta's commands share most
//! of their options, so one page holds them all: the program's own sections,
//! then a section per command with its synopsis, description and options,
//! then the exit codes and where the rest of the documentation is.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_mangen::Man;

use sagitta::error::{EXIT_FILE_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_SETUP, EXIT_STDOUT_CLOSED};

use super::Cli;

/// What each exit code means, for the EXIT STATUS section.
const EXIT_CODES: [(u8, &str); 5] = [
    (
        EXIT_OK,
        "every file was analysed (a declined measurement is a normal result)",
    ),
    (
        EXIT_FILE_FAILED,
        "at least one file could not be analysed; the others were",
    ),
    (
        EXIT_SETUP,
        "a usage or setup error: bad arguments, a bad document, a missing or damaged model or ONNX Runtime library",
    ),
    (
        EXIT_STDOUT_CLOSED,
        "with --out: standard output closed before the batch ended; the files written are complete",
    ),
    (
        EXIT_INTERRUPTED,
        "interrupted by SIGINT or SIGTERM after the photos in progress were finished",
    ),
];

/// Writes the whole manual page in roff.
pub fn write(out: &mut dyn Write) -> io::Result<()> {
    let mut program = Cli::command().disable_help_subcommand(true);
    // Gives every command its full name (`sagitta analyze`) for its synopsis.
    program.build();
    let page = Man::new(program.clone());
    page.render_title(out)?;
    page.render_name_section(out)?;
    page.render_synopsis_section(out)?;
    page.render_description_section(out)?;
    page.render_options_section(out)?;
    for command in program.get_subcommands().filter(|c| !c.is_hide_set()) {
        let name = command.get_bin_name().unwrap_or(command.get_name());
        writeln!(out, ".SH \"{}\"", name.to_uppercase())?;
        let mut sections = Vec::new();
        let command_page = Man::new(command.clone());
        command_page.render_synopsis_section(&mut sections)?;
        command_page.render_description_section(&mut sections)?;
        command_page.render_options_section(&mut sections)?;
        // The command's sections become subsections of its own.
        for line in String::from_utf8_lossy(&sections).lines() {
            match line.strip_prefix(".SH ") {
                Some(heading) => writeln!(out, ".SS {heading}")?,
                None => writeln!(out, "{line}")?,
            }
        }
    }
    writeln!(out, ".SH \"EXIT STATUS\"")?;
    for (code, meaning) in EXIT_CODES {
        writeln!(out, ".TP\n{code}\n{meaning}")?;
    }
    writeln!(out, ".SH \"SEE ALSO\"")?;
    writeln!(
        out,
        "The user guide, the output formats, the measurements and their methods, \
         and the limits of what a photo can tell are in the docs/ folder of \
         sagitta's source."
    )?;
    page.render_version_section(out)
}
