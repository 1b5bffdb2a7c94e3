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
    let wanted = args.rule.as_str();
    let by_id = knowledge.rules.iter().position(|r| r.id == wanted);
    let index = match by_id {
        Some(i) => i,
        None => {
            let by_kb: Vec<usize> = knowledge
                .rules
                .iter()
                .enumerate()
                .filter(|(_, r)| r.kb.eq_ignore_ascii_case(wanted))
                .map(|(i, _)| i)
                .collect();
            match by_kb.as_slice() {
                [i] => *i,
                [] => anyhow::bail!(
                    "no rule has the id or KB article `{wanted}`; `kbx rules list` shows the loaded rules"
                ),
                many => {
                    let ids: Vec<&str> = many.iter().map(|&i| knowledge.rules[i].id.as_str()).collect();
                    anyhow::bail!(
                        "{} rules have KB article `{wanted}` ({}): name one by its id",
                        ids.len(),
                        ids.join(", ")
                    )
                }
            }
        }
    };
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
