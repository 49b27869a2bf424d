//! The supervisor under pressure: exactness, TCP asks, threads, FIFOs, floods, bad memory,
//! programs that leave mid-ask, and clients that misbehave. Real programs, real kernel.

mod common;

use common::client::{Client, Lang, Reply, answer_all, prompted, run_prompted};
use common::{BASE, Sandbox, llrun};
use serde_json::{Value, json};
use std::io::Read;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

fn out_text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `python3 -c SCRIPT` under `profile` with a prompt socket and `client`'s script, once
/// the client is connected.
fn python_asked(
    s: &Sandbox,
    profile: &Path,
    extra: &[&str],
    script: &str,
    client: impl FnMut(&Value, &mut Reply<'_>) + Send + 'static,
) -> (Output, Vec<Value>) {
    run_prompted(s.path(), profile, extra, Lang::Python, script, client)
}

fn asks(messages: &[Value]) -> Vec<&Value> {
    messages.iter().filter(|m| m["type"] == "ask").collect()
}

#[test]
fn a_profile_without_asks_runs_with_no_supervisor_at_all() {
    let s = Sandbox::new();
    // Unix sockets left unrestricted: nothing needs the supervisor on any kernel.
    let profile = s.base_profile("allow connect unix /");
    // Without a supervisor llrun becomes the program: the same process.
    let (llrun_pid, program_pid) = pids(&profile);
    assert_eq!(llrun_pid, program_pid);
    // A profile that restricts unix sockets needs one before Landlock ABI 9 (for `connect`).
    if common::landlock_abi() < 9 {
        let (llrun_pid, program_pid) = pids(&s.base_profile(""));
        assert_ne!(llrun_pid, program_pid);
    }
    // With an ask, llrun stays outside as the supervisor: the program is another process.
    let asking = s.profile("asking.llp", &format!("{BASE}ask read @/nothing\n"));
    let (llrun_pid, program_pid) = pids(&asking);
    assert_ne!(llrun_pid, program_pid);
}

/// The pid of llrun as started, and the pid the program reports for itself.
fn pids(profile: &Path) -> (String, String) {
    let child = llrun()
        .args(["-q", "--prompt", "none", "-p"])
        .arg(profile)
        .args(["/bin/sh", "-c", "echo $$"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let out = child.wait_with_output().unwrap();
    (pid, out_text(&out).0.trim().to_string())
}

#[test]
fn the_supervisor_recovers_what_carving_narrowed() {
    let s = Sandbox::new();
    s.write("home/.ssh/id", "KEY\n");
    s.write("home/notes", "notes\n");
    let carve = "allow rw @/home\ndeny all @/home/.ssh\n";
    let script = "echo new > @/home/new && cat @/home/new; cat @/home/.ssh/id";
    let script = script.replace('@', &s.path().to_string_lossy());
    // Landlock alone: creating an entry directly in the carved directory is narrowed away.
    let plain = s.profile("plain.llp", &format!("{BASE}{carve}"));
    let out = llrun()
        .args([
            "-q",
            "-p",
            &plain.to_string_lossy(),
            "/bin/sh",
            "-c",
            &script,
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = out_text(&out);
    assert!(
        !stdout.contains("new") && stderr.contains("Permission denied"),
        "{stdout}{stderr}"
    );
    // With a supervisor (the profile asks elsewhere), llrun carries the creation out.
    let _ = std::fs::remove_file(s.path().join("home/new"));
    let supervised = s.profile("sup.llp", &format!("{BASE}{carve}ask read @/elsewhere\n"));
    let out = llrun()
        .args([
            "-q",
            "--prompt",
            "none",
            "-p",
            &supervised.to_string_lossy(),
            "/bin/sh",
            "-c",
            &script,
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = out_text(&out);
    assert_eq!(stdout, "new\n", "{stderr}");
    // The carved-out secret stays denied.
    assert!(
        stderr.contains("Permission denied") && !stdout.contains("KEY"),
        "{stderr}"
    );
}

#[test]
fn an_asked_tcp_connect_is_connected_by_the_supervisor() {
    let s = Sandbox::new();
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let profile = s.profile("net.llp", &format!("{BASE}ask connect tcp {port}\n"));
    let accept = std::thread::spawn(move || {
        let (mut c, _) = server.accept().unwrap();
        let mut got = String::new();
        c.read_to_string(&mut got).unwrap();
        got
    });
    let script = format!(
        "import socket\nfor i in range(2):\n  try:\n    c = socket.create_connection(('127.0.0.1', {port}))\n    c.sendall(b'hi'); c.close(); print('connected')\n  except OSError as e:\n    print('refused', e.errno)\n"
    );
    let mut n = 0;
    let (out, messages) = python_asked(&s, &profile, &[], &script, move |m, reply| {
        if m["type"] == "ask" {
            n += 1;
            let decision = if n == 1 { "allow" } else { "deny" };
            reply.answer(m, &json!({"decision": decision, "scope": "once"}));
        }
    });
    let (stdout, stderr) = out_text(&out);
    assert_eq!(stdout, "connected\nrefused 13\n", "{stderr}");
    assert_eq!(accept.join().unwrap(), "hi");
    let asked = asks(&messages);
    assert_eq!(asked[0]["target"]["port"], port);
    assert_eq!(asked[0]["access"], json!(["connect"]));
}

/// `ask connect unix`: the prompt names the socket file and the access `connect`; an answer
/// "always" writes `allow connect unix PATH`, which the next run reads, and a socket beside it
/// stays refused.
#[test]
fn an_asked_unix_socket_is_connected_by_the_supervisor_and_always_is_remembered() {
    let s = Sandbox::new();
    std::fs::create_dir_all(s.path().join("run")).unwrap();
    let asked = s.path().join("run/service");
    let beside = s.path().join("run/beside");
    let listeners: Vec<std::os::unix::net::UnixListener> = [&asked, &beside]
        .iter()
        .map(|p| std::os::unix::net::UnixListener::bind(p).unwrap())
        .collect();
    let profile = s.profile(
        "sock.llp",
        &format!("{BASE}ask connect unix @/run/*\ninclude? <sock.local>\n"),
    );
    let script = format!(
        "import socket\nfor p in ({:?}, {:?}):\n  try:\n    socket.socket(socket.AF_UNIX).connect(p); print('connected')\n  except OSError as e:\n    print('refused', e.errno)\n",
        asked.display().to_string(),
        beside.display().to_string(),
    );
    let (out, messages) = python_asked(&s, &profile, &[], &script, move |m, reply| {
        if m["type"] == "ask" {
            let decision = if m["target"]["path"].as_str().unwrap().ends_with("/service") {
                json!({"decision": "allow", "scope": "always"})
            } else {
                json!({"decision": "deny", "scope": "once"})
            };
            reply.answer(m, &decision);
        }
    });
    let (stdout, stderr) = out_text(&out);
    assert_eq!(stdout, "connected\nrefused 13\n", "{stderr}");
    let first = asks(&messages)[0];
    assert_eq!(first["access"], json!(["connect"]));
    assert_eq!(first["target"]["path"], json!(asked.to_string_lossy()));
    let local = s.path().join("config/llrun/profiles/sock.local.llp");
    let written = std::fs::read_to_string(&local).unwrap();
    assert!(
        written.contains(&format!("allow connect unix \"{}\"\n", asked.display())),
        "{written}"
    );
    let (stdout, stderr) = next_run(&s, &profile, &script);
    assert_eq!(stdout, "connected\nrefused 13\n", "{stderr}");
    drop(listeners);
}

/// The same script run again under `profile`, with nobody to ask: what remembered answers
/// decide. Its stdout and stderr.
fn next_run(s: &Sandbox, profile: &Path, script: &str) -> (String, String) {
    let out = llrun()
        .env("XDG_CONFIG_HOME", s.path().join("config"))
        .args(["-q", "--prompt", "none", "-p"])
        .arg(profile)
        .args(["/usr/bin/python3", "-c", script])
        .output()
        .unwrap();
    out_text(&out)
}

#[test]
fn a_held_ask_stalls_only_its_threads_and_identical_asks_share_one_prompt() {
    let s = Sandbox::new();
    s.write("secret/key", "K");
    std::fs::create_dir_all(s.path().join("work")).unwrap();
    let profile = s.profile(
        "t.llp",
        &format!("{BASE}allow rw @/work\nask read @/secret\n"),
    );
    let marker = s.path().join("work/other-done");
    let script = format!(
        "import threading\nres = []\ndef read():\n  res.append(open({key:?}).read())\ndef other():\n  for i in range(20):\n    open({work:?} + '/f%d' % i, 'w').write('x')\n  open({marker:?}, 'w').close()\nts = [threading.Thread(target=read), threading.Thread(target=read), threading.Thread(target=other)]\n[t.start() for t in ts]; [t.join() for t in ts]\nprint(sorted(res))\n",
        key = s.path().join("secret/key").display(),
        work = s.path().join("work").display(),
        marker = marker.display(),
    );
    let (out, messages) = python_asked(&s, &profile, &[], &script, move |m, reply| {
        if m["type"] == "ask" {
            // Answer only once the other thread got its 20 opens through the supervisor.
            let deadline = Instant::now() + Duration::from_secs(10);
            while !marker.exists() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            reply.answer(m, &json!({"decision": "allow", "scope": "once"}));
        }
    });
    let (stdout, stderr) = out_text(&out);
    assert_eq!(stdout, "['K', 'K']\n", "{stderr}");
    assert!(s.path().join("work/other-done").exists());
    assert_eq!(asks(&messages).len(), 1, "{messages:?}");
}

#[test]
fn opening_a_fifo_for_the_program_does_not_deadlock() {
    let s = Sandbox::new();
    std::fs::create_dir_all(s.path().join("pipe")).unwrap();
    let fifo = s.path().join("pipe/f");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let profile = s.profile("f.llp", &format!("{BASE}ask rw @/pipe\n"));
    let script = format!(
        "import threading\ndef w():\n  with open({f:?}, 'w') as p: p.write('through')\nt = threading.Thread(target=w); t.start()\nwith open({f:?}) as p: print(p.read())\nt.join()\n",
        f = fifo.display()
    );
    let (out, _) = python_asked(&s, &profile, &[], &script, |m, reply| {
        if m["type"] == "ask" {
            reply.answer(m, &json!({"decision": "allow", "scope": "run"}));
        }
    });
    let (stdout, stderr) = out_text(&out);
    assert_eq!(stdout, "through\n", "{stderr}");
}

/// The fast path lets through a name opened relative to a directory when static Landlock
/// grants it, but a symlink there leading into an asked place is still asked about; with
/// `O_NOFOLLOW` the kernel refuses the symlink itself and nothing is asked.
#[test]
fn a_symlink_opened_relative_to_a_directory_is_asked_about() {
    let s = Sandbox::new();
    s.write("secret/key", "K\n");
    s.write("open/plain", "P\n");
    std::os::unix::fs::symlink(s.path().join("secret/key"), s.path().join("open/link")).unwrap();
    let profile = s.profile(
        "l.llp",
        &format!("{BASE}allow read @/open\nask read @/secret\n"),
    );
    let script = format!(
        "import os, errno\n\
         d = os.open('{d}', os.O_RDONLY | os.O_DIRECTORY)\n\
         def read(name, flags=0):\n\
         \x20 try:\n\
         \x20   fd = os.open(name, os.O_RDONLY | flags, dir_fd=d)\n\
         \x20   return os.read(fd, 10).decode().strip()\n\
         \x20 except OSError as e:\n\
         \x20   return errno.errorcode[e.errno]\n\
         print(read('plain'), read('link', os.O_NOFOLLOW), read('link'))\n",
        d = s.path().join("open").display()
    );
    let (out, messages) = python_asked(&s, &profile, &[], &script, |m, reply| {
        if m["type"] == "ask" {
            reply.answer(m, &json!({"decision": "allow", "scope": "once"}));
        }
    });
    let (stdout, stderr) = out_text(&out);
    assert_eq!(stdout, "P ELOOP K\n", "{stderr}");
    let asked = asks(&messages);
    assert_eq!(asked.len(), 1, "{messages:?}");
}

/// A FIFO trap: the program has llrun open, on its behalf, FIFOs that no one will ever write
/// to. Each ties up only its own call: other asks are still answered and carried out, and when
/// the program exits, llrun exits with it instead of waiting for the opens.
#[test]
fn a_fifo_that_never_opens_ties_up_only_its_own_call() {
    let s = Sandbox::new();
    s.write("pipe/readme", "still served\n");
    for i in 0..4 {
        let fifo = s.path().join(format!("pipe/f{i}"));
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    }
    let profile = s.profile("f.llp", &format!("{BASE}ask rw @/pipe\n"));
    let script = format!(
        "import os, threading, time\n\
         for i in range(4):\n\
         \x20 threading.Thread(target=lambda i=i: open(f'{d}/f{{i}}'), daemon=True).start()\n\
         time.sleep(1)\n\
         print(open('{d}/readme').read(), end='', flush=True)\n\
         os._exit(7)\n",
        d = s.path().join("pipe").display()
    );
    let started = Instant::now();
    let (out, messages) = python_asked(&s, &profile, &[], &script, |m, reply| {
        if m["type"] == "ask" {
            reply.answer(m, &json!({"decision": "allow", "scope": "once"}));
        }
    });
    let (stdout, stderr) = out_text(&out);
    assert_eq!(stdout, "still served\n", "{stderr}");
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    assert!(asks(&messages).len() >= 5, "{messages:?}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "llrun waited for the FIFOs"
    );
}

#[test]
fn a_flood_of_asks_is_capped_denied_and_logged() {
    let s = Sandbox::new();
    for i in 0..300 {
        s.write(&format!("many/{i}"), "x");
    }
    let profile = s.profile("flood.llp", &format!("{BASE}ask read @/many\n"));
    let log = s.path().join("log.jsonl");
    let script = format!(
        "import threading\nok = []\ndef r(i):\n  try: open({d:?} + '/%d' % i).read(); ok.append(i)\n  except OSError: pass\nts = [threading.Thread(target=r, args=(i,)) for i in range(300)]\n[t.start() for t in ts]; [t.join() for t in ts]\nprint(len(ok))\n",
        d = s.path().join("many").display()
    );
    // A client that never answers: the capped asks time out, the rest are refused at once.
    let (out, messages) = python_asked(
        &s,
        &profile,
        &["--ask-timeout", "2", "--log", &log.to_string_lossy()],
        &script,
        |_, _| {},
    );
    let (stdout, stderr) = out_text(&out);
    assert_eq!(stdout, "0\n", "{stderr}");
    let log = std::fs::read_to_string(&log).unwrap();
    let floods = log.lines().filter(|l| l.contains("\"flood\"")).count();
    let timeouts = log.lines().filter(|l| l.contains("\"timeout\"")).count();
    assert_eq!(
        floods + timeouts,
        300,
        "{floods} floods, {timeouts} timeouts"
    );
    assert!(floods >= 300 - 256 && asks(&messages).len() <= 256);
}

#[test]
fn bad_pointers_and_overlong_paths_fail_as_without_llrun() {
    let s = Sandbox::new();
    let profile = s.profile("m.llp", &format!("{BASE}ask read @/x\n"));
    let script = "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.open.argtypes = [ctypes.c_void_p, ctypes.c_int]\nlong = ctypes.create_string_buffer(b'/' + b'a' * 5000)\nr = [libc.open(ctypes.addressof(long), 0), ctypes.get_errno()]\nr += [libc.open(8, 0), ctypes.get_errno()]\nprint(r)\n";
    let (out, messages) = python_asked(&s, &profile, &[], script, |_, _| {});
    let (stdout, stderr) = out_text(&out);
    assert_eq!(stdout, "[-1, 36, -1, 14]\n", "{stderr}");
    assert!(asks(&messages).is_empty());
}

#[test]
fn a_program_that_leaves_mid_ask_withdraws_its_prompt() {
    let s = Sandbox::new();
    s.write("secret/key", "K");
    let profile = s.profile("e.llp", &format!("{BASE}ask read @/secret\n"));
    let script = format!(
        "import os, signal, time\npid = os.fork()\nif pid == 0:\n  open({k:?}).read()\n  os._exit(0)\ntime.sleep(0.5)\nos.kill(pid, signal.SIGKILL); os.waitpid(pid, 0)\ntime.sleep(1)\nprint('parent done')\n",
        k = s.path().join("secret/key").display()
    );
    let (out, messages) = python_asked(&s, &profile, &[], &script, |_, _| {});
    assert_eq!(out_text(&out).0, "parent done\n");
    let asked = asks(&messages);
    assert_eq!(asked.len(), 1);
    let gone = messages
        .iter()
        .find(|m| m["type"] == "resolved" && m["id"] == asked[0]["id"]);
    assert_eq!(
        gone.map(|m| m["how"].clone()),
        Some(json!("exited")),
        "{messages:?}"
    );
}

#[test]
fn malformed_stale_and_second_answers_grant_nothing_more() {
    let s = Sandbox::new();
    s.write("secret/key", "K");
    let profile = s.profile("b.llp", &format!("{BASE}ask read @/secret\n"));
    let script = format!(
        "for i in range(2):\n  try: print(open({k:?}).read())\n  except OSError as e: print('denied', e.errno)\n",
        k = s.path().join("secret/key").display()
    );
    let mut asked = 0;
    let (out, messages) = python_asked(&s, &profile, &[], &script, move |m, reply| {
        if m["type"] != "ask" {
            return;
        }
        asked += 1;
        if asked == 1 {
            reply.raw("this is not json");
            reply.raw(r#"{"type":"answer","id":999,"decision":"allow","scope":"run"}"#);
            reply.raw(r#"{"type":"answer","decision":"allow"}"#);
            reply.answer(m, &json!({"decision": "allow", "scope": "once"}));
            // A second answer, widened to run scope: it must not stand.
            reply.answer(m, &json!({"decision": "allow", "scope": "run"}));
        } else {
            reply.answer(m, &json!({"decision": "deny", "scope": "once"}));
        }
    });
    let (stdout, stderr) = out_text(&out);
    // The first read was allowed once; the second asked again (the second answer did not
    // make it a run grant) and was denied.
    assert_eq!(stdout, "K\ndenied 13\n", "{stderr}");
    let errors = messages.iter().filter(|m| m["type"] == "error").count();
    assert!(errors >= 4, "{messages:?}");
    assert_eq!(asks(&messages).len(), 2);
}

#[test]
fn a_client_that_leaves_mid_prompt_is_replaced_by_a_late_one() {
    let s = Sandbox::new();
    s.write("secret/key", "K");
    let profile = s.profile("l.llp", &format!("{BASE}ask read @/secret\n"));
    let socket = s.path().join("prompt.sock");
    let ready = s.path().join("ready");
    // The first client sees the ask and hangs up without answering.
    let first = Client::start(socket.clone(), ready.clone(), |m, reply| {
        reply.stop = m["type"] == "ask";
    });
    let key = s.path().join("secret/key");
    let mut child = prompted(
        s.path(),
        &profile,
        &[],
        Lang::Shell,
        &format!("cat {}", key.display()),
    )
    .stdout(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    assert_eq!(asks(&first.messages()).len(), 1);
    // A client that joins later is shown the held ask and answers it.
    let late = Client::answering(
        socket,
        s.path().join("ready2"),
        Some(json!({"decision": "allow", "scope": "once"})),
    );
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child.wait().unwrap();
    assert_eq!(stdout, "K");
    assert_eq!(late.asks().len(), 1);
}

#[test]
fn the_program_cannot_answer_its_own_ask_even_after_a_double_fork() {
    let s = Sandbox::new();
    s.write("secret/key", "TOP SECRET");
    let profile = s.profile("self.llp", &format!("{BASE}ask read @/secret\n"));
    let socket = s.path().join("prompt.sock");
    // The attacker: a grandchild orphaned by a double fork (so not the program's child any
    // more) connects to the prompt socket and allows whatever is asked.
    let script = format!(
        "import os, socket, json, time, sys
if os.fork() == 0:
    if os.fork() == 0:
        time.sleep(0.3)
        try:
            c = socket.socket(socket.AF_UNIX); c.connect({sock:?}); f = c.makefile('rw')
            h = json.loads(f.readline())
            f.write(json.dumps({{'type': 'hello', 'protocol': h.get('protocol', 1)}}) + '\\n'); f.flush()
            for line in f:
                m = json.loads(line)
                if m.get('type') == 'ask':
                    f.write(json.dumps({{'type': 'answer', 'id': m['id'], 'decision': 'allow', 'scope': 'run'}}) + '\\n'); f.flush()
        except Exception as e:
            print('attacker refused:', type(e).__name__, file=sys.stderr)
        os._exit(0)
    os._exit(0)
os.wait()
time.sleep(0.6)
try: print(open({key:?}).read())
except OSError as e: print('denied', e.errno)
",
        sock = socket.display(),
        key = s.path().join("secret/key").display()
    );
    // A real client is attached (so the ask is shown) but never answers.
    let (out, messages) = python_asked(&s, &profile, &["--ask-timeout", "2"], &script, |_, _| {});
    let (stdout, stderr) = out_text(&out);
    assert_eq!(stdout, "denied 13\n", "{stderr}");
    assert_eq!(asks(&messages).len(), 1);
}

/// A profile whose reads are trapped (an `ask read` elsewhere) and that asks about writing in
/// `@/data/docs`, inside the readable `@/data`.
fn docs_profile(s: &Sandbox) -> std::path::PathBuf {
    s.write("data/docs/f", "F\n");
    s.write("data/plain/p", "P\n");
    s.profile(
        "docs.llp",
        &format!("{BASE}allow read @/data\nask write @/data/docs\nask read @/elsewhere\n"),
    )
}

/// Runs `python3 -c script` under `profile` with no prompt helper, through `sh -c` with
/// `redirect` (`exec 3<DIR`, say) first: its output, and the supervisor's log. An ask is
/// refused there and logged; a refusal by Landlock alone is not.
fn python_logged(s: &Sandbox, profile: &Path, redirect: &str, script: &str) -> (String, String) {
    let log = s.path().join("log.jsonl");
    let _ = std::fs::remove_file(&log);
    let llrun_bin = env!("CARGO_BIN_EXE_llrun");
    let out = std::process::Command::new("/bin/sh")
        .args(["-c", &format!("{redirect}; exec \"$@\""), "sh", llrun_bin])
        .args(["-q", "--prompt", "none", "--log"])
        .arg(&log)
        .arg("-p")
        .arg(profile)
        .args(["/usr/bin/python3", "-c", script])
        .output()
        .unwrap();
    let (stdout, stderr) = out_text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    (stdout, std::fs::read_to_string(&log).unwrap_or_default())
}

/// Whether the log shows the write to `f` asked about (and refused for want of a helper).
fn asked(log: &str) -> bool {
    log.lines()
        .any(|l| l.contains("\"target\":\"f\"") && l.contains("\"no prompt helper\""))
}

/// Where a write to `name` relative to descriptor `dir` (a Python expression) went: `ok`, or
/// the errno's name.
fn write_at(dir: &str, name: &str) -> String {
    format!(
        "import os, errno\n\
         def write(d, name):\n\
         \x20 try:\n\
         \x20   os.close(os.open(name, os.O_WRONLY | os.O_NOFOLLOW, dir_fd=d)); return 'ok'\n\
         \x20 except OSError as e:\n\
         \x20   return errno.errorcode[e.errno]\n\
         print(write({dir}, '{name}'))\n"
    )
}

/// The supervisor lets a name opened relative to a directory through without finding out which
/// directory it is, when no descriptor of an asked place can have reached the program. Each way
/// one can is seen: the asked directory opened by name from a clean one, opened `O_PATH`, or
/// inherited. In every case the write inside it is still asked about (and, with no prompt
/// helper, refused and logged) instead of being refused silently by Landlock.
#[test]
fn a_descriptor_of_an_asked_directory_is_never_taken_for_a_clean_one() {
    let s = Sandbox::new();
    let profile = docs_profile(&s);
    let data = s.path().join("data");
    let by_name = format!(
        "d = os.open('{}', os.O_RDONLY | os.O_DIRECTORY)\n\
         p = os.open('plain', os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=d)\n\
         print(os.read(os.open('p', os.O_RDONLY | os.O_NOFOLLOW, dir_fd=p), 9).decode().strip())\n\
         dd = os.open('docs', os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=d)\n{}",
        data.display(),
        write_at("dd", "f").replace("import os, errno\n", "")
    );
    let (out, log) = python_logged(&s, &profile, ":", &format!("import os, errno\n{by_name}"));
    assert_eq!(out, "P\nEACCES\n");
    assert!(asked(&log), "{log}");

    let o_path = format!(
        "import os\ndd = os.open('{}', os.O_PATH)\n",
        data.join("docs").display()
    );
    let (out, log) = python_logged(&s, &profile, ":", &(o_path + &write_at("dd", "f")));
    assert_eq!(out, "EACCES\n");
    assert!(asked(&log), "{log}");

    let inherit = format!("exec 3<{}", data.join("docs").display());
    let (out, log) = python_logged(&s, &profile, &inherit, &write_at("3", "f"));
    assert_eq!(out, "EACCES\n");
    assert!(asked(&log), "{log}");
}

/// A directory that a carve kept the rule off is opened by llrun for the program; what is made
/// in it later has no Landlock rule, so a name opened relative to it must still be looked at
/// (and opened by llrun), not let through to Landlock's refusal.
#[test]
fn a_name_in_a_carved_directory_opened_by_llrun_is_still_carried_out() {
    let s = Sandbox::new();
    s.write("home/.ssh/id", "KEY\n");
    let profile = s.profile(
        "carve.llp",
        &format!("{BASE}allow rw @/home\ndeny all @/home/.ssh\nask read @/elsewhere\n"),
    );
    let home = s.path().join("home");
    let script = format!(
        "import os\n\
         os.write(os.open('{0}/new', os.O_WRONLY | os.O_CREAT), b'made later')\n\
         h = os.open('{0}', os.O_RDONLY | os.O_DIRECTORY)\n\
         print(os.read(os.open('new', os.O_RDONLY | os.O_NOFOLLOW, dir_fd=h), 20).decode())\n",
        home.display()
    );
    let (out, _) = python_logged(&s, &profile, ":", &script);
    assert_eq!(out, "made later\n");
}

/// A network answer covers the port list it was widened to, for the run and, with "always",
/// in the next runs: the rule written to the override is the llp port rule, and a run with no
/// prompt helper then connects to both ports without asking.
#[test]
fn a_widened_network_answer_covers_its_ports_and_always_is_remembered() {
    let s = Sandbox::new();
    let servers: Vec<std::net::TcpListener> = (0..2)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let ports: Vec<u16> = servers
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect();
    let profile = s.profile(
        "net.llp",
        &format!("{BASE}ask connect tcp 1024-65535\ninclude? <net.local>\n"),
    );
    // The listeners' backlogs complete the connections: nothing needs to accept them.
    let script = format!(
        "import socket\nfor p in ({}, {}):\n  try:\n    socket.create_connection(('127.0.0.1', p)).close(); print('connected')\n  except OSError as e:\n    print('refused', e.errno)\n",
        ports[0], ports[1]
    );
    let list = format!("{},{}", ports[0], ports[1]);
    let answer = json!({"decision": "allow", "scope": "always", "pattern": list});
    let (out, messages) = python_asked(&s, &profile, &[], &script, move |m, reply| {
        if m["type"] == "ask" {
            reply.answer(m, &answer);
        }
    });
    let (stdout, stderr) = out_text(&out);
    assert_eq!(stdout, "connected\nconnected\n", "{stderr}");
    assert_eq!(asks(&messages).len(), 1, "{messages:?}");
    let local = s.path().join("config/llrun/profiles/net.local.llp");
    let written = std::fs::read_to_string(&local).unwrap();
    assert!(
        written.contains(&format!("allow connect tcp {list}\n")),
        "{written}"
    );
    let (stdout, stderr) = next_run(&s, &profile, &script);
    assert_eq!(stdout, "connected\nconnected\n", "{stderr}");
    drop(servers);
}

/// The kernel ignores `O_TRUNC` on a device (and on FIFOs and sockets), and so does Landlock:
/// `echo x > /dev/null` needs only the write right, which every profile gives `/dev/null`. Under
/// a supervisor (an `ask` rule, or `--live`) the same holds, through a symlink too; but a
/// regular file that the profile keeps from being truncated is not truncated, even where an
/// answer has llrun open it for writing (a reopen by llrun, which Landlock does not check).
#[test]
fn a_supervised_program_writes_to_dev_null_and_still_cannot_truncate_a_kept_file() {
    let s = Sandbox::new();
    s.write("data/d/f", "in the archive\n");
    let kept = s.write("data/kept", "kept\n");
    let rules = "deny truncate /dev\nallow rw @/data\ndeny truncate @/data/kept\n";
    let asking = s.profile(
        "asking.llp",
        &format!("{BASE}{rules}ask write @/data/kept\n"),
    );
    std::os::unix::fs::symlink("/dev/null", s.path().join("data/null")).unwrap();
    let script = "echo x > /dev/null && echo ok; echo x > @/data/null && echo linked; \
                  echo lost > @/data/kept && echo truncated; \
                  echo more >> @/data/kept && echo appended";
    let script = script.replace('@', &s.path().to_string_lossy());
    let allow = json!({"decision": "allow", "scope": "once"});
    let (out, messages) = run_prompted(
        s.path(),
        &asking,
        &[],
        Lang::Shell,
        &script,
        answer_all(Some(allow)),
    );
    let (stdout, stderr) = out_text(&out);
    assert_eq!(stdout, "ok\nlinked\nappended\n", "{stderr}");
    assert!(stderr.contains("Permission denied"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "kept\nmore\n");
    // The appending write was asked about; the truncating one was refused without a prompt.
    assert_eq!(asks(&messages).len(), 1, "{messages:?}");

    // `--live` runs the supervisor without any ask; tar opens its archive `O_TRUNC`.
    let plain = s.profile("plain.llp", &format!("{BASE}{rules}"));
    let tar = |archive: &str| {
        llrun()
            .args(["-q", "--live", "--prompt", "none", "-p"])
            .arg(&plain)
            .args(["/usr/bin/tar", "cf", archive, "-C"])
            .arg(s.path().join("data"))
            .arg("d")
            .output()
            .unwrap()
    };
    let out = tar("/dev/null");
    let (stdout, stderr) = out_text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    let out = tar(&kept.to_string_lossy());
    let (_, stderr) = out_text(&out);
    assert!(
        !out.status.success(),
        "tar truncated the kept file: {stderr}"
    );
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "kept\nmore\n");
}

/// The design: what Landlock records at open for later calls on the descriptor (`truncate` for
/// `ftruncate`, `ioctl_dev` for a device's `ioctl`) follows the profile whoever opens the
/// file. Today a descriptor llrun opens for an answer comes from llrun's unrestricted domain,
/// where Landlock records every right: the program can `ftruncate` a file the profile keeps
/// from being truncated (and `ioctl` a device the profile gives no `ioctl`). Passes once llrun
/// reopens in a thread restricted to the profile's optional rights for the file.
#[test]
#[ignore = "a broken promise of the design: llrun's reopened descriptors carry every optional right"]
fn a_descriptor_llrun_opens_for_an_answer_cannot_be_truncated_against_the_profile() {
    let s = Sandbox::new();
    let kept = s.write("data/kept", "kept\n");
    let profile = s.profile(
        "kept.llp",
        &format!("{BASE}allow read @/data\nask write @/data/kept\n"),
    );
    let script = format!(
        "import os\nfd = os.open({kept:?}, os.O_WRONLY | os.O_APPEND)\ntry:\n  os.ftruncate(fd, 0); print('truncated')\nexcept OSError as e:\n  print(e.strerror)\n"
    );
    let allow = json!({"decision": "allow", "scope": "once"});
    let (out, _) = python_asked(&s, &profile, &[], &script, answer_all(Some(allow)));
    let (stdout, stderr) = out_text(&out);
    assert_eq!(stdout, "Permission denied\n", "{stderr}");
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "kept\n");
}

/// `truncate(2)` of a device, a FIFO or a directory fails before Landlock looks (`EINVAL`,
/// `EISDIR`), and a supervised program learns the same, not a refusal; a regular file the
/// profile keeps is refused by both.
#[test]
fn truncating_what_is_not_a_regular_file_fails_as_without_a_supervisor() {
    let s = Sandbox::new();
    s.write("data/f", "kept\n");
    let fifo = s.path().join("data/fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let rules = "allow read @/data\ndeny truncate /dev\n";
    let plain = s.profile("plain.llp", &format!("{BASE}{rules}"));
    let asking = s.profile(
        "asking.llp",
        &format!("{BASE}{rules}ask truncate @/nothing\n"),
    );
    let script = "import errno, os\n\
        for p in ('/dev/null', '@/data', '@/data/fifo', '@/data/f'):\n\
        \x20 try:\n\
        \x20   os.truncate(p, 0); print('ok')\n\
        \x20 except OSError as e:\n\
        \x20   print(errno.errorcode[e.errno])\n"
        .replace('@', &s.path().to_string_lossy());
    let run = |profile: &Path| {
        let out = llrun()
            .args(["-q", "--prompt", "none", "-p"])
            .arg(profile)
            .args(["/usr/bin/python3", "-c", &script])
            .output()
            .unwrap();
        out_text(&out)
    };
    let (stdout, stderr) = run(&plain);
    assert_eq!(stdout, "EINVAL\nEISDIR\nEINVAL\nEACCES\n", "{stderr}");
    let (supervised, stderr) = run(&asking);
    assert_eq!(supervised, stdout, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(s.path().join("data/f")).unwrap(),
        "kept\n"
    );
}
