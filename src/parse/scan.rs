//! Finding the first of a few given bytes, 8 bytes at a time. The lexer's loops over the bytes
//! of a word are the only per-byte work of the parse after the pre-scan, and a byte at a time
//! they cost more than building the statements.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Where the first byte of `bytes[from..to]` that is in `set` is, or `to` if there is none.
#[inline]
pub fn find_any<const N: usize>(bytes: &[u8], from: usize, to: usize, set: [u8; N]) -> usize {
    let mut at = from;
    while at + 8 <= to {
        let mask = matches(load(bytes, at), set);
        if mask != 0 {
            return at + first(mask);
        }
        at += 8;
    }
    if at == to {
        return to;
    }
    if to - from < 8 {
        return bytes[at..to]
            .iter()
            .position(|b| set.contains(b))
            .map_or(to, |i| at + i);
    }
    // The last 8 bytes of the range: those before `at` are in it again, but they did not match.
    let base = to - 8;
    let mask = matches(load(bytes, base), set);
    if mask == 0 { to } else { base + first(mask) }
}

fn load(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// The high bit of each byte of `word` (little-endian) that is in `set`; exact for the lowest
/// such byte, which is all [`first`] reads (a borrow only marks bytes above a marked one).
#[inline]
fn matches<const N: usize>(word: u64, set: [u8; N]) -> u64 {
    set.iter().fold(0, |mask, &b| {
        mask | zero_bytes(word ^ (ONES * u64::from(b)))
    })
}

/// The classic test for a zero byte: `(x - 1) & !x` has the high bit set where a byte was 0.
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGH
}

/// The index of the lowest marked byte.
fn first(mask: u64) -> usize {
    mask.trailing_zeros() as usize / 8
}

#[cfg(test)]
mod tests {
    use super::find_any;

    /// Every position of a wanted byte, in ranges of every length and offset, against the plain
    /// byte-at-a-time answer; non-ASCII filler checks that no high byte is taken for a match.
    #[test]
    fn agrees_with_a_plain_search() {
        for filler in [b'a', 0xc3, 0x7f] {
            for len in 0..40 {
                for hit in 0..=len {
                    let mut bytes = vec![filler; len];
                    if hit < len {
                        bytes[hit] = b'"';
                    }
                    for from in 0..=len {
                        let want = (from..len).find(|&i| bytes[i] == b'"').unwrap_or(len);
                        let got = find_any(&bytes, from, len, [b' ', b'"', b'$']);
                        assert_eq!(got, want, "{filler} len {len} hit {hit} from {from}");
                    }
                }
            }
        }
    }
}
