//! What is followed, and the file events about it.
//!
//! Watches go on directories, never on the files themselves: an editor that writes a temporary
//! file and renames it over the profile replaces the inode a file watch would sit on, and a file
//! that does not exist yet (a `.local` override, an optional include) cannot be watched at all.
//! A directory watch sees every way a file in it can change. So llrun watches the directory of
//! every file in every layer's include graph (as named, and at each hop of a symlink), and every
//! directory of the profile search path, where a file could appear that `include <NAME>` would
//! then pick. A directory that does not exist yet is watched through its nearest existing
//! ancestor, until it appears.
//!
//! Paths are compared in one form: the directory canonical (symlinks resolved as far as it
//! exists), the last component as named. inotify reports events under the directory it watches,
//! and two names of one directory share one watch, so this is the only form events can match.

use super::debounce::Change;
use crate::policy::Layer;
use crate::resolve::SearchPath;
use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify::{Event, EventKind, INotifyWatcher, RecursiveMode, Watcher};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

/// At most this many events wait to be looked at. A program that may write where the profile
/// lives could otherwise grow llrun's memory with a flood of events; past this, events are
/// dropped and one reload stands for them all.
const QUEUE: usize = 4096;
/// Symlinks followed from one profile file to its target.
const MAX_HOPS: usize = 16;
/// How long [`Watch::drain`] waits for its own event to come back before assuming the worst.
const SENTINEL_WAIT: Duration = Duration::from_millis(200);

/// The files and directories one version of the profiles depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    /// Every file of the include graph, and every symlink hop to its target.
    files: HashSet<PathBuf>,
    /// Where those files are, and the search path.
    dirs: BTreeSet<PathBuf>,
    /// Search-path directories that do not exist: looked for now and then instead of watched
    /// through an ancestor, which would be a busy one (`/etc`, `/usr/share`, `~/.config`) whose
    /// every file open wakes llrun (notify's inotify watches report opens too).
    missing: BTreeSet<PathBuf>,
}

impl Targets {
    /// What `layers` (one version of the profiles) depend on.
    pub fn of(layers: &[Layer], search: &SearchPath) -> Targets {
        let mut t = Targets::default();
        for layer in layers {
            for file in std::iter::once(&layer.path).chain(&layer.files) {
                t.add_file(file);
            }
        }
        for dir in &search.dirs {
            let dir = settle(dir);
            if dir.is_dir() {
                t.dirs.insert(dir);
            } else {
                t.missing.insert(dir);
            }
        }
        t
    }

    /// Whether a search-path directory that was missing exists now (then load again).
    pub fn appeared(&self) -> bool {
        self.missing.iter().any(|d| d.is_dir())
    }

    /// Whether some search-path directory is looked for rather than watched.
    pub fn polls(&self) -> bool {
        !self.missing.is_empty()
    }

    /// How many files are followed.
    pub fn files(&self) -> usize {
        self.files.len()
    }

    fn add_file(&mut self, named: &Path) {
        let mut at = settle(named);
        for _ in 0..MAX_HOPS {
            self.insert(&at);
            let Ok(target) = std::fs::read_link(&at) else {
                break;
            };
            let dir = at.parent().map(Path::to_path_buf).unwrap_or_default();
            at = settle(&dir.join(target));
        }
        if let Ok(real) = std::fs::canonicalize(named) {
            self.insert(&real);
        }
    }

    fn insert(&mut self, file: &Path) {
        if let Some(dir) = file.parent() {
            self.dirs.insert(dir.to_path_buf());
        }
        self.files.insert(file.to_path_buf());
    }

    /// Whether something happening at `path` can change what a reload reads: a followed file,
    /// a profile appearing on the search path, or a directory on the way to a followed one.
    pub fn concerns(&self, path: &Path) -> bool {
        self.files.contains(path)
            || (path.extension().is_some_and(|e| e == "llp")
                && path.parent().is_some_and(|d| self.dirs.contains(d)))
            || self.dirs.iter().any(|d| d.starts_with(path))
    }

