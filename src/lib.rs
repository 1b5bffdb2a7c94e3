//! kbx: a knowledge-base troubleshooting expert system.
//!
//! Support knowledge lives in KB articles (symptoms, cause, resolution). kbx holds them as YAML rules and
//! article records, matches pasted error text against them, and reports the likely articles with their
//! causes and resolution steps. The data walks one pipeline:
//!
//! ```text
//! rules/ (YAML) ─► rule::load ─► rule::compile ─► engine ─► report ─► render (table | json | markdown)
//! kb/ (records) ──────┘   ▲           │ (cache)      ▲
//! KB articles ─► import ──┘ (packs)   ▼              input (paste, file, stdin, --batch)
//!                                  compiled set on disk
//! ```
//!
//! A rule's resolution steps go to [`fix`], the executor: a plan, then (on Windows) the typed actions
//! carried out through the [`fix::System`] trait, verified, undone on failure, and audited.
//!
//! Only [`cli`] prints; everything else returns data.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod builtin;
pub mod cache;
pub mod cli;
pub mod engine;
pub mod eval;
pub mod examples;
pub mod explain;
pub mod fix;
pub mod import;
pub mod input;
pub mod kb;
pub mod lint;
pub mod normalise;
pub mod render;
pub mod report;
pub mod rule;
pub mod scan;
