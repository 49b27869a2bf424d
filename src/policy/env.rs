//! The program's environment: `env keep`, `env unset`, `env set`, layer after layer.

use super::{EnvStep, Layer};
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::BTreeMap;
use std::ffi::OsString;

/// Applies every layer's environment rules to `env`, in command-line order. In a layer with
/// `env keep`, only the kept names survive that layer's filter; then its unsets and sets apply.
pub fn apply(layers: &[Layer], env: &BTreeMap<OsString, OsString>) -> Vec<(OsString, OsString)> {
    let mut env = env.clone();
    for layer in layers {
        let keeps: Vec<&str> = layer
            .env
            .iter()
            .filter_map(|s| {
                if let EnvStep::Keep(names) = s {
                    Some(names)
                } else {
                    None
                }
            })
            .flatten()
            .map(String::as_str)
            .collect();
        if !keeps.is_empty() {
            let set = names(&keeps);
            env.retain(|k, _| set.is_match(k.to_string_lossy().as_ref()));
        }
        for step in &layer.env {
            match step {
                EnvStep::Keep(_) => {}
                EnvStep::Unset(n) => {
                    let set = names(&n.iter().map(String::as_str).collect::<Vec<_>>());
                    env.retain(|k, _| !set.is_match(k.to_string_lossy().as_ref()));
                }
                EnvStep::Set(k, v) => {
                    env.insert(k.clone(), v.clone());
                }
            }
        }
    }
    env.into_iter().collect()
}

/// A set of variable-name globs. The parser has checked the names; a glob that still fails to
/// compile matches nothing, which for `keep` drops and for `unset` keeps — so it is logged by
/// the parser's validation, not here.
fn names(patterns: &[&str]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        if let Ok(g) = Glob::new(p) {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}
