//! Reading a real process's memory the way the supervisor reads a trapped call's path.

mod common;

use common::PYTHON;
use llrun_kernel::notify::{ReadError, read_bytes, read_c_string};
use nix::unistd::Pid;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};

/// A process that maps five pages, readable but for the third and fifth, writes strings at the
/// interesting places, and waits for its stdin to close.
///
/// ```text
/// page 0: "a" * 200, NUL                       ... "abc" | page 1: "def", NUL ...
/// page 1: ... "edge", NUL (the page's last byte)  | page 2: unreadable
/// page 3: ... "x" * 10 (the page's last bytes)     | page 4: unreadable
/// ```
struct Layout {
    child: Child,
    _stdin: ChildStdin,
    base: u64,
    page: u64,
}

const SCRIPT: &str = r#"
import ctypes, mmap, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
ps = mmap.PAGESIZE
base = libc.mmap(None, 5 * ps, 3, 0x22, -1, 0)
def put(at, data): ctypes.memmove(base + at, data, len(data))
put(0, b'a' * 200 + b'\0')
put(ps - 3, b'abcdef\0')
put(2 * ps - 5, b'edge\0')
put(4 * ps - 10, b'x' * 10)
assert libc.mprotect(base + 2 * ps, ps, 0) == 0 and libc.mprotect(base + 4 * ps, ps, 0) == 0
print(base, ps, flush=True)
sys.stdin.read()
"#;

impl Layout {
    fn start() -> Layout {
        let mut child = Command::new(PYTHON)
            .args(["-c", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let mut words = line.split_whitespace().map(|w| w.parse::<u64>().unwrap());
        let (base, page) = (words.next().unwrap(), words.next().unwrap());
        let stdin = child.stdin.take().unwrap();
        Layout {
            child,
            _stdin: stdin,
            base,
            page,
        }
    }

    fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    fn string(&self, offset: u64, max: usize) -> Result<Vec<u8>, ReadError> {
        read_c_string(self.pid(), self.base + offset, max)
    }
}

#[test]
fn a_string_across_a_page_boundary_is_read_whole() {
    let l = Layout::start();
    assert_eq!(l.string(l.page - 3, 4095).unwrap(), b"abcdef");
    assert_eq!(
        read_bytes(l.pid(), l.base + l.page - 3, 7).unwrap(),
        b"abcdef\0"
    );
}

#[test]
fn a_string_ending_right_before_an_unreadable_page_is_read() {
    let l = Layout::start();
    assert_eq!(l.string(2 * l.page - 5, 4095).unwrap(), b"edge");
    // The control: a read that reaches into the next page does fault there.
    assert_eq!(
        read_bytes(l.pid(), l.base + 2 * l.page - 5, 6),
        Err(ReadError::Fault)
    );
}

#[test]
fn a_string_running_into_an_unreadable_page_is_a_fault() {
    let l = Layout::start();
    assert_eq!(l.string(4 * l.page - 10, 4095), Err(ReadError::Fault));
}

#[test]
fn a_string_longer_than_the_limit_is_refused() {
    let l = Layout::start();
    assert_eq!(l.string(0, 199), Err(ReadError::TooLong));
    assert_eq!(l.string(0, 200).unwrap(), vec![b'a'; 200]);
    assert_eq!(l.string(0, 0), Err(ReadError::TooLong));
}

#[test]
fn bad_addresses_are_faults() {
    let l = Layout::start();
    assert_eq!(read_c_string(l.pid(), 0, 4095), Err(ReadError::Fault));
    assert_eq!(l.string(2 * l.page, 4095), Err(ReadError::Fault));
    assert_eq!(
        read_c_string(l.pid(), u64::MAX - 2, 4095),
        Err(ReadError::Fault)
    );
    assert_eq!(read_bytes(l.pid(), 8, 16), Err(ReadError::Fault));
}

#[test]
fn a_process_that_exited_is_gone() {
    let Layout {
        mut child,
        _stdin,
        base,
        ..
    } = Layout::start();
    drop(_stdin);
    let pid = Pid::from_raw(child.id() as i32);
    child.wait().unwrap();
    assert_eq!(read_c_string(pid, base, 4095), Err(ReadError::Gone));
}
