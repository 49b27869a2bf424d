//! What `llrun explain --json` predicts for a pair: the verdicts of the rights the access
//! needs, on the paths where the kernel checks them, combined as one call needs them all.

use crate::case::{Access, Pair, allows};
use crate::run::Setup;
use serde_json::Value;
use std::collections::HashMap;

/// One right on one path, as explain names them.
struct Need {
    path: String,
    right: &'static str,
}

/// What the program should get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Granted by Landlock (every right the call needs).
    Granted,
    /// Carried out by the supervisor (at least one right needs it).
    CarriedOut,
    Denied,
    /// Held for the client, which answers by the target (written with `@`).
    Asked {
        target: String,
        allowed: bool,
    },
}

impl Expect {
    /// The result the program prints for it.
    pub fn result(&self) -> &'static str {
        match self {
            Expect::Granted | Expect::CarriedOut | Expect::Asked { allowed: true, .. } => "ok",
            Expect::Denied | Expect::Asked { allowed: false, .. } => "EACCES",
        }
    }
}

/// The absolute paths explain must report on for `pair`.
pub fn paths(setup: &Setup, pair: &Pair) -> Vec<String> {
    needs(setup, pair).into_iter().map(|n| n.path).collect()
}

/// Where the kernel checks each right an access needs, on what the path is now (symlinks
/// followed): an open on the file itself (a new file's own write right on its future path), a
/// new entry and an unlink on the directory. Reading needs `read_dir` on a directory and
/// `read_file` on anything else; `O_TRUNC` needs `truncate` only on an existing regular file
/// (the kernel ignores it on devices, FIFOs and sockets, and a new file is empty).
fn needs(setup: &Setup, pair: &Pair) -> Vec<Need> {
    let path = setup.abs(&pair.path);
    let on = |right| Need {
        path: path.clone(),
        right,
    };
    let found = std::fs::metadata(&path).ok().map(|m| m.file_type());
    match &pair.access {
        Access::Read if found.is_some_and(|t| t.is_dir()) => vec![on("fs.read_dir")],
        Access::Read => vec![on("fs.read_file")],
        Access::List => vec![on("fs.read_dir")],
        Access::Write => vec![on("fs.write_file")],
        Access::Overwrite => match found {
            Some(t) if t.is_file() => vec![on("fs.write_file"), on("fs.truncate")],
            Some(_) => vec![on("fs.write_file")],
            None => vec![
                Need {
                    path: parent(&path).to_string(),
                    right: "fs.make_reg",
                },
                on("fs.write_file"),
            ],
        },
        Access::Create(name) => vec![
            on("fs.make_reg"),
            Need {
                path: format!("{path}/{name}"),
                right: "fs.write_file",
            },
        ],
        Access::Delete => vec![Need {
            path: parent(&path).to_string(),
            right: "fs.remove_file",
        }],
    }
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("/", |(p, _)| p)
}

/// The prediction for `pair` from the reports: any denied right refuses, then any asked
/// right asks (one ask, about the entry the call is about), then any right the supervisor
/// carries out makes it carry out the call, and otherwise Landlock grants it.
pub fn expect(
    setup: &Setup,
    pair: &Pair,
    reports: &HashMap<String, Value>,
    salt: u64,
) -> (Expect, Vec<String>) {
    let (mut asked, mut carried) = (false, false);
    let mut why = Vec::new();
    for need in needs(setup, pair) {
        let report = &reports[&need.path];
        let verdict = report["verdict"]
            .as_array()
            .and_then(|v| v.iter().find(|v| v["right"] == need.right))
            .unwrap_or_else(|| panic!("explain has no verdict on {}: {report}", need.right));
        let outcome = verdict["outcome"].as_str().unwrap_or_default();
        why.push(format!(
            "{} on {}: {outcome} (rule {})",
            need.right,
            setup.rel(report["path"].as_str().unwrap_or_default()),
            verdict["rule"]
        ));
        match outcome {
            "denied" => return (Expect::Denied, why),
            "asked" => asked = true,
            "carried-out" => carried = true,
            "granted" => {}
            other => panic!("unknown outcome `{other}`: {report}"),
        }
    }
    if !asked {
        return (
            if carried {
                Expect::CarriedOut
            } else {
                Expect::Granted
            },
            why,
        );
    }
    let target = setup.rel(&target(setup, pair, reports));
    let allowed = allows(salt, &target);
    (Expect::Asked { target, allowed }, why)
}

/// The rights `pair` needs for which explain says a Landlock rule grants what the profile
/// denies (enforcement `widened`): the kernel then agrees with explain, but not with the
/// profile, so this is checked on its own.
pub fn widened(setup: &Setup, pair: &Pair, reports: &HashMap<String, Value>) -> Vec<String> {
    let mut found = Vec::new();
    for need in needs(setup, pair) {
        let report = &reports[&need.path];
        let entries = report["entries"].as_array().into_iter().flatten();
        for e in entries.filter(|e| e["right"] == need.right) {
            if e["enforcement"]["by"] == "widened" {
                found.push(format!("{} on {}: {e}", need.right, need.path));
            }
        }
    }
    found
}

/// The entry an ask is about, as the supervisor names it: the file opened (symlinks followed),
/// the new file, or the unlinked entry in its real directory.
fn target(setup: &Setup, pair: &Pair, reports: &HashMap<String, Value>) -> String {
    let path = setup.abs(&pair.path);
    let canonical = |p: &str| reports[p]["path"].as_str().unwrap_or_default().to_string();
    match &pair.access {
        Access::Read | Access::List | Access::Write | Access::Overwrite => canonical(&path),
        Access::Create(name) => canonical(&format!("{path}/{name}")),
        Access::Delete => {
            let (dir, name) = path.rsplit_once('/').unwrap();
            format!("{}/{name}", canonical(dir))
        }
    }
}
