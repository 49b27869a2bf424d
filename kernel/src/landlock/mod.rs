//! Landlock: probing the ABI, building rulesets, and restricting a process.

use crate::access::{FsAccess, NetAccess, Scopes};
use std::path::PathBuf;

/// One "this access beneath this file or directory" rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRule {
    /// The file or directory; a directory's rule covers everything beneath it.
    pub path: PathBuf,
    /// The rights granted there.
    pub access: FsAccess,
}

/// One "this access on this TCP port" rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRule {
    /// The TCP port.
    pub port: u16,
    /// The rights granted on it (bind, connect).
    pub access: NetAccess,
}

/// Everything one Landlock layer (one `landlock_restrict_self`) is made of. The compiler has
/// already reduced it to what the running kernel supports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RulesetPlan {
    /// Rights this layer restricts; whatever is not granted by a rule is denied.
    pub handled_fs: FsAccess,
    /// Network rights this layer restricts, in the same way.
    pub handled_net: NetAccess,
    /// What this layer isolates the program from (signals, abstract unix sockets).
    pub scopes: Scopes,
    /// The file-system rules granting part of `handled_fs`.
    pub path_rules: Vec<PathRule>,
    /// The port rules granting part of `handled_net`.
    pub port_rules: Vec<PortRule>,
}

mod rules;

use landlock::{
    AccessFs, AccessNet, BitFlags, CompatLevel, Compatible, Ruleset, RulesetAttr, Scope,
};
use nix::errno::Errno;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};

/// `LANDLOCK_CREATE_RULESET_VERSION` (include/uapi/linux/landlock.h, Linux 5.13): with a NULL
/// attribute, `landlock_create_ruleset` returns the ABI version instead of a ruleset.
const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1 << 0;

/// The Landlock ABI version the running kernel offers, or 0 when Landlock is unavailable (not
/// built in, not enabled in `lsm=`, or hidden by an outer seccomp filter).
///
/// Read straight from the kernel rather than through the `landlock` crate, which caps the number
/// at the newest ABI it knows: the compiler must see what the kernel really offers.
pub fn probe_abi() -> u32 {
    // SAFETY: with a NULL attribute and size 0 the syscall reads no memory; it only reports the
    // version (or fails with EOPNOTSUPP/ENOSYS).
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    u32::try_from(v).unwrap_or(0)
}

/// Why a ruleset could not be prepared. Every variant is either a bug in llrun (the plan asked
/// for something the kernel does not offer) or a problem with one named path.
#[derive(Debug, thiserror::Error)]
pub enum LandlockError {
    /// `landlock_create_ruleset` (or the crate's check of it) refused.
    #[error(
        "the kernel refused the Landlock ruleset ({reason})\n  = hint: this is a bug in llrun: the plan was checked against the kernel's ABI; please report it with `llrun compile` output"
    )]
    Ruleset {
        /// What the crate or the kernel said.
        reason: String,
    },
    #[error("cannot open `{}` for its Landlock rule: {source}\n  = hint: check that llrun may access this path, or change the profile", path.display())]
    /// A rule's path exists but could not be opened.
    Open {
        /// The rule's path.
        path: PathBuf,
        /// Why `open(O_PATH)` failed.
        source: std::io::Error,
    },
    #[error("the kernel refused the Landlock rule for `{}`: {reason}\n  = hint: this is a bug in llrun; please report it with `llrun compile` output", path.display())]
    /// `landlock_add_rule` refused a path rule.
    Rule {
        /// The rule's path.
        path: PathBuf,
        /// The kernel's error.
        reason: String,
    },
    #[error(
        "the kernel refused the Landlock rule for TCP port {port}: {reason}\n  = hint: this is a bug in llrun; please report it"
    )]
    /// `landlock_add_rule` refused a port rule.
    Port {
        /// The rule's port.
        port: u16,
        /// The kernel's error.
        reason: String,
    },
}

/// One Landlock layer, built and held as a ruleset file descriptor.
///
/// Preparing happens in the parent, before anything is forked, so that every error (a missing
/// path, a right the kernel does not know) surfaces while llrun can still explain it; the child
/// then only has to make one syscall per layer between `fork` and `exec`. The descriptor is
/// close-on-exec (the kernel creates ruleset fds so), so it never reaches the sandboxed program.
#[derive(Debug)]
pub struct PreparedRuleset {
    /// `None` for a plan that restricts nothing: there is no ruleset to enforce.
    fd: Option<OwnedFd>,
    skipped: Vec<PathBuf>,
    /// The rules' paths, still open (see [`rules::Opened`]).
    opened: rules::Opened,
}

