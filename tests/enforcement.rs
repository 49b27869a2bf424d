//! The kernel really refuses what the profile denies: real programs under llrun.

mod common;
use common::*;

#[test]
fn reads_what_is_allowed_and_nothing_else() {
    let s = Sandbox::new();
    s.write("data/ok.txt", "fine");
    s.write("secret/key", "TOPSECRET");
    let p = s.base_profile("allow read @/data");
    let o = sh(
        &p,
        &format!(
            "cat {0}/data/ok.txt; cat {0}/secret/key",
            s.path().display()
        ),
    );
    assert!(stdout(&o).contains("fine"), "{}", stderr(&o));
    assert!(!stdout(&o).contains("TOPSECRET"));
    assert!(stderr(&o).contains("Permission denied"), "{}", stderr(&o));
}

#[test]
fn deny_inside_allow_is_carved_out() {
    let s = Sandbox::new();
    s.write("home/notes.txt", "notes");
    s.write("home/docs/a.txt", "doc a");
    s.write("home/.ssh/id_rsa", "PRIVATE");
    let p = s.base_profile("allow read @/home\ndeny all @/home/.ssh");
    let root = s.path().display();
    let o = sh(
        &p,
        &format!("cat {root}/home/notes.txt {root}/home/docs/a.txt; cat {root}/home/.ssh/id_rsa"),
    );
    assert!(
        stdout(&o).contains("notes") && stdout(&o).contains("doc a"),
        "{}",
        stderr(&o)
    );
    assert!(!stdout(&o).contains("PRIVATE"));
    assert!(stderr(&o).contains("Permission denied"));
}

#[test]
fn more_specific_allow_beats_a_deny() {
    let s = Sandbox::new();
    s.write("home/.ssh/known_hosts", "HOSTS");
    s.write("home/.ssh/id_rsa", "PRIVATE");
    let p = s.base_profile(
        "allow read @/home\ndeny all @/home/.ssh\nallow read @/home/.ssh/known_hosts",
    );
    let root = s.path().display();
    let o = sh(
        &p,
        &format!("cat {root}/home/.ssh/known_hosts; cat {root}/home/.ssh/id_rsa"),
    );
    assert!(stdout(&o).contains("HOSTS"), "{}", stderr(&o));
    assert!(!stdout(&o).contains("PRIVATE"));
}

#[test]
fn glob_deny_carves_matching_files() {
    let s = Sandbox::new();
    s.write("d/a.txt", "plain");
    s.write("d/b.key", "KEYDATA");
    let p = s.base_profile("allow read @/d\ndeny read @/d/*.key");
    let root = s.path().display();
    let o = sh(&p, &format!("cat {root}/d/a.txt; cat {root}/d/b.key"));
    assert!(stdout(&o).contains("plain"), "{}", stderr(&o));
    assert!(!stdout(&o).contains("KEYDATA"));
}

#[test]
fn write_needs_write() {
    let s = Sandbox::new();
    let f = s.write("ro/file", "original");
    let p = s.base_profile("allow read @/ro");
    let o = sh(&p, &format!("echo changed > {}", f.display()));
    assert_ne!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "original");
    let p = s.base_profile("allow rw @/ro");
    let o = sh(&p, &format!("echo changed > {}", f.display()));
    assert_code(&o, 0);
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "changed\n");
}

#[test]
fn create_and_delete_are_separate_rights() {
    let s = Sandbox::new();
    s.write("w/existing", "x");
    let p = s.base_profile("allow read,write @/w");
    let root = s.path().display();
    let o = sh(&p, &format!("touch {root}/w/new"));
    assert_ne!(o.status.code(), Some(0));
    assert!(!s.path().join("w/new").exists());
    let o = sh(&p, &format!("rm {root}/w/existing"));
    assert_ne!(o.status.code(), Some(0));
    assert!(s.path().join("w/existing").exists());
}

#[test]
fn exec_needs_exec() {
    let s = Sandbox::new();
    let tool = s.write("bin/tool", "#!/bin/sh\necho ran\n");
    std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let p = s.base_profile("allow read @/bin");
    let o = run(&["-q", "-p", &p.to_string_lossy(), &tool.to_string_lossy()]);
    assert_code(&o, 126);
    assert!(!stdout(&o).contains("ran"));
    let p = s.base_profile("allow read,exec @/bin");
    let o = run(&["-q", "-p", &p.to_string_lossy(), &tool.to_string_lossy()]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("ran"));
}

#[test]
fn default_is_deny() {
    let s = Sandbox::new();
    s.write("x/file", "DATA");
    let p = s.base_profile("");
    let o = sh(&p, &format!("cat {}/x/file", s.path().display()));
    assert_ne!(o.status.code(), Some(0));
    assert!(!stdout(&o).contains("DATA"));
}

#[test]
fn stacked_layers_can_only_take_away() {
    let s = Sandbox::new();
    s.write("a/one", "ONE");
    s.write("a/two", "TWO");
    let wide = s.base_profile("allow read @/a");
    let narrow = s.profile("narrow.llp", &format!("{BASE}allow read @/a/one\n"));
    let root = s.path().display();
    let o = run(&[
        "-q",
        "-p",
        &wide.to_string_lossy(),
        "-p",
        &narrow.to_string_lossy(),
        "--",
        "/bin/sh",
        "-c",
        &format!("cat {root}/a/one; cat {root}/a/two"),
    ]);
    assert!(stdout(&o).contains("ONE"), "{}", stderr(&o));
    assert!(!stdout(&o).contains("TWO"));
}
