//! Renderers: each turns a [`crate::report`] value into one output format and writes it to an
//! `impl io::Write`. They never decide what was found, only how it reads.

pub mod author;
pub mod fix;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod script;
pub mod table;
pub mod text;

/// How a terminal-facing renderer may draw.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Wrap tables to this many columns; `None` leaves lines as long as they are.
    pub width: Option<u16>,
    /// Use colour and box-drawing characters (a terminal that allows it).
    pub color: bool,
}

/// `"s"` after a count other than one.
pub fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
