//! The event loop while the program runs: one thread, one `poll` over the signalfd and, with a
//! pty, the relay's descriptors. It ends when the program has ended and its output is drained.

use super::RunError;
use super::outcome::Outcome;
use super::relay::Relay;
use super::signals::{self, Signals};
use crate::prompt::tty::Console;
use llrun_kernel::terminal::RawMode;
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, raise};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// After the program has ended, output still arriving from processes it left behind on the pty
/// is relayed until it has been quiet this long.
const DRAIN_IDLE_MS: u16 = 100;
/// While an end of input waits for the program to read what came before, how often to look.
const EOF_CHECK_MS: u16 = 20;

/// A running program and what llrun relays for it.
pub struct Session<'a> {
    pub program: Pid,
    /// The program's pidfd: readable once it has terminated.
    pub exit: OwnedFd,
    pub signals: &'a Signals,
    pub relay: Option<Relay>,
    /// The user's terminal in raw mode, restored when the session ends.
    pub raw: Option<RawMode>,
    /// The terminal prompt, attached only with a relay and raw mode.
    pub console: Option<Console>,
}

/// The readiness found by one `poll`.
struct Ready {
    signals: bool,
    exited: bool,
    stdin: bool,
    master: PollFlags,
    stdout: bool,
    /// The console's wake-up descriptor.
    woken: bool,
    /// Stdin, while the console reads it.
    keys: bool,
}

impl Ready {
    const NOTHING: Ready = Ready {
        signals: false,
        exited: false,
        stdin: false,
        master: PollFlags::empty(),
        stdout: false,
        woken: false,
        keys: false,
    };
}

/// The descriptors of one `poll`, each remembered by its slot.
#[derive(Default)]
struct PollSet<'fd> {
    fds: Vec<PollFd<'fd>>,
}

impl<'fd> PollSet<'fd> {
    /// Adds `fd` (if any) and returns its slot.
    fn add(&mut self, fd: Option<BorrowedFd<'fd>>, flags: PollFlags) -> Option<usize> {
        self.fds.push(PollFd::new(fd?, flags));
        Some(self.fds.len() - 1)
    }

    fn revents(&self, slot: Option<usize>) -> PollFlags {
        slot.and_then(|i| self.fds[i].revents())
            .unwrap_or(PollFlags::empty())
    }
}

