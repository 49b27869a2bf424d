//! Path patterns after expansion: plain paths and per-component globs.
//!
//! A pattern matches a path when it matches the path itself *or one of its ancestors*: a plain
//! `/home/u` covers everything beneath it, and so does a glob that matches a directory. Matching
//! runs component by component (a small NFA over the pattern's components) so that the compiler
//! can ask the two questions it needs while walking the file system: "does this pattern cover
//! this directory?" and "could it match something beneath it?".

use super::glob::ComponentGlob;
use std::fmt;

/// One `/`-separated component of a pattern.
#[derive(Debug, Clone)]
pub enum Component {
    /// A name with no wildcard.
    Literal(String),
    /// A name with wildcards (`*`, `?`, `[…]`, `{a,b}`), matched as globset does.
    Glob(Box<ComponentGlob>),
    /// `**`: any number of components, including none.
    AnyDepth,
}

/// How specific a pattern is; greater wins. See docs/language.md, "Decisions".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Specificity {
    /// Components other than `**`.
    pub components: usize,
    /// Components without any wildcard.
    pub literal_components: usize,
    /// Characters outside wildcards.
    pub literal_chars: usize,
}

/// An absolute pattern, split into components.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The normalised text (after expansion and symlink resolution of the literal prefix).
    text: String,
    components: Vec<Component>,
    specificity: Specificity,
}

/// Why a string is not a valid pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("pattern `{0}` is not absolute")]
    NotAbsolute(String),
    #[error("pattern `{0}` contains a `{1}` component")]
    DotComponent(String, &'static str),
    #[error("`{{…}}` alternatives in `{0}` contain `/`")]
    SlashInAlternatives(String),
    #[error("invalid glob `{component}`: {reason}")]
    BadGlob { component: String, reason: String },
}

/// A set of NFA positions in a pattern's components (at most 64 components are supported for
/// globs; literal-only patterns never need more than one position).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct States(u64);

const MAX_COMPONENTS: usize = 63;

