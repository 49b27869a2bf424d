//! How llrun ends when the program it ran was killed by a signal.

use nix::sys::resource::{Resource, setrlimit};
use nix::sys::signal::{SigHandler, SigSet, Signal, raise, signal};

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
