//! Writing llp text: the one place where llrun turns a path, a pattern or a port list into
//! profile text (the "always" answers it remembers).
//!
//! The sandboxed program chooses the names it asks about, so whatever it chose must come back
//! out of the lexer and the resolver as exactly that name: never a second line, an unclosed
//! quote, a variable, a glob or a comment. Every word is therefore written `"quoted"`, with the
//! lexer's escapes (docs/language.md, "Lexical structure") for each character it treats
//! specially inside quotes — `"`, `\`, `$`, newline and tab — and, for a path, the pattern
//! escapes (`\*`, `\?`, `\[`, `\]`, `\{`, `\}`, `\\`) first, so a file named `a*` is that file.
//! Quoting also keeps `#` and blanks literal. A pattern is absolute, so `~` never starts one.
//!
//! Profiles hold no other control characters and no U+FFFD (the pre-scan refuses them, since
//! they hide text or mark a lossy decoding); a name with one cannot be written faithfully and
//! is refused here, so that the caller can say why an answer holds for this run only.

use crate::policy::{NetOp, RuleKind};
use crate::policy::{access, pattern};
use llrun_kernel::FsAccess;

/// Why a name cannot be written into a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unwritable {
    #[error("its name holds the control character U+{0:04X}, which profile text cannot hold")]
    Control(u32),
    #[error("its name is not valid UTF-8 (or holds U+FFFD), which profile text cannot hold")]
    NotUtf8,
    #[error("`{0}` is not an absolute pattern")]
    NotAbsolute(char),
}

/// A `"quoted"` word that reads back as exactly `text`, with no variable expanded.
pub fn word(text: &str) -> Result<String, Unwritable> {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\u{FFFD}' => return Err(Unwritable::NotUtf8),
            c if c.is_control() => return Err(Unwritable::Control(u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(out)
}

/// The pattern word for `text`, a pattern as the resolver reads it after expansion (globs
/// kept, `\` escapes as in [`pattern::literal`]).
pub fn pattern(text: &str) -> Result<String, Unwritable> {
    match text.chars().next() {
        Some('/') => word(text),
        c => Err(Unwritable::NotAbsolute(c.unwrap_or(' '))),
    }
}

/// The pattern word that names exactly `path` (and what is beneath it), whatever its names
/// hold.
pub fn path(path: &str) -> Result<String, Unwritable> {
    pattern(&pattern::literal(path))
}

/// `KIND ACCESS PATTERN`: a file rule for `rights` (widened to whole access words, as a person
/// thinks of them: [`access::widened`]) on the pattern `text`.
/// Connecting to a socket alone is written as the language says it, `connect unix`.
pub fn fs_rule(kind: RuleKind, rights: FsAccess, text: &str) -> Result<String, Unwritable> {
    let access = if rights == FsAccess::RESOLVE_UNIX {
        "connect unix".to_string()
    } else {
        access::widened(rights).join(",")
    };
    Ok(format!("{} {access} {}", kind_word(kind), pattern(text)?))
}

/// `KIND connect|bind tcp PORTS`.
pub fn tcp_rule(kind: RuleKind, op: NetOp, ranges: &[(u16, u16)]) -> String {
    let op = match op {
        NetOp::Connect => "connect",
        NetOp::Bind => "bind",
    };
    format!("{} {op} tcp {}", kind_word(kind), ports(ranges))
}

/// `80,443,8000-8100`, or `*` for every port.
pub fn ports(ranges: &[(u16, u16)]) -> String {
    ranges
        .iter()
        .map(|&(lo, hi)| match (lo, hi) {
            (0, u16::MAX) => "*".to_string(),
            _ if lo == hi => lo.to_string(),
            _ => format!("{lo}-{hi}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A `# comment` line (without its line end) saying `text`; what a comment cannot hold (a line
/// end, other control characters, U+FFFD) is shown escaped, as `\n` or `\u{1b}`.
pub fn comment(text: &str) -> String {
    let mut out = String::from("# ");
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push(' '),
            c if c.is_control() || c == '\u{FFFD}' => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)))
            }
            c => out.push(c),
        }
    }
    out
}

fn kind_word(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Allow => "allow",
        RuleKind::Ask => "ask",
        RuleKind::Deny => "deny",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_the_lexer_reads_specially() {
        assert_eq!(
            path("/a\nb/\"c\" ${HOME} #x").unwrap(),
            r#""/a\nb/\"c\" \$\\{HOME\\} #x""#
        );
        assert_eq!(
            path("/a*/[b]{c,d}?").unwrap(),
            r#""/a\\*/\\[b\\]\\{c,d\\}\\?""#
        );
        assert_eq!(path("/tab\there").unwrap(), r#""/tab\there""#);
        assert_eq!(path("/bell\u{7}"), Err(Unwritable::Control(7)));
        assert_eq!(path("/c1\u{85}"), Err(Unwritable::Control(0x85)));
        assert_eq!(path("/lossy\u{FFFD}"), Err(Unwritable::NotUtf8));
        assert_eq!(pattern("~/x"), Err(Unwritable::NotAbsolute('~')));
    }

    #[test]
    fn comments_stay_on_their_line() {
        assert_eq!(comment("a\nb\u{1b}c\u{FFFD}"), "# a\\nb\\u{1b}c\\u{fffd}");
    }

    #[test]
    fn rules_use_the_language_s_words() {
        let rule = fs_rule(RuleKind::Allow, FsAccess::READ_FILE, "/x").unwrap();
        assert_eq!(rule, "allow read \"/x\"");
        let rule = fs_rule(RuleKind::Ask, FsAccess::RESOLVE_UNIX, "/run/s").unwrap();
        assert_eq!(rule, "ask connect unix \"/run/s\"");
        assert_eq!(
            tcp_rule(RuleKind::Deny, NetOp::Connect, &[(80, 80), (8000, 8100)]),
            "deny connect tcp 80,8000-8100"
        );
        assert_eq!(ports(&[(0, u16::MAX)]), "*");
    }
}
