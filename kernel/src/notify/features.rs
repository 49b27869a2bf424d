//! What the running kernel offers a supervisor, found by trying.

use super::{Listener, SyncWakeup};
use crate::seccomp::bpf::{Action, Builder};
use crate::seccomp::{Filter, FilterFlags, set_no_new_privs};
use std::fmt;

/// The user-notification mechanisms of the running kernel, each found by trying it: the
/// supervisor picks the best of them, and `--verbose` and `explain` say which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Features {
    /// A listener can be created (`SECCOMP_RET_USER_NOTIF`, Linux 5.0). False also when llrun
    /// itself runs under a filter with a listener (a supervised llrun): the kernel allows one
    /// listener along a chain of filters.
    pub listener: bool,
    /// `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV` (5.19): once received, a call is not restarted
    /// by a signal, so an operation llrun carried out is not done twice.
    pub wait_killable_recv: bool,
    /// `SECCOMP_ADDFD_FLAG_SEND` (5.14): a descriptor is installed and the call answered in one
    /// step. Without it the supervisor must install, then answer with the number.
    pub addfd_send: bool,
    /// `SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP` (6.6): several times faster round trips.
    pub sync_wakeup: bool,
}

impl Features {
    /// Tries each mechanism on a throwaway listener, created by installing an allow-everything
    /// filter on a short-lived thread of its own (seccomp filters and `no_new_privs` belong to
    /// one thread; both end with it). Takes about as long as starting a thread.
    pub fn probe() -> Features {
        std::thread::spawn(probe_on_this_thread)
            .join()
            .unwrap_or_default()
    }
}

/// Installs the throwaway filter on the calling thread: only for a thread that ends right after.
fn probe_on_this_thread() -> Features {
    if set_no_new_privs().is_err() {
        return Features::default();
    }
    let mut b = Builder::new();
    b.ret(Action::Allow);
    let filter = Filter::new(
        b.build().expect("one instruction"),
        FilterFlags::NEW_LISTENER | FilterFlags::WAIT_KILLABLE_RECV,
    );
    let (fd, wait_killable_recv) = match filter.install_with(filter.flags()) {
        Ok(fd) => (fd, true),
        Err(_) => match filter.install_with(FilterFlags::NEW_LISTENER) {
            Ok(fd) => (fd, false),
            Err(_) => return Features::default(),
        },
    };
    let Some(listener) = fd.map(Listener::from_fd) else {
        return Features::default();
    };
    Features {
        listener: true,
        wait_killable_recv,
        addfd_send: listener.supports_addfd_send(),
        sync_wakeup: listener.set_sync_wakeup() == Ok(SyncWakeup::Enabled),
    }
}

impl fmt::Display for Features {
    /// One line for `--verbose`: the mechanism and each refinement, present or missing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.listener {
            return f.write_str(
                "no seccomp user notification (needs Linux 5.0, and llrun not itself supervised)",
            );
        }
        let yes = |b: bool| if b { "yes" } else { "no" };
        write!(
            f,
            "seccomp user notification; atomic fd hand-over (5.14): {}; sync wake-up (6.6): {}; killable wait (5.19): {}",
            yes(self.addfd_send),
            yes(self.sync_wakeup),
            yes(self.wait_killable_recv)
        )
    }
}
