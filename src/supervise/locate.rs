//! Finding what a path operand really names, from outside the sandbox.
//!
//! The program's path string is only a hint: between the trap and the answer the program can
//! swap a component for a symlink. So llrun opens the parent directory itself (following
//! ordinary symlinks, never magic links such as `/proc/PID/fd/N`), asks the kernel what it
//! opened, and decides on that path; the operation is then performed relative to the opened
//! descriptor, so what was decided on is what is changed.

use super::op::PathOperand;
use llrun_kernel::notify::{Dir, fd_path};
use nix::errno::Errno;
use nix::fcntl::{OFlag, OpenHow, ResolveFlag, openat2};
use nix::sys::stat::Mode;
use nix::unistd::Pid;
use std::ffi::OsStr;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

/// A path operand's parent directory, opened, and the final name within it.
#[derive(Debug)]
pub struct Located {
    /// `O_PATH` descriptor of the parent directory.
    pub parent: OwnedFd,
    /// Where the parent really is, as the kernel names it.
    pub parent_path: String,
    /// The final component (never empty, `.` or `..`).
    pub name: Vec<u8>,
}

impl Located {
    /// The absolute path of the named entry.
    pub fn path(&self) -> String {
        join(&self.parent_path, &String::from_utf8_lossy(&self.name))
    }
}

/// Where the program's `dir` is: its working directory, or one of its descriptors. Opened
/// through `/proc/PID/…` by llrun, which is not sandboxed: the result is the program's own
/// directory, whatever the program did to its view. An absolute path starts at `/`: the
/// program's root is llrun's, since it can neither `chroot` (llrun dropped its capabilities)
/// nor change mounts (Landlock forbids it).
pub fn base(pid: Pid, dir: Dir, absolute: bool) -> Result<OwnedFd, Errno> {
    let link = match (absolute, dir) {
        (true, _) => "/".to_string(),
        (false, Dir::Cwd) => format!("/proc/{pid}/cwd"),
        (false, Dir::Fd(fd)) => format!("/proc/{pid}/fd/{fd}"),
    };
    let fd = nix::fcntl::open(
        link.as_str(),
        OFlag::O_PATH | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| if e == Errno::ENOENT { Errno::EBADF } else { e })?;
    Ok(fd)
}

/// Opens the parent of `operand` and splits off its final name. Fails with the errno the
/// program's own call would most likely have seen (`ENOENT`, `ENOTDIR`, `ELOOP`, …), and with
/// `EINVAL` for a final `.` or `..` (no supervised operation needs one).
pub fn parent(pid: Pid, operand: &PathOperand) -> Result<Located, Errno> {
    let path = trim_trailing_slashes(&operand.path);
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let absolute = path[0] == b'/';
    let (dir_part, name) = match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&b""[..], path),
    };
    if name.is_empty() || name == b"." || name == b".." {
        return Err(Errno::EINVAL);
    }
    let base = base(pid, operand.dir, absolute)?;
    let dir_part = strip_leading_slashes(dir_part);
    let dir_part = if dir_part.is_empty() {
        &b"."[..]
    } else {
        dir_part
    };
    let parent = open_beneath(&base, OsStr::from_bytes(dir_part), OFlag::O_DIRECTORY)?;
    let parent_path = real_path(&parent)?;
    Ok(Located {
        parent,
        parent_path,
        name: name.to_vec(),
    })
}

/// Opens `path` relative to `dir` as `O_PATH` (`extra` may add `O_DIRECTORY`, `O_NOFOLLOW`).
/// Ordinary symlinks are followed (the decision is taken on where the result really is);
/// magic links are refused, since they could hand over a file the program cannot name.
pub fn open_beneath(dir: impl AsFd, path: &OsStr, extra: OFlag) -> Result<OwnedFd, Errno> {
    let how = OpenHow::new()
        .flags(OFlag::O_PATH | OFlag::O_CLOEXEC | extra)
        .resolve(ResolveFlag::RESOLVE_NO_MAGICLINKS);
    openat2(dir, path, how)
}

/// The path of an opened file as the kernel names it; `ENOENT` once it was removed.
pub fn real_path(fd: impl AsFd) -> Result<String, Errno> {
    let p = fd_path(fd).map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(nix::libc::EIO)))?;
    let s = p.to_string_lossy().into_owned();
    if s.ends_with(" (deleted)") || !s.starts_with('/') {
        return Err(Errno::ENOENT);
    }
    Ok(s)
}

fn join(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

fn trim_trailing_slashes(p: &[u8]) -> &[u8] {
    let mut end = p.len();
    while end > 1 && p[end - 1] == b'/' {
        end -= 1;
    }
    &p[..end]
}

fn strip_leading_slashes(p: &[u8]) -> &[u8] {
    let start = p.iter().position(|&b| b != b'/').unwrap_or(p.len());
    &p[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_parent_and_name() {
        let me = Pid::this();
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("d")).unwrap();
        std::os::unix::fs::symlink(root.join("d"), root.join("l")).unwrap();
        let op = |p: String| PathOperand {
            dir: Dir::Cwd,
            path: p.into_bytes(),
        };
        let r = root.display();
        let got = parent(me, &op(format!("{r}/l//x/"))).unwrap();
        assert_eq!(got.path(), format!("{r}/d/x"));
        assert_eq!(
            parent(me, &op(format!("{r}/d/.."))).unwrap_err(),
            Errno::EINVAL
        );
        assert_eq!(
            parent(me, &op(format!("{r}/missing/x"))).unwrap_err(),
            Errno::ENOENT
        );
        assert_eq!(parent(me, &op("/".into())).unwrap_err(), Errno::EINVAL);
    }
}
