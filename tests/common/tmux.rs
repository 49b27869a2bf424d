//! A terminal driven as a person would: a command in a detached tmux session, its screen read
//! with `capture-pane`, keys typed with `send-keys`.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a test waits for a screen that should come at once (a hang guard, not a timing
/// assertion).
pub const PATIENCE: Duration = Duration::from_secs(20);
/// How often the screen is looked at while waiting.
const POLL: Duration = Duration::from_millis(20);

/// A tmux session of 100 columns and 30 rows, kept after its command ends, killed when
/// dropped.
pub struct Tmux {
    session: String,
}

impl Tmux {
    /// Runs the shell command line `cmd` in a new session named after `name` (unique within the
    /// test process, so that tests running side by side do not meet).
    pub fn start(name: &str, cmd: &str) -> Tmux {
        static SESSIONS: AtomicUsize = AtomicUsize::new(0);
        let mut refusals = Vec::new();
        // The server exits with its last session: one that another test just killed may refuse
        // the new session while it goes ("server exited unexpectedly"). The next try starts
        // a server of its own.
        for _ in 0..5 {
            let n = SESSIONS.fetch_add(1, Ordering::Relaxed);
            let session = format!("{name}-{}-{n}", std::process::id());
            let out = Command::new("tmux")
                .args([
                    "new-session",
                    "-d",
                    "-s",
                    &session,
                    "-x",
                    "100",
                    "-y",
                    "30",
                    cmd,
                    // The screen stays readable after the command's end.
                    ";",
                    "set-option",
                    "-t",
                    &session,
                    "remain-on-exit",
                    "on",
                ])
                .output()
                .unwrap();
            // Killed when dropped, should a part of the refused command have run.
            let tmux = Tmux { session };
            if out.status.success() {
                return tmux;
            }
            refusals.push(String::from_utf8_lossy(&out.stderr).into_owned());
            std::thread::sleep(POLL);
        }
        panic!("tmux refused a new session: {refusals:?}");
    }

    /// Runs `cmd` (its program, arguments, environment and directory) in a new session; its exit
    /// status is then written to `status` (see [`Tmux::exit_status`]).
    pub fn run(name: &str, cmd: &Command, status: &Path) -> Tmux {
        let line = format!(
            "{}; echo $? > {}",
            shell_line(cmd),
            quote(&status.to_string_lossy())
        );
        Tmux::start(name, &line)
    }

    /// The text on the screen.
    pub fn screen(&self) -> String {
        self.capture(&[])
    }

    /// The same with the escape sequences that draw it as tmux sees the cells: colours,
    /// attributes, and `SO` (`\x0e`) before characters of the line-drawing set.
    pub fn styled(&self) -> String {
        self.capture(&["-e"])
    }

    fn capture(&self, options: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.session])
            .args(options)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen passes `test`, and returns it.
    #[track_caller]
    pub fn wait_for(&self, what: &str, test: impl Fn(&str) -> bool) -> String {
        self.wait_for_since(what, Instant::now(), test).0
    }

    /// The same, and when it was last seen without (the start of the last look that failed,
    /// or `since` if the first one passed): the screen changed after that.
    #[track_caller]
    pub fn wait_for_since(
        &self,
        what: &str,
        since: Instant,
        test: impl Fn(&str) -> bool,
    ) -> (String, Instant) {
        let deadline = Instant::now() + PATIENCE;
        let mut before = since;
        loop {
            let look = Instant::now();
            let screen = self.screen();
            if test(&screen) {
                return (screen, before);
            }
            assert!(Instant::now() < deadline, "never saw {what}:\n{screen}");
            before = look;
            std::thread::sleep(POLL);
        }
    }

    /// Types `keys` (tmux key names, or text).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        Command::new("tmux").args(&args).status().unwrap();
    }

    /// Waits until `done` (something other than the screen, such as a file the command
    /// writes), showing the screen if it never comes.
    #[track_caller]
    pub fn wait_until(&self, what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !done() {
            assert!(
                Instant::now() < deadline,
                "never saw {what}:\n{}",
                self.screen()
            );
            std::thread::sleep(POLL);
        }
    }

    /// Waits for the exit status a command started with [`Tmux::run`] (or a shell line that
    /// writes `$?` to `status`) leaves, and returns it.
    #[track_caller]
    pub fn exit_status(&self, status: &Path) -> String {
        let written = || std::fs::read_to_string(status).unwrap_or_default();
        self.wait_until("the command's end", || written().ends_with('\n'));
        written().trim().to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .status();
    }
}

/// `text` as one shell word.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `cmd` as a shell command line: `cd DIR && env -u UNSET NAME=VALUE PROGRAM ARGS…`.
fn shell_line(cmd: &Command) -> String {
    let (mut unset, mut set) = (Vec::new(), Vec::new());
    for (key, value) in cmd.get_envs() {
        let key = key.to_string_lossy();
        match value {
            Some(v) => set.push(quote(&format!("{key}={}", v.to_string_lossy()))),
            None => unset.push(format!("-u {}", quote(&key))),
        }
    }
    let words: Vec<String> = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|w| quote(&w.to_string_lossy()))
        .collect();
    let dir = cmd
        .get_current_dir()
        .map(|d| format!("cd {} && ", quote(&d.to_string_lossy())))
        .unwrap_or_default();
    format!(
        "{dir}env {} {} {}",
        unset.join(" "),
        set.join(" "),
        words.join(" ")
    )
}
