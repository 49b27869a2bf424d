//! The first-answer gate: one decision per ask, reasons for every refusal, a bounded count.

use super::answer;
use crate::prompt::answers::MAX_OPEN;
use crate::prompt::{Answers, Decision, Rejection, Resolution, Scope};

fn gate() -> (Answers, std::sync::mpsc::Receiver<crate::prompt::Answer>) {
    let (tx, rx) = std::sync::mpsc::channel();
    (Answers::new(tx), rx)
}

#[test]
fn only_the_first_answer_to_an_open_ask_is_forwarded() {
    let (g, rx) = gate();
    assert!(g.open(1));
    assert_eq!(g.waiting(1), Ok(()));
    g.send(answer(1, Decision::Allow, Scope::Once, None))
        .unwrap();
    assert_eq!(
        g.send(answer(1, Decision::Deny, Scope::Once, None)),
        Err(Rejection::AlreadyAnswered(1))
    );
    assert_eq!(g.waiting(1), Err(Rejection::AlreadyAnswered(1)));
    let got: Vec<_> = rx.try_iter().collect();
    assert_eq!(got, vec![answer(1, Decision::Allow, Scope::Once, None)]);
}

#[test]
fn answers_for_unknown_and_decided_asks_are_refused_with_a_reason() {
    let (g, rx) = gate();
    assert_eq!(
        g.send(answer(9, Decision::Allow, Scope::Once, None)),
        Err(Rejection::Unknown(9))
    );
    g.open(2);
    g.close(2, &Resolution::TimedOut);
    let err = g
        .send(answer(2, Decision::Allow, Scope::Once, None))
        .unwrap_err();
    assert_eq!(err, Rejection::Decided(2, "timed out"));
    assert_eq!(err.code(), "decided");
    assert!(err.to_string().contains("timed out"));
    assert_eq!(rx.try_iter().count(), 0);
}

#[test]
fn a_gone_supervisor_refuses_answers() {
    let (g, rx) = gate();
    g.open(1);
    drop(rx);
    assert_eq!(
        g.send(answer(1, Decision::Allow, Scope::Once, None)),
        Err(Rejection::Closed)
    );
}

#[test]
fn open_asks_are_capped() {
    let (g, _rx) = gate();
    for id in 0..MAX_OPEN as u64 {
        assert!(g.open(id));
    }
    assert!(!g.open(MAX_OPEN as u64));
    assert!(g.open(0), "opening an open ask again is fine");
    g.close(0, &Resolution::Exited);
    assert!(g.open(MAX_OPEN as u64));
    assert_eq!(g.open_count(), MAX_OPEN);
}

#[test]
fn an_ask_withdrawn_by_every_prompter_closes_unremembered() {
    let (g, _rx) = gate();
    g.open(1);
    g.open(1);
    g.withdraw(1);
    assert_eq!(g.waiting(1), Ok(()));
    g.withdraw(1);
    assert_eq!(g.waiting(1), Err(Rejection::Unknown(1)));
}
