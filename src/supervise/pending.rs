//! Calls held for a person: one prompt per distinct subject, however many calls wait on it,
//! with bounded memory, time-outs, and release when the caller dies.

use super::plan::{Once, Subject};
use super::policy::{self, Policy};
use super::remember::{self, RunOnly};
use super::{Shared, answer, dispatch, op::Operation};
use crate::policy::pattern::{Pattern, literal};
use crate::prompt::{self, Ask, Choice, Decision, Resolution, Scope, Target};
use crate::source::Span;
use llrun_kernel::notify::{Notification, Response};
use nix::errno::Errno;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// At most this many distinct asks wait at once (AppArmor prompting caps at 1,000 per user).
pub const MAX_ASKS: usize = 256;
/// At most this many calls wait in all; past either cap, new asks are refused and logged.
pub const MAX_HELD: usize = 1024;
/// How often held calls are checked for callers that died.
const TICK: Duration = Duration::from_millis(200);

/// One distinct ask and the calls waiting on it.
struct Held {
    subject: Subject,
    ask: Ask,
    deadline: Option<Instant>,
    calls: Vec<(Notification, Operation)>,
}

/// The table of held calls.
#[derive(Default)]
pub struct Pending {
    asks: HashMap<u64, Held>,
    by_subject: HashMap<Subject, u64>,
    held: usize,
    next_id: u64,
}

impl Pending {
    /// Adds a call to the pending ask about `subject`, if there is one; else gives it back.
    fn join(
        &mut self,
        subject: &Subject,
        n: Notification,
        op: Operation,
    ) -> Option<(Notification, Operation)> {
        let id = self.by_subject.get(subject).copied();
        match id.and_then(|id| self.asks.get_mut(&id)) {
            Some(held) => {
                held.calls.push((n, op));
                self.held += 1;
                None
            }
            None => Some((n, op)),
        }
    }

    fn remove(&mut self, id: u64) -> Option<Held> {
        let held = self.asks.remove(&id)?;
        self.by_subject.remove(&held.subject);
        self.held -= held.calls.len();
        Some(held)
    }

    /// How many distinct asks are waiting.
    pub fn len(&self) -> usize {
        self.asks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.asks.is_empty()
    }
}

/// Holds call `n` until `subject` is decided; shows a new subject to the prompter.
///
/// Lock order: the policy, then this table. Describing a new ask reads the policy (and
/// `/proc`), so it happens before the table is locked; the table is then checked again, since
/// the answerer thread may have held the same subject meanwhile.
pub fn hold(shared: &Arc<Shared>, n: Notification, op: Operation, subject: Subject, rule: Span) {
    let Some((n, op)) = join(shared, &subject, n, op) else {
        return;
    };
    let mut ask = build_ask(shared, &n, &subject, rule);
    let ask = {
        let mut p = shared.pending.lock().unwrap_or_else(|e| e.into_inner());
        let Some((n, op)) = p.join(&subject, n, op) else {
            return;
        };
        if p.asks.len() >= MAX_ASKS || p.held >= MAX_HELD {
            drop(p);
            return refuse(shared, &n, &op, "flood");
        }
        p.next_id += 1;
        ask.id = p.next_id;
        p.by_subject.insert(subject.clone(), ask.id);
        p.held += 1;
        p.asks.insert(
            ask.id,
            Held {
                subject,
                ask: ask.clone(),
                deadline: shared.options.ask_timeout.map(|t| Instant::now() + t),
                calls: vec![(n, op)],
            },
        );
        ask
    };
    if !shared.prompter.show(&ask) {
        let held = shared
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(ask.id);
        for (n, op) in held.into_iter().flat_map(|h| h.calls) {
            refuse(shared, &n, &op, "no prompt helper");
        }
    }
}

