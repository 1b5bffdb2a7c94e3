//! The closed set of typed actions a resolution step may carry. The executor (`kbx fix`, [`crate::fix`]) will
//! only ever run these; the loader rejects anything else, and rejects unsafe values (`..`, UNC paths,
//! URLs, shell metacharacters, unknown environment variables) when the rule is read, not when it runs.

use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize};

use super::check::Check;

/// One typed action. The YAML form is a one-key map, for example `regsvr32: '%SystemRoot%\system32\cdo.dll'`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Register a COM library with `%SystemRoot%\System32\regsvr32.exe /s {dll}`.
    Regsvr32(WinPath),
    /// Start a Windows service.
    ServiceStart(ServiceName),
    /// Stop a Windows service.
    ServiceStop(ServiceName),
    /// Stop, then start a Windows service.
    ServiceRestart(ServiceName),
    /// Set a registry value (the executor backs the key up first).
    RegistrySet(RegistryValue),
    /// Delete a registry value.
    RegistryDeleteValue(RegistryName),
    /// Check that a file exists (read-only).
    FileExists(WinPath),
    /// Check a registry value (read-only).
    RegistryCheck(RegistryCheck),
    /// Check a service's state (read-only).
    ServiceState(ServiceStateCheck),
    /// Check a file's version (read-only).
    FileVersion(FileVersionCheck),
    /// A step a person carries out; never run, only shown.
    Manual(String),
}

/// The YAML form: a map with exactly one of these keys.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Action", extend("minProperties" = 1, "maxProperties" = 1))]
pub(crate) struct ActionFields {
    regsvr32: Option<WinPath>,
    service_start: Option<ServiceName>,
    service_stop: Option<ServiceName>,
    service_restart: Option<ServiceName>,
    registry_set: Option<RegistryValue>,
    registry_delete_value: Option<RegistryName>,
    file_exists: Option<WinPath>,
    registry_check: Option<RegistryCheck>,
    service_state: Option<ServiceStateCheck>,
    file_version: Option<FileVersionCheck>,
    manual: Option<String>,
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f = ActionFields::deserialize(d)?;
        let all = [
            f.regsvr32.map(Action::Regsvr32),
            f.service_start.map(Action::ServiceStart),
            f.service_stop.map(Action::ServiceStop),
            f.service_restart.map(Action::ServiceRestart),
            f.registry_set.map(Action::RegistrySet),
            f.registry_delete_value.map(Action::RegistryDeleteValue),
            f.file_exists.map(Action::FileExists),
            f.registry_check.map(Action::RegistryCheck),
            f.service_state.map(Action::ServiceState),
            f.file_version.map(Action::FileVersion),
            f.manual.map(Action::Manual),
        ];
        let mut given = all.into_iter().flatten();
        match (given.next(), given.next()) {
            (Some(action), None) => Ok(action),
            (None, _) => Err(serde::de::Error::custom(Check::UnknownAction.tag(
                "an action needs one of: regsvr32, service_start, service_stop, service_restart, registry_set, \
                 registry_delete_value, file_exists, registry_check, service_state, file_version, manual",
            ))),
            (Some(_), Some(_)) => {
                Err(serde::de::Error::custom("a step has one action: put each action in a step of its own"))
            }
        }
    }
}

/// How much care a step's action needs before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Safety {
    /// Reversible and local; may run after one confirmation (or `--yes`).
    Safe,
    /// Changes configuration in a way that needs review; always asks.
    Caution,
    /// Could disrupt service or lose data; always asks, never with `--yes` alone.
    Dangerous,
}

impl Safety {
    pub fn as_str(self) -> &'static str {
        match self {
            Safety::Safe => "safe",
            Safety::Caution => "caution",
            Safety::Dangerous => "dangerous",
        }
    }
}

