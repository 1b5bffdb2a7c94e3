//! The engine: given text, which rules have evidence in it, how strongly, and where.
//!
//! [`Engine::new`] indexes a rule set once; [`Engine::diagnose`] normalises the input, asks the index for
//! the symptoms present (never looping over every rule), scores each candidate rule (see [`score`]) and
//! ranks them. Pure: no printing, no I/O.

pub mod index;
pub mod literal;
pub mod score;

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use crate::normalise::Normalised;
use crate::rule::{Matcher, Rule};
use index::{Index, SymptomRef};
pub use score::Confidence;

/// What to return.
#[derive(Debug, Clone)]
pub struct Query {
    /// At most this many matches.
    pub top: usize,
    /// Leave out matches scoring below this.
    pub min_score: f64,
}

impl Default for Query {
    fn default() -> Query {
        Query { top: 5, min_score: 0.0 }
    }
}

/// One matched symptom.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// Index into the rule's symptoms.
    pub symptom: usize,
    /// Byte span of the input it matched.
    pub span: Range<usize>,
    /// What it added to the score (before combination).
    pub contribution: f64,
}

/// A rule with evidence in the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Index into the engine's rules.
    pub rule: usize,
    /// In [0, 1].
    pub score: f64,
    pub confidence: Confidence,
    /// In the order of the rule's symptoms.
    pub evidence: Vec<Evidence>,
}

/// An indexed rule set.
pub struct Engine<'r> {
    rules: &'r [Rule],
    index: Index,
    /// Per rule, per symptom: weight × specificity × sharing.
    contributions: Vec<Vec<f64>>,
}

impl<'r> Engine<'r> {
    pub fn new(rules: &'r [Rule]) -> Engine<'r> {
        // Evidence shared by rules of different articles is ambiguous; rules of one article are not.
        let mut shared: HashMap<String, HashSet<&str>> = HashMap::new();
        for rule in rules {
            for s in &rule.symptoms {
                shared.entry(sharing_key(&s.matcher)).or_default().insert(&rule.kb);
            }
        }
        let contributions = rules
            .iter()
            .map(|rule| {
                rule.symptoms
                    .iter()
                    .map(|s| {
                        let k = shared[&sharing_key(&s.matcher)].len();
                        score::contribution(s.weight, score::specificity(s), score::sharing(k))
                    })
                    .collect()
            })
            .collect();
        Engine { rules, index: Index::new(rules), contributions }
    }

    pub fn rules(&self) -> &'r [Rule] {
        self.rules
    }

    /// The rules with evidence in `text`, best first.
    pub fn diagnose(&self, text: &str, query: &Query) -> Vec<Finding> {
        let norm = Normalised::new(text);
        let hits = self.index.hits(self.rules, text, &norm);
        let mut by_rule: HashMap<u32, Vec<Evidence>> = HashMap::new();
        for hit in hits {
            let SymptomRef { rule, symptom } = hit.at;
            let contribution = self.contributions[rule as usize][symptom as usize];
            by_rule.entry(rule).or_default().push(Evidence { symptom: symptom as usize, span: hit.span, contribution });
        }
        let mut findings: Vec<Finding> = by_rule
            .into_iter()
            .filter_map(|(rule, evidence)| self.score(rule as usize, evidence))
            .filter(|f| f.score >= query.min_score)
            .collect();
        findings.sort_by(|a, b| {
            let (ra, rb) = (&self.rules[a.rule], &self.rules[b.rule]);
            b.score
                .total_cmp(&a.score)
                .then(ra.status.rank().cmp(&rb.status.rank()))
                .then(rb.origin.is_builtin().cmp(&ra.origin.is_builtin()))
                .then(ra.id.cmp(&rb.id))
        });
        findings.truncate(query.top);
        findings
    }

    fn score(&self, rule: usize, mut evidence: Vec<Evidence>) -> Option<Finding> {
        let symptoms = &self.rules[rule].symptoms;
        let all_required = symptoms
            .iter()
            .enumerate()
            .filter(|(_, s)| s.required)
            .all(|(i, _)| evidence.iter().any(|e| e.symptom == i));
        if !all_required {
            return None;
        }
        evidence.sort_by_key(|e| e.symptom);
        let score = score::combine(evidence.iter().map(|e| e.contribution));
        Some(Finding { rule, score, confidence: Confidence::of(score), evidence })
    }
}

/// Symptoms with the same key are the same evidence, however many rules use it.
fn sharing_key(m: &Matcher) -> String {
    match m {
        Matcher::Text(p) => format!("text:{}", p.segments.join(" <> ")),
        Matcher::Regex(r) => format!("regex:{}", r.as_str()),
        Matcher::Code(c) => format!("code:{c}"),
    }
}
