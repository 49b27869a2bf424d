//! Leaving the slow part of closing inotify descriptors to a process nobody waits for.
//!
//! The last close of an inotify instance that ever had a watch waits for an SRCU grace period
//! (`fsnotify_destroy_group` flushes the mark reaper): about 8 ms here, for a C program that
//! only adds one watch and exits. A process closes its descriptors before its parent can reap
//! it, so every run that follows profile edits would end 8 ms or more after its program did.
//!
//! [`linger_inotify`] forks a child that keeps only the inotify descriptors and one end of a
//! pipe, and waits for the pipe to close, which happens when this process exits. This process's
//! close is then not the last one; the child's is, after llrun's caller has its exit status.

use nix::errno::Errno;
use nix::unistd::{ForkResult, fork};
use std::os::fd::{AsRawFd, RawFd};

/// Makes the final close of this process's inotify descriptors happen in a child that outlives
/// it. Call it just before exiting; it returns at once. Nothing to do (and no child) when there
/// is no inotify descriptor.
pub fn linger_inotify() -> Result<(), Errno> {
    let mut keep = inotify_fds();
    if keep.is_empty() {
        return Ok(());
    }
    let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    keep.push(read.as_raw_fd());
    keep.sort_unstable();
    // SAFETY: the child only makes async-signal-safe syscalls on data prepared before the fork
    // (`keep`), then `_exit`s; it never returns into Rust code that could take a lock.
    match unsafe { fork() }? {
        ForkResult::Child => {
            // SAFETY: this is the forked child, which touches no descriptor but `keep` from here
            // on and leaves with `_exit`, so no owner of a closed descriptor ever uses it again.
            unsafe { close_all_but(&keep) };
            let mut byte = 0u8;
            // SAFETY: a one-byte read into a local; it returns 0 once every write end is closed,
            // that is, once llrun has exited (the child's own copy was closed above).
            unsafe { libc::read(read.as_raw_fd(), (&raw mut byte).cast(), 1) };
            // SAFETY: ends the child without running anything of the parent's.
            unsafe { libc::_exit(0) }
        }
        ForkResult::Parent { .. } => {
            // The write end stays open until this process exits; the child waits for that.
            std::mem::forget(write);
            Ok(())
        }
    }
}

/// This process's inotify descriptors, by their `/proc/self/fd` links.
fn inotify_fds() -> Vec<RawFd> {
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| {
            std::fs::read_link(e.path()).is_ok_and(|l| l.as_os_str() == "anon_inode:inotify")
        })
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}

/// Closes every descriptor but `keep` (sorted), one `close_range` per gap. Async-signal-safe.
///
/// # Safety
/// Closes descriptors that `OwnedFd`s and `File`s elsewhere in the process own: only a forked
/// child that never uses any of them again (it `_exit`s without running their destructors) may
/// call it.
unsafe fn close_all_but(keep: &[RawFd]) {
    let mut from: libc::c_uint = 0;
    for &fd in keep {
        let fd = fd as libc::c_uint;
        if fd > from {
            // SAFETY: the caller's contract.
            unsafe { close_range(from, fd - 1) };
        }
        from = fd + 1;
    }
    // SAFETY: the caller's contract.
    unsafe { close_range(from, libc::c_uint::MAX) };
}

/// # Safety
/// As [`close_all_but`]: nothing may use the closed descriptors afterwards.
unsafe fn close_range(first: libc::c_uint, last: libc::c_uint) {
    // SAFETY: integer arguments only; the caller vouches that the descriptors it closes are
    // never used again by their owners.
    unsafe { libc::syscall(libc::SYS_close_range, first, last, 0) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inotify_descriptors_and_nothing_else() {
        let before = inotify_fds();
        // SAFETY: a plain syscall; the descriptor is closed below.
        let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC) };
        assert!(fd >= 0);
        let found = inotify_fds();
        assert!(found.contains(&fd), "{found:?}");
        assert_eq!(found.len(), before.len() + 1);
        // SAFETY: closes the descriptor opened above.
        unsafe { libc::close(fd) };
    }
}
