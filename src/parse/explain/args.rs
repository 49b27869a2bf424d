//! A cursor over the words of one statement, and the small checks every statement shares, so
//! that "missing", "unexpected" and "quoted keyword" errors read the same everywhere and point
//! at the right place.

use crate::diag::Diagnostic;
use crate::parse::ast::Spanned;
use crate::parse::token::Tok;
use crate::source::Span;

/// The words after a statement's keyword, consumed in order. Borrows the line's words: a
/// statement copies into the tree only the words it keeps.
pub struct Args<'a> {
    rest: &'a [Tok<'a>],
    /// The point just after the last word consumed (at first, the keyword).
    gap: Span,
}

impl<'a> Args<'a> {
    /// The words after a keyword that ends at `keyword.end`.
    pub fn new(keyword: Span, rest: &'a [Tok<'a>]) -> Self {
        let gap = Span {
            start: keyword.end,
            ..keyword
        };
        Args { rest, gap }
    }

    pub fn next(&mut self) -> Option<&'a Tok<'a>> {
        let (tok, rest) = self.rest.split_first()?;
        self.rest = rest;
        self.gap = after(tok);
        Some(tok)
    }

    /// The next word if it touches the previous one (`NAME=` then `"value"`).
    pub fn next_glued(&mut self) -> Option<&'a Tok<'a>> {
        if self.peek()?.glued {
            self.next()
        } else {
            None
        }
    }

    pub fn peek(&self) -> Option<&'a Tok<'a>> {
        self.rest.first()
    }

    /// All the words not consumed yet.
    pub fn rest(&mut self) -> &'a [Tok<'a>] {
        if let Some(last) = self.rest.last() {
            self.gap = after(last);
        }
        std::mem::take(&mut self.rest)
    }

    /// An error for a word that is missing, pointing at the gap where it belongs.
    pub fn missing(&self, message: impl Into<String>, hint: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.gap, message).with_hint(hint)
    }

    /// Succeeds when every word has been consumed; otherwise the first extra word is an error.
    pub fn done(&self, hint: &str) -> Result<(), Diagnostic> {
        self.done_with(|| hint.to_string())
    }

    /// [`Args::done`] with a hint that is only formatted when it is needed.
    pub fn done_with(&self, hint: impl FnOnce() -> String) -> Result<(), Diagnostic> {
        match self.peek() {
            None => Ok(()),
            Some(tok) => Err(unexpected(tok).with_hint(hint())),
        }
    }
}

/// The empty span just after a word.
fn after(tok: &Tok) -> Span {
    Span {
        start: tok.span.end,
        ..tok.span
    }
}

/// "unexpected `word`", for a word that should not be there.
pub fn unexpected(tok: &Tok) -> Diagnostic {
    Diagnostic::new(tok.span, format!("unexpected `{}`", shorten(&tok.text)))
}

/// Whether `tok` is the bare word `text` (a quoted `"{"` is a pattern, not a brace).
pub fn is(tok: &Tok, text: &str) -> bool {
    !tok.quoted && tok.text.len() == text.len() && tok.text == text
}

/// The text of a word that must be a keyword-like word, refusing quotes: `"read"` is a
/// pattern-looking thing, not an access word, and silently accepting it would blur the two.
pub fn bare<'t>(tok: &'t Tok, what: &str) -> Result<&'t str, Diagnostic> {
    if tok.quoted {
        return Err(
            Diagnostic::new(tok.span, format!("{what} must not be quoted"))
                .with_hint(format!("write it bare: `{}`", shorten(&tok.text))),
        );
    }
    Ok(&tok.text)
}

/// Refuses words that touch the word before them (`/a"b c"`, `"x"y`): each word is either bare
/// or quoted as a whole.
pub fn no_glue(toks: &[Tok]) -> Result<(), Diagnostic> {
    match toks.iter().find(|t| t.glued) {
        None => Ok(()),
        Some(tok) => Err(glued(tok)),
    }
}

/// The error for a word that touches the one before it.
pub fn glued(tok: &Tok) -> Diagnostic {
    let at = Span {
        file: tok.span.file,
        start: tok.span.start,
        end: tok.span.start + 1,
    };
    if tok.quoted {
        Diagnostic::new(at, "a quote can only start a word").with_hint(
            "put the whole word in quotes, e.g. `\"/data/my files\"`; blanks separate words",
        )
    } else {
        Diagnostic::new(at, "missing blank after the closing quote")
            .with_hint("separate words with a blank, or move the text inside the quotes")
    }
}

pub fn spanned<T>(value: T, span: Span) -> Spanned<T> {
    Spanned { value, span }
}

/// The comma-separated pieces of a bare word (`read,exec`, `80,443`), each read by `each` with
/// its own span so that an error points at the one piece that is wrong.
pub fn comma_list<T>(
    tok: &Tok,
    mut each: impl FnMut(&str, Span) -> Result<T, Diagnostic>,
) -> Result<Vec<Spanned<T>>, Diagnostic> {
    let text: &str = &tok.text;
    let mut out = Vec::with_capacity(text.bytes().filter(|&b| b == b',').count() + 1);
    let mut start = 0;
    loop {
        let end = text[start..]
            .bytes()
            .position(|b| b == b',')
            .map_or(text.len(), |i| start + i);
        let span = sub(tok, start, end);
        out.push(spanned(each(&text[start..end], span)?, span));
        if end == text.len() {
            return Ok(out);
        }
        start = end + 1;
    }
}

/// The span of bytes `start..end` of a bare word's text (its text is its source).
pub fn sub(tok: &Tok, start: usize, end: usize) -> Span {
    debug_assert!(!tok.quoted);
    Span {
        file: tok.span.file,
        start: tok.span.start + start,
        end: tok.span.start + end,
    }
}

/// A word as quoted in a message, cut short so that a 60 KiB word does not fill the screen.
pub fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}
