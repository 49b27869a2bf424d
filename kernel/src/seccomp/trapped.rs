//! The system calls the supervised filter hands to the listener: the path and socket calls
//! Landlock governs.
//!
//! Every variant exists on every architecture, so code that matches on them compiles the same
//! everywhere; the legacy calls (`open`, `mkdir`, …) simply never occur where the architecture
//! lacks them (aarch64 has only the `*at` forms), and [`Trapped::nr`] says so with `None`.

/// One trapped system call. The discriminants index [`TABLE`].
#[expect(
    missing_docs,
    reason = "each variant is the system call of its name (open(2), openat(2), …)"
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trapped {
    Open,
    Openat,
    Openat2,
    Creat,
    Mkdir,
    Mkdirat,
    Mknod,
    Mknodat,
    Symlink,
    Symlinkat,
    Link,
    Linkat,
    Rename,
    Renameat,
    Renameat2,
    Unlink,
    Unlinkat,
    Rmdir,
    Truncate,
    Connect,
    Bind,
}

/// Where one path operand of a trapped call is, as argument indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathArg {
    /// The argument holding the directory descriptor the path is relative to; `None` for the
    /// legacy calls, which always resolve against the working directory (`AT_FDCWD`).
    pub dirfd: Option<usize>,
    /// The argument holding the address of the NUL-terminated path.
    pub path: usize,
}

const fn cwd(path: usize) -> PathArg {
    PathArg { dirfd: None, path }
}

const fn at(dirfd: usize, path: usize) -> PathArg {
    PathArg {
        dirfd: Some(dirfd),
        path,
    }
}

/// Each call with its number on this architecture (`None` where it has none), its name, and its
/// path operands: one table, so the three cannot disagree.
const TABLE: &[(Trapped, Option<i64>, &str, &[PathArg])] = {
    use Trapped::*;
    &[
        (Open, legacy::OPEN, "open", &[cwd(0)]),
        (Openat, Some(libc::SYS_openat), "openat", &[at(0, 1)]),
        (Openat2, Some(libc::SYS_openat2), "openat2", &[at(0, 1)]),
        (Creat, legacy::CREAT, "creat", &[cwd(0)]),
        (Mkdir, legacy::MKDIR, "mkdir", &[cwd(0)]),
        (Mkdirat, Some(libc::SYS_mkdirat), "mkdirat", &[at(0, 1)]),
        (Mknod, legacy::MKNOD, "mknod", &[cwd(0)]),
        (Mknodat, Some(libc::SYS_mknodat), "mknodat", &[at(0, 1)]),
        // The link's target (argument 0) is stored text, not resolved: only the new name is.
        (Symlink, legacy::SYMLINK, "symlink", &[cwd(1)]),
        (
            Symlinkat,
            Some(libc::SYS_symlinkat),
            "symlinkat",
            &[at(1, 2)],
        ),
        (Link, legacy::LINK, "link", &[cwd(0), cwd(1)]),
        (
            Linkat,
            Some(libc::SYS_linkat),
            "linkat",
            &[at(0, 1), at(2, 3)],
        ),
        (Rename, legacy::RENAME, "rename", &[cwd(0), cwd(1)]),
        (
            Renameat,
            legacy::RENAMEAT,
            "renameat",
            &[at(0, 1), at(2, 3)],
        ),
        (
            Renameat2,
            Some(libc::SYS_renameat2),
            "renameat2",
            &[at(0, 1), at(2, 3)],
        ),
        (Unlink, legacy::UNLINK, "unlink", &[cwd(0)]),
        (Unlinkat, Some(libc::SYS_unlinkat), "unlinkat", &[at(0, 1)]),
        (Rmdir, legacy::RMDIR, "rmdir", &[cwd(0)]),
        (Truncate, Some(libc::SYS_truncate), "truncate", &[cwd(0)]),
        // The socket calls carry an address (argument 1) of a length (argument 2), not a path.
        (Connect, Some(libc::SYS_connect), "connect", &[]),
        (Bind, Some(libc::SYS_bind), "bind", &[]),
    ]
};

