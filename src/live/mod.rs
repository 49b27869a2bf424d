//! Live edits: the running sandbox follows its profile files (DESIGN.md §3, "Live edits").
//!
//! One thread, started once the supervisor runs ([`Live::start`]). It watches every file of
//! every layer's include graph and the search path ([`watch`]), gathers each burst of file events
//! into one reload at a moment the files are whole ([`debounce`]), and loads the profiles again
//! exactly as at start ([`reload`]). A valid version goes to [`Shared::reload`], which puts
//! it in force for every trapped call and decides the held asks again; an invalid one leaves the
//! version in force alone and is reported with its `file:line:col`. What a version cannot change
//! in the running program is said plainly ([`limits`]), and every reload is logged, shown on the
//! prompt channels and kept for `status` ([`report`]).
//!
//! Nothing here grants anything by itself: a version only takes effect through the same
//! supervisor decisions as the profile loaded at start, on top of the same static Landlock
//! rulesets, so a broken, half-saved or vanished profile can at worst leave the last valid
//! version in force. "Always" answers are written to the `.local` override and come back through
//! this same path, like any other edit.

pub mod debounce;
pub mod limits;
pub mod reload;
pub mod report;
pub mod watch;

use crate::prompt::socket::SocketPrompter;
#[cfg(doc)]
use crate::supervise::Shared;
use crate::supervise::Supervisor;
use debounce::Debounce;
use limits::Settings;
use reload::{Fingerprint, Loader};
use report::{Problem, Reporter};
use std::sync::Arc;
use std::time::{Duration, Instant};
use watch::{Next, Targets, Watch};

/// While the files make an invalid profile, they are read again this often: an edit that fixes
/// it may land where no watch was (a new directory an include names).
const RETRY: Duration = Duration::from_secs(1);
/// A version that depends on new directories is loaded again after watching them, at most this
/// many times, so that nothing written there between the read and the watch is missed.
const SETTLE_ROUNDS: usize = 3;
/// How often missing search-path directories are looked for.
const LOOK_FOR_MISSING: Duration = Duration::from_secs(1);

/// What following the profile files needs, besides the supervisor.
pub struct Live {
    pub loader: Loader,
    /// The prompt socket, to keep its `status` replies current.
    pub socket: Option<Arc<SocketPrompter>>,
    /// No prompt channel: reports go to llrun's stderr as well.
    pub echo: bool,
}

impl Live {
    /// Starts following the profile files for `supervisor`'s policy.
    pub fn start(self, supervisor: Supervisor) -> std::io::Result<()> {
        let watch = Watch::new().map_err(std::io::Error::other)?;
        std::thread::Builder::new()
            .name("llrun-live".into())
            .spawn(move || Follower::new(self, supervisor, watch).run())?;
        Ok(())
    }
}

/// What one reload came to.
enum Outcome {
    /// The files make a valid profile (put in force, or the one in force already).
    Valid,
    /// They do not; the version in force stays.
    Invalid,
    /// They changed while being read: these changes, to wait out.
    Moving(Vec<debounce::Change>),
}

/// The thread's state: the version in force and what it depends on.
struct Follower {
    loader: Loader,
    supervisor: Supervisor,
    watch: Watch,
    targets: Targets,
    fingerprint: Fingerprint,
    version: u64,
    /// What the program was started with, which edits cannot change.
    start: Vec<Settings>,
    report: Reporter,
}

impl Follower {
    fn new(live: Live, supervisor: Supervisor, watch: Watch) -> Follower {
        let (targets, fingerprint, start) = supervisor.shared.with_policy(|policy| {
            let layers: Vec<_> = policy.layers.iter().map(|l| l.layer.clone()).collect();
            (
                Targets::of(&layers, &live.loader.ctx.search_path),
                Fingerprint::of(&layers, &policy.sources),
                layers.iter().map(Settings::of).collect(),
            )
        });
        let report = Reporter::new(Arc::clone(&supervisor.shared), live.socket, live.echo);
        Follower {
            loader: live.loader,
            supervisor,
            watch,
            targets,
            fingerprint,
            version: 1,
            start,
            report,
        }
    }

