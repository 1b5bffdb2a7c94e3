//! The command line: clap types, one module per subcommand, and the exit status. The only layer that
//! prints, and the only one that uses anyhow.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod batch;
mod diagnose;
mod exit;
mod explain;
mod fix;
mod kb;
mod lint;
mod new;
mod rules;
mod scan;
mod show;

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use exit::ExitStatus;

use crate::engine::{Engine, Finding};
use crate::render::Style;
use crate::rule::load::{Sources, load};
use crate::rule::{Knowledge, LoadError, Rule};

/// kbx: find the KB article that explains an error, with its cause and the steps that fix it.
#[derive(Debug, Parser)]
#[command(name = "kbx", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Match pasted error text against the rules and print the likely articles, best first.
    Diagnose(diagnose::DiagnoseArgs),
    /// Print one rule in full, with its KB article record (by rule id or KB id).
    Show(show::ShowArgs),
    /// Explain why one rule did or did not match a text: each symptom, its span, the score arithmetic.
    Explain(explain::ExplainArgs),
    /// Carry out a rule's safe fixes on this Windows machine: the plan by default, --apply to act.
    Fix(fix::FixArgs),
    /// Scan logs (files, folders, standard input) for every known problem; for pipelines and people.
    Scan(scan::ScanArgs),
    /// Work with the rule set.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Work with KB articles: import them into a rule pack.
    #[command(subcommand)]
    Kb(kb::KbCommand),
}

/// Which rules to load; shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub(crate) struct KnowledgeArgs {
    /// Also load the rules in DIR (a folder of rule files, or a pack with rules/ and kb/); repeatable.
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// Leave out the rules built into kbx.
    #[arg(long)]
    no_builtin: bool,
}

impl KnowledgeArgs {
    fn sources(&self) -> Sources {
        Sources { builtin: !self.no_builtin, dirs: self.rules.clone() }
    }

    fn load(&self) -> Result<Knowledge, LoadError> {
        load(&self.sources())
    }

    fn load_compiled(&self) -> Result<crate::cache::Loaded, LoadError> {
        crate::cache::load_compiled(&self.sources())
    }
}

/// The rule a person named: by id, else by KB article when exactly one rule has it.
fn find_rule(knowledge: &Knowledge, wanted: &str) -> anyhow::Result<usize> {
    if let Some(i) = knowledge.rules.iter().position(|r| r.id == wanted) {
        return Ok(i);
    }
    let by_kb: Vec<usize> = knowledge
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kb.eq_ignore_ascii_case(wanted))
        .map(|(i, _)| i)
        .collect();
    match by_kb.as_slice() {
        [i] => Ok(*i),
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

/// The rules of `findings`: from memory when they were loaded, else read from their files.
fn rules_of<'k>(
    engine: &Engine,
    knowledge: Option<&'k Knowledge>,
    findings: &[Finding],
) -> anyhow::Result<Vec<std::borrow::Cow<'k, Rule>>> {
    findings
        .iter()
        .map(|f| match knowledge {
            Some(k) => Ok(std::borrow::Cow::Borrowed(&k.rules[f.rule])),
            None => {
                let entry = &engine.set().rules[f.rule];
                let rule = crate::rule::load::load_rule(&entry.path, entry.builtin)
                    .map_err(|p| anyhow::anyhow!("{p}\n  (a rule file changed while kbx ran: run again)"))?;
                Ok(std::borrow::Cow::Owned(rule))
            }
        })
        .collect()
}

/// Runs kbx with these arguments (the first is the program name) and returns the exit code.
pub fn main_with_args<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    ExitCode::from(run(args) as u8)
}

/// Runs kbx and returns its exit status.
pub fn run<I, T>(args: I) -> ExitStatus
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let status = if e.use_stderr() { ExitStatus::Error } else { ExitStatus::Success };
            let _ = e.print();
            return status;
        }
    };
    let result = match cli.command {
        Command::Diagnose(args) => diagnose::run(args),
        Command::Show(args) => show::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Fix(args) => fix::run(args),
        Command::Scan(args) => scan::run(args),
        Command::Rules(cmd) => rules::run(cmd),
        Command::Kb(cmd) => kb::run(cmd),
    };
    match result {
        Ok(status) => status,
        Err(err) if is_broken_pipe(&err) => ExitStatus::Success,
        Err(err) => {
            report_error(&err);
            ExitStatus::Error
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|e| e.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

fn report_error(err: &anyhow::Error) {
    if let Some(load) = err.downcast_ref::<LoadError>() {
        for p in &load.problems {
            eprintln!("{p}");
        }
        eprintln!(
            "error: {load}; nothing was loaded. Fix the file{} above and run again.",
            if load.problems.len() == 1 { "" } else { "s" }
        );
    } else {
        eprintln!("error: {err:#}");
    }
}

/// How tables may be drawn on standard output.
fn stdout_style() -> Style {
    let tty = io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|w| *w >= 20)
        .or_else(|| tty.then(|| terminal_size::terminal_size().map(|(w, _)| w.0)).flatten());
    Style { width, color: tty && !no_color && !dumb }
}

/// Runs `write` against buffered standard output and flushes it.
fn with_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    write(&mut out)?;
    out.flush()?;
    Ok(())
}
