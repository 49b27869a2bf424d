//! Random cases: a small tree of directories, files, devices, FIFOs, sockets, symlinks and hard
//! links with names chosen
//! to make globs collide, and profile layers that allow, deny and ask over it, nested, with
//! `*`, `**`, `?` and `{a,b}`. Then every access that makes sense on every path.

use crate::case::{Access, Case, Node, Pair, Rule, Special};
use crate::rng::Rng;
use std::collections::{BTreeMap, BTreeSet};

/// Few short names, so that `?`, `*` and `{a,b}` match several entries.
pub const NAMES: &[&str] = &["a", "b", "ab", "ba", "x.txt", "y.txt", "xy"];
/// The access words the profiles use (`rw` twice: broad grants make deep nesting).
pub const ACCESS_WORDS: &[&str] = &[
    "read", "write", "create", "delete", "list", "truncate", "rw",
];
const WEIGHTED_ACCESS: &[&str] = &[
    "read", "write", "create", "delete", "list", "truncate", "rw", "rw",
];

pub fn case(rng: &mut Rng) -> Case {
    let nodes = tree(rng);
    let asks = rng.chance(60);
    let layers = if rng.chance(25) { 2 } else { 1 };
    let answers = rng.next() % 1000;
    Case {
        layers: (0..layers).map(|_| layer(rng, &nodes, asks)).collect(),
        nodes,
        answers,
        scope: "once",
        // Half the cases reach each path from its directory (drawn from the salt, so that the
        // fixed seed's cases stay what they were).
        relative: answers % 2 == 1,
    }
}

fn tree(rng: &mut Rng) -> Vec<Node> {
    let mut nodes = Vec::new();
    fill(rng, "@", 0, &mut nodes);
    for _ in 0..rng.below(4) {
        let dir = random_dir(rng, &nodes);
        if let Some(name) = free_name(rng, &nodes, &dir) {
            let to = rng.pick(&nodes).at().to_string();
            nodes.push(Node::Link {
                at: format!("{dir}/{name}"),
                to,
            });
        }
    }
    let files: Vec<String> = files(&nodes);
    if rng.chance(20) && !files.is_empty() {
        let dir = random_dir(rng, &nodes);
        if let Some(name) = free_name(rng, &nodes, &dir) {
            let of = rng.pick(&files).clone();
            nodes.push(Node::HardLink {
                at: format!("{dir}/{name}"),
                of,
            });
        }
    }
    nodes
}

/// Up to four entries in `dir`, directories nested up to three deep.
fn fill(rng: &mut Rng, dir: &str, depth: usize, nodes: &mut Vec<Node>) {
    let count = if depth == 0 {
        2 + rng.below(3)
    } else {
        rng.below(4)
    };
    for _ in 0..count {
        let Some(name) = free_name(rng, nodes, dir) else {
            return;
        };
        let path = format!("{dir}/{name}");
        if depth < 3 && rng.chance(40) {
            nodes.push(Node::Dir(path.clone()));
            fill(rng, &path, depth + 1, nodes);
        } else if rng.chance(20) {
            nodes.push(Node::Special(*rng.pick(&Special::ALL), path));
        } else {
            nodes.push(Node::File(path));
        }
    }
}

/// A name not yet used in `dir`.
fn free_name(rng: &mut Rng, nodes: &[Node], dir: &str) -> Option<&'static str> {
    let used = children(nodes, dir);
    let free: Vec<&'static str> = NAMES
        .iter()
        .copied()
        .filter(|n| !used.contains(*n))
        .collect();
    (!free.is_empty()).then(|| *rng.pick(&free))
}

fn children(nodes: &[Node], dir: &str) -> BTreeSet<String> {
    nodes
        .iter()
        .filter_map(|n| n.at().strip_prefix(dir)?.strip_prefix('/'))
        .filter(|rest| !rest.contains('/'))
        .map(str::to_string)
        .collect()
}

fn random_dir(rng: &mut Rng, nodes: &[Node]) -> String {
    let mut dirs = vec!["@".to_string()];
    dirs.extend(nodes.iter().filter_map(|n| match n {
        Node::Dir(p) => Some(p.clone()),
        _ => None,
    }));
    rng.pick(&dirs).clone()
}

