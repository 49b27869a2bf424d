//! Profile files as loaded text, and positions within them.
//!
//! Every later stage refers back to the text through a [`Span`], so that any error, and
//! `llrun explain`, can name `file:line:col`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

/// One loaded profile file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user would recognise it (as found on the search path or given).
    pub path: PathBuf,
    pub text: Arc<str>,
    /// The span of the `include` that loaded this file, if any; the include chain of an error.
    pub included_from: Option<Span>,
}

/// All files read while loading a set of profiles.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, path: PathBuf, text: Arc<str>, included_from: Option<Span>) -> FileId {
        self.files.push(SourceFile {
            path,
            text,
            included_from,
        });
        FileId(self.files.len() as u32 - 1)
    }

    /// Every file, in the order they were read.
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn path(&self, id: FileId) -> &Path {
        &self.get(id).path
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, id: FileId, offset: usize) -> (usize, usize) {
        let text = &self.get(id).text;
        let offset = offset.min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    /// The full text of the line holding `offset`, without its newline.
    pub fn line_text(&self, id: FileId, offset: usize) -> &str {
        let text = &self.get(id).text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        &text[start..end]
    }

    /// `file:line:col` for the start of a span.
    pub fn location(&self, span: Span) -> String {
        let (line, col) = self.line_col(span.file, span.start);
        format!("{}:{}:{}", self.path(span.file).display(), line, col)
    }

    /// `file:line` for the start of a span, the form `explain` uses for a deciding rule.
    pub fn file_line(&self, span: Span) -> String {
        let (line, _) = self.line_col(span.file, span.start);
        format!("{}:{}", self.path(span.file).display(), line)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
