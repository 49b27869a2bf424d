//! Real browsers under their shipped profiles: Debian's `firefox-esr` and `chromium`, started
//! headless by profile name as a user starts them (`llrun --profile firefox-esr firefox-esr …`),
//! in a home with planted secrets (the escape suite's [`attack::Home`]).
//!
//! - **They work**: each renders a page from a server on 127.0.0.1 whose script fetches more
//!   from it, and writes what it shows (Firefox a PNG screenshot, Chromium a PDF and the DOM)
//!   into the downloads directory.
//! - **They keep secrets out, by the kernel's verdict**: a page reads files of the home with
//!   `file://` requests and reports each. The browser's own barrier is lifted for it
//!   (Chromium's `--allow-file-access-from-files`, Firefox's
//!   `security.fileuri.strict_origin_policy`), as it would be in a compromised browser: the same
//!   command without llrun is the control, and reads every secret.
//! - **They leave nothing behind that runs later**: the file each writes is aimed at
//!   `~/.bashrc` and `~/.config/autostart`.
//!
//! Each browser starts a handful of times; a launch that outlives [`DEADLINE`] is killed and
//! fails its test (Firefox's `--screenshot`, for one, waits forever on a page that fails to
//! load).

mod common;

#[allow(dead_code, unused_imports)]
#[path = "escape/attack/mod.rs"]
mod attack;

use attack::{Home, SECRETS, secret_text};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long one browser launch may take before it is killed. Launches take one to a few
/// seconds here; this only keeps a hung browser from hanging the suite.
const DEADLINE: Duration = Duration::from_secs(120);

/// Chromium's data, planted in every home: for Firefox it is another browser's.
const CHROMIUM_COOKIES: &str = ".config/chromium/Default/Cookies";

/// A document of the planted home: the browser profiles do not grant it (unless the downloads
/// directory is the home itself).
const PLAIN_DOCUMENT: &str = "Documents/notes.txt";
/// A file in the downloads directory, which the browser profiles grant.
const DOWNLOADED: &str = "Downloads/report.txt";

/// A test of `scenario` for each browser, named `firefox` and `chromium`.
macro_rules! for_each_browser {
    ($scenario:ident: $firefox:ident, $chromium:ident) => {
        #[test]
        fn $firefox() {
            $scenario(Browser::FirefoxEsr);
        }

        #[test]
        fn $chromium() {
            $scenario(Browser::Chromium);
        }
    };
}

#[derive(Clone, Copy, Debug)]
enum Browser {
    FirefoxEsr,
    Chromium,
}

