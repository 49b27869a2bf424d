//! One differential case: a file tree, the profile layers over it, and the accesses a program
//! tries. A case reads and prints as a few lines of text, so that a shrunk disagreement can be
//! pasted into a regression test as it is:
//!
//! ```text
//! dir @/a
//! file @/a/x
//! link @/a/s -> @/a/x
//! hardlink @/a/h = @/a/x
//! device @/a/null
//! fifo @/a/p
//! socket @/a/sock
//! layer
//! allow rw @
//! deny read @/a/*
//! answers 3
//! ```
//!
//! `@` stands for the tree's root (a scratch directory). `answers N` salts which asks the
//! scripted client allows (see [`allows`]); `scope run` makes its answers hold for the rest of
//! the run instead of once; `reach relative` makes the program open each path relative to its
//! directory.

use crate::rng::hash;
use std::fmt;

/// One entry of the tree, by its path relative to the root (`@/a/x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir(String),
    File(String),
    /// A symlink to an absolute path in the tree (it may dangle).
    Link {
        at: String,
        to: String,
    },
    /// A second name of an existing file.
    HardLink {
        at: String,
        of: String,
    },
    /// A file that is not a regular file: the kernel opens it differently (`O_TRUNC` does
    /// nothing; a FIFO without a reader or a socket refuses the open after Landlock let it by).
    Special(Special, String),
}

/// The kinds of [`Node::Special`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    /// A character device like `/dev/null` (1:3).
    Device,
    Fifo,
    /// A unix socket's file (its listener gone).
    Socket,
}

impl Special {
    pub const ALL: [Special; 3] = [Special::Device, Special::Fifo, Special::Socket];

    /// Its word in the text form.
    pub fn word(self) -> &'static str {
        match self {
            Special::Device => "device",
            Special::Fifo => "fifo",
            Special::Socket => "socket",
        }
    }
}

impl Node {
    pub fn at(&self) -> &str {
        match self {
            Node::Dir(p) | Node::File(p) | Node::Special(_, p) => p,
            Node::Link { at, .. } | Node::HardLink { at, .. } => at,
        }
    }
}

/// One rule of a layer, its pattern written with `@` for the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub kind: &'static str,
    pub access: &'static str,
    pub pattern: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub nodes: Vec<Node>,
    /// Each a `--profile`; the test adds the rules a program needs to start.
    pub layers: Vec<Vec<Rule>>,
    /// Salts the scripted answers.
    pub answers: u64,
    /// How long an answer holds: `once` (random cases, so that every ask is independent) or
    /// `run` (`scope run` in the text form).
    pub scope: &'static str,
    /// The program reaches each path from its directory: the directory opened `O_PATH`, then
    /// the name opened relative to it, with `O_NOFOLLOW` unless it is a symlink (`reach
    /// relative` in the text form). The kernel must answer as for the whole path; the
    /// supervisor then often decides without reading the directory's path (`clean.rs`).
    pub relative: bool,
}

/// What a program tries on one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Open for reading (without `O_DIRECTORY`: a directory too) and read from it.
    Read,
    /// List a directory.
    List,
    /// Open a file for appending and write to it.
    Write,
    /// Open as a shell's `>` does (`O_WRONLY | O_CREAT | O_TRUNC`): an existing entry of any
    /// kind, or a new file of this path.
    Overwrite,
    /// Create the new file of this name in the directory (`O_CREAT | O_EXCL`).
    Create(String),
    /// Unlink the entry (a file or a symlink).
    Delete,
}

/// One (path, access) pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub access: Access,
    /// Relative to the root, written with `@` (`@` itself is the root).
    pub path: String,
}

impl Case {
    /// Whether some layer asks: then a supervisor runs and the scripted client answers.
    pub fn asks(&self) -> bool {
        self.layers.iter().flatten().any(|r| r.kind == "ask")
    }

