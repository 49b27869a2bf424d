//! Every syscall-level interface llrun uses.
//!
//! The rest of llrun is `#![forbid(unsafe_code)]`; whatever needs `unsafe` (seccomp filters,
//! ioctls on terminals, code that runs between `fork` and `exec`) lives in this crate behind a
//! safe API. Types here describe *what the kernel is asked to do*; deciding *what* to ask belongs
//! to the compiler in the main crate.
#![allow(unsafe_code)]

pub mod access;
pub mod awaiting;
pub mod caps;
pub mod landlock;
pub mod linger;
pub mod notify;
pub mod process;
pub mod seccomp;
pub mod socket;
pub mod spawn;
pub mod terminal;

pub use access::{FsAccess, NetAccess, Scopes};
