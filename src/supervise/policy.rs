//! The supervised layer's decisions: the profile's verdict for one (rights, path) across every
//! layer, what the static Landlock layers already grant, and the answers given during the run.
//!
//! Modelled on Landlock's coming "mutable domains": an answer adds a rule to a layer llrun owns
//! ([`Answers`]) instead of letting single events through, so that a kernel backend can take
//! the same rules later.

use super::clean::Clean;
use crate::compile::CompiledLayer;
use crate::policy::RuleKind;
use crate::policy::pattern::Pattern;
use crate::policy::{Layer, NetRule};
use crate::source::{SourceMap, Span};
use llrun_kernel::{FsAccess, NetAccess};
use std::collections::HashMap;

/// A live edit that does not have one layer for each of the running program's Landlock layers.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the edited profiles make {edited} layer(s), the running program has {running}")]
pub struct LayerCount {
    pub running: usize,
    pub edited: usize,
}

impl LayerCount {
    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        "layers are fixed at start; restart the program to change them"
    }
}

/// What the supervisor does with one trapped access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The static Landlock layers grant it: let the kernel run the call (Landlock re-checks).
    Continue,
    /// The profile allows it but Landlock does not (a carve, or an earlier answer): llrun
    /// performs the call itself.
    Perform(Why),
    /// An `ask` rule decides: ask a person (the rule is the deciding `ask`).
    Ask(Span),
    /// Refused (the deciding rule, if any).
    Deny(Option<Span>),
}

/// Why llrun performs a call the static layers would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// The profile allows it; carving made the static rule narrower.
    Exactness,
    /// An answer given earlier in this run (or remembered).
    Answered,
}

/// An answer kept for the rest of the run: a rule of llrun's own supervised layer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub allow: bool,
    pub access: FsAccess,
    pub pattern: Pattern,
}

/// Answers for TCP ports, kept for the rest of the run: the asked port, or the port list the
/// answer widened it to.
#[derive(Debug, Clone)]
pub struct PortAnswer {
    pub allow: bool,
    pub access: NetAccess,
    /// Inclusive ranges.
    pub ports: Vec<(u16, u16)>,
}

impl PortAnswer {
    fn covers(&self, port: u16) -> bool {
        crate::prompt::ranges_cover(&self.ports, port)
    }
}

/// What the static Landlock layer of one profile layer grants, by canonical path.
#[derive(Debug, Default)]
struct StaticGrants {
    by_path: HashMap<String, FsAccess>,
    ports: Vec<(NetAccess, u16)>,
    /// Rights the layer does not handle are not restricted by it at all.
    handled_fs: FsAccess,
    handled_net: NetAccess,
    /// Rights the layer restricts that only the supervisor enforces on this kernel.
    supervised: FsAccess,
}

impl StaticGrants {
    fn of(compiled: &CompiledLayer) -> StaticGrants {
        let mut by_path: HashMap<String, FsAccess> = HashMap::new();
        for rule in &compiled.plan.path_rules {
            *by_path
                .entry(rule.path.to_string_lossy().into_owned())
                .or_default() |= rule.access;
        }
        StaticGrants {
            by_path,
            ports: compiled
                .plan
                .port_rules
                .iter()
                .map(|r| (r.access, r.port))
                .collect(),
            handled_fs: compiled.plan.handled_fs,
            handled_net: compiled.plan.handled_net,
            supervised: compiled.supervised,
        }
    }

    /// Whether Landlock grants all of `rights` on `path`.
    fn grants(&self, rights: FsAccess, path: &str) -> bool {
        self.granted(rights, path).contains(rights)
    }

    /// Which of `rights` Landlock grants on `path`: the union of the rules on the path and its
    /// ancestors, as Landlock adds them up along the inode's ancestry.
    fn granted(&self, rights: FsAccess, path: &str) -> FsAccess {
        let mut have = !self.handled_fs;
        let mut end = path.len();
        loop {
            if have.contains(rights) {
                return rights;
            }
            let prefix = if end == 0 { "/" } else { &path[..end] };
            if let Some(a) = self.by_path.get(prefix) {
                have |= *a;
            }
            if end == 0 {
                return have & rights;
            }
            end = path[..end].rfind('/').unwrap_or(0);
        }
    }

    fn grants_port(&self, access: NetAccess, port: u16) -> bool {
        !self.handled_net.contains(access) || self.ports.contains(&(access, port))
    }
}

/// One profile layer as the supervisor sees it.
#[derive(Debug)]
pub struct SupervisedLayer {
    pub layer: Layer,
    statics: StaticGrants,
}

