//! Every statement form, and every error with its rendered place and hint.

use super::ast::*;
use super::parse;
use crate::policy::{AccessWord, NetOp, RuleKind};
use crate::source::{FileId, SourceMap, Span};
use std::path::PathBuf;

fn run(text: &str) -> Result<ParsedFile, String> {
    let mut sources = SourceMap::new();
    let file = sources.add(PathBuf::from("t.llp"), text.into(), None);
    parse(&sources, file).map_err(|d| d.render(&sources))
}

fn stmts(text: &str) -> Vec<StmtKind> {
    match run(text) {
        Ok(p) => p.stmts.into_iter().map(|s| s.kind).collect(),
        Err(e) => panic!("{text:?} failed:\n{e}"),
    }
}

fn one(text: &str) -> StmtKind {
    let mut all = stmts(text);
    assert_eq!(all.len(), 1, "{text:?}");
    all.remove(0)
}

/// Asserts the first line of the rendered error and its hint.
#[track_caller]
fn fails(text: &str, header: &str, hint: &str) -> String {
    let rendered = match run(text) {
        Ok(p) => panic!("{text:?} parsed: {:?}", p.stmts),
        Err(e) => e,
    };
    let first = rendered.lines().next().unwrap_or_default();
    assert_eq!(first, format!("t.llp:{header}"), "{text:?}:\n{rendered}");
    let hint_line = rendered
        .lines()
        .find(|l| l.trim_start().starts_with("= hint: "))
        .unwrap_or_default();
    assert!(
        hint_line.contains(hint),
        "{text:?}: hint missing:\n{rendered}"
    );
    rendered
}

fn span(start: usize, end: usize) -> Span {
    Span {
        file: FileId(0),
        start,
        end,
    }
}

fn texts(words: &[Word]) -> Vec<&str> {
    words.iter().map(|w| w.text.as_str()).collect()
}

mod errors;
mod forms;
mod limits;
