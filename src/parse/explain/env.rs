//! `set NAME = VALUE` and `env keep|unset|set …`. Both accept `NAME=VALUE` (with the value
//! bare or quoted: `GREETING="hello world"`, which the lexer sees as two glued tokens).

use super::args::{self, Args, spanned};
use crate::diag::Diagnostic;
use crate::parse::ast::{EnvAction, Spanned, StmtKind, Word};
use crate::parse::token::Tok;
use crate::parse::words::{self, ENV_ACTIONS};
use crate::parse::words::{NAME_HINT, is_name};

const SET_EXAMPLE: &str = "e.g. `set APP_DIR = \"/opt/app\"`";

pub fn set(mut args: Args) -> Result<StmtKind, Diagnostic> {
    let Some(first) = args.next() else {
        return Err(args.missing("`set` needs a name and a value", SET_EXAMPLE));
    };
    if !first.quoted && first.text.contains('=') {
        let (name, value) = assignment(first, &mut args)?;
        args.done("`set` takes one value; quote it if it contains blanks")?;
        return Ok(StmtKind::Set { name, value });
    }
    let name = var_name(first)?;
    match args.next() {
        Some(eq) if args::is(eq, "=") => {}
        Some(other) => {
            return Err(
                Diagnostic::new(other.span, "expected `=` after the variable name")
                    .with_hint(SET_EXAMPLE),
            );
        }
        None => {
            return Err(args.missing(format!("`set {}` needs `= VALUE`", name.value), SET_EXAMPLE));
        }
    }
    let Some(value) = args.next() else {
        return Err(args.missing(
            format!("`set {} =` needs a value", name.value),
            "write `\"\"` for an empty value",
        ));
    };
    args.done("`set` takes one value; quote it if it contains blanks, e.g. `\"a b\"`")?;
    Ok(StmtKind::Set {
        name,
        value: value.to_word(),
    })
}

pub fn env(mut args: Args) -> Result<StmtKind, Diagnostic> {
    let examples = "e.g. `env keep LANG LC_*`, `env unset SSH_AUTH_SOCK` or `env set EDITOR=vi`";
    let Some(action) = args.next() else {
        return Err(args.missing("`env` needs `keep`, `unset` or `set`", examples));
    };
    let text = args::bare(action, "`keep`, `unset` or `set`")?;
    if !ENV_ACTIONS.contains(&text) {
        return Err(Diagnostic::new(
            action.span,
            format!("unknown env action `{}`", args::shorten(text)),
        )
        .with_hint(words::hint(text, ENV_ACTIONS)));
    }
    if args.peek().is_none() {
        let what = if text == "set" {
            "at least one `NAME=VALUE`"
        } else {
            "at least one name"
        };
        return Err(args.missing(format!("`env {text}` needs {what}"), examples));
    }
    Ok(StmtKind::Env(match text {
        "keep" => EnvAction::Keep(name_patterns(text, args.rest())?),
        "unset" => EnvAction::Unset(name_patterns(text, args.rest())?),
        _ => {
            let mut pairs = Vec::new();
            while let Some(tok) = args.next() {
                pairs.push(assignment(tok, &mut args)?);
            }
            EnvAction::Set(pairs)
        }
    }))
}

/// `NAME=VALUE`, or `NAME=` glued to a quoted value (taken from `args`).
fn assignment(word: &Tok, args: &mut Args) -> Result<(Spanned<String>, Word), Diagnostic> {
    let Some(eq) = word.text.find('=').filter(|_| !word.quoted) else {
        let hint = if word.quoted {
            "quote only the value: `NAME=\"some value\"`"
        } else {
            "e.g. `env set EDITOR=vi`"
        };
        return Err(Diagnostic::new(word.span, "expected `NAME=VALUE`").with_hint(hint));
    };
    let name = &word.text[..eq];
    if !is_name(name) {
        let span = args::sub(word, 0, eq.max(1).min(word.text.len()));
        let shown = if name.is_empty() {
            "an empty name".into()
        } else {
            format!("`{}`", args::shorten(name))
        };
        return Err(
            Diagnostic::new(span, format!("{shown} is not a valid variable name"))
                .with_hint(NAME_HINT),
        );
    }
    let name = spanned(name.to_string(), args::sub(word, 0, eq));
    let rest = &word.text[eq + 1..];
    let value = match args.next_glued() {
        Some(glued) if rest.is_empty() && glued.quoted => glued.to_word(),
        Some(glued) => return Err(args::glued(glued)),
        None => {
            let span = args::sub(word, eq + 1, word.text.len());
            Word {
                text: rest.to_string(),
                quoted: false,
                literal_dollars: Vec::new(),
                span,
            }
        }
    };
    if let Some(after) = args.peek().filter(|t| t.glued) {
        return Err(args::glued(after));
    }
    Ok((name, value))
}

/// The name of a `set`: an identifier, not a reference to one.
fn var_name(word: &Tok) -> Result<Spanned<String>, Diagnostic> {
    if !word.quoted && is_name(&word.text) {
        return Ok(spanned(word.text.to_string(), word.span));
    }
    let hint = match word
        .text
        .strip_prefix("${")
        .and_then(|t| t.strip_suffix('}'))
    {
        Some(inner) => format!("name the variable without `${{…}}`: `set {inner} = …`"),
        None => NAME_HINT.to_string(),
    };
    Err(Diagnostic::new(
        word.span,
        format!(
            "`{}` is not a valid variable name",
            args::shorten(&word.text)
        ),
    )
    .with_hint(hint))
}

/// The names or globs of `env keep` / `env unset`; they are matched as globs, not expanded.
pub fn name_patterns(action: &str, toks: &[Tok]) -> Result<Vec<Word>, Diagnostic> {
    toks.iter()
        .map(|tok| name_pattern(action, tok).map(|()| tok.to_word()))
        .collect()
}

fn name_pattern(action: &str, word: &Tok) -> Result<(), Diagnostic> {
    let fail =
        |message: String, hint: &str| Err(Diagnostic::new(word.span, message).with_hint(hint));
    let text = &word.text;
    if text.is_empty() {
        return fail(
            "empty variable name".into(),
            "write a name such as `LANG` or a glob such as `LC_*`",
        );
    }
    if text.contains('=') {
        return fail(
            format!("`env {action}` takes names, not `NAME=VALUE`"),
            "use `env set NAME=VALUE` to set a variable",
        );
    }
    if text.contains("${") {
        return fail(
            "variables are not expanded in environment names".into(),
            "write the name itself, e.g. `LANG`, or a glob such as `LC_*`",
        );
    }
    if let Err(e) = globset::Glob::new(text) {
        return fail(
            format!(
                "`{}` is not a valid name pattern: {}",
                args::shorten(text),
                e.kind()
            ),
            "globs use `*`, `?`, `[…]` and `{a,b}`, e.g. `LC_*`",
        );
    }
    Ok(())
}
