//! Running a command: load, compile, prepare, report, spawn.

use super::{CompatArg, PromptArg, RunArgs, TtyArg};
use crate::compile::CompiledLayer;
use crate::compile::support::Kernel;
use crate::error::Error;
use crate::live::reload::Loader;
use crate::live::{Live, report};
use crate::policy::{Compat, env};
use crate::profiles::{self, Loaded};
use crate::prompt::tty::Console;
use crate::prompt::{Answers, Mode, Plan, mode};
use crate::resolve::Context;
use crate::run::Supervision;
use crate::run::{Launch, TerminalMode};
use crate::supervise::Options;
use crate::supervise::clean::{self, Clean};
use crate::supervise::log::Log;
use crate::supervise::policy::{Policy, SupervisedLayer};
use crate::supervise::remember::Override;
use llrun_kernel::landlock::PreparedRuleset;
use std::time::Duration;

/// Runs the command of `args` in its sandbox and returns the exit code for llrun.
pub fn run(args: &RunArgs, ctx: &Context) -> Result<i32, Error> {
    let Some((program, rest)) = args.command.split_first() else {
        return Err(Error::Usage("no command given\n  = hint: llrun [--profile NAME] [--] COMMAND [ARGS…]; see `llrun --help`".into()));
    };
    let kernel = Kernel { abi: ctx.abi };
    let loaded = profiles::load(&args.profile.profiles, Some(program), ctx)?;
    make_directories(&loaded);
    let compiled = profiles::compile(&loaded, &kernel, compat(args.profile.compat))?;
    report(args, &loaded, &compiled, &kernel, live(args, &compiled));
    let mut rulesets = Vec::with_capacity(compiled.len());
    for layer in &compiled {
        let prepared = PreparedRuleset::prepare(&layer.plan)?;
        rulesets.push(prepared);
    }
    let terminal = match args.tty {
        TtyArg::Auto => TerminalMode::Auto,
        TtyArg::Pty => TerminalMode::Pty,
        TtyArg::Inherit => TerminalMode::Inherit,
    };
    let env = env::apply(&loaded.layers, &ctx.env);
    let live = live(args, &compiled);
    let (supervision, console) = if live || Policy::needs_supervisor(&compiled) {
        let live = live.then(|| Loader {
            profiles: args.profile.profiles.clone(),
            program: program.clone(),
            ctx: ctx.clone(),
            kernel,
            compat: compat(args.profile.compat),
        });
        let (s, console) = supervision(args, ctx, loaded, &compiled, program, terminal, live)?;
        (Some(s), console)
    } else {
        (None, None)
    };
    let launch = Launch {
        program: program.clone(),
        args: rest.to_vec(),
        env,
        rulesets,
        terminal,
        supervision,
        prompt: console,
    };
    let code = crate::run::run(launch)?;
    if live {
        // Following edits left inotify descriptors, whose last close takes milliseconds.
        let _ = llrun_kernel::linger::linger_inotify();
    }
    Ok(code)
}

/// Creates the directories the profiles name with `mkdir`, before compiling: a rule can only
/// attach to a directory that exists, and a program such as Firefox cannot create its own
/// `~/.config/mozilla` where the profile does not let it create anything else. Owner-only, with
/// the parents; one that cannot be created is reported and the run goes on (the rules that
/// name it are then reported missing, and nothing is widened).
fn make_directories(loaded: &Loaded) {
    use std::os::unix::fs::DirBuilderExt;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true).mode(0o700);
    for (dir, _) in loaded.layers.iter().flat_map(|l| &l.mkdirs) {
        if let Err(e) = builder.create(dir) {
            eprintln!(
                "llrun: warning: cannot create `{}` (the profile's `mkdir`): {e}",
                dir.display()
            );
        }
    }
}

