//! "Always": an answer written as llp text into the user's override for the profile,
//! `$XDG_CONFIG_HOME/llrun/profiles/NAME.local.llp`, which the shipped profiles include.

use super::log::Log;
use crate::prompt::Ask;
use llrun_kernel::FsAccess;
use std::io::Write;
use std::path::PathBuf;

/// The override file of one profile.
#[derive(Debug, Clone)]
pub struct Override {
    pub path: PathBuf,
}

impl Override {
    /// The override for profile `name` under `config_home`.
    pub fn for_profile(config_home: &str, name: &str) -> Override {
        let stem = std::path::Path::new(name)
            .file_stem()
            .map_or_else(|| name.to_string(), |s| s.to_string_lossy().into_owned());
        Override {
            path: PathBuf::from(config_home).join(format!("llrun/profiles/{stem}.local.llp")),
        }
    }

    /// Appends the rule for an answer, with a comment saying when and why. The file is
    /// replaced atomically (written beside it, then renamed), so a reader (the next run, or a
    /// live reload) never sees half a rule.
    pub fn append(&self, allow: bool, rights: FsAccess, pattern: &str, ask: &Ask, log: &Log) {
        let rule = rule_text(allow, rights, pattern);
        let comment = format!(
            "# added by llrun at {} (unix time): pid {} ({}) asked, rule {}\n",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            ask.pid,
            ask.exe.replace('\n', " "),
            ask.rule
        );
        match self.write(&format!("{comment}{rule}\n")) {
            Ok(()) => log.event("remembered", format!("{} in {}", rule, self.path.display())),
            Err(e) => {
                eprintln!(
                    "llrun: cannot remember the answer in {}: {e}\n  = hint: add `{rule}` to it yourself",
                    self.path.display()
                );
                log.event("remember-failed", format!("{}: {e}", self.path.display()));
            }
        }
    }

    fn write(&self, addition: &str) -> std::io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut text = std::fs::read_to_string(&self.path).unwrap_or_default();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(addition);
        let tmp = self
            .path
            .with_extension(format!("llp.tmp{}", std::process::id()));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &self.path)
    }
}

/// The llp rule for an answer: the pattern quoted, so spaces and unicode survive.
pub fn rule_text(allow: bool, rights: FsAccess, pattern: &str) -> String {
    let kind = if allow { "allow" } else { "deny" };
    let quoted = pattern.replace('\\', "\\\\").replace('"', "\\\"");
    format!("{kind} {} \"{quoted}\"", words(rights))
}

/// The access words that cover `rights`, widened to whole words (`fs.read_file` is `read`): a
/// person answered about reading a file, and the rule they keep should read as they think.
pub fn words(rights: FsAccess) -> String {
    const FAMILIES: [(&str, FsAccess); 7] = [
        ("read", FsAccess::READ_FILE.union(FsAccess::READ_DIR)),
        ("write", FsAccess::WRITE_FILE),
        ("exec", FsAccess::EXECUTE),
        (
            "create",
            FsAccess::MAKE_REG
                .union(FsAccess::MAKE_DIR)
                .union(FsAccess::MAKE_SYM)
                .union(FsAccess::MAKE_SOCK)
                .union(FsAccess::MAKE_FIFO)
                .union(FsAccess::REFER),
        ),
        ("delete", FsAccess::REMOVE_FILE.union(FsAccess::REMOVE_DIR)),
        ("truncate", FsAccess::TRUNCATE),
        ("ioctl", FsAccess::IOCTL_DEV),
    ];
    let mut out: Vec<String> = FAMILIES
        .iter()
        .filter(|(_, bits)| bits.intersects(rights))
        .map(|(w, _)| (*w).to_string())
        .collect();
    let rest = rights - FAMILIES.iter().fold(FsAccess::empty(), |a, (_, b)| a | *b);
    if !rest.is_empty() {
        out.push(crate::policy::access::raw_name(rest));
    }
    out.join(",")
}
