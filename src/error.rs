//! What can be wrong with the profiles of a run or with the command line, before anything runs.
//! A leaf of the module graph: the stages below return these, `failure` gathers them with the
//! errors of running, and only `main` turns them into exit codes (125 for all of these).
//!
//! Each error carries what the user can do about it as data ([`Error::hint`]), not pasted into
//! its message, so that every place that shows an error (the terminal, a reload notice, the
//! log) can lay it out in its own way.

use crate::compile::support::Unenforced;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A profile error, already rendered with its location, line, caret and hint.
    #[error("{0}")]
    Profile(String),
    #[error("{0}")]
    Usage(String),
    #[error("no command given")]
    NoCommand,
    #[error("the kernel cannot enforce what profile `{layer}` restricts (Landlock ABI {abi}):\n{}", list(.missing))]
    Unsupported {
        layer: String,
        abi: u32,
        missing: Vec<Unenforced>,
    },
    #[error(
        "too many layers: {0} profiles given, Landlock stacks at most 16 (fewer when already sandboxed)"
    )]
    TooManyLayers(usize),
}

impl Error {
    /// What the user can do about it, when the message does not already say.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::NoCommand => {
                Some("llrun [--profile NAME] [--] COMMAND [ARGS…]; see `llrun --help`")
            }
            Error::Unsupported { .. } => Some(
                "run on a newer kernel, or accept weaker protection with `compat best-effort` in the profile or `--compat best-effort`",
            ),
            Error::Profile(_) | Error::Usage(_) | Error::TooManyLayers(_) => None,
        }
    }

    /// The text as rendered already (location, caret, hint), for errors that point into a
    /// profile; `None` for those still to be laid out as `llrun: error: …` (see [`render`]).
    pub fn rendered(&self) -> Option<&str> {
        match self {
            Error::Profile(text) => Some(text),
            _ => None,
        }
    }

    /// The error as the user sees it on the terminal.
    pub fn render(&self) -> String {
        match self.rendered() {
            Some(text) => text.to_string(),
            None => render(&self.to_string(), self.hint()),
        }
    }
}

/// `llrun: error: MESSAGE` and, if there is one, `  = hint: HINT`, each line ended.
pub fn render(message: &str, hint: Option<&str>) -> String {
    match hint {
        Some(hint) => format!("llrun: error: {message}\n  = hint: {hint}\n"),
        None => format!("llrun: error: {message}\n"),
    }
}

fn list(missing: &[Unenforced]) -> String {
    missing
        .iter()
        .map(|m| format!("  - {m}"))
        .collect::<Vec<_>>()
        .join("\n")
}
