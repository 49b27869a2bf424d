//! Starting the sandboxed program: `fork`, enter the sandbox, `exec`.
//!
//! Everything that can fail for a reason the user can fix (a profile path, a right the kernel
//! lacks) has already been checked in the parent while preparing. What runs in the child between
//! `fork` and `exec` is a fixed list of syscalls on precomputed data: no allocation, no locks,
//! nothing that is not async-signal-safe. If one of them fails anyway, the child says so on its
//! standard error and exits with 125 (llrun's own failure, as env(1) uses it) without running
//! anything, so the parent can tell that apart from a failed `exec` (which std reports to the
//! parent as the `spawn` error).

use crate::landlock::{PreparedRuleset, restrict_self_raw};
use crate::notify::Listener;
use crate::notify::handoff::{self, HandoffError};
use crate::seccomp::{Filter, set_no_new_privs};
use crate::terminal::make_controlling;
use nix::errno::Errno;
use nix::sys::signal::SigSet;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Exit status of a child that could not enter its sandbox.
pub const SANDBOX_FAILED: i32 = 125;

/// What the child enters before `exec`, in this order: a new session (with `terminal` as its
/// controlling terminal and standard streams, when given), `no_new_privs`, the seccomp
/// `filter` (whose listener, for a supervised filter, is handed to llrun and closed in the
/// child), each Landlock layer of `rulesets`, and finally the signal mask `sigmask`.
#[derive(Debug)]
pub struct Confinement<'a> {
    /// The Landlock layers, enforced in this order.
    pub rulesets: &'a [PreparedRuleset],
    /// The seccomp filter.
    pub filter: &'a Filter,
    /// A pty slave: becomes stdin, stdout, stderr and the controlling terminal of the program.
    pub terminal: Option<BorrowedFd<'a>>,
    /// The signal mask the program starts with. llrun blocks the signals it forwards (to read
    /// them from a signalfd), and a child inherits the mask across `exec`, so this must be the
    /// mask llrun itself started with.
    pub sigmask: SigSet,
}

/// Starts `command` inside `confinement`. The command's other settings (program, arguments,
/// environment, standard streams when there is no terminal) are the caller's.
///
/// Returns std's error when `exec` itself failed (`ENOENT`, `EACCES` when Landlock refuses to
/// execute the file, `ENOEXEC`, …), so the caller can map it to 127 or 126. A filter with a
/// listener is refused (`InvalidInput`): it needs [`spawn_supervised`].
pub fn spawn(command: Command, confinement: &Confinement<'_>) -> io::Result<Child> {
    if confinement.filter.has_listener() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a filter with a listener needs spawn_supervised",
        ));
    }
    start(command, confinement, None)
}

/// How long llrun waits for the listener once the program started. It is sent before `exec`,
/// which `Command::spawn` waits for, so it is there at once; the wait only bounds a bug.
const HANDOFF_TIMEOUT: Duration = Duration::from_secs(5);

/// A program started under a supervised filter, and the listener its trapped calls wait on.
#[derive(Debug)]
pub struct Supervised {
    /// The running program.
    pub child: Child,
    /// Every trapped call of the program blocks until answered here; dropping it makes them
    /// all fail with `ENOSYS`.
    pub listener: Listener,
}

/// Why [`spawn_supervised`] did not return a supervised program.
#[derive(Debug, thiserror::Error)]
pub enum SuperviseError {
    /// As the error of [`spawn`].
    #[error(transparent)]
    Spawn(io::Error),
    /// The program started, but its listener did not reach llrun. The program is not left
    /// running unsupervised: it is killed (if it had not already exited, as it does with
    /// [`SANDBOX_FAILED`] when a step of entering the sandbox failed). Wait for `child` to reap
    /// it and learn how it ended.
    #[error("{source}")]
    Handoff {
        /// The program, to be reaped.
        child: Child,
        /// Why the listener did not arrive.
        source: HandoffError,
    },
}

/// Starts `command` inside `confinement`, whose filter must have a listener
/// ([`Filter::supervised`]), and receives that listener. The program's trapped calls wait from
/// its very first instruction (the dynamic loader opens libraries), so the caller must start
/// answering right away.
pub fn spawn_supervised(
    command: Command,
    confinement: &Confinement<'_>,
) -> Result<Supervised, SuperviseError> {
    if !confinement.filter.has_listener() {
        return Err(SuperviseError::Spawn(io::Error::new(
            io::ErrorKind::InvalidInput,
            "spawn_supervised needs a filter with a listener",
        )));
    }
    let (ours, theirs) = handoff::channel().map_err(|e| SuperviseError::Spawn(e.into()))?;
    let mut child =
        start(command, confinement, Some(theirs.as_raw_fd())).map_err(SuperviseError::Spawn)?;
    // Only the child may hold its end now, so a child that died without sending reads as EOF.
    drop(theirs);
    match handoff::receive_listener(ours.as_fd(), HANDOFF_TIMEOUT) {
        Ok(listener) => Ok(Supervised { child, listener }),
        Err(source) => {
            // Killing an exited child is harmless: it stays a zombie until waited for.
            let _ = child.kill();
            Err(SuperviseError::Handoff { child, source })
        }
    }
}

