//! Small C programs for attacks Python cannot express (io_uring, other system call ABIs),
//! compiled with `cc` the first time a test asks for them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Where the programs are built: outside the planted homes, so a profile grants them with one
/// `allow read,exec` of [`dir`].
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("escape-programs")
}

/// The path of the compiled `programs/NAME.c`, building it once per test run.
pub fn program(name: &str) -> PathBuf {
    static BUILT: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = built.get(name) {
        return path.clone();
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/escape/programs")
        .join(format!("{name}.c"));
    std::fs::create_dir_all(dir()).unwrap();
    // Built under a name of this process, then renamed: test binaries running side by side
    // never see a half-written program.
    let out = dir().join(name);
    let partial = dir().join(format!("{name}.{}", std::process::id()));
    let cc = Command::new("cc")
        .args(["-O1", "-Wall", "-Werror", "-o"])
        .arg(&partial)
        .arg(&source)
        .output()
        .expect("run cc (install gcc: the escape tests compile small C programs)");
    assert!(
        cc.status.success(),
        "cc {}:\n{}",
        source.display(),
        String::from_utf8_lossy(&cc.stderr)
    );
    std::fs::rename(&partial, &out).unwrap();
    built.insert(name.to_string(), out.clone());
    out
}

/// The profile line that lets a sandboxed program run the compiled programs.
pub fn exec_rule() -> String {
    format!("allow read,exec {}", dir().display())
}
