//! What a prompt looks like: plain lines with a style each, cut to the terminal's width so that
//! every line takes exactly one row (the overlay counts rows to erase them).

use super::machine::{Prompt, Selected, View};
use super::visible;
use crate::prompt::{Ask, Target};

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// The first line: who asks what (reverse video, so it stands apart from program output).
    Title,
    Plain,
    /// The keys to press.
    Keys,
    Dim,
    Problem,
}

/// One row of a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub style: Style,
    pub text: String,
}

fn line(style: Style, text: impl Into<String>) -> Line {
    Line {
        style,
        text: text.into(),
    }
}

/// The rows for `prompt`, with `waiting` more asks queued behind it, at most `width` columns.
pub fn lines(prompt: &Prompt, waiting: usize, width: usize) -> Vec<Line> {
    let ask = prompt.ask();
    let mut out = vec![
        line(Style::Title, title(ask)),
        line(Style::Plain, format!("  {}", target(&ask.target))),
        line(
            Style::Dim,
            format!(
                "  by {} (pid {}) · rule {} · profile {}",
                ask.exe, ask.pid, ask.rule, ask.profile
            ),
        ),
    ];
    if let Some(extra) = extra(ask, waiting) {
        out.push(line(Style::Dim, extra));
    }
    if let Some(pattern) = prompt.pattern() {
        out.push(line(Style::Plain, format!("  the answer covers {pattern}")));
    }
    match prompt.view() {
        _ if !prompt.armed() => out.push(line(Style::Dim, "  (keys in a moment…)")),
        View::Main => main_keys(ask, &mut out),
        View::Options => options(prompt, &mut out),
        View::Custom(text) => custom(text, prompt.problem(), &mut out),
    }
    // Every row holds names the program chose, so each is made visible before it is cut to
    // size: no byte of it can act on the user's terminal. A problem is read in full: wrapped.
    // Everything else is cut to one row.
    out.into_iter()
        .flat_map(|l| match l.style {
            Style::Problem => wrap(&visible::escape(&l.text), width)
                .into_iter()
                .map(|text| line(Style::Problem, text))
                .collect(),
            style => vec![line(style, fit(&visible::escape(&l.text), width))],
        })
        .collect()
}

/// Splits `text` into rows of at most `width` characters, continuation rows indented.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let chars: Vec<char> = text.chars().collect();
    let mut rows = vec![chars.iter().take(width).collect::<String>()];
    let rest = chars.get(width..).unwrap_or_default();
    rows.extend(
        rest.chunks(width - 4)
            .map(|c| format!("    {}", c.iter().collect::<String>())),
    );
    rows
}

/// `llrun: firefox wants to read and write`.
fn title(ask: &Ask) -> String {
    let name = ask.exe.rsplit('/').next().unwrap_or(&ask.exe);
    let access = match ask.access.as_slice() {
        [] => "access".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    let what = match ask.target {
        Target::Path { .. } => access,
        Target::Net { .. } => format!("{access} to"),
    };
    format!(" llrun: {name} wants to {what} ")
}

fn target(target: &Target) -> String {
    match target {
        Target::Path { path } => path.clone(),
        Target::Net { host, port } if host.contains(':') => format!("[{host}]:{port}"),
        Target::Net { host, port } => format!("{host}:{port}"),
    }
}

fn extra(ask: &Ask, waiting: usize) -> Option<String> {
    let mut parts = Vec::new();
    if waiting > 0 {
        parts.push(format!("{waiting} more waiting"));
    }
    if let Some(ms) = ask.timeout_ms {
        parts.push(format!(
            "denied if unanswered after {} s",
            ms.div_ceil(1000)
        ));
    }
    (!parts.is_empty()).then(|| format!("  {}", parts.join(" · ")))
}

fn main_keys(ask: &Ask, out: &mut Vec<Line>) {
    let keys = "  [a] allow once   [r] allow for this run   [w] allow always";
    out.push(line(
        Style::Keys,
        if ask.allow_always {
            keys.to_string()
        } else {
            let why = ask.run_only.as_deref().unwrap_or("the ask rule names it");
            format!("{keys} (this run only: {why})")
        },
    ));
    out.push(line(
        Style::Keys,
        "  [d] deny once    [n] deny for this run    [x] deny always    [o] more options",
    ));
}

fn options(prompt: &Prompt, out: &mut Vec<Line>) {
    let chosen = |s: &Selected| if prompt.selected() == s { ">" } else { " " };
    out.push(line(
        Style::Keys,
        format!("{} [e] exactly this", chosen(&Selected::Exact)),
    ));
    for (i, c) in prompt.ask().choices.iter().take(9).enumerate() {
        let mark = chosen(&Selected::Choice(i));
        out.push(line(
            Style::Keys,
            format!("{mark} [{}] {}: {}", i + 1, c.label, c.pattern),
        ));
    }
    out.push(line(
        Style::Keys,
        "  [c] a custom pattern   [b] back to the answers",
    ));
}

/// The input line comes last, so that the cursor stands at its end.
fn custom(text: &str, problem: Option<&str>, out: &mut Vec<Line>) {
    out.push(line(
        Style::Keys,
        "  [Enter] use it   [Esc] back   [Ctrl-U] clear",
    ));
    if let Some(problem) = problem {
        out.push(line(Style::Problem, format!("  ! {problem}")));
    }
    out.push(line(Style::Plain, format!("  pattern: {text}")));
}

/// Cuts `text` to `width` characters, eliding the middle (paths keep both ends).
pub fn fit(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width || width < 5 {
        return text.chars().take(width).collect();
    }
    let keep = width - 1;
    let head = keep / 2;
    let tail = keep - head;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(count - tail).collect();
    format!("{start}…{end}")
}
