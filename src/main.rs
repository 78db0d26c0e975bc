//! The `sagitta` binary: parse, run, map the outcome to an exit code
//! (0 all analysed, 1 some file failed, 2 usage or setup error; see `error.rs`).

mod batch;
mod cli;
mod manpage;

use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, run};
use sagitta::error::{EXIT_OK, Error};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // `--version` names the runtime and the models with their paths and
        // checksums; hashing them costs a moment, so only when asked.
        Err(error) if error.kind() == clap::error::ErrorKind::DisplayVersion => {
            print!("{}", sagitta::pose::blazepose::install::version_report());
            return ExitCode::from(EXIT_OK);
        }
        Err(error) => error.exit(),
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
                sagitta::input::terminal_safe(&message, true)
            );
            ExitCode::from(error.exit_code())
        }
    }
}
