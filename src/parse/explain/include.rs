//! `include <NAME>`, `include "PATH"` and their `include?` forms.

use super::args::{self, Args, spanned};
use crate::diag::Diagnostic;
use crate::parse::ast::{IncludeTarget, StmtKind};
use crate::parse::token::Tok;
use crate::source::Span;

pub fn include(optional: bool, kw: &str, mut args: Args) -> Result<StmtKind, Diagnostic> {
    let Some(word) = args.next() else {
        return Err(args.missing(
            format!("`{kw}` needs a file"),
            format!("e.g. `{kw} <abstractions/base>` (searched on the profile path) or `{kw} \"extra.llp\"` (next to this file)"),
        ));
    };
    let target = target(kw, word)?;
    args.done_with(|| format!("`{kw}` takes one file; write one `{kw}` line per file"))?;
    Ok(StmtKind::Include { optional, target })
}

pub fn target(kw: &str, word: &Tok) -> Result<IncludeTarget, Diagnostic> {
    if word.quoted {
        if word.text.is_empty() {
            return Err(Diagnostic::new(word.span, "empty include path")
                .with_hint("name a file, e.g. `\"extra.llp\"`"));
        }
        return Ok(IncludeTarget::Path(word.to_word()));
    }
    let Some(inner) = word.text.strip_prefix('<') else {
        return Err(Diagnostic::new(word.span, format!("`{kw}` needs `<NAME>` or `\"PATH\"`")).with_hint(format!(
            "write `{kw} <{0}>` to search the profile path, or `{kw} \"{0}\"` for a file relative to this one",
            args::shorten(word.text.trim_end_matches(".llp"))
        )));
    };
    let Some(name) = inner.strip_suffix('>') else {
        return Err(Diagnostic::new(word.span, "unclosed `<`").with_hint(
            "write `<NAME>` with no blanks inside; use `\"PATH\"` for a file whose name has blanks",
        ));
    };
    let span = args::sub(word, 1, 1 + name.len());
    search_name(name, span)?;
    Ok(IncludeTarget::Search(spanned(name.to_string(), span)))
}

/// A name on the search path: relative, no `..` (it must not climb out of the search
/// directories), no variables (they are not expanded in names).
fn search_name(name: &str, span: Span) -> Result<(), Diagnostic> {
    let fail = |message: &str, hint: &str| Err(Diagnostic::new(span, message).with_hint(hint));
    if name.is_empty() {
        return fail(
            "empty profile name in `<>`",
            "name a profile, e.g. `<abstractions/base>`",
        );
    }
    if name.starts_with('/') {
        return fail(
            "`<…>` names a profile on the search path, not an absolute path",
            "write an absolute path in quotes: `include \"/etc/llrun/extra.llp\"`",
        );
    }
    if name.contains('>') {
        return fail(
            "a profile name ends at the first `>`",
            "write one `<NAME>` with nothing after its `>`, e.g. `<abstractions/base>`",
        );
    }
    if name.contains('$') {
        return fail(
            "variables are not expanded inside `<…>`",
            "write the path in quotes instead: `include \"${PROFILE_DIR}/extra.llp\"`",
        );
    }
    if name
        .split('/')
        .any(|c| c == ".." || c == "." || c.is_empty())
    {
        return fail(
            "a profile name must not contain `..`, `.` or empty components",
            "name the profile as found on the search path, e.g. `<abstractions/base>`",
        );
    }
    Ok(())
}
