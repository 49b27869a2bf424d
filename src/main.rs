//! `llrun`: parse the command line, run, and turn errors into exit codes (env(1) style).

use clap::Parser;
use llrun::cli::{self, Cli};
use std::process::ExitCode;

/// llrun's own failure, as env(1) and timeout(1) use it.
const EXIT_FAILURE: u8 = 125;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_FAILURE } else { 0 };
            // `--help` and `--version` into a closed pipe: clap returns the error, and there
            // is nobody left to tell.
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli::dispatch(cli) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(EXIT_FAILURE)),
        Err(e) if e.reader_went_away() => ExitCode::SUCCESS,
        Err(e) => {
            eprint!("{}", e.render());
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
