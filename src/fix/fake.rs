//! An in-memory machine for testing the executor anywhere: a registry, services, files and the tools,
//! with failures that can be injected at any call, and a journal of every call that changes something.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use super::system::{RegData, ServiceOp, ServiceStatus, System, SystemError, Tool};
use crate::rule::action::Hive;

/// A call to make fail, once: the first call that meets it fails and the fault is used up (so an undo
/// of the same call goes through, as a retry would).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Writing this value fails (key and value as the rule writes them).
    RegistryWrite { key: String, value: String },
    /// Starting or stopping this service fails.
    Service { name: String, op: ServiceOp },
    /// This service never reaches the state asked for: the call times out.
    ServiceHangs { name: String },
    /// The tool exits with this code.
    ToolExit { tool: Tool, code: i32 },
}

/// The fake machine. Keys and value names compare without regard to case, as on Windows; `HKLM` and
/// `HKEY_LOCAL_MACHINE` (and the other roots) are the same key.
#[derive(Debug, Clone, Default)]
pub struct FakeSystem {
    pub elevated: bool,
    /// Files that exist, by expanded path (lower case).
    pub files: BTreeMap<String, Option<String>>,
    pub services: BTreeMap<String, ServiceStatus>,
    keys: BTreeSet<String>,
    values: BTreeMap<(String, String), RegData>,
    pub faults: Vec<Fault>,
    /// Every call that changed (or tried to change) something, in order.
    pub journal: Vec<String>,
    /// Libraries regsvr32 registered.
    pub registered: Vec<String>,
}

/// `%SystemRoot%` on the fake machine.
pub const SYSTEM_ROOT: &str = r"C:\WINDOWS";

impl FakeSystem {
    /// Whether `fault` is pending; it is used up if so.
    fn trips(&mut self, fault: &Fault) -> bool {
        match self.faults.iter().position(|f| f == fault) {
            Some(i) => {
                self.faults.remove(i);
                true
            }
            None => false,
        }
    }

    /// An elevated machine with regsvr32.exe and reg.exe, the usual top registry keys, and nothing else.
    pub fn new() -> FakeSystem {
        let mut sys = FakeSystem { elevated: true, ..FakeSystem::default() };
        for key in [r"HKLM\SOFTWARE", r"HKLM\SYSTEM\CurrentControlSet\Services", r"HKCU\Software"] {
            sys.make_key(key);
        }
        for tool in [Tool::Regsvr32, Tool::Reg] {
            let path = sys.expand(tool.program()).unwrap_or_default();
            sys.add_file(&path, None);
        }
        sys
    }

    pub fn add_file(&mut self, path: &str, version: Option<&str>) {
        self.files.insert(path.to_ascii_lowercase(), version.map(str::to_string));
    }

    pub fn add_service(&mut self, name: &str, status: ServiceStatus) {
        self.services.insert(name.to_ascii_lowercase(), status);
    }

    /// Puts a value in place (its key and parents too) without journaling it.
    pub fn set_value(&mut self, key: &str, value: &str, data: RegData) {
        self.make_key(key);
        self.values.insert((canonical_key(key), value.to_ascii_lowercase()), data);
    }

    pub fn value(&self, key: &str, value: &str) -> Option<&RegData> {
        self.values.get(&(canonical_key(key), value.to_ascii_lowercase()))
    }

    pub fn has_key(&self, key: &str) -> bool {
        self.keys.contains(&canonical_key(key))
    }

    pub fn status(&self, name: &str) -> ServiceStatus {
        self.services.get(&name.to_ascii_lowercase()).copied().unwrap_or(ServiceStatus::Missing)
    }

    fn make_key(&mut self, key: &str) {
        let key = canonical_key(key);
        let mut at = 0;
        while let Some(i) = key[at..].find('\\') {
            self.keys.insert(key[..at + i].to_string());
            at += i + 1;
        }
        self.keys.insert(key);
    }
}

/// A key in one spelling: the long root name, lower case.
fn canonical_key(key: &str) -> String {
    let lower = key.to_ascii_lowercase();
    let Some((hive, rest)) = Hive::split(&lower) else { return lower.trim_end_matches('\\').to_string() };
    let root = hive.long_name().to_ascii_lowercase();
    let rest = rest.trim_end_matches('\\');
    if rest.is_empty() { root } else { format!("{root}\\{rest}") }
}

impl System for FakeSystem {
    fn elevated(&self) -> Result<bool, SystemError> {
        Ok(self.elevated)
    }

    fn expand(&self, path: &str) -> Result<String, SystemError> {
        let lower = path.to_ascii_lowercase();
        for (var, value) in [
            ("%systemroot%", SYSTEM_ROOT),
            ("%windir%", SYSTEM_ROOT),
            ("%programfiles%", r"C:\Program Files"),
        ] {
            if lower.starts_with(var) {
                return Ok(format!("{value}{}", &path[var.len()..]));
            }
        }
        if path.starts_with('%') {
            return Err(SystemError::Failed(format!("{path}: the variable is not set")));
        }
        Ok(path.to_string())
    }

