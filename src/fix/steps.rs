//! Each action against a [`System`]: whether it is needed, what must hold first, the change with its
//! backup, the verification, the undo, and the read-only checks.

use std::path::Path;
use std::time::Duration;

use crate::rule::action::{
    Action, FileVersionCheck, RegistryCheck, RegistryValue, ServiceName, ServiceState, ServiceStateCheck,
    WinPath, parse_registry_number,
};

use super::plan::{Plan, PlannedStep, StepKind, regsvr32, value_label, wanted_data};
use super::system::{RegData, ServiceOp, ServiceStatus, System, SystemError, Tool, regsvr32_meaning};

/// How to put back what a change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Undo {
    /// Write the old value back, or delete the value when there was none; delete the keys this run made
    /// (deepest first).
    Registry { key: String, value: String, prior: Option<RegData>, created: Vec<String> },
    /// Bring the service back to the state it was in before the step (running or stopped).
    Service { name: String, prior: ServiceStatus },
    /// The change cannot be undone; the reason is shown.
    Keep(String),
}

/// `Ok(Some(why))` when the machine already is as the step wants it.
fn already(action: &Action, sys: &dyn System) -> Result<Option<String>, String> {
    Ok(match action {
        Action::ServiceStart(s) => match status(sys, &s.0)? {
            ServiceStatus::Running => Some(format!("{} is already running", s.0)),
            _ => None,
        },
        Action::ServiceStop(s) => match status(sys, &s.0)? {
            ServiceStatus::Stopped => Some(format!("{} is already stopped", s.0)),
            _ => None,
        },
        Action::RegistrySet(r) => {
            let wanted = wanted(r)?;
            match sys.registry_read(&r.key.0, &r.value).map_err(err)? {
                Some(now) if now == wanted => {
                    Some(format!("{} already is {wanted}", label(&r.key.0, &r.value)))
                }
                _ => None,
            }
        }
        Action::RegistryDeleteValue(r) => match sys.registry_read(&r.key.0, &r.value).map_err(err)? {
            None => Some(format!("{} does not exist", label(&r.key.0, &r.value))),
            Some(_) => None,
        },
        _ => None,
    })
}

/// `Ok(Some(why))` when step `index` of the plan has nothing to do: the machine already is as it wants,
/// or it is a service stop (or restart) that only exists for changes around it that are all already so.
///
/// A `service_stop` whose matching `service_start`/`service_restart` of the same service comes later is
/// needless when every step between them is a change already made (or a check); a step for a person
/// between them keeps the stop, since that work may need the service down. A `service_restart` that
/// follows changes that were all already made before this run (none of them among `done_here`, the
/// steps this run carried out) has nothing new to pick up. This is what makes a second run of
/// "set, stop, set, start" or "set, restart" a no-op, while the first run still stops and restarts.
fn needless(
    plan: &Plan,
    index: usize,
    sys: &dyn System,
    done_here: &[usize],
) -> Result<Option<String>, String> {
    let step = &plan.steps[index];
    let Some(action) = &step.action else { return Ok(None) };
    if let Some(why) = already(action, sys)? {
        return Ok(Some(why));
    }
    let all_made = |range: &[PlannedStep]| -> Result<bool, String> {
        for s in range {
            match (&s.action, s.kind) {
                (Some(a), StepKind::Change) if already(a, sys)?.is_some() => {}
                (Some(_), StepKind::Check) => {}
                _ => return Ok(false),
            }
        }
        Ok(true)
    };
    // Whether a step starts (or restarts) the service `name`.
    let starts = |s: &PlannedStep, name: &ServiceName| matches!(&s.action, Some(Action::ServiceStart(n) | Action::ServiceRestart(n)) if n == name);
    match action {
        Action::ServiceStop(name) => {
            let start = plan.steps[index + 1..].iter().position(|s| starts(s, name));
            if let Some(offset) = start
                && all_made(&plan.steps[index + 1..index + 1 + offset])?
            {
                let number = plan.steps[index + 1 + offset].number;
                return Ok(Some(format!(
                    "{} need not stop: the changes before step {number} starts it again are already made",
                    name.0
                )));
            }
        }
        Action::ServiceRestart(name) => {
            let from = plan.steps[..index].iter().rposition(|s| starts(s, name)).map_or(0, |i| i + 1);
            let before = &plan.steps[from..index];
            let made_here = before.iter().any(|s| done_here.contains(&s.number));
            if !made_here && before.iter().any(|s| s.kind == StepKind::Change) && all_made(before)? {
                return Ok(Some(format!(
                    "{} need not restart: the changes it would pick up were already made",
                    name.0
                )));
            }
        }
        _ => {}
    }
    Ok(None)
}

