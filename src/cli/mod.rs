//! The command line: `llrun [OPTIONS] [--] CMD [ARGS…]` and the tools `check`, `compile`,
//! `explain`, `prompt` and `status`.

pub mod check;
pub mod explain;
pub mod inspect;
pub mod prompt;
pub mod run;
pub mod verdict;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "llrun",
    version,
    about = "Run a program inside the Landlock sandbox its profile describes",
    long_about = None,
    args_conflicts_with_subcommands = true,
    after_help = "Exit status: the command's own; 125 if llrun fails (including any profile error, before \
anything runs); 126 if the command cannot be executed; 127 if it is not found.\n\
To run a program named like a subcommand, put `--` before it: `llrun -- check`.\n\
See llrun(1) and llp(5)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub tool: Option<Tool>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Options that pick and interpret profiles.
#[derive(Debug, Args, Clone, Default)]
pub struct ProfileArgs {
    /// A profile name (searched on the profile path) or file; repeat to stack layers, each of
    /// which must allow an access
    #[arg(short = 'p', long = "profile", value_name = "NAME|PATH")]
    pub profiles: Vec<String>,
    /// Override the profiles' `compat`: refuse to run (strict) or run and report (best-effort)
    /// when the kernel cannot enforce something
    #[arg(long, value_enum, value_name = "MODE")]
    pub compat: Option<CompatArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CompatArg {
    Strict,
    BestEffort,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum TtyArg {
    /// A new pseudo-terminal when stdin is a terminal
    #[default]
    Auto,
    /// Always a new pseudo-terminal
    Pty,
    /// Keep llrun's standard streams (keystroke injection is still blocked)
    Inherit,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum PromptArg {
    /// The terminal llrun runs on (the program gets a pty of its own)
    Tty,
    /// A unix socket that `llrun prompt` and other clients attach to
    Socket,
    /// Nobody: every ask is denied at once
    None,
}

#[derive(Debug, Args, Clone, Default)]
pub struct RunArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,
    /// Print the Landlock ABI, the mechanisms chosen and the exactness report
    #[arg(short, long)]
    pub verbose: bool,
    /// Do not print the one-line note about narrowed accesses
    #[arg(short, long)]
    pub quiet: bool,
    /// How the program gets its terminal
    #[arg(long, value_enum, default_value_t)]
    pub tty: TtyArg,
    /// Who answers `ask` rules: the terminal, a socket (`llrun prompt`), or nobody (deny).
    /// Default: the terminal when llrun has one, plus the socket when a path is given
    #[arg(long, value_enum, value_name = "MODE")]
    pub prompt: Option<PromptArg>,
    /// The prompt socket for `llrun prompt` and other clients (also `LLRUN_PROMPT_SOCKET`)
    #[arg(long, value_name = "PATH")]
    pub prompt_socket: Option<PathBuf>,
    /// Deny an ask nobody answered after this many seconds (0: wait until answered)
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub ask_timeout: u64,
    /// Append one JSON line per supervised decision (and per profile reload) to FILE
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Follow edits of the profile files while the program runs (the default when the profile
    /// has `ask` rules); without `ask` rules this starts the supervisor
    #[arg(long, overrides_with = "no_live")]
    pub live: bool,
    /// Do not follow edits: the profile as loaded at start stays in force
    #[arg(long, overrides_with = "live")]
    pub no_live: bool,
    /// The program to run and its arguments
    #[arg(trailing_var_arg = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

#[derive(Debug, Subcommand)]
pub enum Tool {
    /// Check profile files; exit 0 if all are valid, 1 otherwise
    Check {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Print the Landlock rulesets the profiles compile to, one rule a line, and the exactness
    /// report
    Compile {
        #[command(flatten)]
        profile: ProfileArgs,
        /// Pick the profile as running COMMAND would (when no --profile is given)
        #[arg(value_name = "COMMAND")]
        command: Option<OsString>,
    },
    /// Explain the decision for a path: the deciding rule and how it is enforced
    Explain {
        #[command(flatten)]
        profile: ProfileArgs,
        /// Only these accesses (comma-separated access words, e.g. `read,write`)
        #[arg(long, value_name = "ACCESS")]
        access: Option<String>,
        /// Pick the profile as running COMMAND would (when no --profile is given)
        #[arg(long, value_name = "COMMAND")]
        command: Option<OsString>,
        /// Print one JSON object per path, one a line: the entries, and the verdict a program
        /// will meet for each right (granted, carried-out, asked or denied)
        #[arg(long)]
        json: bool,
        /// The paths to explain
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Answer a running llrun's asks from this terminal (or with a fixed --answer, for scripts)
    Prompt(prompt::PromptArgs),
    /// Show a running llrun's status: pending asks, the profile version in force, the last reload
    Status {
        /// The run's prompt socket (default as for `llrun prompt`)
        #[arg(long, value_name = "PATH")]
        socket: Option<PathBuf>,
    },
}

/// Runs what the command line asks for and returns llrun's exit code.
pub fn dispatch(cli: Cli) -> Result<i32, crate::error::Error> {
    let abi = kernel_abi();
    let ctx = crate::resolve::Context::from_process(abi);
    match cli.tool {
        None => run::run(&cli.run, &ctx),
        Some(Tool::Prompt(args)) => prompt::prompt(&args),
        Some(Tool::Status { socket }) => prompt::prompt(&prompt::PromptArgs {
            socket,
            status: true,
            ..Default::default()
        }),
        Some(Tool::Check { files }) => Ok(if check::check(&files, &ctx) { 0 } else { 1 }),
        Some(Tool::Compile { profile, command }) => {
            let (loaded, compiled) = load_and_compile(&profile, command.as_deref(), &ctx)?;
            print!(
                "{}",
                inspect::render(&loaded.layers, &compiled, &loaded.sources, abi)
            );
            Ok(0)
        }
        Some(Tool::Explain {
            profile,
            access,
            command,
            json,
            paths,
        }) => {
            let query = ExplainQuery {
                access: access.as_deref(),
                command: command.as_deref(),
                json,
            };
            explain_cmd(&profile, &query, &paths, &ctx)
        }
    }
}

/// The probed Landlock ABI, lowered by `LLRUN_ABI_CAP` if set. The cap can only pretend the
/// kernel is older, never newer: it exists so that strict and best-effort behaviour on old
/// kernels can be tested on a new one, and in strict mode it can only make llrun refuse more.
fn kernel_abi() -> u32 {
    let probed = llrun_kernel::landlock::probe_abi();
    match std::env::var("LLRUN_ABI_CAP")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
    {
        Some(cap) => probed.min(cap),
        None => probed,
    }
}

fn load_and_compile(
    profile: &ProfileArgs,
    command: Option<&std::ffi::OsStr>,
    ctx: &crate::resolve::Context,
) -> Result<(crate::profiles::Loaded, Vec<crate::compile::CompiledLayer>), crate::error::Error> {
    let loaded = crate::profiles::load(&profile.profiles, command, ctx)?;
    let kernel = crate::compile::support::Kernel { abi: ctx.abi };
    let compiled = crate::profiles::compile(&loaded, &kernel, run::compat(profile.compat))?;
    Ok((loaded, compiled))
}

/// What `llrun explain` was asked, besides the profiles and paths.
struct ExplainQuery<'a> {
    access: Option<&'a str>,
    command: Option<&'a std::ffi::OsStr>,
    json: bool,
}

fn explain_cmd(
    profile: &ProfileArgs,
    query: &ExplainQuery<'_>,
    paths: &[PathBuf],
    ctx: &crate::resolve::Context,
) -> Result<i32, crate::error::Error> {
    let (loaded, compiled) = load_and_compile(profile, query.command, ctx)?;
    let rights = match query.access {
        None => llrun_kernel::FsAccess::all(),
        Some(words) => {
            crate::policy::access::parse_list(words).map_err(crate::error::Error::Usage)?
        }
    };
    let explainer = explain::Explainer {
        layers: &loaded.layers,
        compiled: &compiled,
        sources: &loaded.sources,
        rights,
        supervision: verdict::Supervision::of(&loaded.layers, &compiled),
    };
    for given in paths {
        if query.json {
            println!("{}", explainer.json(given));
        } else {
            print!("{}", explainer.text(given));
        }
    }
    Ok(0)
}
