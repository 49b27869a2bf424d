//! What the resolver knows about the world: built-in variables, llrun's environment, the
//! Landlock ABI (for `if abi`), and the profile search path.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Inputs to resolution that come from outside the profile text.
#[derive(Debug, Clone)]
pub struct Context {
    /// Built-in variables (`HOME`, `UID`, …), before any `set`.
    pub builtins: BTreeMap<String, String>,
    /// llrun's own environment, for `if env` and the program's environment.
    pub env: BTreeMap<OsString, OsString>,
    /// The probed Landlock ABI (0 when Landlock is unavailable).
    pub abi: u32,
    pub search_path: SearchPath,
}

impl Context {
    /// The context of this process: its environment, user, working directory.
    pub fn from_process(abi: u32) -> Context {
        let env: BTreeMap<OsString, OsString> = std::env::vars_os().collect();
        let get = |k: &str| {
            env.get(&OsString::from(k))
                .and_then(|v| v.to_str())
                .filter(|v| !v.is_empty())
        };
        let uid = nix::unistd::getuid();
        let gid = nix::unistd::getgid();
        // The password database only when the environment lacks HOME or USER: asking NSS costs
        // sockets and file reads on every start.
        let user_entry = std::cell::OnceCell::new();
        let entry = || {
            user_entry
                .get_or_init(|| nix::unistd::User::from_uid(uid).ok().flatten())
                .as_ref()
        };
        let home = get("HOME")
            .map(str::to_string)
            .or_else(|| entry().map(|u| u.dir.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "/".into());
        let user = get("USER")
            .or_else(|| get("LOGNAME"))
            .map(str::to_string)
            .or_else(|| entry().map(|u| u.name.clone()))
            .unwrap_or_else(|| uid.to_string());
        // No fallback: a working directory that no longer exists (deleted) must not turn
        // `${CWD}` into `/`. Without it, a profile that uses `${CWD}` is refused.
        let cwd = std::env::current_dir()
            .ok()
            .filter(|p| p.exists())
            .map(|p| p.to_string_lossy().into_owned());
        let xdg = |k: &str, default: String| {
            get(k)
                .filter(|v| v.starts_with('/'))
                .map(str::to_string)
                .unwrap_or(default)
        };
        let config = xdg("XDG_CONFIG_HOME", format!("{home}/.config"));
        let mut b = BTreeMap::new();
        b.insert("DOWNLOAD".into(), download_dir(&home, &config));
        b.insert(
            "XDG_DATA_HOME".into(),
            xdg("XDG_DATA_HOME", format!("{home}/.local/share")),
        );
        b.insert(
            "XDG_CACHE_HOME".into(),
            xdg("XDG_CACHE_HOME", format!("{home}/.cache")),
        );
        b.insert(
            "XDG_STATE_HOME".into(),
            xdg("XDG_STATE_HOME", format!("{home}/.local/state")),
        );
        b.insert(
            "XDG_RUNTIME_DIR".into(),
            xdg("XDG_RUNTIME_DIR", format!("/run/user/{uid}")),
        );
        b.insert("TMPDIR".into(), xdg("TMPDIR", "/tmp".into()));
        b.insert("XDG_CONFIG_HOME".into(), config.clone());
        b.insert("HOME".into(), home);
        b.insert("USER".into(), user);
        b.insert("UID".into(), uid.to_string());
        b.insert("GID".into(), gid.to_string());
        if let Some(cwd) = cwd {
            b.insert("CWD".into(), cwd);
        }
        let search_path =
            SearchPath::from_env(env.get(&OsString::from("LLRUN_PROFILE_PATH")), &config);
        Context {
            builtins: b,
            env,
            abi,
            search_path,
        }
    }
}

/// `XDG_DOWNLOAD_DIR` from `user-dirs.dirs`, else `~/Downloads`.
fn download_dir(home: &str, config: &str) -> String {
    let text = std::fs::read_to_string(format!("{config}/user-dirs.dirs")).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("XDG_DOWNLOAD_DIR="))
        .map(|v| v.trim_matches('"').replace("$HOME", home))
        .find(|v| v.starts_with('/'))
        .unwrap_or_else(|| format!("{home}/Downloads"))
}

/// Where `include <NAME>` and `--profile NAME` look, first hit wins.
#[derive(Debug, Clone, Default)]
pub struct SearchPath {
    pub dirs: Vec<PathBuf>,
}

impl SearchPath {
    /// `$LLRUN_PROFILE_PATH`, then `$XDG_CONFIG_HOME/llrun/profiles`, `/etc/llrun/profiles`,
    /// `/usr/share/llrun/profiles` (DESIGN.md §4), and last, for a build that was never installed,
    /// the `profiles/` directory of the source tree it was built from.
    pub fn from_env(var: Option<&OsString>, config_home: &str) -> SearchPath {
        let mut dirs: Vec<PathBuf> = var
            .map(|v| {
                std::env::split_paths(v)
                    .filter(|p| p.is_absolute())
                    .collect()
            })
            .unwrap_or_default();
        dirs.push(Path::new(config_home).join("llrun/profiles"));
        dirs.push("/etc/llrun/profiles".into());
        dirs.push("/usr/share/llrun/profiles".into());
        let source_tree = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles"));
        if source_tree.is_dir() {
            dirs.push(source_tree.to_path_buf());
        }
        SearchPath { dirs }
    }

    /// The file name searched for `NAME`: `NAME.llp` unless it already ends in `.llp`.
    pub fn file_name(name: &str) -> String {
        if name.ends_with(".llp") {
            name.to_string()
        } else {
            format!("{name}.llp")
        }
    }

    /// The first existing candidate for `NAME`, or every candidate tried.
    pub fn find(&self, name: &str) -> Result<PathBuf, Vec<PathBuf>> {
        let file = Self::file_name(name);
        let candidates: Vec<PathBuf> = self.dirs.iter().map(|d| d.join(&file)).collect();
        candidates
            .iter()
            .find(|p| p.symlink_metadata().is_ok())
            .cloned()
            .ok_or(candidates)
    }
}
