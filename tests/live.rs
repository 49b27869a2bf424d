//! Live edits end to end: a real program under llrun, real edits of its profile files in the
//! ways editors save them, a scripted client on the prompt socket, and what the kernel then let
//! the program do.
//!
//! The program's script moves on step by step: `step N` waits for the file `go.N`, which the
//! test creates once it has seen what it waits for (a reload, a notice, an ask). Nothing waits
//! for a fixed time; everything polls with a deadline.

mod common;

use common::{BASE, Sandbox, llrun};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(30);

/// Text that grows while a thread reads into it.
type Shared<T> = Arc<Mutex<T>>;

/// A program running under llrun, with a prompt client attached and its output collected.
struct Run {
    child: Child,
    dir: PathBuf,
    out: Shared<String>,
    err: Shared<String>,
    messages: Shared<Vec<Value>>,
    requests: UnixStream,
}

impl Run {
    /// Starts `script` under `profile` with `args`; asks are answered with `answer` (never, for
    /// `None`). Returns once the client is attached.
    fn start(
        s: &Sandbox,
        profile: &Path,
        args: &[&str],
        answer: Option<Value>,
        script: &str,
    ) -> Run {
        let socket = s.path().join("prompt.sock");
        let steps = format!(
            // The program gives up when the test's directory is gone (a failed test must not
            // leave it spinning).
            "step() {{ until [ -e {0}/go.$1 ]; do [ -d {0} ] || exit 99; sleep 0.01; done; }}\n{script}\nstep end",
            s.path().display()
        );
        let mut child = llrun()
            .env("XDG_CONFIG_HOME", s.path().join("config"))
            .args(["-q", "--ask-timeout", "0", "--prompt-socket"])
            .arg(&socket)
            .args(args)
            .args([
                "-p",
                &profile.to_string_lossy(),
                "--",
                "/bin/sh",
                "-c",
                &steps,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = collect(child.stdout.take().unwrap());
        let err = collect(child.stderr.take().unwrap());
        let (messages, requests) = attach(&socket, answer);
        Run {
            child,
            dir: s.path().to_path_buf(),
            out,
            err,
            messages,
            requests,
        }
    }

    /// Lets the program's `step NAME` go on.
    fn go(&self, step: &str) {
        std::fs::write(self.dir.join(format!("go.{step}")), "").unwrap();
    }

    /// Polls `ready` until it holds, or fails with everything seen so far.
    #[track_caller]
    fn wait(&self, what: &str, ready: impl Fn(&Run) -> bool) {
        let deadline = Instant::now() + DEADLINE;
        while !ready(self) {
            assert!(Instant::now() < deadline, "no {what}\n{}", self.seen());
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn seen(&self) -> String {
        format!(
            "program stdout:\n{}\nllrun stderr:\n{}\nclient saw:\n{}",
            self.out(),
            self.err(),
            self.messages()
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    }

    fn out(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    fn err(&self) -> String {
        self.err.lock().unwrap().clone()
    }

    fn messages(&self) -> Vec<Value> {
        self.messages.lock().unwrap().clone()
    }

    /// Waits until the program printed `needle`.
    #[track_caller]
    fn wait_out(&self, needle: &str) {
        self.wait(&format!("`{needle}` from the program"), |r| {
            r.out().contains(needle)
        });
    }

    /// Waits for a message the client received, and returns it.
    #[track_caller]
    fn wait_message(&self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        self.wait(what, |r| r.messages().iter().any(&matches));
        self.messages().into_iter().find(matches).unwrap()
    }

    /// Waits for a notice containing `text`.
    #[track_caller]
    fn wait_notice(&self, text: &str) -> String {
        let m = self.wait_message(&format!("notice with `{text}`"), |m| {
            m["type"] == "notice" && m["text"].as_str().unwrap().contains(text)
        });
        m["text"].as_str().unwrap().to_string()
    }

    /// The profile part of a fresh `status` reply.
    fn status(&self) -> Value {
        let before = self.statuses();
        writeln!(&self.requests, "{}", json!({"type": "status"})).unwrap();
        self.wait("status reply", |r| r.statuses() > before);
        let all = self.messages();
        let last = all.iter().rev().find(|m| m["type"] == "status").unwrap();
        last["profile"].clone()
    }

    fn statuses(&self) -> usize {
        self.messages()
            .iter()
            .filter(|m| m["type"] == "status")
            .count()
    }

    /// Waits until `version` of the profile is in force.
    #[track_caller]
    fn wait_version(&self, version: u64) {
        self.wait(&format!("profile version {version}"), |r| {
            r.status()["version"].as_u64() == Some(version)
        });
    }

    /// Lets the program end (its script's last `step end`) and waits for it; returns its exit
    /// code and output.
    fn finish(mut self) -> (i32, String, String) {
        self.go("end");
        let status = self.child.wait().unwrap();
        // The readers end with the pipes.
        let deadline = Instant::now() + DEADLINE;
        while Arc::strong_count(&self.out) > 1 || Arc::strong_count(&self.err) > 1 {
            assert!(Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(5));
        }
        (status.code().unwrap_or(-1), self.out(), self.err())
    }

    /// [`Run::finish`] for a program that must exit 0: its output and errors.
    fn finish_ok(self) -> (String, String) {
        let (code, out, err) = self.finish();
        assert_eq!(code, 0, "{err}");
        (out, err)
    }
}

/// Collects what a pipe carries.
fn collect(mut pipe: impl Read + Send + 'static) -> Shared<String> {
    let text = Arc::new(Mutex::new(String::new()));
    let into = Arc::clone(&text);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    text
}

/// Connects a client to the prompt socket, says hello, and records every message; asks are
/// answered with `answer` if given. Returns once the hello is sent.
fn attach(socket: &Path, answer: Option<Value>) -> (Shared<Vec<Value>>, UnixStream) {
    let deadline = Instant::now() + DEADLINE;
    let stream = loop {
        if let Ok(s) = UnixStream::connect(socket) {
            break s;
        }
        assert!(Instant::now() < deadline, "no prompt socket at {socket:?}");
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut lines = BufReader::new(stream.try_clone().unwrap()).lines();
    let hello: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let mut w = stream.try_clone().unwrap();
    writeln!(
        w,
        "{}",
        json!({"type": "hello", "protocol": hello["protocol"], "client": "live test"})
    )
    .unwrap();
    let messages = Arc::new(Mutex::new(Vec::new()));
    let into = Arc::clone(&messages);
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let m: Value = serde_json::from_str(&line).unwrap();
            if m["type"] == "ask"
                && let Some(a) = &answer
            {
                let mut a = a.clone();
                a["type"] = json!("answer");
                a["id"] = m["id"].clone();
                let _ = writeln!(w, "{a}");
            }
            into.lock().unwrap().push(m);
        }
    });
    (messages, stream)
}

// How editors save.

fn write_in_place(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// vim and most GUIs: a new file beside it, renamed over it.
fn rename_over(path: &Path, text: &str) {
    let tmp = path.with_extension("llp.swp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn delete_and_recreate(path: &Path, text: &str) {
    std::fs::remove_file(path).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `ln -sf`, atomically: a new link renamed over the old one.
fn relink(link: &Path, target: &Path) {
    let tmp = link.with_extension("link.tmp");
    std::os::unix::fs::symlink(target, &tmp).unwrap();
    std::fs::rename(&tmp, link).unwrap();
}

fn log_of(s: &Sandbox) -> (String, String) {
    let log = s.path().join("log.jsonl");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    (log.to_string_lossy().into_owned(), text)
}

/// A sandbox with a secret that only an `ask` rule covers, and readable data beside it.
fn asking(extra: &str) -> (Sandbox, PathBuf, String) {
    let s = Sandbox::new();
    s.write("secret/key", "TOP SECRET\n");
    s.write("open/readme", "hello\n");
    s.write("extra/file", "EXTRA\n");
    let text = format!("{BASE}allow read @/open\nask read @/secret\n{extra}");
    let profile = s.profile("test.llp", &text);
    let text = text.replace('@', &s.path().to_string_lossy());
    (s, profile, text)
}

#[test]
fn an_added_allow_answers_a_held_prompt_and_clients_see_it_resolved() {
    let (s, profile, text) = asking("");
    let (log, _) = log_of(&s);
    let key = s.path().join("secret/key");
    let run = Run::start(
        &s,
        &profile,
        &["--log", &log],
        None,
        &format!("step 1; cat {}; echo r=$?", key.display()),
    );
    run.go("1");
    let ask = run.wait_message("ask", |m| m["type"] == "ask");
    assert_eq!(ask["target"]["path"], key.to_string_lossy().as_ref());
    write_in_place(&profile, &format!("{text}allow read {}\n", key.display()));
    run.wait_out("r=0");
    let resolved = run.wait_message("resolved", |m| m["type"] == "resolved");
    assert_eq!(resolved["id"], ask["id"]);
    assert_eq!(resolved["how"], "edited");
    run.wait_notice("profile version 2 in force");
    assert_eq!(run.status()["version"], 2);
    let socket = s.path().join("prompt.sock");
    let status = common::run(&["status", "--socket", &socket.to_string_lossy()]);
    let status = common::stdout(&status);
    assert!(
        status.contains("profile version 2 (live edits on")
            && status.contains("applied: version 2 in force"),
        "{status}"
    );
    let (code, out, _) = run.finish();
    assert_eq!((code, out.as_str()), (0, "TOP SECRET\nr=0\n"));
    let (_, log) = log_of(&s);
    assert!(
        log.lines()
            .any(|l| l.contains("\"event\":\"reload\"") && l.contains("version 2")),
        "{log}"
    );
}

#[test]
fn a_new_deny_takes_back_what_an_answer_granted_for_the_run() {
    let (s, profile, text) = asking("");
    let key = s.path().join("secret/key");
    let answer = json!({"decision": "allow", "scope": "run"});
    let script = format!(
        "step 1; cat {0}; echo r1=$?; step 2; cat {0}; echo r2=$?",
        key.display()
    );
    let run = Run::start(&s, &profile, &[], Some(answer), &script);
    run.go("1");
    run.wait_out("r1=0");
    rename_over(
        &profile,
        &format!("{text}deny read {}\n", s.path().join("secret").display()),
    );
    run.wait_version(2);
    run.go("2");
    run.wait_out("r2=1");
    let (_, out, err) = run.finish();
    assert_eq!(out, "TOP SECRET\nr1=0\nr2=1\n");
    assert!(err.contains("Permission denied"), "{err}");
}

#[test]
fn an_invalid_edit_keeps_the_version_in_force_and_reports_file_line_col() {
    let (s, profile, text) = asking("");
    let (log, _) = log_of(&s);
    let script = format!(
        "step 1; cat {o}; echo r1=$?; cat {x}; echo r2=$?; step 2; cat {x}; echo r3=$?",
        o = s.path().join("open/readme").display(),
        x = s.path().join("extra/file").display()
    );
    let run = Run::start(&s, &profile, &["--log", &log], None, &script);
    let line = text.lines().count() + 1;
    write_in_place(
        &profile,
        &format!("{text}deny wrte {}/open\n", s.path().display()),
    );
    let notice = run.wait_notice("stays in force");
    let at = format!("test.llp:{line}:6: error:");
    assert!(notice.contains(&at), "{notice}");
    let status = run.status();
    assert_eq!(status["version"], 1);
    assert_eq!(status["last_reload"]["result"], "invalid");
    // The version in force still decides: what it allows, and what it refuses.
    run.go("1");
    run.wait_out("r2=1");
    // The next valid save recovers.
    rename_over(
        &profile,
        &format!("{text}allow read {}/extra\n", s.path().display()),
    );
    run.wait_version(2);
    run.go("2");
    run.wait_out("r3=0");
    let (_, out, _) = run.finish();
    assert_eq!(out, "hello\nr1=0\nr2=1\nEXTRA\nr3=0\n");
    let (_, log) = log_of(&s);
    assert!(
        log.contains(&at) && log.contains("\"event\":\"reload\""),
        "{log}"
    );
}

#[test]
fn every_way_an_editor_saves_is_seen() {
    let s = Sandbox::new();
    for i in 1..=5 {
        s.write(&format!("data/f{i}"), &format!("F{i}\n"));
    }
    let allow = |i: usize| format!("allow read {}/data/f{i}\n", s.path().display());
    // The included part is a symlink into another directory, as dotfile managers make them.
    s.write("real/part.llp", "set PART = \"empty\"\n");
    s.write("real/other.llp", &(1..=5).map(allow).collect::<String>());
    std::fs::create_dir_all(s.path().join("parts")).unwrap();
    let link = s.path().join("parts/part.llp");
    std::os::unix::fs::symlink(s.path().join("real/part.llp"), &link).unwrap();
    let head = format!("{BASE}include \"parts/part.llp\"\n");
    let profile = s.profile("test.llp", &head);
    let script: String = (1..=5)
        .map(|i| {
            format!(
                "step {i}; cat {d}/f{i}; echo r{i}=$?\n",
                d = s.path().join("data").display()
            )
        })
        .collect();
    // No `ask` rule: --live starts the supervisor for the edits alone.
    let run = Run::start(&s, &profile, &["--live"], None, &script);
    let upto = |n: usize| (1..=n).map(allow).collect::<String>();
    write_in_place(&profile, &format!("{head}{}", upto(1)));
    run.wait_version(2);
    rename_over(&profile, &format!("{head}{}", upto(2)));
    run.wait_version(3);
    delete_and_recreate(&profile, &format!("{head}{}", upto(3)));
    run.wait_version(4);
    write_in_place(&s.path().join("real/part.llp"), &upto(4));
    run.wait_version(5);
    relink(&link, &s.path().join("real/other.llp"));
    run.wait_version(6);
    for i in 1..=5 {
        run.go(&i.to_string());
    }
    let (out, err) = run.finish_ok();
    let expected: String = (1..=5).map(|i| format!("F{i}\nr{i}=0\n")).collect();
    assert_eq!(out, expected, "{err}");
}

#[test]
fn without_live_edits_wait_for_the_next_start() {
    let s = Sandbox::new();
    s.write("data/f", "F\n");
    let profile = s.profile("test.llp", BASE);
    let f = s.path().join("data/f");
    // Two runs of one profile: with live edits, and by default (no `ask`: no supervisor).
    let script = format!("step 1; cat {}; echo r=$?", f.display());
    let live = Run::start(&s, &profile, &["--live"], None, &script);
    let steps = format!(
        "echo started; n=0; until [ -e {}/go.1 ] || [ $n -gt 2000 ]; do n=$((n+1)); sleep 0.01; done; cat {}; echo r=$?",
        s.path().display(),
        f.display()
    );
    let mut fixed = llrun()
        .args([
            "-q",
            "-p",
            &profile.to_string_lossy(),
            "--",
            "/bin/sh",
            "-c",
            &steps,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut fixed_out = BufReader::new(fixed.stdout.take().unwrap());
    let mut started = String::new();
    fixed_out.read_line(&mut started).unwrap();
    assert_eq!(started, "started\n");
    rename_over(&profile, &format!("{BASE}allow read {}\n", f.display()));
    live.wait_version(2);
    live.go("1");
    let (_, out, _) = live.finish();
    assert_eq!(out, "F\nr=0\n");
    let mut rest = String::new();
    fixed_out.read_to_string(&mut rest).unwrap();
    assert!(fixed.wait().unwrap().success());
    assert_eq!(rest, "r=1\n");
    // And with `ask` rules, --no-live keeps the profile as started.
    let (s, profile, text) = asking("");
    let run = Run::start(&s, &profile, &["--no-live"], None, "step 1");
    // (A client may attach a moment before the run has filled in the profile's status.)
    run.wait("status: live edits off", |r| r.status()["live"] == false);
    rename_over(
        &profile,
        &format!("{text}allow read {}/extra\n", s.path().display()),
    );
    run.go("1");
    run.finish();
}

/// The last valid version stays in force through each kind of bad input, and the next valid
/// save recovers each time.
#[test]
fn bad_input_leaves_the_last_valid_version_in_force() {
    let s = Sandbox::new();
    s.write("data/f1", "F1\n");
    s.write("data/f2", "F2\n");
    let d = s.path().join("data");
    let part = s.write("part.llp", &format!("allow read {}/f1\n", d.display()));
    let profile = s.profile(
        "test.llp",
        &format!("{BASE}ask read @/secret\ninclude \"part.llp\"\n"),
    );
    let text = std::fs::read_to_string(&profile).unwrap();
    let check = |n: usize| {
        format!(
            "step {n}; cat {d}/f1; echo a{n}=$?; cat {d}/f2; echo b{n}=$?\n",
            d = d.display()
        )
    };
    let run = Run::start(
        &s,
        &profile,
        &[],
        None,
        &(1..=5).map(check).collect::<String>(),
    );
    let bad: [(&str, &dyn Fn()); 5] = [
        ("does not exist", &|| {
            std::fs::remove_file(&profile).unwrap()
        }),
        ("is a directory", &|| {
            std::fs::remove_file(&profile).unwrap();
            std::fs::create_dir(&profile).unwrap();
        }),
        ("include cycle", &|| {
            std::fs::write(&part, "include \"test.llp\"\n").unwrap()
        }),
        ("symbolic link to a file that does not exist", &|| {
            std::fs::remove_file(&part).unwrap();
            std::os::unix::fs::symlink(s.path().join("gone.llp"), &part).unwrap();
        }),
        // Valid but for its last line: applying what parses would grant f2.
        ("unknown access word", &|| {
            let half = format!("allow read {0}\nallow raed {0}\n", d.display());
            std::fs::write(&part, half).unwrap()
        }),
    ];
    for (n, (error, make)) in (1..).zip(bad) {
        make();
        let notice = run.wait_notice(error);
        assert!(
            notice.contains(&format!("version {n} stays in force")),
            "{notice}"
        );
        run.go(&n.to_string());
        run.wait_out(&format!("b{n}="));
        // Repaired: a new version (the comment makes it differ from the last).
        if profile.is_dir() {
            std::fs::remove_dir(&profile).unwrap();
        }
        let _ = std::fs::remove_file(&part);
        std::fs::write(
            &part,
            format!("allow read {}/f1\n# repair {n}\n", d.display()),
        )
        .unwrap();
        std::fs::write(&profile, &text).unwrap();
        run.wait_version(n as u64 + 1);
    }
    let (out, err) = run.finish_ok();
    let expected: String = (1..=5).map(|n| format!("F1\na{n}=0\nb{n}=1\n")).collect();
    assert_eq!(out, expected, "{err}");
}

/// A thousand saves in one second, most written in place in two parts, so that a reader who
/// does not wait for the writer sees a profile without its last line, the `deny`. The program
/// tries the denied file all along; it must never get it, and the last save must be in force.
#[test]
fn a_thousand_saves_in_a_second_grant_nothing_and_lose_nothing() {
    let s = Sandbox::new();
    s.write("data/secret", "TOP SECRET\n");
    s.write("data/open", "open\n");
    s.write("later/file", "LATER\n");
    let dir = s.path().display().to_string();
    let head = format!("{BASE}allow read {dir}/data\n");
    let tail = format!("deny read {dir}/data/secret\n");
    let profile = s.profile("test.llp", &format!("{head}{tail}"));
    let (log, _) = log_of(&s);
    let script = format!(
        "while [ ! -e {dir}/go.1 ]; do cat {dir}/data/secret 2>&- && echo LEAK; done\n\
         until cat {dir}/later/file 2>&-; do sleep 0.01; done; echo r=$?"
    );
    let run = Run::start(&s, &profile, &["--live", "--log", &log], None, &script);
    let started = Instant::now();
    for i in 0..1000 {
        if i % 10 == 9 {
            rename_over(&profile, &format!("{head}# save {i}\n{tail}"));
            continue;
        }
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&profile)
            .unwrap();
        f.write_all(format!("{head}# save {i}\n").as_bytes())
            .unwrap();
        std::thread::sleep(Duration::from_micros(300));
        f.write_all(tail.as_bytes()).unwrap();
    }
    let flood = started.elapsed();
    write_in_place(&profile, &format!("{head}{tail}allow read {dir}/later\n"));
    run.go("1");
    run.wait_out("r=0");
    let (out, err) = run.finish_ok();
    assert_eq!(out, "LATER\nr=0\n", "{err}");
    let (_, log) = log_of(&s);
    let reloads = log
        .lines()
        .filter(|l| l.contains("\"event\":\"reload\""))
        .count();
    eprintln!("1,000 saves in {flood:?}: {reloads} reloads");
    assert!(reloads < 200, "{reloads} reloads for 1,000 saves:\n{log}");
}

#[test]
fn an_ask_turned_into_allow_exec_is_reported_for_the_next_start() {
    let s = Sandbox::new();
    let tool = s.write("tool/run.sh", "#!/bin/sh\necho RAN\n");
    std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let text = format!("{BASE}ask read @/tool\n");
    let profile = s.profile("test.llp", &text);
    let script = format!(
        "step 1; script=$(cat {0}); echo r1=$?; step 2; {0}; echo r2=$?",
        tool.display()
    );
    let run = Run::start(&s, &profile, &[], None, &script);
    run.go("1");
    run.wait_message("ask", |m| m["type"] == "ask");
    let edited = text.replace(
        "ask read @/tool",
        &format!("allow read,exec {}/tool", s.path().display()),
    );
    let edited = edited.replace('@', &s.path().to_string_lossy());
    rename_over(&profile, &edited);
    // The read it asked about is granted at once; exec is not, and llrun says so.
    run.wait_out("r1=0");
    let notice = run.wait_notice("cannot let the running program run programs");
    assert!(
        notice.contains("test.llp:") && notice.contains("next start"),
        "{notice}"
    );
    run.go("2");
    let (_, out, err) = run.finish();
    assert!(out.ends_with("r2=126\n"), "{out}\n{err}");
    // At the next start it applies.
    let next = llrun()
        .args(["-q", "-p", &profile.to_string_lossy()])
        .arg(&tool)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&next.stdout), "RAN\n");
}

#[test]
fn withdrawing_a_static_grant_is_said_and_applied_to_trapped_calls_only() {
    let (s, profile, text) = asking("");
    let readme = s.path().join("open/readme");
    // The program holds the file open from the start, then opens it again after the edit.
    let script = format!(
        "exec 3<{0}; echo opened; step 1; cat {0}; echo r1=$?; cat <&3; echo r2=$?",
        readme.display()
    );
    let run = Run::start(&s, &profile, &[], None, &script);
    run.wait_out("opened");
    rename_over(&profile, &format!("{text}deny read {}\n", readme.display()));
    let notice = run.wait_notice("cannot take read");
    let line = text.lines().count() + 1;
    assert!(notice.contains(&format!("test.llp:{line}:1:")), "{notice}");
    assert!(
        notice.contains("files already open stay open") && notice.contains("next start"),
        "{notice}"
    );
    run.go("1");
    let (_, out, _) = run.finish();
    // Refused where llrun decides (a new open), kept where the kernel does (the open file).
    assert_eq!(out, "opened\nr1=1\nhello\nr2=0\n");
}

/// The same for a name opened relative to a directory the program opened before the edit: the
/// supervisor worked out at start which directories need no look, and an edit voids that.
#[test]
fn withdrawing_a_static_grant_reaches_names_opened_relative_to_a_directory() {
    let (s, profile, text) = asking("");
    let open = s.path().join("open");
    let py = s.write(
        "open/t.py",
        &format!(
            "import os, time\n\
             d = os.open('{0}', os.O_RDONLY | os.O_DIRECTORY)\n\
             print('opened', flush=True)\n\
             while not os.path.exists('{1}/go.1'): time.sleep(0.01)\n\
             try:\n\
             \x20 os.open('readme', os.O_RDONLY | os.O_NOFOLLOW, dir_fd=d); print('read')\n\
             except PermissionError:\n\
             \x20 print('refused')\n",
            open.display(),
            s.path().display()
        ),
    );
    let script = format!("/usr/bin/python3 {}", py.display());
    let run = Run::start(&s, &profile, &[], None, &script);
    run.wait_out("opened");
    rename_over(
        &profile,
        &format!("{text}deny read {}\n", open.join("readme").display()),
    );
    run.wait_notice("cannot take read");
    run.go("1");
    let (out, _) = run.finish_ok();
    assert_eq!(out, "opened\nrefused\n");
}

#[test]
fn an_always_answer_comes_back_through_the_local_file() {
    always_comes_back_through_the_local_file("include? <test.local>\n");
}

/// The override every profile reads after itself is followed even when the profile never names
/// it and neither it nor its directories exist yet.
#[test]
fn an_always_answer_comes_back_to_a_profile_that_does_not_include_its_local_file() {
    always_comes_back_through_the_local_file("");
}

fn always_comes_back_through_the_local_file(extra: &str) {
    let (s, profile, _) = asking(extra);
    assert!(!s.path().join("config").exists());
    let (log, _) = log_of(&s);
    let secret = s.path().join("secret");
    s.write("secret/other", "OTHER\n");
    let answer =
        json!({"decision": "allow", "scope": "always", "pattern": secret.to_string_lossy()});
    let script = format!("step 1; cat {}/key; echo r1=$?", secret.display());
    let run = Run::start(&s, &profile, &["--log", &log], Some(answer), &script);
    run.go("1");
    run.wait_out("r1=0");
    run.wait_version(2);
    let local = s.path().join("config/llrun/profiles/test.local.llp");
    let notice = run.wait_notice("profile version 2 in force");
    assert!(
        notice.contains(&local.to_string_lossy().into_owned()),
        "{notice}"
    );
    run.finish();
    let (_, log) = log_of(&s);
    let remembered = log
        .lines()
        .position(|l| l.contains("\"event\":\"remembered\""))
        .unwrap();
    let reloaded = log
        .lines()
        .position(|l| l.contains("\"event\":\"reload\"") && l.contains("test.local.llp"))
        .unwrap();
    assert!(remembered < reloaded, "{log}");
}

#[test]
fn an_ask_put_over_a_static_grant_asks_for_the_calls_llrun_traps() {
    let (s, profile, text) = asking("");
    let readme = s.path().join("open/readme");
    let script = format!("step 1; cat {}; echo r=$?", readme.display());
    let answer = json!({"decision": "deny", "scope": "once"});
    let run = Run::start(&s, &profile, &[], Some(answer), &script);
    rename_over(&profile, &format!("{text}ask read {}\n", readme.display()));
    run.wait_notice("cannot take read");
    run.go("1");
    let ask = run.wait_message("ask", |m| m["type"] == "ask");
    assert_eq!(ask["target"]["path"], readme.to_string_lossy().as_ref());
    let (_, out, _) = run.finish();
    assert_eq!(out, "r=1\n");
}

#[test]
fn a_profile_the_program_may_write_is_warned_about() {
    let s = Sandbox::new();
    let profile = s.profile("test.llp", &format!("{BASE}allow rw @\n"));
    let script = format!(
        "n=0; until [ -e {}/go.1 ] || [ $n -gt 2000 ]; do n=$((n+1)); sleep 0.01; done",
        s.path().display()
    );
    let mut child = llrun()
        .args([
            "-q",
            "--live",
            "--prompt",
            "none",
            "-p",
            &profile.to_string_lossy(),
        ])
        .args(["--", "/bin/sh", "-c", &script])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = collect(child.stderr.take().unwrap());
    let deadline = Instant::now() + DEADLINE;
    let warned = format!(
        "may change {}",
        std::fs::canonicalize(&profile).unwrap().display()
    );
    while !err.lock().unwrap().contains(&warned) {
        assert!(Instant::now() < deadline, "{}", err.lock().unwrap());
        std::thread::sleep(Duration::from_millis(5));
    }
    std::fs::write(s.path().join("go.1"), "").unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn settings_that_act_at_start_are_said_to_wait_for_the_next_start() {
    let (s, profile, text) = asking("");
    let run = Run::start(&s, &profile, &[], None, "step 1; echo ${LIVE_TEST:-unset}");
    let made = s.path().join("made/later");
    rename_over(
        &profile,
        &format!("{text}env set LIVE_TEST=1\nmkdir {}\n", made.display()),
    );
    let notice = run.wait_notice("the change to `env` applies at the next start");
    assert!(notice.contains("test.llp"), "{notice}");
    run.wait_notice("the change to `mkdir` applies at the next start");
    run.go("1");
    let (_, out, _) = run.finish();
    assert_eq!(out, "unset\n");
    assert!(!made.exists(), "a live edit created a directory");
}