/// Adds call `n` to an identical pending ask, or refuses it past the cap on held calls; gives it
/// back when it needs an ask of its own.
fn join(
    shared: &Shared,
    subject: &Subject,
    n: Notification,
    op: Operation,
) -> Option<(Notification, Operation)> {
    let mut p = shared.pending.lock().unwrap_or_else(|e| e.into_inner());
    if p.held >= MAX_HELD {
        drop(p);
        refuse(shared, &n, &op, "flood");
        return None;
    }
    p.join(subject, n, op)
}

/// Denies a call that could not be asked about, and logs why.
fn refuse(shared: &Shared, n: &Notification, op: &Operation, why: &str) {
    shared
        .log
        .decision(n, op, "deny", why, None, &shared.policy);
    answer(shared, n, Response::Errno(Errno::EACCES));
}

/// The ask about `subject` as a prompt shows it; its id is given when it enters the table.
fn build_ask(shared: &Shared, n: &Notification, subject: &Subject, rule: Span) -> Ask {
    let exe = std::fs::read_link(format!("/proc/{}/exe", n.pid))
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (access, target, choices) = match subject {
        Subject::Path { rights, path } => {
            // A socket path is asked about as a `connect`, as the rule that asks reads.
            let access = if *rights == llrun_kernel::FsAccess::RESOLVE_UNIX {
                vec!["connect".to_string()]
            } else {
                crate::policy::access::widened(*rights)
            };
            (access, Target::Path { path: path.clone() }, choices(path))
        }
        Subject::Port { access, port } => {
            let word = if *access == llrun_kernel::NetAccess::BIND_TCP {
                "bind"
            } else {
                "connect"
            };
            let host = match n.syscall {
                Some(_) => Operation::read(n)
                    .ok()
                    .and_then(|op| match op {
                        Operation::Connect { addr, .. } | Operation::Bind { addr, .. } => {
                            super::op::socket_addr(&addr).map(|a| a.ip().to_string())
                        }
                        _ => None,
                    })
                    .unwrap_or_default(),
                None => String::new(),
            };
            let target = Target::Net { host, port: *port };
            (vec![word.to_string()], target, Vec::new())
        }
    };
    let (rule, run_only) = {
        let policy = shared.policy.read().unwrap_or_else(|e| e.into_inner());
        (policy.sources.file_line(rule), run_only(&policy, subject))
    };
    Ask {
        id: 0,
        pid: n.pid.as_raw(),
        exe,
        access,
        target,
        rule,
        profile: shared.options.profile.clone(),
        choices,
        timeout_ms: shared.options.ask_timeout.map(|t| t.as_millis() as u64),
        allow_always: run_only.is_none(),
        run_only: run_only.map(|why| why.to_string()),
    }
}

/// Why an "always" allow of exactly `subject` would hold for this run only, if it would.
fn run_only(policy: &Policy, subject: &Subject) -> Option<RunOnly> {
    match subject {
        Subject::Path { rights, path } => {
            remember::path_rule(policy, true, *rights, path, literal(path)).err()
        }
        Subject::Port { access, port } => {
            let exact = policy::PortAnswer {
                allow: true,
                access: *access,
                ports: vec![(*port, *port)],
            };
            let kept = remember::port_rule(policy, &exact, *port).is_some();
            (!kept).then_some(RunOnly::Outranked)
        }
    }
}

/// The widenings offered for a path, narrowest first (names escaped: a file named `a*` is
/// that file, not a glob).
fn choices(path: &str) -> Vec<Choice> {
    let mut out = vec![Choice {
        label: "this file".into(),
        pattern: literal(path),
    }];
    if let Some((parent, _)) = path.rsplit_once('/')
        && !parent.is_empty()
    {
        out.push(Choice {
            label: "its folder".into(),
            pattern: literal(parent),
        });
        out.push(Choice {
            label: "the folder's contents".into(),
            pattern: format!("{}/*", literal(parent)),
        });
    }
    out
}

