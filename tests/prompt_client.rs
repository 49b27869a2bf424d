//! `llrun prompt`, the real binary, against a socket prompter started here: scripted answers,
//! status, finding the socket, and the interactive prompt on a pty.

mod prompt_common;
use llrun::prompt::socket::SocketPrompter;
use llrun::prompt::{Answer, Decision, Prompter, Resolution, Scope};
use prompt_common::*;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

fn llrun_prompt(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_llrun"));
    c.arg("prompt").args(args).env_remove("LLRUN_PROMPT_SOCKET");
    c
}

fn bind(path: &std::path::Path) -> (SocketPrompter, Receiver<Answer>) {
    let (tx, rx) = channel();
    let p = SocketPrompter::bind(path, tx).unwrap();
    p.set_program("cat");
    (p, rx)
}

/// Waits until `n` clients are attached (the client process is starting up).
fn wait_clients(p: &SocketPrompter, n: usize) {
    let deadline = Instant::now() + PATIENCE;
    while p.clients() != n {
        assert!(Instant::now() < deadline, "no client attached");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn answer_mode_answers_every_ask_and_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sock");
    let (p, rx) = bind(&path);
    let child = llrun_prompt(&[
        "--socket",
        &path.to_string_lossy(),
        "--answer",
        "allow-run",
        "--count",
        "3",
    ])
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    wait_clients(&p, 1);
    for id in 1..=3 {
        assert!(p.show(&ask(id, &format!("/data/f{id}"))));
    }
    for id in 1..=3 {
        let Ok(a) = rx.recv_timeout(Duration::from_secs(3)) else {
            let mut child = child;
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!("no answer {id}: {out:?}")
        };
        assert_eq!(
            a,
            Answer {
                id,
                decision: Decision::Allow,
                scope: Scope::Run,
                pattern: None
            }
        );
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        text.starts_with("allow for this run 1 read /data/f1"),
        "{text}"
    );
}

#[test]
fn answer_mode_ends_when_llrun_ends() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sock");
    let (p, rx) = bind(&path);
    let child = llrun_prompt(&["--socket", &path.to_string_lossy(), "--answer", "deny-once"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    wait_clients(&p, 1);
    assert!(p.show(&ask(1, "/a")));
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap().decision, Decision::Deny);
    drop(p);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn status_and_finding_the_run() {
    let runtime = tempfile::tempdir().unwrap();
    let dir = runtime.path().join("llrun");
    std::fs::create_dir(&dir).unwrap();
    let (_p, _rx) = bind(&dir.join("prompt-111.sock"));
    let out = llrun_prompt(&["--status"])
        .env("XDG_RUNTIME_DIR", runtime.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(text.contains("cat (llrun pid"), "{text}");
    assert!(text.contains("0 ask(s) pending"), "{text}");
    // Two runs: the user must pick.
    let (_q, _rx2) = bind(&dir.join("prompt-222.sock"));
    let out = llrun_prompt(&["--status"])
        .env("XDG_RUNTIME_DIR", runtime.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(125));
    assert!(
        err.contains("several") && err.contains("prompt-111.sock") && err.contains("--socket"),
        "{err}"
    );
    // The environment variable names one.
    let out = llrun_prompt(&["--status"])
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env("LLRUN_PROMPT_SOCKET", dir.join("prompt-222.sock"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    // None at all.
    let empty = tempfile::tempdir().unwrap();
    let out = llrun_prompt(&["--status"])
        .env("XDG_RUNTIME_DIR", empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--prompt socket"));
}

#[test]
fn without_a_terminal_the_interactive_client_says_to_use_answer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sock");
    let (_p, _rx) = bind(&path);
    let out = llrun_prompt(&["--socket", &path.to_string_lossy()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--answer"),
        "{out:?}"
    );
}

/// The client's terminal: a pty whose master the test reads and types into.
struct Terminal {
    master: std::fs::File,
    seen: String,
}

impl Terminal {
    /// Reads until `needle` appears after what was already consumed; returns what came.
    fn until(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        let mut buf = [0u8; 4096];
        loop {
            if let Some(i) = self.seen.find(needle) {
                let upto = i + needle.len();
                let got = self.seen[..upto].to_string();
                self.seen.drain(..upto);
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {needle:?} in {:?}",
                self.seen
            );
            match self.master.read(&mut buf) {
                Ok(0) | Err(_) => panic!("terminal closed before {needle:?}: {:?}", self.seen),
                Ok(n) => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
    }

    fn type_keys(&mut self, keys: &str) {
        use std::io::Write;
        self.master.write_all(keys.as_bytes()).unwrap();
    }
}

#[test]
fn the_interactive_client_shows_asks_and_sends_what_is_typed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sock");
    let (p, rx) = bind(&path);
    let pty = nix::pty::openpty(
        Some(&nix::pty::Winsize {
            ws_row: 40,
            ws_col: 120,
            ws_xpixel: 0,
            ws_ypixel: 0,
        }),
        None,
    )
    .unwrap();
    let slave = |fd: &OwnedFd| Stdio::from(fd.try_clone().unwrap());
    let mut cmd = llrun_prompt(&["--socket", &path.to_string_lossy()]);
    cmd.stdin(slave(&pty.slave))
        .stdout(slave(&pty.slave))
        .stderr(slave(&pty.slave));
    let mut child = cmd.spawn().unwrap();
    drop(cmd);
    drop(pty.slave);
    let mut term = Terminal {
        master: pty.master.into(),
        seen: String::new(),
    };
    term.until("answering for cat");
    wait_clients(&p, 1);

    // Allow once.
    assert!(p.show(&ask(1, "/home/u/a.pdf")));
    let screen = term.until("[a] allow once");
    assert!(
        screen.contains("cat wants to read") && screen.contains("/home/u/a.pdf"),
        "{screen}"
    );
    term.type_keys("a");
    assert_eq!(
        rx.recv_timeout(PATIENCE).unwrap(),
        Answer {
            id: 1,
            decision: Decision::Allow,
            scope: Scope::Once,
            pattern: None
        }
    );
    term.until("allow once: 1 read /home/u/a.pdf");
    p.resolved(
        1,
        &Resolution::Answered(Answer {
            id: 1,
            decision: Decision::Allow,
            scope: Scope::Once,
            pattern: None,
        }),
    );

    // A widening from the options, for this run.
    assert!(p.show(&ask(2, "/home/u/b.pdf")));
    term.until("[a] allow once");
    term.type_keys("o");
    term.until("[2] the folder's contents: /home/u/**");
    term.type_keys("2r");
    let a = rx.recv_timeout(PATIENCE).unwrap();
    assert_eq!(
        (a.id, a.scope, a.pattern.as_deref()),
        (2, Scope::Run, Some("/home/u/**"))
    );

    // Decided elsewhere: the prompt goes away and says so; a key typed then answers nothing.
    assert!(p.show(&ask(3, "/home/u/c.pdf")));
    term.until("[a] allow once");
    p.resolved(3, &Resolution::Edited);
    term.until("ask 3: decided by a profile edit");
    term.type_keys("x");
    assert!(p.show(&ask(4, "/home/u/d.pdf")));
    term.until("[a] allow once");
    term.type_keys("d");
    let a = rx.recv_timeout(PATIENCE).unwrap();
    assert_eq!(
        (a.id, a.decision),
        (4, Decision::Deny),
        "the stray x answered nothing"
    );

    // llrun ends: so does the client.
    drop(p);
    term.until("llrun has ended");
    assert!(child.wait().unwrap().success());
}

/// `llrun prompt --answer … | head -1` once `head` has gone, and `llrun status` likewise: the
/// client ends quietly with 0 (Rust ignores SIGPIPE, so the write gets `EPIPE`).
#[test]
fn a_closed_output_pipe_ends_the_client_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sock");
    let (p, rx) = bind(&path);
    let closed = || {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        writer
    };
    let out = llrun_prompt(&["--socket", &path.to_string_lossy(), "--status"])
        .stdout(closed())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let child = llrun_prompt(&["--socket", &path.to_string_lossy(), "--answer", "deny-once"])
        .stdout(closed())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_clients(&p, 1);
    assert!(p.show(&ask(1, "/a")));
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap().decision, Decision::Deny);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
