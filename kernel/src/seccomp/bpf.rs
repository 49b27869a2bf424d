//! A small builder for classic-BPF seccomp programs.
//!
//! Seccomp filters are short, and every instruction matters for security, so they are written
//! by hand, one instruction a line, with named jump targets instead of counted offsets. The
//! builder only knows the handful of instructions a seccomp filter needs: load a 32-bit word of
//! `struct seccomp_data`, compare it with a constant, return an action. Jumps go forward only
//! (classic BPF has no other kind) and at most 255 instructions, which [`Builder::build`] checks.

use std::mem::offset_of;

// Instruction classes and modes (include/uapi/linux/filter.h, bpf_common.h).
const BPF_LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const BPF_JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const BPF_JGE_K: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
const BPF_JSET_K: u16 = (libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K) as u16;
const BPF_RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

/// The kernel refuses longer programs (`BPF_MAXINSNS`).
const MAX_INSNS: usize = 4096;

/// What a filter tells the kernel to do with a system call (`SECCOMP_RET_*`). When several
/// filters are stacked, the kernel applies the most severe answer, in the order listed here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `SECCOMP_RET_KILL_PROCESS` (Linux 4.14): the whole process dies of `SIGSYS`.
    KillProcess,
    /// `SECCOMP_RET_ERRNO`: the call fails with this errno without running.
    Errno(i32),
    /// `SECCOMP_RET_USER_NOTIF` (Linux 5.0): the call waits for the listener's answer.
    UserNotif,
    /// `SECCOMP_RET_ALLOW`.
    Allow,
}

impl Action {
    /// The 32-bit return value the kernel expects.
    pub fn to_ret(self) -> u32 {
        match self {
            Action::KillProcess => libc::SECCOMP_RET_KILL_PROCESS,
            // The errno lives in the low 16 bits (SECCOMP_RET_DATA).
            Action::Errno(e) => libc::SECCOMP_RET_ERRNO | (e as u32 & 0xffff),
            Action::UserNotif => libc::SECCOMP_RET_USER_NOTIF,
            Action::Allow => libc::SECCOMP_RET_ALLOW,
        }
    }
}

/// A word of `struct seccomp_data` to load into the accumulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The system call number (`nr`).
    Nr,
    /// The `AUDIT_ARCH_*` value of the calling convention used (`arch`).
    Arch,
    /// The low 32 bits of argument `0..=5`.
    ArgLow(u8),
    /// The high 32 bits of argument `0..=5`.
    ArgHigh(u8),
}

impl Field {
    fn offset(self) -> u32 {
        let arg = |i: u8, high: bool| {
            assert!(i < 6, "system calls have six arguments");
            // Which half of the 64-bit argument comes first in memory depends on endianness.
            let half = if high == cfg!(target_endian = "little") {
                4
            } else {
                0
            };
            offset_of!(libc::seccomp_data, args) + 8 * usize::from(i) + half
        };
        let off = match self {
            Field::Nr => offset_of!(libc::seccomp_data, nr),
            Field::Arch => offset_of!(libc::seccomp_data, arch),
            Field::ArgLow(i) => arg(i, false),
            Field::ArgHigh(i) => arg(i, true),
        };
        off as u32
    }
}

/// A named position in the program, bound with [`Builder::bind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label(usize);

/// Where a conditional jump goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The instruction right after the jump.
    Next,
    /// The instruction the label is bound to.
    To(Label),
}

impl From<Label> for Target {
    fn from(l: Label) -> Target {
        Target::To(l)
    }
}

/// A program that could not be built: a bug in the filter's source, found before it runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BpfError {
    /// A jump names a label (by index) that [`Builder::bind`] never bound.
    #[error("BPF label {0} is used but never bound")]
    Unbound(usize),
    /// Classic BPF jumps only forward, by at most 255 instructions.
    #[error("BPF jump at {at} goes backwards or more than 255 instructions ahead")]
    JumpRange {
        /// The jump's instruction index.
        at: usize,
    },
    /// The program (of this many instructions) is longer than the kernel takes.
    #[error("BPF program has {0} instructions; the kernel accepts at most {MAX_INSNS}")]
    TooLong(usize),
}

#[derive(Debug, Clone, Copy)]
enum Insn {
    Load(Field),
    Jump {
        code: u16,
        k: u32,
        jt: Target,
        jf: Target,
    },
    Ret(Action),
}

/// Builds a program instruction by instruction.
#[derive(Debug, Default)]
pub struct Builder {
    insns: Vec<Insn>,
    /// The instruction index each label is bound to.
    labels: Vec<Option<usize>>,
}

impl Builder {
    /// An empty program.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// A new label, to be bound later with [`Builder::bind`].
    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    /// Binds `label` to the next instruction emitted.
    pub fn bind(&mut self, label: Label) {
        debug_assert!(self.labels[label.0].is_none(), "label bound twice");
        self.labels[label.0] = Some(self.insns.len());
    }

    /// `ld [field]`: loads a 32-bit word of `seccomp_data` into the accumulator.
    pub fn load(&mut self, field: Field) {
        self.insns.push(Insn::Load(field));
    }

    /// `jeq #k, jt, jf`.
    pub fn jump_eq(&mut self, k: u32, jt: impl Into<Target>, jf: impl Into<Target>) {
        self.jump(BPF_JEQ_K, k, jt.into(), jf.into());
    }

    /// `jge #k, jt, jf` (unsigned).
    pub fn jump_ge(&mut self, k: u32, jt: impl Into<Target>, jf: impl Into<Target>) {
        self.jump(BPF_JGE_K, k, jt.into(), jf.into());
    }

