//! Hostile sizes: long lines, deep nesting, big files. One clear error, no panic, linear time.

use super::*;
use std::time::{Duration, Instant};

#[test]
fn a_megabyte_line_is_refused_quickly() {
    let text = format!("allow read /x\nallow read /{}\n", "a".repeat(1 << 20));
    let start = Instant::now();
    fails(
        &text,
        "2:1: error: line 2 is 1025 KiB long; lines are limited to 64 KiB",
        "split the statement",
    );
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn a_line_just_under_the_limit_parses() {
    let long = format!(
        "allow read /{}",
        "a".repeat(super::super::text::MAX_LINE - 12)
    );
    assert_eq!(long.len(), super::super::text::MAX_LINE);
    assert_eq!(stmts(&long).len(), 1);
}

#[test]
fn nesting_is_capped() {
    let ok = format!(
        "{}allow read /x\n{}",
        "if env A {\n".repeat(64),
        "}\n".repeat(64)
    );
    assert_eq!(stmts(&ok).len(), 1);
    let deep = format!("{}{}", "if env A {\n".repeat(10_000), "}\n".repeat(10_000));
    fails(
        &deep,
        "65:1: error: `if` blocks nest more than 64 deep",
        "combine conditions or move the inner blocks",
    );
}

/// Inputs whose cost could grow faster than their size if a scan restarted at every position.
#[test]
fn pathological_lines_are_linear() {
    let cases = [
        format!("allow read {}", "${A}".repeat(12_000)),
        format!("allow read \"{}\"", "\\\"".repeat(30_000)),
        format!("allow read \"{}", "x".repeat(60_000)),
        format!("allow read {}", "\" ".repeat(30_000)),
        format!("allow {} /x", "read,".repeat(12_000) + "read"),
        format!("allow connect tcp {}", "1-2,".repeat(12_000) + "80"),
        format!("env set {}", "A=\"b\" ".repeat(10_000)),
        "allow read /x \\\n".repeat(20_000) + "/y",
    ];
    for text in cases {
        let start = Instant::now();
        let _ = run(&text);
        assert!(start.elapsed() < Duration::from_secs(2), "{}…", &text[..40]);
    }
}

/// A profile of `n` varied rules, roughly as real profiles mix them.
pub fn big_profile(n: usize) -> String {
    let mut text = String::from("# generated\ninclude <abstractions/base>\n");
    for i in 0..n {
        let line = match i % 5 {
            0 => format!("allow read,exec /usr/lib/app{i}/bin\n"),
            1 => format!("deny all ${{HOME}}/.secret{i} \"/data/with space {i}\"   # why\n"),
            2 => format!("if exists /opt/x{i} {{\n    allow rw /opt/x{i}/**/*.{{txt,md}}\n}}\n"),
            3 => format!(
                "allow connect tcp 80,443,{}-{}\n",
                1000 + i % 1000,
                2000 + i % 1000
            ),
            _ => format!("ask rw ~/Documents/project{i}\n"),
        };
        text.push_str(&line);
    }
    text
}

#[test]
fn ten_thousand_rules() {
    let text = big_profile(10_000);
    let mut sources = SourceMap::new();
    let file = sources.add(PathBuf::from("big.llp"), text.as_str().into(), None);
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let parsed = parse(&sources, file).unwrap();
        best = best.min(start.elapsed());
        assert_eq!(parsed.stmts.len(), 10_001);
    }
    eprintln!(
        "parse of 10,000 rules ({} KiB): {best:?}",
        text.len() / 1024
    );
    // A guard against accidental quadratic behaviour, with room for a loaded machine: a
    // release build takes about 12 ms, a debug build about 200 ms.
    let limit = if cfg!(debug_assertions) { 2000 } else { 50 };
    assert!(best < Duration::from_millis(limit), "{best:?}");
}

/// Throughput of the lexer alone and of the whole parse on a few shapes of input. A benchmark,
/// not a check: `cargo test --release --lib lexer_throughput -- --ignored --nocapture`.
#[test]
#[ignore]
fn lexer_throughput() {
    use pest::Parser as _;
    let cases = [
        ("big", big_profile(10_000)),
        (
            "plain",
            (0..10_000)
                .map(|i| format!("allow read /usr/lib/app{i}/bin\n"))
                .collect::<String>(),
        ),
        (
            "comments",
            "# a comment line that is about forty b\n".repeat(11_000),
        ),
        (
            "longwords",
            "/usr/lib/a/very/long/path/name/of/forty\n".repeat(11_000),
        ),
        (
            "shortwords",
            "a b c d e f g h i j k l m n o p q r s\n".repeat(11_000),
        ),
    ];
    for (name, text) in cases {
        let (mut pest, mut full) = (Duration::MAX, Duration::MAX);
        let mut sources = SourceMap::new();
        let file = sources.add(PathBuf::from("big.llp"), text.as_str().into(), None);
        for _ in 0..30 {
            let t = Instant::now();
            let pairs =
                super::super::grammar::LlpParser::parse(super::super::grammar::Rule::file, &text)
                    .unwrap();
            pest = pest.min(t.elapsed());
            drop(pairs);
            let t = Instant::now();
            let parsed = parse(&sources, file);
            full = full.min(t.elapsed());
            drop(parsed);
        }
        eprintln!(
            "{name:>10} {:>4} KiB pest {pest:>10.2?} full {full:>10.2?}",
            text.len() / 1024
        );
    }
}

/// Random soups of the language's own fragments (the inputs most likely to reach odd corners),
/// plus arbitrary characters: the parser must answer every one without panicking.
#[test]
fn random_input_never_panics() {
    const PIECES: &[&str] = &[
        "allow",
        "deny",
        "ask",
        "read",
        "exec",
        "all",
        "fs.make_sock",
        "fs.",
        ",",
        "connect",
        "bind",
        "tcp",
        "udp",
        "80",
        "0",
        "70000",
        "1-2",
        "2-1",
        "*",
        "-",
        "include",
        "include?",
        "<",
        ">",
        "<a/b>",
        "..",
        "set",
        "=",
        "X",
        "env",
        "keep",
        "unset",
        "if",
        "not",
        "exists",
        "abi",
        ">=",
        "{",
        "}",
        "else",
        "isolate",
        "signals",
        "require",
        "compat",
        "strict",
        "\"",
        "\\",
        "\\\"",
        "\\$",
        "$",
        "${",
        "${A}",
        "}",
        "#",
        " ",
        " ",
        "\t",
        "\n",
        "\n",
        "\r\n",
        "/",
        "~",
        "é",
        "日",
        "\u{FEFF}",
        "\u{85}",
        "\u{FFFD}",
        "\0",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..10_000 {
        let len = next() % 24;
        let text: String = (0..len)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        let mut sources = SourceMap::new();
        let file = sources.add(PathBuf::from("r.llp"), text.as_str().into(), None);
        if let Err(e) = parse(&sources, file) {
            // Rendering must not panic either, and every error has a hint.
            assert!(e.render(&sources).contains("= hint: "), "{text:?}");
            let (start, end) = (e.span.start, e.span.end);
            assert!(start <= end && end <= text.len(), "{text:?}: {e:?}");
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "{text:?}: {e:?}"
            );
        }
    }
}
