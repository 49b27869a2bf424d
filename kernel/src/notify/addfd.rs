//! Putting a descriptor llrun opened into the program (`SECCOMP_IOCTL_NOTIF_ADDFD`, Linux 5.9).
//!
//! This is how an ask-approved call is carried out: llrun opens or connects the real thing
//! itself, checks what it got, and installs exactly that in the program, so that nothing the
//! program changes after the decision (a path swapped for a symlink) can redirect it.

use super::listener::{Listener, NotifId};
use nix::errno::Errno;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

/// `SECCOMP_ADDFD_FLAG_SETFD`: install at the given number, closing what was there (as `dup2`).
const SETFD: u32 = libc::SECCOMP_ADDFD_FLAG_SETFD as u32;
/// `SECCOMP_ADDFD_FLAG_SEND` (Linux 5.14): install, and answer the call with the new number.
const SEND: u32 = libc::SECCOMP_ADDFD_FLAG_SEND as u32;

impl Listener {
    /// Installs a copy of `fd` in the program and, atomically, answers call `id` with its
    /// number, which this returns (`SECCOMP_ADDFD_FLAG_SEND`, Linux 5.14): the program's `open`
    /// returns a descriptor of what llrun opened. `cloexec` should mirror the call's
    /// `O_CLOEXEC`.
    ///
    /// Fails with `ENOENT` when the call went away, `EINPROGRESS` when it was already answered,
    /// `EMFILE` when the program has no free descriptor, and `EINVAL` before 5.14 (see
    /// [`Listener::supports_addfd_send`]).
    pub fn add_fd_send(
        &self,
        id: NotifId,
        fd: BorrowedFd<'_>,
        cloexec: bool,
    ) -> Result<RawFd, Errno> {
        self.add_fd(id, fd, SEND, 0, cloexec)
    }

    /// Installs a copy of `fd` in the program as its descriptor `target_fd`, replacing (and
    /// closing) what was there, without answering call `id`: for a `connect`, llrun replaces the
    /// program's socket with one it connected itself, then answers `Response::Value(0)`.
    pub fn add_fd_replace(
        &self,
        id: NotifId,
        fd: BorrowedFd<'_>,
        target_fd: RawFd,
        cloexec: bool,
    ) -> Result<(), Errno> {
        let target = u32::try_from(target_fd).map_err(|_| Errno::EBADF)?;
        self.add_fd(id, fd, SETFD, target, cloexec).map(drop)
    }

    /// Whether the kernel knows `SECCOMP_ADDFD_FLAG_SEND`. Harmless on a live listener: the
    /// kernel checks the flags before the source descriptor, which is invalid here, so the call
    /// fails (`EINVAL` for unknown flags, `EBADF` for known ones) before it looks for a call.
    pub fn supports_addfd_send(&self) -> bool {
        let mut raw = libc::seccomp_notif_addfd {
            id: 0,
            flags: SEND,
            srcfd: u32::MAX,
            newfd: 0,
            newfd_flags: 0,
        };
        // SAFETY: NOTIF_ADDFD reads one `seccomp_notif_addfd`.
        let r = unsafe { self.ioctl(libc::SECCOMP_IOCTL_NOTIF_ADDFD, &mut raw) };
        r == Err(Errno::EBADF)
    }

    fn add_fd(
        &self,
        id: NotifId,
        fd: BorrowedFd<'_>,
        flags: u32,
        newfd: u32,
        cloexec: bool,
    ) -> Result<RawFd, Errno> {
        let mut raw = libc::seccomp_notif_addfd {
            id: id.0,
            flags,
            srcfd: fd.as_raw_fd() as u32,
            newfd,
            newfd_flags: if cloexec { libc::O_CLOEXEC as u32 } else { 0 },
        };
        // SAFETY: NOTIF_ADDFD reads one `seccomp_notif_addfd`.
        unsafe { self.ioctl(libc::SECCOMP_IOCTL_NOTIF_ADDFD, &mut raw) }
    }
}
