//! `llrun compile`: the rulesets the profiles compile to, one rule a line, and what is not exact.

use crate::compile::CompiledLayer;
use crate::compile::carve::{Narrowing, Why};
use crate::policy::Layer;
use crate::policy::access::describe;
use crate::source::SourceMap;
use llrun_kernel::NetAccess;
use std::fmt::Write as _;

/// Renders every layer's ruleset and exactness report.
pub fn render(
    layers: &[Layer],
    compiled: &[CompiledLayer],
    sources: &SourceMap,
    abi: u32,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Landlock ABI {abi}");
    for (i, (layer, c)) in layers.iter().zip(compiled).enumerate() {
        let _ = writeln!(
            out,
            "\n# layer {}: {} ({})",
            i + 1,
            layer.name,
            layer.path.display()
        );
        let plan = &c.plan;
        let _ = writeln!(out, "handle fs {}", describe(plan.handled_fs));
        if !plan.handled_net.is_empty() {
            let _ = writeln!(out, "handle net {}", net_words(plan.handled_net));
        }
        if !plan.scopes.is_empty() {
            let names: Vec<String> = plan
                .scopes
                .iter_names()
                .map(|(n, _)| n.to_lowercase())
                .collect();
            let _ = writeln!(out, "scope {}", names.join(","));
        }
        for r in &plan.path_rules {
            let _ = writeln!(
                out,
                "path {} {}",
                quote(&r.path.to_string_lossy()),
                describe(r.access)
            );
        }
        for (first, last, access) in port_ranges(plan) {
            let range = if first == last {
                first.to_string()
            } else {
                format!("{first}-{last}")
            };
            let _ = writeln!(out, "port {range} {}", net_words(access));
        }
        report(&mut out, c, sources);
    }
    out
}

fn report(out: &mut String, c: &CompiledLayer, sources: &SourceMap) {
    let _ = writeln!(out, "# exactness");
    if c.narrowed.is_empty() && c.unenforced.is_empty() && !c.has_asks {
        let _ = writeln!(
            out,
            "exact: the kernel enforces exactly what the profile says"
        );
    }
    for n in &c.narrowed {
        let _ = writeln!(out, "{}", narrowing(n, sources));
    }
    for u in &c.unenforced {
        let _ = writeln!(out, "not enforced on this kernel: {u}");
    }
    if c.has_asks {
        let _ = writeln!(
            out,
            "ask rules: decided by the supervisor; without one they are denied"
        );
    }
}

/// One line of the exactness report.
pub fn narrowing(n: &Narrowing, sources: &SourceMap) -> String {
    let at = n
        .rule
        .map(|s| format!(" (rule at {})", sources.file_line(s)))
        .unwrap_or_default();
    let path = quote(&n.path.to_string_lossy());
    match n.why {
        Why::Carved => format!(
            "narrowed {path} {}: a deny beneath keeps the rule off this directory, so the kernel denies these on the directory itself and on entries created in it later{at}",
            describe(n.rights)
        ),
        Why::Missing => format!(
            "narrowed {path} {}: did not exist at start, so no rule could be attached{at}",
            describe(n.rights)
        ),
        Why::Linked => format!(
            "narrowed {path} {}: the file has other names (hard links), which a rule on it would reach too{at}",
            describe(n.rights)
        ),
    }
}

fn net_words(a: NetAccess) -> String {
    let mut w = Vec::new();
    if a.contains(NetAccess::CONNECT_TCP) {
        w.push("connect");
    }
    if a.contains(NetAccess::BIND_TCP) {
        w.push("bind");
    }
    w.join(",")
}

/// Consecutive ports with the same rights, merged for display.
fn port_ranges(plan: &llrun_kernel::landlock::RulesetPlan) -> Vec<(u16, u16, NetAccess)> {
    let mut by_port: std::collections::BTreeMap<u16, NetAccess> = std::collections::BTreeMap::new();
    for r in &plan.port_rules {
        *by_port.entry(r.port).or_default() |= r.access;
    }
    let mut out: Vec<(u16, u16, NetAccess)> = Vec::new();
    for (port, access) in by_port {
        match out.last_mut() {
            Some(last) if last.2 == access && u32::from(last.1) + 1 == u32::from(port) => {
                last.1 = port
            }
            _ => out.push((port, port, access)),
        }
    }
    out
}

/// Quotes a path for display if it has blanks or quotes, as the profile language would.
pub fn quote(s: &str) -> String {
    if s.chars().any(|c| c.is_whitespace() || c == '"' || c == '#') {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        s.to_string()
    }
}