    /// The directories to watch: each followed one, or its nearest existing ancestor.
    fn watch_dirs(&self) -> BTreeSet<PathBuf> {
        self.dirs
            .iter()
            .filter_map(|d| d.ancestors().find(|a| a.is_dir()).map(Path::to_path_buf))
            .collect()
    }
}

/// `path` absolute, with its directory canonical as far as it exists; the last component as
/// named (it may be a symlink, or missing).
fn settle(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return path;
    };
    let mut missing = Vec::new();
    let mut existing = dir;
    let real = loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            break real;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(up), Some(last)) => {
                missing.push(last);
                existing = up;
            }
            _ => break existing.to_path_buf(),
        }
    };
    let mut out = real;
    out.extend(missing.iter().rev());
    out.push(name);
    out
}

/// What [`Watch::next`] found.
#[derive(Debug)]
pub enum Next {
    Change(Change),
    /// The deadline passed first.
    Timeout,
    /// The watcher is gone (it never is while llrun runs).
    Closed,
}

/// The inotify watches and the changes they bring.
pub struct Watch {
    watcher: INotifyWatcher,
    watched: BTreeSet<PathBuf>,
    changes: Receiver<Msg>,
    feed: Arc<Feed>,
    /// A directory only llrun can open, for [`Watch::drain`] (see [`private_mark`]).
    mark: Option<(std::fs::File, PathBuf)>,
}

/// What the watcher's thread passes on.
enum Msg {
    Change(Change),
    /// The opening of the directory [`Watch::drain`] waits for.
    Mark,
}

/// What the watcher's thread shares with [`Watch`].
struct Feed {
    tx: SyncSender<Msg>,
    /// Set when changes were dropped because the queue was full.
    overflow: AtomicBool,
    /// The directory whose opening is [`Msg::Mark`].
    sentinel: Mutex<Option<PathBuf>>,
    /// What changes concern.
    targets: RwLock<Targets>,
}

impl Feed {
    /// Runs on the watcher's thread: passes on, without blocking, only what concerns the
    /// targets. llrun's own reloads open every file, and a program that may write next to a
    /// profile could flood the queue with events about other files.
    fn forward(&self, e: notify::Result<Event>) {
        let msg = match e {
            // The watcher's own trouble: reread everything to be sure.
            Err(_) => Msg::Change(Change::Touched),
            Ok(event)
                if is_open(&event) && lock(&self.sentinel).as_ref() == event.paths.first() =>
            {
                Msg::Mark
            }
            Ok(event) => {
                let targets = self.targets.read().unwrap_or_else(|e| e.into_inner());
                match change(&event, &targets) {
                    Some(c) => Msg::Change(c),
                    None => return,
                }
            }
        };
        if let Err(TrySendError::Full(_)) = self.tx.try_send(msg) {
            self.overflow.store(true, Ordering::Release);
        }
    }
}

impl Watch {
    /// An inotify instance with no watches yet.
    pub fn new() -> notify::Result<Watch> {
        let (tx, changes) = std::sync::mpsc::sync_channel(QUEUE);
        let feed = Arc::new(Feed {
            tx,
            overflow: AtomicBool::new(false),
            sentinel: Mutex::new(None),
            targets: RwLock::new(Targets::default()),
        });
        let forward = Arc::clone(&feed);
        let mut watcher = INotifyWatcher::new(
            move |e: notify::Result<Event>| forward.forward(e),
            notify::Config::default(),
        )?;
        let mark = private_mark(&mut watcher);
        Ok(Watch {
            watcher,
            watched: BTreeSet::new(),
            changes,
            feed,
            mark,
        })
    }

