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
            by_rule.entry(rule).or_default().push(Evidence {
                symptom: symptom as usize,
                span: hit.span,
                contribution,
            });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::compile::test_rule;

    fn rule(id: &str, kb: &str, status: &str, symptoms: &str) -> Rule {
        test_rule(&format!(
            "id: {id}\ntitle: t\nkb: {kb}\nseverity: low\nstatus: {status}\nsymptoms:\n{symptoms}"
        ))
    }

    fn ids(engine: &Engine, text: &str) -> Vec<String> {
        engine.diagnose(text, &Query::default()).iter().map(|f| engine.rules()[f.rule].id.clone()).collect()
    }

    #[test]
    fn a_whole_message_outranks_a_generic_code() {
        let rules = vec![
            rule("generic", "Q1", "stable", "  - code: '0x80004005'\n"),
            rule("specific", "Q2", "stable", "  - text: 'The information store could not be opened.'\n"),
        ];
        let engine = Engine::new(&rules);
        let found =
            engine.diagnose("The information store could not be opened. 0x80004005", &Query::default());
        assert_eq!(found.len(), 2);
        assert_eq!(rules[found[0].rule].id, "specific");
        assert!(found[0].score > found[1].score);
        assert_eq!(found[1].confidence, Confidence::Low);
    }

    #[test]
    fn evidence_spans_point_into_the_input() {
        let rules = vec![rule("r", "Q1", "stable", "  - text: 'failed to create MAPI.Session'\n")];
        let engine = Engine::new(&rules);
        let input = "12:00:01 ERROR Failed to create\r\nMAPI.Session. (retry 3)";
        let f = &engine.diagnose(input, &Query::default())[0];
        assert_eq!(&input[f.evidence[0].span.clone()], "Failed to create\r\nMAPI.Session");
    }

    #[test]
    fn placeholders_match_filled_in_values() {
        let rules =
            vec![rule("r", "Q1", "stable", "  - text: 'The server <servername> is not available.'\n")];
        let engine = Engine::new(&rules);
        assert_eq!(ids(&engine, "Error: the server EXCH-01 is not available"), ["r"]);
        assert!(ids(&engine, "is not available: the server EXCH-01").is_empty());
    }

    #[test]
    fn required_symptoms_gate_the_rule() {
        let rules = vec![rule(
            "r",
            "Q1",
            "stable",
            "  - code: MAPI_E_LOGON_FAILED\n    required: true\n  - text: profile\n",
        )];
        let engine = Engine::new(&rules);
        assert!(ids(&engine, "the profile is damaged").is_empty());
        assert_eq!(ids(&engine, "profile: MAPI_E_LOGON_FAILED"), ["r"]);
    }

    #[test]
    fn regexes_run_only_when_their_literal_is_present() {
        let rules = vec![rule("r", "Q1", "stable", "  - regex: '(?i)event id:\\s*9175'\n")];
        let engine = Engine::new(&rules);
        assert_eq!(ids(&engine, "Source: MSExchangeSA\nEvent ID:   9175"), ["r"]);
        assert!(ids(&engine, "Event ID: 9176").is_empty());
    }

    #[test]
    fn words_match_whole_only() {
        let rules = vec![rule("r", "Q1", "stable", "  - text: MAPILogon\n")];
        let engine = Engine::new(&rules);
        assert!(ids(&engine, "MAPILogonEx failed").is_empty());
        assert_eq!(ids(&engine, "mapilogon failed"), ["r"]);
    }

    #[test]
    fn stable_rules_rank_above_drafts_of_equal_score() {
        let rules = vec![
            rule("a-draft", "Q1", "draft", "  - text: 'disk is full'\n"),
            rule("b-stable", "Q1", "stable", "  - text: 'disk is full'\n"),
        ];
        let engine = Engine::new(&rules);
        assert_eq!(ids(&engine, "the disk is full"), ["b-stable", "a-draft"]);
    }

    #[test]
    fn evidence_shared_by_many_articles_counts_less() {
        let shared = "  - text: 'access is denied'\n";
        let rules = vec![rule("one", "Q1", "stable", shared), rule("two", "Q2", "stable", shared)];
        let alone = vec![rule("one", "Q1", "stable", shared)];
        let both = Engine::new(&rules).diagnose("access is denied", &Query::default());
        let single = Engine::new(&alone).diagnose("access is denied", &Query::default());
        assert!(both[0].score < single[0].score);
    }

    #[test]
    fn top_and_min_score_limit_the_list() {
        let rules = vec![
            rule("a", "Q1", "stable", "  - code: '0x80004005'\n"),
            rule("b", "Q2", "stable", "  - text: 'store could not be opened'\n"),
        ];
        let engine = Engine::new(&rules);
        let text = "store could not be opened 0x80004005";
        assert_eq!(engine.diagnose(text, &Query { top: 1, min_score: 0.0 }).len(), 1);
        let strong = engine.diagnose(text, &Query { top: 5, min_score: 0.5 });
        assert_eq!(strong.iter().map(|f| f.rule).collect::<Vec<_>>(), [1]);
    }
}
