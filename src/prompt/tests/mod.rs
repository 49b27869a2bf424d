//! Unit tests of the prompt side's pure parts: the protocol, the first-answer gate, answer
//! checks, mode planning and the terminal prompt's state machine and drawing. (The socket and
//! the clients are tested on real sockets in `tests/prompt_*.rs`.)

mod answers;
mod protocol;
mod tty;

use super::*;

/// An ask for `path` with the usual three widenings.
pub fn ask(id: u64, path: &str) -> Ask {
    let folder = path.rsplit_once('/').map_or("/", |(d, _)| d).to_string();
    Ask {
        id,
        pid: 4242,
        exe: "/usr/bin/cat".into(),
        access: vec!["read".into()],
        target: Target::Path { path: path.into() },
        rule: "/etc/llrun/profiles/cat.llp:3".into(),
        profile: "cat".into(),
        choices: vec![
            Choice {
                label: "this file".into(),
                pattern: path.into(),
            },
            Choice {
                label: "its folder".into(),
                pattern: folder.clone(),
            },
            Choice {
                label: "the folder's contents".into(),
                pattern: format!("{folder}/**"),
            },
        ],
        timeout_ms: Some(30_000),
        allow_always: true,
        run_only: None,
    }
}

pub fn answer(id: u64, decision: Decision, scope: Scope, pattern: Option<&str>) -> Answer {
    Answer {
        id,
        decision,
        scope,
        pattern: pattern.map(str::to_string),
    }
}

#[test]
fn a_path_pattern_must_cover_the_asked_path() {
    let a = ask(1, "/home/u/docs/a.pdf");
    let check = |p: &str| answer(1, Decision::Allow, Scope::Run, Some(p)).check(&a);
    assert_eq!(check("/home/u/docs/a.pdf"), Ok(()));
    assert_eq!(check("/home/u/docs"), Ok(()));
    assert_eq!(check("/home/u/docs/**"), Ok(()));
    assert_eq!(check("/home/u/*/*.pdf"), Ok(()));
    assert_eq!(check("/home/u/**/*.pdf"), Ok(()));
    assert!(matches!(
        check("/home/u/music"),
        Err(BadPattern::Uncovered { .. })
    ));
    assert!(matches!(
        check("/home/u/docs/*.txt"),
        Err(BadPattern::Uncovered { .. })
    ));
    assert!(matches!(check("docs/a.pdf"), Err(BadPattern::Invalid(_))));
    assert!(matches!(
        check("/home/u/../u/docs"),
        Err(BadPattern::Invalid(_))
    ));
    assert_eq!(check(""), Err(BadPattern::Empty));
    assert_eq!(check("/home/u/docs\n/etc"), Err(BadPattern::Control));
    assert_eq!(
        answer(1, Decision::Deny, Scope::Once, None).check(&a),
        Ok(())
    );
}

#[test]
fn a_network_pattern_is_a_port_list_covering_the_port() {
    let mut a = ask(1, "/x");
    a.target = Target::Net {
        host: "example.org".into(),
        port: 443,
    };
    let check = |p: &str| answer(1, Decision::Allow, Scope::Run, Some(p)).check(&a);
    for good in ["443", "*", "80,443", "400-500", " 80 , 443 "] {
        assert_eq!(check(good), Ok(()), "{good}");
    }
    assert!(matches!(check("80"), Err(BadPattern::Uncovered { .. })));
    for bad in ["https", "500-400", "70000", "/etc", "443-"] {
        assert!(matches!(check(bad), Err(BadPattern::NotPorts(_))), "{bad}");
    }
}

#[test]
fn modes_follow_the_documented_table() {
    let sock = || Some(std::path::PathBuf::from("/run/s.sock"));
    let plan = |mode, socket, terminal| Plan::choose(mode, socket, terminal).unwrap();
    let p = |tty, socket: Option<std::path::PathBuf>| Plan { tty, socket };
    assert_eq!(plan(None, None, true), p(true, None));
    assert_eq!(plan(None, None, false), p(false, None));
    assert_eq!(plan(None, sock(), false), p(false, sock()));
    assert_eq!(plan(None, sock(), true), p(true, sock()));
    assert_eq!(plan(Some(Mode::Tty), sock(), true), p(true, sock()));
    assert!(matches!(
        Plan::choose(Some(Mode::Tty), None, false),
        Err(mode::ModeError::NoTerminal)
    ));
    assert_eq!(plan(Some(Mode::Socket), sock(), true), p(false, sock()));
    let default = plan(Some(Mode::Socket), None, true).socket.unwrap();
    assert_eq!(default, socket::path::for_run(std::process::id()));
    assert!(default.to_string_lossy().ends_with(".sock"));
    assert_eq!(plan(Some(Mode::None), sock(), true), p(false, None));
}

#[test]
fn no_prompter_refuses_every_ask() {
    assert!(!NoPrompter.show(&ask(1, "/a")));
}

#[test]
fn fanout_shows_on_every_prompter_and_one_answer_wins() {
    let (tx, rx) = std::sync::mpsc::channel();
    let answers = Answers::new(tx);
    let (tty_a, mut console_a) = super::tty::channel(answers.clone()).unwrap();
    let (tty_b, mut console_b) = super::tty::channel(answers.clone()).unwrap();
    console_a.attach();
    console_b.attach();
    let fan = Fanout(vec![Box::new(tty_a), Box::new(tty_b)]);
    assert!(fan.show(&ask(5, "/a")));
    assert_eq!(answers.open_count(), 1);
    answers
        .send(answer(5, Decision::Allow, Scope::Once, None))
        .unwrap();
    assert_eq!(
        answers.send(answer(5, Decision::Deny, Scope::Once, None)),
        Err(Rejection::AlreadyAnswered(5))
    );
    assert_eq!(rx.try_iter().count(), 1);
    fan.resolved(
        5,
        &Resolution::Answered(answer(5, Decision::Allow, Scope::Once, None)),
    );
    assert_eq!(answers.open_count(), 0);
}

#[test]
fn the_terminal_prompt_takes_asks_only_while_attached_and_denies_the_stranded() {
    let (tx, rx) = std::sync::mpsc::channel();
    let (tty, mut console) = super::tty::channel(Answers::new(tx)).unwrap();
    assert!(
        !tty.show(&ask(1, "/a")),
        "no console yet: nobody can answer"
    );
    console.attach();
    assert!(tty.show(&ask(2, "/a")));
    assert!(tty.show(&ask(3, "/b")));
    tty.resolved(3, &Resolution::Edited);
    drop(console);
    // The one still waiting is denied once; the resolved one gets nothing.
    let got: Vec<Answer> = rx.try_iter().collect();
    assert_eq!(got, vec![answer(2, Decision::Deny, Scope::Once, None)]);
    assert!(!tty.show(&ask(4, "/a")));
}
