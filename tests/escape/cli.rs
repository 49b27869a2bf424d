//! Abusing llrun's own command line and start-up: malformed flags, no command, a working
//! directory that is gone or unreadable, closed standard streams, argument lists near the
//! kernel's limit, and profile "files" that never end.
//!
//! Each gets a clear message and the exit status env(1) would give: 125 when llrun fails, 126
//! when the command cannot be executed, 127 when it is not found, else the command's own.

use crate::attack::{Home, python, wrap};
use crate::common::{assert_code, stderr, stdout};
use std::process::{Command, Output};

/// Runs `llrun ARGS` from the home's working directory.
fn llrun(home: &Home, args: &[&str]) -> Output {
    crate::common::llrun()
        .env("HOME", home.home())
        .current_dir(home.work())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn malformed_command_lines_fail_with_125_and_run_nothing() {
    let home = Home::planted();
    let marker = home.work().join("ran");
    let touch = ["/usr/bin/touch", marker.to_str().unwrap()];
    let dir = home.root().to_string_lossy().into_owned();
    let cases: Vec<Vec<&str>> = vec![
        vec!["--no-such-flag"],
        vec!["--tty", "bogus"],
        vec!["--compat", "weird"],
        vec!["-p", ""],
        vec!["-p", "/nonexistent/x.llp"],
        vec!["-p", &dir],
        vec!["-p", "default", "-v", "--quiet", "--tty"],
    ];
    for case in cases {
        let args: Vec<&str> = case.iter().chain(&touch).copied().collect();
        let out = llrun(&home, &args);
        assert_code(&out, 125);
        assert!(
            stderr(&out).contains("error"),
            "{args:?}: no error message:\n{}",
            stderr(&out)
        );
        assert!(!marker.exists(), "{args:?} ran the command");
    }
}

#[test]
fn no_command_fails_with_125_and_says_how_to_give_one() {
    let home = Home::planted();
    for args in [&[][..], &["-p", "default"], &["-p", "default", "--"]] {
        let out = llrun(&home, args);
        assert_code(&out, 125);
        assert!(stderr(&out).contains("no command"), "{}", stderr(&out));
    }
    let out = llrun(&home, &["--profile"]);
    assert_code(&out, 125);
    assert!(
        stderr(&out).contains("value is required"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn commands_that_cannot_run_fail_with_126_or_127() {
    let home = Home::planted();
    let cases: [(&[&str], i32); 4] = [
        (&["no-such-command-xyz"], 127),
        (&["-dash"], 127),
        (&["/etc"], 126),
        (&["/etc/hostname"], 126),
    ];
    for (program, code) in cases {
        let out = home.run("default", program);
        assert_code(&out, code);
        assert!(!stderr(&out).is_empty(), "{program:?}: no message");
    }
}

/// Starts `inner` from a shell that runs `script` first (`$1` is `arg`), then execs it. All
/// three standard streams are pipes.
fn after(script: &str, arg: &str, inner: &Command) -> Output {
    let script = format!("{script}; shift; exec \"$@\"");
    wrap(&["sh", "-c", &script, "sh", arg], inner)
        .stdin(std::process::Stdio::piped())
        .output()
        .unwrap()
}

/// What a program under the default profile may write where it must not: the home directory
/// (read-only in that profile).
const WRITE_HOME: &str = "\
attempt('write-home', lambda: open(HOME + '/Documents/planted', 'w').write('x'))";

#[test]
fn a_deleted_working_directory_does_not_widen_the_profile() {
    let home = Home::planted();
    let gone = home.root().join("gone");
    std::fs::create_dir(&gone).unwrap();
    let gone = gone.to_string_lossy().into_owned();
    let mut compile = crate::common::llrun();
    compile
        .env("HOME", home.home())
        .args(["compile", "-p", "default"]);
    let out = after(r#"cd "$1" && rmdir "$1""#, &gone, &compile);
    let report = stdout(&out);
    assert!(
        !report.contains("path / ") && !report.contains("narrowed / rw"),
        "the profile grants the whole file system:\n{report}"
    );
    let mut attack = home.llrun("default");
    attack.args(python(WRITE_HOME, &[]));
    let v = crate::attack::Verdicts::of(after(r#"cd "$1" && rmdir "$1""#, &gone, &attack));
    v.assert_denied("write-home", &["EACCES"]);
}

#[test]
fn an_unreadable_working_directory_as_an_unprivileged_user() {
    let home = Home::planted();
    home.open_to_everyone();
    let locked = home.root().join("locked");
    std::fs::create_dir(&locked).unwrap();
    let mut inner = wrap(
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ],
        &home.llrun("default"),
    );
    inner.args(["/bin/sh", "-c", "ls . ; exit 7"]);
    // Entered as root, then mode 000 and the user changed: as a user whose directory was
    // locked under them.
    let out = after(
        r#"cd "$1" && chmod 000 "$1""#,
        &locked.to_string_lossy(),
        &inner,
    );
    assert_code(&out, 7);
    assert!(
        stderr(&out).contains("Permission denied"),
        "{}",
        stderr(&out)
    );
}

/// The program reports what its standard streams are.
const STREAMS: &str = "\
attempt('streams', lambda: ' '.join(os.readlink(f'/proc/self/fd/{fd}') for fd in (0, 1, 2)))
sys.exit(5)";

#[test]
fn closed_standard_streams() {
    let home = Home::planted();
    let report = home.work().join("streams");
    let code = STREAMS.replace(
        "attempt(",
        &format!("sys.stdout = open({:?}, 'w')\nattempt(", report.display()),
    );
    for close in ["<&-", ">&-", "2>&-", "<&- >&- 2>&-"] {
        let mut inner = home.llrun("default");
        inner.args(python(&code, &[]));
        let out = after(&format!("exec {close}"), "", &inner);
        // The command's own status comes back, and a closed stream is /dev/null to it, never
        // a descriptor of llrun's; an open one is the pipe it was.
        assert_code(&out, 5);
        let streams = std::fs::read_to_string(&report).unwrap();
        // `streams: DONE '/dev/null pipe:[…] …'`
        let targets: Vec<&str> = streams
            .split('\'')
            .nth(1)
            .unwrap_or_default()
            .split(' ')
            .collect();
        for (fd, redirect) in ["<&-", ">&-", "2>&-"].iter().enumerate() {
            let closed = close.split(' ').any(|c| c == *redirect);
            let want = if closed { "/dev/null" } else { "pipe:" };
            assert!(
                targets.get(fd).is_some_and(|t| t.starts_with(want)),
                "{close}: fd {fd} should be {want}: {streams}"
            );
        }
    }
    // llrun's own failure is still 125 with nowhere to say so.
    let out = after("exec 2>&-", "", &home.llrun("no-such-profile"));
    assert_code(&out, 125);
}

/// `ARG_MAX` and the bytes the kernel counts for the current environment.
fn arg_budget() -> usize {
    let arg_max = nix::unistd::sysconf(nix::unistd::SysconfVar::ARG_MAX)
        .unwrap()
        .unwrap() as usize;
    let env: usize = std::env::vars_os()
        .map(|(k, v)| k.len() + v.len() + 2 + 8)
        .sum();
    arg_max - env
}

#[test]
fn an_argument_list_near_the_kernels_limit_reaches_the_program() {
    let home = Home::planted();
    // 1000-byte arguments (1009 bytes each with NUL and pointer), 64 KiB short of the limit.
    let n = (arg_budget() - 65536) / 1009;
    let big = "a".repeat(1000);
    let out = home
        .llrun("default")
        .args(["/bin/sh", "-c", "echo $#", "sh"])
        .args(std::iter::repeat_n(&big, n))
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), n.to_string());
    // The profile adds 180 KB of environment: now the program's exec is too big, and that is
    // 126 with the kernel's reason.
    let sets: String = (0..3)
        .map(|i| format!("env set BIG{i}={}\n", "b".repeat(60_000)))
        .collect();
    let profile = home.write("profiles/big.llp", &format!("include <default>\n{sets}"));
    let out = home
        .llrun(&profile.to_string_lossy())
        .args(["/bin/sh", "-c", "echo $#", "sh"])
        .args(std::iter::repeat_n(&big, n))
        .output()
        .unwrap();
    assert_code(&out, 126);
    assert!(
        stderr(&out).contains("Argument list too long"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_profile_that_never_ends_is_refused() {
    let home = Home::planted();
    let mut inner = home.llrun("/dev/zero");
    inner.arg("/bin/true");
    // A bounded address space, so that the bug fails this test instead of the machine.
    let out = after("ulimit -v 2000000", "", &inner);
    assert_code(&out, 125);
    assert!(!stderr(&out).contains("out of memory"), "{}", stderr(&out));
}

#[test]
fn a_profile_that_is_a_fifo_is_refused() {
    let home = Home::planted();
    let fifo = home.root().join("profile.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let mut child = home
        .llrun(&fifo.to_string_lossy())
        .arg("/bin/true")
        .spawn()
        .unwrap();
    // Not a timing assertion: llrun either answers or hangs for good; give it long enough.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.and_then(|s| s.code()), Some(125), "llrun hung");
}
