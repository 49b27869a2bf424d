//! The session bus as a way out: a service that runs commands outside the sandbox (as
//! systemd's `StartTransientUnit` does for `systemd-run --user`), reached by name through the
//! filtering proxy, or by the bus's own socket. Each test runs a real `dbus-daemon` with a test
//! service that writes a marker file outside the sandbox when its method is called, and shows
//! first that the call works without llrun.

use crate::attack::{Home, Verdicts, python};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Owns `org.llrun.Test.Exec` and the names no profile may reach unless it names them; each
/// `Run(marker)` writes `marker`. Owns `org.freedesktop.Notifications` too, whose `Notify`
/// only answers.
const SERVICE: &str = "\
import sys, dbus, dbus.service, dbus.mainloop.glib
from gi.repository import GLib
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])
class Exec(dbus.service.Object):
    @dbus.service.method('org.llrun.Test.Exec', in_signature='s', out_signature='s')
    def Run(self, marker):
        open(marker, 'w').write('ran outside the sandbox')
        return 'ran'
class Notes(dbus.service.Object):
    @dbus.service.method('org.freedesktop.Notifications', in_signature='s', out_signature='s')
    def Notify(self, text):
        return 'shown ' + text
names = [dbus.service.BusName(n, bus) for n in sys.argv[2:]]
Exec(bus, '/org/llrun/Test/Exec')
Notes(bus, '/org/freedesktop/Notifications')
print('ready', flush=True)
GLib.MainLoop().run()";

/// Names that run commands or hand out secrets, all served by the test service's `Run`.
const DANGEROUS: &[&str] = &[
    "org.llrun.Test.Exec",
    "org.freedesktop.systemd1",
    "org.freedesktop.Flatpak",
    "org.gnome.Shell",
    "org.freedesktop.secrets",
];

/// Calls `Run(marker)` on each name in `sys.argv[2:]` through the bus the environment names,
/// then on the first through the bus socket `sys.argv[1]` directly, then `Notify`; then `Run`
/// on the connection that owns the notification name (as GNOME Shell and Plasma own theirs),
/// through that name and through its owner's unique name.
const CLIENT: &str = "\
import dbus
marker, names = sys.argv[1], sys.argv[3:]
def run(bus, name):
    o = bus.get_object(name, '/org/llrun/Test/Exec')
    return str(o.Run(marker, dbus_interface='org.llrun.Test.Exec'))
def bus_error(f):
    try:
        return f()
    except dbus.exceptions.DBusException as e:
        raise OSError(errno.EACCES, e.get_dbus_name())
print('address: ' + os.environ.get('DBUS_SESSION_BUS_ADDRESS', 'none'), flush=True)
for n in names:
    attempt(n, lambda: bus_error(lambda: run(dbus.SessionBus(), n)))
attempt('direct', lambda: bus_error(lambda: run(dbus.bus.BusConnection('unix:path=' + sys.argv[2]), names[0])))
def notify():
    o = dbus.SessionBus().get_object('org.freedesktop.Notifications', '/org/freedesktop/Notifications')
    return str(o.Notify('hi', dbus_interface='org.freedesktop.Notifications'))
attempt('notify', lambda: bus_error(notify))
def via(dest):
    o = dbus.SessionBus().get_object(dest, '/org/llrun/Test/Exec', introspect=False)
    return str(o.Run(marker, dbus_interface='org.llrun.Test.Exec'))
def owner():
    d = dbus.SessionBus().get_object('org.freedesktop.DBus', '/org/freedesktop/DBus', introspect=False)
    return str(d.GetNameOwner('org.freedesktop.Notifications', dbus_interface='org.freedesktop.DBus'))
attempt('via-notifications', lambda: bus_error(lambda: via('org.freedesktop.Notifications')))
attempt('via-owner', lambda: bus_error(lambda: via(owner())))";

/// A private session bus with the test service on it; both end with the value.
struct SessionBus {
    children: Vec<Child>,
    socket: PathBuf,
    runtime: PathBuf,
}

