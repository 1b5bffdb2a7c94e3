//! Carrying a plan out: refuse up front what cannot be done safely (no elevation, no one to confirm a
//! step that needs it), then for each step: skip it if the machine already is as wanted, check what must
//! hold, ask, back up, act, verify; at the first failure undo what this run changed, in reverse.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::rule::action::Safety;

use super::audit::{self, Audit, Entry};
use super::plan::{Plan, PlannedStep, StepKind};
use super::steps::{self, Undo};
use super::system::System;

/// How to apply.
#[derive(Debug, Clone)]
pub struct Options {
    /// Run `safe` steps without asking. Steps above `safe` are asked about all the same.
    pub yes: bool,
    /// The longest any one action may take.
    pub timeout: Duration,
    /// Where registry backups go.
    pub backup_dir: PathBuf,
}

/// A person's answer to "run this step?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Run,
    /// Leave this step out and go on.
    Skip,
    /// Stop here; what was done stays done.
    Stop,
}

/// Whoever runs kbx: answers confirmations and hears what happens as it happens.
pub trait Operator {
    /// Whether a person can be asked (a terminal on standard input).
    fn can_ask(&self) -> bool;
    fn confirm(&mut self, step: &PlannedStep) -> Decision;
    /// A manual step that later changes depend on: wait until the person says it is done (`Run`) or
    /// stops (`Stop`).
    fn wait_for(&mut self, step: &PlannedStep) -> Decision;
    fn report(&mut self, record: &Record);
}

/// What happened to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Changed and verified.
    Done,
    /// Nothing to do: the machine already was as wanted.
    Already,
    /// A read-only check held.
    Passed,
    /// A manual step or a note, shown to the person.
    Shown,
    /// The person said no.
    Declined,
    Failed,
    /// Put back after a later failure.
    Undone,
    /// Left as it is after a failure, with the reason (a registration).
    Kept,
    UndoFailed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Already => "already",
            Outcome::Passed => "passed",
            Outcome::Shown => "shown",
            Outcome::Declined => "declined",
            Outcome::Failed => "failed",
            Outcome::Undone => "undone",
            Outcome::Kept => "kept",
            Outcome::UndoFailed => "undo_failed",
        }
    }
}

/// One step's outcome, with what happened in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    pub step: usize,
    pub action: Option<&'static str>,
    pub outcome: Outcome,
    pub detail: String,
    pub backup: Option<String>,
}

/// How the run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Every step was done, already so, passed or shown.
    Completed,
    /// Every step ran as above, except these, which the person left out.
    LeftOut { steps: Vec<usize> },
    /// The person stopped at this step; what the run had changed was undone (`clean` is false if an
    /// undo failed).
    Stopped { step: usize, clean: bool },
    /// This step failed; what the run had changed was undone (`clean` is false if an undo failed).
    Failed { step: usize, clean: bool },
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub status: Status,
    pub records: Vec<Record>,
}

/// Why nothing was done.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(
        "step {step} ({what}) needs an elevated prompt and this one is not: open the command prompt with \
         Run as administrator and run kbx again. Nothing was changed."
    )]
    NotElevated { step: usize, what: String },
    #[error(
        "step {step} is `{safety}` and needs a confirmation typed at a terminal, which kbx cannot ask for \
         here (standard input is not a terminal): run kbx fix --apply in a console. Nothing was changed."
    )]
    CannotConfirm { step: usize, safety: &'static str },
    #[error(
        "step {step} is for a person to carry out before the later steps run, and kbx cannot wait for them \
         here (standard input is not a terminal): run kbx fix --apply in a console, or carry the fix out by \
         hand. Nothing was changed."
    )]
    CannotWait { step: usize },
    #[error("cannot tell whether this prompt is elevated: {0}. Nothing was changed.")]
    Elevation(String),
}

