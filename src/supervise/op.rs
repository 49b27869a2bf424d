//! A trapped call, decoded: which operation, on which path operands, with which flags.
//!
//! Pointers are read from the program's memory exactly once, here; every later step works on
//! these copies.

use llrun_kernel::notify::{Dir, Notification, ReadError, read_bytes, read_c_string};
use llrun_kernel::seccomp::Trapped;
use nix::errno::Errno;

/// `PATH_MAX` counts the NUL.
const PATH_MAX: usize = nix::libc::PATH_MAX as usize;

/// One path operand: resolved against `dir`, as the program wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathOperand {
    pub dir: Dir,
    pub path: Vec<u8>,
}

/// What the program asked the kernel to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    Open {
        at: PathOperand,
        flags: i32,
        mode: u32,
        /// openat2's `RESOLVE_*` flags (0 for the other calls).
        resolve: u64,
    },
    MakeDir {
        at: PathOperand,
        mode: u32,
    },
    MakeNode {
        at: PathOperand,
        mode: u32,
        dev: u64,
    },
    Symlink {
        target: Vec<u8>,
        at: PathOperand,
    },
    Link {
        from: PathOperand,
        to: PathOperand,
        flags: i32,
    },
    Rename {
        from: PathOperand,
        to: PathOperand,
        flags: u32,
    },
    Remove {
        at: PathOperand,
        dir: bool,
    },
    Truncate {
        at: PathOperand,
        len: i64,
    },
    Connect {
        fd: i32,
        addr: Vec<u8>,
    },
    Bind {
        fd: i32,
        addr: Vec<u8>,
    },
}

/// How reading the operands failed, as the errno the call would have failed with.
pub fn read_errno(e: ReadError) -> Errno {
    match e {
        ReadError::TooLong => Errno::ENAMETOOLONG,
        ReadError::Fault => Errno::EFAULT,
        ReadError::Gone => Errno::ESRCH,
        ReadError::Other(e) => e,
    }
}

impl Operation {
    /// Decodes `n`, reading its strings and structures from the program.
    pub fn read(n: &Notification) -> Result<Operation, Errno> {
        let Some(call) = n.syscall else {
            return Err(Errno::ENOSYS);
        };
        let operand = |i: usize| -> Result<PathOperand, Errno> {
            let (dir, addr) = n.path(call.paths()[i]);
            let path = read_c_string(n.pid, addr, PATH_MAX - 1).map_err(read_errno)?;
            Ok(PathOperand { dir, path })
        };
        let a = &n.args;
        let int = |i: usize| a[i] as u32 as i32;
        Ok(match call {
            Trapped::Open => Operation::Open {
                at: operand(0)?,
                flags: int(1),
                mode: a[2] as u32,
                resolve: 0,
            },
            Trapped::Openat => Operation::Open {
                at: operand(0)?,
                flags: int(2),
                mode: a[3] as u32,
                resolve: 0,
            },
            Trapped::Creat => Operation::Open {
                at: operand(0)?,
                flags: nix::libc::O_CREAT | nix::libc::O_WRONLY | nix::libc::O_TRUNC,
                mode: a[1] as u32,
                resolve: 0,
            },
            Trapped::Openat2 => {
                // struct open_how { u64 flags; u64 mode; u64 resolve; }: 24 bytes in every
                // version; a larger size only appends fields that must then be zero.
                let size = (a[3] as usize).min(24);
                if size < 24 {
                    return Err(Errno::EINVAL);
                }
                let how = read_bytes(n.pid, a[2], size).map_err(read_errno)?;
                let word = |i: usize| u64::from_ne_bytes(how[i * 8..i * 8 + 8].try_into().unwrap());
                Operation::Open {
                    at: operand(0)?,
                    flags: word(0) as i32,
                    mode: word(1) as u32,
                    resolve: word(2),
                }
            }
            Trapped::Mkdir => Operation::MakeDir {
                at: operand(0)?,
                mode: a[1] as u32,
            },
            Trapped::Mkdirat => Operation::MakeDir {
                at: operand(0)?,
                mode: a[2] as u32,
            },
            Trapped::Mknod => Operation::MakeNode {
                at: operand(0)?,
                mode: a[1] as u32,
                dev: a[2],
            },
            Trapped::Mknodat => Operation::MakeNode {
                at: operand(0)?,
                mode: a[2] as u32,
                dev: a[3],
            },
            Trapped::Symlink | Trapped::Symlinkat => Operation::Symlink {
                target: read_c_string(n.pid, a[0], PATH_MAX - 1).map_err(read_errno)?,
                at: operand(0)?,
            },
            Trapped::Link => Operation::Link {
                from: operand(0)?,
                to: operand(1)?,
                flags: 0,
            },
            Trapped::Linkat => Operation::Link {
                from: operand(0)?,
                to: operand(1)?,
                flags: int(4),
            },
            Trapped::Rename | Trapped::Renameat => Operation::Rename {
                from: operand(0)?,
                to: operand(1)?,
                flags: 0,
            },
            Trapped::Renameat2 => Operation::Rename {
                from: operand(0)?,
                to: operand(1)?,
                flags: a[4] as u32,
            },
            Trapped::Unlink => Operation::Remove {
                at: operand(0)?,
                dir: false,
            },
            Trapped::Unlinkat => Operation::Remove {
                at: operand(0)?,
                dir: int(2) & nix::libc::AT_REMOVEDIR != 0,
            },
            Trapped::Rmdir => Operation::Remove {
                at: operand(0)?,
                dir: true,
            },
            Trapped::Truncate => Operation::Truncate {
                at: operand(0)?,
                len: a[1] as i64,
            },
            Trapped::Connect | Trapped::Bind => {
                // The kernel refuses a longer address (`move_addr_to_kernel`), and so does llrun,
                // rather than decide on a truncated copy.
                let len = a[2] as u32 as usize;
                if len > SOCKADDR_STORAGE {
                    return Err(Errno::EINVAL);
                }
                let addr = read_bytes(n.pid, a[1], len).map_err(read_errno)?;
                let fd = int(0);
                if call == Trapped::Connect {
                    Operation::Connect { fd, addr }
                } else {
                    Operation::Bind { fd, addr }
                }
            }
        })
    }

