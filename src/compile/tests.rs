//! The carve against the profile's own decision function, on real directory trees.
//!
//! Property: for every existing path and every right, if a compiled rule grants it then the
//! profile allows it (never widened); and where the profile allows it and it is not granted,
//! the compiler reported a narrowing covering that path.

use super::carve::{Why, carve};
use crate::policy::RuleKind;
use crate::policy::pattern::Pattern;
use crate::policy::{FsRule, Layer};
use crate::source::{FileId, Span};
use llrun_kernel::FsAccess;
use std::path::{Path, PathBuf};

fn rule(kind: RuleKind, access: FsAccess, pattern: &str) -> FsRule {
    FsRule {
        kind,
        access,
        pattern: Pattern::parse(pattern).unwrap(),
        span: Span {
            file: FileId(0),
            start: 0,
            end: 0,
        },
    }
}

fn layer(rules: Vec<FsRule>) -> Layer {
    Layer {
        fs_rules: rules,
        ..Layer::default()
    }
}

pub(crate) fn all_paths(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        if out[i].is_dir() && !out[i].is_symlink() {
            let mut kids: Vec<PathBuf> = std::fs::read_dir(&out[i])
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .collect();
            kids.sort();
            out.extend(kids);
        }
        i += 1;
    }
    out
}

pub(crate) fn granted(
    rules: &[llrun_kernel::landlock::PathRule],
    path: &str,
    right: FsAccess,
) -> bool {
    rules.iter().any(|r| {
        let root = r.path.to_string_lossy();
        r.access.contains(right) && (path == root || path.starts_with(&format!("{root}/")))
    })
}

/// Checks the property on every path under `root`.
fn check(l: &Layer, root: &Path) {
    let c = carve(l, FsAccess::all()).unwrap();
    for p in all_paths(root) {
        let path = p.to_string_lossy();
        // A right only means something on the kind of file it applies to.
        let relevant = if p.is_dir() {
            FsAccess::DIR_SELF
        } else {
            FsAccess::FILE
        };
        for right in relevant.iter() {
            let allow = l.decide(right, &path).kind == RuleKind::Allow;
            let kernel = granted(&c.rules, &path, right);
            assert!(
                !kernel || allow,
                "WIDENED: {path} {right:?} granted but profile says {:?}",
                l.decide(right, &path).kind
            );
            if allow && !kernel {
                let reported = c.narrowed.iter().any(|n| {
                    n.rights.contains(right) && path.starts_with(&*n.path.to_string_lossy())
                });
                assert!(reported, "silently narrowed: {path} {right:?}");
            }
        }
    }
}

#[test]
fn carve_grants_siblings_and_reports_the_parent() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().canonicalize().unwrap();
    for d in ["home/.ssh", "home/docs", "home/music"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("home/notes"), "x").unwrap();
    let r = root.display();
    let read = FsAccess::READ_FILE | FsAccess::READ_DIR;
    let l = layer(vec![
        rule(RuleKind::Allow, read, &format!("{r}/home")),
        rule(RuleKind::Deny, FsAccess::all(), &format!("{r}/home/.ssh")),
    ]);
    let c = carve(&l, FsAccess::all()).unwrap();
    let paths: Vec<String> = c
        .rules
        .iter()
        .map(|r| r.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(paths, ["docs", "music", "notes"]);
    assert_eq!(
        c.rules[2].access,
        FsAccess::READ_FILE,
        "a file rule carries only file rights"
    );
    assert_eq!(c.narrowed.len(), 1);
    assert_eq!(c.narrowed[0].why, Why::Carved);
    assert_eq!(c.narrowed[0].path, root.join("home"));
    check(&l, &root);
}

#[test]
fn uniform_subtrees_get_one_rule() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("a/b/c")).unwrap();
    let r = root.display();
    let l = layer(vec![
        rule(RuleKind::Allow, FsAccess::READ_FILE, &format!("{r}/a")),
        rule(RuleKind::Allow, FsAccess::READ_FILE, &format!("{r}/a/b")),
        rule(RuleKind::Deny, FsAccess::WRITE_FILE, &format!("{r}/a/b/c")),
    ]);
    let c = carve(&l, FsAccess::all()).unwrap();
    assert_eq!(c.rules.len(), 1, "{:?}", c.rules);
    assert!(c.narrowed.is_empty());
}

/// A small deterministic generator, so that failures reproduce.
pub(crate) struct Rng(pub u64);
impl Rng {
    pub(crate) fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// A random tree of files and directories in a new temporary directory, and a random layer of
/// 1-5 rules (allow, deny, ask; literal names and globs) over it.
pub(crate) fn random_case(rng: &mut Rng) -> (tempfile::TempDir, PathBuf, Layer) {
    let names = ["a", "b", "c", ".s", "k.key"];
    let kinds = [RuleKind::Allow, RuleKind::Deny, RuleKind::Ask];
    let rights = [
        FsAccess::READ_FILE | FsAccess::READ_DIR,
        FsAccess::WRITE_FILE,
        FsAccess::all(),
        FsAccess::MAKE_REG,
    ];
    let t = tempfile::tempdir().unwrap();
    let root = t.path().canonicalize().unwrap();
    for _ in 0..12 {
        let depth = 1 + rng.next(3);
        let rel: Vec<&str> = (0..depth).map(|_| names[rng.next(names.len())]).collect();
        let p = root.join(rel.join("/"));
        if rng.next(2) == 0 {
            let _ = std::fs::create_dir_all(&p);
        } else if let Some(parent) = p.parent() {
            let _ = std::fs::create_dir_all(parent);
            let _ = std::fs::write(&p, "x");
        }
    }
    let mut rules = Vec::new();
    for _ in 0..1 + rng.next(5) {
        let depth = rng.next(3);
        let mut pat = root.display().to_string();
        for _ in 0..depth {
            let comp = match rng.next(6) {
                0 => "*",
                1 => "**",
                2 => "*.key",
                _ => names[rng.next(names.len())],
            };
            pat.push('/');
            pat.push_str(comp);
        }
        rules.push(rule(
            kinds[rng.next(3)],
            rights[rng.next(rights.len())],
            &pat,
        ));
    }
    (t, root, layer(rules))
}

#[test]
fn random_profiles_never_widen() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _case in 0..200 {
        let (_t, root, layer) = random_case(&mut rng);
        check(&layer, &root);
    }
}
