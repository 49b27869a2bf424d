//! `connect`: to a TCP port (Landlock's port rules), or to a unix socket by its path (the
//! `connect unix` rules, Landlock's `fs.resolve_unix`).
//!
//! Before Landlock ABI 9 the kernel does not check unix socket paths at all, so the supervisor
//! decides every `connect` itself. Seccomp cannot tell the socket's family from its descriptor
//! number, so every `connect` is trapped, and none is handed back to the kernel with CONTINUE:
//! between that answer and the kernel's own run of the call, another thread of the program
//! could put a unix socket under the same descriptor number, or rewrite the address. Instead
//! llrun reads the address once, takes the program's very socket (`pidfd_getfd`), decides, and
//! connects that socket itself with its own copy of the address:
//!
//! - a path: decided on the socket file llrun opens (symlinks followed, magic links refused),
//!   then connected through that open file (`/proc/self/fd/N`), so that a rename or a symlink
//!   swapped in after the decision changes nothing;
//! - an abstract name: refused when a layer isolates abstract sockets, since llrun's own
//!   connect would be outside the sandbox's scope (`ECONNREFUSED`, so that X11 clients fall
//!   back to the path-named socket); else connected;
//! - TCP: the port rules decide, as for a supervised port;
//! - anything else (UDP, netlink, an unnamed or malformed address): connected as given, so the
//!   kernel answers it as it would have.

use super::op::PathOperand;
use super::plan::{self, Check, Combined, Job, Once, Plan};
use super::policy::{Policy, Verdict, Why};
use llrun_kernel::notify::{Dir, Response};
use llrun_kernel::{FsAccess, NetAccess};
use nix::errno::Errno;
use nix::sys::stat::SFlag;
use nix::unistd::Pid;
use std::os::fd::OwnedFd;

/// Plans the `connect` of thread `pid` on its descriptor `fd` to `addr` (the program's bytes,
/// read once).
pub fn plan(
    policy: &Policy,
    pid: Pid,
    fd: i32,
    addr: Vec<u8>,
    once: Once<'_>,
    socket: impl FnOnce(i32) -> Result<OwnedFd, Errno>,
) -> Result<Plan, Errno> {
    if !policy.supervises_unix() {
        // Landlock checks both ports and unix paths: what it grants may run as the kernel's.
        return match Address::of(&addr) {
            Address::Path(path) => unix_path(policy, pid, path, once, socket(fd)?, false),
            Address::Abstract if policy.isolates_abstract_unix() => {
                Ok(Plan::Answer(Response::Errno(Errno::ECONNREFUSED), None))
            }
            _ => plan::port(policy, NetAccess::CONNECT_TCP, fd, addr, once, socket),
        };
    }
    let socket = socket(fd)?;
    let domain = llrun_kernel::socket::domain(&socket)?;
    match (domain, Address::of(&addr)) {
        (nix::libc::AF_UNIX, Address::Path(path)) => {
            unix_path(policy, pid, path, once, socket, true)
        }
        (nix::libc::AF_UNIX, Address::Abstract) if policy.isolates_abstract_unix() => {
            // As if nobody listened there: X11 clients (libxcb) then fall back to the server's
            // path-named socket, which a `connect unix` rule decides. Landlock's own refusal
            // (EPERM) would make them give up.
            Ok(Plan::Answer(Response::Errno(Errno::ECONNREFUSED), None))
        }
        (nix::libc::AF_INET | nix::libc::AF_INET6, Address::Inet(port))
            if plan::is_tcp(&socket) =>
        {
            Ok(tcp(policy, port, once, socket, addr))
        }
        _ => Ok(carry_out(Job::ConnectRaw { socket, addr })),
    }
}

/// What a socket address names, as far as the decision goes.
enum Address {
    /// A unix socket path (without its terminating NUL).
    Path(Vec<u8>),
    /// A unix abstract name.
    Abstract,
    /// An IPv4 or IPv6 address, with its port.
    Inet(u16),
    /// Anything else: another family, an unnamed or malformed address.
    Other,
}