    /// The name of the call's operation for logs and prompts.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Open { .. } => "open",
            Operation::MakeDir { .. } => "mkdir",
            Operation::MakeNode { .. } => "mknod",
            Operation::Symlink { .. } => "symlink",
            Operation::Link { .. } => "link",
            Operation::Rename { .. } => "rename",
            Operation::Remove { dir: false, .. } => "unlink",
            Operation::Remove { dir: true, .. } => "rmdir",
            Operation::Truncate { .. } => "truncate",
            Operation::Connect { .. } => "connect",
            Operation::Bind { .. } => "bind",
        }
    }
}

/// `sizeof(struct sockaddr_storage)`: the longest socket address the kernel takes.
const SOCKADDR_STORAGE: usize = std::mem::size_of::<nix::libc::sockaddr_storage>();

/// The TCP port of an `AF_INET`/`AF_INET6` socket address, if it is one.
pub fn inet_port(addr: &[u8]) -> Option<u16> {
    let family = u16::from_ne_bytes(addr.get(0..2)?.try_into().ok()?);
    match i32::from(family) {
        nix::libc::AF_INET | nix::libc::AF_INET6 => {
            Some(u16::from_be_bytes(addr.get(2..4)?.try_into().ok()?))
        }
        _ => None,
    }
}

/// The IPv4 or IPv6 address in a raw `sockaddr`, if it is one and complete.
pub fn socket_addr(raw: &[u8]) -> Option<std::net::SocketAddr> {
    use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
    let port = inet_port(raw)?;
    let family = i32::from(u16::from_ne_bytes(raw.get(0..2)?.try_into().ok()?));
    if family == nix::libc::AF_INET {
        let ip: [u8; 4] = raw.get(4..8)?.try_into().ok()?;
        return Some(SocketAddrV4::new(Ipv4Addr::from(ip), port).into());
    }
    let flow = u32::from_be_bytes(raw.get(4..8)?.try_into().ok()?);
    let ip: [u8; 16] = raw.get(8..24)?.try_into().ok()?;
    let scope = u32::from_ne_bytes(raw.get(24..28)?.try_into().ok()?);
    Some(SocketAddrV6::new(Ipv6Addr::from(ip), port, flow, scope).into())
}
