//! The command line: it only parses. `args` holds the clap definitions,
//! `options` turns each command's flags into the checked options of its
//! command function (`crate::commands`, which knows nothing of clap), and
//! `manpage` renders the definitions as the manual page.
//!
//! A new command is a variant of [`Command`] with its flags (`args.rs`),
//! a conversion of them (`options.rs`) and a command function in its own
//! module of `commands/`; [`run`] joins the three.

mod args;
mod manpage;
mod options;

use std::io;

pub use args::{Cli, Command};
use sagitta::error::{EXIT_OK, Error};
use sagitta::report::json_schema::Published;

use crate::commands::{analyze, compare, listings, output_error, saved, visit};

/// Runs a parsed command line; returns the exit code for a run that could start.
pub fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Analyze(args) => analyze::analyze(options::analyze_options(*args)?),
        Command::Routine(args) => saved::routine(options::routine_options(args)?),
        Command::Measure(args) => saved::measure(options::measure_options(args)?),
        Command::Compare(args) => compare::compare(options::compare_options(args)?),
        Command::Visit(args) => visit::visit(options::visit_options(args)?),
        Command::Catalog(args) => listings::catalog(args.catalog, args.format.into()),
        Command::Schema(args) => listings::schema(
            Published::named(&args.name).expect("clap only lets the published names through"),
        ),
        Command::Measurements(args) => listings::measurements(args.format.into()),
        Command::Review(args) => {
            let (options, open) = options::review_options(args);
            sagitta::review::run(options, open)
        }
        Command::Manpage => {
            manpage::write(&mut io::stdout().lock()).map_err(output_error)?;
            Ok(EXIT_OK)
        }
    }
}
