//! TCP port decisions: a single port beats a range, a smaller range a larger one, `*` is least
//! specific; ties go deny > ask > allow.

use super::NetRule;
use crate::parse::ast::RuleKind;
use llrun_kernel::NetAccess;

/// Ordering key: narrower ranges rank higher.
pub fn rank(rule: &NetRule) -> (std::cmp::Reverse<u32>, RuleKind) {
    let width = u32::from(rule.ports.last) - u32::from(rule.ports.first);
    (std::cmp::Reverse(width), rule.kind)
}

/// Splits 0..=65535 into maximal intervals on which the same rules apply, and returns the kind
/// decided on each (for one right). Each rule visits only the intervals it covers.
pub fn intervals(rules: &[NetRule], right: NetAccess) -> Vec<(u16, u16, RuleKind)> {
    let relevant: Vec<&NetRule> = rules.iter().filter(|r| r.access.contains(right)).collect();
    let mut cuts: Vec<u32> = vec![0, 65536];
    for r in &relevant {
        cuts.push(u32::from(r.ports.first));
        cuts.push(u32::from(r.ports.last) + 1);
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut best: Vec<Option<&NetRule>> = vec![None; cuts.len() - 1];
    for r in &relevant {
        let start = cuts.partition_point(|c| *c < u32::from(r.ports.first));
        let end = cuts.partition_point(|c| *c <= u32::from(r.ports.last));
        for slot in &mut best[start..end] {
            if slot.is_none_or(|b| rank(r) > rank(b)) {
                *slot = Some(r);
            }
        }
    }
    let mut out: Vec<(u16, u16, RuleKind)> = Vec::new();
    for (i, slot) in best.iter().enumerate() {
        let (first, last) = (cuts[i] as u16, (cuts[i + 1] - 1) as u16);
        let kind = slot.map_or(RuleKind::Deny, |r| r.kind);
        match out.last_mut() {
            Some(prev) if prev.2 == kind => prev.1 = last,
            _ => out.push((first, last, kind)),
        }
    }
    out
}
