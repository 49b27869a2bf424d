//! The event loop's side of the terminal prompt.
//!
//! The loop polls [`Console::wake_fd`] always, and stdin for the console while
//! [`Console::wants_keys`]; it calls [`Console::step`] after every poll, and the console
//! holds and releases the relay through [`Hold`].

use super::keys;
use super::machine::{Prompt, Step};
use super::overlay::Overlay;
use super::render::{self, Line, Style};
use super::{ARM_DELAY, Shared};
use crate::prompt::{Answer, Ask};
use std::io::{PipeReader, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    shown: Option<Shown>,
    overlay: Overlay,
    /// Notices that arrived while a prompt was up: shown under it.
    notes: Vec<String>,
    stdin: std::io::Stdin,
    stdout: std::io::Stdout,
}

/// The ask on the screen.
struct Shown {
    prompt: Prompt,
    since: Instant,
    waiting: usize,
}

impl Console {
    pub(super) fn new(shared: Arc<Shared>, wake: PipeReader) -> Console {
        Console {
            shared,
            wake,
            shown: None,
            overlay: Overlay::default(),
            notes: Vec::new(),
            stdin: std::io::stdin(),
            stdout: std::io::stdout(),
        }
    }

    /// Starts taking asks: call once the program runs on its pty and the terminal is raw.
    pub fn attach(&mut self) {
        self.shared.lock().attached = true;
    }

    /// Readable when something changed for the console.
    pub fn wake_fd(&self) -> BorrowedFd<'_> {
        self.wake.as_fd()
    }

    /// A prompt is up: stdin is the console's.
    pub fn wants_keys(&self) -> bool {
        self.shown.is_some()
    }

    /// How long until the console must be stepped again without any event (to arm a prompt).
    pub fn timeout(&self) -> Option<Duration> {
        let shown = self.shown.as_ref().filter(|s| !s.prompt.armed())?;
        Some(ARM_DELAY.saturating_sub(shown.since.elapsed()))
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
        if let Some(shown) = &mut self.shown
            && !shown.prompt.armed()
            && shown.since.elapsed() >= ARM_DELAY
        {
            shown.prompt.arm();
            self.draw();
        }
        self.sync(hold);
    }

    /// Draws the prompt again (the window changed size, or llrun was resumed).
    pub fn redraw(&mut self) {
        if self.shown.is_some() {
            self.overlay.forget();
            self.draw();
        }
    }

    /// The session is over: no more asks, the prompt goes, the relay is released.
    pub fn detach(&mut self, hold: &mut dyn Hold) {
        {
            let mut queue = self.shared.lock();
            queue.attached = false;
            queue.asks.clear();
        }
        self.close(hold);
    }

    /// Shows the queue's front ask if it is not on the screen yet, or takes the prompt away
    /// when the queue is empty; prints notices.
    fn sync(&mut self, hold: &mut dyn Hold) {
        let (front, waiting, notices) = {
            let mut queue = self.shared.lock();
            let notices: Vec<String> = queue.notices.drain(..).collect();
            let waiting = queue.asks.len().saturating_sub(1);
            (queue.asks.front().cloned(), waiting, notices)
        };
        let shown_id = self.shown.as_ref().map(|s| s.prompt.ask().id);
        match (front, &mut self.shown) {
            (None, _) => {
                self.close(hold);
                self.print_notices(notices);
            }
            (Some(ask), _) if Some(ask.id) != shown_id => self.show(ask, waiting, notices, hold),
            (Some(_), Some(shown)) => {
                if shown.waiting != waiting || !notices.is_empty() {
                    shown.waiting = waiting;
                    self.notes.extend(notices);
                    self.draw();
                }
            }
            (Some(_), None) => unreachable!("an ask with the shown id is shown"),
        }
    }

    fn show(&mut self, ask: Ask, waiting: usize, notices: Vec<String>, hold: &mut dyn Hold) {
        if self.shown.is_none() {
            hold.hold(true);
        }
        self.notes = notices;
        self.shown = Some(Shown {
            prompt: Prompt::new(ask),
            since: Instant::now(),
            waiting,
        });
        self.draw();
    }

    fn close(&mut self, hold: &mut dyn Hold) {
        if self.shown.take().is_some() {
            let bytes = self.overlay.erase();
            self.write(&bytes);
            self.notes.clear();
            hold.hold(false);
        }
    }

    fn read_keys(&mut self, hold: &mut dyn Hold) {
        let mut buf = [0u8; 256];
        let n = match self.stdin.lock().read(&mut buf) {
            Ok(n) if n > 0 => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return,
            // The terminal is gone: nobody can answer here any more.
            _ => return self.detach(hold),
        };
        let Some(shown) = &mut self.shown else {
            return hold.pass_input(&buf[..n]);
        };
        if !shown.prompt.armed() {
            return hold.pass_input(&buf[..n]);
        }
        let mut redraw = false;
        for key in keys::decode(&buf[..n]) {
            match shown.prompt.key(key) {
                Step::Ignored => {}
                Step::Redraw => redraw = true,
                // Keys after the answer were typed for this prompt, not the next one.
                Step::Answer(answer) => return self.answered(answer),
            }
        }
        if redraw {
            self.draw();
        }
    }

    /// Sends the answer (unless someone else answered first) and drops the ask from the
    /// queue; the next `sync` shows the next one.
    fn answered(&mut self, answer: Answer) {
        let id = answer.id;
        // Refused only when the ask was decided meanwhile: it leaves the screen either way.
        let _ = self.shared.answers.send(answer);
        let mut queue = self.shared.lock();
        queue.asks.retain(|a| a.id != id);
    }

    fn draw(&mut self) {
        let Some(shown) = &self.shown else { return };
        let (width, rows) = terminal_size(&self.stdout);
        let mut lines = render::lines(&shown.prompt, shown.waiting, width);
        lines.extend(self.notes.iter().map(|n| Line {
            style: Style::Dim,
            text: render::fit(&format!("  llrun: {n}"), width),
        }));
        fit_rows(&mut lines, rows);
        let bytes = self.overlay.draw(&lines);
        self.write(&bytes);
    }

    /// Notices with no prompt up go on lines of their own, as a shell prints job news.
    fn print_notices(&mut self, notices: Vec<String>) {
        for text in notices {
            let (width, _) = terminal_size(&self.stdout);
            let text = render::fit(&format!("llrun: {text}"), width);
            self.write(format!("\x18\r\n\x1b[2K{text}\r\n").as_bytes());
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut out = self.stdout.lock();
        // The user's terminal: if it cannot take the prompt, nothing better can be done.
        let _ = out.write_all(bytes).and_then(|()| out.flush());
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        self.shared.lock().attached = false;
    }
}

/// Usable columns (one short of the width, so that no line wraps) and rows.
fn terminal_size(stdout: &std::io::Stdout) -> (usize, usize) {
    match llrun_kernel::terminal::window_size(stdout) {
        Ok(size) if size.ws_col > 1 && size.ws_row > 1 => {
            (usize::from(size.ws_col) - 1, usize::from(size.ws_row))
        }
        _ => (79, 24),
    }
}

/// Leaves one row for the program's line: drops the dim detail lines first, then the top.
fn fit_rows(lines: &mut Vec<Line>, rows: usize) {
    while lines.len() >= rows {
        match lines.iter().rposition(|l| l.style == Style::Dim) {
            Some(i) => drop(lines.remove(i)),
            None => drop(lines.remove(0)),
        }
    }
}
