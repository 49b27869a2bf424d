//! The shipped profiles of command-line programs, run with the real Debian programs they were
//! written for: `llrun --profile curl /usr/bin/curl …`, `llrun --profile git /usr/bin/git …`
//! and `llrun --profile python3 /usr/bin/python3 …`, found by name on the search path as a
//! user's llrun finds them.
//!
//! Each program must do its ordinary work, and must not get at the secrets of a home planted
//! with an SSH key, cloud credentials and git's stored logins. A secret counts as kept only if
//! it shows nowhere afterwards: not in the output, not in any file of the test's tree (git
//! objects unpacked), not in what the local web server received. And each such test runs the
//! same command without llrun first to show that it does reach the secret there, so that a test
//! cannot pass because the attempt itself was broken.

mod common;
#[path = "apps_cli/desk.rs"]
mod desk;
#[path = "apps_cli/http.rs"]
mod http;

use common::assert_code;
use desk::{AWS, BASHRC, CURL, Desk, GIT, GIT_LOGINS, KEY, PAGE, PY, secret};
use std::io::Write;
use std::process::{Output, Stdio};

/// Sets the scene with `scene`, which returns a command, then runs that command under the
/// shipped `profile` and without llrun. The confined run must leave no trace of the secret `rel`
/// ([`Desk::sightings`]); the control must, so that the sandbox made the difference. Returns
/// both outputs, confined first.
fn kept_out(
    profile: &str,
    rel: &str,
    scene: impl FnOnce(&mut Desk) -> Vec<String>,
) -> (Output, Output) {
    let mut desk = Desk::serving();
    let argv = scene(&mut desk);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let confined = desk.run(Some(profile), &argv);
    let seen = desk.sightings(&confined, rel);
    assert!(
        seen.is_empty(),
        "{argv:?} under the {profile} profile: {rel} seen in {seen:?}\n{}",
        show(&confined)
    );
    let control = desk.run(None, &argv);
    assert!(
        !desk.sightings(&control, rel).is_empty(),
        "without llrun, {argv:?} did not reach {rel}: the attempt proves nothing\n{}",
        show(&control)
    );
    (confined, control)
}

fn show(out: &Output) -> String {
    format!(
        "status: {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        common::stdout(out),
        common::stderr(out)
    )
}

/// Owned words, for scenes.
fn words(argv: &[&str]) -> Vec<String> {
    argv.iter().map(|w| w.to_string()).collect()
}

/// Asserts that the confined run failed where the control succeeded.
#[track_caller]
fn refused(confined: &Output, control: &Output) {
    assert_code(control, 0);
    assert!(!confined.status.success(), "{}", show(confined));
}

// curl

#[test]
fn curl_fetches_a_page_into_the_working_directory() {
    let desk = Desk::serving();
    let url = desk.server().url("page.html");
    let out = desk.run(Some("curl"), &[CURL, "-sS", "-o", "saved.html", &url]);
    assert_code(&out, 0);
    let out = desk.run(Some("curl"), &[CURL, "-sS", "-O", &url]);
    assert_code(&out, 0);
    for name in ["saved.html", "page.html"] {
        assert_eq!(
            std::fs::read_to_string(desk.work().join(name)).unwrap(),
            PAGE
        );
    }
}

/// `file://`, an upload (`-T`), a form post (`-d @`, `-F`): none of them reads a key. curl
/// fails with its own status, but for `-d @`, where it warns and posts nothing.
#[test]
fn curl_keeps_the_keys_out() {
    for (rel, how, status) in [
        (KEY, ["file://~"].as_slice(), 37),
        (KEY, ["-T", "~", "URL"].as_slice(), 26),
        (AWS, ["-d", "@~", "URL"].as_slice(), 0),
        (AWS, ["-F", "f=@~", "URL"].as_slice(), 26),
    ] {
        let (confined, control) = kept_out("curl", rel, |desk| {
            let url = desk.server().url("");
            let mut argv = words(&[CURL, "-sS"]);
            argv.extend(
                how.iter()
                    .map(|w| w.replace('~', &desk.at(rel)).replace("URL", &url)),
            );
            argv
        });
        assert_code(&confined, status);
        assert_code(&control, 0);
    }
}