/// Whether the run follows edits of its profile files: `--live`, `--no-live`, else when a
/// supervisor runs anyway (the profile has `ask` rules). A profile without asks thus keeps its
/// pure-Landlock start, with no trapped calls, unless live edits are asked for.
fn live(args: &RunArgs, compiled: &[CompiledLayer]) -> bool {
    args.live || (!args.no_live && Policy::needs_supervisor(compiled))
}

/// The supervised layer, who answers its asks, and (with `live`) how to reload the profiles.
fn supervision(
    args: &RunArgs,
    ctx: &Context,
    loaded: Loaded,
    compiled: &[CompiledLayer],
    program: &std::ffi::OsStr,
    terminal: TerminalMode,
    live: Option<Loader>,
) -> Result<(Supervision, Option<Console>), Error> {
    let mode = args.prompt.map(|p| match p {
        PromptArg::Tty => Mode::Tty,
        PromptArg::Socket => Mode::Socket,
        PromptArg::None => Mode::None,
    });
    let socket = args.prompt_socket.clone().or_else(mode::socket_from_env);
    let usable = mode::terminal_usable(terminal.wants_pty());
    let plan = Plan::choose(mode, socket, usable).map_err(|e| Error::Usage(e.to_string()))?;
    let (tx, answers) = std::sync::mpsc::channel();
    let started = plan
        .start(&Answers::new(tx), &program.to_string_lossy())
        .map_err(|e| Error::Usage(e.to_string()))?;
    if let Some(socket) = &started.socket {
        eprintln!(
            "llrun: asks are shown on {}; answer with `llrun prompt --socket {0}`",
            socket.path().display()
        );
    }
    let log = match &args.log {
        Some(path) => Log::open(path)
            .map_err(|e| Error::Usage(format!("cannot open the log {}: {e}", path.display())))?,
        None => Log::none(),
    };
    let first = loaded
        .layers
        .first()
        .map(|l| l.name.clone())
        .unwrap_or_default();
    let config_home = ctx
        .builtins
        .get("XDG_CONFIG_HOME")
        .cloned()
        .unwrap_or_default();
    // An edit may add any rule, so following edits traps every call; otherwise only those the
    // supervised layer decides on.
    let shape = if live.is_some() {
        llrun_kernel::seccomp::Shape::all()
    } else {
        crate::supervise::shape::of(&loaded.layers, compiled)
    };
    let clean = Clean::new(&loaded.layers, compiled, shape.sees_every_open());
    if clean::inherits_a_directory() {
        clean.taint();
    }
    let layers = loaded
        .layers
        .into_iter()
        .zip(compiled)
        .map(|(layer, c)| SupervisedLayer::new(layer, c))
        .collect();
    if let Some(socket) = &started.socket {
        socket.set_profile(report::initial(live.is_some(), 0));
    }
    let live = live.map(|loader| Live {
        loader,
        echo: started.console.is_none() && started.socket.is_none(),
        socket: started.socket,
    });
    let supervision = Supervision {
        policy: Policy::new(layers, loaded.sources, clean),
        shape,
        prompter: started.prompter,
        answers,
        log,
        options: Options {
            ask_timeout: (args.ask_timeout > 0).then(|| Duration::from_secs(args.ask_timeout)),
            remember: Some(Override::for_profile(&config_home, &first)),
            profile: first,
        },
        live,
    };
    Ok((supervision, started.console))
}

pub fn compat(arg: Option<CompatArg>) -> Option<Compat> {
    arg.map(|a| match a {
        CompatArg::Strict => Compat::Strict,
        CompatArg::BestEffort => Compat::BestEffort,
    })
}

/// What the user must know before the program starts: what is not enforced (always), what is
/// narrower than the profile (one line, unless `--quiet`), and with `--verbose` the details.
fn report(
    args: &RunArgs,
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
    if args.verbose {
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
                eprintln!("llrun:   {}", super::inspect::narrowing(n, &loaded.sources));
            }
        }
    } else if narrowed > 0 && !args.quiet {
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
