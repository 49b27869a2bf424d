//! The D-Bus session bus as a profile sees it: the `dbus` statements and what they mean to
//! xdg-dbus-proxy, which llrun starts outside the sandbox and points the program at.
//!
//! A layer that names nothing on the bus gets no bus at all. Names and rules are checked here
//! as the D-Bus specification and the proxy read them, so a typo is an error at its
//! `file:line:col` rather than a rule the proxy silently ignores.

use crate::source::Span;

/// What a `dbus` statement grants on a name (xdg-dbus-proxy's policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DbusVerb {
    /// The program may see that the name exists (introspection of the bus's names).
    See,
    /// The program may call methods of the name's owner, and receive its signals.
    Talk,
    /// The program may own the name (and talk to it).
    Own,
    /// The program may make the calls of one rule (`NAME=INTERFACE.METHOD@PATH`) only.
    Call,
    /// The program may receive the broadcast signals of one rule (`NAME=RULE`).
    Broadcast,
}

/// The verbs, as written after `dbus`.
pub const DBUS_VERBS: &[(&str, DbusVerb)] = &[
    ("see", DbusVerb::See),
    ("talk", DbusVerb::Talk),
    ("own", DbusVerb::Own),
    ("call", DbusVerb::Call),
    ("broadcast", DbusVerb::Broadcast),
];

impl DbusVerb {
    /// The word of the verb.
    pub fn word(self) -> &'static str {
        DBUS_VERBS
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("talk", |(w, _)| w)
    }

    /// Whether entries are `NAME=RULE` (else a bare name).
    pub fn takes_a_rule(self) -> bool {
        matches!(self, DbusVerb::Call | DbusVerb::Broadcast)
    }
}

/// One resolved `dbus` entry of a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbusRule {
    pub verb: DbusVerb,
    /// A well-known bus name, possibly ending in `.*` (the name and every name beneath it).
    pub name: String,
    /// For `call` and `broadcast`: `[METHOD][@PATH]`, as the proxy takes it.
    pub rule: Option<String>,
    pub span: Span,
}

impl DbusRule {
    /// The proxy's option for this entry (`--talk=NAME`, `--call=NAME=RULE`, …).
    pub fn proxy_arg(&self) -> String {
        match &self.rule {
            Some(rule) => format!("--{}={}={rule}", self.verb.word(), self.name),
            None => format!("--{}={}", self.verb.word(), self.name),
        }
    }
}

/// What is wrong with a bus name, for the message.
pub fn check_name(name: &str) -> Result<(), String> {
    let bare = name.strip_suffix(".*").unwrap_or(name);
    if name.len() > 255 {
        return Err("a bus name is at most 255 characters".into());
    }
    if bare.starts_with(':') {
        return Err("unique names (`:1.42`) change every run: name the well-known name".into());
    }
    let elements: Vec<&str> = bare.split('.').collect();
    if elements.len() < 2 && !name.ends_with(".*") {
        return Err(
            "a bus name has at least two elements separated by dots, e.g. `org.example.App`".into(),
        );
    }
    for element in &elements {
        if element.is_empty() {
            return Err("a bus name has no empty element (no `..`, no dot at either end)".into());
        }
        if element.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("the element `{element}` starts with a digit"));
        }
        if let Some(c) = element
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
        {
            return Err(format!(
                "`{}` cannot be in a bus name (letters, digits, `_` and `-` only; `.*` only at the end)",
                c.escape_default()
            ));
        }
    }
    Ok(())
}

/// What is wrong with a call or broadcast rule `[METHOD][@PATH]`, for the message. METHOD is
/// `*`, `INTERFACE.*` or `INTERFACE.MEMBER`; PATH an object path, possibly ending in `/*`.
pub fn check_rule(rule: &str) -> Result<(), String> {
    let (method, path) = match rule.split_once('@') {
        Some((m, p)) => (m, Some(p)),
        None => (rule, None),
    };
    if method.is_empty() && path.is_none() {
        return Err("an empty rule: write `*`, `INTERFACE.METHOD`, or `@/OBJECT/PATH`".into());
    }
    if !method.is_empty() && method != "*" {
        let Some((interface, member)) = method.rsplit_once('.') else {
            return Err(format!(
                "`{method}` is not `INTERFACE.METHOD`, `INTERFACE.*` or `*`"
            ));
        };
        check_name(interface).map_err(|e| format!("in the interface `{interface}`: {e}"))?;
        let member_ok = member == "*"
            || (!member.is_empty()
                && !member.starts_with(|c: char| c.is_ascii_digit())
                && member
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'));
        if !member_ok {
            return Err(format!("`{member}` is not a method name (or `*`)"));
        }
    }
    if let Some(path) = path {
        let bare = path.strip_suffix("/*").unwrap_or(path);
        let ok = path.starts_with('/')
            && (bare == "/"
                || bare.is_empty()
                || bare[1..].split('/').all(|e| {
                    !e.is_empty() && e.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                }));
        if !ok {
            return Err(format!(
                "`{path}` is not an object path such as `/org/example/App` (or one ending in `/*`)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bus_names_follow_the_specification() {
        for good in [
            "org.freedesktop.Notifications",
            "org.mpris.MediaPlayer2.firefox.*",
            "org.freedesktop.portal.*",
            "org.a-b.c_d",
        ] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in [
            "org", "org..x", ".org.x", "org.2x", "org.x y", "org.x/y", ":1.42", "org.*.x",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(check_name(&format!("org.{}", "a".repeat(260))).is_err());
    }

    #[test]
    fn call_rules_follow_the_proxy() {
        for good in [
            "*",
            "org.freedesktop.Notifications.Notify",
            "org.freedesktop.Notifications.*@/org/freedesktop/Notifications",
            "@/org/example/*",
            "*@/",
        ] {
            assert_eq!(check_rule(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "Notify",
            "org.x.1a",
            "org.x.y@relative",
            "org.x.y@/a//b",
        ] {
            assert!(check_rule(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn entries_become_the_proxys_options() {
        let rule = |verb, name: &str, rule: Option<&str>| DbusRule {
            verb,
            name: name.into(),
            rule: rule.map(str::to_string),
            span: Span {
                file: crate::source::FileId(0),
                start: 0,
                end: 0,
            },
        };
        assert_eq!(
            rule(DbusVerb::Talk, "org.a.B", None).proxy_arg(),
            "--talk=org.a.B"
        );
        assert_eq!(
            rule(DbusVerb::Call, "org.a.B", Some("org.a.B.M@/o")).proxy_arg(),
            "--call=org.a.B=org.a.B.M@/o"
        );
    }
}