/// Whether change step `index` is to run: `Ok(Some(why))` when it has nothing to do ([`needless`]),
/// `Ok(None)` when it is needed and what must hold first does ([`precondition`]), the error when not.
pub(crate) fn to_do(
    plan: &Plan,
    index: usize,
    sys: &dyn System,
    done_here: &[usize],
) -> Result<Option<String>, String> {
    match (needless(plan, index, sys, done_here)?, &plan.steps[index].action) {
        (Some(why), _) => Ok(Some(why)),
        (None, Some(action)) => precondition(action, sys).map(|()| None),
        (None, None) => Ok(None),
    }
}

/// What must hold before the change; the error says what does not.
fn precondition(action: &Action, sys: &dyn System) -> Result<(), String> {
    match action {
        Action::Regsvr32(dll) => {
            let path = expand(sys, dll)?;
            if !sys.file_exists(&path).map_err(err)? {
                return Err(format!("{path} does not exist: install the product that provides it first"));
            }
        }
        Action::ServiceStart(s) | Action::ServiceStop(s) | Action::ServiceRestart(s) => {
            match status(sys, &s.0)? {
                ServiceStatus::Missing => {
                    return Err(format!("no service is named {}: check the name with `sc query`", s.0));
                }
                ServiceStatus::Other => {
                    return Err(format!(
                        "{} is starting, stopping or paused: wait until it settles, then run again",
                        s.0
                    ));
                }
                ServiceStatus::Running | ServiceStatus::Stopped => {}
            }
        }
        _ => {}
    }
    Ok(())
}

/// The undo record for a change, taken before it runs (with the backup), so that a change that fails
/// half-way is put back too.
pub(crate) fn prepare(
    action: &Action,
    sys: &mut dyn System,
    backup: &Path,
    timeout: Duration,
) -> Result<(Undo, Option<String>), String> {
    Ok(match action {
        Action::Regsvr32(_) => (
            Undo::Keep(
                "the registration stays: unregistering could break what used the library before".into(),
            ),
            None,
        ),
        Action::ServiceStart(s) | Action::ServiceStop(s) | Action::ServiceRestart(s) => {
            (Undo::Service { name: s.0.clone(), prior: status(sys, &s.0)? }, None)
        }
        Action::RegistrySet(r) => registry_backup(sys, &r.key.0, &r.value, backup, timeout)?,
        Action::RegistryDeleteValue(r) => registry_backup(sys, &r.key.0, &r.value, backup, timeout)?,
        other => return Err(format!("`{}` does not change the machine", other.kind())),
    })
}

fn registry_backup(
    sys: &mut dyn System,
    key: &str,
    value: &str,
    file: &Path,
    timeout: Duration,
) -> Result<(Undo, Option<String>), String> {
    // The keys the write will create: the key and each missing parent below the root hive.
    let mut created = Vec::new();
    let mut at = key.trim_end_matches('\\');
    while !sys.key_exists(at).map_err(err)? {
        created.push(at.to_string());
        match at.rsplit_once('\\') {
            Some((parent, _)) if parent.contains('\\') => at = parent,
            _ => break,
        }
    }
    let existed = created.is_empty();
    let prior = sys.registry_read(key, value).map_err(err)?;
    let backup = if existed {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot make the backup folder {}: {e}", dir.display()))?;
        }
        sys.registry_export(key, file, timeout).map_err(|e| format!("backing up {key} failed: {e}"))?;
        Some(file.display().to_string())
    } else {
        None
    };
    let undo = Undo::Registry { key: key.to_string(), value: value.to_string(), prior, created };
    Ok((undo, backup))
}

