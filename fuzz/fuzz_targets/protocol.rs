//! The prompt protocol on arbitrary client bytes: line framing (`Lines`) and request parsing
//! (`parse_request`), as a connection of the prompt socket runs them. Nothing panics; the
//! frames do not depend on how the bytes were split into reads; every request survives a
//! round trip; every refusal is one clean `error` line (`fuzz/src/protocol.rs`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use llrun::prompt::protocol::MAX_REQUEST;
use llrun_fuzz::protocol::{check_frame, frames};

/// Read sizes derived from the input itself, so that each input is also its own split.
fn cuts(data: &[u8]) -> impl Iterator<Item = usize> + '_ {
    data.iter().cycle().map(|b| 1 + usize::from(*b % 61))
}

fuzz_target!(|data: &[u8]| {
    // The limit the server uses, and a small one that long lines reach.
    let small = 1 + data.len() % 97;
    for max in [MAX_REQUEST, small] {
        let whole = frames(data, max, &mut std::iter::empty());
        let split = frames(data, max, &mut cuts(data));
        assert_eq!(whole, split, "framing depends on how the stream was read");
    }
    for frame in frames(data, MAX_REQUEST, &mut std::iter::empty()) {
        check_frame(frame);
    }
});
