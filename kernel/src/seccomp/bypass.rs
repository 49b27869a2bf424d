//! Ways around Landlock's TCP rules that never call `connect` or `bind`, refused by every
//! llrun filter (found by the escape tests, `tests/escape/network.rs`):
//!
//! - TCP Fast Open: `sendto`/`sendmsg`/`sendmmsg` with `MSG_FASTOPEN` connects and sends in
//!   one call, which Landlock does not check. Refused with `EOPNOTSUPP`, as on a kernel without
//!   Fast Open, so programs fall back to `connect`.
//! - Multipath TCP: Landlock's rules cover `IPPROTO_TCP` sockets only, so an `IPPROTO_MPTCP`
//!   socket connects and binds anywhere. Refused with `EPROTONOSUPPORT`, as without MPTCP
//!   support, so programs fall back to plain TCP.
//!
//! io_uring could send with `MSG_FASTOPEN` beyond seccomp's sight, so every filter refuses it
//! too ([`super::IO_URING`]).

use super::bpf::{Action, Builder, Field, Label, Target};

/// `IPPROTO_MPTCP` (include/uapi/linux/in.h, Linux 5.6).
const IPPROTO_MPTCP: u32 = 262;
const MSG_FASTOPEN: u32 = libc::MSG_FASTOPEN as u32;

/// The checks' entry points, emitted after every jump to them.
pub struct NetBypass {
    socket: Label,
    /// `sendto` and `sendmmsg`: flags in argument 3.
    flags3: Label,
    /// `sendmsg`: flags in argument 2.
    flags2: Label,
}

impl NetBypass {
    /// With the call number in the accumulator, jumps to the checks for the calls concerned
    /// (and falls through for any other).
    pub fn dispatch(b: &mut Builder) -> NetBypass {
        let nb = NetBypass {
            socket: b.label(),
            flags3: b.label(),
            flags2: b.label(),
        };
        b.jump_eq(libc::SYS_socket as u32, nb.socket, Target::Next);
        b.jump_eq(libc::SYS_sendto as u32, nb.flags3, Target::Next);
        b.jump_eq(libc::SYS_sendmmsg as u32, nb.flags3, Target::Next);
        b.jump_eq(libc::SYS_sendmsg as u32, nb.flags2, Target::Next);
        nb
    }

    /// Emits the checks; each ends in `allow` or its own refusal. Nothing falls through.
    pub fn checks(self, b: &mut Builder, allow: Label) {
        let (no_proto, no_fastopen) = (b.label(), b.label());
        b.bind(self.socket);
        b.load(Field::ArgLow(2));
        b.jump_eq(IPPROTO_MPTCP, no_proto, allow);
        b.bind(self.flags3);
        b.load(Field::ArgLow(3));
        b.jump_set(MSG_FASTOPEN, no_fastopen, allow);
        b.bind(self.flags2);
        b.load(Field::ArgLow(2));
        b.jump_set(MSG_FASTOPEN, no_fastopen, allow);
        b.bind(no_proto);
        b.ret(Action::Errno(libc::EPROTONOSUPPORT));
        b.bind(no_fastopen);
        b.ret(Action::Errno(libc::EOPNOTSUPP));
    }
}
