//! The real machine: the registry through winreg, services through the Service Control Manager
//! (windows-service), elevation and file versions through windows-sys, and the two tools as child
//! processes with an argv list (never a shell).

use std::ffi::OsStr;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use windows_service::service::{ServiceAccess, ServiceState};
use windows_service::service_manager::{ServiceManager, ServiceManagerAccess};
use winreg::enums::{
    HKEY_CLASSES_ROOT, HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, HKEY_USERS, KEY_QUERY_VALUE, KEY_READ,
    KEY_SET_VALUE, RegType,
};
use winreg::{RegKey, RegValue};

use super::system::{RegData, ServiceOp, ServiceStatus, System, SystemError, Tool, wait_with_timeout};
use crate::rule::action::{ALLOWED_VARIABLES, Hive};

/// The machine kbx runs on.
#[derive(Debug, Default)]
pub struct WindowsSystem;

const ERROR_ACCESS_DENIED: i32 = 5;
const ERROR_FILE_NOT_FOUND: i32 = 2;
const ERROR_SERVICE_DOES_NOT_EXIST: i32 = 1060;
const ERROR_DEPENDENT_SERVICES_RUNNING: i32 = 1051;

fn io_err(what: &str, e: io::Error) -> SystemError {
    if e.raw_os_error() == Some(ERROR_ACCESS_DENIED) || e.kind() == io::ErrorKind::PermissionDenied {
        SystemError::AccessDenied(format!(" ({what})"))
    } else if e.raw_os_error() == Some(ERROR_DEPENDENT_SERVICES_RUNNING) {
        SystemError::Failed(format!(
            "{what}: services that depend on it are running; kbx does not stop those: stop them first \
             (`sc enumdepend`), or carry this step out by hand"
        ))
    } else {
        SystemError::Failed(format!("{what}: {e}"))
    }
}

fn service_err(what: &str, e: windows_service::Error) -> SystemError {
    match e {
        windows_service::Error::Winapi(io) => io_err(what, io),
        other => SystemError::Failed(format!("{what}: {other}")),
    }
}

/// The root hive and the rest of a key path.
fn split_key(key: &str) -> Result<(RegKey, &str), SystemError> {
    let (hive, rest) = Hive::split(key)
        .ok_or_else(|| SystemError::Failed(format!("{key}: not under HKLM, HKCU, HKCR or HKU")))?;
    let root = match hive {
        Hive::LocalMachine => HKEY_LOCAL_MACHINE,
        Hive::CurrentUser => HKEY_CURRENT_USER,
        Hive::ClassesRoot => HKEY_CLASSES_ROOT,
        Hive::Users => HKEY_USERS,
    };
    Ok((RegKey::predef(root), rest.trim_end_matches('\\')))
}

fn not_found(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(ERROR_FILE_NOT_FOUND)
}

fn wide(s: &str) -> Vec<u16> {
    OsStr::new(s).encode_wide().chain(Some(0)).collect()
}

fn utf16(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    String::from_utf16_lossy(&units)
}

/// The value as typed data when it reads back to exactly the same bytes; otherwise (odd lengths, a
/// missing or doubled NUL, types kbx does not read) the raw bytes, so that an undo writes back exactly
/// what was there.
fn from_raw(v: &RegValue) -> RegData {
    let typed = decode(v);
    match to_raw(&typed) {
        Ok(back) if back.vtype == v.vtype && back.bytes == v.bytes => typed,
        _ => RegData::Other { kind: v.vtype.clone() as u32, bytes: v.bytes.to_vec() },
    }
}

