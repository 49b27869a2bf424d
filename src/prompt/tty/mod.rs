//! The terminal prompt: asks drawn on llrun's own terminal while the program is held.
//!
//! The program runs on a pty of its own (see `run::tty`), so it holds no descriptor of the
//! user's terminal: it cannot draw over the prompt, type into it, or read the keys meant for
//! it. Two halves:
//!
//! - [`TtyPrompter`], the supervisor's side (`Send + Sync`): queues asks and wakes the loop;
//! - [`Console`], owned by the run's event loop: while an ask is shown it holds the relay (the
//!   program's output waits, the user's keys come here), draws the prompt below the cursor,
//!   reads the answer, erases the prompt and lets the relay go on. Queued asks are shown one
//!   after another; an ask resolved elsewhere (over the socket, by a profile edit) disappears.

mod console;
pub mod keys;
pub mod machine;
pub mod overlay;
pub mod render;
pub mod screen;
pub mod visible;

pub use console::{Console, Hold};

use super::{Answers, Ask, Prompter, Resolution};
use std::collections::VecDeque;
use std::io::{PipeWriter, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// For this long after a prompt appears, keys still go to the program: they were typed before
/// the person could see the prompt, and must not answer it by accident.
pub const ARM_DELAY: Duration = Duration::from_millis(400);
/// Notices kept while nobody has seen them.
const MAX_NOTICES: usize = 16;

/// The supervisor's handle on the terminal prompt. Cheap to clone.
#[derive(Clone)]
pub struct TtyPrompter {
    shared: Arc<Shared>,
}

struct Shared {
    answers: Answers,
    queue: Mutex<Queue>,
    /// Non-blocking: a full pipe means a wake-up is pending anyway.
    wake: PipeWriter,
}

#[derive(Default)]
struct Queue {
    /// Waiting asks; the front one is on the screen.
    asks: VecDeque<Ask>,
    notices: VecDeque<String>,
    /// A console runs and can show asks.
    attached: bool,
}

/// The two halves of a terminal prompt; the console shows nothing until
/// [`Console::attach`]ed to a running session.
pub fn channel(answers: impl Into<Answers>) -> std::io::Result<(TtyPrompter, Console)> {
    let (reader, writer) = std::io::pipe()?;
    llrun_kernel::terminal::set_nonblocking(&reader)?;
    llrun_kernel::terminal::set_nonblocking(&writer)?;
    let shared = Arc::new(Shared {
        answers: answers.into(),
        queue: Mutex::default(),
        wake: writer,
    });
    let console = Console::new(Arc::clone(&shared), reader);
    Ok((TtyPrompter { shared }, console))
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Each update is one queue operation: a panic cannot leave it torn.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wake(&self) {
        let _ = (&self.wake).write(&[1]);
    }

    /// Nobody will show asks here any more: refuse new ones and deny the waiting ones once,
    /// failing closed as the supervisor does when nobody can answer.
    fn strand(&self) {
        let stranded: Vec<Ask> = {
            let mut queue = self.lock();
            queue.attached = false;
            queue.asks.drain(..).collect()
        };
        for ask in stranded {
            let _ = self.answers.send(super::Answer {
                id: ask.id,
                decision: super::Decision::Deny,
                scope: super::Scope::Once,
                pattern: None,
            });
        }
    }
}

impl Prompter for TtyPrompter {
    fn show(&self, ask: &Ask) -> bool {
        let mut queue = self.shared.lock();
        if !queue.attached {
            return false;
        }
        if queue.asks.iter().any(|a| a.id == ask.id) {
            return true;
        }
        if !self.shared.answers.open(ask.id) {
            return false;
        }
        queue.asks.push_back(ask.clone());
        drop(queue);
        self.shared.wake();
        true
    }

    fn resolved(&self, id: u64, how: &Resolution) {
        self.shared.answers.close(id, how);
        let mut queue = self.shared.lock();
        let before = queue.asks.len();
        queue.asks.retain(|a| a.id != id);
        if queue.asks.len() != before {
            drop(queue);
            self.shared.wake();
        }
    }

    fn notice(&self, text: &str) {
        let mut queue = self.shared.lock();
        if !queue.attached {
            return;
        }
        if queue.notices.len() == MAX_NOTICES {
            queue.notices.pop_front();
        }
        queue.notices.push_back(text.to_string());
        drop(queue);
        self.shared.wake();
    }
}
