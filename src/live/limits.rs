//! What an edit cannot change in the running program, said plainly (DESIGN.md §3).
//!
//! The program's Landlock rulesets were fixed when it started. An edit is put in force for
//! every call the supervisor traps, but:
//!
//! - what the static rules granted cannot be taken back from the kernel: a new `deny` (or `ask`,
//!   or a removed `allow`) is applied by llrun to the calls it traps, while files already open
//!   stay open and exec stays allowed; it applies in full at the next start;
//! - exec cannot be granted at run time (Landlock checks it itself, and llrun cannot perform an
//!   exec for the program), so a new `allow exec` applies at the next start;
//! - `env`, `isolate`, `compat`, `require abi` and `mkdir` act at start only.
//!
//! A version is compared with what the program was started with, and each limit is reported
//! once (see [`super::report`]). One more thing is worth a warning: a profile file the program
//! itself may write, since an edit it makes would apply to its own sandbox.

use crate::policy::RuleKind;
use crate::policy::access::describe;
use crate::policy::{Compat, Layer};
use crate::source::Span;
use crate::supervise::policy::Policy;
use llrun_kernel::{FsAccess, NetAccess, Scopes};
use std::collections::BTreeMap;
use std::path::Path;

/// One thing an edit asked for that the running program does not get (or keep).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// Stable across versions (no line numbers), so that it is reported once.
    pub key: String,
    pub text: String,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Something the edit cannot do before the next start.
    NextStart,
    /// The program may edit its own profile.
    SelfEdit,
}

/// The settings of a layer that act only at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    env: String,
    scopes: Scopes,
    compat: Compat,
    require_abi: Option<u32>,
    mkdirs: Vec<std::path::PathBuf>,
}

impl Settings {
    pub fn of(layer: &Layer) -> Settings {
        Settings {
            env: format!("{:?}", layer.env),
            scopes: layer.scopes,
            compat: layer.compat,
            require_abi: layer.require_abi.map(|(abi, _)| abi),
            mkdirs: layer.mkdirs.iter().map(|(dir, _)| dir.clone()).collect(),
        }
    }

    /// The statements whose setting differs from `was`, each with its new value.
    fn changed_from(&self, was: &Settings) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.env != was.env {
            out.push(("env", self.env.clone()));
        }
        if self.scopes != was.scopes {
            out.push(("isolate", format!("{:?}", self.scopes)));
        }
        if self.compat != was.compat {
            out.push(("compat", format!("{:?}", self.compat)));
        }
        if self.require_abi != was.require_abi {
            out.push(("require abi", format!("{:?}", self.require_abi)));
        }
        if self.mkdirs != was.mkdirs {
            out.push(("mkdir", format!("{:?}", self.mkdirs)));
        }
        out
    }
}

/// Every limit of the version in force in `policy`, against the `start` settings.
pub fn limits(policy: &Policy, start: &[Settings]) -> Vec<Limit> {
    let mut out = withdrawn_paths(policy);
    out.extend(withdrawn_ports(policy));
    out.extend(exec_grants(policy));
    out.extend(settings(policy, start));
    out.extend(self_edits(policy));
    out
}

/// `file:line:col: \`rule text\``, or what stands for a missing rule.
fn rule(policy: &Policy, span: Option<Span>) -> (String, String) {
    match span {
        Some(s) => {
            let text = policy.sources.line_text(s.file, s.start).trim().to_string();
            (policy.sources.location(s), format!("`{text}`"))
        }
        None => (
            String::from("profile"),
            String::from("no rule allowing it any more"),
        ),
    }
}

/// Static grants that the version in force no longer allows, by path.
fn withdrawn_paths(policy: &Policy) -> Vec<Limit> {
    let mut lost: BTreeMap<String, (FsAccess, Option<Span>)> = BTreeMap::new();
    let mut note = |path: &str, rights: FsAccess, span: Option<Span>| {
        if !rights.is_empty() {
            let entry = lost
                .entry(path.to_string())
                .or_insert((FsAccess::empty(), span));
            entry.0 |= rights;
        }
    };
    // A rule on a static path that no longer allows what Landlock grants there.
    for (path, attached) in policy.static_rules() {
        let granted = policy.static_rights(attached, path);
        for right in granted.iter() {
            if let Some(d) = refusing(policy, right, path) {
                note(path, right, d);
            }
        }
    }
    // A deny or ask beneath (or on) a statically granted path.
    for layer in &policy.layers {
        for r in layer
            .layer
            .fs_rules
            .iter()
            .filter(|r| r.kind != RuleKind::Allow)
        {
            let at = r.pattern.literal_prefix();
            let granted = policy.static_rights(r.access, &at);
            let taken = granted
                .iter()
                .filter(|right| !r.pattern.is_plain() || refusing(policy, *right, &at).is_some())
                .fold(FsAccess::empty(), |a, right| a | right);
            note(&at, taken, Some(r.span));
        }
    }
    lost.into_iter()
        .map(|(path, (rights, span))| withdrawn(policy, &path, rights, span))
        .collect()
}

/// The deciding rule (or `None`, the default) of the first layer that does not allow `right`.
fn refusing(policy: &Policy, right: FsAccess, path: &str) -> Option<Option<Span>> {
    policy.layers.iter().find_map(|l| {
        let d = l.layer.decide(right, path);
        (d.kind != RuleKind::Allow).then(|| d.rule.map(|r| r.span))
    })
}

