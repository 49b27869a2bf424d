//! Carving: a deny nested in an allow (`allow rw ~`, `deny all ~/.ssh ~/.gnupg`).
//!
//! The compiler grants the siblings of `~/.ssh` instead of `~`, so rights on `~` itself are
//! lost, and says so. Two promises are checked against the kernel: what llrun reports as
//! narrowed is really denied, and nothing the profile denies can be read, whatever the program
//! does to the directories around it.

use crate::attack::{Home, SECRETS, Verdict, secret_text};

const KEY: &str = ".ssh/id_rsa";

#[test]
fn a_new_entry_beside_the_carved_directory_is_as_reported() {
    let home = Home::planted();
    let carved = home.carved();
    let report = home.explain(&carved, "create", &home.at(""));
    let narrowed = report.contains("NARROWED");
    let v = home.attack(
        &carved,
        "\
attempt('sibling', lambda: os.mkdir(HOME + '/.ssh2'))
attempt('inside', lambda: os.mkdir(HOME + '/Documents/new'))",
        &[],
    );
    // Creating inside an allowed child is untouched by the carve.
    v.assert_done("inside");
    if narrowed {
        v.assert_denied("sibling", &["EACCES"]);
    } else {
        v.assert_done("sibling");
    }
}

#[test]
fn the_carved_directory_cannot_be_moved_emptied_or_filled() {
    let home = Home::planted();
    // Filling it matters as much as reading it: an authorized_keys file lets anyone log in.
    let v = home.attack(
        &home.carved(),
        "\
notes = HOME + '/Documents/notes.txt'
keys = HOME + '/.ssh/authorized_keys'
attempt('rename-away', lambda: os.rename(HOME + '/.ssh', HOME + '/old-ssh'))
attempt('rename-into', lambda: os.rename(HOME + '/.ssh', HOME + '/Documents/ssh'))
attempt('replace', lambda: os.rename(HOME + '/Documents', HOME + '/.ssh'))
attempt('unlink-key', lambda: os.unlink(SSH_KEY))
attempt('recreate', lambda: os.mkdir(HOME + '/.ssh/new'))
attempt('write-keys', lambda: open(keys, 'w').write('ssh-ed25519 AAAA attacker'))
attempt('link-keys', lambda: os.link(notes, keys))
attempt('move-keys', lambda: os.rename(notes, keys))
attempt('read', lambda: read(SSH_KEY))",
        &[],
    );
    for name in [
        "rename-away",
        "rename-into",
        "replace",
        "unlink-key",
        "recreate",
        "write-keys",
        "link-keys",
        "move-keys",
        "read",
    ] {
        v.assert_denied(name, &["EACCES", "EXDEV"]);
    }
    assert!(
        home.home().join(KEY).exists(),
        "the key was moved or removed"
    );
    assert!(!home.home().join(".ssh/authorized_keys").exists());
}

#[test]
fn a_symlink_beside_the_carve_reads_nothing() {
    let home = Home::planted();
    let code = "\
os.symlink(SSH_KEY, HOME + '/Documents/key')
attempt('symlink', lambda: read(HOME + '/Documents/key'))";
    home.attack(&home.uncarved(), code, &[])
        .assert_got("symlink", &secret_text(KEY));
    std::fs::remove_file(home.home().join("Documents/key")).unwrap();
    home.attack(&home.carved(), code, &[])
        .assert_denied("symlink", &["EACCES"]);
}

#[test]
fn a_carved_file_cannot_be_linked_or_moved_beside_the_carve() {
    let home = Home::planted();
    let code = "\
attempt('link', lambda: os.link(SSH_KEY, HOME + '/Documents/linked'))
attempt('move', lambda: os.rename(SSH_KEY, HOME + '/Documents/moved'))
attempt('read-linked', lambda: read(HOME + '/Documents/linked'))";
    let v = home.attack(&home.carved(), code, &[]);
    v.assert_denied("link", &["EXDEV", "EACCES"]);
    v.assert_denied("move", &["EXDEV", "EACCES"]);
    assert!(home.home().join(KEY).exists());
    home.attack(&home.uncarved(), code, &[])
        .assert_got("read-linked", &secret_text(KEY));
}

/// `narrowed PATH RIGHTS: why` lines of `llrun compile`.
fn narrowed(report: &str) -> Vec<(String, String)> {
    report
        .lines()
        .filter_map(|l| l.strip_prefix("narrowed "))
        .filter_map(|l| l.split_once(": "))
        .filter_map(|(what, _)| what.rsplit_once(' '))
        .map(|(path, rights)| (path.to_string(), rights.to_string()))
        .collect()
}

/// Whether an access-word list (`read,exec`, `rw`, `fs.read_dir`) includes listing, or
/// creating entries in, a directory.
fn lists(rights: &str) -> bool {
    rights
        .split(',')
        .any(|r| matches!(r, "read" | "list" | "rw" | "all" | "fs.read_dir"))
}

