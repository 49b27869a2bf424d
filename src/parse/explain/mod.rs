//! Why a line is not a statement: the error for a line that the grammar's recovery rule
//! `malformed` matched, or whose words the builder refused (an unknown access word, a port out
//! of range). The words are read again here, in order, so that the first mistake is the one
//! reported, and each message can name the statement and say what to write instead.
//!
//! The checks of single words (`rule::access_word`, `net::range`, `stmt::abi_number`, …) are
//! also what the builder runs on a well-formed statement, so a word is judged in one place.

pub mod args;
mod cond;
pub mod dbus;
pub mod env;
pub mod include;
pub mod net;
pub mod rule;
pub mod stmt;

use super::ast::{Stmt, StmtKind};
use super::blocks::Tree;
use super::grammar;
use super::token::{self, Tok};
use super::words::{self, KEYWORDS};
use crate::diag::Diagnostic;
use crate::policy::RuleKind;
use crate::source::{FileId, Span};
use args::Args;

/// The error for the statement at `span` (a whole logical line's words) in `text`.
pub fn statement(tree: &mut Tree, text: &str, span: Span, file: FileId) -> Diagnostic {
    let src = &text[span.start..span.end];
    let Some(words) = grammar::words(src) else {
        return unreadable(span);
    };
    let toks = match token::rough(words, span.start, file) {
        Ok(toks) => toks,
        Err(mistake) => return mistake,
    };
    match line(tree, &toks) {
        Err(diagnostic) => diagnostic,
        Ok(()) => {
            debug_assert!(
                false,
                "the grammar refused {src:?}, which the parser can read"
            );
            unreadable(span)
        }
    }
}

/// The last resort, for a line the grammar refuses and nothing here can explain.
fn unreadable(span: Span) -> Diagnostic {
    Diagnostic::new(span, "cannot read this statement")
        .with_hint("see llp(5) for the form of each statement")
}

/// Adds the statement on one logical line (never empty) to `tree`, or says what is wrong.
fn line(tree: &mut Tree, toks: &[Tok]) -> Result<(), Diagnostic> {
    stray_backslash(toks)?;
    let Some((first, words)) = toks.split_first() else {
        return Ok(());
    };
    let span = line_span(toks);
    if first.quoted {
        return Err(Diagnostic::new(
            first.span,
            "a statement starts with a keyword, not a quoted word",
        )
        .with_hint(format!("e.g. `allow read {}`", args::shorten(&first.text))));
    }
    match &*first.text {
        "}" => close(tree, first.span, words),
        "if" => {
            args::no_glue(words)?;
            tree.open(cond::header(first.span, words)?, first.span, span)
        }
        kw => {
            let kind = keyword_statement(kw, first.span, words)?;
            tree.push(Stmt { kind, span });
            Ok(())
        }
    }
}

/// A statement that is not block structure.
fn keyword_statement(kw: &str, at: Span, words: &[Tok]) -> Result<StmtKind, Diagnostic> {
    if !KEYWORDS.contains(&kw) {
        return Err(unknown(at, kw));
    }
    if !assigns(kw, words) {
        args::no_glue(words)?;
    }
    no_braces(words)?;
    let args = Args::new(at, words);
    match kw {
        "allow" => rule::rule(RuleKind::Allow, kw, args),
        "deny" => rule::rule(RuleKind::Deny, kw, args),
        "ask" => rule::rule(RuleKind::Ask, kw, args),
        "include" => include::include(false, kw, args),
        "include?" => include::include(true, kw, args),
        "set" => env::set(args),
        "env" => env::env(args),
        "isolate" => stmt::isolate(args),
        "require" => stmt::require(args),
        "mkdir" => stmt::mkdir(args),
        "dbus" => dbus::dbus(args),
        _ => stmt::compat(args),
    }
}

/// `set NAME=VALUE` and `env set NAME=VALUE…`, where `NAME=` may be glued to a quoted value
/// (checked, with every other glue, in [`env`]).
fn assigns(kw: &str, rest: &[Tok]) -> bool {
    let first = rest.first().filter(|t| !t.quoted).map(|t| &*t.text);
    match kw {
        "set" => first.is_some_and(|t| t.contains('=')),
        "env" => first == Some("set"),
        _ => false,
    }
}

