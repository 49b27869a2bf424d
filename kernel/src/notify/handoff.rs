//! Carrying the listener from the child, which creates it by installing the filter, to llrun.
//!
//! The child sends it over a unix socket pair (`SCM_RIGHTS`) between `seccomp` and `exec`, then
//! closes its own copy: the program must never hold its own listener, or it could answer its own
//! trapped calls. A `SOCK_SEQPACKET` pair keeps the one message whole and reports the end of a
//! child that died without sending as end-of-file.

use super::Listener;
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::socket::{
    AddressFamily, ControlMessageOwned, MsgFlags, SockFlag, SockType, recvmsg, socketpair,
};
use std::io::IoSliceMut;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// Why llrun did not receive the program's listener.
#[derive(Debug, thiserror::Error)]
pub enum HandoffError {
    /// The child's end closed without a message: the child exited (a sandbox step failed).
    #[error(
        "the program stopped before handing its listener to llrun\n  = hint: the program's own message above says which step of entering the sandbox failed"
    )]
    NotSent,
    /// Nothing arrived in time.
    #[error(
        "the program's listener did not arrive within {0:?}\n  = hint: this is a bug in llrun; please report it"
    )]
    Timeout(Duration),
    /// A message arrived without exactly one descriptor.
    #[error(
        "the program's message to llrun held no listener\n  = hint: this is a bug in llrun; please report it"
    )]
    Malformed,
    /// `recvmsg` failed.
    #[error(
        "cannot receive the program's listener: {0}\n  = hint: this is a bug in llrun; please report it"
    )]
    Recv(Errno),
}

/// The two ends of the hand-over socket, both close-on-exec: `(llrun's, the child's)`.
pub fn channel() -> Result<(OwnedFd, OwnedFd), Errno> {
    socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
}

/// `CMSG_SPACE(sizeof(int))`: room for one descriptor in a control message.
// SAFETY: CMSG_SPACE is arithmetic on its argument.
const ONE_FD_SPACE: usize = unsafe { libc::CMSG_SPACE(size_of::<libc::c_int>() as u32) } as usize;

/// A control-message buffer, aligned for its header by the union.
#[repr(C)]
union OneFdCmsg {
    _header: libc::cmsghdr,
    bytes: [u8; ONE_FD_SPACE],
}

/// Sends `fd` over `sock` as one message of one byte. Async-signal-safe (stack buffers and one
/// `sendmsg`), for the child between `fork` and `exec`, where nix's `sendmsg` (which allocates
/// its control buffer) may not run.
pub fn send_fd(sock: RawFd, fd: BorrowedFd<'_>) -> Result<(), Errno> {
    let mut byte = *b"L";
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: byte.len(),
    };
    let mut cmsg = OneFdCmsg {
        bytes: [0; ONE_FD_SPACE],
    };
    // SAFETY: msghdr is plain data; all-zero is its empty value.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = (&raw mut cmsg).cast();
    msg.msg_controllen = ONE_FD_SPACE as _;
    // SAFETY: `msg` describes `cmsg`, which has room (and alignment) for one header and one int;
    // CMSG_FIRSTHDR therefore returns a pointer into it, and CMSG_DATA the int after the header.
    // sendmsg only reads the buffers, which outlive the call.
    let sent = unsafe {
        let header = libc::CMSG_FIRSTHDR(&msg);
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(size_of::<libc::c_int>() as u32) as _;
        libc::CMSG_DATA(header)
            .cast::<libc::c_int>()
            .write_unaligned(fd.as_raw_fd());
        libc::sendmsg(sock, &msg, libc::MSG_NOSIGNAL)
    };
    Errno::result(sent).map(drop)
}

/// Receives the listener the child sent over `sock` (llrun's end of [`channel`]), waiting at
/// most `timeout`. The caller must have closed its copy of the child's end, so that a child
/// that exited without sending reads as end-of-file at once instead of a wait.
///
/// The descriptor is received close-on-exec, so no program llrun starts later inherits it.
pub fn receive_listener(sock: BorrowedFd<'_>, timeout: Duration) -> Result<Listener, HandoffError> {
    let mut fds = [PollFd::new(sock, PollFlags::POLLIN)];
    let millis = PollTimeout::try_from(timeout).unwrap_or(PollTimeout::MAX);
    match poll(&mut fds, millis) {
        Ok(0) => return Err(HandoffError::Timeout(timeout)),
        Ok(_) => {}
        Err(e) => return Err(HandoffError::Recv(e)),
    }
    let mut byte = [0u8; 1];
    let mut iov = [IoSliceMut::new(&mut byte)];
    let mut space = nix::cmsg_space!(RawFd);
    let flags = MsgFlags::MSG_DONTWAIT | MsgFlags::MSG_CMSG_CLOEXEC;
    let msg = recvmsg::<()>(sock.as_raw_fd(), &mut iov, Some(&mut space), flags)
        .map_err(HandoffError::Recv)?;
    let mut received: Vec<OwnedFd> = Vec::new();
    for cmsg in msg.cmsgs().map_err(HandoffError::Recv)? {
        if let ControlMessageOwned::ScmRights(fds) = cmsg {
            // SAFETY: SCM_RIGHTS descriptors are new in this process and owned by nobody else.
            received.extend(
                fds.into_iter()
                    .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
            );
        }
    }
    if msg.bytes == 0 && received.is_empty() {
        return Err(HandoffError::NotSent);
    }
    let truncated = msg.flags.contains(MsgFlags::MSG_CTRUNC);
    match (received.pop(), received.is_empty(), truncated) {
        (Some(fd), true, false) => Ok(Listener::from_fd(fd)),
        _ => Err(HandoffError::Malformed),
    }
}
