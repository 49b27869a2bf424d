//! The attacker's tools: a home full of secrets, attack programs run under llrun, what they
//! report, processes outside the sandbox to aim at, and small C programs for what Python
//! cannot express.

mod native;
mod user_terminal;
mod verdict;
mod victim;

pub use native::{exec_rule, program};
pub use user_terminal::UserTerminal;
pub use verdict::{Verdict, Verdicts};
pub use victim::{VICTIM_SECRET, Victim};

use crate::common::{self, BASE, HomeTree};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

pub const PY: &str = "/usr/bin/python3";

/// What every attack program starts with (`attempt`, `read`, `check`, `HOME`, `SSH_KEY`).
const PRELUDE: &str = include_str!("../programs/prelude.py");

/// Files a sandboxed program must never read, relative to the home directory: each is denied
/// by the shipped profiles (abstractions/credentials and browser-data).
pub const SECRETS: &[&str] = &[
    ".ssh/id_rsa",
    ".gnupg/private-keys-v1.d/0123.key",
    ".aws/credentials",
    ".config/gh/hosts.yml",
    ".mozilla/firefox/abcd.default/cookies.sqlite",
];

/// Ordinary files of the home directory.
const PLAIN: &[&str] = &["Documents/notes.txt", "Downloads/report.txt", ".bashrc"];

/// The command line that runs the Python attack `code` (after the prelude) with `args` in
/// `sys.argv[1:]`.
pub fn python(code: &str, args: &[&str]) -> Vec<String> {
    let mut argv = vec![PY.to_string(), "-c".into(), format!("{PRELUDE}\n{code}")];
    argv.extend(args.iter().map(|a| a.to_string()));
    argv
}

/// The Python attack `code` as a command of its own, for running without llrun.
pub fn python_command(code: &str, args: &[&str]) -> Command {
    let argv = python(code, args);
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]);
    cmd
}

/// `inner` started through `wrapper` (such as `setsid -w -c`, or a shell that closes a
/// descriptor first): the wrapper's words, then `inner`'s program and arguments, with `inner`'s
/// environment and directory.
pub fn wrap(wrapper: &[&str], inner: &Command) -> Command {
    let mut outer = Command::new(wrapper[0]);
    outer
        .args(&wrapper[1..])
        .arg(inner.get_program())
        .args(inner.get_args());
    for (key, value) in inner.get_envs() {
        match value {
            Some(v) => outer.env(key, v),
            None => outer.env_remove(key),
        };
    }
    if let Some(dir) = inner.get_current_dir() {
        outer.current_dir(dir);
    }
    outer
}

/// The text of a planted secret: unique, so that its appearance anywhere in a program's output
/// is a leak.
pub fn secret_text(rel: &str) -> String {
    format!("LLRUN-SECRET({rel})")
}

/// A scratch tree ([`HomeTree`]: `home/`, `work/`) with [`SECRETS`] planted in the home, and
/// `profiles/`.
pub struct Home {
    tree: HomeTree,
}

impl std::ops::Deref for Home {
    type Target = HomeTree;

    fn deref(&self) -> &HomeTree {
        &self.tree
    }
}

/// Copies the directory tree `from` to `to`, readable by everyone.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

impl Home {
    pub fn planted() -> Home {
        let home = Home {
            tree: HomeTree::new(),
        };
        for rel in SECRETS {
            home.write(&format!("home/{rel}"), &secret_text(rel));
        }
        for rel in PLAIN {
            home.write(&format!("home/{rel}"), &format!("plain {rel}"));
        }
        home
    }

    /// A profile file of [`BASE`] plus `rules`; `@` stands for the scratch root, and `~` is the
    /// planted home (llrun runs with `HOME` set to it).
    pub fn profile(&self, name: &str, rules: &str) -> String {
        let path = self
            .scratch
            .profile(&format!("profiles/{name}.llp"), &format!("{BASE}{rules}\n"));
        path.to_string_lossy().into_owned()
    }

