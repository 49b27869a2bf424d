//! Nobody else can change what a user's sandboxes allow: llrun writes its own files owner-only,
//! refuses profiles (and directories holding them) that someone else could have changed, and
//! files it creates for the program get exactly the program's umask. Real programs, real kernel.

mod common;

use common::client::{Lang, answer_all, run_prompted};
use common::{BASE, Sandbox, assert_code, llrun, stderr, stdout};
use serde_json::json;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Output;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().mode() & 0o7777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs `sh -c script` under `profile` (a name or a path) with `env`, no prompt.
fn run(profile: &str, env: &[(&str, &Path)], script: &str) -> Output {
    let mut c = llrun();
    for (k, v) in env {
        c.env(k, v);
    }
    c.args([
        "-q", "--prompt", "none", "-p", profile, "--", "/bin/sh", "-c",
    ])
    .arg(script)
    .output()
    .unwrap()
}

/// The refusal: exit 125, the file named, the fix given, and the program never started.
#[track_caller]
fn assert_refused(out: &Output, file: &Path, fix: &str, marker: &Path) {
    assert_code(out, 125);
    let err = stderr(out);
    let shown = file.display().to_string();
    assert!(err.contains(&shown), "{err}");
    assert!(
        err.contains(fix) && err.contains(&format!(" {shown}`")),
        "{err}"
    );
    assert!(!marker.exists(), "the program ran: {err}");
}

#[test]
fn a_profile_others_can_write_is_refused_before_anything_runs() {
    let s = Sandbox::new();
    let marker = s.path().join("ran");
    let profile = s.base_profile(&format!("allow rw {}", s.path().display()));
    let script = format!("touch {}", marker.display());
    chmod(&profile, 0o666);
    let out = run(&profile.to_string_lossy(), &[], &script);
    assert_refused(&out, &profile, "chmod go-w", &marker);
    chmod(&profile, 0o620);
    let out = run(&profile.to_string_lossy(), &[], &script);
    assert_refused(&out, &profile, "chmod go-w", &marker);
    // Once fixed, it runs.
    chmod(&profile, 0o644);
    assert_code(&run(&profile.to_string_lossy(), &[], &script), 0);
    assert!(marker.exists());
}

#[test]
fn an_included_file_others_can_write_is_refused_too() {
    let s = Sandbox::new();
    let marker = s.path().join("ran");
    let extra = s.write("extra.llp", "allow read /etc\n");
    let profile = s.base_profile(&format!("include \"{}\"", extra.display()));
    chmod(&extra, 0o646);
    let out = run(
        &profile.to_string_lossy(),
        &[],
        &format!("touch {}", marker.display()),
    );
    assert_refused(&out, &extra, "chmod go-w", &marker);
}

/// The user's override that every profile reads after itself, named or not, is checked as an
/// include is: the file, and the directory it is in.
#[test]
fn the_user_override_read_after_a_profile_is_checked_too() {
    let s = Sandbox::new();
    let marker = s.path().join("ran");
    let profile = s.base_profile("");
    let config = s.path().join("config");
    let local = s.write("config/llrun/profiles/test.local.llp", "allow read /etc\n");
    let env = [("XDG_CONFIG_HOME", config.as_path())];
    let script = format!("touch {}", marker.display());
    chmod(&local, 0o646);
    let out = run(&profile.to_string_lossy(), &env, &script);
    assert_refused(&out, &local, "chmod go-w", &marker);
    chmod(&local, 0o600);
    let dir = local.parent().unwrap();
    chmod(dir, 0o777);
    let out = run(&profile.to_string_lossy(), &env, &script);
    assert_refused(&out, dir, "chmod go-w", &marker);
}

#[test]
fn a_search_path_directory_others_can_write_is_refused() {
    let s = Sandbox::new();
    let marker = s.path().join("ran");
    let dir = s.path().join("profiles");
    s.write(
        "profiles/mine.llp",
        &format!("{BASE}allow rw {}\n", s.path().display()),
    );
    let env = [("LLRUN_PROFILE_PATH", dir.as_path())];
    let script = format!("touch {}", marker.display());
    // World-writable, and the sticky kind (`/tmp`) too: anyone can add a profile there.
    for bad in [0o777, 0o1777, 0o775] {
        chmod(&dir, bad);
        let out = run("mine", &env, &script);
        assert_refused(&out, &dir, "chmod go-w", &marker);
    }
    chmod(&dir, 0o755);
    assert_code(&run("mine", &env, &script), 0);
}

