//! llrun's own output on stdout (`compile`, `explain`, `status`, `prompt --answer`), written
//! through one place so that a reader that went away (`llrun explain … | head -1`) ends llrun
//! quietly, as it ends `cat`, instead of as a failure.
//!
//! Rust ignores `SIGPIPE`, so a write to a closed pipe returns `EPIPE` rather than killing the
//! process, and `print!` panics on that error: nothing here uses it.

use std::io::Write;

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Whoever read stdout closed it: there is nobody left to tell anything, so llrun stops
    /// and exits 0.
    #[error("the reader of llrun's output went away")]
    Closed,
    #[error("cannot write the output: {0}")]
    Failed(std::io::Error),
}

impl From<std::io::Error> for OutputError {
    fn from(e: std::io::Error) -> OutputError {
        match e.kind() {
            std::io::ErrorKind::BrokenPipe => OutputError::Closed,
            _ => OutputError::Failed(e),
        }
    }
}

/// Writes `text` to stdout and flushes it, so that a closed reader is noticed at once.
pub fn print(text: &str) -> Result<(), OutputError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes `text` and a newline to stdout.
pub fn println(text: &str) -> Result<(), OutputError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}
