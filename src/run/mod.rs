//! Stage 4: start the program inside its sandbox, relay its terminal and signals, and report how
//! it ended.
//!
//! The program is found on its `PATH` first (127 and 126 are decided before anything runs), then
//! forked into a new session, confined (no_new_privs, the TIOCSTI filter, every Landlock layer)
//! and exec'd. llrun stays as its parent: one thread, one `poll` loop over a signalfd (signals
//! are forwarded) and, when the program has a pty, the relay between the user's terminal and
//! the pty. Exit codes follow env(1): see [`outcome`].

pub mod outcome;
pub mod program;
mod relay;
mod session;
mod signals;
mod tty;

pub use outcome::{CANNOT_EXECUTE, NOT_FOUND, Outcome};
pub use signals::FORWARDED;
pub use tty::TerminalMode;

use llrun_kernel::landlock::PreparedRuleset;
use llrun_kernel::seccomp::Filter;
use llrun_kernel::spawn::{Confinement, exec_in_place, spawn};
use llrun_kernel::terminal::RawMode;
use nix::errno::Errno;
use nix::unistd::Pid;
use program::Resolved;
use std::ffi::OsString;
use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Everything needed to start the program.
#[derive(Debug)]
pub struct Launch {
    /// As the user wrote it: a name searched on the program's `PATH`, or a path.
    pub program: OsString,
    pub args: Vec<OsString>,
    /// The program's complete environment.
    pub env: Vec<(OsString, OsString)>,
    /// One Landlock layer each, enforced in order.
    pub rulesets: Vec<PreparedRuleset>,
    pub terminal: TerminalMode,
    /// The supervised layer, when the profile has one (`ask` rules): then llrun stays outside
    /// the sandbox to answer the program's trapped calls.
    pub supervision: Option<Supervision>,
    /// The terminal prompt's event-loop side; shown only when the program gets a pty.
    pub prompt: Option<crate::prompt::tty::Console>,
    /// llrun must outlive the program's start (a helper it started, such as the D-Bus proxy,
    /// ends with llrun), so it cannot become the program.
    pub stay_outside: bool,
}

/// What the supervisor needs to start once the program's listener is in hand.
pub struct Supervision {
    pub policy: crate::supervise::policy::Policy,
    pub prompter: Box<dyn crate::prompt::Prompter>,
    pub answers: std::sync::mpsc::Receiver<crate::prompt::Answer>,
    pub log: crate::supervise::log::Log,
    pub options: crate::supervise::Options,
    /// Which calls the program's filter traps.
    pub shape: llrun_kernel::seccomp::Shape,
    /// Following edits of the profile files (`--live`), once the supervisor runs.
    pub live: Option<crate::live::Live>,
}

impl std::fmt::Debug for Supervision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervision").finish_non_exhaustive()
    }
}

/// llrun's own failures while running the program (llrun exits with 125).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot give the program a terminal of its own: {0}")]
    Terminal(Errno),
    #[error("cannot set up signal forwarding: {0}")]
    Signals(Errno),
    #[error("cannot start the program: {0}")]
    Spawn(std::io::Error),
    #[error("lost track of the program: {0}")]
    Wait(Errno),
    #[error("cannot supervise the program: {0}")]
    Supervise(String),
}

impl RunError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            RunError::Terminal(_) => Some("`--tty inherit` runs it on llrun's own streams instead"),
            RunError::Spawn(_) => {
                Some("the system may be out of processes or file descriptors; try again")
            }
            RunError::Supervise(_) => {
                Some("a profile without `ask` rules runs without a supervisor under --no-live")
            }
            RunError::Signals(_) | RunError::Wait(_) => None,
        }
    }
}

/// Runs the program and returns the exit code llrun should exit with. If the program was killed
/// by a signal, llrun kills itself with the same signal (after restoring the terminal), so this
/// returns only if that did not work.
///
/// When the program needs nothing from llrun while it runs (no pty to relay), llrun enters the
/// sandbox itself and becomes the program: its status and signals are then the program's own
/// with no forwarding at all, and start-up saves a `fork` and a `wait`.
pub fn run(launch: Launch) -> Result<i32, RunError> {
    if launch.supervision.is_none() && !launch.terminal.wants_pty() && !launch.stay_outside {
        return Ok(become_program(&launch).finish());
    }
    Ok(execute(launch)?.finish())
}

/// Confines this process and `exec`s the program; returns only when that failed.
fn become_program(launch: &Launch) -> Outcome {
    let path = match find(launch) {
        Ok(path) => path,
        Err(outcome) => return outcome,
    };
    let filter = Filter::deny_terminal_injection();
    let err = exec_in_place(command(launch, &path), &launch.rulesets, &filter);
    outcome::exec_failed(&path, &err)
}