/// Carries the change out and verifies it.
pub(crate) fn change(action: &Action, sys: &mut dyn System, timeout: Duration) -> Result<String, String> {
    match action {
        Action::Regsvr32(dll) => {
            let path = expand(sys, dll)?;
            let code = sys.run(Tool::Regsvr32, &regsvr32(&path).args, timeout).map_err(err)?;
            match code {
                0 => Ok(format!("regsvr32 registered {path}")),
                _ => Err(format!("regsvr32 exited with {code}: {}", regsvr32_meaning(code))),
            }
        }
        Action::ServiceStart(s) => {
            control(sys, &s.0, ServiceOp::Start, timeout)?;
            verify_status(sys, &s.0, ServiceStatus::Running).map(|()| format!("{} is running", s.0))
        }
        Action::ServiceStop(s) => {
            control(sys, &s.0, ServiceOp::Stop, timeout)?;
            verify_status(sys, &s.0, ServiceStatus::Stopped).map(|()| format!("{} is stopped", s.0))
        }
        Action::ServiceRestart(s) => {
            if status(sys, &s.0)? == ServiceStatus::Running {
                control(sys, &s.0, ServiceOp::Stop, timeout)?;
            }
            control(sys, &s.0, ServiceOp::Start, timeout)?;
            verify_status(sys, &s.0, ServiceStatus::Running)
                .map(|()| format!("{} restarted and is running", s.0))
        }
        Action::RegistrySet(r) => {
            let wanted = wanted(r)?;
            sys.registry_write(&r.key.0, &r.value, &wanted).map_err(err)?;
            match sys.registry_read(&r.key.0, &r.value).map_err(err)? {
                Some(now) if now == wanted => Ok(format!("{} is {wanted}", label(&r.key.0, &r.value))),
                now => {
                    Err(format!("{} reads back as {}, not {wanted}", label(&r.key.0, &r.value), shown(&now)))
                }
            }
        }
        Action::RegistryDeleteValue(r) => {
            sys.registry_delete(&r.key.0, &r.value).map_err(err)?;
            match sys.registry_read(&r.key.0, &r.value).map_err(err)? {
                None => Ok(format!("{} is deleted", label(&r.key.0, &r.value))),
                Some(now) => Err(format!("{} is still there ({now})", label(&r.key.0, &r.value))),
            }
        }
        other => Err(format!("`{}` does not change the machine", other.kind())),
    }
}

/// Puts a change back. `Ok` carries what was done.
pub(crate) fn undo(item: &Undo, sys: &mut dyn System, timeout: Duration) -> Result<String, String> {
    match item {
        Undo::Registry { key, value, prior, created } => {
            match prior {
                Some(data) => sys.registry_write(key, value, data).map_err(err)?,
                None => sys.registry_delete(key, value).map_err(err)?,
            }
            let back = sys.registry_read(key, value).map_err(err)?;
            if back != *prior {
                return Err(format!("{} reads {} after the undo", label(key, value), shown(&back)));
            }
            for made in created {
                sys.registry_delete_empty_key(made).map_err(err)?;
            }
            Ok(match prior {
                Some(data) => format!("{} is {data} again", label(key, value)),
                None => format!("{} is deleted again", label(key, value)),
            })
        }
        Undo::Service { name, prior } => {
            if status(sys, name)? == *prior {
                return Ok(format!("{name} is {} as before", prior.as_str()));
            }
            let op = match prior {
                ServiceStatus::Running => ServiceOp::Start,
                ServiceStatus::Stopped => ServiceOp::Stop,
                other => {
                    return Err(format!("{name} was {} before; kbx cannot bring that back", other.as_str()));
                }
            };
            control(sys, name, op, timeout)?;
            verify_status(sys, name, *prior).map(|()| format!("{name} is {} again", prior.as_str()))
        }
        Undo::Keep(why) => Ok(why.clone()),
    }
}

