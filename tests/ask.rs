//! `ask` rules end to end: a real program under llrun, its held calls answered over the prompt
//! socket by a scripted client, and what the kernel then let it do.

mod common;

use common::client::{Client, Lang, answer_all, prompted, run_prompted};
use common::{BASE, HomeTree, Sandbox, llrun};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

/// A sandbox with a secret that only an `ask` rule covers, and a profile for it.
fn setup(extra: &str) -> (Sandbox, PathBuf) {
    let s = Sandbox::new();
    s.write("secret/key", "TOP SECRET\n");
    s.write("open/readme", "hello\n");
    let profile = s.profile(
        "ask.llp",
        &format!("{BASE}allow read @/open\nallow rw /tmp\nask read @/secret\ninclude? <ask.local>\n{extra}\n"),
    );
    (s, profile)
}

/// Runs `sh -c script` under `profile` with the prompt socket, once the client is connected.
fn run_asked(
    s: &Sandbox,
    profile: &Path,
    answer: Option<Value>,
    args: &[&str],
    script: &str,
) -> (Output, Vec<Value>) {
    let (out, messages) = run_prompted(
        s.path(),
        profile,
        args,
        Lang::Shell,
        script,
        answer_all(answer),
    );
    let asks = messages
        .into_iter()
        .filter(|m| m["type"] == "ask")
        .collect();
    (out, asks)
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn without_a_prompt_helper_an_ask_is_denied_by_the_kernel_and_logged() {
    let (s, profile) = setup("");
    let log = s.path().join("log.jsonl");
    let out = llrun()
        .args(["-q", "--prompt", "none", "--log", &log.to_string_lossy()])
        .args(["-p", &profile.to_string_lossy(), "cat"])
        .arg(s.path().join("secret/key"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(!stdout.contains("SECRET"), "{stdout}");
    assert!(stderr.contains("Permission denied"), "{stderr}");
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(
        log.contains("\"no prompt helper\"") && log.contains("secret/key"),
        "{log}"
    );
}

#[test]
fn allow_once_opens_the_file_through_the_supervisor() {
    let (s, profile) = setup("");
    let key = s.path().join("secret/key");
    let script = format!("cat {0}; cat {0}", key.display());
    let answer = json!({"decision": "allow", "scope": "once"});
    let (out, asks) = run_asked(&s, &profile, Some(answer), &[], &script);
    let (stdout, stderr) = text(&out);
    assert_eq!(stdout, "TOP SECRET\nTOP SECRET\n", "{stderr}");
    // Once means once: the second open asked again.
    assert_eq!(asks.len(), 2, "{asks:?}");
    let ask = &asks[0];
    assert_eq!(ask["target"]["path"], key.to_string_lossy().as_ref());
    assert!(
        ask["rule"].as_str().unwrap().ends_with("ask.llp:9"),
        "{ask}"
    );
    assert!(ask["exe"].as_str().unwrap().ends_with("cat"), "{ask}");
}

#[test]
fn deny_is_refused_with_eacces() {
    let (s, profile) = setup("");
    let key = s.path().join("secret/key");
    let answer = json!({"decision": "deny", "scope": "once"});
    let (out, asks) = run_asked(
        &s,
        &profile,
        Some(answer),
        &[],
        &format!("cat {}", key.display()),
    );
    let (stdout, stderr) = text(&out);
    assert!(!stdout.contains("SECRET"));
    assert!(stderr.contains("Permission denied"), "{stderr}");
    assert_eq!(asks.len(), 1);
}

#[test]
fn allow_for_the_run_asks_once_and_always_is_remembered_for_the_next_run() {
    let (s, profile) = setup("");
    let key = s.path().join("secret/key");
    let script = format!("cat {0}; cat {0}", key.display());
    let answer = json!({"decision": "allow", "scope": "run"});
    let (out, asks) = run_asked(&s, &profile, Some(answer), &[], &script);
    assert_eq!(text(&out).0, "TOP SECRET\nTOP SECRET\n");
    assert_eq!(asks.len(), 1, "{asks:?}");
    assert_eq!(asks[0]["allow_always"], true, "{asks:?}");

    let answer = json!({"decision": "allow", "scope": "always", "pattern": s.path().join("secret").to_string_lossy()});
    // The folder is as specific as the ask rule, which would win the tie: llrun remembers the
    // folder's contents instead (checked below).
    let (out, asks) = run_asked(
        &s,
        &profile,
        Some(answer),
        &[],
        &format!("cat {}", key.display()),
    );
    assert_eq!(text(&out).0, "TOP SECRET\n", "{}", text(&out).1);
    assert_eq!(asks.len(), 1);
    let local = s.path().join("config/llrun/profiles/ask.local.llp");
    let written = std::fs::read_to_string(&local).unwrap();
    assert!(written.contains("# added by llrun"), "{written}");
    assert!(
        written.contains(&format!(
            "allow read \"{}/*\"",
            s.path().join("secret").display()
        )),
        "{written}"
    );
    // The next run honours it without asking, through the profile's `include? <ask.local>`.
    let out = llrun()
        .env("XDG_CONFIG_HOME", s.path().join("config"))
        .args([
            "-q",
            "--prompt",
            "none",
            "-p",
            &profile.to_string_lossy(),
            "cat",
        ])
        .arg(&key)
        .output()
        .unwrap();
    assert_eq!(text(&out).0, "TOP SECRET\n", "{}", text(&out).1);
}

/// A profile of the user's own, outside the search path and without `include? <x.local>`:
/// "always" writes `x.local.llp`, and the next run reads it although the profile never names it.
#[test]
fn always_reaches_a_user_profile_that_does_not_include_its_local_file() {
    always_then_next_run(&HomeTree::new(), "key", "other");
}

/// The program chooses the names it asks about: one that holds a newline, a variable or a glob
/// is written into the profile as exactly that name, so the next run works and the rule opens
/// that file and not its sibling.
#[test]
fn always_on_a_name_with_a_newline_a_variable_or_a_glob_covers_exactly_that_file() {
    for (name, sibling) in [
        ("new\nline", "new"),
        ("${HOME}", "other"),
        ("star*", "starX"),
    ] {
        always_then_next_run(&HomeTree::new(), name, sibling);
    }
}

/// In `tree`, `./x.llp` (in `work/`, run from there, with `HOME` and `XDG_CONFIG_HOME` of the
/// tree) has `ask read work/secret`. The first run reads `secret/NAME`, answered "always"; the
/// next run, with no prompt helper (an ask is denied), reads it and is refused `secret/SIBLING`.
fn always_then_next_run(tree: &HomeTree, name: &str, sibling: &str) {
    let work = tree.work();
    let file = tree.write(&format!("work/secret/{name}"), "TOP SECRET\n");
    let other = tree.write(&format!("work/secret/{sibling}"), "OTHER\n");
    let rules = format!("{BASE}ask read {}/secret\n", work.display());
    tree.write("work/x.llp", &rules);
    let config = tree.home().join(".config");
    let user = |mut cmd: std::process::Command| {
        cmd.current_dir(&work)
            .env("HOME", tree.home())
            .env("XDG_CONFIG_HOME", &config);
        cmd
    };
    let dir = tree.root();
    let _ = std::fs::remove_file(dir.join("ready"));
    let answer = json!({"decision": "allow", "scope": "always"});
    let client = Client::answering(dir.join("prompt.sock"), dir.join("ready"), Some(answer));
    let quoted = format!("'{}'", file.to_string_lossy().replace('\'', "'\\''"));
    let script = format!("cat {quoted}");
    let out = user(prompted(
        dir,
        Path::new("./x.llp"),
        &[],
        Lang::Shell,
        &script,
    ))
    .output()
    .unwrap();
    assert_eq!(text(&out).0, "TOP SECRET\n", "{name:?}: {}", text(&out).1);
    assert_eq!(client.asks().len(), 1, "{name:?}");
    let local = config.join("llrun/profiles/x.local.llp");
    let written = std::fs::read_to_string(&local).unwrap();
    assert!(written.contains("allow read"), "{name:?}: {written}");
    let next = |file: &Path| {
        let mut cmd = llrun();
        cmd.args(["-q", "--prompt", "none", "-p", "./x.llp", "cat"])
            .arg(file);
        user(cmd).output().unwrap()
    };
    let out = next(&file);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name:?}: {}\n{written}",
        text(&out).1
    );
    assert_eq!(text(&out).0, "TOP SECRET\n");
    let out = next(&other);
    assert_ne!(
        out.status.code(),
        Some(0),
        "{sibling:?}: {}\n{written}",
        text(&out).0
    );
    assert!(
        text(&out).1.contains("Permission denied"),
        "{}",
        text(&out).1
    );
}

/// An ask rule that names the very file asked about cannot be outranked by any remembered
/// rule (a tie goes to the ask), so "always" grants it for this run, says so, and writes nothing
/// that would not work.
#[test]
fn always_on_a_file_its_ask_rule_names_exactly_is_for_this_run_only() {
    let (s, profile) = setup("ask read @/secret/key");
    let key = s.path().join("secret/key");
    let answer = json!({"decision": "allow", "scope": "always"});
    let (out, messages) = run_prompted(
        s.path(),
        &profile,
        &[],
        Lang::Shell,
        &format!("cat {0}; cat {0}", key.display()),
        answer_all(Some(answer)),
    );
    assert_eq!(text(&out).0, "TOP SECRET\nTOP SECRET\n", "{}", text(&out).1);
    let asks: Vec<_> = messages.iter().filter(|m| m["type"] == "ask").collect();
    assert_eq!(asks.len(), 1, "{messages:?}");
    // The prompt knew before the answer: a helper can say so next to its "always".
    assert_eq!(asks[0]["allow_always"], false, "{messages:?}");
    assert!(
        messages.iter().any(|m| m["type"] == "notice"
            && m["text"]
                .as_str()
                .is_some_and(|t| t.contains("this run only"))),
        "{messages:?}"
    );
    let local = s.path().join("config/llrun/profiles/ask.local.llp");
    let written = std::fs::read_to_string(&local).unwrap_or_default();
    assert!(!written.contains("allow"), "{written}");
}

#[test]
fn an_unanswered_ask_times_out_to_deny() {
    let (s, profile) = setup("");
    let key = s.path().join("secret/key");
    let started = Instant::now();
    let (out, asks) = run_asked(
        &s,
        &profile,
        None,
        &["--ask-timeout", "1"],
        &format!("cat {}", key.display()),
    );
    assert!(
        text(&out).1.contains("Permission denied"),
        "{}",
        text(&out).1
    );
    assert_eq!(asks.len(), 1);
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[test]
fn asked_creation_removal_and_rename_are_carried_out_by_the_supervisor() {
    let s = Sandbox::new();
    std::fs::create_dir_all(s.path().join("inbox")).unwrap();
    let profile = s.profile("ask.llp", &format!("{BASE}ask rw @/inbox\n"));
    let d = s.path().join("inbox");
    let script = format!(
        "mkdir {0}/sub && echo data > {0}/new && mv {0}/new {0}/sub/moved && cat {0}/sub/moved && rm {0}/sub/moved && rmdir {0}/sub && echo done",
        d.display()
    );
    let answer = json!({"decision": "allow", "scope": "run", "pattern": d.to_string_lossy()});
    let (out, _) = run_asked(&s, &profile, Some(answer), &[], &script);
    let (stdout, stderr) = text(&out);
    assert_eq!(stdout, "data\ndone\n", "{stderr}");
    assert!(!d.join("sub").exists());
}

#[test]
fn killing_the_supervisor_fails_held_calls_closed() {
    held_call_fails_when_the_supervisor_goes(false);
}

/// A stopped supervisor (SIGSTOP) answers nothing: the held call waits, granted nothing, and
/// fails once the supervisor is killed.
#[test]
fn stopping_then_killing_the_supervisor_grants_nothing() {
    held_call_fails_when_the_supervisor_goes(true);
}

fn held_call_fails_when_the_supervisor_goes(stop_first: bool) {
    let (s, profile) = setup("");
    let key = s.path().join("secret/key");
    let socket = s.path().join("prompt.sock");
    let ready = s.path().join("ready");
    // A client that never answers; the ask stays held until llrun is killed.
    let _client = Client::answering(socket.clone(), ready.clone(), None);
    // Once the supervisor is gone every trapped call fails, so the verdict goes to the pipe
    // llrun's caller gave the program, not to a file.
    let script = format!(
        "if cat {}; then echo OPENED; else echo FAILED; fi",
        key.display()
    );
    let mut child = prompted(s.path(), &profile, &[], Lang::Shell, &script)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready.exists() {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    if stop_first {
        let llrun = nix::unistd::Pid::from_raw(child.id() as i32);
        nix::sys::signal::kill(llrun, nix::sys::signal::Signal::SIGSTOP).unwrap();
        std::thread::sleep(Duration::from_millis(500));
    }
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(
        stdout.contains("FAILED") && !stdout.contains("SECRET"),
        "{stdout}{stderr}"
    );
    assert!(stderr.contains("Function not implemented"), "{stderr}");
}
