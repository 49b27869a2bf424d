//! Stage 1: profile text → [`ast::ParsedFile`].
//!
//! `grammar/llp.pest` is the grammar of the language; this stage reads a file in three steps,
//! each raising the errors it can explain best:
//! - [`text`] refuses what is not profile text at all (NUL, control characters, huge lines);
//! - [`grammar`] (pest) reads the file into statements, and [`build`] turns each statement's
//!   pairs into a line of the tree ([`token`] gives words their text; the vocabulary is looked
//!   up in [`words`], whose rule words are `policy`'s), which [`blocks`] pairs into `if`
//!   blocks;
//! - [`explain`] says what is wrong with a line that the grammar refused (the grammar's
//!   recovery rule `malformed`) or whose words the builder refused, naming the statement and
//!   what to write instead, never a generic "expected …".
//!
//! Start-up time matters (every sandboxed program pays for the parse), so words are slices of
//! the source: a statement copies only the words it keeps in the tree.

pub mod ast;
pub mod write;

mod blocks;
mod build;
mod explain;
mod grammar;
mod text;
mod token;
mod words;

#[cfg(test)]
mod tests;

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use ast::ParsedFile;
use grammar::Rule;

/// Parses one loaded file. The first error ends the parse: later errors are often caused by
/// the first (an unclosed quote, a missing `}`), and one precise message beats a cascade.
pub fn parse(sources: &SourceMap, file: FileId) -> Result<ParsedFile, Diagnostic> {
    let text = &sources.get(file).text;
    let lines = text::check(text, file)?;
    let mut tree = blocks::Tree::with_lines(lines);
    for pair in grammar::statements(text, file)? {
        let span = token::span_of(&pair, 0, file);
        let line = match pair.as_rule() {
            Rule::malformed => None,
            _ => build::line(pair, file),
        };
        match line {
            Some(line) => tree.add(line)?,
            None => return Err(explain::statement(&mut tree, text, span, file)),
        }
    }
    let stmts = tree.finish()?;
    if stmts.is_empty() {
        return Err(Diagnostic::new(Span { file, start: 0, end: 0 }, "profile is empty").with_hint(
            "write at least one statement, e.g. `include <abstractions/base>`; a file of only comments is not a profile",
        ));
    }
    Ok(ParsedFile { stmts })
}