/// Replacing `~/.bashrc` with a download, run from the working directory or from the home
/// directory (`-o .bashrc`): curl fails and the file keeps its text; without llrun it is
/// replaced.
#[test]
fn curl_cannot_replace_a_login_file() {
    for from_home in [false, true] {
        let mut desk = Desk::serving();
        let target = if from_home {
            desk.start = desk.home();
            ".bashrc".to_string()
        } else {
            desk.at(".bashrc")
        };
        let url = desk.server().url("page.html");
        let argv = [CURL, "-sS", "-o", &target, &url];
        let confined = desk.run(Some("curl"), &argv);
        assert_code(&confined, 23);
        assert_eq!(std::fs::read_to_string(desk.at(".bashrc")).unwrap(), BASHRC);
        assert_code(&desk.run(None, &argv), 0);
        assert_eq!(std::fs::read_to_string(desk.at(".bashrc")).unwrap(), PAGE);
    }
}

/// Started in the home directory, the most common place, the current directory is all of it:
/// the keys stay out, downloads into a subdirectory work, and (the cost of the carve, as
/// curl.llp says) a download directly into the home directory is refused.
#[test]
fn curl_started_in_the_home_directory() {
    for (rel, how) in [(KEY, "file://~"), (AWS, "-T"), (GIT_LOGINS, "file://~")] {
        let (confined, control) = kept_out("curl", rel, |desk| {
            desk.start = desk.home();
            let mut argv = words(&[CURL, "-sS"]);
            match how {
                "-T" => argv.extend([how.into(), rel.into(), desk.server().url("")]),
                _ => argv.push(how.replace('~', &desk.at(rel))),
            }
            argv
        });
        refused(&confined, &control);
    }
    let mut desk = Desk::serving();
    desk.start = desk.home();
    let url = desk.server().url("page.html");
    let out = desk.run(
        Some("curl"),
        &[CURL, "-sS", "-o", "Downloads/page.html", &url],
    );
    assert_code(&out, 0);
    assert_eq!(
        std::fs::read_to_string(desk.at("Downloads/page.html")).unwrap(),
        PAGE
    );
    let out = desk.run(Some("curl"), &[CURL, "-sS", "-O", &url]);
    assert_code(&out, 23);
    assert!(!desk.home().join("page.html").exists());
}

/// curl.llp's advice, `deny connect tcp *` in `curl.local.llp`, refuses the server's port (the
/// kernel refuses the connection: nothing reaches the server); the web's ports stay allowed,
/// checked on port 80 where the test may listen there (as root).
#[test]
fn curl_local_override_keeps_curl_to_the_webs_ports() {
    let desk = Desk::serving();
    desk.write(
        "home/.config/llrun/profiles/curl.local.llp",
        "deny connect tcp *\n",
    );
    let url = desk.server().url("page.html");
    let out = desk.run(Some("curl"), &[CURL, "-sS", "-o", "page.html", &url]);
    assert_code(&out, 7);
    desk.server().settle();
    let received = std::fs::read_dir(desk.root().join("received")).unwrap();
    let requests: Vec<String> = received
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .filter(|r| !r.starts_with("GET /settle "))
        .collect();
    assert!(requests.is_empty(), "the server got {requests:?}");
    match http::Server::start_on(80, desk.root().join("site"), desk.root().join("received80")) {
        Ok(web) => {
            let out = desk.run(
                Some("curl"),
                &[CURL, "-sS", "-o", "page.html", &web.url("page.html")],
            );
            assert_code(&out, 0);
        }
        Err(e) => eprintln!("port 80 not checked: cannot listen there ({e})"),
    }
}

// git

/// Who commits, given as a user does on the command line.
const WHO: &[&str] = &[
    "-c",
    "user.name=A User",
    "-c",
    "user.email=user@example.org",
];