impl Action {
    /// The action's name as written in YAML.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Regsvr32(_) => "regsvr32",
            Action::ServiceStart(_) => "service_start",
            Action::ServiceStop(_) => "service_stop",
            Action::ServiceRestart(_) => "service_restart",
            Action::RegistrySet(_) => "registry_set",
            Action::RegistryDeleteValue(_) => "registry_delete_value",
            Action::FileExists(_) => "file_exists",
            Action::RegistryCheck(_) => "registry_check",
            Action::ServiceState(_) => "service_state",
            Action::FileVersion(_) => "file_version",
            Action::Manual(_) => "manual",
        }
    }

    /// True for actions that change the system (and so need a safety level).
    pub fn changes_system(&self) -> bool {
        matches!(
            self,
            Action::Regsvr32(_)
                | Action::ServiceStart(_)
                | Action::ServiceStop(_)
                | Action::ServiceRestart(_)
                | Action::RegistrySet(_)
                | Action::RegistryDeleteValue(_)
        )
    }

    /// What a person would type to do the same by hand at a Windows command prompt.
    pub fn command(&self) -> String {
        match self {
            Action::Regsvr32(p) => format!("regsvr32 {p}"),
            Action::ServiceStart(s) => format!("net start {}", quote(&s.0)),
            Action::ServiceStop(s) => format!("net stop {}", quote(&s.0)),
            Action::ServiceRestart(s) => {
                format!("net stop {0} && net start {0}", quote(&s.0))
            }
            Action::RegistrySet(r) => format!(
                "reg add {} /v {} /t {} /d {} /f",
                quote(&r.key.0),
                quote(&r.value),
                r.kind.as_str(),
                quote(&r.data)
            ),
            Action::RegistryDeleteValue(r) => {
                format!("reg delete {} /v {} /f", quote(&r.key.0), quote(&r.value))
            }
            Action::FileExists(p) => format!("if exist {} echo present", quote(&p.0)),
            Action::RegistryCheck(r) => format!("reg query {} /v {}", quote(&r.key.0), quote(&r.value)),
            Action::ServiceState(s) => format!("sc query {}", quote(&s.name.0)),
            Action::FileVersion(f) => format!("filever {}", quote(&f.path.0)),
            Action::Manual(text) => text.clone(),
        }
    }
}

/// An argument as a person would type it: in double quotes when it holds a space.
pub(crate) fn quote(s: &str) -> String {
    if s.contains(' ') { format!("\"{s}\"") } else { s.to_string() }
}

/// Environment variables that may appear in an action's path; no others expand.
pub const ALLOWED_VARIABLES: &[&str] = &[
    "%SystemRoot%",
    "%windir%",
    "%SystemDrive%",
    "%ProgramFiles%",
    "%ProgramFiles(x86)%",
    "%CommonProgramFiles%",
    "%ProgramData%",
];

/// Characters a command shell would give a meaning to; never allowed in an action's value.
const SHELL_METACHARACTERS: &[char] = &['&', '|', '<', '>', '^', ';', '"', '`', '\n', '\r', '\0', '!'];

fn reject_metacharacters(s: &str) -> Result<(), String> {
    match s.chars().find(|c| SHELL_METACHARACTERS.contains(c)) {
        Some(c) => Err(format!(
            "`{s}` contains {c:?}, a character a command shell interprets: actions take plain values"
        )),
        None => Ok(()),
    }
}

/// An absolute Windows path, optionally starting with an allowed variable such as `%SystemRoot%`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct WinPath(pub String);

