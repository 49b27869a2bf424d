//! The terminal prompt's pure parts: key decoding, the state machine, lines and overlay bytes.

use super::ask;
use crate::prompt::tty::keys::{Key, decode};
use crate::prompt::tty::machine::{Prompt, Selected, Step, View};
use crate::prompt::tty::overlay::Overlay;
use crate::prompt::tty::render::{self, Style};
use crate::prompt::{Answer, Decision, Scope};

fn armed(id: u64, path: &str) -> Prompt {
    let mut p = Prompt::new(ask(id, path));
    p.arm();
    p
}

fn feed(p: &mut Prompt, bytes: &[u8]) -> Vec<Step> {
    decode(bytes).into_iter().map(|k| p.key(k)).collect()
}

fn answered(step: &Step) -> &Answer {
    match step {
        Step::Answer(a) => a,
        other => panic!("not an answer: {other:?}"),
    }
}

#[test]
fn keys_decode_from_raw_bytes() {
    assert_eq!(
        decode(b"a\r\x7f\x03\x15\x1b"),
        vec![
            Key::Char('a'),
            Key::Enter,
            Key::Backspace,
            Key::Interrupt,
            Key::ClearLine,
            Key::Escape
        ]
    );
    // Arrows and function keys are one ignored key each, not an Escape and letters.
    assert_eq!(
        decode(b"\x1b[A\x1b[15~\x1bOPx"),
        vec![Key::Other, Key::Other, Key::Other, Key::Char('x')]
    );
    assert_eq!(
        decode("é/".as_bytes()),
        vec![Key::Char('é'), Key::Char('/')]
    );
    assert_eq!(decode(b"\xff\x01"), vec![Key::Other, Key::Other]);
    assert_eq!(decode(b"\x1bx"), vec![Key::Escape, Key::Char('x')]);
}

#[test]
fn a_mouse_report_is_one_key_not_letters() {
    // A left click on column 87 (`w`) of row 10, in the X10 encoding, then a key.
    assert_eq!(decode(b"\x1b[M w*d"), vec![Key::Other, Key::Char('d')]);
    // Columns past 95 are bytes past 127, or UTF-8 characters in mode 1005.
    assert_eq!(decode(b"\x1b[M \xff*"), vec![Key::Other]);
    assert_eq!(
        decode("\x1b[M \u{80}*a".as_bytes()),
        vec![Key::Other, Key::Char('a')]
    );
    // The SGR encoding is a sequence with a final byte; a report cut short is still one key.
    assert_eq!(decode(b"\x1b[<0;87;10Ma"), vec![Key::Other, Key::Char('a')]);
    assert_eq!(decode(b"\x1b[M w"), vec![Key::Other]);
}

#[test]
fn keys_before_arming_do_nothing() {
    let mut p = Prompt::new(ask(1, "/a/b"));
    assert!(
        feed(&mut p, b"aaaarwd\r")
            .iter()
            .all(|s| *s == Step::Ignored)
    );
    p.arm();
    assert_eq!(answered(&p.key(Key::Char('a'))).decision, Decision::Allow);
}

#[test]
fn each_answer_key_gives_its_decision_and_scope() {
    let table = [
        ('a', Decision::Allow, Scope::Once),
        ('r', Decision::Allow, Scope::Run),
        ('w', Decision::Allow, Scope::Always),
        ('d', Decision::Deny, Scope::Once),
        ('n', Decision::Deny, Scope::Run),
        ('x', Decision::Deny, Scope::Always),
    ];
    for (key, decision, scope) in table {
        let mut p = armed(7, "/a/b");
        let a = answered(&p.key(Key::Char(key))).clone();
        assert_eq!(
            a,
            Answer {
                id: 7,
                decision,
                scope,
                pattern: None
            },
            "{key}"
        );
    }
    let mut p = armed(7, "/a/b");
    assert_eq!(answered(&p.key(Key::Interrupt)).decision, Decision::Deny);
    let mut p = armed(7, "/a/b");
    for k in [
        Key::Enter,
        Key::Char('y'),
        Key::Char('A'),
        Key::Escape,
        Key::Other,
    ] {
        assert_eq!(p.key(k), Step::Ignored, "{k:?}");
    }
}

#[test]
fn a_widening_is_chosen_from_the_options() {
    let mut p = armed(3, "/home/u/a.pdf");
    assert_eq!(p.key(Key::Char('o')), Step::Redraw);
    assert_eq!(p.view(), &View::Options);
    assert_eq!(p.key(Key::Char('9')), Step::Ignored, "no ninth choice");
    assert_eq!(p.key(Key::Char('3')), Step::Redraw);
    assert_eq!(p.view(), &View::Main);
    assert_eq!(p.selected(), &Selected::Choice(2));
    let a = answered(&p.key(Key::Char('r'))).clone();
    assert_eq!(a.pattern.as_deref(), Some("/home/u/**"));
    assert_eq!(a.scope, Scope::Run);
    // Back to the exact target, and out of the options without choosing.
    let mut p = armed(3, "/home/u/a.pdf");
    feed(&mut p, b"o2oe");
    assert_eq!(p.pattern(), None);
    feed(&mut p, b"o\x1b");
    assert_eq!(p.view(), &View::Main);
}

