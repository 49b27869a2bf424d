//! A user's machine in miniature, one per test: a home with keys and login files, the directory
//! the command starts in, its temporary directory, and a web server.

use crate::common::{self, HomeTree};
use crate::http::Server;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const CURL: &str = "/usr/bin/curl";
/// Debian's git, by its full path: `/usr/local/bin/git` may come first on PATH.
pub const GIT: &str = "/usr/bin/git";
pub const PY: &str = "/usr/bin/python3";

/// Secrets planted in the home, relative to it. The shipped profiles deny the first two to
/// every program; the third is git's own store of logins, which only git may read.
pub const KEY: &str = ".ssh/id_rsa";
pub const AWS: &str = ".aws/credentials";
pub const GIT_LOGINS: &str = ".git-credentials";

/// What `.bashrc` holds before a test tries to replace it.
pub const BASHRC: &str = "# the user's own .bashrc\n";

/// Runs its arguments on a pseudo-terminal of its own, passing the output through: git starts
/// its pager only when standard output is a terminal.
const ON_A_TERMINAL: &str =
    "import os,pty,sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))";

/// The secret planted in `rel`: unique, so that seeing it anywhere else is a leak. Letters,
/// digits and dashes only, so that it is a valid password in a URL.
pub fn secret(rel: &str) -> String {
    let name: String = rel
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("llrun-secret-{name}")
}

/// The scratch tree: `home/` (the command's `HOME`), `work/` (where it starts unless
/// [`Desk::start`] says otherwise), `tmp/` (its `TMPDIR`), `site/` and `received/` (the web
/// server's). It is not under `/tmp`, which the git profile lets git write.
pub struct Desk {
    tree: HomeTree,
    server: Option<Server>,
    /// Where commands start.
    pub start: PathBuf,
    /// Whether commands run on a terminal of their own.
    pub terminal: bool,
}

impl std::ops::Deref for Desk {
    type Target = HomeTree;

    fn deref(&self) -> &HomeTree {
        &self.tree
    }
}

impl Desk {
    pub fn new() -> Desk {
        let tree = HomeTree::new();
        let start = tree.work();
        let desk = Desk {
            tree,
            server: None,
            start,
            terminal: false,
        };
        for rel in [KEY, AWS] {
            desk.write(&format!("home/{rel}"), &format!("{}\n", secret(rel)));
        }
        let login = format!("https://user:{}@example.org\n", secret(GIT_LOGINS));
        desk.write(&format!("home/{GIT_LOGINS}"), &login);
        desk.write("home/.bashrc", BASHRC);
        for dir in ["tmp", "home/Projects", "home/Downloads"] {
            std::fs::create_dir_all(desk.root().join(dir)).unwrap();
        }
        desk
    }

    /// The same with a web server serving `site/` (with `page.html` in it).
    pub fn serving() -> Desk {
        let mut desk = Desk::new();
        desk.write("site/page.html", PAGE);
        desk.server = Some(Server::start(
            desk.root().join("site"),
            desk.root().join("received"),
        ));
        desk
    }

    pub fn server(&self) -> &Server {
        self.server
            .as_ref()
            .expect("a desk made with Desk::serving")
    }

    /// `argv` started in [`Desk::start`] with this desk's `HOME`, `XDG_CONFIG_HOME` and
    /// `TMPDIR`: under llrun with the shipped profile `profile`, or without llrun (the control)
    /// when `profile` is `None`.
    pub fn command(&self, profile: Option<&str>, argv: &[&str]) -> Command {
        let mut words: Vec<String> = Vec::new();
        if self.terminal {
            words.extend([PY, "-c", ON_A_TERMINAL].map(String::from));
        }
        let llrun = common::llrun();
        if let Some(profile) = profile {
            words.push(llrun.get_program().to_string_lossy().into_owned());
            words.extend(["-q", "--profile", profile, "--"].map(String::from));
        }
        words.extend(argv.iter().map(|a| a.to_string()));
        let mut cmd = Command::new(&words[0]);
        cmd.args(&words[1..])
            .envs(llrun.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env("TMPDIR", self.root().join("tmp"))
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_CACHE_HOME")
            .current_dir(&self.start)
            .stdin(Stdio::null());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("GIT_") {
                cmd.env_remove(name);
            }
        }
        // git looks for a repository in the parent directories: not in the checkout that the
        // build's scratch directory may lie in.
        cmd.env("GIT_CEILING_DIRECTORIES", self.root());
        cmd
    }

    /// Runs [`Desk::command`] and captures everything.
    pub fn run(&self, profile: Option<&str>, argv: &[&str]) -> Output {
        self.command(profile, argv).output().expect("spawn")
    }

    /// Runs Debian's git without llrun, for setting the scene, and asserts it worked.
    pub fn git(&self, dir: &Path, args: &[&str]) {
        let out = Command::new(GIT)
            .args([
                "-c",
                "user.name=Setup",
                "-c",
                "user.email=setup@example.org",
            ])
            .args(["-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(dir)
            .env("HOME", self.home())
            .stdin(Stdio::null())
            .output()
            .expect("spawn git");
        common::assert_code(&out, 0);
    }

    /// Makes `dir` a repository with one commit of `files` (paths relative to `dir`, written
    /// first unless they exist).
    pub fn repo(&self, dir: &Path, files: &[&str]) {
        std::fs::create_dir_all(dir).unwrap();
        self.git(dir, &["init", "-q"]);
        for file in files {
            let path = dir.join(file);
            if !path.exists() {
                std::fs::write(&path, format!("{file}\n")).unwrap();
            }
        }
        self.git(dir, &[&["add", "--"][..], files].concat());
        self.git(dir, &["commit", "-q", "-m", "the first commit"]);
    }

    /// Every place outside the planted secrets where the secret `rel` shows after `out`: its
    /// output, any file of the scratch tree (through no symbolic link), any object of a git
    /// repository there, and what the web server received. Empty when nothing leaked.
    pub fn sightings(&self, out: &Output, rel: &str) -> Vec<String> {
        if let Some(server) = &self.server {
            server.settle();
        }
        let secret = secret(rel);
        let mut seen = Vec::new();
        for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            if contains(bytes, &secret) {
                seen.push(name.to_string());
            }
        }
        let planted = [".ssh", ".aws", GIT_LOGINS].map(|rel| self.home().join(rel));
        self.search(self.root(), &planted, &secret, &mut seen);
        seen
    }

    fn search(&self, dir: &Path, skip: &[PathBuf], secret: &str, seen: &mut Vec<String>) {
        if skip.iter().any(|s| s == dir) {
            return;
        }
        if dir.join("HEAD").is_file() && dir.join("objects").is_dir() {
            let objects = Command::new(GIT)
                .arg("--git-dir")
                .arg(dir)
                .args(["cat-file", "--batch-all-objects", "--batch"])
                .output()
                .expect("spawn git");
            if contains(&objects.stdout, secret) {
                seen.push(format!("an object in {}", dir.display()));
            }
        }
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                self.search(&path, skip, secret, seen);
            } else if kind.is_file()
                && !skip.contains(&path)
                && contains(&std::fs::read(&path).unwrap(), secret)
            {
                seen.push(path.display().to_string());
            }
        }
    }
}

/// What the web server serves as `page.html`.
pub const PAGE: &str = "<p>a page from the local server</p>\n";

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