impl Address {
    fn of(addr: &[u8]) -> Address {
        if let Some(port) = super::op::inet_port(addr) {
            return Address::Inet(port);
        }
        let family = addr.get(..2).map(|f| u16::from_ne_bytes([f[0], f[1]]));
        if family != Some(nix::libc::AF_UNIX as u16) {
            return Address::Other;
        }
        // `sun_path`: up to its first NUL, as the kernel reads it (`unix_mkname_bsd`).
        let name = &addr[2..];
        match name.first() {
            None => Address::Other,
            Some(0) => Address::Abstract,
            Some(_) => {
                let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
                Address::Path(name[..end].to_vec())
            }
        }
    }
}

/// A unix socket path, relative to the program's working directory when not absolute. `carry`:
/// llrun connects even what Landlock would grant, because Landlock does not check it here.
fn unix_path(
    policy: &Policy,
    pid: Pid,
    path: Vec<u8>,
    once: Once<'_>,
    socket: OwnedFd,
    carry: bool,
) -> Result<Plan, Errno> {
    let at = PathOperand {
        dir: Dir::Cwd,
        path,
    };
    let (node, real, stat) = plan::existing(pid, &at, false)?;
    if SFlag::from_bits_truncate(stat.st_mode & nix::libc::S_IFMT) != SFlag::S_IFSOCK {
        // What the kernel answers for a path that is not a socket.
        return Err(Errno::ECONNREFUSED);
    }
    let once = match once {
        Once::Fs(a) => Some(a),
        _ => None,
    };
    let job = || Job::ConnectUnix { socket, node };
    Ok(
        match plan::combine(policy, &[Check::on(FsAccess::RESOLVE_UNIX, real)], once) {
            Combined::Continue if carry => Plan::Perform(job(), Why::Exactness),
            Combined::Continue => Plan::Answer(Response::Continue, None),
            Combined::Deny(rule) => Plan::Answer(Response::Errno(Errno::EACCES), rule),
            Combined::Perform(why) => Plan::Perform(job(), why),
            Combined::Ask(subject, rule) => Plan::Ask(subject, rule),
        },
    )
}

/// A TCP connect while llrun decides every connect: the port rules decide, and llrun connects.
fn tcp(policy: &Policy, port: u16, once: Once<'_>, socket: OwnedFd, addr: Vec<u8>) -> Plan {
    let once = match once {
        Once::Port(a) => Some(a),
        _ => None,
    };
    match policy.decide_port(NetAccess::CONNECT_TCP, port, once) {
        Verdict::Continue => Plan::Perform(Job::Connect { socket, addr }, Why::Exactness),
        Verdict::Perform(why) => Plan::Perform(Job::Connect { socket, addr }, why),
        Verdict::Deny(rule) => Plan::Answer(Response::Errno(Errno::EACCES), rule),
        Verdict::Ask(rule) => Plan::Ask(
            plan::Subject::Port {
                access: NetAccess::CONNECT_TCP,
                port,
            },
            rule,
        ),
    }
}

/// A connect llrun carries out without a decision of the profile's: the kernel answers it.
fn carry_out(job: Job) -> Plan {
    Plan::Perform(job, Why::Exactness)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix(name: &[u8]) -> Vec<u8> {
        let mut a = (nix::libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        a.extend_from_slice(name);
        a
    }

    #[test]
    fn a_unix_address_is_read_as_the_kernel_reads_it() {
        let path = |a: &[u8]| match Address::of(a) {
            Address::Path(p) => Some(p),
            _ => None,
        };
        assert_eq!(path(&unix(b"/run/bus\0")), Some(b"/run/bus".to_vec()));
        // Without a NUL, up to the address's end; after a NUL, nothing more counts.
        assert_eq!(path(&unix(b"rel/sock")), Some(b"rel/sock".to_vec()));
        assert_eq!(path(&unix(b"/a\0/b")), Some(b"/a".to_vec()));
        assert!(matches!(Address::of(&unix(b"\0x11")), Address::Abstract));
        assert!(matches!(Address::of(&unix(b"")), Address::Other));
        assert!(matches!(Address::of(&[1]), Address::Other));
        assert!(matches!(Address::of(&[]), Address::Other));
    }
}
