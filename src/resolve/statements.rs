//! Resolving each kind of statement into the layer.

use super::Resolver;
use crate::diag::Diagnostic;
use crate::parse::ast::{
    CmpOp, CompatMode, Cond, EnvAction, IncludeTarget, RuleTarget, ScopeWord, Stmt, StmtKind, Word,
};
use crate::policy::pattern::{Pattern, PatternError};
use crate::policy::{Compat, EnvStep, FsRule, NetRule, access, net_access};
use crate::resolve::ProfileError;
use llrun_kernel::{FsAccess, Scopes};
use std::path::{Path, PathBuf};

impl Resolver<'_> {
    pub(super) fn stmts(&mut self, stmts: &[Stmt]) -> Result<(), ProfileError> {
        for stmt in stmts {
            self.stmt(stmt)?;
        }
        Ok(())
    }

    fn stmt(&mut self, stmt: &Stmt) -> Result<(), ProfileError> {
        match &stmt.kind {
            StmtKind::Include { optional, target } => {
                let path = self.include_path(target)?;
                self.include(path, *optional, stmt.span)?;
            }
            StmtKind::Set { name, value } => {
                let v = self.vars.expand(value, self.sources)?;
                self.vars.set(&name.value, v);
            }
            StmtKind::Rule {
                kind,
                access,
                target,
            } => {
                let rights = access
                    .iter()
                    .fold(FsAccess::empty(), |acc, w| acc | access::rights(w.value));
                match target {
                    RuleTarget::Paths(words) => {
                        for word in words {
                            let pattern = self.pattern(word)?;
                            self.layer.fs_rules.push(FsRule {
                                kind: *kind,
                                access: rights,
                                pattern,
                                span: stmt.span,
                            });
                        }
                    }
                    RuleTarget::Tcp { op, ports } => {
                        for p in ports {
                            let rule = NetRule {
                                kind: *kind,
                                access: net_access(*op),
                                ports: p.value,
                                span: stmt.span,
                            };
                            self.layer.net_rules.push(rule);
                        }
                    }
                }
            }
            StmtKind::Isolate(words) => {
                for w in words {
                    self.layer.scopes |= match w.value {
                        ScopeWord::Signals => Scopes::SIGNAL,
                        ScopeWord::AbstractUnix => Scopes::ABSTRACT_UNIX_SOCKET,
                    };
                }
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let branch = if self.cond(cond)? { then } else { otherwise };
                self.stmts(branch)?;
            }
            StmtKind::RequireAbi(n) => {
                let stricter = self.layer.require_abi.is_none_or(|(old, _)| n.value > old);
                if stricter {
                    self.layer.require_abi = Some((n.value, n.span));
                }
            }
            StmtKind::Compat(mode) => {
                self.layer.compat = match mode.value {
                    CompatMode::Strict => Compat::Strict,
                    CompatMode::BestEffort => Compat::BestEffort,
                };
            }
            StmtKind::Env(action) => self.env(action)?,
            StmtKind::Dbus(entries) => self.layer.dbus.extend(entries.iter().cloned()),
            StmtKind::Mkdir(words) => {
                for word in words {
                    let dir = self.directory(word)?;
                    self.layer.mkdirs.push((dir, stmt.span));
                }
            }
        }
        Ok(())
    }

    fn include_path(&self, target: &IncludeTarget) -> Result<PathBuf, ProfileError> {
        Ok(match target {
            IncludeTarget::Search(name) => match self.ctx.search_path.find(&name.value) {
                Ok(path) => path,
                // A missing `include?` still needs a path to watch: the first directory.
                Err(candidates) => candidates
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| PathBuf::from(&name.value)),
            },
            IncludeTarget::Path(word) => {
                let text = self.vars.expand_path(word, self.sources)?;
                let base = self
                    .dirs
                    .last()
                    .map(PathBuf::as_path)
                    .unwrap_or(Path::new("/"));
                base.join(text)
            }
        })
    }

    fn cond(&self, cond: &Cond) -> Result<bool, ProfileError> {
        Ok(match cond {
            Cond::Exists(word) => Path::new(&self.vars.expand_path(word, self.sources)?).exists(),
            Cond::Env(name) => self
                .ctx
                .env
                .get(std::ffi::OsStr::new(&name.value))
                .is_some_and(|v| !v.is_empty()),
            Cond::Abi(op, n) => compare(*op, self.ctx.abi, n.value),
            Cond::Not(inner) => !self.cond(inner)?,
        })
    }

    fn env(&mut self, action: &EnvAction) -> Result<(), ProfileError> {
        let names = |words: &[Word]| words.iter().map(|w| w.text.clone()).collect::<Vec<_>>();
        match action {
            EnvAction::Keep(words) => self.layer.env.push(EnvStep::Keep(names(words))),
            EnvAction::Unset(words) => self.layer.env.push(EnvStep::Unset(names(words))),
            EnvAction::Set(pairs) => {
                for (name, value) in pairs {
                    let v = self.vars.expand(value, self.sources)?;
                    self.layer
                        .env
                        .push(EnvStep::Set(name.value.clone().into(), v.into()));
                }
            }
        }
        Ok(())
    }

    /// A `mkdir` operand: a pattern without wildcards, checked and resolved as one.
    fn directory(&mut self, word: &Word) -> Result<PathBuf, ProfileError> {
        let pattern = self.pattern(word)?;
        if pattern.is_glob() {
            return Err(Diagnostic::new(
                word.span,
                format!("`mkdir {}` names no single directory", word.text),
            )
            .with_hint("write the directory itself, without `*`, `?`, `[…]` or `{a,b}`")
            .into());
        }
        Ok(PathBuf::from(pattern.text()))
    }

    /// Expands and checks one pattern, and resolves symlinks in its literal prefix.
    fn pattern(&mut self, word: &Word) -> Result<Pattern, ProfileError> {
        let text = self.vars.expand_path(word, self.sources)?;
        let pattern = Pattern::parse(&text).map_err(|e| pattern_error(e, word, &text))?;
        let prefix = pattern.literal_prefix();
        if is_proc_self(&prefix) {
            return Err(Diagnostic::new(word.span, format!("`{text}` names llrun's own process, not the sandboxed one"))
                .with_hint("Landlock rules attach to inodes when llrun starts; allow `/proc` (or a narrower glob such as `/proc/*/status`) instead")
                .into());
        }
        let canonical = self.paths.canonical(&prefix);
        Ok(if canonical == prefix {
            pattern
        } else {
            pattern.with_literal_prefix(&canonical)
        })
    }
}