impl SessionBus {
    fn start(root: &Path) -> SessionBus {
        let runtime = root.join("run");
        std::fs::create_dir_all(&runtime).unwrap();
        std::fs::set_permissions(
            &runtime,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        let socket = runtime.join("bus");
        let daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile"])
            .arg(format!("--address=unix:path={}", socket.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (apt-get install dbus-daemon)");
        let mut bus = SessionBus {
            children: vec![daemon],
            socket,
            runtime,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !bus.socket.exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "dbus-daemon did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let mut service = Command::new("/usr/bin/python3")
            .args(["-c", SERVICE, &bus.address()])
            .args(DANGEROUS)
            .arg("org.freedesktop.Notifications")
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with python3-dbus and python3-gi");
        let mut line = String::new();
        BufReader::new(service.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the test service did not start");
        bus.children.push(service);
        bus
    }

    fn address(&self) -> String {
        format!("unix:path={}", self.socket.display())
    }

    /// llrun (or, with no profile, the program alone) with this bus as the session's.
    fn command(&self, home: &Home, profile: Option<&str>, code: &str, args: &[&str]) -> Command {
        let mut cmd = match profile {
            Some(p) => {
                let mut c = home.llrun(p);
                c.args(python(code, args));
                c
            }
            None => {
                let mut c = crate::attack::python_command(code, args);
                c.env("HOME", home.home());
                c
            }
        };
        cmd.env("DBUS_SESSION_BUS_ADDRESS", self.address())
            .env("XDG_RUNTIME_DIR", &self.runtime);
        cmd
    }

    fn client(&self, home: &Home, profile: Option<&str>, marker: &Path) -> Verdicts {
        let mut args = vec![marker.to_str().unwrap(), self.socket.to_str().unwrap()];
        args.extend_from_slice(DANGEROUS);
        Verdicts::of(self.command(home, profile, CLIENT, &args).output().unwrap())
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        for c in self.children.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn the_firefox_profile_cannot_reach_a_service_that_runs_commands() {
    let home = Home::planted();
    let bus = SessionBus::start(home.root());
    let marker = home.root().join("outside/marker");
    std::fs::create_dir_all(marker.parent().unwrap()).unwrap();
    // Control: without llrun the program runs the command, by name and by the socket.
    let v = bus.client(&home, None, &marker);
    for name in DANGEROUS {
        assert_eq!(v.assert_done(name), "'ran'");
    }
    v.assert_done("direct");
    v.assert_done("notify");
    assert_eq!(v.assert_done("via-notifications"), "'ran'");
    assert_eq!(v.assert_done("via-owner"), "'ran'");
    std::fs::remove_file(&marker).unwrap();
    let v = bus.client(&home, Some("firefox-esr"), &marker);
    for name in DANGEROUS {
        v.assert_denied(name, &["EACCES"]);
    }
    v.assert_denied("direct", &["EACCES"]);
    assert_eq!(v.assert_done("notify"), "'shown hi'");
    // Allowed to notify is not allowed to talk to the rest of the notifier's connection.
    v.assert_denied("via-notifications", &["EACCES"]);
    v.assert_denied("via-owner", &["EACCES"]);
    assert!(!marker.exists(), "a command ran outside the sandbox");
    let out = crate::common::stdout(&v.output);
    assert!(
        out.contains(&format!(
            "address: unix:path={}/llrun/",
            bus.runtime.display()
        )),
        "the program's bus is the proxy's: {out}"
    );
}

/// A profile that names nothing on the bus gets none; the real address does not reach it.
#[test]
fn a_profile_without_dbus_rules_gets_no_bus() {
    let home = Home::planted();
    let bus = SessionBus::start(home.root());
    let marker = home.root().join("marker");
    let v = bus.client(&home, Some("default"), &marker);
    no_bus(&v, &marker);
}

/// The program had no bus address, could not reach the bus by its socket, and ran nothing.
fn no_bus(v: &Verdicts, marker: &Path) {
    assert!(
        crate::common::stdout(&v.output).contains("address: none"),
        "{}",
        v.dump()
    );
    v.assert_denied("direct", &["EACCES"]);
    assert!(!marker.exists());
}

/// The proxy ends with the run, and its directory goes; killed during the run, it takes the
/// bus with it, and the program does not get the real one.
#[test]
fn the_proxy_ends_with_the_run_and_its_death_only_takes_the_bus_away() {
    let home = Home::planted();
    let bus = SessionBus::start(home.root());
    let profile = home.profile("notes", "dbus talk org.freedesktop.Notifications");
    let code = "\
import dbus
def notify():
    o = dbus.SessionBus().get_object('org.freedesktop.Notifications', '/org/freedesktop/Notifications')
    return str(o.Notify('hi', dbus_interface='org.freedesktop.Notifications'))
def bus_error(f):
    try:
        return f()
    except dbus.exceptions.DBusException as e:
        raise OSError(errno.ECONNREFUSED, e.get_dbus_name())
attempt('before', lambda: bus_error(notify))
sys.stdin.readline()
dbus.SessionBus().close()
attempt('after', lambda: bus_error(notify))
print('address: ' + os.environ['DBUS_SESSION_BUS_ADDRESS'], flush=True)";
    let mut cmd = bus.command(&home, Some(&profile), code, &[]);
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "before: DONE 'shown hi'\n");
    let proxies = proxies_under(&bus.runtime);
    assert_eq!(proxies.len(), 1, "one proxy for one layer");
    for pid in &proxies {
        nix::sys::signal::kill(*pid, nix::sys::signal::Signal::SIGKILL).unwrap();
    }
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"go\n").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    assert!(child.wait().unwrap().success());
    assert!(rest.starts_with("after: DENIED"), "{rest}");
    assert!(!rest.contains(&bus.address()), "{rest}");
    // A run that ends normally leaves no proxy and no socket directory behind.
    let v = Verdicts::of(
        bus.command(&home, Some(&profile), code, &[])
            .output()
            .unwrap(),
    );
    v.assert_done("before");
    assert!(
        proxies_under(&bus.runtime).is_empty(),
        "a proxy outlived its run"
    );
    let left: Vec<_> = std::fs::read_dir(bus.runtime.join("llrun"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// With the proxy missing, a profile that needs the bus refuses to run (strict), or runs
/// without any bus and says so (best-effort).
#[test]
fn without_xdg_dbus_proxy_strict_refuses_and_best_effort_has_no_bus() {
    let home = Home::planted();
    let bus = SessionBus::start(home.root());
    let marker = home.root().join("marker");
    let mut args = vec![marker.to_str().unwrap(), bus.socket.to_str().unwrap()];
    args.extend_from_slice(DANGEROUS);
    let mut strict = bus.command(&home, Some("firefox-esr"), CLIENT, &args);
    let out = strict.env("PATH", "/nonexistent").output().unwrap();
    crate::common::assert_code(&out, 125);
    assert!(
        crate::common::stderr(&out).contains("xdg-dbus-proxy is not installed"),
        "{}",
        crate::common::stderr(&out)
    );
    let mut lax = home.llrun_with(&["--compat", "best-effort"], "firefox-esr");
    lax.args(python(CLIENT, &args))
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .env("XDG_RUNTIME_DIR", &bus.runtime)
        .env("PATH", "/nonexistent");
    no_bus(&Verdicts::of(lax.output().unwrap()), &marker);
}

/// The pids of the xdg-dbus-proxy processes whose command line names `dir`.
fn proxies_under(dir: &Path) -> Vec<nix::unistd::Pid> {
    let dir = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
                let c = String::from_utf8_lossy(&c);
                c.starts_with("/usr/bin/xdg-dbus-proxy") && c.contains(&dir)
            })
        })
        .map(nix::unistd::Pid::from_raw)
        .collect()
}

/// Notifications by their interface only (`Home::profile` reads `@` as the home's root, so no
/// `@PATH` here), as the shipped abstraction allows them.
const NOTES: &str = "dbus call org.freedesktop.Notifications=org.freedesktop.Notifications.*";

/// Two layers, two chained proxies: a name one layer allows and the other does not stays
/// unreachable; a name both allow is reached.
#[test]
fn stacked_layers_reach_only_what_every_layer_allows() {
    let home = Home::planted();
    let bus = SessionBus::start(home.root());
    let marker = home.root().join("outside/marker");
    std::fs::create_dir_all(marker.parent().unwrap()).unwrap();
    let wide = home.profile("wide", &format!("dbus talk org.llrun.Test.Exec\n{NOTES}"));
    let narrow = home.profile("narrow", NOTES);
    let mut args = vec![marker.to_str().unwrap(), bus.socket.to_str().unwrap()];
    args.extend_from_slice(DANGEROUS);
    // Control: the wide layer alone lets the call through.
    let v = Verdicts::of(
        bus.command(&home, Some(&wide), CLIENT, &args)
            .output()
            .unwrap(),
    );
    assert_eq!(v.assert_done("org.llrun.Test.Exec"), "'ran'");
    std::fs::remove_file(&marker).unwrap();
    let mut both = home.llrun_with(&["-p", &wide], &narrow);
    both.args(python(CLIENT, &args))
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .env("XDG_RUNTIME_DIR", &bus.runtime);
    let v = Verdicts::of(both.output().unwrap());
    v.assert_denied("org.llrun.Test.Exec", &["EACCES"]);
    assert_eq!(v.assert_done("notify"), "'shown hi'");
    assert!(!marker.exists(), "a command ran outside the sandbox");
}

/// A socket directory another user could write (here: made 0777, or a symlink) would let them
/// rename the run's socket directory away and serve the program a bus of their own: llrun
/// refuses to run (125) rather than put the proxy there.
#[test]
fn a_socket_directory_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::planted();
    let bus = SessionBus::start(home.root());
    let marker = home.root().join("marker");
    let mut args = vec![marker.to_str().unwrap(), bus.socket.to_str().unwrap()];
    args.extend_from_slice(DANGEROUS);
    let shared = bus.runtime.join("llrun");
    let elsewhere = home.root().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    for setup in ["open", "symlink"] {
        let _ = std::fs::remove_dir_all(&shared).or_else(|_| std::fs::remove_file(&shared));
        if setup == "open" {
            std::fs::create_dir(&shared).unwrap();
            std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
        } else {
            std::os::unix::fs::symlink(&elsewhere, &shared).unwrap();
        }
        let out = bus
            .command(&home, Some("firefox-esr"), CLIENT, &args)
            .output()
            .unwrap();
        crate::common::assert_code(&out, 125);
        let err = crate::common::stderr(&out);
        assert!(
            err.contains("the D-Bus proxy's socket cannot go there"),
            "{setup}: {err}"
        );
        assert!(
            !crate::common::stdout(&out).contains("address:"),
            "{setup}: it ran"
        );
    }
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

/// The proxy warns on its standard error about each malformed connection (about 70 bytes). A
/// program that makes a few thousand of them must not fill a pipe nobody reads and stall its
/// bus: after them, a notification still goes through.
#[test]
fn malformed_connections_do_not_stall_the_proxy() {
    let home = Home::planted();
    let bus = SessionBus::start(home.root());
    let code = "\
import dbus, signal, socket
# A stalled proxy blocks even libdbus's connect: the whole attempt gets a minute, then fails.
signal.alarm(60)
path = os.environ['DBUS_SESSION_BUS_ADDRESS'].split('=', 1)[1]
def flood():
  for i in range(2000):
    s = socket.socket(socket.AF_UNIX)
    # A stalled proxy answers nothing: fail here rather than wait for ever.
    s.settimeout(10)
    s.connect(path)
    s.sendall(b'\\0AUTH EXTERNAL ' + str(os.getuid()).encode().hex().encode() + b'\\r\\n')
    s.recv(100)
    s.sendall(b'BEGIN\\r\\n' + b'l\\x01\\x00\\x01' + b'\\xff' * 200)
    try:
        s.recv(100)
    except ConnectionError:
        pass
    s.close()
  return 'sent'
attempt('flood', flood)
def notify():
    o = dbus.SessionBus().get_object('org.freedesktop.Notifications', '/org/freedesktop/Notifications')
    return str(o.Notify('hi', dbus_interface='org.freedesktop.Notifications', timeout=20))
def bus_error(f):
    try:
        return f()
    except dbus.exceptions.DBusException as e:
        raise OSError(errno.ETIMEDOUT, e.get_dbus_name())
attempt('notify', lambda: bus_error(notify))";
    let out = bus
        .command(&home, Some("firefox-esr"), code, &[])
        .output()
        .unwrap();
    let v = Verdicts::of(out);
    assert_eq!(v.assert_done("flood"), "'sent'");
    assert_eq!(v.assert_done("notify"), "'shown hi'");
}