/// Whether a step runs only after a person says so even with `--yes`.
pub fn needs_explicit_confirmation(step: &PlannedStep) -> bool {
    step.kind == StepKind::Change && step.safety.unwrap_or(Safety::Dangerous) != Safety::Safe
}

/// Carries the plan out. Returns `Err` when it refused before changing anything.
pub fn apply(
    plan: &Plan,
    sys: &mut dyn System,
    operator: &mut dyn Operator,
    audit: &mut Audit,
    options: &Options,
) -> Result<Run, Refusal> {
    preflight(plan, &*sys, &*operator, options)?;
    let mut run = Runner { plan, audit, operator, records: Vec::new(), undo: Vec::new() };
    let stamp = audit::now().replace(':', "");
    let mut left_out = Vec::new();
    for (index, step) in plan.steps.iter().enumerate() {
        let outcome = match (step.kind, &step.action) {
            (StepKind::Manual, _) if changes_after(plan, index) => match run.operator.wait_for(step) {
                Decision::Run => run.record(step, Outcome::Shown, "carried out by the person".into(), None),
                Decision::Skip | Decision::Stop => return Ok(run.stop(step, sys, options)),
            },
            (StepKind::Check, Some(action)) => match steps::check(action, &*sys) {
                Ok(detail) => run.record(step, Outcome::Passed, detail, None),
                Err(why) => Err(why),
            },
            (StepKind::Change, Some(action)) => {
                // The steps this run changed the machine with: those it would undo.
                let done: Vec<usize> = run.undo.iter().map(|(s, ..)| s.number).collect();
                match steps::to_do(plan, index, &*sys, &done) {
                    Ok(Some(why)) => run.record(step, Outcome::Already, why, None),
                    Err(why) => Err(why),
                    Ok(None) => {
                        let asked = !options.yes || needs_explicit_confirmation(step);
                        match if asked { run.operator.confirm(step) } else { Decision::Run } {
                            Decision::Skip => {
                                left_out.push(step.number);
                                run.record(
                                    step,
                                    Outcome::Declined,
                                    "left out at the person's request".into(),
                                    None,
                                )
                            }
                            Decision::Stop => return Ok(run.stop(step, sys, options)),
                            Decision::Run => {
                                let file = options
                                    .backup_dir
                                    .join(format!("{stamp}-{}-step{}.reg", plan.rule, step.number));
                                run.change(step, action, sys, &file, options)
                            }
                        }
                    }
                }
            }
            // A note (a step without an action) or a manual step nothing later waits for: shown.
            _ => run.record(
                step,
                Outcome::Shown,
                step.effect.clone().unwrap_or_else(|| step.text.clone()),
                None,
            ),
        };
        if let Err(why) = outcome {
            return Ok(run.fail(step, why, sys, options));
        }
    }
    Ok(run.finish(if left_out.is_empty() { Status::Completed } else { Status::LeftOut { steps: left_out } }))
}

/// Whether a step after `index` changes the machine.
fn changes_after(plan: &Plan, index: usize) -> bool {
    plan.steps[index + 1..].iter().any(|s| s.kind == StepKind::Change)
}

/// What [`apply`] checks before it changes anything: elevation for the steps that need it, and someone
/// to answer the questions the run will ask. Call it before creating anything (the audit log).
pub fn preflight(
    plan: &Plan,
    sys: &dyn System,
    operator: &dyn Operator,
    options: &Options,
) -> Result<(), Refusal> {
    let changes: Vec<&PlannedStep> = plan.steps.iter().filter(|s| s.kind == StepKind::Change).collect();
    if let Some(step) = changes.iter().find(|s| s.elevation)
        && !sys.elevated().map_err(|e| Refusal::Elevation(e.to_string()))?
    {
        let what = step.effect.clone().unwrap_or_default();
        return Err(Refusal::NotElevated { step: step.number, what });
    }
    if !operator.can_ask() {
        if let Some(step) = changes.iter().find(|s| needs_explicit_confirmation(s) || !options.yes) {
            let safety = step.safety.map_or("unrated", Safety::as_str);
            return Err(Refusal::CannotConfirm { step: step.number, safety });
        }
        let waits = plan
            .steps
            .iter()
            .enumerate()
            .find(|(i, s)| s.kind == StepKind::Manual && changes_after(plan, *i));
        if let Some((_, step)) = waits {
            return Err(Refusal::CannotWait { step: step.number });
        }
    }
    Ok(())
}

