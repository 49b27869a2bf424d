//! llrun: run a program inside the Landlock sandbox its profile describes.
//!
//! The pipeline reads top-down through the modules:
//! [`parse`] (text → syntax tree) → [`resolve`] (includes, variables, conditionals → one flat
//! policy per layer) → [`compile`] (policy → Landlock rulesets, a supervised layer, and an
//! exactness report) → [`run`] (fork, restrict, exec, wait). While a supervised program runs,
//! [`supervise`] answers its trapped calls and [`live`] follows edits of its profile files.
//!
//! Around the pipeline: [`setup`] turns a run's request into a launch (load, compile, report,
//! assemble the supervisor), [`explain`] tells what the profiles decide and enforce (`llrun
//! explain`, `llrun compile`), and [`cli`] only defines the arguments and dispatches. Errors
//! sit at the leaves ([`error`] for profiles and usage, one type per stage beside it);
//! [`failure`] gathers them for `main`, and llrun's own stdout goes through [`output`].

pub mod cli;
pub mod compile;
pub mod diag;
pub mod error;
pub mod explain;
pub mod failure;
pub mod live;
pub mod output;
pub mod parse;
pub mod policy;
pub mod private;
pub mod profiles;
pub mod prompt;
pub mod resolve;
pub mod run;
pub mod setup;
pub mod source;
pub mod supervise;
