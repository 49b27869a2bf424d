//! The text of one word of source: unquoting, unescaping, and checking that every `${…}` is
//! well-formed, so that a broken reference is reported where it is written rather than when (or
//! whether) the resolver reaches it.

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use std::borrow::Cow;

/// What the lexer saw while finding the end of a word, so that a word without `$` or `\`
/// (most words) is not looked at a second time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Marks {
    pub dollar: bool,
    /// A `\` inside quotes (an escape).
    pub backslash: bool,
}

/// The text of a bare word: the source itself, once its `${…}` are checked.
pub fn bare(
    src: &str,
    start: usize,
    file: FileId,
    marks: Marks,
) -> Result<Cow<'_, str>, Diagnostic> {
    if marks.dollar {
        check_variables(src, start, file)?;
    }
    Ok(Cow::Borrowed(src))
}

/// The text of a `"quoted"` word (`src` includes both quotes, or is missing the closing one),
/// and where a `\$` put a literal `$`. Borrowed from the source unless it has escapes.
pub fn quoted(
    src: &str,
    start: usize,
    file: FileId,
    marks: Marks,
) -> Result<(Cow<'_, str>, Vec<usize>), Diagnostic> {
    if !closed(src) {
        return Err(unterminated(start, file));
    }
    let inner = &src[1..src.len() - 1];
    if marks.backslash {
        let (text, dollars) = unescape(inner, start + 1, file)?;
        return Ok((Cow::Owned(text), dollars));
    }
    if marks.dollar {
        check_variables(inner, start + 1, file)?;
    }
    Ok((Cow::Borrowed(inner), Vec::new()))
}

/// Checks every `${…}` in `src` (at byte `start` of the file).
fn check_variables(src: &str, start: usize, file: FileId) -> Result<(), Diagnostic> {
    let mut i = 0;
    while let Some(off) = src.as_bytes()[i..].iter().position(|&b| b == b'$') {
        i += off;
        i += if src[i..].starts_with("${") {
            variable(&src[i..], start + i, file)?
        } else {
            1
        };
    }
    Ok(())
}

/// The text of a quoted word's inside (at byte `base` of the file) with its escapes replaced,
/// and the offsets of the `$`s that came from `\$`. Escapes and `${…}` are checked in order,
/// so the first mistake is the one reported.
fn unescape(inner: &str, base: usize, file: FileId) -> Result<(String, Vec<usize>), Diagnostic> {
    let mut text = String::with_capacity(inner.len());
    let mut literal_dollars = Vec::new();
    let mut i = 0;
    while let Some(ch) = inner[i..].chars().next() {
        if ch == '\\' {
            // The lexer guarantees a character after `\` inside quotes.
            let esc = inner[i + 1..].chars().next().unwrap_or('\\');
            let out = escape(esc).ok_or_else(|| bad_escape(esc, base + i, file))?;
            if out == '$' {
                literal_dollars.push(text.len());
            }
            text.push(out);
            i += 1 + esc.len_utf8();
        } else if inner[i..].starts_with("${") {
            let len = variable(&inner[i..], base + i, file)?;
            text.push_str(&inner[i..i + len]);
            i += len;
        } else {
            text.push(ch);
            i += ch.len_utf8();
        }
    }
    Ok((text, literal_dollars))
}

/// Whether a quoted token ends in a closing quote: a `"` after the opening one, not escaped
/// (preceded by an even number of backslashes).
fn closed(src: &str) -> bool {
    let Some(body) = src.strip_suffix('"').filter(|_| src.len() >= 2) else {
        return false;
    };
    let slashes = body.bytes().rev().take_while(|b| *b == b'\\').count();
    slashes % 2 == 0
}

/// The error for a `"` with no closing quote on its line, pointing at the opening quote.
fn unterminated(start: usize, file: FileId) -> Diagnostic {
    Diagnostic::new(
        Span {
            file,
            start,
            end: start + 1,
        },
        "unterminated quote",
    )
    .with_hint("close the word with `\"` on the same line; write `\\\"` for a quote inside it")
}

/// Whether `s` is a variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The hint for a malformed name, shared by `${…}`, `set` and `env`.
pub const NAME_HINT: &str =
    "names are letters, digits and `_`, and do not start with a digit, e.g. `APP_DIR`";

/// Checks the `${NAME}` at the start of `src` (at byte `at` of the file); returns its length.
fn variable(src: &str, at: usize, file: FileId) -> Result<usize, Diagnostic> {
    let Some(close) = src.find('}') else {
        return Err(Diagnostic::new(
            Span {
                file,
                start: at,
                end: at + 2,
            },
            "unterminated `${`",
        )
        .with_hint(
            "write `${NAME}`; for a literal `$` before `{`, quote the word and write `\\$`",
        ));
    };
    let name = &src[2..close];
    let span = Span {
        file,
        start: at,
        end: at + close + 1,
    };
    if name.is_empty() {
        return Err(Diagnostic::new(span, "empty variable reference `${}`")
            .with_hint("write `${NAME}`, e.g. `${HOME}`"));
    }
    if !is_name(name) {
        return Err(
            Diagnostic::new(span, format!("`{name}` is not a variable name")).with_hint(NAME_HINT),
        );
    }
    Ok(close + 1)
}

fn escape(ch: char) -> Option<char> {
    match ch {
        '"' => Some('"'),
        '\\' => Some('\\'),
        'n' => Some('\n'),
        't' => Some('\t'),
        '$' => Some('$'),
        _ => None,
    }
}

fn bad_escape(ch: char, at: usize, file: FileId) -> Diagnostic {
    Diagnostic::new(Span { file, start: at, end: at + 1 + ch.len_utf8() }, format!("unknown escape `\\{ch}`"))
        .with_hint("inside quotes, `\\` escapes only `\\\"`, `\\\\`, `\\n`, `\\t` and `\\$`; write `\\\\` for a backslash")
}
