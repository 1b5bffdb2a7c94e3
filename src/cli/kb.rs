//! `kbx kb …`: commands about KB articles; `kbx kb import` turns articles into a rule pack.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Subcommand};

use super::{ExitStatus, with_stdout};
use crate::import::pack;
use crate::rule::load::Sources;

#[derive(Debug, Subcommand)]
pub(crate) enum KbCommand {
    /// Import KB articles (Markdown or plain-text archive form; files, folders or .tar.gz archives) into a
    /// pack of draft rules and kb records.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// Article files, folders (searched recursively) or .tar.gz archives.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The pack folder to write (new or empty): rules/, kb/ and import-summary.json.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub(crate) fn run(cmd: KbCommand) -> anyhow::Result<ExitStatus> {
    let KbCommand::Import(args) = cmd;
    // A pack is written whole: importing over an earlier one would leave rules of articles no longer
    // imported, so the folder must be new or empty.
    if std::fs::read_dir(&args.out).is_ok_and(|mut entries| entries.next().is_some()) {
        anyhow::bail!(
            "{} is not empty: import into a new folder, or remove the old pack first (nothing was written)",
            args.out.display()
        );
    }
    let started = Instant::now();
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} articles read ({per_sec}, {elapsed})")
                .expect("the template is valid"),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    });
    let progress = |done: usize| {
        if let Some(bar) = &bar {
            bar.set_position(done as u64);
        }
    };
    let summary = pack::import(&args.paths, &args.out, &progress)?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let imported_in = started.elapsed();
    // Compile the pack now, for the default set-up (built-in rules plus this pack), so the first
    // diagnosis is fast; this also checks every file that was written.
    let compiled = Instant::now();
    let loaded = crate::cache::load_compiled(&Sources { builtin: true, dirs: vec![args.out.clone()] })?;
    let rules = loaded.set.rules.len();
    with_stdout(|out| {
        writeln!(
            out,
            "Imported {} of {} articles into {} in {:.1} s.",
            summary.imported,
            summary.read,
            args.out.display(),
            imported_in.as_secs_f64()
        )?;
        for (reason, n) in &summary.skipped_by_reason {
            writeln!(out, "  skipped {n:>6}  {reason}")?;
        }
        writeln!(
            out,
            "Compiled {rules} rules (with the built-in ones) in {:.1} s.",
            compiled.elapsed().as_secs_f64()
        )?;
        writeln!(
            out,
            "Every skipped article and its reason: {}",
            args.out.join("import-summary.json").display()
        )
    })?;
    for e in &summary.errors {
        eprintln!("error: {e}");
    }
    Ok(if summary.errors.is_empty() { ExitStatus::Success } else { ExitStatus::Error })
}
