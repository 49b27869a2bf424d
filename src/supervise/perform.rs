//! Carrying out a planned call for the program and answering it with the result.
//!
//! Each job works on the descriptors its decision was taken on, so the program cannot redirect
//! it by changing names afterwards. A new descriptor reaches the program together with the
//! answer (`SECCOMP_ADDFD_FLAG_SEND`): there is no moment at which it holds a descriptor its
//! call has not returned.

use super::plan::Job;
use llrun_kernel::notify::{Listener, NotifId, Response};
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, RenameFlags};
use nix::sys::stat::{Mode, SFlag};
use nix::unistd::{Pid, UnlinkatFlags};
use std::ffi::OsStr;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

/// Carries out `job` for call `id` of thread `pid` and answers the call. Returns the errno the
/// program got, if any (for the log).
pub fn perform(listener: &Listener, id: NotifId, pid: Pid, job: Job) -> Option<Errno> {
    // Only creations need it: reading /proc costs more than the rest of a reopen.
    let umask = || umask_of(pid);
    let result = match job {
        Job::Reopen { node, flags, .. } => {
            reopen(&node, flags).map(|f| Done::Fd(f, cloexec(flags)))
        }
        Job::Create { at, flags, mode } => as_program(umask(), || {
            nix::fcntl::openat(
                &at.parent,
                OsStr::from_bytes(&at.name),
                OFlag::from_bits_truncate(flags)
                    | OFlag::O_NOFOLLOW
                    | OFlag::O_CLOEXEC
                    | OFlag::O_NOCTTY,
                Mode::from_bits_truncate(mode),
            )
        })
        .map(|f| Done::Fd(f, cloexec(flags))),
        Job::MakeDir { at, mode } => as_program(umask(), || {
            nix::sys::stat::mkdirat(
                &at.parent,
                OsStr::from_bytes(&at.name),
                Mode::from_bits_truncate(mode),
            )
        })
        .map(|()| Done::Value(0)),
        Job::MakeNode { at, mode, dev } => as_program(umask(), || {
            nix::sys::stat::mknodat(
                &at.parent,
                OsStr::from_bytes(&at.name),
                SFlag::from_bits_truncate(mode & nix::libc::S_IFMT),
                Mode::from_bits_truncate(mode & 0o7777),
                dev,
            )
        })
        .map(|()| Done::Value(0)),
        Job::Symlink { target, at } => nix::unistd::symlinkat(
            OsStr::from_bytes(&target),
            &at.parent,
            OsStr::from_bytes(&at.name),
        )
        .map(|()| Done::Value(0)),
        Job::Remove { at, dir } => nix::unistd::unlinkat(
            &at.parent,
            OsStr::from_bytes(&at.name),
            if dir {
                UnlinkatFlags::RemoveDir
            } else {
                UnlinkatFlags::NoRemoveDir
            },
        )
        .map(|()| Done::Value(0)),
        Job::Rename { from, to, flags } => nix::fcntl::renameat2(
            &from.parent,
            OsStr::from_bytes(&from.name),
            &to.parent,
            OsStr::from_bytes(&to.name),
            RenameFlags::from_bits_truncate(flags),
        )
        .map(|()| Done::Value(0)),
        Job::Link { from, to } => nix::unistd::linkat(
            &from.parent,
            OsStr::from_bytes(&from.name),
            &to.parent,
            OsStr::from_bytes(&to.name),
            AtFlags::empty(),
        )
        .map(|()| Done::Value(0)),
        Job::Truncate { node, len } => reopen(&node, nix::libc::O_WRONLY)
            .and_then(|f| nix::unistd::ftruncate(&f, len))
            .map(|()| Done::Value(0)),
        Job::Connect { socket, addr } => {
            inet(&addr, |a| nix::sys::socket::connect(socket.as_raw_fd(), a))
        }
        Job::ConnectUnix { socket, node } => {
            // Through the open socket file: the one decided on, wherever it is named now.
            nix::sys::socket::UnixAddr::new(format!("/proc/self/fd/{}", node.as_raw_fd()).as_str())
                .and_then(|a| nix::sys::socket::connect(socket.as_raw_fd(), &a))
                .map(|()| Done::Value(0))
        }
        Job::ConnectRaw { socket, addr } => {
            llrun_kernel::socket::connect_raw(&socket, &addr).map(|()| Done::Value(0))
        }
        Job::Bind { socket, addr } => {
            inet(&addr, |a| nix::sys::socket::bind(socket.as_raw_fd(), a))
        }
    };
    answer(listener, id, result)
}

