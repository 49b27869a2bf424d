//! The socket prompter on real unix sockets: many clients, late joins, disconnects, bad input,
//! second answers, floods, the socket file, and who may connect.

mod prompt_common;
use llrun::prompt::answers::MAX_OPEN;
use llrun::prompt::socket::{PathError, SocketPrompter};
use llrun::prompt::{Answer, Decision, Prompter, Resolution, Scope};
use prompt_common::*;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

struct Setup {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    prompter: SocketPrompter,
    answers: Receiver<Answer>,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prompt.sock");
    let (tx, answers) = channel();
    let prompter = SocketPrompter::bind(&path, tx).unwrap();
    prompter.set_program("cat");
    Setup {
        _dir: dir,
        path,
        prompter,
        answers,
    }
}

fn allow_once(id: u64) -> Answer {
    Answer {
        id,
        decision: Decision::Allow,
        scope: Scope::Once,
        pattern: None,
    }
}

#[test]
fn the_server_says_hello_with_its_version_and_program() {
    let s = setup();
    let (_c, hello) = Client::connect(&s.path);
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["protocol"], 1);
    assert_eq!(hello["program"], "cat");
    assert_eq!(hello["pid"], std::process::id());
}

#[test]
fn nobody_attached_means_nobody_can_answer() {
    let s = setup();
    assert!(!s.prompter.show(&ask(1, "/a")));
    // Connected but not past the hello: still nobody.
    let (_c, _) = Client::connect(&s.path);
    assert!(!s.prompter.show(&ask(2, "/a")));
    let _a = Client::attach(&s.path);
    assert!(s.prompter.show(&ask(3, "/a")));
}

#[test]
fn asks_reach_every_client_and_only_the_first_answer_counts() {
    let s = setup();
    let mut a = Client::attach(&s.path);
    let mut b = Client::attach(&s.path);
    assert!(s.prompter.show(&ask(7, "/home/u/a.pdf")));
    for c in [&mut a, &mut b] {
        let got = c.recv_type("ask");
        assert_eq!(
            Client::typed(&got),
            llrun::prompt::protocol::ServerMessage::Ask(ask(7, "/home/u/a.pdf"))
        );
    }
    b.answer(7, "allow", "once");
    assert_eq!(b.recv_type("accepted")["id"], 7);
    a.answer(7, "deny", "always");
    let err = a.recv_type("error");
    assert_eq!(
        (err["code"].as_str(), err["id"].as_u64()),
        (Some("already-answered"), Some(7))
    );
    b.answer(7, "allow", "always");
    assert_eq!(b.recv_type("error")["code"], "already-answered");
    assert_eq!(s.answers.recv().unwrap(), allow_once(7));
    s.prompter.resolved(7, &Resolution::Answered(allow_once(7)));
    for c in [&mut a, &mut b] {
        let r = c.recv_type("resolved");
        assert_eq!(
            (r["id"].as_u64(), r["how"].as_str()),
            (Some(7), Some("answered"))
        );
    }
    // Answering after the decision: refused with what happened.
    a.answer(7, "allow", "once");
    let err = a.recv_type("error");
    assert_eq!(err["code"], "decided");
    assert!(err["message"].as_str().unwrap().contains("answered"));
    assert!(s.answers.try_recv().is_err(), "one decision per event");
}

#[test]
fn a_late_client_gets_every_pending_ask_first() {
    let s = setup();
    let mut early = Client::attach(&s.path);
    for id in 1..=3 {
        assert!(s.prompter.show(&ask(id, &format!("/f{id}"))));
    }
    s.prompter.resolved(1, &Resolution::TimedOut);
    early.recv_type("ask");
    early.recv_type("ask");
    early.recv_type("ask");
    assert_eq!(early.recv_type("resolved")["how"], "timed-out");
    // Answered by the early client: not replayed either.
    early.answer(2, "deny", "run");
    early.recv_type("accepted");
    let (mut late, _) = Client::connect(&s.path);
    late.send(&json!({"type": "hello", "protocol": 1}));
    let replayed = late.recv_type("ask");
    assert_eq!(replayed["id"], 3);
    late.answer(3, "allow", "run");
    assert_eq!(late.recv_type("accepted")["id"], 3);
    let got: Vec<u64> = s.answers.try_iter().map(|a| a.id).collect();
    assert_eq!(got, vec![2, 3]);
}

