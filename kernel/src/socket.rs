//! Socket calls on raw addresses, as the program passed them: the supervisor carries out a
//! `connect` with its one copy of the program's address, whatever its family, so that the
//! kernel validates it exactly as it would have for the program.

use nix::errno::Errno;
use std::os::fd::{AsFd, AsRawFd};

/// `connect(fd, addr, addr.len())` with the bytes of a `struct sockaddr` of any family.
/// The kernel refuses a malformed address itself (`EINVAL`, `EAFNOSUPPORT`, …).
pub fn connect_raw(fd: impl AsFd, addr: &[u8]) -> Result<(), Errno> {
    let len = libc::socklen_t::try_from(addr.len()).map_err(|_| Errno::EINVAL)?;
    // The kernel copies the address in before using it; an address shorter than a family
    // field is refused there too, so pass a valid pointer even when it is empty.
    let ptr = if addr.is_empty() {
        std::ptr::NonNull::<libc::sockaddr>::dangling().as_ptr()
    } else {
        addr.as_ptr().cast::<libc::sockaddr>()
    };
    // SAFETY: `ptr` points to `len` readable bytes (or `len` is 0), which the kernel only
    // reads, and copies before returning; `fd` is a live descriptor borrowed for the call.
    Errno::result(unsafe { libc::connect(fd.as_fd().as_raw_fd(), ptr, len) }).map(drop)
}

/// The address family of socket `fd` (`SO_DOMAIN`): what the kernel connects by, whatever
/// address the program passed.
pub fn domain(fd: impl AsFd) -> Result<i32, Errno> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for writes of their sizes for the whole call.
    let r = unsafe {
        libc::getsockopt(
            fd.as_fd().as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_DOMAIN,
            (&raw mut value).cast(),
            &raw mut len,
        )
    };
    Errno::result(r).map(|_| value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    fn unix_addr(path: &[u8]) -> Vec<u8> {
        let mut a = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        a.extend_from_slice(path);
        a.push(0);
        a
    }

    #[test]
    fn a_raw_unix_address_connects_and_a_bad_one_gets_the_kernels_error() {
        let dir = std::env::temp_dir().join(format!("llrun-sock-{}", std::process::id()));
        let _ = std::fs::create_dir(&dir);
        let path = dir.join("s");
        let _ = std::fs::remove_file(&path);
        let _listener = UnixListener::bind(&path).unwrap();
        let socket = nix::sys::socket::socket(
            nix::sys::socket::AddressFamily::Unix,
            nix::sys::socket::SockType::Stream,
            nix::sys::socket::SockFlag::SOCK_CLOEXEC,
            None,
        )
        .unwrap();
        assert_eq!(domain(&socket), Ok(libc::AF_UNIX));
        use std::os::unix::ffi::OsStrExt;
        assert_eq!(connect_raw(&socket, &[1]), Err(Errno::EINVAL));
        connect_raw(&socket, &unix_addr(path.as_os_str().as_bytes())).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
