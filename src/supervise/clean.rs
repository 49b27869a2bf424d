//! Clean directories: where a name opened relative to a descriptor can be let through without
//! asking the kernel which directory the descriptor is.
//!
//! The fast path decides on a path, and for `openat(dirfd, name)` the directory's path costs a
//! `readlink` of `/proc/PID/fd/N`. Measured under `tar`, whose walk is made of such opens, that
//! one call cost as much as the two seccomp ioctls together: the program's file table and
//! `/proc` are cache-cold after its thousands of `fstatat`s.
//!
//! Most directories need no look at all. Call a path *plain* when the supervisor's verdict on
//! it is what Landlock alone would do (CONTINUE where the static layers grant, refuse where they
//! do not), and call the places where it may differ *special*:
//! - *deep* ones, special with everything beneath them: `ask` patterns (answers only apply
//!   beneath them), globs that `allow` (a match made later has no rule), and allowed paths that
//!   did not exist at start;
//! - *shallow* ones, special themselves and in entries made later, while the entries that had
//!   a rule at start are plain: directories a carve kept the rule off, and hard-linked files.
//!
//! A directory is *clean* when nothing at or above it is special. Every special place ends
//! with a name in `Clean::ends`, so a child of a clean directory whose name is not among them
//! is plain, and clean again if a directory. If every descriptor the program holds is of a
//! clean directory, `openat(fd, name, O_NOFOLLOW)` of such a name can be continued on sight: the
//! kernel does what llrun would decide. `O_NOFOLLOW` matters: a symlink could lead anywhere.
//!
//! That premise is kept by watching every way a directory descriptor comes about. Opens are all
//! trapped (the shortcut is off when reading opens are not), and an open that gives one of an
//! unclean directory *taints* the run, after which every descriptor is looked at as before:
//! - a continued open of a path at or beneath a deep place, or at a shallow one;
//! - a directory that llrun opened for the program (an answer, or a carve's precision);
//! - an `O_PATH` open (Landlock does not check them, so they can name anything) of what is not
//!   known to be clean: through a symlink, with `RESOLVE_*` flags, or to an unclean path;
//! - a directory descriptor inherited at start;
//! - a live edit, since the places were worked out from the profile as it was at start.
//!
//! Descriptors that arrive any other way (`SCM_RIGHTS` from outside, `open_tree`) are not seen,
//! nor is a directory moved into a special place after it was opened.
//! That cannot widen anything: CONTINUE leaves the decision to Landlock, which refuses what the
//! static layers do not grant. Such a program may get `EACCES` where llrun would have asked.

use crate::compile::CompiledLayer;
use crate::compile::carve::Why;
use crate::policy::Layer;
use crate::policy::RuleKind;
use crate::policy::glob::ComponentGlob;
use crate::policy::pattern::{Component, Pattern, split_plain};
use std::sync::atomic::{AtomicBool, Ordering};

type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;

/// The special places of a run, and whether a descriptor of one may have reached the program.
#[derive(Debug, Default)]
pub struct Clean {
    ends: Ends,
    deep: Vec<Pattern>,
    shallow: HashSet<String>,
    /// The premise cannot be kept at all (reading opens are not trapped, or a right the
    /// profile restricts is not enforced by this kernel, so llrun refuses where Landlock lets
    /// through).
    off: bool,
    tainted: AtomicBool,
}

/// The names that special places end with.
#[derive(Debug, Default)]
struct Ends {
    literal: HashSet<String>,
    globs: Vec<ComponentGlob>,
    /// Some place can end with any name (a pattern of only `**`).
    any: bool,
}

impl Ends {
    fn add(&mut self, last: Option<&Component>) {
        match last {
            Some(Component::Literal(l)) => {
                self.literal.insert(l.clone());
            }
            Some(Component::Glob(g)) => self.globs.push((**g).clone()),
            Some(Component::AnyDepth) | None => self.any = true,
        }
    }

    fn matches(&self, name: &str) -> bool {
        self.any || self.literal.contains(name) || self.globs.iter().any(|g| g.is_match(name))
    }
}

