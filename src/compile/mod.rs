//! Stage 3: a resolved [`Layer`] → what the kernel is asked to enforce.
//!
//! The output of compiling one layer is a Landlock [`RulesetPlan`] for the static layer, the
//! `ask` rules that make up its supervised layer, and an honest report of where the kernel's
//! answer will differ from the profile's: narrowings left by carves, and (in best-effort mode)
//! rights this kernel cannot restrict at all.

pub mod carve;
pub mod net;
pub mod support;

use crate::policy::RuleKind;
use crate::policy::{Compat, Layer};
use carve::{CarveError, Narrowing};
use llrun_kernel::landlock::RulesetPlan;
use llrun_kernel::{FsAccess, NetAccess, Scopes};
use support::{Kernel, Unenforced};

/// One layer, compiled.
#[derive(Debug)]
pub struct CompiledLayer {
    pub plan: RulesetPlan,
    /// Where the kernel denies what the profile allows (never the reverse).
    pub narrowed: Vec<Narrowing>,
    /// What this kernel cannot restrict although the profile does (best-effort mode only; in
    /// strict mode this is an error).
    pub unenforced: Vec<Unenforced>,
    /// Whether the layer has `ask` rules, which need the supervisor.
    pub has_asks: bool,
    /// Whether the layer isolates abstract unix sockets: the supervisor then answers those
    /// connects itself, as if nobody listened, so that X11 clients fall back to the server's
    /// path-named socket (Landlock's own EPERM makes libxcb give up).
    pub isolates_abstract: bool,
    /// Rights the profile restricts that this kernel's Landlock cannot, but the supervisor
    /// can, by deciding each call itself ([`SUPERVISABLE`]): they need the supervisor.
    pub supervised: FsAccess,
    pub compat: Compat,
}

/// The rights the supervisor enforces where Landlock cannot: connecting to a unix socket by
/// its path (Landlock ABI 9). The seccomp filter traps `connect`, and llrun decides on the
/// socket file it really reaches and connects the program's socket itself.
pub const SUPERVISABLE: FsAccess = FsAccess::RESOLVE_UNIX;

/// Why a layer cannot be compiled for this kernel.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CompileError {
    #[error(transparent)]
    Carve(#[from] CarveError),
    #[error("this kernel cannot enforce what the profile `{layer}` restricts")]
    Unsupported {
        layer: String,
        missing: Vec<Unenforced>,
        abi: u32,
    },
    #[error("profile `{layer}` requires Landlock ABI {need}, but this kernel offers {have}")]
    AbiTooOld {
        layer: String,
        need: u32,
        have: u32,
        rule: crate::source::Span,
    },
}

/// Compiles one layer for `kernel`. `compat` overrides the layer's own `compat` if given.
pub fn compile(
    layer: &Layer,
    kernel: &Kernel,
    compat: Option<Compat>,
) -> Result<CompiledLayer, CompileError> {
    let compat = compat.unwrap_or(layer.compat);
    if let Some((need, rule)) = layer.require_abi
        && kernel.abi < need
    {
        return Err(CompileError::AbiTooOld {
            layer: layer.name.clone(),
            need,
            have: kernel.abi,
            rule,
        });
    }
    let fs_handled = FsAccess::supported_by(kernel.abi);
    let carved = carve::carve(layer, fs_handled)?;
    let net = net::plan(layer);
    let restricted_fs = FsAccess::all() - carve::granted_everywhere(layer);
    let supervised = if kernel.abi == 0 {
        FsAccess::empty()
    } else {
        restricted_fs & (SUPERVISABLE - fs_handled)
    };
    let missing = support::unenforced(
        kernel.abi,
        restricted_fs - supervised,
        net.restricted | net.asked,
        layer.scopes,
    );
    if !missing.is_empty() && compat == Compat::Strict {
        return Err(CompileError::Unsupported {
            layer: layer.name.clone(),
            missing,
            abi: kernel.abi,
        });
    }
    let net_handled = NetAccess::supported_by(kernel.abi) & (net.restricted | net.asked);
    let plan = RulesetPlan {
        handled_fs: if kernel.abi == 0 {
            FsAccess::empty()
        } else {
            fs_handled
        },
        handled_net: net_handled,
        scopes: layer.scopes & Scopes::supported_by(kernel.abi),
        path_rules: carved.rules,
        port_rules: if net_handled.is_empty() {
            Vec::new()
        } else {
            net.rules
                .into_iter()
                .filter(|r| net_handled.contains(r.access))
                .collect()
        },
    };
    let has_asks = layer.fs_rules.iter().any(|r| r.kind == RuleKind::Ask)
        || layer.net_rules.iter().any(|r| r.kind == RuleKind::Ask);
    Ok(CompiledLayer {
        plan,
        narrowed: carved.narrowed,
        unenforced: missing,
        has_asks,
        isolates_abstract: layer.scopes.contains(Scopes::ABSTRACT_UNIX_SOCKET) && kernel.abi > 0,
        supervised,
        compat,
    })
}

#[cfg(test)]
pub(crate) mod tests;
