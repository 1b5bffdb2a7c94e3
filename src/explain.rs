//! `kbx explain RULE TEXT`: why one rule did or did not fire on one text. Each symptom is tried alone
//! (matched, fragment, not matched; the span; for a phrase that did not match, the closest stretch of the
//! text), then the rule is scored against the whole rule base, and the arithmetic is spelt out: each
//! counted contribution, their combination, the coverage factor, the final score and the rank.

use serde::Serialize;

use crate::engine::score::{self, Confidence};
use crate::engine::{Basis, Engine, Evidence, LEXICAL_BESIDE_PHRASES, Query};
use crate::normalise::Normalised;
use crate::rule::{Matcher, Rule};

/// Version of the JSON output of `kbx explain`.
pub const SCHEMA_VERSION: u32 = 1;

/// A near miss below this similarity is not shown.
const NEAR: f64 = 0.5;

/// How one symptom fared on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The whole symptom is in the text.
    Matched,
    /// Part of the phrase is in the text.
    Fragment,
    NotMatched,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Matched => "matched",
            Status::Fragment => "fragment",
            Status::NotMatched => "not matched",
        }
    }
}

/// The closest stretch of the text to a phrase that did not match.
#[derive(Debug, Clone, Serialize)]
pub struct NearMiss {
    pub text: String,
    pub start: usize,
    pub end: usize,
    /// 0 to 1 (normalised edit similarity of the two in normal form).
    pub similarity: f64,
}

/// One symptom's line of the explanation.
#[derive(Debug, Clone, Serialize)]
pub struct SymptomReport {
    pub index: usize,
    /// As the rule states it.
    pub symptom: String,
    pub weight: f64,
    pub specificity: f64,
    pub required: bool,
    pub status: Status,
    /// Byte span and text of the match, when it matched.
    pub span: Option<(usize, usize)>,
    pub matched: Option<String>,
    /// What it adds to the rule's score, when the rule's score counts it.
    pub contribution: Option<f64>,
    pub near_miss: Option<NearMiss>,
    /// Why a match does not count, when it does not.
    pub note: Option<String>,
}

/// The score arithmetic, when the rule matched.
#[derive(Debug, Clone, Serialize)]
pub struct Arithmetic {
    /// Counted contributions, strongest first (lexical evidence at its reduced value).
    pub contributions: Vec<f64>,
    /// What lexical evidence (words shared with the title, phrases and keywords) adds, if any.
    pub lexical: Option<f64>,
    /// `1 − (1 − p1)(1 − p2/2)(1 − p3/2)…`
    pub evidence: f64,
    /// Share of the text's known words this rule explains, and the best share any rule reaches.
    pub coverage: f64,
    pub best_coverage: f64,
    /// `0.3 + 0.7 × coverage / best_coverage`
    pub coverage_factor: f64,
    pub score: f64,
    pub confidence: Confidence,
    pub basis: Basis,
    /// 1-based rank among every rule with evidence.
    pub rank: usize,
    /// The rule ranked first, when it is not this one.
    pub first: Option<String>,
}

impl Explanation {
    /// Whether the rule's own symptoms (not only shared words) matched.
    pub fn matched(&self) -> bool {
        self.score.as_ref().is_some_and(|a| a.basis != Basis::Lexical)
    }
}

/// The whole explanation.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub schema_version: u32,
    pub rule: String,
    pub kb: String,
    pub title: String,
    pub symptoms: Vec<SymptomReport>,
    /// `None` when the rule did not match.
    pub score: Option<Arithmetic>,
}