fn files(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match n {
            Node::File(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

/// One layer: usually a broad grant, then rules nested in and around it.
fn layer(rng: &mut Rng, nodes: &[Node], asks: bool) -> Vec<Rule> {
    let mut rules = Vec::new();
    if rng.chance(85) {
        rules.push(Rule {
            kind: "allow",
            access: access_word(rng),
            pattern: if rng.chance(60) {
                "@".into()
            } else {
                pattern(rng, nodes)
            },
        });
    }
    for _ in 0..1 + rng.below(5) {
        let roll = rng.below(100);
        let kind = match roll {
            0..45 => "allow",
            45..70 => "deny",
            _ if asks => "ask",
            _ => "deny",
        };
        rules.push(Rule {
            kind,
            access: access_word(rng),
            pattern: pattern(rng, nodes),
        });
    }
    rules
}

/// A pattern over the tree: a path of it, with some components turned into globs.
fn pattern(rng: &mut Rng, nodes: &[Node]) -> String {
    if rng.chance(10) {
        return "@".into();
    }
    let base = rng.pick(nodes).at();
    let mut parts: Vec<String> = base
        .trim_start_matches("@/")
        .split('/')
        .map(|c| glob_component(rng, c))
        .collect();
    if rng.chance(5) {
        *parts.last_mut().unwrap() = "missing".into();
    }
    if rng.chance(12) {
        let at = rng.below(parts.len() + 1);
        parts.insert(at, "**".into());
    }
    format!("@/{}", parts.join("/"))
}

fn glob_component(rng: &mut Rng, name: &str) -> String {
    match rng.below(100) {
        0..12 => "*".into(),
        12..20 => {
            let i = rng.below(name.len());
            format!("{}?{}", &name[..i], &name[i + 1..])
        }
        20..28 => format!("{{{name},{}}}", rng.pick(NAMES)),
        28..34 => format!("{}*", &name[..1]),
        _ => name.into(),
    }
}

/// What a path of the tree is once symlinks are followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
    /// A device, a FIFO or a socket.
    Special,
    Missing,
}

/// What a program tries on an existing entry of `kind` (a new file in a directory aside).
fn accesses(kind: Kind) -> &'static [Access] {
    match kind {
        Kind::Dir => &[Access::List, Access::Read],
        Kind::File | Kind::Special => &[Access::Read, Access::Write, Access::Overwrite],
        Kind::Missing => &[],
    }
}

/// Every access that makes sense on every path of the tree: reading, writing and truncating
/// files of every kind, listing and reading directories and creating new files in them
/// (`O_EXCL`, and as a shell's `>`), and (last, since they change the tree) unlinking every
/// entry that is not a directory.
pub fn pairs(case: &Case) -> Vec<Pair> {
    let by_path: BTreeMap<&str, &Node> = case.nodes.iter().map(|n| (n.at(), n)).collect();
    let mut created: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut pairs = Vec::new();
    let mut paths = vec!["@"];
    paths.extend(case.nodes.iter().map(Node::at));
    for path in &paths {
        let (kind, real) = resolve(&by_path, path);
        let pair = |access| Pair {
            access,
            path: path.to_string(),
        };
        pairs.extend(accesses(kind).iter().cloned().map(pair));
        if kind == Kind::Dir {
            let used = created
                .entry(real.clone())
                .or_insert_with(|| children(&case.nodes, &real));
            let mut new_name = || {
                let name = NAMES
                    .iter()
                    .find(|n| !used.contains(**n))
                    .map_or_else(|| format!("new{}", used.len()), |n| n.to_string());
                used.insert(name.clone());
                name
            };
            let (created, overwritten) = (new_name(), new_name());
            pairs.push(pair(Access::Create(created)));
            pairs.push(Pair {
                access: Access::Overwrite,
                path: format!("{path}/{overwritten}"),
            });
        }
    }
    pairs.extend(through_links(case, &by_path));
    for n in &case.nodes {
        if !matches!(n, Node::Dir(_)) {
            pairs.push(Pair {
                access: Access::Delete,
                path: n.at().to_string(),
            });
        }
    }
    pairs
}

/// Reading, writing and listing the entries of linked directories by the link's name: the
/// kernel decides where the names lead, the supervisor's fast path on the names as written.
fn through_links(case: &Case, by_path: &BTreeMap<&str, &Node>) -> Vec<Pair> {
    let mut pairs = Vec::new();
    for n in &case.nodes {
        let Node::Link { at, .. } = n else { continue };
        let (Kind::Dir, real) = resolve(by_path, at) else {
            continue;
        };
        for name in children(&case.nodes, &real) {
            let path = format!("{at}/{name}");
            let kind = resolve(by_path, &format!("{real}/{name}")).0;
            pairs.extend(accesses(kind).iter().map(|a| Pair {
                access: a.clone(),
                path: path.clone(),
            }));
        }
    }
    pairs
}

/// Follows symlinks in the model (a few hops; a loop counts as missing).
fn resolve(by_path: &BTreeMap<&str, &Node>, path: &str) -> (Kind, String) {
    let mut at = path.to_string();
    for _ in 0..8 {
        match by_path.get(at.as_str()) {
            _ if at == "@" => return (Kind::Dir, at),
            Some(Node::Dir(_)) => return (Kind::Dir, at),
            Some(Node::File(_) | Node::HardLink { .. }) => return (Kind::File, at),
            Some(Node::Special(..)) => return (Kind::Special, at),
            Some(Node::Link { to, .. }) => at = to.clone(),
            None => return (Kind::Missing, at),
        }
    }
    (Kind::Missing, at)
}

fn access_word(rng: &mut Rng) -> &'static str {
    WEIGHTED_ACCESS[rng.below(WEIGHTED_ACCESS.len())]
}
