//! Drawing a prompt below the cursor and taking it away again, leaving the line the program
//! was writing as it was.
//!
//! The terminal is in raw mode (no output processing), so `\n` moves down without returning to
//! column 0. To draw N rows: cancel any escape sequence the program left unfinished (`CAN`),
//! print N line feeds (the screen scrolls if the cursor was near the bottom) and move up N rows:
//! the cursor is back on the program's line and column, with N free rows below. Save it there
//! (`ESC 7`, which also saves the program's colours and character sets), draw each row, and to
//! erase, restore, clear the N rows and restore again.
//!
//! The program set up the terminal as it liked, and a hostile one sets it up to hide the
//! prompt under one of its own. Two settings are put right before drawing:
//! - the scrolling region: narrowed to two rows, the line feeds would push every row of the
//!   prompt but its last two (its keys) out of sight. The whole screen scrolls again (the
//!   program's region is not restored: a full-screen program sets it again when it redraws);
//! - the character set: with the line-drawing set in use (designated to G0, or to G1 and
//!   shifted out), every letter of the prompt would be a line-drawing glyph. ASCII is designated
//!   to G0 and shifted in; restoring the cursor (`ESC 8`) brings the program's sets back.

use super::render::{Line, Style};

const CANCEL: &[u8] = b"\x18";
const SAVE: &[u8] = b"\x1b7";
const RESTORE: &[u8] = b"\x1b8";
const RESET: &[u8] = b"\x1b[0m";
const CLEAR_LINE: &[u8] = b"\x1b[2K";
const DOWN: &[u8] = b"\x1b[B";
/// Setting the scrolling region to the whole screen moves the cursor home: the program's
/// cursor is saved around it.
const WHOLE_SCREEN_SCROLLS: &[u8] = b"\x1b7\x1b[r\x1b8";
/// ASCII designated to G0, and G0 shifted in.
const ASCII: &[u8] = b"\x1b(B\x0f";

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
        out.extend_from_slice(WHOLE_SCREEN_SCROLLS);
        out.extend(std::iter::repeat_n(b'\n', n));
        out.extend_from_slice(format!("\x1b[{n}A").as_bytes());
        out.extend_from_slice(SAVE);
        out.extend_from_slice(ASCII);
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
