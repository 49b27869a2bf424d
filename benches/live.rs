//! Live edits: the time from saving an edit until the new decision is served.
//!
//! `cargo bench --bench live` (release build). A real program runs under llrun and opens one
//! file after another; each open is held by an `ask` rule (a prompt client is attached and never
//! answers). For each held open, the benchmark saves an edit that allows that file and measures
//! until the program has printed it: the watch, the debounce, loading and compiling the profile,
//! putting it in force, re-deciding the held call, llrun opening the file for the program, and
//! the program reading it. No assertions: this machine is noisy, so the numbers are for reading.

#[path = "common/mod.rs"]
mod common;

use common::ms;
use serde_json::Value;
use std::io::{BufRead, BufReader, Lines};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// Edits measured for each way of saving.
const EDITS: usize = 150;

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let held = d.join("held");
    std::fs::create_dir(&held).unwrap();
    for i in 0..2 * EDITS {
        std::fs::write(held.join(format!("f{i}")), format!("{i}\n")).unwrap();
    }
    let profile = d.join("bench.llp");
    let mut text = base_profile(&held);
    std::fs::write(&profile, &text).unwrap();
    let socket = d.join("prompt.sock");
    let script = format!(
        "i=0; while [ $i -lt {} ]; do cat {}/f$i; i=$((i+1)); done",
        2 * EDITS,
        held.display()
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_llrun"))
        .args(["-q", "--ask-timeout", "0", "--prompt-socket"])
        .arg(&socket)
        .arg("-p")
        .arg(&profile)
        .args(["--", "/bin/sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn llrun");
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let (_answers, mut asks) = common::attach(&socket);
    let rules = text.lines().count();
    println!("# live edits: save → new decision served ({rules}-rule profile, {EDITS} edits each)");
    let mut all = Vec::new();
    for (name, save) in [
        (
            "write to a temp file, rename over",
            rename_over as fn(&Path, &str),
        ),
        ("write in place", write_in_place),
    ] {
        let mut times = Vec::with_capacity(EDITS);
        for _ in 0..EDITS {
            let i = all.len() + times.len();
            let file = held.join(format!("f{i}"));
            wait_for_ask(&mut asks, &file);
            text.push_str(&format!("allow read {}\n", file.display()));
            let t = Instant::now();
            save(&profile, &text);
            wait_for_line(&mut out, &i.to_string());
            times.push(t.elapsed());
        }
        print_line(name, &mut times);
        all.extend(times);
    }
    print_line("all edits", &mut all);
    println!("(targets: median < 20 ms, p95 < 50 ms, debounce included)");
    let _ = child.wait();
}

/// The rules every start needs, about 100 more as a real profile has, and the `ask`.
fn base_profile(held: &Path) -> String {
    let mut text = String::from(
        "allow read,exec /usr /bin /sbin /lib\nif exists /lib64 {\n  allow read,exec /lib64\n}\nallow read /etc /proc\nallow read,write /dev/null /dev/urandom\n",
    );
    text.push_str(&common::share_rules(100));
    text.push_str(&format!("ask read {}\n", held.display()));
    text
}

fn rename_over(path: &Path, text: &str) {
    let tmp = path.with_extension("llp.tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn write_in_place(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

fn wait_for_ask(asks: &mut Lines<BufReader<UnixStream>>, file: &Path) {
    let path = file.to_string_lossy();
    for line in asks.by_ref() {
        let m: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if m["type"] == "ask" && m["target"]["path"] == path.as_ref() {
            return;
        }
    }
    panic!("llrun ended before asking about {path}");
}

fn wait_for_line(out: &mut Lines<BufReader<ChildStdout>>, expected: &str) {
    let line = out.next().expect("program output").unwrap();
    assert_eq!(line, expected);
}

fn print_line(name: &str, times: &mut [Duration]) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{name:<36} median {:>7.2} ms  p95 {:>7.2} ms  max {:>7.2} ms",
        ms(at(0.5)),
        ms(at(0.95)),
        ms(times[times.len() - 1])
    );
}
