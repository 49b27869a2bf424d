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
    let bytes = text.as_bytes();
    let mut line_start = 0;
    for (at, &b) in bytes.iter().enumerate() {
        // Bytes: the checks only concern ASCII controls and two UTF-8 lead bytes (0xC2 for the
        // C1 controls, 0xEF for U+FFFD), so most bytes cost one comparison.
        if b >= 0x20 && b != 0x7f && b != 0xc2 && b != 0xef {
            continue;
        }
        match b {
            b'\n' => {
                check_length(text, file, line_start, at)?;
                line_start = at + 1;
            }
            b'\t' => {}
            b'\r' if bytes.get(at + 1) == Some(&b'\n') => {}
            0xc2 if !matches!(bytes.get(at + 1), Some(0x80..=0x9f)) => {}
            0xef if !bytes[at..].starts_with("\u{FFFD}".as_bytes()) => {}
            0xef => {
                return Err(Diagnostic::new(
                    point(file, at, 3),
                    "the profile is not valid UTF-8 here",
                )
                .with_hint("save the file as UTF-8 text"));
            }
            _ => return Err(control(text, file, at)),
        }
    }
    check_length(text, file, line_start, text.len())
}

fn control(text: &str, file: FileId, at: usize) -> Diagnostic {
    let ch = text[at..].chars().next().unwrap_or('\0');
    Diagnostic::new(point(file, at, ch.len_utf8()), control_message(ch))
        .with_hint("remove it; inside a quoted word, write `\\t` for a tab and `\\n` for a newline")
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
