//! Drawing a prompt below the cursor and taking it away again, leaving the line the program
//! was writing as it was.
//!
//! The terminal is in raw mode (no output processing), so `\n` moves down without returning to
//! column 0. To draw N rows: cancel any escape sequence the program left unfinished (`CAN`),
//! print N line feeds (the screen scrolls if the cursor was near the bottom) and move up N rows:
//! the cursor is back on the program's line and column, with N free rows below. Save it there
//! (`ESC 7`, which also saves the program's colours), draw each row, and to erase, restore,
//! clear the N rows and restore again.

use super::render::{Line, Style};

const CANCEL: &[u8] = b"\x18";
const SAVE: &[u8] = b"\x1b7";
const RESTORE: &[u8] = b"\x1b8";
const RESET: &[u8] = b"\x1b[0m";
const CLEAR_LINE: &[u8] = b"\x1b[2K";
const DOWN: &[u8] = b"\x1b[B";

/// Rows drawn below the cursor.
#[derive(Debug, Default)]
pub struct Overlay {
    drawn: usize,
}

impl Overlay {
    /// Whether something is drawn.
    pub fn shown(&self) -> bool {
        self.drawn > 0
    }

    /// The bytes that replace whatever is drawn with `lines`.
    pub fn draw(&mut self, lines: &[Line]) -> Vec<u8> {
        let mut out = self.erase();
        if out.is_empty() {
            out.extend_from_slice(CANCEL);
        }
        let n = lines.len();
        if n == 0 {
            return out;
        }
        out.extend(std::iter::repeat_n(b'\n', n));
        out.extend_from_slice(format!("\x1b[{n}A").as_bytes());
        out.extend_from_slice(SAVE);
        for line in lines {
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(RESET);
            out.extend_from_slice(CLEAR_LINE);
            out.extend_from_slice(style(line.style));
            out.extend_from_slice(line.text.as_bytes());
            out.extend_from_slice(RESET);
        }
        self.drawn = n;
        out
    }

    /// The bytes that erase what is drawn and put the cursor and colours back.
    pub fn erase(&mut self) -> Vec<u8> {
        if self.drawn == 0 {
            return Vec::new();
        }
        let mut out = Vec::new();
        out.extend_from_slice(RESTORE);
        out.extend_from_slice(RESET);
        for _ in 0..self.drawn {
            out.extend_from_slice(DOWN);
            out.extend_from_slice(CLEAR_LINE);
        }
        out.extend_from_slice(RESTORE);
        self.drawn = 0;
        out
    }

    /// Forgets what is drawn without erasing it (the screen was redrawn by someone else).
    pub fn forget(&mut self) {
        self.drawn = 0;
    }
}

fn style(style: Style) -> &'static [u8] {
    match style {
        Style::Title => b"\x1b[1;7m",
        Style::Plain => b"",
        Style::Keys => b"\x1b[1m",
        Style::Dim => b"\x1b[2m",
        Style::Problem => b"\x1b[1;31m",
    }
}
