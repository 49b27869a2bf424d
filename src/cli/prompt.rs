//! `llrun prompt`: answer a running llrun's asks from another terminal, or by a fixed rule.

use crate::failure::Failure;
use crate::output;
use crate::prompt::client::{self, Connection, interactive, script};
use crate::prompt::{Decision, Scope};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args, Clone, Default)]
pub struct PromptArgs {
    /// The run's prompt socket (default: $LLRUN_PROMPT_SOCKET, else the only running llrun's
    /// socket in $XDG_RUNTIME_DIR/llrun/)
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Answer every ask this way without asking (for scripts)
    #[arg(long, value_enum, value_name = "ANSWER")]
    pub answer: Option<AnswerArg>,
    /// With --answer: stop after this many answers
    #[arg(long, value_name = "N", requires = "answer")]
    pub count: Option<usize>,
    /// Print the run's status (asks pending, clients) and exit
    #[arg(long, conflicts_with_all = ["answer", "count"])]
    pub status: bool,
}

/// A fixed answer for `--answer`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum AnswerArg {
    AllowOnce,
    AllowRun,
    AllowAlways,
    DenyOnce,
    DenyRun,
    DenyAlways,
}

impl AnswerArg {
    fn policy(self) -> script::Policy {
        let (decision, scope) = match self {
            AnswerArg::AllowOnce => (Decision::Allow, Scope::Once),
            AnswerArg::AllowRun => (Decision::Allow, Scope::Run),
            AnswerArg::AllowAlways => (Decision::Allow, Scope::Always),
            AnswerArg::DenyOnce => (Decision::Deny, Scope::Once),
            AnswerArg::DenyRun => (Decision::Deny, Scope::Run),
            AnswerArg::DenyAlways => (Decision::Deny, Scope::Always),
        };
        script::Policy { decision, scope }
    }
}

/// Runs the client; 0 when llrun ended (or `--count` was reached).
pub fn prompt(args: &PromptArgs) -> Result<i32, Failure> {
    let at = client::find_socket(args.socket.clone())?;
    let mut conn = Connection::open(&at)?;
    if args.status {
        output::println(&script::status(&mut conn)?)?;
        return Ok(0);
    }
    match args.answer {
        Some(answer) => script::run(&mut conn, answer.policy(), args.count)?,
        None => interactive::run(conn)?,
    }
    Ok(0)
}
