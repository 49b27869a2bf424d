//! Telling the user what the profiles decide and what the kernel enforces.
//!
//! `llrun explain PATH` (this module): what the profile decides for a path, which rule decided
//! it, and how the kernel enforces it. The last part is computed from the compiled rulesets, not
//! from the profile, so that explain tells what the kernel will actually do; [`verdict`] adds
//! what a program meets, all layers and the supervisor together. `llrun compile` prints the
//! rulesets themselves and the exactness report ([`rulesets`]).

pub mod rulesets;
pub mod verdict;

use crate::compile::CompiledLayer;
use crate::compile::support::fs_abi;
use crate::policy::Layer;
use crate::policy::RuleKind;
use crate::policy::access::raw_name;
use crate::profiles::Loaded;
use crate::source::SourceMap;
use llrun_kernel::FsAccess;
use serde::Serialize;
use std::fmt::Write as _;
use verdict::{RightVerdict, Supervision};

/// How the kernel treats one (right, path) in one layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub enum Enforcement {
    /// A Landlock rule on this path or an ancestor grants it.
    Rule { path: String },
    /// No Landlock rule grants it (the default deny, or a carve).
    NotGranted,
    /// The profile allows it but the kernel will deny it (a carve or a missing path).
    Narrowed,
    /// An `ask`: only the supervisor could grant it.
    Supervisor,
    /// This kernel cannot restrict the right at all.
    Unenforceable { needs_abi: u32 },
    /// Landlock cannot restrict it on this kernel, and the supervisor decides every call
    /// that uses it (a unix socket `connect` before ABI 9).
    Trapped { needs_abi: u32 },
    /// The kernel would grant what the profile denies. Never expected: a compiler bug.
    Widened { path: String },
}

/// One line of the explanation.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub layer: usize,
    pub right: String,
    /// `right` as a set, for the verdict.
    #[serde(skip)]
    pub access: FsAccess,
    pub decision: &'static str,
    /// `file:line` of the deciding rule, or `None` for the default deny.
    pub rule: Option<String>,
    pub enforcement: Enforcement,
    /// Whether the kernel lets the access happen in this layer.
    pub kernel_allows: bool,
}

/// Explains every right in `rights` for `path` (absolute, symlinks resolved).
pub fn explain(
    path: &str,
    rights: FsAccess,
    layers: &[Layer],
    compiled: &[CompiledLayer],
    sources: &SourceMap,
) -> Vec<Entry> {
    let mut out = Vec::new();
    for (i, (layer, c)) in layers.iter().zip(compiled).enumerate() {
        for right in rights.iter() {
            let d = layer.decide(right, path);
            let enforcement = enforcement(path, right, d.kind, c);
            let kernel_allows = matches!(
                enforcement,
                Enforcement::Rule { .. }
                    | Enforcement::Widened { .. }
                    | Enforcement::Unenforceable { .. }
            );
            out.push(Entry {
                layer: i + 1,
                right: raw_name(right),
                access: right,
                decision: kind_word(d.kind),
                rule: d.rule.map(|r| sources.file_line(r.span)),
                enforcement,
                kernel_allows,
            });
        }
    }
    out
}

fn kind_word(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Allow => "allow",
        RuleKind::Ask => "ask",
        RuleKind::Deny => "deny",
    }
}

fn enforcement(path: &str, right: FsAccess, kind: RuleKind, c: &CompiledLayer) -> Enforcement {
    if c.supervised.contains(right) {
        return Enforcement::Trapped {
            needs_abi: fs_abi(right),
        };
    }
    if !c.plan.handled_fs.contains(right) {
        return Enforcement::Unenforceable {
            needs_abi: fs_abi(right),
        };
    }
    let granting = c
        .plan
        .path_rules
        .iter()
        .find(|r| r.access.contains(right) && beneath(path, &r.path.to_string_lossy()));
    match (kind, granting) {
        (RuleKind::Allow, Some(r)) => Enforcement::Rule {
            path: r.path.to_string_lossy().into_owned(),
        },
        (RuleKind::Allow, None) => Enforcement::Narrowed,
        (_, Some(r)) => Enforcement::Widened {
            path: r.path.to_string_lossy().into_owned(),
        },
        (RuleKind::Ask, None) => Enforcement::Supervisor,
        (RuleKind::Deny, None) => Enforcement::NotGranted,
    }
}

/// One layer named in a [`Report`].
#[derive(Debug, Clone, Serialize)]
pub struct LayerName {
    pub layer: usize,
    /// The name or path given with `--profile`.
    pub name: String,
    /// The file loaded for it.
    pub file: String,
}

/// The explanation of one path as one JSON document (`llrun explain --json`): everything the
/// text says, plus the overall verdict a program will meet, for tools and the differential test.
#[derive(Debug, Clone, Serialize)]
pub struct Report<'a> {
    /// Absolute, symlinks resolved as far as it exists.
    pub path: &'a str,
    /// As given, made absolute (`.` and `..` removed by text): the name a program would use.
    pub written: &'a str,
    /// Whether a run of these profiles has a supervisor.
    pub supervisor: bool,
    pub layers: Vec<LayerName>,
    /// Per layer and right.
    pub entries: &'a [Entry],
    /// Per right, all layers and the supervisor together.
    pub verdict: Vec<RightVerdict>,
}

/// Everything explain needs to explain many paths: the profiles, loaded and compiled once.
pub struct Explainer<'a> {
    pub layers: &'a [Layer],
    pub compiled: &'a [CompiledLayer],
    pub sources: &'a SourceMap,
    /// The rights to explain.
    pub rights: FsAccess,
    pub supervision: Supervision,
}

