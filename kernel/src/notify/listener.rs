//! The supervisor's end of the filter: receiving trapped calls and answering them.

use crate::seccomp::{PathArg, Trapped};
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::unistd::Pid;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

/// `SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP` (include/uapi/linux/seccomp.h, Linux 6.6): answers wake
/// the waiting thread on the answering CPU, which turns a round trip into a direct hand-over.
const SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: u64 = 1;

/// A user-notification listener: the descriptor through which the kernel hands each trapped call
/// of the supervised program to llrun, and through which llrun answers.
///
/// Every method takes `&self`, and the kernel serialises the operations on the descriptor, so
/// one thread may block in [`Listener::recv`] while others answer earlier calls. Closing it (by
/// dropping) makes the kernel answer every pending and future trapped call with `ENOSYS`: the
/// program can never get past a trap without a live supervisor.
#[derive(Debug)]
pub struct Listener {
    fd: OwnedFd,
}

/// The kernel's name for one trapped call, valid until it is answered or its thread gives up
/// (dies, or is interrupted by a signal before the call was received).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NotifId(pub u64);

/// One trapped call, as the kernel reported it.
///
/// Pointer arguments point into the program's memory, which the program can change at any time
/// (another thread): read what they point at once, decide on that copy, and confirm with
/// [`Listener::id_valid`] afterwards that `pid` still is the thread that made the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// What the answer names, and what [`Listener::id_valid`] checks.
    pub id: NotifId,
    /// The calling thread, in llrun's pid namespace.
    pub pid: Pid,
    /// `None` only for a number the supervised filter does not trap (a different filter).
    pub syscall: Option<Trapped>,
    /// The raw system call number, as the filter saw it.
    pub nr: i32,
    /// The `AUDIT_ARCH_*` of the call; the supervised filter only lets the native one through.
    pub arch: u32,
    /// The call's six argument registers, pointers included (see above).
    pub args: [u64; 6],
}

/// The directory a path operand is resolved against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// The calling process's working directory (`AT_FDCWD`, or a call without a dirfd).
    Cwd,
    /// One of the program's descriptors (see [`super::pidfd_getfd`]).
    Fd(RawFd),
}

impl Notification {
    /// The directory and path address of a path operand of this call.
    pub fn path(&self, operand: PathArg) -> (Dir, u64) {
        let dir = match operand.dirfd.map(|i| self.fd_arg(i)) {
            None | Some(libc::AT_FDCWD) => Dir::Cwd,
            Some(fd) => Dir::Fd(fd),
        };
        (dir, self.args[operand.path])
    }

    /// Argument `i` as the `int` the kernel takes: system calls ignore the upper 32 bits of a
    /// descriptor argument, so the supervisor must too.
    pub fn fd_arg(&self, i: usize) -> RawFd {
        self.args[i] as u32 as RawFd
    }
}

/// How to answer a trapped call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// Let the kernel run the call as made (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`). Safe only
    /// where another check follows: Landlock checks the real call, whatever the program changed
    /// in its memory since.
    Continue,
    /// The call fails with this error without running.
    Errno(Errno),
    /// The call returns this value without running (the supervisor did the work).
    Value(i64),
}

/// Why [`Listener::recv`] returned no call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecvError {
    /// The call went away before it could be received: its thread died, or a signal interrupted
    /// it (the thread then makes the call again, and it is trapped anew). Receive again.
    #[error("the trapped call went away before it was received")]
    Abandoned,
    /// Every process under the filter has exited: no call will ever come. Stop receiving.
    #[error("no process runs under the filter any more")]
    NoTargets,
    /// `SECCOMP_IOCTL_NOTIF_RECV` failed for another reason.
    #[error("cannot receive a trapped call: {0}")]
    Failed(Errno),
}

/// Whether [`Listener::set_sync_wakeup`] took effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncWakeup {
    /// Answers now wake the program on the answering CPU.
    Enabled,
    /// The kernel predates it (before 6.6): answers wake the program the ordinary way.
    Unsupported,
}

impl Listener {
    /// Takes ownership of a listener descriptor (as returned by
    /// [`crate::seccomp::Filter::install`]). Any other descriptor makes every method fail.
    pub fn from_fd(fd: OwnedFd) -> Listener {
        Listener { fd }
    }

    /// Waits for the next trapped call (`SECCOMP_IOCTL_NOTIF_RECV`). Interruptions by signals
    /// are retried. Returns [`RecvError::NoTargets`] instead of blocking once every process
    /// under the filter has exited (on 6.18 as soon as they exit, before they are reaped): the
    /// program and every descendant it left behind, which inherit the filter.
    pub fn recv(&self) -> Result<Notification, RecvError> {
        // The kernel refuses a buffer that is not zeroed (room for future fields); a failed
        // call leaves it untouched, so one zeroing serves every retry.
        // SAFETY: `seccomp_notif` is plain integers, for which all-zero is a valid value.
        let mut raw: libc::seccomp_notif = unsafe { std::mem::zeroed() };
        // SAFETY: NOTIF_RECV writes one `seccomp_notif`.
        match unsafe { self.ioctl(libc::SECCOMP_IOCTL_NOTIF_RECV, &mut raw) } {
            Ok(_) => Ok(Notification::from_raw(&raw)),
            Err(Errno::ENOENT) if self.hung_up() => Err(RecvError::NoTargets),
            Err(Errno::ENOENT) => Err(RecvError::Abandoned),
            Err(e) => Err(RecvError::Failed(e)),
        }
    }

