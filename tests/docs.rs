//! The grammar is written once, in `grammar/llp.pest`, and the reference documents quote it.
//! These tests keep the quotes equal to the file, so a grammar change that forgets the docs
//! fails here rather than leaving the manual describing another language.

use std::fs;
use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn grammar() -> String {
    read("grammar/llp.pest")
}

/// The text between the line `start` and the next line `end`, each line ending in `\n`.
fn block(document: &str, start: &str, end: &str) -> Option<String> {
    let mut lines = document.lines();
    lines.by_ref().find(|line| *line == start)?;
    let mut quoted = String::new();
    for line in lines {
        if line == end {
            return Some(quoted);
        }
        quoted.push_str(line);
        quoted.push('\n');
    }
    None
}

/// Undoes what roff needs in an example block: `\e` for a backslash, and `\&` before a line
/// that would otherwise start with a control character.
fn unroff(block: &str) -> String {
    block
        .lines()
        .map(|line| {
            line.strip_prefix("\\&")
                .unwrap_or(line)
                .replace("\\e", "\\")
                + "\n"
        })
        .collect()
}

#[test]
fn the_language_reference_quotes_the_grammar_file_verbatim() {
    let document = read("docs/language.md");
    let quoted = block(&document, "```pest", "```")
        .expect("docs/language.md has no ```pest block: add the grammar under \"## Grammar\"");
    assert!(
        quoted == grammar(),
        "docs/language.md's ```pest block differs from grammar/llp.pest: copy the file into it"
    );
}

#[test]
fn the_manual_page_quotes_the_grammar_file_verbatim() {
    let document = read("man/llp.5");
    let after_heading = document
        .split_once(".SH GRAMMAR\n")
        .expect("man/llp.5 has no GRAMMAR section")
        .1;
    let quoted = block(after_heading, ".EX", ".EE").expect("llp(5)'s GRAMMAR has no .EX block");
    assert!(
        unroff(&quoted) == grammar(),
        "llp(5)'s GRAMMAR example differs from grammar/llp.pest: copy the file into it, with \
         each \\ written \\e and a leading . or ' preceded by \\&"
    );
}

#[test]
fn the_manual_page_escapes_what_roff_would_read_as_its_own() {
    let document = read("man/llp.5");
    let quoted = block(
        document.split_once(".SH GRAMMAR\n").unwrap().1,
        ".EX",
        ".EE",
    )
    .unwrap();
    for line in quoted.lines() {
        assert!(
            !line.starts_with(['.', '\'']),
            "roff would read this grammar line as a request: {line}"
        );
        assert!(
            !line.replace("\\e", "").replace("\\&", "").contains('\\'),
            "a bare backslash in llp(5)'s grammar would be read as a roff escape: {line}"
        );
    }
}
