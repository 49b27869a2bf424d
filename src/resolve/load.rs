//! Reading one profile file, refusing what is not a profile, or what someone else could have
//! written, before the parser sees it.

use std::borrow::Cow;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Largest profile file accepted; a bigger one is a mistake, not a profile.
pub const MAX_FILE_BYTES: u64 = 8 << 20;

/// Why a file could not be read as a profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("does not exist")]
    Missing,
    /// A symlink to nothing is not a missing file: an `include?` of it must not silently drop
    /// what the target would say (a live edit could otherwise lose a `deny` by breaking a link).
    #[error("is a symbolic link to a file that does not exist")]
    Dangling,
    #[error("is a directory, not a profile")]
    Directory,
    #[error("is not a regular file (a device, FIFO or socket), not a profile")]
    NotRegular,
    #[error("cannot be read: {0}")]
    Io(String),
    #[error("is larger than {} MiB", MAX_FILE_BYTES >> 20)]
    TooLarge,
    #[error("is not UTF-8 text (invalid byte at offset {0})")]
    NotUtf8(usize),
    /// A profile only the user (or root) could have written: see [`trusted`].
    #[error("{}", untrusted(.0))]
    Untrusted(Exposure),
}

/// A file or directory that someone other than the user and root can change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    /// The profile file itself, or the directory it is in.
    pub path: PathBuf,
    pub is_dir: bool,
    pub how: Exposed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposed {
    /// Group- or world-writable (mode bits shown).
    Writable(u32),
    /// Owned by this uid, neither the user nor root.
    Owner(u32),
}

fn untrusted(e: &Exposure) -> String {
    let dir = e.path.display();
    match (e.is_dir, e.how) {
        (false, Exposed::Writable(m)) => format!("can be changed by other users (mode {m:04o})"),
        (false, Exposed::Owner(uid)) => format!("belongs to user {uid}, not to you or root"),
        (true, Exposed::Writable(m)) => {
            format!("is in `{dir}`, which other users can change (mode {m:04o})")
        }
        (true, Exposed::Owner(uid)) => {
            format!("is in `{dir}`, which belongs to user {uid}, not to you or root")
        }
    }
}

impl LoadError {
    /// What to do about it.
    pub fn hint(&self) -> Cow<'static, str> {
        let fixed = match self {
            LoadError::Untrusted(e) => return untrusted_hint(e).into(),
            LoadError::Missing => "check the name; `include?` makes a missing file fine",
            LoadError::Dangling => "fix the link, or remove it if the file is gone for good",
            LoadError::Directory => "name a `.llp` file, not a directory",
            LoadError::NotRegular => "name a `.llp` file",
            LoadError::Io(_) => "check the file's permissions",
            LoadError::TooLarge => "split it into files joined with `include`",
            LoadError::NotUtf8(_) => "profiles are UTF-8 text; is this the right file?",
        };
        fixed.into()
    }
}

fn untrusted_hint(e: &Exposure) -> String {
    let path = e.path.display();
    match e.how {
        Exposed::Writable(_) if e.is_dir => format!(
            "whoever can change it can replace the profiles in it and widen your sandboxes; run `chmod go-w {path}` and check the files in it"
        ),
        Exposed::Writable(_) => format!(
            "whoever can change it can widen your sandboxes; check what it says, then run `chmod go-w {path}`"
        ),
        Exposed::Owner(_) => format!(
            "someone else put it there and can change it; check what it says, then take it over (as root: `chown {} {path}`) or remove it",
            nix::unistd::getuid()
        ),
    }
}

/// Refuses `meta` (of `path`) when someone other than the user or root could change it: its
/// owner, or anyone with group or world write permission (sticky or not: in a `/tmp`-like
/// directory anyone can still add a profile). As ssh does with `~/.ssh/config`: a profile is
/// what decides what every sandbox may do, so one another user can write widens them all.
fn trusted(path: &Path, meta: &std::fs::Metadata) -> Result<(), LoadError> {
    let me = nix::unistd::getuid().as_raw();
    let how = if meta.uid() != me && meta.uid() != 0 {
        Exposed::Owner(meta.uid())
    } else if meta.mode() & 0o022 != 0 {
        Exposed::Writable(meta.mode() & 0o7777)
    } else {
        return Ok(());
    };
    Err(LoadError::Untrusted(Exposure {
        path: path.to_path_buf(),
        is_dir: meta.is_dir(),
        how,
    }))
}

/// Checks the directory a profile is in, as named and, for a symlink, where it really is:
/// whoever can write a directory can replace the files in it (or add them).
fn trusted_dirs(path: &Path, link: bool) -> Result<(), LoadError> {
    let named = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut dirs: Vec<PathBuf> = named.parent().map(Path::to_path_buf).into_iter().collect();
    if link && let Ok(real) = std::fs::canonicalize(path) {
        dirs.extend(real.parent().map(Path::to_path_buf));
    }
    for dir in dirs {
        let meta = std::fs::metadata(&dir).map_err(|e| LoadError::Io(e.to_string()))?;
        trusted(&dir, &meta)?;
    }
    Ok(())
}

/// Reads `path` as profile text.
pub fn read_profile(path: &Path) -> Result<Arc<str>, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound if path.symlink_metadata().is_ok() => LoadError::Dangling,
        std::io::ErrorKind::NotFound => LoadError::Missing,
        _ => LoadError::Io(e.to_string()),
    })?;
    if meta.is_dir() {
        return Err(LoadError::Directory);
    }
    // A device never ends and a FIFO blocks the open: only regular files are profiles.
    if !meta.is_file() {
        return Err(LoadError::NotRegular);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge);
    }
    let file = std::fs::File::open(path).map_err(|e| LoadError::Io(e.to_string()))?;
    // The file opened, not the one looked at: it could have been swapped meanwhile.
    let opened = file.metadata().map_err(|e| LoadError::Io(e.to_string()))?;
    trusted(path, &opened)?;
    let link = path.symlink_metadata().is_ok_and(|m| m.is_symlink());
    trusted_dirs(path, link)?;
    // Bounded even if the file grows (or is swapped for something else) after the check.
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_FILE_BYTES + 1),
        &mut bytes,
    )
    .map_err(|e| LoadError::Io(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge);
    }
    let text =
        String::from_utf8(bytes).map_err(|e| LoadError::NotUtf8(e.utf8_error().valid_up_to()))?;
    Ok(Arc::from(text))
}
