//! The prompt protocol: JSON lines over a unix socket (docs/protocol.md is the reference).
//!
//! One JSON object per line, each with a `type`. The server speaks first (`hello`); the client
//! answers with its own `hello` naming the protocol version it speaks, and only then gets asks.
//! Within a version, changes are additive only: readers ignore fields they do not know, and
//! clients ignore message types they do not know. Anything else bumps [`VERSION`].

use super::{Answer, Ask, Decision, Resolution, Scope};
use serde::{Deserialize, Serialize};

/// The protocol version this build speaks.
pub const VERSION: u32 = 1;
/// The longest line a client may send, newline excluded. An answer with a custom pattern fits
/// easily (`PATH_MAX` is 4,096); anything longer is refused, so a client cannot grow llrun's
/// memory by never ending a line.
pub const MAX_REQUEST: usize = 16 * 1024;
/// The longest line a client should accept from the server (an ask with long paths and many
/// choices stays far below).
pub const MAX_MESSAGE: usize = 1024 * 1024;

/// What the server (llrun) sends.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ServerMessage {
    /// First on every connection.
    Hello {
        protocol: u32,
        /// `llrun VERSION`.
        server: String,
        /// llrun's own pid.
        pid: u32,
        /// The program llrun runs, as given on its command line.
        #[serde(default)]
        program: String,
    },
    Ask(Ask),
    /// The ask is over, however: clients drop it.
    Resolved {
        id: u64,
        #[serde(flatten)]
        how: How,
    },
    /// An answer was forwarded to llrun (a `resolved` follows once llrun acted on it).
    Accepted {
        id: u64,
    },
    Notice {
        text: String,
    },
    /// The reply to a `status` request.
    Status {
        protocol: u32,
        pid: u32,
        program: String,
        /// Asks waiting for an answer.
        pending: usize,
        /// Clients past their hello.
        clients: usize,
        /// The profile version in force and the last reload (absent before live edits existed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        profile: Option<ProfileStatus>,
    },
    /// A request was refused; nothing was granted. `id` names the ask when there is one.
    Error {
        code: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
    },
}

/// The profile in force, in a `status` reply.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProfileStatus {
    /// 1 for the profile loaded at start, one more for each edit put in force.
    pub version: u64,
    /// Whether edits of the profile files are followed (`--live`).
    pub live: bool,
    /// The profile files followed.
    #[serde(default)]
    pub files: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reload: Option<ReloadStatus>,
}

/// The last reload: when, and what came of it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReloadStatus {
    /// Milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// `applied`, `unchanged` or `invalid` (the previous version stays in force).
    pub result: String,
    /// What changed, or the error with its `file:line:col`.
    pub message: String,
}

/// How an ask ended, on the wire (`resolved` messages).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "how", rename_all = "kebab-case")]
pub enum How {
    Answered {
        decision: Decision,
        scope: Scope,
        #[serde(default)]
        pattern: Option<String>,
    },
    TimedOut,
    Edited,
    Exited,
    Refused {
        reason: String,
    },
}

impl From<&Resolution> for How {
    fn from(r: &Resolution) -> How {
        match r {
            Resolution::Answered(a) => How::Answered {
                decision: a.decision,
                scope: a.scope,
                pattern: a.pattern.clone(),
            },
            Resolution::TimedOut => How::TimedOut,
            Resolution::Edited => How::Edited,
            Resolution::Exited => How::Exited,
            Resolution::Refused(reason) => How::Refused {
                reason: reason.clone(),
            },
        }
    }
}

/// What a client sends.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ClientMessage {
    Hello {
        protocol: u32,
        /// Free text naming the client, for logs.
        #[serde(default)]
        client: String,
    },
    Answer(Answer),
    Status,
}

/// A line a client sent that is not a request this server understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadRequest {
    #[error("a line is longer than {MAX_REQUEST} bytes")]
    TooLong,
    #[error("a line is not UTF-8")]
    NotUtf8,
    #[error("not a JSON object with a string `type`: {0}")]
    Malformed(String),
    #[error("unknown request type `{0}` (this server speaks protocol {VERSION})")]
    UnknownType(String),
    #[error("invalid `{kind}` request: {reason}")]
    Invalid { kind: String, reason: String },
}

impl BadRequest {
    /// The protocol's error code for it.
    pub fn code(&self) -> &'static str {
        match self {
            BadRequest::TooLong => "too-long",
            BadRequest::UnknownType(_) => "unknown-type",
            BadRequest::NotUtf8 | BadRequest::Malformed(_) | BadRequest::Invalid { .. } => {
                "malformed"
            }
        }
    }
}

