//! Signals sent to llrun while the program runs: read from a signalfd in the event loop (no
//! handlers, no threads) and forwarded to the program.

use nix::errno::Errno;
use nix::sys::signal::{SigSet, SigmaskHow, Signal, kill};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::unistd::Pid;
use std::os::fd::{AsFd, BorrowedFd};

/// Forwarded to the program as they are.
pub const FORWARDED: [Signal; 8] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGCONT,
    Signal::SIGWINCH,
];

/// The forwarded signals plus `SIGTSTP`, on which llrun stops the program, then itself. (The
/// program's end is seen on a pidfd, not through `SIGCHLD`.)
fn handled() -> SigSet {
    let mut set = SigSet::empty();
    for sig in FORWARDED.into_iter().chain([Signal::SIGTSTP]) {
        set.add(sig);
    }
    set
}

/// The handled signals, blocked and readable from a descriptor.
#[derive(Debug)]
pub struct Signals {
    fd: SignalFd,
    /// The mask llrun started with: the program must start with it too.
    original: SigSet,
}

impl Signals {
    /// Blocks the handled signals. Done before the program is spawned, so that none sent in
    /// between is lost: it waits in the signalfd. They stay blocked after the run, until llrun
    /// exits, so that one arriving late cannot end llrun with a status that is not the
    /// program's.
    pub fn block() -> Result<Signals, Errno> {
        let set = handled();
        let original = set.thread_swap_mask(SigmaskHow::SIG_BLOCK)?;
        let fd = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)?;
        Ok(Signals { fd, original })
    }

    pub fn original_mask(&self) -> SigSet {
        self.original
    }

    /// The next pending signal, if any.
    pub fn next(&self) -> Result<Option<Signal>, Errno> {
        match self.fd.read_signal() {
            Ok(Some(info)) => Ok(Signal::try_from(info.ssi_signo as i32).ok()),
            Ok(None) | Err(Errno::EAGAIN) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl AsFd for Signals {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Sends `sig` to the program's process group, as a terminal would. The program leads its own
/// session, so its group is its pid, and it cannot leave it.
pub fn send(program: Pid, sig: Signal) {
    if kill(Pid::from_raw(-program.as_raw()), sig).is_err() {
        let _ = kill(program, sig);
    }
}
