//! Pieces the benchmarks share: a prompt client, and rules like a real profile's.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Lines, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// A prompt client past its hello: the stream to answer on, and the server's lines.
pub fn attach(socket: &Path) -> (UnixStream, Lines<BufReader<UnixStream>>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let stream = loop {
        if let Ok(s) = UnixStream::connect(socket) {
            break s;
        }
        assert!(Instant::now() < deadline, "no prompt socket");
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut w = stream.try_clone().unwrap();
    let mut lines = BufReader::new(stream).lines();
    let hello: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let reply = json!({"type": "hello", "protocol": hello["protocol"], "client": "bench"});
    writeln!(w, "{reply}").unwrap();
    (w, lines)
}

/// `allow read` rules for the first `n` entries of `/usr/share`, one a line, sorted.
pub fn share_rules(n: usize) -> String {
    let mut shares: Vec<String> = std::fs::read_dir("/usr/share")
        .unwrap()
        .flatten()
        .map(|e| e.path().to_string_lossy().into_owned())
        .collect();
    shares.sort();
    shares
        .iter()
        .take(n)
        .map(|s| format!("allow read \"{s}\"\n"))
        .collect()
}

/// A duration in milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// How many times `b` fits in `a`.
pub fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}
