//! File-system rules → Landlock path rules, carving denies out of allowed directories.
//!
//! Landlock grants "this right beneath this inode"; a profile says "allow this, deny that
//! beneath it". The walk starts at `/` and, for each right, asks whether everything beneath the
//! current directory gets the same answer from the kernel's point of view (granted or not). If
//! so, one rule (or none) covers it. If not, the directory is *mixed*: no rule can be put on it,
//! and the walk descends into its children instead, granting the siblings of whatever is denied.
//!
//! The test for "uniform" is sound: a directory is only called uniform when no rule that could
//! match beneath it can change the winner. So a carve can only lose precision (narrow), never
//! grant what the profile denies (widen). What is lost is recorded as a [`Narrowing`].

use crate::policy::RuleKind;
use crate::policy::pattern::States;
use crate::policy::{FsRule, Layer, rank};
use crate::source::Span;
use llrun_kernel::FsAccess;
use llrun_kernel::landlock::PathRule;
use std::path::{Path, PathBuf};

/// The most directory entries a carve may visit before it gives up (a `**` deny under a large
/// allowed tree would otherwise walk the whole disk at every start).
pub const MAX_VISITS: usize = 200_000;

/// A place where the kernel will deny something the profile allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Narrowing {
    pub path: PathBuf,
    pub rights: FsAccess,
    pub why: Why,
    /// The rule whose carve caused it (or that allowed a missing path).
    pub rule: Option<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// A deny (or ask) beneath kept the rule off this directory: the rights on the directory
    /// itself (listing, adding and removing entries) and on entries created later are lost.
    Carved,
    /// The path did not exist when the rules were built, so no rule could be attached to it.
    Missing,
    /// A file with other names (hard links): Landlock attaches a rule to the inode, so the rule
    /// would also grant it under its other names, which may be denied. No rule is given.
    Linked,
}

/// Why a carve could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CarveError {
    #[error("carving around `{pattern}` needs to visit more than {MAX_VISITS} files beneath {}", .dir.display())]
    TooLarge {
        pattern: String,
        dir: PathBuf,
        rule: Span,
    },
}

/// The result of carving one layer.
#[derive(Debug, Default)]
pub struct Carved {
    pub rules: Vec<PathRule>,
    pub narrowed: Vec<Narrowing>,
}

/// Where one rule stands at the current directory.
#[derive(Clone, Copy)]
struct Tracked<'a> {
    rule: &'a FsRule,
    /// Matched this directory or an ancestor: it applies to the whole subtree.
    covers: bool,
    /// Otherwise, where its pattern is in the walk.
    states: States,
}

/// Every rule at its starting point, `/`.
fn track<'a>(rules: impl Iterator<Item = &'a FsRule>) -> Vec<Tracked<'a>> {
    rules
        .map(|rule| {
            let states = rule.pattern.start();
            Tracked {
                rule,
                covers: rule.pattern.accepts(states),
                states,
            }
        })
        .collect()
}

/// Computes the path rules of one layer for the rights in `handled`.
pub fn carve(layer: &Layer, handled: FsAccess) -> Result<Carved, CarveError> {
    let tracked: Vec<Tracked> = track(
        layer
            .fs_rules
            .iter()
            .filter(|r| r.access.intersects(handled)),
    );
    let mut walk = Walk {
        out: Carved::default(),
        visits: 0,
    };
    walk.node(Path::new("/"), Kind::Dir, &tracked, handled)?;
    Ok(walk.out)
}

/// The rights the layer grants on every path (a rule at `/` with nothing beneath taking it
/// away); every other right is restricted by the profile.
pub fn granted_everywhere(layer: &Layer) -> FsAccess {
    let tracked = track(layer.fs_rules.iter());
    FsAccess::all()
        .iter()
        .filter(|r| {
            let v = verdict(&tracked, *r);
            v.granted && !v.mixed
        })
        .fold(FsAccess::empty(), |a, r| a | r)
}

struct Walk {
    out: Carved,
    visits: usize,
}

/// What one right looks like at one directory.
struct Verdict<'a> {
    granted: bool,
    mixed: bool,
    /// A rule that makes the subtree mixed (for the report).
    cause: Option<&'a FsRule>,
}

fn granted(kind: RuleKind) -> bool {
    kind == RuleKind::Allow
}

fn verdict<'a>(rules: &[Tracked<'a>], right: FsAccess) -> Verdict<'a> {
    let winner = rules
        .iter()
        .filter(|t| t.covers && t.rule.access.contains(right))
        .map(|t| t.rule)
        .fold(None::<&FsRule>, |best, r| match best {
            Some(b)
                if rank(r.kind, r.pattern.specificity())
                    <= rank(b.kind, b.pattern.specificity()) =>
            {
                Some(b)
            }
            _ => Some(r),
        });
    let now = winner.is_some_and(|w| granted(w.kind));
    let cause = rules
        .iter()
        .filter(|t| !t.covers && t.rule.access.contains(right) && granted(t.rule.kind) != now)
        .map(|t| t.rule)
        .find(|r| {
            winner.is_none_or(|w| {
                rank(r.kind, r.pattern.specificity()) > rank(w.kind, w.pattern.specificity())
            })
        });
    Verdict {
        granted: now,
        mixed: cause.is_some(),
        cause,
    }
}

/// Whether the file at `path` has more than one name. Unknown counts as yes: never widen.
fn has_other_names(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path).map_or(true, |m| m.nlink() > 1)
}

/// What a path is, as far as carving cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Dir,
    Symlink,
    /// Anything else that exists: a rule on it covers only itself.
    File,
    Missing,
}

