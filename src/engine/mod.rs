//! The engine: given text, which rules have evidence in it, how strongly, on what basis, and where.
//!
//! A rule set is compiled once ([`compiled::CompiledSet`], cacheable); [`Engine::diagnose`] normalises the
//! input, finds evidence tier by tier ([`search`]: exact phrases and codes, then fragments of phrases,
//! then the [`lexical`] fallback, each tier only when the ones before found nothing strong), scores each
//! candidate rule ([`score`]) and ranks them. Pure: no printing, no I/O.

pub mod compiled;
pub mod lexical;
pub mod literal;
pub mod score;
pub mod search;

use rustc_hash::FxHashMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;

use crate::normalise::Normalised;
use crate::rule::Rule;
use compiled::CompiledSet;
pub use score::Confidence;
pub use search::Basis;
use search::Hit;

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

/// One piece of evidence for a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// Index into the rule's symptoms; `None` for lexical evidence (title, phrases and keywords).
    pub symptom: Option<usize>,
    /// Byte span of the input it matched.
    pub span: Range<usize>,
    /// What it added to the score (before combination).
    pub contribution: f64,
    pub basis: Basis,
}

/// A rule with evidence in the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Index into the compiled set's rules.
    pub rule: usize,
    /// In [0, 1].
    pub score: f64,
    pub confidence: Confidence,
    /// The tier of the strongest evidence.
    pub basis: Basis,
    /// How literally the input holds the matched phrases (see [`search::Hit::verbatim`]), summed; breaks
    /// ties between equal scores.
    pub verbatim: usize,
    /// Share of the input's known words (by weight) that the evidence explains, 0 to 1.
    pub coverage: f64,
    /// Symptoms in the rule's order, then lexical evidence.
    pub evidence: Vec<Evidence>,
}

/// A score from which a match counts as strong: weaker tiers are not searched beyond it...
const STRONG: f64 = 0.75;
/// ...as long as its evidence explains this share of the input (else fragments of longer messages that
/// would explain more are looked for too).
const EXPLAINED: f64 = 0.9;
/// A further piece of evidence for a rule counts only if this share of its input words are not already
/// explained by the rule's stronger evidence.
const DISTINCT_WORDS: f64 = 0.9;
/// Lexical evidence beside phrase evidence counts this much of its value (it breaks ties).
pub const LEXICAL_BESIDE_PHRASES: f64 = 0.2;

/// The best score among `findings`, and the coverage of that rule's evidence.
fn best(findings: &[Finding]) -> (f64, f64) {
    findings.iter().map(|f| (f.score, f.coverage)).fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a })
}

/// A score as reports show it (three decimals): scores equal at that precision are ordered by status,
/// then by how literally the input holds the evidence, then by the exact score.
fn shown(score: f64) -> i64 {
    (score * 1000.0).round() as i64
}

/// A compiled rule set, ready to match.
pub struct Engine {
    set: CompiledSet,
    regexes: Vec<Option<Regex>>,
    regex_literals: Option<AhoCorasick>,
    /// Per literal: the regexes it is required by.
    regex_targets: Vec<Vec<u32>>,
    /// Regexes with no literal: tried on every input.
    unfiltered: Vec<u32>,
}

