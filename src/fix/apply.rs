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
    /// Every step was done, already so, shown or skipped on request.
    Completed,
    /// The person stopped at this step; earlier steps stay done.
    Stopped { step: usize },
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
    #[error("cannot tell whether this prompt is elevated: {0}. Nothing was changed.")]
    Elevation(String),
    #[error("cannot write the audit log {path}: {message}. Nothing was changed.")]
    Audit { path: String, message: String },
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
    refuse(plan, &*sys, &*operator, options)?;
    let mut run = Runner { plan, audit, operator, records: Vec::new(), undo: Vec::new() };
    let stamp = audit::now().replace(':', "");
    for (index, step) in plan.steps.iter().enumerate() {
        let Some(action) = &step.action else {
            run.record(step, Outcome::Shown, step.text.clone(), None);
            continue;
        };
        match step.kind {
            StepKind::Note | StepKind::Manual => {
                run.record(step, Outcome::Shown, step.effect.clone().unwrap_or_default(), None);
            }
            StepKind::Check => match steps::check(action, &*sys) {
                Ok(detail) => run.record(step, Outcome::Passed, detail, None),
                Err(why) => return Ok(run.fail(step, why, sys, options)),
            },
            StepKind::Change => {
                match steps::needless(plan, index, &*sys).and_then(|a| match a {
                    Some(why) => Ok(Some(why)),
                    None => steps::precondition(action, &*sys).map(|()| None),
                }) {
                    Ok(Some(why)) => {
                        run.record(step, Outcome::Already, why, None);
                        continue;
                    }
                    Ok(None) => {}
                    Err(why) => return Ok(run.fail(step, why, sys, options)),
                }
                let asked = !options.yes || needs_explicit_confirmation(step);
                match if asked { run.operator.confirm(step) } else { Decision::Run } {
                    Decision::Run => {}
                    Decision::Skip => {
                        run.record(step, Outcome::Declined, "left out at the person's request".into(), None);
                        continue;
                    }
                    Decision::Stop => {
                        run.record(
                            step,
                            Outcome::Declined,
                            "stopped here at the person's request".into(),
                            None,
                        );
                        return Ok(run.finish(Status::Stopped { step: step.number }));
                    }
                }
                let file = options.backup_dir.join(format!("{stamp}-{}-step{}.reg", plan.rule, step.number));
                let backup = match steps::prepare(action, sys, &file, options.timeout) {
                    Ok((undo, backup)) => {
                        run.undo.push((step, undo, backup.clone()));
                        backup
                    }
                    Err(why) => return Ok(run.fail(step, why, sys, options)),
                };
                match steps::change(action, sys, options.timeout) {
                    Ok(detail) => run.record(step, Outcome::Done, detail, backup),
                    Err(why) => return Ok(run.fail(step, why, sys, options)),
                }
            }
        }
    }
    Ok(run.finish(Status::Completed))
}

fn refuse(plan: &Plan, sys: &dyn System, operator: &dyn Operator, options: &Options) -> Result<(), Refusal> {
    let changes: Vec<&PlannedStep> = plan.steps.iter().filter(|s| s.kind == StepKind::Change).collect();
    if let Some(step) = changes.iter().find(|s| s.elevation)
        && !sys.elevated().map_err(|e| Refusal::Elevation(e.to_string()))?
    {
        let what = step.effect.clone().unwrap_or_default();
        return Err(Refusal::NotElevated { step: step.number, what });
    }
    if !operator.can_ask()
        && let Some(step) = changes.iter().find(|s| needs_explicit_confirmation(s) || !options.yes)
    {
        let safety = step.safety.map_or("unrated", Safety::as_str);
        return Err(Refusal::CannotConfirm { step: step.number, safety });
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

impl Runner<'_> {
    fn record(&mut self, step: &PlannedStep, outcome: Outcome, detail: String, backup: Option<String>) {
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
        if let Err(e) = self.audit.append(&entry) {
            let note = format!("(not in the audit log {}: {e})", self.audit.path().display());
            self.operator.report(&Record { detail: note, ..record.clone() });
        }
        self.operator.report(&record);
        self.records.push(record);
    }

    /// Records the failure and undoes this run's changes, newest first.
    fn fail(mut self, step: &PlannedStep, why: String, sys: &mut dyn System, options: &Options) -> Run {
        self.record(step, Outcome::Failed, why, None);
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
            self.record(done, outcome.0, outcome.1, backup);
        }
        self.finish(Status::Failed { step: step.number, clean })
    }

    fn finish(self, status: Status) -> Run {
        Run { status, records: self.records }
    }
}