/// Explains rule `rules[index]` on `text`, scored against all of `rules`.
pub fn explain(rules: &[Rule], index: usize, text: &str) -> Explanation {
    let rule = &rules[index];
    let engine = Engine::from_rules(rules);
    let every = Query { top: usize::MAX, min_score: 0.0 };
    let found = engine.diagnose(text, &every);
    let position = found.iter().position(|f| f.rule == index);
    let finding = position.map(|p| &found[p]);
    let norm = Normalised::new(text);

    let symptoms = rule
        .symptoms
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let alone = Rule {
                symptoms: vec![crate::rule::Symptom { required: false, ..s.clone() }],
                ..rule.clone()
            };
            let solo = Engine::from_rules(std::slice::from_ref(&alone));
            let hit = solo.diagnose(text, &every).into_iter().find_map(|f| {
                f.evidence.into_iter().find(|e| e.symptom == Some(0) && e.basis != Basis::Lexical)
            });
            let status = match hit.as_ref().map(|e| e.basis) {
                Some(Basis::Exact) => Status::Matched,
                Some(_) => Status::Fragment,
                None => Status::NotMatched,
            };
            let counted = finding.and_then(|f| f.evidence.iter().find(|e| e.symptom == Some(i)));
            let note = match (&hit, counted, finding) {
                (Some(_), None, Some(_)) => {
                    Some("not counted: a stronger symptom of this rule matched the same words".to_string())
                }
                (Some(_), None, None) => {
                    Some("not counted: the rule did not match (see required symptoms)".to_string())
                }
                _ => None,
            };
            SymptomReport {
                index: i,
                symptom: s.matcher.to_string(),
                weight: s.weight,
                specificity: score::specificity(s),
                required: s.required,
                status,
                span: hit.as_ref().map(|e| (e.span.start, e.span.end)),
                matched: hit.as_ref().map(|e| text[e.span.clone()].to_string()),
                contribution: counted.map(|e| e.contribution),
                near_miss: if hit.is_none() { near_miss(&s.matcher, text, &norm) } else { None },
                note,
            }
        })
        .collect();

    let score = finding.map(|f| {
        let best_coverage = found.iter().map(|g| g.coverage).fold(0.0, f64::max);
        let phrases = f.evidence.iter().any(|e| e.symptom.is_some());
        // As the engine counts them: lexical evidence beside phrase evidence at a fraction of its value.
        let counted = |e: &Evidence| {
            if e.symptom.is_none() && phrases {
                e.contribution * LEXICAL_BESIDE_PHRASES
            } else {
                e.contribution
            }
        };
        let mut contributions: Vec<f64> = f.evidence.iter().map(counted).collect();
        let lexical = f.evidence.iter().find(|e| e.symptom.is_none()).map(counted);
        contributions.sort_by(|a, b| b.total_cmp(a));
        let evidence = score::combine_ranked(contributions.iter().copied());
        let coverage_factor =
            if best_coverage > 0.0 { score::coverage_factor(f.coverage / best_coverage) } else { 1.0 };
        Arithmetic {
            contributions,
            lexical,
            evidence,
            coverage: f.coverage,
            best_coverage,
            coverage_factor,
            score: f.score,
            confidence: f.confidence,
            basis: f.basis,
            rank: position.map_or(0, |p| p + 1),
            first: (position != Some(0)).then(|| found.first().map(|g| rules[g.rule].id.clone())).flatten(),
        }
    });
    Explanation {
        schema_version: SCHEMA_VERSION,
        rule: rule.id.clone(),
        kb: rule.kb.clone(),
        title: rule.title.clone(),
        symptoms,
        score,
    }
}

/// The stretch of `text` most like a phrase that did not match: windows of the phrase's length (one word
/// more or less) over the text's words, compared in normal form.
fn near_miss(matcher: &Matcher, text: &str, norm: &Normalised) -> Option<NearMiss> {
    let Matcher::Text(phrase) = matcher else { return None };
    let wanted = phrase.segments.join(" ");
    let len = wanted.split(' ').count();
    let words: Vec<&str> = norm.words().collect();
    let mut best: Option<(f64, usize, usize)> = None;
    for size in len.saturating_sub(1).max(1)..=len + 1 {
        for first in 0..words.len().saturating_sub(size - 1) {
            let window = words[first..first + size].join(" ");
            let similarity = strsim::normalized_levenshtein(&wanted, &window);
            if best.is_none_or(|(s, _, _)| similarity > s) {
                best = Some((similarity, first, first + size));
            }
        }
    }
    let (similarity, first, end) = best.filter(|(s, _, _)| *s >= NEAR)?;
    let span = norm.words_span(first, end);
    Some(NearMiss { text: text[span.clone()].to_string(), start: span.start, end: span.end, similarity })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::compile::test_rule;

    fn rules() -> Vec<Rule> {
        vec![
            test_rule(
                "id: cdo\ntitle: t\nkb: Q1\nseverity: low\nstatus: stable\nsymptoms:\n\
                 \x20 - text: 'failed to create MAPI.Session'\n  - code: '0x80040111'\n    weight: 0.5\n",
            ),
            test_rule(
                "id: other\ntitle: u\nkb: Q2\nseverity: low\nstatus: stable\nsymptoms:\n  - text: 'the store is full'\n",
            ),
        ]
    }

    #[test]
    fn a_matched_symptom_has_its_span_and_the_arithmetic_adds_up() {
        let text = "12:00 Failed to create MAPI.Session (0x80040111)";
        let e = explain(&rules(), 0, text);
        assert_eq!(e.symptoms[0].status, Status::Matched);
        assert_eq!(e.symptoms[0].matched.as_deref(), Some("Failed to create MAPI.Session"));
        assert_eq!(e.symptoms[1].status, Status::Matched);
        let a = e.score.expect("the rule matched");
        assert_eq!(a.contributions.len(), 2);
        let combined = 1.0 - (1.0 - a.contributions[0]) * (1.0 - a.contributions[1] / 2.0);
        assert!((a.evidence - combined).abs() < 1e-9, "{a:?}");
        assert!((a.score - a.evidence * a.coverage_factor).abs() < 1e-9, "{a:?}");
        assert_eq!((a.rank, a.first), (1, None));
    }

    #[test]
    fn a_near_miss_shows_the_closest_text() {
        let text = "12:00 warning: the stores are fuller; retry";
        let e = explain(&rules(), 1, text);
        let s = &e.symptoms[0];
        assert_eq!(s.status, Status::NotMatched, "{s:?}");
        let near = s.near_miss.as_ref().expect("a near miss");
        assert_eq!(near.text, "the stores are fuller");
        assert_eq!(&text[near.start..near.end], near.text);
        assert!(near.similarity >= NEAR && near.similarity < 1.0, "{near:?}");
        assert!(e.score.as_ref().is_none_or(|a| a.basis == Basis::Lexical), "{:?}", e.score);
        let code = &explain(&rules(), 0, text).symptoms[1];
        assert_eq!(code.status, Status::NotMatched);
        assert!(code.near_miss.is_none(), "codes have no near miss");
    }
}
