//! One client connection: the peer check, the hello, requests, and the writer thread.
//!
//! Before its hello a client gets at most one `error` (written directly: a fresh socket's
//! buffer takes it), then the connection closes. After its hello every reply goes through the
//! client's bounded queue like the broadcasts, so a client that sends but never reads is
//! disconnected rather than blocking anyone.

use super::{CLIENT_QUEUE, ClientHandle, MAX_CLIENTS, Out, Shared};
use crate::prompt::protocol::{
    self, BadRequest, ClientMessage, Framed, Lines, MAX_REQUEST, ServerMessage, VERSION,
};
use crate::prompt::{Answer, Rejection};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::Duration;

/// A direct write (before the hello) gives up after this long: only a peer that connected and
/// stopped reading at once can make it wait at all.
const DIRECT_WRITE_LIMIT: Duration = Duration::from_secs(1);

/// Takes a new connection: counts it, checks the peer, and serves it on a thread of its own.
pub(super) fn start(shared: Arc<Shared>, stream: UnixStream) {
    if let Err(why) = shared.guard.check(&stream) {
        return refuse(stream, "refused", why);
    }
    let Ok(kept) = stream.try_clone() else { return };
    let number = {
        let mut state = shared.lock();
        if state.closing {
            return;
        }
        if state.connections.len() < MAX_CLIENTS {
            let number = state.next_connection;
            state.next_connection += 1;
            state.connections.insert(number, kept);
            Some(number)
        } else {
            None
        }
    };
    // Written outside the lock: the supervisor's calls never wait on a client.
    let Some(number) = number else {
        let message = format!("at most {MAX_CLIENTS} clients at once; close one first");
        return refuse(stream, "too-many-clients", message);
    };
    let serving = Arc::clone(&shared);
    let spawned = std::thread::Builder::new()
        .name("llrun-prompt-client".into())
        .spawn(move || Conn::new(serving, stream, number).serve());
    if spawned.is_err() {
        shared.lock().connections.remove(&number);
    }
}

/// Sends one `error` and closes.
fn refuse(mut stream: UnixStream, code: &str, message: String) {
    let _ = stream.set_write_timeout(Some(DIRECT_WRITE_LIMIT));
    let _ = stream.write_all(protocol::line(&protocol::error(code, message, None)).as_bytes());
}

/// The reader's side of one connection.
struct Conn {
    shared: Arc<Shared>,
    stream: UnixStream,
    /// The connection's number (its key in the shared maps).
    number: u64,
    /// Once attached: the client's queue.
    attached: Option<SyncSender<Out>>,
}

impl Conn {
    fn new(shared: Arc<Shared>, stream: UnixStream, number: u64) -> Conn {
        Conn {
            shared,
            stream,
            number,
            attached: None,
        }
    }

    fn serve(mut self) {
        let _ = self.stream.set_write_timeout(Some(DIRECT_WRITE_LIMIT));
        let hello = self.hello();
        if self.reply(hello) {
            self.read_requests();
        }
        self.finish();
    }

    fn hello(&self) -> ServerMessage {
        ServerMessage::Hello {
            protocol: VERSION,
            server: format!("llrun {}", env!("CARGO_PKG_VERSION")),
            pid: std::process::id(),
            program: self.shared.lock().program.clone(),
        }
    }

