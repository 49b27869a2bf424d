//! The way back to the supervisor: at most one answer per ask, and only for asks still open.
//!
//! Every prompter holds a clone of one [`Answers`]. An ask is *open* from the first `show` until
//! `resolved`; the first answer for an open ask is forwarded and closes it to further answers.
//! Prompters sharing one `Answers` (the terminal and the socket) therefore never send two
//! decisions for one event, whoever answers first, and what a client is told about a refused
//! answer (unknown, already answered, decided) comes from one place.

use super::{Answer, Resolution};
use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

/// At most this many asks are open at once; more are refused (`show` returns false, so the
/// supervisor denies them at once). Ubuntu's prompting caps at 1,000 for the same reason: a
/// flood must not grow memory or bury the real question.
pub const MAX_OPEN: usize = 1024;
/// How many decided ids are remembered, to tell "already decided" from "unknown".
const REMEMBERED: usize = 1024;

/// The first-answer gate in front of the supervisor's channel. Cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct Answers {
    tx: Sender<Answer>,
    gate: Arc<Mutex<Gate>>,
}

#[derive(Debug, Default)]
struct Gate {
    open: HashMap<u64, Open>,
    /// Recently closed asks and how they ended, oldest first.
    closed: VecDeque<(u64, &'static str)>,
}

/// An open ask.
#[derive(Debug, Default)]
struct Open {
    /// How many prompters show it (see [`Answers::withdraw`]).
    shown_by: u32,
    /// An answer was forwarded; later ones are refused until `resolved` closes it.
    answered: bool,
}

/// Why an answer was not forwarded. Nothing was granted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("no ask {0} is pending (never shown, or long decided)")]
    Unknown(u64),
    #[error("ask {0} was already answered; only the first answer counts")]
    AlreadyAnswered(u64),
    #[error("ask {0} was already decided ({1})")]
    Decided(u64, &'static str),
    #[error("llrun no longer takes answers (the program has ended)")]
    Closed,
}

impl Rejection {
    /// The protocol's error code for it (docs/protocol.md).
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Unknown(_) => "unknown-id",
            Rejection::AlreadyAnswered(_) => "already-answered",
            Rejection::Decided(..) => "decided",
            Rejection::Closed => "closed",
        }
    }
}

impl From<Sender<Answer>> for Answers {
    fn from(tx: Sender<Answer>) -> Answers {
        Answers::new(tx)
    }
}

impl Answers {
    pub fn new(tx: Sender<Answer>) -> Answers {
        Answers {
            tx,
            gate: Arc::default(),
        }
    }

    /// Opens `id` for an answer. False when [`MAX_OPEN`] asks are open already. Opening an
    /// open id again is fine (several prompters show the same ask).
    pub fn open(&self, id: u64) -> bool {
        let mut gate = self.lock();
        if !gate.open.contains_key(&id) && gate.open.len() >= MAX_OPEN {
            return false;
        }
        gate.open.entry(id).or_default().shown_by += 1;
        true
    }

    /// Undoes one [`Answers::open`] by a prompter that could not show the ask after all; the
    /// ask closes (unremembered) when no prompter shows it.
    pub fn withdraw(&self, id: u64) {
        let mut gate = self.lock();
        if let Some(open) = gate.open.get_mut(&id) {
            open.shown_by = open.shown_by.saturating_sub(1);
            if open.shown_by == 0 && !open.answered {
                gate.open.remove(&id);
            }
        }
    }

    /// Forwards `answer` if it is the first for an open ask.
    pub fn send(&self, answer: Answer) -> Result<(), Rejection> {
        let id = answer.id;
        let mut gate = self.lock();
        match gate.open.get_mut(&id) {
            Some(open) if open.answered => Err(Rejection::AlreadyAnswered(id)),
            Some(open) => {
                self.tx.send(answer).map_err(|_| Rejection::Closed)?;
                open.answered = true;
                Ok(())
            }
            None => Err(gate.why_not_open(id)),
        }
    }

    /// Whether `id` still waits for an answer; if not, why.
    pub fn waiting(&self, id: u64) -> Result<(), Rejection> {
        let gate = self.lock();
        match gate.open.get(&id) {
            Some(open) if open.answered => Err(Rejection::AlreadyAnswered(id)),
            Some(_) => Ok(()),
            None => Err(gate.why_not_open(id)),
        }
    }

    /// Closes `id` for good.
    pub fn close(&self, id: u64, how: &Resolution) {
        let mut gate = self.lock();
        if gate.open.remove(&id).is_none() {
            return;
        }
        if gate.closed.len() == REMEMBERED {
            gate.closed.pop_front();
        }
        gate.closed.push_back((id, describe(how)));
    }

    /// How many asks are open.
    pub fn open_count(&self) -> usize {
        self.lock().open.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Gate> {
        // A panic elsewhere cannot leave the gate half-updated: every update is one map call.
        self.gate.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Gate {
    fn why_not_open(&self, id: u64) -> Rejection {
        match self.closed.iter().rev().find(|(closed, _)| *closed == id) {
            Some((_, how)) => Rejection::Decided(id, how),
            None => Rejection::Unknown(id),
        }
    }
}

/// A few words for how an ask ended, for messages.
pub fn describe(how: &Resolution) -> &'static str {
    match how {
        Resolution::Answered(_) => "answered",
        Resolution::TimedOut => "timed out",
        Resolution::Edited => "decided by a profile edit",
        Resolution::Exited => "the program is gone",
        Resolution::Refused(_) => "answer refused",
    }
}
