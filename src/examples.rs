//! `kbx rules test`: every rule's examples, run against the whole rule base. A `match` example passes
//! when its own rule ranks first (so an overlap between two rules fails, naming the rule that won); a
//! `no_match` example passes when the rule's symptoms do not match it (a low lexical suggestion, which
//! only shares words with the title, does not count).

use serde::Serialize;

use crate::engine::{Basis, Engine, Query};
use crate::rule::Rule;

/// Version of the JSON output of `kbx rules test`.
pub const SCHEMA_VERSION: u32 = 1;

/// Which list an example comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Match,
    NoMatch,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Match => "match",
            Kind::NoMatch => "no_match",
        }
    }
}

/// What became of one example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It did what the rule says.
    Validated,
    /// A `match` example its rule did not match at all.
    Missing,
    /// A `match` example another rule ranked above its own.
    Outranked,
    /// A `no_match` example the rule's symptoms matched.
    Noisy,
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Validated => "validated",
            Outcome::Missing => "missing",
            Outcome::Outranked => "outranked",
            Outcome::Noisy => "noisy",
        }
    }

    pub fn passed(&self) -> bool {
        *self == Outcome::Validated
    }
}

/// One example and its outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub rule: String,
    pub path: String,
    pub kind: Kind,
    pub text: String,
    pub outcome: Outcome,
    /// The rule's own score, when it matched.
    pub score: Option<f64>,
    /// The rule that ranked first instead, for an `outranked` example.
    pub winner: Option<String>,
    pub winner_score: Option<f64>,
}

/// Every case, and the totals.
#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    pub schema_version: u32,
    pub rules: usize,
    pub passed: usize,
    pub failed: usize,
    pub cases: Vec<Case>,
}

impl TestReport {
    pub fn failed(&self) -> bool {
        self.failed > 0
    }
}

/// Runs the examples of `tested` against `tested` and `base` together. A rule of `base` with the id of a
/// rule under test is left out: the rule under test is the working copy of it.
pub fn run(tested: &[Rule], base: &[Rule]) -> TestReport {
    let mut all: Vec<Rule> = tested.to_vec();
    all.extend(base.iter().filter(|b| !tested.iter().any(|t| t.id == b.id)).cloned());
    let engine = Engine::from_rules(&all);
    let every = Query { top: usize::MAX, min_score: 0.0 };
    let mut cases = Vec::new();
    for (index, rule) in tested.iter().enumerate() {
        let path = rule.origin.path().display().to_string();
        for text in &rule.examples.matches {
            let found = engine.diagnose(text, &every);
            let own = found.iter().find(|f| f.rule == index);
            // A rule that does not match at all is missing, whoever came first.
            let (outcome, winner) = match (own, found.first()) {
                (None, first) => (Outcome::Missing, first),
                (Some(_), Some(first)) if first.rule != index => (Outcome::Outranked, Some(first)),
                (Some(_), _) => (Outcome::Validated, None),
            };
            cases.push(Case {
                rule: rule.id.clone(),
                path: path.clone(),
                kind: Kind::Match,
                text: text.clone(),
                outcome,
                score: own.map(|f| f.score),
                winner: winner.map(|w| all[w.rule].id.clone()),
                winner_score: winner.map(|w| w.score),
            });
        }
        for text in &rule.examples.no_match {
            let found = engine.diagnose(text, &every);
            let own = found.iter().find(|f| f.rule == index && f.basis != Basis::Lexical);
            cases.push(Case {
                rule: rule.id.clone(),
                path: path.clone(),
                kind: Kind::NoMatch,
                text: text.clone(),
                outcome: if own.is_some() { Outcome::Noisy } else { Outcome::Validated },
                score: own.map(|f| f.score),
                winner: None,
                winner_score: None,
            });
        }
    }
    let passed = cases.iter().filter(|c| c.outcome.passed()).count();
    TestReport {
        schema_version: SCHEMA_VERSION,
        rules: tested.len(),
        passed,
        failed: cases.len() - passed,
        cases,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::compile::test_rule;

    fn rule(id: &str, symptom: &str, matches: &[&str], no_match: &[&str]) -> Rule {
        test_rule(&format!(
            "id: {id}\ntitle: {id}\nkb: Q1\nseverity: low\nstatus: stable\nsymptoms:\n  - text: '{symptom}'\n\
             examples:\n  match: {matches:?}\n  no_match: {no_match:?}\n"
        ))
    }

    #[test]
    fn each_outcome_is_told_apart() {
        let tested = vec![rule(
            "store",
            "The information store could not be opened",
            &["The information store could not be opened", "disk full", "store could not be opened now"],
            &["The public folder tree was moved", "The information store could not be opened"],
        )];
        let base = vec![rule("store-long", "information store could not be opened now", &[], &[])];
        let report = run(&tested, &base);
        let outcomes: Vec<&str> = report.cases.iter().map(|c| c.outcome.as_str()).collect();
        assert_eq!(outcomes, ["validated", "missing", "outranked", "validated", "noisy"]);
        assert_eq!(report.cases[2].winner.as_deref(), Some("store-long"));
        assert_eq!((report.passed, report.failed), (2, 3));
    }

    #[test]
    fn a_rule_under_test_replaces_the_base_rule_of_its_id() {
        let tested =
            vec![rule("r", "mailbox quota exceeded on server", &["mailbox quota exceeded on server"], &[])];
        let base = vec![rule("r", "mailbox quota exceeded on server", &[], &[])];
        let report = run(&tested, &base);
        assert_eq!((report.passed, report.failed), (1, 0));
    }
}
