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
    /// Connect the program's socket to the unix socket file `node` (its `O_PATH` descriptor),
    /// the very file the decision was taken on.
    ConnectUnix {
        socket: OwnedFd,
        node: OwnedFd,
    },
    /// Connect the program's socket with the program's address as it was read, once: what
    /// llrun does not decide on (another family, an abstract name) but must not let the kernel
    /// run, since the program could swap in a unix socket or path after the trap.
    ConnectRaw {
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
        match self {
            Job::Reopen { at_once, .. } => *at_once,
            // A non-blocking socket connects (or says it is in progress) without waiting.
            Job::Connect { socket, .. }
            | Job::ConnectUnix { socket, .. }
            | Job::ConnectRaw { socket, .. } => non_blocking(socket),
            _ => false,
        }
    }
}

/// Whether `fd`'s open file is in non-blocking mode (shared with the program's descriptor).
fn non_blocking(fd: &OwnedFd) -> bool {
    nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETFL)
        .is_ok_and(|flags| OFlag::from_bits_truncate(flags).contains(OFlag::O_NONBLOCK))
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
            if len < 0 {
                return Err(Errno::EINVAL);
            }
            let (node, path, stat) = existing(pid, &at, false)?;
            // `vfs_truncate` refuses anything but a regular file before Landlock looks.
            match SFlag::from_bits_truncate(stat.st_mode & nix::libc::S_IFMT) {
                SFlag::S_IFREG => {}
                SFlag::S_IFDIR => return Err(Errno::EISDIR),
                _ => return Err(Errno::EINVAL),
            }
            let v = decide(&[Check::on(FsAccess::TRUNCATE, path)]);
            with(v, || Job::Truncate { node, len })
        }
        Operation::Connect { fd, addr } => {
            return super::connect::plan(policy, pid, fd, addr, once, socket);
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
            if let Some(e) = refused_before_landlock(flags, kind) {
                return Err(e);
            }
            let is_dir = kind == SFlag::S_IFDIR;
            let meets = if is_tmpfile(flags) {
                Meets::New
            } else {
                Meets::Existing(kind)
            };
            let v = combine(
                policy,
                &[Check::on(open_rights(flags, meets), path.clone())],
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
                Check::on(open_rights(flags, Meets::New), at.path()),
            ];
            let v = combine(policy, &checks, once);
            // The truncate right was not asked for the new file: should one appear under its
            // name meanwhile, creating fails (`EEXIST`) rather than truncating it unchecked.
            let flags = if flags & nix::libc::O_TRUNC != 0 {
                flags | nix::libc::O_EXCL
            } else {
                flags
            };
            Ok(with(v, || Job::Create { at, flags, mode }))
        }
        Err(e) => Err(e),
    }
}

/// Opens an existing path operand as `O_PATH`: its descriptor, real path and status.
pub(super) fn existing(
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

/// What an `open` meets at its path, as far as the rights it needs go: Landlock asks for
/// different rights by the type of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meets {
    /// An existing file of this type (the `S_IFMT` bits of its mode).
    Existing(SFlag),
    /// The regular file this open creates (`O_CREAT` on a missing name, or `O_TMPFILE`).
    New,
    /// Not looked at (the fast path): whatever it turns out to be.
    Unknown,
}

