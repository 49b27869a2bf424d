//! Races against the supervisor: threads swap symlinks and rename directories while another
//! thread opens through a path the supervisor carries out (an exactness path beside a carve,
//! or an ask answered "allow for this run"). Thousands of iterations; not one byte of the
//! planted secret may be read.

use crate::common::client::Client;
use crate::common::{BASE, Sandbox, llrun};
use serde_json::json;

const SECRET: &str = "PLANTED-RACE-SECRET";

/// Swapping (symlink ⇄ file, and two directories renamed into each other) against a reader,
/// until 500 reads and 2,000 swaps (or a minute) have been made; prints `READS LEAKS SWAPS`.
fn attack(dir: &str, secret: &str) -> String {
    format!(
        "import os, threading, time
D, S = {dir:?}, {secret:?}
deadline = time.time() + 60
done = []
swaps = []
def running():
    return not done and time.time() < deadline
def swap():
    i = 0
    while running():
        i += 1
        swaps.append(1)
        try: os.unlink(D + '/x')
        except OSError: pass
        try:
            if i % 2: os.symlink(S, D + '/x')
            else: open(D + '/x', 'w').write('plain')
        except OSError: pass
        try: os.rename(D + '/a', D + '/t'); os.rename(D + '/b', D + '/a'); os.rename(D + '/t', D + '/b')
        except OSError: pass
def read():
    reads = leaks = 0
    while running() and (reads < 500 or len(swaps) < 2000):
        for p in (D + '/x', D + '/a/y'):
            try:
                with open(p) as f: data = f.read()
            except OSError: continue
            reads += 1
            if 'PLANTED' in data: leaks += 1
    done.append(1)
    print(reads, leaks, len(swaps))
os.makedirs(D + '/a', exist_ok=True); os.makedirs(D + '/b', exist_ok=True)
try: os.symlink(S, D + '/a/y')
except OSError: pass
try: open(D + '/b/y', 'w').write('plain')
except OSError: pass
ts = [threading.Thread(target=swap), threading.Thread(target=swap), threading.Thread(target=read)]
[t.start() for t in ts]; [t.join() for t in ts]
"
    )
}

/// The reads, leaks and swaps, checking that the race ran for real (thousands of swaps, and
/// hundreds of reads carried out by the supervisor in between).
fn counts(stdout: &str) -> (u64, u64) {
    let v: Vec<u64> = stdout
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(v.len(), 3, "{stdout}");
    assert!(
        v[0] > 300 && v[2] > 1000,
        "too few iterations to mean anything: {stdout}"
    );
    (v[0], v[1])
}

#[test]
fn swapping_beside_a_carve_never_reads_the_secret() {
    let s = Sandbox::new();
    s.write("work/secret/key", SECRET);
    let dir = s.path().join("work");
    // The carve narrows creating entries in `work`, which the supervisor then carries out
    // (the `ask` elsewhere is what makes a supervisor run).
    let profile = s.profile(
        "race.llp",
        &format!("{BASE}allow rw @/work\ndeny all @/work/secret\nask read @/nothing\n"),
    );
    let key = dir.join("secret/key");
    let out = llrun()
        .args([
            "-q",
            "--prompt",
            "none",
            "-p",
            &profile.to_string_lossy(),
            "/usr/bin/python3",
            "-c",
        ])
        .arg(attack(&dir.to_string_lossy(), &key.to_string_lossy()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(SECRET), "{stdout}");
    let (_, leaks) = counts(&stdout);
    assert_eq!(leaks, 0);
}

#[test]
fn swapping_under_an_answered_ask_never_reads_the_secret() {
    let s = Sandbox::new();
    s.write("secret/key", SECRET);
    std::fs::create_dir_all(s.path().join("asked")).unwrap();
    let dir = s.path().join("asked");
    let profile = s.profile(
        "race.llp",
        &format!("{BASE}allow rw @/asked\nask read @/asked\n"),
    );
    let socket = s.path().join("prompt.sock");
    let ready = s.path().join("ready");
    let pattern = dir.to_string_lossy().into_owned();
    let client = Client::answering(
        socket.clone(),
        ready.clone(),
        Some(json!({"decision": "allow", "scope": "run", "pattern": pattern})),
    );
    let script = format!(
        "import os, time\nt = time.time() + 40\nwhile not os.path.exists({:?}) and time.time() < t: time.sleep(0.02)\n{}",
        ready.display(),
        attack(
            &dir.to_string_lossy(),
            &s.path().join("secret/key").to_string_lossy()
        )
    );
    let out = llrun()
        .args(["-q", "--prompt-socket", &socket.to_string_lossy()])
        .args([
            "-p",
            &profile.to_string_lossy(),
            "/usr/bin/python3",
            "-c",
            &script,
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(SECRET), "{stdout}");
    let (_, leaks) = counts(&stdout);
    assert_eq!(leaks, 0);
    assert!(!client.asks().is_empty());
}
