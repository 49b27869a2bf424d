//! llrun's own errors. Only `main` turns them into exit codes (125 for all of these).

use crate::compile::support::Unenforced;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A profile error, already rendered with its location, line, caret and hint.
    #[error("{0}")]
    Profile(String),
    #[error("{0}")]
    Usage(String),
    #[error("the kernel cannot enforce what profile `{layer}` restricts (Landlock ABI {abi}):\n{}\n  = hint: run on a newer kernel, or accept weaker protection with `compat best-effort` in the profile or `--compat best-effort`", list(.missing))]
    Unsupported {
        layer: String,
        abi: u32,
        missing: Vec<Unenforced>,
    },
    #[error(
        "too many layers: {0} profiles given, Landlock stacks at most 16 (fewer when already sandboxed)"
    )]
    TooManyLayers(usize),
    #[error("cannot prepare the Landlock rules: {0}")]
    Landlock(#[from] llrun_kernel::landlock::LandlockError),
    #[error(transparent)]
    Run(#[from] crate::run::RunError),
    #[error(transparent)]
    Prompt(#[from] crate::prompt::client::ClientError),
}

fn list(missing: &[Unenforced]) -> String {
    missing
        .iter()
        .map(|m| format!("  - {m}"))
        .collect::<Vec<_>>()
        .join("\n")
}
