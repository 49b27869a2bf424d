//! The filtered session bus: xdg-dbus-proxy, started outside the sandbox, between the program
//! and the user's real bus.
//!
//! - Each layer that names the bus (`dbus …`) gets a proxy with its own rules; the proxies are
//!   chained (the second's upstream is the first's socket), so what reaches the real bus is
//!   what every layer allows. A layer that names nothing on the bus means no bus at all.
//! - The program's `DBUS_SESSION_BUS_ADDRESS` names the last proxy's socket; the real address
//!   never reaches it. Each layer gets a `connect unix` rule on that one socket, and nothing
//!   else: the real bus (`/run/user/UID/bus`) stays refused like any socket not named.
//! - Lifetime: each proxy holds one end of a socket pair (`--fd`), llrun the other. The proxy
//!   says it is ready through it and exits when llrun's end closes: at the end of the run, or
//!   when llrun dies. A proxy that dies early leaves the program without a bus, never with the
//!   real one.

use crate::policy::dbus::DbusRule;
use crate::policy::pattern::{self, Pattern};
use crate::policy::{Compat, FsRule, Layer, RuleKind};
use llrun_kernel::FsAccess;
use nix::sys::socket::{AddressFamily, SockFlag, SockType, socketpair};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The proxy program (Debian's and Flatpak's `xdg-dbus-proxy`).
const PROXY: &str = "xdg-dbus-proxy";
/// How long a proxy may take to say it is ready.
const READY_WITHIN: Duration = Duration::from_secs(10);

/// Why the filtered bus could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum DbusError {
    #[error("profile `{layer}` names the session bus, but xdg-dbus-proxy is not installed")]
    NoProxy { layer: String },
    #[error("cannot start xdg-dbus-proxy: {0}")]
    Start(std::io::Error),
    #[error("xdg-dbus-proxy did not come up: {0}")]
    NotReady(String),
    #[error("{} is not a directory of yours that only you can use (mode {mode:o}, owner {uid}); the D-Bus proxy's socket cannot go there", .path.display())]
    Unsafe { path: PathBuf, mode: u32, uid: u32 },
}

impl DbusError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            DbusError::NoProxy { .. } => Some(
                "install it (`apt-get install xdg-dbus-proxy`), or run without a bus with `--compat best-effort`",
            ),
            DbusError::Start(_) | DbusError::NotReady(_) => {
                Some("`--compat best-effort` runs the program without a bus instead")
            }
            DbusError::Unsafe { .. } => Some(
                "another user could swap the proxy's socket there: remove it, or make it yours and `chmod 700` it",
            ),
        }
    }
}

/// What the program gets on the bus.
pub enum Bus {
    /// No bus: no layer names one, the session has none, or (best-effort) no proxy.
    None { notice: Option<String> },
    /// The filtered bus: the proxies, and the address of the last one.
    Filtered(Proxies),
}

/// Running proxies; dropping this ends them and removes their sockets.
pub struct Proxies {
    children: Vec<(Child, OwnedFd)>,
    dir: PathBuf,
    socket: PathBuf,
}

impl Proxies {
    /// The socket the program connects to.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// `DBUS_SESSION_BUS_ADDRESS` for the program.
    pub fn address(&self) -> OsString {
        let mut a = OsString::from("unix:path=");
        a.push(&self.socket);
        a
    }
}

