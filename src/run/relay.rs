//! Relaying between the user's streams and the program's pty: stdin → master, master → stdout.
//!
//! Non-blocking on the pty master (llrun's own descriptor); the shared stdin and stdout are
//! never switched to non-blocking (that would leak into the shell), so they are only touched
//! when `poll` says they are ready, and stdout is written a page at a time.

use nix::errno::Errno;
use nix::poll::PollFlags;
use nix::sys::termios::{self, LocalFlags, SpecialCharacterIndices};
use nix::unistd::Pid;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

/// At most this much output is held while stdout is slow; the program then waits on its pty.
const OUTPUT_CAP: usize = 64 * 1024;
/// One write to stdout: a pipe with room for one page takes it without blocking.
const CHUNK: usize = 4096;
/// How long after the last input was written the end of input may be told (see
/// [`Relay::tick`]).
const EOF_SETTLE: Duration = Duration::from_millis(50);

/// The relay's state.
#[derive(Debug)]
pub struct Relay {
    master: OwnedFd,
    /// The program: it and its descendants are who may be waiting for input (see
    /// [`Relay::tick`]).
    program: Pid,
    /// llrun's copy of the program's end, to see how much input the program has yet to read.
    /// Dropped when the program ends, so that the master then reports the end of its output.
    slave: Option<OwnedFd>,
    stdin: std::io::Stdin,
    stdout: std::io::Stdout,
    /// Still reading stdin (not at end of file, program still running).
    input_open: bool,
    /// Still reading the master (some slave descriptor is still open).
    output_open: bool,
    /// Stdout still accepts data; if not, output is read and dropped, so the program never
    /// blocks on a full pty.
    stdout_ok: bool,
    to_program: Vec<u8>,
    to_user: Vec<u8>,
    /// The last byte sent to the program: tells whether an end of file needs one `VEOF` or two.
    last_sent: Option<u8>,
    /// Stdin has ended; the end is told to the program once it has read what came before.
    eof_pending: bool,
    /// At the last [`Relay::tick`], the program had nothing left to read and its pty was in
    /// this mode (canonical or not).
    idle_mode: Option<bool>,
    /// When input was last written to the master: written bytes reach the program's side
    /// asynchronously, so "nothing left to read" means something only a while after.
    last_write: Option<Instant>,
    /// When the program was last found not waiting for input, and how long finding that
    /// took: the next look waits 20 times as long, so that a large process tree that never
    /// reads costs at most about 5% of a CPU (see [`Relay::tick`]).
    not_awaited: Option<(Instant, Duration)>,
    /// A prompt owns the terminal: the program's output waits (up to [`OUTPUT_CAP`], then the
    /// program waits on its pty), and stdin is not read for the program.
    held: bool,
}

/// The descriptors the event loop polls for the relay, and for what.
pub struct Interest<'a> {
    pub stdin: Option<BorrowedFd<'a>>,
    /// Left out when there is nothing to wait for on it: a hung-up master reports POLLHUP
    /// whatever it is asked.
    pub master: Option<(BorrowedFd<'a>, PollFlags)>,
    pub stdout: Option<BorrowedFd<'a>>,
}

impl Relay {
    pub fn new(master: OwnedFd, slave: OwnedFd, program: Pid) -> Result<Relay, Errno> {
        llrun_kernel::terminal::set_nonblocking(&master)?;
        Ok(Relay {
            master,
            program,
            slave: Some(slave),
            stdin: std::io::stdin(),
            stdout: std::io::stdout(),
            input_open: true,
            output_open: true,
            stdout_ok: true,
            to_program: Vec::new(),
            to_user: Vec::new(),
            last_sent: None,
            eof_pending: false,
            idle_mode: None,
            last_write: None,
            not_awaited: None,
            held: false,
        })
    }

