//! Running one case for real: the tree on disk, the profiles, `llrun explain --json` for every
//! path the pairs need, and one program under llrun that tries every pair and prints what the
//! kernel (or the supervisor) answered, with asks answered by the scripted prompt client.

use crate::case::{Access, Case, Node, Pair, Special, allows};
use crate::common::client::Client;
use crate::common::{BASE, Sandbox, llrun};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The rights the pairs exercise (explain reports only these).
const RIGHTS: &str =
    "fs.read_file,fs.read_dir,fs.write_file,fs.truncate,fs.make_reg,fs.remove_file";

/// Tries each `[op, path]` of `sys.argv[2]` in order and prints a JSON list of `ok` or the
/// errno's name. Waits for the file `sys.argv[1]` first (the prompt client is attached).
///
/// Every open is `O_NONBLOCK`, so that a FIFO opens at once. `ENXIO` counts as `ok`: the kernel
/// gives it after Landlock let the open by (`do_dentry_open` calls `security_file_open` before
/// the file's own `open`), for a FIFO opened for writing without a reader and for a socket.
const PROGRAM: &str = r#"
import errno, json, os, sys, time
ready, relative, ops = sys.argv[1], sys.argv[2] == 'relative', json.loads(sys.argv[3])
while ready and not os.path.exists(ready):
    time.sleep(0.01)
def opener(path):
    # Absolute, or relative to the directory opened O_PATH (a name that is not a symlink with
    # O_NOFOLLOW, which changes nothing for it): the kernel resolves the same file.
    if not relative:
        return lambda name, flags, *mode: os.open(path, flags, *mode), None
    parent, name = os.path.split(path)
    d = os.open(parent, os.O_PATH | os.O_DIRECTORY)
    nofollow = 0 if os.path.islink(path) else os.O_NOFOLLOW
    return lambda _, flags, *mode: os.open(name, flags | nofollow, *mode, dir_fd=d), d