    /// `allow rw ~` with `deny all ~/.ssh ~/.gnupg` carved out of it: the profile of nono's
    /// issue #568 ("allow X except Y"), and the one most exposed to carving mistakes.
    pub fn carved(&self) -> String {
        self.profile("carved", "allow rw ~\ndeny all ~/.ssh ~/.gnupg")
    }

    /// The same without the denies: the control that shows an attack works when nothing
    /// stops it.
    pub fn uncarved(&self) -> String {
        self.profile("uncarved", "allow rw ~")
    }

    /// Lets every user reach the tree, for tests that run llrun as `nobody`.
    pub fn open_to_everyone(&self) {
        for dir in [self.root().to_path_buf(), self.home(), self.work()] {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let profiles = self.root().join("profiles");
        if profiles.exists() {
            std::fs::set_permissions(&profiles, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        // The build may sit in a directory other users cannot enter (a clone under a private
        // temporary directory): give them a copy of llrun and of the shipped profiles here,
        // which [`Home::llrun_with`] then uses.
        std::fs::copy(env!("CARGO_BIN_EXE_llrun"), self.root().join("llrun")).unwrap();
        let shipped = self.root().join("shipped");
        copy_tree(
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles")),
            &shipped,
        );
    }

    /// llrun with `HOME` set to the planted home, started in `work/`, quiet.
    pub fn llrun(&self, profile: &str) -> Command {
        self.llrun_with(&[], profile)
    }

    /// The same with more llrun `options` (such as `--tty inherit`).
    pub fn llrun_with(&self, options: &[&str], profile: &str) -> Command {
        let public = self.root().join("llrun");
        let mut c = if public.exists() {
            let mut c = Command::new(&public);
            c.env("LLRUN_PROFILE_PATH", self.root().join("shipped"))
                .stdin(Stdio::null());
            c
        } else {
            common::llrun()
        };
        c.args(options);
        c.env("HOME", self.home())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_CACHE_HOME")
            .current_dir(self.work())
            .args(["-q", "--profile", profile, "--"]);
        c
    }

    /// Runs `program` under `profile` and captures everything.
    pub fn run(&self, profile: &str, program: &[&str]) -> Output {
        self.llrun(profile)
            .args(program)
            .output()
            .expect("spawn llrun")
    }

    /// Runs the Python attack `code` (after the prelude) under `profile`, with `args` in
    /// `sys.argv[1:]`.
    pub fn attack(&self, profile: &str, code: &str, args: &[&str]) -> Verdicts {
        let mut cmd = self.llrun(profile);
        cmd.args(python(code, args));
        Verdicts::of(cmd.output().expect("spawn llrun"))
    }

    /// The same attack without llrun: the control that shows it works unconfined.
    pub fn unconfined(&self, code: &str, args: &[&str]) -> Verdicts {
        let out = python_command(code, args)
            .env("HOME", self.home())
            .current_dir(self.work())
            .stdin(Stdio::null())
            .output()
            .expect("spawn python3");
        Verdicts::of(out)
    }

    /// `llrun explain --access ACCESS PATH` under `profile`: its output.
    pub fn explain(&self, profile: &str, access: &str, path: &str) -> String {
        let out = common::llrun()
            .env("HOME", self.home())
            .current_dir(self.work())
            .args(["explain", "-p", profile, "--access", access, path])
            .output()
            .expect("spawn llrun");
        common::assert_code(&out, 0);
        common::stdout(&out)
    }

    /// `llrun compile` under `profile`: its output.
    pub fn compile(&self, profile: &str) -> String {
        let out = common::llrun()
            .env("HOME", self.home())
            .current_dir(self.work())
            .args(["compile", "-p", profile])
            .output()
            .expect("spawn llrun");
        common::assert_code(&out, 0);
        common::stdout(&out)
    }
}
