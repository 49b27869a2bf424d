//! Refusing text that is not a profile before the grammar sees it, so that a binary file, a
//! stray control character or a runaway line gets one plain error instead of a confusing
//! syntax error (or a slow parse) somewhere in the middle.

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};

/// Longest physical line accepted, in bytes (docs/language.md).
pub const MAX_LINE: usize = 64 * 1024;

/// Checks, in one linear pass, that `text` can be a profile: no NUL, no control characters
/// other than tab and line ends, no U+FFFD left by a lossy decode, no line over [`MAX_LINE`].
/// Returns the number of lines, which bounds the number of statements.
pub fn check(text: &str, file: FileId) -> Result<usize, Diagnostic> {
    // A NUL anywhere says "binary file", which explains any other fault better; the pass below
    // stops at a NUL like at any control character, so it is only looked for then.
    scan(text, file).map_err(|fault| nul(text, file).unwrap_or(fault))
}

fn scan(text: &str, file: FileId) -> Result<usize, Diagnostic> {
    let bytes = text.as_bytes();
    let mut lines = Lines { start: 0, count: 1 };
    let mut at = 0;
    while let Some(next) = next_unusual(bytes, at) {
        unusual_byte(text, file, next, &mut lines)?;
        at = next + 1;
    }
    check_length(text, file, lines.start, text.len())?;
    Ok(lines.count)
}

fn nul(text: &str, file: FileId) -> Option<Diagnostic> {
    let at = text.find('\0')?;
    Some(
        Diagnostic::new(
            point(file, at, 1),
            "not a text profile: it contains a NUL byte",
        )
        .with_hint("profiles are UTF-8 text files; check that this is the file you meant"),
    )
}

/// The lines seen so far: where the current one starts, and how many there are.
struct Lines {
    start: usize,
    count: usize,
}

/// Checks a byte that is not printable ASCII. Only ASCII controls and two UTF-8 lead bytes
/// (0xC2 for the C1 controls, 0xEF for U+FFFD) can be wrong; a newline ends a line, whose
/// length is checked.
fn unusual_byte(text: &str, file: FileId, at: usize, lines: &mut Lines) -> Result<(), Diagnostic> {
    let bytes = text.as_bytes();
    match bytes[at] {
        b'\n' => {
            check_length(text, file, lines.start, at)?;
            lines.start = at + 1;
            lines.count += 1;
        }
        b'\t' => {}
        b'\r' if bytes.get(at + 1) == Some(&b'\n') => {}
        0xc2 if !matches!(bytes.get(at + 1), Some(0x80..=0x9f)) => {}
        0xef if !bytes[at..].starts_with("\u{FFFD}".as_bytes()) => {}
        0xef => {
            return Err(
                Diagnostic::new(point(file, at, 3), "the profile is not valid UTF-8 here")
                    .with_hint("save the file as UTF-8 text"),
            );
        }
        0x00..=0x1f | 0x7f | 0xc2 => return Err(control(text, file, at)),
        _ => {}
    }
    Ok(())
}

/// The first byte at or after `from` that is not printable ASCII (0x20–0x7E): a line end, a
/// tab, a control character or part of a non-ASCII character. Profiles are mostly printable
/// ASCII, so this looks at 8 bytes at a time.
fn next_unusual(bytes: &[u8], mut from: usize) -> Option<usize> {
    while let Some(chunk) = bytes.get(from..from + 8) {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default());
        let mask = unusual(word);
        if mask != 0 {
            return Some(from + mask.trailing_zeros() as usize / 8);
        }
        from += 8;
    }
    let rest = bytes[from..].iter().position(|b| !(0x20..0x7f).contains(b));
    rest.map(|i| from + i)
}

/// The high bit of each byte of `word` (little-endian) that is not printable ASCII. Exact for
/// the lowest such byte, which is all [`next_unusual`] needs: a borrow can only mark bytes above
/// a byte that is already marked.
fn unusual(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // For a byte below 0x80, `(b - n) & !b & 0x80` is set when b < n.
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    word & HIGH | below(word, 0x20) | below(word ^ (ONES * 0x7f), 1)
}

fn control(text: &str, file: FileId, at: usize) -> Diagnostic {
    let ch = text[at..].chars().next().unwrap_or('\0');
    Diagnostic::new(point(file, at, ch.len_utf8()), control_message(ch))
        .with_hint("remove it; inside a quoted word, write `\\t` for a tab and `\\n` for a newline")
}

fn check_length(text: &str, file: FileId, start: usize, end: usize) -> Result<(), Diagnostic> {
    if end - start <= MAX_LINE {
        Ok(())
    } else {
        Err(too_long(text, file, start, end))
    }
}

fn too_long(text: &str, file: FileId, start: usize, end: usize) -> Diagnostic {
    let line = text[..start].matches('\n').count() + 1;
    let kib = (end - start).div_ceil(1024);
    Diagnostic::new(
        point(file, start, 0),
        format!("line {line} is {kib} KiB long; lines are limited to 64 KiB"),
    )
    .with_hint("split the statement into several statements, one pattern list per line")
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

#[cfg(test)]
mod tests {
    use super::next_unusual;

    /// Every byte value at every position of ranges of every length, against the plain
    /// byte-at-a-time answer.
    #[test]
    fn next_unusual_agrees_with_a_plain_search() {
        let plain = |b: u8| (0x20..0x7f).contains(&b);
        for odd in 0..=255u8 {
            for len in 0..20 {
                for hit in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[hit] = odd;
                    let want = (!plain(odd)).then_some(hit);
                    assert_eq!(next_unusual(&bytes, 0), want, "{odd:#x} at {hit} of {len}");
                    let from = hit.min(3);
                    assert_eq!(next_unusual(&bytes, from), want, "{odd:#x} from {from}");
                }
            }
        }
    }
}
