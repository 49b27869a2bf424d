//! The access words of the language and what each means in Landlock rights
//! (docs/language.md, "Access words"). This is their one home: the parser looks words up in
//! [`WORDS`] and [`RAW`] (which are also its "did you mean" candidates), the resolver turns them
//! into rights with [`rights`], and `--access` and the supervisor's answers read and write them
//! through [`word`] and [`describe`].

use llrun_kernel::FsAccess;

/// One access word: a known word, a group, or a raw `fs.NAME` right (already validated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessWord {
    Read,
    List,
    Write,
    Exec,
    Create,
    Delete,
    Truncate,
    Ioctl,
    Rw,
    All,
    /// A raw right, as its `llrun_kernel::FsAccess` bits.
    Raw(u64),
}

/// `create`: every way to make a new entry, plus `refer` so that files can be moved in.
const CREATE: FsAccess = FsAccess::MAKE_REG
    .union(FsAccess::MAKE_DIR)
    .union(FsAccess::MAKE_SYM)
    .union(FsAccess::MAKE_SOCK)
    .union(FsAccess::MAKE_FIFO)
    .union(FsAccess::REFER);

const READ: FsAccess = FsAccess::READ_FILE.union(FsAccess::READ_DIR);
const DELETE: FsAccess = FsAccess::REMOVE_FILE.union(FsAccess::REMOVE_DIR);
const RW: FsAccess = READ
    .union(FsAccess::WRITE_FILE)
    .union(CREATE)
    .union(DELETE)
    .union(FsAccess::TRUNCATE);

/// The Landlock rights of one access word.
pub fn rights(word: AccessWord) -> FsAccess {
    match word {
        AccessWord::Read => READ,
        AccessWord::List => FsAccess::READ_DIR,
        AccessWord::Write => FsAccess::WRITE_FILE,
        AccessWord::Exec => FsAccess::EXECUTE,
        AccessWord::Create => CREATE,
        AccessWord::Delete => DELETE,
        AccessWord::Truncate => FsAccess::TRUNCATE,
        AccessWord::Ioctl => FsAccess::IOCTL_DEV,
        AccessWord::Rw => RW,
        AccessWord::All => FsAccess::all(),
        AccessWord::Raw(bits) => FsAccess::from_bits_truncate(bits),
    }
}

/// The access words and their meaning, for parsing and for "did you mean".
pub const WORDS: &[(&str, AccessWord)] = &[
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
    ("fs.resolve_unix", FsAccess::RESOLVE_UNIX),
];

/// One access word or raw `fs.NAME` right, spelled exactly so.
pub fn word(text: &str) -> Option<AccessWord> {
    if text.starts_with("fs.") {
        return RAW
            .iter()
            .find(|(w, _)| *w == text)
            .map(|(_, b)| AccessWord::Raw(b.bits()));
    }
    WORDS.iter().find(|(w, _)| *w == text).map(|(_, a)| *a)
}

/// Whether an access word grants exec (`exec`, `all`, `fs.execute`), which `ask` cannot.
pub fn includes_exec(word: AccessWord) -> bool {
    rights(word).contains(FsAccess::EXECUTE)
}

/// A comma-separated list of access words (`read,exec`), as `--access` takes it.
pub fn parse_list(text: &str) -> Result<FsAccess, String> {
    let mut out = FsAccess::empty();
    for w in text.split(',') {
        match word(w) {
            Some(a) => out |= rights(a),
            None => {
                let names: Vec<String> = WORDS
                    .iter()
                    .map(|(w, _)| w.to_string())
                    .chain(
                        FsAccess::all()
                            .names()
                            .map(|n| format!("fs.{}", n.to_lowercase())),
                    )
                    .collect();
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                return Err(format!(
                    "unknown access `{w}`; {}",
                    crate::diag::suggestion(w, &refs)
                ));
            }
        }
    }
    Ok(out)
}

/// The access words that cover `set`, each widened to the whole word (`fs.read_file` is
/// `read`): a person answered about reading a file, and the rule they keep should read as they
/// think. Groups (`rw`, `all`) and words another one holds (`list`, in `read`) are not used;
/// rights that no word holds are named raw (`fs.make_char`).
pub fn widened(set: FsAccess) -> Vec<String> {
    let mut covered = FsAccess::empty();
    let mut out = Vec::new();
    for (name, word) in WORDS {
        if matches!(word, AccessWord::Rw | AccessWord::All) {
            continue;
        }
        let bits = rights(*word);
        if bits.intersects(set) && !covered.contains(bits & set) {
            out.push((*name).to_string());
            covered |= bits;
        }
    }
    let rest = set - covered;
    if !rest.is_empty() {
        out.push(raw_name(rest));
    }
    out
}

/// The profile-language name of one right (`fs.read_file`).
pub fn raw_name(right: FsAccess) -> String {
    right
        .names()
        .map(|n| format!("fs.{}", n.to_lowercase()))
        .collect::<Vec<_>>()
        .join(",")
}

/// A short human description of a set of rights, using the access words where they fit exactly.
pub fn describe(set: FsAccess) -> String {
    if set == FsAccess::all() {
        return "all".into();
    }
    let mut rest = set;
    let mut words = Vec::new();
    for (word, bits) in [
        ("rw", RW),
        ("read", READ),
        ("create", CREATE),
        ("delete", DELETE),
        ("list", FsAccess::READ_DIR),
        ("write", FsAccess::WRITE_FILE),
        ("exec", FsAccess::EXECUTE),
        ("truncate", FsAccess::TRUNCATE),
        ("ioctl", FsAccess::IOCTL_DEV),
        ("connect", FsAccess::RESOLVE_UNIX),
    ] {
        if rest.contains(bits) && !bits.is_empty() {
            words.push(word.to_string());
            rest.remove(bits);
        }
    }
    if !rest.is_empty() {
        words.push(raw_name(rest));
    }
    if words.is_empty() {
        "nothing".into()
    } else {
        words.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_sets_with_words() {
        assert_eq!(describe(rights(AccessWord::Rw)), "rw");
        assert_eq!(describe(READ | FsAccess::EXECUTE), "read,exec");
        assert_eq!(describe(FsAccess::MAKE_REG), "fs.make_reg");
        assert_eq!(describe(FsAccess::all()), "all");
    }

    #[test]
    fn widens_rights_to_whole_words() {
        assert_eq!(widened(FsAccess::READ_FILE), ["read"]);
        assert_eq!(widened(FsAccess::READ_DIR), ["read"]);
        let make = FsAccess::MAKE_REG | FsAccess::WRITE_FILE | FsAccess::MAKE_CHAR;
        assert_eq!(widened(make), ["write", "create", "fs.make_char"]);
    }
}
