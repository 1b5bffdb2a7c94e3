//! The audit log: one JSON line per applied step (and per undo), appended as it happens, so that what kbx
//! did to a machine can always be read back with `kbx fix --history`.
//!
//! Where: `%ProgramData%\kbx\audit.jsonl` on Windows, `$XDG_STATE_HOME/kbx/audit.jsonl` (or
//! `~/.local/state/kbx/audit.jsonl`) elsewhere; `KBX_STATE_DIR` moves both it and the backups folder.

use std::fs::{self, OpenOptions};
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// UTC, RFC 3339 (`2026-11-21T10:15:00Z`).
    pub time: String,
    /// Who ran kbx (`DOMAIN\user` on Windows).
    pub user: String,
    pub rule: String,
    pub kb: String,
    /// The step's number in the rule's resolution.
    pub step: usize,
    /// The action's name (`regsvr32`, `registry_set` …), or null for a step without one.
    pub action: Option<String>,
    /// What the step does, as the plan says it.
    pub effect: Option<String>,
    /// `done`, `already`, `passed`, `declined`, `failed`, `undone`, `kept` or `undo_failed`.
    pub result: String,
    /// What happened, in words.
    pub detail: String,
    /// The `reg export` file written before the change, if any.
    pub backup: Option<String>,
}

/// The audit log's file name in the state folder.
pub const LOG_FILE: &str = "audit.jsonl";
/// The registry backups' folder in the state folder.
pub const BACKUPS: &str = "backups";

/// The folder that holds the audit log ([`LOG_FILE`]) and the backups ([`BACKUPS`]).
pub fn state_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KBX_STATE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if cfg!(windows) {
        return std::env::var_os("ProgramData").map(|d| PathBuf::from(d).join("kbx"));
    }
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("kbx"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state/kbx"))
}

/// Who is running kbx.
pub fn current_user() -> String {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("USERDOMAIN"), var("USERNAME").or_else(|| var("USER"))) {
        (Some(domain), Some(user)) => format!("{domain}\\{user}"),
        (None, Some(user)) => user,
        _ => "unknown".to_string(),
    }
}

/// The current time, UTC, to the second.
pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// An open audit log.
#[derive(Debug)]
pub struct Audit {
    path: PathBuf,
    file: fs::File,
}

impl Audit {
    /// Opens (creating) the log for appending; fails before anything is done when it cannot be written.
    pub fn open(path: &Path) -> io::Result<Audit> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Audit { path: path.to_path_buf(), file })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry and pushes it to the disk.
    pub fn append(&mut self, entry: &Entry) -> io::Result<()> {
        let mut line = serde_json::to_string(entry).map_err(io::Error::other)?;
        line.push('\n');
        self.file.write_all(line.as_bytes())?;
        self.file.sync_data()
    }
}

/// A line of the log that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub message: String,
}

/// Reads the log: the entries, and the lines that are not entries (kept, never dropped silently). A log
/// that does not exist yet is empty.
pub fn read(path: &Path) -> io::Result<(Vec<Entry>, Vec<BadLine>)> {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(e),
    };
    let (mut entries, mut bad) = (Vec::new(), Vec::new());
    for (i, line) in io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(&line) {
            Ok(e) => entries.push(e),
            Err(e) => bad.push(BadLine { line: i + 1, message: e.to_string() }),
        }
    }
    Ok((entries, bad))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(step: usize) -> Entry {
        Entry {
            time: "2026-11-21T10:15:00Z".into(),
            user: "CORP\\admin".into(),
            rule: "owa-cdo-not-registered".into(),
            kb: "Q293218".into(),
            step,
            action: Some("regsvr32".into()),
            effect: Some("runs regsvr32".into()),
            result: "done".into(),
            detail: "registered".into(),
            backup: None,
        }
    }

    #[test]
    fn entries_append_and_read_back_with_bad_lines_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/audit.jsonl");
        let mut audit = Audit::open(&path).unwrap();
        audit.append(&entry(1)).unwrap();
        drop(audit);
        fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"not json\n").unwrap();
        Audit::open(&path).unwrap().append(&entry(2)).unwrap();
        let (entries, bad) = read(&path).unwrap();
        assert_eq!(entries, vec![entry(1), entry(2)]);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 2);
    }

    #[test]
    fn a_missing_log_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(&dir.path().join("none.jsonl")).unwrap(), (Vec::new(), Vec::new()));
    }

    #[test]
    fn time_is_utc_rfc3339() {
        let t = now();
        assert!(t.len() == 20 && t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
    }
}
