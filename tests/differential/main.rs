//! The differential test: what `llrun explain --json` predicts is what a real process gets.
//!
//! Random file trees and random profiles over them (allow, deny and ask rules, nested, with
//! globs, sometimes two layers). For every (path, access) pair, explain's verdict is compared
//! with what a real program under llrun gets from the kernel (and from the supervisor, whose
//! asks a scripted prompt client answers). Every disagreement is a bug in explain, the
//! compiler, the supervisor or the kernel glue; it is shrunk to a minimal case and printed, and
//! kept in [`regressions`] as a named test.
//!
//! CI runs a fixed seed. A longer randomized run:
//! `LLRUN_DIFF_CASES=5000 LLRUN_DIFF_SEED=random cargo test --release --test differential`
//! (README, "Test").

#[path = "../common/mod.rs"]
mod common;

mod case;
mod differ;
mod generate;
mod predict;
mod regressions;
mod rng;
mod run;
mod shrink;

use differ::Disagreement;
use rng::Rng;

/// Cases per CI run with the fixed seed (each tries some fifty pairs).
const CI_CASES: usize = 150;
const CI_SEED: u64 = 0x11_2026;

/// `LLRUN_DIFF_CASES` and `LLRUN_DIFF_SEED` (a number, or `random`).
fn settings() -> (usize, u64) {
    let cases = std::env::var("LLRUN_DIFF_CASES")
        .ok()
        .map(|v| v.parse().expect("LLRUN_DIFF_CASES is a number"))
        .unwrap_or(CI_CASES);
    let seed = match std::env::var("LLRUN_DIFF_SEED").ok().as_deref() {
        None => CI_SEED,
        Some("random") => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
        Some(n) => n.parse().expect("LLRUN_DIFF_SEED is a number or `random`"),
    };
    (cases, seed)
}

#[test]
fn explain_predicts_what_the_kernel_does_on_random_cases() {
    let (cases, seed) = settings();
    eprintln!("differential: LLRUN_DIFF_SEED={seed}, {cases} cases");
    let mut rng = Rng::new(seed);
    let (mut pairs_run, mut reports) = (0, Vec::new());
    let mut tally = differ::Tally::default();
    for i in 0..cases {
        let case = generate::case(&mut rng);
        let pairs = generate::pairs(&case);
        pairs_run += pairs.len();
        let (found, counted) = differ::check_counting(&case, &pairs);
        tally.add(counted);
        if let Some(first) = found.first() {
            reports.push(report(i, &case, first, found.len()));
        }
    }
    eprintln!(
        "differential: {cases} cases, {pairs_run} (path, access) pairs ({tally:?}), {} cases disagree",
        reports.len()
    );
    assert!(reports.is_empty(), "{}", reports.join("\n"));
    if cases >= CI_CASES {
        // Every kind of verdict was met often enough for the agreement to mean something.
        let kinds = [
            tally.granted,
            tally.carried_out,
            tally.denied,
            tally.asked_allowed,
            tally.asked_denied,
        ];
        assert!(kinds.iter().all(|n| *n >= 20), "{tally:?}");
    }
}

/// A disagreement, shrunk, as text to paste into [`regressions`].
fn report(i: usize, case: &case::Case, first: &Disagreement, count: usize) -> String {
    let mut text = format!("case {i}: {count} disagreement(s); the first:\n{first}");
    match shrink::shrink(case, first) {
        Some((small, d)) => text += &format!("shrunk to:\n{small}pair: {}\n{d}", d.pair),
        None => text += &format!("(the pair alone agrees; the whole case:)\n{case}"),
    }
    text
}

/// Replays the case in the file `LLRUN_DIFF_REPLAY` (its text form, as a failure prints it)
/// with all its pairs, printing every disagreement.
#[test]
#[ignore = "a tool: LLRUN_DIFF_REPLAY=FILE cargo test --test differential replay -- --ignored"]
fn replay() {
    let file = std::env::var("LLRUN_DIFF_REPLAY").expect("LLRUN_DIFF_REPLAY=FILE");
    let case = case::Case::parse(&std::fs::read_to_string(file).unwrap());
    let found = differ::check(&case, &generate::pairs(&case));
    let text: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert!(found.is_empty(), "{case}{}", text.join(""));
}
