//! What the executor may do to a machine, as one trait: the Windows implementation touches the real
//! registry, services and tools; the fake keeps them in memory so that every path can be tested on Linux.
//!
//! The trait is deliberately narrow. It has no "run a command": the only programs are the [`Tool`]s, whose
//! paths are fixed here and whose arguments are an argv list built by the executor from typed actions.

use std::fmt;
use std::path::Path;
use std::time::Duration;

/// A registry value's type and data, as read or to be written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", content = "data")]
pub enum RegData {
    #[serde(rename = "REG_SZ")]
    Sz(String),
    #[serde(rename = "REG_EXPAND_SZ")]
    ExpandSz(String),
    #[serde(rename = "REG_MULTI_SZ")]
    MultiSz(Vec<String>),
    #[serde(rename = "REG_DWORD")]
    Dword(u32),
    #[serde(rename = "REG_QWORD")]
    Qword(u64),
    /// Any other type (REG_BINARY and the like), kept as raw bytes so that an undo restores it exactly.
    #[serde(rename = "other")]
    Other { kind: u32, bytes: Vec<u8> },
}

impl fmt::Display for RegData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegData::Sz(s) => write!(f, "REG_SZ {s:?}"),
            RegData::ExpandSz(s) => write!(f, "REG_EXPAND_SZ {s:?}"),
            RegData::MultiSz(v) => write!(f, "REG_MULTI_SZ {v:?}"),
            RegData::Dword(n) => write!(f, "REG_DWORD {n} (0x{n:x})"),
            RegData::Qword(n) => write!(f, "REG_QWORD {n} (0x{n:x})"),
            RegData::Other { kind, bytes } => write!(f, "type {kind}, {} bytes", bytes.len()),
        }
    }
}

/// What the Service Control Manager says of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceStatus {
    Running,
    Stopped,
    /// Starting, stopping, pausing or paused: neither of the two states an action asks for.
    Other,
    /// No service has this name.
    Missing,
}

impl ServiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Running => "running",
            ServiceStatus::Stopped => "stopped",
            ServiceStatus::Other => "starting, stopping or paused",
            ServiceStatus::Missing => "not installed",
        }
    }
}

/// Start or stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceOp {
    Start,
    Stop,
}

/// The only programs the executor runs. Each lives under `%SystemRoot%\System32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// `regsvr32.exe`: registers a COM library (`/s` keeps it from showing a dialog).
    Regsvr32,
    /// `reg.exe`: only ever as `reg export KEY FILE /y`, to back a key up before it changes.
    Reg,
}

impl Tool {
    /// The program, before `%SystemRoot%` is expanded.
    pub fn program(self) -> &'static str {
        match self {
            Tool::Regsvr32 => r"%SystemRoot%\System32\regsvr32.exe",
            Tool::Reg => r"%SystemRoot%\System32\reg.exe",
        }
    }
}

/// Why a call to the system failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SystemError {
    #[error("access denied{0}: kbx needs an elevated (Run as administrator) prompt with rights to it")]
    AccessDenied(String),
    #[error("{what} did not finish within {} s; kbx stopped waiting", .after.as_secs())]
    Timeout { what: String, after: Duration },
    #[error("{0}")]
    Failed(String),
}

/// The machine the executor acts on. Reads take `&self`; anything that changes the machine takes
/// `&mut self`, so a plan (which only holds `&System`) cannot change anything.
pub trait System {
    /// Whether this process may change machine-wide settings (an elevated administrator).
    fn elevated(&self) -> Result<bool, SystemError>;
    /// A path with its leading allowed variable (`%SystemRoot%` …) expanded.
    fn expand(&self, path: &str) -> Result<String, SystemError>;
    fn file_exists(&self, path: &str) -> Result<bool, SystemError>;
    /// The file's version (`6.0.6604.0`), or `None` when it has no version resource.
    fn file_version(&self, path: &str) -> Result<Option<String>, SystemError>;
    /// A value; `None` when it or its key does not exist.
    fn registry_read(&self, key: &str, value: &str) -> Result<Option<RegData>, SystemError>;
    fn key_exists(&self, key: &str) -> Result<bool, SystemError>;
    fn service_status(&self, name: &str) -> Result<ServiceStatus, SystemError>;

    /// Writes a value, creating its key (and missing parents) if needed.
    fn registry_write(&mut self, key: &str, value: &str, data: &RegData) -> Result<(), SystemError>;
    /// Deletes a value; deleting one that does not exist is not an error.
    fn registry_delete(&mut self, key: &str, value: &str) -> Result<(), SystemError>;
    /// Deletes a key that has no values and no subkeys (used to undo a key this run created).
    fn registry_delete_empty_key(&mut self, key: &str) -> Result<(), SystemError>;
    /// Starts or stops a service and waits until it is running or stopped.
    fn service_control(&mut self, name: &str, op: ServiceOp, timeout: Duration) -> Result<(), SystemError>;
    /// Runs a tool with these arguments (no shell) and returns its exit code.
    fn run(&mut self, tool: Tool, args: &[String], timeout: Duration) -> Result<i32, SystemError>;
    /// Backs a key up: writes it, as `reg export` does, to `file`.
    fn registry_export(&mut self, key: &str, file: &Path, timeout: Duration) -> Result<(), SystemError> {
        let args = ["export".to_string(), key.to_string(), file.display().to_string(), "/y".to_string()];
        match self.run(Tool::Reg, &args, timeout)? {
            0 => Ok(()),
            code => Err(SystemError::Failed(format!("`reg export {key}` exited with {code}"))),
        }
    }
}

/// What regsvr32's exit code means (the codes of Windows' regsvr32, which Wine's follows).
pub fn regsvr32_meaning(code: i32) -> &'static str {
    match code {
        0 => "registered",
        1 => "regsvr32 did not accept its arguments",
        2 => "OLE could not be initialised",
        3 => "the library could not be loaded: it is missing, or a library it needs is",
        4 => "the library has no DllRegisterServer entry point: it is not a COM server",
        5 => "the library's DllRegisterServer reported a failure",
        _ => "regsvr32 failed",
    }
}

/// Waits for a child process at most `timeout`; kills it (and reports a timeout) when it takes longer.
pub fn wait_with_timeout(
    child: &mut std::process::Child,
    timeout: Duration,
    what: &str,
) -> Result<i32, SystemError> {
    let start = std::time::Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status.code().unwrap_or(-1)),
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(SystemError::Timeout { what: what.to_string(), after: timeout });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(SystemError::Failed(format!("waiting for {what}: {e}"))),
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_tool_that_runs_too_long_is_killed() {
        let mut child = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        let start = std::time::Instant::now();
        let err = wait_with_timeout(&mut child, Duration::from_millis(100), "sleep").unwrap_err();
        assert!(matches!(err, SystemError::Timeout { .. }), "{err}");
        assert!(start.elapsed() < Duration::from_secs(4), "kbx waited for the whole run");
        assert!(child.try_wait().unwrap().is_some(), "the child was left running");
    }

    #[test]
    fn a_tools_exit_code_comes_back() {
        let mut child = std::process::Command::new("sh").args(["-c", "exit 4"]).spawn().unwrap();
        assert_eq!(wait_with_timeout(&mut child, Duration::from_secs(10), "sh").unwrap(), 4);
    }
}