impl Clean {
    /// The special places of `layers` as compiled. `sees_every_open`: the filter traps reading
    /// opens too, so that no directory descriptor is made unseen.
    pub fn new(layers: &[Layer], compiled: &[CompiledLayer], sees_every_open: bool) -> Clean {
        let mut clean = Clean {
            off: !sees_every_open || compiled.iter().any(|c| !c.unenforced.is_empty()),
            ..Clean::default()
        };
        let special = |kind: RuleKind, pattern: &Pattern| match kind {
            RuleKind::Ask => true,
            RuleKind::Allow => pattern.is_glob(),
            RuleKind::Deny => false,
        };
        for rule in layers.iter().flat_map(|l| l.fs_rules.iter()) {
            if special(rule.kind, &rule.pattern) {
                clean.ends.add(rule.pattern.last_name());
                clean.deep.push(rule.pattern.clone());
            }
        }
        for n in compiled.iter().flat_map(|c| c.narrowed.iter()) {
            let path = n.path.to_string_lossy();
            match n.why {
                Why::Missing => match Pattern::parse(&crate::policy::pattern::literal(&path)) {
                    Ok(p) => {
                        clean.ends.add(p.last_name());
                        clean.deep.push(p);
                    }
                    Err(_) => clean.off = true,
                },
                Why::Carved | Why::Linked => {
                    // `/` has no name: no `openat` of a name reaches it.
                    if let Some(last) = split_plain(&path).last() {
                        clean.ends.literal.insert(last.to_string());
                    }
                    clean.shallow.insert(path.into_owned());
                }
            }
        }
        clean
    }

    /// Whether descriptors are still taken for clean (not off, not tainted).
    pub fn watching(&self) -> bool {
        !self.off && !self.tainted.load(Ordering::SeqCst)
    }

    /// Whether `openat(fd, name)` with `O_NOFOLLOW` can be continued without looking at `fd`.
    pub fn skips(&self, name: &[u8]) -> bool {
        if !self.watching() {
            return false;
        }
        match std::str::from_utf8(name) {
            Ok("" | "." | "..") | Err(_) => false,
            Ok(name) => !name.contains('/') && !self.ends.matches(name),
        }
    }

    /// A reading open of the absolute `path` (as the kernel resolves it) is being continued:
    /// if it may give a descriptor of an unclean directory, the run is tainted.
    pub fn continued(&self, path: &str) {
        if self.watching() && self.unclean(path) {
            self.taint();
        }
    }

    /// Whether the directory at `path` is special or beneath a deep special place.
    fn unclean(&self, path: &str) -> bool {
        // Every special place ends with a name in `ends`: most paths have none.
        if path != "/" && !split_plain(path).any(|c| self.ends.matches(c)) {
            return false;
        }
        self.shallow.contains(path) || self.deep.iter().any(|p| p.covers(path))
    }

    /// A descriptor of an unclean directory may have reached the program: look at every
    /// descriptor from now on.
    pub fn taint(&self) {
        self.tainted.store(true, Ordering::SeqCst);
    }
}

