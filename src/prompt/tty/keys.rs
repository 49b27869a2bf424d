//! Keystrokes from a terminal in raw mode, decoded for the prompt.
//!
//! Decoding is per read: a terminal delivers an escape sequence (an arrow key) in one read, so
//! an `ESC` that ends a read is the Escape key itself.

/// One key as the prompt understands it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
    Backspace,
    Escape,
    /// Ctrl-C.
    Interrupt,
    /// Ctrl-U.
    ClearLine,
    /// Anything else (arrows, function keys, other controls): ignored.
    Other,
}

const ESC: u8 = 0x1b;

/// Decodes the bytes of one read.
pub fn decode(bytes: &[u8]) -> Vec<Key> {
    let mut keys = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let (key, len) = decode_one(&bytes[i..]);
        keys.push(key);
        i += len;
    }
    keys
}

/// The first key of `bytes` (not empty) and how many bytes it took.
fn decode_one(bytes: &[u8]) -> (Key, usize) {
    match bytes[0] {
        ESC => escape(bytes),
        b'\r' | b'\n' => (Key::Enter, 1),
        0x7f | 0x08 => (Key::Backspace, 1),
        0x03 => (Key::Interrupt, 1),
        0x15 => (Key::ClearLine, 1),
        b if b < 0x20 => (Key::Other, 1),
        b => utf8(bytes, b),
    }
}

/// `ESC [ params final` and `ESC O x` are one key each; a lone `ESC` is Escape.
fn escape(bytes: &[u8]) -> (Key, usize) {
    match bytes.get(1) {
        Some(b'[') if bytes.get(2) == Some(&b'M') => mouse(bytes),
        Some(b'[') => {
            let end = bytes[2..]
                .iter()
                .position(|b| (0x40..=0x7e).contains(b))
                .map_or(bytes.len(), |p| p + 3);
            (Key::Other, end)
        }
        Some(b'O') => (Key::Other, bytes.len().min(3)),
        _ => (Key::Escape, 1),
    }
}

/// `ESC [ M` and three coordinates: a mouse report in the X10 encoding, which the program may
/// have turned on (`ESC [ ? 1000 h`). The button, column and row come as bytes plus 32 (as
/// UTF-8 characters in mode 1005): a click on column 87 of any row is a `w`. One key, so that
/// no click answers.
fn mouse(bytes: &[u8]) -> (Key, usize) {
    let mut end = 3;
    for _ in 0..3 {
        let Some(&lead) = bytes.get(end) else { break };
        end += utf8(&bytes[end..], lead).1;
    }
    (Key::Other, end)
}

fn utf8(bytes: &[u8], lead: u8) -> (Key, usize) {
    let len = match lead {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    };
    match bytes
        .get(..len)
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|s| s.chars().next())
    {
        Some(c) => (Key::Char(c), len),
        None => (Key::Other, 1),
    }
}
