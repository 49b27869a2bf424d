//! Reaching out over sockets: TCP to ports the profile does not allow, and abstract unix
//! sockets with `isolate abstract-unix`.
//!
//! Each test has a listener outside the sandbox and checks both what the program was told and
//! what the listener saw: an attempt that reports failure but got through is still an escape.

use crate::attack::Home;
use crate::common::landlock_abi;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram, UnixListener};
use std::time::Duration;

/// A TCP listener on loopback (IPv6 where the attempt needs it) that records what reached it.
struct Listener {
    socket: TcpListener,
}

impl Listener {
    fn v4() -> Listener {
        Listener::bind("127.0.0.1:0")
    }

    fn v6() -> Listener {
        Listener::bind("[::1]:0")
    }

    fn bind(addr: &str) -> Listener {
        let socket = TcpListener::bind(addr).unwrap();
        socket.set_nonblocking(true).unwrap();
        Listener { socket }
    }

    fn port(&self) -> String {
        self.socket.local_addr().unwrap().port().to_string()
    }

    /// What arrived over connections that are waiting to be accepted: empty if none did. The
    /// program has exited, so whatever it sent is already here.
    fn received(&self) -> Vec<String> {
        let mut got = Vec::new();
        while let Ok((stream, _)) = self.socket.accept() {
            got.push(read_some(stream));
        }
        got
    }
}

