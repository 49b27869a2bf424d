//! Reaching processes outside the sandbox: llrun itself (the program's parent) and an
//! unrelated process started by the test, which holds a secret in its memory.
//!
//! Landlock refuses ptrace-like access to any process outside the program's domain; the
//! `isolate signals` scope (in the shipped default profile) refuses signals to them.

use crate::attack::{Home, Victim};
use crate::common::landlock_abi;

/// Every way to read or change another process's memory: `PTRACE_ATTACH`, `PTRACE_SEIZE`,
/// `process_vm_readv`, `process_vm_writev`, and `/proc/PID/mem` for reading and writing.
const MEMORY: &str = "\
pid, addr = int(sys.argv[1]), int(sys.argv[2])
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
def ptrace(request):
    check(libc.ptrace(request, pid, None, None))
    libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
    return 'attached'
attempt('attach', lambda: ptrace(16))
attempt('seize', lambda: ptrace(0x4206))
class iovec(ctypes.Structure):
    _fields_ = [('base', ctypes.c_void_p), ('len', ctypes.c_size_t)]
def vm(call):
    buf = ctypes.create_string_buffer(20)
    local, remote = iovec(ctypes.addressof(buf), 20), iovec(addr, 20)
    check(call(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0))
    return buf.raw
attempt('vm-read', lambda: vm(libc.process_vm_readv))
attempt('vm-write', lambda: vm(libc.process_vm_writev))
def mem(mode):
    with open(f'/proc/{pid}/mem', mode) as f:
        f.seek(addr)
        return f.read(20) if mode == 'rb' else f.write(b'X')
attempt('mem-read', lambda: mem('rb'))
attempt('mem-write', lambda: mem('r+b'))";

const MEMORY_ATTEMPTS: &[&str] = &[
    "attach",
    "seize",
    "vm-read",
    "vm-write",
    "mem-read",
    "mem-write",
];

#[test]
fn the_memory_of_an_unrelated_process_is_out_of_reach() {
    let home = Home::planted();
    let victim = Victim::spawn();
    let (pid, addr) = (victim.pid(), victim.address.to_string());
    // Unconfined, as root, every one of these reads the victim's secret.
    home.unconfined(MEMORY, &[&pid, &addr])
        .assert_got("vm-read", "LLRUN-SECRET(victim)");
    let v = home.attack("default", MEMORY, &[&pid, &addr]);
    for name in MEMORY_ATTEMPTS {
        v.assert_denied(name, &["EPERM", "EACCES"]);
    }
}

#[test]
fn the_memory_of_llrun_is_out_of_reach() {
    let home = Home::planted();
    // llrun's own address is unknown to the program; any address shows whether access is
    // granted (a granted read of an unmapped address would fail with EFAULT or EIO instead).
    let code = MEMORY.replace("int(sys.argv[1]), int(sys.argv[2])", "os.getppid(), 4096");
    let v = home.attack("default", &code, &[]);
    for name in MEMORY_ATTEMPTS {
        v.assert_denied(name, &["EPERM", "EACCES"]);
    }
}

/// Every way to signal a process: `kill`, `pidfd_send_signal`, and `SIGIO` from a file whose
/// owner is set to the victim (`F_SETOWN`; SIGIO's default action terminates).
const SIGNALS: &str = "\
import fcntl, signal, time
pid = int(sys.argv[1])
how = sys.argv[2]
def sigio():
    r, w = os.pipe()
    fcntl.fcntl(r, fcntl.F_SETOWN, pid)
    fcntl.fcntl(r, fcntl.F_SETFL, os.O_ASYNC)
    os.write(w, b'x')
    return 'armed'
actions = {
    'kill': lambda: os.kill(pid, signal.SIGTERM),
    'pidfd': lambda: signal.pidfd_send_signal(os.pidfd_open(pid), signal.SIGTERM),
    'sigio': sigio,
}
attempt(how, actions[how])";

/// Sends a victim a signal by `how` under `profile`; returns whether the signal reached it.
/// Each of these queues the signal before its system call returns.
fn reaches(home: &Home, profile: &str, how: &str) -> bool {
    let victim = Victim::spawn();
    home.attack(profile, SIGNALS, &[&victim.pid(), how])
        .assert_no_secret();
    victim.pending_signals() != 0
}

#[test]
fn signals_to_an_unrelated_process_are_refused() {
    assert!(
        landlock_abi() >= 6,
        "this test needs Landlock ABI 6 (signal scoping)"
    );
    let home = Home::planted();
    let unscoped = home.profile("unscoped", "");
    for how in ["kill", "pidfd", "sigio"] {
        assert!(
            reaches(&home, &unscoped, how),
            "{how}: the control did not reach the victim"
        );
        assert!(
            !reaches(&home, "default", how),
            "{how}: a signal left the sandbox"
        );
    }
}

#[test]
fn signals_to_llrun_are_refused() {
    assert!(landlock_abi() >= 6);
    let home = Home::planted();
    // SIGKILL cannot be forwarded or caught: had it arrived, llrun would have died of it.
    // (Without a pty llrun becomes the program, which then stays in its caller's process group:
    // a group signal reaches the program itself, and Landlock refuses it for the others.)
    let code = "\
import signal
attempt('probe', lambda: os.kill(os.getppid(), 0))
attempt('kill', lambda: os.kill(os.getppid(), signal.SIGKILL))
attempt('pidfd', lambda: signal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGKILL))
sys.exit(7)";
    let v = home.attack("default", code, &[]);
    for name in ["probe", "kill", "pidfd"] {
        v.assert_denied(name, &["EPERM"]);
    }
    assert_eq!(v.output.status.code(), Some(7), "{}", v.dump());
}

#[test]
fn llrun_hands_over_no_descriptor_of_its_own() {
    let home = Home::planted();
    // Whatever llrun opened (rulesets, signalfd, pidfd, pty master) stays with llrun: the
    // program holds what it would hold started directly (its standard streams, whatever the
    // test itself inherited, and the descriptor listing them).
    let code = "\
attempt('fds', lambda: sorted(int(fd) for fd in os.listdir('/proc/self/fd')))";
    let direct = home.unconfined(code, &[]).assert_done("fds");
    let v = home.attack("default", code, &[]);
    assert_eq!(v.assert_done("fds"), direct, "{}", v.dump());
}
