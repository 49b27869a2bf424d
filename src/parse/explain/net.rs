//! `allow|deny|ask connect|bind tcp PORTS`. Ports are validated here, each error pointing at the
//! one number or range that is wrong.

use super::args::{self, Args};
use super::rule;
use crate::diag::Diagnostic;
use crate::parse::ast::{RuleTarget, Spanned, StmtKind};
use crate::parse::token::Tok;
use crate::parse::words;
use crate::policy::{NetOp, PortRange, RuleKind};
use crate::source::Span;

const PORTS_HINT: &str =
    "ports are `443`, a range `8000-8100`, a comma list `80,443`, or `*` for any port";

/// The rest of a network rule; `op` is the `connect`/`bind` word already read.
pub fn rule(
    kind: RuleKind,
    kw: &str,
    op: Spanned<NetOp>,
    mut args: Args,
) -> Result<StmtKind, Diagnostic> {
    let head = Head { kw, op: op.value };
    let Some(proto) = args.next() else {
        return Err(args.missing(
            format!("`{head}` needs a protocol and ports"),
            format!("e.g. `{head} tcp 443`"),
        ));
    };
    if proto.text == "unix" && !proto.quoted {
        return unix(kind, head, op.span, args);
    }
    protocol(head, proto)?;
    let Some(list) = args.next() else {
        return Err(args.missing(format!("`{head} tcp` needs ports"), PORTS_HINT));
    };
    args.done("separate ports with commas and no blanks, e.g. `80,443`")?;
    let ports = port_list(list)?;
    Ok(StmtKind::Rule {
        kind,
        access: Vec::new(),
        target: RuleTarget::Tcp {
            op: op.value,
            ports,
        },
    })
}

/// `connect unix PATTERN…`: a file rule on socket files. A socket file is made by binding,
/// which is the `create` right (`fs.make_sock`) on its directory, so `bind unix` is not a rule.
fn unix(kind: RuleKind, head: Head, span: Span, mut args: Args) -> Result<StmtKind, Diagnostic> {
    if head.op == NetOp::Bind {
        return Err(Diagnostic::new(
            span,
            "`bind unix` is not a rule: binding makes a socket file, which `create` covers",
        )
        .with_hint(format!(
            "write `{} fs.make_sock DIR` to let the program make sockets in DIR",
            head.kw
        )));
    }
    let paths = rule::patterns(&mut args, &format!("{head} unix"), "/run/user/*/wayland-*")?;
    Ok(StmtKind::Rule {
        kind,
        access: vec![rule::connect_unix(span)],
        target: RuleTarget::Paths(paths),
    })
}

/// `allow connect`, `deny bind`…: how messages name the rule, formatted only for a message.
#[derive(Clone, Copy)]
struct Head<'k> {
    kw: &'k str,
    op: NetOp,
}

impl std::fmt::Display for Head<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match self.op {
            NetOp::Connect => "connect",
            NetOp::Bind => "bind",
        };
        write!(f, "{} {op}", self.kw)
    }
}

fn protocol(head: Head, word: &Tok) -> Result<(), Diagnostic> {
    match args::bare(word, "the protocol")? {
        "tcp" => Ok(()),
        "udp" => Err(Diagnostic::new(
            word.span,
            "only `tcp` is supported: Landlock restricts TCP `connect` and `bind` only",
        )
        .with_hint(
            "write `tcp`; UDP and other protocols are neither allowed nor denied by a profile",
        )),
        text if text.starts_with(|c: char| c.is_ascii_digit() || c == '*') => Err(Diagnostic::new(
            word.span,
            format!("`{head}` needs the protocol before the ports"),
        )
        .with_hint(format!("write `{head} tcp {}`", args::shorten(text)))),
        text => Err(Diagnostic::new(
            word.span,
            format!("unknown protocol `{}`", args::shorten(text)),
        )
        .with_hint(
            words::near(text, &["tcp"]).unwrap_or_else(|| "the only protocol is `tcp`".into()),
        )),
    }
}

/// `80,443,8000-8100` or `*`.
fn port_list(word: &Tok) -> Result<Vec<Spanned<PortRange>>, Diagnostic> {
    args::bare(word, "a port list")?;
    args::comma_list(word, range)
}

pub fn range(piece: &str, span: Span) -> Result<PortRange, Diagnostic> {
    if piece == "*" {
        return Ok(PortRange {
            first: 0,
            last: u16::MAX,
        });
    }
    if piece.is_empty() {
        return Err(Diagnostic::new(span, "empty port in the list").with_hint(PORTS_HINT));
    }
    let Some((a, b)) = piece.split_once('-') else {
        let port = port(piece, span)?;
        return Ok(PortRange {
            first: port,
            last: port,
        });
    };
    let first = port(
        a,
        Span {
            end: span.start + a.len(),
            ..span
        },
    )?;
    let last = port(
        b,
        Span {
            start: span.start + a.len() + 1,
            ..span
        },
    )?;
    if first > last {
        return Err(
            Diagnostic::new(span, format!("reversed port range `{piece}`"))
                .with_hint(format!("write the lower port first: `{last}-{first}`")),
        );
    }
    Ok(PortRange { first, last })
}

fn port(text: &str, span: Span) -> Result<u16, Diagnostic> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        let shown = if text.is_empty() {
            "an empty port".to_string()
        } else {
            format!("`{}`", args::shorten(text))
        };
        return Err(Diagnostic::new(span, format!("{shown} is not a port")).with_hint(PORTS_HINT));
    }
    match text.parse::<u32>() {
        Ok(0) => Err(Diagnostic::new(span, "port 0 cannot be named")
            .with_hint("ports are 1–65535; `*` means any port")),
        Ok(n) if n <= 65535 => Ok(n as u16),
        _ => Err(Diagnostic::new(
            span,
            format!("port {} is out of range 1–65535", args::shorten(text)),
        )
        .with_hint(PORTS_HINT)),
    }
}
