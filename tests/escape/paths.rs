//! Path tricks: reaching a denied file by another name than its own.
//!
//! Landlock decides on the file actually reached (walking up from it), not on the path as
//! written, so none of these should matter; each test shows that it does not. The victim is
//! `~/.ssh/id_rsa`, denied by a carve (`allow rw ~`, `deny all ~/.ssh`) or by the shipped
//! default profile.

use crate::attack::{Home, Victim, secret_text};

const KEY: &str = ".ssh/id_rsa";

/// Runs `code` under the carved profile and, as the control, under the same profile without
/// the deny, where attempt `name` must read the key.
fn carved_vs_uncarved(home: &Home, code: &str, name: &str, errnos: &[&str]) {
    home.attack(&home.uncarved(), code, &[])
        .assert_got(name, &secret_text(KEY));
    home.attack(&home.carved(), code, &[])
        .assert_denied(name, errnos);
}

#[test]
fn dot_dot_out_of_an_allowed_directory() {
    let home = Home::planted();
    carved_vs_uncarved(
        &home,
        "attempt('dotdot', lambda: read(HOME + '/Documents/../.ssh/id_rsa'))",
        "dotdot",
        &["EACCES"],
    );
}

#[test]
fn openat_on_a_directory_fd_of_the_allowed_parent() {
    let home = Home::planted();
    // O_PATH: the home directory itself cannot be opened for reading (the carve narrows it).
    let code = "\
parent = os.open(HOME, os.O_PATH | os.O_DIRECTORY)
attempt('openat', lambda: read('.ssh/id_rsa', dir_fd=parent))
ssh = os.open(HOME + '/.ssh', os.O_PATH | os.O_DIRECTORY)
attempt('openat-denied-dir', lambda: read('id_rsa', dir_fd=ssh))
attempt('openat-dotdot', lambda: read('../.ssh/id_rsa', dir_fd=ssh))";
    carved_vs_uncarved(&home, code, "openat", &["EACCES"]);
    let v = home.attack(&home.carved(), code, &[]);
    v.assert_denied("openat-denied-dir", &["EACCES"]);
    v.assert_denied("openat-dotdot", &["EACCES"]);
}

/// Under a supervisor (the profile asks elsewhere, so every open is trapped), a name opened
/// with `O_NOFOLLOW` relative to a clean directory is continued without llrun reading the
/// directory's path (`src/supervise/clean.rs`). A descriptor of the denied directory, made
/// `O_PATH` (which Landlock does not check), is such a one: the kernel must still refuse the
/// key, and the descriptors of the home (carved) and of `Documents` must not reach it either.
#[test]
fn names_the_supervisor_lets_through_unread_reach_nothing_more() {
    let home = Home::planted();
    let code = "\
def nofollow(name, d):
    return os.read(os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=d), 4096).decode()
ssh = os.open(HOME + '/.ssh', os.O_PATH | os.O_DIRECTORY)
attempt('o-path-dir', lambda: nofollow('id_rsa', ssh))
docs = os.open(HOME + '/Documents', os.O_RDONLY | os.O_DIRECTORY)
attempt('docs-dotdot', lambda: nofollow('../.ssh/id_rsa', docs))
parent = os.open(HOME, os.O_PATH | os.O_DIRECTORY)
attempt('home-o-path', lambda: nofollow('.ssh/id_rsa', parent))";
    let supervised =
        |name: &str, rules: &str| home.profile(name, &format!("{rules}\nask read @/nothing"));
    let open = supervised("uncarved-asking", "allow rw ~");
    let v = home.attack(&open, code, &[]);
    for name in ["o-path-dir", "docs-dotdot", "home-o-path"] {
        v.assert_got(name, &secret_text(KEY));
    }
    let carved = supervised("carved-asking", "allow rw ~\ndeny all ~/.ssh ~/.gnupg");
    let v = home.attack(&carved, code, &[]);
    for name in ["o-path-dir", "docs-dotdot", "home-o-path"] {
        v.assert_denied(name, &["EACCES"]);
    }
}

#[test]
fn an_o_path_descriptor_reopened_through_proc() {
    let home = Home::planted();
    // Landlock does not check O_PATH opens: the descriptor exists, reopening it must fail.
    let code = "\
fd = os.open(SSH_KEY, os.O_PATH)
attempt('proc-self-fd', lambda: read(f'/proc/self/fd/{fd}'))
attempt('proc-thread-self-fd', lambda: read(f'/proc/thread-self/fd/{fd}'))
attempt('dev-fd', lambda: read(f'/dev/fd/{fd}'))
attempt('proc-pid-fd', lambda: read(f'/proc/{os.getpid()}/fd/{fd}'))";
    carved_vs_uncarved(&home, code, "proc-self-fd", &["EACCES"]);
    let v = home.attack(&home.carved(), code, &[]);
    for name in ["proc-thread-self-fd", "dev-fd", "proc-pid-fd"] {
        v.assert_denied(name, &["EACCES"]);
    }
}

/// `/proc/PID/root` and `/proc/PID/cwd` are magic links into another process's view of the
/// file system; following them needs ptrace access to that process.
const PROC_LINKS: &str = "\
pid = int(sys.argv[1])
attempt('root', lambda: read(f'/proc/{pid}/root' + SSH_KEY))
attempt('cwd', lambda: os.listdir(f'/proc/{pid}/cwd'))
attempt('cwd-file', lambda: read(f'/proc/{pid}/cwd/../home/.ssh/id_rsa'))";

