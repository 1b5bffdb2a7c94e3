//! `kbx fix RULE|KB`: the plan for a rule's resolution; `--apply` carries it out on Windows (asking per
//! step), `--script` writes it as a .cmd for older servers, `--history` shows the audit log.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::{ExitStatus, KnowledgeArgs, with_stdout};
use crate::fix::audit::{self, Audit};
use crate::fix::{Decision, Operator, Options, Plan, PlannedStep, Record, Status, Survey, System};
use crate::render;
use crate::rule::action::Safety;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct FixArgs {
    /// The rule: its id, or a KB article id (`Q293218`) when one rule has it.
    #[arg(required_unless_present = "history")]
    rule: Option<String>,
    /// Carry the steps out on this machine (Windows only). Without it kbx only prints the plan.
    #[arg(long, conflicts_with_all = ["script", "history"])]
    apply: bool,
    /// With --apply: run `safe` steps without asking. Steps rated `caution` or `dangerous` are asked
    /// about all the same.
    #[arg(long, requires = "apply")]
    yes: bool,
    /// Only step N of the rule's resolution (numbered as the plan shows them).
    #[arg(long, value_name = "N")]
    step: Option<usize>,
    /// Print the plan as a Windows command script (.cmd) to review and run by hand, for servers kbx
    /// cannot run on (kbx needs Windows 10 / Server 2016 or newer).
    #[arg(long, conflicts_with = "history")]
    script: bool,
    /// Show the audit log of applied steps (of RULE only, when given).
    #[arg(long)]
    history: bool,
    /// Output format of the plan and the history.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The longest any one action may take, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    #[command(flatten)]
    knowledge: KnowledgeArgs,
}

pub(crate) fn run(args: FixArgs) -> anyhow::Result<ExitStatus> {
    if args.history {
        return history(&args);
    }
    let knowledge = args.knowledge.load()?;
    let wanted = args.rule.as_deref().unwrap_or_default();
    let rule = &knowledge.rules[super::find_rule(&knowledge, wanted)?];
    let mut plan = Plan::for_rule(rule);
    if let Some(n) = args.step {
        plan = plan.only_step(n).map_err(anyhow::Error::msg)?;
    }
    if args.script {
        if let Some(why) = render::script::refusal(&plan) {
            anyhow::bail!("cannot write the script: {why}");
        }
        with_stdout(|out| render::script::script(out, &plan))?;
        return Ok(ExitStatus::Success);
    }
    if args.apply {
        return apply(&args, &plan);
    }
    let survey = machine_survey(&plan);
    with_stdout(|out| match args.format {
        Format::Text => {
            render::fix::plan(out, &plan, survey.as_deref())?;
            writeln!(out)?;
            writeln!(out, "{}", textwrap::fill(&next_step(&plan), 100))
        }
        Format::Json => render::fix::plan_json(out, &plan, survey.as_deref()),
    })?;
    Ok(ExitStatus::Success)
}

fn next_step(plan: &Plan) -> String {
    if plan.changes() == 0 {
        return "Nothing here changes the machine: carry the steps out by hand.".into();
    }
    if cfg!(windows) {
        format!("Nothing was run. `kbx fix {} --apply` carries the steps out, asking before each.", plan.rule)
    } else {
        format!(
            "Nothing was run. On the Windows machine, `kbx fix {0} --apply` carries the steps out; \
             `kbx fix --script {0}` writes them as a .cmd script to review and run by hand.",
            plan.rule
        )
    }
}

/// What the machine says of each step now; only where kbx can read it (Windows).
#[cfg(windows)]
fn machine_survey(plan: &Plan) -> Option<Vec<Survey>> {
    Some(crate::fix::survey(plan, &crate::fix::windows::WindowsSystem))
}

#[cfg(not(windows))]
fn machine_survey(_: &Plan) -> Option<Vec<Survey>> {
    None
}

fn state_dir() -> anyhow::Result<PathBuf> {
    audit::state_dir().ok_or_else(|| {
        anyhow::anyhow!(
            "cannot tell where the audit log goes: set KBX_STATE_DIR to a folder kbx may write \
             (on Windows, %ProgramData% is used when it is set)"
        )
    })
}

#[cfg(not(windows))]
fn apply(_: &FixArgs, plan: &Plan) -> anyhow::Result<ExitStatus> {
    with_stdout(|out| render::fix::plan(out, plan, None))?;
    anyhow::bail!(
        "`kbx fix --apply` changes the Windows machine kbx runs on, and this is {}: nothing was run. \
         `kbx fix --script {}` writes the plan as a .cmd script to review and run on the server.",
        std::env::consts::OS,
        plan.rule
    )
}

#[cfg(windows)]
fn apply(args: &FixArgs, plan: &Plan) -> anyhow::Result<ExitStatus> {
    apply_with(args, plan, &mut crate::fix::windows::WindowsSystem)
}

