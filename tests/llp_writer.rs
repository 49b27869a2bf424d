//! Property: whatever bytes a program names a file with, the rule llrun writes for it reads
//! back (lexer, parser, resolver) as a pattern for exactly that path, or the writer refuses it,
//! and only for the documented reasons (a control character other than newline and tab, or a
//! name that is not UTF-8). A seeded generator, biased towards what the lexer, the variables and
//! the globs treat specially; each failure prints its seed and case.

use llrun::parse::write::{self, Unwritable};
use llrun::policy::RuleKind;
use llrun::policy::pattern::{Component, literal};
use llrun::resolve::{self, Context, SearchPath};
use llrun::source::SourceMap;
use llrun_kernel::FsAccess;
use std::collections::BTreeMap;

/// xorshift64*: small, seeded, good enough to spread cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pieces that mean something to some stage: quotes, escapes, variables, globs, comments,
/// blanks, line ends, continuation, control characters, broken and valid UTF-8.
const PIECES: &[&[u8]] = &[
    b"\n",
    b"\r\n",
    b"\"",
    b"\\",
    b"\\\n",
    b"$",
    b"${HOME}",
    b"${",
    b"}",
    b"{a,b}",
    b"*",
    b"**",
    b"?",
    b"[",
    b"]",
    b"[!a]",
    b"#",
    b" #x",
    b"~",
    b"~/",
    b" ",
    b"\t",
    b",",
    b"!",
    b"\\n",
    b"\\$",
    b"\x7f",
    b"\x01",
    b"\x1b[31m",
    b"\xff",
    b"\xc3",
    b"\xc3\xa9",
    b"\xe2\x80\xa8",
    b"\xef\xbf\xbd",
    b"\xc2\x85",
    b"\xef\xbb\xbf",
    b".",
    b"-",
    b"a",
];

/// One file name: never empty, `.`, `..`, or holding `/` or NUL (the kernel allows no such name).
fn name(rng: &mut Rng) -> Vec<u8> {
    loop {
        let mut out = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let roll = rng.below(10);
            if roll < 4 {
                out.push(0x20 + rng.below(0x5f) as u8);
            } else if roll == 4 {
                out.push(1 + rng.below(255) as u8);
            } else {
                out.extend_from_slice(PIECES[rng.below(PIECES.len())]);
            }
        }
        out.retain(|b| *b != b'/');
        if !out.is_empty() && out != b"." && out != b".." {
            return out;
        }
    }
}

/// Why the writer may refuse a path: the only documented cases.
fn unwritable(path: &str) -> bool {
    path.chars()
        .any(|c| c == '\u{FFFD}' || (c.is_control() && c != '\n' && c != '\t'))
}

fn context() -> Context {
    let mut builtins = BTreeMap::new();
    // A variable that a name must never reach: `${HOME}` in a name stays those seven characters.
    builtins.insert("HOME".to_string(), "/expanded".to_string());
    Context {
        builtins,
        env: BTreeMap::new(),
        abi: 6,
        search_path: SearchPath::default(),
    }
}

/// The pattern the rule text for `path` resolves to: its components, each a literal.
fn read_back(dir: &std::path::Path, rule: &str, comment: &str) -> Result<Vec<String>, String> {
    let file = dir.join("p.llp");
    std::fs::write(&file, format!("{comment}\n{rule}\n")).unwrap();
    let mut sources = SourceMap::new();
    let layer = resolve::resolve_layer("p", &file, &context(), &mut sources)
        .map_err(|e| e.render(&sources))?;
    let [rule] = layer.fs_rules.as_slice() else {
        return Err(format!("{} rules", layer.fs_rules.len()));
    };
    rule.pattern
        .components()
        .iter()
        .map(|c| match c {
            Component::Literal(s) => Ok(s.clone()),
            other => Err(format!("not a literal: {other:?}")),
        })
        .collect()
}

