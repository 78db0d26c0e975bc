//! The `sagitta` binary: parse, run, map the outcome to an exit code
//! (0 all analysed, 1 some file failed, 2 usage or setup error; see `error.rs`).

mod batch;
mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, run};
use sagitta::error::{EXIT_OK, EXIT_SETUP, Error};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // `--version` names the runtime and the models with their paths and
        // checksums; hashing them costs a moment, so only when asked.
        Err(error) if error.kind() == clap::error::ErrorKind::DisplayVersion => {
            print!("{}", sagitta::pose::blazepose::install::version_report());
            return ExitCode::from(EXIT_OK);
        }
        Err(error) => return argument_error(error),
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        // A reader that stops early (`sagitta ... | head`) is not an error.
        Err(Error::Output(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::from(EXIT_OK)
        }
        Err(error) => {
            let message = error.to_string();
            eprintln!(
                "sagitta: error: {}",
                sagitta::input::terminal_message(&message)
            );
            ExitCode::from(error.exit_code())
        }
    }
}

/// Longest tip of the argument parser kept (`to pass '-x' as a value, use
/// '-- -x'` quotes the value twice): a longer one only repeats a long value.
const MAX_TIP_CHARS: usize = 4 * sagitta::input::EXCERPT_CHARS;

/// Prints what the argument parser found wrong, as it would, but with every
/// value it quotes from the command line cut to an excerpt with control and
/// invisible characters escaped, and without colour; keeps its exit code
/// (2). Help and version still go to standard output with exit code 0.
fn argument_error(mut error: clap::Error) -> ExitCode {
    use clap::builder::StyledStr;
    use clap::error::ContextValue;
    use sagitta::input::{excerpt, terminal_safe};
    if !error.use_stderr() {
        error.exit();
    }
    // Each quoted value as an excerpt; each tip (the only styled context
    // that quotes the command line) escaped, or left out when it is long.
    let quoted: Vec<_> = error
        .context()
        .filter_map(|(kind, value)| match value {
            ContextValue::String(text) => Some((kind, ContextValue::String(excerpt(text)))),
            ContextValue::Strings(texts) => Some((
                kind,
                ContextValue::Strings(texts.iter().map(|t| excerpt(t)).collect()),
            )),
            ContextValue::StyledStrs(tips) => Some((
                kind,
                ContextValue::StyledStrs(
                    tips.iter()
                        .map(StyledStr::to_string)
                        .filter(|tip| tip.chars().count() <= MAX_TIP_CHARS)
                        .map(|tip| StyledStr::from(terminal_safe(&tip, false).into_owned()))
                        .collect(),
                ),
            )),
            _ => None,
        })
        .collect();
    for (kind, value) in quoted {
        match value {
            ContextValue::StyledStrs(tips) if tips.is_empty() => {
                error.remove(kind);
            }
            value => {
                error.insert(kind, value);
            }
        }
    }
    let text = error.render().to_string();
    eprintln!("{}", sagitta::input::terminal_message(text.trim_end()));
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(EXIT_SETUP))
}