    /// Watches the directories `targets` needs and no others. Every needed one is watched
    /// again, because inotify drops the watch of a directory that was deleted or moved (a
    /// repeated watch is a no-op for the kernel). Returns the directories that could not be
    /// watched, with why, and whether any directory is watched that was not before.
    pub fn follow(&mut self, targets: &Targets) -> (Vec<String>, bool) {
        *self.feed.targets.write().unwrap_or_else(|e| e.into_inner()) = targets.clone();
        let wanted = targets.watch_dirs();
        for gone in self.watched.difference(&wanted) {
            let _ = self.watcher.unwatch(gone);
        }
        let mut failed = Vec::new();
        let mut grew = false;
        let mut watched = BTreeSet::new();
        for dir in wanted {
            match self.watcher.watch(&dir, RecursiveMode::NonRecursive) {
                Ok(()) => {
                    grew |= !self.watched.contains(&dir);
                    watched.insert(dir);
                }
                Err(e) => failed.push(format!("{}: {e}", dir.display())),
            }
        }
        self.watched = watched;
        (failed, grew)
    }

    /// The next change, waiting until `deadline` (`None`: until one comes).
    pub fn next(&self, deadline: Option<Instant>) -> Next {
        loop {
            if self.feed.overflow.swap(false, Ordering::AcqRel) {
                return Next::Change(Change::Lost);
            }
            let received = match deadline {
                None => self
                    .changes
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
                Some(d) => self
                    .changes
                    .recv_timeout(d.saturating_duration_since(Instant::now())),
            };
            match received {
                Ok(Msg::Change(change)) => return Next::Change(change),
                // A mark that came too late for its drain.
                Ok(Msg::Mark) => {}
                Err(RecvTimeoutError::Timeout) => return Next::Timeout,
                Err(RecvTimeoutError::Disconnected) => return Next::Closed,
            }
        }
    }

