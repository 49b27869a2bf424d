//! Stage 5: the supervisor. It answers the program's trapped calls (seccomp user notification)
//! for the supervised layer: `ask` rules, answers given during the run, and the precision that
//! carving cost the static layer.
//!
//! Two threads. The *receiver* takes each trapped call, decodes it once ([`op`]), finds what
//! it really names ([`locate`]) and plans it ([`plan`]): most calls are answered on the spot
//! (CONTINUE where static Landlock grants them, `EACCES` where refused). A call llrun must
//! carry out runs on a short-lived worker thread ([`perform`]), so that opening a FIFO or a
//! slow device never stalls other calls. A call that needs a person becomes a pending ask
//! ([`pending`]) and is shown by the prompter; the *answerer* thread applies answers, time-outs
//! and deaths, and plans the held calls again under the updated policy. Only one answer is ever
//! sent per call: a call leaves the pending table (under its lock) before it is answered.
//!
//! Failing closed is the kernel's job: if llrun dies, the listener closes and every held and
//! future trapped call fails; Landlock still refuses everything the static layer does not grant.

pub mod clean;
pub mod connect;
pub mod fast;
pub mod locate;
pub mod log;
pub mod op;
pub mod pending;
pub mod perform;
pub mod plan;
pub mod policy;
pub mod remember;
pub mod shape;
pub mod workers;

use crate::prompt::{Answer, Prompter};
use llrun_kernel::notify::{Listener, Notification, RecvError, Response};
use nix::errno::Errno;
use op::Operation;
use pending::Pending;
use plan::{Once, Plan};
use policy::Policy;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// How the supervisor behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// An ask nobody answers is denied after this long (`None`: it waits).
    pub ask_timeout: Option<Duration>,
    /// The profile name shown in prompts.
    pub profile: String,
    /// Where "always" answers are written.
    pub remember: Option<remember::Override>,
}

/// Everything the two threads share. Its locks stay inside this module, so that their order
/// (the policy, then the pending table: see [`pending::hold`]) is kept in one place; others,
/// such as live edits, use the methods below.
pub struct Shared {
    listener: Listener,
    policy: RwLock<Policy>,
    pending: Mutex<Pending>,
    prompter: Box<dyn Prompter>,
    log: log::Log,
    options: Options,
    workers: workers::Workers,
}

