//! `kbx diagnose`: read the pasted text, match it, print the ranked articles.

use std::io::{self, IsTerminal, Read};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use super::{ExitStatus, KnowledgeArgs, stdout_style, with_stdout};
use crate::engine::{Engine, Query};
use crate::input::decode;
use crate::render;
use crate::report::Diagnosis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub(crate) struct DiagnoseArgs {
    /// The error text; several words are joined with spaces. Read from standard input when absent or `-`.
    #[arg(value_name = "TEXT", allow_hyphen_values = true)]
    text: Vec<String>,
    /// Read the text from a file (UTF-8, or UTF-16 with a byte-order mark or without one).
    #[arg(long, value_name = "PATH", conflicts_with = "text")]
    file: Option<PathBuf>,
    /// Diagnose many pastes: a JSON Lines file of {"id", "text"}; writes one {"id", "matches"} line each.
    #[arg(long, value_name = "FILE.jsonl", conflicts_with_all = ["text", "file", "format"])]
    batch: Option<PathBuf>,
    /// Show at most N matches.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
    top: u16,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Leave out matches scoring below X (0 to 1).
    #[arg(long, value_name = "X", default_value_t = 0.0, value_parser = parse_score)]
    min_score: f64,
    #[command(flatten)]
    knowledge: KnowledgeArgs,
}

fn parse_score(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("`{s}` is not a score: give a number from 0 to 1")),
    }
}

fn read_input(args: &DiagnoseArgs) -> anyhow::Result<String> {
    if let Some(path) = &args.file {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        return Ok(decode(&bytes));
    }
    if !args.text.is_empty() && args.text != ["-"] {
        return Ok(args.text.join(" "));
    }
    read_stdin()
}

/// Reads pasted text from standard input, with a prompt when it is a terminal.
pub(super) fn read_stdin() -> anyhow::Result<String> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        eprintln!("Paste the error text, then press Ctrl-D (Ctrl-Z, Enter on Windows):");
    }
    let mut bytes = Vec::new();
    stdin.lock().read_to_end(&mut bytes).context("cannot read standard input")?;
    Ok(decode(&bytes))
}

pub(crate) fn run(args: DiagnoseArgs) -> anyhow::Result<ExitStatus> {
    if let Some(path) = &args.batch {
        return super::batch::run(
            path,
            &args.knowledge,
            Query { top: usize::from(args.top), min_score: args.min_score },
        );
    }
    let text = read_input(&args)?;
    if text.trim().is_empty() {
        eprintln!(
            "kbx: no text to diagnose: give the error message as an argument, with --file PATH, or on standard input"
        );
        return Ok(ExitStatus::NoMatch);
    }
    let loaded = args.knowledge.load_compiled()?;
    if loaded.set.rules.is_empty() {
        bail!("no rules are loaded: drop --no-builtin, or give --rules DIR with rule files in it");
    }
    let knowledge = loaded.knowledge;
    let engine = Engine::new(loaded.set);
    let query = Query { top: usize::from(args.top), min_score: args.min_score };
    let findings = engine.diagnose(&text, &query);
    let rules = super::rules_of(&engine, knowledge.as_ref(), &findings)?;
    let pairs: Vec<_> = findings.iter().zip(&rules).map(|(f, r)| (f, r.as_ref())).collect();
    let diagnosis = Diagnosis::new(&text, &pairs);
    if diagnosis.matches.is_empty() && args.format != Format::Json {
        eprintln!(
            "kbx: no known article matches this text; try a shorter fragment of the message, or add --rules DIR"
        );
        return Ok(ExitStatus::NoMatch);
    }
    with_stdout(|out| match args.format {
        Format::Table => render::table::diagnosis(out, &diagnosis, stdout_style()),
        Format::Json => render::json::write(out, &diagnosis),
        Format::Markdown => render::markdown::diagnosis(out, &diagnosis),
    })?;
    Ok(if diagnosis.matches.is_empty() { ExitStatus::NoMatch } else { ExitStatus::Success })
}