impl WinPath {
    pub fn parse(s: &str) -> Result<WinPath, String> {
        reject_metacharacters(s)?;
        if s.starts_with("\\\\") || s.starts_with("//") {
            return Err(format!("`{s}` is a UNC path: actions only touch local files"));
        }
        if s.contains("://") {
            return Err(format!("`{s}` is a URL: actions only touch local files"));
        }
        if s.split(['\\', '/']).any(|part| part == "..") {
            return Err(format!("`{s}` contains `..`: write the full path without it"));
        }
        let rest = if let Some(after) = s.strip_prefix('%') {
            let end = after.find('%').ok_or_else(|| format!("`{s}` has an unclosed `%` variable"))?;
            let var = &s[..end + 2];
            if !ALLOWED_VARIABLES.iter().any(|a| a.eq_ignore_ascii_case(var)) {
                return Err(format!(
                    "`{var}` is not an allowed variable: use one of {}",
                    ALLOWED_VARIABLES.join(", ")
                ));
            }
            &s[end + 2..]
        } else {
            let b = s.as_bytes();
            if !(b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\') {
                return Err(format!(
                    "`{s}` is not an absolute path: start it with a drive (`C:\\`) or `%SystemRoot%`"
                ));
            }
            &s[2..]
        };
        if rest.contains('%') {
            return Err(format!("`{s}`: only a leading variable such as `%SystemRoot%` may be used"));
        }
        Ok(WinPath(s.to_string()))
    }
}

impl fmt::Display for WinPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for WinPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        WinPath::parse(&s).map_err(|e| serde::de::Error::custom(Check::UnsafeAction.tag(e)))
    }
}

/// A Windows service's short name (`MSExchangeIS`, `W3SVC`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ServiceName(pub String);

impl<'de> Deserialize<'de> for ServiceName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = !s.is_empty()
            && s.len() <= 256
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '$' | ' '));
        if ok {
            Ok(ServiceName(s))
        } else {
            Err(serde::de::Error::custom(Check::UnsafeAction.tag(format!(
                "`{s}` is not a service name: use the short name (letters, digits, `_ - . $`), as `sc query` shows it"
            ))))
        }
    }
}

/// A registry key under one of the standard roots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct RegistryKey(pub String);

/// The registry hives a key may start under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hive {
    LocalMachine,
    CurrentUser,
    ClassesRoot,
    Users,
}

impl Hive {
    /// The hive a key starts under (`HKLM` or `HKEY_LOCAL_MACHINE`, any case …) and the path after it,
    /// as written; `None` for any other root.
    pub fn split(key: &str) -> Option<(Hive, &str)> {
        let (root, rest) = key.split_once('\\').unwrap_or((key, ""));
        let hive = match root.to_ascii_uppercase().as_str() {
            "HKLM" | "HKEY_LOCAL_MACHINE" => Hive::LocalMachine,
            "HKCU" | "HKEY_CURRENT_USER" => Hive::CurrentUser,
            "HKCR" | "HKEY_CLASSES_ROOT" => Hive::ClassesRoot,
            "HKU" | "HKEY_USERS" => Hive::Users,
            _ => return None,
        };
        Some((hive, rest))
    }

    /// The long name, as `reg export` writes it.
    pub fn long_name(self) -> &'static str {
        match self {
            Hive::LocalMachine => "HKEY_LOCAL_MACHINE",
            Hive::CurrentUser => "HKEY_CURRENT_USER",
            Hive::ClassesRoot => "HKEY_CLASSES_ROOT",
            Hive::Users => "HKEY_USERS",
        }
    }
}

impl<'de> Deserialize<'de> for RegistryKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        reject_metacharacters(&s).map_err(unsafe_value)?;
        if !(s.contains('\\') && Hive::split(&s).is_some_and(|(_, rest)| !rest.is_empty())) {
            return Err(serde::de::Error::custom(Check::UnsafeAction.tag(format!(
                "`{s}` is not a registry key: start it with HKLM\\, HKCU\\, HKCR\\ or HKU\\"
            ))));
        }
        Ok(RegistryKey(s))
    }
}

/// A registry value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum RegistryType {
    #[serde(rename = "REG_SZ")]
    Sz,
    #[serde(rename = "REG_EXPAND_SZ")]
    ExpandSz,
    #[serde(rename = "REG_MULTI_SZ")]
    MultiSz,
    #[serde(rename = "REG_DWORD")]
    Dword,
    #[serde(rename = "REG_QWORD")]
    Qword,
}

