//! The resolver on a fuzzed main profile plus fuzzed included files: it never panics, and every
//! error says where and what, in whichever file of the include graph it happened.
//!
//! The input is split at `0xFF` bytes (never part of UTF-8 text) into up to four files,
//! `main.llp`, `a.llp`, `b.llp` and `c.llp`, written to a scratch directory that is also the
//! profile search path, so `include <a>` and `include "b.llp"` both reach fuzzed text. A file
//! with no part in the input is removed, so `include?` and missing includes are exercised too.

#![no_main]

use libfuzzer_sys::fuzz_target;
use llrun::resolve::{Context, ProfileError, SearchPath, resolve_layer};
use llrun::source::SourceMap;
use llrun_fuzz::check_diagnostic;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const FILES: [&str; 4] = ["main.llp", "a.llp", "b.llp", "c.llp"];

/// The scratch directory, one per fuzzing process, and the context that points into it.
struct Scratch {
    dir: PathBuf,
    ctx: Context,
}

fn scratch() -> &'static Scratch {
    static SCRATCH: OnceLock<Scratch> = OnceLock::new();
    SCRATCH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("llrun-fuzz-resolve-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("home")).expect("scratch directory");
        let home = dir.join("home").to_string_lossy().into_owned();
        let mut builtins = BTreeMap::new();
        for (k, v) in [
            ("HOME", home.clone()),
            ("USER", "fuzz".into()),
            ("UID", "1000".into()),
            ("GID", "1000".into()),
            ("CWD", home.clone()),
            ("TMPDIR", "/tmp".into()),
            ("XDG_RUNTIME_DIR", "/run/user/1000".into()),
            ("XDG_CONFIG_HOME", format!("{home}/.config")),
            ("XDG_DATA_HOME", format!("{home}/.local/share")),
            ("XDG_CACHE_HOME", format!("{home}/.cache")),
            ("XDG_STATE_HOME", format!("{home}/.local/state")),
            ("DOWNLOAD", format!("{home}/Downloads")),
        ] {
            builtins.insert(k.to_string(), v);
        }
        let env = [("PATH", "/usr/bin"), ("FUZZ_SET", "1")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let ctx = Context {
            builtins,
            env,
            abi: 7,
            search_path: SearchPath {
                dirs: vec![dir.clone()],
            },
        };
        Scratch { dir, ctx }
    })
}

/// Writes the parts of `data` as the profile files (removing those without a part).
fn write_files(dir: &Path, data: &[u8]) {
    let mut parts = data.split(|&b| b == 0xFF);
    for name in FILES {
        let path = dir.join(name);
        match parts.next() {
            Some(part) => std::fs::write(&path, part).expect("write a profile"),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let s = scratch();
    write_files(&s.dir, data);
    let main = s.dir.join(FILES[0]);
    let mut sources = SourceMap::new();
    match resolve_layer("main", &main, &s.ctx, &mut sources) {
        Ok(_) => {}
        Err(ProfileError::At(diagnostic)) => check_diagnostic(&diagnostic, &sources),
        // The top file itself cannot be read as text (not UTF-8): there is no line to point at.
        Err(e @ ProfileError::File { .. }) => {
            let rendered = e.render(&sources);
            assert!(
                rendered.starts_with(&format!("{}: error: ", main.display())),
                "{rendered}"
            );
        }
        Err(e @ ProfileError::NotFound { .. }) => panic!("a path was searched for: {e}"),
    }
});
