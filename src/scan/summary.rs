//! Matches grouped by rule, as `kbx scan` reports them when it has read everything: how often, where
//! first and last, and a few samples.

use serde::Serialize;

use crate::engine::compiled::CompiledSet;
use crate::rule::Severity;
use crate::scan::Totals;

/// Where a rule was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    pub path: String,
    pub line: u64,
    pub text: String,
}

/// One rule's matches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Index of the rule in the compiled set.
    #[serde(skip)]
    pub rule: usize,
    /// Lines it was found on.
    pub count: u64,
    pub first: Place,
    pub last: Place,
    /// The first few places (up to the sample limit), `first` included.
    pub samples: Vec<Place>,
}

/// Matches grouped by rule, in order of first appearance.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    groups: Vec<Group>,
    /// Rule → index in `groups`.
    index: rustc_hash::FxHashMap<usize, usize>,
    samples: usize,
}

impl Summary {
    /// A summary keeping up to `samples` sample lines per rule.
    pub fn new(samples: usize) -> Summary {
        Summary { samples, ..Summary::default() }
    }

    /// Adds a match.
    pub fn add(&mut self, rule: usize, place: Place) {
        match self.index.get(&rule) {
            Some(&g) => {
                let group = &mut self.groups[g];
                group.count += 1;
                if group.samples.len() < self.samples {
                    group.samples.push(place.clone());
                }
                group.last = place;
            }
            None => {
                self.index.insert(rule, self.groups.len());
                let samples = if self.samples > 0 { vec![place.clone()] } else { Vec::new() };
                self.groups.push(Group { rule, count: 1, first: place.clone(), last: place, samples });
            }
        }
    }

    /// The groups, most severe first (by `severity` of each rule, higher first), then most frequent, then
    /// first seen.
    pub fn into_groups<S: Ord>(self, severity: impl Fn(usize) -> S) -> Vec<Group> {
        let mut groups = self.groups;
        // Stable: equal groups keep the order they were first seen in.
        groups.sort_by(|a, b| severity(b.rule).cmp(&severity(a.rule)).then(b.count.cmp(&a.count)));
        groups
    }
}

/// The JSON report of a scan (`--format json`); its fields are documented in the README.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    pub schema_version: u32,
    pub findings: Vec<ScanFinding>,
    pub stats: Stats,
    /// Inputs that could not be read.
    pub errors: Vec<ScanError>,
    /// Files found in folders that looked binary, and were not scanned.
    pub skipped: Vec<String>,
}

/// One rule found by a scan.
#[derive(Debug, Clone, Serialize)]
pub struct ScanFinding {
    pub rule: String,
    pub kb: String,
    pub title: String,
    pub severity: Severity,
    pub count: u64,
    pub first: Place,
    pub last: Place,
    pub samples: Vec<Place>,
}

/// Totals of a scan, and how long it took.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Stats {
    #[serde(flatten)]
    pub totals: Totals,
    pub seconds: f64,
}

/// An input that could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct ScanError {
    pub path: String,
    pub message: String,
}

/// One matching line, as `--format jsonl` writes it the moment it is read.
#[derive(Debug, Clone, Serialize)]
pub struct LineReport<'a> {
    pub rule: &'a str,
    pub kb: &'a str,
    pub title: &'a str,
    pub severity: Severity,
    pub path: &'a str,
    pub line: u64,
    pub text: &'a str,
}

/// The schema version of [`ScanReport`] and [`LineReport`].
pub const SCHEMA_VERSION: u32 = 1;

impl ScanReport {
    /// The report for `groups` of rules in `set`.
    pub fn new(
        set: &CompiledSet,
        groups: Vec<Group>,
        stats: Stats,
        errors: Vec<ScanError>,
        skipped: Vec<String>,
    ) -> ScanReport {
        let findings = groups
            .into_iter()
            .map(|g| {
                let r = &set.rules[g.rule];
                ScanFinding {
                    rule: r.id.clone(),
                    kb: r.kb.clone(),
                    title: r.title.clone(),
                    severity: r.severity,
                    count: g.count,
                    first: g.first,
                    last: g.last,
                    samples: g.samples,
                }
            })
            .collect();
        ScanReport { schema_version: SCHEMA_VERSION, findings, stats, errors, skipped }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(line: u64) -> Place {
        Place { path: "a.log".into(), line, text: format!("line {line}") }
    }

    #[test]
    fn groups_count_and_keep_first_last_and_samples() {
        let mut s = Summary::new(2);
        for (rule, line) in [(7, 3), (2, 5), (7, 9), (7, 12)] {
            s.add(rule, place(line));
        }
        let groups = s.into_groups(|_| 0);
        assert_eq!(groups.len(), 2);
        assert_eq!((groups[0].rule, groups[0].count), (7, 3));
        assert_eq!((groups[0].first.line, groups[0].last.line), (3, 12));
        assert_eq!(groups[0].samples.iter().map(|p| p.line).collect::<Vec<_>>(), [3, 9]);
        assert_eq!((groups[1].rule, groups[1].count, groups[1].last.line), (2, 1, 5));
    }

    #[test]
    fn more_severe_rules_come_first() {
        let mut s = Summary::new(0);
        s.add(1, place(1));
        s.add(1, place(2));
        s.add(2, place(3));
        let groups = s.into_groups(|r| if r == 2 { 9 } else { 0 });
        assert_eq!(groups.iter().map(|g| g.rule).collect::<Vec<_>>(), [2, 1]);
        assert!(groups[0].samples.is_empty());
    }
}
