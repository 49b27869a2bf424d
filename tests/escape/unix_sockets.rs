//! Reaching out through unix sockets by their path: the D-Bus bus, an agent's socket, any
//! service listening in a directory the profile does not name. Landlock before ABI 9 does not
//! check these at all; llrun's supervisor decides each `connect` and carries it out itself.
//!
//! Every listener here is outside the sandbox and counts what reached it: an attempt the
//! program saw fail but that got through is still an escape.

use crate::attack::Home;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// `NAME=PATH` arguments: connects a stream socket to each PATH and sends a greeting.
/// `cd:DIR` first changes the working directory (for relative paths).
const CONNECT: &str = "\
import socket
def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b'hello')
    return 'connected'
for arg in sys.argv[1:]:
    name, path = arg.split('=', 1)
    if name == 'cd':
        os.chdir(path)
        continue
    attempt(name, lambda: connect(path))";

/// A unix stream listener outside the sandbox, at `path`, that accepts whatever arrives (so
/// that a full backlog never blocks the program) and counts it.
struct Listener {
    path: PathBuf,
    count: Arc<AtomicUsize>,
}

impl Listener {
    fn at(path: &Path) -> Listener {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let socket = UnixListener::bind(path).unwrap();
        socket.set_nonblocking(true).unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&count);
        std::thread::spawn(move || {
            // Kept open: a connection closed at once would fail the program's greeting (EPIPE).
            let mut kept = Vec::new();
            loop {
                match socket.accept() {
                    Ok((stream, _)) => {
                        kept.push(stream);
                        counted.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(1)),
                }
            }
        });
        Listener {
            path: path.to_path_buf(),
            count,
        }
    }

    fn arg(&self, name: &str) -> String {
        format!("{name}={}", self.path.display())
    }

    /// How many connections arrived since the last look. The program has exited, so all it
    /// made are in the backlog; the accepting thread takes them within a few milliseconds.
    fn arrived(&self) -> usize {
        std::thread::sleep(Duration::from_millis(100));
        self.count.swap(0, Ordering::SeqCst)
    }
}

/// The program under `profile` cannot reach `listener`; without llrun it can.
fn unreachable(home: &Home, profile: &str, listener: &Listener) {
    let arg = listener.arg("sock");
    home.unconfined(CONNECT, &[&arg]).assert_done("sock");
    assert_eq!(listener.arrived(), 1, "control: the listener works");
    home.attack(profile, CONNECT, &[&arg])
        .assert_denied("sock", &["EACCES"]);
    assert_eq!(listener.arrived(), 0, "a connection got through");
}

#[test]
fn a_socket_in_a_directory_the_profile_does_not_name() {
    let home = Home::planted();
    let listener = Listener::at(&home.root().join("service/sock"));
    unreachable(&home, &home.profile("plain", ""), &listener);
}

/// The same with a profile that reads and writes the whole home: files there are not sockets.
#[test]
fn an_agent_socket_in_the_home_under_a_profile_that_may_write_the_home() {
    let home = Home::planted();
    let listener = Listener::at(&home.home().join(".ssh/agent.sock"));
    unreachable(&home, &home.uncarved(), &listener);
    unreachable(&home, "default", &listener);
}

/// Without live edits and without `ask` rules, the supervisor runs for the sockets alone.
#[test]
fn a_static_profile_without_live_edits_is_supervised_for_sockets_too() {
    let home = Home::planted();
    let listener = Listener::at(&home.root().join("service/sock"));
    let profile = home.profile("plain", "");
    let arg = listener.arg("sock");
    let mut cmd = home.llrun_with(&["--no-live"], &profile);
    cmd.args(crate::attack::python(CONNECT, &[&arg]));
    crate::attack::Verdicts::of(cmd.output().unwrap()).assert_denied("sock", &["EACCES"]);
    assert_eq!(listener.arrived(), 0, "a connection got through");
}

