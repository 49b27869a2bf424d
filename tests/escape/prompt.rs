//! Attacks on the terminal prompt: the program draws a prompt of its own to have the person's
//! keys answer the real one, draws over the real one while it is shown, sets the terminal up to
//! hide it, and turns on mouse reporting so that a click answers it.
//!
//! The real `llrun` runs in tmux with `--prompt tty`, the program on its own pty, under a
//! profile that asks before reading the planted SSH key. The test is the person at the terminal:
//! it reads the screen and types.

use crate::attack::{Home, Verdict, Verdicts, python};
use crate::common::tmux::Tmux;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

const SECRET: &str = ".ssh/id_rsa";
/// A key typed this soon after a prompt appears was typed before the person could read it: it
/// must not answer (llrun's `ARM_DELAY` is 400 ms; the test does not read it, so that it
/// fails if the delay is cut).
const TOO_SOON: Duration = Duration::from_millis(300);
/// The file the fake prompt asks about.
const HARMLESS: &str = "Documents/notes.txt";

/// Python: `fake(path)`, the text of a prompt like llrun's (see `src/prompt/tty/render.rs`)
/// asking to read `path`, and `wait_for(name)`, which waits for the test to create a file in
/// the working directory. The program's verdicts go to `report` there: its terminal is the
/// attack's.
const FAKE: &str = "\
import threading, time
sys.stdout = open('report', 'w', buffering=1)
NAME = os.path.basename(os.readlink('/proc/self/exe'))
def fake(path):
    return (f'\\r\\n\\x1b[1;7m llrun: {NAME} wants to read \\x1b[0m\\r\\n  {path}\\r\\n'
        f'\\x1b[2m  by /usr/bin/{NAME} (pid {os.getpid()}) · rule ~/Documents · profile default\\x1b[0m\\r\\n'
        '\\x1b[1m  [a] allow once   [r] allow for this run   [w] allow always\\x1b[0m\\r\\n'
        '\\x1b[1m  [d] deny once    [n] deny for this run    [x] deny always    [o] more options\\x1b[0m\\r\\n')
def wait_for(name):
    while not os.path.exists(name):
        time.sleep(0.01)
";

/// Draws the fake prompt about `argv[2]`, takes every key typed (into `keys`), and when told
/// (`go`), opens the secret `argv[1]`: the real prompt comes up just as the person, reading the
/// fake one, types the answer.
const TYPED_AHEAD: &str = "\
import tty
tty.setcbreak(0)
def take_keys():
    with open('keys', 'ab', buffering=0) as f:
        while True:
            f.write(os.read(0, 64))
threading.Thread(target=take_keys, daemon=True).start()
os.write(1, fake(sys.argv[2]).encode())
wait_for('go')
attempt('secret', lambda: read(sys.argv[1]))";

/// Opens the secret `argv[1]`; while that waits for its answer, when told (`go`), clears the
/// screen and draws a fake prompt about `argv[2]`, then writes until its pty is full, so that
/// everything before is in llrun's hands (`written` says so).
const OVERDRAW: &str = "\
def overdraw():
    wait_for('go')
    os.write(1, ('\\x1b[H\\x1b[2J' + fake(sys.argv[2]) + 'OVERDRAWN\\r\\n').encode())
    os.set_blocking(1, False)
    total, full = 0, False
    while total < 1 << 20 and not full:
        try:
            total += os.write(1, bytes(4096))
        except BlockingIOError:
            full = True
    os.set_blocking(1, True)
    print(f'filled: DONE {full!r}')
    open('written', 'w').close()
drawer = threading.Thread(target=overdraw)
drawer.start()
attempt('secret', lambda: read(sys.argv[1]))
drawer.join()";

/// Draws the fake prompt about `argv[2]` (rows 2 to 6) and leaves the terminal such that
/// llrun's prompt would be unreadable where it is drawn: rows 8 and 9 scroll alone (the line
/// feeds that make room for a prompt would push all but its last two rows, its keys, out of
/// sight under the fake title), and letters come from the line-drawing set, through G0 and
/// through G1 shifted out. When told (`go`), opens the secret `argv[1]`.
const HIDDEN: &str = "\
os.write(1, fake(sys.argv[2]).encode())
os.write(1, b'\\x1b[8;9r\\x1b[9;1H\\x1b(0\\x1b)0\\x0e')
wait_for('go')
attempt('secret', lambda: read(sys.argv[1]))";

/// Turns on mouse reporting (the X10 encoding) and opens the secret `argv[1]`: a click on the
/// screen then comes to llrun as `ESC [ M` and three bytes, the column byte a letter.
const MOUSE: &str = "\
os.write(1, b'\\x1b[?1000h')
attempt('secret', lambda: read(sys.argv[1]))";