#[test]
fn any_file_name_is_written_as_exactly_that_file_or_refused_for_a_documented_reason() {
    let t = tempfile::tempdir().unwrap();
    let seed = std::env::var("LLP_WRITER_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1234_u64);
    let mut rng = Rng(seed);
    let (mut written, mut refused) = (0, 0);
    for case in 0..3000 {
        let names: Vec<Vec<u8>> = (0..1 + rng.below(3)).map(|_| name(&mut rng)).collect();
        // As the supervisor sees it: the kernel's bytes, decoded (lossily) to text.
        let components: Vec<String> = names
            .iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect();
        let path = format!("/nonexistent-llrun-writer/{}", components.join("/"));
        let why = format!("seed {seed} case {case}: {path:?}");
        let rule = match write::fs_rule(RuleKind::Allow, FsAccess::READ_FILE, &literal(&path)) {
            Ok(rule) => rule,
            Err(e) => {
                assert!(
                    unwritable(&path),
                    "{why}: refused for no documented reason: {e}"
                );
                assert!(
                    matches!(e, Unwritable::Control(_) | Unwritable::NotUtf8),
                    "{why}"
                );
                refused += 1;
                continue;
            }
        };
        assert!(
            !unwritable(&path),
            "{why}: written, but cannot be: {rule:?}"
        );
        assert!(!rule.contains('\n'), "{why}: {rule:?}");
        // The comment llrun writes above it names the program: any text must stay a comment.
        let comment = write::comment(&format!("by {path}"));
        let got = read_back(t.path(), &rule, &comment).unwrap_or_else(|e| panic!("{why}: {e}"));
        let want: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        // All literal and component for component the path: it matches that path (and what
        // is beneath it, as any plain pattern), and nothing else.
        assert_eq!(got, want, "{why}: {rule}");
        written += 1;
    }
    // The generator reached both sides.
    assert!(
        written > 500 && refused > 500,
        "{written} written, {refused} refused"
    );
}

/// The same, for patterns as the supervisor remembers them when the file itself cannot be
/// outranked: the folder's contents, a glob that must stay a glob after the escaped part.
#[test]
fn an_escaped_folder_keeps_its_trailing_glob() {
    let t = tempfile::tempdir().unwrap();
    let dir = "/nonexistent-llrun-writer/a*b/${HOME}/{x,y}";
    let rule = write::fs_rule(
        RuleKind::Allow,
        FsAccess::READ_FILE,
        &format!("{}/*", literal(dir)),
    )
    .unwrap();
    let file = t.path().join("p.llp");
    std::fs::write(&file, format!("{rule}\n")).unwrap();
    let mut sources = SourceMap::new();
    let layer = resolve::resolve_layer("p", &file, &context(), &mut sources).unwrap();
    let pattern = &layer.fs_rules[0].pattern;
    assert!(pattern.covers(&format!("{dir}/anything")), "{pattern}");
    assert!(!pattern.covers(dir));
    assert!(!pattern.covers("/nonexistent-llrun-writer/aXb/${HOME}/{x,y}/f"));
    assert!(!pattern.covers("/nonexistent-llrun-writer/a*b/${HOME}/x/f"));
    assert!(!pattern.covers("/nonexistent-llrun-writer/a*b/expanded/{x,y}/f"));
    // A pattern a person chose (globs meant as globs): a `$` in it is still no variable, and
    // `{HOME}` stays the glob it is there (one alternative: `$HOME`).
    let rule = write::fs_rule(RuleKind::Allow, FsAccess::READ_FILE, "/n/${HOME}/{x,y}").unwrap();
    std::fs::write(&file, format!("{rule}\n")).unwrap();
    let layer = resolve::resolve_layer("p", &file, &context(), &mut sources).unwrap();
    let pattern = &layer.fs_rules[0].pattern;
    assert_eq!(pattern.text(), "/n/${HOME}/{x,y}");
    assert!(
        pattern.covers("/n/$HOME/x") && pattern.covers("/n/$HOME/y"),
        "{pattern}"
    );
    assert!(!pattern.covers("/n/expanded/x"), "{pattern}");
}
