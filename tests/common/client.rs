//! A scripted prompt-socket client for the `ask` tests: connects, says hello, hands every
//! server message to a script that may answer, and records everything it saw.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What the script can do with a message: write lines back, or stop.
pub struct Reply<'a> {
    writer: &'a mut UnixStream,
    pub stop: bool,
}

impl Reply<'_> {
    /// Sends one raw line (malformed input included).
    pub fn raw(&mut self, line: &str) {
        let _ = writeln!(self.writer, "{line}");
    }

    /// Answers ask `ask` with `answer` (`decision`, `scope`, optional `pattern`).
    pub fn answer(&mut self, ask: &Value, answer: &Value) {
        let mut a = answer.clone();
        a["type"] = json!("answer");
        a["id"] = ask["id"].clone();
        self.raw(&a.to_string());
    }
}

/// A client thread.
pub struct Client {
    thread: std::thread::JoinHandle<Vec<Value>>,
}

impl Client {
    /// Connects to `socket` (waiting for it to appear), then, once attached, creates `ready`
    /// so that the program under test can make the call that asks.
    pub fn start(
        socket: PathBuf,
        ready: PathBuf,
        mut script: impl FnMut(&Value, &mut Reply<'_>) + Send + 'static,
    ) -> Client {
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(20);
            let stream = loop {
                if let Ok(s) = UnixStream::connect(&socket) {
                    break s;
                }
                assert!(Instant::now() < deadline, "no prompt socket at {socket:?}");
                std::thread::sleep(Duration::from_millis(10));
            };
            let mut writer = stream.try_clone().unwrap();
            let mut lines = BufReader::new(stream).lines();
            let hello: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
            assert_eq!(hello["type"], "hello");
            let hi = json!({"type": "hello", "protocol": hello["protocol"], "client": "test"});
            writeln!(writer, "{hi}").unwrap();
            // Attached only once the server has read the hello: the reply to a status request
            // says so. Before, an ask would find no client and be denied at once.
            writeln!(writer, "{}", json!({"type": "status"})).unwrap();
            let mut ready = Some(ready);
            let mut seen = Vec::new();
            for line in lines.map_while(Result::ok) {
                let m: Value = serde_json::from_str(&line).unwrap();
                if m["type"] == "status"
                    && let Some(ready) = ready.take()
                {
                    std::fs::write(&ready, "").unwrap();
                    continue;
                }
                let mut reply = Reply {
                    writer: &mut writer,
                    stop: false,
                };
                script(&m, &mut reply);
                let stop = reply.stop;
                seen.push(m);
                if stop {
                    break;
                }
            }
            seen
        });
        Client { thread }
    }

    /// A client that answers every ask with `answer` (or never, for `None`).
    pub fn answering(socket: PathBuf, ready: PathBuf, answer: Option<Value>) -> Client {
        Client::start(socket, ready, answer_all(answer))
    }

    /// Every message seen, once llrun has closed the socket (or the script stopped).
    pub fn messages(self) -> Vec<Value> {
        self.thread.join().unwrap()
    }

    /// The asks seen.
    pub fn asks(self) -> Vec<Value> {
        self.messages()
            .into_iter()
            .filter(|m| m["type"] == "ask")
            .collect()
    }
}

/// A client script that answers every ask with `answer` (or never, for `None`).
pub fn answer_all(answer: Option<Value>) -> impl FnMut(&Value, &mut Reply<'_>) + Send + 'static {
    move |m, reply| {
        if m["type"] == "ask"
            && let Some(a) = &answer
        {
            reply.answer(m, a);
        }
    }
}

/// The language of a program run by [`run_prompted`].
#[derive(Debug, Clone, Copy)]
pub enum Lang {
    Shell,
    Python,
}

/// Runs `script` (`sh -c` or `python3 -c`) under `profile` with a prompt socket in `dir` and a
/// client running `client`; the program first waits (at most 40 s) for the client to attach.
/// Returns llrun's output and every message the client saw.
pub fn run_prompted(
    dir: &std::path::Path,
    profile: &std::path::Path,
    extra: &[&str],
    lang: Lang,
    script: &str,
    client: impl FnMut(&Value, &mut Reply<'_>) + Send + 'static,
) -> (std::process::Output, Vec<Value>) {
    // From an earlier run in the same test: the program must wait for this run's client.
    let _ = std::fs::remove_file(dir.join("ready"));
    let client = Client::start(dir.join("prompt.sock"), dir.join("ready"), client);
    let out = prompted(dir, profile, extra, lang, script)
        .output()
        .unwrap();
    (out, client.messages())
}

/// llrun running `script` under `profile`, with its prompt socket at `dir/prompt.sock`; the
/// program waits (at most 40 s) for `dir/ready`, which a [`Client`] creates once attached.
pub fn prompted(
    dir: &std::path::Path,
    profile: &std::path::Path,
    extra: &[&str],
    lang: Lang,
    script: &str,
) -> std::process::Command {
    let ready = dir.join("ready");
    let (program, waiting) = match lang {
        Lang::Shell => (
            "/bin/sh",
            format!(
                "n=0; until [ -e {} ] || [ $n -gt 2000 ]; do n=$((n+1)); sleep 0.02; done; {script}",
                ready.display()
            ),
        ),
        Lang::Python => (
            "/usr/bin/python3",
            format!(
                "import os, time\nt = time.time() + 40\nwhile not os.path.exists({:?}) and time.time() < t: time.sleep(0.02)\n{script}",
                ready.display()
            ),
        ),
    };
    let mut cmd = super::llrun();
    cmd.env("XDG_CONFIG_HOME", dir.join("config"))
        .args(["-q", "--prompt-socket"])
        .arg(dir.join("prompt.sock"))
        .args(extra)
        .arg("-p")
        .arg(profile)
        .args(["--", program, "-c", &waiting]);
    cmd
}
