//! Dropping every capability before the program starts.
//!
//! Landlock restricts paths, not privileges: a program run as root under llrun would keep
//! `CAP_SYS_ADMIN`, `CAP_PERFMON`, `CAP_DAC_READ_SEARCH`… and with them read other processes'
//! memory maps and environment, or take over a terminal (`TIOCSCTTY` with force), all before
//! Landlock is asked (found by `tests/escape/privilege.rs` and `terminal.rs`). So the program
//! starts with no capability in any set, and the bounding set emptied so that no `exec` can
//! bring one back. For an ordinary user this changes nothing: there is nothing to drop.

use nix::errno::Errno;

/// `_LINUX_CAPABILITY_VERSION_3` (include/uapi/linux/capability.h, Linux 2.6.26).
const CAPABILITY_VERSION_3: u32 = 0x2008_0522;
/// Capability numbers to try; the kernel answers `EINVAL` past its last one (41 on 6.x).
const MAX_CAP: libc::c_ulong = 63;

#[repr(C)]
struct Header {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Data {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Drops every capability of the calling thread: bounding set, ambient, inheritable,
/// permitted and effective. Async-signal-safe (raw syscalls on stack data), for use between
/// `fork` and `exec`. A process without capabilities returns at once.
pub fn drop_all() -> Result<(), Errno> {
    let mut header = Header {
        version: CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [Data {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    // SAFETY: capget writes two `Data` (version 3) into `data`, which is that size.
    Errno::result(unsafe { libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) })?;
    if data
        .iter()
        .all(|d| d.permitted == 0 && d.effective == 0 && d.inheritable == 0)
    {
        return Ok(());
    }
    for cap in 0..=MAX_CAP {
        // SAFETY: integer arguments only.
        let r = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) };
        if r != 0 && Errno::last() == Errno::EINVAL {
            break;
        }
        Errno::result(r)?;
    }
    // SAFETY: integer arguments only.
    Errno::result(unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL,
            0,
            0,
            0,
        )
    })?;
    let empty = [Data {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    header.version = CAPABILITY_VERSION_3;
    header.pid = 0;
    // SAFETY: capset reads the header and two `Data` (version 3).
    Errno::result(unsafe { libc::syscall(libc::SYS_capset, &header, empty.as_ptr()) })?;
    Ok(())
}