impl Browser {
    /// The program, and the name of its shipped profile.
    fn name(self) -> &'static str {
        match self {
            Browser::FirefoxEsr => "firefox-esr",
            Browser::Chromium => "chromium",
        }
    }

    /// The directories the profile's comment tells the user to create before the first run
    /// (Landlock cannot let the browser create them in the home directory): only headless
    /// Chromium's own now.
    fn first_run_dirs(self) -> &'static [&'static str] {
        // The profiles' `mkdir` creates the rest (Firefox's cache and profile directories,
        // Chromium's profile, cache and ~/.pki): the tests start from a home without them.
        match self {
            Browser::FirefoxEsr => &[],
            Browser::Chromium => &[".config/chromium-headless", ".cache/chromium-headless"],
        }
    }

    /// The directories the profile's `mkdir` creates on a first run.
    fn made_dirs(self) -> &'static [&'static str] {
        match self {
            Browser::FirefoxEsr => &[".cache/mozilla"],
            Browser::Chromium => &[".config/chromium", ".cache/chromium", ".pki"],
        }
    }

    /// Whether `rel` (in the home) is this browser's own data, which its profile grants.
    fn owns(self, rel: &str) -> bool {
        let own: &[&str] = match self {
            Browser::FirefoxEsr => &[".mozilla/", ".config/mozilla/", ".cache/mozilla/"],
            Browser::Chromium => &[".config/chromium/", ".pki/"],
        };
        own.iter().any(|dir| rel.starts_with(dir))
    }

    /// The secrets of the planted home that this browser must not read: keys, tokens and the
    /// other browser's data.
    fn secrets(self) -> Vec<&'static str> {
        SECRETS
            .iter()
            .copied()
            .chain([CHROMIUM_COOKIES])
            .filter(|rel| !self.owns(rel))
            .collect()
    }

    /// Headless: load `url` and write what it shows to `out` (Firefox a PNG screenshot,
    /// Chromium a PDF); Chromium also prints the DOM. The flags are those Debian's Chromium
    /// needs as root on this machine (`--no-sandbox`: llrun is the sandbox) and those that keep
    /// it off the closed network.
    fn headless(self, out: &Path, url: &str) -> Vec<String> {
        let out = out.to_string_lossy();
        let args: Vec<String> = match self {
            Browser::FirefoxEsr => vec!["--headless".into(), "--screenshot".into(), out.into()],
            Browser::Chromium => [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--dump-dom",
            ]
            .iter()
            .map(|a| a.to_string())
            .chain([format!("--print-to-pdf={out}")])
            .collect(),
        };
        args.into_iter().chain([url.to_string()]).collect()
    }

    /// The arguments that let a `file://` page read other `file://` URLs, and (Firefox) print
    /// with `dump()`: a Firefox profile of its own in the granted `~/.config/mozilla`.
    fn lift_file_barrier(self, home: &Home) -> Vec<String> {
        match self {
            Browser::FirefoxEsr => {
                let dir = home.write(
                    "home/.config/mozilla/firefox/llrun-test/user.js",
                    "user_pref(\"security.fileuri.strict_origin_policy\", false);\n\
                     user_pref(\"browser.dom.window.dump.enabled\", true);\n",
                );
                let dir = dir.parent().unwrap().to_string_lossy().into_owned();
                vec!["--profile".into(), dir]
            }
            Browser::Chromium => vec!["--allow-file-access-from-files".into()],
        }
    }

    /// The file extension of what [`Browser::headless`] writes.
    fn output_kind(self) -> &'static str {
        match self {
            Browser::FirefoxEsr => "png",
            Browser::Chromium => "pdf",
        }
    }

    /// The first bytes of what [`Browser::headless`] writes.
    fn output_magic(self) -> &'static [u8] {
        match self {
            Browser::FirefoxEsr => b"\x89PNG\r\n\x1a\n",
            Browser::Chromium => b"%PDF-",
        }
    }

    /// A planted home with the directories of a first run, and Chromium's data.
    fn home(self) -> Home {
        assert!(
            Path::new("/usr/bin").join(self.name()).exists(),
            "{} is not installed: `apt-get install firefox-esr chromium` (.ci/run does)",
            self.name()
        );
        let home = Home::planted();
        for dir in self.first_run_dirs() {
            std::fs::create_dir_all(home.home().join(dir)).unwrap();
        }
        home.write(
            &format!("home/{CHROMIUM_COOKIES}"),
            &secret_text(CHROMIUM_COOKIES),
        );
        home
    }

    /// `llrun --profile NAME NAME ARGS`: the browser under its shipped profile.
    fn confined(self, home: &Home, args: &[String]) -> Command {
        let mut cmd = home.llrun(self.name());
        cmd.arg(self.name()).args(args);
        cmd
    }

    /// The same browser with the same environment, without llrun: the control.
    fn unconfined(self, home: &Home, args: &[String]) -> Command {
        let mut cmd = Command::new(self.name());
        cmd.args(args)
            .env("HOME", home.home())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_CACHE_HOME")
            .current_dir(home.work());
        cmd
    }
}

/// How one launch ended.
struct Ran {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn dump(&self) -> String {
        format!(
            "status: {:?}\nstdout:\n{}\nstderr:\n{}",
            self.status, self.stdout, self.stderr
        )
    }

