//! From a decoded call to a plan: answer at once, perform it, or ask.
//!
//! Every decision is taken on where things really are (see [`super::locate`]); the plan keeps
//! the descriptors it was decided on, so that performing it touches exactly those.

use super::fast::may_open_a_directory;
use super::locate::{self, Located, open_beneath, real_path};
use super::op::{Operation, PathOperand, inet_port};
use super::policy::{Answer, Policy, PortAnswer, Verdict, Why};
use crate::source::Span;
use llrun_kernel::notify::Response;
use llrun_kernel::{FsAccess, NetAccess};
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::{FileStat, SFlag, fstat, fstatat};
use nix::unistd::Pid;
use std::ffi::OsStr;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;

/// What is being asked about: the key under which identical asks share one prompt.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    Path { rights: FsAccess, path: String },
    Port { access: NetAccess, port: u16 },
}

/// What to do with one trapped call.
#[derive(Debug)]
pub enum Plan {
    /// Answer now: `Continue` (static Landlock grants it), or an error.
    Answer(Response, Option<Span>),
    /// Carry it out (llrun does the call) and answer with the result.
    Perform(Job, Why),
    /// An `ask` rule decides: wait for an answer, then plan again.
    Ask(Subject, Span),
}

/// A call llrun carries out, with the descriptors the decision was taken on.
#[derive(Debug)]
pub enum Job {
    /// Reopen an existing file (`node` is its `O_PATH` descriptor) with the program's flags.
    Reopen {
        node: OwnedFd,
        flags: i32,
        /// A regular file or a directory: opening it returns at once (a FIFO or a device may
        /// wait for as long as the other end likes).
        at_once: bool,
    },
    Create {
        at: Located,
        flags: i32,
        mode: u32,
    },
    MakeDir {
        at: Located,
        mode: u32,
    },
    MakeNode {
        at: Located,
        mode: u32,
        dev: u64,
    },
    Symlink {
        target: Vec<u8>,
        at: Located,
    },
    Remove {
        at: Located,
        dir: bool,
    },
    Rename {
        from: Located,
        to: Located,
        flags: u32,
    },
    Link {
        from: Located,
        to: Located,
    },
    Truncate {
        node: OwnedFd,
        len: i64,
    },
    Connect {
        socket: OwnedFd,
        addr: Vec<u8>,
    },
    Bind {
        socket: OwnedFd,
        addr: Vec<u8>,
    },
}

impl Job {
    /// Whether carrying it out returns at once, so that it may run on the thread that planned
    /// it instead of a worker's (a thread hand-off costs more than reopening a file).
    pub fn returns_at_once(&self) -> bool {
        matches!(self, Job::Reopen { at_once: true, .. })
    }
}

