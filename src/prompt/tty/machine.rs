//! One ask on a terminal, as a pure state machine: keys in, a redraw or an answer out.
//!
//! ```text
//! [a] allow once   [r] allow for this run   [w] allow always
//! [d] deny once    [n] deny for this run    [x] deny always    [o] more options
//! ```
//! `o` lists the supervisor's widenings (`1`…`9`) and `c` for a custom pattern; the answer
//! keys then answer for the chosen pattern. Ctrl-C denies once. Until [`Prompt::arm`] no key
//! counts: keys typed just before the prompt appeared were meant for the program.

use super::keys::Key;
use crate::prompt::{Answer, Ask, Decision, Scope};

/// The ask being shown and where the person is in answering it.
#[derive(Debug, Clone)]
pub struct Prompt {
    ask: Ask,
    view: View,
    selected: Selected,
    armed: bool,
    /// Why the last custom pattern was not taken.
    problem: Option<String>,
}

/// What the screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// The answer keys.
    Main,
    /// The list of widenings.
    Options,
    /// Typing a custom pattern.
    Custom(String),
}

/// The pattern the answer will cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selected {
    /// The exact target.
    Exact,
    /// One of the ask's choices, by index.
    Choice(usize),
    Custom(String),
}

/// What a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Nothing changed.
    Ignored,
    Redraw,
    Answer(Answer),
}

impl Prompt {
    pub fn new(ask: Ask) -> Prompt {
        Prompt {
            ask,
            view: View::Main,
            selected: Selected::Exact,
            armed: false,
            problem: None,
        }
    }

    pub fn ask(&self) -> &Ask {
        &self.ask
    }

    pub fn view(&self) -> &View {
        &self.view
    }

    pub fn selected(&self) -> &Selected {
        &self.selected
    }

    pub fn armed(&self) -> bool {
        self.armed
    }

    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// Keys count from now on.
    pub fn arm(&mut self) {
        self.armed = true;
    }

    /// The widened pattern, if any.
    pub fn pattern(&self) -> Option<&str> {
        match &self.selected {
            Selected::Exact => None,
            Selected::Choice(i) => self.ask.choices.get(*i).map(|c| c.pattern.as_str()),
            Selected::Custom(p) => Some(p),
        }
    }

    pub fn key(&mut self, key: Key) -> Step {
        if !self.armed {
            return Step::Ignored;
        }
        match self.view.clone() {
            View::Main => self.main_key(key),
            View::Options => self.options_key(key),
            View::Custom(text) => self.custom_key(key, text),
        }
    }

    fn main_key(&mut self, key: Key) -> Step {
        let (decision, scope) = match key {
            Key::Char('a') => (Decision::Allow, Scope::Once),
            Key::Char('r') => (Decision::Allow, Scope::Run),
            Key::Char('w') => (Decision::Allow, Scope::Always),
            Key::Char('d') | Key::Interrupt => (Decision::Deny, Scope::Once),
            Key::Char('n') => (Decision::Deny, Scope::Run),
            Key::Char('x') => (Decision::Deny, Scope::Always),
            Key::Char('o') => return self.go(View::Options),
            _ => return Step::Ignored,
        };
        Step::Answer(Answer {
            id: self.ask.id,
            decision,
            scope,
            pattern: self.pattern().map(str::to_string),
        })
    }

    fn options_key(&mut self, key: Key) -> Step {
        match key {
            Key::Char(c @ '1'..='9') => {
                let index = c as usize - '1' as usize;
                if index >= self.ask.choices.len() {
                    return Step::Ignored;
                }
                self.selected = Selected::Choice(index);
                self.go(View::Main)
            }
            Key::Char('e') => {
                self.selected = Selected::Exact;
                self.go(View::Main)
            }
            Key::Char('c') => {
                let start = self
                    .pattern()
                    .map_or_else(|| self.target_text(), str::to_string);
                self.go(View::Custom(start))
            }
            Key::Char('b') | Key::Escape | Key::Interrupt => self.go(View::Main),
            _ => Step::Ignored,
        }
    }

    fn custom_key(&mut self, key: Key, mut text: String) -> Step {
        match key {
            Key::Char(c) => text.push(c),
            Key::Backspace => drop(text.pop()),
            Key::ClearLine => text.clear(),
            Key::Escape | Key::Interrupt => return self.go(View::Options),
            Key::Enter => return self.take_custom(text),
            Key::Other => return Step::Ignored,
        }
        self.view = View::Custom(text);
        Step::Redraw
    }

    /// Takes a typed pattern if it would answer this ask.
    fn take_custom(&mut self, text: String) -> Step {
        let probe = Answer {
            id: self.ask.id,
            decision: Decision::Deny,
            scope: Scope::Once,
            pattern: Some(text.clone()),
        };
        match probe.check(&self.ask) {
            Ok(()) => {
                self.selected = Selected::Custom(text);
                self.go(View::Main)
            }
            Err(e) => {
                self.problem = Some(e.to_string());
                self.view = View::Custom(text);
                Step::Redraw
            }
        }
    }

    fn go(&mut self, view: View) -> Step {
        self.view = view;
        self.problem = None;
        Step::Redraw
    }

    /// The target as a pattern would name it.
    fn target_text(&self) -> String {
        match &self.ask.target {
            crate::prompt::Target::Path { path } => path.clone(),
            crate::prompt::Target::Net { port, .. } => port.to_string(),
        }
    }
}