/// One run of an attack program under the terminal prompt, in tmux.
struct Run {
    name: &'static str,
    home: Home,
    tmux: Tmux,
    status: PathBuf,
}

impl Run {
    /// Starts the Python attack `code` (after [`FAKE`]) with the secret's and the harmless
    /// file's paths as arguments, under a profile that asks before reading the secret.
    fn start(name: &'static str, code: &str) -> Run {
        Run::start_with(name, code, &format!("allow rw @/work\nask read ~/{SECRET}"))
    }

    /// As [`Run::start`], under a profile of `rules`.
    fn start_with(name: &'static str, code: &str, rules: &str) -> Run {
        let home = Home::planted();
        let profile = home.profile(name, rules);
        // Long enough that only a key typed at the prompt ends the ask.
        let mut cmd = home.llrun_with(&["--prompt", "tty", "--ask-timeout", "120"], &profile);
        let (secret, harmless) = (home.at(SECRET), home.at(HARMLESS));
        cmd.args(python(&format!("{FAKE}{code}"), &[&secret, &harmless]));
        let status = home.root().join("status");
        let tmux = Tmux::run(name, &cmd, &status);
        Run {
            name,
            home,
            tmux,
            status,
        }
    }

    fn work(&self, file: &str) -> PathBuf {
        self.home.work().join(file)
    }

    /// Tells the program to go on.
    fn go(&self) -> Instant {
        std::fs::write(self.work("go"), "").unwrap();
        Instant::now()
    }

    /// The fake prompt is on the screen: the harmless file's path, and keys to press.
    fn fake_prompt(&self, screen: &str) -> bool {
        screen.contains(&self.home.at(HARMLESS)) && screen.contains("[w] allow always")
    }

    /// The real prompt is on the screen: the secret's path under llrun's title.
    fn real_prompt(&self, screen: &str) -> bool {
        screen.contains(&self.home.at(SECRET)) && screen.contains("wants to read")
    }

    /// The real prompt is armed: it shows its keys instead of "keys in a moment".
    fn armed(&self, screen: &str) -> bool {
        self.real_prompt(screen) && !screen.contains("keys in a moment")
    }

    /// Types `keys` once the prompt takes keys.
    fn type_when_armed(&self, keys: &[&str]) {
        self.tmux.wait_for("the armed prompt", |s| self.armed(s));
        self.tmux.keys(keys);
    }

    /// Waits for the end and returns what the program reported.
    fn verdicts(&self) -> Verdicts {
        let code = self.tmux.exit_status(&self.status);
        let report = std::fs::read(self.work("report")).unwrap_or_default();
        Verdicts::of(Output {
            status: std::process::ExitStatus::from_raw(code.parse::<i32>().unwrap_or(255) << 8),
            stdout: report,
            stderr: self.tmux.screen().into_bytes(),
        })
    }

    /// Asserts that no "always" answer wrote an allow into the user's override of the profile.
    #[track_caller]
    fn assert_no_allow_remembered(&self) {
        let file = Path::new(".config/llrun/profiles").join(format!("{}.local.llp", self.name));
        let remembered = std::fs::read_to_string(self.home.home().join(file)).unwrap_or_default();
        assert!(
            !remembered.contains("allow"),
            "an allow was remembered:\n{remembered}"
        );
    }
}

/// Keys typed at a fake prompt do not answer the real one that comes up just as they are
/// typed: for a moment after a prompt appears, keys go to the program.
///
/// The attacker times the real prompt for the worst moment, just before the key lands: the
/// test types as soon as it sees the real prompt. If the test itself was too slow for that (a
/// loaded machine: more than [`TOO_SOON`] between the prompt's appearance and the key), the
/// key may rightly answer, and the run is started again.
#[test]
fn a_fake_prompt_and_keys_typed_ahead_do_not_answer_the_real_ask() {
    for _ in 0..3 {
        let run = Run::start("fake", TYPED_AHEAD);
        run.tmux.wait_for("the fake prompt", |s| run.fake_prompt(s));
        // The person reads the fake prompt and types "allow always"; the real one comes up.
        let told = run.go();
        let (_, before) = run
            .tmux
            .wait_for_since("the real prompt", told, |s| run.real_prompt(s));
        run.tmux.keys(&["w"]);
        let lag = before.elapsed();
        let keys = || std::fs::read_to_string(run.work("keys")).unwrap_or_default();
        run.tmux
            .wait_until("the key reach the program, or the program end", || {
                keys().contains('w') || run.status.exists()
            });
        if !run.status.exists() {
            // The prompt is still up: it is answered by a key typed once it is armed (and by
            // nothing else before the ask times out), which shows that keys can answer it.
            run.type_when_armed(&["d"]);
        }
        let v = run.verdicts();
        if lag > TOO_SOON && matches!(v.get("secret"), Verdict::Done(_)) {
            eprintln!("the key came {lag:?} after the prompt: too late to count, again");
            continue;
        }
        v.assert_denied("secret", &["EACCES"]);
        run.assert_no_allow_remembered();
        let got = keys();
        println!("typed {lag:?} after the prompt appeared; the program got {got:?}");
        assert_eq!(got, "w", "{}", v.dump());
        return;
    }
    panic!("three runs too slow to type within the arm delay");
}

