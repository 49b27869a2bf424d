//! Lines of words: runs the pest grammar and turns each logical line into [`Tok`]s, handing
//! them on one line at a time so that errors come out in file order.

use super::ast::Word;
use super::grammar::{self, LlpParser, Rule};
use super::word;
use crate::diag::Diagnostic;
use crate::source::FileId;
use pest::Parser as _;
use pest::Token;

/// One word of a line, and whether it touches the word before it with no blank in between
/// (`NAME="value"` is two tokens, glued; most statements refuse glued tokens).
#[derive(Debug, Clone)]
pub struct Tok {
    pub word: Word,
    pub glued: bool,
}

/// Calls `each` with the words of every logical line that has any, in order.
///
/// Walks pest's flat token stream rather than nested `Pair`s: word rules are atomic, so a word's
/// start is the last `Start` seen before its `End`, and this is markedly cheaper per word.
pub fn for_each_line(
    text: &str,
    file: FileId,
    mut each: impl FnMut(Vec<Tok>) -> Result<(), Diagnostic>,
) -> Result<(), Diagnostic> {
    let pairs = LlpParser::parse(Rule::file, text).map_err(|e| grammar::error(&e, file))?;
    let mut toks: Vec<Tok> = Vec::new();
    let mut start = 0;
    for token in pairs.tokens() {
        let (rule, end) = match token {
            Token::Start { pos, .. } => {
                start = pos.pos();
                continue;
            }
            Token::End { rule, pos, .. } => (rule, pos.pos()),
        };
        let word = match rule {
            Rule::bare => word::bare(&text[start..end], start, file)?,
            Rule::quoted => word::quoted(&text[start..end], start, file)?,
            Rule::line if !toks.is_empty() => {
                each(std::mem::take(&mut toks))?;
                continue;
            }
            _ => continue,
        };
        let glued = toks.last().is_some_and(|t| t.word.span.end == start);
        toks.push(Tok { word, glued });
    }
    Ok(())
}
