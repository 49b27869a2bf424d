//! Keystroke injection into the user's terminal: a line pushed into its input queue with
//! `TIOCSTI` (or pasted with `TIOCLINUX`) runs in the user's shell once the program exits.
//!
//! llrun refuses both ioctls with a seccomp filter in every `--tty` mode, and by default gives
//! the program a pty of its own. Each test runs llrun on a terminal that is the controlling
//! terminal of a session, as a login shell's is, and then looks at that terminal's input queue.

use crate::attack::{Home, UserTerminal, exec_rule, program, python, python_command, wrap};
use crate::common::stdout;
use std::process::Command;

const MODES: [&str; 2] = ["inherit", "auto"];

#[test]
fn tiocsti_is_refused_through_every_system_call_abi() {
    let home = Home::planted();
    let sti = program("tiocsti");
    let profile = home.profile("sti", &exec_rule());
    for abi in ["native", "ia32", "x32"] {
        // The control: the program alone types into the terminal (ia32 and x32 only where the
        // kernel runs those ABIs).
        let term = UserTerminal::open();
        let out = term.run(Command::new(&sti).arg(abi));
        if abi == "native" {
            assert!(term.pending_input() > 0, "control: {}", stdout(&out));
        }
        for mode in MODES {
            let term = UserTerminal::open();
            let mut cmd = home.llrun_with(&["--tty", mode], &profile);
            cmd.arg(&sti).arg(abi);
            let out = term.run(&cmd);
            assert_eq!(
                term.pending_input(),
                0,
                "{abi}, --tty {mode}: input was injected: {}",
                stdout(&out)
            );
            assert!(!stdout(&out).contains("INJECTED\r\n"), "{}", stdout(&out));
        }
    }
}

/// From a child in a new session (no controlling terminal): reopen `/dev/tty`, take the
/// terminal on stdin as the controlling terminal (`TIOCSCTTY` with force), then inject through
/// stdin and through `/dev/tty`.
const NEW_SESSION: &str = "\
import fcntl, struct, termios
def inject(fd):
    for c in b'echo INJECTED\\n':
        fcntl.ioctl(fd, termios.TIOCSTI, bytes([c]))
    return 'typed'
def steal():
    fcntl.ioctl(0, termios.TIOCSCTTY, 1)
    TIOCGSID = 0x5429
    session = struct.unpack('i', fcntl.ioctl(0, TIOCGSID, b'0000'))[0]
    return session == os.getsid(0)
def in_new_session():
    os.setsid()
    attempt('reopen', lambda: os.close(os.open('/dev/tty', os.O_RDWR)))
    attempt('steal', steal)
    attempt('sti-stdin', lambda: inject(0))
    attempt('sti-tty', lambda: inject(os.open('/dev/tty', os.O_RDWR)))
pid = os.fork()
if pid == 0:
    in_new_session()
    os._exit(0)
os.waitpid(pid, 0)";

/// Runs [`NEW_SESSION`] on a fresh user terminal under the default profile.
fn new_session_attack(home: &Home, mode: &str) -> (crate::attack::Verdicts, usize) {
    let term = UserTerminal::open();
    let mut cmd = home.llrun_with(&["--tty", mode], "default");
    cmd.args(python(NEW_SESSION, &[]));
    let v = term.attack(&cmd);
    (v, term.pending_input())
}

#[test]
fn tiocsti_from_a_new_session_is_refused() {
    let home = Home::planted();
    // The control: unconfined, the same program types into the terminal.
    let term = UserTerminal::open();
    term.attack(&python_command(NEW_SESSION, &[]))
        .assert_done("sti-stdin");
    assert!(term.pending_input() > 0);
    for mode in MODES {
        let (v, pending) = new_session_attack(&home, mode);
        assert_eq!(
            pending,
            0,
            "--tty {mode}: input was injected:\n{}",
            v.dump()
        );
        v.assert_denied("sti-stdin", &["EPERM"]);
        v.assert_denied("sti-tty", &["EPERM", "ENXIO", "EACCES"]);
    }
}

#[test]
fn the_users_terminal_cannot_be_taken_by_a_root_program() {
    let home = Home::planted();
    let (v, _) = new_session_attack(&home, "inherit");
    v.assert_denied("steal", &["EPERM"]);
}

#[test]
fn the_users_terminal_cannot_be_taken_by_an_unprivileged_program() {
    let home = Home::planted();
    home.open_to_everyone();
    let term = UserTerminal::open();
    let mut cmd = wrap(
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ],
        &home.llrun_with(&["--tty", "inherit"], "default"),
    );
    cmd.args(python(NEW_SESSION, &[]));
    let v = term.attack(&cmd);
    v.assert_denied("steal", &["EPERM"]);
    v.assert_denied("sti-stdin", &["EPERM"]);
    assert_eq!(term.pending_input(), 0);
}

const TIOCLINUX: &str = "\
import fcntl
TIOCLINUX, TIOCL_PASTESEL = 0x541C, 3
attempt('paste', lambda: fcntl.ioctl(0, TIOCLINUX, bytes([TIOCL_PASTESEL])))";

#[test]
fn tioclinux_is_refused() {
    let home = Home::planted();
    // On a pty the kernel has no console selection: unconfined, the call fails, but not with
    // EPERM, which only the filter answers.
    let term = UserTerminal::open();
    let v = term.attack(&python_command(TIOCLINUX, &[]));
    assert_ne!(
        v.get("paste"),
        crate::attack::Verdict::Denied("EPERM".into())
    );
    for mode in MODES {
        let term = UserTerminal::open();
        let mut cmd = home.llrun_with(&["--tty", mode], "default");
        cmd.args(python(TIOCLINUX, &[]));
        term.attack(&cmd).assert_denied("paste", &["EPERM"]);
    }
}

/// The device numbers of every descriptor the program holds.
const DESCRIPTORS: &str = "\
def rdevs():
    found = set()
    for fd in os.listdir('/proc/self/fd'):
        try:
            found.add(os.fstat(int(fd)).st_rdev)
        except OSError:  # the descriptor that listed the directory, closed since
            pass
    return sorted(found)
attempt('rdevs', rdevs)";

#[test]
fn on_its_own_pty_the_program_holds_nothing_of_the_users_terminal() {
    let home = Home::planted();
    let term = UserTerminal::open();
    let user = term.rdev().to_string();
    let mut shared = home.llrun_with(&["--tty", "inherit"], "default");
    shared.args(python(DESCRIPTORS, &[]));
    let rdevs = term.attack(&shared).assert_done("rdevs");
    assert!(
        rdevs.contains(&user),
        "control: sharing the terminal, the streams are the user's: {rdevs}"
    );
    let mut own = home.llrun_with(&["--tty", "auto"], "default");
    own.args(python(DESCRIPTORS, &[]));
    let rdevs = term.attack(&own).assert_done("rdevs");
    assert!(!rdevs.contains(&user), "{rdevs} includes the user's {user}");
}