/// What a carried-out call returns to the program: a descriptor (close-on-exec or not, as the
/// program asked), or a value.
enum Done {
    Fd(OwnedFd, bool),
    Value(i64),
}

fn cloexec(flags: i32) -> bool {
    flags & nix::libc::O_CLOEXEC != 0
}

/// Runs `call` with the IPv4 or IPv6 socket address in `raw` (as the program passed it).
fn inet(
    raw: &[u8],
    call: impl FnOnce(&dyn nix::sys::socket::SockaddrLike) -> nix::Result<()>,
) -> Result<Done, Errno> {
    use nix::sys::socket::{SockaddrIn, SockaddrIn6};
    match super::op::socket_addr(raw).ok_or(Errno::EINVAL)? {
        std::net::SocketAddr::V4(a) => call(&SockaddrIn::from(a)),
        std::net::SocketAddr::V6(a) => call(&SockaddrIn6::from(a)),
    }
    .map(|()| Done::Value(0))
}

fn answer(listener: &Listener, id: NotifId, result: Result<Done, Errno>) -> Option<Errno> {
    let sent = match result {
        Ok(Done::Fd(fd, cloexec)) => listener.add_fd_send(id, fd.as_fd(), cloexec).map(drop),
        Ok(Done::Value(v)) => listener.respond(id, Response::Value(v)),
        Err(e) => {
            let _ = listener.respond(id, Response::Errno(e));
            return Some(e);
        }
    };
    // The call may have gone away meanwhile (its thread died): nothing left to answer.
    sent.err()
}

/// Opens `node` (an `O_PATH` descriptor) for real, with the program's flags minus those that
/// only make sense for a path lookup. Through llrun's own `/proc/self/fd`: the same inode.
fn reopen(node: &OwnedFd, flags: i32) -> Result<OwnedFd, Errno> {
    let keep = OFlag::from_bits_truncate(flags)
        - (OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_DIRECTORY);
    let path = format!("/proc/self/fd/{}", node.as_raw_fd());
    let fd = nix::fcntl::open(
        path.as_str(),
        keep | OFlag::O_NOCTTY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?;
    Ok(fd)
}

/// The program's umask (of the calling thread, whose file-system attributes may be its own).
/// 0o022 if it cannot be read.
fn umask_of(pid: Pid) -> Mode {
    let mask = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022);
    Mode::from_bits_truncate(mask)
}

thread_local! {
    /// Whether this thread has file-system attributes (root, cwd, umask) of its own.
    static OWN_FS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs a creation (`openat` with `O_CREAT`, `mkdirat`, `mknodat`) as the program would: with
/// the program's `umask` in force, on this thread only.
///
/// The kernel applies the *caller's* umask to a new file, and only when the parent directory
/// has no default ACL (which then decides instead). Masking the mode by hand while llrun keeps
/// its own umask would get neither right: with llrun's 022 a program with umask 0 asking for
/// 0666 would get 0644, and a default ACL would be overridden; `fchmod` afterwards would touch
/// files that already existed (`O_CREAT` without `O_EXCL`). Setting llrun's process umask to the
/// program's would leave llrun's own files world-writable. So each thread that creates for the
/// program first leaves the process's shared file-system attributes (`unshare(CLONE_FS)`, once
/// per thread: umask is per `fs_struct`), then sets the program's umask and passes the program's
/// mode unchanged: the kernel computes exactly what it would have for the program. Every path
/// llrun uses here is relative to a descriptor, so the thread's own copy of the working
/// directory does not matter.
fn as_program<T>(umask: Mode, create: impl FnOnce() -> nix::Result<T>) -> nix::Result<T> {
    if !OWN_FS.get() {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_FS)?;
        OWN_FS.set(true);
    }
    nix::sys::stat::umask(umask);
    create()
}