/// Runs the program as llrun's child and returns how it ended, without acting on it.
/// Everything llrun changed (the terminal mode) is restored when this returns.
pub fn execute(mut launch: Launch) -> Result<Outcome, RunError> {
    let path = match find(&launch) {
        Ok(path) => path,
        Err(outcome) => return Ok(outcome),
    };
    let pty = if launch.terminal.wants_pty() {
        Some(tty::open_pty().map_err(RunError::Terminal)?)
    } else {
        None
    };
    if let (Some(_), Some(console)) = (&pty, &mut launch.prompt) {
        console.attach();
    }
    let signals = signals::Signals::block().map_err(RunError::Signals)?;
    let supervision = launch.supervision.take();
    let filter = if let Some(s) = &supervision {
        Filter::supervised_with(&s.shape)
    } else {
        Filter::deny_terminal_injection()
    };
    let confinement = Confinement {
        rulesets: &launch.rulesets,
        filter: &filter,
        terminal: pty.as_ref().map(|p| p.slave.as_fd()),
        sigmask: signals.original_mask(),
    };
    let started = match supervision {
        None => spawn(command(&launch, &path), &confinement).map_err(StartError::Spawn),
        Some(s) => supervised(command(&launch, &path), &confinement, s),
    };
    let child = match started {
        Ok(child) => child,
        Err(StartError::Supervise(e)) => return Err(RunError::Supervise(e)),
        Err(StartError::Spawn(e)) if outcome::is_spawn_failure(&e) => {
            return Err(RunError::Spawn(e));
        }
        Err(StartError::Spawn(e)) => return Ok(outcome::exec_failed(&path, &e)),
    };
    // The program has its rulesets; llrun keeps running, so it closes their paths itself.
    launch
        .rulesets
        .iter_mut()
        .for_each(|r| r.close_rule_paths());
    let program = Pid::from_raw(child.id() as i32);
    // From here on an error must not leave the program running unsupervised.
    let stop = |e: RunError| {
        signals::send(program, nix::sys::signal::Signal::SIGKILL);
        let _ = nix::sys::wait::waitpid(program, None);
        e
    };
    // No race: the child cannot be reaped (and its pid reused) before we wait for it.
    let exit = llrun_kernel::process::pidfd_open(program).map_err(|e| stop(RunError::Wait(e)))?;
    let (relay, raw) = match pty {
        Some(pty) => {
            let relay = relay::Relay::new(pty.master, pty.slave, program)
                .map_err(|e| stop(RunError::Terminal(e)))?;
            // Raw mode only now: a message about a failed exec above is printed in cooked mode.
            // Best effort: the program already runs, and without raw mode it still works, only
            // with the user's line editing on top of its own.
            let raw = std::io::stdin()
                .is_terminal()
                .then(|| RawMode::enter(std::io::stdin()).ok())
                .flatten();
            (Some(relay), raw)
        }
        None => (None, None),
    };
    session::Session {
        program,
        exit,
        signals: &signals,
        relay,
        raw,
        console: launch.prompt,
    }
    .wait()
}

/// Why the program did not start: as a plain spawn (fork, or its `exec`), or because its
/// supervisor could not take over.
enum StartError {
    Spawn(std::io::Error),
    Supervise(String),
}

/// Starts the program under the supervised filter and its supervisor on the listener.
fn supervised(
    command: Command,
    confinement: &Confinement<'_>,
    s: Supervision,
) -> Result<std::process::Child, StartError> {
    use llrun_kernel::spawn::{SuperviseError, spawn_supervised};
    let other = |e: String| StartError::Supervise(e);
    // Every process the program starts stays llrun's descendant, even after its parent exits:
    // the prompt socket refuses descendants, so a double fork cannot answer its own asks.
    nix::sys::prctl::set_child_subreaper(true).map_err(|e| other(e.to_string()))?;
    let started = match spawn_supervised(command, confinement) {
        Ok(started) => started,
        Err(SuperviseError::Spawn(e)) => return Err(StartError::Spawn(e)),
        Err(SuperviseError::Handoff { mut child, source }) => {
            let _ = child.wait();
            return Err(other(source.to_string()));
        }
    };
    // Faster wake-ups where the kernel has them (6.6); the ordinary ones otherwise.
    let _ = started.listener.set_sync_wakeup();
    let mut child = started.child;
    reap_orphans(Pid::from_raw(child.id() as i32));
    let supervisor = match crate::supervise::Supervisor::start(
        started.listener,
        s.policy,
        s.prompter,
        s.answers,
        s.log,
        s.options,
    ) {
        Ok(supervisor) => supervisor,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(other(e.to_string()));
        }
    };
    // The program runs on under the profile as loaded; it only stops following edits.
    if let Some(live) = s.live
        && let Err(e) = live.start(supervisor)
    {
        eprintln!(
            "llrun: warning: cannot follow edits of the profile: {e}
  = hint: edits apply at the next start; the system may be out of inotify instances"
        );
    }
    Ok(child)
}

/// Reaps, now and then, the orphans that reach llrun as subreaper, never the program itself
/// (the session waits for it).
fn reap_orphans(program: Pid) {
    use nix::sys::wait::{Id, WaitPidFlag, waitid, waitpid};
    let peek = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
    let _ = std::thread::Builder::new()
        .name("llrun-reaper".into())
        .spawn(move || {
            loop {
                std::thread::sleep(std::time::Duration::from_millis(250));
                while let Ok(status) = waitid(Id::All, peek) {
                    match status.pid() {
                        Some(pid) if pid != program => {
                            let _ = waitpid(pid, None);
                        }
                        _ => break,
                    }
                }
            }
        });
}

/// The program's path, or the outcome (127, 126, reported) when it has none.
fn find(launch: &Launch) -> Result<PathBuf, Outcome> {
    match program::resolve(&launch.program, &launch.env) {
        Resolved::Found(path) => Ok(path),
        Resolved::NotExecutable(path) => Err(outcome::not_executable(&path)),
        Resolved::NotFound => Err(outcome::not_found(&launch.program)),
    }
}

/// The `exec` part: the resolved path, `argv[0]` as the user wrote it, exactly the given
/// environment.
fn command(launch: &Launch, path: &Path) -> Command {
    let mut cmd = Command::new(path);
    cmd.arg0(&launch.program)
        .args(&launch.args)
        .env_clear()
        .envs(launch.env.iter().map(|(k, v)| (k, v)));
    cmd
}

#[cfg(test)]
mod tests;
