//! A statement of the grammar → a line of the syntax tree, read off pest's pairs.
//!
//! The grammar has already checked the form of the statement, so this only looks words up and
//! checks the values the grammar leaves open (an access word, a port's range), with the same
//! word checks that [`explain`] uses. When one fails the answer is `None`, and the caller asks
//! [`explain`] for the error: it reads the whole line and reports its first mistake, as it
//! would for a line the grammar refused, so each error is written once.

use super::ast::{Cond, EnvAction, IncludeTarget, RuleTarget, Spanned, Stmt, StmtKind, Word};
use super::blocks::Line;
use super::explain::{dbus, env, include, net, rule, stmt};
use super::grammar::Rule;
use super::token::{self, Tok};
use super::words::{self, CMP_OPS, RULE_KINDS};
use crate::policy::dbus::DBUS_VERBS;
use crate::policy::ports::NET_OPS;
use crate::policy::{AccessWord, RuleKind};
use crate::source::{FileId, Span};
use pest::iterators::Pair;

type P<'a> = Pair<'a, Rule>;

/// The line that a statement pair (any rule of `statement` but `malformed`) stands for.
pub fn line(pair: P, file: FileId) -> Option<Line> {
    let at = Reader { file };
    let span = at.span(&pair);
    let kind = match pair.as_rule() {
        Rule::block_close => return Some(Line::Close(span)),
        Rule::block_else => return Some(block_else(&pair, span)),
        Rule::if_open => {
            let keyword = Span {
                end: span.start + 2,
                ..span
            };
            let cond = at.condition(pair.into_inner().next()?)?;
            return Some(Line::Open {
                cond,
                keyword,
                span,
            });
        }
        Rule::include => at.include(pair)?,
        Rule::set => at.set(pair)?,
        Rule::env => at.env(pair.into_inner().next()?)?,
        Rule::rule => at.rule(pair)?,
        Rule::isolate => {
            let scopes = pair.into_inner().map(|p| stmt::scope(&at.tok(&p)).ok());
            StmtKind::Isolate(scopes.collect::<Option<_>>()?)
        }
        Rule::require => StmtKind::RequireAbi(at.abi(&pair.into_inner().next()?)?),
        Rule::compat => {
            StmtKind::Compat(stmt::compat_mode(&at.tok(&pair.into_inner().next()?)).ok()?)
        }
        Rule::dbus => {
            let mut parts = pair.into_inner();
            let verb = words::lookup(DBUS_VERBS, parts.next()?.as_str())?;
            let entries = parts.map(|p| dbus::entry(verb, &at.tok(&p)).ok());
            StmtKind::Dbus(entries.collect::<Option<_>>()?)
        }
        Rule::mkdir => {
            let dirs = pair.into_inner().map(|p| stmt::directory(&at.tok(&p)).ok());
            StmtKind::Mkdir(dirs.collect::<Option<_>>()?)
        }
        _ => return None,
    };
    Some(Line::Stmt(Stmt { kind, span }))
}

/// `} else {`: where the brace and the `else` are.
fn block_else(pair: &P, span: Span) -> Line {
    let at = pair.as_str().find("else").unwrap_or(0);
    Line::Else {
        brace: Span {
            end: span.start + 1,
            ..span
        },
        word: Span {
            start: span.start + at,
            end: span.start + at + 4,
            ..span
        },
    }
}

/// Reads the pairs of one file.
#[derive(Clone, Copy)]
struct Reader {
    file: FileId,
}

impl Reader {
    fn span(self, pair: &P) -> Span {
        token::span_of(pair, 0, self.file)
    }

