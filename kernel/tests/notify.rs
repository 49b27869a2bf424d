//! The supervised filter and its listener on real programs: the test is the supervisor.

mod common;
mod notify_helpers;

use common::{PYTHON, read_until_hangup, run_on_pty};
use llrun_kernel::notify::handoff::HandoffError;
use llrun_kernel::notify::{
    Dir, Features, RecvError, Response, Trapped, fd_path, pidfd_getfd, pidfd_open_thread,
    read_bytes,
};
use llrun_kernel::seccomp::bpf::{Action, Builder};
use llrun_kernel::seccomp::{Filter, FilterFlags, set_no_new_privs};
use llrun_kernel::spawn::{Confinement, SANDBOX_FAILED, SuperviseError, spawn_supervised};
use nix::errno::Errno;
use nix::sys::signal::SigSet;
use notify_helpers::{Handled, run, start, text};
use std::fs::File;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, mpsc};

const CAT: &str = "/bin/cat";

/// A directory holding `f` with `content`.
fn file_with(content: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, content).unwrap();
    (dir, file)
}

fn bytes(p: &Path) -> Vec<u8> {
    p.as_os_str().as_bytes().to_vec()
}

#[test]
fn continue_lets_the_trapped_open_run() {
    let (_dir, file) = file_with("real content");
    let (out, served) = run(CAT, &[file.to_str().unwrap()], |_, _, _| Handled::Continue);
    assert_eq!(text(&out.stdout), "real content", "{}", text(&out.stderr));
    assert!(served.saw(Trapped::Openat, &bytes(&file)), "{served:?}");
    // Receiving ends by itself when the program is gone.
    assert_eq!(served.end, Some(RecvError::NoTargets));
}

