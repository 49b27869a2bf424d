//! Turning a burst of file events into one reload, at a moment the files are whole.
//!
//! Editors save in several steps (truncate and write; write a temporary file and rename it over;
//! delete and recreate), and each step is an event. Reloading at the first one would read half
//! a file, or no file at all, and put in force a version nobody saved. So a reload waits until:
//!
//! - the events have been quiet for [`QUIET`] (or [`MAX_WAIT`] has passed since the burst
//!   began, so that a file saved over and over is still reloaded), and
//! - no file written in place is still open for writing (a `close` after the last write; a
//!   writer that never closes is waited for at most [`WRITE_GRACE`]), and
//! - no followed file that disappeared has been gone less than [`GONE_GRACE`] (it is most likely
//!   being replaced), and
//! - after events were lost (a flood), the files have been quiet for [`LOST_QUIET`].
//!
//! This is pure bookkeeping over the times it is given, so that it can be tested exactly.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long the events must pause before a reload.
pub const QUIET: Duration = Duration::from_millis(5);
/// A burst that never pauses is still reloaded this often.
pub const MAX_WAIT: Duration = Duration::from_millis(250);
/// How long a file written in place may stay open before it is read anyway.
pub const WRITE_GRACE: Duration = Duration::from_millis(500);
/// How long a followed file may be gone before its absence is believed.
pub const GONE_GRACE: Duration = Duration::from_millis(150);
/// After events were lost, nobody knows who is writing what: the files must then be quiet
/// this long.
pub const LOST_QUIET: Duration = Duration::from_millis(100);

/// What happened to a followed path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Its content changed; a writer may still have it open.
    Written(PathBuf),
    /// A writer closed it.
    Closed(PathBuf),
    /// It was deleted or renamed away.
    Gone(PathBuf),
    /// It was created or renamed into place.
    Appeared(PathBuf),
    /// Anything else that may change what a reload reads (permissions, a directory on the
    /// way).
    Touched,
    /// Events were dropped (a flood): anything may have happened.
    Lost,
}

/// The burst being gathered.
#[derive(Debug, Default)]
pub struct Debounce {
    /// When the burst began; `None`: nothing to reload.
    first: Option<Instant>,
    last: Option<Instant>,
    last_write: Option<Instant>,
    writing: HashSet<PathBuf>,
    gone: HashMap<PathBuf, Instant>,
    /// Events were lost in this burst.
    lost: bool,
}

impl Debounce {
    /// Counts one change at `now`.
    pub fn feed(&mut self, change: Change, now: Instant) {
        self.first.get_or_insert(now);
        self.last = Some(now);
        match change {
            Change::Written(path) => {
                self.last_write = Some(now);
                self.gone.remove(&path);
                self.writing.insert(path);
            }
            Change::Closed(path) => {
                self.writing.remove(&path);
            }
            Change::Gone(path) => {
                self.writing.remove(&path);
                self.gone.insert(path, now);
            }
            Change::Appeared(path) => {
                self.gone.remove(&path);
            }
            Change::Touched => {}
            Change::Lost => self.lost = true,
        }
    }

    /// When the reload is due if nothing else happens; `None` when there is nothing to do.
    pub fn deadline(&self) -> Option<Instant> {
        let first = self.first?;
        let last = self.last.unwrap_or(first);
        let mut at = (last + QUIET).min(first + MAX_WAIT);
        if let Some(write) = self.last_write.filter(|_| !self.writing.is_empty()) {
            at = at.max(write + WRITE_GRACE);
        }
        for gone in self.gone.values() {
            at = at.max(*gone + GONE_GRACE);
        }
        if self.lost {
            at = at.max(last + LOST_QUIET);
        }
        Some(at)
    }

    /// Whether the reload is due at `now`.
    pub fn due(&self, now: Instant) -> bool {
        self.deadline().is_some_and(|d| now >= d)
    }

    /// Starts a new burst (after a reload).
    pub fn reset(&mut self) {
        *self = Debounce::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn file() -> PathBuf {
        PathBuf::from("/p/a.llp")
    }

    #[test]
    fn nothing_happened_nothing_is_due() {
        let d = Debounce::default();
        assert_eq!(d.deadline(), None);
        assert!(!d.due(Instant::now()));
    }

    #[test]
    fn a_rename_over_the_file_is_due_after_the_quiet_time() {
        let t = Instant::now();
        let mut d = Debounce::default();
        d.feed(Change::Appeared(file()), t);
        assert!(!d.due(t + QUIET - ms(1)));
        assert!(d.due(t + QUIET));
    }

    #[test]
    fn a_burst_becomes_one_reload_after_its_last_event() {
        let t = Instant::now();
        let mut d = Debounce::default();
        for i in 0..4 {
            d.feed(Change::Touched, t + ms(i));
        }
        assert_eq!(d.deadline(), Some(t + ms(3) + QUIET));
    }

    #[test]
    fn a_file_written_in_place_waits_for_its_writer_to_close_it() {
        let t = Instant::now();
        let mut d = Debounce::default();
        d.feed(Change::Written(file()), t);
        assert!(!d.due(t + ms(100)), "still open for writing");
        d.feed(Change::Closed(file()), t + ms(101));
        assert!(d.due(t + ms(101) + QUIET));
    }

    #[test]
    fn a_writer_that_never_closes_is_waited_for_only_so_long() {
        let t = Instant::now();
        let mut d = Debounce::default();
        d.feed(Change::Written(file()), t);
        assert_eq!(d.deadline(), Some(t + WRITE_GRACE));
    }

    #[test]
    fn a_deleted_file_is_given_time_to_come_back() {
        let t = Instant::now();
        let mut d = Debounce::default();
        d.feed(Change::Gone(file()), t);
        assert!(!d.due(t + ms(20)));
        assert!(d.due(t + GONE_GRACE));
        // Deleted and recreated: due as soon as the burst is quiet.
        d.feed(Change::Appeared(file()), t + ms(2));
        assert!(d.due(t + ms(2) + QUIET));
    }

    #[test]
    fn after_lost_events_the_files_must_be_quiet_longer() {
        let t = Instant::now();
        let mut d = Debounce::default();
        d.feed(Change::Lost, t);
        d.feed(Change::Touched, t + ms(300));
        assert!(!d.due(t + ms(300) + QUIET));
        assert!(d.due(t + ms(300) + LOST_QUIET));
    }

    #[test]
    fn saves_that_never_pause_are_still_reloaded() {
        let t = Instant::now();
        let mut d = Debounce::default();
        let mut now = t;
        while now < t + MAX_WAIT {
            d.feed(Change::Appeared(file()), now);
            now += ms(1);
        }
        assert!(d.due(t + MAX_WAIT));
        d.reset();
        assert_eq!(d.deadline(), None);
    }
}
