//! The attacker's test suite: real programs under llrun try to get out of the static sandbox.
//!
//! Every test runs an attack on the real kernel and passes only if the attack fails. Where it is
//! cheap, the same attack is first shown to succeed without the protection (no llrun, or a
//! profile without the rule under test), so that a test cannot pass because the attack itself
//! was broken. `docs/security.md` names the test behind each claim it makes.
//!
//! Attacks that get out today are here too, marked `#[ignore = "escape: …"]`: run them with
//! `cargo test --test escape -- --ignored`. The tests in [`limits`] pin down what llrun does not
//! defend (as documented); they fail the day that changes, so the documentation can follow.
//!
//! One module per attack family; [`attack`] holds the tools they share.

#[path = "../common/mod.rs"]
mod common;

mod attack;
mod carving;
mod cli;
mod dbus;
mod exec;
mod limits;
mod namespaces;
mod network;
mod paths;
mod persistence;
mod privilege;
mod processes;
mod prompt;
mod races;
mod terminal;
mod unix_sockets;
