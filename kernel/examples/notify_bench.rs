//! The cost of a trapped call: the same `openat` loop without a filter, under the terminal filter
//! (untrapped), and under the supervised filter answered with CONTINUE by a listener thread, with
//! and without `SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP`. Then the cost of starting `/bin/true` each
//! way (its loader's opens are trapped too), and of [`Features::probe`]. All measured in one run,
//! so the ratios hold even on a noisy machine.
//!
//! ```text
//! cargo run --release -p llrun-kernel --example notify_bench [rounds]
//! ```

use llrun_kernel::notify::{Features, Listener, SyncWakeup};
use llrun_kernel::seccomp::Filter;
use llrun_kernel::spawn::{Confinement, spawn, spawn_supervised};
use nix::sys::signal::SigSet;
use std::process::{Command, Output, Stdio};
use std::time::Instant;

/// Opens and closes `path` `n` times and prints the mean time of one open and close, in ns.
fn child(n: u32, path: &str) {
    let start = Instant::now();
    for _ in 0..n {
        drop(std::fs::File::open(path).expect("open"));
    }
    println!("{}", start.elapsed().as_nanos() / u128::from(n));
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    Bare,
    Untrapped,
    Trapped { sync: bool },
}

/// Runs the child loop in `mode` and returns its mean µs per open.
fn measure(mode: Mode, n: u32, path: &str) -> f64 {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["child", &n.to_string(), path])
        .stdout(Stdio::piped());
    micros(run(cmd, mode))
}

/// Runs `cmd` to its end in `mode`, answering CONTINUE to every trapped call.
fn run(mut cmd: Command, mode: Mode) -> Output {
    let filter = match mode {
        Mode::Bare => return cmd.output().unwrap(),
        Mode::Untrapped => Filter::deny_terminal_injection(),
        Mode::Trapped { .. } => Filter::supervised(),
    };
    let confinement = Confinement {
        rulesets: &[],
        filter: &filter,
        terminal: None,
        sigmask: SigSet::thread_get_mask().unwrap(),
    };
    let Mode::Trapped { sync } = mode else {
        return spawn(cmd, &confinement)
            .unwrap()
            .wait_with_output()
            .unwrap();
    };
    let supervised = spawn_supervised(cmd, &confinement).unwrap();
    let listener = supervised.listener;
    if sync {
        assert_eq!(listener.set_sync_wakeup(), Ok(SyncWakeup::Enabled));
    }
    let server = std::thread::spawn(move || Listener::continue_all(&listener));
    let out = supervised.child.wait_with_output().unwrap();
    server.join().unwrap();
    out
}

/// Mean milliseconds to start and reap `/bin/true` in `mode`.
fn startup(mode: Mode, n: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        assert!(run(Command::new("/bin/true"), mode).status.success());
    }
    start.elapsed().as_secs_f64() * 1000.0 / f64::from(n)
}

fn micros(out: Output) -> f64 {
    assert!(out.status.success(), "{out:?}");
    let ns: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    ns / 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("child") {
        return child(args[2].parse().unwrap(), &args[3]);
    }
    let rounds: usize = args.get(1).map_or(5, |r| r.parse().unwrap());
    let start = Instant::now();
    let features = Features::probe();
    let probe = start.elapsed();
    println!("{features}\nFeatures::probe() took {probe:?}");
    let path = "/etc/hostname";
    let modes = [
        ("no filter", Mode::Bare, 200_000),
        ("untrapped (terminal filter)", Mode::Untrapped, 200_000),
        ("trapped, CONTINUE", Mode::Trapped { sync: false }, 20_000),
        (
            "trapped, CONTINUE, sync wake-up",
            Mode::Trapped { sync: true },
            20_000,
        ),
    ];
    // Rounds interleave the modes, so a burst of noise hits them alike; the median is reported.
    let mut times = vec![Vec::new(); modes.len()];
    for _ in 0..rounds {
        for (i, (_, mode, n)) in modes.iter().enumerate() {
            if matches!(mode, Mode::Trapped { sync: true }) && !features.sync_wakeup {
                continue;
            }
            times[i].push(measure(*mode, *n, path));
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    let medians: Vec<Option<f64>> = times.iter_mut().map(median).collect();
    let base = medians[1].expect("the untrapped mode always runs");
    println!("openat+close of {path}, median of {rounds} rounds:");
    for ((name, ..), m) in modes.iter().zip(&medians) {
        match m {
            Some(us) => println!("  {name:34} {us:8.2} µs  {:6.1}x untrapped", us / base),
            None => println!("  {name:34} unsupported by this kernel"),
        }
    }
    println!("start and reap /bin/true, mean of 200:");
    for (name, mode) in [
        ("no filter", Mode::Bare),
        ("terminal filter", Mode::Untrapped),
        ("supervised, CONTINUE", Mode::Trapped { sync: false }),
    ] {
        println!("  {name:34} {:8.3} ms", startup(mode, 200));
    }
}
