//! `kbx rules lint` and `kbx rules test`: the two checks an author runs before a rule lands.

use std::path::{Path, PathBuf};

use clap::Args;

use super::rules::Format;
use super::{ExitStatus, KnowledgeArgs, with_stdout};
use crate::examples;
use crate::lint::{self, Waivers, waivers};
use crate::render;
use crate::rule::load::{Sources, load};

/// Which rules an author means: the folders given, else `rules/` of the current folder, else the rules
/// built into kbx.
#[derive(Debug, Clone, Args)]
pub(crate) struct TargetArgs {
    /// Folders of rules to check (a folder of rule files with kb/ beside it, or a pack). Default: rules/
    /// in the current folder if there is one, else the rules built into kbx.
    #[arg(value_name = "DIR")]
    dirs: Vec<PathBuf>,
}

impl TargetArgs {
    fn sources(&self) -> Sources {
        if !self.dirs.is_empty() {
            Sources { builtin: false, dirs: self.dirs.clone() }
        } else if Path::new("rules").is_dir() {
            Sources { builtin: false, dirs: vec![PathBuf::from("rules")] }
        } else {
            Sources { builtin: true, dirs: vec![] }
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// Waivers file (checks waived per rule id). Default: .kbx-lint.yaml in the current folder, if any.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// List every check (id, level, what it finds, how to fix it) and exit.
    #[arg(long)]
    checks: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub(crate) fn lint(args: LintArgs) -> anyhow::Result<ExitStatus> {
    if args.checks {
        let all = lint::catalogue::all();
        with_stdout(|out| match args.format {
            Format::Table => render::author::checks(out, &all),
            Format::Json => render::json::write(out, &all),
        })?;
        return Ok(ExitStatus::Success);
    }
    let config = args.config.clone().or_else(|| {
        let default = PathBuf::from(waivers::FILE_NAME);
        default.is_file().then_some(default)
    });
    let waivers = match &config {
        Some(path) => Waivers::read(path).map_err(|p| anyhow::anyhow!("{p}"))?,
        None => Waivers::default(),
    };
    let report = lint::lint(&args.target.sources(), &waivers);
    with_stdout(|out| match args.format {
        Format::Table => render::author::lint(out, &report),
        Format::Json => render::json::write(out, &report),
    })?;
    Ok(if report.failed() { ExitStatus::FAILED } else { ExitStatus::Success })
}

#[derive(Debug, Args)]
pub(crate) struct TestArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// The rule base to rank against, besides the rules under test.
    #[command(flatten)]
    knowledge: KnowledgeArgs,
    /// List every case, not only the failures.
    #[arg(long, short)]
    verbose: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub(crate) fn test(args: TestArgs) -> anyhow::Result<ExitStatus> {
    let target = args.target.sources();
    let tested = load(&target)?;
    let mut base = args.knowledge.sources();
    // When the built-in rules are the ones under test, only --rules folders are added.
    base.builtin &= !target.builtin;
    let base = load(&base)?;
    let report = examples::run(&tested.rules, &base.rules);
    with_stdout(|out| match args.format {
        Format::Table => render::author::test(out, &report, args.verbose),
        Format::Json => render::json::write(out, &report),
    })?;
    Ok(if report.failed() { ExitStatus::FAILED } else { ExitStatus::Success })
}
