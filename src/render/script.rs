//! `kbx fix --script`: the plan as a Windows command script, for servers kbx cannot run on. The script
//! uses only the system's own tools, by full path; each change is guarded (skipped when already so where
//! the tools can tell) and checked (`if errorlevel 1 goto failed`); registry keys are exported before
//! they change; every step above `safe` asks for `yes`; each manual step pauses.
//!
//! Nothing from a rule reaches cmd.exe unquoted: the loader refuses shell metacharacters and line breaks
//! in every action value, `%` is doubled wherever it must stay literal, a trailing backslash is doubled
//! where it would escape a closing quote, and free text (step text, manual steps) is only ever echoed
//! after the characters cmd.exe acts on are replaced. Values outside ASCII are refused: cmd.exe reads a
//! script in the OEM code page, so they would be written wrong.

use std::io::{self, Write};

use crate::fix::plan::{Plan, StepKind};
use crate::rule::action::{Action, RegistryType, Safety, ServiceState};

const REG: &str = r#""%SystemRoot%\System32\reg.exe""#;
const SC: &str = r#""%SystemRoot%\System32\sc.exe""#;
const NET: &str = r#""%SystemRoot%\System32\net.exe""#;
const FIND: &str = r#""%SystemRoot%\System32\find.exe""#;
const FINDSTR: &str = r#""%SystemRoot%\System32\findstr.exe""#;
const REGSVR32: &str = r#""%SystemRoot%\System32\regsvr32.exe""#;

/// Why the plan cannot be written as a script, if it cannot.
pub fn refusal(plan: &Plan) -> Option<String> {
    plan.steps.iter().find_map(|step| {
        let action = step.action.as_ref()?;
        let values: Vec<&str> = match action {
            Action::Regsvr32(p) | Action::FileExists(p) => vec![&p.0],
            Action::RegistrySet(r) => vec![&r.key.0, &r.value, &r.data],
            Action::RegistryDeleteValue(r) => vec![&r.key.0, &r.value],
            Action::RegistryCheck(r) => vec![&r.key.0, &r.value, r.data.as_deref().unwrap_or("")],
            Action::FileVersion(f) => vec![&f.path.0],
            _ => vec![],
        };
        values.iter().find(|v| !v.is_ascii()).map(|v| {
            format!(
                "step {} has a value outside ASCII (`{v}`), which cmd.exe would read in the wrong code page: \
                 carry that step out by hand, or apply the fix with kbx fix --apply",
                step.number
            )
        })
    })
}

