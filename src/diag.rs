//! Errors that point into profile text: `file:line:col: error: message`, the line, a caret, a
//! hint, and the include chain that led there.

use crate::source::{SourceMap, Span};
use std::fmt::Write as _;

/// An error (or note) about a place in a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
    /// What the user can do about it; every error should have one.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            span,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Renders the error as the user sees it.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        let (line, col) = sources.line_col(self.span.file, self.span.start);
        let _ = writeln!(
            out,
            "{}: error: {}",
            sources.location(self.span),
            self.message
        );
        let text = sources.line_text(self.span.file, self.span.start);
        let shown: String = text.chars().take(200).collect();
        let gutter = line.to_string().len();
        let _ = writeln!(out, "{:gutter$} |", "");
        let _ = writeln!(out, "{line} | {}", shown.replace('\t', " "));
        let width = caret_width(text, col, self.span.end.saturating_sub(self.span.start));
        let pad = (col - 1).min(200);
        let _ = writeln!(out, "{:gutter$} | {:pad$}{}", "", "", "^".repeat(width));
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "{:gutter$} = hint: {hint}", "");
        }
        let mut from = sources.get(self.span.file).included_from;
        while let Some(span) = from {
            let _ = writeln!(
                out,
                "{:gutter$} = note: included from {}",
                "",
                sources.location(span)
            );
            from = sources.get(span.file).included_from;
        }
        out
    }
}

/// How many carets to draw: the span's width in characters, clipped to the line, at least one.
fn caret_width(line: &str, col: usize, byte_len: usize) -> usize {
    let rest: String = line.chars().skip(col - 1).collect();
    let mut width = 0;
    let mut bytes = 0;
    for ch in rest.chars() {
        if bytes >= byte_len {
            break;
        }
        bytes += ch.len_utf8();
        width += 1;
    }
    width.clamp(1, 200)
}

/// The closest candidate to `word`, for "did you mean" hints.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `did you mean `X`?` or, with no close candidate, a list of what is accepted.
pub fn suggestion(word: &str, candidates: &[&str]) -> String {
    match did_you_mean(word, candidates.iter().copied()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => format!("expected one of: {}", candidates.join(", ")),
    }
}
