//! `kbx rules …`: commands about the rule set itself.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use super::{ExitStatus, KnowledgeArgs, stdout_style, with_stdout};
use crate::engine::Engine;
use crate::eval::{LabelledQuery, evaluate};
use crate::render;
use crate::report::RuleList;

#[derive(Debug, Subcommand)]
pub(crate) enum RulesCommand {
    /// List the loaded rules: id, KB article, title, severity, status, number of symptoms.
    List(ListArgs),
    /// Measure ranking on labelled pastes: hit@1, hit@3 and MRR per kind and overall.
    Eval(EvalArgs),
    /// Check rule files for mistakes and weak rules; exit 1 when an error-level check fails.
    Lint(super::lint::LintArgs),
    /// Run every rule's examples against the whole rule base; exit 1 on any failing case.
    Test(super::lint::TestArgs),
    /// Print the JSON Schema of the rule format, for editors' completion and validation.
    Schema,
    /// Write a new rule and its kb record: a commented template, or a draft from an article (--from).
    New(super::new::NewArgs),
}

#[derive(Debug, Args)]
pub(crate) struct EvalArgs {
    /// A JSON Lines file of {"id", "kind", "text", "accept": [KB ids]}.
    queries: PathBuf,
    /// Also list every miss with what ranked first.
    #[arg(long)]
    misses: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    knowledge: KnowledgeArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    knowledge: KnowledgeArgs,
}

pub(crate) fn run(cmd: RulesCommand) -> anyhow::Result<ExitStatus> {
    match cmd {
        RulesCommand::List(args) => {
            let list = RuleList::new(&args.knowledge.load_compiled()?.set);
            with_stdout(|out| match args.format {
                Format::Table => render::table::rule_list(out, &list, stdout_style()),
                Format::Json => render::json::write(out, &list),
            })?;
            Ok(ExitStatus::Success)
        }
        RulesCommand::Eval(args) => eval(args),
        RulesCommand::Lint(args) => super::lint::lint(args),
        RulesCommand::Test(args) => super::lint::test(args),
        RulesCommand::Schema => {
            with_stdout(|out| render::json::write(out, &crate::rule::raw::schema()))?;
            Ok(ExitStatus::Success)
        }
        RulesCommand::New(args) => super::new::run(args),
    }
}

fn read_queries(path: &Path) -> anyhow::Result<Vec<LabelledQuery>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| {
                format!(
                    "{}:{}: not a query line: each line is {{\"id\", \"kind\", \"text\", \"accept\": [...]}}",
                    path.display(),
                    i + 1
                )
            })
        })
        .collect()
}

fn eval(args: EvalArgs) -> anyhow::Result<ExitStatus> {
    let queries = read_queries(&args.queries)?;
    let loaded = args.knowledge.load_compiled()?;
    let engine = Engine::new(loaded.set);
    let mut report = evaluate(&engine, &queries);
    if !args.misses {
        report.misses.clear();
    }
    with_stdout(|out| match args.format {
        Format::Table => render::table::eval(out, &report, stdout_style()),
        Format::Json => render::json::write(out, &report),
    })?;
    Ok(ExitStatus::Success)
}
