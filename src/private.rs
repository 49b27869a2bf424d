//! Files llrun writes for itself (remembered answers, its log, its prompt directory): owner-only,
//! and a whole file is replaced atomically.
//!
//! Anything another local user could change in these would let them widen the user's sandboxes
//! (an override is a profile), so directories are made 0700 and files 0600 whatever the umask
//! allows, and a rewritten file is never seen half-written: it is written to a new file in the
//! same directory, flushed to disk, and renamed over the old one (then the directory is flushed,
//! so that the rename itself survives a crash).

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Mode of the directories llrun makes for itself.
pub const DIR_MODE: u32 = 0o700;
/// Mode of the files llrun writes for itself.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and any missing parents, each 0700. Existing directories are left as they are
/// (the profile loader refuses one that others can write).
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)
}

/// Replaces `path` by `contents`, atomically, as a 0600 file; its directory is created (0700)
/// if missing.
pub fn write(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_dir_all(dir)?;
    let (tmp, mut file) = temporary(path)?;
    let written = (|| {
        // Exactly 0600 even under an unusual umask (which can only have removed bits).
        file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    File::open(dir)?.sync_all()
}

/// Opens `path` for appending, created 0600 if missing (a log: appended to, never rewritten;
/// the user may name `/dev/stderr`, so links are followed).
pub fn append(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(FILE_MODE)
        .open(path)
}

/// A new, empty file beside `path` (`.NAME.tmpPID-N`), created exclusively: never an existing
/// file or a symlink someone left there.
fn temporary(path: &Path) -> io::Result<(PathBuf, File)> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut last = None;
    for n in 0..16 {
        let tmp = path.with_file_name(format!(".{name}.tmp{}-{n}", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(FILE_MODE)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no temporary name left")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn writes_owner_only_and_replaces_whole() {
        let t = tempfile::tempdir().unwrap();
        let file = t.path().join("a/b/f.llp");
        write(&file, b"one\n").unwrap();
        write(&file, b"two\n").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "two\n");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().mode() & 0o7777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&t.path().join("a")), 0o700);
        assert_eq!(mode(&t.path().join("a/b")), 0o700);
        let names: Vec<_> = std::fs::read_dir(t.path().join("a/b"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["f.llp"]);
    }
}