    fn file_exists(&self, path: &str) -> Result<bool, SystemError> {
        Ok(self.files.contains_key(&path.to_ascii_lowercase()))
    }

    fn file_version(&self, path: &str) -> Result<Option<String>, SystemError> {
        Ok(self.files.get(&path.to_ascii_lowercase()).cloned().flatten())
    }

    fn registry_read(&self, key: &str, value: &str) -> Result<Option<RegData>, SystemError> {
        Ok(self.value(key, value).cloned())
    }

    fn key_exists(&self, key: &str) -> Result<bool, SystemError> {
        Ok(self.has_key(key))
    }

    fn service_status(&self, name: &str) -> Result<ServiceStatus, SystemError> {
        Ok(self.status(name))
    }

    fn registry_write(&mut self, key: &str, value: &str, data: &RegData) -> Result<(), SystemError> {
        self.journal.push(format!("registry_write {key}\\{value} = {data}"));
        let fault = Fault::RegistryWrite { key: key.to_string(), value: value.to_string() };
        if self.trips(&fault) {
            return Err(SystemError::Failed(format!("injected failure writing {key}\\{value}")));
        }
        self.set_value(key, value, data.clone());
        Ok(())
    }

    fn registry_delete(&mut self, key: &str, value: &str) -> Result<(), SystemError> {
        self.journal.push(format!("registry_delete {key}\\{value}"));
        self.values.remove(&(canonical_key(key), value.to_ascii_lowercase()));
        Ok(())
    }

    fn registry_delete_empty_key(&mut self, key: &str) -> Result<(), SystemError> {
        self.journal.push(format!("registry_delete_empty_key {key}"));
        let canonical = canonical_key(key);
        let prefix = format!("{canonical}\\");
        let busy = self.values.keys().any(|(k, _)| *k == canonical)
            || self.keys.iter().any(|k| k.starts_with(&prefix));
        if busy {
            return Err(SystemError::Failed(format!("{key} is not empty")));
        }
        self.keys.remove(&canonical);
        Ok(())
    }

    fn service_control(&mut self, name: &str, op: ServiceOp, timeout: Duration) -> Result<(), SystemError> {
        self.journal.push(format!("service_control {name} {op:?}"));
        if self.trips(&Fault::Service { name: name.to_string(), op }) {
            return Err(SystemError::Failed(format!("injected failure controlling {name}")));
        }
        if self.trips(&Fault::ServiceHangs { name: name.to_string() }) {
            self.services.insert(name.to_ascii_lowercase(), ServiceStatus::Other);
            return Err(SystemError::Timeout { what: format!("{name}'s {op:?}"), after: timeout });
        }
        // As the Service Control Manager does: starting a running service or stopping a stopped one fails.
        match (self.status(name), op) {
            (ServiceStatus::Missing, _) => Err(SystemError::Failed(format!("no service is named {name}"))),
            (ServiceStatus::Running, ServiceOp::Start) => {
                Err(SystemError::Failed(format!("{name}: an instance of the service is already running")))
            }
            (ServiceStatus::Stopped, ServiceOp::Stop) => {
                Err(SystemError::Failed(format!("{name}: the service has not been started")))
            }
            _ => {
                let to = if op == ServiceOp::Start { ServiceStatus::Running } else { ServiceStatus::Stopped };
                self.services.insert(name.to_ascii_lowercase(), to);
                Ok(())
            }
        }
    }

    fn run(&mut self, tool: Tool, args: &[String], _timeout: Duration) -> Result<i32, SystemError> {
        self.journal.push(format!("run {} {}", tool.program(), args.join(" ")));
        let exit = self.faults.iter().find_map(|f| match f {
            Fault::ToolExit { tool: t, code } if *t == tool => Some(*code),
            _ => None,
        });
        if let Some(code) = exit {
            self.trips(&Fault::ToolExit { tool, code });
            return Ok(code);
        }
        match tool {
            Tool::Regsvr32 => {
                let dll = args.last().cloned().unwrap_or_default();
                if !self.file_exists(&dll)? {
                    return Ok(3);
                }
                self.registered.push(dll);
                Ok(0)
            }
            Tool::Reg => {
                // Only `reg export KEY FILE /y`: writes what the key holds, as a stand-in for the real file.
                let (key, file) = (&args[1], &args[2]);
                let canonical = canonical_key(key);
                let mut text = format!("[{key}]\n");
                for ((k, v), data) in &self.values {
                    if *k == canonical {
                        text.push_str(&format!("{v:?}={data}\n"));
                    }
                }
                std::fs::write(Path::new(file), text).map_err(|e| SystemError::Failed(e.to_string()))?;
                Ok(0)
            }
        }
    }
}
