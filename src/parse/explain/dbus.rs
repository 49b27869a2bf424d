//! `dbus see|talk|own NAME…` and `dbus call|broadcast NAME=RULE…`: each name and rule checked
//! as the D-Bus specification and xdg-dbus-proxy read them (`policy::dbus`).

use super::args::{self, Args};
use crate::diag::Diagnostic;
use crate::parse::ast::StmtKind;
use crate::parse::token::Tok;
use crate::parse::words;
use crate::policy::dbus::{self, DBUS_VERBS, DbusRule, DbusVerb};

pub fn dbus(mut args: Args) -> Result<StmtKind, Diagnostic> {
    let Some(first) = args.next() else {
        return Err(args.missing(
            "`dbus` needs a verb and a bus name",
            "e.g. `dbus talk org.freedesktop.Notifications`; verbs are see, talk, own, call, broadcast",
        ));
    };
    let verb = verb(first)?;
    let toks = args.rest();
    if toks.is_empty() {
        let example = if verb.takes_a_rule() {
            "org.freedesktop.Notifications=org.freedesktop.Notifications.Notify@/org/freedesktop/Notifications"
        } else {
            "org.freedesktop.Notifications"
        };
        return Err(args.missing(
            format!("`dbus {}` needs a bus name", verb.word()),
            format!("e.g. `dbus {} {example}`", verb.word()),
        ));
    }
    let entries = toks
        .iter()
        .map(|t| entry(verb, t))
        .collect::<Result<_, _>>()?;
    Ok(StmtKind::Dbus(entries))
}

fn verb(tok: &Tok) -> Result<DbusVerb, Diagnostic> {
    let text = args::bare(tok, "a D-Bus verb")?;
    words::lookup(DBUS_VERBS, text).ok_or_else(|| {
        Diagnostic::new(
            tok.span,
            format!("unknown D-Bus verb `{}`", args::shorten(text)),
        )
        .with_hint(words::hint(text, &words::names(DBUS_VERBS)))
    })
}

/// One name (`talk`, `own`, `see`) or `NAME=RULE` (`call`, `broadcast`).
pub fn entry(verb: DbusVerb, tok: &Tok) -> Result<DbusRule, Diagnostic> {
    let fail =
        |message: String, hint: &str| Err(Diagnostic::new(tok.span, message).with_hint(hint));
    let text = &*tok.text;
    if text.contains('$') {
        return fail(
            "variables are not expanded in bus names".into(),
            "write the name out, e.g. `org.mozilla.firefox.*`",
        );
    }
    let (name, rule) = match (verb.takes_a_rule(), text.split_once('=')) {
        (true, Some((name, rule))) => (name, Some(rule)),
        (true, None) => {
            return fail(
                format!("`dbus {}` needs `NAME=RULE`", verb.word()),
                "e.g. `dbus call org.freedesktop.Notifications=org.freedesktop.Notifications.Notify@/org/freedesktop/Notifications`",
            );
        }
        (false, Some(_)) => {
            return fail(
                format!("`dbus {}` takes a bus name, not `NAME=RULE`", verb.word()),
                "write `dbus call NAME=RULE` to allow some methods only",
            );
        }
        (false, None) => (text, None),
    };
    if let Err(why) = dbus::check_name(name) {
        return fail(
            format!("invalid bus name `{}`: {why}", args::shorten(name)),
            "bus names look like `org.freedesktop.Notifications`; `org.example.*` names a whole family",
        );
    }
    if let Some(Err(why)) = rule.map(dbus::check_rule) {
        return fail(
            format!(
                "invalid rule `{}`: {why}",
                args::shorten(rule.unwrap_or(""))
            ),
            "a rule is `INTERFACE.METHOD`, `INTERFACE.*` or `*`, optionally followed by `@/OBJECT/PATH`",
        );
    }
    Ok(DbusRule {
        verb,
        name: name.to_string(),
        rule: rule.map(str::to_string),
        span: tok.span,
    })
}
