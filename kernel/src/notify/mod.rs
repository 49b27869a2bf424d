//! The kernel half of the `ask` supervisor: seccomp user notification.
//!
//! The supervised program runs under [`crate::seccomp::Filter::supervised`], whose listener
//! [`crate::spawn::spawn_supervised`] carries to llrun ([`handoff`]). llrun then receives each
//! trapped call from the [`Listener`], reads its operands from the program ([`target`]), and
//! answers: [`Response::Continue`] where Landlock will check the call anyway, an error, or the
//! result of doing the operation itself ([`Listener::add_fd_send`]).
//!
//! Nothing here decides anything: deciding belongs to the supervisor in the main crate.

mod addfd;
mod features;
pub mod handoff;
mod listener;
mod target;

pub use crate::seccomp::{PathArg, Trapped};
pub use features::Features;
pub use listener::{Dir, Listener, NotifId, Notification, RecvError, Response, SyncWakeup};
pub use target::{ReadError, fd_path, pidfd_getfd, pidfd_open_thread, read_bytes, read_c_string};
