//! Who may answer: the same user, from outside the sandbox.
//!
//! The socket file is mode 0600, but the sandboxed program runs as the same user, and on
//! Landlock ABI < 9 connecting to a pathname unix socket is not a file access Landlock governs.
//! A program that found the path could connect and answer its own asks. So every peer's
//! credentials (`SO_PEERCRED`, taken by the kernel at `connect`) are checked: its uid must be
//! ours (or root), and it must not descend from llrun (every process llrun starts is the
//! sandboxed program or runs under it). Descent is read from `/proc/PID/stat`; a process that
//! double-forks to leave the chain is reparented to the nearest subreaper, so llrun must be a
//! child subreaper (`PR_SET_CHILD_SUBREAPER`) for the check to hold.

use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicI32, Ordering};

/// The peer check of one socket.
#[derive(Debug, Default)]
pub struct Guard {
    /// Peers descending from this pid are refused; 0: no sandbox yet.
    sandbox: AtomicI32,
}

impl Guard {
    /// Refuses every later peer that descends (strictly) from `root`.
    pub fn set_sandbox(&self, root: i32) {
        self.sandbox.store(root, Ordering::SeqCst);
    }

    /// Ok if the peer of `stream` may answer; else the reason, for the log and the peer.
    pub fn check(&self, stream: &UnixStream) -> Result<(), String> {
        use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
        let cred = getsockopt(stream, PeerCredentials)
            .map_err(|e| format!("cannot read the peer's credentials: {e}"))?;
        let me = nix::unistd::geteuid().as_raw();
        if cred.uid() != me && cred.uid() != 0 {
            return Err(format!("uid {} may not answer for uid {me}", cred.uid()));
        }
        let root = self.sandbox.load(Ordering::SeqCst);
        if root > 0 && descends_from(cred.pid(), root) {
            return Err(format!(
                "process {} runs inside the sandbox and may not answer its own asks",
                cred.pid()
            ));
        }
        Ok(())
    }
}

/// Whether `pid` is a strict descendant of `root`. A process that vanished, or whose parent
/// cannot be read, counts as a descendant: refusing is the safe side.
pub fn descends_from(pid: i32, root: i32) -> bool {
    let mut current = pid;
    // The chain is finite (pids 1 and 0 end it); the bound only guards against a read racing
    // with pid reuse into a cycle.
    for _ in 0..4096 {
        match parent(current) {
            Some(p) if p == root => return true,
            Some(p) if p <= 1 => return false,
            Some(p) => current = p,
            None => return true,
        }
    }
    true
}

/// The parent pid from `/proc/PID/stat` (the field after the state, after the last `)`).
fn parent(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}
