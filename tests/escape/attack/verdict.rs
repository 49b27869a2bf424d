//! What an attack program reported: one `NAME: DONE …` or `NAME: DENIED ERRNO` line per
//! attempt (see `programs/prelude.py`).

use crate::common::{stderr, stdout};
use std::process::Output;

/// The outcome of one attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It worked; the Python `repr` of what it returned.
    Done(String),
    /// The kernel refused it with this errno name (`EACCES`, `EPERM`, …).
    Denied(String),
}

/// Everything one attack program printed.
pub struct Verdicts {
    pub output: Output,
}

impl Verdicts {
    pub fn of(output: Output) -> Verdicts {
        Verdicts { output }
    }

    /// stdout and stderr, for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "status: {:?}\nstdout:\n{}\nstderr:\n{}",
            self.output.status,
            stdout(&self.output),
            stderr(&self.output)
        )
    }

    /// The verdict of attempt `name`; panics (showing everything) if it never reported.
    #[track_caller]
    pub fn get(&self, name: &str) -> Verdict {
        let prefix = format!("{name}: ");
        let line = stdout(&self.output)
            .lines()
            .find_map(|l| l.strip_prefix(&prefix).map(str::to_string));
        match line {
            Some(rest) => match rest.split_once(' ') {
                Some(("DONE", what)) => Verdict::Done(what.to_string()),
                Some(("DENIED", errno)) => Verdict::Denied(errno.to_string()),
                _ => panic!("attempt `{name}` reported `{rest}`:\n{}", self.dump()),
            },
            None => panic!("attempt `{name}` never reported:\n{}", self.dump()),
        }
    }

    /// Asserts that the kernel refused attempt `name` with one of `errnos`, and that no secret
    /// appeared anywhere in the output.
    #[track_caller]
    pub fn assert_denied(&self, name: &str, errnos: &[&str]) {
        match self.get(name) {
            Verdict::Denied(e) if errnos.contains(&e.as_str()) => {}
            other => panic!(
                "attempt `{name}` should have been refused with {errnos:?}, got {other:?}:\n{}",
                self.dump()
            ),
        }
        self.assert_no_secret();
    }

    /// Asserts that attempt `name` worked and returns what it returned.
    #[track_caller]
    pub fn assert_done(&self, name: &str) -> String {
        match self.get(name) {
            Verdict::Done(what) => what,
            other => panic!(
                "attempt `{name}` should have worked, got {other:?}:\n{}",
                self.dump()
            ),
        }
    }

    /// Asserts that attempt `name` worked and its result holds `needle` (e.g. a secret, in a
    /// control run).
    #[track_caller]
    pub fn assert_got(&self, name: &str, needle: &str) {
        let what = self.assert_done(name);
        assert!(
            what.contains(needle),
            "attempt `{name}` returned {what}, without {needle:?}:\n{}",
            self.dump()
        );
    }

    /// Asserts that no planted secret appears in stdout or stderr.
    #[track_caller]
    pub fn assert_no_secret(&self) {
        let all = format!("{}{}", stdout(&self.output), stderr(&self.output));
        assert!(
            !all.contains("LLRUN-SECRET"),
            "a secret leaked:\n{}",
            self.dump()
        );
    }
}