fn decode(v: &RegValue) -> RegData {
    let text = || utf16(&v.bytes).trim_end_matches('\0').to_string();
    match v.vtype {
        RegType::REG_SZ => RegData::Sz(text()),
        RegType::REG_EXPAND_SZ => RegData::ExpandSz(text()),
        RegType::REG_MULTI_SZ => {
            RegData::MultiSz(text().split('\0').filter(|s| !s.is_empty()).map(str::to_string).collect())
        }
        RegType::REG_DWORD if v.bytes.len() == 4 => {
            RegData::Dword(u32::from_le_bytes([v.bytes[0], v.bytes[1], v.bytes[2], v.bytes[3]]))
        }
        RegType::REG_QWORD if v.bytes.len() == 8 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(&v.bytes);
            RegData::Qword(u64::from_le_bytes(b))
        }
        ref other => RegData::Other { kind: other.clone() as u32, bytes: v.bytes.to_vec() },
    }
}

fn to_raw(data: &RegData) -> Result<RegValue<'static>, SystemError> {
    let text = |s: &str| -> Vec<u8> { wide(s).iter().flat_map(|u| u.to_le_bytes()).collect() };
    let (bytes, vtype) = match data {
        RegData::Sz(s) => (text(s), RegType::REG_SZ),
        RegData::ExpandSz(s) => (text(s), RegType::REG_EXPAND_SZ),
        RegData::MultiSz(v) => {
            let mut joined = v.join("\0");
            joined.push('\0');
            (text(&joined), RegType::REG_MULTI_SZ)
        }
        RegData::Dword(n) => (n.to_le_bytes().to_vec(), RegType::REG_DWORD),
        RegData::Qword(n) => (n.to_le_bytes().to_vec(), RegType::REG_QWORD),
        RegData::Other { kind, bytes } => {
            let vtype = match kind {
                0 => RegType::REG_NONE,
                1 => RegType::REG_SZ,
                2 => RegType::REG_EXPAND_SZ,
                3 => RegType::REG_BINARY,
                4 => RegType::REG_DWORD,
                5 => RegType::REG_DWORD_BIG_ENDIAN,
                6 => RegType::REG_LINK,
                7 => RegType::REG_MULTI_SZ,
                8 => RegType::REG_RESOURCE_LIST,
                9 => RegType::REG_FULL_RESOURCE_DESCRIPTOR,
                10 => RegType::REG_RESOURCE_REQUIREMENTS_LIST,
                11 => RegType::REG_QWORD,
                _ => return Err(SystemError::Failed(format!("registry type {kind} cannot be written back"))),
            };
            (bytes.clone(), vtype)
        }
    };
    Ok(RegValue { bytes: bytes.into(), vtype })
}

impl WindowsSystem {
    fn open_service(
        &self,
        name: &str,
        access: ServiceAccess,
    ) -> Result<Option<windows_service::service::Service>, SystemError> {
        let manager = ServiceManager::local_computer(None::<&str>, ServiceManagerAccess::CONNECT)
            .map_err(|e| service_err("connecting to the Service Control Manager", e))?;
        match manager.open_service(name, access) {
            Ok(s) => Ok(Some(s)),
            Err(windows_service::Error::Winapi(e))
                if e.raw_os_error() == Some(ERROR_SERVICE_DOES_NOT_EXIST) =>
            {
                Ok(None)
            }
            Err(e) => Err(service_err(&format!("opening service {name}"), e)),
        }
    }
}

