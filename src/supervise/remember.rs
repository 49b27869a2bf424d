//! "Always": an answer written as llp text into the user's override for the profile,
//! `$XDG_CONFIG_HOME/llrun/profiles/NAME.local.llp`, which the shipped profiles include.

use super::log::Log;
use super::policy::{Policy, PortAnswer};
use crate::policy::RuleKind;
use crate::policy::pattern::Pattern;
use crate::prompt::Ask;
use llrun_kernel::{FsAccess, NetAccess};
use std::io::Write;
use std::path::PathBuf;

/// The override file of one profile.
#[derive(Debug, Clone)]
pub struct Override {
    pub path: PathBuf,
}

impl Override {
    /// The override for profile `name` under `config_home`.
    pub fn for_profile(config_home: &str, name: &str) -> Override {
        let stem = std::path::Path::new(name)
            .file_stem()
            .map_or_else(|| name.to_string(), |s| s.to_string_lossy().into_owned());
        Override {
            path: PathBuf::from(config_home).join(format!("llrun/profiles/{stem}.local.llp")),
        }
    }

    /// Appends the rule for an answer, with a comment saying when and why. The file is
    /// replaced atomically (written beside it, then renamed), so a reader (the next run, or a
    /// live reload) never sees half a rule.
    pub fn append(&self, rule: &str, ask: &Ask, log: &Log) {
        let comment = format!(
            "# added by llrun at {} (unix time): pid {} ({}) asked, rule {}\n",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            ask.pid,
            ask.exe.replace('\n', " "),
            ask.rule
        );
        match self.write(&format!("{comment}{rule}\n")) {
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
        use std::os::unix::fs::OpenOptionsExt;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut text = std::fs::read_to_string(&self.path).unwrap_or_default();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(addition);
        let tmp = self
            .path
            .with_extension(format!("llp.tmp{}", std::process::id()));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &self.path)
    }
}

/// The rule to remember for an "always" answer about `path`, or `None` when no pattern can
/// express it.
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
) -> Option<String> {
    let asked_by = policy.layers.iter().find_map(|l| {
        rights
            .iter()
            .map(|r| l.layer.decide(r, path))
            .find(|d| d.kind == RuleKind::Ask)
            .and_then(|d| d.rule)
    });
    let pattern = match asked_by.filter(|_| allow) {
        None => Some(text),
        Some(rule) => {
            let outranks = |t: &str| {
                Pattern::parse(t)
                    .is_ok_and(|p| p.covers(path) && p.specificity() > rule.pattern.specificity())
            };
            let contents = format!("{}/*", text.trim_end_matches('/'));
            [text, contents].into_iter().find(|t| outranks(t))
        }
    };
    pattern.map(|p| rule_text(allow, rights, &p))
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
        port_list(&answer.ports)
    } else if outranks(0) {
        port.to_string()
    } else {
        return None;
    };
    let kind = if answer.allow { "allow" } else { "deny" };
    let verb = if answer.access == NetAccess::BIND_TCP {
        "bind"
    } else {
        "connect"
    };
    Some(format!("{kind} {verb} tcp {ports}"))
}

/// `80,443,8000-8100`, or `*` for every port.
fn port_list(ranges: &[(u16, u16)]) -> String {
    ranges
        .iter()
        .map(|&(lo, hi)| match (lo, hi) {
            (0, u16::MAX) => "*".to_string(),
            _ if lo == hi => lo.to_string(),
            _ => format!("{lo}-{hi}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The llp rule for an answer: the pattern quoted, so spaces and unicode survive.
pub fn rule_text(allow: bool, rights: FsAccess, pattern: &str) -> String {
    let kind = if allow { "allow" } else { "deny" };
    let quoted = pattern.replace('\\', "\\\\").replace('"', "\\\"");
    format!("{kind} {} \"{quoted}\"", words(rights))
}

/// The access words that cover `rights`, widened to whole words (`fs.read_file` is `read`): a
/// person answered about reading a file, and the rule they keep should read as they think.
pub fn words(rights: FsAccess) -> String {
    const FAMILIES: [(&str, FsAccess); 7] = [
        ("read", FsAccess::READ_FILE.union(FsAccess::READ_DIR)),
        ("write", FsAccess::WRITE_FILE),
        ("exec", FsAccess::EXECUTE),
        (
            "create",
            FsAccess::MAKE_REG
                .union(FsAccess::MAKE_DIR)
                .union(FsAccess::MAKE_SYM)
                .union(FsAccess::MAKE_SOCK)
                .union(FsAccess::MAKE_FIFO)
                .union(FsAccess::REFER),
        ),
        ("delete", FsAccess::REMOVE_FILE.union(FsAccess::REMOVE_DIR)),
        ("truncate", FsAccess::TRUNCATE),
        ("ioctl", FsAccess::IOCTL_DEV),
    ];
    let mut out: Vec<String> = FAMILIES
        .iter()
        .filter(|(_, bits)| bits.intersects(rights))
        .map(|(w, _)| (*w).to_string())
        .collect();
    let rest = rights - FAMILIES.iter().fold(FsAccess::empty(), |a, (_, b)| a | *b);
    if !rest.is_empty() {
        out.push(crate::policy::access::raw_name(rest));
    }
    out.join(",")
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
