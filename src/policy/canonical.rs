//! Symlinks resolved in the absolute paths a profile names, as the kernel will resolve them when
//! llrun opens each rule's path.
//!
//! This is on the start-up path of every run, and profiles name many paths under the same few
//! directories (a rule for each entry of `/usr/share`, say). So every resolved prefix is
//! remembered, and a directory under which many names are looked up is listed once (one
//! `getdents`, whose entry types tell symlinks apart) instead of costing an `lstat` per name.

/// foldhash: several times cheaper than the standard SipHash on short names, and still seeded
/// per process, so names planted in a listed directory cannot be chosen to collide.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::ffi::OsString;

/// Names looked up one by one under a directory before it is listed instead.
const LIST_AFTER: u32 = 8;

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
    /// Real directory → what is known of its entries.
    dirs: HashMap<String, Listing>,
}

/// What is known of one directory's entries.
#[derive(Debug)]
enum Listing {
    /// Names looked up one by one so far.
    Counted(u32),
    /// Every entry, and whether it is a symlink, read at once.
    Listed(HashMap<OsString, bool>),
    /// The directory cannot be read (search-only permission): look up names one by one.
    Unreadable,
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
            let resolved = self.resolve_child(&real, &normal[done + 1..end]);
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

    /// The canonical path of `name` in the canonical directory `dir` (`""` for the root), or
    /// `None` when it does not exist.
    fn resolve_child(&mut self, dir: &str, name: &str) -> Option<String> {
        let mut candidate = String::with_capacity(dir.len() + 1 + name.len());
        candidate.push_str(dir);
        candidate.push('/');
        candidate.push_str(name);
        let symlink = match self.listed(dir, name) {
            Some(symlink) => symlink,
            // Not listed, or absent from the listing: a listing misses names that a
            // case-insensitive directory still finds, so absence is confirmed.
            None => std::fs::symlink_metadata(&candidate)
                .ok()?
                .file_type()
                .is_symlink(),
        };
        if symlink {
            std::fs::canonicalize(&candidate)
                .ok()
                .map(|p| p.to_string_lossy().into_owned())
        } else {
            Some(candidate)
        }
    }

    /// Whether `name` is a symlink, by `dir`'s listing, listing `dir` once enough names were
    /// looked up in it. `None` when not listed or not in the listing.
    fn listed(&mut self, dir: &str, name: &str) -> Option<bool> {
        let listing = self
            .dirs
            .entry(dir.to_string())
            .or_insert(Listing::Counted(0));
        if let Listing::Counted(n) = listing {
            *n += 1;
            if *n >= LIST_AFTER {
                *listing = list(if dir.is_empty() { "/" } else { dir });
            }
        }
        match listing {
            Listing::Listed(entries) => entries.get(std::ffi::OsStr::new(name)).copied(),
            _ => None,
        }
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

/// Every entry of `dir`, and whether it is a symlink.
fn list(dir: &str) -> Listing {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Listing::Unreadable;
    };
    let mut listed = HashMap::default();
    for entry in entries {
        let Ok(entry) = entry else {
            return Listing::Unreadable;
        };
        // An entry whose type cannot be told is left out, and so looked up by itself.
        if let Ok(t) = entry.file_type() {
            listed.insert(entry.file_name(), t.is_symlink());
        }
    }
    Listing::Listed(listed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_directory_resolves_as_names_looked_up_one_by_one() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("real/sub")).unwrap();
        for i in 0..20 {
            std::fs::write(root.join(format!("f{i}")), "").unwrap();
        }
        std::os::unix::fs::symlink(root.join("real"), root.join("link")).unwrap();
        std::os::unix::fs::symlink("gone", root.join("dangling")).unwrap();
        let r = root.display();
        let names = (0..20)
            .map(|i| format!("f{i}"))
            .chain(["link/sub", "dangling/x", "missing/y", "real", "f3/z"].map(String::from));
        let mut shared = Canonicalizer::default();
        for name in names {
            let path = format!("{r}/{name}");
            assert_eq!(shared.canonical(&path), canonical(&path), "{path}");
        }
        assert!(matches!(
            shared.dirs.get(&r.to_string()),
            Some(Listing::Listed(_))
        ));
    }

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
