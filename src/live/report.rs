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
            .log
            .event("reload", format!("unchanged: {message}"));
    }

    /// The edit cannot be used: the version in force stays.
    pub fn invalid(&mut self, version: u64, error: &str) {
        let message = format!(
            "profile edit not applied, version {version} stays in force: {}",
            condensed(error)
        );
        self.record("invalid", &message);
        if self.last_error.as_deref() == Some(error) {
            return;
        }
        self.last_error = Some(error.to_string());
        self.shared.log.event(
            "reload",
            format!("invalid: version {version} stays in force: {error}"),
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
            self.shared.log.event("live-limit", limit.text.clone());
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
        self.shared.log.event(event, text.to_string());
        self.show(text);
    }

    fn show(&self, text: &str) {
        self.shared.prompter.notice(text);
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
    use super::condensed;

    #[test]
    fn a_rendered_error_becomes_one_line_with_its_location_and_hint() {
        let rendered = "/p/a.llp:3:7: error: unknown access word `wrte`\n  |\n3 | deny wrte /x\n  |      ^^^^\n  = hint: did you mean `write`?\n";
        assert_eq!(
            condensed(rendered),
            "/p/a.llp:3:7: error: unknown access word `wrte` (hint: did you mean `write`?)"
        );
    }
}
