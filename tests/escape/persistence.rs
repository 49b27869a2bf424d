//! Getting out later: planting code that runs outside the sandbox at the next login, the next
//! shell, or the next time the user runs a common tool.
//!
//! The default profile lets the program write where it was started. Started from the home
//! directory (the most common place), that is the whole home minus what
//! abstractions/persistence and abstractions/credentials deny: the test home here has the
//! dotfiles a developer's home has, so each file that exists is a carved sibling and writable
//! unless a rule denies it.

use crate::attack::Home;

/// Files of a lived-in home that run code outside the sandbox when something reads them later,
/// and why.
const HOOKS: &[(&str, &str)] = &[
    (".bashrc", "every interactive bash"),
    (".profile", "every login shell"),
    (".config/autostart/evil.desktop", "the next desktop session"),
    (
        ".config/systemd/user/evil.service",
        "the user's service manager",
    ),
    (".local/bin/ls", "a command earlier on PATH"),
    (
        ".config/llrun/profiles/default.local.llp",
        "llrun's own next run",
    ),
];

/// The same kind of files that the shipped profiles do not protect today.
const UNGUARDED: &[(&str, &str)] = &[
    (
        ".bash_aliases",
        "sourced by Debian's and Ubuntu's default .bashrc",
    ),
    (
        ".gitconfig",
        "core.fsmonitor or core.pager runs at the next `git status`",
    ),
    (
        ".local/lib/python3.11/site-packages/evil.pth",
        "python runs `import` lines of .pth files at every start",
    ),
    (
        ".local/share/applications/firefox.desktop",
        "Exec= of the menu entry the user clicks",
    ),
];

/// A home with these files (or, for new files, their directories) in place, and the verdict
/// of appending to each, by a program started in the home directory under `default`.
fn plant(hooks: &[(&str, &str)]) -> (Home, crate::attack::Verdicts) {
    let home = Home::planted();
    for (rel, _) in hooks {
        let own = if rel.ends_with(".llp") {
            "env unset LLRUN_NOTHING\n"
        } else {
            "# the user's own\n"
        };
        home.write(&format!("home/{rel}"), own);
    }
    let mut code = String::new();
    for (i, (rel, _)) in hooks.iter().enumerate() {
        code += &format!("attempt('h{i}', lambda: open(HOME + '/' + {rel:?}, 'a').write('x'))\n");
    }
    let mut cmd = home.llrun("default");
    cmd.current_dir(home.home())
        .args(crate::attack::python(&code, &[]));
    let v = crate::attack::Verdicts::of(cmd.output().unwrap());
    (home, v)
}

#[test]
fn login_and_session_hooks_cannot_be_planted_from_the_home_directory() {
    let (_home, v) = plant(HOOKS);
    for (i, (rel, why)) in HOOKS.iter().enumerate() {
        assert!(
            matches!(v.get(&format!("h{i}")), crate::attack::Verdict::Denied(_)),
            "{rel} ({why}) was changed:\n{}",
            v.dump()
        );
    }
    // The control: the home really is writable there.
    let home = Home::planted();
    let mut cmd = home.llrun("default");
    cmd.current_dir(home.home()).args(crate::attack::python(
        "attempt('doc', lambda: open(HOME + '/Documents/notes.txt', 'a').write('x'))",
        &[],
    ));
    crate::attack::Verdicts::of(cmd.output().unwrap()).assert_done("doc");
}

#[test]
fn other_code_hooks_cannot_be_planted_from_the_home_directory() {
    let (_home, v) = plant(UNGUARDED);
    let planted: Vec<String> = UNGUARDED
        .iter()
        .enumerate()
        .filter(|(i, _)| matches!(v.get(&format!("h{i}")), crate::attack::Verdict::Done(_)))
        .map(|(_, (rel, why))| format!("{rel} ({why})"))
        .collect();
    assert!(planted.is_empty(), "planted: {planted:#?}");
}
