//! Landlock access rights as plain bit sets.
//!
//! The bit values are the kernel's own (`include/uapi/linux/landlock.h`), so a set can be handed
//! to `landlock_add_rule` unchanged. We keep our own types instead of re-exporting the `landlock`
//! crate's so that the compiler can do set algebra (and print sets) without caring which ABI the
//! crate was built for.

use bitflags::bitflags;

bitflags! {
    /// `LANDLOCK_ACCESS_FS_*`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
    pub struct FsAccess: u64 {
        const EXECUTE     = 1 << 0;
        const WRITE_FILE  = 1 << 1;
        const READ_FILE   = 1 << 2;
        const READ_DIR    = 1 << 3;
        const REMOVE_DIR  = 1 << 4;
        const REMOVE_FILE = 1 << 5;
        const MAKE_CHAR   = 1 << 6;
        const MAKE_DIR    = 1 << 7;
        const MAKE_REG    = 1 << 8;
        const MAKE_SOCK   = 1 << 9;
        const MAKE_FIFO   = 1 << 10;
        const MAKE_BLOCK  = 1 << 11;
        const MAKE_SYM    = 1 << 12;
        /// ABI 2 (Linux 5.19).
        const REFER       = 1 << 13;
        /// ABI 3 (Linux 6.2).
        const TRUNCATE    = 1 << 14;
        /// ABI 5 (Linux 6.10).
        const IOCTL_DEV   = 1 << 15;
    }
}

bitflags! {
    /// `LANDLOCK_ACCESS_NET_*` (ABI 4, Linux 6.7).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
    pub struct NetAccess: u64 {
        const BIND_TCP    = 1 << 0;
        const CONNECT_TCP = 1 << 1;
    }
}

bitflags! {
    /// `LANDLOCK_SCOPE_*` (ABI 6, Linux 6.12).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
    pub struct Scopes: u64 {
        const ABSTRACT_UNIX_SOCKET = 1 << 0;
        const SIGNAL               = 1 << 1;
    }
}

impl FsAccess {
    /// The rights that make sense on a non-directory. The kernel rejects a rule that puts any
    /// other right on a file.
    pub const FILE: FsAccess = FsAccess::EXECUTE
        .union(FsAccess::WRITE_FILE)
        .union(FsAccess::READ_FILE)
        .union(FsAccess::TRUNCATE)
        .union(FsAccess::IOCTL_DEV);

    /// The rights a directory exercises on *itself* (listing it, adding or removing entries
    /// directly in it). When a carve keeps a rule off a directory, these are what is lost on it.
    pub const DIR_SELF: FsAccess = FsAccess::READ_DIR
        .union(FsAccess::REMOVE_DIR)
        .union(FsAccess::REMOVE_FILE)
        .union(FsAccess::MAKE_CHAR)
        .union(FsAccess::MAKE_DIR)
        .union(FsAccess::MAKE_REG)
        .union(FsAccess::MAKE_SOCK)
        .union(FsAccess::MAKE_FIFO)
        .union(FsAccess::MAKE_BLOCK)
        .union(FsAccess::MAKE_SYM)
        .union(FsAccess::REFER);

    /// Every right the given Landlock ABI can restrict.
    pub fn supported_by(abi: u32) -> FsAccess {
        let mut all = FsAccess::all();
        if abi < 2 {
            all.remove(FsAccess::REFER);
        }
        if abi < 3 {
            all.remove(FsAccess::TRUNCATE);
        }
        if abi < 5 {
            all.remove(FsAccess::IOCTL_DEV);
        }
        if abi < 1 {
            all = FsAccess::empty();
        }
        all
    }

    /// The lowercase Landlock name of each right, as written in profiles after `fs.`.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        self.iter_names().map(|(name, _)| name)
    }
}

impl NetAccess {
    /// Every right the given Landlock ABI can restrict.
    pub fn supported_by(abi: u32) -> NetAccess {
        if abi >= 4 {
            NetAccess::all()
        } else {
            NetAccess::empty()
        }
    }
}

impl Scopes {
    /// Every scope the given Landlock ABI can restrict.
    pub fn supported_by(abi: u32) -> Scopes {
        if abi >= 6 {
            Scopes::all()
        } else {
            Scopes::empty()
        }
    }
}
