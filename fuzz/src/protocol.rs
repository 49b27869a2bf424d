//! What the prompt-protocol target checks: the line framing does not depend on how the stream
//! was cut into reads, and every line a client sends is either a request that survives a round
//! trip or a refusal the server can send back as one clean `error` line.

use llrun::prompt::protocol::{
    self, BadRequest, ClientMessage, Framed, Lines, MAX_REQUEST, ServerMessage,
};
use llrun::prompt::{Answer, Ask, Target};

/// Frames `stream` as a connection would, read in pieces of the sizes `cuts` yields (cycled),
/// checking that no line and no held buffer ever exceeds `max`.
pub fn frames(stream: &[u8], max: usize, cuts: &mut dyn Iterator<Item = usize>) -> Vec<Framed> {
    let mut lines = Lines::new(max);
    let mut out = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        let n = cuts.next().unwrap_or(rest.len()).clamp(1, rest.len());
        let (piece, after) = rest.split_at(n);
        rest = after;
        for f in lines.push(piece) {
            if let Framed::Line(l) = &f {
                assert!(
                    l.len() <= max,
                    "a line of {} bytes passed a limit of {max}",
                    l.len()
                );
                assert!(!l.contains(&b'\n'), "a line holds a newline");
            }
            out.push(f);
        }
        assert!(
            lines.held() <= max,
            "{} bytes held over a limit of {max}",
            lines.held()
        );
    }
    out
}

/// One framed item as the server handles it: a request, or a refusal sent back.
pub fn check_frame(frame: Framed) {
    let request = match frame {
        Framed::Line(line) if line.iter().all(u8::is_ascii_whitespace) => return,
        Framed::Line(line) => protocol::parse_request(&line),
        Framed::TooLong => Err(BadRequest::TooLong),
    };
    match request {
        Ok(message) => check_request(&message),
        Err(bad) => check_refusal(bad.code(), &bad.to_string()),
    }
}

/// A parsed request reads back the same once written, and an answer's pattern is either
/// accepted for a sample ask or refused cleanly.
fn check_request(message: &ClientMessage) {
    let text = protocol::line(message);
    assert_eq!(
        protocol::parse_request(text.trim_end().as_bytes()).as_ref(),
        Ok(message),
        "the request does not survive a round trip: {text}"
    );
    if let ClientMessage::Answer(answer) = message {
        for ask in [ask(path_target()), ask(net_target())] {
            check_answer(answer, &ask);
        }
    }
}

fn check_answer(answer: &Answer, ask: &Ask) {
    match answer.check(ask) {
        Err(bad) => check_refusal("bad-pattern", &bad.to_string()),
        Ok(()) => {
            if let (Some(p), Target::Path { path }) = (&answer.pattern, &ask.target) {
                // What the supervisor then remembers must be a pattern covering the target.
                let parsed = llrun::policy::pattern::Pattern::parse(p)
                    .unwrap_or_else(|e| panic!("accepted pattern `{p}` does not parse: {e}"));
                assert!(parsed.covers(path), "accepted pattern `{p}` misses {path}");
            }
        }
    }
}

/// A refusal is a non-empty, bounded message that goes out as exactly one `error` line and
/// reads back unchanged.
pub fn check_refusal(code: &str, message: &str) {
    assert!(!message.trim().is_empty(), "an empty refusal ({code})");
    assert!(
        message.len() <= 2 * MAX_REQUEST + 256,
        "a refusal of {} bytes ({code})",
        message.len()
    );
    let line = protocol::line(&protocol::error(code, message, None));
    assert!(
        line.ends_with('\n') && line.matches('\n').count() == 1,
        "the refusal is not one line: {line:?}"
    );
    let back = protocol::parse_message(line.trim_end().as_bytes())
        .unwrap_or_else(|e| panic!("the refusal does not read back ({e}): {line}"));
    assert_eq!(
        back,
        Some(ServerMessage::Error {
            code: code.into(),
            message: message.into(),
            id: None,
        })
    );
}

fn path_target() -> Target {
    Target::Path {
        path: "/home/u/Documents/report.txt".into(),
    }
}

fn net_target() -> Target {
    Target::Net {
        host: "192.0.2.1".into(),
        port: 443,
    }
}

fn ask(target: Target) -> Ask {
    Ask {
        id: 7,
        pid: 4242,
        exe: "/usr/bin/cat".into(),
        access: vec!["read".into()],
        target,
        rule: "/home/u/.config/llrun/profiles/p.llp:3".into(),
        profile: "p".into(),
        choices: Vec::new(),
        timeout_ms: Some(60_000),
        allow_always: true,
        run_only: None,
    }
}
