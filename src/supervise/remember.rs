//! "Always": an answer written as llp text into the user's override for the profile,
//! `$XDG_CONFIG_HOME/llrun/profiles/NAME.local.llp`, which every profile reads after itself.

use super::log::Log;
use super::policy::{Policy, PortAnswer};
use crate::parse::write::{self, Unwritable};
use crate::policy::pattern::{Pattern, PatternError};
use crate::policy::{NetOp, RuleKind};
use crate::prompt::Ask;
use llrun_kernel::{FsAccess, NetAccess};
use std::path::PathBuf;

/// Why an "always" answer cannot be kept for later runs: it then holds for this run only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunOnly {
    /// The ask rule names the very file or port, and wins a tie with any allow.
    #[error("the ask rule names it")]
    Outranked,
    /// The name cannot be written into a profile as it is.
    #[error("{0}")]
    Unwritable(#[from] Unwritable),
    /// The pattern is not one a profile accepts (too deep, say).
    #[error("a profile cannot hold this pattern: {0}")]
    Invalid(#[from] PatternError),
}

/// The override file of one profile.
#[derive(Debug, Clone)]
pub struct Override {
    pub path: PathBuf,
}

impl Override {
    /// The override for profile `name` under `config_home`.
    pub fn for_profile(config_home: &str, name: &str) -> Override {
        Override {
            path: crate::resolve::user_override(config_home, name),
        }
    }

    /// Appends the rule for an answer, with a comment saying when and why. The file is
    /// replaced atomically and owner-only ([`crate::private`]), so a reader (the next run, or a
    /// live reload) never sees half a rule, and nobody else can add one.
    pub fn append(&self, rule: &str, ask: &Ask, log: &Log) {
        // The executable's name is the program's choice too: escaped onto the comment's line.
        let comment = write::comment(&format!(
            "added by llrun at {} (unix time): pid {} ({}) asked, rule {}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            ask.pid,
            ask.exe,
            ask.rule
        ));
        match self.write(&format!("{comment}\n{rule}\n")) {
            Ok(()) => log.event("remembered", format!("{} in {}", rule, self.path.display())),
            Err(e) => {
                eprintln!(
                    "llrun: cannot remember the answer in {}: {e}\n  = hint: add `{rule}` to it yourself",
                    self.path.display()
                );
                log.event("remember-failed", format!("{}: {e}", self.path.display()));
            }
        }
    }

    fn write(&self, addition: &str) -> std::io::Result<()> {
        let mut text = std::fs::read_to_string(&self.path).unwrap_or_default();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(addition);
        crate::private::write(&self.path, text.as_bytes())
    }
}

/// The rule to remember for an "always" answer about `path` (`text`: the answer's pattern), or
/// why none can be kept.
///
/// A remembered `deny` wins a tie with the ask rule, but an `allow` loses it (ask beats allow),
/// so an allow must be more specific than the ask rule that decides `path`, or the next run
/// would ask again. When `text` is not, the folder's contents (`text/*`) are one component more
/// specific; they cover the same files unless `path` is that very file, which only its own
/// exact pattern (the ask rule's) names.
pub fn path_rule(
    policy: &Policy,
    allow: bool,
    rights: FsAccess,
    path: &str,
    text: String,
) -> Result<String, RunOnly> {
    let asked_by = policy.layers.iter().find_map(|l| {
        rights
            .iter()
            .map(|r| l.layer.decide(r, path))
            .find(|d| d.kind == RuleKind::Ask)
            .and_then(|d| d.rule)
    });
    let pattern = match asked_by.filter(|_| allow) {
        None => text,
        Some(rule) => {
            let outranks = |t: &str| {
                Pattern::parse(t)
                    .is_ok_and(|p| p.covers(path) && p.specificity() > rule.pattern.specificity())
            };
            let contents = format!("{}/*", text.trim_end_matches('/'));
            [text, contents]
                .into_iter()
                .find(|t| outranks(t))
                .ok_or(RunOnly::Outranked)?
        }
    };
    // What the next run will parse: a pattern it would refuse must not reach the file.
    Pattern::parse(&pattern)?;
    let kind = if allow {
        RuleKind::Allow
    } else {
        RuleKind::Deny
    };
    Ok(write::fs_rule(kind, rights, &pattern)?)
}

/// The rule to remember for an "always" answer about TCP `port`: the answer's port list, or the
/// port alone where the list would not outrank the asking rule (a narrower range wins; a tie
/// goes deny > ask > allow), or `None` when nothing can.
pub fn port_rule(policy: &Policy, answer: &PortAnswer, port: u16) -> Option<String> {
    let asked_width =
        policy
            .layers
            .iter()
            .find_map(|l| match l.layer.decide_port(answer.access, port) {
                (RuleKind::Ask, Some(rule)) => Some(rule.ports.last - rule.ports.first),
                _ => None,
            });
    let outranks =
        |width: u16| asked_width.is_none_or(|w| width < w || (width == w && !answer.allow));
    let width = answer
        .ports
        .iter()
        .filter(|(lo, hi)| (*lo..=*hi).contains(&port))
        .map(|(lo, hi)| hi - lo)
        .min()?;
    let ports = if outranks(width) {
        answer.ports.clone()
    } else if outranks(0) {
        vec![(port, port)]
    } else {
        return None;
    };
    let kind = if answer.allow {
        RuleKind::Allow
    } else {
        RuleKind::Deny
    };
    let op = if answer.access == NetAccess::BIND_TCP {
        NetOp::Bind
    } else {
        NetOp::Connect
    };
    Some(write::tcp_rule(kind, op, &ports))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PortRange;
    use crate::policy::{Layer, NetRule};
    use crate::source::{FileId, SourceMap, Span};

    /// A policy whose only rule asks about `connect` on `first..=last`.
    fn asking(first: u16, last: u16) -> Policy {
        let layer = Layer {
            net_rules: vec![NetRule {
                kind: RuleKind::Ask,
                access: NetAccess::CONNECT_TCP,
                ports: PortRange { first, last },
                span: Span {
                    file: FileId(0),
                    start: 0,
                    end: 0,
                },
            }],
            ..Layer::default()
        };
        let kernel = crate::compile::support::Kernel { abi: 7 };
        let compiled = crate::compile::compile(&layer, &kernel, None).unwrap();
        let layers = vec![super::super::policy::SupervisedLayer::new(layer, &compiled)];
        Policy::new(layers, SourceMap::default(), Default::default())
    }

    fn answer(allow: bool, ports: &[(u16, u16)]) -> PortAnswer {
        PortAnswer {
            allow,
            access: NetAccess::CONNECT_TCP,
            ports: ports.to_vec(),
        }
    }

    #[test]
    fn a_remembered_port_rule_outranks_the_rule_that_asked() {
        let wide = asking(1024, 65535);
        let both = answer(true, &[(8080, 8080), (9000, 9100)]);
        assert_eq!(
            port_rule(&wide, &both, 8080).as_deref(),
            Some("allow connect tcp 8080,9000-9100")
        );
        // `*` is wider than the asking range and would lose: the port alone is remembered.
        let all = answer(true, &[(0, u16::MAX)]);
        assert_eq!(
            port_rule(&wide, &all, 8080).as_deref(),
            Some("allow connect tcp 8080")
        );
        // An ask on that very port wins a tie with an allow, never with a deny.
        let exact = asking(8080, 8080);
        assert_eq!(
            port_rule(&exact, &answer(true, &[(8080, 8080)]), 8080),
            None
        );
        assert_eq!(
            port_rule(&exact, &answer(false, &[(0, u16::MAX)]), 8080).as_deref(),
            Some("deny connect tcp 8080")
        );
    }
}
