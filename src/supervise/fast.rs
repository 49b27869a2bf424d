//! The fast path: a call whose path, read as written, static Landlock already grants is let
//! through at once, without opening anything.
//!
//! This is safe whatever the path really names: CONTINUE lets the kernel run the call, and
//! Landlock checks it on the real inode. A path with a symlink on the way takes the slow path,
//! so that one leading from a granted place into an asked one is asked about (one `openat2`
//! with `RESOLVE_NO_SYMLINKS` tells). A name opened with `O_NOFOLLOW` relative to a descriptor
//! of a clean directory ([`Clean`]) is let through without even reading the directory's path.

use super::clean::Clean;
use super::op::{Operation, PathOperand};
use super::plan::{Meets, open_rights};
use super::policy::{Policy, Verdict};
use llrun_kernel::FsAccess;
use llrun_kernel::notify::Dir;
use nix::unistd::Pid;

/// Whether `op` of thread `pid` can be continued without a closer look.
pub fn continues(policy: &Policy, pid: Pid, op: &Operation) -> bool {
    let Operation::Open {
        at, flags, resolve, ..
    } = op
    else {
        return false;
    };
    if flags & nix::libc::O_PATH != 0 {
        // Landlock does not check O_PATH opens at all.
        path_only(policy, pid, at, *flags, *resolve);
        return true;
    }
    if flags & nix::libc::O_CREAT != 0 {
        return false;
    }
    if in_clean_directory(&policy.clean, at, *flags, *resolve) {
        return true;
    }
    let Some((path, written)) = lexical(pid, at) else {
        return false;
    };
    // The name is not looked at: every right an open of any file type there could need.
    let rights: FsAccess = open_rights(*flags, Meets::Unknown);
    let continues = policy.decide(rights, &path, &path, None) == Verdict::Continue
        && !meets_symlink(&at.path, &written, flags & nix::libc::O_NOFOLLOW != 0);
    if continues && may_open_a_directory(*flags) {
        policy.clean.continued(&path);
    }
    continues
}

/// An `O_PATH` open can give a descriptor of any directory, an asked one too: it taints the
/// run unless what it opens is known to be clean (resolved without a symlink, to a clean path).
fn path_only(policy: &Policy, pid: Pid, at: &PathOperand, flags: i32, resolve: u64) {
    let clean = &policy.clean;
    if !clean.watching() || in_clean_directory(clean, at, flags, resolve) {
        return;
    }
    let nofollow = flags & nix::libc::O_NOFOLLOW != 0;
    match lexical(pid, at) {
        Some((path, written)) if resolve == 0 && !meets_symlink(&at.path, &written, nofollow) => {
            clean.continued(&path)
        }
        _ => clean.taint(),
    }
}

/// A name opened without following a symlink, relative to a descriptor that [`Clean`] says
/// needs no look (`openat2`'s `RESOLVE_*` flags and `O_TMPFILE` take the usual path).
fn in_clean_directory(clean: &Clean, at: &PathOperand, flags: i32, resolve: u64) -> bool {
    matches!(at.dir, Dir::Fd(_))
        && flags & nix::libc::O_NOFOLLOW != 0
        && flags & nix::libc::O_TMPFILE != nix::libc::O_TMPFILE
        && resolve == 0
        && clean.skips(&at.path)
}

/// Only an open for reading alone can give a directory descriptor (any other is `EISDIR`).
pub fn may_open_a_directory(flags: i32) -> bool {
    flags & nix::libc::O_ACCMODE == nix::libc::O_RDONLY
}

/// Whether resolving `written` (the absolute path as written) meets a symlink: then where it
/// leads may be a place the supervisor decides (an ask, a carve), and the slow path looks.
///
/// A relative `operand` is resolved from a directory whose path the kernel gave
/// (`/proc/PID/fd/N` or `cwd`), which has no symlinks on it. So one name needs no more than a
/// look at that name, and none with `O_NOFOLLOW`, where the kernel refuses a symlink itself:
/// this is how `tar`, `find` and `rm -r` open everything they walk.
fn meets_symlink(operand: &[u8], written: &str, nofollow: bool) -> bool {
    let one_name = !operand.starts_with(b"/") && !operand.contains(&b'/');
    match operand {
        _ if !one_name => through_symlink(written),
        b"." | b".." => false,
        _ if nofollow => false,
        _ => std::fs::symlink_metadata(written).is_ok_and(|m| m.file_type().is_symlink()),
    }
}

/// Whether resolving `path` (absolute, as written) meets a symlink anywhere. One `openat2`
/// with `RESOLVE_NO_SYMLINKS`; any other failure is the kernel's to report on the real call.
fn through_symlink(path: &str) -> bool {
    use nix::fcntl::{AT_FDCWD, OFlag, OpenHow, ResolveFlag, openat2};
    let how = OpenHow::new()
        .flags(OFlag::O_PATH | OFlag::O_CLOEXEC)
        .resolve(ResolveFlag::RESOLVE_NO_SYMLINKS);
    matches!(openat2(AT_FDCWD, path, how), Err(nix::errno::Errno::ELOOP))
}

/// The absolute path with `.`, `..` and repeated slashes removed by text alone, and the
/// absolute path as written (the working directory or descriptor's path, then the operand).
fn lexical(pid: Pid, at: &PathOperand) -> Option<(String, String)> {
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
    let written = if base.is_empty() {
        path.to_string()
    } else {
        format!("{base}/{path}")
    };
    Some((out, written))
}
