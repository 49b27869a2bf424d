//! What every fuzz target checks about an error: that the user is told where and what.
//!
//! A profile error must render as `FILE:LINE:COL: error: MESSAGE` naming a file that was read,
//! a position inside it, a non-empty message, and a hint: this is the promise of llp(5), and a
//! message without a place would leave the user searching a tree of includes.

#![forbid(unsafe_code)]

pub mod protocol;

use llrun::diag::Diagnostic;
use llrun::source::SourceMap;
use std::path::Path;

/// Renders `diagnostic` and checks it against the file it points into, panicking with the whole
/// rendering when it breaks a rule.
pub fn check_diagnostic(diagnostic: &Diagnostic, sources: &SourceMap) {
    let rendered = diagnostic.render(sources);
    let file = sources.get(diagnostic.span.file);
    let header = rendered.lines().next().unwrap_or_default();
    let fail = |why: &str| -> ! { panic!("{why}:\n{rendered}") };
    let Some((place, message)) = header.split_once(": error: ") else {
        fail("the first line is not `PLACE: error: MESSAGE`")
    };
    if message.trim().is_empty() {
        fail("the message is empty");
    }
    let Some((path, line, col)) = split_place(place) else {
        fail("the place is not `FILE:LINE:COL`")
    };
    if Path::new(path) != file.path {
        fail("the error names another file than the one it points into");
    }
    let lines = file.text.split('\n').count();
    if line == 0 || line > lines {
        fail("the line is outside the file");
    }
    let width = file
        .text
        .split('\n')
        .nth(line - 1)
        .map_or(0, |l| l.chars().count());
    if col == 0 || col > width + 1 {
        fail("the column is outside the line");
    }
    if !rendered
        .lines()
        .any(|l| l.trim_start().starts_with("= hint: "))
    {
        fail("the error has no hint");
    }
}

/// `FILE:LINE:COL`, where FILE may itself contain colons.
fn split_place(place: &str) -> Option<(&str, usize, usize)> {
    let (rest, col) = place.rsplit_once(':')?;
    let (path, line) = rest.rsplit_once(':')?;
    Some((path, line.parse().ok()?, col.parse().ok()?))
}
