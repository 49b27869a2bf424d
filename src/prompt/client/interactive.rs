//! `llrun prompt` on a terminal: each ask as the run's own terminal prompt shows it, one after
//! another; the answers go back over the socket. `q` (or Ctrl-C, Ctrl-D) with no prompt up
//! quits.

use super::{ClientError, Connection, answer_words, describe};
use crate::prompt::protocol::{ClientMessage, How, ServerMessage};
use crate::prompt::tty::screen::{Screen, Typed};
use crate::prompt::{Answer, Ask};
use llrun_kernel::terminal::RawMode;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use std::collections::VecDeque;
use std::io::{IsTerminal, Read, Write};
use std::os::fd::AsFd;

/// The client's state: asks in arrival order, the front one on the screen.
struct Client {
    conn: Connection,
    queue: VecDeque<Ask>,
    screen: Screen,
}

/// Runs until llrun ends or the user quits.
pub fn run(conn: Connection) -> Result<(), ClientError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(ClientError::NoTerminal);
    }
    let _raw = RawMode::enter(&stdin).map_err(std::io::Error::from)?;
    let mut client = Client {
        conn,
        queue: VecDeque::new(),
        screen: Screen::default(),
    };
    say(&format!(
        "llrun prompt: answering for {} (llrun pid {}); q quits",
        client.conn.server.program, client.conn.server.pid
    ));
    let result = client.serve();
    client.screen.close();
    result
}

impl Client {
    fn serve(&mut self) -> Result<(), ClientError> {
        loop {
            let (socket, keys) = self.wait()?;
            if socket {
                let Some(messages) = self.conn.read_some()? else {
                    say("llrun prompt: llrun has ended");
                    return Ok(());
                };
                messages.into_iter().for_each(|m| self.on_message(m));
            }
            if keys && !self.on_keys()? {
                return Ok(());
            }
            self.screen.tick();
            self.sync();
        }
    }

    /// Polls the socket and the terminal; which are readable.
    fn wait(&self) -> Result<(bool, bool), ClientError> {
        let stdin = std::io::stdin();
        let mut fds = [
            PollFd::new(self.conn.stream().as_fd(), PollFlags::POLLIN),
            PollFd::new(stdin.as_fd(), PollFlags::POLLIN),
        ];
        let timeout = match self.screen.timeout() {
            Some(t) => PollTimeout::try_from(t.as_millis().max(1)).unwrap_or(PollTimeout::MAX),
            None => PollTimeout::NONE,
        };
        match poll(&mut fds, timeout) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(std::io::Error::from(e).into()),
        }
        let ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
        Ok((ready(&fds[0]), ready(&fds[1])))
    }

    fn on_message(&mut self, message: ServerMessage) {
        match message {
            ServerMessage::Ask(ask) => self.queue.push_back(ask),
            ServerMessage::Resolved { id, how } => {
                self.queue.retain(|a| a.id != id);
                if self.screen.shown().is_some_and(|a| a.id == id) {
                    self.screen.close();
                    say(&format!("ask {id}: {}", how_words(&how)));
                }
            }
            ServerMessage::Notice { text } => self.tell(format!("llrun: {text}")),
            ServerMessage::Error { code, message, .. } => {
                self.tell(format!("llrun refused ({code}): {message}"));
            }
            _ => {}
        }
    }

    /// Reads keys; false when the user quits.
    fn on_keys(&mut self) -> Result<bool, ClientError> {
        let mut buf = [0u8; 256];
        let n = std::io::stdin().lock().read(&mut buf)?;
        if n == 0 {
            return Ok(false);
        }
        match self.screen.keys(&buf[..n]) {
            Typed::NotMine => Ok(self.screen.shown().is_some() || !quits(&buf[..n])),
            Typed::Taken => Ok(true),
            Typed::Answer(answer) => {
                self.answer(answer)?;
                Ok(true)
            }
        }
    }

    fn answer(&mut self, answer: Answer) -> Result<(), ClientError> {
        let id = answer.id;
        let words = answer_words(answer.decision, answer.scope, answer.pattern.as_deref());
        self.conn.send(&ClientMessage::Answer(answer))?;
        if let Some(pos) = self.queue.iter().position(|a| a.id == id) {
            let ask = self.queue.remove(pos).expect("position is in range");
            self.screen.close();
            say(&format!("{words}: {}", describe(&ask)));
        }
        Ok(())
    }

    /// Keeps the queue's front on the screen.
    fn sync(&mut self) {
        let waiting = self.queue.len().saturating_sub(1);
        match self.queue.front() {
            Some(front) if self.screen.shown().map(|a| a.id) != Some(front.id) => {
                self.screen.show(front.clone(), waiting);
            }
            Some(_) => self.screen.update(waiting, Vec::new()),
            None => self.screen.close(),
        }
    }

    /// A line for the user: under the prompt if one is up, else on its own.
    fn tell(&mut self, text: String) {
        if self.screen.shown().is_some() {
            let waiting = self.queue.len().saturating_sub(1);
            self.screen.update(waiting, vec![text]);
        } else {
            say(&text);
        }
    }
}

/// `q`, Ctrl-C or Ctrl-D.
fn quits(bytes: &[u8]) -> bool {
    bytes.iter().any(|b| matches!(b, b'q' | 0x03 | 0x04))
}

/// A line in raw mode (it may name a path the program chose, so it is made visible first).
fn say(text: &str) {
    let text = crate::prompt::tty::visible::escape(text);
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{text}\r\n").and_then(|()| out.flush());
}

/// What became of an ask: `allow once`, `timed out (denied)`, …
fn how_words(how: &How) -> String {
    match how {
        How::Answered {
            decision,
            scope,
            pattern,
        } => answer_words(*decision, *scope, pattern.as_deref()),
        How::TimedOut => "timed out (denied)".into(),
        How::Edited => "decided by a profile edit".into(),
        How::Exited => "the program is gone".into(),
        How::Refused { reason } => format!("answer refused: {reason}"),
    }
}