#[test]
fn proc_pid_root_and_cwd_of_llrun() {
    let home = Home::planted();
    // llrun is the program's parent and runs in `work/`, next to the home.
    let code = PROC_LINKS.replace("int(sys.argv[1])", "os.getppid()");
    let v = home.attack("default", &code, &[]);
    for name in ["root", "cwd", "cwd-file"] {
        v.assert_denied(name, &["EACCES"]);
    }
}

#[test]
fn proc_pid_root_and_cwd_of_an_unrelated_process() {
    let home = Home::planted();
    let victim = Victim::spawn();
    let pid = victim.pid();
    // Unconfined, the same links lead into the home (the victim shares our root).
    home.unconfined(PROC_LINKS, &[&pid])
        .assert_got("root", &secret_text(KEY));
    let v = home.attack("default", PROC_LINKS, &[&pid]);
    v.assert_denied("root", &["EACCES"]);
    v.assert_denied("cwd", &["EACCES"]);
}

#[test]
fn a_symlink_planted_in_a_writable_directory() {
    let home = Home::planted();
    // The default profile lets the program write where it was started and in /tmp.
    let code = "\
link = os.getcwd() + '/innocent.txt'
os.symlink(SSH_KEY, link)
attempt('via-cwd', lambda: read(link))
tmp = f'/tmp/llrun-escape-{os.getpid()}'
os.symlink(SSH_KEY, tmp)
attempt('via-tmp', lambda: read(tmp))
os.unlink(tmp)";
    let v = home.attack("default", code, &[]);
    v.assert_denied("via-cwd", &["EACCES"]);
    v.assert_denied("via-tmp", &["EACCES"]);
    // The control: with the key allowed, the same symlink reads it.
    std::fs::remove_file(home.work().join("innocent.txt")).unwrap();
    let open = home.profile("open", "allow read ~\nallow rw @/work /tmp");
    home.attack(&open, code, &[])
        .assert_got("via-cwd", &secret_text(KEY));
}

#[test]
fn a_hard_link_into_a_writable_directory() {
    let home = Home::planted();
    let code = "\
attempt('link-cwd', lambda: os.link(SSH_KEY, os.getcwd() + '/copy'))
attempt('link-tmp', lambda: os.link(SSH_KEY, f'/tmp/llrun-escape-{os.getpid()}'))";
    let v = home.attack("default", code, &[]);
    // Landlock refuses a link that would give the file more rights in its new place (EXDEV).
    v.assert_denied("link-cwd", &["EXDEV", "EACCES"]);
    v.assert_denied("link-tmp", &["EXDEV", "EACCES"]);
    assert!(!home.work().join("copy").exists());
    let open = home.profile("open", "allow read ~\nallow rw ~/.ssh @/work");
    home.attack(&open, code, &[]).assert_done("link-cwd");
}

#[test]
fn a_rename_that_moves_a_denied_file_out() {
    let home = Home::planted();
    let code = "\
attempt('rename', lambda: os.rename(SSH_KEY, os.getcwd() + '/moved'))
attempt('read', lambda: read(os.getcwd() + '/moved'))";
    home.attack(&home.carved(), code, &[])
        .assert_denied("rename", &["EACCES", "EXDEV"]);
    assert!(home.home().join(KEY).exists(), "the key was moved");
    let v = home.attack("default", code, &[]);
    v.assert_denied("rename", &["EACCES", "EXDEV"]);
    v.assert_denied("read", &["ENOENT"]);
}

#[test]
fn a_rename_of_the_denied_directorys_parent() {
    let home = Home::planted();
    // Everything of the scratch tree writable except ~/.ssh: renaming the home directory
    // would make `~/.ssh` another path, but Landlock's rules hold on to the directories.
    let profile = home.profile("parent", "allow rw @\ndeny all ~/.ssh");
    let code = "\
root = os.path.dirname(HOME)
attempt('rename-home', lambda: os.rename(HOME, root + '/elsewhere'))
attempt('read-moved', lambda: read(root + '/elsewhere/.ssh/id_rsa'))
attempt('rename-ssh', lambda: os.rename(HOME + '/.ssh', root + '/work/ssh'))
attempt('read-ssh', lambda: read(root + '/work/ssh/id_rsa'))";
    let v = home.attack(&profile, code, &[]);
    v.assert_denied("rename-home", &["EACCES", "EXDEV"]);
    v.assert_denied("rename-ssh", &["EACCES", "EXDEV"]);
    v.assert_no_secret();
    assert!(home.home().join(KEY).exists());
    let open = home.profile("open", "allow rw @");
    home.attack(&open, code, &[])
        .assert_got("read-moved", &secret_text(KEY));
}

#[test]
fn the_firefox_profile_keeps_the_key_out_of_downloads() {
    let home = Home::planted();
    // Firefox may write its downloads directory: plant a symlink and a hard link there.
    let code = "\
dl = HOME + '/Downloads'
os.symlink(SSH_KEY, dl + '/key.txt')
attempt('symlink', lambda: read(dl + '/key.txt'))
attempt('hardlink', lambda: os.link(SSH_KEY, dl + '/key2.txt'))
attempt('direct', lambda: read(SSH_KEY))
attempt('download', lambda: read(dl + '/report.txt'))";
    let v = home.attack("firefox", code, &[]);
    v.assert_denied("symlink", &["EACCES"]);
    v.assert_denied("hardlink", &["EXDEV", "EACCES"]);
    v.assert_denied("direct", &["EACCES"]);
    v.assert_got("download", "plain Downloads/report.txt");
}
