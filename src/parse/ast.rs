//! The syntax tree of one `.llp` file, as written: nothing is expanded, looked up or checked
//! against the system yet. That is the resolver's job; this stage only guarantees that every
//! statement is well-formed and every keyword and access word is known. The rule vocabulary in
//! the tree (rule kinds, access words, network operations, port ranges) is `policy`'s: the tree
//! only says where each was written.

use crate::policy::{AccessWord, NetOp, PortRange, RuleKind};
use crate::source::Span;

/// A value with the place it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// One word of a statement: a pattern, a variable value, an include path. `text` is unquoted and
/// unescaped but `${VARS}` and a leading `~` are still unexpanded; `literal_dollars` records
/// byte offsets in `text` of `$` that came from a `\$` escape and must not start a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub quoted: bool,
    pub literal_dollars: Vec<usize>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleTarget {
    Paths(Vec<Word>),
    /// `connect tcp PORTS` / `bind tcp PORTS`; ports are validated (1–65535, first <= last).
    Tcp {
        op: NetOp,
        ports: Vec<Spanned<PortRange>>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncludeTarget {
    /// `<name>`: searched on the profile path as `name.llp`.
    Search(Spanned<String>),
    /// `"path"`: relative to the including file.
    Path(Word),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeWord {
    Signals,
    AbstractUnix,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompatMode {
    Strict,
    BestEffort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
    Ne,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    Exists(Word),
    Env(Spanned<String>),
    Abi(CmpOp, Spanned<u32>),
    Not(Box<Cond>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvAction {
    /// Names or globs such as `LC_*`.
    Keep(Vec<Word>),
    Unset(Vec<Word>),
    /// `NAME=VALUE` pairs; the value is expanded by the resolver.
    Set(Vec<(Spanned<String>, Word)>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StmtKind {
    Include {
        optional: bool,
        target: IncludeTarget,
    },
    Set {
        name: Spanned<String>,
        value: Word,
    },
    Rule {
        kind: RuleKind,
        access: Vec<Spanned<AccessWord>>,
        target: RuleTarget,
    },
    Isolate(Vec<Spanned<ScopeWord>>),
    If {
        cond: Cond,
        then: Vec<Stmt>,
        otherwise: Vec<Stmt>,
    },
    RequireAbi(Spanned<u32>),
    Compat(Spanned<CompatMode>),
    Env(EnvAction),
    /// Directories llrun creates (with their parents, owner-only) before the program starts.
    Mkdir(Vec<Word>),
    /// `dbus VERB ENTRY…`: names (or `NAME=RULE`s) on the session bus, checked.
    Dbus(Vec<crate::policy::dbus::DbusRule>),
}

/// A statement and the span of its whole line (the span `explain` reports for a rule): from
/// its first word to its last, across `\` continuations. For an `if`, the `if … {` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

/// A parsed file: its statements in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFile {
    pub stmts: Vec<Stmt>,
}