    pub fn master(&self) -> BorrowedFd<'_> {
        self.master.as_fd()
    }

    /// What to wait for now.
    pub fn interest(&self) -> Interest<'_> {
        let mut master = PollFlags::empty();
        if self.output_open && self.to_user.len() < OUTPUT_CAP {
            master |= PollFlags::POLLIN;
        }
        if !self.to_program.is_empty() {
            master |= PollFlags::POLLOUT;
        }
        Interest {
            stdin: (self.input_open && self.to_program.is_empty() && !self.held)
                .then(|| self.stdin.as_fd()),
            master: (!master.is_empty()).then(|| (self.master.as_fd(), master)),
            stdout: (!self.to_user.is_empty() && !self.held).then(|| self.stdout.as_fd()),
        }
    }

    /// The program has ended: stop taking the user's input (what they type now is for the
    /// shell), and only drain what the program wrote.
    pub fn program_ended(&mut self) {
        self.input_open = false;
        self.eof_pending = false;
        self.to_program.clear();
        self.slave = None;
    }

    /// An end of input waits to be told: the event loop should call [`Relay::tick`] soon.
    pub fn eof_pending(&self) -> bool {
        self.eof_pending
    }

    /// Nothing is left to relay.
    pub fn finished(&self) -> bool {
        !self.output_open && self.to_user.is_empty()
    }

    /// Stdin is readable (or at end of file, or hung up).
    pub fn stdin_ready(&mut self) {
        let mut buf = [0u8; CHUNK];
        match nix::unistd::read(&self.stdin, &mut buf) {
            Ok(0) | Err(Errno::EIO | Errno::EBADF) => self.input_ended(),
            Ok(n) => self.to_program.extend_from_slice(&buf[..n]),
            Err(Errno::EAGAIN | Errno::EINTR) => {}
            Err(_) => self.input_ended(),
        }
    }

    /// The master is readable or writable.
    pub fn master_ready(&mut self, revents: PollFlags) {
        if revents.intersects(PollFlags::POLLOUT) {
            self.write_master();
        }
        if revents.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR) {
            self.read_master();
        }
    }

    /// Stdout can take more output.
    pub fn stdout_ready(&mut self) {
        let n = self.to_user.len().min(CHUNK);
        match nix::unistd::write(&self.stdout, &self.to_user[..n]) {
            Ok(written) => drop(self.to_user.drain(..written)),
            Err(Errno::EAGAIN | Errno::EINTR) => {}
            Err(_) => {
                // The reader is gone: keep draining the program's output, but drop it.
                self.stdout_ok = false;
                self.to_user.clear();
            }
        }
    }

    /// Gives up on output that has not arrived yet (a background process still holds the pty).
    pub fn abandon(&mut self) {
        self.output_open = false;
    }

    fn read_master(&mut self) {
        let mut buf = [0u8; CHUNK];
        match nix::unistd::read(&self.master, &mut buf) {
            // EIO: every slave descriptor is closed and everything before has been read.
            Ok(0) | Err(Errno::EIO) => self.output_open = false,
            Ok(n) if self.stdout_ok => self.to_user.extend_from_slice(&buf[..n]),
            Ok(_) | Err(Errno::EAGAIN | Errno::EINTR) => {}
            Err(_) => self.output_open = false,
        }
    }

    fn write_master(&mut self) {
        match nix::unistd::write(&self.master, &self.to_program) {
            Ok(n) => {
                self.last_write = Some(Instant::now());
                self.last_sent = self.to_program[..n].last().copied().or(self.last_sent);
                self.to_program.drain(..n);
            }
            Err(Errno::EAGAIN | Errno::EINTR) => {}
            Err(_) => self.program_ended(),
        }
    }

    /// Stdin reached its end. The program is told once it has read everything before (see
    /// [`Relay::tick`]).
    fn input_ended(&mut self) {
        self.input_open = false;
        self.eof_pending = true;
    }

    /// Tells a pending end of input, as a user at a terminal would, with the `VEOF` character
    /// (Ctrl-D), once the program has read all earlier input and waits for more. In canonical
    /// mode a line left unfinished needs a second `VEOF`: the first only ends the line.
    ///
    /// Sent too early, the end could be read in one mode and interpreted in another. In
    /// canonical mode the line discipline does not keep `VEOF` as typed: it queues a NUL byte
    /// marked as the end of a line, which `read` reports as end of file. A program that switches
    /// to non-canonical mode before reading it (readline in bash and python, or any program that
    /// turns `ICANON` off to read keys) then reads that NUL as a key. So the end is told only
    /// when (1) nothing is left to read, (2) on two looks in a row in the same mode, and (3) a
    /// process of the pty's foreground group is blocked reading the terminal or in
    /// `select`/`poll`/`epoll` ([`llrun_kernel::awaiting::input_awaited`]).
    ///
    /// (3) closes a race that (1) and (2) left open: a program that is still starting up (or
    /// busy) when stdin ends looks idle in canonical mode too, because it has not asked for
    /// anything yet. A Python program that turned `ICANON` and `VEOF` off a few tens of
    /// milliseconds after `exec` (slow to start on a busy machine; reproduced every time with a
    /// `sleep(0.3)` before its `tcsetattr`) was sent its `VEOF` while still canonical, and then
    /// read `b'\x00'`.
    /// Where `/proc` cannot tell (not mounted, a process llrun may not inspect), (1) and (2)
    /// decide alone, as before.
    ///
    /// This is still a heuristic: a program that waits for input in canonical mode, then
    /// switches to raw mode before reading, may still find the wrong kind of end.
    pub fn tick(&mut self) {
        if !self.eof_pending
            || !self.to_program.is_empty()
            || self.last_write.is_some_and(|t| t.elapsed() < EOF_SETTLE)
        {
            return;
        }
        let Some(slave) = &self.slave else { return };
        let idle = llrun_kernel::terminal::input_pending(slave).is_ok_and(|n| n == 0);
        let Ok(settings) = termios::tcgetattr(&self.master) else {
            return;
        };
        let canonical = settings.local_flags.contains(LocalFlags::ICANON);
        // Nothing left to read, in the same mode, on two looks in a row: the program is most
        // likely waiting for input rather than between two reads.
        let seen = std::mem::replace(&mut self.idle_mode, idle.then_some(canonical));
        if !idle || seen != Some(canonical) {
            return;
        }
        if !self.input_awaited() {
            return;
        }
        self.eof_pending = false;
        let eof = settings.control_chars[SpecialCharacterIndices::VEOF as usize];
        if eof == 0 {
            // _POSIX_VDISABLE: the program turned end-of-file off; a NUL would only be a stray
            // byte in its input (and, echoed, in its output).
            return;
        }
        let unfinished_line = self.last_sent.is_some_and(|b| b != b'\n');
        self.to_program.push(eof);
        if canonical && unfinished_line {
            self.to_program.push(eof);
        }
    }
}

impl Relay {
    /// Whether the program waits for input, or `/proc` cannot tell (see [`Relay::tick`]);
    /// asked no more often than the last answer's cost allows (`not_awaited`).
    fn input_awaited(&mut self) -> bool {
        let Some(slave) = &self.slave else {
            return false;
        };
        if let Some((at, took)) = self.not_awaited
            && at.elapsed() < took * 20
        {
            return false;
        }
        let start = Instant::now();
        let awaited = llrun_kernel::awaiting::input_awaited(self.program, &self.master, slave);
        self.not_awaited = (awaited == Some(false)).then(|| (Instant::now(), start.elapsed()));
        awaited != Some(false)
    }
}

impl crate::prompt::tty::Hold for Relay {
    fn hold(&mut self, held: bool) {
        self.held = held;
    }

    fn pass_input(&mut self, bytes: &[u8]) {
        if self.input_open {
            self.to_program.extend_from_slice(bytes);
        }
    }
}