    /// `jset #k, jt, jf`: jumps to `jt` when any bit of `k` is set in the accumulator.
    pub fn jump_set(&mut self, k: u32, jt: impl Into<Target>, jf: impl Into<Target>) {
        self.jump(BPF_JSET_K, k, jt.into(), jf.into());
    }

    /// `ret #action`.
    pub fn ret(&mut self, action: Action) {
        self.insns.push(Insn::Ret(action));
    }

    fn jump(&mut self, code: u16, k: u32, jt: Target, jf: Target) {
        self.insns.push(Insn::Jump { code, k, jt, jf });
    }

    /// Resolves the labels into offsets and checks the program.
    pub fn build(self) -> Result<Program, BpfError> {
        if self.insns.len() > MAX_INSNS {
            return Err(BpfError::TooLong(self.insns.len()));
        }
        let mut out = Vec::with_capacity(self.insns.len());
        for (at, insn) in self.insns.iter().enumerate() {
            let raw = match *insn {
                Insn::Load(field) => stmt(BPF_LD_W_ABS, field.offset()),
                Insn::Ret(action) => stmt(BPF_RET_K, action.to_ret()),
                Insn::Jump { code, k, jt, jf } => {
                    let jt = self.offset(at, jt)?;
                    let jf = self.offset(at, jf)?;
                    libc::sock_filter { code, jt, jf, k }
                }
            };
            out.push(raw);
        }
        Ok(Program { insns: out })
    }

    /// The jump offset from instruction `at` to `target` (0 is the next instruction).
    fn offset(&self, at: usize, target: Target) -> Result<u8, BpfError> {
        let dest = match target {
            Target::Next => return Ok(0),
            Target::To(l) => self.labels[l.0].ok_or(BpfError::Unbound(l.0))?,
        };
        dest.checked_sub(at + 1)
            .and_then(|d| u8::try_from(d).ok())
            .ok_or(BpfError::JumpRange { at })
    }
}

fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

/// A finished classic-BPF program, ready to hand to the kernel.
#[derive(Clone)]
pub struct Program {
    insns: Vec<libc::sock_filter>,
}

impl Program {
    /// The instructions, as `sock_fprog` points at them.
    pub fn instructions(&self) -> &[libc::sock_filter] {
        &self.insns
    }

    /// Runs the program on `data` the way the kernel would, for tests. Supports exactly the
    /// instructions the builder emits.
    pub fn evaluate(&self, data: &libc::seccomp_data) -> u32 {
        let word = |off: u32| -> u32 {
            let off = off as usize;
            let args = offset_of!(libc::seccomp_data, args);
            if off == offset_of!(libc::seccomp_data, nr) {
                data.nr as u32
            } else if off == offset_of!(libc::seccomp_data, arch) {
                data.arch
            } else {
                let (i, half) = ((off - args) / 8, (off - args) % 8);
                let low_first = cfg!(target_endian = "little");
                if (half == 0) == low_first {
                    data.args[i] as u32
                } else {
                    (data.args[i] >> 32) as u32
                }
            }
        };
        let (mut pc, mut acc) = (0usize, 0u32);
        loop {
            let i = self.insns[pc];
            pc += 1;
            match i.code {
                BPF_LD_W_ABS => acc = word(i.k),
                BPF_RET_K => return i.k,
                BPF_JEQ_K => pc += usize::from(if acc == i.k { i.jt } else { i.jf }),
                BPF_JGE_K => pc += usize::from(if acc >= i.k { i.jt } else { i.jf }),
                BPF_JSET_K => pc += usize::from(if acc & i.k != 0 { i.jt } else { i.jf }),
                code => panic!("instruction {code:#x} is not emitted by the builder"),
            }
        }
    }
}

impl std::fmt::Debug for Program {
    /// One instruction a line, as `code jt jf k`, so a failing test shows the program.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (n, i) in self.insns.iter().enumerate() {
            writeln!(
                f,
                "{n:3}: {:#06x} {:3} {:3} {:#010x}",
                i.code, i.jt, i.jf, i.k
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_become_forward_offsets() {
        let mut b = Builder::new();
        let yes = b.label();
        b.load(Field::Nr);
        b.jump_eq(7, yes, Target::Next);
        b.ret(Action::Allow);
        b.bind(yes);
        b.ret(Action::Errno(libc::EPERM));
        let p = b.build().unwrap();
        assert_eq!((p.insns[1].jt, p.insns[1].jf), (1, 0));
    }

    #[test]
    fn unbound_and_backward_labels_are_refused() {
        let mut b = Builder::new();
        let nowhere = b.label();
        b.jump_eq(1, nowhere, Target::Next);
        assert_eq!(b.build().unwrap_err(), BpfError::Unbound(0));

        let mut b = Builder::new();
        let back = b.label();
        b.bind(back);
        b.load(Field::Nr);
        b.jump_eq(1, back, Target::Next);
        b.ret(Action::Allow);
        assert_eq!(b.build().unwrap_err(), BpfError::JumpRange { at: 1 });
    }

    #[test]
    fn argument_halves_are_where_the_kernel_puts_them() {
        assert_eq!(Field::Nr.offset(), 0);
        assert_eq!(Field::Arch.offset(), 4);
        assert_eq!(
            Field::ArgLow(1).offset(),
            if cfg!(target_endian = "little") {
                24
            } else {
                28
            }
        );
        assert_eq!(
            Field::ArgHigh(1).offset(),
            if cfg!(target_endian = "little") {
                28
            } else {
                24
            }
        );
    }
}
