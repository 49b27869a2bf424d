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
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli::dispatch(cli) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(EXIT_FAILURE)),
        Err(e) => {
            let text = e.to_string();
            if text.contains(": error: ") {
                eprint!("{text}");
            } else {
                eprintln!("llrun: error: {text}");
            }
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
