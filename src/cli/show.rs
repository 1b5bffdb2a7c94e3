//! `kbx show ID`: one rule in full with its kb record, by rule id or KB article id.

use clap::{Args, ValueEnum};

use super::{ExitStatus, KnowledgeArgs, with_stdout};
use crate::render;
use crate::report::RuleDetail;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// A rule id (`owa-cdo-not-registered`) or a KB article id (`Q293218`).
    id: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    knowledge: KnowledgeArgs,
}

pub(crate) fn run(args: ShowArgs) -> anyhow::Result<ExitStatus> {
    let knowledge = args.knowledge.load()?;
    let rules = knowledge.find(&args.id);
    if rules.is_empty() {
        let near: Vec<&str> = knowledge
            .rules
            .iter()
            .flat_map(|r| [r.id.as_str(), r.kb.as_str()])
            .filter(|c| strsim::jaro_winkler(&c.to_ascii_lowercase(), &args.id.to_ascii_lowercase()) > 0.85)
            .collect();
        let hint = match near.first() {
            Some(n) => format!("; did you mean `{n}`?"),
            None => "; `kbx rules list` shows the loaded rules".to_string(),
        };
        eprintln!("kbx: no rule has the id or KB article `{}`{hint}", args.id);
        return Ok(ExitStatus::NoMatch);
    }
    let details: Vec<RuleDetail> = rules.iter().map(|r| RuleDetail::new(&knowledge, r)).collect();
    with_stdout(|out| match args.format {
        Format::Json if details.len() == 1 => render::json::write(out, &details[0]),
        Format::Json => render::json::write(out, &details),
        Format::Text => {
            for (i, d) in details.iter().enumerate() {
                if i > 0 {
                    writeln!(out, "\n")?;
                }
                render::text::rule(&mut *out, d)?;
            }
            Ok(())
        }
    })?;
    Ok(ExitStatus::Success)
}
