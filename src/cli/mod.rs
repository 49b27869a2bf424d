//! The command line: `llrun [OPTIONS] [--] CMD [ARGS…]` and the tools `check`, `compile`,
//! `explain`, `prompt` and `status`. Only the arguments and the dispatch: what they mean is
//! decided in the library ([`crate::setup`] for a run, [`crate::explain`] for the tools), and
//! what the tools print goes through [`crate::output`].

pub mod check;
pub mod prompt;

use crate::explain::{Explainer, rulesets};
use crate::failure::Failure;
use crate::output;
use crate::policy::Compat;
use crate::prompt::Mode;
use crate::resolve::Context;
use crate::run::TerminalMode;
use crate::setup::{self, Request};
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
        /// Explain connecting to the paths as unix sockets (`connect unix` rules): the same as
        /// `--access fs.resolve_unix`
        #[arg(long, conflicts_with = "access")]
        socket: bool,
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
pub fn dispatch(cli: Cli) -> Result<i32, Failure> {
    let abi = setup::kernel_abi();
    let ctx = Context::from_process(abi);
    match cli.tool {
        None => setup::run(&cli.run.request(), &ctx),
        Some(Tool::Prompt(args)) => prompt::prompt(&args),
        Some(Tool::Status { socket }) => prompt::prompt(&prompt::PromptArgs {
            socket,
            status: true,
            ..Default::default()
        }),
        Some(Tool::Check { files }) => Ok(if check::check(&files, &ctx) { 0 } else { 1 }),
        Some(Tool::Compile { profile, command }) => {
            let (loaded, compiled) = profile.load_and_compile(command.as_deref(), &ctx)?;
            output::print(&rulesets::render(
                &loaded.layers,
                &compiled,
                &loaded.sources,
                abi,
            ))?;
            Ok(0)
        }
        Some(Tool::Explain {
            profile,
            access,
            socket,
            command,
            json,
            paths,
        }) => {
            let (loaded, compiled) = profile.load_and_compile(command.as_deref(), &ctx)?;
            let rights = access
                .as_deref()
                .map(crate::policy::access::parse_list)
                .transpose()
                .map_err(crate::error::Error::Usage)?
                .or(socket.then_some(llrun_kernel::FsAccess::RESOLVE_UNIX));
            let explainer = Explainer::new(&loaded, &compiled, rights);
            for given in &paths {
                if json {
                    output::println(&explainer.json(given))?;
                } else {
                    output::print(&explainer.text(given))?;
                }
            }
            Ok(0)
        }
    }
}

impl ProfileArgs {
    fn load_and_compile(
        &self,
        command: Option<&std::ffi::OsStr>,
        ctx: &Context,
    ) -> Result<(crate::profiles::Loaded, Vec<crate::compile::CompiledLayer>), Failure> {
        let compat = self.compat.map(Compat::from);
        Ok(setup::load_and_compile(
            &self.profiles,
            compat,
            command,
            ctx,
        )?)
    }
}

impl RunArgs {
    /// The run these arguments ask for.
    fn request(&self) -> Request {
        Request {
            profiles: self.profile.profiles.clone(),
            compat: self.profile.compat.map(Compat::from),
            verbose: self.verbose,
            quiet: self.quiet,
            terminal: self.tty.into(),
            prompt: self.prompt.map(Mode::from),
            prompt_socket: self.prompt_socket.clone(),
            ask_timeout: (self.ask_timeout > 0)
                .then(|| std::time::Duration::from_secs(self.ask_timeout)),
            log: self.log.clone(),
            live: match (self.live, self.no_live) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
            command: self.command.clone(),
        }
    }
}

impl From<CompatArg> for Compat {
    fn from(arg: CompatArg) -> Compat {
        match arg {
            CompatArg::Strict => Compat::Strict,
            CompatArg::BestEffort => Compat::BestEffort,
        }
    }
}

impl From<TtyArg> for TerminalMode {
    fn from(arg: TtyArg) -> TerminalMode {
        match arg {
            TtyArg::Auto => TerminalMode::Auto,
            TtyArg::Pty => TerminalMode::Pty,
            TtyArg::Inherit => TerminalMode::Inherit,
        }
    }
}

impl From<PromptArg> for Mode {
    fn from(arg: PromptArg) -> Mode {
        match arg {
            PromptArg::Tty => Mode::Tty,
            PromptArg::Socket => Mode::Socket,
            PromptArg::None => Mode::None,
        }
    }
}
