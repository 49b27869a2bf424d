//! The user's terminal, as a keystroke-injection attack sees it: a pty that is the controlling
//! terminal of a session (like a login shell's) and the standard streams of what runs in it.
//!
//! Injected input is not consumed by anyone here, so after a run it is still in the
//! terminal's input queue, where [`UserTerminal::pending_input`] finds it.

use super::Verdicts;
use nix::fcntl::OFlag;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::stat::Mode;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct UserTerminal {
    master: OwnedFd,
    slave: OwnedFd,
}

impl UserTerminal {
    /// Both ends are opened close-on-exec at once: the tests of this binary run side by side,
    /// and a terminal descriptor that leaked into another test's program would be a descriptor
    /// of "the user's terminal" there.
    pub fn open() -> UserTerminal {
        let flags = OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC;
        let master = nix::pty::posix_openpt(flags).expect("posix_openpt");
        nix::pty::grantpt(&master).expect("grantpt");
        nix::pty::unlockpt(&master).expect("unlockpt");
        let name = nix::pty::ptsname_r(&master).expect("ptsname");
        let slave = nix::fcntl::open(name.as_str(), flags, Mode::empty()).expect("open the slave");
        UserTerminal {
            master: master.into(),
            slave,
        }
    }

    /// The device number of the terminal, to recognise descriptors of it.
    pub fn rdev(&self) -> u64 {
        let file = std::fs::File::from(self.slave.try_clone().unwrap());
        file.metadata().unwrap().rdev()
    }

    /// Runs `command` in a new session whose controlling terminal is this one (`setsid -w -c`),
    /// with all three standard streams on it, and returns what it wrote there.
    pub fn run(&self, command: &Command) -> Output {
        let mut cmd = super::wrap(&["setsid", "-w", "-c"], command);
        let slave = || Stdio::from(self.slave.try_clone().unwrap());
        cmd.stdin(slave()).stdout(slave()).stderr(slave());
        let mut child = cmd.spawn().expect("spawn setsid");
        drop(cmd);
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut out = Vec::new();
        let status = loop {
            self.drain_into(&mut out, 50);
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "never ended: {}",
                String::from_utf8_lossy(&out)
            );
        };
        self.drain_into(&mut out, 0);
        Output {
            status,
            stdout: out,
            stderr: Vec::new(),
        }
    }

    /// Runs `command` as an attack program (see [`Verdicts`]).
    pub fn attack(&self, command: &Command) -> Verdicts {
        Verdicts::of(self.run(command))
    }

    /// Appends what the terminal shows, waiting at most `ms` for the first bytes.
    fn drain_into(&self, out: &mut Vec<u8>, ms: u16) {
        let mut timeout = PollTimeout::from(ms);
        loop {
            let mut fds = [PollFd::new(self.master.as_fd(), PollFlags::POLLIN)];
            if !matches!(poll(&mut fds, timeout), Ok(n) if n > 0) {
                return;
            }
            let mut buf = [0u8; 4096];
            match nix::unistd::read(&self.master, &mut buf) {
                Ok(n) if n > 0 => out.extend_from_slice(&buf[..n]),
                _ => return,
            }
            timeout = PollTimeout::ZERO;
        }
    }

    /// Bytes of complete lines waiting to be read by the terminal's owner: what an injection
    /// attack typed into it.
    pub fn pending_input(&self) -> usize {
        llrun_kernel::terminal::input_pending(&self.slave).expect("FIONREAD")
    }
}
