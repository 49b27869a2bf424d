//! Finding the program before anything runs, as execvp(3) would, so that "not found" (127) and
//! "not executable" (126) are decided in the parent with a clear message, and an `exec` that
//! fails later can only be the sandbox's doing.

use nix::unistd::{AccessFlags, access};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// execvp's search path when `PATH` is unset (glibc's `_CS_PATH`).
const DEFAULT_PATH: &str = "/bin:/usr/bin";

#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// An executable regular file.
    Found(PathBuf),
    /// Named files exist, but none is an executable regular file.
    NotExecutable(PathBuf),
    NotFound,
}

/// Resolves `program` the way the program's own environment would: a name with a `/` is a path
/// (relative to the current directory), anything else is searched on `PATH` from `env` (the
/// program's complete environment, not llrun's).
pub fn resolve(program: &OsStr, env: &[(OsString, OsString)]) -> Resolved {
    if program.is_empty() {
        return Resolved::NotFound;
    }
    if program.as_encoded_bytes().contains(&b'/') {
        return check(Path::new(program), false).unwrap_or(Resolved::NotFound);
    }
    let path = env
        .iter()
        .rev()
        .find(|(k, _)| k == "PATH")
        .map_or(OsStr::new(DEFAULT_PATH), |(_, v)| v.as_os_str());
    let mut not_executable = None;
    for dir in path.as_encoded_bytes().split(|&b| b == b':') {
        // An empty entry means the current directory, as in execvp.
        let dir = if dir.is_empty() {
            Path::new(".")
        } else {
            Path::new(OsStr::from_bytes(dir))
        };
        match check(&dir.join(program), true) {
            Some(Resolved::Found(p)) => return Resolved::Found(p),
            Some(other) => {
                not_executable.get_or_insert(other);
            }
            None => {}
        }
    }
    not_executable.unwrap_or(Resolved::NotFound)
}

/// What `candidate` is, or `None` when there is nothing to run there. A directory met while
/// `searching` PATH is passed over, as shells do.
fn check(candidate: &Path, searching: bool) -> Option<Resolved> {
    let meta = std::fs::metadata(candidate).ok()?;
    if meta.is_file() && access(candidate, AccessFlags::X_OK).is_ok() {
        Some(Resolved::Found(candidate.to_path_buf()))
    } else if searching && meta.is_dir() {
        None
    } else {
        Some(Resolved::NotExecutable(candidate.to_path_buf()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn env(path: &Path) -> Vec<(OsString, OsString)> {
        vec![("PATH".into(), path.as_os_str().to_owned())]
    }

    fn file(path: &Path, mode: u32) {
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn searches_the_programs_path_in_order() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        file(&a.join("tool"), 0o644);
        file(&b.join("tool"), 0o755);
        let path = std::env::join_paths([&a, &b]).unwrap();
        assert_eq!(
            resolve(OsStr::new("tool"), &env(Path::new(&path))),
            Resolved::Found(b.join("tool"))
        );
        assert_eq!(
            resolve(OsStr::new("tool"), &env(&a)),
            Resolved::NotExecutable(a.join("tool"))
        );
        assert_eq!(resolve(OsStr::new("nope"), &env(&a)), Resolved::NotFound);
    }

    #[test]
    fn a_name_with_a_slash_is_a_path() {
        let d = tempfile::tempdir().unwrap();
        let tool = d.path().join("tool");
        file(&tool, 0o755);
        assert_eq!(
            resolve(tool.as_os_str(), &[]),
            Resolved::Found(tool.clone())
        );
        assert_eq!(
            resolve(d.path().as_os_str(), &[]),
            Resolved::NotExecutable(d.path().to_path_buf())
        );
        assert_eq!(
            resolve(d.path().join("missing").as_os_str(), &[]),
            Resolved::NotFound
        );
    }

    #[test]
    fn without_path_the_default_is_used() {
        assert_eq!(
            resolve(OsStr::new("sh"), &[]),
            Resolved::Found(PathBuf::from("/bin/sh"))
        );
        assert_eq!(resolve(OsStr::new(""), &[]), Resolved::NotFound);
    }
}
