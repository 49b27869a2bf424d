//! How the program ended, and what llrun exits with: env(1) and timeout(1) conventions.

use nix::errno::Errno;
use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;
use std::ffi::OsStr;
use std::path::Path;

/// The command was not found (or its interpreter was not).
pub const NOT_FOUND: i32 = 127;
/// The command was found but could not be executed.
pub const CANNOT_EXECUTE: i32 = 126;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The program exited with this status, or llrun decided the status (126, 127) without
    /// running it.
    Exited(i32),
    /// The program was killed by this signal.
    Signaled(Signal),
}

impl Outcome {
    /// The outcome of a `waitpid` status for a child that has terminated.
    pub fn from_wait(status: WaitStatus) -> Option<Outcome> {
        match status {
            WaitStatus::Exited(_, code) => Some(Outcome::Exited(code)),
            WaitStatus::Signaled(_, sig, _) => Some(Outcome::Signaled(sig)),
            _ => None,
        }
    }

    /// llrun's exit code. For a program killed by a signal, llrun first tries to die of the same
    /// signal (this does not return if it works); `128 + N` is the fallback.
    pub fn finish(self) -> i32 {
        match self {
            Outcome::Exited(code) => code,
            Outcome::Signaled(sig) => llrun_kernel::process::die_by_signal(sig),
        }
    }
}

/// Reports that `program` was not found.
pub fn not_found(program: &OsStr) -> Outcome {
    let shown = program.to_string_lossy();
    if program.as_encoded_bytes().contains(&b'/') {
        eprintln!("llrun: {shown}: No such file or directory");
    } else {
        eprintln!("llrun: {shown}: command not found");
    }
    Outcome::Exited(NOT_FOUND)
}

/// Reports that `path` exists but is not an executable file.
pub fn not_executable(path: &Path) -> Outcome {
    eprintln!(
        "llrun: {}: Permission denied (not an executable file)",
        path.display()
    );
    Outcome::Exited(CANNOT_EXECUTE)
}

/// The errors with which spawning fails before any `exec` (fork, pipe): llrun's own failure.
pub fn is_spawn_failure(err: &std::io::Error) -> bool {
    matches!(
        err.raw_os_error().map(Errno::from_raw),
        Some(Errno::EAGAIN | Errno::EMFILE | Errno::ENFILE) | None
    )
}

/// Reports a failed `execve` of `path` inside the sandbox. Since [`super::program`] already
/// checked that the file exists and is executable, `EACCES` here is almost always the profile.
pub fn exec_failed(path: &Path, err: &std::io::Error) -> Outcome {
    let shown = path.display();
    let errno = Errno::from_raw(err.raw_os_error().unwrap_or(0));
    match errno {
        Errno::EACCES | Errno::EPERM => {
            eprintln!(
                "llrun: {shown}: cannot execute: {}\n  = hint: the profile may not allow `exec` of this path, or of its interpreter (the dynamic loader, or the program named on its `#!` line); `llrun explain --access exec {shown}` (with the same `--profile`) shows the deciding rule",
                errno.desc()
            );
            Outcome::Exited(CANNOT_EXECUTE)
        }
        Errno::ENOENT => {
            eprintln!(
                "llrun: {shown}: cannot execute: {}\n  = hint: its interpreter (the dynamic loader, or the program named on its `#!` line) does not exist",
                errno.desc()
            );
            Outcome::Exited(NOT_FOUND)
        }
        _ => {
            eprintln!("llrun: {shown}: cannot execute: {}", errno.desc());
            Outcome::Exited(CANNOT_EXECUTE)
        }
    }
}
