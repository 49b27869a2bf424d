//! The overall verdict of `llrun explain`: what a real process will experience for each right,
//! all layers and the supervisor taken together.
//!
//! The per-layer entries say what each profile decides and what its Landlock layer grants;
//! a program meets both at once. This is the one answer that can be compared with the kernel
//! (the differential test does, `tests/differential/`). It is computed from the entries and
//! the supervisor's documented rules (`src/supervise/policy.rs`, `Policy::decide`), not by
//! calling the supervisor's code, so that a disagreement between the two shows up as a test
//! failure instead of being shared.

use super::explain::Entry;
use crate::policy::access::raw_name;
use llrun_kernel::FsAccess;
use serde::Serialize;

/// What happens to one right on one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Landlock grants it in every layer: the call runs as if unsandboxed.
    Granted,
    /// The profile allows it but Landlock does not (a carve): the supervisor performs the call
    /// itself, so it succeeds.
    CarriedOut,
    /// An `ask` rule decides: the call waits for an answer (allow: carried out; deny, nobody
    /// to ask, or a time-out: `EACCES`).
    Asked,
    /// Refused with `EACCES`.
    Denied,
}

/// The verdict for one right.
#[derive(Debug, Clone, Serialize)]
pub struct RightVerdict {
    pub right: String,
    pub outcome: Outcome,
    /// The layer that denied or asked (1-based); `None` when every layer lets it through.
    pub layer: Option<usize>,
    /// Its deciding rule as `file:line` (`None` for the default deny).
    pub rule: Option<String>,
}

/// How the run is supervised, as far as the verdict cares.
#[derive(Debug, Clone, Copy)]
pub struct Supervision {
    /// Whether a supervisor runs at all (some layer has `ask` rules).
    pub runs: bool,
    /// The rights whose calls it traps and decides (asked about or narrowed in some layer).
    pub rights: FsAccess,
}

/// One verdict per right in `rights`, from the explanation `entries` of those rights.
pub fn verdicts(
    rights: FsAccess,
    entries: &[Entry],
    supervision: Supervision,
) -> Vec<RightVerdict> {
    rights
        .iter()
        .map(|right| {
            let name = raw_name(right);
            let layers: Vec<&Entry> = entries.iter().filter(|e| e.right == name).collect();
            if supervision.runs && supervision.rights.contains(right) {
                supervised(&name, &layers)
            } else {
                landlock_alone(&name, &layers)
            }
        })
        .collect()
}

/// Untrapped: every Landlock layer must grant it.
fn landlock_alone(right: &str, layers: &[&Entry]) -> RightVerdict {
    match layers.iter().find(|e| !e.kernel_allows) {
        Some(refusing) => verdict(right, Outcome::Denied, Some(refusing)),
        None => verdict(right, Outcome::Granted, None),
    }
}

/// Trapped: as the supervisor decides. A deny in any layer refuses; what every Landlock layer
/// grants continues; an ask in any layer asks; the rest the supervisor carries out.
fn supervised(right: &str, layers: &[&Entry]) -> RightVerdict {
    if let Some(deny) = layers.iter().find(|e| e.decision == "deny") {
        return verdict(right, Outcome::Denied, Some(deny));
    }
    if layers.iter().all(|e| e.kernel_allows) {
        return verdict(right, Outcome::Granted, None);
    }
    match layers.iter().find(|e| e.decision == "ask") {
        Some(ask) => verdict(right, Outcome::Asked, Some(ask)),
        None => verdict(right, Outcome::CarriedOut, None),
    }
}

fn verdict(right: &str, outcome: Outcome, deciding: Option<&&Entry>) -> RightVerdict {
    RightVerdict {
        right: right.to_string(),
        outcome,
        layer: deciding.map(|e| e.layer),
        rule: deciding.and_then(|e| e.rule.clone()),
    }
}