impl Pattern {
    /// Parses an absolute, expanded pattern.
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        if !text.starts_with('/') {
            return Err(PatternError::NotAbsolute(text.to_string()));
        }
        let raw: Vec<&str> = split_components(text)?;
        if raw.len() > MAX_COMPONENTS {
            return Err(PatternError::BadGlob {
                component: text.to_string(),
                reason: format!("more than {MAX_COMPONENTS} components"),
            });
        }
        let mut components = Vec::with_capacity(raw.len());
        for part in raw {
            match part {
                "." => return Err(PatternError::DotComponent(text.to_string(), ".")),
                ".." => return Err(PatternError::DotComponent(text.to_string(), "..")),
                "**" => {
                    // `a/**/**/b` is the same as `a/**/b`.
                    if !matches!(components.last(), Some(Component::AnyDepth)) {
                        components.push(Component::AnyDepth);
                    }
                }
                _ if part.contains("**") => {
                    return Err(PatternError::BadGlob {
                        component: part.to_string(),
                        reason: "`**` must be a whole component, as in `/a/**/b`".into(),
                    });
                }
                _ if has_glob_chars(part) => {
                    components.push(Component::Glob(Box::new(compile_glob(part)?)))
                }
                _ => components.push(Component::Literal(unescape(part))),
            }
        }
        Ok(Self::from_components(components))
    }

    fn from_components(components: Vec<Component>) -> Pattern {
        let mut text = String::new();
        let mut specificity = Specificity {
            components: 0,
            literal_components: 0,
            literal_chars: 0,
        };
        for c in &components {
            text.push('/');
            match c {
                Component::Literal(s) => {
                    text.push_str(s);
                    specificity.components += 1;
                    specificity.literal_components += 1;
                    specificity.literal_chars += s.chars().count();
                }
                Component::Glob(g) => {
                    let glob = g.text();
                    text.push_str(glob);
                    specificity.components += 1;
                    specificity.literal_chars +=
                        glob.chars().filter(|c| !"*?[]{},!".contains(*c)).count();
                }
                Component::AnyDepth => text.push_str("**"),
            }
        }
        if text.is_empty() {
            text.push('/');
        }
        Pattern {
            text,
            components,
            specificity,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether some component is a glob (`*`, `**`, `?`, …): the pattern may then match paths
    /// created after start, which no Landlock rule could name.
    pub fn is_glob(&self) -> bool {
        self.components
            .iter()
            .any(|c| !matches!(c, Component::Literal(_)))
    }

    /// The last component that is not `**` (`None` for `/` and `/**`). Whatever the pattern
    /// covers lies at or beneath a path whose last name this component matches.
    pub fn last_name(&self) -> Option<&Component> {
        self.components
            .iter()
            .rev()
            .find(|c| !matches!(c, Component::AnyDepth))
    }

    pub fn components(&self) -> &[Component] {
        &self.components
    }

    pub fn specificity(&self) -> Specificity {
        self.specificity
    }

    /// The leading components without wildcards, as a path; for a plain path, the whole path.
    pub fn literal_prefix(&self) -> String {
        let mut out = String::new();
        for c in &self.components {
            match c {
                Component::Literal(s) => {
                    out.push('/');
                    out.push_str(s);
                }
                _ => break,
            }
        }
        if out.is_empty() { "/".into() } else { out }
    }

    /// Whether the pattern has no wildcard at all.
    pub fn is_plain(&self) -> bool {
        self.components
            .iter()
            .all(|c| matches!(c, Component::Literal(_)))
    }

    /// Replaces the literal prefix by `prefix` (its symlink-resolved form).
    pub fn with_literal_prefix(&self, prefix: &str) -> Pattern {
        let mut components: Vec<Component> = split_plain(prefix)
            .map(|s| Component::Literal(s.to_string()))
            .collect();
        let skip = self
            .components
            .iter()
            .take_while(|c| matches!(c, Component::Literal(_)))
            .count();
        components.extend(self.components[skip..].iter().cloned());
        Self::from_components(components)
    }

    /// The states before any component is consumed (at `/`).
    pub fn start(&self) -> States {
        self.closure(States(1))
    }

    /// Follows the `**` epsilon moves.
    fn closure(&self, mut s: States) -> States {
        for (i, c) in self.components.iter().enumerate() {
            if s.has(i) && matches!(c, Component::AnyDepth) {
                s.0 |= 1 << (i + 1);
            }
        }
        s
    }

    /// The states after consuming one more path component.
    pub fn step(&self, s: States, name: &str) -> States {
        let mut next = States(0);
        for (i, c) in self.components.iter().enumerate() {
            if !s.has(i) {
                continue;
            }
            match c {
                Component::Literal(l) if l == name => next.0 |= 1 << (i + 1),
                Component::Glob(g) if g.is_match(name) => next.0 |= 1 << (i + 1),
                Component::AnyDepth => next.0 |= 1 << i,
                _ => {}
            }
        }
        self.closure(next)
    }

    /// Whether the states have matched the whole pattern (so the pattern covers this path and
    /// everything beneath it).
    pub fn accepts(&self, s: States) -> bool {
        s.has(self.components.len())
    }

    /// Whether the pattern could still match some path strictly beneath.
    pub fn can_continue(&self, s: States) -> bool {
        s.0 & ((1u64 << self.components.len()) - 1) != 0
    }

    /// The literal names the next step can match, or `None` when a wildcard is possible (and the
    /// directory must then be listed to find candidates).
    pub fn next_literals(&self, s: States) -> Option<Vec<&str>> {
        let mut out = Vec::new();
        for (i, c) in self.components.iter().enumerate() {
            if s.has(i) {
                match c {
                    Component::Literal(l) => out.push(l.as_str()),
                    _ => return None,
                }
            }
        }
        Some(out)
    }

    /// Whether the pattern matches `path` or one of its ancestors.
    pub fn covers(&self, path: &str) -> bool {
        let mut s = self.start();
        if self.accepts(s) {
            return true;
        }
        for name in split_plain(path) {
            s = self.step(s, name);
            if self.accepts(s) {
                return true;
            }
            if s == States(0) {
                return false;
            }
        }
        false
    }
}

impl States {
    fn has(self, i: usize) -> bool {
        self.0 & (1 << i) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The pattern that matches exactly `path` (and what is beneath it), whatever characters its
/// names hold: glob characters are escaped, so a file named `a*` is not a glob.
pub fn literal(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The non-empty components of an absolute path (`//a/b/` → `a`, `b`).
pub fn split_plain(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

fn split_components(text: &str) -> Result<Vec<&str>, PatternError> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut escaped = false;
    for (i, ch) in text.char_indices() {
        match ch {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '/' if depth > 0 => return Err(PatternError::SlashInAlternatives(text.to_string())),
            '/' => {
                if i > start {
                    parts.push(&text[start..i]);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < text.len() {
        parts.push(&text[start..]);
    }
    Ok(parts)
}

fn has_glob_chars(part: &str) -> bool {
    let mut escaped = false;
    for ch in part.chars() {
        match ch {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '*' | '?' | '[' | '{' => return true,
            _ => {}
        }
    }
    false
}

/// A literal component may still use `\` to escape a glob character.
fn unescape(part: &str) -> String {
    if !part.contains('\\') {
        return part.to_string();
    }
    let mut out = String::with_capacity(part.len());
    let mut chars = part.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn compile_glob(part: &str) -> Result<ComponentGlob, PatternError> {
    ComponentGlob::parse(part).map_err(|reason| PatternError::BadGlob {
        component: part.to_string(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Pattern {
        Pattern::parse(s).unwrap()
    }

    #[test]
    fn plain_covers_itself_and_beneath() {
        let pat = p("/home/u");
        assert!(pat.covers("/home/u"));
        assert!(pat.covers("/home/u/a/b"));
        assert!(!pat.covers("/home/uu"));
        assert!(!pat.covers("/home"));
        assert!(p("/").covers("/anything"));
    }

    #[test]
    fn globs_match_per_component() {
        assert!(p("/home/*/.ssh").covers("/home/u/.ssh/id"));
        assert!(!p("/home/*/.ssh").covers("/home/u/x/.ssh"));
        assert!(p("/a/**/x.key").covers("/a/x.key"));
        assert!(p("/a/**/x.key").covers("/a/b/c/x.key"));
        assert!(p("/a/**").covers("/a"));
        assert!(p("/a/*.{key,pem}").covers("/a/z.pem"));
        assert!(!p("/a/*.{key,pem}").covers("/a/z.txt"));
    }

    #[test]
    fn specificity_orders_as_documented() {
        assert!(p("/home/*/.ssh").specificity() > p("/home/u").specificity());
        assert!(p("/home/u/.ssh").specificity() > p("/home/*/.ssh").specificity());
        assert_eq!(p("/home/u/**").specificity(), p("/home/u").specificity());
    }

    #[test]
    fn rejects_bad_patterns() {
        assert!(matches!(
            Pattern::parse("rel/x"),
            Err(PatternError::NotAbsolute(_))
        ));
        assert!(matches!(
            Pattern::parse("/a/../b"),
            Err(PatternError::DotComponent(..))
        ));
        assert!(matches!(
            Pattern::parse("/a/{b/c,d}"),
            Err(PatternError::SlashInAlternatives(_))
        ));
        assert!(Pattern::parse("/a/b**").is_err());
    }

    #[test]
    fn normalises_slashes() {
        assert_eq!(p("//a///b/").text(), "/a/b");
        assert_eq!(p("/a/**/**/b").text(), "/a/**/b");
    }
}
