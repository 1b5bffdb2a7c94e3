//! The candidate index: one pass over the input finds every rule with evidence in it, so the engine never
//! loops over all rules. Phrases and code names are found in the normal form by one Aho-Corasick
//! automaton; numeric codes by a lookup of every number the input holds; regexes by their required
//! literals (see [`super::literal`]) in the raw input, and only then run.

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;

use super::literal::required_literals;
use crate::normalise::Normalised;
use crate::rule::{Matcher, Rule, code};

/// A symptom of a rule, by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SymptomRef {
    pub rule: u32,
    pub symptom: u32,
}

/// A symptom found in the input, with the span of the original text it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub at: SymptomRef,
    pub span: Range<usize>,
}

/// Literal patterns and what each one is evidence for.
#[derive(Default)]
struct LiteralSet {
    patterns: Vec<String>,
    ids: HashMap<String, usize>,
    targets: Vec<Vec<SymptomRef>>,
}

impl LiteralSet {
    fn add(&mut self, literal: String, at: SymptomRef) {
        let id = *self.ids.entry(literal.clone()).or_insert_with(|| {
            self.patterns.push(literal);
            self.targets.push(Vec::new());
            self.patterns.len() - 1
        });
        self.targets[id].push(at);
    }

    fn build(&self, ascii_case_insensitive: bool) -> Option<AhoCorasick> {
        if self.patterns.is_empty() {
            return None;
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(ascii_case_insensitive)
            .build(&self.patterns)
            .expect("literal patterns are small enough for an automaton");
        Some(ac)
    }
}

/// The index over a rule set.
pub struct Index {
    words: Option<AhoCorasick>,
    word_targets: Vec<Vec<SymptomRef>>,
    gapped: HashMap<SymptomRef, Regex>,
    codes: HashMap<u32, Vec<SymptomRef>>,
    regex_literals: Option<AhoCorasick>,
    regex_targets: Vec<Vec<SymptomRef>>,
    /// Regexes with no literal to look for: tried on every input.
    unfiltered: Vec<SymptomRef>,
}

impl Index {
    pub fn new(rules: &[Rule]) -> Index {
        let mut words = LiteralSet::default();
        let mut regexes = LiteralSet::default();
        let mut gapped = HashMap::new();
        let mut codes: HashMap<u32, Vec<SymptomRef>> = HashMap::new();
        let mut unfiltered = Vec::new();
        for (r, rule) in rules.iter().enumerate() {
            for (s, symptom) in rule.symptoms.iter().enumerate() {
                let at = SymptomRef { rule: r as u32, symptom: s as u32 };
                match &symptom.matcher {
                    Matcher::Text(phrase) => {
                        // One part is enough to make the rule a candidate: take the longest.
                        let longest =
                            phrase.segments.iter().max_by_key(|s| s.len()).expect("phrases have a part");
                        words.add(longest.clone(), at);
                        if phrase.has_gaps() {
                            gapped.insert(at, phrase.gap_regex());
                        }
                    }
                    Matcher::Code(c) => match (c.name_key(), c.value()) {
                        (Some(name), _) => words.add(name, at),
                        (None, Some(value)) => codes.entry(value).or_default().push(at),
                        (None, None) => unreachable!("a code has a name or a value"),
                    },
                    Matcher::Regex(re) => match required_literals(re.as_str()) {
                        Some(set) => set.into_iter().for_each(|l| regexes.add(l, at)),
                        None => unfiltered.push(at),
                    },
                }
            }
        }
        Index {
            words: words.build(false),
            word_targets: words.targets,
            gapped,
            codes,
            regex_literals: regexes.build(true),
            regex_targets: regexes.targets,
            unfiltered,
        }
    }

    /// Every symptom of every rule found in `text` (its normal form is `norm`), each at most once, at its
    /// first occurrence.
    pub fn hits(&self, rules: &[Rule], text: &str, norm: &Normalised) -> Vec<Hit> {
        let mut hits = Vec::new();
        if let Some(ac) = &self.words {
            let hay = norm.as_str();
            for m in ac.find_overlapping_iter(hay) {
                let range = m.range();
                if !norm.on_word_boundaries(&range) {
                    continue;
                }
                for &at in &self.word_targets[m.pattern().as_usize()] {
                    let span = match self.gapped.get(&at) {
                        None => norm.original_span(range.clone()),
                        Some(re) => match re.captures(hay).and_then(|c| c.get(1)) {
                            Some(whole) => norm.original_span(whole.range()),
                            None => continue,
                        },
                    };
                    hits.push(Hit { at, span });
                }
            }
        }
        if !self.codes.is_empty() {
            for mention in code::mentions(text) {
                for &at in self.codes.get(&mention.value).map_or(&[][..], Vec::as_slice) {
                    let Matcher::Code(c) = &rules[at.rule as usize].symptoms[at.symptom as usize].matcher
                    else {
                        continue;
                    };
                    if c.accepts(mention.form, mention.value) {
                        hits.push(Hit { at, span: mention.span.clone() });
                    }
                }
            }
        }
        let mut regex_candidates = self.unfiltered.clone();
        if let Some(ac) = &self.regex_literals {
            for m in ac.find_overlapping_iter(text) {
                regex_candidates.extend_from_slice(&self.regex_targets[m.pattern().as_usize()]);
            }
        }
        regex_candidates.sort_unstable();
        regex_candidates.dedup();
        for at in regex_candidates {
            if let Matcher::Regex(re) = &rules[at.rule as usize].symptoms[at.symptom as usize].matcher
                && let Some(m) = re.find(text)
            {
                hits.push(Hit { at, span: m.range() });
            }
        }
        hits.sort_by_key(|h| (h.at, h.span.start));
        hits.dedup_by_key(|h| h.at);
        hits
    }
}
