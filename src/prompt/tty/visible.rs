//! Text for the user's terminal, with every character that would act on the terminal instead
//! of being shown replaced by a visible escape.
//!
//! A prompt shows names the sandboxed program chose: the file it asks about, its own process
//! name. A name holding `ESC [ 2 J`, a carriage return or a bidirectional override could
//! otherwise clear the screen, move the cursor, or make the prompt say something other than
//! what is asked. So every line the prompt draws passes through [`escape`]: C0 and C1 control
//! characters, DEL, and the invisible format characters that reorder or hide text are written
//! as `\n`, `\t`, `\r`, `\e` or `\u{HEX}`, and a backslash as `\\`, so that the shown text
//! reads back to exactly the name ([`unescape`] is that reading, used by the round-trip test).

use std::borrow::Cow;

/// `text` with every terminal-active or invisible character written as a visible escape.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether `c` is shown as an escape: a backslash (so escapes read back), a control character
/// (C0, DEL, C1), or a format character that changes how the text around it is shown.
fn needs_escape(c: char) -> bool {
    c == '\\' || c.is_control() || invisible(c)
}

/// Zero-width and bidirectional format characters (Unicode category Cf, the ones terminals
/// honour): a name with U+202E shows its tail reversed.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// Reads an [`escape`]d text back; `None` if it is not one.
pub fn unescape(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'e' => '\u{1b}',
            'u' => {
                let rest = chars.as_str().strip_prefix('{')?;
                let (hex, tail) = rest.split_once('}')?;
                chars = tail.chars();
                char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
            }
            _ => return None,
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string reads back from its escape, and the escape holds nothing a terminal acts on.
    #[test]
    fn escapes_read_back_and_hold_no_terminal_controls() {
        let samples = [
            "plain /home/u/file.txt",
            "evil\x1b[2J\x1b[H fake prompt",
            "a\nb\tc\rd\u{7f}e\u{9b}f",
            "back\\slash \\n literal",
            "rev\u{202e}txt.exe",
            "zero\u{200b}width\u{feff}",
            "ünïcödé ✓",
            "",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let random = (0..2000).map(|_| {
            (0..12)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let pool = [
                        '\\', '\x1b', '\n', '[', 'a', '\u{202e}', '\u{85}', '{', '}', 'u',
                    ];
                    pool[(state % pool.len() as u64) as usize]
                })
                .collect::<String>()
        });
        for text in samples.iter().map(|s| s.to_string()).chain(random) {
            let shown = escape(&text);
            assert!(
                !shown.chars().any(|c| c.is_control() || invisible(c)),
                "{shown:?} still holds a control"
            );
            assert_eq!(unescape(&shown).as_deref(), Some(text.as_str()), "{text:?}");
        }
    }

    #[test]
    fn ordinary_text_is_not_copied() {
        assert!(matches!(escape("/usr/share/doc"), Cow::Borrowed(_)));
    }
}
