//! Bad profiles: a clear `file:line:col` error, exit 125, and nothing executed.

mod common;
use common::*;

/// Runs `touch MARKER` under `profile` and checks that llrun refused before running anything.
#[track_caller]
fn refuses(s: &Sandbox, profile: &std::path::Path) -> String {
    let marker = s.path().join("marker");
    let o = run(&[
        "-p",
        &profile.to_string_lossy(),
        "--",
        "/usr/bin/touch",
        &marker.to_string_lossy(),
    ]);
    assert_code(&o, 125);
    assert!(!marker.exists(), "the command ran despite the error");
    stderr(&o)
}

#[test]
fn unknown_keyword_has_location_caret_and_suggestion() {
    let s = Sandbox::new();
    let p = s.profile("bad.llp", "# comment\nalow read /usr\n");
    let err = refuses(&s, &p);
    assert!(
        err.contains(&format!("{}:2:1: error:", p.display())),
        "{err}"
    );
    assert!(err.contains("alow read /usr") && err.contains('^'), "{err}");
    assert!(err.contains("did you mean `allow`"), "{err}");
}

#[test]
fn unknown_access_word_and_variable() {
    let s = Sandbox::new();
    let err = refuses(&s, &s.profile("a.llp", "allow raed /usr\n"));
    assert!(
        err.contains(":1:7:") && err.contains("did you mean `read`"),
        "{err}"
    );
    let err = refuses(&s, &s.profile("b.llp", "allow read ${HOEM}/x\n"));
    assert!(
        err.contains(":1:12:") && err.contains("did you mean `${HOME}`"),
        "{err}"
    );
}

#[test]
fn include_errors_show_the_chain() {
    let s = Sandbox::new();
    s.profile("inner.llp", "allow read /usr\nbogus thing\n");
    let top = s.profile("top.llp", "include \"inner.llp\"\n");
    let err = refuses(&s, &top);
    assert!(err.contains("inner.llp:2:1: error:"), "{err}");
    assert!(
        err.contains(&format!("included from {}:1:1", top.display())),
        "{err}"
    );
}

#[test]
fn include_cycle_is_named() {
    let s = Sandbox::new();
    s.profile("a.llp", "include \"b.llp\"\n");
    s.profile("b.llp", "include \"a.llp\"\n");
    let err = refuses(&s, &s.path().join("a.llp"));
    assert!(
        err.contains("include cycle") && err.contains("a.llp") && err.contains("b.llp"),
        "{err}"
    );
}

#[test]
fn deep_includes_are_capped() {
    let s = Sandbox::new();
    for i in 0..1000 {
        s.profile(
            &format!("n{i}.llp"),
            &format!("include \"n{}.llp\"\n", i + 1),
        );
    }
    s.profile("n1000.llp", "allow read /usr\n");
    let err = refuses(&s, &s.path().join("n0.llp"));
    assert!(err.contains("nest deeper than"), "{err}");
}

#[test]
fn including_a_directory_or_missing_file() {
    let s = Sandbox::new();
    std::fs::create_dir_all(s.path().join("dir.llp")).unwrap();
    let err = refuses(&s, &s.profile("a.llp", "include \"dir.llp\"\n"));
    assert!(err.contains("is a directory"), "{err}");
    let err = refuses(&s, &s.profile("b.llp", "include \"nope.llp\"\n"));
    assert!(
        err.contains("does not exist") && err.contains("include?"),
        "{err}"
    );
    // The optional form is fine.
    let ok = s.profile("c.llp", &format!("{BASE}include? \"nope.llp\"\n"));
    assert_code(&run(&["-q", "-p", &ok.to_string_lossy(), "/bin/true"]), 0);
}

#[test]
fn bad_inputs_are_refused_cleanly() {
    let s = Sandbox::new();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.llp", b"".to_vec(), "empty"),
        ("comments.llp", b"# nothing\n\n".to_vec(), "empty"),
        (
            "garbage.llp",
            (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect(),
            "error",
        ),
        ("nul.llp", b"allow read /usr\0\n".to_vec(), "error"),
        (
            "long.llp",
            format!("allow read /{}\n", "a".repeat(1 << 20)).into_bytes(),
            "error",
        ),
        ("port.llp", b"allow connect tcp 70000\n".to_vec(), "70000"),
        ("nopattern.llp", b"allow read\n".to_vec(), "pattern"),
        ("askexec.llp", b"ask exec /usr/bin\n".to_vec(), "exec"),
        (
            "relative.llp",
            b"set D = \"relative/dir\"\nallow read ${D}\n".to_vec(),
            "absolute",
        ),
    ];
    for (name, bytes, needle) in cases {
        let p = s.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let err = refuses(&s, &p);
        assert!(err.to_lowercase().contains(needle), "{name}: {err}");
        assert!(
            err.len() < 4000,
            "{name}: error is too long ({} bytes)",
            err.len()
        );
        assert!(
            err.contains(&p.display().to_string()),
            "{name}: error does not name the file: {err}"
        );
    }
}

#[test]
fn unreadable_profile() {
    let s = Sandbox::new();
    let p = s.profile("secret.llp", "allow read /usr\n");
    // Root reads anything; make the path unreadable by making it a dangling symlink instead.
    std::fs::remove_file(&p).unwrap();
    std::os::unix::fs::symlink("/nonexistent/target.llp", &p).unwrap();
    let err = refuses(&s, &p);
    assert!(err.contains("secret.llp"), "{err}");
}

#[test]
fn check_reports_valid_and_invalid_files() {
    let s = Sandbox::new();
    let good = s.profile("good.llp", BASE);
    let bad = s.profile("bad.llp", "allow read /usr\ndeny wrte /x\n");
    assert_code(&run(&["check", &good.to_string_lossy()]), 0);
    let o = run(&["check", &good.to_string_lossy(), &bad.to_string_lossy()]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains("bad.llp:2:6: error:"), "{}", stderr(&o));
}

#[test]
fn mkdir_needs_one_absolute_directory() {
    let s = Sandbox::new();
    for (text, col, what) in [
        ("mkdir\n", 6, "`mkdir` needs a directory"),
        ("mkdir rel/dir\n", 7, "absolute"),
        ("mkdir /tmp/a/*\n", 7, "names no single directory"),
    ] {
        let p = s.profile("m.llp", text);
        let err = refuses(&s, &p);
        assert!(
            err.contains(&format!("{}:1:{col}: error:", p.display())) && err.contains(what),
            "{text:?}: {err}"
        );
        assert!(err.contains("hint"), "{err}");
    }
}
