//! The pest parser generated from `grammar/llp.pest`: text → physical lines.
//!
//! Kept apart so that the generated `Rule` enum stays private to this stage and the rest of
//! the parser works on [`Line`]s.

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use pest::Parser as _;
use pest::Token;
use pest::error::InputLocation;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/llp.pest"]
pub struct LlpParser;

/// One physical line: `start..end` is its text without the line end (`\n` or `\r\n`).
#[derive(Debug, Clone, Copy)]
pub struct Line {
    pub start: usize,
    pub end: usize,
    /// Whether a newline follows; only the last line of a file can lack one.
    pub newline: bool,
}

/// The physical lines of `text`, in order. Walks pest's flat token stream, which is cheaper
/// than nested `Pair`s.
pub fn lines(text: &str, file: FileId) -> Result<impl Iterator<Item = Line> + '_, Diagnostic> {
    let tokens = LlpParser::parse(Rule::file, text)
        .map_err(|e| error(&e, file))?
        .tokens();
    let mut start = 0;
    Ok(tokens.filter_map(move |token| match token {
        Token::Start {
            rule: Rule::line,
            pos,
        } => {
            start = pos.pos();
            None
        }
        Token::End {
            rule: Rule::line,
            pos,
        } => Some(Line {
            start,
            end: pos.pos(),
            newline: pos.pos() < text.len(),
        }),
        _ => None,
    }))
}

/// Translates a pest error into plain words. The grammar accepts every text, so this is a
/// safety net, not an expected path.
fn error(err: &pest::error::Error<Rule>, file: FileId) -> Diagnostic {
    let (start, end) = match err.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span(s) => s,
    };
    Diagnostic::new(
        Span { file, start, end },
        "cannot read this line as profile text",
    )
    .with_hint("a line is words separated by blanks, `\"quoted words\"` and `# comments`")
}
