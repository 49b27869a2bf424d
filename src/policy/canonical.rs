//! Symlinks resolved in the absolute paths a profile names, as the kernel will resolve them when
//! llrun opens each rule's path.
//!
//! This is on the start-up path of every run, and profiles name many paths under the same few
//! directories, so every resolved prefix is remembered: each new path then costs one `lstat`,
//! not one per component. (Listing a directory once instead of an `lstat` per name was measured
//! and is no faster: on ext4 a `getdents` of a large directory costs as much as the `lstat`s.)

/// foldhash: several times cheaper than the standard SipHash on short paths, still seeded per
/// process.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// An absolute path with symlinks resolved as far as it exists; the rest is kept as written.
/// Patterns and `explain` both go through this, so that they compare the same names.
pub fn canonical(path: &str) -> String {
    Canonicalizer::default().canonical(path)
}

/// Resolves symlinks in absolute paths, remembering every prefix it has seen.
#[derive(Debug, Default)]
pub struct Canonicalizer {
    /// Written prefix (normalised) → canonical prefix, or `None` when it does not exist.
    seen: HashMap<String, Option<String>>,
}

impl Canonicalizer {
    pub fn canonical(&mut self, path: &str) -> String {
        let normal = super::pattern::split_plain(path).fold(
            String::with_capacity(path.len()),
            |mut s, c| {
                s.push('/');
                s.push_str(c);
                s
            },
        );
        // Start from the longest prefix already resolved.
        let mut done = normal.len();
        let mut real = loop {
            if done == 0 {
                break String::new();
            }
            match self.seen.get(&normal[..done]) {
                Some(Some(r)) => break r.clone(),
                // Missing: so is everything beneath it, kept as written.
                Some(None) => return self.missing_below(&normal, done),
                None => done = normal[..done].rfind('/').unwrap_or(0),
            }
        };
        while done < normal.len() {
            let end = normal[done + 1..]
                .find('/')
                .map_or(normal.len(), |i| done + 1 + i);
            let resolved = resolve_child(&real, &normal[done + 1..end]);
            self.seen
                .insert(normal[..end].to_string(), resolved.clone());
            match resolved {
                Some(r) => real = r,
                None => return self.missing_below(&normal, end),
            }
            done = end;
        }
        if real.is_empty() { "/".into() } else { real }
    }

    /// `normal` whose prefix up to `missing_end` does not exist: the resolved parent of that
    /// prefix, then the rest as written.
    fn missing_below(&mut self, normal: &str, missing_end: usize) -> String {
        let parent_end = normal[..missing_end].rfind('/').unwrap_or(0);
        let parent = if parent_end == 0 {
            String::new()
        } else {
            self.canonical(&normal[..parent_end])
        };
        let parent = if parent == "/" { String::new() } else { parent };
        format!("{parent}{}", &normal[parent_end..])
    }
}

/// The canonical path of `name` in the canonical directory `dir` (`""` for the root), or
/// `None` when it does not exist.
fn resolve_child(dir: &str, name: &str) -> Option<String> {
    let mut candidate = String::with_capacity(dir.len() + 1 + name.len());
    candidate.push_str(dir);
    candidate.push('/');
    candidate.push_str(name);
    if std::fs::symlink_metadata(&candidate)
        .ok()?
        .file_type()
        .is_symlink()
    {
        std::fs::canonicalize(&candidate)
            .ok()
            .map(|p| p.to_string_lossy().into_owned())
    } else {
        Some(candidate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_resolves_symlinks_in_the_existing_prefix() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("real/sub")).unwrap();
        std::os::unix::fs::symlink(root.join("real"), root.join("link")).unwrap();
        let r = root.display();
        let mut c = Canonicalizer::default();
        assert_eq!(
            c.canonical(&format!("{r}/link/sub/missing/x")),
            format!("{r}/real/sub/missing/x")
        );
        assert_eq!(c.canonical(&format!("{r}/link")), format!("{r}/real"));
        // Again, now from the cache, and below the cached missing entry.
        assert_eq!(
            c.canonical(&format!("{r}//link/sub/missing/y/")),
            format!("{r}/real/sub/missing/y")
        );
        assert_eq!(c.canonical("/"), "/");
    }
}
