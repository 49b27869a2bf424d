//! Reaching into the supervised program: its memory (the path or address of a trapped call) and
//! its descriptors (the directory a path is relative to, the socket being connected).
//!
//! Everything read here can be stale by the time it is used: the program may have died and its
//! pid been reused, or another of its threads may have rewritten the memory. Read once, decide
//! on the copy, and confirm with [`super::Listener::id_valid`] afterwards.

use crate::process::pidfd_open_with;
use nix::errno::Errno;
use nix::sys::uio::{RemoteIoVec, process_vm_readv};
use nix::unistd::Pid;
use std::io::IoSliceMut;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;

/// Why the program's memory could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// No NUL within the limit: the call would fail with `ENAMETOOLONG` anyway.
    #[error("the string is longer than the limit")]
    TooLong,
    /// The address (or the string running on from it) is not mapped readable in the program:
    /// the call would fail with `EFAULT` anyway.
    #[error("the address is not readable in the program")]
    Fault,
    /// The process has exited.
    #[error("the process is gone")]
    Gone,
    /// llrun may not read this process (`EPERM`: it is not dumpable, or a security module
    /// refuses ptrace access), or another error.
    #[error("cannot read the program's memory: {0}")]
    Other(Errno),
}

/// Reads the NUL-terminated string at `addr` in process `pid`, without the NUL, refusing one
/// longer than `max` bytes (for a path, `PATH_MAX - 1`).
///
/// Reads at most one page at a time, so a string that ends right before an unmapped page is
/// read without touching that page (a read spanning it would fail as a whole). The first read
/// is short ([`FIRST_READ`]): most paths fit, and copying a whole page costs more than they do.
pub fn read_c_string(pid: Pid, addr: u64, max: usize) -> Result<Vec<u8>, ReadError> {
    let page = page_size();
    let mut out = Vec::new();
    let mut at = addr;
    loop {
        let to_page_end = page - (at % page as u64) as usize;
        let chunk = if out.is_empty() {
            to_page_end.min(FIRST_READ)
        } else {
            to_page_end
        };
        // Up to `max + 1` bytes in all: room for the NUL after the longest string allowed.
        let want = chunk.min(max + 1 - out.len());
        let start = out.len();
        out.resize(start + want, 0);
        let got = read_into(pid, at, &mut out[start..])?;
        if let Some(nul) = out[start..start + got].iter().position(|&b| b == 0) {
            out.truncate(start + nul);
            return Ok(out);
        }
        if got < want {
            return Err(ReadError::Fault);
        }
        if out.len() > max {
            return Err(ReadError::TooLong);
        }
        at = at.checked_add(want as u64).ok_or(ReadError::Fault)?;
    }
}

/// Bytes read first for a string: the length of most paths.
const FIRST_READ: usize = 256;

/// Reads exactly `len` bytes at `addr` in process `pid` (a socket address, an `open_how`).
pub fn read_bytes(pid: Pid, addr: u64, len: usize) -> Result<Vec<u8>, ReadError> {
    let mut out = vec![0; len];
    let mut done = 0;
    // The kernel may stop short at a page it cannot read; what is left then faults.
    while done < len {
        match read_into(pid, addr + done as u64, &mut out[done..])? {
            0 => return Err(ReadError::Fault),
            n => done += n,
        }
    }
    Ok(out)
}

/// One `process_vm_readv` into `buf`: the number of bytes read, short when it reached an
/// unreadable page.
fn read_into(pid: Pid, addr: u64, buf: &mut [u8]) -> Result<usize, ReadError> {
    let remote = [RemoteIoVec {
        base: usize::try_from(addr).map_err(|_| ReadError::Fault)?,
        len: buf.len(),
    }];
    match process_vm_readv(pid, &mut [IoSliceMut::new(buf)], &remote) {
        Ok(n) => Ok(n),
        Err(Errno::EFAULT) => Ok(0),
        Err(Errno::ESRCH) => Err(ReadError::Gone),
        Err(e) => Err(ReadError::Other(e)),
    }
}

fn page_size() -> usize {
    static PAGE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *PAGE.get_or_init(|| {
        nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
            .ok()
            .flatten()
            .map_or(4096, |p| p as usize)
    })
}

/// `PIDFD_THREAD` (include/uapi/linux/pidfd.h, Linux 6.9): a pidfd for one thread, which need
/// not lead its thread group. It is `O_EXCL`.
const PIDFD_THREAD: libc::c_uint = libc::O_EXCL as libc::c_uint;

/// A pidfd for the thread `tid` that made a trapped call ([`super::Notification::pid`] is a
/// thread, and most calls of a multithreaded program come from threads other than the first).
/// Uses `PIDFD_THREAD` (6.9); on older kernels, which give pidfds for thread-group leaders only,
/// falls back to the leader named in `/proc/<tid>/status`, which shares the thread's descriptor
/// table unless the thread was cloned without `CLONE_FILES`. Close-on-exec.
pub fn pidfd_open_thread(tid: Pid) -> Result<OwnedFd, Errno> {
    match pidfd_open_with(tid, PIDFD_THREAD) {
        Err(Errno::EINVAL) => pidfd_open_with(thread_group_of(tid)?, 0),
        r => r,
    }
}

/// The thread-group leader of `tid` (the `Tgid:` line of `/proc/<tid>/status`).
fn thread_group_of(tid: Pid) -> Result<Pid, Errno> {
    let status =
        std::fs::read_to_string(format!("/proc/{tid}/status")).map_err(|_| Errno::ESRCH)?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Tgid:"))
        .and_then(|v| v.trim().parse().ok())
        .map(Pid::from_raw)
        .ok_or(Errno::ESRCH)
}

/// A duplicate of the program's descriptor `target_fd`, through the program's pidfd
/// (`pidfd_getfd`, Linux 5.6): the same open file, so a directory to resolve a path against, or
/// the very socket the program is connecting (connecting the duplicate connects the program's
/// socket). Close-on-exec. `EBADF` when the program has no such descriptor.
pub fn pidfd_getfd(pidfd: impl AsFd, target_fd: RawFd) -> Result<OwnedFd, Errno> {
    // SAFETY: integer arguments only; on success the kernel returns a new descriptor that
    // nothing else owns.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_pidfd_getfd,
            pidfd.as_fd().as_raw_fd(),
            target_fd,
            0u32,
        )
    };
    let fd = Errno::result(fd)?;
    // SAFETY: see above.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// The path of what `fd` refers to, as the kernel names it (`/proc/self/fd/N`): for messages
/// and for matching against the policy after the file was opened. `" (deleted)"` is appended
/// by the kernel to a removed file's name.
pub fn fd_path(fd: impl AsFd) -> std::io::Result<PathBuf> {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_fd().as_raw_fd()))
}