    /// What the reading page reported: one `rel → "OK \"text\""` or `rel → "FAILED error"`
    /// per file.
    fn reads(&self) -> BTreeMap<String, String> {
        self.stdout
            .lines()
            .filter_map(|l| l.find(REPORT).map(|at| &l[at + REPORT.len()..]))
            .filter_map(|l| l.split_once(' '))
            .map(|(rel, result)| (rel.to_string(), result.to_string()))
            .collect()
    }
}

/// Runs `cmd` in a process group of its own, its output into files (a helper the browser
/// leaves behind cannot then hold a pipe open), and kills the group past [`DEADLINE`].
/// llrun becomes the browser (the shipped browser profiles need no supervisor and no pty), so
/// the group is the browser's.
fn run(mut cmd: Command, home: &Home, label: &str) -> Ran {
    let out = home.root().join(format!("{label}.stdout"));
    let err = home.root().join(format!("{label}.stderr"));
    cmd.stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .process_group(0);
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn the browser");
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let group = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
            let _ = child.wait();
            panic!(
                "{label}: still running after {DEADLINE:?}, killed\nstderr:\n{}",
                read(&err)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    eprintln!("{label}: {:.1} s", started.elapsed().as_secs_f64());
    Ran {
        status,
        stdout: read(&out),
        stderr: read(&err),
    }
}

/// The marker of the reading page's lines. The page builds it from an escape, so that its
/// source (which Chromium's DOM dump prints too) never holds it.
const REPORT: &str = "READ ";

/// The arguments that make `browser` load `~/Downloads/reader.html` with the `file://` barrier
/// lifted, and write what it shows to `out`. The page reads the browser's secrets,
/// [`PLAIN_DOCUMENT`] and [`DOWNLOADED`] with synchronous `file://` requests and reports one
/// line per file, `READ rel OK "text"` or `READ rel FAILED error`, into its DOM (which Chromium
/// prints) and through `dump()` (which Firefox prints).
fn read_the_home(browser: Browser, home: &Home, out: &Path) -> Vec<String> {
    let list: Vec<String> = browser
        .secrets()
        .into_iter()
        .chain([PLAIN_DOCUMENT, DOWNLOADED])
        .map(|rel| format!("[{rel:?}, {:?}]", format!("file://{}", home.at(rel))))
        .collect();
    let page = format!(
        "<html><body><pre id=out></pre><script>
const out = document.getElementById('out');
for (const [rel, url] of [{}]) {{
  let result;
  try {{
    const x = new XMLHttpRequest();
    x.open('GET', url, false);
    x.send();
    result = 'OK ' + JSON.stringify(x.responseText);
  }} catch (e) {{
    result = 'FAILED ' + e.name;
  }}
  const line = '\\u0052EAD ' + rel + ' ' + result + '\\n';
  out.textContent += line;
  if (window.dump) dump(line);
}}
</script></body></html>
",
        list.join(", ")
    );
    let page = home.write("home/Downloads/reader.html", &page);
    let mut args = browser.lift_file_barrier(home);
    args.extend(browser.headless(out, &format!("file://{}", page.display())));
    args
}

/// What a run of the reading page said about `rel`; fails if it said nothing.
#[track_caller]
fn read_of(ran: &Ran, rel: &str) -> String {
    match ran.reads().remove(rel) {
        Some(result) => result,
        None => panic!("the page reported nothing about {rel}:\n{}", ran.dump()),
    }
}

/// Asserts that the confined run read what the downloads hold and none of `secrets`, and that
/// no secret's text appears anywhere in what it printed.
#[track_caller]
fn assert_read_nothing_secret(ran: &Ran, secrets: &[&str]) {
    assert_eq!(ran.status.code(), Some(0), "{}", ran.dump());
    assert!(
        read_of(ran, DOWNLOADED).contains(&format!("plain {DOWNLOADED}")),
        "the page could not read the downloads:\n{}",
        ran.dump()
    );
    for rel in secrets {
        let result = read_of(ran, rel);
        assert!(result.starts_with("FAILED"), "{rel} was read: {result}");
    }
    assert!(
        !ran.stdout.contains("LLRUN-SECRET"),
        "a secret in the output:\n{}",
        ran.dump()
    );
}

/// Asserts that `~/.bashrc` still holds what [`Home::planted`] wrote.
#[track_caller]
fn assert_bashrc_untouched(home: &Home, ran: &Ran) {
    let now = std::fs::read(home.home().join(".bashrc")).unwrap();
    assert!(
        now == b"plain .bashrc",
        "~/.bashrc changed ({} bytes now)\n{}",
        now.len(),
        ran.dump()
    );
}

/// A web server on 127.0.0.1 that serves [`PAGE`] at `/page.html` and [`SERVED`] at
/// `/data`, and remembers the paths it was asked for.
struct Server {
    port: u16,
    asked: Arc<Mutex<Vec<String>>>,
}

/// A page whose script fetches `/data` from its server and shows it.
const PAGE: &str = "<html><body><p id=out>not fetched</p><script>
const x = new XMLHttpRequest();
x.open('GET', '/data', false);
x.send();
document.getElementById('out').textContent = 'fetched ' + x.responseText;
</script></body></html>
";
const SERVED: &str = "LLRUN-SERVED-DATA";

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || answer(stream, &log));
            }
        });
        Server { port, asked }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/page.html", self.port)
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