#[cfg_attr(not(windows), allow(dead_code))]
fn apply_with(args: &FixArgs, plan: &Plan, sys: &mut dyn System) -> anyhow::Result<ExitStatus> {
    let dir = state_dir()?;
    let options = Options {
        yes: args.yes,
        timeout: Duration::from_secs(args.timeout),
        backup_dir: dir.join(audit::BACKUPS),
    };
    // Refuse (not elevated, no one to answer) before the audit log or its folder is created.
    crate::fix::apply::preflight(plan, &*sys, &Terminal, &options)?;
    let log = dir.join(audit::LOG_FILE);
    let mut audit = Audit::open(&log).map_err(|e| {
        anyhow::anyhow!("cannot write the audit log {}: {e}. Nothing was changed.", log.display())
    })?;
    println!("Applying {} ({}): {}", plan.rule, plan.kb, plan.title);
    let mut operator = Terminal;
    let run = crate::fix::apply(plan, sys, &mut operator, &mut audit, &options)?;
    with_stdout(|out| {
        render::fix::summary(out, &run)?;
        writeln!(out, "Audit log: {}", log.display())
    })?;
    Ok(match run.status {
        Status::Completed => ExitStatus::Success,
        Status::Stopped { .. } | Status::LeftOut { .. } => ExitStatus::STOPPED,
        Status::Failed { .. } => ExitStatus::Error,
    })
}

/// Asks on the terminal, reports on standard output as each step ends.
#[cfg_attr(not(windows), allow(dead_code))]
struct Terminal;

impl Operator for Terminal {
    fn can_ask(&self) -> bool {
        io::stdin().is_terminal()
    }

    fn confirm(&mut self, step: &PlannedStep) -> Decision {
        let safety = step.safety.unwrap_or(Safety::Dangerous);
        let prompt = match safety {
            Safety::Dangerous => format!(
                "Step {} is DANGEROUS. Type `yes` to run it, `n` to leave it out, `q` to stop: ",
                step.number
            ),
            level => {
                format!("Run step {} ({})? [y]es, [n]o: leave it out, [q]uit: ", step.number, level.as_str())
            }
        };
        match ask(step, &prompt) {
            Some(answer) => decide(safety, &answer),
            None => Decision::Stop,
        }
    }

    fn wait_for(&mut self, step: &PlannedStep) -> Decision {
        let prompt =
            format!("Carry out step {} by hand, then press Enter to go on (q to stop): ", step.number);
        match ask(step, &prompt).as_deref().map(|a| a.trim().to_ascii_lowercase()) {
            None => Decision::Stop,
            Some(a) if a == "q" || a == "quit" => Decision::Stop,
            Some(_) => Decision::Run,
        }
    }

    fn report(&mut self, record: &Record) {
        let stdout = io::stdout();
        let mut out = stdout.lock();
        let _ = render::fix::record(&mut out, record);
        let _ = out.flush();
    }
}

/// Shows the step and the prompt on stderr and reads one line of standard input; `None` at its end.
fn ask(step: &PlannedStep, prompt: &str) -> Option<String> {
    let mut err = io::stderr().lock();
    let _ = render::fix::plan_step(&mut err, step);
    let _ = write!(err, "{prompt}");
    let _ = err.flush();
    let mut answer = String::new();
    match io::stdin().lock().read_line(&mut answer) {
        Ok(n) if n > 0 => Some(answer),
        _ => None,
    }
}

/// What an answer at the prompt means: `y`/`yes` runs (a `dangerous` step needs `yes` in full), `q`
/// stops, anything else leaves the step out.
fn decide(safety: Safety, answer: &str) -> Decision {
    match (safety, answer.trim().to_ascii_lowercase().as_str()) {
        (Safety::Dangerous, "yes") => Decision::Run,
        (Safety::Dangerous, "y") => Decision::Skip,
        (_, "y" | "yes") => Decision::Run,
        (_, "q" | "quit") => Decision::Stop,
        _ => Decision::Skip,
    }
}

fn history(args: &FixArgs) -> anyhow::Result<ExitStatus> {
    let log = state_dir()?.join(audit::LOG_FILE);
    let (mut entries, bad) =
        audit::read(&log).map_err(|e| anyhow::anyhow!("cannot read the audit log {}: {e}", log.display()))?;
    for b in &bad {
        eprintln!(
            "warning: {}:{}: not an audit entry ({}); left in the file as it is",
            log.display(),
            b.line,
            b.message
        );
    }
    if let Some(wanted) = &args.rule {
        entries.retain(|e| e.rule == *wanted || e.kb.eq_ignore_ascii_case(wanted));
    }
    with_stdout(|out| match args.format {
        Format::Json => render::json::write(out, &entries),
        Format::Text if entries.is_empty() => {
            writeln!(out, "No applied steps recorded in {}.", log.display())
        }
        Format::Text => render::fix::history(out, &entries),
    })?;
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_at_the_prompt() {
        assert_eq!(decide(Safety::Safe, "y\n"), Decision::Run);
        assert_eq!(decide(Safety::Caution, " YES \r\n"), Decision::Run);
        assert_eq!(decide(Safety::Caution, "\n"), Decision::Skip, "Enter alone leaves the step out");
        assert_eq!(decide(Safety::Safe, "q\n"), Decision::Stop);
        assert_eq!(decide(Safety::Dangerous, "y\n"), Decision::Skip, "a dangerous step needs `yes` in full");
        assert_eq!(decide(Safety::Dangerous, "yes\n"), Decision::Run);
        assert_eq!(decide(Safety::Dangerous, "quit\n"), Decision::Stop);
    }
}