    /// Follows edits until llrun exits.
    ///
    /// Search-path directories that do not exist are looked for every [`LOOK_FOR_MISSING`]
    /// instead of watched (see [`watch::Targets`]).
    fn run(mut self) {
        let (failed, _) = self.watch.follow(&self.targets);
        self.report.unwatched(&failed);
        self.report.following(self.targets.files());
        self.check_limits(true);
        // The files may have changed between loading them and watching them: look once now.
        let mut debounce = Debounce::default();
        let mut retry = None;
        let outcome = self.reload(false);
        settle(outcome, &mut debounce, &mut retry);
        let mut look = Instant::now() + LOOK_FOR_MISSING;
        loop {
            let deadline = match (debounce.deadline(), retry) {
                (Some(d), Some(r)) => Some(d.min(r)),
                (d, r) => d.or(r),
            };
            let deadline = match (deadline, self.targets.polls()) {
                (d, false) => d,
                (None, true) => Some(look),
                (Some(d), true) => Some(d.min(look)),
            };
            match self.watch.next(deadline) {
                Next::Change(change) => debounce.feed(change, Instant::now()),
                Next::Timeout => {}
                Next::Closed => return,
            }
            let now = Instant::now();
            if now >= look {
                look = now + LOOK_FOR_MISSING;
                if self.targets.appeared() {
                    retry = Some(now);
                }
            }
            if debounce.due(now) || retry.is_some_and(|r| now >= r) {
                debounce.reset();
                retry = None;
                let outcome = self.reload(true);
                settle(outcome, &mut debounce, &mut retry);
            }
        }
    }

    /// Loads the files as they are and puts the result in force if it is valid and new.
    fn reload(&mut self, report_unchanged: bool) -> Outcome {
        let loaded = self.load_settled();
        // Files that changed while they were read may have been read half-written: read again
        // once they settle, and judge nothing by what was read now.
        let moving = self.watch.drain();
        if !moving.is_empty() {
            return Outcome::Moving(moving);
        }
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                self.report
                    .invalid(self.version, &Problem::of_profiles(&error));
                return Outcome::Invalid;
            }
        };
        let fingerprint = Fingerprint::of(&loaded.layers, &loaded.sources);
        if fingerprint == self.fingerprint {
            if report_unchanged {
                self.report.unchanged(self.version);
            }
            return Outcome::Valid;
        }
        if let Err(e) = self.supervisor.shared.reload(loaded.layers, loaded.sources) {
            self.report.invalid(self.version, &Problem::of_layers(&e));
            return Outcome::Invalid;
        }
        self.version += 1;
        let changed = fingerprint.changed(&self.fingerprint);
        self.fingerprint = fingerprint;
        self.report.applied(self.version, &changed);
        self.report.following(self.targets.files());
        self.check_limits(false);
        Outcome::Valid
    }

    /// Loads the profiles and watches what they depend on, loading again while that needed
    /// new directories: a file written there before its watch existed is then read anyway.
    fn load_settled(&mut self) -> Result<crate::profiles::Loaded, crate::error::Error> {
        // inotify drops the watch of a directory that was removed; put it back before reading.
        let (failed, _) = self.watch.follow(&self.targets);
        self.report.unwatched(&failed);
        let mut loaded = self.loader.load()?;
        for _ in 0..SETTLE_ROUNDS {
            let targets = Targets::of(&loaded.layers, &self.loader.ctx.search_path);
            let (failed, grew) = self.watch.follow(&targets);
            self.report.unwatched(&failed);
            self.targets = targets;
            if !grew {
                break;
            }
            loaded = self.loader.load()?;
        }
        Ok(loaded)
    }

    /// Reports what the version in force asks for that the running program cannot get.
    fn check_limits(&mut self, baseline: bool) {
        let found = self
            .supervisor
            .shared
            .with_policy(|policy| limits::limits(policy, &self.start));
        self.report.limits(found, baseline);
    }
}

/// What comes after a reload: another one once the files settle, or a retry while they make an
/// invalid profile.
fn settle(outcome: Outcome, debounce: &mut Debounce, retry: &mut Option<Instant>) {
    match outcome {
        Outcome::Valid => {}
        Outcome::Invalid => *retry = Some(Instant::now() + RETRY),
        Outcome::Moving(changes) => {
            let now = Instant::now();
            changes.into_iter().for_each(|c| debounce.feed(c, now));
        }
    }
}
