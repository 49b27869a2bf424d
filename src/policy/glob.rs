//! One glob component of a pattern (`*.conf`, `lib?.so`, `{a,b}`), as globset reads it.
//!
//! Compiling a globset matcher builds a regex, which costs more than parsing a whole profile; a
//! start-up that matches few or none of its globs should not pay for it. So a glob is checked
//! for syntax when parsed, the common shape `prefix*suffix` is matched directly, and any other
//! glob compiles its matcher the first time it is asked to match.

use globset::{Glob, GlobBuilder, GlobMatcher};
use std::sync::OnceLock;

/// A syntactically valid glob for one path component.
#[derive(Debug, Clone)]
pub struct ComponentGlob {
    glob: Glob,
    matcher: Matcher,
}

#[derive(Debug, Clone)]
enum Matcher {
    /// One `*` between two literal parts: `*`, `*.cache`, `libfont*`, `a*b`.
    Star { prefix: String, suffix: String },
    /// Anything else, compiled on first use.
    Full(OnceLock<GlobMatcher>),
}

impl ComponentGlob {
    /// Parses `text`; the error is globset's reason, for the user.
    pub fn parse(text: &str) -> Result<ComponentGlob, String> {
        let glob = GlobBuilder::new(text)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| e.kind().to_string())?;
        let matcher = match text.split_once('*') {
            Some((prefix, suffix)) if is_plain(prefix) && is_plain(suffix) => Matcher::Star {
                prefix: prefix.into(),
                suffix: suffix.into(),
            },
            _ => Matcher::Full(OnceLock::new()),
        };
        Ok(ComponentGlob { glob, matcher })
    }

    /// The glob as written.
    pub fn text(&self) -> &str {
        self.glob.glob()
    }

    pub fn is_match(&self, name: &str) -> bool {
        match &self.matcher {
            Matcher::Star { prefix, suffix } => {
                name.len() >= prefix.len() + suffix.len()
                    && name.starts_with(prefix.as_str())
                    && name.ends_with(suffix.as_str())
            }
            Matcher::Full(cell) => cell
                .get_or_init(|| self.glob.compile_matcher())
                .is_match(name),
        }
    }
}

/// No glob syntax and no escapes.
fn is_plain(part: &str) -> bool {
    !part.contains(['*', '?', '[', ']', '{', '}', '\\'])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path must agree with globset on every name.
    #[test]
    fn star_shapes_match_like_globset() {
        let names = [
            "",
            "a",
            ".cache",
            "x.cache",
            "libfont.so",
            "libfoo",
            "ab",
            "aXb",
            "b",
        ];
        for glob in ["*", "*.cache", "libfont*", "a*b", "*b"] {
            let ours = ComponentGlob::parse(glob).unwrap();
            assert!(matches!(ours.matcher, Matcher::Star { .. }), "{glob}");
            let theirs = GlobBuilder::new(glob)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .unwrap()
                .compile_matcher();
            for name in names {
                assert_eq!(
                    ours.is_match(name),
                    theirs.is_match(name),
                    "{glob} vs {name}"
                );
            }
        }
    }

    #[test]
    fn other_globs_use_globset() {
        let g = ComponentGlob::parse("lib?.{so,a}").unwrap();
        assert!(g.is_match("libc.so") && g.is_match("libm.a") && !g.is_match("libcc.so"));
        assert!(ComponentGlob::parse("[a-").is_err());
    }
}
