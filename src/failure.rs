//! Everything that can stop llrun, gathered for `main`: the errors of the profiles and the
//! command line ([`crate::error`]), of preparing the sandbox, of the prompt, of running the
//! program, and of writing llrun's own output. Each says what to do next through its `hint`;
//! `main` lays them out (`llrun: error: …` and `  = hint: …`) and exits 125, or 0 when the
//! reader of llrun's output went away.

use crate::error::{self, Error};
use crate::output::OutputError;
use crate::prompt::client::ClientError;
use crate::prompt::mode::ModeError;
use crate::run::RunError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    Profile(#[from] Error),
    #[error("cannot prepare the Landlock rules: {0}")]
    Landlock(#[from] llrun_kernel::landlock::LandlockError),
    /// Who answers asks could not be set up (`--prompt`, `--prompt-socket`).
    #[error(transparent)]
    Prompter(#[from] ModeError),
    #[error("cannot open the log {}: {source}", .path.display())]
    Log {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Run(#[from] RunError),
    /// `llrun prompt` and `llrun status`.
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The filtered session bus could not be set up.
    #[error(transparent)]
    Dbus(#[from] crate::setup::dbus::DbusError),
}

impl Failure {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Failure::Profile(e) => e.hint(),
            Failure::Prompter(e) => e.hint(),
            Failure::Run(e) => e.hint(),
            Failure::Client(e) => e.hint(),
            Failure::Dbus(e) => e.hint(),
            Failure::Landlock(_) | Failure::Log { .. } | Failure::Output(_) => None,
        }
    }

    /// Whether this is no failure at all but the end of the output's reader (`| head -1`):
    /// llrun then stops quietly with status 0.
    pub fn reader_went_away(&self) -> bool {
        matches!(
            self,
            Failure::Output(OutputError::Closed)
                | Failure::Client(ClientError::Output(OutputError::Closed))
        )
    }

    /// The failure as the user sees it on the terminal, every line ended.
    pub fn render(&self) -> String {
        match self {
            Failure::Profile(e) => e.render(),
            _ => error::render(&self.to_string(), self.hint()),
        }
    }
}
