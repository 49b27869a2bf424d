//! Threads that carry out calls for the program. A call llrun performs can block for as long
//! as the program likes (opening a FIFO waits for the other end, which may be another of the
//! program's calls), so every job gets a thread of its own: an idle one reserved for it, or a
//! new one, up to a cap. Reserving before queueing means a queued job never waits behind a
//! blocked one, and keeping threads alive saves a spawn (tens of µs) on the answer path.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// At most this many threads carry out calls at once; past it, calls are refused and logged.
pub const MAX_WORKERS: usize = 64;

pub struct Workers {
    queue: Mutex<Sender<Job>>,
    jobs: Arc<Mutex<Receiver<Job>>>,
    /// Threads waiting for a job and not yet reserved.
    idle: Arc<AtomicUsize>,
    threads: AtomicUsize,
}

impl Default for Workers {
    fn default() -> Workers {
        let (tx, rx) = channel();
        Workers {
            queue: Mutex::new(tx),
            jobs: Arc::new(Mutex::new(rx)),
            idle: Arc::new(AtomicUsize::new(0)),
            threads: AtomicUsize::new(0),
        }
    }
}

impl Workers {
    /// Runs `job` on a thread of its own; false (and the job dropped) at the cap.
    pub fn run(&self, job: impl FnOnce() + Send + 'static) -> bool {
        let reserved = self
            .idle
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |i| i.checked_sub(1))
            .is_ok();
        if reserved {
            let queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            return queue.send(Box::new(job)).is_ok();
        }
        if self.threads.fetch_add(1, Ordering::AcqRel) >= MAX_WORKERS {
            self.threads.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        let (jobs, idle) = (Arc::clone(&self.jobs), Arc::clone(&self.idle));
        std::thread::Builder::new()
            .name("llrun-worker".into())
            .spawn(move || {
                job();
                loop {
                    idle.fetch_add(1, Ordering::AcqRel);
                    let next = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    match next {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            })
            .is_ok()
    }
}
