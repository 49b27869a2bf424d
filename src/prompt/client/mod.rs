//! `llrun prompt`: a client of a run's prompt socket.
//!
//! Which run: `--socket PATH`, else `LLRUN_PROMPT_SOCKET`, else the one live socket in the
//! default directory (`$XDG_RUNTIME_DIR/llrun/prompt-PID.sock`; with several, the user picks
//! with `--socket`). Then either [`interactive`] (the prompt on this terminal) or [`script`]
//! (a fixed answer to every ask).

pub mod interactive;
pub mod script;

use super::protocol::{
    self, ClientMessage, Framed, Lines, MAX_MESSAGE, ProtocolError, ServerMessage, VERSION,
};
use super::socket::path;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot connect to the prompt socket `{0}`: {1}")]
    Connect(PathBuf, std::io::Error),
    #[error("no running llrun takes answers in `{0}`")]
    NoRun(PathBuf),
    #[error("several llrun runs take answers:\n{0}")]
    Several(String),
    #[error("llrun refused this client: {0}")]
    Refused(String),
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    #[error("lost the connection to llrun: {0}")]
    Io(#[from] std::io::Error),
    #[error("`llrun prompt` asks on a terminal, and its standard input is none")]
    NoTerminal,
    /// Printing what was answered failed (or its reader went away: a quiet end).
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
}

impl ClientError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ClientError::Connect(..) => {
                Some("llrun prints the socket's path when it starts with `--prompt socket`")
            }
            ClientError::NoRun(_) => Some(
                "start llrun with `--prompt socket`, or name its socket with --socket or LLRUN_PROMPT_SOCKET",
            ),
            ClientError::Several(_) => Some("pick one with --socket PATH"),
            ClientError::NoTerminal => {
                Some("in scripts, answer every ask with --answer (e.g. --answer deny-once)")
            }
            ClientError::Protocol(e) => e.hint(),
            ClientError::Refused(_) | ClientError::Io(_) | ClientError::Output(_) => None,
        }
    }
}

/// The server's `hello`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub version: String,
    pub pid: u32,
    pub program: String,
}

/// A connection past the handshake.
pub struct Connection {
    stream: UnixStream,
    lines: Lines,
    ready: VecDeque<ServerMessage>,
    pub server: Server,
}

impl Connection {
    /// A connection whose server is not known yet (its hello is still to be read).
    fn before_hello(stream: UnixStream) -> Connection {
        Connection {
            stream,
            lines: Lines::new(MAX_MESSAGE),
            ready: VecDeque::new(),
            server: Server {
                version: String::new(),
                pid: 0,
                program: String::new(),
            },
        }
    }

    /// Connects, checks the server's protocol version and says hello.
    pub fn open(at: &Path) -> Result<Connection, ClientError> {
        let stream = UnixStream::connect(at).map_err(|e| ClientError::Connect(at.into(), e))?;
        let mut conn = Connection::before_hello(stream);
        conn.server = conn.read_hello()?;
        let hello = ClientMessage::Hello {
            protocol: VERSION,
            client: format!("llrun prompt {}", env!("CARGO_PKG_VERSION")),
        };
        conn.send(&hello)?;
        Ok(conn)
    }

    fn read_hello(&mut self) -> Result<Server, ClientError> {
        match self.receive()? {
            Some(ServerMessage::Hello {
                protocol,
                server,
                pid,
                program,
            }) if protocol == VERSION => Ok(Server {
                version: server,
                pid,
                program,
            }),
            Some(ServerMessage::Hello { protocol, .. }) => {
                Err(ProtocolError::Version(protocol).into())
            }
            Some(ServerMessage::Error { message, .. }) => Err(ClientError::Refused(message)),
            _ => Err(ProtocolError::NoHello.into()),
        }
    }

    pub fn send(&mut self, message: &ClientMessage) -> Result<(), ClientError> {
        Ok(self.stream.write_all(protocol::line(message).as_bytes())?)
    }

    /// The next message, waiting for it; `None` once llrun closed the connection.
    pub fn receive(&mut self) -> Result<Option<ServerMessage>, ClientError> {
        loop {
            if let Some(message) = self.ready.pop_front() {
                return Ok(Some(message));
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Reads once (blocking) and returns every message that completed; `None` at the end.
    pub fn read_some(&mut self) -> Result<Option<Vec<ServerMessage>>, ClientError> {
        if self.ready.is_empty() && !self.fill()? {
            return Ok(None);
        }
        Ok(Some(self.ready.drain(..).collect()))
    }

    pub fn stream(&self) -> &UnixStream {
        &self.stream
    }

    /// One read into the queue of messages; false at the end of the stream.
    fn fill(&mut self) -> Result<bool, ClientError> {
        let mut buf = [0u8; 16 * 1024];
        let n = loop {
            match self.stream.read(&mut buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Ok(false),
                Err(e) => return Err(e.into()),
            }
        };
        for framed in self.lines.push(&buf[..n]) {
            let Framed::Line(line) = framed else {
                let what = format!("a line longer than {MAX_MESSAGE} bytes");
                return Err(ProtocolError::Garbled(what).into());
            };
            if let Some(message) = protocol::parse_message(&line)? {
                self.ready.push_back(message);
            }
        }
        Ok(n > 0)
    }
}

/// The socket to use: `explicit`, else `LLRUN_PROMPT_SOCKET`, else the only live run in the
/// default directory.
pub fn find_socket(explicit: Option<PathBuf>) -> Result<PathBuf, ClientError> {
    if let Some(at) = explicit.or_else(super::mode::socket_from_env) {
        return Ok(at);
    }
    let mut live: Vec<(PathBuf, Server)> = path::candidates()
        .into_iter()
        .filter_map(|p| probe(&p).map(|s| (p, s)))
        .collect();
    match live.len() {
        0 => Err(ClientError::NoRun(path::default_dir())),
        1 => Ok(live.remove(0).0),
        _ => Err(ClientError::Several(
            live.iter()
                .map(|(p, s)| format!("  {} ({}, llrun pid {})", p.display(), s.program, s.pid))
                .collect::<Vec<_>>()
                .join("\n"),
        )),
    }
}

/// Who listens at `at`, read from its hello without saying ours (so the probe never counts as
/// a client that could be shown an ask).
fn probe(at: &Path) -> Option<Server> {
    let stream = UnixStream::connect(at).ok()?;
    Connection::before_hello(stream).read_hello().ok()
}

/// One line about an ask, for logs and scripts: `7 read /home/u/a.pdf (firefox pid 12, rule
/// f.llp:3)`.
pub fn describe(ask: &super::Ask) -> String {
    let target = match &ask.target {
        super::Target::Path { path } => path.clone(),
        super::Target::Net { host, port } => format!("{host}:{port}"),
    };
    format!(
        "{} {} {} ({} pid {}, rule {})",
        ask.id,
        ask.access.join(","),
        target,
        ask.exe,
        ask.pid,
        ask.rule
    )
}

/// `allow once`, `deny for this run for /a/**`.
pub fn answer_words(
    decision: super::Decision,
    scope: super::Scope,
    pattern: Option<&str>,
) -> String {
    let decision = match decision {
        super::Decision::Allow => "allow",
        super::Decision::Deny => "deny",
    };
    let scope = match scope {
        super::Scope::Once => "once",
        super::Scope::Run => "for this run",
        super::Scope::Always => "always",
    };
    match pattern {
        Some(p) => format!("{decision} {scope} for {p}"),
        None => format!("{decision} {scope}"),
    }
}