/// A single-event answer to take into account while planning again.
#[derive(Debug, Clone, Copy, Default)]
pub enum Once<'a> {
    #[default]
    None,
    Fs(&'a Answer),
    Port(&'a PortAnswer),
}

/// Plans `op` of thread `pid` under `policy`. `socket` fetches the program's socket for a
/// supervised `connect`/`bind` (only called when the port needs llrun).
pub fn plan(
    policy: &Policy,
    pid: Pid,
    op: Operation,
    once: Once<'_>,
    socket: impl FnOnce(i32) -> Result<OwnedFd, Errno>,
) -> Result<Plan, Errno> {
    let fs_once = match once {
        Once::Fs(a) => Some(a),
        _ => None,
    };
    let decide = |checks: &[Check]| combine(policy, checks, fs_once);
    Ok(match op {
        Operation::Open {
            at, flags, mode, ..
        } => return open(policy, pid, &at, flags, mode, fs_once),
        Operation::MakeDir { at, mode } => {
            let at = locate::parent(pid, &at)?;
            let v = decide(&[Check::within(FsAccess::MAKE_DIR, &at)]);
            with(v, || Job::MakeDir { at, mode })
        }
        Operation::MakeNode { at, mode, dev } => {
            let right = make_right(SFlag::from_bits_truncate(mode & nix::libc::S_IFMT));
            let at = locate::parent(pid, &at)?;
            let v = decide(&[Check::within(right, &at)]);
            with(v, || Job::MakeNode { at, mode, dev })
        }
        Operation::Symlink { target, at } => {
            let at = locate::parent(pid, &at)?;
            let v = decide(&[Check::within(FsAccess::MAKE_SYM, &at)]);
            with(v, || Job::Symlink { target, at })
        }
        Operation::Remove { at, dir } => {
            let right = if dir {
                FsAccess::REMOVE_DIR
            } else {
                FsAccess::REMOVE_FILE
            };
            let at = locate::parent(pid, &at)?;
            let v = decide(&[Check::within(right, &at)]);
            with(v, || Job::Remove { at, dir })
        }
        Operation::Rename { from, to, flags } => {
            return moving(policy, pid, &from, &to, Move::Rename(flags), fs_once);
        }
        Operation::Link { from, to, flags } => {
            if flags & nix::libc::AT_SYMLINK_FOLLOW != 0 {
                // The link would name where a symlink points: llrun does not follow it for
                // the program. Landlock decides the call as made.
                return Ok(Plan::Answer(Response::Continue, None));
            }
            return moving(policy, pid, &from, &to, Move::Link, fs_once);
        }
        Operation::Truncate { at, len } => {
            let (node, path, _) = existing(pid, &at, false)?;
            let v = decide(&[Check::on(FsAccess::TRUNCATE, path)]);
            with(v, || Job::Truncate { node, len })
        }
        Operation::Connect { fd, addr } => {
            return port(policy, NetAccess::CONNECT_TCP, fd, addr, once, socket);
        }
        Operation::Bind { fd, addr } => {
            return port(policy, NetAccess::BIND_TCP, fd, addr, once, socket);
        }
    })
}

/// An `open`: of an existing file (decided on the file itself), or a creation (decided on the
/// directory it is made in, and on the new file's own rights).
fn open(
    policy: &Policy,
    pid: Pid,
    at: &PathOperand,
    flags: i32,
    mode: u32,
    once: Option<&Answer>,
) -> Result<Plan, Errno> {
    if flags & nix::libc::O_PATH != 0 {
        // Landlock does not check O_PATH opens: nothing to decide. The fast path lets every
        // one through before it gets here (and sees to `Clean`); should one arrive anyway, its
        // descriptor may be of any directory.
        policy.clean.taint();
        return Ok(Plan::Answer(Response::Continue, None));
    }
    let creating = flags & nix::libc::O_CREAT != 0;
    match existing(pid, at, flags & nix::libc::O_NOFOLLOW != 0) {
        Ok(_) if creating && flags & nix::libc::O_EXCL != 0 => Err(Errno::EEXIST),
        Ok((node, path, stat)) => {
            let kind = SFlag::from_bits_truncate(stat.st_mode & nix::libc::S_IFMT);
            let is_dir = kind == SFlag::S_IFDIR;
            let v = combine(
                policy,
                &[Check::on(open_rights(flags, is_dir), path.clone())],
                once,
            );
            match v {
                Combined::Continue if may_open_a_directory(flags) => policy.clean.continued(&path),
                Combined::Perform(_) if is_dir => policy.clean.taint(),
                _ => {}
            }
            let at_once = is_dir || kind == SFlag::S_IFREG;
            Ok(with(v, || Job::Reopen {
                node,
                flags,
                at_once,
            }))
        }
        Err(Errno::ENOENT) if creating => {
            let at = locate::parent(pid, at)?;
            let checks = [
                Check::within(FsAccess::MAKE_REG, &at),
                Check::on(open_rights(flags, false), at.path()),
            ];
            let v = combine(policy, &checks, once);
            Ok(with(v, || Job::Create { at, flags, mode }))
        }
        Err(e) => Err(e),
    }
}

/// Opens an existing path operand as `O_PATH`: its descriptor, real path and status.
fn existing(
    pid: Pid,
    at: &PathOperand,
    nofollow: bool,
) -> Result<(OwnedFd, String, FileStat), Errno> {
    let loc = locate::parent(pid, at).or_else(|e| match e {
        // `/`, `.`, `..` or `dir/.`: open the whole operand.
        Errno::EINVAL => whole(pid, at),
        e => Err(e),
    })?;
    let extra = if nofollow {
        OFlag::O_NOFOLLOW
    } else {
        OFlag::empty()
    };
    let node = open_beneath(&loc.parent, OsStr::from_bytes(&loc.name), extra)?;
    let path = real_path(&node)?;
    let stat = fstat(&node)?;
    Ok((node, path, stat))
}

/// A path operand whose final component is not a name: its parent is itself, named `.`.
fn whole(pid: Pid, at: &PathOperand) -> Result<Located, Errno> {
    let absolute = at.path.first() == Some(&b'/');
    let base = locate::base(pid, at.dir, absolute)?;
    let path = if absolute {
        &at.path[1..]
    } else {
        &at.path[..]
    };
    let path = if path.is_empty() { &b"."[..] } else { path };
    let parent = open_beneath(&base, OsStr::from_bytes(path), OFlag::O_DIRECTORY)?;
    let parent_path = real_path(&parent)?;
    Ok(Located {
        parent,
        parent_path,
        name: b".".to_vec(),
    })
}

/// The Landlock rights an `open` with `flags` needs on the file it opens.
pub fn open_rights(flags: i32, is_dir: bool) -> FsAccess {
    let mut rights = match flags & nix::libc::O_ACCMODE {
        nix::libc::O_RDONLY if is_dir => FsAccess::READ_DIR,
        nix::libc::O_RDONLY => FsAccess::READ_FILE,
        nix::libc::O_WRONLY => FsAccess::WRITE_FILE,
        _ => FsAccess::READ_FILE | FsAccess::WRITE_FILE,
    };
    if flags & nix::libc::O_TRUNC != 0 && !is_dir {
        rights |= FsAccess::TRUNCATE;
    }
    rights
}

/// The right that makes a node of type `kind` (0 is a regular file for `mknod`).
fn make_right(kind: SFlag) -> FsAccess {
    match kind {
        SFlag::S_IFDIR => FsAccess::MAKE_DIR,
        SFlag::S_IFLNK => FsAccess::MAKE_SYM,
        SFlag::S_IFIFO => FsAccess::MAKE_FIFO,
        SFlag::S_IFSOCK => FsAccess::MAKE_SOCK,
        SFlag::S_IFCHR => FsAccess::MAKE_CHAR,
        SFlag::S_IFBLK => FsAccess::MAKE_BLOCK,
        _ => FsAccess::MAKE_REG,
    }
}

fn remove_right(kind: SFlag) -> FsAccess {
    if kind == SFlag::S_IFDIR {
        FsAccess::REMOVE_DIR
    } else {
        FsAccess::REMOVE_FILE
    }
}

#[derive(Debug, Clone, Copy)]
enum Move {
    Rename(u32),
    Link,
}

/// A rename or a hard link: the entry leaves (rename) one directory and appears in another,
/// and must not gain any right by the move (what Landlock's `refer` protects).
fn moving(
    policy: &Policy,
    pid: Pid,
    from: &PathOperand,
    to: &PathOperand,
    how: Move,
    once: Option<&Answer>,
) -> Result<Plan, Errno> {
    let from = locate::parent(pid, from)?;
    let to = locate::parent(pid, to)?;
    let kind_of = |at: &Located| {
        fstatat(
            &at.parent,
            OsStr::from_bytes(&at.name),
            AtFlags::AT_SYMLINK_NOFOLLOW,
        )
        .map(|s| SFlag::from_bits_truncate(s.st_mode & nix::libc::S_IFMT))
    };
    let kind = kind_of(&from)?;
    let exchange = matches!(how, Move::Rename(f) if f & nix::libc::RENAME_EXCHANGE != 0);
    let mut checks = vec![Check::within(make_right(kind), &to)];
    if matches!(how, Move::Rename(_)) {
        checks.push(Check::within(remove_right(kind), &from));
    }
    if exchange {
        let other = kind_of(&to)?;
        checks.push(Check::within(make_right(other), &from));
        checks.push(Check::within(remove_right(other), &to));
    }
    if from.parent_path != to.parent_path {
        checks.push(Check::within(FsAccess::REFER, &from));
        checks.push(Check::within(FsAccess::REFER, &to));
    }
    let v = combine(policy, &checks, once);
    if matches!(v, Combined::Perform(_)) && !no_gain(policy, &from, &to, exchange) {
        // As Landlock does: the program can still copy what it may read.
        return Err(Errno::EXDEV);
    }
    Ok(with(v, || match how {
        Move::Rename(flags) => Job::Rename { from, to, flags },
        Move::Link => Job::Link { from, to },
    }))
}

/// Whether the entry gains no right by moving from `from` to `to` (nor back, for an exchange).
fn no_gain(policy: &Policy, from: &Located, to: &Located, exchange: bool) -> bool {
    let all = FsAccess::all();
    let (a, b) = (from.path(), to.path());
    let here = policy.allowed(all, &a);
    let there = policy.allowed(all, &b);
    here.contains(there) && (!exchange || there.contains(here))
}

/// `connect` or `bind` on a TCP port.
fn port(
    policy: &Policy,
    access: NetAccess,
    fd: i32,
    addr: Vec<u8>,
    once: Once<'_>,
    socket: impl FnOnce(i32) -> Result<OwnedFd, Errno>,
) -> Result<Plan, Errno> {
    let Some(port) = inet_port(&addr) else {
        // Not an IP address: Landlock's TCP rules do not apply, nothing to decide.
        return Ok(Plan::Answer(Response::Continue, None));
    };
    let once = match once {
        Once::Port(a) => Some(a),
        _ => None,
    };
    Ok(match policy.decide_port(access, port, once) {
        Verdict::Continue => Plan::Answer(Response::Continue, None),
        Verdict::Deny(rule) => Plan::Answer(Response::Errno(Errno::EACCES), rule),
        Verdict::Ask(rule) => Plan::Ask(Subject::Port { access, port }, rule),
        Verdict::Perform(why) => {
            let socket = socket(fd)?;
            if !is_tcp(&socket) {
                return Ok(Plan::Answer(Response::Continue, None));
            }
            let job = if access == NetAccess::CONNECT_TCP {
                Job::Connect { socket, addr }
            } else {
                Job::Bind { socket, addr }
            };
            Plan::Perform(job, why)
        }
    })
}

/// An IP stream socket (the address was IPv4 or IPv6): TCP, for Landlock's purposes.
fn is_tcp(socket: &OwnedFd) -> bool {
    use nix::sys::socket::{SockType, getsockopt, sockopt};
    getsockopt(socket, sockopt::SockType).is_ok_and(|t| t == SockType::Stream)
}

/// The verdict over several checks: any deny refuses, then any ask asks (about the first check
/// that asks), then everything static continues, else llrun performs the call.
fn combine(policy: &Policy, checks: &[Check], once: Option<&Answer>) -> Combined {
    let mut ask: Option<(FsAccess, String, Span)> = None;
    let mut perform = None;
    for c in checks {
        match policy.decide(c.rights, &c.path, &c.target, once) {
            Verdict::Deny(rule) => return Combined::Deny(rule),
            Verdict::Ask(rule) => match &mut ask {
                // One prompt for the target: the rights of every check that asks about it.
                Some((rights, target, _)) if *target == c.target => *rights |= c.rights,
                Some(_) => {}
                None => ask = Some((c.rights, c.target.clone(), rule)),
            },
            Verdict::Perform(why) => perform = perform.or(Some(why)),
            Verdict::Continue => {}
        }
    }
    match (ask, perform) {
        (Some((rights, path, rule)), _) => Combined::Ask(Subject::Path { rights, path }, rule),
        (None, Some(why)) => Combined::Perform(why),
        (None, None) => Combined::Continue,
    }
}

/// One right to decide: on `path` by the profile (as Landlock checks it: a new entry on its
/// directory), and on `target` by the answers (llrun can be exact about the entry itself).
#[derive(Debug, Clone)]
struct Check {
    rights: FsAccess,
    path: String,
    target: String,
}

impl Check {
    /// A right checked on `path` itself.
    fn on(rights: FsAccess, path: String) -> Check {
        Check {
            rights,
            target: path.clone(),
            path,
        }
    }

    /// A right checked on the directory of `at`, for the entry `at` names.
    fn within(rights: FsAccess, at: &Located) -> Check {
        Check {
            rights,
            path: at.parent_path.clone(),
            target: at.path(),
        }
    }
}

/// [`combine`]'s result.
#[derive(Debug)]
enum Combined {
    Continue,
    Deny(Option<Span>),
    Perform(Why),
    Ask(Subject, Span),
}

/// The plan for a combined verdict; `job` is built only when llrun performs the call.
fn with(v: Combined, job: impl FnOnce() -> Job) -> Plan {
    match v {
        Combined::Continue => Plan::Answer(Response::Continue, None),
        Combined::Deny(rule) => Plan::Answer(Response::Errno(Errno::EACCES), rule),
        Combined::Perform(why) => Plan::Perform(job(), why),
        Combined::Ask(subject, rule) => Plan::Ask(subject, rule),
    }
}