#[test]
fn an_error_answer_fails_the_call_without_running_it() {
    let (_dir, file) = file_with("real content");
    let target = bytes(&file);
    let (out, _) = run(CAT, &[file.to_str().unwrap()], move |l, n, path| {
        if path != target {
            return Handled::Continue;
        }
        assert!(l.id_valid(n.id), "a received, unanswered call is valid");
        let no_error = Response::Errno(Errno::UnknownErrno);
        assert_eq!(
            l.respond(n.id, no_error),
            Err(Errno::EINVAL),
            "never a success"
        );
        assert!(l.id_valid(n.id), "and the call still waits");
        l.respond(n.id, Response::Errno(Errno::EACCES)).unwrap();
        assert!(!l.id_valid(n.id), "an answered call is not");
        // Answered but not yet collected by the woken thread, or already gone.
        let again = l.respond(n.id, Response::Continue);
        assert!(
            matches!(again, Err(Errno::EINPROGRESS | Errno::ENOENT)),
            "a call is answered once: {again:?}"
        );
        Handled::Answered
    });
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("Permission denied"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn add_fd_send_answers_with_a_descriptor_the_supervisor_opened() {
    let (_dir, file) = file_with("real content");
    let (_other_dir, other) = file_with("from the supervisor");
    let target = bytes(&file);
    let (out, _) = run(CAT, &[file.to_str().unwrap()], move |l, n, path| {
        if path != target {
            return Handled::Continue;
        }
        let opened = File::open(&other).unwrap();
        let cloexec = n.args[2] & libc::O_CLOEXEC as u64 != 0;
        let fd = l.add_fd_send(n.id, opened.as_fd(), cloexec).unwrap();
        assert!(fd >= 3, "a new descriptor in the program: {fd}");
        assert!(!l.id_valid(n.id), "the hand-over answered the call");
        Handled::Answered
    });
    assert_eq!(
        text(&out.stdout),
        "from the supervisor",
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn answers_may_come_from_another_thread_than_receiving() {
    let (_dir, file) = file_with("real content");
    let mut cmd = Command::new(CAT);
    cmd.arg(&file).stdout(std::process::Stdio::piped());
    let filter = Filter::supervised();
    let confinement = Confinement {
        rulesets: &[],
        filter: &filter,
        terminal: None,
        sigmask: SigSet::thread_get_mask().unwrap(),
    };
    let supervised = spawn_supervised(cmd, &confinement).unwrap();
    let listener = Arc::new(supervised.listener);
    let (tx, rx) = mpsc::channel();
    let receiver = {
        let listener = Arc::clone(&listener);
        std::thread::spawn(move || {
            loop {
                match listener.recv() {
                    Ok(n) => tx.send(n.id).unwrap(),
                    Err(RecvError::Abandoned) => {}
                    Err(e) => return e,
                }
            }
        })
    };
    let answerer = std::thread::spawn(move || {
        let mut answered = 0;
        for id in rx {
            listener.respond(id, Response::Continue).unwrap();
            answered += 1;
        }
        answered
    });
    let out = supervised.child.wait_with_output().unwrap();
    assert_eq!(text(&out.stdout), "real content");
    assert_eq!(receiver.join().unwrap(), RecvError::NoTargets);
    assert!(answerer.join().unwrap() >= 1);
}

/// Opens each path in turn and prints `OK` or `ERR <errno>` for each.
fn open_each(paths: &[&Path]) -> String {
    let list: Vec<String> = paths
        .iter()
        .map(|p| format!("{:?}", p.to_str().unwrap()))
        .collect();
    format!(
        "import os\n\
         def attempt(p):\n\
         \x20   try:\n\
         \x20       os.close(os.open(p, os.O_RDONLY))\n\
         \x20       return 'OK'\n\
         \x20   except OSError as e:\n\
         \x20       return 'ERR %d' % e.errno\n\
         print(' '.join(attempt(p) for p in [{}]), flush=True)\n",
        list.join(", ")
    )
}

#[test]
fn closing_the_listener_fails_pending_and_later_calls() {
    let (_dir, first) = file_with("1");
    let second = first.with_file_name("g");
    std::fs::write(&second, "2").unwrap();
    let target = bytes(&first);
    let script = open_each(&[&first, &second]);
    let (out, served) = run(PYTHON, &["-c", &script], move |_, _, path| {
        if path == target {
            Handled::Close
        } else {
            Handled::Continue
        }
    });
    // The pending open and the next one both fail: nothing passes a trap without a supervisor.
    let enosys = format!("ERR {} ERR {}", libc::ENOSYS, libc::ENOSYS);
    assert_eq!(text(&out.stdout).trim(), enosys, "{}", text(&out.stderr));
    assert!(!served.saw(Trapped::Openat, &bytes(&second)));
}

#[test]
fn the_program_holds_no_listener() {
    let (_dir, file) = file_with("1");
    let target = bytes(&file);
    let seen_from_outside = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&seen_from_outside);
    // The program lists its own descriptors after the trapped open.
    let script = format!(
        "{}import os\nfor f in os.listdir('/proc/self/fd'):\n    try: print(os.readlink('/proc/self/fd/' + f))\n    except OSError: pass\n",
        open_each(&[&file])
    );
    let (out, _) = run(PYTHON, &["-c", &script], move |_, n, path| {
        if path == target {
            // While the program waits in the trapped call, well after exec.
            let dir = format!("/proc/{}/fd", n.pid);
            for entry in std::fs::read_dir(&dir).unwrap() {
                let link = std::fs::read_link(entry.unwrap().path());
                seen.lock()
                    .unwrap()
                    .push(link.map(|l| l.display().to_string()).unwrap_or_default());
            }
        }
        Handled::Continue
    });
    let inside = text(&out.stdout);
    assert!(inside.starts_with("OK"), "{inside}{}", text(&out.stderr));
    let outside = seen_from_outside.lock().unwrap().join("\n");
    assert!(
        outside.contains("/dev/null"),
        "the listing worked: {outside}"
    );
    for listing in [&inside, &outside] {
        assert!(
            !listing.contains("seccomp"),
            "the program holds a listener: {listing}"
        );
    }
}

#[test]
fn the_received_listener_is_close_on_exec() {
    let filter = Filter::supervised();
    let confinement = Confinement {
        rulesets: &[],
        filter: &filter,
        terminal: None,
        sigmask: SigSet::thread_get_mask().unwrap(),
    };
    let supervised = spawn_supervised(Command::new("/bin/true"), &confinement).unwrap();
    let listener = supervised.listener;
    let flags = nix::fcntl::fcntl(listener.as_fd(), nix::fcntl::FcntlArg::F_GETFD).unwrap();
    assert!(flags & libc::FD_CLOEXEC != 0);
    // A program llrun starts later (a prompt helper) does not inherit it.
    let ls = Command::new("/bin/ls")
        .args(["-l", "/proc/self/fd"])
        .output()
        .unwrap();
    assert!(
        !text(&ls.stdout).contains("seccomp"),
        "{}",
        text(&ls.stdout)
    );
    listener.continue_all();
    assert!(
        supervised
            .child
            .wait_with_output()
            .unwrap()
            .status
            .success()
    );
}

#[test]
fn terminal_injection_is_refused_under_supervision() {
    let script = "import fcntl, termios\n\
                  try:\n    fcntl.ioctl(0, termios.TIOCSTI, b'X'); print('INJECTED')\n\
                  except OSError as e:\n    print('ERR', e.errno)\n";
    if nix::unistd::geteuid().is_root() {
        // The attack works here without a filter (as root even without a controlling tty).
        let (out, _) = run_on_pty(None, PYTHON, &["-c", script]);
        assert!(out.contains("INJECTED"), "{out}");
    }
    let pty = llrun_kernel::terminal::Pty::open(None, None).unwrap();
    let mut cmd = Command::new(PYTHON);
    cmd.args(["-c", script]);
    let (mut child, server) = start(cmd, Some(pty.slave.as_fd()), |_, _, _| Handled::Continue);
    drop(pty.slave);
    let out = read_until_hangup(&pty.master);
    child.wait().unwrap();
    server.join().unwrap();
    assert!(out.contains(&format!("ERR {}", libc::EPERM)), "{out}");
}

/// Prints `FD` when the raw system call `nr` with `args` succeeds, `ERR <errno>` otherwise.
fn raw_call(setup: &str, nr: i64, args: &str) -> String {
    format!(
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n{setup}\n\
         r = libc.syscall(ctypes.c_long({nr}), {args})\n\
         print('FD' if r >= 0 else 'ERR %d' % ctypes.get_errno())\n"
    )
}

fn unsupervised(script: &str) -> String {
    text(
        &Command::new(PYTHON)
            .args(["-c", script])
            .output()
            .unwrap()
            .stdout,
    )
}

#[test]
fn io_uring_is_refused_as_if_the_kernel_lacked_it() {
    let script = raw_call(
        "params = ctypes.create_string_buffer(120)",
        libc::SYS_io_uring_setup,
        "4, params",
    );
    assert_eq!(
        unsupervised(&script).trim(),
        "FD",
        "io_uring works here without the filter"
    );
    let (out, _) = run(PYTHON, &["-c", &script], |_, _, _| Handled::Continue);
    assert_eq!(text(&out.stdout).trim(), format!("ERR {}", libc::ENOSYS));
}

#[test]
fn file_handles_are_refused() {
    let script = raw_call(
        "h = ctypes.create_string_buffer(8 + 128)\n\
         ctypes.c_uint.from_buffer(h).value = 128\n\
         mnt = ctypes.c_int()",
        libc::SYS_name_to_handle_at,
        "-100, b'/', h, ctypes.byref(mnt), 0",
    );
    let eperm = format!("ERR {}", libc::EPERM);
    assert_ne!(unsupervised(&script).trim(), eperm);
    let (out, _) = run(PYTHON, &["-c", &script], |_, _, _| Handled::Continue);
    assert_eq!(text(&out.stdout).trim(), eperm);
}

#[test]
fn add_fd_replace_swaps_the_socket_being_connected() {
    let asked = TcpListener::bind("127.0.0.1:0").unwrap();
    let real = TcpListener::bind("127.0.0.1:0").unwrap();
    let (asked_port, real_addr) = (
        asked.local_addr().unwrap().port(),
        real.local_addr().unwrap(),
    );
    let script = format!(
        "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', {asked_port}))\n\
         s.sendall(b'hello')\nprint(s.getpeername()[1], flush=True)\ns.close()\n"
    );
    let (out, served) = run(PYTHON, &["-c", &script], move |l, n, _| {
        if n.syscall != Some(Trapped::Connect) {
            return Handled::Continue;
        }
        // The address the program asked for, read from its memory.
        let addr = read_bytes(n.pid, n.args[1], n.args[2] as usize).unwrap();
        assert_eq!(u16::from_be_bytes([addr[2], addr[3]]), asked_port);
        let ours = TcpStream::connect(real_addr).unwrap();
        l.add_fd_replace(n.id, ours.as_fd(), n.fd_arg(0), true)
            .unwrap();
        l.respond(n.id, Response::Value(0)).unwrap();
        Handled::Answered
    });
    assert_eq!(
        text(&out.stdout).trim(),
        real_addr.port().to_string(),
        "{}",
        text(&out.stderr)
    );
    assert!(served.calls.iter().any(|(t, _)| *t == Trapped::Connect));
    let mut got = String::new();
    real.accept().unwrap().0.read_to_string(&mut got).unwrap();
    assert_eq!(got, "hello");
    asked.set_nonblocking(true).unwrap();
    assert!(
        asked.accept().is_err(),
        "nothing reached the address asked for"
    );
}

#[test]
fn a_threads_directory_descriptor_is_reached_through_its_pidfd() {
    let (dir, _file) = file_with("1");
    // The open comes from a second thread, relative to a directory descriptor.
    let script = format!(
        "import os, threading\nd = os.open({:?}, os.O_RDONLY | os.O_DIRECTORY)\n\
         t = threading.Thread(target=lambda: os.close(os.open('f', os.O_RDONLY, dir_fd=d)))\n\
         t.start(); t.join()\n",
        dir.path().to_str().unwrap()
    );
    let found = Arc::new(Mutex::new(None));
    let found_by_supervisor = Arc::clone(&found);
    let (out, _) = run(PYTHON, &["-c", &script], move |l, n, path| {
        if path != b"f" {
            return Handled::Continue;
        }
        let Dir::Fd(dirfd) = n.path(Trapped::Openat.paths()[0]).0 else {
            panic!("a relative open names its directory");
        };
        let pidfd = pidfd_open_thread(n.pid).unwrap();
        let copy = pidfd_getfd(&pidfd, dirfd).unwrap();
        let leader = std::fs::read_to_string(format!("/proc/{}/status", n.pid)).unwrap();
        let is_thread = !leader.contains(&format!("\nTgid:\t{}\n", n.pid));
        assert!(l.id_valid(n.id));
        *found_by_supervisor.lock().unwrap() = Some((fd_path(&copy).unwrap(), is_thread));
        Handled::Continue
    });
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (path, is_thread) = found.lock().unwrap().take().expect("the open was trapped");
    assert_eq!(path, dir.path().canonicalize().unwrap());
    assert!(
        is_thread,
        "the call came from a thread other than the leader"
    );
}

#[test]
fn a_program_that_cannot_get_a_listener_is_reported_and_not_left_running() {
    // A thread that runs under a filter with a listener, as a supervised llrun would: the kernel
    // allows one listener along a chain of filters, and a fork inherits the thread's chain.
    std::thread::spawn(|| {
        set_no_new_privs().unwrap();
        let mut b = Builder::new();
        b.ret(Action::Allow);
        let outer = Filter::new(b.build().unwrap(), FilterFlags::NEW_LISTENER);
        let _outer_listener = outer.install().unwrap();
        assert!(!Features::probe().listener, "the probe sees the limit too");
        let mut cmd = Command::new("/bin/true");
        cmd.stderr(std::process::Stdio::piped());
        let filter = Filter::supervised();
        let confinement = Confinement {
            rulesets: &[],
            filter: &filter,
            terminal: None,
            sigmask: SigSet::thread_get_mask().unwrap(),
        };
        let Err(SuperviseError::Handoff { child, source }) = spawn_supervised(cmd, &confinement)
        else {
            panic!("a second listener cannot be created");
        };
        assert!(matches!(source, HandoffError::NotSent), "{source:?}");
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(SANDBOX_FAILED));
        let said = text(&out.stderr);
        assert!(said.contains("seccomp") && said.contains("busy"), "{said}");
    })
    .join()
    .unwrap();
}

#[test]
fn the_probe_finds_what_the_kernel_version_promises() {
    let release = nix::sys::utsname::uname().unwrap();
    let release = release.release().to_string_lossy().into_owned();
    let mut parts = release
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let version = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    let f = Features::probe();
    // Only one way: a distribution may backport a feature to an older kernel.
    for (found, since) in [
        (f.listener, (5, 0)),
        (f.addfd_send, (5, 14)),
        (f.wait_killable_recv, (5, 19)),
        (f.sync_wakeup, (6, 6)),
    ] {
        assert!(
            found || version < since,
            "{release} is {since:?} or newer: {f}"
        );
    }
}
