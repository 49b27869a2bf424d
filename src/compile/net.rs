//! TCP port rules → Landlock port rules.

use crate::policy::RuleKind;
use crate::policy::{Layer, ports};
use llrun_kernel::NetAccess;
use llrun_kernel::landlock::PortRule;

/// The network part of one layer: which rights are restricted and the ports granted.
#[derive(Debug, Default)]
pub struct NetPlan {
    /// Rights for which some port is not granted by the static layer.
    pub restricted: NetAccess,
    pub rules: Vec<PortRule>,
    /// Rights that have `ask` ports (decided by the supervisor).
    pub asked: NetAccess,
}

/// Computes the port rules for both TCP rights. A right that every port is allowed for is left
/// unrestricted: handling it would only cost 65,536 rules for the same result.
pub fn plan(layer: &Layer) -> NetPlan {
    let mut out = NetPlan::default();
    for right in [NetAccess::CONNECT_TCP, NetAccess::BIND_TCP] {
        let spans = ports::intervals(&layer.net_rules, right);
        if spans.iter().all(|(_, _, k)| *k == RuleKind::Allow) {
            continue;
        }
        out.restricted |= right;
        for (first, last, kind) in spans {
            match kind {
                RuleKind::Allow => out.rules.extend((first..=last).map(|port| PortRule {
                    port,
                    access: right,
                })),
                RuleKind::Ask => out.asked |= right,
                RuleKind::Deny => {}
            }
        }
    }
    out
}