#[test]
fn a_client_leaving_mid_prompt_answers_nothing_and_the_ask_waits_for_the_next() {
    let s = setup();
    let mut first = Client::attach(&s.path);
    assert!(s.prompter.show(&ask(4, "/a")));
    first.recv_type("ask");
    // Half an answer, then gone.
    first.send_raw(br#"{"type":"answer","id":4,"decision":"allow""#);
    drop(first);
    let mut second = Client::attach(&s.path);
    let got = second.recv_type("ask");
    assert_eq!(got["id"], 4);
    assert!(s.answers.try_recv().is_err());
    second.answer(4, "deny", "once");
    second.recv_type("accepted");
    assert_eq!(s.answers.recv().unwrap().decision, Decision::Deny);
}

#[test]
fn bad_lines_get_an_error_and_grant_nothing() {
    let s = setup();
    let mut c = Client::attach(&s.path);
    assert!(s.prompter.show(&ask(5, "/home/u/docs/a.pdf")));
    c.recv_type("ask");
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"garbage\n".to_vec(), "malformed"),
        (b"\xff\xfe\n".to_vec(), "malformed"),
        (br#"{"type":"grant","id":5}"#.to_vec(), "unknown-type"),
        (
            br#"{"type":"answer","id":5,"decision":"allow"}"#.to_vec(),
            "malformed",
        ),
        (
            br#"{"type":"answer","id":5,"decision":"yes","scope":"once"}"#.to_vec(),
            "malformed",
        ),
        (
            br#"{"type":"answer","id":99,"decision":"allow","scope":"once"}"#.to_vec(),
            "unknown-id",
        ),
        (
            br#"{"type":"answer","id":5,"decision":"allow","scope":"run","pattern":"/etc/**"}"#
                .to_vec(),
            "bad-pattern",
        ),
        (
            br#"{"type":"answer","id":5,"decision":"allow","scope":"run","pattern":"docs"}"#
                .to_vec(),
            "bad-pattern",
        ),
        (br#"{"type":"hello","protocol":1}"#.to_vec(), "hello-again"),
        ([vec![b'x'; 20_000], b"\n".to_vec()].concat(), "too-long"),
    ];
    for (mut line, code) in cases {
        if line.last() != Some(&b'\n') {
            line.push(b'\n');
        }
        c.send_raw(&line);
        let err = c.recv_type("error");
        assert_eq!(
            err["code"],
            code,
            "{}",
            String::from_utf8_lossy(&line[..line.len().min(80)])
        );
        assert!(!err["message"].as_str().unwrap().is_empty());
    }
    assert!(s.answers.try_recv().is_err(), "nothing was granted");
    // The connection survived all of it.
    c.answer(5, "allow", "once");
    c.recv_type("accepted");
    assert_eq!(s.answers.recv().unwrap(), allow_once(5));
}

#[test]
fn before_its_hello_a_client_gets_one_error_and_is_closed() {
    let s = setup();
    let (mut c, _) = Client::connect(&s.path);
    c.answer(1, "allow", "once");
    assert_eq!(c.recv_type("error")["code"], "hello-first");
    assert!(c.recv().is_none(), "closed");
    let (mut c, _) = Client::connect(&s.path);
    c.send(&json!({"type": "hello", "protocol": 2}));
    let err = c.recv_type("error");
    assert_eq!(err["code"], "version");
    assert!(err["message"].as_str().unwrap().contains("protocol 1"));
    assert!(c.recv().is_none(), "closed");
    let (mut c, _) = Client::connect(&s.path);
    c.send_raw(b"{oops\n");
    assert_eq!(c.recv_type("error")["code"], "malformed");
    assert!(c.recv().is_none(), "closed");
}

#[test]
fn a_client_that_never_reads_is_dropped_and_never_blocks_the_supervisor() {
    let s = setup();
    // Attached, then never reads again.
    let stuck = Client::attach(&s.path);
    let long = "/x".repeat(2000);
    let shower = std::thread::spawn(move || {
        let mut shown = 0;
        for id in 0..5000u64 {
            shown += usize::from(s.prompter.show(&ask(id, &format!("{long}/{id}"))));
        }
        (s, shown)
    });
    let deadline = Instant::now() + PATIENCE;
    while !shower.is_finished() {
        assert!(Instant::now() < deadline, "show() blocked on a client");
        std::thread::sleep(Duration::from_millis(10));
    }
    let (s, shown) = shower.join().unwrap();
    assert!(shown < 5000, "the stuck client was dropped at some point");
    assert_eq!(s.prompter.clients(), 0);
    assert!(s.prompter.pending() <= MAX_OPEN);
    assert!(!s.prompter.show(&ask(9999, "/a")), "nobody left to answer");
    drop(stuck);
}

#[test]
fn pending_asks_are_capped_while_a_good_client_keeps_up() {
    let s = setup();
    let mut c = Client::attach(&s.path);
    let (got_tx, got_rx) = channel();
    let reader = std::thread::spawn(move || {
        while let Some(v) = c.recv() {
            if v["type"] == "ask" {
                got_tx.send(v["id"].as_u64().unwrap()).unwrap();
            }
        }
    });
    let mut id = 0;
    while id < MAX_OPEN as u64 {
        for _ in 0..100.min(MAX_OPEN as u64 - id) {
            assert!(s.prompter.show(&ask(id, "/a")), "ask {id}");
            id += 1;
        }
        // Bursts the client can take: it received everything shown so far.
        while got_rx
            .recv_timeout(PATIENCE)
            .expect("the client gets every ask")
            + 1
            < id
        {}
    }
    assert_eq!(s.prompter.pending(), MAX_OPEN);
    assert!(
        !s.prompter.show(&ask(id, "/a")),
        "beyond the cap: denied at once"
    );
    assert_eq!(s.prompter.clients(), 1, "the client kept up and stayed");
    s.prompter.resolved(0, &Resolution::Exited);
    assert!(s.prompter.show(&ask(id, "/a")), "room again");
    drop(s);
    reader.join().unwrap();
}

#[test]
fn the_socket_is_private_never_clobbers_and_is_removed_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sock");
    let (tx, _rx) = channel();
    let p = SocketPrompter::bind(&path, tx.clone()).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(matches!(
        SocketPrompter::bind(&path, tx.clone()),
        Err(PathError::InUse(_))
    ));
    drop(p);
    assert!(!path.exists(), "removed at the end");
    // A stale socket (nobody listening) is replaced.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    drop(SocketPrompter::bind(&path, tx.clone()).unwrap());
    // A file that is not a socket is never replaced.
    std::fs::write(&path, "precious").unwrap();
    let err = SocketPrompter::bind(&path, tx).err().unwrap();
    assert!(matches!(err, PathError::NotASocket(_)), "{err}");
    assert_eq!(err.hint(), Some("give another --prompt-socket path"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");
}

/// What a child process gets from the socket: the first line it reads.
fn child_reads(path: &std::path::Path, double_fork: bool) -> String {
    let script = r#"
import os, socket, sys
if sys.argv[2] == "1":
    r, w = os.pipe()
    if os.fork() > 0:
        os.close(w); print(os.read(r, 65536).decode(), end=""); sys.exit(0)
    if os.fork() > 0:
        os._exit(0)
    os.getppid()
    while os.getppid() != int(sys.argv[3]): pass
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
    os.write(w, s.recv(65536)); os._exit(0)
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
print(s.recv(65536).decode(), end="")
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, &path.to_string_lossy()])
        .arg(if double_fork { "1" } else { "0" })
        .arg(std::process::id().to_string())
        .output()
        .expect("python3");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_process_inside_the_sandbox_cannot_connect() {
    let s = setup();
    // Without the guard a child process is served (so the refusal below is the guard's doing).
    assert!(child_reads(&s.path, false).contains(r#""type":"hello""#));
    s.prompter.guard_sandbox();
    let refused = child_reads(&s.path, false);
    assert!(refused.contains(r#""code":"refused""#), "{refused}");
    assert!(refused.contains("inside the sandbox"), "{refused}");
    // This process itself (not inside) still may.
    let (_c, hello) = Client::connect(&s.path);
    assert_eq!(hello["type"], "hello");
}

#[test]
fn a_double_fork_does_not_escape_the_guard_under_a_subreaper() {
    nix::sys::prctl::set_child_subreaper(true).unwrap();
    let s = setup();
    s.prompter.guard_sandbox();
    let refused = child_reads(&s.path, true);
    assert!(refused.contains(r#""code":"refused""#), "{refused}");
}

/// The figure asked for: an ask shown → the answer in the supervisor's receiver, through a
/// scripted client on the real socket. Printed (`--nocapture`), not asserted.
#[test]
fn round_trip_median_over_1000_asks() {
    let s = setup();
    let mut c = Client::attach(&s.path);
    let client = std::thread::spawn(move || {
        while let Some(v) = c.recv() {
            if v["type"] == "ask" {
                c.answer(v["id"].as_u64().unwrap(), "allow", "once");
            }
        }
    });
    let mut times = Vec::with_capacity(1000);
    for id in 0..1000u64 {
        let a = ask(id, "/home/u/docs/report.pdf");
        let start = Instant::now();
        assert!(s.prompter.show(&a));
        let got = s.answers.recv_timeout(PATIENCE).expect("answer");
        times.push(start.elapsed());
        assert_eq!(got.id, id);
        s.prompter.resolved(id, &Resolution::Answered(got));
    }
    times.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "socket round trip over 1000 asks: median {:.0} µs, p90 {:.0} µs, max {:.0} µs",
        us(times[500]),
        us(times[900]),
        us(times[999])
    );
    drop(s);
    client.join().unwrap();
}

#[test]
fn connections_are_capped() {
    let s = setup();
    let clients: Vec<Client> = (0..llrun::prompt::socket::MAX_CLIENTS)
        .map(|_| Client::attach(&s.path))
        .collect();
    let (mut extra, first) = Client::connect(&s.path);
    assert_eq!(first["code"], "too-many-clients", "{first}");
    assert!(extra.recv().is_none(), "closed");
    drop(clients);
}

#[test]
fn answers_sent_just_before_leaving_all_count() {
    // A script answers and exits without reading the replies. Repeated, because whether a
    // reply fails before the next answer is read depends on scheduling.
    for round in 0..50u64 {
        let s = setup();
        let mut c = Client::attach(&s.path);
        for id in 1..=3 {
            assert!(s.prompter.show(&ask(id, "/a")));
            c.recv_type("ask");
        }
        for id in 1..=3 {
            c.answer(id, "allow", "once");
        }
        drop(c);
        for id in 1..=3 {
            let got = s.answers.recv_timeout(PATIENCE);
            assert_eq!(got.map(|a| a.id), Ok(id), "round {round}");
        }
    }
}
