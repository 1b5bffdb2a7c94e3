//! The executor behind `kbx fix`: carries out a rule's automatable resolution steps on the Windows
//! machine kbx runs on, from the closed set of typed actions only (see docs/executor.md).
//!
//! ```text
//! Rule ─► plan::Plan ─► (survey: what the machine says now, read-only)
//!                   └─► apply::apply(System, Operator, Audit) ─► Run { records, status }
//! ```
//!
//! Everything that touches the machine goes through [`system::System`]: `windows::WindowsSystem` on
//! Windows, [`fake::FakeSystem`] in tests.

pub mod apply;
pub mod audit;
pub mod fake;
pub mod plan;
mod steps;
pub mod system;
#[cfg(windows)]
pub mod windows;

use serde::Serialize;

pub use apply::{Decision, Operator, Options, Outcome, Record, Refusal, Run, Status, apply};
pub use plan::{Plan, PlannedStep, StepKind};
pub use system::{RegData, ServiceOp, ServiceStatus, System, SystemError, Tool};

/// What the machine says of a step before anything is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum Survey {
    /// The change would run.
    Needed,
    /// The machine already is as wanted: the step would be skipped.
    Already(String),
    /// What must hold first does not (or a check does not hold): applying would stop here.
    Blocked(String),
    /// A read-only check holds.
    Holds(String),
    /// Shown only.
    Shown,
}

/// Reads the machine for every step of the plan; changes nothing (it only has `&dyn System`).
pub fn survey(plan: &Plan, sys: &dyn System) -> Vec<Survey> {
    plan.steps
        .iter()
        .enumerate()
        .map(|(index, step)| match (&step.action, step.kind) {
            (Some(_), StepKind::Change) => match steps::to_do(plan, index, sys, &[]) {
                Ok(Some(why)) => Survey::Already(why),
                Ok(None) => Survey::Needed,
                Err(why) => Survey::Blocked(why),
            },
            (Some(action), StepKind::Check) => match steps::check(action, sys) {
                Ok(what) => Survey::Holds(what),
                Err(why) => Survey::Blocked(why),
            },
            _ => Survey::Shown,
        })
        .collect()
}
