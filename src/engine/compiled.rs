//! A rule set compiled for matching: every phrase as a sequence of word ids, postings from words to the
//! phrases that hold them, codes by value, regexes with their required literals, and a lexical index over
//! titles, messages and keywords. Plain data that serialises, so a large pack is compiled once and loaded
//! from a cache in milliseconds (see `cache`).

use rustc_hash::FxHashMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::literal::required_literals;
use super::score;
use crate::normalise::normalise;
use crate::rule::{Code, Matcher, Rule, Severity, Status};

/// What the engine needs to know of a rule besides its symptoms.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleEntry {
    pub id: String,
    pub kb: String,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub builtin: bool,
    /// The file it was loaded from (relative to the project for built-in rules).
    pub path: String,
    /// Its symptoms in [`CompiledSet::symptoms`].
    pub symptoms: Range<u32>,
}

/// How a symptom is matched.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum SymptomKind {
    /// Phrase parts in [`CompiledSet::segments`], in order, with wildcards between them. A symbolic code
    /// name is a one-word phrase too.
    Words { segments: Range<u32>, code: bool },
    /// A numeric code.
    Number(Code),
    /// A regex, by index in [`CompiledSet::regexes`].
    Regex(u32),
}

/// One symptom.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SymptomEntry {
    pub rule: u32,
    /// Index within its rule.
    pub index: u16,
    pub kind: SymptomKind,
    pub required: bool,
    pub weight: f32,
    /// weight × specificity, for a whole match.
    pub contribution: f32,
}

/// A run of words of a phrase, between wildcards.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Segment {
    pub symptom: u32,
    /// Its word ids in [`CompiledSet::words`].
    pub words: Range<u32>,
    /// Offset of the anchor (rarest) word within the segment.
    pub anchor: u16,
    /// Hash of the segment's near-verbatim form, to tell a character-for-character match.
    pub verbatim: u64,
    /// The same, lower-cased: a match character for character but for case.
    pub verbatim_caseless: u64,
    /// The near-verbatim text itself, in [`CompiledSet::texts`] (to check fragments against).
    pub text: Range<u32>,
    /// The punctuation before and after it in the rule ([`crate::normalise::edges`]).
    pub edges: (String, String),
}

/// Hash of a near-verbatim text. Stored in caches, so it uses FxHash (fixed by Cargo.lock), not std's
/// default hasher, whose algorithm may change with the toolchain.
pub fn verbatim_hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    text.hash(&mut h);
    h.finish()
}

/// A regex symptom.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegexEntry {
    pub symptom: u32,
    pub pattern: String,
    /// Lower-case literals one of which every match contains; `None`: try it on every input.
    pub literals: Option<Vec<String>>,
}

/// Lists of values per word id, stored flat.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Postings<T> {
    starts: Vec<u32>,
    items: Vec<T>,
}

impl<T> Default for Postings<T> {
    fn default() -> Postings<T> {
        Postings { starts: vec![0], items: Vec::new() }
    }
}

impl<T: Clone> Postings<T> {
    fn build(lists: Vec<Vec<T>>) -> Postings<T> {
        let mut starts = Vec::with_capacity(lists.len() + 1);
        let mut items = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        starts.push(0);
        for list in lists {
            items.extend(list);
            starts.push(items.len() as u32);
        }
        Postings { starts, items }
    }

    /// The list of word `id`.
    pub fn get(&self, id: u32) -> &[T] {
        let i = id as usize;
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.items[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// A lexical document posting: rule and how often the term occurs in its document.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct DocPosting {
    pub rule: u32,
    pub tf: u16,
}

/// The compiled rule set.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CompiledSet {
    pub rules: Vec<RuleEntry>,
    pub symptoms: Vec<SymptomEntry>,
    pub segments: Vec<Segment>,
    /// The near-verbatim text of every segment, one after another.
    pub texts: String,
    pub words: Vec<u32>,
    /// Word → id.
    pub vocab: FxHashMap<String, u32>,
    /// Per word id: how much it counts (1, or a quarter for a common word).
    pub word_value: Vec<f32>,
    /// Per word id: segments whose anchor it is, with the anchor's offset.
    pub anchors: Postings<(u32, u16)>,
    /// Per word id: every (segment, offset) that holds it.
    pub positions: Postings<(u32, u16)>,
    /// Numeric codes, sorted by value: (value, symptom).
    pub codes: Vec<(u32, u32)>,
    pub regexes: Vec<RegexEntry>,
    /// Per word id: lexical postings (title, messages, keywords of each rule).
    pub lexicon: Postings<DocPosting>,
    /// Per rule: the length of its lexical document, in words.
    pub doc_len: Vec<u16>,
    /// Mean of `doc_len`.
    pub avg_doc_len: f32,
}

impl CompiledSet {
    /// Compiles `rules`.
    pub fn build(rules: &[Rule]) -> CompiledSet {
        let mut b = Builder::default();
        for rule in rules {
            b.add_rule(rule);
        }
        b.finish()
    }