impl SupervisedLayer {
    pub fn new(layer: Layer, compiled: &CompiledLayer) -> SupervisedLayer {
        SupervisedLayer {
            statics: StaticGrants::of(compiled),
            layer,
        }
    }
}

/// The live policy: every layer, plus the answers given in this run.
#[derive(Debug)]
pub struct Policy {
    pub layers: Vec<SupervisedLayer>,
    pub sources: SourceMap,
    /// Which directories need no look (the fast path's shortcut for `openat`).
    pub clean: Clean,
    answers: Vec<Answer>,
    port_answers: Vec<PortAnswer>,
}

impl Policy {
    pub fn new(layers: Vec<SupervisedLayer>, sources: SourceMap, clean: Clean) -> Policy {
        Policy {
            layers,
            sources,
            clean,
            answers: Vec::new(),
            port_answers: Vec::new(),
        }
    }

    /// The verdict for `rights` (each one decided on its own) on a canonical absolute `path`,
    /// with `once` (a single-event answer) counted as if it were remembered. Answers are
    /// matched against `target`: the entry a creation or removal is about, where `path` is its
    /// directory (as Landlock decides), so that an answer can be exact about one new file.
    pub fn decide(
        &self,
        rights: FsAccess,
        path: &str,
        target: &str,
        once: Option<&Answer>,
    ) -> Verdict {
        let mut ask = None;
        for layer in &self.layers {
            for right in rights.iter() {
                let d = layer.layer.decide(right, path);
                match d.kind {
                    RuleKind::Deny => return Verdict::Deny(d.rule.map(|r| r.span)),
                    RuleKind::Ask => ask = ask.or(d.rule.map(|r| r.span)),
                    RuleKind::Allow => {}
                }
            }
        }
        // An `ask` asks even where the static layers grant: at start they never do (the carve
        // keeps rules off what a layer asks about), but a live edit can ask about a path the
        // running program was granted, and llrun then asks about the calls it traps.
        let why = match ask {
            None => Why::Exactness,
            Some(rule) => match self.answered(rights, target, once) {
                Some(true) => Why::Answered,
                Some(false) => return Verdict::Deny(Some(rule)),
                None => return Verdict::Ask(rule),
            },
        };
        if self.layers.iter().all(|l| l.statics.grants(rights, path)) {
            Verdict::Continue
        } else {
            Verdict::Perform(why)
        }
    }

    /// The most specific answer that covers every right (a deny answer wins a tie).
    fn answered(&self, rights: FsAccess, path: &str, once: Option<&Answer>) -> Option<bool> {
        let mut verdict: Option<bool> = None;
        for right in rights.iter() {
            let best = self
                .answers
                .iter()
                .chain(once)
                .filter(|a| a.access.contains(right) && a.pattern.covers(path))
                .max_by_key(|a| (a.pattern.specificity(), !a.allow))?;
            if !best.allow {
                return Some(false);
            }
            verdict = Some(true);
        }
        verdict
    }

    /// The rights among `rights` the policy lets the program have on `path` (statically or
    /// through llrun): a rename or link must not move a file to where it gains any.
    pub fn allowed(&self, rights: FsAccess, path: &str) -> FsAccess {
        rights
            .iter()
            .filter(|r| {
                matches!(
                    self.decide(*r, path, path, None),
                    Verdict::Continue | Verdict::Perform(_)
                )
            })
            .fold(FsAccess::empty(), |a, r| a | r)
    }

    /// The verdict for a TCP port, with `once` (a single-event answer) counted.
    pub fn decide_port(&self, access: NetAccess, port: u16, once: Option<&PortAnswer>) -> Verdict {
        let mut ask = None;
        for layer in &self.layers {
            let (kind, rule) = layer.layer.decide_port(access, port);
            let span = rule.map(|r: &NetRule| r.span);
            match kind {
                RuleKind::Deny => return Verdict::Deny(span),
                RuleKind::Ask => ask = ask.or(span),
                RuleKind::Allow => {}
            }
        }
        let why = match ask {
            None => Why::Exactness,
            Some(rule) => {
                let answer = once
                    .into_iter()
                    .chain(self.port_answers.iter().rev())
                    .find(|a| a.access.contains(access) && a.covers(port));
                match answer {
                    Some(a) if a.allow => Why::Answered,
                    Some(_) => return Verdict::Deny(Some(rule)),
                    None => return Verdict::Ask(rule),
                }
            }
        };
        if self.static_port(access, port) {
            Verdict::Continue
        } else {
            Verdict::Perform(why)
        }
    }

