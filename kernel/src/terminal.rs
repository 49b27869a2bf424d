//! Terminals: a pseudo-terminal for the sandboxed program, window sizes, and raw mode on the
//! user's real terminal.
//!
//! When the program runs on a pty of its own, it holds no descriptor of the user's terminal, so
//! it can neither push keystrokes into it nor change its settings, and the terminal stays free
//! for llrun's own prompts. llrun relays between the two with the real terminal in raw mode, so
//! that every key (Ctrl-C included) reaches the program's pty and its line discipline.

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
use nix::sys::termios::{self, SetArg, Termios};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::{Mutex, Once};

pub use nix::pty::Winsize;

/// A new pseudo-terminal pair. Both ends are close-on-exec: the child gets the slave through
/// its standard streams, never as a stray descriptor.
#[derive(Debug)]
pub struct Pty {
    /// llrun's end: what the program writes is read here, and what is written here is its input.
    pub master: OwnedFd,
    /// The program's end, to become its standard streams and controlling terminal.
    pub slave: OwnedFd,
}

impl Pty {
    /// Opens a pair whose slave starts with `size` and `settings` (the user's terminal's, so
    /// that the program sees the same erase key, window and so on).
    pub fn open(size: Option<&Winsize>, settings: Option<&Termios>) -> Result<Pty, Errno> {
        let pair = nix::pty::openpty(size, settings)?;
        for fd in [&pair.master, &pair.slave] {
            fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))?;
        }
        Ok(Pty {
            master: pair.master,
            slave: pair.slave,
        })
    }
}

/// Makes `fd` non-blocking (for llrun's own pty master, never for shared descriptors).
pub fn set_nonblocking(fd: impl AsFd) -> Result<(), Errno> {
    let flags = OFlag::from_bits_retain(fcntl(&fd, FcntlArg::F_GETFL)?);
    fcntl(&fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK)).map(drop)
}

/// The raw ioctls, kept private: their wrappers below are the safe API.
mod ioctl {
    use super::Winsize;
    nix::ioctl_read_bad!(tiocgwinsz, libc::TIOCGWINSZ, Winsize);
    nix::ioctl_write_ptr_bad!(tiocswinsz, libc::TIOCSWINSZ, Winsize);
    nix::ioctl_read_bad!(fionread, libc::FIONREAD, libc::c_int);
}
use ioctl::{fionread, tiocgwinsz, tiocswinsz};

/// The window size of the terminal `fd` (`TIOCGWINSZ`).
pub fn window_size(fd: impl AsFd) -> Result<Winsize, Errno> {
    let mut size = Winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `struct winsize` through the pointer, which is valid.
    unsafe { tiocgwinsz(fd.as_fd().as_raw_fd(), &mut size) }?;
    Ok(size)
}

/// Sets the window size of the terminal `fd` (`TIOCSWINSZ`). On a pty master this also sends
/// `SIGWINCH` to the foreground process group of the slave.
pub fn set_window_size(fd: impl AsFd, size: &Winsize) -> Result<(), Errno> {
    // SAFETY: TIOCSWINSZ reads one `struct winsize` through the pointer, which is valid.
    unsafe { tiocswinsz(fd.as_fd().as_raw_fd(), size) }.map(drop)
}

/// How many bytes of input wait on the terminal `fd` (`FIONREAD`). In canonical mode only
/// complete lines count.
pub fn input_pending(fd: impl AsFd) -> Result<usize, Errno> {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int through the pointer, which is valid.
    unsafe { fionread(fd.as_fd().as_raw_fd(), &mut n) }?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Makes the terminal on `fd` the controlling terminal of the calling process, which must be a
/// session leader without one (`TIOCSCTTY`, never stealing it from another session).
/// Async-signal-safe.
pub(crate) fn make_controlling(fd: RawFd) -> Result<(), Errno> {
    // SAFETY: TIOCSCTTY takes an integer argument (0: do not steal) and touches no memory.
    Errno::result(unsafe { libc::ioctl(fd, libc::TIOCSCTTY, 0 as libc::c_int) }).map(drop)
}

/// The user's terminal settings while it is in raw mode, so that a panic hook can put them back
/// even though the release profile aborts on panic (no destructors run).
static SAVED: Mutex<Option<(RawFd, Termios)>> = Mutex::new(None);

/// The real terminal in raw mode, for as long as this guard lives. Dropping it (or a panic, or
/// [`RawMode::suspend`]) restores the settings the terminal had before.
///
/// Only one guard should exist at a time: the panic hook knows one terminal.
#[derive(Debug)]
pub struct RawMode {
    /// A duplicate of the caller's descriptor: the settings belong to the terminal, not to the
    /// descriptor, and owning it keeps it open for as long as the guard (and the panic hook) may
    /// use it.
    fd: OwnedFd,
    original: Termios,
}

impl RawMode {
    /// Puts the terminal `fd` in raw mode: no echo, no line editing, no signals from keys, no
    /// output processing.
    pub fn enter(fd: impl AsFd) -> Result<RawMode, Errno> {
        let fd = fd
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EBADF)))?;
        let original = termios::tcgetattr(&fd)?;
        let guard = RawMode { fd, original };
        guard.apply()?;
        Ok(guard)
    }

    /// The settings the terminal had before raw mode.
    pub fn original(&self) -> &Termios {
        &self.original
    }

    /// Restores the original settings, e.g. before llrun stops itself on `SIGTSTP`.
    pub fn suspend(&self) {
        restore(self.fd.as_fd(), &self.original);
        *SAVED.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Raw mode again, after [`RawMode::suspend`].
    pub fn resume(&self) -> Result<(), Errno> {
        self.apply()
    }

    fn apply(&self) -> Result<(), Errno> {
        install_panic_hook();
        *SAVED.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((self.fd.as_raw_fd(), self.original.clone()));
        let mut raw = self.original.clone();
        termios::cfmakeraw(&mut raw);
        termios::tcsetattr(&self.fd, SetArg::TCSADRAIN, &raw)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        self.suspend();
    }
}

fn restore(fd: BorrowedFd<'_>, settings: &Termios) {
    let _ = termios::tcsetattr(fd, SetArg::TCSADRAIN, settings);
}

/// Chains a panic hook that restores the terminal before the previous hook prints the message.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Ok(mut saved) = SAVED.try_lock()
                && let Some((fd, settings)) = saved.take()
            {
                // SAFETY: `SAVED` only ever holds the descriptor of a live guard: `apply` stores
                // the guard's own `fd`, and the guard's drop (through `suspend`) clears `SAVED`
                // under this lock before its `OwnedFd` closes. This hook holds the lock until
                // `restore` returns, so the descriptor stays open (and is not reused) meanwhile.
                let fd = unsafe { BorrowedFd::borrow_raw(fd) };
                restore(fd, &settings);
            }
            previous(info);
        }));
    });
}