    /// The id of a word, if any rule uses it.
    pub fn word_id(&self, word: &str) -> Option<u32> {
        self.vocab.get(word).copied()
    }

    /// The word ids of a segment.
    pub fn segment_words(&self, seg: &Segment) -> &[u32] {
        &self.words[seg.words.start as usize..seg.words.end as usize]
    }

    /// The rules with this rule id or, failing that, this KB article id (case-insensitive), in load order.
    pub fn find(&self, id: &str) -> Vec<usize> {
        let by_id: Vec<usize> =
            (0..self.rules.len()).filter(|&i| self.rules[i].id.eq_ignore_ascii_case(id)).collect();
        if !by_id.is_empty() {
            return by_id;
        }
        (0..self.rules.len()).filter(|&i| self.rules[i].kb.eq_ignore_ascii_case(id)).collect()
    }

    /// The near-verbatim text of a segment.
    pub fn segment_text(&self, seg: &Segment) -> &str {
        self.texts.get(seg.text.start as usize..seg.text.end as usize).unwrap_or("")
    }

    /// The symptom of rule `rule` with index `index`.
    pub fn symptom_of(&self, rule: u32, index: usize) -> Option<&SymptomEntry> {
        let r = self.rules.get(rule as usize)?;
        self.symptoms.get(r.symptoms.start as usize + index)
    }
}

#[derive(Default)]
struct Builder {
    set: CompiledSet,
    /// Per segment, its words (ids) before anchors are chosen.
    doc_words: Vec<Vec<u32>>,
}

impl Builder {
    fn word(&mut self, w: &str) -> u32 {
        let next = self.set.vocab.len() as u32;
        *self.set.vocab.entry(w.to_string()).or_insert(next)
    }

    fn add_segment(&mut self, symptom: u32, text: &str, verbatim: &str, edges: (String, String)) {
        let ids: Vec<u32> = text.split(' ').filter(|w| !w.is_empty()).map(|w| self.word(w)).collect();
        let start = self.set.words.len() as u32;
        self.set.words.extend(&ids);
        let text_start = self.set.texts.len() as u32;
        self.set.texts.push_str(verbatim);
        let text = text_start..self.set.texts.len() as u32;
        self.set.segments.push(Segment {
            text,
            symptom,
            words: start..self.set.words.len() as u32,
            anchor: 0,
            verbatim: verbatim_hash(verbatim),
            verbatim_caseless: verbatim_hash(&verbatim.to_lowercase()),
            edges,
        });
    }

