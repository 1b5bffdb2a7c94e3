//! `kbx explain RULE TEXT`: why one rule did or did not fire on one text.

use clap::Args;

use super::rules::Format;
use super::{ExitStatus, KnowledgeArgs, with_stdout};
use crate::explain::explain;
use crate::render;

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The rule: its id, or the KB article id when one rule has it.
    rule: String,
    /// The text to explain the rule on; `-` or nothing reads standard input.
    text: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    knowledge: KnowledgeArgs,
}

pub(crate) fn run(args: ExplainArgs) -> anyhow::Result<ExitStatus> {
    let knowledge = args.knowledge.load()?;
    let index = super::find_rule(&knowledge, &args.rule)?;
    let text = match args.text.as_deref() {
        None | Some("-") => super::diagnose::read_stdin()?,
        Some(t) => t.to_string(),
    };
    let explanation = explain(&knowledge.rules, index, &text);
    with_stdout(|out| match args.format {
        Format::Table => render::author::explain(out, &explanation, &text),
        Format::Json => render::json::write(out, &explanation),
    })?;
    Ok(if explanation.matched() { ExitStatus::Success } else { ExitStatus::NoMatch })
}
