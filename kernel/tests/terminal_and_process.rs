//! Terminal helpers on a real pty, and llrun dying of its program's signal.

use llrun_kernel::terminal::{Pty, RawMode, Winsize, set_window_size, window_size};
use nix::sys::termios::{LocalFlags, tcgetattr};
use std::os::fd::AsFd;
use std::process::Command;

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

/// Re-runs this test binary as a helper that calls `die_by_signal`.
const HELPER: &str = "LLRUN_KERNEL_TEST_DIE_BY";

#[test]
fn helper_die_by_signal() {
    let Ok(sig) = std::env::var(HELPER) else {
        return;
    };
    let sig: nix::sys::signal::Signal = sig.parse().unwrap();
    // Even with the signal blocked and handled by default as ignore (SIGWINCH), or blocked and
    // fatal (SIGTERM), the helper must end as asked.
    let mut set = nix::sys::signal::SigSet::empty();
    set.add(sig);
    set.thread_block().unwrap();
    let code = llrun_kernel::process::die_by_signal(sig);
    std::process::exit(code);
}

fn die_by(sig: &str) -> std::process::ExitStatus {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "helper_die_by_signal",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(HELPER, sig)
        .output()
        .unwrap()
        .status
}

#[test]
fn llrun_dies_of_the_same_signal() {
    use std::os::unix::process::ExitStatusExt;
    let status = die_by("SIGTERM");
    assert_eq!(status.signal(), Some(libc::SIGTERM));
    let status = die_by("SIGSEGV");
    assert_eq!(status.signal(), Some(libc::SIGSEGV));
    assert!(!status.core_dumped(), "llrun must not dump core of its own");
    // A signal whose default action is to ignore cannot kill: the shell's 128 + N instead.
    assert_eq!(die_by("SIGWINCH").code(), Some(128 + libc::SIGWINCH));
}