#[test]
fn a_named_socket_is_reachable_and_the_one_beside_it_is_not() {
    let home = Home::planted();
    let allowed = Listener::at(&home.root().join("service/allowed"));
    let beside = Listener::at(&home.root().join("service/beside"));
    let profile = home.profile("one", "allow connect unix @/service/allowed");
    let v = home.attack(
        &profile,
        CONNECT,
        &[&allowed.arg("allowed"), &beside.arg("beside")],
    );
    v.assert_done("allowed");
    v.assert_denied("beside", &["EACCES"]);
    assert_eq!((allowed.arrived(), beside.arrived()), (1, 0));
}

/// A symlink in an allowed place that leads to a socket elsewhere: decided on the socket.
#[test]
fn a_symlink_to_a_socket_is_decided_on_the_socket_it_leads_to() {
    let home = Home::planted();
    let elsewhere = Listener::at(&home.root().join("elsewhere/sock"));
    let allowed = Listener::at(&home.root().join("allowed/real"));
    let link = home.root().join("allowed/link");
    std::os::unix::fs::symlink(&elsewhere.path, &link).unwrap();
    let profile = home.profile("glob", "allow connect unix @/allowed/*");
    let v = home.attack(
        &profile,
        CONNECT,
        &[&format!("link={}", link.display()), &allowed.arg("real")],
    );
    v.assert_denied("link", &["EACCES"]);
    v.assert_done("real");
    assert_eq!((elsewhere.arrived(), allowed.arrived()), (0, 1));
}

#[test]
fn a_relative_path_is_decided_where_it_leads() {
    let home = Home::planted();
    let listener = Listener::at(&home.root().join("service/sock"));
    let cd = format!("cd={}", home.root().join("service").display());
    let profile = home.profile("plain", "");
    home.unconfined(CONNECT, &[&cd, "sock=sock"])
        .assert_done("sock");
    assert_eq!(listener.arrived(), 1, "control");
    home.attack(&profile, CONNECT, &[&cd, "sock=sock"])
        .assert_denied("sock", &["EACCES"]);
    assert_eq!(listener.arrived(), 0);
}

/// Raw `connect` calls through ctypes: an address longer than `sun_path`, a path that is not
/// a socket, and a socket descriptor that is not one.
const ODD: &str = "\
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
def raw(addr, length):
    buf = ctypes.create_string_buffer(addr, max(len(addr), length))
    return check(libc.connect(s.fileno(), buf, length))
family = socket.AF_UNIX.to_bytes(2, sys.byteorder)
attempt('too-long', lambda: raw(family + b'/' * 200, 200))
attempt('longer-than-storage', lambda: raw(family + b'/x', 4096))
attempt('unnamed', lambda: raw(family, 2))
attempt('not-a-socket', lambda: s.connect(sys.argv[1]))
attempt('not-a-descriptor', lambda: check(libc.connect(999, ctypes.create_string_buffer(family + b'/x'), 5)))";

#[test]
fn odd_addresses_get_the_kernels_errors_and_nothing_breaks() {
    let home = Home::planted();
    let file = home.write("elsewhere/file", "not a socket");
    let file = file.to_string_lossy().into_owned();
    let profile = home.profile("all", "allow connect unix /");
    let v = home.attack(&profile, ODD, &[&file]);
    let u = home.unconfined(ODD, &[&file]);
    for name in [
        "too-long",
        "longer-than-storage",
        "unnamed",
        "not-a-socket",
        "not-a-descriptor",
    ] {
        assert_eq!(v.get(name), u.get(name), "{name}:\n{}", v.dump());
    }
    u.assert_denied("too-long", &["EINVAL"]);
    u.assert_denied("not-a-socket", &["ECONNREFUSED"]);
}

/// Two races on one `connect`, 300 rounds each. `address`: another thread rewrites the
/// address between an allowed socket and a forbidden one while the call is held. `descriptor`:
/// the address names the forbidden socket, and another thread swaps the descriptor between a
/// TCP socket and a unix one, so that a decision taken on the TCP socket would let the kernel
/// connect the unix one.
const RACES: &str = "\
import socket, threading
allowed, forbidden = sys.argv[1].encode(), sys.argv[2].encode()
family = socket.AF_UNIX.to_bytes(2, sys.byteorder)
def addr(path):
    return family + path + b'\\0' * (108 - len(path))
