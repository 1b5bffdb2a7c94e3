//! `kbx rules new`: the starting files for a rule, blank or pre-filled from a KB article.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use super::{ExitStatus, with_stdout};
use crate::import::{self, draft, source};
use crate::rule::template;

#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    /// The KB article id (`Q293218`); optional with --from, which reads it from the article.
    #[arg(long, value_name = "Q<id>", required_unless_present = "from")]
    kb: Option<String>,
    /// Pre-fill the rule (status draft) and its kb record from this article file, in either archive form.
    #[arg(long, value_name = "PATH")]
    from: Option<PathBuf>,
    /// The rule id (and file name). Default: `kb-q<id>`.
    #[arg(long)]
    id: Option<String>,
    /// Where the rule file goes; its record goes to the nearest kb/ above this folder (else beside it).
    #[arg(long, value_name = "DIR", default_value = "rules")]
    dir: PathBuf,
    /// Print the rule to standard output instead of writing files.
    #[arg(long)]
    stdout: bool,
}

pub(crate) fn run(args: NewArgs) -> anyhow::Result<ExitStatus> {
    let (kb, id, rule, record) = match &args.from {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let article = import::parse(source::form_of(path, &bytes), &bytes).map_err(|skip| {
                anyhow::anyhow!(
                    "{}: cannot use the article: {}",
                    path.display(),
                    import::pack::skip_reason(&skip).1
                )
            })?;
            if let Some(kb) = &args.kb
                && !kb.eq_ignore_ascii_case(&article.id)
            {
                bail!(
                    "{} is article {}, not {kb}: drop --kb or give the right file",
                    path.display(),
                    article.id
                );
            }
            let mut rule = draft::rule_yaml(&article).ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: the article quotes no error message or code in its SYMPTOMS, so there is nothing to \
                     pre-fill; run `kbx rules new --kb {}` for a blank template",
                    path.display(),
                    article.id
                )
            })?;
            let drafted = draft::rule_id(&article);
            let id = args.id.clone().unwrap_or_else(|| drafted.clone());
            if id != drafted {
                rule = rule.replacen(&format!("id: {drafted}\n"), &format!("id: {id}\n"), 1);
            }
            let record =
                draft::record_markdown(&article, &format!("Microsoft Knowledge Base article {}", article.id));
            (article.id.clone(), id, rule, record)
        }
        None => {
            let kb = args.kb.clone().unwrap_or_default();
            if !is_kb_id(&kb) {
                bail!("`{kb}` is not a KB article id: write it as Q followed by digits, such as Q293218");
            }
            let id = args.id.clone().unwrap_or_else(|| format!("kb-{}", kb.to_ascii_lowercase()));
            (kb.clone(), id.clone(), template::rule(&id, &kb), template::record(&kb))
        }
    };
    if !crate::rule::compile::is_valid_id(&id) {
        bail!("`{id}` is not a valid rule id: use letters, digits, `.`, `_` and `-`");
    }
    if args.stdout {
        with_stdout(|out| out.write_all(rule.as_bytes()))?;
        return Ok(ExitStatus::Success);
    }
    let rule_path = args.dir.join(format!("{id}.yaml"));
    // The record goes to the project's kb/: the nearest one above the rules folder, else beside it.
    let kb_dir = args
        .dir
        .ancestors()
        .skip(1)
        .take(3)
        .map(|a| a.join("kb"))
        .find(|k| k.is_dir())
        .unwrap_or_else(|| args.dir.parent().map_or_else(|| PathBuf::from("kb"), |p| p.join("kb")));
    let record_path = kb_dir.join(format!("{kb}.md"));
    if rule_path.exists() {
        bail!("{} already exists: give another --id, or edit that file", rule_path.display());
    }
    write_new(&rule_path, &rule)?;
    eprintln!("wrote {}", rule_path.display());
    if record_path.exists() {
        eprintln!("kept {} (it exists)", record_path.display());
    } else {
        write_new(&record_path, &record)?;
        eprintln!("wrote {}", record_path.display());
    }
    eprintln!("next: edit the files, then `kbx rules lint {0}` and `kbx rules test {0}`", args.dir.display());
    Ok(ExitStatus::Success)
}

fn is_kb_id(kb: &str) -> bool {
    kb.len() > 1 && kb.starts_with(['Q', 'q']) && kb[1..].bytes().all(|b| b.is_ascii_digit())
}

fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