impl<'a> Explainer<'a> {
    /// Explains `rights` (all of them when `None`) in the profiles `loaded` and compiled.
    pub fn new(
        loaded: &'a Loaded,
        compiled: &'a [CompiledLayer],
        rights: Option<FsAccess>,
    ) -> Explainer<'a> {
        Explainer {
            layers: &loaded.layers,
            compiled,
            sources: &loaded.sources,
            rights: rights.unwrap_or_else(FsAccess::all),
            supervision: Supervision::of(&loaded.layers, compiled),
        }
    }

    fn entries(&self, path: &str) -> Vec<Entry> {
        explain(path, self.rights, self.layers, self.compiled, self.sources)
    }

    /// The explanation of `given` as text.
    pub fn text(&self, given: &std::path::Path) -> String {
        let path = canonical(given);
        render(&path, &self.entries(&path), self.layers, &self.supervision)
    }

    /// The explanation of `given` as one line of JSON, with the verdict.
    pub fn json(&self, given: &std::path::Path) -> String {
        let path = canonical(given);
        let entries = self.entries(&path);
        let written = written(given);
        let verdict = verdict::verdicts(self.rights, &entries, &self.supervision);
        let report = Report {
            path: &path,
            written: &written,
            supervisor: self.supervision.runs,
            layers: layer_names(self.layers),
            entries: &entries,
            verdict,
        };
        serde_json::to_string(&report).expect("explain reports always serialize")
    }
}

/// The layers as a [`Report`] names them.
fn layer_names(layers: &[Layer]) -> Vec<LayerName> {
    layers
        .iter()
        .enumerate()
        .map(|(i, l)| LayerName {
            layer: i + 1,
            name: l.name.clone(),
            file: l.path.display().to_string(),
        })
        .collect()
}

/// The path as the kernel will see it: absolute, symlinks resolved as far as it exists.
pub fn canonical(path: &std::path::Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    crate::policy::canonical::canonical(&abs.to_string_lossy())
}

/// The path as written, made absolute, with `.`, `..` and repeated slashes removed by text
/// alone: the name the supervisor's fast path decides on (`src/supervise/fast.rs`).
pub fn written(path: &std::path::Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut parts: Vec<&str> = Vec::new();
    let text = abs.to_string_lossy();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return "/".into();
    }
    parts.iter().fold(String::new(), |s, p| s + "/" + p)
}

/// Whether `path` is `root` or beneath it.
fn beneath(path: &str, root: &str) -> bool {
    root == "/"
        || path == root
        || path
            .strip_prefix(root)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The explanation as text. `supervision`: whether a run of these profiles has a supervisor
/// (some layer asks), and which rights it decides: it asks about `ask` rules and carries out
/// what carving narrowed, where its filter traps the call.
pub fn render(
    path: &str,
    entries: &[Entry],
    layers: &[Layer],
    supervision: &Supervision,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{path}");
    let _ = writeln!(
        out,
        "  supervisor: {}",
        match supervision.why {
            Some(why) => format!("runs ({why}): seccomp user notification beside Landlock"),
            None => "none (no `ask` rules): pure Landlock".to_string(),
        }
    );
    for (i, layer) in layers.iter().enumerate() {
        let _ = writeln!(
            out,
            "  layer {}: {} ({})",
            i + 1,
            layer.name,
            layer.path.display()
        );
        for e in entries.iter().filter(|e| e.layer == i + 1) {
            let rule = e
                .rule
                .clone()
                .unwrap_or_else(|| "no rule matches (default deny)".into());
            let _ = writeln!(
                out,
                "    {:<16} {:<5}  {}  — {}",
                e.right,
                e.decision,
                rule,
                describe(&e.enforcement, supervision.decides(e.access))
            );
        }
    }
    let rights: std::collections::BTreeSet<&str> =
        entries.iter().map(|e| e.right.as_str()).collect();
    let granted: Vec<&str> = rights
        .iter()
        .copied()
        .filter(|r| {
            entries
                .iter()
                .filter(|e| e.right == *r)
                .all(|e| e.kernel_allows)
        })
        .collect();
    let _ = writeln!(
        out,
        "  kernel grants: {}",
        if granted.is_empty() {
            "nothing of the above".to_string()
        } else {
            granted.join(", ")
        }
    );
    out
}

/// One entry's enforcement in words; `supervised`: the supervisor decides this right.
fn describe(e: &Enforcement, supervised: bool) -> String {
    match e {
        Enforcement::Narrowed if supervised => "narrowed in Landlock (a carve); the supervisor carries it out, so the profile's answer holds".into(),
        Enforcement::Supervisor if supervised => "ask: Landlock denies it; the supervisor holds the call and asks a person (or an earlier answer decides)".into(),
        Enforcement::Rule { path } => format!("granted by the Landlock rule on {path}"),
        Enforcement::NotGranted => "denied by Landlock: no rule grants it".into(),
        Enforcement::Narrowed => "NARROWED: the profile allows it but the kernel denies it (a carve, or the path did not exist at start; see `llrun compile`)".into(),
        Enforcement::Supervisor => "ask: needs the supervisor".into(),
        Enforcement::Unenforceable { needs_abi } => format!("NOT ENFORCED: this kernel cannot restrict it (needs Landlock ABI {needs_abi})"),
        Enforcement::Trapped { needs_abi } => format!("decided by the supervisor on each connect, which it carries out itself (Landlock restricts it from ABI {needs_abi})"),
        Enforcement::Widened { path } => format!("BUG: the Landlock rule on {path} grants what the profile denies; please report this"),
    }
}
