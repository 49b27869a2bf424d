//! The prompt side of `ask`: showing a held access to a person and bringing their answer back.
//!
//! The supervisor (which traps and holds the access) talks to one [`Prompter`]. A prompter only
//! *shows*: answers come back through the [`Answers`] it was built with, which forwards at most
//! one answer per ask to the supervisor's channel. Three prompters exist:
//!
//! - [`tty`]: the terminal llrun runs on, while the program is held on a pty of its own;
//! - [`socket`]: a versioned JSON-lines protocol on a unix socket ([`protocol`],
//!   `docs/protocol.md`), which `llrun prompt` ([`client`]), desktop dialogs and scripts speak;
//! - [`NoPrompter`]: nobody; every ask is denied at once.
//!
//! [`Fanout`] shows on several at once (the terminal *and* a socket); [`mode`] picks which from
//! the command line.

pub mod answers;
pub mod client;
pub mod mode;
pub mod protocol;
pub mod socket;
pub mod tty;

pub use answers::{Answers, Rejection};
pub use mode::{Mode, Plan};

use serde::{Deserialize, Serialize};

/// One pending ask as shown to a person.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Ask {
    /// Unique within the run; answers name it.
    pub id: u64,
    /// The asking process.
    pub pid: i32,
    /// `/proc/PID/exe` of the asking process.
    pub exe: String,
    /// Access words as in llp: `["read"]`, `["write", "create"]`, `["connect"]`.
    pub access: Vec<String>,
    pub target: Target,
    /// The deciding ask rule, `file:line`.
    pub rule: String,
    /// The profile's name or path ("always" answers go to its `.local` override).
    pub profile: String,
    /// The widenings the supervisor offers, narrowest first.
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// When the ask is denied by itself; `None`: it waits for an answer.
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// Whether "allow always" for the target itself is kept for later runs. False when the ask
    /// rule names the target itself (no remembered allow can outrank it) or its name cannot be
    /// written into a profile: such an answer holds for this run only, and a prompt says so (and
    /// why: [`Ask::run_only`]) before it is given.
    #[serde(default = "kept")]
    pub allow_always: bool,
    /// Why "always" holds for this run only, when it does: the ask rule names the target, or
    /// the target's name cannot be written into a profile (a control character, not UTF-8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_only: Option<String>,
}

fn kept() -> bool {
    true
}

/// What an ask is about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Target {
    /// A file or directory, absolute.
    Path { path: String },
    /// A TCP peer (connect) or local port (bind).
    Net { host: String, port: u16 },
}

/// One way to widen an answer beyond the exact target.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Choice {
    /// For people: "this file", "its folder", "the folder's contents", …
    pub label: String,
    /// The llp pattern (absolute, expanded) the answer would then cover.
    pub pattern: String,
}

/// A person's answer to one ask.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Answer {
    pub id: u64,
    pub decision: Decision,
    pub scope: Scope,
    /// The widened pattern; `None`: the exact target.
    #[serde(default)]
    pub pattern: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Allow,
    Deny,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// This access only.
    Once,
    /// Until the program ends.
    Run,
    /// Written into the profile's `.local` override.
    Always,
}

/// How an ask ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Answered(Answer),
    /// Nobody answered in time: denied.
    TimedOut,
    /// A profile edit decided it.
    Edited,
    /// The asking program is gone.
    Exited,
    /// The supervisor refused the answer (e.g. a pattern it cannot use): denied.
    Refused(String),
}

/// Where asks go. The supervisor calls these from its own threads; they never block on a person
/// or a client.
///
/// Contract: every ask for which [`Prompter::show`] returned `true` is later passed to
/// [`Prompter::resolved`], however it ended; until then it counts against the pending cap.
pub trait Prompter: Send + Sync {
    /// Shows an ask. Returns false when nobody can answer right now (the supervisor then denies
    /// at once and logs it).
    fn show(&self, ask: &Ask) -> bool;
    /// Withdraws an ask decided some other way, or confirms the decision to everyone who saw it
    /// (so that other clients drop it).
    fn resolved(&self, id: u64, how: &Resolution);
    /// A free-form notice for the user (reload results).
    fn notice(&self, text: &str);
}

