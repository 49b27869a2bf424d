//! Changing the program's view of the file system: user and mount namespaces, bind mounts,
//! detached mount trees, chroot, joining another process's namespaces, and opening files
//! through io_uring instead of openat(2).
//!
//! Landlock forbids mount changes to a sandboxed process, and its rules hold on to inodes, so
//! a new view of the same files changes nothing. The tests run as root, where every one of
//! these calls would otherwise work.

use crate::attack::{Home, Victim, exec_rule, program, secret_text};
use crate::common::stdout;

const KEY: &str = ".ssh/id_rsa";

/// In new user and mount namespaces (which Landlock allows), mount over the writable working
/// directory and bind the denied directory there, directly and as a detached tree.
const MOUNTS: &str = "\
CLONE_NEWNS, CLONE_NEWUSER, MS_BIND = 0x20000, 0x10000000, 4096
SYS_OPEN_TREE, SYS_MOVE_MOUNT = 428, 429
OPEN_TREE_CLONE, MOVE_MOUNT_F_EMPTY_PATH, AT_FDCWD = 1, 4, -100
here = os.getcwd().encode()
ssh = (HOME + '/.ssh').encode()
attempt('unshare', lambda: check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS)))
attempt('tmpfs', lambda: check(libc.mount(b'none', here, b'tmpfs', 0, None)))
attempt('bind', lambda: check(libc.mount(ssh, here, None, MS_BIND, None)))
attempt('read-bound', lambda: read(here.decode() + '/id_rsa'))
def detached():
    tree = check(libc.syscall(SYS_OPEN_TREE, AT_FDCWD, ssh, OPEN_TREE_CLONE))
    return read('id_rsa', dir_fd=tree)
attempt('open-tree', detached)
def attach():
    tree = check(libc.syscall(SYS_OPEN_TREE, AT_FDCWD, ssh, OPEN_TREE_CLONE))
    check(libc.syscall(SYS_MOVE_MOUNT, tree, b'', AT_FDCWD, here, MOVE_MOUNT_F_EMPTY_PATH))
    return read(os.getcwd() + '/id_rsa')
attempt('move-mount', attach)";

#[test]
fn mounts_in_a_new_namespace_are_refused() {
    let home = Home::planted();
    // Unconfined (a private mount namespace: the host's mounts are untouched), the bind mount
    // shows the key where the program may read.
    let v = home.unconfined(MOUNTS, &[]);
    v.assert_done("tmpfs");
    v.assert_got("read-bound", &secret_text(KEY));
    let v = home.attack("default", MOUNTS, &[]);
    v.assert_done("unshare");
    for name in ["tmpfs", "bind", "move-mount"] {
        v.assert_denied(name, &["EPERM"]);
    }
    v.assert_denied("read-bound", &["ENOENT"]);
    // A detached copy of the denied tree may be made, but its files are the same inodes.
    v.assert_denied("open-tree", &["EACCES", "EPERM"]);
}

const CHROOT: &str = "\
attempt('chroot', lambda: check(libc.chroot(HOME.encode())))
attempt('read', lambda: read('/.ssh/id_rsa'))";

#[test]
fn chroot_does_not_rename_the_denied_files() {
    let home = Home::planted();
    home.unconfined(CHROOT, &[])
        .assert_got("read", &secret_text(KEY));
    // llrun drops every capability, so chroot is refused; had it worked, the key would be
    // `/.ssh/id_rsa`, still the same file, and Landlock would still refuse it.
    let v = home.attack("default", CHROOT, &[]);
    v.assert_denied("chroot", &["EPERM"]);
    v.assert_denied("read", &["EACCES", "ENOENT"]);
}

const SETNS: &str = "\
pid, CLONE_NEWNS = int(sys.argv[1]), 0x20000
attempt('ns-file', lambda: os.open(f'/proc/{pid}/ns/mnt', os.O_RDONLY))
attempt('setns', lambda: check(libc.setns(os.pidfd_open(pid), CLONE_NEWNS)))";

#[test]
fn the_namespaces_of_an_outside_process_cannot_be_joined() {
    let home = Home::planted();
    let victim = Victim::spawn();
    let pid = victim.pid();
    let v = home.unconfined(SETNS, &[&pid]);
    v.assert_done("ns-file");
    v.assert_done("setns");
    let v = home.attack("default", SETNS, &[&pid]);
    v.assert_denied("ns-file", &["EACCES"]);
    v.assert_denied("setns", &["EPERM", "EACCES"]);
}

#[test]
fn io_uring_opens_are_checked_like_openat() {
    let home = Home::planted();
    let reader = program("io_uring_read");
    let reader = reader.to_string_lossy();
    let key = home.at(KEY);
    // io_uring is refused under every profile now, so the control runs without llrun.
    let out = std::process::Command::new(&*reader)
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains(&secret_text(KEY)),
        "control: {}",
        stdout(&out)
    );
    let carved = home.profile(
        "carved-exec",
        &format!("allow rw ~\ndeny all ~/.ssh\n{}", exec_rule()),
    );
    let out = home.run(&carved, &[&reader, &key]);
    let said = stdout(&out);
    // Refused before any ring exists (ENOSYS); were it allowed, Landlock would refuse the open.
    assert!(
        said.contains("SETUP-FAILED 38") || said.contains("OPEN-DENIED 13"),
        "{said}"
    );
    assert!(!said.contains("LLRUN-SECRET"), "{said}");
}