fn unknown(span: Span, kw: &str) -> Diagnostic {
    let (message, hint) = match kw {
        "else" => (
            "`else` must follow the `}` that closes the `if` block".to_string(),
            "write `} else {` on one line".to_string(),
        ),
        "{" => (
            "unexpected `{`".to_string(),
            "`{` goes at the end of an `if` line, e.g. `if exists /opt/app {`".to_string(),
        ),
        _ if kw.starts_with('}') => (
            "`}` must stand alone".to_string(),
            "put `}` on its own line, or write `} else {` with blanks".to_string(),
        ),
        _ if kw.starts_with(['/', '~', '$']) => (
            format!(
                "a statement cannot start with the pattern `{}`",
                args::shorten(kw)
            ),
            format!(
                "start with a keyword, e.g. `allow read {}`",
                args::shorten(kw)
            ),
        ),
        _ => (
            format!("unknown statement `{}`", args::shorten(kw)),
            unknown_hint(kw),
        ),
    };
    Diagnostic::new(span, message).with_hint(hint)
}

/// What to write instead of an unknown first word.
fn unknown_hint(kw: &str) -> String {
    if words::lookup(words::ACCESS, kw).is_some() || words::lookup(words::NET_OPS, kw).is_some() {
        return format!("rules start with `allow`, `deny` or `ask`, e.g. `allow {kw} …`");
    }
    // `include<x>`, `allow,read`: a keyword run into what follows it.
    let glued = KEYWORDS
        .iter()
        .filter(|k| kw.len() > k.len() && kw.starts_with(**k))
        .max_by_key(|k| k.len());
    match glued {
        Some(k) if !kw[k.len()..].starts_with(|c: char| c.is_alphanumeric()) => {
            format!("put a blank after `{k}`")
        }
        _ => words::hint(kw, KEYWORDS),
    }
}

/// `}` alone, or `} else {`; `rest` is what follows the `}`.
fn close(tree: &mut Tree, brace: Span, rest: &[Tok]) -> Result<(), Diagnostic> {
    let Some(next) = rest.first() else {
        return tree.close(brace);
    };
    if !args::is(next, "else") {
        return Err(args::unexpected(next).with_hint(
            "`}` stands alone on its line (or `} else {`); put the statement on the next line",
        ));
    }
    args::no_glue(rest)?;
    match rest.get(1) {
        Some(w) if args::is(w, "{") && rest.len() == 2 => tree.otherwise(brace, next.span),
        Some(w) if args::is(w, "if") => Err(Diagnostic::new(w.span, "`else if` is not supported")
            .with_hint(
                "write `} else {`, put the inner `if … {` on the next line, and close both blocks",
            )),
        Some(w) if args::is(w, "{") => {
            Err(args::unexpected(&rest[2]).with_hint("`} else {` ends the line"))
        }
        Some(w) => Err(args::unexpected(w).with_hint("write `} else {`")),
        None => Err(Diagnostic::new(
            Span {
                start: next.span.end,
                ..next.span
            },
            "`else` needs `{`",
        )
        .with_hint("write `} else {`")),
    }
}

/// `{` and `}` as words of an ordinary statement are almost certainly misplaced block braces.
fn no_braces(toks: &[Tok]) -> Result<(), Diagnostic> {
    match toks.iter().find(|t| args::is(t, "{") || args::is(t, "}")) {
        None => Ok(()),
        Some(t) if t.text == "{" => Err(args::unexpected(t)
            .with_hint("only an `if` line opens a block: `if exists /opt/app {`")),
        Some(t) => Err(args::unexpected(t).with_hint("`}` closes a block on its own line")),
    }
}

/// A `\` followed by blanks is a word, not a line continuation: say so rather than treating it
/// as a pattern.
fn stray_backslash(toks: &[Tok]) -> Result<(), Diagnostic> {
    match toks.iter().find(|t| args::is(t, "\\")) {
        None => Ok(()),
        Some(t) => Err(Diagnostic::new(
            t.span,
            "`\\` continues a line only as its very last character",
        )
        .with_hint("remove the blanks (or comment) after the `\\`, or remove the `\\`")),
    }
}

/// From the first word to the last: the statement's place for `file:line` and carets.
fn line_span(toks: &[Tok]) -> Span {
    Span {
        end: toks[toks.len() - 1].span.end,
        ..toks[0].span
    }
}