#[test]
fn git_works_in_the_working_directory() {
    let mut desk = Desk::new();
    let git = |desk: &Desk, args: &[&str]| {
        let out = desk.run(Some("git"), &[&[GIT][..], args].concat());
        assert_code(&out, 0);
        common::stdout(&out)
    };
    git(&desk, &["init", "-q", "project"]);
    desk.start = desk.work().join("project");
    desk.write("work/project/notes.txt", "notes\n");
    git(&desk, &["add", "notes.txt"]);
    git(
        &desk,
        &[WHO, &["commit", "-q", "-m", "add the notes"]].concat(),
    );
    let log = git(&desk, &["log", "--format=%an: %s"]);
    assert_eq!(log, "A User: add the notes\n");
    assert_eq!(git(&desk, &["status", "--porcelain"]), "");

    // Clones of a local repository, by path and by file:// URL, into the working directory.
    desk.start = desk.work();
    let upstream = desk.work().join("upstream");
    desk.repo(&upstream, &["README"]);
    let url = format!("file://{}", upstream.display());
    for (source, copy) in [("upstream", "by-path"), (url.as_str(), "by-url")] {
        git(&desk, &["clone", "-q", source, copy]);
        let readme = std::fs::read_to_string(desk.work().join(copy).join("README")).unwrap();
        assert_eq!(readme, "README\n");
    }
}

/// Makes `~/.ssh` a repository of its own, with the key committed (as dotfile managers do).
fn keys_in_a_repository(desk: &Desk) {
    desk.repo(&desk.home().join(".ssh"), &["id_rsa"]);
}

/// `~/.ssh` kept in a repository of its own (as dotfile managers do): git can neither look into
/// it nor clone it.
#[test]
fn git_cannot_reach_a_repository_in_a_denied_directory() {
    for how in ["show", "clone"] {
        let (confined, control) = kept_out("git", KEY, |desk| {
            keys_in_a_repository(desk);
            let ssh = desk.at(".ssh");
            match how {
                "show" => words(&[GIT, "-C", &ssh, "show", "HEAD:id_rsa"]),
                _ => words(&[GIT, "clone", "-q", &ssh, "keys"]),
            }
        });
        assert_code(&confined, 128);
        assert_code(&control, 0);
    }
    // `status` shows no content, only that git got in.
    let desk = Desk::new();
    keys_in_a_repository(&desk);
    let argv = [GIT, "-C", &desk.at(".ssh"), "status", "--porcelain"];
    assert_code(&desk.run(Some("git"), &argv), 128);
    assert_code(&desk.run(None, &argv), 0);
}

/// A symbolic link to the key in the repository: `git add` commits the link (git never follows
/// it, sandbox or not), and what does follow it (`hash-object -w`, `commit -F`) is refused.
#[test]
fn git_does_not_follow_a_link_to_the_key() {
    let linked = |desk: &mut Desk| {
        let repo = desk.work().join("repo");
        desk.repo(&repo, &["README"]);
        std::os::unix::fs::symlink(desk.at(KEY), repo.join("key")).unwrap();
        desk.start = repo;
    };
    for how in [
        &["hash-object", "-w", "key"][..],
        &[WHO, &["commit", "-q", "--allow-empty", "-F", "key"]].concat(),
    ] {
        let (confined, control) = kept_out("git", KEY, |desk| {
            linked(desk);
            words(&[&[GIT][..], how].concat())
        });
        refused(&confined, &control);
    }
    let mut desk = Desk::new();
    linked(&mut desk);
    for args in [
        &["add", "key"][..],
        &[WHO, &["commit", "-q", "-m", "link"]].concat(),
    ] {
        assert_code(&desk.run(Some("git"), &[&[GIT][..], args].concat()), 0);
    }
    let out = desk.run(None, &[GIT, "cat-file", "-p", "HEAD:key"]);
    assert_eq!(common::stdout(&out), desk.at(KEY));
    assert!(desk.sightings(&out, KEY).is_empty());
}

