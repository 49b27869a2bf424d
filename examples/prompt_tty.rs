//! A harness for the terminal prompt (used by `tests/prompt_tty.rs`): runs a program on its own
//! pty, as llrun does, with the terminal prompt attached, and lets a test drive the asks.
//!
//! `prompt_tty CONTROL ANSWERS PROGRAM [ARGS…]`: each line written to the FIFO `CONTROL` is
//! `show ID PATH` or `resolve ID`; every answer is appended to `ANSWERS` as a JSON line (and the
//! ask is then resolved, as the supervisor would).

use llrun::prompt::tty;
use llrun::prompt::{Answers, Prompter, Resolution};
use llrun::run::{Launch, TerminalMode};
use std::io::{BufRead, Write};
use std::sync::Arc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [control, answers_file, program, rest @ ..] = args.as_slice() else {
        eprintln!("usage: prompt_tty CONTROL ANSWERS PROGRAM [ARGS…]");
        std::process::exit(2);
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let (prompter, console) = tty::channel(Answers::new(tx)).expect("terminal prompt");
    let prompter = Arc::new(prompter);
    let driver = Arc::clone(&prompter);
    let control = control.clone();
    std::thread::spawn(move || drive(&control, driver.as_ref()));
    let answers_file = answers_file.clone();
    let resolver = Arc::clone(&prompter);
    std::thread::spawn(move || {
        for answer in rx {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&answers_file)
                .expect("answers file");
            writeln!(f, "{}", serde_json::to_string(&answer).unwrap()).unwrap();
            resolver.resolved(answer.id, &Resolution::Answered(answer));
        }
    });
    let env = ["PATH", "HOME", "TERM", "PS1"]
        .iter()
        .filter_map(|k| std::env::var_os(k).map(|v| (k.into(), v)))
        .collect();
    let launch = Launch {
        program: program.into(),
        args: rest.iter().map(Into::into).collect(),
        env,
        rulesets: Vec::new(),
        terminal: TerminalMode::Pty,
        prompt: Some(console),
        supervision: None,
        stay_outside: false,
    };
    let code = llrun::run::run(launch).expect("run");
    std::process::exit(code);
}

/// Reads control lines for as long as the FIFO has writers, again and again.
fn drive(control: &str, prompter: &dyn Prompter) {
    loop {
        let fifo = std::fs::File::open(control).expect("control FIFO");
        for line in std::io::BufReader::new(fifo).lines() {
            let line = line.expect("control line");
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["show", id, path] => {
                    let ask = llrun::prompt::Ask {
                        id: id.parse().expect("id"),
                        pid: 1,
                        exe: "/usr/bin/cat".into(),
                        access: vec!["read".into()],
                        target: llrun::prompt::Target::Path {
                            path: (*path).into(),
                        },
                        rule: "test.llp:1".into(),
                        profile: "test".into(),
                        choices: Vec::new(),
                        timeout_ms: None,
                        allow_always: true,
                        run_only: None,
                    };
                    if !prompter.show(&ask) {
                        eprintln!("prompt_tty: the terminal prompt refused ask {id}");
                    }
                }
                ["resolve", id] => prompter.resolved(id.parse().expect("id"), &Resolution::Edited),
                _ => eprintln!("prompt_tty: unknown control line {line:?}"),
            }
        }
    }
}
