//! Refusing text that is not a profile before the grammar sees it, so that a binary file, a
//! stray control character or a runaway line gets one plain error instead of a confusing
//! syntax error (or a slow parse) somewhere in the middle.

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};

/// Longest physical line accepted, in bytes (docs/language.md).
pub const MAX_LINE: usize = 64 * 1024;

/// Checks, in one linear pass, that `text` can be a profile: no NUL, no control characters
/// other than tab and line ends, no U+FFFD left by a lossy decode, no line over [`MAX_LINE`].
pub fn check(text: &str, file: FileId) -> Result<(), Diagnostic> {
    if let Some(at) = text.find('\0') {
        return Err(Diagnostic::new(
            point(file, at, 1),
            "not a text profile: it contains a NUL byte",
        )
        .with_hint("profiles are UTF-8 text files; check that this is the file you meant"));
    }
    let mut line_start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, ch)) = chars.next() {
        if ch == '\n' {
            check_length(text, file, line_start, at)?;
            line_start = at + 1;
        } else if ch == '\r' && chars.peek().is_some_and(|(_, next)| *next == '\n') {
            // A Windows line end; the grammar accepts `\r\n`.
        } else if ch == '\u{FFFD}' {
            return Err(Diagnostic::new(
                point(file, at, ch.len_utf8()),
                "the profile is not valid UTF-8 here",
            )
            .with_hint("save the file as UTF-8 text"));
        } else if ch.is_control() && ch != '\t' {
            return Err(Diagnostic::new(point(file, at, ch.len_utf8()), control_message(ch)).with_hint(
                "remove it; inside a quoted word, write `\\t` for a tab and `\\n` for a newline",
            ));
        }
    }
    check_length(text, file, line_start, text.len())
}

fn check_length(text: &str, file: FileId, start: usize, end: usize) -> Result<(), Diagnostic> {
    if end - start <= MAX_LINE {
        return Ok(());
    }
    let line = text[..start].matches('\n').count() + 1;
    let kib = (end - start).div_ceil(1024);
    Err(Diagnostic::new(
        point(file, start, 0),
        format!("line {line} is {kib} KiB long; lines are limited to 64 KiB"),
    )
    .with_hint("split the statement into several statements, one pattern list per line"))
}

fn control_message(ch: char) -> String {
    match ch {
        '\r' => "carriage return without a newline".into(),
        _ => format!("control character U+{:04X} in the profile", u32::from(ch)),
    }
}

fn point(file: FileId, start: usize, len: usize) -> Span {
    Span {
        file,
        start,
        end: start + len,
    }
}
