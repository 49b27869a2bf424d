//! Loading the profiles again, exactly as at start: the same names, the same search path and
//! variables, the same kernel. An edit is accepted only if the next start would accept it, so
//! it goes through resolution *and* the compiler (`require abi`, strict `compat`, carve limits);
//! the compiled rulesets themselves are thrown away, since the running program's cannot change.

use crate::compile::support::Kernel;
use crate::error::Error;
use crate::policy::{Compat, Layer};
use crate::profiles::{self, Loaded};
use crate::resolve::Context;
use crate::source::SourceMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

/// How the run loaded its profiles.
#[derive(Debug, Clone)]
pub struct Loader {
    /// The `--profile` values (none: the command's own profile, or `default`).
    pub profiles: Vec<String>,
    /// The command, for picking its profile when no `--profile` is given.
    pub program: OsString,
    pub ctx: Context,
    pub kernel: Kernel,
    /// `--compat`, if given.
    pub compat: Option<Compat>,
    /// The filtered bus's socket, which the layers that name the bus may reach.
    pub bus_socket: Option<PathBuf>,
}

impl Loader {
    /// Loads and checks the profiles as they are now; an error is the one the next start
    /// would meet, with its `file:line:col`.
    pub fn load(&self) -> Result<Loaded, Error> {
        let mut loaded = profiles::load(&self.profiles, Some(&self.program), &self.ctx)?;
        if let Some(socket) = &self.bus_socket {
            crate::setup::dbus::allow_socket(&mut loaded.layers, socket);
        }
        profiles::compile(&loaded, &self.kernel, self.compat)?;
        Ok(loaded)
    }
}

/// What one version was made from: every file read, with its text, and every file followed
/// (an optional include that did not exist counts by its absence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    read: Vec<(PathBuf, Arc<str>)>,
    followed: Vec<PathBuf>,
}

impl Fingerprint {
    pub fn of(layers: &[Layer], sources: &SourceMap) -> Fingerprint {
        Fingerprint {
            read: sources
                .files()
                .map(|f| (f.path.clone(), Arc::clone(&f.text)))
                .collect(),
            followed: layers.iter().flat_map(|l| l.files.clone()).collect(),
        }
    }

    /// The files that differ between two versions: changed, added or gone.
    pub fn changed(&self, before: &Fingerprint) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        let mut note = |p: &PathBuf| {
            if !out.contains(p) {
                out.push(p.clone());
            }
        };
        for (path, text) in &self.read {
            if !before.read.iter().any(|(p, t)| p == path && t == text) {
                note(path);
            }
        }
        for (path, _) in &before.read {
            if !self.read.iter().any(|(p, _)| p == path) {
                note(path);
            }
        }
        for path in self.followed.iter().chain(&before.followed) {
            if self.followed.contains(path) != before.followed.contains(path) {
                note(path);
            }
        }
        out
    }
}
