//! Well-formed statements and the trees they give.

use super::*;
use llrun_kernel::FsAccess;

#[test]
fn file_rules() {
    let StmtKind::Rule {
        kind,
        access,
        target: RuleTarget::Paths(paths),
    } = one("allow read,exec /usr ~/bin ${HOME}/x")
    else {
        panic!()
    };
    assert_eq!(kind, RuleKind::Allow);
    assert_eq!(
        access.iter().map(|a| a.value).collect::<Vec<_>>(),
        [AccessWord::Read, AccessWord::Exec]
    );
    assert_eq!(access[1].span, span(11, 15));
    assert_eq!(texts(&paths), ["/usr", "~/bin", "${HOME}/x"]);
    assert_eq!(paths[0].span, span(16, 20));
    for (text, kind) in [
        ("deny all /etc/shadow", RuleKind::Deny),
        ("ask rw /home/u/Documents", RuleKind::Ask),
    ] {
        assert!(
            matches!(one(text), StmtKind::Rule { kind: k, .. } if k == kind),
            "{text}"
        );
    }
}

#[test]
fn every_access_word() {
    let line = "allow read,list,write,exec,create,delete,truncate,ioctl,rw,all,fs.make_sock,fs.ioctl_dev /x";
    let StmtKind::Rule { access, .. } = one(line) else {
        panic!()
    };
    let got: Vec<AccessWord> = access.iter().map(|a| a.value).collect();
    use AccessWord::*;
    let want = [
        Read, List, Write, Exec, Create, Delete, Truncate, Ioctl, Rw, All,
    ];
    assert_eq!(&got[..10], want);
    assert_eq!(got[10], Raw(FsAccess::MAKE_SOCK.bits()));
    assert_eq!(got[11], Raw(FsAccess::IOCTL_DEV.bits()));
}

#[test]
fn raw_table_matches_the_kernel_crate() {
    let ours: Vec<String> = super::super::words::RAW
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    let kernel: Vec<String> = FsAccess::all()
        .names()
        .map(|n| format!("fs.{}", n.to_lowercase()))
        .collect();
    assert_eq!(ours, kernel);
    for (name, bits) in super::super::words::RAW {
        assert_eq!(FsAccess::from_name(&name[3..].to_uppercase()), Some(*bits));
    }
}

#[test]
fn ask_without_exec_is_fine() {
    assert!(matches!(
        one("ask rw,list /x"),
        StmtKind::Rule {
            kind: RuleKind::Ask,
            ..
        }
    ));
    assert!(matches!(
        one("ask connect tcp *"),
        StmtKind::Rule {
            kind: RuleKind::Ask,
            ..
        }
    ));
}

#[test]
fn network_rules() {
    let ports = |text: &str| match one(text) {
        StmtKind::Rule {
            target: RuleTarget::Tcp { op, ports },
            ..
        } => (
            op,
            ports
                .iter()
                .map(|p| (p.value.first, p.value.last))
                .collect::<Vec<_>>(),
        ),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        ports("allow connect tcp 80,443"),
        (NetOp::Connect, vec![(80, 80), (443, 443)])
    );
    assert_eq!(
        ports("ask connect tcp *"),
        (NetOp::Connect, vec![(0, 65535)])
    );
    assert_eq!(
        ports("allow bind tcp 8000-8100"),
        (NetOp::Bind, vec![(8000, 8100)])
    );
    assert_eq!(
        ports("deny connect tcp 22"),
        (NetOp::Connect, vec![(22, 22)])
    );
    assert_eq!(
        ports("allow connect tcp 1,65535,5-5"),
        (NetOp::Connect, vec![(1, 1), (65535, 65535), (5, 5)])
    );
    let StmtKind::Rule {
        target: RuleTarget::Tcp { ports, .. },
        ..
    } = one("allow connect tcp 80,443")
    else {
        panic!()
    };
    assert_eq!(ports[1].span, span(21, 24));
}

#[test]
fn unix_socket_rules_are_file_rules_on_the_sockets() {
    let StmtKind::Rule {
        kind,
        access,
        target: RuleTarget::Paths(paths),
    } = one("ask connect unix /run/user/*/bus \"/tmp/a b\"")
    else {
        panic!()
    };
    assert_eq!(kind, RuleKind::Ask);
    assert_eq!(
        access.iter().map(|a| a.value).collect::<Vec<_>>(),
        [AccessWord::Raw(llrun_kernel::FsAccess::RESOLVE_UNIX.bits())]
    );
    assert_eq!(access[0].span, span(4, 11));
    assert_eq!(texts(&paths), ["/run/user/*/bus", "/tmp/a b"]);
}

#[test]
fn isolate() {
    assert_eq!(
        one("isolate signals abstract-unix"),
        StmtKind::Isolate(vec![
            Spanned {
                value: ScopeWord::Signals,
                span: span(8, 15)
            },
            Spanned {
                value: ScopeWord::AbstractUnix,
                span: span(16, 29)
            },
        ])
    );
}

