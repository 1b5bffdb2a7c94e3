//! Waivers: checks a project has decided not to apply to some rules, read from `.kbx-lint.yaml`.
//!
//! ```yaml
//! waivers:
//!   owa-cdo-not-registered: [no-counter-examples]
//! ```
//!
//! Each waiver keeps where it is written, so that one that waives nothing can be pointed at.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::catalogue::{self, Level};
use crate::rule::Check;
use crate::rule::load::{Problem, parse_yaml};

/// The file name looked for in the current folder when `--config` is not given.
pub const FILE_NAME: &str = ".kbx-lint.yaml";

/// Checks waived, by rule id, each with its line and column in the file.
#[derive(Debug, Clone, Default)]
pub struct Waivers {
    /// The file they were read from.
    path: PathBuf,
    by_rule: BTreeMap<String, BTreeMap<Check, Option<(usize, usize)>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    #[serde(default)]
    waivers: BTreeMap<String, Vec<String>>,
}

impl Waivers {
    /// Whether `check` is waived for rule `rule`.
    pub fn waives(&self, rule: &str, check: Check) -> bool {
        self.by_rule.get(rule).is_some_and(|checks| checks.contains_key(&check))
    }

    /// The file the waivers were read from (empty when there was none).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every waiver: the rule id, the check, and where the check is named in the file.
    pub fn each(&self) -> impl Iterator<Item = (&str, Check, Option<(usize, usize)>)> {
        self.by_rule
            .iter()
            .flat_map(|(rule, checks)| checks.iter().map(move |(&check, &at)| (rule.as_str(), check, at)))
    }

    /// Reads a waiver file; every problem names the file, line and column and says what to do.
    pub fn read(path: &Path) -> Result<Waivers, Problem> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Problem::new(path, format!("cannot read the waiver file: {e}")).check(Check::Unreadable)
        })?;
        Waivers::parse(path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<Waivers, Problem> {
        let file: WaiverFile = parse_yaml(path, text, 0)?;
        let mut by_rule = BTreeMap::new();
        for (rule, ids) in file.waivers {
            let mut checks = BTreeMap::new();
            for id in ids {
                let place = position_of(text, &rule, &id);
                let at = |p: Problem| match place {
                    Some((line, col)) => p.at(line, col),
                    None => p,
                };
                let check = Check::from_id(&id).ok_or_else(|| {
                    at(Problem::new(path, format!("`{id}` is not a lint check"))
                        .help("use a check id from `kbx rules lint --checks` (docs/lint.md lists them)"))
                })?;
                if catalogue::entry(check).level == Level::Error {
                    return Err(at(Problem::new(path, format!("`{id}` is an error and cannot be waived"))
                        .help("fix the rule instead: an error means kbx cannot load or trust it")));
                }
                if check == Check::UnusedWaiver {
                    return Err(at(Problem::new(path, format!("`{id}` cannot be waived"))
                        .help("remove the waiver it points at instead")));
                }
                checks.insert(check, place);
            }
            by_rule.insert(rule, checks);
        }
        Ok(Waivers { path: path.to_path_buf(), by_rule })
    }
}

/// Where check `id` is named for `rule` in `text`, as a 1-based line and column: the first time it
/// stands as a whole word on or after the line where the rule's key is (on any line when that is not
/// found).
fn position_of(text: &str, rule: &str, id: &str) -> Option<(usize, usize)> {
    let key = format!("{rule}:");
    let from = text.lines().position(|line| line.trim_start().starts_with(&key)).unwrap_or(0);
    let word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.lines().enumerate().skip(from).find_map(|(i, line)| {
        // Past the key, so that a check id that is also in the rule's id is not taken.
        let start = if i == from && line.trim_start().starts_with(&key) {
            line.find(&key).map_or(0, |k| k + key.len())
        } else {
            0
        };
        line.match_indices(id).find_map(|(c, _)| {
            let before = line[..c].chars().next_back().is_some_and(word);
            let after = line[c + id.len()..].chars().next().is_some_and(word);
            (c >= start && !before && !after).then_some((i + 1, c + 1))
        })
    })
}

/// The rule a problem belongs to, for waivers: the rule file's name without `.yaml`, which a sound rule's
/// id equals.
pub fn rule_of(path: &Path) -> Option<String> {
    let ext = path.extension().and_then(|e| e.to_str())?;
    matches!(ext, "yaml" | "yml").then(|| path.file_stem().and_then(|s| s.to_str()).map(str::to_string))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waivers_are_read_per_rule() {
        let w = Waivers::parse(Path::new("w.yaml"), "waivers:\n  r1: [generic-only, no-examples]\n").unwrap();
        assert!(w.waives("r1", Check::GenericOnly));
        assert!(w.waives("r1", Check::NoExamples));
        assert!(!w.waives("r1", Check::LiteralRegex));
        assert!(!w.waives("r2", Check::GenericOnly));
        assert_eq!(w.path(), Path::new("w.yaml"));
    }

    #[test]
    fn each_waiver_knows_its_line_and_column() {
        let text =
            "waivers:\n  no-examples-rule: [no-counter-examples, no-examples]\n  r2:\n    - no-examples\n";
        let w = Waivers::parse(Path::new("w.yaml"), text).unwrap();
        let all: Vec<_> = w.each().collect();
        assert_eq!(
            all,
            [
                ("no-examples-rule", Check::NoExamples, Some((2, 43))),
                ("no-examples-rule", Check::NoCounterExamples, Some((2, 22))),
                ("r2", Check::NoExamples, Some((4, 7))),
            ]
        );
    }

    #[test]
    fn unknown_checks_and_errors_are_refused_with_their_position() {
        let e = Waivers::parse(Path::new("w.yaml"), "waivers:\n  r1: [generic-onyl]\n").unwrap_err();
        assert_eq!(e.to_string().lines().next(), Some("w.yaml:2:8: `generic-onyl` is not a lint check"));
        let e = Waivers::parse(Path::new("w.yaml"), "waivers:\n  r1: [schema]\n").unwrap_err();
        assert!(e.to_string().contains("`schema` is an error and cannot be waived"), "{e}");
        let e = Waivers::parse(Path::new("w.yaml"), "waivers:\n  r1: [unused-waiver]\n").unwrap_err();
        assert_eq!(e.to_string().lines().next(), Some("w.yaml:2:8: `unused-waiver` cannot be waived"));
        let e = Waivers::parse(Path::new("w.yaml"), "waiver:\n  r1: []\n").unwrap_err();
        assert!(e.to_string().starts_with("w.yaml:1:1: unknown field `waiver`"), "{e}");
    }
}
