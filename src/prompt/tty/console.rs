//! The run's event-loop side of the terminal prompt.
//!
//! The loop polls [`Console::wake_fd`] always, and stdin for the console while
//! [`Console::wants_keys`]; it calls [`Console::step`] after every poll (and when a
//! [`Console::timeout`] passes). The console holds and releases the relay through [`Hold`].

use super::Shared;
use super::screen::{self, Screen, Typed};
use crate::prompt::Answer;
use std::io::{PipeReader, Read};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;
use std::time::Duration;

/// What the console needs from the relay between the user's terminal and the program's pty.
pub trait Hold {
    /// `true`: stop copying the program's output to the terminal and stop reading the user's
    /// keys for the program; `false`: go on.
    fn hold(&mut self, held: bool);
    /// Keys that belong to the program after all (typed before the prompt was armed).
    fn pass_input(&mut self, bytes: &[u8]);
}

/// The terminal prompt as the event loop drives it.
pub struct Console {
    shared: Arc<Shared>,
    wake: PipeReader,
    screen: Screen,
}

impl Console {
    pub(super) fn new(shared: Arc<Shared>, wake: PipeReader) -> Console {
        Console {
            shared,
            wake,
            screen: Screen::default(),
        }
    }

    /// Starts taking asks: call as soon as it is certain that the program gets a pty (before
    /// it starts, so that no early ask finds nobody). Asks wait in the queue until the event
    /// loop steps the console.
    pub fn attach(&mut self) {
        self.shared.lock().attached = true;
    }

    /// Readable when something changed for the console.
    pub fn wake_fd(&self) -> BorrowedFd<'_> {
        self.wake.as_fd()
    }

    /// A prompt is up: stdin is the console's.
    pub fn wants_keys(&self) -> bool {
        self.screen.shown().is_some()
    }

    /// How long until the console must be stepped again without any event.
    pub fn timeout(&self) -> Option<Duration> {
        self.screen.timeout()
    }

    /// Acts on what the last poll found (`woken`: the wake fd; `keys`: stdin) and on time.
    pub fn step(&mut self, woken: bool, keys: bool, hold: &mut dyn Hold) {
        if woken {
            let mut sink = [0u8; 64];
            while matches!(self.wake.read(&mut sink), Ok(n) if n > 0) {}
        }
        if keys {
            self.read_keys(hold);
        }
        self.screen.tick();
        self.sync(hold);
    }

    /// Draws the prompt again (the window changed size, or llrun was resumed).
    pub fn redraw(&mut self) {
        self.screen.redraw();
    }

    /// The session is over (or the terminal gone): no more asks, the waiting ones are denied
    /// once, the prompt goes, the relay is released.
    pub fn detach(&mut self, hold: &mut dyn Hold) {
        self.shared.strand();
        self.sync(hold);
    }

    /// Shows the queue's front ask if it is not on the screen yet, or takes the prompt away
    /// (releasing the relay) when the queue is empty; shows notices.
    fn sync(&mut self, hold: &mut dyn Hold) {
        let (front, waiting, notices) = {
            let mut queue = self.shared.lock();
            let notices: Vec<String> = queue.notices.drain(..).collect();
            let waiting = queue.asks.len().saturating_sub(1);
            (queue.asks.front().cloned(), waiting, notices)
        };
        let shown = self.screen.shown().map(|a| a.id);
        match front {
            None => {
                if shown.is_some() {
                    self.screen.close();
                    hold.hold(false);
                }
                notices
                    .iter()
                    .for_each(|n| screen::print_line(&format!("llrun: {n}")));
            }
            Some(ask) if Some(ask.id) != shown => {
                if shown.is_none() {
                    hold.hold(true);
                }
                self.screen.show(ask, waiting);
                self.screen.update(waiting, notices);
            }
            Some(_) => self.screen.update(waiting, notices),
        }
    }

    fn read_keys(&mut self, hold: &mut dyn Hold) {
        let mut buf = [0u8; 256];
        let n = match std::io::stdin().lock().read(&mut buf) {
            Ok(n) if n > 0 => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return,
            // The terminal is gone: nobody can answer here any more.
            _ => return self.detach(hold),
        };
        match self.screen.keys(&buf[..n]) {
            Typed::NotMine => hold.pass_input(&buf[..n]),
            Typed::Taken => {}
            Typed::Answer(answer) => self.answered(answer),
        }
    }

    /// Sends the answer (unless it was decided meanwhile: it leaves the screen either way) and
    /// drops the ask from the queue; `sync` then shows the next one.
    fn answered(&mut self, answer: Answer) {
        let id = answer.id;
        let _ = self.shared.answers.send(answer);
        self.shared.lock().asks.retain(|a| a.id != id);
    }
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("shown", &self.screen.shown().map(|a| a.id))
            .finish_non_exhaustive()
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        self.shared.strand();
    }
}
