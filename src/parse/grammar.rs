//! The pest parser generated from `grammar/llp.pest`: text → lines → raw word tokens.
//!
//! Kept apart so that the generated `Rule` enum stays private to this stage and the rest of
//! the parser works on [`super::lex::Tok`]s.

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use pest::error::InputLocation;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/llp.pest"]
pub struct LlpParser;

/// Translates a pest error into plain words. The grammar accepts every text that passed
/// [`super::text::check`], so this is a safety net, not an expected path.
pub fn error(err: &pest::error::Error<Rule>, file: FileId) -> Diagnostic {
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
