//! Words of logical lines: splits each physical line that the grammar found into words, and
//! joins a line that ends in `\` to the next, handing on one logical line at a time so that
//! errors come out in file order.
//!
//! The rules (docs/language.md, "Lexical structure"): blanks (space, tab) separate words; a word
//! is `"quoted"` or bare; `#` where a word could start begins a comment, which runs to the end
//! of the line; a `\` as the very last character of a line, outside a comment, continues the
//! logical line on the next. Words are slices of the source: a line costs no allocation unless a
//! quoted word has escapes.

use super::ast::Word;
use super::grammar::{self, Line};
use super::scan;
use super::word::{self, Marks};
use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use std::borrow::Cow;

/// One word of a logical line, borrowed from the source unless unescaping changed it.
#[derive(Debug)]
pub struct Tok<'a> {
    /// As [`Word::text`]: unquoted and unescaped, `${VARS}` and `~` unexpanded.
    pub text: Cow<'a, str>,
    pub quoted: bool,
    /// As [`Word::literal_dollars`]: where a `\$` put a `$` that must not start a variable.
    pub literal_dollars: Vec<usize>,
    pub span: Span,
    /// Whether it touches the word before it with no blank in between (`NAME="value"` is two
    /// tokens, glued; most statements refuse glued tokens).
    pub glued: bool,
}

impl Tok<'_> {
    /// The word as the syntax tree keeps it.
    pub fn to_word(&self) -> Word {
        Word {
            text: self.text.to_string(),
            quoted: self.quoted,
            literal_dollars: self.literal_dollars.clone(),
            span: self.span,
        }
    }
}

/// Calls `each` with the words of every logical line that has any, in order.
pub fn for_each_line<'a>(
    text: &'a str,
    file: FileId,
    mut each: impl FnMut(&[Tok<'a>]) -> Result<(), Diagnostic>,
) -> Result<(), Diagnostic> {
    let mut toks = Vec::with_capacity(16);
    for line in grammar::lines(text, file)? {
        let continues = split(text, line, file, &mut toks)?;
        // Only a line with a newline after it continues, so the last line always ends here.
        if !continues && !toks.is_empty() {
            each(&toks)?;
            toks.clear();
        }
    }
    Ok(())
}

/// Appends the words of one physical line to `out`; returns whether the line ends in a
/// continuation `\`.
fn split<'a>(
    src: &'a str,
    line: Line,
    file: FileId,
    out: &mut Vec<Tok<'a>>,
) -> Result<bool, Diagnostic> {
    let bytes = src.as_bytes();
    let mut at = line.start;
    loop {
        while at < line.end && matches!(bytes[at], b' ' | b'\t') {
            at += 1;
        }
        match bytes.get(at) {
            _ if at == line.end => return Ok(false),
            Some(b'#') => return Ok(false),
            Some(b'\\') if at + 1 == line.end && line.newline => return Ok(true),
            _ => {}
        }
        let glued = out.last().is_some_and(|t| t.span.end == at);
        let quoted = bytes[at] == b'"';
        let (end, text, literal_dollars) = if quoted {
            let (end, marks) = quoted_end(bytes, at, line);
            let (text, dollars) = word::quoted(&src[at..end], at, file, marks)?;
            (end, text, dollars)
        } else {
            let (end, marks) = bare_end(bytes, at, line);
            (end, word::bare(&src[at..end], at, file, marks)?, Vec::new())
        };
        out.push(Tok {
            text,
            quoted,
            literal_dollars,
            span: Span {
                file,
                start: at,
                end,
            },
            glued,
        });
        at = end;
    }
}

/// Where the bare word starting at `at` ends: at a blank, a quote or the end of the line, but
/// before a `\` that ends a line with a newline after it (that `\` is a continuation). Only
/// ASCII bytes are compared, so the end is always a character boundary.
fn bare_end(bytes: &[u8], at: usize, line: Line) -> (usize, Marks) {
    let mut marks = Marks::default();
    let mut end = at;
    loop {
        end = scan::find_any(bytes, end, line.end, [b' ', b'\t', b'"', b'$']);
        if end == line.end || bytes[end] != b'$' {
            break;
        }
        marks.dollar = true;
        end += 1;
    }
    if end == line.end && line.newline && bytes[end - 1] == b'\\' {
        end -= 1;
    }
    (end, marks)
}

/// Where the quoted word starting at `at` ends: after its closing quote, skipping escaped
/// characters. Without one it stops at the end of the line, or before a `\` that ends it (which
/// escapes nothing); [`word::quoted`] then reports the quote as unterminated.
fn quoted_end(bytes: &[u8], at: usize, line: Line) -> (usize, Marks) {
    let mut marks = Marks::default();
    let mut i = at + 1;
    loop {
        i = scan::find_any(bytes, i, line.end, [b'"', b'\\', b'$']);
        match bytes.get(i) {
            _ if i == line.end => return (i, marks),
            Some(b'"') => return (i + 1, marks),
            Some(b'\\') if i + 1 == line.end => return (i, marks),
            Some(b'\\') => {
                marks.backslash = true;
                i += 2;
            }
            _ => {
                marks.dollar = true;
                i += 1;
            }
        }
    }
}
