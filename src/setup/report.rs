//! What the user must know before the program starts.

use super::Request;
use crate::compile::CompiledLayer;
use crate::compile::support::Kernel;
use crate::profiles::Loaded;
use crate::supervise::policy::Policy;

/// What the user must know before the program starts: what is not enforced (always), what is
/// narrower than the profile (one line, unless `--quiet`), and with `--verbose` the details.
pub fn before_start(
    request: &Request,
    loaded: &Loaded,
    compiled: &[CompiledLayer],
    kernel: &Kernel,
    live: bool,
) {
    for (layer, c) in loaded.layers.iter().zip(compiled) {
        for u in &c.unenforced {
            eprintln!(
                "llrun: warning: profile `{}` (best-effort): not enforced on this kernel: {u}",
                layer.name
            );
        }
    }
    let narrowed: usize = compiled.iter().map(|c| c.narrowed.len()).sum();
    if request.verbose {
        eprintln!(
            "llrun: Landlock ABI {}; mechanism: {}; live edits {}",
            kernel.abi,
            mechanism(compiled, live),
            if live { "on" } else { "off" }
        );
        for (i, (layer, c)) in loaded.layers.iter().zip(compiled).enumerate() {
            eprintln!(
                "llrun: layer {}: {} ({}): {} path rules, {} port rules",
                i + 1,
                layer.name,
                layer.path.display(),
                c.plan.path_rules.len(),
                c.plan.port_rules.len()
            );
            for n in &c.narrowed {
                eprintln!(
                    "llrun:   {}",
                    crate::explain::rulesets::narrowing(n, &loaded.sources)
                );
            }
        }
    } else if narrowed > 0 && !request.quiet {
        eprintln!(
            "llrun: note: {narrowed} place(s) are narrower than the profile says (a deny carved out of an allow); `llrun compile` lists them, -q hides this"
        );
    }
}

/// The mechanism chosen, for `--verbose`.
fn mechanism(compiled: &[CompiledLayer], live: bool) -> String {
    if !live && !Policy::needs_supervisor(compiled) {
        return "static Landlock rulesets, no supervisor".into();
    }
    let f = llrun_kernel::notify::Features::probe();
    format!(
        "static Landlock rulesets plus a supervisor (seccomp user notification{}{})",
        if f.sync_wakeup {
            ", synchronous wake-ups"
        } else {
            ""
        },
        if f.addfd_send {
            ", descriptors handed over with ADDFD_FLAG_SEND"
        } else {
            ""
        },
    )
}
