//! The parser on arbitrary bytes: it never panics, and every error says where and what.
//!
//! Bytes that are not UTF-8 are decoded lossily: the loader refuses such files before the
//! parser sees them, so only text reaches `parse`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use llrun::source::SourceMap;
use llrun_fuzz::check_diagnostic;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut sources = SourceMap::new();
    let file = sources.add("fuzz.llp".into(), text.as_ref().into(), None);
    if let Err(diagnostic) = llrun::parse::parse(&sources, file) {
        check_diagnostic(&diagnostic, &sources);
    }
});
