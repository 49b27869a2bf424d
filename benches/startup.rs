//! Start-up and compile benchmarks. Prints ratios against baselines measured in the same run.
//!
//! `cargo bench --bench startup` (release build). No assertions: this machine is noisy, so the
//! numbers are for reading, not for failing a build.

#[path = "common/mod.rs"]
mod common;

use common::{ms, ratio};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 400;

fn main() {
    // Not under /tmp: the profile makes /tmp writable and carves the home's secrets out of an
    // allowed home, so a home inside /tmp would carve /tmp too, with as many rules as /tmp has
    // entries on the machine at hand. A real home is not there.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let profile = write_150_rule_profile(dir.path());
    let llrun = env!("CARGO_BIN_EXE_llrun");
    let rules = count_rules(&profile);

    println!("# start-up: {RUNS} runs each, median wall time per run");
    let native = median(|| cmd("/bin/true", &[]));
    row("native /bin/true", native, native);
    let p = profile.to_string_lossy().into_owned();
    let ours = median(|| cmd(llrun, &["-q", "-p", &p, "/bin/true"]));
    row(
        &format!("llrun ({rules} rules, includes, globs, carve)"),
        ours,
        native,
    );
    // The same rules with unix sockets left open (`allow connect unix /`, and the home's
    // secrets denied everything but connecting): nothing needs the supervisor, so this is the
    // static start that the supervised one above (for `connect`) is compared with.
    let open = write_static_twin(&profile);
    let o = open.to_string_lossy().into_owned();
    let static_run = median(|| cmd(llrun, &["-q", "-p", &o, "/bin/true"]));
    row(
        &format!("llrun ({rules} rules), static: unix unrestricted"),
        static_run,
        native,
    );
    println!(
        "  (supervised for unix connects: +{:.3} ms, {:.2}x the static start)",
        ms(ours) - ms(static_run),
        ratio(ours, static_run)
    );
    let one = dir.path().join("one.llp");
    // Unix sockets unrestricted, as the C wrapper leaves them: both start without a supervisor.
    std::fs::write(&one, "allow read,exec /\nallow connect unix /\n").unwrap();
    let one = one.to_string_lossy().into_owned();
    let minimal = median(|| cmd(llrun, &["-q", "-p", &one, "/bin/true"]));
    row("llrun (1 rule)", minimal, native);
    if let Some(wrapper) = c_wrapper(dir.path()) {
        let w = wrapper.to_string_lossy().into_owned();
        let t = median(|| cmd(&w, &["/bin/true"]));
        row("minimal C Landlock wrapper (1 rule)", t, native);
        println!(
            "  (llrun with 1 rule: {:.2}x the C wrapper)",
            ratio(minimal, t)
        );
    }
    for (name, program, args) in peers() {
        if Path::new(program).exists() {
            row(name, median(|| cmd(program, &args)), native);
        }
    }

    println!("\n# compile: parse + resolve + compile a 10,000-rule profile (in process)");
    let big = write_big_profile(dir.path(), 10_000);
    let ctx = llrun::resolve::Context::from_process(llrun_kernel::landlock::probe_abi());
    let kernel = llrun::compile::support::Kernel { abi: ctx.abi };
    let mut times = Vec::new();
    for _ in 0..15 {
        let t = Instant::now();
        let loaded =
            llrun::profiles::load(&[big.to_string_lossy().into_owned()], None, &ctx).expect("load");
        let compiled = llrun::profiles::compile(&loaded, &kernel, None).expect("compile");
        std::hint::black_box(&compiled);
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "10,000 rules                          {:>9.3} ms (median of 15; target < 50 ms)",
        ms(times[times.len() / 2])
    );
    let parse = parse_only(&big);
    println!(
        "  of which parse (grammar/llp.pest)   {:>9.3} ms ({:.0}% of the whole)",
        ms(parse),
        100.0 * ratio(parse, times[times.len() / 2])
    );
}