    /// Replaces the profile layers (a live edit), keeping the answers given so far except those
    /// a new `deny` now covers: an edit that denies takes back what an answer granted. What the
    /// static Landlock layers grant stays as it was: the running program's rulesets cannot
    /// change, so verdicts must keep describing them.
    pub fn replace_layers(
        &mut self,
        layers: Vec<Layer>,
        sources: SourceMap,
    ) -> Result<(), LayerCount> {
        if layers.len() != self.layers.len() {
            return Err(LayerCount {
                running: self.layers.len(),
                edited: layers.len(),
            });
        }
        for (supervised, layer) in self.layers.iter_mut().zip(layers) {
            supervised.layer = layer;
        }
        self.sources = sources;
        // The special places were worked out from the profile at start.
        self.clean.taint();
        let layers = &self.layers;
        self.answers.retain(|a| {
            !a.allow
                || !a.access.iter().any(|r| {
                    layers.iter().any(|l| {
                        l.layer.decide(r, a.pattern.text()).kind == RuleKind::Deny
                            && l.layer.decide(r, a.pattern.text()).rule.is_some()
                    })
                })
        });
        // A `deny` that now decides any of an answer's ports takes all of it back (asking
        // again is the safe side).
        self.port_answers
            .retain(|a| !a.allow || !a.ports.iter().any(|r| denied_within(layers, a.access, *r)));
        Ok(())
    }

    /// Which of `rights` every static Landlock layer grants on `path`: what the running
    /// program has whatever the profile says now.
    pub fn static_rights(&self, rights: FsAccess, path: &str) -> FsAccess {
        self.layers
            .iter()
            .fold(rights, |have, l| have & l.statics.granted(rights, path))
    }

    /// The static Landlock rules of every layer: a path and the rights attached to it.
    pub fn static_rules(&self) -> Vec<(&str, FsAccess)> {
        self.layers
            .iter()
            .flat_map(|l| l.statics.by_path.iter().map(|(p, a)| (p.as_str(), *a)))
            .collect()
    }

    /// Whether every static layer lets `access` to `port` through.
    pub fn static_port(&self, access: NetAccess, port: u16) -> bool {
        self.layers
            .iter()
            .all(|l| l.statics.grants_port(access, port))
    }

    /// The ports a static rule names, in every layer.
    pub fn static_port_rules(&self) -> Vec<(NetAccess, u16)> {
        self.layers
            .iter()
            .flat_map(|l| l.statics.ports.iter().copied())
            .collect()
    }

    /// Keeps an answer for the rest of the run.
    pub fn remember(&mut self, answer: Answer) {
        self.answers.push(answer);
    }

    pub fn remember_port(&mut self, answer: PortAnswer) {
        self.port_answers.push(answer);
    }

    /// Whether the run needs a supervisor at all: some layer asks, or restricts what only the
    /// supervisor can enforce on this kernel (unix socket paths before Landlock ABI 9).
    pub fn needs_supervisor(compiled: &[CompiledLayer]) -> bool {
        compiled
            .iter()
            .any(|c| c.has_asks || c.isolates_abstract || !c.supervised.is_empty())
    }

    /// Whether the supervisor decides every unix socket `connect` (the kernel cannot): then it
    /// also carries out every other `connect` it traps, since letting the kernel run one would
    /// let the program swap in a unix socket after the decision.
    pub fn supervises_unix(&self) -> bool {
        self.layers
            .iter()
            .any(|l| l.statics.supervised.contains(FsAccess::RESOLVE_UNIX))
    }

    /// Whether some layer isolates abstract unix sockets. The supervisor connects outside the
    /// sandbox, where the scope does not hold, so it refuses those itself.
    pub fn isolates_abstract_unix(&self) -> bool {
        self.layers.iter().any(|l| {
            l.layer
                .scopes
                .contains(llrun_kernel::Scopes::ABSTRACT_UNIX_SOCKET)
        })
    }
}

/// Whether a `deny` rule of some layer decides `access` on a port in `lo..=hi`. The decision
/// only changes where a rule's range starts or ends, so those ports (and `lo`) are all to check.
fn denied_within(layers: &[SupervisedLayer], access: NetAccess, (lo, hi): (u16, u16)) -> bool {
    let edges = layers
        .iter()
        .flat_map(|l| &l.layer.net_rules)
        .flat_map(|r| [r.ports.first, r.ports.last.saturating_add(1)]);
    std::iter::once(lo)
        .chain(edges.filter(|p| (lo..=hi).contains(p)))
        .any(|p| {
            layers
                .iter()
                .any(|l| matches!(l.layer.decide_port(access, p), (RuleKind::Deny, Some(_))))
        })
}