/// Runs a read-only check; `Ok` says what held, the error what did not.
pub(crate) fn check(action: &Action, sys: &dyn System) -> Result<String, String> {
    match action {
        Action::FileExists(path) => {
            let p = expand(sys, path)?;
            match sys.file_exists(&p).map_err(err)? {
                true => Ok(format!("{p} exists")),
                false => Err(format!("{p} does not exist")),
            }
        }
        Action::RegistryCheck(RegistryCheck { key, value, data }) => {
            let at = label(&key.0, value);
            match (sys.registry_read(&key.0, value).map_err(err)?, data) {
                (None, _) => Err(format!("{at} does not exist")),
                (Some(now), None) => Ok(format!("{at} exists ({now})")),
                (Some(now), Some(want)) if data_is(&now, want) => Ok(format!("{at} is {now}")),
                (Some(now), Some(want)) => Err(format!("{at} is {now}, not {want}")),
            }
        }
        Action::ServiceState(ServiceStateCheck { name, state }) => {
            let want = match state {
                ServiceState::Running => ServiceStatus::Running,
                ServiceState::Stopped => ServiceStatus::Stopped,
            };
            match status(sys, &name.0)? {
                now if now == want => Ok(format!("{} is {}", name.0, now.as_str())),
                now => Err(format!("{} is {}, not {}", name.0, now.as_str(), want.as_str())),
            }
        }
        Action::FileVersion(FileVersionCheck { path, minimum }) => {
            let p = expand(sys, path)?;
            match sys.file_version(&p).map_err(err)? {
                None if !sys.file_exists(&p).map_err(err)? => Err(format!("{p} does not exist")),
                None => Err(format!("{p} has no version information")),
                Some(v) if version_at_least(&v, &minimum.0) => Ok(format!("{p} is version {v}")),
                Some(v) => Err(format!("{p} is version {v}, older than {minimum}")),
            }
        }
        other => Err(format!("`{}` is not a check", other.kind())),
    }
}

/// The data a `registry_set` writes.
fn wanted(r: &RegistryValue) -> Result<RegData, String> {
    wanted_data(r.kind, &r.data).ok_or_else(|| format!("`{}` is not valid data", r.data))
}

/// Whether registry data equals what a rule wrote as text (numbers in decimal or 0x hex).
fn data_is(now: &RegData, want: &str) -> bool {
    let number = || parse_registry_number(want);
    match now {
        RegData::Sz(s) | RegData::ExpandSz(s) => s == want,
        RegData::MultiSz(v) => v.join("\\0") == want,
        RegData::Dword(n) => number() == Some(u64::from(*n)),
        RegData::Qword(n) => number() == Some(*n),
        RegData::Other { .. } => false,
    }
}

/// Compares dotted versions number by number (`6.0.6604.0` ≥ `6.0.6603`); missing parts count as 0.
pub(crate) fn version_at_least(have: &str, minimum: &str) -> bool {
    let parts = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.trim().parse().unwrap_or(0)).collect() };
    let (h, m) = (parts(have), parts(minimum));
    for i in 0..h.len().max(m.len()) {
        let (a, b) = (h.get(i).copied().unwrap_or(0), m.get(i).copied().unwrap_or(0));
        if a != b {
            return a > b;
        }
    }
    true
}

fn control(sys: &mut dyn System, name: &str, op: ServiceOp, timeout: Duration) -> Result<(), String> {
    sys.service_control(name, op, timeout).map_err(|e| {
        let verb = if op == ServiceOp::Start { "starting" } else { "stopping" };
        format!("{verb} {name} failed: {e}")
    })
}

fn verify_status(sys: &dyn System, name: &str, want: ServiceStatus) -> Result<(), String> {
    match status(sys, name)? {
        now if now == want => Ok(()),
        now => Err(format!("{name} is {} afterwards, not {}", now.as_str(), want.as_str())),
    }
}

fn status(sys: &dyn System, name: &str) -> Result<ServiceStatus, String> {
    sys.service_status(name).map_err(err)
}

fn expand(sys: &dyn System, path: &WinPath) -> Result<String, String> {
    sys.expand(&path.0).map_err(err)
}

fn label(key: &str, value: &str) -> String {
    format!("{key}\\{}", value_label(value))
}

fn shown(data: &Option<RegData>) -> String {
    data.as_ref().map_or_else(|| "nothing".to_string(), RegData::to_string)
}

fn err(e: SystemError) -> String {
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_number_by_number() {
        assert!(version_at_least("6.0.6604.0", "6.0.6603"));
        assert!(version_at_least("6.0.10.0", "6.0.9"));
        assert!(version_at_least("5.5", "5.5.0.0"));
        assert!(!version_at_least("5.5.2653.12", "5.5.2653.13"));
    }

    #[test]
    fn registry_data_compares_with_the_rules_text() {
        assert!(data_is(&RegData::Dword(16), "0x10"));
        assert!(data_is(&RegData::Dword(16), "16"));
        assert!(!data_is(&RegData::Dword(16), "15"));
        assert!(data_is(&RegData::Sz("Yes".into()), "Yes"));
        assert!(!data_is(&RegData::Sz("Yes".into()), "yes"));
    }
}
