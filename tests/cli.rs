//! Exit codes, signals, and the inspection tools.

mod common;
use common::*;
use std::time::Duration;

#[test]
fn exit_status_is_the_commands() {
    let s = Sandbox::new();
    let p = s.base_profile("");
    assert_code(&sh(&p, "exit 0"), 0);
    assert_code(&sh(&p, "exit 42"), 42);
}

#[test]
fn not_found_is_127_and_not_executable_is_126() {
    let s = Sandbox::new();
    let p = s.base_profile(&format!("allow read,exec {}", s.path().display()));
    let o = run(&["-q", "-p", &p.to_string_lossy(), "no-such-command-xyz"]);
    assert_code(&o, 127);
    assert!(stderr(&o).contains("not found"), "{}", stderr(&o));
    let f = s.write("plain.txt", "not a program");
    let o = run(&["-q", "-p", &p.to_string_lossy(), &f.to_string_lossy()]);
    assert_code(&o, 126);
}

#[test]
fn usage_errors_are_125() {
    assert_code(&run(&["--no-such-flag", "true"]), 125);
    let o = run(&["-p", "/nonexistent/x.llp"]);
    assert_code(&o, 125);
    let o = run(&["--profile", "no-such-profile-name", "true"]);
    assert_code(&o, 125);
    assert!(
        stderr(&o).contains("not found") && stderr(&o).contains("hint"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_signal_kills_the_command_and_llrun_dies_of_it() {
    let s = Sandbox::new();
    let p = s.base_profile("");
    let out = s.path().join("started");
    let mut child = llrun()
        .args([
            "-q",
            "-p",
            &p.to_string_lossy(),
            "--",
            "/bin/sh",
            "-c",
            "trap 'exit 7' TERM; while :; do sleep 0.05; done",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let _ = out;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = child.wait().unwrap();
    // The trap ran inside the sandbox: the signal was forwarded, and its exit status came back.
    assert_eq!(status.code(), Some(7), "{status:?}");
}

#[test]
fn death_by_signal_is_reported_as_such() {
    use std::os::unix::process::ExitStatusExt;
    let s = Sandbox::new();
    let p = s.base_profile("");
    let o = sh(&p, "kill -KILL $$");
    assert_eq!(o.status.signal(), Some(9), "{:?} {}", o.status, stderr(&o));
}

#[test]
fn explain_names_the_rule_and_the_enforcement() {
    let s = Sandbox::new();
    s.write("home/.ssh/id", "x");
    s.write("home/a", "x");
    let p = s.base_profile("allow read @/home\ndeny all @/home/.ssh");
    let o = run(&[
        "explain",
        "-p",
        &p.to_string_lossy(),
        "--access",
        "read",
        &format!("{}/home/.ssh/id", s.path().display()),
    ]);
    assert_code(&o, 0);
    let text = stdout(&o);
    assert!(
        text.contains("deny") && text.contains("test.llp:8"),
        "{text}"
    );
    assert!(text.contains("denied by Landlock"), "{text}");
    let o = run(&[
        "explain",
        "-p",
        &p.to_string_lossy(),
        "--access",
        "read",
        &format!("{}/home/a", s.path().display()),
    ]);
    let text = stdout(&o);
    assert!(
        text.contains("allow")
            && text.contains("test.llp:7")
            && text.contains("granted by the Landlock rule"),
        "{text}"
    );
    // The directory itself can't be listed: the carve is reported, not hidden.
    let o = run(&[
        "explain",
        "-p",
        &p.to_string_lossy(),
        "--access",
        "list",
        &format!("{}/home", s.path().display()),
    ]);
    assert!(stdout(&o).contains("NARROWED"), "{}", stdout(&o));
}

/// `explain --socket`: the deciding `connect unix` rule (or the default deny) and how the
/// kernel at hand enforces it.
#[test]
fn explain_socket_names_the_rule_and_who_enforces_it() {
    let s = Sandbox::new();
    let p = s.base_profile("allow connect unix @/run/app.sock");
    let p = p.to_string_lossy();
    let explain = |path: &str| {
        let o = run(&["explain", "-p", &p, "--socket", path]);
        assert_code(&o, 0);
        stdout(&o)
    };
    let allowed = explain(&format!("{}/run/app.sock", s.path().display()));
    assert!(
        allowed.contains("fs.resolve_unix  allow") && allowed.contains("test.llp:7"),
        "{allowed}"
    );
    let bus = explain("/run/user/1000/bus");
    assert!(
        bus.contains("fs.resolve_unix  deny   no rule matches"),
        "{bus}"
    );
    let how = if common::landlock_abi() >= 9 {
        "denied by Landlock"
    } else {
        "decided by the supervisor on each connect"
    };
    assert!(bus.contains(how), "{bus}");
    let both = run(&["explain", "-p", &p, "--socket", "--access", "read", "/x"]);
    assert_code(&both, 125);
}

#[test]
fn compile_prints_rules_and_the_exactness_report() {
    let s = Sandbox::new();
    s.write("home/.ssh/id", "x");
    s.write("home/docs/a", "x");
    let p = s.base_profile("allow read @/home\ndeny all @/home/.ssh\nallow connect tcp 443");
    let o = run(&["compile", "-p", &p.to_string_lossy()]);
    assert_code(&o, 0);
    let text = stdout(&o);
    let root = s.path().display().to_string();
    assert!(
        text.contains(&format!("path {root}/home/docs read")),
        "{text}"
    );
    assert!(!text.contains(&format!("path {root}/home/.ssh")), "{text}");
    assert!(text.contains("port 443 connect"), "{text}");
    assert!(
        text.contains(&format!("narrowed {root}/home read")),
        "{text}"
    );
}

/// Runs llrun with `args` and its stdout on a pipe whose reader is already gone, as in
/// `llrun … | head -1` once `head` has exited: every write gets `EPIPE` (Rust ignores SIGPIPE).
fn into_a_closed_pipe(args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    llrun()
        .args(args)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let s = Sandbox::new();
    let p = s.base_profile("allow read @/home");
    let p = p.to_string_lossy();
    let home = format!("{}/home", s.path().display());
    let cases: [&[&str]; 6] = [
        &["compile", "--profile", "firefox"],
        &["--help"],
        &["--version"],
        &["explain", "-p", &p, &home, "/etc", "/usr"],
        &["explain", "--json", "-p", &p, &home, "/etc"],
        &["compile", "-p", &p],
    ];
    for args in cases {
        let o = into_a_closed_pipe(args);
        assert_code(&o, 0);
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}

#[test]
fn default_profile_is_used_without_profile() {
    let o = run(&["compile", "true"]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("default.llp"), "{}", stdout(&o));
}
