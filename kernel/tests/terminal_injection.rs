//! The seccomp filter refuses TIOCSTI on a real pty, where it otherwise works.

mod common;
use common::*;
use llrun_kernel::seccomp::Filter;

/// `TIOCSTI` as the 32-bit command the kernel compares.
const TIOCSTI: u32 = 0x5412;

/// Pushes one byte into the input of the terminal on stdin with a raw ioctl, whose 64-bit
/// command argument has `high` in its upper half (the kernel ignores it).
fn inject(high: u64) -> String {
    format!(
        "import ctypes, os\n\
         nr = {{'x86_64': 16, 'aarch64': 29}}[os.uname().machine]\n\
         libc = ctypes.CDLL(None, use_errno=True)\n\
         r = libc.syscall(ctypes.c_long(nr), ctypes.c_long(0), ctypes.c_ulong({cmd:#x}), ctypes.c_char_p(b'X'))\n\
         print('INJECTED' if r == 0 else 'ERR %d' % ctypes.get_errno())\n",
        cmd = (high << 32) | u64::from(TIOCSTI)
    )
}

#[test]
fn tiocsti_works_on_a_pty_without_the_filter() {
    // The attack is real here: otherwise the refusals below would prove nothing.
    let (out, code) = run_on_pty(None, PYTHON, &["-c", &inject(0)]);
    assert!(out.contains("INJECTED"), "{out}");
    assert_eq!(code, Some(0));
}

#[test]
fn tiocsti_is_refused_by_the_filter() {
    let (out, _) = run_on_pty(
        Some(Filter::deny_terminal_injection()),
        PYTHON,
        &["-c", &inject(0)],
    );
    assert!(out.contains(&format!("ERR {}", libc::EPERM)), "{out}");
}

#[test]
fn high_bits_in_the_command_do_not_get_past_the_filter() {
    let (out, _) = run_on_pty(None, PYTHON, &["-c", &inject(0xdead_beef)]);
    assert!(
        out.contains("INJECTED"),
        "the kernel should truncate the command: {out}"
    );
    let (out, _) = run_on_pty(
        Some(Filter::deny_terminal_injection()),
        PYTHON,
        &["-c", &inject(0xdead_beef)],
    );
    assert!(out.contains(&format!("ERR {}", libc::EPERM)), "{out}");
}

#[test]
fn tiocsti_is_refused_without_a_controlling_terminal() {
    // As root (CAP_SYS_ADMIN) TIOCSTI works on any terminal, controlling or not: only the
    // filter stops it. The child here is in a new session with the pty on stdin only.
    let script = inject(0);
    for (filter, expect) in [
        (allow_all(), "INJECTED".to_string()),
        (
            Filter::deny_terminal_injection(),
            format!("ERR {}", libc::EPERM),
        ),
    ] {
        let pty = llrun_kernel::terminal::Pty::open(None, None).unwrap();
        let mut cmd = std::process::Command::new(PYTHON);
        cmd.args(["-c", &script])
            .stdin(pty.slave.try_clone().unwrap())
            .stdout(std::process::Stdio::piped());
        let confinement = llrun_kernel::spawn::Confinement {
            rulesets: &[],
            filter: &filter,
            terminal: None,
            sigmask: nix::sys::signal::SigSet::thread_get_mask().unwrap(),
        };
        // The control runs outside spawn, which drops every capability (and with
        // CAP_SYS_ADMIN the only way to inject into a terminal that is not one's own).
        let child = if expect == "INJECTED" {
            cmd.spawn().unwrap()
        } else {
            llrun_kernel::spawn::spawn(cmd, &confinement).unwrap()
        };
        let out = child.wait_with_output().unwrap();
        let out = text(&out.stdout);
        if expect == "INJECTED" && nix::unistd::geteuid().as_raw() != 0 {
            continue; // unprivileged, the kernel refuses this on its own
        }
        assert!(out.contains(&expect), "expected {expect}: {out}");
    }
}

#[test]
fn the_pty_becomes_the_controlling_terminal_of_a_new_session() {
    let script = "import os; print('SID', os.getsid(0) == os.getpid(), 'FG', os.tcgetpgrp(0) == os.getpgrp(), 'TTY', os.ttyname(0) == os.ttyname(1) == os.ttyname(2))";
    let (out, code) = run_on_pty(
        Some(Filter::deny_terminal_injection()),
        PYTHON,
        &["-c", script],
    );
    assert!(out.contains("SID True FG True TTY True"), "{out}");
    assert_eq!(code, Some(0));
}
