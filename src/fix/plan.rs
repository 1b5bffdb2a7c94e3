//! A rule's resolution as a plan: for every step, what it does, the exact program and argv or registry
//! change, its safety level, whether it needs elevation, what is checked before and after, and how it is
//! undone. Building a plan reads nothing from the machine.

use serde::Serialize;

use crate::rule::action::{Action, Hive, RegistryType, Safety, ServiceState, parse_registry_number, quote};
use crate::rule::{Rule, Step};

use super::system::{RegData, Tool};

/// The plan for one rule.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub rule: String,
    pub kb: String,
    pub title: String,
    pub steps: Vec<PlannedStep>,
}

/// One resolution step as the executor sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedStep {
    /// 1-based, as the rule lists its resolution.
    pub number: usize,
    pub text: String,
    /// `change`, `check` (read-only), `manual` (a person's step) or `note` (no action).
    pub kind: StepKind,
    #[serde(skip)]
    pub action: Option<Action>,
    /// The action's name as written in the rule (`regsvr32`, `registry_set` …).
    pub action_name: Option<&'static str>,
    /// Exactly what runs or changes: the program and its argv, the registry change, the service call.
    pub effect: Option<String>,
    /// The program and argv, for the actions that run one.
    pub program: Option<Invocation>,
    pub safety: Option<Safety>,
    pub elevation: bool,
    /// What must hold before the action runs.
    pub precondition: Option<String>,
    /// When the step is skipped because the machine already is as wanted.
    pub skip_if: Option<String>,
    /// What is backed up first.
    pub backup: Option<String>,
    /// How the result is verified.
    pub verify: Option<String>,
    /// How a failure later in the run undoes this step.
    pub undo: Option<String>,
}

/// What kind of work a step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Changes the machine.
    Change,
    /// Reads the machine; a failed check stops the run.
    Check,
    /// Carried out by a person; kbx only shows it.
    Manual,
    /// A step without an action: shown only.
    Note,
}

/// A program and its argv (no shell is involved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invocation {
    pub program: &'static str,
    pub args: Vec<String>,
}

