//! `${VAR}` expansion and `~`.

use crate::diag::{Diagnostic, did_you_mean};
use crate::parse::ast::Word;
use crate::source::{SourceMap, Span};
use std::collections::BTreeMap;

/// Variables in scope: the built-ins, then each `set` in reading order.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    map: BTreeMap<String, String>,
}

impl Vars {
    pub fn new(builtins: &BTreeMap<String, String>) -> Vars {
        Vars {
            map: builtins.clone(),
        }
    }

    pub fn set(&mut self, name: &str, value: String) {
        self.map.insert(name.to_string(), value);
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// Expands `${NAME}` in a word. `\$` (recorded by the parser) stays a literal dollar.
    pub fn expand(&self, word: &Word, sources: &SourceMap) -> Result<String, Diagnostic> {
        let text = &word.text;
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            let rest = &text[i..];
            if rest.starts_with("${") && !word.literal_dollars.contains(&i) {
                let end = rest.find('}').ok_or_else(|| {
                    Diagnostic::new(word.span, "unterminated `${`").with_hint("write `${NAME}`")
                })?;
                let name = &rest[2..end];
                match self.get(name) {
                    Some(v) => out.push_str(v),
                    None => return Err(self.unknown(name, word, sources)),
                }
                i += end + 1;
            } else {
                let ch = rest.chars().next().unwrap_or_default();
                out.push(ch);
                i += ch.len_utf8().max(1);
            }
        }
        Ok(out)
    }

    /// Expands a path-like word: variables, then a leading `~`.
    pub fn expand_path(&self, word: &Word, sources: &SourceMap) -> Result<String, Diagnostic> {
        let text = self.expand(word, sources)?;
        let home = self.get("HOME").unwrap_or("/");
        Ok(if text == "~" {
            home.to_string()
        } else if let Some(rest) = text.strip_prefix("~/") {
            format!("{}/{rest}", home.trim_end_matches('/'))
        } else {
            text
        })
    }

    fn unknown(&self, name: &str, word: &Word, sources: &SourceMap) -> Diagnostic {
        let span = locate(word.span, &format!("${{{name}}}"), sources);
        if name == "CWD" {
            return Diagnostic::new(
                span,
                "`${CWD}` is unknown: llrun's working directory no longer exists",
            )
            .with_hint("run llrun from an existing directory (was it deleted?)");
        }
        let hint = match did_you_mean(name, self.map.keys().map(String::as_str)) {
            Some(c) => {
                format!("did you mean `${{{c}}}`? Variables must be `set` before they are used")
            }
            None => format!(
                "define it first with `set {name} = \"…\"`; built-ins are HOME, USER, UID, GID, CWD, TMPDIR, DOWNLOAD, XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_CACHE_HOME, XDG_STATE_HOME, XDG_RUNTIME_DIR"
            ),
        };
        Diagnostic::new(span, format!("unknown variable `{name}`")).with_hint(hint)
    }
}

/// The span of `needle` inside `span`'s source text, or `span` itself.
pub fn locate(span: Span, needle: &str, sources: &SourceMap) -> Span {
    let text = &sources.get(span.file).text;
    let slice = text.get(span.start..span.end.min(text.len())).unwrap_or("");
    match slice.find(needle) {
        Some(at) => Span {
            file: span.file,
            start: span.start + at,
            end: span.start + at + needle.len(),
        },
        None => span,
    }
}