    /// Parses the text form (see the module documentation).
    pub fn parse(text: &str) -> Case {
        let mut case = Case {
            nodes: Vec::new(),
            layers: Vec::new(),
            answers: 0,
            scope: "once",
            relative: false,
        };
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
            match word {
                "dir" => case.nodes.push(Node::Dir(rest.into())),
                "file" => case.nodes.push(Node::File(rest.into())),
                "link" => {
                    let (at, to) = rest.split_once(" -> ").expect("link AT -> TO");
                    case.nodes.push(Node::Link {
                        at: at.into(),
                        to: to.into(),
                    });
                }
                "hardlink" => {
                    let (at, of) = rest.split_once(" = ").expect("hardlink AT = OF");
                    case.nodes.push(Node::HardLink {
                        at: at.into(),
                        of: of.into(),
                    });
                }
                "device" | "fifo" | "socket" => {
                    let kind = Special::ALL.into_iter().find(|k| k.word() == word).unwrap();
                    case.nodes.push(Node::Special(kind, rest.into()));
                }
                "layer" => case.layers.push(Vec::new()),
                "answers" => case.answers = rest.parse().expect("answers N"),
                "scope" => case.scope = word_of(rest, &["once", "run"]),
                "reach" => case.relative = word_of(rest, &["absolute", "relative"]) == "relative",
                "allow" | "deny" | "ask" => {
                    let (access, pattern) = rest.split_once(' ').expect("KIND ACCESS PATTERN");
                    case.layers
                        .last_mut()
                        .expect("a rule before `layer`")
                        .push(Rule {
                            kind: word_of(word, &["allow", "deny", "ask"]),
                            access: word_of(access, crate::generate::ACCESS_WORDS),
                            pattern: pattern.into(),
                        });
                }
                _ => panic!("not a case line: {line}"),
            }
        }
        case
    }
}

/// The static word equal to `text` among `words`.
fn word_of(text: &str, words: &[&'static str]) -> &'static str {
    words
        .iter()
        .find(|w| **w == text)
        .unwrap_or_else(|| panic!("unknown word `{text}`"))
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for n in &self.nodes {
            match n {
                Node::Dir(p) => writeln!(f, "dir {p}")?,
                Node::File(p) => writeln!(f, "file {p}")?,
                Node::Link { at, to } => writeln!(f, "link {at} -> {to}")?,
                Node::HardLink { at, of } => writeln!(f, "hardlink {at} = {of}")?,
                Node::Special(kind, p) => writeln!(f, "{} {p}", kind.word())?,
            }
        }
        for layer in &self.layers {
            writeln!(f, "layer")?;
            for r in layer {
                writeln!(f, "{} {} {}", r.kind, r.access, r.pattern)?;
            }
        }
        if self.scope != "once" {
            writeln!(f, "scope {}", self.scope)?;
        }
        if self.relative {
            writeln!(f, "reach relative")?;
        }
        writeln!(f, "answers {}", self.answers)
    }
}

impl Pair {
    /// Parses `read @/a/x`, `overwrite @/a/x`, `create @/a new`, …
    pub fn parse(text: &str) -> Pair {
        let mut words = text.split_whitespace();
        let (verb, path) = (words.next().unwrap(), words.next().unwrap().to_string());
        let access = match verb {
            "read" => Access::Read,
            "list" => Access::List,
            "write" => Access::Write,
            "overwrite" => Access::Overwrite,
            "create" => Access::Create(words.next().expect("create DIR NAME").into()),
            "delete" => Access::Delete,
            _ => panic!("not an access: {text}"),
        };
        Pair { access, path }
    }
}

impl fmt::Display for Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.access {
            Access::Read => write!(f, "read {}", self.path),
            Access::List => write!(f, "list {}", self.path),
            Access::Write => write!(f, "write {}", self.path),
            Access::Overwrite => write!(f, "overwrite {}", self.path),
            Access::Create(name) => write!(f, "create {} {name}", self.path),
            Access::Delete => write!(f, "delete {}", self.path),
        }
    }
}

/// Whether the scripted client allows the ask about `target` (relative to the root, with `@`).
/// A fixed function of the case's salt and the target, so that the prediction knows it.
pub fn allows(salt: u64, target: &str) -> bool {
    hash(&format!("{salt}:{target}")).is_multiple_of(2)
}
