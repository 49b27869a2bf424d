//! Landlock: probing the ABI, building rulesets, and restricting a process.

use crate::access::{FsAccess, NetAccess, Scopes};
use std::path::PathBuf;

/// One "this access beneath this file or directory" rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRule {
    pub path: PathBuf,
    pub access: FsAccess,
}

/// One "this access on this TCP port" rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRule {
    pub port: u16,
    pub access: NetAccess,
}

/// Everything one Landlock layer (one `landlock_restrict_self`) is made of. The compiler has
/// already reduced it to what the running kernel supports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RulesetPlan {
    /// Rights this layer restricts; whatever is not granted by a rule is denied.
    pub handled_fs: FsAccess,
    pub handled_net: NetAccess,
    pub scopes: Scopes,
    pub path_rules: Vec<PathRule>,
    pub port_rules: Vec<PortRule>,
}