#[test]
fn conditions() {
    let text = "if exists /opt/x {\n  allow read /opt/x\n} else {\n  deny all /opt\n}\n";
    let StmtKind::If {
        cond: Cond::Exists(path),
        then,
        otherwise,
    } = one(text)
    else {
        panic!()
    };
    assert_eq!(path.text, "/opt/x");
    assert_eq!((then.len(), otherwise.len()), (1, 1));
    assert!(
        matches!(one("if env DISPLAY {\n}"), StmtKind::If { cond: Cond::Env(n), .. } if n.value == "DISPLAY")
    );
    let StmtKind::If {
        cond: Cond::Not(inner),
        ..
    } = one("if not exists \"/a b\" {\n}")
    else {
        panic!()
    };
    assert!(matches!(*inner, Cond::Exists(w) if w.text == "/a b"));
    for (op, want) in [
        (">=", CmpOp::Ge),
        (">", CmpOp::Gt),
        ("<=", CmpOp::Le),
        ("<", CmpOp::Lt),
        ("==", CmpOp::Eq),
        ("!=", CmpOp::Ne),
    ] {
        let text = format!("if abi {op} 6 {{\n}}");
        assert!(
            matches!(one(&text), StmtKind::If { cond: Cond::Abi(o, n), .. } if o == want && n.value == 6),
            "{op}"
        );
    }
}

#[test]
fn nested_blocks_keep_order_and_spans() {
    let text = "allow read /a\nif abi >= 4 {\n  if env X {\n    allow read /b\n  }\n  allow read /c\n}\nallow read /d\n";
    let parsed = run(text).unwrap();
    assert_eq!(parsed.stmts.len(), 3);
    let StmtKind::If { then, .. } = &parsed.stmts[1].kind else {
        panic!()
    };
    assert!(matches!(&then[0].kind, StmtKind::If { then: inner, .. } if inner.len() == 1));
    assert!(matches!(&then[1].kind, StmtKind::Rule { .. }));
    // The `if` statement's span is its header line; a rule's span is its line.
    assert_eq!(
        &text[parsed.stmts[1].span.start..parsed.stmts[1].span.end],
        "if abi >= 4 {"
    );
    assert_eq!(
        &text[parsed.stmts[2].span.start..parsed.stmts[2].span.end],
        "allow read /d"
    );
}

#[test]
fn requirements() {
    assert_eq!(
        one("require abi 4"),
        StmtKind::RequireAbi(Spanned {
            value: 4,
            span: span(12, 13)
        })
    );
    assert_eq!(
        one("compat strict"),
        StmtKind::Compat(Spanned {
            value: CompatMode::Strict,
            span: span(7, 13)
        })
    );
    assert!(
        matches!(one("compat best-effort"), StmtKind::Compat(m) if m.value == CompatMode::BestEffort)
    );
}

#[test]
fn includes() {
    let StmtKind::Include {
        optional: false,
        target: IncludeTarget::Search(name),
    } = one("include <abstractions/base>")
    else {
        panic!()
    };
    assert_eq!(
        (name.value.as_str(), name.span),
        ("abstractions/base", span(9, 26))
    );
    assert!(
        matches!(one("include \"rel/x.llp\""), StmtKind::Include { optional: false, target: IncludeTarget::Path(w) } if w.text == "rel/x.llp")
    );
    assert!(
        matches!(one("include? <firefox.local>"), StmtKind::Include { optional: true, target: IncludeTarget::Search(n) } if n.value == "firefox.local")
    );
    assert!(matches!(
        one("include? \"${PROFILE_DIR}/x.llp\""),
        StmtKind::Include {
            optional: true,
            target: IncludeTarget::Path(_)
        }
    ));
}

#[test]
fn set_forms() {
    for text in [
        "set APP = \"/opt/app\"",
        "set APP = /opt/app",
        "set APP=/opt/app",
        "set APP=\"/opt/app\"",
    ] {
        let StmtKind::Set { name, value } = one(text) else {
            panic!()
        };
        assert_eq!(
            (name.value.as_str(), value.text.as_str()),
            ("APP", "/opt/app"),
            "{text}"
        );
    }
    let StmtKind::Set { value, .. } = one("set E = \"\"") else {
        panic!()
    };
    assert_eq!(value.text, "");
}

