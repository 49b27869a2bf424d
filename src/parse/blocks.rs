//! Pairing `if … {`, `} else {` and `}` into nested statements, with an explicit stack (so a
//! deeply nested file cannot overflow ours) and a depth limit (so it cannot overflow the
//! resolver's recursion either).

use super::ast::{Cond, Stmt, StmtKind};
use crate::diag::Diagnostic;
use crate::source::Span;

/// What one line of the file adds to the tree.
#[derive(Debug)]
pub enum Line {
    Stmt(Stmt),
    /// `if COND {`: the `if` word and the whole line.
    Open {
        cond: Cond,
        keyword: Span,
        span: Span,
    },
    /// `} else {`: the brace and the `else` word.
    Else {
        brace: Span,
        word: Span,
    },
    /// `}`.
    Close(Span),
}

/// Deepest nesting of `if` blocks accepted.
pub const MAX_DEPTH: usize = 64;

/// An `if` whose `}` has not been read yet.
struct Open {
    cond: Cond,
    /// The `if … {` line.
    span: Span,
    then: Vec<Stmt>,
    /// `Some` once `} else {` has been read.
    otherwise: Option<Vec<Stmt>>,
}

/// The statements read so far, and the blocks still open around the current line.
pub struct Tree {
    top: Vec<Stmt>,
    open: Vec<Open>,
}

impl Tree {
    /// A tree for a file of `lines` lines: room for a statement a line, so that the file's
    /// statements are not copied again and again as the list grows.
    pub fn with_lines(lines: usize) -> Self {
        Tree {
            top: Vec::with_capacity(lines),
            open: Vec::new(),
        }
    }

    /// Adds one line.
    pub fn add(&mut self, line: Line) -> Result<(), Diagnostic> {
        match line {
            Line::Stmt(stmt) => {
                self.push(stmt);
                Ok(())
            }
            Line::Open {
                cond,
                keyword,
                span,
            } => self.open(cond, keyword, span),
            Line::Else { brace, word } => self.otherwise(brace, word),
            Line::Close(brace) => self.close(brace),
        }
    }

    /// Appends a statement to the innermost open block (or the file).
    pub fn push(&mut self, stmt: Stmt) {
        let list = match self.open.last_mut() {
            None => &mut self.top,
            Some(Open {
                otherwise: Some(list),
                ..
            }) => list,
            Some(Open { then, .. }) => then,
        };
        list.push(stmt);
    }

    /// `if COND {`; `keyword` is the `if` word, `span` the whole line.
    pub fn open(&mut self, cond: Cond, keyword: Span, span: Span) -> Result<(), Diagnostic> {
        if self.open.len() >= MAX_DEPTH {
            return Err(Diagnostic::new(keyword, format!("`if` blocks nest more than {MAX_DEPTH} deep"))
                .with_hint("combine conditions or move the inner blocks to a file of their own and `include` it"));
        }
        self.open.push(Open {
            cond,
            span,
            then: Vec::new(),
            otherwise: None,
        });
        Ok(())
    }

    /// `} else {`.
    pub fn otherwise(&mut self, brace: Span, else_word: Span) -> Result<(), Diagnostic> {
        let Some(block) = self.open.last_mut() else {
            return Err(
                Diagnostic::new(brace, "`} else {` without an `if` block to close").with_hint(
                    "`else` follows an `if COND {` block: `if exists /x {` … `} else {` … `}`",
                ),
            );
        };
        if block.otherwise.is_some() {
            return Err(
                Diagnostic::new(else_word, "this `if` block already has an `else`").with_hint(
                    "an `if` has at most one `else`; nest another `if` inside it for more cases",
                ),
            );
        }
        block.otherwise = Some(Vec::new());
        Ok(())
    }

    /// `}`.
    pub fn close(&mut self, brace: Span) -> Result<(), Diagnostic> {
        let Some(block) = self.open.pop() else {
            return Err(Diagnostic::new(brace, "unmatched `}`")
                .with_hint("there is no open `if` block here; remove this `}` or add the missing `if … {` above"));
        };
        let kind = StmtKind::If {
            cond: block.cond,
            then: block.then,
            otherwise: block.otherwise.unwrap_or_default(),
        };
        self.push(Stmt {
            kind,
            span: block.span,
        });
        Ok(())
    }

    /// The file's statements, once every block is closed.
    pub fn finish(self) -> Result<Vec<Stmt>, Diagnostic> {
        match self.open.last() {
            None => Ok(self.top),
            Some(block) => Err(
                Diagnostic::new(block.span, "this `if` block is never closed")
                    .with_hint("add a line with `}` after the last statement of the block"),
            ),
        }
    }
}
