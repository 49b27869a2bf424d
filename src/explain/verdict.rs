//! The overall verdict of `llrun explain`: what a real process will experience for each right,
//! all layers and the supervisor taken together.
//!
//! The per-layer entries say what each profile decides and what its Landlock layer grants;
//! a program meets both at once. This is the one answer that can be compared with the kernel
//! (the differential test does, `tests/differential/`). It is computed from the entries, the
//! calls the supervised filter traps (`src/supervise/shape.rs`) and the supervisor's documented
//! rules (`Policy::decide`, `src/supervise/policy.rs`), not by calling the supervisor's code,
//! so that a disagreement between the two shows up as a test failure instead of being shared.

use super::Entry;
use crate::compile::CompiledLayer;
use crate::policy::Layer;
use crate::policy::access::raw_name;
use crate::supervise::policy::Policy;
use llrun_kernel::FsAccess;
use llrun_kernel::seccomp::{Shape, Trapped};
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

/// How a run of the profiles is supervised, as far as explain cares.
#[derive(Debug, Clone)]
pub struct Supervision {
    /// Whether a supervisor runs at all (some layer has `ask` rules, or restricts unix
    /// sockets on a kernel before Landlock ABI 9).
    pub runs: bool,
    /// Why it runs, in words.
    pub why: Option<&'static str>,
    /// The calls its filter traps.
    shape: Shape,
}

impl Supervision {
    pub fn of(layers: &[Layer], compiled: &[CompiledLayer]) -> Supervision {
        let why = if compiled.iter().any(|c| c.has_asks) {
            Some("the profile has `ask` rules")
        } else if compiled.iter().any(|c| !c.supervised.is_empty()) {
            Some("it decides unix socket connects, which this kernel's Landlock cannot")
        } else if compiled.iter().any(|c| c.isolates_abstract) {
            Some("it refuses abstract unix connects as unheard, so that X11 falls back")
        } else {
            None
        };
        Supervision {
            runs: Policy::needs_supervisor(compiled),
            why,
            shape: crate::supervise::shape::of(layers, compiled),
        }
    }

    /// Whether the supervisor decides `right`: it runs, and its filter traps the call a program
    /// makes to use the right (opening for reading, for writing, `mkdir`, `unlink`, …). Any
    /// other call goes straight to Landlock.
    pub fn decides(&self, right: FsAccess) -> bool {
        let Some((call, read_only)) = usual_call(right) else {
            return false;
        };
        self.runs && self.shape.calls.contains(&call) && (!read_only || self.shape.read_only_opens)
    }
}

/// The call through which a program uses `right`, and whether it is an open for reading only
/// (which the filter may let through when nothing about reading is supervised). `None` for
/// rights no trapped call exercises (executing, device ioctls).
fn usual_call(right: FsAccess) -> Option<(Trapped, bool)> {
    let call = match right {
        FsAccess::READ_FILE | FsAccess::READ_DIR => return Some((Trapped::Openat, true)),
        FsAccess::WRITE_FILE | FsAccess::TRUNCATE | FsAccess::MAKE_REG => Trapped::Openat,
        FsAccess::MAKE_DIR => Trapped::Mkdirat,
        FsAccess::MAKE_SYM => Trapped::Symlinkat,
        FsAccess::MAKE_SOCK | FsAccess::MAKE_FIFO | FsAccess::MAKE_CHAR | FsAccess::MAKE_BLOCK => {
            Trapped::Mknodat
        }
        FsAccess::REMOVE_FILE => Trapped::Unlinkat,
        FsAccess::REMOVE_DIR => Trapped::Rmdir,
        FsAccess::REFER => Trapped::Renameat2,
        FsAccess::RESOLVE_UNIX => Trapped::Connect,
        _ => return None,
    };
    Some((call, false))
}

/// One verdict per right in `rights`, from the explanation `entries` of those rights on the
/// real path. (The supervisor's fast path lets a call through on its name only when no
/// symlink is on the way, so the real path decides.)
pub fn verdicts(
    rights: FsAccess,
    entries: &[Entry],
    supervision: &Supervision,
) -> Vec<RightVerdict> {
    rights
        .iter()
        .map(|right| {
            let layers = of(entries, right);
            let name = raw_name(right);
            if supervision.decides(right) {
                supervised(&name, &layers)
            } else {
                landlock_alone(&name, &layers)
            }
        })
        .collect()
}

/// The entries of one right.
fn of(entries: &[Entry], right: FsAccess) -> Vec<&Entry> {
    entries.iter().filter(|e| e.access == right).collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::shape::for_rights;
    use llrun_kernel::NetAccess;

    /// Supervising a right alone traps the call explain assumes uses it: the two tables agree.
    #[test]
    fn the_usual_call_of_each_right_is_trapped_when_the_right_is_supervised() {
        for right in FsAccess::all().iter() {
            let shape = for_rights(right, NetAccess::empty());
            match usual_call(right) {
                Some((call, read_only)) => {
                    assert!(shape.calls.contains(&call), "{right:?}: {call:?}");
                    assert_eq!(shape.read_only_opens, read_only, "{right:?}");
                }
                None => assert!(
                    !shape.read_only_opens && shape.calls.is_empty(),
                    "{right:?} is trapped: {:?}",
                    shape.calls
                ),
            }
        }
    }
}
