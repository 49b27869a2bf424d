//! The socket prompter: asks go to every client attached to a unix socket, as JSON lines.
//!
//! Threads: one accepts connections; each client has a reader (requests) and a writer (a
//! bounded queue of lines to send). The supervisor's calls only take a short lock and *try* to
//! queue: a client whose queue is full is disconnected, never waited for. Asks stay pending
//! here until resolved, so a client that attaches late is sent every unanswered one first.

mod conn;
pub mod path;
pub mod peer;

use super::protocol::{self, How, ServerMessage};
use super::{Answers, Ask, Prompter, Resolution};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use std::collections::{BTreeMap, HashMap};
use std::io::{PipeReader, PipeWriter, Write};
use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

pub use path::PathError;

/// At most this many connections at once, attached or not.
pub const MAX_CLIENTS: usize = 32;
/// At most this many messages wait for one client; a client that falls this far behind is
/// disconnected. With [`crate::prompt::answers::MAX_OPEN`] pending asks replayed as one item,
/// memory per client stays bounded, and lines are shared between clients.
pub const CLIENT_QUEUE: usize = 256;

/// The prompter behind `--prompt-socket`.
pub struct SocketPrompter {
    shared: Arc<Shared>,
    path: PathBuf,
    /// The socket file's identity, to remove only our own at the end.
    identity: Option<(u64, u64)>,
    /// Wakes the accepting thread to stop.
    stop: Option<PipeWriter>,
    acceptor: Option<JoinHandle<()>>,
}

/// What the supervisor's calls and the client threads share.
struct Shared {
    answers: Answers,
    guard: peer::Guard,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Shown and not yet resolved, in id order (the replay order).
    pending: BTreeMap<u64, Pending>,
    /// Attached clients (past their hello), by connection number.
    clients: HashMap<u64, ClientHandle>,
    /// Every open connection, attached or not, to cut them all at the end.
    connections: HashMap<u64, UnixStream>,
    next_connection: u64,
    program: String,
    /// The profile version in force, for `status` (set by the run, updated by live edits).
    profile: Option<protocol::ProfileStatus>,
    closing: bool,
}

struct Pending {
    ask: Ask,
    /// The `ask` line, serialized once for every client.
    line: Arc<str>,
    /// Forwarded an answer from a client here; no longer replayed.
    answered: bool,
}

/// What a client's writer sends.
enum Out {
    Line(Arc<str>),
    /// The pending asks at attach time, as one queue item.
    Replay(Vec<Arc<str>>),
}

struct ClientHandle {
    queue: SyncSender<Out>,
    /// To cut the connection (both threads then end).
    stream: UnixStream,
}