    fn read_requests(&mut self) {
        let mut lines = Lines::new(MAX_REQUEST);
        let mut buf = [0u8; 4096];
        loop {
            let n = match self.stream.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return,
            };
            for framed in lines.push(&buf[..n]) {
                if !self.handle(framed) {
                    return;
                }
            }
        }
    }

    /// Acts on one line; false closes the connection.
    fn handle(&mut self, framed: Framed) -> bool {
        let request = match framed {
            Framed::Line(line) if line.iter().all(u8::is_ascii_whitespace) => return true,
            Framed::Line(line) => protocol::parse_request(&line),
            Framed::TooLong => Err(BadRequest::TooLong),
        };
        let attached = self.attached.is_some();
        match request {
            // Before the hello, one error closes: the client is not speaking this protocol.
            Err(bad) => self.reply(protocol::error(bad.code(), bad.to_string(), None)) && attached,
            Ok(ClientMessage::Hello { protocol, .. }) if !attached && protocol == VERSION => {
                self.attach()
            }
            Ok(ClientMessage::Hello { protocol, .. }) if !attached => {
                let message = format!(
                    "this llrun speaks prompt protocol {VERSION}, not {protocol}; use the `llrun prompt` of the same version"
                );
                self.reply(protocol::error("version", message, None));
                false
            }
            Ok(_) if !attached => {
                let message = format!("send {{\"type\":\"hello\",\"protocol\":{VERSION}}} first");
                self.reply(protocol::error("hello-first", message, None));
                false
            }
            Ok(ClientMessage::Hello { .. }) => self.reply(protocol::error(
                "hello-again",
                "this connection already said hello",
                None,
            )),
            Ok(ClientMessage::Answer(answer)) => {
                let reply = self.answer(answer);
                self.reply(reply)
            }
            Ok(ClientMessage::Status) => {
                let status = self.status();
                self.reply(status)
            }
        }
    }

    /// Registers the client for broadcasts, with every pending ask queued first, atomically:
    /// no ask is missed or sent twice.
    fn attach(&mut self) -> bool {
        let (Ok(for_writer), Ok(for_handle)) = (self.stream.try_clone(), self.stream.try_clone())
        else {
            return false;
        };
        let _ = self.stream.set_write_timeout(None);
        let (queue, rx) = sync_channel(CLIENT_QUEUE);
        let spawned = std::thread::Builder::new()
            .name("llrun-prompt-write".into())
            .spawn(move || write_loop(for_writer, &rx));
        if spawned.is_err() {
            return false;
        }
        let mut state = self.shared.lock();
        if state.closing {
            return false;
        }
        let replay: Vec<Arc<str>> = state
            .pending
            .iter()
            .filter(|(id, p)| !p.answered && self.shared.answers.waiting(**id).is_ok())
            .map(|(_, p)| Arc::clone(&p.line))
            .collect();
        // The queue is new and empty: this cannot fail for lack of room.
        let _ = queue.try_send(Out::Replay(replay));
        let handle = ClientHandle {
            queue: queue.clone(),
            stream: for_handle,
        };
        state.clients.insert(self.number, handle);
        self.attached = Some(queue);
        true
    }

    /// Forwards an answer if it is the first for a pending ask and its pattern fits.
    fn answer(&self, answer: Answer) -> ServerMessage {
        let id = answer.id;
        let mut state = self.shared.lock();
        let Some(pending) = state.pending.get_mut(&id) else {
            let why = match self.shared.answers.waiting(id) {
                Err(why) => why,
                Ok(()) => Rejection::Unknown(id),
            };
            return protocol::error(why.code(), why.to_string(), Some(id));
        };
        if let Err(bad) = answer.check(&pending.ask) {
            return protocol::error("bad-pattern", bad.to_string(), Some(id));
        }
        match self.shared.answers.send(answer) {
            Ok(()) => {
                pending.answered = true;
                ServerMessage::Accepted { id }
            }
            Err(why) => protocol::error(why.code(), why.to_string(), Some(id)),
        }
    }

    fn status(&self) -> ServerMessage {
        let state = self.shared.lock();
        ServerMessage::Status {
            protocol: VERSION,
            pid: std::process::id(),
            program: state.program.clone(),
            pending: state.pending.values().filter(|p| !p.answered).count(),
            clients: state.clients.len(),
            profile: state.profile.clone(),
        }
    }

    /// Sends a reply: through the queue once attached, directly before. False when the
    /// connection is done for: a full queue (the client stopped reading) or a failed direct
    /// write. A client that closed its end after sending still has its requests read: its
    /// last answers count even though nobody is left to tell.
    fn reply(&mut self, message: ServerMessage) -> bool {
        let line = protocol::line(&message);
        match &self.attached {
            Some(queue) => !matches!(
                queue.try_send(Out::Line(line.into())),
                Err(TrySendError::Full(_))
            ),
            None => self.stream.write_all(line.as_bytes()).is_ok(),
        }
    }

    /// Detaches and closes.
    fn finish(self) {
        let mut state = self.shared.lock();
        state.clients.remove(&self.number);
        state.connections.remove(&self.number);
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

/// Writes what is queued for one client until the queue or the connection closes. Lines that
/// are already waiting go out in one write.
fn write_loop(mut stream: UnixStream, rx: &Receiver<Out>) {
    let mut batch = String::new();
    let add = |batch: &mut String, out: Out| match out {
        Out::Line(line) => batch.push_str(&line),
        Out::Replay(lines) => lines.iter().for_each(|l| batch.push_str(l)),
    };
    while let Ok(first) = rx.recv() {
        batch.clear();
        add(&mut batch, first);
        while batch.len() < 64 * 1024 {
            match rx.try_recv() {
                Ok(out) => add(&mut batch, out),
                Err(_) => break,
            }
        }
        if stream.write_all(batch.as_bytes()).is_err() {
            break;
        }
    }
    // Only our direction: requests the client sent before leaving are still read.
    let _ = stream.shutdown(std::net::Shutdown::Write);
}
