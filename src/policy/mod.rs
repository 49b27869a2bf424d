//! The resolved policy of one layer: flat rule lists with every variable expanded, every include
//! inlined and every conditional decided. This is what the resolver produces and what the
//! compiler and `explain` consume; it answers "what does the profile say about (right, path)?".

pub mod access;
pub mod canonical;
pub mod dbus;
pub mod env;
pub mod glob;
pub mod pattern;
pub mod ports;

pub use access::AccessWord;
pub use ports::{NetOp, PortRange};

use crate::source::Span;
use llrun_kernel::{FsAccess, NetAccess, Scopes};
use pattern::{Pattern, Specificity};
use std::ffi::OsString;
use std::path::PathBuf;

/// What a rule does with the access it names. Ordered so that, between equally specific rules,
/// the greater wins: deny > ask > allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleKind {
    Allow,
    Ask,
    Deny,
}

/// The rule keywords, as written in a profile.
pub const RULE_KINDS: &[(&str, RuleKind)] = &[
    ("allow", RuleKind::Allow),
    ("deny", RuleKind::Deny),
    ("ask", RuleKind::Ask),
];

impl RuleKind {
    /// The keyword a profile writes for it.
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::Allow => "allow",
            RuleKind::Ask => "ask",
            RuleKind::Deny => "deny",
        }
    }
}

/// One file-system rule.
#[derive(Debug, Clone)]
pub struct FsRule {
    pub kind: RuleKind,
    pub access: FsAccess,
    pub pattern: Pattern,
    /// The statement that wrote it (`file:line` in explain).
    pub span: Span,
}

/// One TCP port rule.
#[derive(Debug, Clone)]
pub struct NetRule {
    pub kind: RuleKind,
    pub access: NetAccess,
    pub ports: PortRange,
    pub span: Span,
}

/// `compat strict` or `compat best-effort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compat {
    #[default]
    Strict,
    BestEffort,
}

/// One step of the environment policy, in order.
#[derive(Debug, Clone)]
pub enum EnvStep {
    Keep(Vec<String>),
    Unset(Vec<String>),
    Set(OsString, OsString),
}

/// One layer: a `--profile` and everything it includes.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    /// The name or path the user gave.
    pub name: String,
    /// The file that was loaded for it.
    pub path: PathBuf,
    pub fs_rules: Vec<FsRule>,
    pub net_rules: Vec<NetRule>,
    pub scopes: Scopes,
    pub env: Vec<EnvStep>,
    pub compat: Compat,
    pub require_abi: Option<(u32, Span)>,
    /// Directories to create before the program starts (`mkdir`), absolute and glob-free.
    pub mkdirs: Vec<(PathBuf, Span)>,
    /// What the program may do on the session bus (`dbus`); none: no bus at all.
    pub dbus: Vec<dbus::DbusRule>,
    /// Every file of the include graph, including optional includes that do not exist (yet).
    pub files: Vec<PathBuf>,
}

/// What the profile says about one (right, path): the winning kind and the rule, if any.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    pub kind: RuleKind,
    /// `None` when no rule matched and the default (deny) applies.
    pub rule: Option<&'a FsRule>,
}

/// The ordering key of a candidate rule: specificity first, then deny > ask > allow.
pub fn rank(kind: RuleKind, specificity: Specificity) -> (Specificity, RuleKind) {
    (specificity, kind)
}

impl Layer {
    /// The decision for one right on one absolute, normalised path.
    pub fn decide(&self, right: FsAccess, path: &str) -> Decision<'_> {
        let mut best: Option<&FsRule> = None;
        for rule in &self.fs_rules {
            if !rule.access.contains(right) || !rule.pattern.covers(path) {
                continue;
            }
            let better = match best {
                None => true,
                Some(b) => {
                    rank(rule.kind, rule.pattern.specificity())
                        > rank(b.kind, b.pattern.specificity())
                }
            };
            if better {
                best = Some(rule);
            }
        }
        match best {
            Some(rule) => Decision {
                kind: rule.kind,
                rule: Some(rule),
            },
            None => Decision {
                kind: RuleKind::Deny,
                rule: None,
            },
        }
    }

    /// The decision for one network right on one port.
    pub fn decide_port(&self, right: NetAccess, port: u16) -> (RuleKind, Option<&NetRule>) {
        let mut best: Option<&NetRule> = None;
        for rule in &self.net_rules {
            if !rule.access.contains(right) || port < rule.ports.first || port > rule.ports.last {
                continue;
            }
            let better = match best {
                None => true,
                Some(b) => ports::rank(rule) > ports::rank(b),
            };
            if better {
                best = Some(rule);
            }
        }
        (best.map_or(RuleKind::Deny, |r| r.kind), best)
    }
}

/// The Landlock right of a network operation.
pub fn net_access(op: NetOp) -> NetAccess {
    op.access()
}