impl SocketPrompter {
    /// Listens on `path` (mode 0600). An existing socket nobody listens on is replaced; any
    /// other file, or a socket in use, is an error. Answers go to `answers`.
    pub fn bind(path: &Path, answers: impl Into<Answers>) -> Result<SocketPrompter, PathError> {
        path::claim(path)?;
        let listener = UnixListener::bind(path).map_err(|e| PathError::Io(path.into(), e))?;
        // A connection made before this chmod is still checked by the peer guard (same uid).
        path::make_private(path)?;
        let identity = path::identity(path);
        let shared = Arc::new(Shared {
            answers: answers.into(),
            guard: peer::Guard::default(),
            state: Mutex::default(),
        });
        let (wake, stop) = std::io::pipe().map_err(|e| PathError::Io(path.into(), e))?;
        let accepting = Arc::clone(&shared);
        let acceptor = std::thread::Builder::new()
            .name("llrun-prompt-accept".into())
            .spawn(move || accept_loop(&accepting, &listener, &wake))
            .map_err(|e| PathError::Io(path.into(), e))?;
        Ok(SocketPrompter {
            shared,
            path: path.to_path_buf(),
            identity,
            stop: Some(stop),
            acceptor: Some(acceptor),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The program's name for `hello` and `status`.
    pub fn set_program(&self, program: &str) {
        self.shared.lock().program = program.to_string();
    }

    /// The profile version in force and the last reload, for `status` replies.
    pub fn set_profile(&self, status: protocol::ProfileStatus) {
        self.shared.lock().profile = Some(status);
    }

    /// From now on refuses every client that this process started, directly or not: the
    /// sandboxed program and everything it runs (see [`peer`]). Call it before the program
    /// starts, with this process a child subreaper (`PR_SET_CHILD_SUBREAPER`), so that a
    /// double fork cannot leave the tree.
    pub fn guard_sandbox(&self) {
        self.shared.guard.set_sandbox(std::process::id() as i32);
    }

    /// Clients past their hello.
    pub fn clients(&self) -> usize {
        self.shared.lock().clients.len()
    }

    /// Asks shown and not yet resolved.
    pub fn pending(&self) -> usize {
        self.shared.lock().pending.len()
    }
}

impl Prompter for SocketPrompter {
    fn show(&self, ask: &Ask) -> bool {
        let mut state = self.shared.lock();
        if state.pending.contains_key(&ask.id) {
            return true;
        }
        if state.closing || state.clients.is_empty() || !self.shared.answers.open(ask.id) {
            return false;
        }
        let line: Arc<str> = protocol::line(&ServerMessage::Ask(ask.clone())).into();
        state.broadcast(&line);
        let shown = !state.clients.is_empty();
        if shown {
            let pending = Pending {
                ask: ask.clone(),
                line,
                answered: false,
            };
            state.pending.insert(ask.id, pending);
        } else {
            self.shared.answers.withdraw(ask.id);
        }
        shown
    }

    fn resolved(&self, id: u64, how: &Resolution) {
        self.shared.answers.close(id, how);
        let mut state = self.shared.lock();
        if state.pending.remove(&id).is_some() {
            let how = How::from(how);
            state.broadcast(&protocol::line(&ServerMessage::Resolved { id, how }).into());
        }
    }

    fn notice(&self, text: &str) {
        let text = text.to_string();
        let line = protocol::line(&ServerMessage::Notice { text });
        self.shared.lock().broadcast(&line.into());
    }
}

impl Drop for SocketPrompter {
    fn drop(&mut self) {
        let connections = {
            let mut state = self.shared.lock();
            state.closing = true;
            state.clients.clear();
            std::mem::take(&mut state.connections)
        };
        for stream in connections.values() {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        if let Some(mut stop) = self.stop.take() {
            let _ = stop.write_all(b"x");
        }
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        if self.identity.is_some() && path::identity(&self.path) == self.identity {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update under this lock is a single map operation: a panic cannot leave it torn.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    /// Queues `line` for every client; a client that cannot take it is disconnected.
    fn broadcast(&mut self, line: &Arc<str>) {
        self.clients.retain(|_, client| {
            let kept = client.try_send(Out::Line(Arc::clone(line)));
            if !kept {
                let _ = client.stream.shutdown(std::net::Shutdown::Both);
            }
            kept
        });
    }
}

impl ClientHandle {
    fn try_send(&self, out: Out) -> bool {
        match self.queue.try_send(out) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
        }
    }
}

/// Accepts connections until `stop` becomes readable. Each connection is served on its own
/// threads; refused ones get one `error` line.
fn accept_loop(shared: &Arc<Shared>, listener: &UnixListener, stop: &PipeReader) {
    loop {
        let mut fds = [
            PollFd::new(listener.as_fd(), PollFlags::POLLIN),
            PollFd::new(stop.as_fd(), PollFlags::POLLIN),
        ];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return,
        }
        if fds[1].revents().is_some_and(|r| !r.is_empty()) {
            return;
        }
        match listener.accept() {
            Ok((stream, _)) => conn::start(Arc::clone(shared), stream),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionAborted => {}
            // Out of descriptors: the listener stays readable, so back off instead of spinning.
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    }
}
