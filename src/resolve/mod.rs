//! Stage 2: parsed files → one flat [`Layer`] per `--profile`.
//!
//! Resolution inlines includes (with cycle and depth checks), expands variables, decides
//! conditionals, and turns access words and patterns into their final form. Everything that can
//! be wrong with a profile is found here or in the parser, so the compiler never sees an invalid
//! policy.

pub mod context;
mod expand;
pub mod load;
mod statements;

pub use context::{Context, SearchPath};
pub use expand::Vars;

use crate::diag::Diagnostic;
use crate::parse;
use crate::policy::Layer;
use crate::source::{FileId, SourceMap, Span};
use load::LoadError;
use std::path::{Path, PathBuf};

/// Includes nest at most this deep.
pub const MAX_INCLUDE_DEPTH: usize = 40;
/// At most this many files are read for one layer (guards against include explosions).
pub const MAX_FILES: usize = 2000;

/// Why a profile could not be resolved.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProfileError {
    /// An error at a place in a profile.
    #[error("{}", .0.message)]
    At(Diagnostic),
    /// A `--profile NAME` that is not on the search path.
    #[error("profile `{name}` not found")]
    NotFound {
        name: String,
        searched: Vec<PathBuf>,
    },
    /// A top-level profile file that cannot be read.
    #[error("{}: {err}", path.display())]
    File { path: PathBuf, err: LoadError },
}

impl From<Diagnostic> for ProfileError {
    fn from(d: Diagnostic) -> Self {
        ProfileError::At(d)
    }
}

impl ProfileError {
    /// The error as the user sees it, with location, hint and include chain.
    pub fn render(&self, sources: &SourceMap) -> String {
        match self {
            ProfileError::At(d) => d.render(sources),
            ProfileError::NotFound { name, searched } => {
                let list: Vec<String> = searched
                    .iter()
                    .map(|p| format!("  {}", p.display()))
                    .collect();
                format!(
                    "llrun: error: profile `{name}` not found; looked for:\n{}\n  = hint: give a path (`--profile ./{name}.llp`) or put `{}` in one of those directories (LLRUN_PROFILE_PATH adds more)\n",
                    list.join("\n"),
                    SearchPath::file_name(name)
                )
            }
            ProfileError::File { path, err } => {
                format!(
                    "{}: error: this profile {err}\n  = hint: {}\n",
                    path.display(),
                    err.hint()
                )
            }
        }
    }
}

/// Finds the file for `--profile VALUE`: a path if it contains `/` or ends in `.llp`, else a
/// name on the search path.
pub fn locate(value: &str, search: &SearchPath) -> Result<PathBuf, ProfileError> {
    if value.contains('/') || value.ends_with(".llp") {
        return Ok(PathBuf::from(value));
    }
    search
        .find(value)
        .map_err(|searched| ProfileError::NotFound {
            name: value.to_string(),
            searched,
        })
}

/// The user's override of the profile at (or named) `profile`:
/// `$XDG_CONFIG_HOME/llrun/profiles/STEM.local.llp`. "Always" answers are written there, and
/// [`resolve_layer`] reads it after the profile, so the two must agree on the name.
pub fn user_override(config_home: &str, profile: &str) -> PathBuf {
    let stem = Path::new(profile)
        .file_stem()
        .map_or_else(|| profile.to_string(), |s| s.to_string_lossy().into_owned());
    Path::new(config_home).join(format!("llrun/profiles/{stem}.local.llp"))
}

/// Resolves one layer from its top file, then the user's override of it ([`user_override`]),
/// unless the profile read that file already (the shipped ones include `<NAME.local>`).
pub fn resolve_layer(
    name: &str,
    path: &Path,
    ctx: &Context,
    sources: &mut SourceMap,
) -> Result<Layer, ProfileError> {
    let text = load::read_profile(path).map_err(|err| ProfileError::File {
        path: path.to_path_buf(),
        err,
    })?;
    let file = sources.add(path.to_path_buf(), text, None);
    let mut vars = Vars::new(&ctx.builtins);
    vars.set("PROFILE", profile_name(path));
    let mut r = Resolver {
        ctx,
        sources,
        layer: Layer::default(),
        vars,
        stack: Vec::new(),
        dirs: Vec::new(),
        files_read: 0,
        paths: Default::default(),
    };
    r.layer.name = name.to_string();
    r.layer.path = path.to_path_buf();
    r.file(file, path)?;
    if let Some(config) = ctx.builtins.get("XDG_CONFIG_HOME") {
        r.user_override(user_override(config, &path.to_string_lossy()))?;
    }
    Ok(r.layer)
}

/// `firefox` for `/usr/share/llrun/profiles/firefox.llp`.
fn profile_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The walk over one layer's include graph.
struct Resolver<'a> {
    ctx: &'a Context,
    sources: &'a mut SourceMap,
    layer: Layer,
    vars: Vars,
    /// Canonical paths of the files being read, outermost first, for cycle detection.
    stack: Vec<PathBuf>,
    /// Directories of the files being read, as named, for relative includes.
    dirs: Vec<PathBuf>,
    files_read: usize,
    paths: crate::policy::canonical::Canonicalizer,
}

