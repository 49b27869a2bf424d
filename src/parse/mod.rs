//! Stage 1: profile text → [`ast::ParsedFile`].

pub mod ast;
