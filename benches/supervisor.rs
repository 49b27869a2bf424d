//! Supervisor benchmarks: the cost of a trapped call that static Landlock grants, an open-heavy
//! real command, and the round trip of an ask answered over the prompt socket. Each figure is a
//! ratio against a baseline measured in the same run.
//!
//! `cargo bench --bench supervisor`. No assertions: the numbers are for reading.

#[path = "common/mod.rs"]
mod common;

use common::{ms, ratio};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BASE: &str =
    "allow read,exec /usr /bin /sbin /lib /lib64 /etc /proc\nallow rw /dev/null /tmp\n";

fn main() {
    // Not in /tmp: the run follows the profile's directory, and watching one as busy as /tmp
    // (every test's files) is not what a user's profile directory costs.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let plain = write(dir.path(), "plain.llp", BASE);
    let asking = write(
        dir.path(),
        "asking.llp",
        &format!("{BASE}ask read {}/asked\n", dir.path().display()),
    );
    let writing = write(
        dir.path(),
        "writing.llp",
        &format!("{BASE}ask write {}/asked\n", dir.path().display()),
    );
    let llrun = env!("CARGO_BIN_EXE_llrun");

    println!(
        "# a trapped open of a statically allowed file (python os.open + os.close, 20,000 times)"
    );
    let loop_src = "import os, time\nN = 20000\nt = time.perf_counter()\nfor _ in range(N):\n  os.close(os.open('/etc/hostname', os.O_RDONLY))\nprint((time.perf_counter() - t) / N * 1e6)\n";
    let native = per_open(Command::new("/usr/bin/python3").args(["-c", loop_src]));
    // The loop under llrun with `flags` and `profile`: µs per open.
    let under = |flags: &[&str], profile: &Path| {
        per_open(
            Command::new(llrun)
                .arg("-q")
                .args(flags)
                .arg("-p")
                .arg(profile)
                .args(["/usr/bin/python3", "-c", loop_src]),
        )
    };
    let unsup = under(&[], &plain);
    let sup = under(&["--prompt", "none"], &asking);
    println!("native                     {native:>8.2} µs/open");
    println!(
        "llrun, no supervisor       {unsup:>8.2} µs/open  {:.2}x native",
        unsup / native
    );
    println!(
        "llrun, ask read (live)      {sup:>7.2} µs/open  {:.2}x the unsupervised run",
        sup / unsup
    );
    let sup_n = under(&["--no-live", "--prompt", "none"], &asking);
    println!(
        "llrun, ask read, --no-live  {sup_n:>7.2} µs/open  {:.2}x the unsupervised run",
        sup_n / unsup
    );
    let floor = bare_round_trip(loop_src);
    println!(
        "bare seccomp-notify answer  {floor:>7.2} µs/open  {:.2}x the unsupervised run (CONTINUE at once, nothing read: the floor)",
        floor / unsup
    );
    let sup_w = under(&["--no-live", "--prompt", "none"], &writing);
    println!(
        "llrun, ask write, --no-live {sup_w:>7.2} µs/open  {:.2}x the unsupervised run (reads not trapped)",
        sup_w / unsup
    );

    // Directories every user may read: llrun drops capabilities, so a root run could not read
    // all of /usr/share (some directories there are private to a service user).
    println!(
        "\n# an open-heavy real command: tar -cf /dev/null over ~21,000 files in /usr (median of 9)"
    );
    let tar = [
        "tar",
        "-cf",
        "/dev/null",
        "/usr/share/doc",
        "/usr/share/locale",
        "/usr/include",
        "/usr/lib/python3",
    ];
    // One run of each in turn, nine times: drift on a noisy machine hits every row alike.
    let mut runs: [Vec<Duration>; 4] = Default::default();
    for _ in 0..9 {
        runs[0].push(time(Command::new("tar").args(&tar[1..])));
        runs[1].push(time(
            Command::new(llrun).args(["-q", "-p"]).arg(&plain).args(tar),
        ));
        for (i, live) in [(2, "--live"), (3, "--no-live")] {
            runs[i].push(time(
                Command::new(llrun)
                    .args(["-q", live, "--prompt", "none", "-p"])
                    .arg(&asking)
                    .args(tar),
            ));
        }
    }
    let [t_native, t_plain, t_sup, t_sup_n] = runs.map(median);
    println!("native                     {:>8.1} ms", ms(t_native));
    println!(
        "llrun, no supervisor       {:>8.1} ms  {:.2}x native",
        ms(t_plain),
        ratio(t_plain, t_native)
    );
    println!(
        "llrun, supervised (live)   {:>8.1} ms  {:.2}x the unsupervised run",
        ms(t_sup),
        ratio(t_sup, t_plain)
    );
    println!(
        "llrun, supervised, --no-live{:>7.1} ms  {:.2}x the unsupervised run",
        ms(t_sup_n),
        ratio(t_sup_n, t_plain)
    );

    println!("\n# an ask answered over the prompt socket, seen from the program (500 asks)");
    round_trip(llrun, dir.path(), &asking);

    if Path::new(FIREFOX).exists() {
        println!(
            "\n# the main job: Firefox ESR headless, loading a page and writing a screenshot (median of 5)"
        );
        browser(llrun, dir.path());
    }
}

