//! Shared helpers for the integration tests: run the real `llrun` binary on real programs.
#![allow(dead_code)]

pub mod client;
pub mod tmux;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The rules every test profile needs for a dynamically linked program to start.
pub const BASE: &str = "\
allow read,exec /usr /bin /sbin /lib
if exists /lib64 {
  allow read,exec /lib64
}
allow read /etc /proc
allow read,write /dev/null /dev/urandom
";

/// A scratch directory with profile files and test data.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        // Not under /tmp's default ACLs of other tests: each test has its own tree.
        Sandbox {
            dir: tempfile::Builder::new()
                .prefix("llrun-test-")
                .tempdir()
                .expect("tempdir"),
        }
    }

    /// A scratch directory under `parent`, for tests whose files must not be in `/tmp` (which
    /// the shipped default profile makes writable).
    pub fn new_in(parent: &Path) -> Sandbox {
        Sandbox {
            dir: tempfile::Builder::new()
                .prefix("llrun-test-")
                .tempdir_in(parent)
                .expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating parents) and returns its path.
    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }

    /// Writes a profile; `@` in the text stands for the sandbox directory.
    pub fn profile(&self, rel: &str, text: &str) -> PathBuf {
        self.write(rel, &text.replace('@', &self.dir.path().to_string_lossy()))
    }

    /// A profile made of [`BASE`] plus `rules`.
    pub fn base_profile(&self, rules: &str) -> PathBuf {
        self.profile("test.llp", &format!("{BASE}{rules}\n"))
    }
}

/// The llrun binary under test.
pub fn llrun() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_llrun"));
    c.env(
        "LLRUN_PROFILE_PATH",
        concat!(env!("CARGO_MANIFEST_DIR"), "/profiles"),
    );
    c.stdin(Stdio::null());
    c
}

/// Runs llrun with `args` and captures everything.
pub fn run(args: &[&str]) -> Output {
    llrun().args(args).output().expect("spawn llrun")
}

/// Runs `sh -c SCRIPT` under `profile`.
pub fn sh(profile: &Path, script: &str) -> Output {
    run(&[
        "-q",
        "--profile",
        &profile.to_string_lossy(),
        "--",
        "/bin/sh",
        "-c",
        script,
    ])
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts an exit code, showing the output on failure.
#[track_caller]
pub fn assert_code(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
}

/// Whether this kernel has Landlock at least at `abi`. Tests of a feature probe before asserting
/// so that a missing feature fails loudly rather than passing vacuously.
pub fn landlock_abi() -> u32 {
    llrun_kernel::landlock::probe_abi()
}
