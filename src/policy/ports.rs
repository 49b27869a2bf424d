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
/// decided on each (for one right).
pub fn intervals(rules: &[NetRule], right: NetAccess) -> Vec<(u16, u16, RuleKind)> {
    let mut cuts: Vec<u32> = vec![0, 65536];
    for r in rules.iter().filter(|r| r.access.contains(right)) {
        cuts.push(u32::from(r.ports.first));
        cuts.push(u32::from(r.ports.last) + 1);
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out: Vec<(u16, u16, RuleKind)> = Vec::new();
    for w in cuts.windows(2) {
        let (first, last) = (w[0] as u16, (w[1] - 1) as u16);
        let kind = rules
            .iter()
            .filter(|r| r.access.contains(right) && r.ports.first <= first && last <= r.ports.last)
            .max_by_key(|r| rank(r))
            .map_or(RuleKind::Deny, |r| r.kind);
        match out.last_mut() {
            Some(prev) if prev.2 == kind && u32::from(prev.1) + 1 == u32::from(first) => prev.1 = last,
            _ => out.push((first, last, kind)),
        }
    }
    out
}
