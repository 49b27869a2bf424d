//! llrun: run a program inside the Landlock sandbox its profile describes.
//!
//! The pipeline reads top-down through the modules:
//! [`parse`] (text → syntax tree) → [`resolve`] (includes, variables, conditionals → one flat
//! policy per layer) → [`compile`] (policy → Landlock rulesets, a supervised layer, and an
//! exactness report) → [`run`] (fork, restrict, exec, wait). While a supervised program runs,
//! [`supervise`] answers its trapped calls and [`live`] follows edits of its profile files.

pub mod cli;
pub mod compile;
pub mod diag;
pub mod error;
pub mod live;
pub mod parse;
pub mod policy;
pub mod private;
pub mod profiles;
pub mod prompt;
pub mod resolve;
pub mod run;
pub mod source;
pub mod supervise;
