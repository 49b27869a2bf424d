//! The header of a conditional block: `if [not] exists PATH {`, `if [not] env NAME {`,
//! `if [not] abi OP N {`.

use super::args::{self, Args, spanned};
use super::stmt::abi_number;
use crate::diag::Diagnostic;
use crate::parse::ast::Cond;
use crate::parse::token::Tok;
use crate::parse::words::{self, CMP_OPS, CONDITIONS};
use crate::parse::words::{NAME_HINT, is_name};
use crate::source::Span;

const FORMS: &str =
    "conditions are `exists PATH`, `env NAME` and `abi >= N`, optionally after `not`";

/// Parses the words of an `if … {` line after the `if` (which is at `at`).
pub fn header(at: Span, words: &[Tok]) -> Result<Cond, Diagnostic> {
    let Some((_, words)) = words.split_last().filter(|(last, _)| args::is(last, "{")) else {
        return Err(no_brace(at, words));
    };
    let mut args = Args::new(at, words);
    let cond = cond(&mut args)?;
    args.done_with(|| format!("{FORMS}; quote a path that contains blanks"))?;
    Ok(cond)
}

/// The error for an `if` line that does not end with `{`.
fn no_brace(at: Span, words: &[Tok]) -> Diagnostic {
    if let Some(brace) = words.iter().find(|t| args::is(t, "{")) {
        return Diagnostic::new(brace.span, "a block's statements go on the lines after `{`")
            .with_hint("end the `if` line with `{`, put each statement on its own line, and `}` on a line of its own");
    }
    let mut args = Args::new(at, words);
    match args.rest().last() {
        None => args.missing(
            "`if` needs a condition and `{`",
            format!("e.g. `if exists /opt/app {{`; {FORMS}"),
        ),
        Some(last) if !last.quoted && last.text.len() > 1 && last.text.ends_with('{') => {
            Diagnostic::new(last.span, "missing blank before `{`")
                .with_hint(format!("write `{} {{`", last.text.trim_end_matches('{')))
        }
        Some(_) => args.missing(
            "an `if` line must end with `{`",
            "e.g. `if exists /opt/app {`, then the block's statements, then `}` on its own line",
        ),
    }
}

fn cond(args: &mut Args) -> Result<Cond, Diagnostic> {
    let Some(word) = args.next() else {
        return Err(args.missing(
            "`if` needs a condition",
            format!("e.g. `if exists /opt/app {{`; {FORMS}"),
        ));
    };
    let text = args::bare(word, "a condition")?;
    if text == "not" {
        if let Some(again) = args.peek().filter(|t| args::is(t, "not")) {
            return Err(Diagnostic::new(again.span, "`not not` cancels out")
                .with_hint("remove both `not`s"));
        }
        return Ok(Cond::Not(Box::new(cond(args)?)));
    }
    match text {
        "exists" => Ok(Cond::Exists(
            operand(args, "exists", "a path", "/opt/app")?.to_word(),
        )),
        "env" => env_name(operand(args, "env", "a variable name", "DISPLAY")?),
        "abi" => abi(args),
        _ => Err(unknown(word)),
    }
}

fn operand<'a>(
    args: &mut Args<'a>,
    kw: &str,
    what: &str,
    example: &str,
) -> Result<&'a Tok<'a>, Diagnostic> {
    args.next().ok_or_else(|| {
        args.missing(
            format!("`{kw}` needs {what}"),
            format!("e.g. `if {kw} {example} {{`"),
        )
    })
}

fn env_name(word: &Tok) -> Result<Cond, Diagnostic> {
    if word.quoted || !is_name(&word.text) {
        return Err(Diagnostic::new(
            word.span,
            format!(
                "`{}` is not an environment variable name",
                args::shorten(&word.text)
            ),
        )
        .with_hint(format!(
            "{NAME_HINT}; `if env NAME` is true when NAME is set and not empty"
        )));
    }
    Ok(Cond::Env(spanned(word.text.to_string(), word.span)))
}

fn abi(args: &mut Args) -> Result<Cond, Diagnostic> {
    let example = "e.g. `if abi >= 6 {`";
    let Some(op_word) = args.next() else {
        return Err(args.missing("`abi` needs a comparison and a version", example));
    };
    let op = words::lookup(CMP_OPS, &op_word.text)
        .filter(|_| !op_word.quoted)
        .ok_or_else(|| {
            let hint = match &*op_word.text {
                "=" => "did you mean `==`?".to_string(),
                "=>" => "did you mean `>=`?".to_string(),
                "=<" => "did you mean `<=`?".to_string(),
                t if t.starts_with(|c: char| c.is_ascii_digit()) => {
                    format!("write the comparison first, e.g. `abi >= {t}`")
                }
                _ => format!(
                    "expected one of: {}",
                    words::quoted_list(&words::names(CMP_OPS))
                ),
            };
            Diagnostic::new(
                op_word.span,
                format!("unknown comparison `{}`", args::shorten(&op_word.text)),
            )
            .with_hint(hint)
        })?;
    let Some(n) = args.next() else {
        return Err(args.missing(
            format!("`abi {}` needs a version number", op_word.text),
            example,
        ));
    };
    Ok(Cond::Abi(op, abi_number(n)?))
}

fn unknown(word: &Tok) -> Diagnostic {
    let text = &word.text;
    let hint = if text.len() > 3 && text.starts_with("abi") {
        let rest = &text[3..];
        let number = rest.trim_start_matches(['<', '>', '=', '!']);
        format!(
            "separate the words with blanks: `abi {} {number}`",
            &rest[..rest.len() - number.len()]
        )
    } else {
        words::hint(text, CONDITIONS)
    };
    Diagnostic::new(
        word.span,
        format!("unknown condition `{}`", args::shorten(text)),
    )
    .with_hint(hint)
}
