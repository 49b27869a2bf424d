//! Seccomp filters: built in the parent, installed between `fork` and `exec`.
//!
//! Two filters, built from the same pieces ([`bpf::Builder`], [`native_arch_prologue`],
//! [`refuse_terminal_injection`]): [`Filter::deny_terminal_injection`] for a program that runs
//! without a supervisor, and [`Filter::supervised`], which also hands the [`Trapped`] calls to a
//! user-notification listener (see [`crate::notify`]).

pub mod bpf;
mod bypass;
mod trapped;

pub use trapped::{PathArg, Trapped};

use bpf::{Action, Builder, Field, Label, Target};
use nix::errno::Errno;
use std::os::fd::{FromRawFd, OwnedFd};

/// Which calls a supervised filter hands to the listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// The calls trapped, whatever their arguments (but see `read_only_opens`).
    pub calls: Vec<Trapped>,
    /// Whether `open`/`openat` for reading only (no write access, `O_CREAT` or `O_TRUNC`) are
    /// trapped too; when false the kernel lets them through at once (Landlock still decides).
    pub read_only_opens: bool,
}

impl Shape {
    /// Every trapped call.
    pub fn all() -> Shape {
        Shape {
            calls: Trapped::all().collect(),
            read_only_opens: true,
        }
    }

    /// Whether any open reaches the listener (an open for writing, at least).
    pub fn traps_opens(&self) -> bool {
        [
            Trapped::Open,
            Trapped::Openat,
            Trapped::Openat2,
            Trapped::Creat,
        ]
        .iter()
        .any(|c| self.calls.contains(c))
    }

    /// Whether every open reaches the listener, reading ones included: then no descriptor is
    /// opened unseen by a call of the program's own.
    pub fn sees_every_open(&self) -> bool {
        self.read_only_opens
            && [Trapped::Open, Trapped::Openat, Trapped::Openat2]
                .iter()
                .all(|c| self.calls.contains(c))
    }
}

/// With the accumulator holding the call number of `open` or `openat`: reading-only opens go
/// to `allow`, the others to `notify`.
fn read_only_opens_pass(b: &mut Builder, allow: Label, notify: Label) {
    let writes = (libc::O_ACCMODE | libc::O_CREAT | libc::O_TRUNC) as u32;
    #[cfg(target_arch = "x86_64")]
    {
        let openat = b.label();
        b.jump_eq(libc::SYS_open as u32, Target::Next, openat);
        // open(path, flags, mode)
        b.load(Field::ArgLow(1));
        b.jump_set(writes, notify, allow);
        b.bind(openat);
    }
    // openat(dirfd, path, flags, mode)
    b.load(Field::ArgLow(2));
    b.jump_set(writes, notify, allow);
}

/// `AUDIT_ARCH_X86_64` = `EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE`
/// (include/uapi/linux/audit.h, Linux 2.6.x).
#[cfg(target_arch = "x86_64")]
pub const AUDIT_ARCH_NATIVE: u32 = 0xC000_003E;
/// `AUDIT_ARCH_AARCH64` = `EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE`
/// (include/uapi/linux/audit.h, Linux 3.7).
#[cfg(target_arch = "aarch64")]
pub const AUDIT_ARCH_NATIVE: u32 = 0xC000_00B7;
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
compile_error!(
    "llrun's seccomp filters know x86_64 and aarch64 only: add this architecture's AUDIT_ARCH value"
);

/// `__X32_SYSCALL_BIT` (arch/x86/include/uapi/asm/unistd.h, Linux 3.4): x32 system calls carry
/// this bit and the x86_64 `AUDIT_ARCH`, so a filter that compares numbers must refuse them.
#[cfg(target_arch = "x86_64")]
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// `TIOCSTI` pushes a byte into a terminal's input queue, as if typed.
const TIOCSTI: u32 = libc::TIOCSTI as u32;
/// `TIOCLINUX` subcodes can paste the console selection into its input.
const TIOCLINUX: u32 = libc::TIOCLINUX as u32;

