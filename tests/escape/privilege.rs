//! A program run as root keeps root's capabilities inside the sandbox (llrun drops none).
//! Landlock still confines it, but some kernel checks give way to a capability before they ask
//! Landlock. These tests show what holds and what does not.
//!
//! The tests run as root; the unprivileged counterparts drop to `nobody` first.

use crate::attack::{Home, VICTIM_SECRET, Victim, secret_text};
use std::os::unix::process::CommandExt;

/// A token llrun holds in its environment and the profile keeps from the program.
const TOKEN: &str = "LLRUN-SECRET(token)";

/// Reads the environment of llrun (the parent) and of the process in `sys.argv[1]`.
const ENVIRON: &str = "\
attempt('own', lambda: os.environ.get('LLRUN_TOKEN', 'absent'))
attempt('llrun', lambda: read(f'/proc/{os.getppid()}/environ'))
attempt('victim', lambda: read(f'/proc/{sys.argv[1]}/environ'))
attempt('maps', lambda: read(f'/proc/{os.getppid()}/maps'))";

/// Runs [`ENVIRON`] under a profile that unsets `LLRUN_TOKEN`, with llrun holding it.
fn environ_attack(home: &Home, as_nobody: bool) -> crate::attack::Verdicts {
    let profile = home.write(
        "profiles/token.llp",
        "include <default>\nenv unset LLRUN_TOKEN\n",
    );
    let victim = Victim::spawn();
    if as_nobody {
        home.open_to_everyone();
    }
    let mut cmd = home.llrun(&profile.to_string_lossy());
    cmd.env("LLRUN_TOKEN", TOKEN)
        .args(crate::attack::python(ENVIRON, &[&victim.pid()]));
    if as_nobody {
        cmd.uid(65534).gid(65534);
    }
    crate::attack::Verdicts::of(cmd.output().unwrap())
}

#[test]
fn an_unprivileged_program_cannot_read_llruns_environment() {
    let home = Home::planted();
    let v = environ_attack(&home, true);
    v.assert_got("own", "absent");
    v.assert_denied("llrun", &["EACCES"]);
    v.assert_denied("maps", &["EACCES"]);
}

#[test]
fn a_root_program_cannot_read_llruns_environment() {
    let home = Home::planted();
    let v = environ_attack(&home, false);
    v.assert_got("own", "absent");
    v.assert_denied("llrun", &["EACCES"]);
    v.assert_denied("victim", &["EACCES"]);
    v.assert_denied("maps", &["EACCES"]);
    assert!(!v.dump().contains(VICTIM_SECRET));
}

/// Opens the key by file handle (`CAP_DAC_READ_SEARCH`), which skips the path walk.
const BY_HANDLE: &str = "\
class FileHandle(ctypes.Structure):
    _fields_ = [('bytes', ctypes.c_uint), ('type', ctypes.c_int), ('handle', ctypes.c_ubyte * 128)]
def by_handle():
    fh, mount_id = FileHandle(), ctypes.c_int()
    fh.bytes = 128
    check(libc.name_to_handle_at(-100, SSH_KEY.encode(), ctypes.byref(fh), ctypes.byref(mount_id), 0))
    mount_fd = os.open(HOME + '/Documents', os.O_RDONLY | os.O_DIRECTORY)
    fd = check(libc.open_by_handle_at(mount_fd, ctypes.byref(fh), os.O_RDONLY))
    return os.read(fd, 100).decode()
attempt('by-handle', by_handle)";

#[test]
fn a_root_program_cannot_open_a_denied_file_by_handle() {
    let home = Home::planted();
    home.unconfined(BY_HANDLE, &[])
        .assert_got("by-handle", &secret_text(".ssh/id_rsa"));
    home.attack(&home.carved(), BY_HANDLE, &[])
        .assert_denied("by-handle", &["EACCES", "EPERM"]);
}

/// Makes a block device node for the first disk in the working directory.
const MKNOD: &str = "\
attempt('mknod', lambda: os.mknod('disk', 0o600 | 0o060000, os.makedev(8, 0)))";

#[test]
fn a_root_program_cannot_make_device_nodes_where_it_may_write() {
    let home = Home::planted();
    home.unconfined(MKNOD, &[]).assert_done("mknod");
    std::fs::remove_file(home.work().join("disk")).unwrap();
    // Even where the profile allows making block devices, llrun dropped CAP_MKNOD.
    let all = home.profile("all", "allow all @/work");
    home.attack(&all, MKNOD, &[])
        .assert_denied("mknod", &["EPERM"]);
    // `rw` (the default profile's right on the working directory) does not include
    // fs.make_block.
    home.attack("default", MKNOD, &[])
        .assert_denied("mknod", &["EACCES", "EPERM"]);
}