/// The parse stage alone on one file, median of 15: text → syntax tree.
fn parse_only(file: &Path) -> Duration {
    let text = std::fs::read_to_string(file).expect("read");
    let mut sources = llrun::source::SourceMap::new();
    let id = sources.add(file.to_path_buf(), text.into(), None);
    let mut times: Vec<Duration> = (0..15)
        .map(|_| {
            let t = Instant::now();
            let parsed = llrun::parse::parse(&sources, id).expect("parse");
            std::hint::black_box(&parsed);
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn peers() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    vec![
        (
            "bwrap --ro-bind / / /bin/true",
            "/usr/bin/bwrap",
            vec!["--ro-bind", "/", "/", "/bin/true"],
        ),
        (
            "firejail --noprofile /bin/true",
            "/usr/bin/firejail",
            vec!["--quiet", "--noprofile", "/bin/true"],
        ),
    ]
}

/// benches/baseline/landlock_wrapper.c, built with the system's C compiler (none: no row).
fn c_wrapper(dir: &Path) -> Option<PathBuf> {
    let source = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/baseline/landlock_wrapper.c"
    );
    let out = dir.join("landlock_wrapper");
    let built = Command::new("cc")
        .args(["-O2", "-o"])
        .arg(&out)
        .arg(source)
        .status()
        .is_ok_and(|s| s.success());
    built.then_some(out)
}

fn cmd(program: &str, args: &[&str]) -> Duration {
    let t = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("spawn");
    let e = t.elapsed();
    assert!(status.success(), "{program} {args:?} failed: {status}");
    e
}

fn median(mut f: impl FnMut() -> Duration) -> Duration {
    for _ in 0..20 {
        f();
    }
    let mut v: Vec<Duration> = (0..RUNS).map(|_| f()).collect();
    v.sort();
    v[v.len() / 2]
}

/// One line: what ran, its median, and its ratio to `native`.
fn row(name: &str, t: Duration, native: Duration) {
    println!("{name:<45} {:>9.3} ms  {:.2}x", ms(t), ratio(t, native));
}

fn count_rules(profile: &Path) -> usize {
    let dir = profile.parent().unwrap();
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| {
            e.path().extension().is_some_and(|x| x == "llp") && !e.path().ends_with("big.llp")
        })
        .map(|e| {
            std::fs::read_to_string(e.path())
                .unwrap()
                .lines()
                .filter(|l| l.starts_with("allow") || l.starts_with("deny"))
                .count()
        })
        .sum()
}

/// A realistic profile of about 150 rules: a base include, a fonts-like include with globs,
/// per-directory rules over /usr/share, and a deny carved out of an allowed home.
fn write_150_rule_profile(dir: &Path) -> PathBuf {
    let home = dir.join("home");
    for d in ["docs", "music", "src", ".ssh", ".gnupg", ".config/app"] {
        std::fs::create_dir_all(home.join(d)).unwrap();
    }
    std::fs::write(
        dir.join("base.llp"),
        "allow read,exec /usr /bin /sbin /lib\nif exists /lib64 {\n  allow read,exec /lib64\n}\nallow read /etc /proc\nallow rw /dev/null /dev/zero\nallow read /dev/urandom\ndeny read /etc/shadow /etc/gshadow\n",
    )
    .unwrap();
    std::fs::write(dir.join("fonts.llp"), "allow read /usr/share/fonts/** /etc/fonts\nallow read /usr/lib/*/libfont*\ndeny write /usr/share/fonts/**/*.cache\n")
        .unwrap();
    let mut text = String::from("include \"base.llp\"\ninclude \"fonts.llp\"\n");
    text.push_str(&common::share_rules(120));
    let h = home.display();
    text.push_str(&format!("allow read {h}\ndeny all {h}/.ssh {h}/.gnupg\nallow rw {h}/docs\ndeny write {h}/docs/*.pdf\n"));
    text.push_str("allow rw /tmp\nallow connect tcp 80,443\n");
    for i in 0..10 {
        text.push_str(&format!("allow read {h}/.config/app/file{i}.conf\n"));
    }
    let p = dir.join("bench.llp");
    std::fs::write(&p, text).unwrap();
    p
}

/// `profile` with every `deny all` made a deny of all but connecting, and unix sockets
/// allowed everywhere: the same Landlock rules, and no supervisor on any kernel.
fn write_static_twin(profile: &Path) -> PathBuf {
    let text = std::fs::read_to_string(profile).unwrap();
    let text = text.replace("deny all ", "deny rw,exec,ioctl ") + "allow connect unix /\n";
    let p = profile.with_file_name("static-twin.llp");
    std::fs::write(&p, text).unwrap();
    p
}

/// A profile of `n` rules over paths that mostly do not exist (parse + resolve + compile cost).
fn write_big_profile(dir: &Path, n: usize) -> PathBuf {
    let mut text = String::from("allow read,exec /usr\n");
    for i in 0..n - 1 {
        match i % 4 {
            0 => text.push_str(&format!("allow read /opt/bench/d{}/f{i}\n", i % 100)),
            1 => text.push_str(&format!("deny write /srv/bench/{i}/*.key\n")),
            2 => text.push_str(&format!("allow rw \"/var/bench/with space/{i}\"\n")),
            _ => text.push_str(&format!("allow connect tcp {}\n", 1024 + i)),
        }
    }
    let p = dir.join("big.llp");
    std::fs::write(&p, text).unwrap();
    p
}