bitflags::bitflags! {
    /// `SECCOMP_FILTER_FLAG_*` for [`Filter::install`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct FilterFlags: u32 {
        /// Linux 5.0: `seccomp` returns a user-notification listener descriptor.
        const NEW_LISTENER = libc::SECCOMP_FILTER_FLAG_NEW_LISTENER as u32;
        /// Linux 5.19: once the listener received a call, signals no longer interrupt it
        /// (only fatal ones do), so an answered operation is not restarted behind our back.
        const WAIT_KILLABLE_RECV = libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV as u32;
    }
}

/// io_uring runs its operations in kernel workers that seccomp never sees, so a program could
/// open or change files without a trapped call and bypass a supervisor's exact decisions (a
/// `deny` carved out of an `allow`). Refused with `ENOSYS`, as a kernel built without io_uring
/// would answer, so that programs (libuv, liburing users) take their ordinary fallback.
const IO_URING: [i64; 3] = [
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
];

/// `open_by_handle_at` opens a file with no path to decide on (and its handles come from
/// `name_to_handle_at`). Refused with `EPERM`, as without `CAP_DAC_READ_SEARCH`.
const BY_HANDLE: [i64; 2] = [libc::SYS_open_by_handle_at, libc::SYS_name_to_handle_at];

/// A seccomp filter program plus the flags it is installed with.
#[derive(Debug, Clone)]
pub struct Filter {
    program: bpf::Program,
    flags: FilterFlags,
}

impl Filter {
    /// A filter of `program`, to be installed with `flags`.
    pub fn new(program: bpf::Program, flags: FilterFlags) -> Filter {
        Filter { program, flags }
    }

    /// Refuses `ioctl(fd, TIOCSTI, …)` and `ioctl(fd, TIOCLINUX, …)` with `EPERM`; allows
    /// everything else. A sandboxed program that shares a terminal (or holds one, with
    /// `CAP_SYS_ADMIN`, even without it being its controlling terminal) could otherwise type
    /// commands into the user's shell.
    ///
    /// It also refuses the ways around Landlock's TCP rules ([`bypass`]) and io_uring.
    pub fn deny_terminal_injection() -> Filter {
        let mut b = Builder::new();
        let (allow, eperm, enosys) = (b.label(), b.label(), b.label());
        native_arch_prologue(&mut b); //       the accumulator now holds the syscall number
        let net = bypass::NetBypass::dispatch(&mut b);
        for nr in IO_URING {
            b.jump_eq(nr as u32, enosys, Target::Next);
        }
        refuse_terminal_injection(&mut b, allow, eperm);
        // Classic BPF only jumps forward: the argument checks sit before the verdicts.
        b.jump_eq(0, allow, allow);
        net.checks(&mut b, allow);
        b.bind(allow);
        b.ret(Action::Allow);
        b.bind(eperm);
        b.ret(Action::Errno(libc::EPERM));
        b.bind(enosys);
        b.ret(Action::Errno(libc::ENOSYS));
        let program = b.build().expect("the terminal filter is well formed");
        Filter::new(program, FilterFlags::empty())
    }

    /// The filter of a supervised program: every [`Trapped`] call waits for the listener's
    /// answer, the calls that would bypass the trap are refused ([`IO_URING`], [`BY_HANDLE`]),
    /// terminal injection is refused as in [`Filter::deny_terminal_injection`], and everything
    /// else is allowed.
    ///
    /// Installed with [`FilterFlags::NEW_LISTENER`] and [`FilterFlags::WAIT_KILLABLE_RECV`]; the
    /// latter is dropped by [`Filter::install`] on kernels before 5.19, which do not know it.
    /// Every untrapped call the filter allows is decided by its number alone, so the kernel's
    /// seccomp action cache (5.11) answers those without running the program.
    pub fn supervised() -> Filter {
        Filter::supervised_with(&Shape::all())
    }

