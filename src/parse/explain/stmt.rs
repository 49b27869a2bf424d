//! The small statements: `isolate`, `require abi N`, `compat MODE`, `mkdir PATH…`, and the ABI
//! number that `require` and `if abi` share.

use super::args::{self, Args, spanned};
use crate::diag::Diagnostic;
use crate::parse::ast::{CompatMode, ScopeWord, Spanned, StmtKind, Word};
use crate::parse::token::Tok;
use crate::parse::words::{self, COMPAT, SCOPES};

/// Largest ABI number accepted: far above any kernel's, low enough that a typo is caught.
const MAX_ABI: u32 = 255;

pub fn isolate(mut args: Args) -> Result<StmtKind, Diagnostic> {
    let scopes = args.rest();
    if scopes.is_empty() {
        return Err(args.missing(
            "`isolate` needs a scope",
            "e.g. `isolate signals` or `isolate abstract-unix`",
        ));
    }
    let out = scopes.iter().map(scope).collect::<Result<_, _>>()?;
    Ok(StmtKind::Isolate(out))
}

/// One scope word of `isolate`.
pub fn scope(tok: &Tok) -> Result<Spanned<ScopeWord>, Diagnostic> {
    let text = args::bare(tok, "a scope")?;
    let scope = words::lookup(SCOPES, text).ok_or_else(|| {
        Diagnostic::new(tok.span, format!("unknown scope `{}`", args::shorten(text)))
            .with_hint(words::hint(text, &words::names(SCOPES)))
    })?;
    Ok(spanned(scope, tok.span))
}

pub fn mkdir(mut args: Args) -> Result<StmtKind, Diagnostic> {
    let paths = args.rest();
    if paths.is_empty() {
        return Err(args.missing(
            "`mkdir` needs a directory",
            "e.g. `mkdir ~/.cache/app`: created before the program starts, when missing",
        ));
    }
    let out = paths.iter().map(directory).collect::<Result<_, _>>()?;
    Ok(StmtKind::Mkdir(out))
}

/// One directory of `mkdir`.
pub fn directory(tok: &Tok) -> Result<Word, Diagnostic> {
    if tok.text.is_empty() {
        return Err(Diagnostic::new(tok.span, "empty directory name")
            .with_hint("write an absolute path, e.g. `mkdir ~/.cache/app`"));
    }
    Ok(tok.to_word())
}

pub fn require(mut args: Args) -> Result<StmtKind, Diagnostic> {
    let Some(what) = args.next() else {
        return Err(args.missing(
            "`require` needs `abi N`",
            "e.g. `require abi 4` to refuse kernels older than Landlock ABI 4",
        ));
    };
    let text = args::bare(what, "`abi`")?;
    if text != "abi" {
        return Err(Diagnostic::new(
            what.span,
            format!("unknown requirement `{}`", args::shorten(text)),
        )
        .with_hint(format!(
            "{}; write `require abi N`",
            words::hint(text, &["abi"])
        )));
    }
    let Some(n) = args.next() else {
        return Err(args.missing("`require abi` needs a number", "e.g. `require abi 4`"));
    };
    let abi = abi_number(n)?;
    args.done("`require abi` takes one number")?;
    Ok(StmtKind::RequireAbi(abi))
}

pub fn compat(mut args: Args) -> Result<StmtKind, Diagnostic> {
    let Some(word) = args.next() else {
        return Err(args.missing(
            "`compat` needs a mode",
            "write `compat strict` or `compat best-effort`",
        ));
    };
    let mode = compat_mode(word)?;
    args.done("`compat` takes one mode")?;
    Ok(StmtKind::Compat(mode))
}

/// The mode of `compat`.
pub fn compat_mode(word: &Tok) -> Result<Spanned<CompatMode>, Diagnostic> {
    let text = args::bare(word, "the mode")?;
    let mode = words::lookup(COMPAT, text).ok_or_else(|| {
        Diagnostic::new(
            word.span,
            format!("unknown compat mode `{}`", args::shorten(text)),
        )
        .with_hint(words::hint(text, &words::names(COMPAT)))
    })?;
    Ok(spanned(mode, word.span))
}

/// A Landlock ABI version: a small decimal number.
pub fn abi_number(word: &Tok) -> Result<Spanned<u32>, Diagnostic> {
    let text = &word.text;
    let ok = !word.quoted && !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<u32>() {
        Ok(n) if ok && n <= MAX_ABI => Ok(spanned(n, word.span)),
        _ if ok => Err(Diagnostic::new(
            word.span,
            format!("ABI version {} is too large", args::shorten(text)),
        )
        .with_hint(
            "Landlock ABI versions are small numbers, e.g. 4 (Linux 6.7) or 6 (Linux 6.12)",
        )),
        _ => Err(Diagnostic::new(
            word.span,
            format!("`{}` is not an ABI version", args::shorten(text)),
        )
        .with_hint("write a number, e.g. `4`")),
    }
}