impl PreparedRuleset {
    /// Creates the ruleset for exactly `plan.handled_fs`, `plan.handled_net` and `plan.scopes`,
    /// then adds every rule.
    ///
    /// Every right is a hard requirement: the compiler has already reduced the plan to what this
    /// kernel supports, so a refusal here is a bug to report, never a reason to enforce less. A
    /// rule on a non-directory keeps only the rights that make sense on a file
    /// ([`FsAccess::FILE`]). A rule path that no longer exists (it vanished since compiling) is
    /// skipped and listed in [`PreparedRuleset::skipped`]: no rule means less access, never more.
    pub fn prepare(plan: &RulesetPlan) -> Result<PreparedRuleset, LandlockError> {
        if plan.handled_fs.is_empty() && plan.handled_net.is_empty() && plan.scopes.is_empty() {
            return Ok(PreparedRuleset {
                fd: None,
                skipped: Vec::new(),
                opened: rules::Opened::default(),
            });
        }
        let fd = create(plan)?;
        let mut skipped = Vec::new();
        let mut opened = rules::Opened::default();
        for rule in &plan.path_rules {
            if !rules::add_path(fd.as_fd(), rule, &mut opened)? {
                skipped.push(rule.path.clone());
            }
        }
        for rule in &plan.port_rules {
            rules::add_port(fd.as_fd(), rule)?;
        }
        Ok(PreparedRuleset {
            fd: Some(fd),
            skipped,
            opened,
        })
    }

    /// Closes the rules' paths, which the ruleset no longer needs. Whoever keeps running after
    /// the program started (the supervisor) calls this; a process that `exec`s has them closed
    /// by the kernel, all at once.
    pub fn close_rule_paths(&mut self) {
        self.opened = rules::Opened::default();
    }

    /// Rule paths that did not exist any more when the ruleset was prepared.
    pub fn skipped(&self) -> &[PathBuf] {
        &self.skipped
    }

    /// Enforces this layer on the calling thread with `landlock_restrict_self`.
    ///
    /// Async-signal-safe (one syscall, no allocation), so it may run between `fork` and `exec`.
    /// The caller must have set `no_new_privs` first (see [`crate::seccomp::set_no_new_privs`]),
    /// or the kernel refuses with `EPERM` unless the caller has `CAP_SYS_ADMIN`.
    pub fn restrict_self(&self) -> Result<(), Errno> {
        match &self.fd {
            Some(fd) => restrict_self_raw(fd.as_raw_fd()),
            None => Ok(()),
        }
    }

    /// The ruleset descriptor, for code that must run after `fork` without touching `self`.
    pub(crate) fn raw_fd(&self) -> Option<RawFd> {
        self.fd.as_ref().map(AsRawFd::as_raw_fd)
    }
}

/// `landlock_restrict_self(fd, 0)`. Async-signal-safe.
pub(crate) fn restrict_self_raw(fd: RawFd) -> Result<(), Errno> {
    // SAFETY: a plain syscall with integer arguments; an invalid fd only makes it fail.
    let r = unsafe { libc::syscall(libc::SYS_landlock_restrict_self, fd, 0u32) };
    Errno::result(r).map(drop)
}

/// Creates the kernel ruleset handling exactly what `plan` handles, through the `landlock`
/// crate, which checks every right against the running kernel's ABI. (Rules are then added
/// with [`rules`], which needs fewer syscalls per rule than the crate.)
fn create(plan: &RulesetPlan) -> Result<OwnedFd, LandlockError> {
    let refused = |e: landlock::RulesetError| LandlockError::Ruleset {
        reason: e.to_string(),
    };
    let mut ruleset = Ruleset::default().set_compatibility(CompatLevel::HardRequirement);
    if !plan.handled_fs.is_empty() {
        ruleset = ruleset
            .handle_access(fs_flags(plan.handled_fs)?)
            .map_err(refused)?;
    }
    if !plan.handled_net.is_empty() {
        ruleset = ruleset
            .handle_access(net_flags(plan.handled_net)?)
            .map_err(refused)?;
    }
    if !plan.scopes.is_empty() {
        ruleset = ruleset.scope(scope_flags(plan.scopes)?).map_err(refused)?;
    }
    let created: Option<OwnedFd> = ruleset.create().map_err(refused)?.into();
    created.ok_or_else(|| LandlockError::Ruleset {
        reason: "Landlock is not available".into(),
    })
}

/// A right of ours that the `landlock` crate does not know: the crate is older than our types.
fn unknown(kind: &str, bits: u64) -> LandlockError {
    LandlockError::Ruleset {
        reason: format!("the landlock crate does not know the {kind} rights {bits:#x}"),
    }
}

fn fs_flags(a: FsAccess) -> Result<BitFlags<AccessFs>, LandlockError> {
    BitFlags::from_bits(a.bits()).map_err(|e| unknown("file system", e.invalid_bits()))
}

fn net_flags(a: NetAccess) -> Result<BitFlags<AccessNet>, LandlockError> {
    BitFlags::from_bits(a.bits()).map_err(|e| unknown("network", e.invalid_bits()))
}

fn scope_flags(s: Scopes) -> Result<BitFlags<Scope>, LandlockError> {
    BitFlags::from_bits(s.bits()).map_err(|e| unknown("scope", e.invalid_bits()))
}