impl Shared {
    /// Reads the policy in force. `read` must not call back into the supervisor: it runs under
    /// the policy's lock, which comes before the pending table's.
    pub fn with_policy<R>(&self, read: impl FnOnce(&Policy) -> R) -> R {
        read(&self.policy.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Puts a new version of the profile layers in force (a live edit): held asks are decided
    /// again, and those the new policy settles are released.
    pub fn reload(
        self: &Arc<Self>,
        layers: Vec<crate::policy::Layer>,
        sources: crate::source::SourceMap,
    ) -> Result<(), policy::LayerCount> {
        self.policy
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .replace_layers(layers, sources)?;
        pending::recheck(self);
        Ok(())
    }

    /// Records an event of the run (`kind`: `reload`, `live`, …) in the `--log` file.
    pub fn log_event(&self, kind: &str, text: String) {
        self.log.event(kind, text);
    }

    /// Shows `text` on every prompt channel (the terminal prompt, socket clients).
    pub fn notice(&self, text: &str) {
        self.prompter.notice(text);
    }
}

/// A running supervisor.
pub struct Supervisor {
    pub shared: Arc<Shared>,
}

impl Supervisor {
    /// Starts the receiver and answerer threads.
    pub fn start(
        listener: Listener,
        policy: Policy,
        prompter: Box<dyn Prompter>,
        answers: Receiver<Answer>,
        log: log::Log,
        options: Options,
    ) -> std::io::Result<Supervisor> {
        // llrun's own umask is left alone: what it creates for the program gets the program's
        // umask on the creating thread alone (`perform::as_program`).
        let shared = Arc::new(Shared {
            listener,
            policy: RwLock::new(policy),
            pending: Mutex::new(Pending::default()),
            prompter,
            log,
            options,
            workers: workers::Workers::default(),
        });
        let s = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("llrun-receiver".into())
            .spawn(move || receive(&s))?;
        let s = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("llrun-answerer".into())
            .spawn(move || pending::answer_loop(&s, &answers))?;
        Ok(Supervisor { shared })
    }
}

/// The receiver thread: until no process runs under the filter any more.
fn receive(shared: &Arc<Shared>) {
    loop {
        match shared.listener.recv() {
            Ok(n) => handle(shared, n),
            Err(RecvError::Abandoned) => continue,
            Err(RecvError::NoTargets) => return,
            Err(RecvError::Failed(e)) => {
                eprintln!("llrun: supervisor: {e}; held calls fail from now on");
                return;
            }
        }
    }
}

/// One trapped call, from its arrival.
fn handle(shared: &Arc<Shared>, n: Notification) {
    let op = match Operation::read(&n) {
        Ok(op) => op,
        Err(e) => return answer(shared, &n, Response::Errno(e)),
    };
    // Letting the kernel run the call needs no trust in what was read: Landlock checks it.
    let fast = {
        let policy = shared.policy.read().unwrap_or_else(|e| e.into_inner());
        fast::continues(&policy, n.pid, &op)
    };
    if fast {
        return answer(shared, &n, Response::Continue);
    }
    // Anything else is decided on what was read, which belonged to the caller only if its
    // call is still pending (the pid could have been reused).
    if !shared.listener.id_valid(n.id) {
        return;
    }
    dispatch(shared, n, op, Once::None);
}

/// Plans a call (again, after an answer) and acts on the plan.
pub fn dispatch(shared: &Arc<Shared>, n: Notification, op: Operation, once: Once<'_>) {
    let planned = {
        let policy = shared.policy.read().unwrap_or_else(|e| e.into_inner());
        plan::plan(&policy, n.pid, op.clone(), once, |fd| program_fd(&n, fd))
    };
    match planned {
        Err(e) => answer(shared, &n, Response::Errno(e)),
        Ok(Plan::Answer(response, rule)) => {
            if response != Response::Continue {
                shared
                    .log
                    .decision(&n, &op, "deny", "profile", rule, &shared.policy);
            }
            answer(shared, &n, response)
        }
        Ok(Plan::Perform(job, why)) => {
            let at_once = job.returns_at_once();
            let s = Arc::clone(shared);
            let (n2, op2) = (n.clone(), op.clone());
            let work = move || {
                let failed = perform::perform(&s.listener, n2.id, n2.pid, job);
                let by = match why {
                    policy::Why::Exactness => "exactness",
                    policy::Why::Answered => "answer",
                };
                let outcome = if failed.is_some() { "failed" } else { "allow" };
                s.log.decision(&n2, &op2, outcome, by, None, &s.policy);
            };
            if at_once {
                return work();
            }
            if !shared.workers.run(work) {
                shared
                    .log
                    .decision(&n, &op, "deny", "flood", None, &shared.policy);
                answer(shared, &n, Response::Errno(Errno::EAGAIN));
            }
        }
        Ok(Plan::Ask(subject, rule)) => pending::hold(shared, n, op, subject, rule),
    }
}

/// Answers a call; a call that went away meanwhile needs no answer.
pub fn answer(shared: &Shared, n: &Notification, response: Response) {
    let _ = shared.listener.respond(n.id, response);
}

/// A copy of the calling process's descriptor `fd` (its socket, for `connect`/`bind`).
fn program_fd(n: &Notification, fd: i32) -> Result<std::os::fd::OwnedFd, Errno> {
    let tgid = thread_group(n.pid).ok_or(Errno::ESRCH)?;
    let pidfd = llrun_kernel::process::pidfd_open(tgid)?;
    llrun_kernel::notify::pidfd_getfd(&pidfd, fd)
}

/// The process a thread belongs to (pidfds name processes, notifications name threads).
fn thread_group(tid: nix::unistd::Pid) -> Option<nix::unistd::Pid> {
    let status = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    let tgid = status.lines().find_map(|l| l.strip_prefix("Tgid:"))?;
    Some(nix::unistd::Pid::from_raw(tgid.trim().parse().ok()?))
}
