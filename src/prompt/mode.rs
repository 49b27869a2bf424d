//! Which prompters a run starts (`--prompt`, `--prompt-socket`, `LLRUN_PROMPT_SOCKET`).
//!
//! | `--prompt` | terminal prompt | socket |
//! |---|---|---|
//! | not given | when llrun has a terminal (and the program its own pty) | when a path is given |
//! | `tty` | yes; an error without a terminal | when a path is given |
//! | `socket` | no | the given path, else `$XDG_RUNTIME_DIR/llrun/prompt-PID.sock` |
//! | `none` | no | no: every ask is denied at once |
//!
//! With both, an ask shows on the terminal and on every socket client; the first answer wins.

use super::socket::{PathError, SocketPrompter, path};
use super::tty::{self, Console};
use super::{Answers, Fanout, NoPrompter, Prompter};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

/// `--prompt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Tty,
    Socket,
    None,
}

/// The prompters to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub tty: bool,
    pub socket: Option<PathBuf>,
}

/// What [`Plan::start`] started.
pub struct Started {
    /// For the supervisor.
    pub prompter: Box<dyn Prompter>,
    /// For the run's event loop (`run::Launch`), when the terminal prompt is on.
    pub console: Option<Console>,
    /// The socket, to name its path to the user. It already refuses every process this one
    /// starts ([`SocketPrompter::guard_sandbox`]); this process must be a child subreaper.
    pub socket: Option<Arc<SocketPrompter>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ModeError {
    #[error(
        "--prompt tty needs llrun's standard input and output on a terminal, and the program on a pty of its own"
    )]
    NoTerminal,
    #[error(transparent)]
    Socket(#[from] PathError),
    #[error("cannot set up the terminal prompt: {0}")]
    Tty(std::io::Error),
}

impl ModeError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ModeError::NoTerminal => Some(
                "run from a terminal without `--tty inherit`, or use `--prompt socket` and answer with `llrun prompt`",
            ),
            ModeError::Socket(e) => e.hint(),
            ModeError::Tty(_) => None,
        }
    }
}

/// Whether the terminal prompt can work: llrun's stdin and stdout are a terminal, and the
/// program runs on a pty of its own (`pty`).
pub fn terminal_usable(pty: bool) -> bool {
    pty && std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// `LLRUN_PROMPT_SOCKET`, if set and not empty.
pub fn socket_from_env() -> Option<PathBuf> {
    std::env::var_os(path::ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

impl Plan {
    /// Decides from `--prompt` (`mode`), the socket path (`--prompt-socket`, else
    /// [`socket_from_env`]) and whether [`terminal_usable`].
    pub fn choose(
        mode: Option<Mode>,
        socket: Option<PathBuf>,
        terminal: bool,
    ) -> Result<Plan, ModeError> {
        Ok(match mode {
            None => Plan {
                tty: terminal,
                socket,
            },
            Some(Mode::Tty) if !terminal => return Err(ModeError::NoTerminal),
            Some(Mode::Tty) => Plan { tty: true, socket },
            Some(Mode::Socket) => Plan {
                tty: false,
                socket: Some(socket.unwrap_or_else(|| path::for_run(std::process::id()))),
            },
            Some(Mode::None) => Plan {
                tty: false,
                socket: None,
            },
        })
    }

    /// Starts the planned prompters, all answering through `answers`. `program` names the
    /// run for socket clients.
    pub fn start(&self, answers: &Answers, program: &str) -> Result<Started, ModeError> {
        let mut prompters: Vec<Box<dyn Prompter>> = Vec::new();
        let mut console = None;
        if self.tty {
            let (prompter, c) = tty::channel(answers.clone()).map_err(ModeError::Tty)?;
            prompters.push(Box::new(prompter));
            console = Some(c);
        }
        let socket = match &self.socket {
            Some(at) => {
                if at.parent() == Some(path::default_dir().as_path()) {
                    path::prepare_default_dir(&path::default_dir())?;
                }
                let socket = Arc::new(SocketPrompter::bind(at, answers.clone())?);
                socket.set_program(program);
                socket.guard_sandbox();
                prompters.push(Box::new(Arc::clone(&socket)));
                Some(socket)
            }
            None => None,
        };
        let prompter: Box<dyn Prompter> = match prompters.len() {
            0 => Box::new(NoPrompter),
            1 => prompters.pop().expect("one prompter"),
            _ => Box::new(Fanout(prompters)),
        };
        Ok(Started {
            prompter,
            console,
            socket,
        })
    }
}