/// Answers one HTTP/1.1 request and closes the connection.
fn answer(stream: TcpStream, log: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(&stream);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(n) if n > 0 && line != "\r\n" => head.push(line),
            _ => break,
        }
    }
    let Some(path) = head.first().and_then(|l| l.split_whitespace().nth(1)) else {
        return; // a connection opened ahead of need, closed unused
    };
    log.lock().unwrap().push(path.to_string());
    let (status, kind, body) = match path {
        "/page.html" => ("200 OK", "text/html", PAGE),
        "/data" => ("200 OK", "text/plain", SERVED),
        _ => ("404 Not Found", "text/plain", "not here"),
    };
    let _ = (&stream).write_all(
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
}

/// The browser renders a page from a local server under its profile: the page's script ran and
/// fetched from the server, what the browser wrote is in the downloads directory, and the
/// browser's own exit status came back.
fn renders_a_page_from_a_local_server(browser: Browser) {
    let home = browser.home();
    let server = Server::start();
    let out = home
        .home()
        .join(format!("Downloads/page.{}", browser.output_kind()));
    let ran = run(
        browser.confined(&home, &browser.headless(&out, &server.url())),
        &home,
        "render",
    );
    assert_eq!(ran.status.code(), Some(0), "{}", ran.dump());
    for dir in browser.made_dirs() {
        assert!(home.home().join(dir).is_dir(), "~/{dir} was not made");
    }
    let asked = server.asked();
    assert!(
        asked.iter().any(|p| p == "/page.html") && asked.iter().any(|p| p == "/data"),
        "the server was asked for {asked:?}\n{}",
        ran.dump()
    );
    let written = std::fs::read(&out).unwrap_or_default();
    assert!(
        written.starts_with(browser.output_magic()) && written.len() > 1000,
        "{} holds {} bytes\n{}",
        out.display(),
        written.len(),
        ran.dump()
    );
    if let Browser::Chromium = browser {
        assert!(
            ran.stdout.contains(&format!("fetched {SERVED}")),
            "{}",
            ran.dump()
        );
    }
}

for_each_browser!(
    renders_a_page_from_a_local_server:
    firefox_esr_renders_a_page_from_a_local_server,
    chromium_renders_a_page_from_a_local_server
);

