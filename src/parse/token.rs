//! Words as the grammar found them → their text. The grammar decides where a word starts and
//! ends and which escapes exist; this maps each escape to its character, and names the lexical
//! mistakes (a broken escape, `${…}` or quote) that the recovery rule `malformed` marked.
//!
//! Words are slices of the source: a word costs no allocation unless it has escapes.

use super::ast::Word;
use super::grammar::Rule;
use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use pest::iterators::Pair;
use std::borrow::Cow;

/// One word of a statement, borrowed from the source unless unescaping changed it.
#[derive(Debug)]
pub struct Tok<'a> {
    /// As [`Word::text`]: unquoted and unescaped, `${VARS}` and `~` unexpanded.
    pub text: Cow<'a, str>,
    pub quoted: bool,
    /// As [`Word::literal_dollars`]: where a `\$` put a `$` that must not start a variable.
    pub literal_dollars: Vec<usize>,
    pub span: Span,
    /// Whether it touches the word before it with no blank in between (`NAME="value"` is two
    /// words, glued; most statements refuse glued words).
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

/// A well-formed word (`quoted` or `bare`, or a rough word without mistakes) that starts at
/// byte `offset + pair.start` of the file.
pub fn word<'a>(pair: &Pair<'a, Rule>, offset: usize, file: FileId) -> Tok<'a> {
    let span = span_of(pair, offset, file);
    let src = pair.as_str();
    if !src.starts_with('"') {
        return Tok {
            text: Cow::Borrowed(src),
            quoted: false,
            literal_dollars: Vec::new(),
            span,
            glued: false,
        };
    }
    let (text, literal_dollars) = unescape(&src[1..src.len() - 1]);
    Tok {
        text,
        quoted: true,
        literal_dollars,
        span,
        glued: false,
    }
}

/// The inside of a quoted word with its escapes replaced (the grammar allows only `\"`, `\\`,
/// `\n`, `\t` and `\$`), and the offsets of the `$`s that came from `\$`.
fn unescape(inner: &str) -> (Cow<'_, str>, Vec<usize>) {
    if !inner.contains('\\') {
        return (Cow::Borrowed(inner), Vec::new());
    }
    let mut text = String::with_capacity(inner.len());
    let mut literal_dollars = Vec::new();
    let mut rest = inner;
    while let Some(at) = rest.find('\\') {
        text.push_str(&rest[..at]);
        let escaped = rest.as_bytes().get(at + 1).copied().unwrap_or(b'\\');
        if escaped == b'$' {
            literal_dollars.push(text.len());
        }
        text.push(match escaped {
            b'n' => '\n',
            b't' => '\t',
            other => char::from(other),
        });
        rest = rest.get(at + 2..).unwrap_or_default();
    }
    text.push_str(rest);
    (Cow::Owned(text), literal_dollars)
}

/// The words of a `malformed` line (a pair whose text starts at byte `offset` of the file), or
/// its first lexical mistake: these are reported before anything about the statement, since a
/// broken quote makes every later word doubtful.
pub fn rough<'a>(
    line: Pair<'a, Rule>,
    offset: usize,
    file: FileId,
) -> Result<Vec<Tok<'a>>, Diagnostic> {
    let mut out: Vec<Tok<'a>> = Vec::new();
    for pair in line.into_inner() {
        let start = offset + pair.as_span().start();
        if pair.as_rule() == Rule::unclosed_quote {
            return Err(unterminated(start, file));
        }
        let mut inner = pair.clone().into_inner();
        if let Some(bad) = inner.find(|p| p.as_rule() != Rule::name) {
            return Err(mistake(&bad, offset, file));
        }
        let glued = out.last().is_some_and(|t| t.span.end == start);
        out.push(Tok {
            glued,
            ..word(&pair, offset, file)
        });
    }
    Ok(out)
}

/// A `bad_escape` or `bad_var_*` inside a rough word.
fn mistake(bad: &Pair<Rule>, offset: usize, file: FileId) -> Diagnostic {
    let span = span_of(bad, offset, file);
    let src = bad.as_str();
    if bad.as_rule() == Rule::bad_escape {
        let ch = &src[1..];
        return Diagnostic::new(span, format!("unknown escape `\\{ch}`"))
            .with_hint("inside quotes, `\\` escapes only `\\\"`, `\\\\`, `\\n`, `\\t` and `\\$`; write `\\\\` for a backslash");
    }
    let Some(name) = src.strip_prefix("${").and_then(|s| s.strip_suffix('}')) else {
        return Diagnostic::new(
            Span {
                end: span.start + 2,
                ..span
            },
            "unterminated `${`",
        )
        .with_hint(
            "write `${NAME}`; for a literal `$` before `{`, quote the word and write `\\$`",
        );
    };
    if name.is_empty() {
        return Diagnostic::new(span, "empty variable reference `${}`")
            .with_hint("write `${NAME}`, e.g. `${HOME}`");
    }
    Diagnostic::new(span, format!("`{name}` is not a variable name"))
        .with_hint(super::words::NAME_HINT)
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

/// Where a pair is in the file.
pub fn span_of(pair: &Pair<Rule>, offset: usize, file: FileId) -> Span {
    let span = pair.as_span();
    Span {
        file,
        start: offset + span.start(),
        end: offset + span.end(),
    }
}