    /// [`Filter::supervised`], trapping only what `shape` names: the calls a profile's
    /// supervised layer can decide on, so that the others run at full speed.
    pub fn supervised_with(shape: &Shape) -> Filter {
        let mut b = Builder::new();
        let (allow, eperm, enosys, notify) = (b.label(), b.label(), b.label(), b.label());
        let opens = b.label();
        native_arch_prologue(&mut b);
        let net = bypass::NetBypass::dispatch(&mut b);
        for call in &shape.calls {
            let Some(nr) = call.nr() else { continue };
            // An open's flags tell whether it only reads: decide those here when reads need
            // no supervisor (openat2 keeps its flags in memory, out of the filter's reach).
            let plain_open = matches!(call, Trapped::Open | Trapped::Openat);
            let target = if plain_open && !shape.read_only_opens {
                opens
            } else {
                notify
            };
            b.jump_eq(nr as u32, target, Target::Next);
        }
        for nr in IO_URING {
            b.jump_eq(nr as u32, enosys, Target::Next);
        }
        for nr in BY_HANDLE {
            b.jump_eq(nr as u32, eperm, Target::Next);
        }
        refuse_terminal_injection(&mut b, allow, eperm);
        // Classic BPF only jumps forward: the opens check sits before the verdicts it picks.
        b.jump_eq(0, allow, allow);
        net.checks(&mut b, allow);
        b.bind(opens);
        read_only_opens_pass(&mut b, allow, notify);
        b.bind(allow);
        b.ret(Action::Allow);
        b.bind(eperm);
        b.ret(Action::Errno(libc::EPERM));
        b.bind(enosys);
        b.ret(Action::Errno(libc::ENOSYS));
        b.bind(notify);
        b.ret(Action::UserNotif);
        let program = b.build().expect("the supervised filter is well formed");
        let flags = FilterFlags::NEW_LISTENER | FilterFlags::WAIT_KILLABLE_RECV;
        Filter::new(program, flags)
    }

    /// The filter's program.
    pub fn program(&self) -> &bpf::Program {
        &self.program
    }

    /// The flags it is installed with (before [`Filter::install`] drops an unknown one).
    pub fn flags(&self) -> FilterFlags {
        self.flags
    }

    /// Whether installing this filter creates a listener, which a supervisor must receive.
    pub fn has_listener(&self) -> bool {
        self.flags.contains(FilterFlags::NEW_LISTENER)
    }

    /// Installs the filter on the calling thread (`seccomp(SECCOMP_SET_MODE_FILTER)`). Returns
    /// the listener when installed with [`FilterFlags::NEW_LISTENER`].
    ///
    /// [`FilterFlags::WAIT_KILLABLE_RECV`] is optional: a kernel that refuses the flags with
    /// `EINVAL` (before 5.19) gets the filter without it.
    ///
    /// Async-signal-safe (no allocation), so it may run between `fork` and `exec`. Requires
    /// `no_new_privs` ([`set_no_new_privs`]) unless the caller has `CAP_SYS_ADMIN`. Fails with
    /// `EBUSY` for a listener when a filter the caller already runs under has one (the kernel
    /// allows one listener along a chain of filters): a supervised program cannot supervise.
    pub fn install(&self) -> Result<Option<OwnedFd>, Errno> {
        match self.install_with(self.flags) {
            Err(Errno::EINVAL) if self.flags.contains(FilterFlags::WAIT_KILLABLE_RECV) => {
                self.install_with(self.flags - FilterFlags::WAIT_KILLABLE_RECV)
            }
            result => result,
        }
    }

    pub(crate) fn install_with(&self, flags: FilterFlags) -> Result<Option<OwnedFd>, Errno> {
        let insns = self.program.instructions();
        let prog = libc::sock_fprog {
            len: insns.len() as libc::c_ushort,
            filter: insns.as_ptr().cast_mut(),
        };
        // SAFETY: `prog` points at `len` valid instructions that outlive the call; the kernel
        // copies the program and never writes through the pointer.
        let r = unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                flags.bits() as libc::c_ulong,
                &prog as *const libc::sock_fprog,
            )
        };
        let r = Errno::result(r)?;
        if flags.contains(FilterFlags::NEW_LISTENER) {
            // SAFETY: with NEW_LISTENER the kernel returns a new descriptor that nothing else owns.
            Ok(Some(unsafe { OwnedFd::from_raw_fd(r as libc::c_int) }))
        } else {
            Ok(None)
        }
    }
}

