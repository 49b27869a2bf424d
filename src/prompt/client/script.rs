//! `llrun prompt --answer …`: the same answer to every ask, for scripts and tests.
//!
//! Prints one line per ask answered (`allow once 7 read /a (…)`) on stdout, and the server's
//! errors and notices on stderr. Ends when llrun ends, or after `--count` answers.

use super::{ClientError, Connection, answer_words, describe};
use crate::output;
use crate::prompt::protocol::{ClientMessage, ServerMessage};
use crate::prompt::{Answer, Decision, Scope};

/// A fixed answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub decision: Decision,
    pub scope: Scope,
}

/// Answers every ask with `policy` until llrun ends or `count` asks are answered.
pub fn run(conn: &mut Connection, policy: Policy, count: Option<usize>) -> Result<(), ClientError> {
    let mut answered = 0;
    while count.is_none_or(|c| answered < c) {
        let Some(message) = conn.receive()? else {
            return Ok(());
        };
        match message {
            ServerMessage::Ask(ask) => {
                let answer = Answer {
                    id: ask.id,
                    decision: policy.decision,
                    scope: policy.scope,
                    pattern: None,
                };
                conn.send(&ClientMessage::Answer(answer))?;
                let words = answer_words(policy.decision, policy.scope, None);
                output::println(&format!("{words} {}", describe(&ask)))?;
                answered += 1;
            }
            ServerMessage::Error { code, message, .. } => {
                eprintln!("llrun prompt: llrun refused ({code}): {message}");
            }
            ServerMessage::Notice { text } => eprintln!("llrun: {text}"),
            _ => {}
        }
    }
    Ok(())
}

/// `llrun status` (`llrun prompt --status`): one status line, and one for the profile.
pub fn status(conn: &mut Connection) -> Result<String, ClientError> {
    conn.send(&ClientMessage::Status)?;
    while let Some(message) = conn.receive()? {
        if let ServerMessage::Status {
            program,
            pid,
            pending,
            clients,
            protocol,
            profile,
        } = message
        {
            let mut text = format!(
                "{program} (llrun pid {pid}): {pending} ask(s) pending, {clients} client(s), protocol {protocol}"
            );
            if let Some(p) = profile {
                text.push('\n');
                text.push_str(&profile_line(&p));
            }
            return Ok(text);
        }
    }
    Err(ClientError::Io(std::io::ErrorKind::UnexpectedEof.into()))
}

/// `profile version 3 (live edits on, 4 files); last reload 2.1 s ago: applied (…)`.
fn profile_line(p: &crate::prompt::protocol::ProfileStatus) -> String {
    let mode = if p.live {
        format!("live edits on, {} file(s) followed", p.files)
    } else {
        "live edits off".to_string()
    };
    let last = match &p.last_reload {
        None => "no reload yet".to_string(),
        Some(r) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            let ago = now.saturating_sub(r.time_ms) as f64 / 1000.0;
            format!("last reload {ago:.1} s ago: {}: {}", r.result, r.message)
        }
    };
    format!("profile version {} ({mode}); {last}", p.version)
}