/// Writes the script (CRLF line ends). Check [`refusal`] first.
pub fn script(out: &mut dyn Write, plan: &Plan) -> io::Result<()> {
    let w = |out: &mut dyn Write, line: &str| write!(out, "{line}\r\n");
    w(out, "@echo off")?;
    w(out, &format!("rem kbx fix --script {}: {} ({})", plan.rule, echo(&plan.title), plan.kb))?;
    w(out, "rem Review every line before running this on a server. Run it from an elevated prompt.")?;
    w(
        out,
        "rem Registry keys are exported to %TEMP% before a value in them changes; this script cannot undo.",
    )?;
    w(out, "setlocal EnableExtensions DisableDelayedExpansion")?;
    w(out, "set KBXRUN=%RANDOM%%RANDOM%")?;
    for step in &plan.steps {
        w(out, "")?;
        w(out, &format!("rem Step {}: {}", step.number, echo(&step.text)))?;
        let Some(action) = &step.action else {
            w(out, &format!("echo Step {}: {}", step.number, echo(&step.text)))?;
            continue;
        };
        let done = format!("step{}_done", step.number);
        if step.kind == StepKind::Change && step.safety != Some(Safety::Safe) {
            let level = step.safety.map_or("unrated", Safety::as_str);
            w(out, "set ANSWER=")?;
            w(out, &format!("set /p ANSWER=Step {} is {level}: type yes to run it: ", step.number))?;
            w(out, &format!("if /i not \"%ANSWER%\"==\"yes\" goto {done}"))?;
        }
        for line in action_lines(action, &plan.rule, step.number) {
            w(out, &line)?;
        }
        w(out, &format!(":{done}"))?;
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

fn action_lines(action: &Action, rule: &str, number: usize) -> Vec<String> {
    let fail = "if errorlevel 1 goto failed".to_string();
    let backup = |key: &str| {
        let file = format!("%TEMP%\\kbx-{rule}-%KBXRUN%-step{number}.reg");
        vec![
            format!("{REG} query {} >nul 2>&1", arg(key)),
            format!("if errorlevel 1 goto step{number}_nobackup"),
            format!("{REG} export {} \"{file}\" /y >nul", arg(key)),
            fail.clone(),
            format!("echo Backed up {} to {file}", echo(key)),
            format!(":step{number}_nobackup"),
        ]
    };
    let dependants = |name: &str| {
        format!(
            "rem net stop asks before it stops the services that depend on {name}; start those again by hand."
        )
    };
    let service = |name: &str, state: &str, verb: &str| {
        format!("{SC} query {0} | {FIND} \"{state}\" >nul || {NET} {verb} {0}", arg(name))
    };
    match action {
        Action::Regsvr32(dll) => vec![format!("{REGSVR32} /s {}", path(&dll.0)), fail],
        Action::ServiceStart(s) => vec![service(&s.0, "RUNNING", "start"), fail],
        Action::ServiceStop(s) => vec![dependants(&s.0), service(&s.0, "STOPPED", "stop"), fail],
        Action::ServiceRestart(s) => vec![
            dependants(&s.0),
            service(&s.0, "STOPPED", "stop"),
            fail.clone(),
            format!("{NET} start {}", arg(&s.0)),
            fail,
        ],
        Action::RegistrySet(r) => {
            let data = match r.kind {
                RegistryType::Dword | RegistryType::Qword => r.data.clone(),
                _ => arg(&r.data),
            };
            let mut lines = backup(&r.key.0);
            lines.push(format!(
                "{REG} add {} {} /t {} /d {data} /f",
                arg(&r.key.0),
                value_arg(&r.value),
                r.kind.as_str()
            ));
            lines.push(fail);
            lines
        }
        Action::RegistryDeleteValue(r) => {
            let mut lines = backup(&r.key.0);
            lines.push(format!(
                "{REG} query {} {} >nul 2>&1 || goto step{number}_done",
                arg(&r.key.0),
                value_arg(&r.value)
            ));
            lines.push(format!("{REG} delete {} {} /f", arg(&r.key.0), value_arg(&r.value)));
            lines.push(fail);
            lines
        }
        Action::FileExists(p) => {
            vec![
                format!("echo Checking that {} exists.", echo(&p.0)),
                format!("if not exist {} goto failed", path(&p.0)),
            ]
        }
        Action::RegistryCheck(r) => {
            let query = format!("{REG} query {} {}", arg(&r.key.0), value_arg(&r.value));
            match &r.data {
                None => vec![format!("{query} || goto failed")],
                Some(data) => {
                    // `reg query` ends the line with the data, numbers in 0x hex.
                    let mut wanted = vec![format!("/c:\"    {}\"", percent(data))];
                    if let Ok(n) = data.parse::<u64>() {
                        wanted.push(format!("/c:\"    0x{n:x}\""));
                    }
                    vec![format!("{query} | {FINDSTR} /i /e {} || goto failed", wanted.join(" "))]
                }
            }
        }
        Action::ServiceState(s) => {
            let state = match s.state {
                ServiceState::Running => "RUNNING",
                ServiceState::Stopped => "STOPPED",
            };
            vec![format!("{SC} query {} | {FIND} \"{state}\" || goto failed", arg(&s.name.0))]
        }
        Action::FileVersion(f) => vec![
            format!("echo Check that {} is version {} or later.", echo(&f.path.0), f.minimum),
            "pause".into(),
        ],
        Action::Manual(text) => vec![format!("echo MANUAL: {}", echo(text)), "pause".into()],
    }
}

/// `reg`'s value argument: `/v "name"`, or `/ve` for the key's default (unnamed) value.
fn value_arg(value: &str) -> String {
    if value.is_empty() { "/ve".to_string() } else { format!("/v {}", arg(value)) }
}

/// A quoted argument for a program: `%` doubled, and a trailing backslash doubled so that it does not
/// escape the closing quote.
fn arg(s: &str) -> String {
    let mut v = percent(s);
    if v.ends_with('\\') {
        v.push('\\');
    }
    format!("\"{v}\"")
}

/// A quoted path whose leading variable (`%SystemRoot%` …) is meant to expand.
fn path(s: &str) -> String {
    format!("\"{s}\"")
}

/// `%` doubled, so cmd.exe does not expand it inside a script.
fn percent(s: &str) -> String {
    s.replace('%', "%%")
}

/// Text for `echo` (and `rem`) lines: one line, `%` doubled, and the characters cmd.exe would act on written as words.
fn echo(s: &str) -> String {
    percent(&s.replace(['\r', '\n'], " "))
        .replace('&', "and")
        .replace(['|', '<', '>', '^', '(', ')', '!'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_is_one_inert_line() {
        assert_eq!(echo("a & b | c > d\r\nshutdown /r %x% !y!"), "a and b   c   d  shutdown /r %%x%%  y ");
        assert_eq!(arg(r"C:\dir\"), r#""C:\dir\\""#);
        assert_eq!(arg("100%"), r#""100%%""#);
    }
}
