//! Reading one profile file, refusing what is not a profile before the parser sees it.

use std::path::Path;
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
}

impl LoadError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            LoadError::Missing => "check the name; `include?` makes a missing file fine",
            LoadError::Dangling => "fix the link, or remove it if the file is gone for good",
            LoadError::Directory => "name a `.llp` file, not a directory",
            LoadError::NotRegular => "name a `.llp` file",
            LoadError::Io(_) => "check the file's permissions",
            LoadError::TooLarge => "split it into files joined with `include`",
            LoadError::NotUtf8(_) => "profiles are UTF-8 text; is this the right file?",
        }
    }
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
    // Bounded even if the file grows (or is swapped for something else) after the check.
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(
            std::fs::File::open(path).map_err(|e| LoadError::Io(e.to_string()))?,
            MAX_FILE_BYTES + 1,
        ),
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
