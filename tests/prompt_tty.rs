//! The terminal prompt inside the pty relay, driven in tmux as a person would: `bash -i` runs
//! on its own pty, an ask takes over the terminal, the answer is typed, and bash carries on
//! with nothing lost, nothing leaked and nothing garbled. (`examples/prompt_tty.rs` is the
//! harness: llrun's runner with the terminal prompt attached and asks fed through a FIFO.)

mod common;
mod prompt_common;
use common::tmux::Tmux;
use prompt_common::PATIENCE;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn harness() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let debug = exe.parent().unwrap().parent().unwrap();
    let h = debug.join("examples/prompt_tty");
    assert!(
        h.exists(),
        "build the example first: cargo build --examples"
    );
    h
}

fn control(fifo: &Path, line: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
    writeln!(f, "{line}").unwrap();
}

fn answers(file: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn wait_answers(file: &Path, n: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let got = answers(file);
        if got.len() >= n {
            return got;
        }
        assert!(Instant::now() < deadline, "no answer {n}: {got:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn bash_on_its_pty_is_held_while_the_prompt_owns_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("control");
    let output = dir.path().join("output");
    let answers_file = dir.path().join("answers");
    let status = dir.path().join("status");
    for f in [&fifo, &output] {
        nix::unistd::mkfifo(f, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    }
    let mut cmd = std::process::Command::new(harness());
    cmd.env("PS1", "$ ").arg(&fifo).arg(&answers_file).args([
        "/bin/bash",
        "--norc",
        "--noprofile",
        "-i",
    ]);
    let t = Tmux::run("llrun-prompt", &cmd, &status);
    t.wait_for("the shell", |s| s.lines().any(|l| l.starts_with('$')));
    t.keys(&["echo one-$((1+0))", "Enter"]);
    t.wait_for("bash working", |s| s.contains("one-1"));
    // Output the test releases while the prompt is up.
    t.keys(&[&format!("cat {} &", output.display()), "Enter"]);
    t.wait_for("the background job", |s| s.contains("[1]"));

    control(&fifo, "show 1 /home/u/secret.txt");
    let shown = t.wait_for("the armed prompt", |s| s.contains("[a] allow once"));
    assert!(shown.contains("cat wants to read"), "{shown}");
    assert!(shown.contains("/home/u/secret.txt"), "{shown}");
    // The program writes while the prompt is up: held back, not drawn over the prompt.
    std::fs::write(&output, "HELD-OUTPUT\n").unwrap();
    // Keys that are no answer neither answer nor reach bash.
    t.keys(&["zzz"]);
    std::thread::sleep(Duration::from_millis(300));
    let during = t.screen();
    assert!(
        !during.contains("HELD-OUTPUT"),
        "output leaked over the prompt:\n{during}"
    );
    assert!(!during.contains("zzz"), "{during}");
    assert!(answers(&answers_file).is_empty());
    t.keys(&["a"]);
    let got = wait_answers(&answers_file, 1);
    assert_eq!(got[0]["id"], 1);
    assert_eq!(
        (got[0]["decision"].as_str(), got[0]["scope"].as_str()),
        (Some("allow"), Some("once"))
    );
    // The prompt is gone, the held output arrives, bash takes keys again, and none of the keys
    // typed at the prompt reached it.
    let after = t.wait_for("the held output", |s| s.contains("HELD-OUTPUT"));
    assert!(
        !after.contains("wants to read"),
        "prompt left behind:\n{after}"
    );
    t.keys(&["echo two-$((1+1))", "Enter"]);
    let after = t.wait_for("bash again", |s| s.contains("two-2"));
    assert!(
        !after.contains("zzz"),
        "keys typed at the prompt reached bash:\n{after}"
    );
    assert!(
        !after.contains("aecho"),
        "the answer key reached bash:\n{after}"
    );

    // Two asks queue; the second is decided elsewhere while the first is up; then it goes.
    control(&fifo, "show 2 /etc/a");
    control(&fifo, "show 3 /etc/b");
    let shown = t.wait_for("the first of two", |s| s.contains("[a] allow once"));
    assert!(
        shown.contains("/etc/a") && shown.contains("1 more waiting"),
        "{shown}"
    );
    control(&fifo, "resolve 3");
    t.wait_for("the count to drop", |s| {
        !s.contains("more waiting") && s.contains("/etc/a")
    });
    t.keys(&["n"]);
    let got = wait_answers(&answers_file, 2);
    assert_eq!(
        (got[1]["id"].as_u64(), got[1]["scope"].as_str()),
        (Some(2), Some("run"))
    );
    t.wait_for("the prompt gone", |s| !s.contains("wants to read"));
    // One shown and withdrawn: it disappears with nothing answered.
    control(&fifo, "show 4 /etc/c");
    t.wait_for("ask 4", |s| s.contains("/etc/c"));
    control(&fifo, "resolve 4");
    t.wait_for("ask 4 gone", |s| !s.contains("/etc/c"));
    t.keys(&["echo three-$((1+2))", "Enter"]);
    t.wait_for("bash still", |s| s.contains("three-3"));
    assert_eq!(answers(&answers_file).len(), 2);
    t.keys(&["kill %1; exit 5", "Enter"]);
    assert_eq!(t.exit_status(&status), "5");
}