impl RegistryType {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistryType::Sz => "REG_SZ",
            RegistryType::ExpandSz => "REG_EXPAND_SZ",
            RegistryType::MultiSz => "REG_MULTI_SZ",
            RegistryType::Dword => "REG_DWORD",
            RegistryType::Qword => "REG_QWORD",
        }
    }
}

/// `registry_set`: key, value name, type and data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryValue {
    pub key: RegistryKey,
    pub value: String,
    #[serde(rename = "type")]
    pub kind: RegistryType,
    pub data: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "RegistryValue")]
struct RawRegistryValue {
    key: RegistryKey,
    value: String,
    #[serde(rename = "type")]
    kind: RegistryType,
    data: serde_yaml_scalar::Scalar,
}

/// A scalar that may be written as a number or a string in YAML (`data: 1` or `data: '1'`).
mod serde_yaml_scalar {
    use serde::Deserialize;

    #[derive(Deserialize, schemars::JsonSchema)]
    #[serde(untagged)]
    pub enum Scalar {
        Int(i64),
        Text(String),
    }

    impl Scalar {
        pub fn into_string(self) -> String {
            match self {
                Scalar::Int(n) => n.to_string(),
                Scalar::Text(s) => s,
            }
        }
    }
}

impl<'de> Deserialize<'de> for RegistryValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawRegistryValue::deserialize(d)?;
        let data = raw.data.into_string();
        reject_metacharacters(&raw.value).map_err(unsafe_value)?;
        reject_metacharacters(&data).map_err(unsafe_value)?;
        let numeric = matches!(raw.kind, RegistryType::Dword | RegistryType::Qword);
        if numeric && parse_registry_number(&data).is_none() {
            return Err(serde::de::Error::custom(format!(
                "data `{data}` is not a number, but the type is {}: write a decimal or 0x hex number",
                raw.kind.as_str()
            )));
        }
        if raw.kind == RegistryType::MultiSz && !data.is_empty() && data.split("\\0").any(str::is_empty) {
            return Err(serde::de::Error::custom(format!(
                "REG_MULTI_SZ data `{data}` holds an empty string (a `\\0` at the start or the end, or `\\0\\0`), \
                 which the registry cannot keep: an empty string ends the list. Leave it out (`''` is the empty \
                 list)"
            )));
        }
        Ok(RegistryValue { key: raw.key, value: raw.value, kind: raw.kind, data })
    }
}

/// A `REG_DWORD`/`REG_QWORD` number as rules write it: decimal, or hex after `0x`.
pub(crate) fn parse_registry_number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// `registry_delete_value`: key and value name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistryName {
    pub key: RegistryKey,
    pub value: PlainText,
}

/// `registry_check`: key, value name and optionally the data expected.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistryCheck {
    pub key: RegistryKey,
    pub value: PlainText,
    #[serde(default)]
    pub data: Option<PlainText>,
}

/// A registry value name or data: any text without shell metacharacters or line breaks, so that it
/// stays one inert argument wherever it goes (an argv, a `.cmd` script).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PlainText(pub String);

impl std::ops::Deref for PlainText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlainText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PlainText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_yaml_scalar::Scalar::deserialize(d)?.into_string();
        reject_metacharacters(&s).map_err(unsafe_value)?;
        Ok(PlainText(s))
    }
}

impl JsonSchema for PlainText {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PlainText".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        string_schema(
            "Text without shell metacharacters (& | < > ^ ; \" ` !) or line breaks.",
            Some(r#"^[^&|<>^;"`!\r\n]*$"#),
        )
    }
}

/// A file version: one to four dot-separated numbers (`6.0.6604.0`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Version(pub String);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_yaml_scalar::Scalar::deserialize(d)?.into_string();
        let parts: Vec<&str> = s.split('.').collect();
        let ok = (1..=4).contains(&parts.len())
            && parts.iter().all(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
        if ok {
            Ok(Version(s))
        } else {
            Err(serde::de::Error::custom(Check::UnsafeAction.tag(format!(
                "`{s}` is not a file version: write one to four numbers separated by dots, such as 6.0.6604.0"
            ))))
        }
    }
}

