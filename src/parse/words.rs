//! The fixed vocabulary of the language, as tables: each table is both the lookup for parsing
//! and the candidate list for "did you mean", so the two can never disagree.

use super::ast::{AccessWord, CmpOp, CompatMode, NetOp, ScopeWord};
use crate::diag::did_you_mean;
use llrun_kernel::FsAccess;

/// Words that start a statement (`}` and `} else {` are handled as block structure).
pub const KEYWORDS: &[&str] = &[
    "include", "include?", "set", "allow", "deny", "ask", "isolate", "if", "require", "compat",
    "env", "mkdir",
];

pub const ACCESS: &[(&str, AccessWord)] = &[
    ("read", AccessWord::Read),
    ("list", AccessWord::List),
    ("write", AccessWord::Write),
    ("exec", AccessWord::Exec),
    ("create", AccessWord::Create),
    ("delete", AccessWord::Delete),
    ("truncate", AccessWord::Truncate),
    ("ioctl", AccessWord::Ioctl),
    ("rw", AccessWord::Rw),
    ("all", AccessWord::All),
];

/// The raw Landlock rights, `fs.` and the kernel's name in lowercase. Spelled out (rather than
/// derived from `FsAccess` names) so that the language does not change when the kernel crate
/// renames a constant; a unit test keeps the two in step.
pub const RAW: &[(&str, FsAccess)] = &[
    ("fs.execute", FsAccess::EXECUTE),
    ("fs.write_file", FsAccess::WRITE_FILE),
    ("fs.read_file", FsAccess::READ_FILE),
    ("fs.read_dir", FsAccess::READ_DIR),
    ("fs.remove_dir", FsAccess::REMOVE_DIR),
    ("fs.remove_file", FsAccess::REMOVE_FILE),
    ("fs.make_char", FsAccess::MAKE_CHAR),
    ("fs.make_dir", FsAccess::MAKE_DIR),
    ("fs.make_reg", FsAccess::MAKE_REG),
    ("fs.make_sock", FsAccess::MAKE_SOCK),
    ("fs.make_fifo", FsAccess::MAKE_FIFO),
    ("fs.make_block", FsAccess::MAKE_BLOCK),
    ("fs.make_sym", FsAccess::MAKE_SYM),
    ("fs.refer", FsAccess::REFER),
    ("fs.truncate", FsAccess::TRUNCATE),
    ("fs.ioctl_dev", FsAccess::IOCTL_DEV),
];

pub const NET_OPS: &[(&str, NetOp)] = &[("connect", NetOp::Connect), ("bind", NetOp::Bind)];

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

/// Whether an access word grants exec (`exec`, `all`, `fs.execute`), which `ask` cannot.
pub fn includes_exec(word: AccessWord) -> bool {
    match word {
        AccessWord::Exec | AccessWord::All => true,
        AccessWord::Raw(bits) => bits & FsAccess::EXECUTE.bits() != 0,
        _ => false,
    }
}
