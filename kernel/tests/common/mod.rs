//! Helpers for tests that really fork, confine and exec a program.
#![allow(dead_code)]

use llrun_kernel::FsAccess;
use llrun_kernel::landlock::{PathRule, PreparedRuleset, RulesetPlan};
use llrun_kernel::seccomp::bpf::{Action, Builder};
use llrun_kernel::seccomp::{Filter, FilterFlags};
use llrun_kernel::spawn::{Confinement, spawn};
use llrun_kernel::terminal::Pty;
use nix::sys::signal::SigSet;
use std::os::fd::AsFd;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const PYTHON: &str = "/usr/bin/python3";

/// Read and execute on what a dynamically linked program needs to start, nothing else.
pub fn system_only(extra: &[(&Path, FsAccess)]) -> RulesetPlan {
    let rx = FsAccess::READ_FILE | FsAccess::READ_DIR | FsAccess::EXECUTE;
    let mut path_rules: Vec<PathRule> = ["/usr", "/bin", "/lib", "/lib64", "/etc"]
        .iter()
        .filter(|p| Path::new(p).exists())
        .map(|p| PathRule {
            path: p.into(),
            access: rx,
        })
        .collect();
    path_rules.extend(extra.iter().map(|(p, a)| PathRule {
        path: p.to_path_buf(),
        access: *a,
    }));
    RulesetPlan {
        handled_fs: FsAccess::supported_by(llrun_kernel::landlock::probe_abi()),
        path_rules,
        ..Default::default()
    }
}

pub fn prepare(plans: &[RulesetPlan]) -> Vec<PreparedRuleset> {
    plans
        .iter()
        .map(|p| PreparedRuleset::prepare(p).expect("prepare"))
        .collect()
}

/// Runs `program args` confined by `rulesets` (and the terminal filter when `filter`), with
/// its output captured.
pub fn run_confined(
    rulesets: &[PreparedRuleset],
    filter: bool,
    program: &str,
    args: &[&str],
) -> std::io::Result<Output> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let f = if filter {
        Filter::deny_terminal_injection()
    } else {
        allow_all()
    };
    let confinement = Confinement {
        rulesets,
        filter: &f,
        terminal: None,
        sigmask: SigSet::thread_get_mask().unwrap(),
    };
    spawn(cmd, &confinement)?.wait_with_output()
}

/// Runs `program args` on a new pty (as its controlling terminal) and returns everything it
/// wrote there, and its exit code.
pub fn run_on_pty(filter: Option<Filter>, program: &str, args: &[&str]) -> (String, Option<i32>) {
    let pty = Pty::open(None, None).unwrap();
    let mut cmd = Command::new(program);
    cmd.args(args);
    let f = filter.unwrap_or_else(allow_all);
    let confinement = Confinement {
        rulesets: &[],
        filter: &f,
        terminal: Some(pty.slave.as_fd()),
        sigmask: SigSet::thread_get_mask().unwrap(),
    };
    let mut child = spawn(cmd, &confinement).unwrap();
    drop(pty.slave);
    let out = read_until_hangup(&pty.master);
    (out, child.wait().unwrap().code())
}

/// Reads a pty master until every slave descriptor is closed (EIO).
pub fn read_until_hangup(master: &std::os::fd::OwnedFd) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match nix::unistd::read(master, &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
        assert!(
            Instant::now() < deadline,
            "timed out: {}",
            String::from_utf8_lossy(&out)
        );
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A filter that allows everything: the control for tests of the real one.
pub fn allow_all() -> Filter {
    let mut b = Builder::new();
    b.ret(Action::Allow);
    Filter::new(b.build().unwrap(), FilterFlags::empty())
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