/// A repository whose configuration runs a command (a repository handed over as an archive, or
/// changed by a tool): an alias, the SSH command, the file-system monitor hook and the pager
/// each try `cat ~/.ssh/id_rsa`.
#[test]
fn git_configuration_cannot_run_a_command_that_reads_the_key() {
    for (key, value, args) in [
        ("alias.leak", "!cat ~", &["leak"][..]),
        (
            "core.sshCommand",
            "cat ~ >&2; false",
            &["ls-remote", "ssh://127.0.0.1/x"],
        ),
        ("core.fsmonitor", "cat ~ >&2; false", &["status"]),
        ("core.pager", "cat ~", &["-p", "log"]),
    ] {
        kept_out("git", KEY, |desk| {
            let repo = desk.work().join("repo");
            desk.repo(&repo, &["README"]);
            desk.git(&repo, &["config", key, &value.replace('~', &desk.at(KEY))]);
            desk.start = repo;
            // git starts its pager only on a terminal.
            desk.terminal = key == "core.pager";
            words(&[&[GIT][..], args].concat())
        });
    }
}

/// Started in the home directory, where `git clone` usually runs: the keys stay out, clones go
/// into a subdirectory, and (the cost of the carve, as git.llp says) not directly into the home
/// directory.
#[test]
fn git_started_in_the_home_directory() {
    for how in ["alias", "clone"] {
        let (confined, control) = kept_out("git", KEY, |desk| {
            desk.start = desk.home();
            if how == "alias" {
                words(&[GIT, "-c", &format!("alias.leak=!cat {KEY}"), "leak"])
            } else {
                keys_in_a_repository(desk);
                words(&[GIT, "clone", "-q", ".ssh", "Projects/keys"])
            }
        });
        refused(&confined, &control);
    }
    let mut desk = Desk::new();
    desk.start = desk.home();
    desk.repo(&desk.home().join("Projects/origin"), &["README"]);
    let clone = |dest: &str| desk.run(Some("git"), &[GIT, "clone", "-q", "Projects/origin", dest]);
    assert_code(&clone("Projects/copy"), 0);
    assert!(desk.home().join("Projects/copy/README").is_file());
    assert_code(&clone("copy"), 128);
    assert!(!desk.home().join("copy").exists());
}

/// git may read the logins its `store` helper saved (and only git: curl cannot, above).
#[test]
fn git_reads_the_logins_it_stored() {
    let desk = Desk::new();
    let mut cmd = desk.command(
        Some("git"),
        &[GIT, "-c", "credential.helper=store", "credential", "fill"],
    );
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"protocol=https\nhost=example.org\n\n")
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_code(&out, 0);
    let password = format!("password={}\n", secret(GIT_LOGINS));
    assert!(common::stdout(&out).contains(&password), "{}", show(&out));
}

// python3

/// A script started in the working directory writes and reads there, and cannot read the key.
#[test]
fn python3_runs_a_script_but_keeps_the_key_out() {
    let (confined, control) = kept_out("python3", KEY, |desk| {
        let code = format!(
            "open('out.txt', 'w').write('ran')\nprint(open('out.txt').read())\nprint(open({:?}).read())",
            desk.at(KEY)
        );
        words(&[PY, "-c", &code])
    });
    assert_code(&confined, 1);
    assert_code(&control, 0);
    assert_eq!(common::stdout(&confined), "ran\n");
    assert!(common::stderr(&confined).contains("PermissionError"));
}

// Exit codes

/// The program's own exit status comes back through llrun, the same as without it.
#[test]
fn exit_codes_pass_through() {
    let desk = Desk::serving();
    let repo = desk.work().join("repo");
    desk.repo(&repo, &["README"]);
    std::fs::write(repo.join("README"), "changed\n").unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let missing = desk.server().url("missing.html");
    let cases: [(&str, Vec<&str>, i32); 4] = [
        ("git", vec![GIT, "status"], 128),
        (
            "git",
            vec![GIT, "-C", "repo", "diff", "--exit-code", "--quiet"],
            1,
        ),
        ("curl", vec![CURL, "-sSf", &missing], 22),
        ("curl", vec![CURL, "-sS", &closed_url], 7),
    ];
    for (profile, argv, code) in cases {
        assert_code(&desk.run(None, &argv), code);
        assert_code(&desk.run(Some(profile), &argv), code);
    }
}