impl Invocation {
    /// The argv as one line, each argument quoted when it holds a space.
    pub fn display(&self) -> String {
        std::iter::once(self.program.to_string())
            .chain(self.args.iter().map(|a| quote(a)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Plan {
    /// The plan for a rule's whole resolution.
    pub fn for_rule(rule: &Rule) -> Plan {
        Plan {
            rule: rule.id.clone(),
            kb: rule.kb.clone(),
            title: rule.title.clone(),
            steps: rule.resolution.iter().enumerate().map(|(i, s)| plan_step(i + 1, s)).collect(),
        }
    }

    /// Keeps only step `number`; an error names the range when there is no such step.
    pub fn only_step(mut self, number: usize) -> Result<Plan, String> {
        let count = self.steps.len();
        match self.steps.iter().position(|s| s.number == number) {
            Some(i) => {
                self.steps = vec![self.steps.swap_remove(i)];
                Ok(self)
            }
            None => Err(format!(
                "rule `{}` has {count} step{}: --step takes a number from 1 to {count}",
                self.rule,
                if count == 1 { "" } else { "s" }
            )),
        }
    }

    /// How many steps change the machine.
    pub fn changes(&self) -> usize {
        self.steps.iter().filter(|s| s.kind == StepKind::Change).count()
    }
}

/// The regsvr32 invocation for a library.
pub fn regsvr32(dll: &str) -> Invocation {
    Invocation { program: Tool::Regsvr32.program(), args: vec!["/s".to_string(), dll.to_string()] }
}

/// The data a `registry_set` writes, typed. The loader has already checked that numbers parse.
pub fn wanted_data(kind: RegistryType, data: &str) -> Option<RegData> {
    let number = || parse_registry_number(data);
    Some(match kind {
        RegistryType::Sz => RegData::Sz(data.to_string()),
        RegistryType::ExpandSz => RegData::ExpandSz(data.to_string()),
        // `''` is the empty list (the loader refuses empty strings inside one).
        RegistryType::MultiSz if data.is_empty() => RegData::MultiSz(Vec::new()),
        RegistryType::MultiSz => RegData::MultiSz(data.split("\\0").map(str::to_string).collect()),
        RegistryType::Dword => RegData::Dword(u32::try_from(number()?).ok()?),
        RegistryType::Qword => RegData::Qword(number()?),
    })
}

/// Whether writing under this key needs an elevated administrator (all but the user's own hive).
pub fn key_needs_elevation(key: &str) -> bool {
    Hive::split(key).is_none_or(|(hive, _)| hive != Hive::CurrentUser)
}

fn plan_step(number: usize, step: &Step) -> PlannedStep {
    let mut p = PlannedStep {
        number,
        text: step.text.clone(),
        kind: StepKind::Note,
        action: step.action.clone(),
        action_name: step.action.as_ref().map(Action::kind),
        effect: None,
        program: None,
        safety: step.safety,
        elevation: false,
        precondition: None,
        skip_if: None,
        backup: None,
        verify: None,
        undo: None,
    };
    let Some(action) = &step.action else { return p };
    p.kind = if action.changes_system() { StepKind::Change } else { StepKind::Check };
    match action {
        Action::Regsvr32(dll) => {
            let inv = regsvr32(&dll.0);
            p.effect = Some(format!("runs {}", inv.display()));
            p.program = Some(inv);
            p.elevation = true;
            p.precondition = Some(format!("{dll} exists"));
            p.verify = Some("regsvr32 exits with 0 (DllRegisterServer succeeded)".into());
            p.undo = Some(
                "none: the registration stays (unregistering could break what used the library before)"
                    .into(),
            );
        }
        Action::ServiceStart(s) => {
            p.effect = Some(format!("starts service {} through the Service Control Manager", s.0));
            p.elevation = true;
            p.precondition = Some(format!("service {} is installed", s.0));
            p.skip_if = Some(format!("{} is already running", s.0));
            p.verify = Some(format!("{} reports running", s.0));
            p.undo = Some(format!("stop {} again", s.0));
        }
        Action::ServiceStop(s) => {
            p.effect = Some(format!("stops service {} through the Service Control Manager", s.0));
            p.elevation = true;
            p.precondition = Some(format!("service {} is installed", s.0));
            p.skip_if = Some(format!("{} is already stopped", s.0));
            p.verify = Some(format!("{} reports stopped", s.0));
            p.undo = Some(format!("start {} again", s.0));
        }
        Action::ServiceRestart(s) => {
            p.effect = Some(format!("stops service {0} (if running), then starts it", s.0));
            p.elevation = true;
            p.precondition = Some(format!("service {} is installed", s.0));
            p.verify = Some(format!("{} reports running", s.0));
            p.undo = Some(format!("stop {} again if it was stopped before", s.0));
        }
        Action::RegistrySet(r) => {
            let shown = wanted_data(r.kind, &r.data).map_or_else(|| r.data.clone(), |d| d.to_string());
            p.effect = Some(format!("sets {}\\{} to {shown}", r.key.0, value_label(&r.value)));
            p.elevation = key_needs_elevation(&r.key.0);
            p.skip_if = Some(format!("the value already is {shown}"));
            p.backup = Some(format!("`reg export` of {} to the backup folder, and the old value", r.key.0));
            p.verify = Some("the value reads back as written".into());
            p.undo = Some("write the old value back (delete it if there was none)".into());
        }
        Action::RegistryDeleteValue(r) => {
            p.effect = Some(format!("deletes {}\\{}", r.key.0, value_label(&r.value)));
            p.elevation = key_needs_elevation(&r.key.0);
            p.skip_if = Some("the value does not exist".into());
            p.backup = Some(format!("`reg export` of {} to the backup folder, and the old value", r.key.0));
            p.verify = Some("the value is gone".into());
            p.undo = Some("write the old value back".into());
        }
        Action::FileExists(path) => {
            p.effect = Some(format!("checks that {path} exists"));
        }
        Action::RegistryCheck(r) => {
            p.effect = Some(match &r.data {
                Some(d) => format!("checks that {}\\{} is {d}", r.key.0, value_label(&r.value)),
                None => format!("checks that {}\\{} exists", r.key.0, value_label(&r.value)),
            });
        }
        Action::ServiceState(s) => {
            let state = match s.state {
                ServiceState::Running => "running",
                ServiceState::Stopped => "stopped",
            };
            p.effect = Some(format!("checks that service {} is {state}", s.name.0));
        }
        Action::FileVersion(f) => {
            p.effect = Some(format!("checks that {} has version {} or later", f.path, f.minimum));
        }
        Action::Manual(text) => {
            p.kind = StepKind::Manual;
            p.effect = Some(text.clone());
        }
    }
    p
}

/// A value name as shown; the unnamed default value reads `(Default)` as in regedit.
pub fn value_label(value: &str) -> &str {
    if value.is_empty() { "(Default)" } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_data_is_typed_as_the_rule_says() {
        assert_eq!(wanted_data(RegistryType::Dword, "0x10"), Some(RegData::Dword(16)));
        assert_eq!(wanted_data(RegistryType::Dword, "4294967296"), None);
        assert_eq!(wanted_data(RegistryType::Qword, "7"), Some(RegData::Qword(7)));
        assert_eq!(wanted_data(RegistryType::Sz, "0x10"), Some(RegData::Sz("0x10".into())));
        assert_eq!(
            wanted_data(RegistryType::MultiSz, r"a\0b"),
            Some(RegData::MultiSz(vec!["a".into(), "b".into()]))
        );
        assert_eq!(wanted_data(RegistryType::MultiSz, ""), Some(RegData::MultiSz(Vec::new())));
    }

    #[test]
    fn only_the_current_users_hive_is_writable_without_elevation() {
        assert!(!key_needs_elevation(r"HKCU\Software\kbx"));
        assert!(!key_needs_elevation(r"hkey_current_user\Software\kbx"));
        assert!(key_needs_elevation(r"HKLM\SYSTEM\CurrentControlSet\Services\MSExchangeMTA\Parameters"));
        assert!(key_needs_elevation(r"HKCR\CLSID"));
    }
}