impl Kind {
    fn of(file_type: std::io::Result<std::fs::FileType>) -> Kind {
        match file_type {
            Ok(t) if t.is_dir() => Kind::Dir,
            Ok(t) if t.is_symlink() => Kind::Symlink,
            Ok(_) => Kind::File,
            Err(_) => Kind::Missing,
        }
    }
}

/// A directory entry to visit, with its kind if already known.
type Child = (String, Option<Kind>);

impl Walk {
    /// Visits `path` for the rights in `open` (those no ancestor rule has settled).
    fn node(
        &mut self,
        path: &Path,
        kind: Kind,
        rules: &[Tracked],
        open: FsAccess,
    ) -> Result<(), CarveError> {
        let mut grant = FsAccess::empty();
        let mut mixed = FsAccess::empty();
        let mut cause = None;
        for right in open.iter() {
            let v = verdict(rules, right);
            if v.mixed {
                mixed |= right;
                cause = cause.or(v.cause);
            } else if v.granted {
                grant |= right;
            }
        }
        if kind == Kind::Missing {
            self.missing(path, rules, grant | mixed);
            return Ok(());
        }
        if kind == Kind::File {
            // A file has nothing beneath it: its own decision is all that matters.
            let own = mixed
                .iter()
                .filter(|r| verdict(rules, *r).granted)
                .fold(grant, |a, r| a | r)
                & FsAccess::FILE;
            if !own.is_empty() && has_other_names(path) {
                self.out.narrowed.push(Narrowing {
                    path: path.to_path_buf(),
                    rights: own,
                    why: Why::Linked,
                    rule: cause.map(|r| r.span),
                });
                return Ok(());
            }
            self.emit(path, own);
            return Ok(());
        }
        self.emit(path, grant);
        if mixed.is_empty() {
            return Ok(());
        }
        let allowed_here = mixed
            .iter()
            .filter(|r| verdict(rules, *r).granted)
            .fold(FsAccess::empty(), |a, r| a | r);
        if !allowed_here.is_empty() {
            self.out.narrowed.push(Narrowing {
                path: path.to_path_buf(),
                rights: allowed_here,
                why: Why::Carved,
                rule: cause.map(|r| r.span),
            });
        }
        self.children(path, rules, mixed, !allowed_here.is_empty(), cause)
    }

    fn children(
        &mut self,
        path: &Path,
        rules: &[Tracked],
        mixed: FsAccess,
        list_all: bool,
        cause: Option<&FsRule>,
    ) -> Result<(), CarveError> {
        let names = match (list_all, literal_children(rules)) {
            (false, Some(names)) => names,
            _ => self.list(path, cause)?,
        };
        for (name, known) in names {
            let child = path.join(&name);
            let kind = match known {
                Some(kind) => kind,
                None => Kind::of(std::fs::symlink_metadata(&child).map(|m| m.file_type())),
            };
            if kind == Kind::Symlink {
                // A symlink is decided where it points; a rule on it would follow it.
                continue;
            }
            let next: Vec<Tracked> = rules
                .iter()
                .filter_map(|t| {
                    if t.covers {
                        return Some(*t);
                    }
                    let states = t.rule.pattern.step(t.states, &name);
                    let covers = t.rule.pattern.accepts(states);
                    (covers || t.rule.pattern.can_continue(states)).then_some(Tracked {
                        rule: t.rule,
                        covers,
                        states,
                    })
                })
                .collect();
            self.node(&child, kind, &next, mixed)?;
        }
        Ok(())
    }

    /// Every entry of a mixed directory, with its kind when the directory listing tells it
    /// (most file systems do, which saves a `stat` per entry).
    fn list(&mut self, path: &Path, cause: Option<&FsRule>) -> Result<Vec<Child>, CarveError> {
        let Ok(entries) = std::fs::read_dir(path) else {
            return Ok(Vec::new());
        };
        let mut names = Vec::new();
        for entry in entries.flatten() {
            self.visits += 1;
            if self.visits > MAX_VISITS {
                return Err(CarveError::TooLarge {
                    pattern: cause
                        .map(|r| r.pattern.text().to_string())
                        .unwrap_or_default(),
                    dir: path.to_path_buf(),
                    rule: cause.map_or(
                        Span {
                            file: crate::source::FileId(0),
                            start: 0,
                            end: 0,
                        },
                        |r| r.span,
                    ),
                });
            }
            if let Some(name) = entry.file_name().to_str() {
                names.push((
                    name.to_string(),
                    entry.file_type().ok().map(|t| Kind::of(Ok(t))),
                ));
            }
        }
        names.sort_unstable();
        Ok(names)
    }

    fn emit(&mut self, path: &Path, access: FsAccess) {
        if !access.is_empty() {
            self.out.rules.push(PathRule {
                path: path.to_path_buf(),
                access,
            });
        }
    }

    fn missing(&mut self, path: &Path, rules: &[Tracked], rights: FsAccess) {
        let allowed = rights
            .iter()
            .filter(|r| verdict(rules, *r).granted || verdict(rules, *r).mixed)
            .fold(FsAccess::empty(), |a, r| a | r);
        if !allowed.is_empty() {
            let rule = rules
                .iter()
                .find(|t| granted(t.rule.kind))
                .map(|t| t.rule.span);
            self.out.narrowed.push(Narrowing {
                path: path.to_path_buf(),
                rights: allowed,
                why: Why::Missing,
                rule,
            });
        }
    }
}

/// The names the pending rules can match next, if they are all literal; `None` if some rule
/// has a wildcard next (the directory must then be listed).
fn literal_children(rules: &[Tracked]) -> Option<Vec<Child>> {
    let mut names: Vec<Child> = Vec::new();
    for t in rules.iter().filter(|t| !t.covers) {
        for n in t.rule.pattern.next_literals(t.states)? {
            names.push((n.to_string(), None));
        }
    }
    names.sort_unstable();
    names.dedup();
    Some(names)
}