/// The answerer thread: answers, time-outs and callers that died.
pub fn answer_loop(shared: &Arc<Shared>, answers: &Receiver<prompt::Answer>) {
    loop {
        let wait = next_deadline(shared)
            .map_or(TICK, |d| d.saturating_duration_since(Instant::now()))
            .min(TICK);
        match answers.recv_timeout(wait) {
            Ok(a) => apply(shared, a),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => std::thread::sleep(wait),
        }
        expire(shared);
        reap(shared);
    }
}

fn next_deadline(shared: &Shared) -> Option<Instant> {
    let p = shared.pending.lock().unwrap_or_else(|e| e.into_inner());
    p.asks.values().filter_map(|h| h.deadline).min()
}

/// Applies one answer to the calls it was given for.
fn apply(shared: &Arc<Shared>, a: prompt::Answer) {
    // An unknown or stale id (answered, timed out, or its caller died): nothing to do.
    let Some(held) = take(shared, &a) else { return };
    let used = match held.subject.clone() {
        Subject::Path { rights, path } => answer_path(shared, held, &a, rights, &path),
        Subject::Port { access, port } => answer_port(shared, held, &a, access, port),
    };
    if !used {
        return;
    }
    let scope = a.scope;
    shared.prompter.resolved(a.id, &Resolution::Answered(a));
    if scope != Scope::Once {
        recheck(shared);
    }
}

/// The held ask an answer is for, out of the table (so that no other answer reaches it); an
/// answer whose pattern does not fit its ask leaves the ask waiting.
fn take(shared: &Shared, a: &prompt::Answer) -> Option<Held> {
    let mut p = shared.pending.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(h) = p.asks.get(&a.id)
        && let Err(e) = a.check(&h.ask)
    {
        drop(p);
        shared
            .prompter
            .notice(&format!("answer to ask {} refused: {e}", a.id));
        return None;
    }
    p.remove(a.id)
}

/// Applies an answer about `rights` on `path`; false when it could not be used (its calls are
/// then refused).
fn answer_path(
    shared: &Arc<Shared>,
    held: Held,
    a: &prompt::Answer,
    rights: llrun_kernel::FsAccess,
    path: &str,
) -> bool {
    let allow = a.decision == Decision::Allow;
    let text = a.pattern.clone().unwrap_or_else(|| literal(path));
    let Ok(pattern) = Pattern::parse(&text) else {
        deny_all(shared, held, "refused");
        return false;
    };
    let answer = policy::Answer {
        allow,
        access: rights,
        pattern,
    };
    if a.scope == Scope::Once {
        release(shared, held.calls, Once::Fs(&answer));
        return true;
    }
    write(shared).remember(answer);
    if a.scope == Scope::Always {
        let rule = remember::path_rule(&read(shared), allow, rights, path, text);
        always(shared, &held.ask, rule, path);
    }
    release(shared, held.calls, Once::None);
    true
}

/// Applies an answer about a TCP `port`, widened to the answer's port list if it has one.
fn answer_port(
    shared: &Arc<Shared>,
    held: Held,
    a: &prompt::Answer,
    access: llrun_kernel::NetAccess,
    port: u16,
) -> bool {
    let answer = policy::PortAnswer {
        allow: a.decision == Decision::Allow,
        access,
        // Checked against the ask when the answer arrived.
        ports: a
            .pattern
            .as_deref()
            .and_then(prompt::port_ranges)
            .unwrap_or_else(|| vec![(port, port)]),
    };
    if a.scope == Scope::Once {
        release(shared, held.calls, Once::Port(&answer));
        return true;
    }
    if a.scope == Scope::Always {
        let rule = remember::port_rule(&read(shared), &answer, port).ok_or(RunOnly::Outranked);
        always(shared, &held.ask, rule, &port.to_string());
    }
    write(shared).remember_port(answer);
    release(shared, held.calls, Once::None);
    true
}

