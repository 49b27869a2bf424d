//! Setting up a run from what the user asked for: load and compile the profiles, report what
//! is not exact, prepare the Landlock rulesets, assemble the supervisor when one is needed
//! ([`supervision`]), and hand the whole [`Launch`] to [`crate::run`].
//!
//! The command line (`cli`) only turns its arguments into a [`Request`]; everything decided
//! from them is decided here.

pub mod dbus;
mod report;
pub mod supervision;

use crate::compile::CompiledLayer;
use crate::compile::support::Kernel;
use crate::error::Error;
use crate::failure::Failure;
use crate::live::reload::Loader;
use crate::policy::{Compat, env};
use crate::profiles::{self, Loaded};
use crate::prompt::Mode;
use crate::resolve::Context;
use crate::run::{Launch, TerminalMode};
use crate::supervise::policy::Policy;
use llrun_kernel::landlock::PreparedRuleset;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::time::Duration;

/// What a run is asked to be (`llrun [OPTIONS] [--] COMMAND [ARGS…]`).
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `--profile` values, in order; none: the command's own profile, or `default`.
    pub profiles: Vec<String>,
    /// `--compat`, overriding the profiles'.
    pub compat: Option<Compat>,
    pub verbose: bool,
    pub quiet: bool,
    pub terminal: TerminalMode,
    /// Who answers `ask` rules; `None`: the terminal when llrun has one, plus the socket.
    pub prompt: Option<Mode>,
    pub prompt_socket: Option<PathBuf>,
    /// An ask nobody answers is denied after this long (`None`: it waits).
    pub ask_timeout: Option<Duration>,
    /// The `--log` file.
    pub log: Option<PathBuf>,
    /// `--live` (`Some(true)`), `--no-live` (`Some(false)`), or neither.
    pub live: Option<bool>,
    /// The program and its arguments.
    pub command: Vec<OsString>,
}

/// Runs the command of `request` in its sandbox and returns the exit code for llrun.
pub fn run(request: &Request, ctx: &Context) -> Result<i32, Failure> {
    let Some((program, rest)) = request.command.split_first() else {
        return Err(Error::NoCommand.into());
    };
    let kernel = Kernel { abi: ctx.abi };
    let mut loaded = profiles::load(&request.profiles, Some(program), ctx)?;
    make_directories(&loaded);
    let compat = strictest(request, &loaded);
    let bus = dbus::set_up(&mut loaded.layers, &ctx.env, compat)?;
    if let dbus::Bus::None { notice: Some(n) } = &bus
        && !request.quiet
    {
        eprintln!("llrun: note: {n}");
    }
    let compiled = profiles::compile(&loaded, &kernel, request.compat)?;
    let live = live(request, &compiled);
    report::before_start(request, &loaded, &compiled, &kernel, live);
    let mut rulesets = Vec::with_capacity(compiled.len());
    for layer in &compiled {
        let prepared = PreparedRuleset::prepare(&layer.plan)?;
        rulesets.push(prepared);
    }
    let mut env = env::apply(&loaded.layers, &ctx.env);
    dbus::environment(&mut env, &bus);
    let bus_socket = match &bus {
        dbus::Bus::Filtered(p) => Some(p.socket().to_path_buf()),
        dbus::Bus::None { .. } => None,
    };
    let (supervision, console) = if live || Policy::needs_supervisor(&compiled) {
        let live = live.then(|| Loader {
            profiles: request.profiles.clone(),
            program: program.clone(),
            ctx: ctx.clone(),
            kernel,
            compat: request.compat,
            bus_socket: bus_socket.clone(),
        });
        let (s, console) = supervision::assemble(request, ctx, loaded, &compiled, program, live)?;
        (Some(s), console)
    } else {
        (None, None)
    };
    let launch = Launch {
        program: program.clone(),
        args: rest.to_vec(),
        env,
        rulesets,
        terminal: request.terminal,
        supervision,
        prompt: console,
        // A proxy llrun started needs llrun alive: it ends when llrun's end of it closes.
        stay_outside: bus_socket.is_some(),
    };
    let code = crate::run::run(launch)?;
    drop(bus);
    if live {
        // Following edits left inotify descriptors, whose last close takes milliseconds.
        let _ = llrun_kernel::linger::linger_inotify();
    }
    Ok(code)
}

/// The probed Landlock ABI, lowered by `LLRUN_ABI_CAP` if set. The cap can only pretend the
/// kernel is older, never newer: it exists so that strict and best-effort behaviour on old
/// kernels can be tested on a new one, and in strict mode it can only make llrun refuse more.
pub fn kernel_abi() -> u32 {
    let probed = llrun_kernel::landlock::probe_abi();
    match std::env::var("LLRUN_ABI_CAP")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
    {
        Some(cap) => probed.min(cap),
        None => probed,
    }
}

/// Loads the profiles (or those of `command`) and compiles them for this kernel, as a run
/// would: what `llrun compile` and `llrun explain` show.
pub fn load_and_compile(
    profiles: &[String],
    compat: Option<Compat>,
    command: Option<&OsStr>,
    ctx: &Context,
) -> Result<(Loaded, Vec<CompiledLayer>), Error> {
    let loaded = profiles::load(profiles, command, ctx)?;
    let kernel = Kernel { abi: ctx.abi };
    let compiled = profiles::compile(&loaded, &kernel, compat)?;
    Ok((loaded, compiled))
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

/// The compat mode that decides what a missing feature outside Landlock means (the D-Bus
/// proxy): `--compat`, else strict if any layer is.
fn strictest(request: &Request, loaded: &Loaded) -> Compat {
    request.compat.unwrap_or_else(|| {
        if loaded.layers.iter().any(|l| l.compat == Compat::Strict) {
            Compat::Strict
        } else {
            Compat::BestEffort
        }
    })
}

/// Whether the run follows edits of its profile files: `--live`, `--no-live`, else when a
/// supervisor runs anyway for `ask` rules. A profile without asks thus traps no file calls
/// unless live edits are asked for (only `connect`, where unix sockets need the supervisor).
fn live(request: &Request, compiled: &[CompiledLayer]) -> bool {
    // Following edits traps every call a new `ask` could need; a supervisor that runs only for
    // unix sockets traps `connect` alone, so it does not turn live edits on.
    request
        .live
        .unwrap_or_else(|| compiled.iter().any(|c| c.has_asks))
}