fn pattern_error(e: PatternError, word: &Word, text: &str) -> Diagnostic {
    let hint = match &e {
        PatternError::NotAbsolute(_) => {
            if text.starts_with('$') || word.text.contains("${") {
                format!(
                    "`{}` expanded to `{text}`; patterns must start with `/` (or `~/`)",
                    word.text
                )
            } else {
                "patterns start with `/`, `~/` or a variable holding an absolute path, e.g. `${CWD}/build`".into()
            }
        }
        PatternError::DotComponent(..) => "write the path without `.` or `..` components".into(),
        PatternError::SlashInAlternatives(_) => "write one pattern per alternative instead".into(),
        PatternError::BadGlob { .. } => {
            "globs use `*`, `?`, `[…]`, `{a,b}` within a component and `**` as a whole component"
                .into()
        }
    };
    Diagnostic::new(word.span, e.to_string()).with_hint(hint)
}

fn is_proc_self(prefix: &str) -> bool {
    let Some(rest) = prefix.strip_prefix("/proc/") else {
        return false;
    };
    let first = rest.split('/').next().unwrap_or_default();
    first == "self" || first == "thread-self" || first == std::process::id().to_string()
}

fn compare(op: CmpOp, have: u32, want: u32) -> bool {
    match op {
        CmpOp::Ge => have >= want,
        CmpOp::Gt => have > want,
        CmpOp::Le => have <= want,
        CmpOp::Lt => have < want,
        CmpOp::Eq => have == want,
        CmpOp::Ne => have != want,
    }
}