/// Writes an "always" answer's rule into the override, or says why it holds for this run only.
fn always(shared: &Shared, ask: &Ask, rule: Result<String, RunOnly>, target: &str) {
    let Some(o) = &shared.options.remember else {
        return;
    };
    // The name is the program's choice: shown escaped.
    let target = target.escape_debug();
    match rule {
        Ok(rule) => o.append(&rule, ask, &shared.log),
        Err(RunOnly::Outranked) => shared.prompter.notice(&format!(
            "allowed for this run only: the ask rule at {} names `{target}` itself, and no \
             remembered rule can outrank it; to allow it for good, change that rule",
            ask.rule
        )),
        Err(why) => shared.prompter.notice(&format!(
            "allowed for this run only: `{target}` cannot be remembered: {why}"
        )),
    }
}

fn read(shared: &Shared) -> std::sync::RwLockReadGuard<'_, Policy> {
    shared.policy.read().unwrap_or_else(|e| e.into_inner())
}

fn write(shared: &Shared) -> std::sync::RwLockWriteGuard<'_, Policy> {
    shared.policy.write().unwrap_or_else(|e| e.into_inner())
}

/// Plans held calls again (now that the policy has an answer).
fn release(shared: &Arc<Shared>, calls: Vec<(Notification, Operation)>, once: Once<'_>) {
    for (n, op) in calls {
        dispatch(shared, n, op, once);
    }
}

fn deny_all(shared: &Shared, held: Held, why: &str) {
    for (n, op) in &held.calls {
        refuse(shared, n, op, why);
    }
}

/// Releases every held ask the policy now decides without a person (a remembered answer, or
/// later a profile edit).
pub fn recheck(shared: &Arc<Shared>) {
    let decided: Vec<Held> = {
        let policy = shared.policy.read().unwrap_or_else(|e| e.into_inner());
        let mut p = shared.pending.lock().unwrap_or_else(|e| e.into_inner());
        let ids: Vec<u64> = p
            .asks
            .iter()
            .filter(|(_, h)| !still_asks(&policy, &h.subject))
            .map(|(id, _)| *id)
            .collect();
        ids.into_iter().filter_map(|id| p.remove(id)).collect()
    };
    for held in decided {
        shared.prompter.resolved(held.ask.id, &Resolution::Edited);
        release(shared, held.calls, Once::None);
    }
}

fn still_asks(policy: &Policy, subject: &Subject) -> bool {
    use policy::Verdict;
    match subject {
        Subject::Path { rights, path } => {
            matches!(policy.decide(*rights, path, path, None), Verdict::Ask(_))
        }
        Subject::Port { access, port } => {
            matches!(policy.decide_port(*access, *port, None), Verdict::Ask(_))
        }
    }
}

/// Denies asks whose time is up.
fn expire(shared: &Shared) {
    let now = Instant::now();
    let expired: Vec<Held> = {
        let mut p = shared.pending.lock().unwrap_or_else(|e| e.into_inner());
        let ids: Vec<u64> = p
            .asks
            .iter()
            .filter(|(_, h)| h.deadline.is_some_and(|d| d <= now))
            .map(|(id, _)| *id)
            .collect();
        ids.into_iter().filter_map(|id| p.remove(id)).collect()
    };
    for held in expired {
        shared.prompter.resolved(held.ask.id, &Resolution::TimedOut);
        deny_all(shared, held, "timeout");
    }
}

/// Forgets calls whose thread died or was interrupted, and asks left with none.
fn reap(shared: &Shared) {
    let gone: Vec<u64> = {
        let mut p = shared.pending.lock().unwrap_or_else(|e| e.into_inner());
        let mut dropped = 0;
        let mut empty = Vec::new();
        for (id, held) in p.asks.iter_mut() {
            let before = held.calls.len();
            held.calls.retain(|(n, _)| shared.listener.id_valid(n.id));
            dropped += before - held.calls.len();
            if held.calls.is_empty() {
                empty.push(*id);
            }
        }
        p.held -= dropped;
        for id in &empty {
            p.remove(*id);
        }
        empty
    };
    for id in gone {
        shared.prompter.resolved(id, &Resolution::Exited);
    }
}