/// The calls only older architectures have (x86_64 keeps them; the generic table of aarch64 and
/// newer ports dropped them in favour of the `*at` forms).
mod legacy {
    macro_rules! legacy {
        ($($name:ident = $sys:ident),* $(,)?) => {
            $(
                #[cfg(target_arch = "x86_64")]
                pub const $name: Option<i64> = Some(libc::$sys);
                #[cfg(not(target_arch = "x86_64"))]
                pub const $name: Option<i64> = None;
            )*
        };
    }
    legacy!(
        OPEN = SYS_open,
        CREAT = SYS_creat,
        MKDIR = SYS_mkdir,
        MKNOD = SYS_mknod,
        SYMLINK = SYS_symlink,
        LINK = SYS_link,
        RENAME = SYS_rename,
        RENAMEAT = SYS_renameat,
        UNLINK = SYS_unlink,
        RMDIR = SYS_rmdir,
    );
}

impl Trapped {
    /// The trapped call with number `nr` on this architecture, if it is one.
    pub fn from_nr(nr: i32) -> Option<Trapped> {
        let nr = i64::from(nr);
        TABLE
            .iter()
            .find(|(_, n, _, _)| *n == Some(nr))
            .map(|(t, ..)| *t)
    }

    /// Every trapped call this architecture has.
    pub fn all() -> impl Iterator<Item = Trapped> {
        TABLE
            .iter()
            .filter(|(_, n, ..)| n.is_some())
            .map(|(t, ..)| *t)
    }

    /// The system call number on this architecture; `None` for a legacy call it lacks.
    pub fn nr(self) -> Option<i32> {
        self.row().1.map(|n| n as i32)
    }

    /// The name, as in the system call table and strace.
    pub fn name(self) -> &'static str {
        self.row().2
    }

    /// The path operands, in argument order (two for `link` and `rename`, none for the socket
    /// calls).
    pub fn paths(self) -> &'static [PathArg] {
        self.row().3
    }

    /// `connect` or `bind`: the operand is a socket address, not a path.
    pub fn is_socket(self) -> bool {
        matches!(self, Trapped::Connect | Trapped::Bind)
    }

    fn row(self) -> &'static (Trapped, Option<i64>, &'static str, &'static [PathArg]) {
        &TABLE[self as usize]
    }
}

impl std::fmt::Display for Trapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_variants_round_trip() {
        for t in Trapped::all() {
            assert_eq!(Trapped::from_nr(t.nr().unwrap()), Some(t), "{t}");
        }
        assert_eq!(Trapped::from_nr(libc::SYS_read as i32), None);
        assert_eq!(
            Trapped::from_nr(libc::SYS_openat as i32),
            Some(Trapped::Openat)
        );
    }

    #[test]
    fn each_row_sits_at_its_variant() {
        for (i, row) in TABLE.iter().enumerate() {
            assert_eq!(row.0 as usize, i, "{}", row.2);
        }
        assert_eq!(TABLE.len(), Trapped::Bind as usize + 1);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn x86_64_has_the_legacy_calls() {
        assert_eq!(Trapped::all().count(), 21);
        assert_eq!(Trapped::Open.nr(), Some(2));
    }

    #[cfg(target_arch = "aarch64")]
    #[test]
    fn aarch64_has_only_the_at_calls() {
        assert_eq!(Trapped::Open.nr(), None);
        assert_eq!(Trapped::Renameat.nr(), None);
        assert_eq!(Trapped::all().count(), 11);
    }

    #[test]
    fn path_operands_point_at_the_right_arguments() {
        assert_eq!(Trapped::Openat.paths(), &[at(0, 1)]);
        assert_eq!(Trapped::Symlinkat.paths(), &[at(1, 2)]);
        assert_eq!(Trapped::Renameat2.paths(), &[at(0, 1), at(2, 3)]);
        assert!(Trapped::Connect.paths().is_empty() && Trapped::Connect.is_socket());
    }
}
