//! Choosing and preparing the program's terminal.

use llrun_kernel::terminal::{Pty, Winsize, window_size};
use nix::errno::Errno;
use nix::sys::termios::{self, LocalFlags, SetArg};
use std::io::IsTerminal;

/// How the program gets its terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TerminalMode {
    /// A pty of its own when llrun's stdin is a terminal; otherwise llrun's streams as they are.
    #[default]
    Auto,
    /// Always a pty of its own.
    Pty,
    /// llrun's streams as they are, terminal included (TIOCSTI is still refused).
    Inherit,
}

impl TerminalMode {
    /// Whether the program gets a pty.
    pub fn wants_pty(self) -> bool {
        match self {
            TerminalMode::Auto => std::io::stdin().is_terminal(),
            TerminalMode::Pty => true,
            TerminalMode::Inherit => false,
        }
    }
}

/// The user's window size: from stdin, else stdout, if either is a terminal.
pub fn user_window_size() -> Option<Winsize> {
    window_size(std::io::stdin())
        .or_else(|_| window_size(std::io::stdout()))
        .ok()
}

/// A pty for the program, set up like the user's terminal (size, erase key, …). When stdin is
/// not a terminal, echo is off, so that piped input does not show up again in the output.
pub fn open_pty() -> Result<Pty, Errno> {
    let stdin = std::io::stdin();
    let settings = termios::tcgetattr(&stdin).ok();
    let pty = Pty::open(user_window_size().as_ref(), settings.as_ref())?;
    if settings.is_none() {
        let mut s = termios::tcgetattr(&pty.slave)?;
        s.local_flags.remove(LocalFlags::ECHO | LocalFlags::ECHONL);
        termios::tcsetattr(&pty.slave, SetArg::TCSANOW, &s)?;
    }
    Ok(pty)
}
