//! `llrun prompt`.
