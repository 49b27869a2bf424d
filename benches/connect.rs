//! The cost of a `connect` the supervisor decides and carries out (before Landlock ABI 9 every
//! `connect` is trapped when a profile restricts unix sockets, which every shipped one does),
//! against the same loop unsupervised, in the same run.
//!
//! `cargo bench --bench connect`. No assertions: the numbers are for reading.

use std::os::unix::net::UnixListener;
use std::path::Path;
use std::process::Command;

const BASE: &str = "allow read,exec /usr /bin /sbin /lib /lib64 /etc /proc\nallow rw /dev/null\n";

/// Connects `N` times to the unix socket `sys.argv[1]` (or TCP port `sys.argv[2]` on
/// loopback) and prints the µs per connect.
const LOOP: &str = "import socket, sys, time
N = 2000
def unix():
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.close()
def unix_nb():
    s = socket.socket(socket.AF_UNIX); s.setblocking(False); s.connect(sys.argv[1]); s.close()
def tcp():
    s = socket.socket(); s.connect(('127.0.0.1', int(sys.argv[2]))); s.close()
f = {'unix': unix, 'unix-nonblocking': unix_nb, 'tcp': tcp}[sys.argv[3]]
t = time.perf_counter()
for _ in range(N):
    f()
print((time.perf_counter() - t) / N * 1e6)
";

fn main() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let sock = dir.path().join("sock");
    let unix = UnixListener::bind(&sock).unwrap();
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = tcp.local_addr().unwrap().port().to_string();
    std::thread::spawn(move || {
        for c in unix.incoming() {
            drop(c)
        }
    });
    std::thread::spawn(move || {
        for c in tcp.incoming() {
            drop(c)
        }
    });
    let d = dir.path().display();
    let open = write(
        dir.path(),
        "open.llp",
        &format!("{BASE}allow connect unix /\nallow connect tcp {port}\n"),
    );
    let named = write(
        dir.path(),
        "named.llp",
        &format!("{BASE}allow connect unix {d}/sock\nallow connect tcp {port}\n"),
    );
    let llrun = env!("CARGO_BIN_EXE_llrun");
    let sock = sock.to_string_lossy().into_owned();
    for kind in ["unix", "unix-nonblocking", "tcp"] {
        println!("\n# {kind} connect + close, python, 2,000 times (µs per connect)");
        let args = ["-c", LOOP, &sock, &port, kind];
        // A first pass warms the listener threads and the loopback path up, unmeasured.
        per_connect(Command::new("/usr/bin/python3").args(args));
        let native = per_connect(Command::new("/usr/bin/python3").args(args));
        let under = |profile: &Path| {
            per_connect(
                Command::new(llrun)
                    .args(["-q", "--no-live", "-p"])
                    .arg(profile)
                    .arg("/usr/bin/python3")
                    .args(args),
            )
        };
        let plain = under(&open);
        let supervised = under(&named);
        println!("native                                   {native:>8.2} µs");
        println!(
            "llrun, unix sockets unrestricted (static) {plain:>7.2} µs  {:.2}x native",
            plain / native
        );
        println!(
            "llrun, `connect unix` rule (supervised)  {supervised:>8.2} µs  {:.2}x the static run",
            supervised / plain
        );
    }
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The median of five runs' µs per connect.
fn per_connect(cmd: &mut Command) -> f64 {
    let mut v: Vec<f64> = (0..5)
        .map(|_| {
            let out = cmd.output().expect("run");
            let text = String::from_utf8_lossy(&out.stdout);
            text.trim().parse().unwrap_or_else(|_| {
                panic!("no figure: {text} {}", String::from_utf8_lossy(&out.stderr))
            })
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[2]
}
