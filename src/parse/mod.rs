//! Stage 1: profile text → [`ast::ParsedFile`].
//!
//! The work is split by what can go wrong, so each error is raised where it can be explained:
//! - [`text`] refuses what is not profile text at all (NUL, control characters, huge lines);
//! - [`grammar`] (pest, `grammar/llp.pest`) splits the file into lines, [`lex`] splits lines
//!   into words (with [`scan`] for its inner loops), and [`word`] unquotes them and checks
//!   `${…}`;
//! - [`build`] turns each line into a statement ([`rule`], [`net`], [`include`], [`env`],
//!   [`cond`], [`stmt`]), with the vocabulary in [`words`];
//! - [`blocks`] pairs `if … {` with `}`.
//!
//! The grammar is deliberately loose (a line is words) so that a mistake inside a known
//! statement is reported as that statement's mistake, never as "unknown statement" or as a
//! generic "expected …".
//!
//! Start-up time matters (every sandboxed program pays for the parse), so words are slices of
//! the source: a statement copies only the words it keeps in the tree.

pub mod ast;
pub mod write;

mod args;
mod blocks;
mod build;
mod cond;
mod env;
mod grammar;
mod include;
mod lex;
mod net;
mod rule;
mod scan;
mod stmt;
mod text;
mod word;
mod words;

#[cfg(test)]
mod tests;

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use ast::ParsedFile;

/// Parses one loaded file. The first error ends the parse: later errors are often caused by
/// the first (an unclosed quote, a missing `}`), and one precise message beats a cascade.
pub fn parse(sources: &SourceMap, file: FileId) -> Result<ParsedFile, Diagnostic> {
    let text = &sources.get(file).text;
    let lines = text::check(text, file)?;
    let mut tree = blocks::Tree::with_lines(lines);
    lex::for_each_line(text, file, |toks| build::line(&mut tree, toks))?;
    let stmts = tree.finish()?;
    if stmts.is_empty() {
        return Err(Diagnostic::new(Span { file, start: 0, end: 0 }, "profile is empty").with_hint(
            "write at least one statement, e.g. `include <abstractions/base>`; a file of only comments is not a profile",
        ));
    }
    Ok(ParsedFile { stmts })
}