impl System for WindowsSystem {
    fn elevated(&self) -> Result<bool, SystemError> {
        use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
        use windows_sys::Win32::Security::{
            GetTokenInformation, TOKEN_ELEVATION, TOKEN_QUERY, TokenElevation,
        };
        use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};
        let mut token: HANDLE = std::ptr::null_mut();
        // SAFETY: the pseudo-handle of the current process needs no closing; `token` is closed below.
        if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
            return Err(io_err("opening this process's token", io::Error::last_os_error()));
        }
        let mut elevation = TOKEN_ELEVATION { TokenIsElevated: 0 };
        let mut len = 0u32;
        // SAFETY: the buffer is a TOKEN_ELEVATION of the size passed.
        let ok = unsafe {
            GetTokenInformation(
                token,
                TokenElevation,
                (&raw mut elevation).cast(),
                size_of::<TOKEN_ELEVATION>() as u32,
                &mut len,
            )
        };
        let error = io::Error::last_os_error();
        // SAFETY: `token` was opened above and is not used after this.
        unsafe { CloseHandle(token) };
        if ok == 0 {
            return Err(io_err("reading this process's elevation", error));
        }
        Ok(elevation.TokenIsElevated != 0)
    }

    fn expand(&self, path: &str) -> Result<String, SystemError> {
        let Some(rest) = path.strip_prefix('%') else { return Ok(path.to_string()) };
        let end = rest.find('%').ok_or_else(|| SystemError::Failed(format!("{path}: unclosed `%`")))?;
        let var = &path[..end + 2];
        if !ALLOWED_VARIABLES.iter().any(|a| a.eq_ignore_ascii_case(var)) {
            return Err(SystemError::Failed(format!("{var} is not an allowed variable")));
        }
        let value = std::env::var(&rest[..end])
            .map_err(|_| SystemError::Failed(format!("{var} is not set in kbx's environment")))?;
        Ok(format!("{value}{}", &path[end + 2..]))
    }

    fn file_exists(&self, path: &str) -> Result<bool, SystemError> {
        Ok(std::path::Path::new(path).is_file())
    }

    fn file_version(&self, path: &str) -> Result<Option<String>, SystemError> {
        use windows_sys::Win32::Storage::FileSystem::{
            GetFileVersionInfoSizeW, GetFileVersionInfoW, VS_FIXEDFILEINFO, VerQueryValueW,
        };
        let name = wide(path);
        let mut handle = 0u32;
        // SAFETY: `name` is a NUL-terminated UTF-16 string.
        let size = unsafe { GetFileVersionInfoSizeW(name.as_ptr(), &mut handle) };
        if size == 0 {
            return Ok(None);
        }
        let mut block = vec![0u8; size as usize];
        // SAFETY: `block` holds `size` bytes, as asked for.
        if unsafe { GetFileVersionInfoW(name.as_ptr(), 0, size, block.as_mut_ptr().cast()) } == 0 {
            return Err(io_err(&format!("reading the version of {path}"), io::Error::last_os_error()));
        }
        let root = wide("\\");
        let mut info: *mut std::ffi::c_void = std::ptr::null_mut();
        let mut len = 0u32;
        // SAFETY: `block` is the version resource just read; `info` points into it while it lives.
        let ok = unsafe { VerQueryValueW(block.as_ptr().cast(), root.as_ptr(), &mut info, &mut len) };
        if ok == 0 || info.is_null() || (len as usize) < size_of::<VS_FIXEDFILEINFO>() {
            return Ok(None);
        }
        // SAFETY: checked above: `info` points at a whole VS_FIXEDFILEINFO inside `block`.
        let fixed = unsafe { std::ptr::read_unaligned(info.cast::<VS_FIXEDFILEINFO>()) };
        let (ms, ls) = (fixed.dwFileVersionMS, fixed.dwFileVersionLS);
        Ok(Some(format!("{}.{}.{}.{}", ms >> 16, ms & 0xffff, ls >> 16, ls & 0xffff)))
    }

    fn registry_read(&self, key: &str, value: &str) -> Result<Option<RegData>, SystemError> {
        let (root, path) = split_key(key)?;
        let opened = match root.open_subkey_with_flags(path, KEY_QUERY_VALUE) {
            Ok(k) => k,
            Err(e) if not_found(&e) => return Ok(None),
            Err(e) => return Err(io_err(&format!("opening {key}"), e)),
        };
        match opened.get_raw_value(value) {
            Ok(v) => Ok(Some(from_raw(&v))),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(io_err(&format!("reading {key}\\{value}"), e)),
        }
    }

    fn key_exists(&self, key: &str) -> Result<bool, SystemError> {
        let (root, path) = split_key(key)?;
        match root.open_subkey_with_flags(path, KEY_READ) {
            Ok(_) => Ok(true),
            Err(e) if not_found(&e) => Ok(false),
            Err(e) => Err(io_err(&format!("opening {key}"), e)),
        }
    }

    fn service_status(&self, name: &str) -> Result<ServiceStatus, SystemError> {
        let Some(service) = self.open_service(name, ServiceAccess::QUERY_STATUS)? else {
            return Ok(ServiceStatus::Missing);
        };
        let status = service.query_status().map_err(|e| service_err(&format!("querying {name}"), e))?;
        Ok(match status.current_state {
            ServiceState::Running => ServiceStatus::Running,
            ServiceState::Stopped => ServiceStatus::Stopped,
            _ => ServiceStatus::Other,
        })
    }

    fn registry_write(&mut self, key: &str, value: &str, data: &RegData) -> Result<(), SystemError> {
        let (root, path) = split_key(key)?;
        let (opened, _) = root
            .create_subkey_with_flags(path, KEY_SET_VALUE | KEY_QUERY_VALUE)
            .map_err(|e| io_err(&format!("opening {key}"), e))?;
        opened.set_raw_value(value, &to_raw(data)?).map_err(|e| io_err(&format!("writing {key}\\{value}"), e))
    }

    fn registry_delete(&mut self, key: &str, value: &str) -> Result<(), SystemError> {
        let (root, path) = split_key(key)?;
        let opened = match root.open_subkey_with_flags(path, KEY_SET_VALUE) {
            Ok(k) => k,
            Err(e) if not_found(&e) => return Ok(()),
            Err(e) => return Err(io_err(&format!("opening {key}"), e)),
        };
        match opened.delete_value(value) {
            Err(e) if !not_found(&e) => Err(io_err(&format!("deleting {key}\\{value}"), e)),
            _ => Ok(()),
        }
    }

    fn registry_delete_empty_key(&mut self, key: &str) -> Result<(), SystemError> {
        let (root, path) = split_key(key)?;
        let info = match root.open_subkey_with_flags(path, KEY_READ) {
            Ok(k) => k.query_info().map_err(|e| io_err(&format!("reading {key}"), e))?,
            Err(e) if not_found(&e) => return Ok(()),
            Err(e) => return Err(io_err(&format!("opening {key}"), e)),
        };
        if info.values > 0 || info.sub_keys > 0 {
            return Err(SystemError::Failed(format!("{key} is not empty; it was left in place")));
        }
        root.delete_subkey(path).map_err(|e| io_err(&format!("deleting {key}"), e))
    }

    fn service_control(&mut self, name: &str, op: ServiceOp, timeout: Duration) -> Result<(), SystemError> {
        let access = ServiceAccess::QUERY_STATUS | ServiceAccess::START | ServiceAccess::STOP;
        let service = self
            .open_service(name, access)?
            .ok_or_else(|| SystemError::Failed(format!("no service is named {name}")))?;
        let (want, verb) = match op {
            ServiceOp::Start => {
                service.start(&[] as &[&OsStr]).map_err(|e| service_err(&format!("starting {name}"), e))?;
                (ServiceState::Running, "start")
            }
            ServiceOp::Stop => {
                service.stop().map_err(|e| service_err(&format!("stopping {name}"), e))?;
                (ServiceState::Stopped, "stop")
            }
        };
        let start = Instant::now();
        loop {
            let status = service.query_status().map_err(|e| service_err(&format!("querying {name}"), e))?;
            if status.current_state == want {
                return Ok(());
            }
            if op == ServiceOp::Start
                && status.current_state == ServiceState::Stopped
                && start.elapsed() > Duration::from_secs(1)
            {
                return Err(SystemError::Failed(format!("{name} stopped again right after it was started")));
            }
            if start.elapsed() >= timeout {
                return Err(SystemError::Timeout { what: format!("the {verb} of {name}"), after: timeout });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn run(&mut self, tool: Tool, args: &[String], timeout: Duration) -> Result<i32, SystemError> {
        let program = self.expand(tool.program())?;
        let mut child = Command::new(&program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| io_err(&format!("starting {program}"), e))?;
        wait_with_timeout(&mut child, timeout, &program)
    }
}
