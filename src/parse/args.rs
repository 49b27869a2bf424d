//! A cursor over the words of one statement, and the small checks every statement shares, so
//! that "missing", "unexpected" and "quoted keyword" errors read the same everywhere and point
//! at the right place.

use super::ast::{Spanned, Word};
use super::lex::Tok;
use crate::diag::Diagnostic;
use crate::source::Span;

/// The words after a statement's keyword, consumed in order. Owning them lets the statement
/// move its words into the tree instead of copying them.
pub struct Args {
    rest: std::vec::IntoIter<Tok>,
    /// The point just after the last word consumed (at first, the keyword).
    gap: Span,
}

impl Args {
    /// The words after a keyword that ends at `keyword.end`.
    pub fn new(keyword: Span, rest: std::vec::IntoIter<Tok>) -> Self {
        let gap = Span {
            start: keyword.end,
            ..keyword
        };
        Args { rest, gap }
    }

    pub fn next(&mut self) -> Option<Word> {
        self.next_tok().map(|t| t.word)
    }

    pub fn next_tok(&mut self) -> Option<Tok> {
        let tok = self.rest.next()?;
        self.gap = Span {
            start: tok.word.span.end,
            ..tok.word.span
        };
        Some(tok)
    }

    /// The next word if it touches the previous one (`NAME=` then `"value"`).
    pub fn next_glued(&mut self) -> Option<Tok> {
        if self.peek()?.glued {
            self.next_tok()
        } else {
            None
        }
    }

    pub fn peek(&self) -> Option<&Tok> {
        self.rest.as_slice().first()
    }

    /// All the words not consumed yet.
    pub fn rest(&mut self) -> Vec<Tok> {
        if let Some(last) = self.rest.as_slice().last() {
            self.gap = Span {
                start: last.word.span.end,
                ..last.word.span
            };
        }
        std::mem::take(&mut self.rest).collect()
    }

    /// An error for a word that is missing, pointing at the gap where it belongs.
    pub fn missing(&self, message: impl Into<String>, hint: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.gap, message).with_hint(hint)
    }

    /// Succeeds when every word has been consumed; otherwise the first extra word is an error.
    pub fn done(&self, hint: impl Into<String>) -> Result<(), Diagnostic> {
        match self.peek() {
            None => Ok(()),
            Some(tok) => Err(unexpected(&tok.word).with_hint(hint)),
        }
    }
}

/// "unexpected `word`", for a word that should not be there.
pub fn unexpected(word: &Word) -> Diagnostic {
    Diagnostic::new(word.span, format!("unexpected `{}`", shorten(&word.text)))
}

/// The text of a word that must be a keyword-like word, refusing quotes: `"read"` is a
/// pattern-looking thing, not an access word, and silently accepting it would blur the two.
pub fn bare<'w>(word: &'w Word, what: &str) -> Result<&'w str, Diagnostic> {
    if word.quoted {
        return Err(
            Diagnostic::new(word.span, format!("{what} must not be quoted"))
                .with_hint(format!("write it bare: `{}`", shorten(&word.text))),
        );
    }
    Ok(&word.text)
}

/// Refuses words that touch the word before them (`/a"b c"`, `"x"y`): each word is either bare
/// or quoted as a whole.
pub fn no_glue(toks: &[Tok]) -> Result<(), Diagnostic> {
    match toks.iter().find(|t| t.glued) {
        None => Ok(()),
        Some(tok) => Err(glued(&tok.word)),
    }
}

/// The error for a word that touches the one before it.
pub fn glued(tok: &Word) -> Diagnostic {
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

/// The span of bytes `start..end` of a bare word's text (its text is its source).
pub fn sub(word: &Word, start: usize, end: usize) -> Span {
    debug_assert!(!word.quoted);
    Span {
        file: word.span.file,
        start: word.span.start + start,
        end: word.span.start + end,
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
