//! `kbx fix` output: the plan as text or JSON, a run's outcome, and the audit history (the `.cmd`
//! script is [`super::script`]).

use std::io::{self, Write};

use serde::Serialize;

use super::plural;
use crate::fix::audit::Entry;
use crate::fix::plan::{Plan, PlannedStep, StepKind};
use crate::fix::{Record, Run, Status, Survey};
use crate::rule::action::Safety;

/// The plan, one block per step.
pub fn plan(out: &mut dyn Write, plan: &Plan, survey: Option<&[Survey]>) -> io::Result<()> {
    writeln!(out, "Plan for {} ({}): {}", plan.rule, plan.kb, plan.title)?;
    let changes = plan.changes();
    let checks = plan.steps.iter().filter(|s| s.kind == StepKind::Check).count();
    let shown = plan.steps.len() - changes - checks;
    writeln!(
        out,
        "{} step{}: {changes} change{}, {checks} check{}, {shown} shown only.",
        plan.steps.len(),
        plural(plan.steps.len() as u64),
        plural(changes as u64),
        plural(checks as u64),
    )?;
    for (i, step) in plan.steps.iter().enumerate() {
        writeln!(out)?;
        step_block(out, step, survey.and_then(|s| s.get(i)))?;
    }
    Ok(())
}

/// One step of the plan, as the confirmation prompt shows it.
pub fn plan_step(out: &mut dyn Write, step: &PlannedStep) -> io::Result<()> {
    step_block(out, step, None)
}

fn step_block(out: &mut dyn Write, step: &PlannedStep, now: Option<&Survey>) -> io::Result<()> {
    let indent = " ".repeat(format!("{}. ", step.number).len());
    let wrapped = textwrap::fill(&step.text, textwrap::Options::new(96).subsequent_indent(&indent));
    writeln!(out, "{}. {wrapped}", step.number)?;
    let field = |out: &mut dyn Write, name: &str, value: &str| writeln!(out, "{indent}{name:<11}{value}");
    match step.kind {
        StepKind::Note => return writeln!(out, "{indent}(shown only: a step for a person)"),
        StepKind::Manual => {
            field(out, "manual:", step.effect.as_deref().unwrap_or_default())?;
            return writeln!(out, "{indent}(shown only: kbx never carries out a manual step)");
        }
        StepKind::Check => field(out, "check:", step.effect.as_deref().unwrap_or_default())?,
        StepKind::Change => {
            field(out, "action:", step.action_name.unwrap_or_default())?;
            match &step.program {
                Some(inv) => field(out, "runs:", &inv.display())?,
                None => field(out, "does:", step.effect.as_deref().unwrap_or_default())?,
            }
            field(out, "safety:", step.safety.map_or("unrated", Safety::as_str))?;
            let elevation = if step.elevation { "needed (Run as administrator)" } else { "not needed" };
            field(out, "elevation:", elevation)?;
            for (name, value) in [
                ("before:", &step.precondition),
                ("skip if:", &step.skip_if),
                ("backup:", &step.backup),
                ("verify:", &step.verify),
                ("undo:", &step.undo),
            ] {
                if let Some(v) = value {
                    field(out, name, v)?;
                }
            }
        }
    }
    if let Some(now) = now {
        let said = match now {
            Survey::Needed => "needed".to_string(),
            Survey::Already(why) => format!("already so, would be skipped: {why}"),
            Survey::Blocked(why) => format!("applying would stop here: {why}"),
            Survey::Holds(what) => format!("holds: {what}"),
            Survey::Shown => return Ok(()),
        };
        field(out, "now:", &said)?;
    }
    Ok(())
}

/// The plan as JSON (`schema_version` 1).
pub fn plan_json(out: &mut dyn Write, plan: &Plan, survey: Option<&[Survey]>) -> io::Result<()> {
    #[derive(Serialize)]
    struct Doc<'a> {
        schema_version: u32,
        #[serde(flatten)]
        plan: &'a Plan,
        now: Option<&'a [Survey]>,
    }
    super::json::write(out, &Doc { schema_version: 1, plan, now: survey })
}

/// A step's outcome as it happens, one line.
pub fn record(out: &mut dyn Write, record: &Record) -> io::Result<()> {
    let backup = record.backup.as_deref().map(|b| format!(" (backup: {b})")).unwrap_or_default();
    writeln!(out, "step {}: {}: {}{backup}", record.step, record.outcome.as_str(), record.detail)
}

/// The last line of a run.
pub fn summary(out: &mut dyn Write, run: &Run) -> io::Result<()> {
    let kept = run.records.iter().any(|r| r.outcome == crate::fix::Outcome::Kept);
    let undone = if kept {
        "what this run changed was undone, except what the lines above say was kept"
    } else {
        "what this run changed was undone"
    };
    let steps = |list: &[usize]| list.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
    match &run.status {
        Status::Completed => writeln!(out, "Done: every step is applied, already so, or shown."),
        Status::LeftOut { steps: left } => writeln!(
            out,
            "Done, except step{} {}, left out as asked: the fix may be incomplete.",
            plural(left.len() as u64),
            steps(left)
        ),
        Status::Stopped { step, clean: true } => writeln!(out, "Stopped at step {step}, as asked; {undone}."),
        Status::Failed { step, clean: true } => writeln!(out, "Step {step} failed; {undone}."),
        Status::Stopped { step, clean: false } | Status::Failed { step, clean: false } => writeln!(
            out,
            "The run ended at step {step} and an undo failed too: see the lines above and the backups; \
             `kbx fix --history` has the record."
        ),
    }
}

/// The audit history, one line per entry, oldest first.
pub fn history(out: &mut dyn Write, entries: &[Entry]) -> io::Result<()> {
    for e in entries {
        let backup = e.backup.as_deref().map(|b| format!("  [backup: {b}]")).unwrap_or_default();
        writeln!(
            out,
            "{}  {}  {} ({}) step {}  {}: {}: {}{backup}",
            e.time,
            e.user,
            e.rule,
            e.kb,
            e.step,
            e.action.as_deref().unwrap_or("note"),
            e.result,
            e.detail
        )?;
    }
    Ok(())
}
