//! `allow|deny|ask ACCESS PATTERN…`: the access words, the patterns, and the one semantic rule
//! that belongs this early — `ask` can never cover exec — because it is a property of the words
//! as written and the user should hear it at the line that says it.

use super::args::{self, Args, spanned};
use super::net;
use crate::diag::Diagnostic;
use crate::parse::ast::{RuleTarget, Spanned, StmtKind, Word};
use crate::parse::token::Tok;
use crate::parse::words::{self, ACCESS, NET_OPS, RAW};
use crate::policy::{AccessWord, RuleKind};

const ACCESS_LIST: &str = "`read`, `list`, `write`, `exec`, `create`, `delete`, `truncate`, `ioctl`, `rw`, `all`, or a raw right such as `fs.make_sock`";

/// A file or network rule; `args` starts after the keyword.
pub fn rule(kind: RuleKind, kw: &str, mut args: Args) -> Result<StmtKind, Diagnostic> {
    let Some(first) = args.next() else {
        return Err(args.missing(
            format!("`{kw}` needs an access word and at least one pattern"),
            format!("e.g. `{kw} read /usr/share` or `{kw} connect tcp 443`"),
        ));
    };
    if let Some(op) = words::lookup(NET_OPS, &first.text).filter(|_| !first.quoted) {
        return net::rule(kind, kw, spanned(op, first.span), args);
    }
    let access = access_list(kw, first)?;
    if kind == RuleKind::Ask {
        no_exec(&access)?;
    }
    let head = format!("{kw} {}", first.text);
    let paths = patterns(&mut args, &head, "/usr/share")?;
    Ok(StmtKind::Rule {
        kind,
        access,
        target: RuleTarget::Paths(paths),
    })
}

/// The patterns of a file rule, at least one; `head` names the rule in the message, `example`
/// is a pattern that fits it.
pub fn patterns(args: &mut Args, head: &str, example: &str) -> Result<Vec<Word>, Diagnostic> {
    let toks = args.rest();
    if toks.is_empty() {
        return Err(args.missing(
            format!("`{head}` needs at least one pattern"),
            format!("e.g. `{head} {example}`; patterns are absolute paths or globs"),
        ));
    }
    toks.iter().map(pattern).collect()
}

/// The access of `connect unix`: the right to connect to the socket files its patterns name
/// (Landlock's `fs.resolve_unix`), spanning the `connect` word.
pub fn connect_unix(span: crate::source::Span) -> Spanned<AccessWord> {
    Spanned {
        value: AccessWord::Raw(llrun_kernel::FsAccess::RESOLVE_UNIX.bits()),
        span,
    }
}

/// `read,exec,fs.make_sock`: comma-separated, no blanks.
fn access_list(kw: &str, word: &Tok) -> Result<Vec<Spanned<AccessWord>>, Diagnostic> {
    if word.quoted || word.text.starts_with(['/', '~', '$', '.']) {
        return Err(Diagnostic::new(
            word.span,
            format!("`{kw}` needs an access word before the pattern"),
        )
        .with_hint(format!(
            "e.g. `{kw} read {}`; access words are {ACCESS_LIST}",
            args::shorten(&word.text)
        )));
    }
    if matches!(&*word.text, "tcp" | "udp") {
        return Err(Diagnostic::new(
            word.span,
            format!("`{kw} {}` needs `connect` or `bind` first", word.text),
        )
        .with_hint(format!(
            "e.g. `{kw} connect tcp 443` or `{kw} bind tcp 8000`"
        )));
    }
    args::comma_list(word, access_word)
}

pub fn access_word(piece: &str, span: crate::source::Span) -> Result<AccessWord, Diagnostic> {
    if piece.is_empty() {
        return Err(Diagnostic::new(span, "empty access word")
            .with_hint("separate access words with one comma and no blanks, e.g. `read,exec`"));
    }
    if let Some(word) = words::lookup(ACCESS, piece) {
        return Ok(word);
    }
    if let Some(bits) = words::lookup(RAW, piece) {
        return Ok(AccessWord::Raw(bits.bits()));
    }
    if words::lookup(NET_OPS, piece).is_some() {
        return Err(Diagnostic::new(
            span,
            format!("`{piece}` cannot be combined with other access words"),
        )
        .with_hint(format!(
            "write a network rule on its own line, e.g. `allow {piece} tcp 443`"
        )));
    }
    Err(unknown(piece, span))
}

fn unknown(piece: &str, span: crate::source::Span) -> Diagnostic {
    if piece.starts_with("fs.") {
        let raw = words::names(RAW);
        return Diagnostic::new(
            span,
            format!("unknown Landlock right `{}`", args::shorten(piece)),
        )
        .with_hint(words::hint(piece, &raw));
    }
    let mut known = words::names(ACCESS);
    known.extend(words::names(NET_OPS));
    let hint =
        words::near(piece, &known).unwrap_or_else(|| format!("access words are {ACCESS_LIST}"));
    Diagnostic::new(
        span,
        format!("unknown access word `{}`", args::shorten(piece)),
    )
    .with_hint(hint)
}

/// `ask` with exec in its rights: the kernel checks exec on the file itself, so a file opened
/// by the supervisor and passed in cannot be executed; the rule could never be honoured.
pub fn no_exec(access: &[Spanned<AccessWord>]) -> Result<(), Diagnostic> {
    let Some(word) = access
        .iter()
        .find(|w| crate::policy::access::includes_exec(w.value))
    else {
        return Ok(());
    };
    let what = match word.value {
        AccessWord::All => "`ask all` includes exec, which",
        AccessWord::Raw(_) => "`ask fs.execute`: exec",
        _ => "`ask exec`: exec",
    };
    Err(Diagnostic::new(word.span, format!("{what} cannot be granted at run time, because the kernel checks exec on the file itself"))
        .with_hint("use `allow exec PATTERN` for programs that may run, and ask only for the other rights, e.g. `ask rw PATTERN`"))
}

/// One pattern word. Its meaning is checked by the resolver after expansion; here only what is
/// wrong whatever the variables hold.
pub fn pattern(tok: &Tok) -> Result<Word, Diagnostic> {
    if tok.text.is_empty() {
        return Err(Diagnostic::new(tok.span, "empty pattern")
            .with_hint("patterns are absolute paths or globs, e.g. `/usr/share`"));
    }
    Ok(tok.to_word())
}