/// `chromium --dump-dom file://~/.ssh/id_rsa` prints the key without llrun and nothing of it
/// under the chromium profile, with the same exit status.
#[test]
fn chromium_shows_the_ssh_key_only_without_llrun() {
    let browser = Browser::Chromium;
    let home = browser.home();
    let key = ".ssh/id_rsa";
    let args = browser.headless(
        &home.home().join("Downloads/key.pdf"),
        &format!("file://{}", home.at(key)),
    );
    let control = run(browser.unconfined(&home, &args), &home, "control");
    assert!(
        control.stdout.contains(&secret_text(key)),
        "the control did not show the key:\n{}",
        control.dump()
    );
    let confined = run(browser.confined(&home, &args), &home, "confined");
    assert!(
        !confined.stdout.contains("LLRUN-SECRET"),
        "{}",
        confined.dump()
    );
    assert_eq!(confined.status.code(), control.status.code());
}

/// A page with the browser's own `file://` barrier lifted reads keys, tokens and the other
/// browser's data without llrun, and none of them (nor the documents) under the profile; the
/// file the browser writes, aimed at `~/.bashrc`, is written there without llrun only.
fn reads_no_secret_and_writes_no_bashrc(browser: Browser) {
    let home = browser.home();
    let secrets = browser.secrets();
    let bashrc = home.home().join(".bashrc");
    let args = read_the_home(browser, &home, &bashrc);

    let confined = run(browser.confined(&home, &args), &home, "confined");
    assert_read_nothing_secret(&confined, &[&secrets[..], &[PLAIN_DOCUMENT]].concat());
    assert_bashrc_untouched(&home, &confined);

    let control = run(browser.unconfined(&home, &args), &home, "control");
    assert_eq!(control.status.code(), confined.status.code());
    for rel in &secrets {
        assert!(
            read_of(&control, rel).contains(&secret_text(rel)),
            "the control did not read {rel}:\n{}",
            control.dump()
        );
    }
    assert!(
        std::fs::read(&bashrc)
            .unwrap()
            .starts_with(browser.output_magic()),
        "the control did not write ~/.bashrc:\n{}",
        control.dump()
    );
}

for_each_browser!(
    reads_no_secret_and_writes_no_bashrc:
    a_page_in_firefox_esr_reads_no_secret_and_firefox_writes_no_bashrc,
    a_page_in_chromium_reads_no_secret_and_chromium_writes_no_bashrc
);

/// The downloads directory set to the home itself in `user-dirs.dirs` (`xdg-user-dirs-update`
/// does this when `~/Downloads` is missing) makes the profile's `allow rw ${DOWNLOAD}` grant
/// the whole home. The page then reads the documents, but still no key, token or other
/// browser's data, and the browser still cannot change `~/.bashrc` or put a file in
/// `~/.config/autostart`.
fn with_downloads_in_the_home_still_keeps_secrets_and_startup_files(browser: Browser) {
    let home = browser.home();
    home.write(
        "home/.config/user-dirs.dirs",
        "XDG_DOWNLOAD_DIR=\"$HOME/\"\n",
    );
    let autostart = home.home().join(".config/autostart");
    std::fs::create_dir_all(&autostart).unwrap();
    for (label, out) in [
        ("bashrc", home.home().join(".bashrc")),
        ("autostart", autostart.join("evil.desktop")),
    ] {
        let args = read_the_home(browser, &home, &out);
        let ran = run(browser.confined(&home, &args), &home, label);
        assert_read_nothing_secret(&ran, &browser.secrets());
        assert!(
            read_of(&ran, PLAIN_DOCUMENT).contains("plain"),
            "the downloads setting did not widen the profile:\n{}",
            ran.dump()
        );
        assert_bashrc_untouched(&home, &ran);
        let planted: Vec<PathBuf> = std::fs::read_dir(&autostart)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(planted.is_empty(), "{planted:?}\n{}", ran.dump());
    }
}

for_each_browser!(
    with_downloads_in_the_home_still_keeps_secrets_and_startup_files:
    firefox_esr_with_downloads_in_the_home_still_keeps_secrets_and_startup_files,
    chromium_with_downloads_in_the_home_still_keeps_secrets_and_startup_files
);