fn creates(rights: &str) -> bool {
    rights
        .split(',')
        .any(|r| matches!(r, "create" | "rw" | "all" | "fs.make_reg"))
}

/// Every directory `llrun compile` calls narrowed for listing or creating is refused by the
/// kernel: the report never claims less than the kernel denies.
fn narrowed_places_are_denied(home: &Home, profile: &str) {
    let places: Vec<_> = narrowed(&home.compile(profile))
        .into_iter()
        .filter(|(path, _)| std::path::Path::new(path).is_dir())
        .collect();
    assert!(!places.is_empty(), "{profile}: nothing is narrowed");
    let mut code = String::new();
    for (i, (path, rights)) in places.iter().enumerate() {
        if lists(rights) {
            code += &format!("attempt('list{i}', lambda: os.listdir({path:?}))\n");
        }
        if creates(rights) {
            code += &format!(
                "attempt('create{i}', lambda: os.close(os.open({path:?} + '/llrun-new', os.O_CREAT | os.O_EXCL | os.O_WRONLY)))\n"
            );
        }
    }
    let v = home.attack(profile, &code, &[]);
    for (i, (path, rights)) in places.iter().enumerate() {
        if lists(rights) {
            assert!(
                matches!(v.get(&format!("list{i}")), Verdict::Denied(_)),
                "{path} is reported narrowed for listing but the kernel lists it:\n{}",
                v.dump()
            );
        }
        if creates(rights) {
            assert!(
                matches!(v.get(&format!("create{i}")), Verdict::Denied(_)),
                "{path} is reported narrowed for creating but the kernel creates in it:\n{}",
                v.dump()
            );
        }
    }
}

#[test]
fn what_is_reported_narrowed_is_denied_by_the_kernel() {
    let home = Home::planted();
    narrowed_places_are_denied(&home, &home.carved());
    narrowed_places_are_denied(&home, "default");
}

/// Every file of the planted home, relative to it.
fn files_of(dir: &std::path::Path, prefix: &str, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type().unwrap().is_dir() {
            files_of(&entry.path(), &format!("{rel}/"), out);
        } else {
            out.push(rel);
        }
    }
}

/// For each file of the home: `llrun explain` says whether the kernel grants reading it, and a
/// program under the profile finds exactly that. The `denied` files are among the refused.
fn reads_match_explain(home: &Home, profile: &str, denied: &[&str]) {
    let mut files = Vec::new();
    files_of(&home.home(), "", &mut files);
    let code: String = files
        .iter()
        .enumerate()
        .map(|(i, rel)| format!("attempt('f{i}', lambda: read(HOME + '/' + {rel:?}))\n"))
        .collect();
    let v = home.attack(profile, &code, &[]);
    for (i, rel) in files.iter().enumerate() {
        let explained = home.explain(profile, "read", &home.at(rel));
        let granted = explained
            .lines()
            .find(|l| l.trim_start().starts_with("kernel grants:"))
            .is_some_and(|l| l.contains("fs.read_file"));
        let read = matches!(v.get(&format!("f{i}")), Verdict::Done(_));
        assert_eq!(
            read,
            granted,
            "{profile}: {rel}: explain says the kernel grants reading: {granted}, the program read it: {read}\n{explained}\n{}",
            v.dump()
        );
        assert!(
            !denied.contains(&rel.as_str()) || !read,
            "{profile}: the secret {rel} was read:\n{}",
            v.dump()
        );
    }
}

#[test]
fn nothing_the_profile_denies_is_readable() {
    let home = Home::planted();
    let carved_out: Vec<&str> = SECRETS
        .iter()
        .copied()
        .filter(|s| s.starts_with(".ssh/") || s.starts_with(".gnupg/"))
        .collect();
    reads_match_explain(&home, &home.carved(), &carved_out);
    reads_match_explain(&home, "default", SECRETS);
    // Firefox's own profile is its to read.
    let not_firefox: Vec<&str> = SECRETS
        .iter()
        .copied()
        .filter(|s| !s.starts_with(".mozilla/"))
        .collect();
    reads_match_explain(&home, "firefox", &not_firefox);
}

#[test]
fn a_hard_link_made_before_the_run_does_not_expose_the_denied_name() {
    let home = Home::planted();
    // Someone (a backup tool, the user) linked the key into the home before llrun started.
    std::fs::hard_link(home.home().join(KEY), home.home().join("key-backup")).unwrap();
    let code = "\
attempt('denied-name', lambda: read(SSH_KEY))
attempt('write-denied-name', lambda: open(SSH_KEY, 'a').write('x'))";
    for profile in [home.carved(), "default".to_string()] {
        let explained = home.explain(&profile, "read", &home.at(KEY));
        assert!(explained.contains("kernel grants: nothing"), "{explained}");
        let v = home.attack(&profile, code, &[]);
        v.assert_denied("denied-name", &["EACCES"]);
    }
    home.attack(&home.carved(), code, &[])
        .assert_denied("write-denied-name", &["EACCES"]);
}