impl<P: Prompter + ?Sized> Prompter for std::sync::Arc<P> {
    fn show(&self, ask: &Ask) -> bool {
        (**self).show(ask)
    }
    fn resolved(&self, id: u64, how: &Resolution) {
        (**self).resolved(id, how);
    }
    fn notice(&self, text: &str) {
        (**self).notice(text);
    }
}

/// Nobody to ask: every ask is denied at once (`--prompt none`, or no terminal and no socket).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoPrompter;

impl Prompter for NoPrompter {
    fn show(&self, _: &Ask) -> bool {
        false
    }
    fn resolved(&self, _: u64, _: &Resolution) {}
    fn notice(&self, _: &str) {}
}

/// Shows each ask on every prompter (the terminal and a socket): the first answer wins, provided
/// they share one [`Answers`].
pub struct Fanout(pub Vec<Box<dyn Prompter>>);

impl Prompter for Fanout {
    fn show(&self, ask: &Ask) -> bool {
        // Every prompter must see it, so no short-circuit.
        self.0.iter().fold(false, |shown, p| p.show(ask) | shown)
    }
    fn resolved(&self, id: u64, how: &Resolution) {
        self.0.iter().for_each(|p| p.resolved(id, how));
    }
    fn notice(&self, text: &str) {
        self.0.iter().for_each(|p| p.notice(text));
    }
}

/// Why an answer cannot stand for its ask, checked before it is forwarded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadPattern {
    #[error("the pattern is empty")]
    Empty,
    #[error("the pattern contains a control character")]
    Control,
    #[error("{0}")]
    Invalid(String),
    #[error("the pattern `{pattern}` does not cover `{target}`, so it would not answer this ask")]
    Uncovered { pattern: String, target: String },
    #[error("a network ask is widened with a port pattern (`443`, `8000-8100` or `*`), not `{0}`")]
    NotPorts(String),
}

impl Answer {
    /// Checks the widened pattern against the ask: a path pattern must be a valid absolute llp
    /// pattern covering the asked path; a network one a port list covering the asked port.
    pub fn check(&self, ask: &Ask) -> Result<(), BadPattern> {
        let Some(pattern) = &self.pattern else {
            return Ok(());
        };
        if pattern.is_empty() {
            return Err(BadPattern::Empty);
        }
        if pattern.chars().any(char::is_control) {
            return Err(BadPattern::Control);
        }
        match &ask.target {
            Target::Path { path } => {
                let parsed = crate::policy::pattern::Pattern::parse(pattern)
                    .map_err(|e| BadPattern::Invalid(e.to_string()))?;
                if parsed.covers(path) {
                    Ok(())
                } else {
                    Err(BadPattern::Uncovered {
                        pattern: pattern.clone(),
                        target: path.clone(),
                    })
                }
            }
            Target::Net { port, .. } => match ports_cover(pattern, *port) {
                Some(true) => Ok(()),
                Some(false) => Err(BadPattern::Uncovered {
                    pattern: pattern.clone(),
                    target: port.to_string(),
                }),
                None => Err(BadPattern::NotPorts(pattern.clone())),
            },
        }
    }
}

/// Whether a port list (`*`, `443`, `80,443`, `8000-8100`) covers `port`; `None` if it is not one.
fn ports_cover(list: &str, port: u16) -> Option<bool> {
    Some(ranges_cover(&port_ranges(list)?, port))
}

/// Whether one of the inclusive `ranges` holds `port`.
pub fn ranges_cover(ranges: &[(u16, u16)], port: u16) -> bool {
    ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&port))
}

/// The inclusive ranges of a port list (`*`, `443`, `80,443`, `8000-8100`); `None` if it is not
/// one.
pub fn port_ranges(list: &str) -> Option<Vec<(u16, u16)>> {
    list.split(',')
        .map(str::trim)
        .map(|item| {
            let (lo, hi) = match item.split_once('-') {
                _ if item == "*" => (0, u16::MAX),
                Some((lo, hi)) => (lo.parse::<u16>().ok()?, hi.parse::<u16>().ok()?),
                None => {
                    let p = item.parse::<u16>().ok()?;
                    (p, p)
                }
            };
            (lo <= hi).then_some((lo, hi))
        })
        .collect()
}

#[cfg(test)]
mod tests;
