//! `kbx show ID`: one rule in full with its kb record, by rule id or KB article id. A large pack is not
//! parsed whole: the compiled cache says which files hold the rule, and only those are read.

use clap::{Args, ValueEnum};

use super::{ExitStatus, KnowledgeArgs, with_stdout};
use crate::kb::KbRecord;
use crate::render;
use crate::report::RuleDetail;
use crate::rule::Rule;
use crate::rule::load::{load_record, load_rule};

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
    let loaded = args.knowledge.load_compiled()?;
    let found = loaded.set.find(&args.id);
    if found.is_empty() {
        let wanted = args.id.to_ascii_lowercase();
        let near = loaded
            .set
            .rules
            .iter()
            .flat_map(|r| [r.id.as_str(), r.kb.as_str()])
            .find(|c| strsim::jaro_winkler(&c.to_ascii_lowercase(), &wanted) > 0.85);
        let hint = match near {
            Some(n) => format!("; did you mean `{n}`?"),
            None => "; `kbx rules list` shows the loaded rules".to_string(),
        };
        eprintln!("kbx: no rule has the id or KB article `{}`{hint}", args.id);
        return Ok(ExitStatus::NoMatch);
    }
    let mut shown: Vec<(Rule, Option<KbRecord>)> = Vec::new();
    for i in found {
        let entry = &loaded.set.rules[i];
        let (rule, record) = match &loaded.knowledge {
            Some(k) => (k.rules[i].clone(), k.record(&k.rules[i]).cloned()),
            None => {
                let rule = load_rule(&entry.path, entry.builtin).map_err(|p| anyhow::anyhow!("{p}"))?;
                let record =
                    load_record(&args.knowledge.sources(), &rule.kb).map_err(|p| anyhow::anyhow!("{p}"))?;
                (rule, record)
            }
        };
        shown.push((rule, record));
    }
    let details: Vec<RuleDetail> = shown.iter().map(|(r, rec)| RuleDetail::new(r, rec.as_ref())).collect();
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