/// Forks, confines and executes; `handoff` is the child's end of the socket its listener goes
/// to, for a supervised filter.
fn start(
    mut command: Command,
    confinement: &Confinement<'_>,
    handoff: Option<RawFd>,
) -> io::Result<Child> {
    if let Some(tty) = confinement.terminal {
        command.stdin(Stdio::from(tty.try_clone_to_owned()?));
        command.stdout(Stdio::from(tty.try_clone_to_owned()?));
        command.stderr(Stdio::from(tty.try_clone_to_owned()?));
    }
    let steps = ChildSteps {
        new_session: true,
        controlling_tty: confinement.terminal.is_some(),
        filter: confinement.filter.clone(),
        handoff,
        rulesets: confinement
            .rulesets
            .iter()
            .filter_map(PreparedRuleset::raw_fd)
            .collect(),
        sigmask: confinement.sigmask,
    };
    // SAFETY: the closure runs in the forked child, where only async-signal-safe code may run.
    // `ChildSteps::run` makes raw syscalls on data prepared here and never allocates; its
    // failure path writes with write(2) and leaves with _exit(2).
    unsafe {
        command.pre_exec(move || steps.run());
    }
    // `command` (and with it the closure holding the raw descriptors) is dropped on return,
    // while the caller still owns the rulesets and the hand-over socket: the descriptors cannot
    // be stale when used.
    command.spawn()
}

/// Enters the sandbox in this very process and `exec`s `command`: llrun becomes the program.
/// Nothing stays outside to supervise, relay or forward signals, so this is for runs that need
/// none of that; it saves a `fork` and a `wait` (a third of llrun's start-up).
///
/// The process keeps its session and signal mask (the TIOCSTI filter is what keeps it off the
/// user's terminal input). Returns only when something failed: std's error when `exec` itself
/// did; a failure to enter the sandbox exits with [`SANDBOX_FAILED`] instead.
pub fn exec_in_place(
    mut command: Command,
    rulesets: &[PreparedRuleset],
    filter: &Filter,
) -> io::Error {
    let steps = ChildSteps {
        new_session: false,
        controlling_tty: false,
        handoff: None,
        filter: filter.clone(),
        rulesets: rulesets
            .iter()
            .filter_map(PreparedRuleset::raw_fd)
            .collect(),
        sigmask: SigSet::thread_get_mask().unwrap_or_else(|_| SigSet::empty()),
    };
    // SAFETY: as in `spawn`; without a fork the closure could do more, but it does the same.
    unsafe {
        command.pre_exec(move || steps.run());
    }
    command.exec()
}

/// The child's side, with everything precomputed.
struct ChildSteps {
    /// `setsid` first: true after a fork, false when llrun itself becomes the program (it may
    /// lead its process group, and then `setsid` fails).
    new_session: bool,
    controlling_tty: bool,
    filter: Filter,
    /// Where the listener goes, when the filter creates one.
    handoff: Option<RawFd>,
    rulesets: Vec<RawFd>,
    sigmask: SigSet,
}

impl ChildSteps {
    /// Never returns an error: on failure the child exits with [`SANDBOX_FAILED`].
    fn run(&self) -> io::Result<()> {
        if self.new_session {
            check("setsid", nix::unistd::setsid().map(drop));
        }
        if self.controlling_tty {
            // std has already put the slave on 0, 1 and 2.
            check("TIOCSCTTY", make_controlling(libc::STDIN_FILENO));
        }
        check("no_new_privs", set_no_new_privs());
        match self.filter.install() {
            Ok(listener) => self.hand_over(listener),
            Err(e) => check("seccomp", Err(e)),
        }
        check("dropping capabilities", crate::caps::drop_all());
        for &fd in &self.rulesets {
            check("landlock_restrict_self", restrict_self_raw(fd));
        }
        check("sigprocmask", self.sigmask.thread_set_mask());
        Ok(())
    }

    /// Sends the listener to llrun, then closes the child's copy: the program must never hold
    /// its own listener, or it could answer its own trapped calls.
    fn hand_over(&self, listener: Option<OwnedFd>) {
        if let (Some(listener), Some(sock)) = (listener, self.handoff) {
            check(
                "handing the seccomp listener to llrun",
                handoff::send_fd(sock, listener.as_fd()),
            );
            drop(listener); // close(2): async-signal-safe
        }
    }
}

/// Exits the child with [`SANDBOX_FAILED`] and a message naming the failed step.
fn check(step: &str, result: Result<(), Errno>) {
    if let Err(e) = result {
        let hint = match e {
            Errno::E2BIG => {
                "\n  = hint: Landlock stacks at most 16 layers, counting those llrun runs under"
            }
            _ => "",
        };
        for part in [
            "llrun: cannot apply the sandbox: ",
            step,
            ": ",
            e.desc(),
            hint,
            "\n",
        ] {
            // SAFETY: write(2) and _exit(2) are async-signal-safe; the buffers are valid.
            unsafe { libc::write(libc::STDERR_FILENO, part.as_ptr().cast(), part.len()) };
        }
        // SAFETY: see above; _exit runs no atexit handlers or destructors in the child.
        unsafe { libc::_exit(SANDBOX_FAILED) };
    }
}
