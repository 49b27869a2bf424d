//! Adding rules to a ruleset with `landlock_add_rule` directly.
//!
//! Start-up time grows with the number of rules, and a carved profile easily has hundreds, so
//! each rule costs as few syscalls as possible: open the path (`O_PATH`) and add the rule. The
//! path stays open ([`Opened`]) until `exec` closes it with all the others, rather than costing
//! a `close` each. Whether the path is a directory is only asked when the kernel refuses
//! directory rights on it (the `landlock` crate asks every time, and so would a stat of our own).

use super::{LandlockError, PathRule, PortRule};
use crate::access::FsAccess;
use nix::errno::Errno;
use nix::fcntl::{OFlag, open};
use nix::sys::stat::{Mode, SFlag, fstat};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

/// `struct landlock_path_beneath_attr` (Linux 5.13; packed in the uapi header).
#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// `struct landlock_net_port_attr` (Linux 6.7; packed in the uapi header).
#[repr(C, packed)]
struct NetPortAttr {
    allowed_access: u64,
    port: u64,
}

/// A `landlock_add_rule` attribute struct, and the rule type the kernel reads it as.
///
/// # Safety
/// `Self` must have exactly the layout of the uapi struct that goes with `RULE_TYPE`: the
/// kernel reads that many bytes through the pointer to a `Self`.
unsafe trait RuleAttr {
    const RULE_TYPE: libc::c_int;
}

// SAFETY: `PathBeneathAttr` is `struct landlock_path_beneath_attr` (a u64 then an i32, packed as
// in the header), the attribute of `LANDLOCK_RULE_PATH_BENEATH` (1, Linux 5.13).
unsafe impl RuleAttr for PathBeneathAttr {
    const RULE_TYPE: libc::c_int = 1;
}

// SAFETY: `NetPortAttr` is `struct landlock_net_port_attr` (two u64, packed as in the header),
// the attribute of `LANDLOCK_RULE_NET_PORT` (2, Linux 6.7).
unsafe impl RuleAttr for NetPortAttr {
    const RULE_TYPE: libc::c_int = 2;
}

/// Rule paths opened for their rules and not closed yet: close-on-exec, so `exec` closes them
/// all at once. At most [`Opened::MAX`] per ruleset are kept, well below any descriptor limit;
/// past that each is closed right after its rule is added.
#[derive(Debug, Default)]
pub(super) struct Opened(Vec<OwnedFd>);

impl Opened {
    const MAX: usize = 256;

    fn keep(&mut self, fd: OwnedFd) {
        if self.0.len() < Self::MAX {
            self.0.push(fd);
        }
    }
}

/// Adds the rule for one path. Returns `false` (and adds nothing) when the path no longer
/// exists.
pub(super) fn add_path(
    ruleset: BorrowedFd<'_>,
    rule: &PathRule,
    opened: &mut Opened,
) -> Result<bool, LandlockError> {
    let parent = match open(&rule.path, OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty()) {
        Ok(fd) => fd,
        // The path, or a directory on the way to it, is gone or was replaced by a file.
        Err(Errno::ENOENT | Errno::ENOTDIR) => return Ok(false),
        Err(e) => return Err(open_failed(rule, e)),
    };
    let added = add_opened(ruleset, &parent, rule)?;
    opened.keep(parent);
    Ok(added)
}

/// Adds the rule for one path, open as `parent`.
fn add_opened(
    ruleset: BorrowedFd<'_>,
    parent: &OwnedFd,
    rule: &PathRule,
) -> Result<bool, LandlockError> {
    let refused = |e: Errno| LandlockError::Rule {
        path: rule.path.clone(),
        reason: e.desc().into(),
    };
    match add_path_beneath(ruleset, parent.as_fd(), rule.access) {
        // EINVAL for rights that only make sense on a directory, if this is not one: keep the
        // file's rights (none left: nothing to attach here).
        Err(Errno::EINVAL) if !rule.access.difference(FsAccess::FILE).is_empty() => {
            let st = fstat(parent).map_err(|e| open_failed(rule, e))?;
            if SFlag::from_bits_truncate(st.st_mode & libc::S_IFMT) == SFlag::S_IFDIR {
                return Err(refused(Errno::EINVAL));
            }
            let access = rule.access & FsAccess::FILE;
            if !access.is_empty() {
                add_path_beneath(ruleset, parent.as_fd(), access).map_err(refused)?;
            }
            Ok(true)
        }
        Err(e) => Err(refused(e)),
        Ok(()) => Ok(true),
    }
}

fn open_failed(rule: &PathRule, e: Errno) -> LandlockError {
    LandlockError::Open {
        path: rule.path.clone(),
        source: e.into(),
    }
}

/// Adds the rule for one TCP port.
pub(super) fn add_port(ruleset: BorrowedFd<'_>, rule: &PortRule) -> Result<(), LandlockError> {
    let attr = NetPortAttr {
        allowed_access: rule.access.bits(),
        port: rule.port.into(),
    };
    add_rule(ruleset, &attr).map_err(|e| LandlockError::Port {
        port: rule.port,
        reason: e.desc().into(),
    })
}

fn add_path_beneath(
    ruleset: BorrowedFd<'_>,
    parent: BorrowedFd<'_>,
    access: FsAccess,
) -> Result<(), Errno> {
    let attr = PathBeneathAttr {
        allowed_access: access.bits(),
        parent_fd: parent.as_raw_fd(),
    };
    add_rule(ruleset, &attr)
}

/// `landlock_add_rule(ruleset, A::RULE_TYPE, attr, 0)`.
///
/// (A safe function taking a raw pointer and a rule type, as this was, would let a caller pass
/// any pointer; the attribute's type now carries its rule type, and `RuleAttr`'s contract
/// makes them agree.)
fn add_rule<A: RuleAttr>(ruleset: BorrowedFd<'_>, attr: &A) -> Result<(), Errno> {
    // SAFETY: `attr` is a live reference, so the pointer is valid for reads of one `A` for the
    // whole call, and by `RuleAttr`'s contract `A` is laid out as the struct the kernel reads
    // for `A::RULE_TYPE`. The kernel only reads it (and checks the fd itself).
    let r = unsafe {
        libc::syscall(
            libc::SYS_landlock_add_rule,
            ruleset.as_raw_fd(),
            A::RULE_TYPE,
            std::ptr::from_ref(attr),
            0u32,
        )
    };
    Errno::result(r).map(drop)
}
