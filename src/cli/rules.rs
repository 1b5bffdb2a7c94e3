//! `kbx rules …`: commands about the rule set itself.

use clap::{Args, Subcommand, ValueEnum};

use super::{ExitStatus, KnowledgeArgs, stdout_style, with_stdout};
use crate::render;
use crate::report::RuleList;

#[derive(Debug, Subcommand)]
pub(crate) enum RulesCommand {
    /// List the loaded rules: id, KB article, title, severity, status, number of symptoms.
    List(ListArgs),
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
            let knowledge = args.knowledge.load()?;
            let list = RuleList::new(&knowledge);
            with_stdout(|out| match args.format {
                Format::Table => render::table::rule_list(out, &list, stdout_style()),
                Format::Json => render::json::write(out, &list),
            })?;
            Ok(ExitStatus::Success)
        }
    }
}
