//! `llrun check FILE…`: parse and resolve each file as a profile.

use crate::profiles;
use crate::resolve::Context;
use std::path::PathBuf;

/// Checks every file; returns whether all were valid. Errors go to stderr.
pub fn check(files: &[PathBuf], ctx: &Context) -> bool {
    let mut bad = 0;
    for file in files {
        let name = file.to_string_lossy().into_owned();
        // A bare name would be searched on the profile path; `check` always means the file.
        let name = if name.contains('/') || name.ends_with(".llp") {
            name
        } else {
            format!("./{name}")
        };
        if let Err(e) = profiles::load(&[name], None, ctx) {
            eprint!("{}", e.render());
            bad += 1;
        }
    }
    if bad > 0 {
        eprintln!("llrun: {bad} of {} files invalid", files.len());
    }
    bad == 0
}
