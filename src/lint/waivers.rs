//! Waivers: checks a project has decided not to apply to some rules, read from `.kbx-lint.yaml`.
//!
//! ```yaml
//! waivers:
//!   owa-cdo-not-registered: [no-counter-examples]
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use super::catalogue::{self, Level};
use crate::rule::Check;
use crate::rule::load::{Problem, parse_yaml};

/// The file name looked for in the current folder when `--config` is not given.
pub const FILE_NAME: &str = ".kbx-lint.yaml";

/// Checks waived, by rule id.
#[derive(Debug, Clone, Default)]
pub struct Waivers {
    by_rule: BTreeMap<String, BTreeSet<Check>>,
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
        self.by_rule.get(rule).is_some_and(|set| set.contains(&check))
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
            let mut set = BTreeSet::new();
            for id in ids {
                let at = |p: Problem| match position_of(text, &id) {
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
                set.insert(check);
            }
            by_rule.insert(rule, set);
        }
        Ok(Waivers { by_rule })
    }
}

/// Where `needle` first stands in `text`, as a 1-based line and column.
fn position_of(text: &str, needle: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(i, line)| line.find(needle).map(|c| (i + 1, c + 1)))
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
    }

    #[test]
    fn unknown_checks_and_errors_are_refused_with_their_position() {
        let e = Waivers::parse(Path::new("w.yaml"), "waivers:\n  r1: [generic-onyl]\n").unwrap_err();
        assert_eq!(e.to_string().lines().next(), Some("w.yaml:2:8: `generic-onyl` is not a lint check"));
        let e = Waivers::parse(Path::new("w.yaml"), "waivers:\n  r1: [schema]\n").unwrap_err();
        assert!(e.to_string().contains("`schema` is an error and cannot be waived"), "{e}");
        let e = Waivers::parse(Path::new("w.yaml"), "waiver:\n  r1: []\n").unwrap_err();
        assert!(e.to_string().starts_with("w.yaml:1:1: unknown field `waiver`"), "{e}");
    }
}
