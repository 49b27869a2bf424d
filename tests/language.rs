//! Language features, observed through real programs under llrun.

mod common;
use common::*;

#[test]
fn quoted_paths_with_spaces_and_unicode() {
    let s = Sandbox::new();
    s.write("My Files ü/täst.txt", "UNICODE-OK");
    s.write("other/x", "NO");
    let p = s.base_profile("allow read \"@/My Files ü\"");
    let root = s.path().display();
    let o = sh(
        &p,
        &format!("cat \"{root}/My Files ü/täst.txt\"; cat {root}/other/x"),
    );
    assert!(stdout(&o).contains("UNICODE-OK"), "{}", stderr(&o));
    assert!(!stdout(&o).contains("NO"));
}

#[test]
fn variables_home_and_tilde_expand() {
    let s = Sandbox::new();
    s.write("home/file", "HOMEFILE");
    s.write("data/file", "DATAFILE");
    let p = s.base_profile("set D = \"@/data\"\nallow read ~/file ${D}");
    let root = s.path().display();
    let o = llrun()
        .env("HOME", s.path().join("home"))
        .args([
            "-q",
            "-p",
            &p.to_string_lossy(),
            "/bin/sh",
            "-c",
            &format!("cat {root}/home/file {root}/data/file"),
        ])
        .output()
        .unwrap();
    assert!(
        stdout(&o).contains("HOMEFILE") && stdout(&o).contains("DATAFILE"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn conditionals_pick_branches() {
    let s = Sandbox::new();
    s.write("yes/f", "YES");
    s.write("no/f", "NO");
    s.write("env/f", "ENV");
    let p = s.base_profile(
        "if exists @/yes {\n allow read @/yes\n} else {\n allow read @/no\n}\nif env LLRUN_TEST_FLAG {\n allow read @/env\n}\nif abi >= 1 {\n allow read @/no/f\n}\nif not abi >= 1 {\n deny read @/yes\n}",
    );
    let root = s.path().display();
    let script = format!("cat {root}/yes/f; cat {root}/env/f; cat {root}/no/f");
    let o = llrun()
        .env("LLRUN_TEST_FLAG", "1")
        .args(["-q", "-p", &p.to_string_lossy(), "/bin/sh", "-c", &script])
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(
        out.contains("YES") && out.contains("ENV") && out.contains("NO"),
        "{out} {}",
        stderr(&o)
    );
    let o = llrun()
        .env_remove("LLRUN_TEST_FLAG")
        .args(["-q", "-p", &p.to_string_lossy(), "/bin/sh", "-c", &script])
        .output()
        .unwrap();
    assert!(!stdout(&o).contains("ENV"), "{}", stdout(&o));
}

#[test]
fn environment_rules() {
    let s = Sandbox::new();
    let p = s.base_profile("env keep PATH KEEP_* SECRET_TOKEN\nenv unset SECRET_*\nenv set ADDED=\"v a l\" FROM_VAR=${UID}");
    let o = llrun()
        .env("KEEP_ME", "kept")
        .env("DROP_ME", "dropped")
        .env("SECRET_TOKEN", "hunter2")
        .args(["-q", "-p", &p.to_string_lossy(), "/usr/bin/env"])
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(out.contains("KEEP_ME=kept"), "{out} {}", stderr(&o));
    assert!(
        !out.contains("DROP_ME") && !out.contains("hunter2"),
        "{out}"
    );
    assert!(
        out.contains("ADDED=v a l") && out.contains(&format!("FROM_VAR={}", nix::unistd::getuid())),
        "{out}"
    );
}

#[test]
fn includes_by_name_path_and_optional() {
    let s = Sandbox::new();
    s.write("a/f", "AAA");
    s.write("b/f", "BBB");
    s.profile("lib/part-a.llp", "allow read @/a\n");
    s.profile("sub/part-b.llp", "allow read @/b\n");
    let top = s.profile(
        "top.llp",
        &format!("{BASE}include <part-a>\ninclude \"sub/part-b.llp\"\ninclude? <no-such-thing>\n"),
    );
    let root = s.path().display();
    let o = llrun()
        .env("LLRUN_PROFILE_PATH", s.path().join("lib"))
        .args([
            "-q",
            "-p",
            &top.to_string_lossy(),
            "/bin/sh",
            "-c",
            &format!("cat {root}/a/f {root}/b/f"),
        ])
        .output()
        .unwrap();
    assert!(
        stdout(&o).contains("AAA") && stdout(&o).contains("BBB"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn raw_landlock_rights() {
    let s = Sandbox::new();
    std::fs::create_dir_all(s.path().join("w")).unwrap();
    let p = s.base_profile("allow fs.make_dir,fs.read_dir @/w");
    let root = s.path().display();
    let o = sh(
        &p,
        &format!("mkdir {root}/w/newdir && touch {root}/w/newfile"),
    );
    assert!(s.path().join("w/newdir").is_dir(), "{}", stderr(&o));
    assert!(
        !s.path().join("w/newfile").exists(),
        "make_reg was not granted"
    );
}

#[test]
fn strict_mode_refuses_what_an_older_kernel_cannot_enforce() {
    let s = Sandbox::new();
    let p = s.base_profile("");
    let marker = s.path().join("ran");
    let o = llrun()
        .env("LLRUN_ABI_CAP", "3")
        .args([
            "-p",
            &p.to_string_lossy(),
            "/usr/bin/touch",
            &marker.to_string_lossy(),
        ])
        .output()
        .unwrap();
    assert_code(&o, 125);
    assert!(!marker.exists());
    let err = stderr(&o);
    assert!(
        err.contains("fs.ioctl_dev") && err.contains("TCP connect") && err.contains("best-effort"),
        "{err}"
    );
}

#[test]
fn best_effort_mode_says_exactly_what_is_not_enforced() {
    let s = Sandbox::new();
    let p = s.base_profile("compat best-effort");
    let o = llrun()
        .env("LLRUN_ABI_CAP", "3")
        .args(["-p", &p.to_string_lossy(), "/bin/true"])
        .output()
        .unwrap();
    assert_code(&o, 0);
    let err = stderr(&o);
    assert!(
        err.contains("not enforced")
            && err.contains("fs.ioctl_dev (needs ABI 5)")
            && err.contains("TCP connect and TCP bind"),
        "{err}"
    );
    assert!(
        !err.contains("fs.truncate"),
        "ABI 3 does enforce truncate: {err}"
    );
}

#[test]
fn require_abi_refuses_older_kernels() {
    let s = Sandbox::new();
    let p = s.base_profile("require abi 99");
    let o = run(&["-p", &p.to_string_lossy(), "/bin/true"]);
    assert_code(&o, 125);
    assert!(
        stderr(&o).contains("requires Landlock ABI 99") && stderr(&o).contains("test.llp:7:"),
        "{}",
        stderr(&o)
    );
}

/// `mkdir` creates a missing directory, owner-only and with its parents, before the rules are
/// compiled, so a rule on it applies; creating anything else beside it stays refused. `check`
/// and `compile` create nothing.
#[test]
fn mkdir_creates_the_directory_its_rule_then_grants() {
    use std::os::unix::fs::PermissionsExt;
    let s = Sandbox::new();
    std::fs::create_dir_all(s.path().join("config")).unwrap();
    let p = s.base_profile("mkdir @/config/app/state\nallow rw @/config/app/state");
    let dir = s.path().join("config/app/state");
    for tool in ["check", "compile"] {
        let mut args = vec![tool];
        if tool == "compile" {
            args.push("-p");
        }
        let path = p.to_string_lossy();
        args.push(&path);
        llrun().args(&args).output().unwrap();
        assert!(!dir.exists(), "`llrun {tool}` created the directory");
    }
    let root = s.path().display();
    let o = sh(
        &p,
        &format!(
            "echo saved > {root}/config/app/state/f && cat {root}/config/app/state/f; \
             touch {root}/config/other 2>/dev/null || echo REFUSED"
        ),
    );
    assert_eq!(stdout(&o), "saved\nREFUSED\n", "{}", stderr(&o));
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}
