//! What the running kernel can enforce, and what it cannot.

use llrun_kernel::{FsAccess, NetAccess, Scopes};
use std::fmt;

/// The kernel features llrun found at run time.
#[derive(Debug, Clone, Copy)]
pub struct Kernel {
    /// Landlock ABI version; 0 when Landlock is unavailable or disabled.
    pub abi: u32,
}

/// One thing the profile restricts that this kernel cannot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unenforced {
    Landlock,
    Fs(FsAccess),
    Net(NetAccess),
    Scope(Scopes),
}

impl fmt::Display for Unenforced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unenforced::Landlock => write!(
                f,
                "nothing at all: Landlock is not available (is it in the `lsm=` boot parameter?)"
            ),
            Unenforced::Fs(a) => {
                for (i, right) in a.iter().enumerate() {
                    let sep = if i > 0 { ", " } else { "" };
                    write!(
                        f,
                        "{sep}{} (needs ABI {})",
                        crate::policy::access::raw_name(right),
                        fs_abi(right)
                    )?;
                }
                Ok(())
            }
            Unenforced::Net(a) => {
                let names: Vec<&str> = [
                    (NetAccess::CONNECT_TCP, "TCP connect"),
                    (NetAccess::BIND_TCP, "TCP bind"),
                ]
                .into_iter()
                .filter(|(r, _)| a.contains(*r))
                .map(|(_, name)| name)
                .collect();
                write!(f, "{} rules (need ABI 4)", names.join(" and "))
            }
            Unenforced::Scope(s) => {
                let names: Vec<&str> = s
                    .iter()
                    .map(|r| {
                        if r == Scopes::SIGNAL {
                            "isolate signals"
                        } else {
                            "isolate abstract-unix"
                        }
                    })
                    .collect();
                write!(f, "{} (needs ABI 6)", names.join(", "))
            }
        }
    }
}

/// The ABI that introduced a file-system right.
pub fn fs_abi(right: FsAccess) -> u32 {
    (1..=u32::MAX)
        .find(|abi| FsAccess::supported_by(*abi).contains(right))
        .unwrap_or(1)
}

/// What of the restricted rights, ports and scopes this ABI cannot enforce.
pub fn unenforced(abi: u32, fs: FsAccess, net: NetAccess, scopes: Scopes) -> Vec<Unenforced> {
    if abi == 0 {
        return vec![Unenforced::Landlock];
    }
    let mut out = Vec::new();
    let fs_missing = fs - FsAccess::supported_by(abi);
    if !fs_missing.is_empty() {
        out.push(Unenforced::Fs(fs_missing));
    }
    let net_missing = net - NetAccess::supported_by(abi);
    if !net_missing.is_empty() {
        out.push(Unenforced::Net(net_missing));
    }
    let scope_missing = scopes - Scopes::supported_by(abi);
    if !scope_missing.is_empty() {
        out.push(Unenforced::Scope(scope_missing));
    }
    out
}