/// The Landlock rights an `open` with `flags` needs on what it `meets`, exactly as the kernel
/// asks for them (Linux 6.x, `security/landlock/fs.c`, `fs/namei.c`, `fs/open.c`):
///
/// - `hook_file_open` requires `get_required_file_open_access(file)`, which reads the opened
///   file's mode (`f_mode`, from `OPEN_FMODE(flags)`), not the flags: reading needs
///   `read_dir` on a directory and `read_file` on anything else, writing needs `write_file`.
///   `O_ACCMODE` 3 sets neither mode bit, so that open needs no right at all.
/// - `truncate` is never required at open. `hook_file_open` only records whether the path
///   allows it (an optional right, beside `ioctl_dev` for devices, which `ftruncate` and
///   `ioctl` consult later). `O_TRUNC` uses it through `do_open` → `handle_truncate` →
///   `security_file_truncate`, and `do_open` truncates only a regular file that this open did
///   not create (`d_is_reg(…) && O_TRUNC`; `FMODE_CREATED` clears `O_TRUNC`). On a device, a
///   FIFO or a socket the kernel ignores `O_TRUNC` (`may_open` clears it), and so does
///   Landlock: `echo x > /dev/null` needs `write_file` alone.
/// - `O_APPEND`, `O_NONBLOCK` and the like add nothing; nor does `O_CREAT` on an existing name
///   (`lookup_open` forgets a refused `make_reg` once the name turns out to exist), and `O_PATH`
///   opens are not checked at all (`do_dentry_open` returns before `security_file_open`).
///
/// With [`Meets::Unknown`], every right the open might need: what Landlock asks for any file
/// type it could meet (the fast path only lets a call through when all of them are granted).
pub fn open_rights(flags: i32, meets: Meets) -> FsAccess {
    let dir = match meets {
        Meets::Existing(kind) => Some(kind == SFlag::S_IFDIR),
        Meets::New => Some(false),
        // `O_DIRECTORY` opens nothing else (`ENOTDIR`, before Landlock).
        Meets::Unknown if flags & nix::libc::O_DIRECTORY != 0 => Some(true),
        Meets::Unknown => None,
    };
    let read = match dir {
        Some(true) => FsAccess::READ_DIR,
        Some(false) => FsAccess::READ_FILE,
        None => FsAccess::READ_DIR | FsAccess::READ_FILE,
    };
    let mut rights = match flags & nix::libc::O_ACCMODE {
        nix::libc::O_RDONLY => read,
        nix::libc::O_WRONLY => FsAccess::WRITE_FILE,
        nix::libc::O_RDWR => FsAccess::READ_FILE | FsAccess::WRITE_FILE,
        _ => FsAccess::empty(),
    };
    let truncates = match meets {
        Meets::Existing(kind) => kind == SFlag::S_IFREG,
        Meets::New => false,
        Meets::Unknown => dir != Some(true),
    };
    if flags & nix::libc::O_TRUNC != 0 && truncates {
        rights |= FsAccess::TRUNCATE;
    }
    rights
}

/// The error the kernel gives an `open` of an existing file of type `kind` before Landlock
/// looks at it (`do_open`, then `may_open`), if any: a refusal by the supervisor would
/// otherwise say `EACCES` where the program, unsupervised, learns what is wrong.
fn refused_before_landlock(flags: i32, kind: SFlag) -> Option<Errno> {
    if is_tmpfile(flags) {
        // `do_tmpfile` looks the directory up with `LOOKUP_DIRECTORY`; `O_TMPFILE` has the
        // `O_DIRECTORY` bit.
        return (kind != SFlag::S_IFDIR).then_some(Errno::ENOTDIR);
    }
    let dir = kind == SFlag::S_IFDIR;
    // `build_open_flags`: `O_TRUNC` asks for write permission, and `O_ACCMODE` 3 for both.
    let writes =
        flags & nix::libc::O_ACCMODE != nix::libc::O_RDONLY || flags & nix::libc::O_TRUNC != 0;
    if dir && flags & nix::libc::O_CREAT != 0 {
        Some(Errno::EISDIR)
    } else if !dir && flags & nix::libc::O_DIRECTORY != 0 {
        Some(Errno::ENOTDIR)
    } else if kind == SFlag::S_IFLNK {
        // Only with `O_NOFOLLOW` is the symlink itself what the open meets.
        Some(Errno::ELOOP)
    } else if dir && writes {
        Some(Errno::EISDIR)
    } else {
        None
    }
}