#[test]
fn a_profile_owned_by_another_user_is_refused() {
    let s = Sandbox::new();
    let marker = s.path().join("ran");
    let profile = s.base_profile("");
    // Root's and the user's own are trusted; anyone else's is not, whatever its mode.
    std::os::unix::fs::chown(&profile, Some(65534), Some(65534)).unwrap();
    let out = run(
        &profile.to_string_lossy(),
        &[],
        &format!("touch {}", marker.display()),
    );
    assert_refused(&out, &profile, "chown", &marker);
    assert!(stderr(&out).contains("65534"), "{}", stderr(&out));
}

/// The "always" path on a fresh home, with the usual umask: every directory llrun makes is
/// private, and so is the override file.
#[test]
fn always_on_a_fresh_home_writes_owner_only_directories_and_file() {
    let s = Sandbox::new();
    s.write("secret/key", "TOP SECRET\n");
    let profile = s.profile(
        "ask.llp",
        &format!("{BASE}ask read @/secret\ninclude? <ask.local>\n"),
    );
    let key = s.path().join("secret/key");
    let answer = json!({"decision": "allow", "scope": "always"});
    let (out, _) = run_prompted(
        s.path(),
        &profile,
        &[],
        Lang::Shell,
        &format!("cat {}", key.display()),
        answer_all(Some(answer)),
    );
    assert_eq!(stdout(&out), "TOP SECRET\n", "{}", stderr(&out));
    let config = s.path().join("config");
    for dir in ["", "llrun", "llrun/profiles"] {
        assert_eq!(mode(&config.join(dir)), 0o700, "{dir}");
    }
    let local = config.join("llrun/profiles/ask.local.llp");
    assert_eq!(mode(&local), 0o600);
    // Nothing else is left beside it (the temporary file was renamed into place).
    let names: Vec<_> = std::fs::read_dir(local.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["ask.local.llp"]);
}

/// What llrun creates for the program (here in a carved directory, which only the supervisor
/// may create entries in) gets the program's umask, exactly: not llrun's, not none.
#[test]
fn files_created_for_the_program_get_exactly_its_umask() {
    let s = Sandbox::new();
    std::fs::create_dir_all(s.path().join("home/.ssh")).unwrap();
    let profile = s.profile(
        "carved.llp",
        &format!("{BASE}allow rw @/home\ndeny all @/home/.ssh\nask read @/elsewhere\n"),
    );
    for (umask, file, dir) in [
        ("000", 0o666, 0o777),
        ("077", 0o600, 0o700),
        ("022", 0o644, 0o755),
    ] {
        let h = s.path().join("home");
        let script = format!(
            "umask {umask}; cd {}; : > f{umask}; mkdir d{umask}; mkfifo p{umask}; grep Umask /proc/$PPID/status",
            h.display()
        );
        let out = run(&profile.to_string_lossy(), &[], &script);
        assert_code(&out, 0);
        // llrun's own (the program's parent's) is untouched by the program's.
        assert_eq!(stdout(&out), "Umask:\t0022\n", "umask {umask}");
        assert_eq!(mode(&h.join(format!("f{umask}"))), file, "umask {umask}");
        assert_eq!(mode(&h.join(format!("d{umask}"))), dir, "umask {umask}");
        assert_eq!(mode(&h.join(format!("p{umask}"))), file, "umask {umask}");
    }
    // They were created by llrun: Landlock alone would have refused (checked in supervisor.rs).
    let plain = s.profile(
        "plain.llp",
        &format!("{BASE}allow rw @/home\ndeny all @/home/.ssh\n"),
    );
    let out = run(
        &plain.to_string_lossy(),
        &[],
        &format!(": > {}/home/nope", s.path().display()),
    );
    assert!(
        stderr(&out).contains("Permission denied"),
        "{}",
        stderr(&out)
    );
}

/// llrun's own umask stays the user's while it supervises: whatever it creates for itself
/// then (the prompt socket, an override) is never world-writable, not even for a moment.
#[test]
fn the_supervisor_leaves_llrun_s_umask_alone() {
    let s = Sandbox::new();
    let profile = s.profile("ask.llp", &format!("{BASE}ask read @/nothing\n"));
    // The program's parent is llrun, which is supervising by the time the first call returns.
    let script = "cat @/nothing 2>/dev/null; sleep 0.2; grep Umask /proc/$PPID/status; umask"
        .replace('@', &s.path().to_string_lossy());
    let out = run(&profile.to_string_lossy(), &[], &script);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "Umask:\t0022\n0022\n");
}