impl Drop for Proxies {
    fn drop(&mut self) {
        for (mut child, end) in self.children.drain(..).rev() {
            // Closing our end tells the proxy to exit; a kill makes sure of it.
            drop(end);
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Sets up the bus for `layers` (adding the rule that lets them reach the proxy's socket).
/// `env` is llrun's environment; `compat` decides what a missing proxy means.
pub fn set_up(
    layers: &mut [Layer],
    env: &BTreeMap<OsString, OsString>,
    compat: Compat,
) -> Result<Bus, DbusError> {
    if layers.is_empty() || layers.iter().any(|l| l.dbus.is_empty()) {
        return Ok(Bus::None { notice: None });
    }
    let Some(upstream) = session_address(env) else {
        return Ok(Bus::None { notice: None });
    };
    let Some(proxy) = find_on_path(env) else {
        let layer = layers[0].name.clone();
        return match compat {
            Compat::Strict => Err(DbusError::NoProxy { layer }),
            Compat::BestEffort => Ok(Bus::None {
                notice: Some(format!(
                    "profile `{layer}` names the session bus, but xdg-dbus-proxy is not installed: the program runs without a bus"
                )),
            }),
        };
    };
    let proxies = start(&proxy, &upstream, layers, env).map_err(|e| match e {
        Started::Io(e) => DbusError::Start(e),
        Started::NotReady(why) => DbusError::NotReady(why),
        Started::Unsafe { path, mode, uid } => DbusError::Unsafe { path, mode, uid },
    })?;
    allow_socket(layers, &proxies.socket);
    Ok(Bus::Filtered(proxies))
}

/// Lets every layer that names the bus connect to the proxy's `socket` (the rule's place is
/// the layer's first `dbus` statement). Also after a live edit: an edit that drops every
/// `dbus` statement of a layer takes the bus away.
pub fn allow_socket(layers: &mut [Layer], socket: &Path) {
    let Ok(pattern) = Pattern::parse(&pattern::literal(&socket.to_string_lossy())) else {
        return;
    };
    for layer in layers.iter_mut() {
        let Some(first) = layer.dbus.first() else {
            continue;
        };
        let span = first.span;
        layer.fs_rules.push(FsRule {
            kind: RuleKind::Allow,
            access: FsAccess::RESOLVE_UNIX,
            pattern: pattern.clone(),
            span,
        });
    }
}

/// The user's session bus: `DBUS_SESSION_BUS_ADDRESS`, or `$XDG_RUNTIME_DIR/bus` if it exists.
fn session_address(env: &BTreeMap<OsString, OsString>) -> Option<OsString> {
    if let Some(a) = env.get(&OsString::from("DBUS_SESSION_BUS_ADDRESS")) {
        return (!a.is_empty()).then(|| a.clone());
    }
    let runtime = env.get(&OsString::from("XDG_RUNTIME_DIR"))?;
    let bus = Path::new(runtime).join("bus");
    bus.exists().then(|| {
        let mut a = OsString::from("unix:path=");
        a.push(bus);
        a
    })
}

fn find_on_path(env: &BTreeMap<OsString, OsString>) -> Option<PathBuf> {
    let path = env.get(&OsString::from("PATH"))?;
    std::env::split_paths(path)
        .map(|d| d.join(PROXY))
        .find(|p| p.is_file())
}

enum Started {
    Io(std::io::Error),
    NotReady(String),
    Unsafe { path: PathBuf, mode: u32, uid: u32 },
}

impl From<std::io::Error> for Started {
    fn from(e: std::io::Error) -> Started {
        Started::Io(e)
    }
}

/// One proxy per layer, chained, in an owner-only directory of their own.
fn start(
    proxy: &Path,
    upstream: &OsString,
    layers: &[Layer],
    env: &BTreeMap<OsString, OsString>,
) -> Result<Proxies, Started> {
    let base = runtime_dir(env);
    private_base(&base)?;
    let dir = base.join(format!("dbus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    crate::private::create_dir_all(&dir)?;
    let mut proxies = Proxies {
        children: Vec::new(),
        socket: PathBuf::new(),
        dir: dir.clone(),
    };
    let mut upstream = upstream.clone();
    for (i, layer) in layers.iter().enumerate() {
        let socket = dir.join(format!("bus-{}", i + 1));
        let (child, end) = spawn(proxy, &upstream, &socket, &layer.dbus)?;
        proxies.children.push((child, end));
        let (child, end) = proxies.children.last_mut().expect("just pushed");
        ready(child, end)?;
        upstream = OsString::from("unix:path=");
        upstream.push(&socket);
        proxies.socket = socket;
    }
    Ok(proxies)
}

/// Where llrun keeps its sockets: `$XDG_RUNTIME_DIR/llrun`, else a per-user temporary one.
fn runtime_dir(env: &BTreeMap<OsString, OsString>) -> PathBuf {
    match env.get(&OsString::from("XDG_RUNTIME_DIR")) {
        Some(d) if Path::new(d).is_absolute() => Path::new(d).join("llrun"),
        _ => std::env::temp_dir().join(format!("llrun-{}", nix::unistd::getuid())),
    }
}

/// Makes `dir` (0700) if it is missing, and refuses one that is not a directory of this user's
/// that only they can enter: whoever can write it can rename the run's socket directory away
/// and put a socket of their own in its place, which the program, allowed that path, would
/// then reach (the fallback `/tmp/llrun-UID` is open to anyone to create first).
fn private_base(dir: &Path) -> Result<(), Started> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    crate::private::create_dir_all(dir)?;
    let meta = std::fs::symlink_metadata(dir)?;
    let mode = meta.permissions().mode() & 0o7777;
    let uid = nix::unistd::getuid().as_raw();
    if meta.is_dir() && meta.uid() == uid && mode & 0o077 == 0 {
        return Ok(());
    }
    Err(Started::Unsafe {
        path: dir.to_path_buf(),
        mode,
        uid: meta.uid(),
    })
}

/// Starts one proxy with `rules`; returns it and llrun's end of its `--fd` socket pair.
fn spawn(
    proxy: &Path,
    upstream: &OsString,
    socket: &Path,
    rules: &[DbusRule],
) -> Result<(Child, OwnedFd), Started> {
    let (ours, theirs) = socketpair(
        AddressFamily::Unix,
        SockType::Stream,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .map_err(std::io::Error::from)?;
    // Only the proxy inherits its end: nothing else is started while it is inheritable, and it
    // is closed here right after the spawn.
    nix::fcntl::fcntl(
        &theirs,
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
    )
    .map_err(std::io::Error::from)?;
    let mut cmd = Command::new(proxy);
    cmd.arg(format!("--fd={}", theirs.as_raw_fd()))
        .arg(upstream)
        .arg(socket)
        .arg("--filter")
        .args(rules.iter().map(DbusRule::proxy_arg))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let child = cmd.spawn()?;
    drop(theirs);
    Ok((child, ours))
}

/// Waits for the proxy's ready byte; its own words if it exits instead.
fn ready(child: &mut Child, end: &OwnedFd) -> Result<(), Started> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let mut fds = [PollFd::new(
        std::os::fd::AsFd::as_fd(end),
        PollFlags::POLLIN,
    )];
    let timeout =
        PollTimeout::try_from(READY_WITHIN.as_millis() as i32).unwrap_or(PollTimeout::MAX);
    let polled = poll(&mut fds, timeout).map_err(std::io::Error::from)?;
    let mut byte = [0u8; 1];
    if polled == 1 && nix::unistd::read(end, &mut byte).is_ok_and(|n| n == 1) {
        pass_on_stderr(child);
        return Ok(());
    }
    let _ = child.kill();
    let _ = child.wait();
    let mut words = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut words);
    }
    let words = words.lines().next().unwrap_or("no answer").to_string();
    Err(Started::NotReady(if polled == 0 {
        format!("no answer within {} s", READY_WITHIN.as_secs())
    } else {
        words
    }))
}

/// From here on, what the proxy says goes to llrun's standard error: a pipe nobody reads would
/// fill (64 KiB of warnings, which a program can provoke with bad messages) and stall the proxy,
/// and with it the program's bus.
fn pass_on_stderr(child: &mut Child) {
    if let Some(mut said) = child.stderr.take() {
        let _ = std::thread::Builder::new()
            .name("llrun-dbus-proxy-stderr".into())
            .spawn(move || std::io::copy(&mut said, &mut std::io::stderr()));
    }
}

/// The program's environment without the real bus, and with the filtered one if any.
pub fn environment(env: &mut Vec<(OsString, OsString)>, bus: &Bus) {
    let name = OsString::from("DBUS_SESSION_BUS_ADDRESS");
    env.retain(|(k, _)| *k != name);
    if let Bus::Filtered(p) = bus {
        env.push((name, p.address()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_never_gets_the_real_bus() {
        let mut env = vec![
            (
                "DBUS_SESSION_BUS_ADDRESS".into(),
                "unix:path=/run/user/1/bus".into(),
            ),
            ("HOME".into(), "/h".into()),
        ];
        environment(&mut env, &Bus::None { notice: None });
        assert_eq!(env, vec![(OsString::from("HOME"), OsString::from("/h"))]);
    }
}
