//! The program as a process: knowing when it ends, and ending llrun the way it ended.

use nix::errno::Errno;
use nix::sys::resource::{Resource, setrlimit};
use nix::sys::signal::{SigHandler, SigSet, Signal, raise, signal};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// Makes llrun die of `sig`, as the program it ran did, so that its own parent (a shell deciding
/// whether to stop a script on Ctrl-C, a supervisor counting crashes) sees the real cause.
///
/// The default action is restored and the signal unblocked first; core dumps are disabled, since
/// the program has already dumped its own if it was going to. Returns `128 + N`, the shell's
/// convention, only if llrun is still alive afterwards (a signal whose default action does not
/// terminate); the caller then exits with that.
pub fn die_by_signal(sig: Signal) -> i32 {
    let _ = setrlimit(Resource::RLIMIT_CORE, 0, 0);
    // SAFETY: installing SIG_DFL runs no code of ours in signal context.
    let _ = unsafe { signal(sig, SigHandler::SigDfl) };
    let _ = raise(sig);
    let mut only = SigSet::empty();
    only.add(sig);
    // The pending signal is delivered as soon as it is unblocked.
    let _ = only.thread_unblock();
    128 + sig as i32
}

/// A descriptor that becomes readable when process `pid` terminates (`pidfd_open`, Linux 5.3;
/// Landlock itself needs 5.13). Close-on-exec.
///
/// Waiting on it instead of on `SIGCHLD` keeps the end of the program from depending on which
/// thread a process-wide signal is delivered to (test harnesses run many threads).
pub fn pidfd_open(pid: nix::unistd::Pid) -> Result<OwnedFd, Errno> {
    pidfd_open_with(pid, 0)
}

/// `pidfd_open` with `flags` (`PIDFD_NONBLOCK`, `PIDFD_THREAD`).
pub(crate) fn pidfd_open_with(
    pid: nix::unistd::Pid,
    flags: libc::c_uint,
) -> Result<OwnedFd, Errno> {
    // SAFETY: integer arguments only; on success the kernel returns a new descriptor that
    // nothing else owns (pidfds are always close-on-exec).
    let fd = Errno::result(unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), flags) })?;
    // SAFETY: see above.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}
