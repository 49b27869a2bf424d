//! Disagreements the random cases found, shrunk, each a named test; and, marked ignored, the
//! promises of the design those cases showed broken (they pass once fixed).
//!
//! Each case is in the text form of [`crate::case`]: `@` is the tree's root, the layers get
//! the rules a program needs to start, and `answers N` salts the scripted client's answers.

use crate::case::{Case, Pair};
use crate::differ;
use crate::run::Setup;

/// Runs one shrunk case on its pair and fails on any disagreement.
fn agrees(case: &str, pair: &str) {
    agree(case, &[pair]);
}

/// Runs a case on its pairs, in order, and fails on any disagreement.
fn agree(case: &str, pairs: &[&str]) {
    let case = Case::parse(case);
    let pairs: Vec<Pair> = pairs.iter().map(|p| Pair::parse(p)).collect();
    let found = differ::check(&case, &pairs);
    let text: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert!(found.is_empty(), "{case}{}", text.join(""));
}

/// What the program gets for `pair` under `case` (`ok` or an errno name).
fn result(case: &str, pair: &str) -> String {
    let case = Case::parse(case);
    let setup = Setup::new(&case);
    setup.attempt(&case, &[Pair::parse(pair)]).results.remove(0)
}

/// Found as: explain predicted `denied` for the new file's write right, which no ask covers
/// and carving could not grant (the file did not exist), while the supervisor, trapping the
/// create for its ask, carried the write out. Explain now asks whether the filter traps the
/// call that uses a right, not only whether the right is asked about or narrowed.
#[test]
fn an_ask_about_creating_has_the_supervisor_carry_out_the_new_files_write() {
    agrees(
        "layer
         allow write @/*
         ask create @
         answers 585",
        "create @ b",
    );
}

/// Found as: explain predicted an ask for reading a file through a symlink in a directory
/// Landlock grants; the supervisor's fast path let the open through on its name, and Landlock
/// refused the real file. Now a symlink on the way takes the slow path, and the file is asked
/// about, as explain predicts.
#[test]
fn a_symlink_from_a_granted_directory_into_an_asked_place_is_asked_about() {
    agrees(
        "dir @/ab
         file @/y.txt
         link @/ab/ab -> @/y.txt
         layer
         allow read @/ab
         ask read @
         answers 120",
        "read @/ab/ab",
    );
}

/// The same, where the `ask` pattern itself names the symlink: patterns are resolved, so the
/// rule is about the file the link points to, and the link's own name is granted.
#[test]
fn an_ask_written_through_a_symlink_is_about_its_target() {
    agrees(
        "dir @/b
         file @/xy
         link @/b/xy -> @/xy
         layer
         allow read @
         ask read @/b/xy
         answers 72",
        "read @/b/xy",
    );
}

/// The same for listing a carved directory through a symlink from a granted one: refused,
/// not carried out.
#[test]
fn listing_a_carved_directory_through_a_symlink_is_refused() {
    agrees(
        "dir @/a
         dir @/a/b
         link @/a/y.txt -> @/a
         link @/a/b/ab -> @/a/y.txt
         layer
         allow list @
         ask list @/a*/ba
         answers 860",
        "list @/a/b/ab",
    );
}

/// Found as: explain applied the fast path to a new file's write right, but creating opens
/// (`O_CREAT`) never take it: the supervisor carries the write out.
#[test]
fn creating_through_a_linked_directory_is_not_on_the_fast_path() {
    agrees(
        "dir @/ab
         dir @/xy
         link @/ab/b -> @/xy
         layer
         allow rw @/*
         ask write @/xy/b
         answers 341",
        "create @/ab/b ab",
    );
}

/// The design: a glob that can match files created later is honoured at run time, and what
/// carving cannot give, the supervisor recovers whenever one runs. Here a supervisor runs (for
/// an unrelated `ask delete`), the profile allows writing `@/b`, and creating it is allowed,
/// but the write is refused: the glob's future match is in no narrowing report, so the filter
/// does not trap opens for writing (`llrun compile` says nothing either).
#[test]
fn a_file_a_glob_allows_is_written_when_a_supervisor_runs() {
    let case = "layer
        allow create @
        allow write @/*
        ask delete @/zzz
        answers 0";
    agrees(case, "create @ b");
    assert_eq!(result(case, "create @ b"), "ok");
}

/// The design: the supervisor decides on the real target, and recovers what carving cost. A
/// read through a symlink in a granted directory skips it (the fast path decides on the name),
/// so an ask the person would allow is refused without being asked.
#[test]
fn a_read_through_a_symlink_into_an_asked_place_is_asked() {
    let case = "dir @/ab
        file @/y.txt
        link @/ab/ab -> @/y.txt
        layer
        allow read @/ab
        ask read @
        answers 120";
    assert_eq!(result(case, "read @/ab/ab"), "ok");
}

/// Found while writing the scripted client: an answer without a pattern is about its exact
/// target, but the supervisor reads the target's path as a pattern. A person who allows
/// reading the file `a*` for the run has allowed `ab` too, which is then read unasked (and
/// "always" writes the same glob into the override file). Here the client would deny `ab`.
#[test]
fn an_answer_about_a_file_named_like_a_glob_covers_only_that_file() {
    agree(
        "dir @/d
         file @/d/a*
         file @/d/ab
         layer
         ask read @/d
         scope run
         answers 0",
        &["read @/d/a*", "read @/d/ab"],
    );
}

/// Found as: under a supervisor (here for an `ask delete`), a shell's `echo x > DEVICE`
/// (`O_WRONLY | O_CREAT | O_TRUNC`) was refused for want of the truncate right, which the
/// kernel does not ask for on a device (it ignores `O_TRUNC` there); `/dev/null` was refused
/// so in every supervised run. The supervisor now asks for what the kernel asks, by file type.
#[test]
fn a_device_opened_to_overwrite_needs_no_truncate_right_under_a_supervisor() {
    agrees(
        "dir @/x.txt
         device @/x.txt/y.txt
         layer
         allow write @
         ask delete @/x.txt
         answers 70",
        "overwrite @/x.txt/y.txt",
    );
}

/// The same for a FIFO (asked about its write, which is all it needs) and a socket's file
/// (whose open the kernel refuses with `ENXIO` once Landlock let it by).
#[test]
fn a_fifo_or_a_socket_opened_to_overwrite_needs_no_truncate_right() {
    agrees(
        "fifo @/ab
         layer
         ask write @/ab
         reach relative
         answers 843",
        "overwrite @/ab",
    );
    agrees(
        "dir @/ba
         dir @/ba/ab
         socket @/ba/ab/a
         layer
         allow write @
         ask list @/*/ab/xy
         reach relative
         answers 791",
        "overwrite @/ba/ab/a",
    );
}

/// Found with the above: `creat()` or a shell's `>` making a new file was refused where
/// truncating is not allowed, but the kernel never truncates a file its open created.
#[test]
fn a_new_file_made_by_overwriting_needs_no_truncate_right() {
    agrees(
        "layer
         allow create @
         ask truncate @/x.t?t
         allow write @
         reach relative
         answers 107",
        "overwrite @/b",
    );
}

/// Found with the above: a directory opened for reading without `O_DIRECTORY` needs
/// `read_dir`, but the fast path, which does not look at what it opens, checked `read_file`
/// alone and let Landlock refuse what the supervisor carries out. It now checks every right an
/// open could need on any kind of file.
#[test]
fn a_directory_read_without_o_directory_is_decided_on_read_dir() {
    agrees(
        "layer
         ask list @/x.txt/a/ab/xy
         allow read @
         answers 864",
        "read @",
    );
}