    fn tok<'a>(self, pair: &P<'a>) -> Tok<'a> {
        token::word(pair, 0, self.file)
    }

    fn word(self, pair: &P) -> Word {
        self.tok(pair).to_word()
    }

    fn name(self, pair: &P) -> Spanned<String> {
        Spanned {
            value: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    fn abi(self, pair: &P) -> Option<Spanned<u32>> {
        stmt::abi_number(&self.tok(pair)).ok()
    }

    /// `[not] exists PATH`, `[not] env NAME`, `[not] abi OP N`.
    fn condition(self, pair: P) -> Option<Cond> {
        let mut parts = pair.into_inner();
        let mut test = parts.next()?;
        let negated = test.as_rule() == Rule::negation;
        if negated {
            test = parts.next()?;
        }
        let which = test.as_rule();
        let mut args = test.into_inner();
        let cond = match which {
            Rule::cond_exists => Cond::Exists(self.word(&args.next()?)),
            Rule::cond_env => Cond::Env(self.name(&args.next()?)),
            _ => {
                let op = words::lookup(CMP_OPS, args.next()?.as_str())?;
                Cond::Abi(op, self.abi(&args.next()?)?)
            }
        };
        Some(if negated {
            Cond::Not(Box::new(cond))
        } else {
            cond
        })
    }

    /// `include[?] <NAME>` or `include[?] "PATH"`.
    fn include(self, pair: P) -> Option<StmtKind> {
        let mut parts = pair.into_inner();
        let kw = parts.next()?.as_str();
        let target = parts.next()?;
        let tok = self.tok(&target);
        let target: IncludeTarget = include::target(kw, &tok).ok()?;
        Some(StmtKind::Include {
            optional: kw.ends_with('?'),
            target,
        })
    }

    /// `set NAME = VALUE` or `set NAME=VALUE`.
    fn set(self, pair: P) -> Option<StmtKind> {
        let mut parts = pair.into_inner();
        let first = parts.next()?;
        let (name, value) = match parts.next() {
            Some(value) => (self.name(&first), self.word(&value)),
            None => self.assignment(first)?,
        };
        Some(StmtKind::Set { name, value })
    }

    /// `NAME=VALUE`, the value possibly empty.
    fn assignment(self, pair: P) -> Option<(Spanned<String>, Word)> {
        let end = self.span(&pair).end;
        let mut parts = pair.into_inner();
        let name = self.name(&parts.next()?);
        let value = match parts.next() {
            Some(value) => self.word(&value),
            None => Word {
                text: String::new(),
                quoted: false,
                literal_dollars: Vec::new(),
                span: Span {
                    start: end,
                    ..name.span
                },
            },
        };
        Some((name, value))
    }

    /// `env keep|unset NAME…` or `env set NAME=VALUE…`.
    fn env(self, action: P) -> Option<StmtKind> {
        let which = action.as_rule();
        let args = action.into_inner();
        if which == Rule::env_assign {
            let pairs = args.map(|p| self.assignment(p));
            return Some(StmtKind::Env(EnvAction::Set(pairs.collect::<Option<_>>()?)));
        }
        let toks: Vec<Tok> = args.map(|p| self.tok(&p)).collect();
        let (name, make): (_, fn(Vec<Word>) -> EnvAction) = match which {
            Rule::env_keep => ("keep", EnvAction::Keep),
            _ => ("unset", EnvAction::Unset),
        };
        Some(StmtKind::Env(make(env::name_patterns(name, &toks).ok()?)))
    }

    /// `allow|deny|ask ACCESS PATTERN…` or `allow|deny|ask connect|bind tcp PORTS`.
    fn rule(self, pair: P) -> Option<StmtKind> {
        let mut parts = pair.into_inner();
        let kind = words::lookup(RULE_KINDS, parts.next()?.as_str())?;
        let body = parts.next()?;
        let (net, unix) = (
            body.as_rule() == Rule::net_rule,
            body.as_rule() == Rule::unix_rule,
        );
        let mut parts = body.into_inner();
        let head = parts.next()?;
        if net {
            let op = words::lookup(NET_OPS, head.as_str())?;
            let ports = parts.next()?.into_inner().map(|p| {
                let span = self.span(&p);
                let range = net::range(p.as_str(), span).ok()?;
                Some(Spanned { value: range, span })
            });
            let ports = ports.collect::<Option<_>>()?;
            let target = RuleTarget::Tcp { op, ports };
            return Some(StmtKind::Rule {
                kind,
                access: Vec::new(),
                target,
            });
        }
        // `connect unix` is a file rule: the right to connect to the socket files it names.
        let access = if unix {
            vec![rule::connect_unix(self.span(&head))]
        } else {
            self.access(kind, head)?
        };
        let paths = parts.map(|p| rule::pattern(&self.tok(&p)).ok());
        let target = RuleTarget::Paths(paths.collect::<Option<_>>()?);
        Some(StmtKind::Rule {
            kind,
            access,
            target,
        })
    }

    /// `read,exec,fs.make_sock`; `ask` never with exec.
    fn access(self, kind: RuleKind, list: P) -> Option<Vec<Spanned<AccessWord>>> {
        let words = list.into_inner().map(|p| {
            let span = self.span(&p);
            let value = rule::access_word(p.as_str(), span).ok()?;
            Some(Spanned { value, span })
        });
        let access: Vec<_> = words.collect::<Option<_>>()?;
        if kind == RuleKind::Ask {
            rule::no_exec(&access).ok()?;
        }
        Some(access)
    }
}