impl Engine {
    /// An engine over a compiled set.
    pub fn new(set: CompiledSet) -> Engine {
        let mut literals: Vec<String> = Vec::new();
        let mut ids: FxHashMap<String, usize> = FxHashMap::default();
        let mut regex_targets: Vec<Vec<u32>> = Vec::new();
        let mut unfiltered = Vec::new();
        let mut regexes = Vec::with_capacity(set.regexes.len());
        for (i, r) in set.regexes.iter().enumerate() {
            // Patterns were checked when the rule was loaded.
            regexes.push(Regex::new(&r.pattern).ok());
            match &r.literals {
                Some(ls) => {
                    for l in ls {
                        let id = *ids.entry(l.clone()).or_insert_with(|| {
                            literals.push(l.clone());
                            regex_targets.push(Vec::new());
                            literals.len() - 1
                        });
                        regex_targets[id].push(i as u32);
                    }
                }
                None => unfiltered.push(i as u32),
            }
        }
        let regex_literals = (!literals.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(true)
                .build(&literals)
                .expect("a few short literals always build")
        });
        Engine { set, regexes, regex_literals, regex_targets, unfiltered }
    }

    /// An engine over `rules`, compiled now.
    pub fn from_rules(rules: &[Rule]) -> Engine {
        Engine::new(CompiledSet::build(rules))
    }

    /// The compiled set.
    pub fn set(&self) -> &CompiledSet {
        &self.set
    }

    /// The rules with evidence in `text`, best first.
    pub fn diagnose(&self, text: &str, query: &Query) -> Vec<Finding> {
        let norm = Normalised::new(text);
        let q = search::word_ids(&self.set, &norm);
        let mut hits = Vec::new();
        search::exact_words(&self.set, text, &q, &norm, 0, &mut hits);
        search::numbers(&self.set, text, &norm, &mut hits);
        self.regex_hits(text, &norm, 0, &mut hits);
        // What each input word counts for coverage: its rarity among the rules' phrases, a quarter of it
        // for numbers (timestamps, ids) and common words; words no rule knows count nothing, since no rule
        // can explain them.
        let values: Vec<f64> =
            norm.words()
                .zip(&q)
                .map(|(w, &id)| {
                    if id == u32::MAX {
                        0.0
                    } else {
                        score::coverage_value(w) * search::rarity(&self.set, id)
                    }
                })
                .collect();
        let mut findings = self.score(hits.clone(), &values);
        let (top, explained) = best(&findings);
        if top < STRONG || explained < EXPLAINED {
            let exact = hits.clone();
            let fixed = search::corrected_ids(&self.set, &norm, &q);
            search::fragments(&self.set, text, fixed.as_deref().unwrap_or(&q), &norm, &exact, &mut hits);
            findings = self.score(hits.clone(), &values);
        }
        if best(&findings).0 < STRONG {
            lexical::search(&self.set, &q, &norm, &mut hits);
            findings = self.score(hits, &values);
        }
        findings.retain(|f| f.score >= query.min_score);
        findings.sort_by(|a, b| {
            let (ra, rb) = (&self.set.rules[a.rule], &self.set.rules[b.rule]);
            shown(b.score)
                .cmp(&shown(a.score))
                .then(ra.status.rank().cmp(&rb.status.rank()))
                .then(b.verbatim.cmp(&a.verbatim))
                .then(rb.builtin.cmp(&ra.builtin))
                .then(b.score.total_cmp(&a.score))
                .then(ra.id.cmp(&rb.id))
        });
        findings.truncate(query.top);
        findings
    }

    /// The rules whose symptoms `text` holds whole (the exact tier alone: no fragments, no lexical
    /// evidence, no coverage), counting only evidence that ends at byte `from` or later; in rule order.
    /// This is how `scan` confirms a window of log lines: evidence ending before `from` was confirmed with
    /// the lines before.
    pub fn exact(&self, text: &str, from: usize) -> Vec<Finding> {
        let norm = Normalised::new(text);
        let q = search::word_ids(&self.set, &norm);
        let from_word = norm.words_within(&(from..text.len())).start;
        let mut hits = Vec::new();
        search::exact_words(&self.set, text, &q, &norm, from_word, &mut hits);
        search::numbers(&self.set, text, &norm, &mut hits);
        self.regex_hits(text, &norm, from, &mut hits);
        hits.retain(|h| h.span.end > from);
        let mut findings = self.findings(hits, &vec![0.0; q.len()]);
        findings.sort_by_key(|f| f.rule);
        findings
    }

    fn regex_hits(&self, text: &str, norm: &Normalised, from: usize, out: &mut Vec<Hit>) {
        let mut candidates = self.unfiltered.clone();
        if let Some(ac) = &self.regex_literals {
            for m in ac.find_overlapping_iter(text) {
                candidates.extend_from_slice(&self.regex_targets[m.pattern().as_usize()]);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        for i in candidates {
            let entry = &self.set.regexes[i as usize];
            if let Some(re) = &self.regexes[i as usize]
                && let Some(m) = re.find_iter(text).find(|m| m.end() > from)
            {
                let sym = &self.set.symptoms[entry.symptom as usize];
                out.push(Hit {
                    rule: sym.rule,
                    symptom: Some(usize::from(sym.index)),
                    span: m.range(),
                    words: norm.words_within(&m.range()),
                    verbatim: 0,
                    contribution: f64::from(sym.contribution),
                    basis: Basis::Exact,
                });
            }
        }
    }

    /// One finding per rule with hits (in no order), its score from its evidence alone.
    fn findings(&self, hits: Vec<Hit>, values: &[f64]) -> Vec<Finding> {
        let mut by_rule: FxHashMap<u32, Vec<Hit>> = FxHashMap::default();
        for hit in hits {
            by_rule.entry(hit.rule).or_default().push(hit);
        }
        by_rule.into_iter().filter_map(|(rule, hits)| self.finding(rule, hits, values)).collect()
    }

    fn score(&self, hits: Vec<Hit>, values: &[f64]) -> Vec<Finding> {
        let mut findings = self.findings(hits, values);
        // Of two rules with equally strong evidence, the one that explains more of the input ranks first.
        // Coverage counts relative to the best any rule reaches, so that words no rule explains (a log
        // line's prefix) lower no score, and the rule that explains the most keeps its evidence's score.
        let best = findings.iter().map(|f| f.coverage).fold(0.0, f64::max);
        for f in &mut findings {
            if best > 0.0 {
                f.score *= score::coverage_factor(f.coverage / best);
                f.confidence = Confidence::of(f.score);
            }
        }
        findings
    }

    fn finding(&self, rule: u32, mut hits: Vec<Hit>, values: &[f64]) -> Option<Finding> {
        // One piece of evidence per symptom: the strongest.
        hits.sort_by(|a, b| a.symptom.cmp(&b.symptom).then(b.contribution.total_cmp(&a.contribution)));
        hits.dedup_by(|later, first| later.symptom == first.symptom);
        // Each word of the input is evidence once: of symptoms that matched (mostly) the same words, the
        // strongest counts and the others are left out.
        hits.sort_by(|a, b| b.contribution.total_cmp(&a.contribution).then(a.symptom.cmp(&b.symptom)));
        let mut used = vec![false; values.len()];
        hits.retain(|h| {
            if h.words.is_empty() {
                return true;
            }
            let fresh = h.words.clone().filter(|&i| !used[i]).count();
            if (fresh as f64) < DISTINCT_WORDS * h.words.len() as f64 {
                return false;
            }
            h.words.clone().for_each(|i| used[i] = true);
            true
        });
        let entry = &self.set.rules[rule as usize];
        let symptoms = &self.set.symptoms[entry.symptoms.start as usize..entry.symptoms.end as usize];
        let all_required = symptoms
            .iter()
            .all(|s| !s.required || hits.iter().any(|h| h.symptom == Some(usize::from(s.index))));
        if !all_required {
            return None;
        }
        let phrases = hits.iter().any(|h| h.symptom.is_some());
        let evidence = score::combine_ranked(hits.iter().map(|h| {
            if h.symptom.is_none() && phrases {
                h.contribution * LEXICAL_BESIDE_PHRASES
            } else {
                h.contribution
            }
        }));
        let total: f64 = values.iter().sum();
        let covered: f64 = values.iter().zip(&used).filter(|(_, u)| **u).map(|(v, _)| v).sum();
        let coverage = if total > 0.0 && phrases { covered / total } else { 0.0 };
        let score = evidence;
        let basis = hits
            .iter()
            .max_by(|a, b| a.contribution.total_cmp(&b.contribution))
            .map_or(Basis::Lexical, |h| h.basis);
        let verbatim = hits.iter().map(|h| usize::from(h.verbatim)).sum();
        hits.sort_by_key(|h| (h.symptom.is_none(), h.symptom));
        let evidence = hits
            .into_iter()
            .map(|h| Evidence {
                symptom: h.symptom,
                span: h.span,
                contribution: h.contribution,
                basis: h.basis,
            })
            .collect();
        Some(Finding {
            rule: rule as usize,
            score,
            confidence: Confidence::of(score),
            basis,
            verbatim,
            coverage,
            evidence,
        })
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
        engine
            .diagnose(text, &Query::default())
            .iter()
            .map(|f| engine.set().rules[f.rule].id.clone())
            .collect()
    }

    #[test]
    fn a_whole_message_outranks_a_generic_code() {
        let rules = vec![
            rule("generic", "Q1", "stable", "  - code: '0x80004005'\n"),
            rule("specific", "Q2", "stable", "  - text: 'The information store could not be opened.'\n"),
        ];
        let engine = Engine::from_rules(&rules);
        let found =
            engine.diagnose("The information store could not be opened. 0x80004005", &Query::default());
        assert_eq!(found.len(), 2);
        assert_eq!(rules[found[0].rule].id, "specific");
        assert!(found[0].score > found[1].score);
        assert_eq!(found[1].confidence, Confidence::Low);
        assert_eq!(found[0].basis, Basis::Exact);
    }

    #[test]
    fn evidence_spans_point_into_the_input() {
        let rules = vec![rule("r", "Q1", "stable", "  - text: 'failed to create MAPI.Session'\n")];
        let engine = Engine::from_rules(&rules);
        let input = "12:00:01 ERROR Failed to create\r\nMAPI.Session. (retry 3)";
        let f = &engine.diagnose(input, &Query::default())[0];
        assert_eq!(&input[f.evidence[0].span.clone()], "Failed to create\r\nMAPI.Session");
    }

    #[test]
    fn placeholders_match_filled_in_values() {
        let rules =
            vec![rule("r", "Q1", "stable", "  - text: 'The server <servername> is not available.'\n")];
        let engine = Engine::from_rules(&rules);
        let found = engine.diagnose("Error: the server EXCH-01 is not available", &Query::default());
        assert_eq!((found.len(), found[0].basis), (1, Basis::Exact));
        let reversed = engine.diagnose("is not available: the server EXCH-01", &Query::default());
        assert!(reversed.iter().all(|f| f.basis != Basis::Exact), "{reversed:?}");
    }

    #[test]
    fn required_symptoms_gate_the_rule() {
        let rules = vec![rule(
            "r",
            "Q1",
            "stable",
            "  - code: MAPI_E_LOGON_FAILED\n    required: true\n  - text: profile\n",
        )];
        let engine = Engine::from_rules(&rules);
        assert!(ids(&engine, "the profile is damaged").is_empty());
        assert_eq!(ids(&engine, "profile: MAPI_E_LOGON_FAILED"), ["r"]);
    }

    #[test]
    fn regexes_run_only_when_their_literal_is_present() {
        let rules = vec![rule("r", "Q1", "stable", "  - regex: '(?i)event id:\\s*9175'\n")];
        let engine = Engine::from_rules(&rules);
        assert_eq!(ids(&engine, "Source: MSExchangeSA\nEvent ID:   9175"), ["r"]);
        assert!(ids(&engine, "Event ID: 9176").is_empty());
    }

    #[test]
    fn words_match_whole_only() {
        let rules = vec![rule("r", "Q1", "stable", "  - text: MAPILogon\n")];
        let engine = Engine::from_rules(&rules);
        assert!(ids(&engine, "MAPILogonEx failed").is_empty());
        assert_eq!(ids(&engine, "mapilogon failed"), ["r"]);
    }

    #[test]
    fn stable_rules_rank_above_drafts_of_equal_score() {
        let rules = vec![
            rule("a-draft", "Q1", "draft", "  - text: 'disk is full'\n"),
            rule("b-stable", "Q1", "stable", "  - text: 'disk is full'\n"),
        ];
        let engine = Engine::from_rules(&rules);
        assert_eq!(ids(&engine, "the disk is full"), ["b-stable", "a-draft"]);
    }

    #[test]
    fn a_message_quoted_by_several_articles_is_not_discounted() {
        let shared = "  - text: 'The directory object could not be found.'\n";
        let mut rules: Vec<Rule> =
            (1..=5).map(|i| rule(&format!("r{i}"), &format!("Q{i}"), "stable", shared)).collect();
        rules.push(rule("short", "Q9", "stable", "  - text: 'object could not be found'\n"));
        let found = Engine::from_rules(&rules)
            .diagnose("The directory object could not be found.", &Query::default());
        assert!(found[..5].iter().all(|f| rules[f.rule].id.starts_with('r')), "{found:?}");
        assert_eq!(found[0].score, found[4].score);
    }

    #[test]
    fn top_and_min_score_limit_the_list() {
        let rules = vec![
            rule("a", "Q1", "stable", "  - code: '0x80004005'\n"),
            rule("b", "Q2", "stable", "  - text: 'store could not be opened'\n"),
        ];
        let engine = Engine::from_rules(&rules);
        let text = "store could not be opened 0x80004005";
        assert_eq!(engine.diagnose(text, &Query { top: 1, min_score: 0.0 }).len(), 1);
        let strong = engine.diagnose(text, &Query { top: 5, min_score: 0.5 });
        assert_eq!(strong.iter().map(|f| f.rule).collect::<Vec<_>>(), [1]);
    }

    const LONG: &str = "  - text: 'The Microsoft Exchange Information Store service could not be started because the database files are inconsistent'\n";

    #[test]
    fn a_fragment_of_a_message_finds_it() {
        let rules = vec![
            rule("long", "Q1", "stable", LONG),
            rule("other", "Q2", "stable", "  - text: 'store service stopped'\n"),
        ];
        let engine = Engine::from_rules(&rules);
        let found =
            engine.diagnose("Information Store service could not be started because the", &Query::default());
        assert_eq!(rules[found[0].rule].id, "long");
        assert_eq!(found[0].basis, Basis::Fragment);
        let whole = engine.diagnose(
            "The Microsoft Exchange Information Store service could not be started because the database files are inconsistent",
            &Query::default(),
        );
        assert!(whole[0].score > found[0].score, "a whole message outranks its fragment");
    }

    #[test]
    fn text_retyped_from_a_screenshot_is_corrected_for_fragments() {
        let rules =
            vec![rule("owa", "Q1", "stable", "  - text: 'Internal error: failed to create MAPI.Session.'\n")];
        let engine = Engine::from_rules(&rules);
        let found = engine.diagnose("lnternal error: failed to create MAPl.Sessi0n.", &Query::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].basis, Basis::Fragment);
        assert!(found[0].score >= 0.45, "{}", found[0].score);
        // Short unknown words are left alone: "l" is not corrected to anything.
        assert!(engine.diagnose("l o", &Query::default()).is_empty());
    }

    #[test]
    fn a_typo_still_aligns_as_a_fragment() {
        let rules = vec![rule("long", "Q1", "stable", LONG)];
        let engine = Engine::from_rules(&rules);
        let found = engine.diagnose(
            "The Microsoft Exchange Informaton Store service could not be started becuase the database files are inconsistent",
            &Query::default(),
        );
        assert_eq!((found.len(), found[0].basis), (1, Basis::Fragment));
        assert!(found[0].score >= 0.45, "{}", found[0].score);
    }

    #[test]
    fn a_paraphrase_falls_back_to_the_lexical_index() {
        let rules = vec![
            test_rule(
                "id: owa\ntitle: OWA cannot create a MAPI session\nkb: Q1\nseverity: low\nstatus: stable\nkeywords: [cdo, logon]\nsymptoms:\n  - text: 'Internal error: failed to create MAPI.Session.'\n",
            ),
            test_rule(
                "id: other\ntitle: Outlook cannot open the mailbox\nkb: Q2\nseverity: low\nstatus: stable\nsymptoms:\n  - text: 'Unable to open your default e-mail folders.'\n",
            ),
        ];
        let engine = Engine::from_rules(&rules);
        let found = engine.diagnose("OWA says it can't create a MAPI session", &Query::default());
        assert_eq!(rules[found[0].rule].id, "owa");
        assert_eq!(found[0].basis, Basis::Lexical);
        assert!(found[0].score <= lexical::LEXICAL_CEILING);
        assert_eq!(found[0].evidence[0].symptom, None);
    }
}
