//! The runner on real programs: exit codes, 126/127, signals, and Landlock refusing exec.
//! (Terminal behaviour is tested through the real binary in `tests/terminal.rs`.)

use super::*;
use llrun_kernel::FsAccess;
use llrun_kernel::landlock::{PathRule, RulesetPlan};
use nix::sys::signal::Signal;

fn launch(program: &str, args: &[&str]) -> Launch {
    Launch {
        program: program.into(),
        args: args.iter().map(Into::into).collect(),
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        rulesets: Vec::new(),
        terminal: TerminalMode::Inherit,
        prompt: None,
        stay_outside: false,
        supervision: None,
    }
}

#[test]
fn the_programs_status_is_returned() {
    assert_eq!(
        execute(launch("sh", &["-c", "exit 7"])).unwrap(),
        Outcome::Exited(7)
    );
    assert_eq!(
        execute(launch("/bin/true", &[])).unwrap(),
        Outcome::Exited(0)
    );
}

#[test]
fn a_missing_command_is_127() {
    assert_eq!(
        execute(launch("llrun-no-such-command", &[])).unwrap(),
        Outcome::Exited(NOT_FOUND)
    );
    assert_eq!(
        execute(launch("/no/such/path", &[])).unwrap(),
        Outcome::Exited(NOT_FOUND)
    );
}

#[test]
fn a_file_that_is_not_executable_is_126() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("data");
    std::fs::write(&f, "").unwrap();
    assert_eq!(
        execute(launch(&f.to_string_lossy(), &[])).unwrap(),
        Outcome::Exited(CANNOT_EXECUTE)
    );
}

#[test]
fn exec_refused_by_the_profile_is_126() {
    let rx = FsAccess::READ_FILE | FsAccess::READ_DIR;
    let plan = RulesetPlan {
        handled_fs: FsAccess::EXECUTE | rx,
        path_rules: vec![PathRule {
            path: "/".into(),
            access: rx,
        }],
        ..Default::default()
    };
    let mut l = launch("true", &[]);
    l.rulesets.push(PreparedRuleset::prepare(&plan).unwrap());
    assert_eq!(execute(l).unwrap(), Outcome::Exited(CANNOT_EXECUTE));
}

#[test]
fn the_sandbox_applies_to_the_program() {
    let d = tempfile::tempdir().unwrap();
    let plan = RulesetPlan {
        handled_fs: FsAccess::WRITE_FILE | FsAccess::MAKE_REG,
        path_rules: vec![PathRule {
            path: "/dev/null".into(),
            access: FsAccess::WRITE_FILE,
        }],
        ..Default::default()
    };
    let mut l = launch("sh", &["-c", &format!("echo x > {}/f", d.path().display())]);
    l.rulesets.push(PreparedRuleset::prepare(&plan).unwrap());
    assert_eq!(execute(l).unwrap(), Outcome::Exited(2));
    assert!(!d.path().join("f").exists());
}

#[test]
fn argv0_and_environment_are_exactly_the_launchs() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let mut l = launch(
        "sh",
        &[
            "-c",
            &format!("echo \"$0 $FOO ${{HOME-unset}}\" > {}", out.display()),
        ],
    );
    l.env.push(("FOO".into(), "bar".into()));
    assert_eq!(execute(l).unwrap(), Outcome::Exited(0));
    assert_eq!(std::fs::read_to_string(out).unwrap(), "sh bar unset\n");
}

#[test]
fn death_by_signal_is_reported_as_such() {
    let l = launch("sh", &["-c", "kill -TERM $$"]);
    assert_eq!(execute(l).unwrap(), Outcome::Signaled(Signal::SIGTERM));
}

#[test]
fn the_program_runs_in_a_new_session_with_the_original_signal_mask() {
    let script = "import os, signal; print(os.getsid(0) == os.getpid(), sorted(signal.pthread_sigmask(signal.SIG_BLOCK, [])))";
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let l = launch(
        "/usr/bin/python3",
        &[
            "-c",
            &format!(
                "import sys; sys.stdout = open({:?}, 'w'); {script}",
                out.display().to_string()
            ),
        ],
    );
    assert_eq!(execute(l).unwrap(), Outcome::Exited(0));
    assert_eq!(std::fs::read_to_string(out).unwrap(), "True []\n");
}

#[test]
fn with_a_pty_the_program_holds_only_the_pty() {
    // Its three streams are a terminal (the new pty), and it is that terminal's session leader.
    let script = "test -t 0 && test -t 1 && test -t 2 && [ \"$(ps -o sid= -p $$ | tr -d ' ')\" = $$ ] && exit 7";
    let mut l = launch("sh", &["-c", script]);
    l.terminal = TerminalMode::Pty;
    assert_eq!(execute(l).unwrap(), Outcome::Exited(7));
}
