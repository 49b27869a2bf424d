//! The fast path: a call whose path, read as written, static Landlock already grants is let
//! through at once, without opening anything.
//!
//! This is safe whatever the path really names: CONTINUE lets the kernel run the call, and
//! Landlock checks it on the real inode. The price of skipping the real lookup: a path that
//! reaches an `ask` place through a symlink from a statically granted one is refused by
//! Landlock instead of being asked about.

use super::op::{Operation, PathOperand};
use super::plan::open_rights;
use super::policy::{Policy, Verdict};
use llrun_kernel::FsAccess;
use llrun_kernel::notify::Dir;
use nix::unistd::Pid;

/// Whether `op` of thread `pid` can be continued without a closer look.
pub fn continues(policy: &Policy, pid: Pid, op: &Operation) -> bool {
    let Operation::Open { at, flags, .. } = op else {
        return false;
    };
    if flags & nix::libc::O_PATH != 0 {
        // Landlock does not check O_PATH opens at all.
        return true;
    }
    if flags & nix::libc::O_CREAT != 0 {
        return false;
    }
    let Some(path) = lexical(pid, at) else {
        return false;
    };
    let dir = flags & nix::libc::O_DIRECTORY != 0;
    let rights: FsAccess = open_rights(*flags, dir);
    policy.decide(rights, &path, &path, None) == Verdict::Continue
}

/// The absolute path as written, with `.`, `..` and repeated slashes removed by text alone.
fn lexical(pid: Pid, at: &PathOperand) -> Option<String> {
    let path = std::str::from_utf8(&at.path).ok()?;
    let base = if path.starts_with('/') {
        String::new()
    } else {
        let link = match at.dir {
            Dir::Cwd => format!("/proc/{pid}/cwd"),
            Dir::Fd(fd) => format!("/proc/{pid}/fd/{fd}"),
        };
        let base = std::fs::read_link(link).ok()?;
        base.to_str()?.to_string()
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in base.split('/').chain(path.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::with_capacity(path.len() + base.len());
    for p in parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    Some(out)
}