/// Emits the checks every llrun filter starts with, leaving the syscall number in the
/// accumulator:
///
/// ```text
/// ld  [arch]
/// jeq #AUDIT_ARCH_NATIVE, +1, +0      a foreign convention (i386 `int 0x80`, arm32 compat) has
/// ret KILL_PROCESS                    other syscall numbers, so nothing below would hold: die
/// ld  [nr]
/// jge #X32_SYSCALL_BIT, +0, +1        (x86_64 only) x32 calls reuse the x86_64 arch value with
/// ret ERRNO(ENOSYS)                   this bit set: answer as a kernel without x32 would
/// ```
pub fn native_arch_prologue(b: &mut Builder) {
    let native = b.label();
    b.load(Field::Arch);
    b.jump_eq(AUDIT_ARCH_NATIVE, native, Target::Next);
    b.ret(Action::KillProcess);
    b.bind(native);
    b.load(Field::Nr);
    #[cfg(target_arch = "x86_64")]
    {
        let not_x32 = b.label();
        b.jump_ge(X32_SYSCALL_BIT, Target::Next, not_x32);
        b.ret(Action::Errno(libc::ENOSYS));
        b.bind(not_x32);
    }
}

/// Emits the terminal-injection check, with the syscall number in the accumulator: any call
/// other than `ioctl` jumps to `allow`, `ioctl(fd, TIOCSTI | TIOCLINUX, …)` to `refuse`; any
/// other `ioctl` falls through to the next instruction (with the accumulator overwritten).
pub fn refuse_terminal_injection(b: &mut Builder, allow: Label, refuse: Label) {
    b.jump_eq(libc::SYS_ioctl as u32, Target::Next, allow);
    // The kernel truncates the command to `unsigned int`, so high bits must not matter:
    // compare the low word of argument 1 only.
    b.load(Field::ArgLow(1));
    b.jump_eq(TIOCSTI, refuse, Target::Next);
    b.jump_eq(TIOCLINUX, refuse, Target::Next);
}

