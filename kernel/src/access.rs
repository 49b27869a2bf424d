//! Landlock access rights as plain bit sets, and which Landlock ABI brought each.
//!
//! The bit values are the kernel's own (`include/uapi/linux/landlock.h`), so a set can be handed
//! to `landlock_add_rule` unchanged. We keep our own types instead of re-exporting the `landlock`
//! crate's so that the compiler can do set algebra (and print sets) without caring which ABI the
//! crate was built for.
//!
//! Which ABI brought which right is not written here: `supported_by` asks the `landlock` crate
//! (`from_all`). Our types hold the rights llrun handles; the rights the crate knows that llrun
//! does not handle yet are listed in [`UNHANDLED`], and a test fails when a crate upgrade
//! brings a right that is in neither, so that someone decides what llrun does with it.

use bitflags::bitflags;
use landlock::{ABI, Access, AccessFs, AccessNet, Scope};

bitflags! {
    /// `LANDLOCK_ACCESS_FS_*`, the file-system rights llrun handles.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
    pub struct FsAccess: u64 {
        /// Executing a file.
        const EXECUTE     = 1 << 0;
        /// Opening a file for writing.
        const WRITE_FILE  = 1 << 1;
        /// Opening a file for reading.
        const READ_FILE   = 1 << 2;
        /// Listing a directory.
        const READ_DIR    = 1 << 3;
        /// Removing a directory (or renaming one away).
        const REMOVE_DIR  = 1 << 4;
        /// Removing a file (or renaming one away).
        const REMOVE_FILE = 1 << 5;
        /// Creating a character device.
        const MAKE_CHAR   = 1 << 6;
        /// Creating a directory.
        const MAKE_DIR    = 1 << 7;
        /// Creating a regular file (or linking, renaming one in).
        const MAKE_REG    = 1 << 8;
        /// Creating a unix socket file.
        const MAKE_SOCK   = 1 << 9;
        /// Creating a named pipe.
        const MAKE_FIFO   = 1 << 10;
        /// Creating a block device.
        const MAKE_BLOCK  = 1 << 11;
        /// Creating a symbolic link.
        const MAKE_SYM    = 1 << 12;
        /// Linking or renaming a file into another directory (ABI 2, Linux 5.19).
        const REFER       = 1 << 13;
        /// Truncating a file (ABI 3, Linux 6.2).
        const TRUNCATE    = 1 << 14;
        /// `ioctl` on a device file (ABI 5, Linux 6.10).
        const IOCTL_DEV   = 1 << 15;
        /// Connecting to (or sending to) a unix socket by its path (ABI 9). Before ABI 9 the
        /// kernel does not check it; llrun's supervisor then decides each `connect` itself.
        const RESOLVE_UNIX = 1 << 16;
    }
}

bitflags! {
    /// `LANDLOCK_ACCESS_NET_*`, the network rights llrun handles (ABI 4, Linux 6.7).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
    pub struct NetAccess: u64 {
        /// Binding a TCP socket to a port.
        const BIND_TCP    = 1 << 0;
        /// Connecting a TCP socket to a port.
        const CONNECT_TCP = 1 << 1;
    }
}

bitflags! {
    /// `LANDLOCK_SCOPE_*` (ABI 6, Linux 6.12).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
    pub struct Scopes: u64 {
        /// Connecting to an abstract unix socket created outside the sandbox.
        const ABSTRACT_UNIX_SOCKET = 1 << 0;
        /// Sending a signal to a process outside the sandbox.
        const SIGNAL               = 1 << 1;
    }
}

/// Which of Landlock's kinds of right a [`Unhandled`] right is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `LANDLOCK_ACCESS_FS_*`.
    Fs,
    /// `LANDLOCK_ACCESS_NET_*`.
    Net,
}

/// A Landlock right the kernel may offer that llrun does not handle: rulesets never include
/// it, so what it governs stays allowed, as on a kernel before its ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unhandled {
    /// Fs or net.
    pub kind: Kind,
    /// The kernel's bit for it.
    pub bits: u64,
    /// Its profile-style name.
    pub name: &'static str,
    /// Why llrun does not handle it yet.
    pub why: &'static str,
}

impl Unhandled {
    /// The ABI that brought it, from the `landlock` crate.
    pub fn abi(&self) -> u32 {
        (1..=newest_abi())
            .find(|&abi| crate_bits(self.kind, abi) & self.bits != 0)
            .unwrap_or(0)
    }
}

/// The rights the `landlock` crate knows and llrun does not handle yet.
pub const UNHANDLED: &[Unhandled] = &[
    Unhandled {
        kind: Kind::Net,
        bits: 1 << 2,
        name: "net.bind_udp",
        why: "UDP: the language's port rules are TCP only",
    },
    Unhandled {
        kind: Kind::Net,
        bits: 1 << 3,
        name: "net.connect_send_udp",
        why: "UDP: the language's port rules are TCP only",
    },
];

/// The `landlock` crate's ABI for a version number; past the newest it knows, its newest.
fn crate_abi(abi: u32) -> ABI {
    ABI::from(i32::try_from(abi).unwrap_or(i32::MAX))
}

