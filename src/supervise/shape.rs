//! Which calls the supervised filter traps: only those the supervised layer can decide on.
//! Every other call runs at full speed, decided by Landlock alone.

use crate::compile::CompiledLayer;
use crate::policy::Layer;
use crate::policy::RuleKind;
use llrun_kernel::seccomp::{Shape, Trapped};
use llrun_kernel::{FsAccess, NetAccess};

const MAKE: FsAccess = FsAccess::MAKE_REG
    .union(FsAccess::MAKE_DIR)
    .union(FsAccess::MAKE_SYM)
    .union(FsAccess::MAKE_SOCK)
    .union(FsAccess::MAKE_FIFO)
    .union(FsAccess::MAKE_CHAR)
    .union(FsAccess::MAKE_BLOCK);
const REMOVE: FsAccess = FsAccess::REMOVE_FILE.union(FsAccess::REMOVE_DIR);
const READ: FsAccess = FsAccess::READ_FILE.union(FsAccess::READ_DIR);

/// The shape for `layers`: what their `ask` rules ask about, what carving narrowed, and what
/// globs allow (their matches created later have no Landlock rule); the supervisor carries
/// those out to be exact.
pub fn of(layers: &[Layer], compiled: &[CompiledLayer]) -> Shape {
    // What the kernel cannot enforce at all is trapped whenever the supervisor runs.
    let mut fs = compiled
        .iter()
        .fold(FsAccess::empty(), |f, c| f | c.supervised);
    let mut net = NetAccess::empty();
    if compiled.iter().any(|c| c.isolates_abstract) {
        fs |= FsAccess::RESOLVE_UNIX; // every connect: the abstract ones are refused as unheard
    }
    // The rest only where a supervisor runs for `ask` rules anyway: one that runs only for
    // unix sockets traps `connect` alone, so that a profile without asks keeps every file call
    // at Landlock's speed (and as exact as the static layer, as `llrun compile` reports).
    if !compiled.iter().any(|c| c.has_asks) {
        return for_rights(fs, net);
    }
    for layer in layers {
        for r in layer.fs_rules.iter() {
            if r.kind == RuleKind::Ask || (r.kind == RuleKind::Allow && r.pattern.is_glob()) {
                fs |= r.access;
            }
        }
        for r in layer.net_rules.iter().filter(|r| r.kind == RuleKind::Ask) {
            net |= r.access;
        }
    }
    for c in compiled {
        for n in &c.narrowed {
            fs |= n.rights;
        }
    }
    for_rights(fs, net)
}

/// The calls through which a program exercises `fs` and `net` rights.
pub fn for_rights(fs: FsAccess, net: NetAccess) -> Shape {
    use Trapped::*;
    let mut calls = Vec::new();
    let mut add = |when: bool, these: &[Trapped]| {
        if when {
            calls.extend_from_slice(these);
        }
    };
    let opened = READ | FsAccess::WRITE_FILE | FsAccess::TRUNCATE | FsAccess::MAKE_REG;
    add(fs.intersects(opened), &[Open, Openat, Openat2, Creat]);
    add(fs.contains(FsAccess::TRUNCATE), &[Truncate]);
    add(fs.contains(FsAccess::MAKE_DIR), &[Mkdir, Mkdirat]);
    add(
        fs.intersects(MAKE - FsAccess::MAKE_DIR - FsAccess::MAKE_SYM),
        &[Mknod, Mknodat],
    );
    add(fs.contains(FsAccess::MAKE_SYM), &[Symlink, Symlinkat]);
    add(fs.intersects(MAKE | FsAccess::REFER), &[Link, Linkat]);
    add(
        fs.intersects(MAKE | REMOVE | FsAccess::REFER),
        &[Rename, Renameat, Renameat2],
    );
    add(fs.contains(FsAccess::REMOVE_FILE), &[Unlink, Unlinkat]);
    add(fs.contains(FsAccess::REMOVE_DIR), &[Rmdir, Unlinkat]);
    // Seccomp cannot tell a unix socket from another by its descriptor, so every `connect`.
    add(
        net.contains(NetAccess::CONNECT_TCP) || fs.contains(FsAccess::RESOLVE_UNIX),
        &[Connect],
    );
    add(net.contains(NetAccess::BIND_TCP), &[Bind]);
    calls.sort_by_key(|c| c.name());
    calls.dedup();
    Shape {
        calls,
        read_only_opens: fs.intersects(READ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_about_writing_leave_reads_and_sockets_alone() {
        let s = for_rights(FsAccess::WRITE_FILE | MAKE | REMOVE, NetAccess::empty());
        assert!(!s.read_only_opens);
        assert!(s.calls.contains(&Trapped::Openat) && s.calls.contains(&Trapped::Renameat2));
        assert!(!s.calls.contains(&Trapped::Connect) && !s.calls.contains(&Trapped::Truncate));
        let n = for_rights(FsAccess::empty(), NetAccess::CONNECT_TCP);
        assert_eq!(n.calls, vec![Trapped::Connect]);
        assert!(for_rights(READ, NetAccess::empty()).read_only_opens);
    }
}
