//! Terminal helpers on a real pty, and llrun dying of its program's signal.

use llrun_kernel::terminal::{Pty, RawMode, Winsize, set_window_size, window_size};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::termios::{LocalFlags, tcgetattr};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, fork};
use std::os::fd::AsFd;

#[test]
fn window_size_is_set_and_read_back() {
    let size = Winsize {
        ws_row: 33,
        ws_col: 101,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = Pty::open(Some(&size), None).unwrap();
    assert_eq!(window_size(&pty.slave).unwrap().ws_col, 101);
    set_window_size(&pty.master, &Winsize { ws_row: 40, ..size }).unwrap();
    assert_eq!(window_size(&pty.slave).unwrap().ws_row, 40);
}

#[test]
fn raw_mode_is_restored_by_the_guard() {
    let pty = Pty::open(None, None).unwrap();
    let canonical = |fd| {
        tcgetattr(fd)
            .unwrap()
            .local_flags
            .contains(LocalFlags::ICANON | LocalFlags::ECHO)
    };
    assert!(canonical(pty.slave.as_fd()));
    let raw = RawMode::enter(pty.slave.as_fd()).unwrap();
    assert!(
        !tcgetattr(&pty.slave)
            .unwrap()
            .local_flags
            .intersects(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG)
    );
    raw.suspend();
    assert!(canonical(pty.slave.as_fd()));
    raw.resume().unwrap();
    assert!(!canonical(pty.slave.as_fd()));
    drop(raw);
    assert!(canonical(pty.slave.as_fd()));
}

#[test]
fn pty_descriptors_are_close_on_exec() {
    let pty = Pty::open(None, None).unwrap();
    for fd in [&pty.master, &pty.slave] {
        let flags = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETFD).unwrap();
        assert_ne!(flags & libc::FD_CLOEXEC, 0);
    }
}

/// How a forked child of this test ends when it calls `die_by_signal(sig)` with `sig` blocked.
///
/// A fork rather than a helper process: the child only makes the async-signal-safe calls
/// `die_by_signal` is made of, so it needs no program of its own (before, this re-ran the test
/// binary on a `#[test]` that did nothing when run as a test).
fn die_by(sig: Signal) -> WaitStatus {
    // SAFETY: the test harness runs other threads, so the child may only make
    // async-signal-safe calls: sigprocmask, setrlimit, sigaction (installing SIG_DFL), raise
    // and _exit, on stack data. It never returns into the harness's code.
    match unsafe { fork() }.unwrap() {
        ForkResult::Child => {
            // Even with the signal blocked and handled by default as ignore (SIGWINCH), or
            // blocked and fatal (SIGTERM), the child must end as asked.
            let mut set = SigSet::empty();
            set.add(sig);
            let _ = set.thread_block();
            let code = llrun_kernel::process::die_by_signal(sig);
            // SAFETY: ends the child at once, running none of the parent's destructors.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => waitpid(child, None).unwrap(),
    }
}

#[test]
fn llrun_dies_of_the_same_signal() {
    assert!(matches!(
        die_by(Signal::SIGTERM),
        WaitStatus::Signaled(_, Signal::SIGTERM, _)
    ));
    // Core dumps off: the program has already dumped its own if it was going to.
    assert!(matches!(
        die_by(Signal::SIGSEGV),
        WaitStatus::Signaled(_, Signal::SIGSEGV, false)
    ));
    // A signal whose default action is to ignore cannot kill: the shell's 128 + N instead.
    assert!(matches!(
        die_by(Signal::SIGWINCH),
        WaitStatus::Exited(_, code) if code == 128 + libc::SIGWINCH
    ));
}
