//! What llrun does not defend against, pinned down.
//!
//! Each test shows a documented limit (llrun(1), SECURITY AND LIMITATIONS; docs/security.md)
//! on the real kernel: the attack gets through, and where something still holds, that is
//! checked too. The day llrun closes one of these, its test fails, and the documentation must
//! move the line from "not defended" to "defended".

use crate::attack::{Home, Verdict, secret_text};
use crate::common::{landlock_abi, stdout};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener};

#[test]
fn limit_code_the_program_may_read_runs_through_the_loader() {
    let home = Home::planted();
    // exec is refused in /tmp, but the dynamic loader maps what it may read: the copied
    // program runs. It runs inside the sandbox all the same, so the key stays out of reach.
    let loader = ["/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"]
        .into_iter()
        .find(|l| std::path::Path::new(l).exists())
        .expect("the dynamic loader");
    let tmp = tempfile::tempdir_in("/tmp").unwrap();
    let cat = tmp.path().join("cat");
    std::fs::copy("/usr/bin/cat", &cat).unwrap();
    let cat = cat.to_string_lossy();
    let out = home.run("default", &[&cat, "/etc/hostname"]);
    assert_eq!(out.status.code(), Some(126), "exec from /tmp was allowed");
    let hostname = std::fs::read_to_string("/etc/hostname").unwrap();
    let out = home.run("default", &[loader, &cat, "/etc/hostname"]);
    assert_eq!(stdout(&out), hostname, "the loader did not run it");
    let out = home.run("default", &[loader, &cat, &home.at(".ssh/id_rsa")]);
    assert!(!stdout(&out).contains("LLRUN-SECRET"));
}

#[test]
fn limit_code_in_memory_runs_without_an_exec_right() {
    let home = Home::planted();
    // A memfd lives on no mount a rule can name, so Landlock lets it execute: any program the
    // sandboxed one can read (or write) runs, still inside the sandbox.
    let code = "\
fd = os.memfd_create('dropped')
with open('/usr/bin/cat', 'rb') as f:
    os.write(fd, f.read())
os.execv(f'/proc/self/fd/{fd}', ['cat', '/etc/hostname', SSH_KEY])";
    let out = home.run(
        "default",
        &crate::attack::python(code, &[])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let hostname = std::fs::read_to_string("/etc/hostname").unwrap();
    assert_eq!(
        stdout(&out),
        hostname,
        "the memfd did not run: {}",
        crate::common::stderr(&out)
    );
    assert!(crate::common::stderr(&out).contains("Permission denied"));
}

#[test]
fn limit_a_unix_datagram_reaches_a_named_datagram_socket_by_its_address() {
    let home = Home::planted();
    // Before Landlock ABI 9 nothing checks the address of `sendto`/`sendmsg`, and the supervisor
    // does not trap them (seccomp cannot see a `sendmsg` address, and every `sendmsg` of every
    // stream would pay). A stream (`connect`) to the same place is refused.
    let path = home.home().join(".gnupg/S.dgram");
    let sink = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
    sink.set_nonblocking(true).unwrap();
    let code = "\
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
attempt('sendto', lambda: s.sendto(b'hello', HOME + '/.gnupg/S.dgram'))
attempt('connect', lambda: s.connect(HOME + '/.gnupg/S.dgram'))";
    let v = home.attack("default", code, &[]);
    v.assert_done("sendto");
    v.assert_denied("connect", &["EACCES"]);
    assert!(sink.recv(&mut [0; 16]).is_ok());
}

#[test]
fn limit_abstract_unix_sockets_are_reachable_without_isolate() {
    let home = Home::planted();
    // The default profile does not `isolate abstract-unix` (X11 programs need their socket).
    let name = format!("llrun-escape-limit-{}", std::process::id());
    let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let listener = UnixListener::bind_addr(&addr).unwrap();
    listener.set_nonblocking(true).unwrap();
    let code = "\
import socket
s = socket.socket(socket.AF_UNIX)
attempt('connect', lambda: s.connect('\\0' + sys.argv[1]))";
    home.attack("default", code, &[&name])
        .assert_done("connect");
    assert!(listener.accept().is_ok());
}

#[test]
fn limit_udp_is_not_restricted() {
    let home = Home::planted();
    assert!(
        landlock_abi() < 10,
        "Landlock ABI 10 restricts UDP: teach llrun, then move this limit in docs/security.md"
    );
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_nonblocking(true).unwrap();
    let port = socket.local_addr().unwrap().port().to_string();
    let code = "\
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
attempt('send', lambda: s.sendto(b'out', ('127.0.0.1', int(sys.argv[1]))))";
    home.attack("default", code, &[&port]).assert_done("send");
    assert!(
        socket.recv(&mut [0; 8]).is_ok(),
        "the datagram did not arrive"
    );
}

#[test]
fn limit_the_metadata_of_denied_files_is_visible() {
    let home = Home::planted();
    let code = "\
attempt('stat', lambda: os.stat(SSH_KEY).st_size)
attempt('read', lambda: read(SSH_KEY))";
    let v = home.attack("default", code, &[]);
    assert_eq!(
        v.assert_done("stat"),
        secret_text(".ssh/id_rsa").len().to_string()
    );
    v.assert_denied("read", &["EACCES"]);
}

#[test]
fn limit_another_name_of_a_denied_file_deep_in_an_allowed_directory_reads_it() {
    let home = Home::planted();
    // Landlock rules follow paths, not files. Beside a carve llrun gives no rule to a file with
    // more than one name; deeper down, a granted directory grants a hard link made before the
    // run (by the user, or anyone who could write there) to the denied key.
    std::fs::create_dir_all(home.at("Documents/deep")).unwrap();
    std::fs::hard_link(home.at(".ssh/id_rsa"), home.at("Documents/deep/link")).unwrap();
    std::fs::hard_link(home.at(".ssh/id_rsa"), home.at("link-beside")).unwrap();
    let code = "\
attempt('deep', lambda: read(HOME + '/Documents/deep/link'))
attempt('beside', lambda: read(HOME + '/link-beside'))
attempt('key', lambda: read(SSH_KEY))";
    let v = home.attack("default", code, &[]);
    assert!(v.assert_done("deep").contains(&secret_text(".ssh/id_rsa")));
    // (Not `assert_denied`, which also wants the secret nowhere in the output.)
    for name in ["beside", "key"] {
        assert!(matches!(v.get(name), Verdict::Denied(_)), "{name}");
    }
}
