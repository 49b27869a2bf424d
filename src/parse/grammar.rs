//! The pest parser generated from `grammar/llp.pest`, the normative grammar of the language.
//!
//! Kept apart so that the generated `Rule` enum stays inside this stage and the rest of the
//! parser asks for what it needs: the statements of a file, or the words of one line.

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use pest::Parser as _;
use pest::error::InputLocation;
use pest::iterators::Pair;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/llp.pest"]
pub struct LlpParser;

/// The statements of a file, in order: one pair per logical line that has one (comments are
/// left out). A statement the grammar refuses comes as a `malformed` pair.
pub fn statements(
    text: &str,
    file: FileId,
) -> Result<impl Iterator<Item = Pair<'_, Rule>>, Diagnostic> {
    let file_pair = LlpParser::parse(Rule::file, text)
        .map_err(|e| error(&e, file))?
        .next()
        .ok_or_else(|| error_at(0, file))?;
    Ok(file_pair
        .into_inner()
        .filter(|p| !matches!(p.as_rule(), Rule::comment | Rule::EOI)))
}

/// The words of one statement's text (read as a `malformed` line, the rule that reads any
/// words), when they are all of it.
pub fn words(text: &str) -> Option<Pair<'_, Rule>> {
    let line = LlpParser::parse(Rule::malformed, text).ok()?.next()?;
    (line.as_span().end() == text.len()).then_some(line)
}

/// Translates a pest error into plain words. The grammar accepts every text that the pre-scan
/// lets through (a line it cannot read is `malformed`), so this is a safety net.
fn error(err: &pest::error::Error<Rule>, file: FileId) -> Diagnostic {
    let at = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    error_at(at, file)
}

fn error_at(at: usize, file: FileId) -> Diagnostic {
    Diagnostic::new(
        Span {
            file,
            start: at,
            end: at,
        },
        "cannot read this line as profile text",
    )
    .with_hint("a line is words separated by blanks, `\"quoted words\"` and `# comments`")
}