fn read_some(mut stream: TcpStream) -> String {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// TCP attempts, chosen by `sys.argv[2]`, to the port in `sys.argv[1]` on loopback.
const TCP: &str = "\
import socket
port, how = int(sys.argv[1]), sys.argv[2]
IPPROTO_MPTCP = 262
def connect(family, host, proto=0):
    s = socket.socket(family, socket.SOCK_STREAM, proto)
    s.connect((host, port))
    s.sendall(b'hello from ' + how.encode())
    s.close()
    return 'connected'
def fastopen():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.sendto(b'hello from fastopen', socket.MSG_FASTOPEN, ('127.0.0.1', port))
    s.close()
    return 'sent'
def bind(proto=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    s.bind(('127.0.0.1', port))
    s.listen()
    return 'bound'
actions = {
    'v4': lambda: connect(socket.AF_INET, '127.0.0.1'),
    'v6': lambda: connect(socket.AF_INET6, '::1'),
    'v4-mapped': lambda: connect(socket.AF_INET6, '::ffff:127.0.0.1'),
    'mptcp': lambda: connect(socket.AF_INET, '127.0.0.1', IPPROTO_MPTCP),
    'fastopen': fastopen,
    'bind': bind,
    'bind-mptcp': lambda: bind(IPPROTO_MPTCP),
}
attempt(how, actions[how])";

/// Runs TCP attempt `how` at `listener` under the default profile (no TCP at all) and asserts
/// it was refused and nothing arrived; first, as the control, under a profile allowing the
/// port, where it must arrive.
fn tcp_is_refused(how: &str, listener: &Listener) {
    assert!(landlock_abi() >= 4, "this test needs Landlock ABI 4 (TCP)");
    let home = Home::planted();
    let port = listener.port();
    let open = home.profile("open", &format!("allow connect tcp {port}"));
    // Fast Open and MPTCP are refused under every profile (Landlock cannot check them), so
    // their control runs without llrun.
    if matches!(how, "fastopen" | "mptcp") {
        home.unconfined(TCP, &[&port, how]).assert_done(how);
    } else {
        home.attack(&open, TCP, &[&port, how]).assert_done(how);
    }
    let arrived = listener.received();
    assert!(
        arrived.iter().any(|m| m.contains("hello from")),
        "control: {arrived:?}"
    );
    let v = home.attack("default", TCP, &[&port, how]);
    let arrived = listener.received();
    assert!(
        arrived.is_empty(),
        "{how} reached the listener: {arrived:?}"
    );
    v.assert_denied(how, &["EACCES", "EPERM", "EPROTONOSUPPORT", "ENOTSUP"]);
}

#[test]
fn tcp_connect_to_a_port_not_allowed() {
    tcp_is_refused("v4", &Listener::v4());
}

#[test]
fn tcp_connect_over_ipv6() {
    tcp_is_refused("v6", &Listener::v6());
}

#[test]
fn tcp_connect_to_an_ipv4_mapped_address() {
    tcp_is_refused("v4-mapped", &Listener::v4());
}

#[test]
fn tcp_fast_open_to_a_port_not_allowed() {
    tcp_is_refused("fastopen", &Listener::v4());
}

#[test]
fn multipath_tcp_connect_to_a_port_not_allowed() {
    tcp_is_refused("mptcp", &Listener::v4());
}

/// Binds a free port by `how` under the default profile; as the control, under a profile that
/// allows binding it.
fn bind_is_refused(how: &str) {
    assert!(landlock_abi() >= 4);
    let home = Home::planted();
    let port = {
        let probe = TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port().to_string()
    };
    let open = home.profile("open", &format!("allow bind tcp {port}"));
    if how == "bind-mptcp" {
        home.unconfined(TCP, &[&port, how]).assert_done(how);
    } else {
        home.attack(&open, TCP, &[&port, how]).assert_done(how);
    }
    home.attack("default", TCP, &[&port, how])
        .assert_denied(how, &["EACCES", "EPERM", "EPROTONOSUPPORT"]);
}

#[test]
fn tcp_bind_to_a_port_not_allowed() {
    bind_is_refused("bind");
}

#[test]
fn multipath_tcp_bind_to_a_port_not_allowed() {
    bind_is_refused("bind-mptcp");
}

/// Connects a stream socket to, and sends a datagram to, abstract addresses in `sys.argv[1:3]`.
const ABSTRACT: &str = "\
import socket
def stream():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect('\\0' + sys.argv[1])
    s.sendall(b'hello')
    return 'connected'
def datagram():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    return s.sendto(b'hello', '\\0' + sys.argv[2])
attempt('stream', stream)
attempt('datagram', datagram)";

#[test]
fn abstract_unix_sockets_outside_with_isolate_abstract_unix() {
    assert!(
        landlock_abi() >= 6,
        "this test needs Landlock ABI 6 (scopes)"
    );
    let home = Home::planted();
    let name = |kind: &str| format!("llrun-escape-{kind}-{}", std::process::id());
    let (stream_name, dgram_name) = (name("stream"), name("dgram"));
    let abstract_addr = |n: &str| SocketAddr::from_abstract_name(n.as_bytes()).unwrap();
    let listener = UnixListener::bind_addr(&abstract_addr(&stream_name)).unwrap();
    let dgram = UnixDatagram::bind_addr(&abstract_addr(&dgram_name)).unwrap();
    listener.set_nonblocking(true).unwrap();
    dgram.set_nonblocking(true).unwrap();
    let args = [stream_name.as_str(), dgram_name.as_str()];
    let open = home.profile("open", "");
    let v = home.attack(&open, ABSTRACT, &args);
    v.assert_done("stream");
    v.assert_done("datagram");
    assert!(listener.accept().is_ok() && dgram.recv(&mut [0; 16]).is_ok());
    let isolated = home.profile("isolated", "isolate abstract-unix");
    let v = home.attack(&isolated, ABSTRACT, &args);
    // Landlock's scope answers EPERM; llrun's supervisor, where it decides every connect,
    // answers as if nobody listened (so that X11 clients fall back to the path socket).
    v.assert_denied("stream", &["EPERM", "ECONNREFUSED"]);
    v.assert_denied("datagram", &["EPERM"]);
    assert!(listener.accept().is_err(), "a connection arrived");
    assert!(dgram.recv(&mut [0; 16]).is_err(), "a datagram arrived");
}