    /// The changes that happened until now and are still on their way, without waiting for new
    /// ones. Events travel from the kernel through the watcher's thread, so "until now" needs a
    /// mark: llrun opens a watched directory, and inotify, which keeps one queue in order, brings
    /// that event after every earlier one. A reload that read the files while one of them was
    /// being written thus learns it, and does not use what it read. The mark is a directory
    /// nobody else can open, so that no one else's opening can pass for it; where none could
    /// be made, a followed directory stands in.
    pub fn drain(&self) -> Vec<Change> {
        let private = self.mark.as_ref().map(|(_, path)| path);
        let mark = private.into_iter().chain(&self.watched).find(|d| {
            *lock(&self.feed.sentinel) = Some(d.to_path_buf());
            std::fs::File::open(d).is_ok()
        });
        let mut out = Vec::new();
        let deadline = Instant::now() + SENTINEL_WAIT;
        while mark.is_some() {
            if self.feed.overflow.swap(false, Ordering::AcqRel) {
                out.push(Change::Lost);
            }
            match self
                .changes
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(Msg::Mark) => break,
                Ok(Msg::Change(c)) => out.push(c),
                Err(RecvTimeoutError::Timeout) => {
                    out.push(Change::Lost);
                    break;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        // With no directory to mark (none could be watched), no change can be seen at all:
        // what was read is trusted as at start, which reads without a watch too.
        *lock(&self.feed.sentinel) = None;
        out
    }
}

/// A directory only llrun can reach, watched: made in the temporary directory, opened, and
/// removed at once, then watched and opened through its descriptor (`/proc/self/fd/N`). inotify
/// still reports its opening, and no path leads to it any more.
fn private_mark(watcher: &mut INotifyWatcher) -> Option<(std::fs::File, PathBuf)> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::DirBuilderExt;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("llrun-live-{}-{nanos}", std::process::id()));
    std::fs::DirBuilder::new().mode(0o700).create(&dir).ok()?;
    let opened = std::fs::File::open(&dir);
    let _ = std::fs::remove_dir(&dir);
    let file = opened.ok()?;
    let path = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
    watcher.watch(&path, RecursiveMode::NonRecursive).ok()?;
    Some((file, path))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn is_open(e: &Event) -> bool {
    matches!(e.kind, EventKind::Access(AccessKind::Open(_)))
}

/// What an event means for the reload, if it concerns `targets`.
fn change(event: &Event, targets: &Targets) -> Option<Change> {
    if event.need_rescan() {
        return Some(Change::Touched);
    }
    // A rename is reported three times: from, to, and both. The first two say it all.
    if event.kind == EventKind::Modify(ModifyKind::Name(RenameMode::Both)) {
        return None;
    }
    let path = event.paths.first()?;
    if !targets.concerns(path) {
        return None;
    }
    let path = path.clone();
    Some(match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => Change::Closed(path),
        EventKind::Access(_) => return None,
        EventKind::Modify(ModifyKind::Data(_)) => Change::Written(path),
        EventKind::Modify(ModifyKind::Name(RenameMode::From)) | EventKind::Remove(_) => {
            Change::Gone(path)
        }
        EventKind::Modify(ModifyKind::Name(RenameMode::To)) | EventKind::Create(_) => {
            Change::Appeared(path)
        }
        _ => Change::Touched,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_and_its_symlink_hops_are_followed_in_their_directories() {
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("real");
        std::fs::create_dir(&real).unwrap();
        std::fs::write(real.join("p.llp"), "").unwrap();
        std::os::unix::fs::symlink(real.join("p.llp"), d.path().join("link.llp")).unwrap();
        let mut t = Targets::default();
        t.add_file(&d.path().join("link.llp"));
        let base = std::fs::canonicalize(d.path()).unwrap();
        assert!(t.concerns(&base.join("link.llp")));
        assert!(t.concerns(&base.join("real/p.llp")));
        assert!(t.dirs.contains(&base.join("real")));
        assert!(!t.concerns(&base.join("real/notes.txt")));
        // A new profile beside a followed one may be included by name.
        assert!(t.concerns(&base.join("real/other.llp")));
    }

    #[test]
    fn drain_brings_every_change_made_before_it_and_nothing_else() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("p.llp");
        std::fs::write(&file, "a").unwrap();
        let mut t = Targets::default();
        t.add_file(&file);
        let mut w = Watch::new().unwrap();
        assert!(w.mark.is_some(), "no private mark directory");
        let (failed, grew) = w.follow(&t);
        assert!(failed.is_empty() && grew);
        // Reading the file is no change; nothing else happened: the mark alone comes back.
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "a");
        assert_eq!(w.drain(), vec![]);
        std::fs::write(&file, "b").unwrap();
        let seen = w.drain();
        let real = std::fs::canonicalize(&file).unwrap();
        assert!(seen.contains(&Change::Written(real.clone())), "{seen:?}");
        assert!(seen.contains(&Change::Closed(real)), "{seen:?}");
    }

    #[test]
    fn a_missing_directory_is_watched_through_its_existing_ancestor() {
        let d = tempfile::tempdir().unwrap();
        let mut t = Targets::default();
        t.add_file(&d.path().join("a/b/x.local.llp"));
        let base = std::fs::canonicalize(d.path()).unwrap();
        assert_eq!(t.watch_dirs(), BTreeSet::from([base.clone()]));
        // Creating the first missing directory concerns the reload (then it is watched).
        assert!(t.concerns(&base.join("a")));
        assert!(t.concerns(&base.join("a/b/x.local.llp")));
    }

    #[test]
    fn a_missing_search_directory_is_looked_for_not_watched_through_its_ancestor() {
        let d = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(d.path()).unwrap();
        let search = SearchPath {
            dirs: vec![base.join("llrun/profiles"), base.clone()],
        };
        let t = Targets::of(&[], &search);
        assert_eq!(t.watch_dirs(), BTreeSet::from([base.clone()]));
        assert!(t.polls() && !t.appeared());
        std::fs::create_dir_all(base.join("llrun/profiles")).unwrap();
        assert!(t.appeared());
    }
}
