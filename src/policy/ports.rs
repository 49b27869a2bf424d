//! Network rules' vocabulary (the operations `connect` and `bind`, port ranges) and TCP port
//! decisions: a single port beats a range, a smaller range a larger one, `*` is least specific;
//! ties go deny > ask > allow.

use super::{NetRule, RuleKind};
use llrun_kernel::NetAccess;

/// A network operation of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetOp {
    Connect,
    Bind,
}

/// The operations, as written in a profile.
pub const NET_OPS: &[(&str, NetOp)] = &[("connect", NetOp::Connect), ("bind", NetOp::Bind)];

impl NetOp {
    /// The word a profile writes for it.
    pub fn name(self) -> &'static str {
        match self {
            NetOp::Connect => "connect",
            NetOp::Bind => "bind",
        }
    }

    /// Its Landlock right.
    pub fn access(self) -> NetAccess {
        match self {
            NetOp::Connect => NetAccess::CONNECT_TCP,
            NetOp::Bind => NetAccess::BIND_TCP,
        }
    }
}

/// An inclusive port range; `*` is `0..=65535`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl PortRange {
    /// Every port (`*`).
    pub const ANY: PortRange = PortRange {
        first: 0,
        last: u16::MAX,
    };
}

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