struct Runner<'a> {
    plan: &'a Plan,
    audit: &'a mut Audit,
    operator: &'a mut dyn Operator,
    records: Vec<Record>,
    undo: Vec<(&'a PlannedStep, Undo, Option<String>)>,
}

impl<'a> Runner<'a> {
    /// Reports and logs a step's outcome. An entry the audit log cannot take is an error: the run stops
    /// (and undoes) rather than go on changing the machine without a record.
    fn record(
        &mut self,
        step: &PlannedStep,
        outcome: Outcome,
        detail: String,
        backup: Option<String>,
    ) -> Result<(), String> {
        let record = Record { step: step.number, action: step.action_name, outcome, detail, backup };
        let entry = Entry {
            time: audit::now(),
            user: audit::current_user(),
            rule: self.plan.rule.clone(),
            kb: self.plan.kb.clone(),
            step: step.number,
            action: step.action_name.map(str::to_string),
            effect: step.effect.clone(),
            result: outcome.as_str().to_string(),
            detail: record.detail.clone(),
            backup: record.backup.clone(),
        };
        let logged = self
            .audit
            .append(&entry)
            .map_err(|e| format!("cannot write the audit log {}: {e}", self.audit.path().display()));
        self.operator.report(&record);
        self.records.push(record);
        logged
    }

    /// Backs up, carries out and verifies one change, keeping its undo first so that a change that
    /// fails half-way is put back too.
    fn change(
        &mut self,
        step: &'a PlannedStep,
        action: &crate::rule::action::Action,
        sys: &mut dyn System,
        backup_file: &std::path::Path,
        options: &Options,
    ) -> Result<(), String> {
        let (undo, backup) = steps::prepare(action, sys, backup_file, options.timeout)?;
        self.undo.push((step, undo, backup.clone()));
        let detail = steps::change(action, sys, options.timeout)?;
        self.record(step, Outcome::Done, detail, backup)
    }

    /// The person stopped at `step`: undo this run's changes, newest first.
    fn stop(mut self, step: &PlannedStep, sys: &mut dyn System, options: &Options) -> Run {
        let _ = self.record(step, Outcome::Declined, "stopped here at the person's request".into(), None);
        let clean = self.undo_all(sys, options);
        self.finish(Status::Stopped { step: step.number, clean })
    }

    /// Records the failure and undoes this run's changes, newest first.
    fn fail(mut self, step: &PlannedStep, why: String, sys: &mut dyn System, options: &Options) -> Run {
        let _ = self.record(step, Outcome::Failed, why, None);
        let clean = self.undo_all(sys, options);
        self.finish(Status::Failed { step: step.number, clean })
    }

    /// Undoes this run's changes, newest first; false if an undo failed. Audit failures are reported
    /// with each record and do not stop the undo.
    fn undo_all(&mut self, sys: &mut dyn System, options: &Options) -> bool {
        let mut clean = true;
        while let Some((done, item, backup)) = self.undo.pop() {
            let outcome = match (&item, steps::undo(&item, sys, options.timeout)) {
                (Undo::Keep(_), Ok(why)) => (Outcome::Kept, why),
                (_, Ok(detail)) => (Outcome::Undone, detail),
                (_, Err(why)) => {
                    clean = false;
                    (Outcome::UndoFailed, why)
                }
            };
            let _ = self.record(done, outcome.0, outcome.1, backup);
        }
        clean
    }

    fn finish(self, status: Status) -> Run {
        Run { status, records: self.records }
    }
}
