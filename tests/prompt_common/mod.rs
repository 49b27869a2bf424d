//! Shared by the prompt tests: asks to show and a scripted protocol client on a real socket.
#![allow(dead_code)]

use llrun::prompt::protocol::{self, Framed, Lines, ServerMessage};
use llrun::prompt::{Ask, Choice, Target};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// How long a test waits for something that should come at once (a hang guard, not a timing
/// assertion).
pub const PATIENCE: Duration = Duration::from_secs(20);

pub fn ask(id: u64, path: &str) -> Ask {
    let folder = path.rsplit_once('/').map_or("/", |(d, _)| d).to_string();
    Ask {
        id,
        pid: 4242,
        exe: "/usr/bin/cat".into(),
        access: vec!["read".into()],
        target: Target::Path { path: path.into() },
        rule: "/etc/llrun/profiles/cat.llp:3".into(),
        profile: "cat".into(),
        choices: vec![
            Choice {
                label: "this file".into(),
                pattern: path.into(),
            },
            Choice {
                label: "the folder's contents".into(),
                pattern: format!("{folder}/**"),
            },
        ],
        timeout_ms: None,
        allow_always: true,
        run_only: None,
    }
}

/// A client speaking the protocol by hand, as a script would.
pub struct Client {
    pub stream: UnixStream,
    lines: Lines,
    ready: std::collections::VecDeque<Value>,
}

impl Client {
    /// Connects and reads the server's hello (without answering it).
    pub fn connect(path: &Path) -> (Client, Value) {
        let stream = UnixStream::connect(path).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut c = Client {
            stream,
            lines: Lines::new(protocol::MAX_MESSAGE),
            ready: Default::default(),
        };
        let hello = c.recv().expect("hello");
        (c, hello)
    }

    /// Connects, says hello and waits until attached (a `status` reply proves it).
    pub fn attach(path: &Path) -> Client {
        let (mut c, hello) = Client::connect(path);
        assert_eq!(hello["type"], "hello", "{hello}");
        c.send(&json!({"type": "hello", "protocol": 1, "client": "test"}));
        c.send(&json!({"type": "status"}));
        // Replayed asks come before the status reply: keep them for the test.
        let mut before = Vec::new();
        loop {
            let v = c.recv().expect("status");
            if v["type"] == "status" {
                assert_eq!(v["protocol"], 1);
                break;
            }
            before.push(v);
        }
        c.ready.extend(before);
        c
    }

    pub fn send(&mut self, v: &Value) {
        self.send_raw(format!("{v}\n").as_bytes());
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send");
    }

    /// The next message; `None` when the server closed the connection.
    pub fn recv(&mut self) -> Option<Value> {
        loop {
            if let Some(v) = self.ready.pop_front() {
                return Some(v);
            }
            let mut buf = [0u8; 65536];
            let n = match self.stream.read(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => 0,
                Err(e) => panic!("read: {e}"),
            };
            if n == 0 {
                return None;
            }
            for framed in self.lines.push(&buf[..n]) {
                let Framed::Line(line) = framed else {
                    panic!("overlong line")
                };
                self.ready
                    .push_back(serde_json::from_slice(&line).expect("JSON"));
            }
        }
    }

    /// The next message, which must be of `kind`.
    pub fn recv_type(&mut self, kind: &str) -> Value {
        let v = self
            .recv()
            .unwrap_or_else(|| panic!("closed while waiting for {kind}"));
        assert_eq!(v["type"], kind, "{v}");
        v
    }

    pub fn answer(&mut self, id: u64, decision: &str, scope: &str) {
        self.send(&json!({"type": "answer", "id": id, "decision": decision, "scope": scope}));
    }

    /// The server's parsed message, for typed checks.
    pub fn typed(v: &Value) -> ServerMessage {
        serde_json::from_value(v.clone()).unwrap()
    }
}
