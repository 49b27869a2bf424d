//! Lines of words: runs the pest grammar and turns each logical line into [`Tok`]s, handing
//! them on one line at a time so that errors come out in file order.

use super::ast::Word;
use super::grammar::{self, LlpParser, Rule};
use super::word;
use crate::diag::Diagnostic;
use crate::source::FileId;
use pest::Parser as _;

/// One word of a line, and whether it touches the word before it with no blank in between
/// (`NAME="value"` is two tokens, glued; most statements refuse glued tokens).
#[derive(Debug, Clone)]
pub struct Tok {
    pub word: Word,
    pub glued: bool,
}

/// Calls `each` with the words of every logical line that has any, in order.
pub fn for_each_line(
    text: &str,
    file: FileId,
    mut each: impl FnMut(Vec<Tok>) -> Result<(), Diagnostic>,
) -> Result<(), Diagnostic> {
    let pairs = LlpParser::parse(Rule::file, text).map_err(|e| grammar::error(&e, file))?;
    for line in pairs
        .flat_map(|p| p.into_inner())
        .filter(|p| p.as_rule() == Rule::line)
    {
        let mut toks: Vec<Tok> = Vec::new();
        for pair in line.into_inner() {
            let (src, start) = (pair.as_str(), pair.as_span().start());
            let word = match pair.as_rule() {
                Rule::quoted => word::quoted(src, start, file)?,
                Rule::unterminated => return Err(word::unterminated(start, file)),
                _ => word::bare(src, start, file)?,
            };
            let glued = toks.last().is_some_and(|t| t.word.span.end == start);
            toks.push(Tok { word, glued });
        }
        if !toks.is_empty() {
            each(toks)?;
        }
    }
    Ok(())
}
