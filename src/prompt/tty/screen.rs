//! One prompt at a time on a terminal in raw mode (llrun's own, or `llrun prompt`'s): showing
//! it below the cursor, arming it, feeding it keys, erasing it. Shared by the run's
//! [`super::Console`] and the interactive client.

use super::ARM_DELAY;
use super::keys;
use super::machine::{Prompt, Step};
use super::overlay::Overlay;
use super::render::{self, Line, Style};
use crate::prompt::{Answer, Ask};
use std::io::Write;
use std::time::{Duration, Instant};

/// The prompt on a terminal, drawn on stdout.
#[derive(Default)]
pub struct Screen {
    shown: Option<Shown>,
    overlay: Overlay,
    /// Notices that arrived while the prompt was up: shown under it.
    notes: Vec<String>,
}

struct Shown {
    prompt: Prompt,
    since: Instant,
    waiting: usize,
}

/// What a read of keys amounted to.
#[derive(Debug, PartialEq, Eq)]
pub enum Typed {
    /// No prompt is armed: the keys are someone else's (the program's).
    NotMine,
    /// Taken by the prompt.
    Taken,
    /// The prompt's answer. Keys after it in the same read are dropped: they were typed for
    /// this prompt, and must not answer the next.
    Answer(Answer),
}

impl Screen {
    /// The ask on the screen.
    pub fn shown(&self) -> Option<&Ask> {
        self.shown.as_ref().map(|s| s.prompt.ask())
    }

    /// Puts `ask` on the screen (replacing any other), unarmed, with `waiting` more queued.
    pub fn show(&mut self, ask: Ask, waiting: usize) {
        self.notes.clear();
        self.shown = Some(Shown {
            prompt: Prompt::new(ask),
            since: Instant::now(),
            waiting,
        });
        self.draw();
    }

    /// Updates the count of queued asks and adds notices, redrawing if anything changed.
    pub fn update(&mut self, waiting: usize, notices: Vec<String>) {
        let Some(shown) = &mut self.shown else { return };
        if shown.waiting != waiting || !notices.is_empty() {
            shown.waiting = waiting;
            self.notes.extend(notices);
            self.draw();
        }
    }

    /// Erases the prompt.
    pub fn close(&mut self) {
        if self.shown.take().is_some() {
            let bytes = self.overlay.erase();
            write(&bytes);
            self.notes.clear();
        }
    }

    /// How long until [`Screen::tick`] must run (to arm the prompt).
    pub fn timeout(&self) -> Option<Duration> {
        let shown = self.shown.as_ref().filter(|s| !s.prompt.armed())?;
        Some(ARM_DELAY.saturating_sub(shown.since.elapsed()))
    }

    /// Arms the prompt once [`ARM_DELAY`] has passed.
    pub fn tick(&mut self) {
        if let Some(shown) = &mut self.shown
            && !shown.prompt.armed()
            && shown.since.elapsed() >= ARM_DELAY
        {
            shown.prompt.arm();
            self.draw();
        }
    }

    /// Feeds the bytes of one read from the terminal.
    pub fn keys(&mut self, bytes: &[u8]) -> Typed {
        let Some(shown) = self.shown.as_mut().filter(|s| s.prompt.armed()) else {
            return Typed::NotMine;
        };
        let mut redraw = false;
        for key in keys::decode(bytes) {
            match shown.prompt.key(key) {
                Step::Ignored => {}
                Step::Redraw => redraw = true,
                Step::Answer(answer) => return Typed::Answer(answer),
            }
        }
        if redraw {
            self.draw();
        }
        Typed::Taken
    }

    /// Draws the prompt again from scratch (the window changed, or the terminal was given
    /// back after a stop).
    pub fn redraw(&mut self) {
        if self.shown.is_some() {
            self.overlay.forget();
            self.draw();
        }
    }

    fn draw(&mut self) {
        let Some(shown) = &self.shown else { return };
        let (width, rows) = terminal_size();
        let mut lines = render::lines(&shown.prompt, shown.waiting, width);
        lines.extend(self.notes.iter().map(|n| Line {
            style: Style::Dim,
            text: render::fit(&super::visible::escape(&format!("  llrun: {n}")), width),
        }));
        fit_rows(&mut lines, rows);
        let bytes = self.overlay.draw(&lines);
        write(&bytes);
    }
}

/// Prints `text` on a line of its own, as a shell prints job news (cancelling any escape
/// sequence left unfinished before it).
pub fn print_line(text: &str) {
    let (width, _) = terminal_size();
    let text = render::fit(&super::visible::escape(text), width);
    write(format!("\x18\r\n\x1b[2K{text}\r\n").as_bytes());
}

fn write(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    // The user's terminal: if it cannot take the prompt, nothing better can be done.
    let _ = out.write_all(bytes).and_then(|()| out.flush());
}

/// Usable columns (one short of the width, so that no line wraps) and rows.
fn terminal_size() -> (usize, usize) {
    match llrun_kernel::terminal::window_size(std::io::stdout()) {
        Ok(size) if size.ws_col > 1 && size.ws_row > 1 => {
            (usize::from(size.ws_col) - 1, usize::from(size.ws_row))
        }
        _ => (79, 24),
    }
}

/// Leaves one row for the line above: drops the dim detail lines first, then from the top.
fn fit_rows(lines: &mut Vec<Line>, rows: usize) {
    while lines.len() >= rows {
        match lines.iter().rposition(|l| l.style == Style::Dim) {
            Some(i) => drop(lines.remove(i)),
            None => drop(lines.remove(0)),
        }
    }
}
