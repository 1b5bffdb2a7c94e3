//! `kbx fix` output: the plan as text or JSON, the plan as a reviewed `.cmd` script for machines kbx
//! cannot run on, a run's outcome, and the audit history.

use std::io::{self, Write};

use serde::Serialize;

use super::plural;
use crate::fix::audit::Entry;
use crate::fix::plan::{Plan, PlannedStep, StepKind};
use crate::fix::{Record, Run, Status, Survey};
use crate::rule::action::{Action, RegistryType, Safety};

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
    match &run.status {
        Status::Completed => writeln!(out, "Done: every step is applied, already so, or shown."),
        Status::Stopped { step } => {
            writeln!(out, "Stopped at step {step}, as asked; the steps before it stay done.")
        }
        Status::Failed { step, clean: true } => {
            writeln!(out, "Step {step} failed; what this run changed was undone.")
        }
        Status::Failed { step, clean: false } => writeln!(
            out,
            "Step {step} failed and an undo failed too: see the lines above and the backups; \
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

/// The plan as a Windows command script: each change guarded and checked, every `caution` or `dangerous`
/// step asked about, manual steps shown and paused on. Values are quoted, `%` in data is doubled so that
/// cmd.exe takes it literally, and nothing in a rule can reach the script unquoted (the loader refuses
/// shell metacharacters).
pub fn script(out: &mut dyn Write, plan: &Plan) -> io::Result<()> {
    let w = |out: &mut dyn Write, line: &str| write!(out, "{line}\r\n");
    w(out, "@echo off")?;
    w(out, &format!("rem kbx fix --script {}: {} ({})", plan.rule, rem(&plan.title), plan.kb))?;
    w(out, "rem Review every line before running this on a server. Run it from an elevated prompt.")?;
    w(out, "rem Registry backups are written to %TEMP% before a value changes.")?;
    w(out, "setlocal")?;
    for step in &plan.steps {
        w(out, "")?;
        w(out, &format!("rem Step {}: {}", step.number, rem(&step.text)))?;
        let Some(action) = &step.action else {
            w(out, &format!("echo Step {}: {}", step.number, echo(&step.text)))?;
            continue;
        };
        let skip = format!(":step{}_done", step.number);
        if step.kind == StepKind::Change && step.safety != Some(Safety::Safe) {
            let level = step.safety.map_or("unrated", Safety::as_str);
            w(out, "set ANSWER=")?;
            w(out, &format!("set /p ANSWER=Step {} is {level}: type yes to run it: ", step.number))?;
            w(out, &format!("if /i not \"%ANSWER%\"==\"yes\" goto {}", &skip[1..]))?;
        }
        for line in action_lines(action, step.number) {
            w(out, &line)?;
        }
        w(out, &skip)?;
    }
    w(out, "")?;
    w(out, &format!("echo All steps of {} ran.", plan.rule))?;
    w(out, "endlocal")?;
    w(out, "exit /b 0")?;
    w(out, "")?;
    w(out, ":failed")?;
    w(out, "echo A step failed: stop here and check the output above. Registry backups are in %TEMP%.")?;
    w(out, "endlocal")?;
    w(out, "exit /b 1")
}

fn action_lines(action: &Action, number: usize) -> Vec<String> {
    let fail = "if errorlevel 1 goto failed".to_string();
    let backup = |key: &str| {
        let file = format!("%TEMP%\\kbx-step{number}-backup.reg");
        format!("reg query {k} >nul 2>&1 && reg export {k} \"{file}\" /y >nul", k = q(key))
    };
    match action {
        Action::Regsvr32(dll) => {
            vec![format!(r#""%SystemRoot%\System32\regsvr32.exe" /s {}"#, q(&dll.0)), fail]
        }
        Action::ServiceStart(s) => {
            vec![format!("sc query {0} | find \"RUNNING\" >nul || net start {0}", q(&s.0)), fail]
        }
        Action::ServiceStop(s) => {
            vec![format!("sc query {0} | find \"STOPPED\" >nul || net stop {0}", q(&s.0)), fail]
        }
        Action::ServiceRestart(s) => vec![
            format!("sc query {0} | find \"STOPPED\" >nul || net stop {0}", q(&s.0)),
            fail.clone(),
            format!("net start {}", q(&s.0)),
            fail,
        ],
        Action::RegistrySet(r) => {
            let data = match r.kind {
                RegistryType::Dword | RegistryType::Qword => r.data.clone(),
                _ => q(&reg_data(&r.data)),
            };
            vec![
                backup(&r.key.0),
                format!(
                    "reg add {} {} /t {} /d {data} /f",
                    q(&r.key.0),
                    value_arg(&r.value),
                    r.kind.as_str()
                ),
                fail,
            ]
        }
        Action::RegistryDeleteValue(r) => vec![
            backup(&r.key.0),
            format!("reg query {} {} >nul 2>&1 || goto step{number}_done", q(&r.key.0), value_arg(&r.value)),
            format!("reg delete {} {} /f", q(&r.key.0), value_arg(&r.value)),
            fail,
        ],
        Action::FileExists(p) => {
            vec![
                format!("echo Checking that {} exists.", echo(&p.0)),
                format!("if not exist {} goto failed", q(&p.0)),
            ]
        }
        Action::RegistryCheck(r) => {
            vec![format!("reg query {} {} || goto failed", q(&r.key.0), value_arg(&r.value))]
        }
        Action::ServiceState(s) => vec![format!(
            "sc query {} | find \"{}\" || goto failed",
            q(&s.name.0),
            match s.state {
                crate::rule::action::ServiceState::Running => "RUNNING",
                crate::rule::action::ServiceState::Stopped => "STOPPED",
            }
        )],
        Action::FileVersion(f) => vec![
            format!("rem Check by hand that {} is version {} or later", rem(&f.path.0), rem(&f.minimum)),
            format!("echo Check that {} is version {} or later.", echo(&f.path.0), echo(&f.minimum)),
            "pause".into(),
        ],
        Action::Manual(text) => vec![format!("echo MANUAL: {}", echo(text)), "pause".into()],
    }
}

/// `reg`'s value argument: `/v "name"`, or `/ve` for the key's default (unnamed) value.
fn value_arg(value: &str) -> String {
    if value.is_empty() { "/ve".to_string() } else { format!("/v {}", q(&percent(value))) }
}

/// Quotes an argument for cmd.exe (the loader has refused `"` and the other metacharacters).
fn q(s: &str) -> String {
    format!("\"{s}\"")
}

/// `%` doubled, so cmd.exe does not expand it inside a script.
fn percent(s: &str) -> String {
    s.replace('%', "%%")
}

/// Registry data for `reg add /d`: `%` doubled, and a trailing backslash doubled so that it does not
/// escape the closing quote.
fn reg_data(s: &str) -> String {
    let mut d = percent(s);
    if d.ends_with('\\') {
        d.push('\\');
    }
    d
}

/// Text for `echo`: `%` doubled, and the characters cmd.exe would act on written as words.
fn echo(s: &str) -> String {
    percent(s).replace('&', "and").replace(['|', '<', '>', '^', '(', ')'], " ")
}

/// Text for a `rem` line: one line, `%` doubled, no character cmd.exe would act on.
fn rem(s: &str) -> String {
    percent(&s.replace(['\r', '\n'], " ")).replace('&', "and").replace(['|', '<', '>', '^'], " ")
}
