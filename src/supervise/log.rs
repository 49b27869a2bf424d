//! `--log FILE`: one JSON line per supervised decision (not for the calls static Landlock
//! settles, which llrun only lets through).

use super::op::{Operation, socket_addr};
use super::policy::Policy;
use crate::source::Span;
use llrun_kernel::notify::Notification;
use serde::Serialize;
use std::io::Write;
use std::sync::{Mutex, RwLock};

/// Where decisions are logged; a no-op without `--log`.
#[derive(Debug, Default)]
pub struct Log(Option<Mutex<std::fs::File>>);

/// One line of the log.
#[derive(Debug, Serialize)]
pub struct Line<'a> {
    /// Seconds since the Unix epoch.
    pub time: f64,
    pub event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<&'a str>,
    /// What decided: `profile`, `answer`, `exactness`, `timeout`, `no prompt helper`, `flood`…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Log {
    /// Appends to `path` (created 0600 if missing).
    pub fn open(path: &std::path::Path) -> std::io::Result<Log> {
        let file = crate::private::append(path)?;
        Ok(Log(Some(Mutex::new(file))))
    }

    pub fn none() -> Log {
        Log(None)
    }

    /// Logs the decision on call `n`.
    pub fn decision(
        &self,
        n: &Notification,
        op: &Operation,
        decision: &str,
        by: &str,
        rule: Option<Span>,
        policy: &RwLock<Policy>,
    ) {
        if self.0.is_none() {
            return;
        }
        let rule = rule.and_then(|r| policy.read().ok().map(|p| p.sources.file_line(r)));
        self.write(&Line {
            time: now(),
            event: "decision",
            pid: Some(n.pid.as_raw()),
            call: Some(op.name()),
            target: Some(target(op)),
            decision: Some(decision),
            by: Some(by),
            rule,
            message: None,
        });
    }

    /// Logs a free-form event (a remembered answer, a reload).
    pub fn event(&self, event: &str, message: String) {
        if self.0.is_none() {
            return;
        }
        self.write(&Line {
            time: now(),
            event,
            pid: None,
            call: None,
            target: None,
            decision: None,
            by: None,
            rule: None,
            message: Some(message),
        });
    }

    fn write(&self, line: &Line<'_>) {
        let Some(file) = &self.0 else { return };
        let Ok(mut text) = serde_json::to_string(line) else {
            return;
        };
        text.push('\n');
        let mut f = file.lock().unwrap_or_else(|e| e.into_inner());
        // One write per line, so lines never interleave.
        let _ = f.write_all(text.as_bytes());
    }
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The call's target as the program named it (paths may be relative).
fn target(op: &Operation) -> String {
    let text = |p: &[u8]| String::from_utf8_lossy(p).into_owned();
    match op {
        Operation::Open { at, .. }
        | Operation::MakeDir { at, .. }
        | Operation::MakeNode { at, .. }
        | Operation::Symlink { at, .. }
        | Operation::Remove { at, .. }
        | Operation::Truncate { at, .. } => text(&at.path),
        Operation::Link { from, to, .. } | Operation::Rename { from, to, .. } => {
            format!("{} -> {}", text(&from.path), text(&to.path))
        }
        Operation::Connect { addr, .. } | Operation::Bind { addr, .. } => {
            socket_addr(addr).map_or_else(|| "(not TCP)".into(), |a| a.to_string())
        }
    }
}