NB = os.O_NONBLOCK
def attempt(op, path):
    open_, d = opener(path)
    try:
        if op == 'read':
            fd = open_(path, os.O_RDONLY | NB)
            try: os.read(fd, 1)
            except IsADirectoryError: pass
            finally: os.close(fd)
        elif op == 'list':
            fd = open_(path, os.O_RDONLY | os.O_DIRECTORY)
            try: os.listdir(fd)
            finally: os.close(fd)
        elif op == 'write':
            fd = open_(path, os.O_WRONLY | os.O_APPEND | NB)
            try: os.write(fd, b'w')
            finally: os.close(fd)
        elif op == 'overwrite':
            os.close(open_(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | NB, 0o644))
        elif op == 'create':
            os.close(open_(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        elif op == 'delete':
            if d is None: os.unlink(path)
            else: os.unlink(os.path.basename(path), dir_fd=d)
    finally:
        if d is not None: os.close(d)
out = []
for op, path in ops:
    try:
        attempt(op, path)
        out.append('ok')
    except OSError as e:
        out.append('ok' if e.errno == errno.ENXIO else errno.errorcode.get(e.errno, str(e.errno)))
print(json.dumps(out))
"#;

/// A case on disk.
pub struct Setup {
    sandbox: Sandbox,
    /// The tree's root, canonical (what the kernel and llrun call it).
    pub root: String,
    profiles: Vec<PathBuf>,
}

impl Setup {
    pub fn new(case: &Case) -> Setup {
        let sandbox = Sandbox::new();
        let root_path = sandbox.path().join("t");
        std::fs::create_dir(&root_path).unwrap();
        let root = root_path.canonicalize().unwrap().display().to_string();
        let mut setup = Setup {
            sandbox,
            root,
            profiles: Vec::new(),
        };
        for node in &case.nodes {
            setup.make(node);
        }
        for (i, layer) in case.layers.iter().enumerate() {
            let rules: String = layer
                .iter()
                .map(|r| format!("{} {} {}\n", r.kind, r.access, setup.abs(&r.pattern)))
                .collect();
            let path = setup.sandbox.path().join(format!("layer{}.llp", i + 1));
            std::fs::write(&path, format!("{BASE}{rules}")).unwrap();
            setup.profiles.push(path);
        }
        setup
    }

    /// A path written with `@`, made absolute.
    pub fn abs(&self, at: &str) -> String {
        format!(
            "{}{}",
            self.root,
            at.strip_prefix('@').expect("a path under @")
        )
    }

    /// An absolute path in the tree, written with `@` again.
    pub fn rel(&self, path: &str) -> String {
        match path.strip_prefix(&self.root) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("@{rest}"),
            _ => path.to_string(),
        }
    }

    fn make(&self, node: &Node) {
        let at = self.abs(node.at());
        match node {
            Node::Dir(_) => std::fs::create_dir(&at).unwrap(),
            Node::File(p) => std::fs::write(&at, format!("content of {p}\n")).unwrap(),
            Node::Link { to, .. } => std::os::unix::fs::symlink(self.abs(to), &at).unwrap(),
            Node::HardLink { of, .. } => {
                // A shrunk case may have lost the file: the name is then a plain file.
                if std::fs::hard_link(self.abs(of), &at).is_err() {
                    std::fs::write(&at, "").unwrap();
                }
            }
            Node::Special(kind, _) => make_special(*kind, Path::new(&at)),
        }
    }

    fn profile_args(&self) -> Vec<String> {
        self.profiles
            .iter()
            .flat_map(|p| ["-p".to_string(), p.display().to_string()])
            .collect()
    }

    /// `llrun explain --json` for each of `paths` (absolute): its report, by the path given.
    pub fn explain(&self, paths: &[String]) -> HashMap<String, Value> {
        let out = llrun()
            .args(["explain", "--json", "--access", RIGHTS])
            .args(self.profile_args())
            .args(paths)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "llrun explain failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let reports: Vec<Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(reports.len(), paths.len(), "{stdout}");
        paths.iter().cloned().zip(reports).collect()
    }

    /// Runs the program under llrun on `pairs`: what each got (`ok` or an errno name), and the
    /// targets asked about (written with `@`).
    pub fn attempt(&self, case: &Case, pairs: &[Pair]) -> Attempted {
        let ops: Vec<Value> = pairs.iter().map(|p| self.op(p)).collect();
        let socket = self.sandbox.path().join("prompt.sock");
        let ready = self.sandbox.path().join("ready");
        let client = case.asks().then(|| self.client(case, &socket, &ready));
        let mut cmd = llrun();
        cmd.arg("-q").args(self.profile_args());
        match &client {
            Some(_) => cmd
                .args([
                    "--ask-timeout",
                    "30",
                    "--prompt",
                    "socket",
                    "--prompt-socket",
                ])
                .arg(&socket),
            None => cmd.args(["--prompt", "none"]),
        };
        let out = cmd
            .args(["--", "/usr/bin/python3", "-c", PROGRAM])
            .arg(if client.is_some() {
                ready.as_os_str()
            } else {
                std::ffi::OsStr::new("")
            })
            .arg(if case.relative {
                "relative"
            } else {
                "absolute"
            })
            .arg(Value::from(ops).to_string())
            .current_dir("/")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let results: Vec<String> = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
            panic!("the program's output is not its report ({e}):\n{stdout}\n{stderr}")
        });
        assert_eq!(results.len(), pairs.len());
        let asks = client.map_or_else(Vec::new, |c| {
            c.asks()
                .iter()
                .map(|a| self.rel(a["target"]["path"].as_str().unwrap_or_default()))
                .collect()
        });
        Attempted { results, asks }
    }

    /// The program's `[op, path]` for one pair.
    fn op(&self, pair: &Pair) -> Value {
        let path = self.abs(&pair.path);
        match &pair.access {
            Access::Read => json!(["read", path]),
            Access::List => json!(["list", path]),
            Access::Write => json!(["write", path]),
            Access::Overwrite => json!(["overwrite", path]),
            Access::Create(name) => json!(["create", format!("{path}/{name}")]),
            Access::Delete => json!(["delete", path]),
        }
    }

    /// The scripted client: allows or denies each ask by [`allows`] of its target, for the
    /// case's scope.
    fn client(&self, case: &Case, socket: &Path, ready: &Path) -> Client {
        let (root, salt, scope) = (self.root.clone(), case.answers, case.scope);
        Client::start(
            socket.to_path_buf(),
            ready.to_path_buf(),
            move |m, reply| {
                if m["type"] != "ask" {
                    return;
                }
                let target = m["target"]["path"].as_str().unwrap_or_default();
                let rel = target
                    .strip_prefix(&root)
                    .map_or_else(|| target.to_string(), |rest| format!("@{rest}"));
                let decision = if allows(salt, &rel) { "allow" } else { "deny" };
                reply.answer(m, &json!({"decision": decision, "scope": scope}));
            },
        )
    }
}

/// Makes a device like `/dev/null` (1:3), a FIFO or a socket's file at `at`. Where no device
/// can be made or opened (not root, a `nodev` file system) the device is a symlink to
/// `/dev/null` itself: the same kind of file, decided by `/dev/null`'s rules.
fn make_special(kind: Special, at: &Path) {
    use nix::sys::stat::{Mode, SFlag, makedev, mknod};
    let all = Mode::from_bits_truncate(0o666);
    match kind {
        Special::Device => {
            let made = mknod(at, SFlag::S_IFCHR, all, makedev(1, 3)).is_ok();
            if !made || std::fs::File::open(at).is_err() {
                let _ = std::fs::remove_file(at);
                std::os::unix::fs::symlink("/dev/null", at).unwrap();
            }
        }
        Special::Fifo => nix::unistd::mkfifo(at, all).unwrap(),
        Special::Socket => drop(std::os::unix::net::UnixListener::bind(at).unwrap()),
    }
}

/// What the program got.
#[derive(Debug)]
pub struct Attempted {
    pub results: Vec<String>,
    pub asks: Vec<String>,
}
