//! Where prompt sockets live, and taking a path for one safely.
//!
//! A run's socket is the path given (`--prompt-socket`, `LLRUN_PROMPT_SOCKET`), else
//! `$XDG_RUNTIME_DIR/llrun/prompt-PID.sock` (PID: llrun's own), falling back to
//! `/tmp/llrun-UID/` when there is no runtime directory. `llrun prompt` looks in the same
//! directory when it is given no path.

use std::io::ErrorKind;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

/// The environment variable naming the socket, for llrun and for `llrun prompt` alike.
pub const ENV: &str = "LLRUN_PROMPT_SOCKET";

/// Why a socket path cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("`{0}` exists and is not a socket; llrun will not replace it")]
    NotASocket(PathBuf),
    #[error("`{0}` is in use by another llrun (a client is answering there)")]
    InUse(PathBuf),
    #[error("the prompt directory `{0}` is not private to this user")]
    NotPrivate(PathBuf),
    #[error("cannot use `{0}` for the prompt socket: {1}")]
    Io(PathBuf, std::io::Error),
}

impl PathError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            PathError::NotASocket(_) | PathError::InUse(_) => {
                Some("give another --prompt-socket path")
            }
            PathError::NotPrivate(_) => {
                Some("it must belong to you and be writable by nobody else (chmod 700)")
            }
            PathError::Io(..) => None,
        }
    }
}

/// The directory of default socket paths.
pub fn default_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("llrun"),
        None => PathBuf::from(format!("/tmp/llrun-{}", nix::unistd::geteuid())),
    }
}

/// The default socket path of the llrun with pid `pid`.
pub fn for_run(pid: u32) -> PathBuf {
    default_dir().join(format!("prompt-{pid}.sock"))
}

/// Creates the default directory (mode 0700) if needed and checks that nobody else can put a
/// socket there for `llrun prompt` to find.
pub fn prepare_default_dir(dir: &Path) -> Result<(), PathError> {
    let io = |e| PathError::Io(dir.to_path_buf(), e);
    match crate::private::create_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(e)),
    }
    let meta = std::fs::symlink_metadata(dir).map_err(io)?;
    let mine = meta.uid() == nix::unistd::geteuid().as_raw();
    if !meta.is_dir() || !mine || meta.mode() & 0o022 != 0 {
        return Err(PathError::NotPrivate(dir.to_path_buf()));
    }
    Ok(())
}

/// Makes `path` free for a new socket: nothing there, or a stale socket nobody listens on
/// (removed). Anything else is refused, never replaced.
pub fn claim(path: &Path) -> Result<(), PathError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(PathError::Io(path.to_path_buf(), e)),
    };
    if !meta.file_type().is_socket() {
        return Err(PathError::NotASocket(path.to_path_buf()));
    }
    match UnixStream::connect(path) {
        Ok(_) => Err(PathError::InUse(path.to_path_buf())),
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => std::fs::remove_file(path)
            .or_else(|e| match e.kind() {
                ErrorKind::NotFound => Ok(()),
                _ => Err(e),
            })
            .map_err(|e| PathError::Io(path.to_path_buf(), e)),
        Err(e) => Err(PathError::Io(path.to_path_buf(), e)),
    }
}

/// Restricts the socket to its owner. Connecting needs write permission on the socket file.
pub fn make_private(path: &Path) -> Result<(), PathError> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| PathError::Io(path.to_path_buf(), e))
}

/// The identity of the file at `path`, to remove only our own socket at the end.
pub fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

/// The sockets in the default directory, newest first.
pub fn candidates() -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(default_dir()) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("prompt-") && name.ends_with(".sock")
        })
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            let modified = meta.modified().ok()?;
            meta.file_type().is_socket().then(|| (modified, e.path()))
        })
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().map(|(_, p)| p).collect()
}