#[test]
fn a_custom_pattern_is_edited_checked_and_used() {
    let mut p = armed(3, "/home/u/docs/a.pdf");
    feed(&mut p, b"oc");
    assert_eq!(p.view(), &View::Custom("/home/u/docs/a.pdf".into()));
    feed(&mut p, b"\x15/etc\r");
    assert!(
        p.problem().unwrap().contains("does not cover"),
        "{:?}",
        p.problem()
    );
    assert!(matches!(p.view(), View::Custom(_)));
    feed(&mut p, b"\x7f\x7f\x7fhome/u/*/*.pdf\r");
    assert_eq!(p.problem(), None);
    assert_eq!(p.view(), &View::Main);
    let a = answered(&p.key(Key::Char('w'))).clone();
    assert_eq!(a.pattern.as_deref(), Some("/home/u/*/*.pdf"));
    // Escape leaves the editor without changing the selection.
    let mut p = armed(3, "/home/u/docs/a.pdf");
    feed(&mut p, b"ocxyz\x1b");
    assert_eq!(p.view(), &View::Options);
    assert_eq!(p.pattern(), None);
}

#[test]
fn lines_say_who_asks_what_and_fit_the_width() {
    let mut p = armed(3, "/home/u/a.pdf");
    let lines = render::lines(&p, 2, 200);
    let text: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(lines[0].style, Style::Title);
    assert!(text[0].contains("cat wants to read"), "{text:?}");
    assert!(text[1].contains("/home/u/a.pdf"));
    assert!(text.iter().any(|t| t.contains("cat.llp:3")));
    assert!(
        text.iter()
            .any(|t| t.contains("2 more waiting") && t.contains("30 s"))
    );
    assert!(text.iter().any(|t| t.contains("[a] allow once")));
    for width in [20, 40, 79] {
        for l in render::lines(&p, 0, width) {
            assert!(l.text.chars().count() <= width, "{width}: {}", l.text);
        }
    }
    feed(&mut p, b"o");
    let lines = render::lines(&p, 0, 200);
    assert!(
        lines
            .iter()
            .any(|l| l.text.contains("[3] the folder's contents: /home/u/**"))
    );
    let unarmed = render::lines(&Prompt::new(ask(1, "/a")), 0, 200);
    assert!(
        !unarmed.iter().any(|l| l.text.contains("[a]")),
        "no keys before arming"
    );
}

#[test]
fn always_says_when_it_holds_for_this_run_only() {
    let keys = |allow_always: bool| {
        let mut a = ask(3, "/home/u/a.pdf");
        a.allow_always = allow_always;
        let mut p = Prompt::new(a);
        p.arm();
        let lines = render::lines(&p, 0, 200);
        lines
            .into_iter()
            .map(|l| l.text)
            .find(|t| t.contains("[w]"))
    };
    assert!(!keys(true).unwrap().contains("this run only"));
    assert!(
        keys(false)
            .unwrap()
            .contains("[w] allow always (this run only")
    );
}

#[test]
fn a_problem_is_wrapped_not_cut() {
    let mut p = armed(3, "/home/u/docs/a.pdf");
    feed(&mut p, b"oc\x15/etc\r");
    let lines = render::lines(&p, 0, 30);
    let problem: String = lines
        .iter()
        .filter(|l| l.style == Style::Problem)
        .flat_map(|l| l.text.chars().filter(|c| !c.is_whitespace()))
        .collect();
    assert!(problem.contains("wouldnotanswerthisask"), "{lines:?}");
    assert!(lines.iter().all(|l| l.text.chars().count() <= 30));
}

#[test]
fn fitting_keeps_both_ends() {
    assert_eq!(render::fit("/very/long/path/to/file", 11), "/very…/file");
    assert_eq!(render::fit("short", 11), "short");
}

#[test]
fn the_overlay_makes_room_draws_and_erases_back_to_the_cursor() {
    let mut o = Overlay::default();
    let lines = render::lines(&armed(1, "/a"), 0, 80);
    let n = lines.len();
    let drawn = String::from_utf8(o.draw(&lines)).unwrap();
    // Cancel any unfinished sequence, let the whole screen scroll, make room, go back up, save
    // the cursor, draw in ASCII.
    let start = format!(
        "\x18\x1b7\x1b[r\x1b8{}\x1b[{n}A\x1b7\x1b(B\x0f",
        "\n".repeat(n)
    );
    assert!(drawn.starts_with(&start), "{drawn:?}");
    assert_eq!(drawn.matches("\r\n").count(), n);
    assert!(o.shown());
    let redrawn = String::from_utf8(o.draw(&lines)).unwrap();
    assert!(redrawn.starts_with("\x1b8"), "a redraw erases first");
    let erased = String::from_utf8(o.erase()).unwrap();
    assert_eq!(
        erased,
        format!("\x1b8\x1b[0m{}\x1b8", "\x1b[B\x1b[2K".repeat(n))
    );
    assert!(o.erase().is_empty());
}
