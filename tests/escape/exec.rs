//! Running programs the profile does not let the program execute: a binary or a script copied
//! into a writable directory (`/tmp` and the current directory in the default profile, which
//! grants them read and write but not exec).

use crate::attack::Home;
use crate::common::{assert_code, stdout};

/// Copies `id` and writes a script into the directory `sys.argv[1]`, then tries to run both,
/// and finally to replace itself with the binary (unless `sys.argv[2]` says not to).
const DROP_AND_RUN: &str = "\
import shutil, subprocess
d = sys.argv[1]
binary, script = d + f'/dropped-{os.getpid()}', d + f'/dropped-{os.getpid()}.sh'
shutil.copy('/usr/bin/id', binary)
with open(script, 'w') as f:
    f.write('#!/bin/sh\\necho script ran\\n')
for p in (binary, script):
    os.chmod(p, 0o755)
attempt('binary', lambda: subprocess.run([binary], check=True, capture_output=True).stdout.decode())
attempt('script', lambda: subprocess.run([script], check=True, capture_output=True).stdout.decode())
if sys.argv[2:] != ['no-execve']:
    attempt('execve', lambda: os.execv(binary, [binary]))";

#[test]
fn a_binary_or_script_dropped_in_tmp_does_not_run() {
    let home = Home::planted();
    let tmp = tempfile::tempdir_in("/tmp").unwrap();
    let dir = tmp.path().to_string_lossy().into_owned();
    // The control: where exec is granted, both run.
    let open = home.profile("open", &format!("allow rw,exec {dir}"));
    let v = home.attack(&open, DROP_AND_RUN, &[&dir, "no-execve"]);
    v.assert_got("binary", "uid=");
    v.assert_got("script", "script ran");
    let v = home.attack("default", DROP_AND_RUN, &[&dir]);
    v.assert_denied("binary", &["EACCES"]);
    v.assert_denied("script", &["EACCES"]);
    v.assert_denied("execve", &["EACCES"]);
}

#[test]
fn a_binary_dropped_in_the_working_directory_does_not_run() {
    let home = Home::planted();
    let work = home.work().to_string_lossy().into_owned();
    let v = home.attack("default", DROP_AND_RUN, &[&work]);
    v.assert_denied("binary", &["EACCES"]);
    v.assert_denied("script", &["EACCES"]);
}

#[test]
fn llrun_refuses_to_start_a_program_the_profile_does_not_let_run() {
    let home = Home::planted();
    let copy = home.work().join("tool");
    std::fs::copy("/usr/bin/id", &copy).unwrap();
    let out = home.run("default", &[&copy.to_string_lossy()]);
    assert_code(&out, 126);
    assert!(!stdout(&out).contains("uid="));
}
