//! TCP port rules and Landlock scopes, checked against the kernel.

mod common;
use common::*;
use std::net::TcpListener;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener};

const PY: &str = "/usr/bin/python3";

fn python(profile: &std::path::Path, code: &str) -> std::process::Output {
    run(&["-q", "-p", &profile.to_string_lossy(), "--", PY, "-c", code])
}

fn connect_code(port: u16) -> String {
    format!(
        "import socket,sys\ntry:\n socket.create_connection(('127.0.0.1',{port}),timeout=5); print('CONNECTED')\nexcept OSError as e:\n print('ERR',e.errno); sys.exit(3)"
    )
}

#[test]
fn tcp_connect_follows_port_rules() {
    assert!(
        landlock_abi() >= 4,
        "this test needs Landlock ABI 4 (TCP rules)"
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let s = Sandbox::new();
    let denied = s.base_profile("");
    let o = python(&denied, &connect_code(port));
    assert!(
        stdout(&o).contains("ERR 13"),
        "expected EACCES: {} {}",
        stdout(&o),
        stderr(&o)
    );
    let allowed = s.base_profile(&format!("allow connect tcp {port}"));
    let o = python(&allowed, &connect_code(port));
    assert!(
        stdout(&o).contains("CONNECTED"),
        "{} {}",
        stdout(&o),
        stderr(&o)
    );
    let carved = s.base_profile(&format!("allow connect tcp *\ndeny connect tcp {port}"));
    let o = python(&carved, &connect_code(port));
    assert!(
        stdout(&o).contains("ERR 13"),
        "{} {}",
        stdout(&o),
        stderr(&o)
    );
}

#[test]
fn tcp_bind_follows_port_rules() {
    assert!(landlock_abi() >= 4);
    let probe = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let code = format!(
        "import socket,sys\ns=socket.socket()\ntry:\n s.bind(('127.0.0.1',{port})); print('BOUND')\nexcept OSError as e:\n print('ERR',e.errno)"
    );
    let s = Sandbox::new();
    let o = python(&s.base_profile(""), &code);
    assert!(
        stdout(&o).contains("ERR 13"),
        "{} {}",
        stdout(&o),
        stderr(&o)
    );
    let o = python(
        &s.base_profile(&format!(
            "allow bind tcp {}-{}",
            port,
            port.saturating_add(5)
        )),
        &code,
    );
    assert!(
        stdout(&o).contains("BOUND"),
        "{} {}",
        stdout(&o),
        stderr(&o)
    );
}

#[test]
fn isolate_signals_blocks_signals_to_outside() {
    assert!(
        landlock_abi() >= 6,
        "this test needs Landlock ABI 6 (scopes)"
    );
    let mut victim = std::process::Command::new("/bin/sleep")
        .arg("60")
        .spawn()
        .unwrap();
    let s = Sandbox::new();
    let p = s.base_profile("isolate signals");
    let o = sh(&p, &format!("kill -TERM {}", victim.id()));
    assert_ne!(o.status.code(), Some(0), "kill should have failed");
    assert!(
        victim.try_wait().unwrap().is_none(),
        "the process outside the sandbox was killed"
    );
    let p = s.base_profile("");
    let o = sh(&p, &format!("kill -TERM {}", victim.id()));
    assert_code(&o, 0);
    let status = victim.wait().unwrap();
    assert!(!status.success());
}

#[test]
fn isolate_abstract_unix_blocks_outside_sockets() {
    assert!(landlock_abi() >= 6);
    let name = format!("llrun-test-{}", std::process::id());
    let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let _listener = UnixListener::bind_addr(&addr).unwrap();
    let code = format!(
        "import socket\ns=socket.socket(socket.AF_UNIX)\ntry:\n s.connect('\\0{name}'); print('CONNECTED')\nexcept OSError as e:\n print('ERR',e.errno)"
    );
    let s = Sandbox::new();
    let o = python(&s.base_profile("isolate abstract-unix"), &code);
    assert!(
        stdout(&o).contains("ERR 1"),
        "expected EPERM: {} {}",
        stdout(&o),
        stderr(&o)
    );
    let o = python(&s.base_profile(""), &code);
    assert!(
        stdout(&o).contains("CONNECTED"),
        "{} {}",
        stdout(&o),
        stderr(&o)
    );
}
