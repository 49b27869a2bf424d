//! One case, checked: explain's prediction for every pair against what the program got, and
//! the asks explain predicted against those the client saw.

use crate::case::{Case, Pair};
use crate::predict::{self, Expect};
use crate::run::Setup;
use std::fmt;

/// A pair on which explain and the kernel disagree.
#[derive(Debug, Clone)]
pub struct Disagreement {
    pub pair: Pair,
    /// What disagreed, the same for the same bug (kept while shrinking).
    pub kind: String,
    /// The verdicts explain gave for the rights the pair needs.
    pub why: Vec<String>,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}", self.pair, self.kind)?;
        for w in &self.why {
            writeln!(f, "    explain: {w}")?;
        }
        Ok(())
    }
}

/// How many pairs of each prediction a run met: the test must meet them all to mean anything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub granted: usize,
    pub carried_out: usize,
    pub denied: usize,
    pub asked_allowed: usize,
    pub asked_denied: usize,
}

impl Tally {
    fn count(&mut self, e: &Expect) {
        match e {
            Expect::Granted => self.granted += 1,
            Expect::CarriedOut => self.carried_out += 1,
            Expect::Denied => self.denied += 1,
            Expect::Asked { allowed: true, .. } => self.asked_allowed += 1,
            Expect::Asked { allowed: false, .. } => self.asked_denied += 1,
        }
    }

    pub fn add(&mut self, other: Tally) {
        self.granted += other.granted;
        self.carried_out += other.carried_out;
        self.denied += other.denied;
        self.asked_allowed += other.asked_allowed;
        self.asked_denied += other.asked_denied;
    }
}

/// Runs `case` on `pairs` and returns every disagreement.
pub fn check(case: &Case, pairs: &[Pair]) -> Vec<Disagreement> {
    check_counting(case, pairs).0
}

/// [`check`], and what was predicted.
pub fn check_counting(case: &Case, pairs: &[Pair]) -> (Vec<Disagreement>, Tally) {
    let setup = Setup::new(case);
    let mut paths: Vec<String> = pairs
        .iter()
        .flat_map(|p| predict::paths(&setup, p))
        .collect();
    paths.sort();
    paths.dedup();
    let reports = setup.explain(&paths);
    let predicted: Vec<(Expect, Vec<String>)> = pairs
        .iter()
        .map(|p| predict::expect(&setup, p, &reports, case.answers))
        .collect();
    let attempted = setup.attempt(case, pairs);
    let mut found = Vec::new();
    let mut tally = Tally::default();
    predicted.iter().for_each(|(e, _)| tally.count(e));
    for pair in pairs {
        let widened = predict::widened(&setup, pair, &reports);
        if !widened.is_empty() {
            found.push(Disagreement {
                pair: pair.clone(),
                kind: "the compiled rules grant what the profile denies".into(),
                why: widened,
            });
        }
    }
    for ((pair, (expect, why)), got) in pairs.iter().zip(&predicted).zip(&attempted.results) {
        if got != expect.result() {
            found.push(Disagreement {
                pair: pair.clone(),
                kind: format!("explain predicts {expect:?}, the program got {got}"),
                why: why.clone(),
            });
        }
    }
    found.extend(asks(pairs, &predicted, &attempted.asks));
    (found, tally)
}

/// Asks predicted but not seen, and seen but not predicted (each ask named by its target).
fn asks(pairs: &[Pair], predicted: &[(Expect, Vec<String>)], seen: &[String]) -> Vec<Disagreement> {
    let mut unseen: Vec<(usize, &str)> = predicted
        .iter()
        .enumerate()
        .filter_map(|(i, (e, _))| match e {
            Expect::Asked { target, .. } => Some((i, target.as_str())),
            _ => None,
        })
        .collect();
    let mut unexpected = Vec::new();
    for target in seen {
        match unseen.iter().position(|(_, t)| t == target) {
            Some(at) => {
                unseen.remove(at);
            }
            None => unexpected.push(target.clone()),
        }
    }
    let mut found: Vec<Disagreement> = unseen
        .into_iter()
        .map(|(i, target)| Disagreement {
            pair: pairs[i].clone(),
            kind: format!("explain predicts an ask about {target}; none came"),
            why: predicted[i].1.clone(),
        })
        .collect();
    // An ask nobody predicted names no pair by itself: blame the pair nearest its target.
    for target in unexpected {
        let blamed = (0..pairs.len())
            .filter(|i| target.starts_with(&pairs[*i].path))
            .max_by_key(|i| pairs[*i].path.len())
            .unwrap_or(0);
        found.push(Disagreement {
            pair: pairs[blamed].clone(),
            kind: format!("an ask about {target} came, which explain did not predict"),
            why: predicted[blamed].1.clone(),
        });
    }
    found
}