fn withdrawn(policy: &Policy, path: &str, rights: FsAccess, span: Option<Span>) -> Limit {
    let (at, what) = rule(policy, span);
    let exec = if rights.contains(FsAccess::EXECUTE) {
        ", running programs from there stays allowed"
    } else {
        ""
    };
    Limit {
        key: format!("withdrawn {path} {} {what}", describe(rights)),
        text: format!(
            "{at}: {what} cannot take {} on {path} back from the running program: its Landlock rules granted that at start. llrun applies it to the calls it supervises (opening, creating, removing, renaming), but files already open stay open{exec}; it applies in full at the next start",
            describe(rights)
        ),
        kind: Kind::NextStart,
    }
}

/// Static port grants that the version in force no longer allows.
fn withdrawn_ports(policy: &Policy) -> Vec<Limit> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    let mut note = |access: NetAccess, port: String, span: Option<Span>| {
        let (at, what) = rule(policy, span);
        let verb = if access == NetAccess::BIND_TCP {
            "bind"
        } else {
            "connect"
        };
        let key = format!("port {verb} {port} {what}");
        if !seen.contains(&key) {
            seen.push(key.clone());
            out.push(Limit {
                key,
                text: format!(
                    "{at}: {what} cannot take `{verb}` on TCP port {port} back from the running program: its Landlock rules granted that at start. llrun applies it to new `{verb}` calls, but sockets already set up stay as they are; it applies in full at the next start"
                ),
                kind: Kind::NextStart,
            });
        }
    };
    for (access, port) in policy.static_port_rules() {
        for l in &policy.layers {
            let (kind, r) = l.layer.decide_port(access, port);
            if kind != RuleKind::Allow {
                note(access, port.to_string(), r.map(|r| r.span));
                break;
            }
        }
    }
    for l in &policy.layers {
        for r in l
            .layer
            .net_rules
            .iter()
            .filter(|r| r.kind != RuleKind::Allow)
        {
            for access in r.access.iter() {
                if policy.static_port(access, r.ports.first) {
                    let ports = if r.ports.first == r.ports.last {
                        r.ports.first.to_string()
                    } else {
                        format!("{}-{}", r.ports.first, r.ports.last)
                    };
                    note(access, ports, Some(r.span));
                }
            }
        }
    }
    out
}

/// `allow exec` rules that the static rules do not grant: exec cannot be granted at run time.
fn exec_grants(policy: &Policy) -> Vec<Limit> {
    let mut out = Vec::new();
    for l in &policy.layers {
        for r in &l.layer.fs_rules {
            if r.kind != RuleKind::Allow || !r.access.contains(FsAccess::EXECUTE) {
                continue;
            }
            let at = r.pattern.literal_prefix();
            let decides = !r.pattern.is_plain()
                || l.layer.decide(FsAccess::EXECUTE, &at).kind == RuleKind::Allow;
            if !decides || !policy.static_rights(FsAccess::EXECUTE, &at).is_empty() {
                continue;
            }
            let (loc, what) = rule(policy, Some(r.span));
            out.push(Limit {
                key: format!("exec {} {what}", r.pattern),
                text: format!(
                    "{loc}: {what} cannot let the running program run programs from {}: Landlock checks exec itself and llrun cannot grant it at run time; it applies at the next start",
                    r.pattern
                ),
                kind: Kind::NextStart,
            });
        }
    }
    out
}

/// Changes to what acts only at start.
fn settings(policy: &Policy, start: &[Settings]) -> Vec<Limit> {
    let mut out = Vec::new();
    for (l, was) in policy.layers.iter().zip(start) {
        for (what, value) in Settings::of(&l.layer).changed_from(was) {
            out.push(Limit {
                key: format!("settings {} {what} {value}", l.layer.name),
                text: format!(
                    "profile `{}`: the change to `{what}` applies at the next start: the running program's environment, scopes, Landlock layers and directories were set when it started",
                    l.layer.name
                ),
                kind: Kind::NextStart,
            });
        }
    }
    out
}

/// Profile files the program may change itself.
fn self_edits(policy: &Policy) -> Vec<Limit> {
    let mut out: Vec<Limit> = Vec::new();
    let files = policy
        .layers
        .iter()
        .flat_map(|l| std::iter::once(&l.layer.path).chain(&l.layer.files));
    for file in files {
        let Some(path) = std::path::absolute(file)
            .ok()
            .and_then(|p| p.to_str().map(String::from))
        else {
            continue;
        };
        let path = crate::policy::canonical::canonical(&path);
        let dir = Path::new(&path)
            .parent()
            .and_then(Path::to_str)
            .unwrap_or("/");
        let write = policy.allowed(FsAccess::WRITE_FILE, &path);
        let replace = policy.allowed(FsAccess::MAKE_REG | FsAccess::REMOVE_FILE, dir);
        if (write | replace).is_empty() || out.iter().any(|l| l.key.ends_with(&path)) {
            continue;
        }
        out.push(Limit {
            key: format!("self {path}"),
            text: format!(
                "warning: the sandboxed program may change {path}, which this run follows: an edit it makes there would apply to its own sandbox at once\n  = hint: deny it `write,create,delete` there, or run with --no-live"
            ),
            kind: Kind::SelfEdit,
        });
    }
    out
}
