//! Whether a program is waiting for input on its terminal, read from `/proc`.
//!
//! The relay tells a program on its own pty that its input ended by typing the end-of-file key
//! (`VEOF`) for it, and that key only means "end of input" to a program that reads it in the
//! mode it was typed in. The terminal's own state cannot tell a program that waits for input
//! from one that has not started reading yet (still starting up, or busy), so this looks at
//! what the processes in the terminal's foreground process group are blocked in: a read of the
//! terminal, or a `select`/`poll`/`epoll` wait (which descriptors those watch is in the
//! process's memory, so any such wait counts).

use nix::sys::stat::fstat;
use nix::unistd::{Pid, tcgetpgrp};
use std::io::ErrorKind;
use std::os::fd::AsFd;

/// Calls that read one descriptor, given as their first argument.
const READS: &[libc::c_long] = &[libc::SYS_read, libc::SYS_readv];

/// Calls that wait for any of several descriptors.
#[cfg(target_arch = "x86_64")]
const WAITS: &[libc::c_long] = &[
    libc::SYS_select,
    libc::SYS_poll,
    libc::SYS_epoll_wait,
    libc::SYS_pselect6,
    libc::SYS_ppoll,
    libc::SYS_epoll_pwait,
    libc::SYS_epoll_pwait2,
];
#[cfg(not(target_arch = "x86_64"))]
const WAITS: &[libc::c_long] = &[
    libc::SYS_pselect6,
    libc::SYS_ppoll,
    libc::SYS_epoll_pwait,
    libc::SYS_epoll_pwait2,
];

/// Whether some thread of `root` or of one of its descendants, in the foreground process group
/// of the pty whose ends are `master` and `slave`, is blocked reading `slave`'s terminal or
/// waiting in `select`/`poll`/`epoll`.
///
/// `None` when `/proc` cannot tell: it is not mounted, or a process may not be inspected by
/// this one (`/proc/PID/syscall` needs the right to trace it, which a parent has over its
/// unprivileged descendants). The caller then has to guess.
pub fn input_awaited(root: Pid, master: impl AsFd, slave: impl AsFd) -> Option<bool> {
    let foreground = tcgetpgrp(master.as_fd()).ok()?;
    let tty = fstat(slave.as_fd()).ok()?.st_rdev;
    let mut pending = vec![root];
    while let Some(pid) = pending.pop() {
        let Some(group) = process_group(pid) else {
            continue; // gone since its parent listed it
        };
        for tid in threads(pid) {
            if group == foreground && blocked_on_input(pid, &tid, tty)? {
                return Some(true);
            }
            pending.extend(children(pid, &tid));
        }
    }
    Some(false)
}

/// The process group of `pid`, from `/proc/PID/stat` (after the command name, which may hold
/// spaces and parentheses: state, parent, group).
fn process_group(pid: Pid) -> Option<Pid> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let group = rest.split_ascii_whitespace().nth(2)?.parse().ok()?;
    Some(Pid::from_raw(group))
}

fn threads(pid: Pid) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|dir| {
            dir.flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn children(pid: Pid, tid: &str) -> Vec<Pid> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/children"))
        .unwrap_or_default()
        .split_ascii_whitespace()
        .filter_map(|c| c.parse().ok().map(Pid::from_raw))
        .collect()
}

/// Whether thread `tid` of `pid` is blocked reading the terminal `tty` or waiting for several
/// descriptors. `/proc/PID/task/TID/syscall` holds the call number and its arguments in hex
/// while the thread is blocked in a call, `running` while it runs, and `-1 …` while it is
/// blocked outside any call. `None` when this process may not look.
fn blocked_on_input(pid: Pid, tid: &str, tty: libc::dev_t) -> Option<bool> {
    let text = match std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/syscall")) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::PermissionDenied => return None,
        Err(_) => return Some(false), // the thread is gone
    };
    let mut fields = text.split_ascii_whitespace();
    let Some(Ok(call)) = fields.next().map(str::parse::<libc::c_long>) else {
        return Some(false);
    };
    if WAITS.contains(&call) {
        return Some(true);
    }
    if !READS.contains(&call) {
        return Some(false);
    }
    let fd = fields
        .next()
        .and_then(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).ok());
    Some(fd.is_some_and(|fd| {
        std::fs::metadata(format!("/proc/{pid}/fd/{fd}"))
            .is_ok_and(|m| std::os::unix::fs::MetadataExt::rdev(&m) == tty)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::Pty;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    /// Starts `sh -c script` in a new session on a new pty, as llrun starts a program.
    fn on_pty(script: &str) -> (Pty, std::process::Child) {
        let pty = Pty::open(None, None).unwrap();
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
            .stdin(Stdio::from(pty.slave.try_clone().unwrap()))
            .stdout(Stdio::from(pty.slave.try_clone().unwrap()))
            .stderr(Stdio::null());
        // SAFETY: setsid and the TIOCSCTTY ioctl are async-signal-safe system calls on
        // integers; nothing is allocated or locked between fork and exec.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut command, || {
                nix::unistd::setsid()?;
                crate::terminal::make_controlling(0)?;
                Ok(())
            });
        }
        let child = command.spawn().unwrap();
        (pty, child)
    }

    /// Polls [`input_awaited`] for up to two seconds until it says `want`.
    fn becomes(pty: &Pty, child: &std::process::Child, want: bool) -> bool {
        let pid = Pid::from_raw(child.id() as i32);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(2) {
            if input_awaited(pid, &pty.master, &pty.slave) == Some(want) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    #[test]
    fn a_shell_reading_its_terminal_awaits_input() {
        let (pty, mut child) = on_pty("read line");
        assert!(becomes(&pty, &child, true));
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn a_child_of_the_program_reading_the_terminal_awaits_input() {
        // `sh` waits for `cat` (not an input wait); `cat`, in the same group, reads.
        let (pty, mut child) = on_pty("cat; :");
        assert!(becomes(&pty, &child, true));
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn a_program_that_sleeps_or_reads_a_pipe_does_not_await_input() {
        let (pty, mut child) = on_pty("sleep 0.3 | cat >/dev/null; read line");
        // While `sleep` sleeps and `cat` reads the pipe, nobody waits for the terminal...
        std::thread::sleep(Duration::from_millis(100));
        let pid = Pid::from_raw(child.id() as i32);
        assert_eq!(input_awaited(pid, &pty.master, &pty.slave), Some(false));
        // ...and once `read` runs, the shell does.
        assert!(becomes(&pty, &child, true));
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
