//! Assembling the supervisor of a run: who answers its asks, its log, the supervised layers,
//! the calls its filter traps, and (with live edits) how to load the profiles again. The
//! result, a [`Supervision`], is started by `run` once the program's listener is in hand.

use super::Request;
use crate::compile::CompiledLayer;
use crate::failure::Failure;
use crate::live::reload::Loader;
use crate::live::{Live, report};
use crate::profiles::Loaded;
use crate::prompt::tty::Console;
use crate::prompt::{Answers, Plan, mode};
use crate::resolve::Context;
use crate::run::Supervision;
use crate::supervise::Options;
use crate::supervise::clean::{self, Clean};
use crate::supervise::log::Log;
use crate::supervise::policy::{Policy, SupervisedLayer};
use crate::supervise::remember::Override;

/// The supervised layer, who answers its asks, and (with `live`) how to reload the profiles;
/// the terminal prompt's event-loop side when the terminal answers.
pub fn assemble(
    request: &Request,
    ctx: &Context,
    loaded: Loaded,
    compiled: &[CompiledLayer],
    program: &std::ffi::OsStr,
    live: Option<Loader>,
) -> Result<(Supervision, Option<Console>), Failure> {
    let socket = request.prompt_socket.clone().or_else(mode::socket_from_env);
    let usable = mode::terminal_usable(request.terminal.wants_pty());
    let plan = Plan::choose(request.prompt, socket, usable)?;
    let (tx, answers) = std::sync::mpsc::channel();
    let started = plan.start(&Answers::new(tx), &program.to_string_lossy())?;
    if let Some(socket) = &started.socket {
        eprintln!(
            "llrun: asks are shown on {}; answer with `llrun prompt --socket {0}`",
            socket.path().display()
        );
    }
    let log = match &request.log {
        Some(path) => Log::open(path).map_err(|source| Failure::Log {
            path: path.clone(),
            source,
        })?,
        None => Log::none(),
    };
    let first = loaded
        .layers
        .first()
        .map(|l| l.name.clone())
        .unwrap_or_default();
    // Named after the file, as the resolver names the override it reads (`--profile foo.bar`
    // is `foo.bar.llp`).
    let top = loaded
        .layers
        .first()
        .map(|l| l.path.to_string_lossy().into_owned())
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
    // The scan reads every descriptor's fdinfo (about 250 for a shipped profile, whose rule
    // descriptors are still open): only worth it where clean directories matter, for opens.
    if shape.traps_opens() && clean::inherits_a_directory() {
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
            ask_timeout: request.ask_timeout,
            remember: Some(Override::for_profile(&config_home, &top)),
            profile: first,
        },
        live,
    };
    Ok((supervision, started.console))
}