/// `prctl(PR_SET_NO_NEW_PRIVS, 1)`: required for an unprivileged process to install a seccomp
/// filter or a Landlock ruleset, and it keeps setuid programs from gaining privileges inside
/// the sandbox. Async-signal-safe.
pub fn set_no_new_privs() -> Result<(), Errno> {
    nix::sys::prctl::set_no_new_privs()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(arch: u32, nr: i64, arg1: u64) -> libc::seccomp_data {
        libc::seccomp_data {
            nr: nr as i32,
            arch,
            instruction_pointer: 0,
            args: [3, arg1, 0, 0, 0, 0],
        }
    }

    /// The terminal filter's verdict, which the supervised filter must share for every call
    /// these tests make (none of them is trapped).
    fn verdict(data: libc::seccomp_data) -> u32 {
        let v = Filter::deny_terminal_injection().program().evaluate(&data);
        assert_eq!(Filter::supervised().program().evaluate(&data), v);
        v
    }

    fn supervised(nr: i64) -> u32 {
        Filter::supervised()
            .program()
            .evaluate(&call(AUDIT_ARCH_NATIVE, nr, 0))
    }

    const EPERM: u32 = libc::SECCOMP_RET_ERRNO | libc::EPERM as u32;

    #[test]
    fn terminal_injection_is_refused_whatever_the_high_bits() {
        for cmd in [TIOCSTI, TIOCLINUX] {
            assert_eq!(
                verdict(call(AUDIT_ARCH_NATIVE, libc::SYS_ioctl, cmd.into())),
                EPERM
            );
            let high = u64::from(cmd) | 0xdead_beef_0000_0000;
            assert_eq!(
                verdict(call(AUDIT_ARCH_NATIVE, libc::SYS_ioctl, high)),
                EPERM,
                "{cmd:#x} with high bits"
            );
        }
    }

    #[test]
    #[allow(clippy::unnecessary_cast)] // `Ioctl` is u64 on glibc, i32 on musl
    fn other_calls_and_ioctls_are_allowed() {
        let allow = libc::SECCOMP_RET_ALLOW;
        assert_eq!(
            verdict(call(
                AUDIT_ARCH_NATIVE,
                libc::SYS_ioctl,
                libc::TCGETS as u64
            )),
            allow
        );
        assert_eq!(
            verdict(call(
                AUDIT_ARCH_NATIVE,
                libc::SYS_ioctl,
                libc::TIOCGWINSZ as u64
            )),
            allow
        );
        // The same command number on another syscall means nothing.
        assert_eq!(
            verdict(call(AUDIT_ARCH_NATIVE, libc::SYS_write, TIOCSTI.into())),
            allow
        );
    }

    #[test]
    fn foreign_conventions_are_killed() {
        const AUDIT_ARCH_I386: u32 = 0x4000_0003;
        assert_eq!(
            verdict(call(AUDIT_ARCH_I386, 54, TIOCSTI.into())),
            libc::SECCOMP_RET_KILL_PROCESS
        );
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn x32_calls_are_refused() {
        let nr = libc::SYS_ioctl | i64::from(X32_SYSCALL_BIT);
        assert_eq!(
            verdict(call(AUDIT_ARCH_NATIVE, nr, TIOCSTI.into())),
            libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32
        );
    }

    #[test]
    fn every_trapped_call_goes_to_the_listener() {
        for t in Trapped::all() {
            let nr = t.nr().unwrap().into();
            assert_eq!(supervised(nr), libc::SECCOMP_RET_USER_NOTIF, "{t}");
            assert_eq!(verdict_terminal(nr), libc::SECCOMP_RET_ALLOW, "{t}");
        }
    }

    #[test]
    fn calls_that_bypass_the_trap_are_refused() {
        for nr in IO_URING {
            assert_eq!(
                supervised(nr),
                libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32
            );
        }
        for nr in BY_HANDLE {
            assert_eq!(supervised(nr), EPERM);
        }
    }

    #[test]
    fn untrapped_calls_are_allowed_under_supervision() {
        for nr in [
            libc::SYS_read,
            libc::SYS_execve,
            libc::SYS_fstat,
            libc::SYS_socket,
        ] {
            assert_eq!(supervised(nr), libc::SECCOMP_RET_ALLOW, "{nr}");
        }
    }

    #[test]
    fn the_supervised_filter_asks_for_a_listener() {
        let f = Filter::supervised();
        assert!(f.has_listener());
        assert!(f.flags().contains(FilterFlags::WAIT_KILLABLE_RECV));
        assert!(!Filter::deny_terminal_injection().has_listener());
    }

    fn verdict_terminal(nr: i64) -> u32 {
        Filter::deny_terminal_injection()
            .program()
            .evaluate(&call(AUDIT_ARCH_NATIVE, nr, 0))
    }

    #[test]
    fn a_shape_traps_only_its_calls_and_lets_reading_opens_through() {
        let shape = Shape {
            calls: vec![Trapped::Openat, Trapped::Mkdirat, Trapped::Connect],
            read_only_opens: false,
        };
        let f = Filter::supervised_with(&shape);
        let openat = |flags: i32| {
            let mut d = call(AUDIT_ARCH_NATIVE, libc::SYS_openat, 0);
            d.args[2] = flags as u64;
            f.program().evaluate(&d)
        };
        let notif = libc::SECCOMP_RET_USER_NOTIF;
        assert_eq!(
            openat(libc::O_RDONLY | libc::O_CLOEXEC),
            libc::SECCOMP_RET_ALLOW
        );
        assert_eq!(
            openat(libc::O_RDONLY | libc::O_DIRECTORY),
            libc::SECCOMP_RET_ALLOW
        );
        for flags in [
            libc::O_WRONLY,
            libc::O_RDWR,
            libc::O_RDONLY | libc::O_CREAT,
            libc::O_RDONLY | libc::O_TRUNC,
        ] {
            assert_eq!(openat(flags), notif, "{flags:#o}");
        }
        let nr = |n: i64| f.program().evaluate(&call(AUDIT_ARCH_NATIVE, n, 0));
        assert_eq!(nr(libc::SYS_mkdirat), notif);
        assert_eq!(nr(libc::SYS_connect), notif);
        assert_eq!(nr(libc::SYS_unlinkat), libc::SECCOMP_RET_ALLOW);
        assert_eq!(nr(libc::SYS_openat2), libc::SECCOMP_RET_ALLOW);
        // With reads supervised, every open waits for the listener.
        let all = Filter::supervised_with(&Shape {
            read_only_opens: true,
            ..shape
        });
        let mut d = call(AUDIT_ARCH_NATIVE, libc::SYS_openat, 0);
        d.args[2] = libc::O_RDONLY as u64;
        assert_eq!(all.program().evaluate(&d), notif);
    }
}