/// Whether llrun holds a directory descriptor that the program will inherit (one without
/// close-on-exec): it may be of any directory.
pub fn inherits_a_directory() -> bool {
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return true;
    };
    fds.flatten().any(|fd| {
        let name = fd.file_name();
        let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", name.to_string_lossy()));
        let cloexec = info.ok().and_then(|i| {
            let flags = i.lines().find_map(|l| l.strip_prefix("flags:"))?;
            u32::from_str_radix(flags.trim(), 8).ok()
        });
        let inherited = cloexec.is_none_or(|f| f & nix::libc::O_CLOEXEC as u32 == 0);
        inherited && std::fs::metadata(fd.path()).is_ok_and(|m| m.is_dir())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_deep(patterns: &[&str]) -> Clean {
        let mut clean = Clean::default();
        for p in patterns {
            let p = Pattern::parse(p).unwrap();
            clean.ends.add(p.last_name());
            clean.deep.push(p);
        }
        clean
    }

    #[test]
    fn a_name_that_some_special_place_ends_with_is_looked_at() {
        let clean = with_deep(&["/home/u/Documents", "/srv/**/*.key", "/data/x/**"]);
        for name in ["Documents", "a.key", "x"] {
            assert!(!clean.skips(name.as_bytes()), "{name}");
        }
        for name in ["Music", "key", "data"] {
            assert!(clean.skips(name.as_bytes()), "{name}");
        }
        // Only a single plain name can be let through.
        for name in [&b""[..], b".", b"..", b"a/b", b"\xff"] {
            assert!(!clean.skips(name), "{name:?}");
        }
        assert!(!with_deep(&["/**"]).skips(b"anything"));
    }

    #[test]
    fn opening_a_special_place_or_beneath_a_deep_one_taints() {
        for path in [
            "/home/u/Documents",
            "/home/u/Documents/a/b",
            "/srv/k/x.key/y",
        ] {
            let clean = with_deep(&["/home/u/Documents", "/srv/**/*.key"]);
            clean.continued(path);
            assert!(!clean.skips(b"other"), "{path}");
        }
        for path in ["/home/u", "/home/u/Music", "/srv/k", "/", "/x/Documents"] {
            let clean = with_deep(&["/home/u/Documents", "/srv/**/*.key"]);
            clean.continued(path);
            assert!(clean.skips(b"other"), "{path}");
        }
        let mut carved = Clean::default();
        carved.shallow.insert("/".into());
        carved.continued("/");
        assert!(!carved.skips(b"other"));
    }

    #[test]
    fn nothing_is_skipped_when_the_premise_cannot_hold() {
        let clean = Clean {
            off: true,
            ..Clean::default()
        };
        assert!(!clean.skips(b"name"));
    }

    /// The premise of the shortcut, on random trees and profiles compiled for real: beneath a
    /// directory that is not unclean, every entry whose name is not among the ends (those that
    /// exist, and new ones) gets from the profile exactly what Landlock gives it.
    #[test]
    fn beneath_a_clean_directory_every_other_name_is_plain() {
        use crate::compile::tests::{Rng, all_paths, granted, random_case};
        use llrun_kernel::FsAccess;
        const OPEN: FsAccess = FsAccess::READ_FILE
            .union(FsAccess::WRITE_FILE)
            .union(FsAccess::TRUNCATE)
            .union(FsAccess::READ_DIR);
        let kernel = crate::compile::support::Kernel { abi: 7 };
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut checked = 0;
        for _case in 0..300 {
            let (_t, root, layer) = random_case(&mut rng);
            let compiled = crate::compile::compile(&layer, &kernel, None).unwrap();
            let rules = &compiled.plan.path_rules;
            let clean = Clean::new(
                std::slice::from_ref(&layer),
                std::slice::from_ref(&compiled),
                true,
            );
            let dirs = all_paths(&root).into_iter().filter(|p| p.is_dir());
            for dir in dirs.filter(|d| !clean.unclean(&d.to_string_lossy())) {
                let existing = std::fs::read_dir(&dir).unwrap().flatten();
                let names = existing
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .chain(["new".to_string(), "new.key".to_string()]);
                for name in names.filter(|n| !clean.ends.matches(n)) {
                    let child = dir.join(&name);
                    let rights = match std::fs::symlink_metadata(&child) {
                        Ok(m) if m.is_dir() => FsAccess::READ_DIR,
                        Ok(_) => OPEN - FsAccess::READ_DIR,
                        Err(_) => OPEN,
                    };
                    let path = child.to_string_lossy();
                    for right in rights.iter() {
                        let kind = layer.decide(right, &path).kind;
                        let landlock = granted(rules, &path, right);
                        assert!(
                            (kind == RuleKind::Allow) == landlock && kind != RuleKind::Ask,
                            "{path} {right:?}: profile {kind:?}, Landlock {landlock}\n{:?}",
                            layer.fs_rules
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }
}
