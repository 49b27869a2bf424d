//! Shared helpers for the integration tests: run the real `llrun` binary on real programs.
#![allow(dead_code)]

pub mod client;
pub mod tmux;

use std::os::unix::fs::PermissionsExt;
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

/// Where test homes are made: the build's scratch directory, unless the checkout itself lies where
/// the default profile lets programs write (a clone under `/tmp`), and then `/var/lib`.
/// Unprivileged attackers must be able to reach it, so it is not under a private directory.
pub fn scratch_parent() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let writable = ["/tmp", "/var/tmp", "/dev/shm", "/run"];
    let private = target
        .ancestors()
        .any(|a| std::fs::metadata(a).is_ok_and(|m| m.permissions().mode() & 0o005 != 0o005));
    if !writable.iter().any(|w| target.starts_with(w)) && !private {
        return target.to_path_buf();
    }
    let fallback = PathBuf::from("/var/lib/llrun-tests");
    std::fs::create_dir_all(&fallback).unwrap();
    std::fs::set_permissions(&fallback, std::fs::Permissions::from_mode(0o755)).unwrap();
    fallback
}

/// A scratch tree for tests of a user's files: `home/` (the program's `HOME`) and `work/` (the
/// directory the program is started in), both made.
///
/// It lives under [`scratch_parent`], not in `/tmp`: the shipped profiles let programs write all
/// of `/tmp`, which would make the home writable and every test of it meaningless.
pub struct HomeTree {
    pub scratch: Sandbox,
}

impl HomeTree {
    pub fn new() -> HomeTree {
        let tree = HomeTree {
            scratch: Sandbox::new_in(&scratch_parent()),
        };
        std::fs::create_dir_all(tree.home()).unwrap();
        std::fs::create_dir_all(tree.work()).unwrap();
        tree
    }

    pub fn root(&self) -> &Path {
        self.scratch.path()
    }

    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    pub fn work(&self) -> PathBuf {
        self.root().join("work")
    }

    /// The absolute path of a file in the home directory.
    pub fn at(&self, rel: &str) -> String {
        self.home().join(rel).to_string_lossy().into_owned()
    }

    /// Writes `rel` under the scratch root (creating parents).
    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        self.scratch.write(rel, content)
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