#[test]
fn env_forms() {
    let StmtKind::Env(EnvAction::Keep(names)) = one("env keep LANG LC_* TERM") else {
        panic!()
    };
    assert_eq!(texts(&names), ["LANG", "LC_*", "TERM"]);
    let StmtKind::Env(EnvAction::Unset(names)) = one("env unset SSH_AUTH_SOCK") else {
        panic!()
    };
    assert_eq!(texts(&names), ["SSH_AUTH_SOCK"]);
    let StmtKind::Env(EnvAction::Set(pairs)) =
        one("env set GREETING=\"hello world\" EDITOR=vi EMPTY= P=${HOME}/x")
    else {
        panic!()
    };
    let got: Vec<(&str, &str, bool)> = pairs
        .iter()
        .map(|(n, v)| (n.value.as_str(), v.text.as_str(), v.quoted))
        .collect();
    assert_eq!(
        got,
        [
            ("GREETING", "hello world", true),
            ("EDITOR", "vi", false),
            ("EMPTY", "", false),
            ("P", "${HOME}/x", false)
        ]
    );
    assert_eq!(pairs[0].0.span, span(8, 16));
    assert_eq!(pairs[1].1.span, span(38, 40));
    // Found by the resolve fuzz target: after `=` a `#` is part of the value, not a comment.
    for text in ["env set X=#{UID}", "set X=#{UID}"] {
        let value = match one(text) {
            StmtKind::Env(EnvAction::Set(pairs)) => pairs[0].1.text.clone(),
            StmtKind::Set { value, .. } => value.text,
            other => panic!("{other:?}"),
        };
        assert_eq!(value, "#{UID}", "{text}");
    }
}

#[test]
fn words_quotes_and_escapes() {
    let StmtKind::Rule {
        target: RuleTarget::Paths(p),
        ..
    } = one(
        r#"allow read "/a b/ü" "q\"x\\y" "tab\there\nnl" "cost \$5 ${HOME}" /日本/*.{txt,md} /a#b /x[0-9]?"#,
    )
    else {
        panic!()
    };
    assert_eq!(
        texts(&p),
        [
            "/a b/ü",
            "q\"x\\y",
            "tab\there\nnl",
            "cost $5 ${HOME}",
            "/日本/*.{txt,md}",
            "/a#b",
            "/x[0-9]?"
        ]
    );
    assert!(p[0].quoted && !p[4].quoted);
    assert_eq!(p[3].literal_dollars, vec![5]);
    assert!(p[0].literal_dollars.is_empty());
}

#[test]
fn comments_blanks_and_continuations() {
    let text = "# head\n\n  allow read /a   # trailing\n\tallow read /b#c\nallow read \\\n  /d \\\n  /e\r\nallow read /f";
    let all = stmts(text);
    let paths: Vec<Vec<String>> = all
        .iter()
        .map(|s| match s {
            StmtKind::Rule {
                target: RuleTarget::Paths(p),
                ..
            } => p.iter().map(|w| w.text.clone()).collect(),
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        paths,
        [vec!["/a"], vec!["/b#c"], vec!["/d", "/e"], vec!["/f"]]
    );
    let parsed = run(text).unwrap();
    let s = parsed.stmts[2].span;
    assert_eq!(&text[s.start..s.end], "allow read \\\n  /d \\\n  /e");
}

#[test]
fn bom_and_crlf() {
    assert_eq!(stmts("\u{FEFF}allow read /a\r\nallow read /b\r\n").len(), 2);
}

#[test]
fn shipped_profiles_parse() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let mut dirs = vec![root];
    let mut count = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "llp") {
                let mut sources = SourceMap::new();
                let file = sources.add(
                    path.clone(),
                    std::fs::read_to_string(&path).unwrap().into(),
                    None,
                );
                if let Err(e) = parse(&sources, file) {
                    panic!("{}", e.render(&sources));
                }
                count += 1;
            }
        }
    }
    assert!(count > 10);
}

/// Words of every length, at every offset from the line start, so that each falls differently
/// across the 8-byte steps of the lexer's search (src/parse/scan.rs): a `${…}`, a `\$` escape
/// and a glued quote must be found wherever they fall.
#[test]
fn words_at_every_offset() {
    for pad in 0..9 {
        for len in 0..18 {
            let name = "a".repeat(len);
            let indent = " ".repeat(pad);
            let line = format!("{indent}allow read /{name}${{HOME}}/x \"/{name}\\$q\" /{name}\r\n");
            let StmtKind::Rule {
                target: RuleTarget::Paths(p),
                ..
            } = one(&line)
            else {
                panic!("{line:?}")
            };
            let want = [
                format!("/{name}${{HOME}}/x"),
                format!("/{name}$q"),
                format!("/{name}"),
            ];
            assert_eq!(texts(&p), want, "{line:?}");
            assert_eq!(p[1].literal_dollars, vec![len + 1], "{line:?}");
            let first = pad + "allow read ".len();
            let second = first + len + 11;
            let third = second + len + 7;
            assert_eq!(p[0].span, span(first, first + len + 10), "{line:?}");
            assert_eq!(p[1].span, span(second, second + len + 6), "{line:?}");
            assert_eq!(p[2].span, span(third, third + len + 1), "{line:?}");

            let column = |at: usize| format!("1:{}: error:", at + 1);
            let bad = format!("{indent}allow read /{name}${{1X}}");
            let at = first + 1 + len;
            fails(
                &bad,
                &format!("{} `1X` is not a variable name", column(at)),
                "names are",
            );
            let glued = format!("{indent}allow read /{name}\"b\"");
            fails(
                &glued,
                &format!("{} a quote can only start a word", column(at)),
                "put",
            );
        }
    }
}