good, bad = addr(allowed), addr(forbidden)
buf = ctypes.create_string_buffer(good, len(good))
stop = False
def flip_address():
    while not stop:
        ctypes.memmove(buf, bad, len(bad))
        ctypes.memmove(buf, good, len(good))
def address():
    for _ in range(300):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        libc.connect(s.fileno(), buf, len(good))
        s.close()
    return 'ran'
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
target = os.dup(tcp.fileno())
def flip_descriptor():
    while not stop:
        try:
            os.dup2(unix.fileno(), target)
            os.dup2(tcp.fileno(), target)
        except OSError:
            pass
def descriptor():
    global unix
    fixed = ctypes.create_string_buffer(bad, len(bad))
    for _ in range(300):
        libc.connect(target, fixed, len(bad))
        unix.close()
        unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    return 'ran'
for name, action, flipper in [('address', address, flip_address), ('descriptor', descriptor, flip_descriptor)]:
    stop = False
    t = threading.Thread(target=flipper)
    t.start()
    attempt(name, action)
    stop = True
    t.join()";

#[test]
fn a_connect_whose_address_or_socket_changes_while_it_is_held_is_decided_once() {
    let home = Home::planted();
    let allowed = Listener::at(&home.root().join("allowed/sock"));
    let forbidden = Listener::at(&home.root().join("forbidden/sock"));
    let profile = home.profile("one", "allow connect unix @/allowed/sock");
    let args = [
        allowed.path.to_str().unwrap(),
        forbidden.path.to_str().unwrap(),
    ];
    let v = home.attack(&profile, RACES, &args);
    v.assert_done("address");
    v.assert_done("descriptor");
    assert!(
        allowed.arrived() > 0,
        "control: the allowed socket was reached"
    );
    assert_eq!(forbidden.arrived(), 0, "the forbidden socket was reached");
}

/// An X server on display `:N` (Xvfb) for the test; ends with the value.
struct Xvfb {
    child: std::process::Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        // A display number of this process's own, far from a real desktop's.
        let n = 100 + std::process::id() % 800;
        let child = std::process::Command::new("Xvfb")
            .arg(format!(":{n}"))
            .args(["-screen", "0", "320x240x24", "-nolisten", "tcp"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("Xvfb (apt-get install xvfb)");
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(std::time::Instant::now() < deadline, "Xvfb did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Xvfb {
            child,
            display: format!(":{n}"),
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// With `isolate abstract-unix`, an X client still reaches the server through its path-named
/// socket (the x11 abstraction's rule), while the server's abstract socket is refused as if
/// nobody listened (libxcb then falls back). Without the rule, no X at all.
#[test]
fn x11_under_isolate_abstract_unix_goes_through_the_path_socket_only() {
    let home = Home::planted();
    let x = Xvfb::start();
    let with_x11 = home.profile("x11", "include <abstractions/x11>\nisolate abstract-unix");
    let without = home.profile("nox11", "isolate abstract-unix");
    let xdpyinfo = |profile: &str| {
        home.llrun(profile)
            .env("DISPLAY", &x.display)
            .arg("xdpyinfo")
            .output()
            .unwrap()
    };
    let out = xdpyinfo(&with_x11);
    assert!(
        out.status.success() && crate::common::stdout(&out).contains("version number"),
        "{}",
        crate::common::stderr(&out)
    );
    assert!(
        !xdpyinfo(&without).status.success(),
        "X reached without a rule"
    );
    let abstract_name = format!("/tmp/.X11-unix/X{}", &x.display[1..]);
    let code = "\
import socket
attempt('abstract', lambda: socket.socket(socket.AF_UNIX).connect('\\0' + sys.argv[1]))";
    home.attack(&with_x11, code, &[&abstract_name])
        .assert_denied("abstract", &["ECONNREFUSED", "EPERM"]);
}
