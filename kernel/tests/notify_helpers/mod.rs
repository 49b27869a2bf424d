//! Running a real program under the supervised filter, with the test as its supervisor.
#![allow(dead_code)]

use llrun_kernel::notify::{Listener, Notification, RecvError, Response, Trapped, read_c_string};
use llrun_kernel::seccomp::Filter;
use llrun_kernel::spawn::{Confinement, Supervised, spawn_supervised};
use nix::sys::signal::SigSet;
use std::os::fd::BorrowedFd;
use std::process::{Child, Command, Output, Stdio};
use std::thread::JoinHandle;

/// What the test's decision did with a trapped call.
pub enum Handled {
    /// Nothing: answer CONTINUE, as for the program's own start-up (libraries, locale files).
    Continue,
    /// The decision answered the call itself.
    Answered,
    /// Close the listener without answering, and stop supervising.
    Close,
}

/// Everything the supervisor saw: each trapped call with its first path operand (empty for the
/// socket calls), and why receiving ended.
#[derive(Debug)]
pub struct Served {
    pub calls: Vec<(Trapped, Vec<u8>)>,
    pub end: Option<RecvError>,
}

impl Served {
    pub fn saw(&self, call: Trapped, path: &[u8]) -> bool {
        self.calls.iter().any(|(t, p)| *t == call && p == path)
    }
}

/// The decision of the test: the listener, the call, and its first path operand.
pub trait Decide: FnMut(&Listener, &Notification, &[u8]) -> Handled + Send + 'static {}
impl<F: FnMut(&Listener, &Notification, &[u8]) -> Handled + Send + 'static> Decide for F {}

/// Starts `cmd` under the supervised filter (no Landlock layer) and supervises it on a thread.
pub fn start(
    mut cmd: Command,
    terminal: Option<BorrowedFd<'_>>,
    decide: impl Decide,
) -> (Child, JoinHandle<Served>) {
    if terminal.is_none() {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
    }
    let filter = Filter::supervised();
    let confinement = Confinement {
        rulesets: &[],
        filter: &filter,
        terminal,
        sigmask: SigSet::thread_get_mask().unwrap(),
    };
    let Supervised { child, listener } = spawn_supervised(cmd, &confinement).expect("spawn");
    (child, std::thread::spawn(move || serve(listener, decide)))
}

/// Runs `program args` under supervision to its end.
pub fn run(program: &str, args: &[&str], decide: impl Decide) -> (Output, Served) {
    let mut cmd = Command::new(program);
    cmd.args(args);
    let (child, server) = start(cmd, None, decide);
    let output = child.wait_with_output().unwrap();
    (output, server.join().unwrap())
}

/// Receives and answers until no process runs under the filter (or the decision closes it).
fn serve(listener: Listener, mut decide: impl Decide) -> Served {
    let mut calls = Vec::new();
    loop {
        let n = match listener.recv() {
            Ok(n) => n,
            Err(RecvError::Abandoned) => continue,
            Err(end) => {
                return Served {
                    calls,
                    end: Some(end),
                };
            }
        };
        let call = n.syscall.expect("only trapped calls are notified");
        let path = first_path(&n, call);
        calls.push((call, path.clone()));
        match decide(&listener, &n, &path) {
            Handled::Continue => {
                let _ = listener.respond(n.id, Response::Continue);
            }
            Handled::Answered => {}
            Handled::Close => return Served { calls, end: None },
        }
    }
}

fn first_path(n: &Notification, call: Trapped) -> Vec<u8> {
    match call.paths().first() {
        Some(&operand) => read_c_string(n.pid, n.path(operand).1, 4095).unwrap_or_default(),
        None => Vec::new(),
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