    fn add_rule(&mut self, rule: &Rule) {
        let r = self.set.rules.len() as u32;
        let first = self.set.symptoms.len() as u32;
        let mut doc: Vec<u32> = Vec::new();
        for w in normalise(&rule.title).split(' ').filter(|w| !w.is_empty()) {
            doc.push(self.word(w));
        }
        for w in
            rule.keywords.iter().flat_map(|k| normalise(k).split(' ').map(str::to_string).collect::<Vec<_>>())
        {
            if !w.is_empty() {
                doc.push(self.word(&w));
            }
        }
        for (i, s) in rule.symptoms.iter().enumerate() {
            let sym = self.set.symptoms.len() as u32;
            let kind = match &s.matcher {
                Matcher::Text(p) => {
                    let seg_start = self.set.segments.len() as u32;
                    for ((seg, verbatim), edges) in p.segments.iter().zip(&p.verbatim).zip(&p.edges) {
                        self.add_segment(sym, seg, verbatim, edges.clone());
                        for w in seg.split(' ') {
                            doc.push(self.word(w));
                        }
                    }
                    SymptomKind::Words { segments: seg_start..self.set.segments.len() as u32, code: false }
                }
                Matcher::Code(c) => match c.name_key() {
                    Some(name) => {
                        let seg_start = self.set.segments.len() as u32;
                        self.add_segment(sym, &name, &c.to_string(), Default::default());
                        doc.push(self.word(&name));
                        SymptomKind::Words { segments: seg_start..seg_start + 1, code: true }
                    }
                    None => {
                        self.set.codes.push((c.value().unwrap_or_default(), sym));
                        SymptomKind::Number(c.clone())
                    }
                },
                Matcher::Regex(re) => {
                    self.set.regexes.push(RegexEntry {
                        symptom: sym,
                        pattern: re.as_str().to_string(),
                        literals: required_literals(re.as_str()),
                    });
                    SymptomKind::Regex(self.set.regexes.len() as u32 - 1)
                }
            };
            let specificity = score::specificity(s);
            self.set.symptoms.push(SymptomEntry {
                rule: r,
                index: i as u16,
                kind,
                required: s.required,
                weight: s.weight as f32,
                contribution: score::contribution(s.weight, specificity) as f32,
            });
        }
        self.set.rules.push(RuleEntry {
            id: rule.id.clone(),
            kb: rule.kb.clone(),
            title: rule.title.clone(),
            severity: rule.severity,
            status: rule.status,
            builtin: rule.origin.is_builtin(),
            path: rule.origin.path().to_string_lossy().into_owned(),
            symptoms: first..self.set.symptoms.len() as u32,
        });
        self.doc_words.push(doc);
    }

    fn finish(mut self) -> CompiledSet {
        let vocab_len = self.set.vocab.len();
        self.set.word_value = vec![1.0; vocab_len];
        for (w, &id) in &self.set.vocab {
            self.set.word_value[id as usize] = score::word_value(w) as f32;
        }
        // Anchors: each segment's rarest word.
        let mut seg_freq = vec![0u32; vocab_len];
        let mut positions: Vec<Vec<(u32, u16)>> = vec![Vec::new(); vocab_len];
        for (s, seg) in self.set.segments.iter().enumerate() {
            let words = &self.set.words[seg.words.start as usize..seg.words.end as usize];
            for (off, &w) in words.iter().enumerate() {
                positions[w as usize].push((s as u32, off as u16));
            }
            let mut seen: Vec<u32> = words.to_vec();
            seen.sort_unstable();
            seen.dedup();
            for w in seen {
                seg_freq[w as usize] += 1;
            }
        }
        let mut anchors: Vec<Vec<(u32, u16)>> = vec![Vec::new(); vocab_len];
        for (s, seg) in self.set.segments.iter_mut().enumerate() {
            let words = &self.set.words[seg.words.start as usize..seg.words.end as usize];
            let (off, &w) = words
                .iter()
                .enumerate()
                .min_by_key(|(_, w)| seg_freq[**w as usize])
                .expect("segments are not empty");
            seg.anchor = off as u16;
            anchors[w as usize].push((s as u32, off as u16));
        }
        self.set.anchors = Postings::build(anchors);
        self.set.positions = Postings::build(positions);
        self.set.codes.sort_unstable();
        // The lexical index.
        let mut lexicon: Vec<Vec<DocPosting>> = vec![Vec::new(); vocab_len];
        let mut total = 0u64;
        for (r, doc) in self.doc_words.iter().enumerate() {
            let mut counts: FxHashMap<u32, u16> = FxHashMap::default();
            for &w in doc {
                *counts.entry(w).or_default() += 1;
            }
            let mut counts: Vec<(u32, u16)> = counts.into_iter().collect();
            counts.sort_unstable();
            for (w, tf) in counts {
                lexicon[w as usize].push(DocPosting { rule: r as u32, tf });
            }
            let len = doc.len().min(usize::from(u16::MAX)) as u16;
            self.set.doc_len.push(len);
            total += u64::from(len);
        }
        self.set.lexicon = Postings::build(lexicon);
        self.set.avg_doc_len =
            if self.doc_words.is_empty() { 1.0 } else { total as f32 / self.doc_words.len() as f32 };
        self.set
    }
}