/// The newest ABI the `landlock` crate knows: the first number it maps to the same ABI as the
/// next one.
pub fn newest_abi() -> u32 {
    (1..u32::MAX)
        .find(|&n| crate_abi(n) == crate_abi(n + 1))
        .unwrap_or(1)
}

/// Every right of `kind` that the `landlock` crate says `abi` can restrict, handled or not.
fn crate_bits(kind: Kind, abi: u32) -> u64 {
    match kind {
        Kind::Fs => AccessFs::from_all(crate_abi(abi)).bits(),
        Kind::Net => AccessNet::from_all(crate_abi(abi)).bits(),
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

    /// Every right llrun handles that the given Landlock ABI can restrict (the `landlock`
    /// crate's table, less [`UNHANDLED`]).
    pub fn supported_by(abi: u32) -> FsAccess {
        FsAccess::from_bits_truncate(crate_bits(Kind::Fs, abi))
    }

    /// The lowercase Landlock name of each right, as written in profiles after `fs.`.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        self.iter_names().map(|(name, _)| name)
    }
}

impl NetAccess {
    /// Every right llrun handles that the given Landlock ABI can restrict (the `landlock`
    /// crate's table, less [`UNHANDLED`]).
    pub fn supported_by(abi: u32) -> NetAccess {
        NetAccess::from_bits_truncate(crate_bits(Kind::Net, abi))
    }
}

impl Scopes {
    /// Every scope the given Landlock ABI can restrict (the `landlock` crate's table).
    pub fn supported_by(abi: u32) -> Scopes {
        Scopes::from_bits_truncate(Scope::from_all(crate_abi(abi)).bits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The crate's rights of `kind` that llrun does not handle, up to `abi`.
    fn unhandled(kind: Kind, abi: u32) -> u64 {
        UNHANDLED
            .iter()
            .filter(|u| u.kind == kind && u.abi() <= abi)
            .fold(0, |bits, u| bits | u.bits)
    }

    /// A `landlock` crate upgrade that brings a right fails here until the right is either
    /// handled (a flag of ours) or listed in [`UNHANDLED`] with the reason.
    #[test]
    fn every_right_the_landlock_crate_knows_is_handled_or_listed_as_unhandled() {
        for abi in 0..=newest_abi() + 1 {
            assert_eq!(
                crate_bits(Kind::Fs, abi),
                FsAccess::supported_by(abi).bits() | unhandled(Kind::Fs, abi),
                "file-system rights of ABI {abi}: a right the landlock crate knows is neither a flag of FsAccess nor in UNHANDLED"
            );
            assert_eq!(
                crate_bits(Kind::Net, abi),
                NetAccess::supported_by(abi).bits() | unhandled(Kind::Net, abi),
                "network rights of ABI {abi}: a right the landlock crate knows is neither a flag of NetAccess nor in UNHANDLED"
            );
            assert_eq!(
                Scope::from_all(crate_abi(abi)).bits(),
                Scopes::supported_by(abi).bits(),
                "scopes of ABI {abi}: a scope the landlock crate knows is not a flag of Scopes"
            );
        }
        assert_eq!(
            FsAccess::all().bits(),
            FsAccess::supported_by(newest_abi()).bits()
        );
        assert_eq!(
            NetAccess::all().bits(),
            NetAccess::supported_by(newest_abi()).bits()
        );
        assert_eq!(
            Scopes::all().bits(),
            Scopes::supported_by(newest_abi()).bits()
        );
    }

    /// The ABIs the table says brought each right, as the kernel documents them.
    #[test]
    fn the_rights_arrive_in_their_documented_abi() {
        let first = |right: FsAccess| {
            (1..=newest_abi()).find(|&a| FsAccess::supported_by(a).contains(right))
        };
        assert_eq!(first(FsAccess::EXECUTE), Some(1));
        assert_eq!(first(FsAccess::REFER), Some(2));
        assert_eq!(first(FsAccess::TRUNCATE), Some(3));
        assert_eq!(first(FsAccess::IOCTL_DEV), Some(5));
        assert_eq!(first(FsAccess::RESOLVE_UNIX), Some(9));
        assert_eq!(NetAccess::supported_by(3), NetAccess::empty());
        assert_eq!(NetAccess::supported_by(4), NetAccess::all());
        assert_eq!(Scopes::supported_by(5), Scopes::empty());
        assert_eq!(Scopes::supported_by(6), Scopes::all());
        assert_eq!(FsAccess::supported_by(0), FsAccess::empty());
        let abi_of = |name: &str| {
            UNHANDLED
                .iter()
                .find(|u| u.name == name)
                .map(Unhandled::abi)
        };
        assert_eq!(abi_of("net.bind_udp"), Some(10));
        assert_eq!(abi_of("net.connect_send_udp"), Some(10));
    }

    /// An ABI past the crate's newest (a newer kernel) restricts what the newest does: llrun
    /// never hands the kernel a right it does not know to handle.
    #[test]
    fn a_newer_kernel_than_the_crate_knows_gets_the_newest_rights() {
        let newest = newest_abi();
        assert!(newest >= 10, "the crate knows ABI {newest}");
        assert_eq!(
            FsAccess::supported_by(newest + 5),
            FsAccess::supported_by(newest)
        );
    }
}