impl JsonSchema for Version {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Version".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        string_schema(
            "One to four numbers separated by dots (6.0.6604.0).",
            Some(r"^[0-9]{1,5}(\.[0-9]{1,5}){0,3}$"),
        )
    }
}

/// `service_state`: a service and the state it should be in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceStateCheck {
    pub name: ServiceName,
    pub state: ServiceState,
}

/// A service state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    Running,
    Stopped,
}

/// `file_version`: a file and the lowest version that is good.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileVersionCheck {
    pub path: WinPath,
    pub minimum: Version,
}

impl JsonSchema for Action {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Action".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        ActionFields::json_schema(generator)
    }
}

/// A string schema with a description (and a pattern), for values checked by hand when read.
pub(crate) fn string_schema(description: &str, pattern: Option<&str>) -> Schema {
    let mut schema = json_schema!({ "type": "string", "description": description });
    if let Some(p) = pattern {
        schema.insert("pattern".into(), p.into());
    }
    schema
}

impl JsonSchema for WinPath {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "WindowsPath".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        string_schema(
            "An absolute local path (C:\\...) or one starting with %SystemRoot%, %windir%, %SystemDrive%, \
             %ProgramFiles%, %ProgramFiles(x86)%, %CommonProgramFiles% or %ProgramData%; no `..`, UNC paths, \
             URLs or shell metacharacters.",
            Some(r#"^([A-Za-z]:\\|%[A-Za-z()0-9]+%)[^&|<>^;"`!]*$"#),
        )
    }
}

impl JsonSchema for ServiceName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ServiceName".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        string_schema(
            "A Windows service's short name, as `sc query` shows it.",
            Some(r"^[A-Za-z0-9_.$ -]{1,256}$"),
        )
    }
}

impl JsonSchema for RegistryKey {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RegistryKey".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        string_schema(
            "A registry key under HKLM\\, HKCU\\, HKCR\\ or HKU\\ (or their long names).",
            Some(
                r"(?i)^(HKLM|HKEY_LOCAL_MACHINE|HKCU|HKEY_CURRENT_USER|HKCR|HKEY_CLASSES_ROOT|HKU|HKEY_USERS)\\.",
            ),
        )
    }
}

impl JsonSchema for RegistryValue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RegistryValue".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        RawRegistryValue::json_schema(generator)
    }
}

/// A value the executor would refuse, as a deserialisation error marked with its check.
fn unsafe_value<E: serde::de::Error>(message: impl fmt::Display) -> E {
    E::custom(Check::UnsafeAction.tag(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_must_be_local_absolute_and_inert() {
        assert!(WinPath::parse(r"%SystemRoot%\system32\cdo.dll").is_ok());
        assert!(WinPath::parse(r"C:\winnt\system32\cdo.dll").is_ok());
        assert!(WinPath::parse(r"%systemroot%\system32\cdo.dll").is_ok());
        for bad in [
            r"cdo.dll & echo INJECTED",
            r"%SystemRoot%\system32\cdo.dll & echo INJECTED",
            r"\\server\share\cdo.dll",
            r"C:\winnt\..\evil.dll",
            r"http://example.invalid/x.dll",
            r"%TEMP%\x.dll",
            r"cdo.dll",
            r"C:\a\%PATH%\x.dll",
        ] {
            assert!(WinPath::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn commands_read_as_a_person_would_type_them() {
        let a = Action::Regsvr32(WinPath(r"%SystemRoot%\system32\cdo.dll".into()));
        assert_eq!(a.command(), r"regsvr32 %SystemRoot%\system32\cdo.dll");
        assert!(a.changes_system());
        let s = Action::ServiceRestart(ServiceName("MSExchangeIS".into()));
        assert_eq!(s.command(), "net stop MSExchangeIS && net start MSExchangeIS");
        assert!(!Action::Manual("call MAPILogoff".into()).changes_system());
    }
}