impl Session<'_> {
    /// Runs the loop until the program has ended and its output is relayed.
    pub fn wait(mut self) -> Result<Outcome, RunError> {
        // Without a relay or raw mode there is no terminal prompt (its waiting asks are denied).
        if self.relay.is_none() || self.raw.is_none() {
            self.console = None;
        }
        let mut ended: Option<Outcome> = None;
        loop {
            if let Some(outcome) = ended
                && self.relay.as_ref().is_none_or(Relay::finished)
            {
                return Ok(outcome);
            }
            let timeout = match (&ended, &mut self.relay) {
                (Some(_), _) => PollTimeout::from(DRAIN_IDLE_MS),
                (None, Some(relay)) if relay.eof_pending() => {
                    relay.tick();
                    PollTimeout::from(EOF_CHECK_MS)
                }
                (None, _) => PollTimeout::NONE,
            };
            let timeout = self.console_timeout(timeout);
            let Some(ready) = self.poll(timeout, ended.is_some())? else {
                // Quiet after the end: whoever still holds the pty is not ours to wait for.
                if let (Some(_), Some(relay)) = (&ended, &mut self.relay) {
                    relay.abandon();
                }
                self.step_console(false, false);
                continue;
            };
            if ready.exited && ended.is_none() {
                ended = self.reap()?;
                if let (Some(_), Some(relay)) = (&ended, &mut self.relay) {
                    relay.program_ended();
                    if let Some(console) = &mut self.console {
                        console.detach(relay);
                    }
                }
            }
            if ready.signals {
                self.on_signals(ended.is_some());
            }
            if let Some(relay) = &mut self.relay {
                if ready.stdin {
                    relay.stdin_ready();
                }
                if !ready.master.is_empty() {
                    relay.master_ready(ready.master);
                }
                if ready.stdout {
                    relay.stdout_ready();
                }
            }
            self.step_console(ready.woken, ready.keys);
        }
    }

    fn step_console(&mut self, woken: bool, keys: bool) {
        if let (Some(console), Some(relay)) = (&mut self.console, &mut self.relay) {
            console.step(woken, keys, relay);
        }
    }

    /// `timeout`, shortened to when the console must look at the time (to arm a prompt).
    fn console_timeout(&self, timeout: PollTimeout) -> PollTimeout {
        let Some(due) = self.console.as_ref().and_then(Console::timeout) else {
            return timeout;
        };
        let due = PollTimeout::try_from(due.as_millis().max(1)).unwrap_or(PollTimeout::MAX);
        if timeout.is_none() {
            due
        } else {
            timeout.min(due)
        }
    }

    /// Waits for something to do; `None` when the timeout passed first.
    fn poll(&self, timeout: PollTimeout, ended: bool) -> Result<Option<Ready>, RunError> {
        let mut set = PollSet::default();
        let signals = set.add(Some(self.signals.as_fd()), PollFlags::POLLIN);
        // The pidfd only until the end is seen: it then reports POLLHUP forever.
        let exit = set.add((!ended).then(|| self.exit.as_fd()), PollFlags::POLLIN);
        let interest = self.relay.as_ref().map(Relay::interest);
        let (mut stdin, mut master, mut stdout) = (None, None, None);
        if let Some(i) = &interest {
            stdin = set.add(i.stdin, PollFlags::POLLIN);
            master = i.master.and_then(|(fd, flags)| set.add(Some(fd), flags));
            stdout = set.add(i.stdout, PollFlags::POLLOUT);
        }
        let console = self.console.as_ref();
        let woken = set.add(console.map(Console::wake_fd), PollFlags::POLLIN);
        let stdin_fd = std::io::stdin();
        let keys = set.add(
            console.filter(|c| c.wants_keys()).map(|_| stdin_fd.as_fd()),
            PollFlags::POLLIN,
        );
        match poll(&mut set.fds, timeout) {
            Ok(0) => Ok(None),
            Ok(_) => {
                let readable = PollFlags::POLLIN
                    | PollFlags::POLLHUP
                    | PollFlags::POLLERR
                    | PollFlags::POLLNVAL;
                let writable = PollFlags::POLLOUT | PollFlags::POLLHUP | PollFlags::POLLERR;
                Ok(Some(Ready {
                    signals: set.revents(signals).intersects(readable),
                    exited: set.revents(exit).intersects(readable),
                    stdin: set.revents(stdin).intersects(readable),
                    master: set.revents(master),
                    stdout: set.revents(stdout).intersects(writable),
                    woken: set.revents(woken).intersects(readable),
                    keys: set.revents(keys).intersects(readable),
                }))
            }
            Err(Errno::EINTR) => Ok(Some(Ready::NOTHING)),
            Err(e) => Err(RunError::Wait(e)),
        }
    }

    /// Acts on every pending signal. Once the program is reaped its pid may belong to someone
    /// else, so nothing more is sent.
    fn on_signals(&mut self, ended: bool) {
        while let Ok(Some(sig)) = self.signals.next() {
            match sig {
                _ if ended => {}
                Signal::SIGWINCH if self.relay.is_some() => self.resize(),
                Signal::SIGTSTP => self.suspend(),
                Signal::SIGCONT => {
                    if let Some(raw) = &self.raw {
                        let _ = raw.resume();
                    }
                    if let Some(console) = &mut self.console {
                        console.redraw();
                    }
                    signals::send(self.program, sig);
                }
                other => signals::send(self.program, other),
            }
        }
    }

    /// The program's outcome if it has terminated.
    fn reap(&self) -> Result<Option<Outcome>, RunError> {
        match waitpid(self.program, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(Errno::EINTR) => Ok(None),
            Ok(status) => Ok(Outcome::from_wait(status)),
            Err(e) => Err(RunError::Wait(e)),
        }
    }

    /// Gives the program's pty the user's window size; the kernel then sends `SIGWINCH` to the
    /// pty's foreground process group.
    fn resize(&mut self) {
        if let (Some(size), Some(relay)) = (super::tty::user_window_size(), &self.relay) {
            let _ = llrun_kernel::terminal::set_window_size(relay.master(), &size);
        }
        if let Some(console) = &mut self.console {
            console.redraw();
        }
    }

    /// `SIGTSTP` (Ctrl-Z when the program shares llrun's terminal): stop the program, give the
    /// terminal back as it was, and stop llrun, so the shell sees its job stopped. `fg` sends
    /// `SIGCONT`, which resumes llrun here and then the program.
    fn suspend(&self) {
        if let Some(raw) = &self.raw {
            raw.suspend();
        }
        signals::send(self.program, Signal::SIGSTOP);
        let _ = raise(Signal::SIGSTOP);
        if let Some(raw) = &self.raw {
            let _ = raw.resume();
        }
        signals::send(self.program, Signal::SIGCONT);
    }
}
