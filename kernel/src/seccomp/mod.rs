//! Seccomp filters: built in the parent, installed between `fork` and `exec`.
//!
//! Today there is one filter, [`Filter::deny_terminal_injection`]. The supervisor's
//! user-notification filter will be built from the same pieces ([`bpf::Builder`],
//! [`native_arch_prologue`]) and installed with [`FilterFlags::NEW_LISTENER`], which makes
//! [`Filter::install`] return the listener descriptor.

pub mod bpf;

use bpf::{Action, Builder, Field, Target};
use nix::errno::Errno;
use std::os::fd::{FromRawFd, OwnedFd};

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

/// A seccomp filter program plus the flags it is installed with.
#[derive(Debug, Clone)]
pub struct Filter {
    program: bpf::Program,
    flags: FilterFlags,
}

impl Filter {
    pub fn new(program: bpf::Program, flags: FilterFlags) -> Filter {
        Filter { program, flags }
    }

    /// Refuses `ioctl(fd, TIOCSTI, …)` and `ioctl(fd, TIOCLINUX, …)` with `EPERM`; allows
    /// everything else. A sandboxed program that shares a terminal (or holds one, with
    /// `CAP_SYS_ADMIN`, even without it being its controlling terminal) could otherwise type
    /// commands into the user's shell.
    pub fn deny_terminal_injection() -> Filter {
        let mut b = Builder::new();
        let (allow, eperm) = (b.label(), b.label());
        native_arch_prologue(&mut b); //       the accumulator now holds the syscall number
        b.jump_eq(libc::SYS_ioctl as u32, Target::Next, allow);
        // The kernel truncates the command to `unsigned int`, so high bits must not matter:
        // compare the low word of argument 1 only.
        b.load(Field::ArgLow(1));
        b.jump_eq(TIOCSTI, eperm, Target::Next);
        b.jump_eq(TIOCLINUX, eperm, Target::Next);
        b.bind(allow);
        b.ret(Action::Allow);
        b.bind(eperm);
        b.ret(Action::Errno(libc::EPERM));
        let program = b.build().expect("the terminal filter is well formed");
        Filter::new(program, FilterFlags::empty())
    }

    pub fn program(&self) -> &bpf::Program {
        &self.program
    }

    /// Installs the filter on the calling thread (`seccomp(SECCOMP_SET_MODE_FILTER)`). Returns
    /// the listener when installed with [`FilterFlags::NEW_LISTENER`].
    ///
    /// Async-signal-safe (no allocation), so it may run between `fork` and `exec`. Requires
    /// `no_new_privs` ([`set_no_new_privs`]) unless the caller has `CAP_SYS_ADMIN`.
    pub fn install(&self) -> Result<Option<OwnedFd>, Errno> {
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
                self.flags.bits() as libc::c_ulong,
                &prog as *const libc::sock_fprog,
            )
        };
        let r = Errno::result(r)?;
        if self.flags.contains(FilterFlags::NEW_LISTENER) {
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

    fn verdict(data: libc::seccomp_data) -> u32 {
        Filter::deny_terminal_injection().program().evaluate(&data)
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
}
