//! Telling the user what a reload did: a notice on every prompt channel (the terminal prompt and
//! socket clients), a line in the `--log` file, llrun's stderr when there is no prompt channel,
//! and the profile part of `status` replies.

use super::limits::{Kind, Limit};
use crate::prompt::protocol::{ProfileStatus, ReloadStatus};
use crate::prompt::socket::SocketPrompter;
use crate::supervise::Shared;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

/// At most this many limits are shown after one reload; the log has them all.
const SHOWN_LIMITS: usize = 8;

/// Where reload results go.
pub struct Reporter {
    shared: Arc<Shared>,
    socket: Option<Arc<SocketPrompter>>,
    /// No prompt channel: print notices on llrun's stderr.
    echo: bool,
    status: ProfileStatus,
    /// The last invalid edit's error, so that retries do not repeat it.
    last_error: Option<String>,
    /// The limits of the version in force, by key.
    limits: HashSet<String>,
    /// Directories already reported as not watchable.
    unwatched: HashSet<String>,
}

impl Reporter {
    pub fn new(shared: Arc<Shared>, socket: Option<Arc<SocketPrompter>>, echo: bool) -> Reporter {
        Reporter {
            shared,
            socket,
            echo,
            status: initial(true, 0),
            last_error: None,
            limits: HashSet::new(),
            unwatched: HashSet::new(),
        }
    }

    /// How many files the version in force depends on.
    pub fn following(&mut self, files: usize) {
        self.status.files = files;
        self.publish();
    }

    /// A new version is in force.
    pub fn applied(&mut self, version: u64, changed: &[PathBuf]) {
        self.last_error = None;
        let files: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
        let message = format!("version {version} in force (changed: {})", files.join(", "));
        self.status.version = version;
        self.record("applied", &message);
        self.say("reload", &format!("profile {message}"));
    }

    /// The files changed back, or not at all: nothing to put in force.
    pub fn unchanged(&mut self, version: u64) {
        let message = format!("version {version} stays in force (no profile text changed)");
        self.record("unchanged", &message);
        self.shared
            .log_event("reload", format!("unchanged: {message}"));
    }

    /// The edit cannot be used: the version in force stays.
    pub fn invalid(&mut self, version: u64, problem: &Problem) {
        let message = format!(
            "profile edit not applied, version {version} stays in force: {}",
            problem.line
        );
        self.record("invalid", &message);
        if self.last_error.as_deref() == Some(problem.full.as_str()) {
            return;
        }
        self.last_error = Some(problem.full.clone());
        self.shared.log_event(
            "reload",
            format!(
                "invalid: version {version} stays in force: {}",
                problem.full
            ),
        );
        self.show(&message);
    }

    /// The limits of the version now in force; only those not reported before are shown. At
    /// start (`baseline`), only the warnings are: the rest describes the profile as started.
    pub fn limits(&mut self, limits: Vec<Limit>, baseline: bool) {
        let fresh: Vec<&Limit> = limits
            .iter()
            .filter(|l| !self.limits.contains(&l.key))
            .filter(|l| !baseline || l.kind == Kind::SelfEdit)
            .collect();
        for (i, limit) in fresh.iter().enumerate() {
            self.shared.log_event("live-limit", limit.text.clone());
            if i < SHOWN_LIMITS {
                self.show(&limit.text);
            }
        }
        if fresh.len() > SHOWN_LIMITS {
            self.show(&format!(
                "… and {} more that apply at the next start (see the --log file)",
                fresh.len() - SHOWN_LIMITS
            ));
        }
        self.limits = limits.into_iter().map(|l| l.key).collect();
    }

    /// Trouble with the watches themselves: edits there will not be seen.
    pub fn unwatched(&mut self, failed: &[String]) {
        for f in failed {
            if !self.unwatched.insert(f.clone()) {
                continue;
            }
            self.say(
                "live",
                &format!(
                    "warning: cannot follow edits in {f}; edits there apply at the next start"
                ),
            );
        }
    }

    fn record(&mut self, result: &str, message: &str) {
        self.status.last_reload = Some(ReloadStatus {
            time_ms: now_ms(),
            result: result.to_string(),
            message: message.to_string(),
        });
        self.publish();
    }

    fn publish(&self) {
        if let Some(socket) = &self.socket {
            socket.set_profile(self.status.clone());
        }
    }

    /// Logs `text` as `event` and shows it.
    fn say(&self, event: &str, text: &str) {
        self.shared.log_event(event, text.to_string());
        self.show(text);
    }

    fn show(&self, text: &str) {
        self.shared.notice(text);
        if self.echo {
            eprintln!("llrun: {text}");
        }
    }
}

/// The profile part of `status` before any reload.
pub fn initial(live: bool, files: usize) -> ProfileStatus {
    ProfileStatus {
        version: 1,
        live,
        files,
        last_reload: None,
    }
}

/// Why an edit was not put in force: in full for the log, and in one line for notices and
/// `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    full: String,
    line: String,
}

impl Problem {
    /// The profiles do not load or compile, as the next start would say.
    pub fn of_profiles(e: &crate::error::Error) -> Problem {
        match e.rendered() {
            Some(text) => Problem {
                full: text.to_string(),
                line: condensed(text),
            },
            None => Problem::plain(&e.to_string(), e.hint()),
        }
    }

    /// The edit has another number of layers than the running program.
    pub fn of_layers(e: &crate::supervise::policy::LayerCount) -> Problem {
        Problem::plain(&e.to_string(), Some(e.hint()))
    }

    fn plain(message: &str, hint: Option<&str>) -> Problem {
        let first = message.lines().next().unwrap_or_default();
        match hint {
            Some(hint) => Problem {
                full: format!("{message}\n  = hint: {hint}"),
                line: format!("{first} (hint: {hint})"),
            },
            None => Problem {
                full: message.to_string(),
                line: first.to_string(),
            },
        }
    }
}

/// A rendered profile error in one line: `file:line:col: error: …` and its hint.
fn condensed(error: &str) -> String {
    let mut lines = error.lines();
    let first = lines.next().unwrap_or_default().trim();
    match lines.find_map(|l| l.split_once("= hint: ")) {
        Some((_, hint)) => format!("{first} (hint: {hint})"),
        None => first.to_string(),
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::{Problem, condensed};
    use crate::supervise::policy::LayerCount;

    #[test]
    fn a_plain_error_keeps_its_hint_in_both_forms() {
        let p = Problem::of_layers(&LayerCount {
            running: 2,
            edited: 1,
        });
        assert_eq!(
            p.line,
            "the edited profiles make 1 layer(s), the running program has 2 (hint: layers are fixed at start; restart the program to change them)"
        );
        assert!(p.full.ends_with(
            "\n  = hint: layers are fixed at start; restart the program to change them"
        ));
    }

    #[test]
    fn a_rendered_error_becomes_one_line_with_its_location_and_hint() {
        let rendered = "/p/a.llp:3:7: error: unknown access word `wrte`\n  |\n3 | deny wrte /x\n  |      ^^^^\n  = hint: did you mean `write`?\n";
        assert_eq!(
            condensed(rendered),
            "/p/a.llp:3:7: error: unknown access word `wrte` (hint: did you mean `write`?)"
        );
    }
}