/// The program's output while the real prompt is up is held, not drawn over the prompt: a
/// cleared screen with a fake prompt about a harmless file in its place would make the person
/// answer for the wrong file. The held output comes once the ask is answered.
#[test]
fn the_program_cannot_draw_over_the_real_prompt() {
    let run = Run::start("overdraw", OVERDRAW);
    run.tmux.wait_for("the real prompt", |s| run.real_prompt(s));
    run.go();
    run.tmux
        .wait_until("the program fill its pty", || run.work("written").exists());
    // Everything the program wrote before filling its pty has been read by llrun.
    let during = run.tmux.screen();
    assert!(
        run.real_prompt(&during),
        "the prompt was drawn over:\n{during}"
    );
    for drawn in ["OVERDRAWN", HARMLESS] {
        assert!(
            !during.contains(drawn),
            "{drawn} is drawn over the prompt:\n{during}"
        );
    }
    run.type_when_armed(&["d"]);
    run.tmux
        .wait_for("the held output", |s| s.contains("OVERDRAWN"));
    let v = run.verdicts();
    v.assert_denied("secret", &["EACCES"]);
    assert_eq!(
        v.assert_done("filled"),
        "True",
        "the program was never held"
    );
}

/// The terminal settings the program left do not hide the real prompt: it is drawn with the
/// whole screen scrolling and in plain ASCII, so its title and target show under the fake one.
#[test]
fn the_programs_terminal_settings_do_not_hide_the_real_prompt() {
    let run = Run::start("hidden", HIDDEN);
    run.tmux.wait_for("the fake prompt", |s| run.fake_prompt(s));
    run.go();
    run.tmux
        .wait_for("the keys of the real prompt under the fake ones", |s| {
            s.matches("[d] deny once").count() == 2
        });
    let (during, styled) = (run.tmux.screen(), run.tmux.styled());
    assert!(
        run.real_prompt(&during),
        "the real prompt is hidden:\n{during}"
    );
    assert!(
        !styled.contains('\x0e'),
        "the prompt is drawn in line-drawing characters:\n{styled:?}"
    );
    run.tmux.keys(&["d"]);
    run.verdicts().assert_denied("secret", &["EACCES"]);
}

/// A click does not answer the prompt when the program turned on mouse reporting: the report's
/// bytes are one key, not letters. Here the click is on column 87, which the report gives as
/// `w`, "allow always".
#[test]
fn a_mouse_click_does_not_answer_the_real_prompt() {
    let run = Run::start("mouse", MOUSE);
    run.type_when_armed(&["-H", "1b", "5b", "4d", "20", "77", "2a"]);
    run.tmux.keys(&["d"]);
    run.verdicts().assert_denied("secret", &["EACCES"]);
    run.assert_no_allow_remembered();
}

/// Creates a file whose name holds terminal controls (clear the screen, home the cursor, a
/// reverse-video line that reads like llrun's), then reads it: the ask shows the name.
const CONTROL_NAME: &str = "\
name = 'evil\\x1b[2J\\x1b[H\\x1b[1;7m llrun: allowed \\x1b[0m\\u202etxt'
open(name, 'w').close()
attempt('named', lambda: read(os.path.abspath(name)))";

/// A name the program chose cannot act on the user's terminal: the prompt shows its controls as
/// visible escapes (`\e[2J`), so the screen is not cleared and the name reads as it is.
#[test]
fn a_file_name_cannot_drive_the_users_terminal_through_the_prompt() {
    let run = Run::start_with(
        "named",
        CONTROL_NAME,
        "allow rw @/work\nask read @/work/evil*",
    );
    let screen = run
        .tmux
        .wait_for("the prompt with the name made visible", |s| {
            s.contains("wants to read") && s.contains("l\\e[2J\\e[H\\e[1;7m llrun: allowed")
        });
    assert!(
        screen.contains("\\u{202e}txt"),
        "the override is not shown:\n{screen}"
    );
    run.tmux
        .wait_for("the armed prompt", |s| s.contains("[d] deny once"));
    run.tmux.keys(&["d"]);
    run.verdicts().assert_denied("named", &["EACCES"]);
}