const KNOWN_REQUESTS: [&str; 3] = ["hello", "answer", "status"];

/// Parses one request line (without its newline). Errors say which part is wrong, so that a
/// person typing into `socat` can fix it.
pub fn parse_request(line: &[u8]) -> Result<ClientMessage, BadRequest> {
    let text = std::str::from_utf8(line).map_err(|_| BadRequest::NotUtf8)?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| BadRequest::Malformed(e.to_string()))?;
    let kind = value
        .get("type")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| BadRequest::Malformed("no string field `type`".into()))?
        .to_string();
    if !KNOWN_REQUESTS.contains(&kind.as_str()) {
        return Err(BadRequest::UnknownType(kind));
    }
    serde_json::from_value(value).map_err(|e| BadRequest::Invalid {
        kind,
        reason: e.to_string(),
    })
}

/// One message as a line, newline included.
pub fn line<T: Serialize>(message: &T) -> String {
    let mut text = serde_json::to_string(message).expect("protocol messages always serialize");
    text.push('\n');
    text
}

/// An `error` message.
pub fn error(code: &str, message: impl Into<String>, id: Option<u64>) -> ServerMessage {
    ServerMessage::Error {
        code: code.to_string(),
        message: message.into(),
        id,
    }
}

/// Splits a byte stream into lines of at most `max` bytes. A longer line is reported once as
/// [`Framed::TooLong`] and skipped up to its newline, so that the connection can go on and
/// memory stays at `max`.
#[derive(Debug)]
pub struct Lines {
    buf: Vec<u8>,
    max: usize,
    /// Inside an overlong line: drop bytes until the next newline.
    skipping: bool,
}

/// One item out of [`Lines`].
#[derive(Debug, PartialEq, Eq)]
pub enum Framed {
    Line(Vec<u8>),
    TooLong,
}

impl Lines {
    pub fn new(max: usize) -> Lines {
        Lines {
            buf: Vec::new(),
            max,
            skipping: false,
        }
    }

    /// Adds bytes read from the stream and returns the complete lines (without newlines, a
    /// trailing `\r` removed).
    pub fn push(&mut self, mut bytes: &[u8]) -> Vec<Framed> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let (part, rest, ended) = match bytes.iter().position(|&b| b == b'\n') {
                Some(i) => (&bytes[..i], &bytes[i + 1..], true),
                None => (bytes, &[][..], false),
            };
            bytes = rest;
            if !self.skipping {
                if self.buf.len() + part.len() > self.max {
                    self.buf.clear();
                    self.skipping = true;
                    out.push(Framed::TooLong);
                } else {
                    self.buf.extend_from_slice(part);
                }
            }
            if ended && !std::mem::take(&mut self.skipping) {
                let mut line = std::mem::take(&mut self.buf);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                out.push(Framed::Line(line));
            }
        }
        out
    }

    /// Bytes held for an unfinished line.
    pub fn held(&self) -> usize {
        self.buf.len()
    }
}

/// A protocol-level failure on the client side (`llrun prompt`).
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("the server sent a line that is not a protocol message: {0}")]
    Garbled(String),
    #[error("the server speaks prompt protocol {0}, this client speaks {VERSION}")]
    Version(u32),
    #[error("the server did not start with `hello`")]
    NoHello,
}

impl ProtocolError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ProtocolError::Version(_) => Some("use the `llrun prompt` of the same llrun version"),
            ProtocolError::Garbled(_) | ProtocolError::NoHello => None,
        }
    }
}

/// Parses one server line. Unknown message types are `Ok(None)` (ignored, for forward
/// compatibility).
pub fn parse_message(line: &[u8]) -> Result<Option<ServerMessage>, ProtocolError> {
    let value: serde_json::Value =
        serde_json::from_slice(line).map_err(|e| ProtocolError::Garbled(e.to_string()))?;
    let known = [
        "hello", "ask", "resolved", "accepted", "notice", "status", "error",
    ];
    match value.get("type").and_then(serde_json::Value::as_str) {
        Some(kind) if known.contains(&kind) => serde_json::from_value(value)
            .map(Some)
            .map_err(|e| ProtocolError::Garbled(e.to_string())),
        Some(_) => Ok(None),
        None => Err(ProtocolError::Garbled("no string field `type`".into())),
    }
}