    /// Whether every process under the filter has exited (the listener polls `POLLHUP`).
    fn hung_up(&self) -> bool {
        let mut fds = [PollFd::new(self.fd.as_fd(), PollFlags::empty())];
        matches!(poll(&mut fds, PollTimeout::ZERO), Ok(1))
            && fds[0]
                .revents()
                .is_some_and(|r| r.contains(PollFlags::POLLHUP))
    }

    /// Whether call `id` still waits for an answer (`SECCOMP_IOCTL_NOTIF_ID_VALID`): after
    /// reading the program's memory or opening its `/proc/<pid>` entries, this confirms the
    /// thread did not die and its pid was not reused in between.
    pub fn id_valid(&self, id: NotifId) -> bool {
        let mut raw = id.0;
        // SAFETY: NOTIF_ID_VALID reads one `u64`.
        unsafe { self.ioctl(libc::SECCOMP_IOCTL_NOTIF_ID_VALID, &mut raw) }.is_ok()
    }

    /// Answers call `id` (`SECCOMP_IOCTL_NOTIF_SEND`). `ENOENT` means the call went away (its
    /// thread died or was interrupted): nothing to do. A call is answered once; a second answer
    /// fails with `EINPROGRESS`. `Response::Errno(Errno::UnknownErrno)` is refused with
    /// `EINVAL` without answering: an error of 0 would tell the kernel the call succeeded.
    pub fn respond(&self, id: NotifId, response: Response) -> Result<(), Errno> {
        if response == Response::Errno(Errno::UnknownErrno) {
            return Err(Errno::EINVAL);
        }
        let (val, error, flags) = match response {
            Response::Continue => (0, 0, libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32),
            Response::Errno(e) => (0, -(e as i32), 0),
            Response::Value(v) => (v, 0, 0),
        };
        let mut raw = libc::seccomp_notif_resp {
            id: id.0,
            val,
            error,
            flags,
        };
        // SAFETY: NOTIF_SEND reads one `seccomp_notif_resp`.
        unsafe { self.ioctl(libc::SECCOMP_IOCTL_NOTIF_SEND, &mut raw) }.map(drop)
    }

    /// Lets every trapped call run (CONTINUE) until no process is left under the filter, or
    /// receiving fails: a supervisor that decides nothing, for measuring the mechanism itself.
    pub fn continue_all(&self) {
        loop {
            match self.recv() {
                Ok(n) => {
                    let _ = self.respond(n.id, Response::Continue);
                }
                Err(RecvError::Abandoned) => {}
                Err(_) => return,
            }
        }
    }

    /// Makes answers wake the program synchronously on the answering CPU
    /// (`SECCOMP_IOCTL_NOTIF_SET_FLAGS` with `SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP`, Linux 6.6):
    /// several times faster round trips when one thread answers calls as they come.
    pub fn set_sync_wakeup(&self) -> Result<SyncWakeup, Errno> {
        loop {
            // SAFETY: SET_FLAGS takes the flags as the argument itself and dereferences nothing.
            let r = unsafe {
                libc::ioctl(
                    self.fd.as_raw_fd(),
                    libc::SECCOMP_IOCTL_NOTIF_SET_FLAGS,
                    SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP,
                )
            };
            match Errno::result(r) {
                Ok(_) => return Ok(SyncWakeup::Enabled),
                Err(Errno::EINTR) => continue,
                // Before 6.6 the command is unknown, which the listener answers with EINVAL.
                Err(Errno::EINVAL) => return Ok(SyncWakeup::Unsupported),
                Err(e) => return Err(e),
            }
        }
    }

    /// One ioctl on the listener, retried while a signal interrupts it (a wait for the next
    /// call, or for the kernel's lock on the listener).
    ///
    /// # Safety
    /// `request` must make the kernel read or write at most one `T` at `arg`.
    pub(super) unsafe fn ioctl<T>(
        &self,
        request: libc::Ioctl,
        arg: &mut T,
    ) -> Result<libc::c_int, Errno> {
        loop {
            // SAFETY: the caller's contract; `arg` is a live, exclusive `T`.
            let r = unsafe { libc::ioctl(self.fd.as_raw_fd(), request, arg as *mut T) };
            match Errno::result(r) {
                Err(Errno::EINTR) => continue,
                r => return r,
            }
        }
    }
}

impl Notification {
    fn from_raw(raw: &libc::seccomp_notif) -> Notification {
        Notification {
            id: NotifId(raw.id),
            pid: Pid::from_raw(raw.pid as i32),
            syscall: Trapped::from_nr(raw.data.nr),
            nr: raw.data.nr,
            arch: raw.data.arch,
            args: raw.data.args,
        }
    }
}

impl AsFd for Listener {
    /// For `poll`: readable when a call waits to be received, `POLLHUP` once every process
    /// under the filter has exited.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
