//! Running a command: load, compile, prepare, report, spawn.

use super::{CompatArg, RunArgs, TtyArg};
use crate::compile::CompiledLayer;
use crate::compile::support::Kernel;
use crate::error::Error;
use crate::policy::{Compat, env};
use crate::profiles::{self, Loaded};
use crate::resolve::Context;
use crate::run::{Launch, TerminalMode};
use llrun_kernel::landlock::PreparedRuleset;

/// Runs the command of `args` in its sandbox and returns the exit code for llrun.
pub fn run(args: &RunArgs, ctx: &Context) -> Result<i32, Error> {
    let Some((program, rest)) = args.command.split_first() else {
        return Err(Error::Usage("no command given\n  = hint: llrun [--profile NAME] [--] COMMAND [ARGS…]; see `llrun --help`".into()));
    };
    let kernel = Kernel { abi: ctx.abi };
    let loaded = profiles::load(&args.profile.profiles, Some(program), ctx)?;
    let compiled = profiles::compile(&loaded, &kernel, compat(args.profile.compat))?;
    report(args, &loaded, &compiled, &kernel);
    let mut rulesets = Vec::with_capacity(compiled.len());
    for layer in &compiled {
        let prepared = PreparedRuleset::prepare(&layer.plan)?;
        rulesets.push(prepared);
    }
    let launch = Launch {
        program: program.clone(),
        args: rest.to_vec(),
        env: env::apply(&loaded.layers, &ctx.env),
        rulesets,
        terminal: match args.tty {
            TtyArg::Auto => TerminalMode::Auto,
            TtyArg::Pty => TerminalMode::Pty,
            TtyArg::Inherit => TerminalMode::Inherit,
        },
        prompt: None,
    };
    Ok(crate::run::run(launch)?)
}

pub fn compat(arg: Option<CompatArg>) -> Option<Compat> {
    arg.map(|a| match a {
        CompatArg::Strict => Compat::Strict,
        CompatArg::BestEffort => Compat::BestEffort,
    })
}

/// What the user must know before the program starts: what is not enforced (always), what is
/// narrower than the profile (one line, unless `--quiet`), and with `--verbose` the details.
fn report(args: &RunArgs, loaded: &Loaded, compiled: &[CompiledLayer], kernel: &Kernel) {
    for (layer, c) in loaded.layers.iter().zip(compiled) {
        for u in &c.unenforced {
            eprintln!(
                "llrun: warning: profile `{}` (best-effort): not enforced on this kernel: {u}",
                layer.name
            );
        }
        if c.has_asks {
            eprintln!(
                "llrun: warning: profile `{}` has `ask` rules; this version has no supervisor, so they are denied",
                layer.name
            );
        }
    }
    let narrowed: usize = compiled.iter().map(|c| c.narrowed.len()).sum();
    if args.verbose {
        eprintln!(
            "llrun: Landlock ABI {}; mechanism: static Landlock rulesets, no supervisor",
            kernel.abi
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
                eprintln!("llrun:   {}", super::inspect::narrowing(n, &loaded.sources));
            }
        }
    } else if narrowed > 0 && !args.quiet {
        eprintln!(
            "llrun: note: {narrowed} place(s) are narrower than the profile says (a deny carved out of an allow); `llrun compile` lists them, -q hides this"
        );
    }
}