/// `O_TMPFILE`: an unnamed regular file in the directory the path names.
fn is_tmpfile(flags: i32) -> bool {
    flags & nix::libc::O_TMPFILE == nix::libc::O_TMPFILE
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
pub(super) fn port(
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
pub(super) fn is_tcp(socket: &OwnedFd) -> bool {
    use nix::sys::socket::{SockType, getsockopt, sockopt};
    getsockopt(socket, sockopt::SockType).is_ok_and(|t| t == SockType::Stream)
}

/// The verdict over several checks: any deny refuses, then any ask asks (about the first check
/// that asks), then everything static continues, else llrun performs the call.
pub(super) fn combine(policy: &Policy, checks: &[Check], once: Option<&Answer>) -> Combined {
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
pub(super) struct Check {
    rights: FsAccess,
    path: String,
    target: String,
}

impl Check {
    /// A right checked on `path` itself.
    pub(super) fn on(rights: FsAccess, path: String) -> Check {
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
pub(super) enum Combined {
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

#[cfg(test)]
mod tests {
    use super::*;
    use nix::libc::{O_APPEND, O_CREAT, O_DIRECTORY, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY};

    const WRITE: FsAccess = FsAccess::WRITE_FILE;
    const TRUNCATE: FsAccess = FsAccess::TRUNCATE;

    /// The kernel's table (see [`open_rights`]); the differential test checks it on real files.
    #[test]
    fn an_open_needs_truncate_only_to_truncate_an_existing_regular_file() {
        let rights = |flags, kind| open_rights(flags, Meets::Existing(kind));
        let shell = O_WRONLY | O_CREAT | O_TRUNC;
        assert_eq!(rights(shell, SFlag::S_IFREG), WRITE | TRUNCATE);
        for kind in [
            SFlag::S_IFCHR,
            SFlag::S_IFBLK,
            SFlag::S_IFIFO,
            SFlag::S_IFSOCK,
        ] {
            assert_eq!(rights(shell, kind), WRITE, "{kind:?}");
        }
        assert_eq!(open_rights(shell, Meets::New), WRITE);
        assert_eq!(
            rights(O_RDONLY | O_TRUNC, SFlag::S_IFREG),
            FsAccess::READ_FILE | TRUNCATE
        );
        assert_eq!(rights(O_WRONLY | O_APPEND | O_CREAT, SFlag::S_IFREG), WRITE);
        assert_eq!(rights(O_RDONLY, SFlag::S_IFDIR), FsAccess::READ_DIR);
        assert_eq!(rights(O_RDONLY, SFlag::S_IFCHR), FsAccess::READ_FILE);
        assert_eq!(rights(3 | O_TRUNC, SFlag::S_IFCHR), FsAccess::empty());
        assert_eq!(rights(O_RDWR, SFlag::S_IFSOCK), FsAccess::READ_FILE | WRITE);
    }

    /// The fast path has not looked: it must not let through what some file type would need.
    #[test]
    fn an_unknown_file_needs_what_any_file_type_would() {
        let unknown = |flags| open_rights(flags, Meets::Unknown);
        assert_eq!(unknown(O_WRONLY | O_TRUNC), WRITE | TRUNCATE);
        assert_eq!(unknown(O_RDONLY), FsAccess::READ_FILE | FsAccess::READ_DIR);
        assert_eq!(
            unknown(O_RDONLY | O_DIRECTORY | O_TRUNC),
            FsAccess::READ_DIR
        );
    }

    #[test]
    fn errors_the_kernel_gives_before_landlock_are_its_own() {
        let dir = SFlag::S_IFDIR;
        assert_eq!(refused_before_landlock(O_WRONLY, dir), Some(Errno::EISDIR));
        assert_eq!(
            refused_before_landlock(O_RDONLY | O_TRUNC, dir),
            Some(Errno::EISDIR)
        );
        assert_eq!(
            refused_before_landlock(O_RDONLY | O_CREAT, dir),
            Some(Errno::EISDIR)
        );
        assert_eq!(refused_before_landlock(O_RDONLY, dir), None);
        let tmpfile = O_WRONLY | nix::libc::O_TMPFILE;
        assert_eq!(refused_before_landlock(tmpfile, dir), None);
        assert_eq!(
            refused_before_landlock(O_DIRECTORY, SFlag::S_IFREG),
            Some(Errno::ENOTDIR)
        );
        assert_eq!(
            refused_before_landlock(O_RDONLY, SFlag::S_IFLNK),
            Some(Errno::ELOOP)
        );
        assert_eq!(
            refused_before_landlock(O_WRONLY | O_TRUNC, SFlag::S_IFCHR),
            None
        );
    }
}
