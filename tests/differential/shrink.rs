//! Shrinking a disagreement to a minimal case: drop layers, rules and tree entries, and narrow
//! access words and patterns, one at a time, keeping each step that still disagrees the same
//! way on the same pair (run on that pair alone).

use crate::case::{Case, Node, Pair};
use crate::differ::{self, Disagreement};

/// The most cases tried while shrinking one disagreement (each is a real run, ~0.2 s).
const BUDGET: usize = 400;

/// The smallest case found that still shows `found`, and the disagreement it shows. `None`
/// when the pair alone does not show it (it needs the pairs before it).
pub fn shrink(case: &Case, found: &Disagreement) -> Option<(Case, Disagreement)> {
    let pair = found.pair.clone();
    let same = |c: &Case| {
        differ::check(c, std::slice::from_ref(&pair))
            .into_iter()
            .find(|d| d.kind == found.kind)
    };
    let mut best = (case.clone(), same(case)?);
    let mut tries = 0;
    'progress: loop {
        for candidate in simpler(&best.0, &pair) {
            tries += 1;
            if tries > BUDGET {
                break 'progress;
            }
            if let Some(d) = same(&candidate) {
                best = (candidate, d);
                continue 'progress;
            }
        }
        break;
    }
    Some(best)
}

/// Every case one step simpler than `case` that still has `pair`'s path.
fn simpler(case: &Case, pair: &Pair) -> Vec<Case> {
    let mut out = Vec::new();
    for i in 0..case.nodes.len() {
        let at = case.nodes[i].at();
        if pair.path == at || pair.path.starts_with(&format!("{at}/")) {
            continue;
        }
        let mut c = case.clone();
        c.nodes
            .retain(|n| !(n.at() == at || n.at().starts_with(&format!("{at}/"))));
        out.push(c);
    }
    if case.layers.len() > 1 {
        for i in 0..case.layers.len() {
            let mut c = case.clone();
            c.layers.remove(i);
            out.push(c);
        }
    }
    for (i, layer) in case.layers.iter().enumerate() {
        for j in 0..layer.len() {
            let mut c = case.clone();
            c.layers[i].remove(j);
            out.push(c);
            out.extend(narrower_rules(case, i, j));
        }
    }
    for (i, n) in case.nodes.iter().enumerate() {
        if let Node::HardLink { at, .. } | Node::Link { at, .. } = n {
            let mut c = case.clone();
            c.nodes[i] = Node::File(at.clone());
            out.push(c);
        }
    }
    out
}

/// The rule `j` of layer `i` with a narrower access word, or with one glob fewer.
fn narrower_rules(case: &Case, i: usize, j: usize) -> Vec<Case> {
    let rule = &case.layers[i][j];
    let mut out = Vec::new();
    if rule.access == "rw" {
        for access in ["read", "write", "create", "delete", "list", "truncate"] {
            let mut c = case.clone();
            c.layers[i][j].access = access;
            out.push(c);
        }
    }
    if rule.access == "read" {
        let mut c = case.clone();
        c.layers[i][j].access = "list";
        out.push(c);
    }
    let parts: Vec<&str> = rule.pattern.split('/').collect();
    for (k, part) in parts.iter().enumerate() {
        let simpler = match *part {
            "**" => None,
            p if p.starts_with('{') => p
                .trim_matches(|c| c == '{' || c == '}')
                .split(',')
                .next()
                .map(str::to_string),
            _ => continue,
        };
        let mut new: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
        match simpler {
            Some(s) => new[k] = s,
            None => {
                new.remove(k);
            }
        }
        let mut c = case.clone();
        c.layers[i][j].pattern = new.join("/");
        out.push(c);
    }
    out
}
