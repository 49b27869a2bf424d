//! The wire format: every message round-trips, its shape is the documented one, and every
//! kind of malformed input is refused with the right code.

use super::{answer, ask};
use crate::prompt::protocol::*;
use crate::prompt::{Decision, Resolution, Scope, Target};
use serde_json::{Value, json};

fn server_round_trip(m: ServerMessage) -> Value {
    let text = line(&m);
    assert!(text.ends_with('\n') && !text[..text.len() - 1].contains('\n'));
    let back = parse_message(text.trim_end().as_bytes()).unwrap().unwrap();
    assert_eq!(back, m);
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_server_message_round_trips() {
    let hello = ServerMessage::Hello {
        protocol: VERSION,
        server: "llrun 0.1.0".into(),
        pid: 7,
        program: "cat".into(),
    };
    assert_eq!(server_round_trip(hello)["type"], "hello");
    let v = server_round_trip(ServerMessage::Ask(ask(3, "/a/b")));
    assert_eq!(v["type"], "ask");
    assert_eq!(v["id"], 3);
    assert_eq!(v["target"], json!({"kind": "path", "path": "/a/b"}));
    assert_eq!(v["choices"][2]["pattern"], "/a/**");
    let mut net = ask(4, "/x");
    net.target = Target::Net {
        host: "::1".into(),
        port: 443,
    };
    net.timeout_ms = None;
    let v = server_round_trip(ServerMessage::Ask(net));
    assert_eq!(
        v["target"],
        json!({"kind": "net", "host": "::1", "port": 443})
    );
    let resolutions = [
        Resolution::Answered(answer(3, Decision::Allow, Scope::Run, Some("/a/**"))),
        Resolution::TimedOut,
        Resolution::Edited,
        Resolution::Exited,
        Resolution::Refused("no".into()),
    ];
    let hows = ["answered", "timed-out", "edited", "exited", "refused"];
    for (r, how) in resolutions.iter().zip(hows) {
        let v = server_round_trip(ServerMessage::Resolved {
            id: 3,
            how: How::from(r),
        });
        assert_eq!(
            (v["type"].as_str(), v["how"].as_str()),
            (Some("resolved"), Some(how))
        );
    }
    server_round_trip(ServerMessage::Accepted { id: 3 });
    server_round_trip(ServerMessage::Notice {
        text: "reloaded".into(),
    });
    server_round_trip(ServerMessage::Status {
        protocol: VERSION,
        pid: 1,
        program: "cat".into(),
        pending: 2,
        clients: 1,
        profile: None,
    });
    let v = server_round_trip(error("unknown-id", "no", Some(9)));
    assert_eq!(v["code"], "unknown-id");
    let v = server_round_trip(error("malformed", "no", None));
    assert!(v.get("id").is_none());
}

#[test]
fn every_client_message_round_trips() {
    let messages = [
        ClientMessage::Hello {
            protocol: 1,
            client: "test".into(),
        },
        ClientMessage::Answer(answer(3, Decision::Deny, Scope::Always, None)),
        ClientMessage::Answer(answer(4, Decision::Allow, Scope::Once, Some("/a/**"))),
        ClientMessage::Status,
    ];
    for m in messages {
        let text = line(&m);
        assert_eq!(parse_request(text.trim_end().as_bytes()), Ok(m));
    }
}

#[test]
fn requests_as_people_type_them_parse() {
    let cases = [
        (
            r#"{"type":"hello","protocol":1}"#,
            ClientMessage::Hello {
                protocol: 1,
                client: String::new(),
            },
        ),
        (
            r#"{"type":"answer","id":7,"decision":"allow","scope":"run"}"#,
            ClientMessage::Answer(answer(7, Decision::Allow, Scope::Run, None)),
        ),
        (
            r#"{"type":"status","extra":"ignored"}"#,
            ClientMessage::Status,
        ),
    ];
    for (text, want) in cases {
        assert_eq!(parse_request(text.as_bytes()), Ok(want), "{text}");
    }
}

#[test]
fn every_malformed_request_is_refused_with_its_code() {
    let cases: [(&[u8], &str); 14] = [
        (b"\xff\xfe", "malformed"),
        (b"not json", "malformed"),
        (b"[1,2]", "malformed"),
        (b"{}", "malformed"),
        (br#"{"type":7}"#, "malformed"),
        (br#"{"type":"answer""#, "malformed"),
        (br#"{"type":"grant","id":1}"#, "unknown-type"),
        (
            br#"{"type":"answer","decision":"allow","scope":"once"}"#,
            "malformed",
        ),
        (
            br#"{"type":"answer","id":"1","decision":"allow","scope":"once"}"#,
            "malformed",
        ),
        (
            br#"{"type":"answer","id":-1,"decision":"allow","scope":"once"}"#,
            "malformed",
        ),
        (
            br#"{"type":"answer","id":1,"decision":"maybe","scope":"once"}"#,
            "malformed",
        ),
        (
            br#"{"type":"answer","id":1,"decision":"allow","scope":"forever"}"#,
            "malformed",
        ),
        (
            br#"{"type":"answer","id":1,"decision":"allow","scope":"once","pattern":5}"#,
            "malformed",
        ),
        (br#"{"type":"hello","protocol":"one"}"#, "malformed"),
    ];
    for (text, code) in cases {
        let err = parse_request(text).expect_err(&String::from_utf8_lossy(text));
        assert_eq!(err.code(), code, "{}: {err}", String::from_utf8_lossy(text));
        assert!(!err.to_string().is_empty());
    }
    assert_eq!(BadRequest::TooLong.code(), "too-long");
}

#[test]
fn unknown_server_messages_are_skipped_and_garbage_is_an_error() {
    assert_eq!(
        parse_message(br#"{"type":"reload","ok":true}"#).unwrap(),
        None
    );
    assert!(parse_message(b"garbage").is_err());
    assert!(parse_message(br#"{"no":"type"}"#).is_err());
    assert!(parse_message(br#"{"type":"ask","id":1}"#).is_err());
}

#[test]
fn lines_are_framed_across_reads() {
    let mut l = Lines::new(100);
    assert_eq!(l.push(b"ab"), vec![]);
    assert_eq!(
        l.push(b"c\r\nd\n\nef"),
        vec![
            Framed::Line(b"abc".to_vec()),
            Framed::Line(b"d".to_vec()),
            Framed::Line(Vec::new())
        ]
    );
    assert_eq!(l.held(), 2);
    assert_eq!(l.push(b"\n"), vec![Framed::Line(b"ef".to_vec())]);
}

#[test]
fn an_overlong_line_is_reported_once_and_skipped_with_bounded_memory() {
    let mut l = Lines::new(10);
    assert_eq!(l.push(b"0123456789"), vec![]);
    assert_eq!(l.push(b"X"), vec![Framed::TooLong]);
    for _ in 0..1000 {
        assert_eq!(l.push(&[b'y'; 4096]), vec![]);
        assert_eq!(l.held(), 0);
    }
    assert_eq!(l.push(b"tail\nok\n"), vec![Framed::Line(b"ok".to_vec())]);
    let mut l = Lines::new(3);
    assert_eq!(
        l.push(b"abcdef\nabc\n"),
        vec![Framed::TooLong, Framed::Line(b"abc".to_vec())]
    );
}