const FIREFOX: &str = "/usr/bin/firefox-esr";

/// Firefox as a user starts it (`llrun --profile firefox-esr firefox-esr …`), without llrun, and
/// under the shipped profile with an `ask` added (so that the supervisor traps every open). One
/// run of each in turn, after one that makes Firefox's profile.
fn browser(llrun: &str, dir: &Path) {
    let home = dir.join("home");
    let downloads = home.join("Downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let page = downloads.join("page.html");
    std::fs::write(&page, "<html><body><h1>llrun</h1></body></html>").unwrap();
    let asking = write(
        dir,
        "firefox-asking.llp",
        &format!(
            "include <firefox-esr>\nask read {}/Documents\n",
            home.display()
        ),
    );
    let url = format!("file://{}", page.display());
    let shot = downloads.join("shot.png");
    let firefox = ["--headless", "--screenshot", &shot.to_string_lossy(), &url].map(String::from);
    let run = |prefix: &[&str]| {
        let (program, args) = prefix.split_first().unwrap();
        let mut cmd = Command::new(program);
        cmd.args(args).args(&firefox).env("HOME", &home);
        time(&mut cmd)
    };
    let asking = asking.to_string_lossy().into_owned();
    let variants: [Vec<&str>; 3] = [
        vec![FIREFOX],
        vec![llrun, "-q", "--profile", "firefox-esr", FIREFOX],
        vec![
            llrun,
            "-q",
            "--prompt",
            "none",
            "--profile",
            &asking,
            FIREFOX,
        ],
    ];
    for v in &variants {
        run(v);
    }
    let mut runs: [Vec<Duration>; 3] = Default::default();
    for _ in 0..5 {
        for (i, v) in variants.iter().enumerate() {
            runs[i].push(run(v));
        }
    }
    let [native, shipped, supervised] = runs.map(median);
    println!("native                     {:>8.1} ms", ms(native));
    println!(
        "llrun, shipped profile     {:>8.1} ms  {:.2}x native",
        ms(shipped),
        ratio(shipped, native)
    );
    println!(
        "llrun, profile + an ask    {:>8.1} ms  {:.2}x native (every open trapped, live)",
        ms(supervised),
        ratio(supervised, native)
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The floor under any supervisor on this machine: the same loop under a filter that traps
/// every call llrun can trap, each answered CONTINUE at once by a thread that reads nothing
/// (no path, no policy). Waking the supervisor and the program again is all it measures.
fn bare_round_trip(loop_src: &str) -> f64 {
    use llrun_kernel::seccomp::Filter;
    use llrun_kernel::spawn::{Confinement, spawn_supervised};
    let filter = Filter::supervised();
    let confinement = Confinement {
        rulesets: &[],
        filter: &filter,
        terminal: None,
        sigmask: nix::sys::signal::SigSet::thread_get_mask().expect("sigmask"),
    };
    let mut cmd = Command::new("/usr/bin/python3");
    cmd.args(["-c", loop_src]).stdout(Stdio::piped());
    let started = spawn_supervised(cmd, &confinement).expect("spawn");
    let _ = started.listener.set_sync_wakeup();
    let listener = started.listener;
    let answering = std::thread::spawn(move || listener.continue_all());
    let out = started.child.wait_with_output().expect("run");
    answering.join().unwrap();
    last_number(&out.stdout)
}

fn last_number(stdout: &[u8]) -> f64 {
    String::from_utf8_lossy(stdout)
        .trim()
        .lines()
        .last()
        .unwrap()
        .parse()
        .unwrap()
}

/// Runs a command that prints µs per open on its last line.
fn per_open(cmd: &mut Command) -> f64 {
    let out = cmd.stderr(Stdio::inherit()).output().expect("run");
    assert!(out.status.success(), "{cmd:?} failed");
    last_number(&out.stdout)
}

fn time(cmd: &mut Command) -> Duration {
    let t = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run");
    assert!(status.success(), "{cmd:?}: {status}");
    t.elapsed()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The program opens 500 distinct asked files one after another, timing each open; a client
/// answers every ask at once ("allow once"). Also opens 500 statically allowed files, as the
/// baseline of the same loop.
fn round_trip(llrun: &str, dir: &Path, profile: &Path) {
    let asked = dir.join("asked");
    std::fs::create_dir_all(&asked).unwrap();
    for i in 0..500 {
        std::fs::write(asked.join(i.to_string()), "x").unwrap();
    }
    let socket = dir.join("prompt.sock");
    let ready = dir.join("ready");
    let client = {
        let (socket, ready) = (socket.clone(), ready.clone());
        std::thread::spawn(move || answer_all(&socket, &ready))
    };
    let script = format!(
        "import os, time, statistics\nwhile not os.path.exists({ready:?}): time.sleep(0.01)\ndef t(p):\n  s = time.perf_counter(); os.close(os.open(p, os.O_RDONLY)); return (time.perf_counter() - s) * 1e6\nbase = [t('/etc/hostname') for i in range(500)]\nasked = [t({asked:?} + '/%d' % i) for i in range(500)]\nprint(statistics.median(base), statistics.median(asked), sorted(asked)[int(len(asked) * 0.95)])\n",
        ready = ready.display(),
        asked = asked.display()
    );
    let out = Command::new(llrun)
        .args(["-q", "--prompt-socket"])
        .arg(&socket)
        .args(["-p"])
        .arg(profile)
        .args(["/usr/bin/python3", "-c", &script])
        .output()
        .expect("run");
    client.join().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<f64> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    if v.len() == 3 {
        println!("trapped open, static grant  {:>8.1} µs (median)", v[0]);
        println!(
            "asked open, answered        {:>8.1} µs (median; p95 {:.1} µs)  {:.1}x",
            v[1],
            v[2],
            v[1] / v[0]
        );
    } else {
        println!(
            "round trip failed: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A prompt client that allows every ask once, as fast as it can.
fn answer_all(socket: &Path, ready: &Path) {
    let (mut w, lines) = common::attach(socket);
    std::fs::write(ready, "").unwrap();
    for line in lines.map_while(Result::ok) {
        let m: Value = serde_json::from_str(&line).unwrap();
        if m["type"] == "ask" {
            let a = json!({"type": "answer", "id": m["id"], "decision": "allow", "scope": "once"});
            writeln!(w, "{a}").unwrap();
        }
    }
}