impl Resolver<'_> {
    /// Parses and resolves one loaded file.
    fn file(&mut self, file: FileId, path: &Path) -> Result<(), ProfileError> {
        self.files_read += 1;
        self.layer.files.push(path.to_path_buf());
        let parsed = parse::parse(self.sources, file)?;
        self.stack
            .push(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()));
        let dir = std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| "/".into());
        let old_dir = self.vars.get("PROFILE_DIR").map(str::to_string);
        self.vars
            .set("PROFILE_DIR", dir.to_string_lossy().into_owned());
        self.dirs.push(dir);
        let result = self.stmts(&parsed.stmts);
        if let Some(d) = old_dir {
            self.vars.set("PROFILE_DIR", d);
        }
        self.dirs.pop();
        self.stack.pop();
        result
    }

    /// Reads the user's override after the whole profile, as if the profile ended with
    /// `include? "PATH"`: an "always" answer written there must be read back even from a
    /// profile that never mentions it. A missing one is still followed by live edits.
    fn user_override(&mut self, path: PathBuf) -> Result<(), ProfileError> {
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let this = canonical(&path);
        if self.layer.files.iter().any(|f| canonical(f) == this) {
            return Ok(());
        }
        match load::read_profile(&path) {
            Ok(text) => {
                let file = self.sources.add(path.clone(), text, None);
                self.file(file, &path)
            }
            Err(LoadError::Missing) => {
                self.layer.files.push(path);
                Ok(())
            }
            Err(err) => Err(ProfileError::File { path, err }),
        }
    }

    /// Reads an included file, checking depth, cycles and the file itself.
    fn include(&mut self, path: PathBuf, optional: bool, span: Span) -> Result<(), ProfileError> {
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            return Err(Diagnostic::new(
                span,
                format!("includes nest deeper than {MAX_INCLUDE_DEPTH} files"),
            )
            .with_hint("an include chain this deep is almost certainly a mistake; flatten it")
            .into());
        }
        if self.files_read >= MAX_FILES {
            return Err(
                Diagnostic::new(span, format!("more than {MAX_FILES} files included"))
                    .with_hint("a file is probably included from many places; include it once")
                    .into(),
            );
        }
        let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if let Some(at) = self.stack.iter().position(|p| *p == canonical) {
            let mut cycle: Vec<String> = self.stack[at..]
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            cycle.push(canonical.display().to_string());
            return Err(
                Diagnostic::new(span, format!("include cycle: {}", cycle.join(" → ")))
                    .with_hint("remove one of these includes")
                    .into(),
            );
        }
        match load::read_profile(&path) {
            Ok(text) => {
                let file = self.sources.add(path.clone(), text, Some(span));
                self.file(file, &path)
            }
            Err(LoadError::Missing) if optional => {
                self.layer.files.push(path);
                Ok(())
            }
            Err(err) => Err(Diagnostic::new(
                span,
                format!("cannot include `{}`: it {err}", path.display()),
            )
            .with_hint(err.hint())
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A profile in `dir` with `text`, resolved with `dir/config` as `XDG_CONFIG_HOME` and its
    /// profiles directory on the search path.
    fn resolve(dir: &Path, text: &str, local: Option<&str>) -> Layer {
        let config = dir.join("config");
        let profiles = config.join("llrun/profiles");
        std::fs::create_dir_all(&profiles).unwrap();
        if let Some(local) = local {
            std::fs::write(profiles.join("p.local.llp"), local).unwrap();
        }
        let path = dir.join("p.llp");
        std::fs::write(&path, text).unwrap();
        let ctx = Context {
            builtins: [(
                "XDG_CONFIG_HOME".to_string(),
                config.to_string_lossy().into(),
            )]
            .into(),
            env: Default::default(),
            abi: 6,
            search_path: SearchPath {
                dirs: vec![profiles],
            },
        };
        resolve_layer("p", &path, &ctx, &mut SourceMap::new()).unwrap()
    }

    #[test]
    fn the_user_override_comes_last_and_once() {
        let dir = tempfile::tempdir().unwrap();
        let local = Some("deny read /etc/shadow\n");
        for text in ["allow read /etc\n", "include? <p.local>\nallow read /etc\n"] {
            let layer = resolve(dir.path(), text, local);
            let rules: Vec<&str> = layer.fs_rules.iter().map(|r| r.pattern.text()).collect();
            let expected = if text.starts_with("include") {
                ["/etc/shadow", "/etc"]
            } else {
                ["/etc", "/etc/shadow"]
            };
            assert_eq!(rules, expected, "{text}");
            let reads = layer.files.iter().filter(|f| f.ends_with("p.local.llp"));
            assert_eq!(reads.count(), 1, "{text}");
        }
    }

    #[test]
    fn a_missing_user_override_is_still_a_file_of_the_layer() {
        let dir = tempfile::tempdir().unwrap();
        let layer = resolve(dir.path(), "allow read /etc\n", None);
        let local = dir.path().join("config/llrun/profiles/p.local.llp");
        assert_eq!(layer.files.last(), Some(&local));
    }
}
