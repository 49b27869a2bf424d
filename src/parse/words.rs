//! The fixed vocabulary of the language, as tables: each table is both the lookup for parsing
//! and the candidate list for "did you mean", so the two can never disagree. The rule
//! vocabulary (rule kinds, access words, network operations) lives in `policy` and is only
//! re-exported here.

use super::ast::{CmpOp, CompatMode, ScopeWord};
use crate::diag::did_you_mean;

/// The rule vocabulary is `policy`'s; it is named here so that the parser has one place to
/// look words up.
pub use crate::policy::RULE_KINDS;
pub use crate::policy::access::{RAW, WORDS as ACCESS};
pub use crate::policy::ports::NET_OPS;

/// Words that start a statement (`}` and `} else {` are handled as block structure).
pub const KEYWORDS: &[&str] = &[
    "include", "include?", "set", "allow", "deny", "ask", "isolate", "if", "require", "compat",
    "env", "mkdir", "dbus",
];

pub const SCOPES: &[(&str, ScopeWord)] = &[
    ("signals", ScopeWord::Signals),
    ("abstract-unix", ScopeWord::AbstractUnix),
];

pub const COMPAT: &[(&str, CompatMode)] = &[
    ("strict", CompatMode::Strict),
    ("best-effort", CompatMode::BestEffort),
];

pub const CMP_OPS: &[(&str, CmpOp)] = &[
    (">=", CmpOp::Ge),
    (">", CmpOp::Gt),
    ("<=", CmpOp::Le),
    ("<", CmpOp::Lt),
    ("==", CmpOp::Eq),
    ("!=", CmpOp::Ne),
];

pub const CONDITIONS: &[&str] = &["exists", "env", "abi", "not"];

pub const ENV_ACTIONS: &[&str] = &["keep", "unset", "set"];

/// The value of `word` in `table`, if it is spelled exactly so.
pub fn lookup<T: Copy>(table: &[(&str, T)], word: &str) -> Option<T> {
    table
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, v)| *v)
}

/// The names of a table, for hints.
pub fn names<T>(table: &[(&'static str, T)]) -> Vec<&'static str> {
    table.iter().map(|(name, _)| *name).collect()
}

/// "did you mean `x`?" or the list of what is accepted. Case is ignored when looking for a
/// near miss, since `Allow` for `allow` is the commonest slip and keywords are all lowercase.
pub fn hint(word: &str, candidates: &[&str]) -> String {
    near(word, candidates)
        .unwrap_or_else(|| format!("expected one of: {}", quoted_list(candidates)))
}

/// "did you mean `x`?" when some candidate is close to `word`.
pub fn near(word: &str, candidates: &[&str]) -> Option<String> {
    let lower = word.to_lowercase();
    did_you_mean(&lower, candidates.iter().copied()).map(|c| {
        if c == lower {
            format!("did you mean `{c}`? These words are lowercase")
        } else {
            format!("did you mean `{c}`?")
        }
    })
}

/// `a`, `b`, `c` — for hints that list the accepted words.
pub fn quoted_list(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `s` is a variable name: `[A-Za-z_][A-Za-z0-9_]*` (the grammar's `name`).
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The hint for a malformed name, shared by `${…}`, `set` and `env`.
pub const NAME_HINT: &str =
    "names are letters, digits and `_`, and do not start with a digit, e.g. `APP_DIR`";
