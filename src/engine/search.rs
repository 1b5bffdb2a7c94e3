//! Finding evidence in one input against a [`CompiledSet`], in three tiers:
//! - *exact*: a whole symptom (phrase with its wildcards, code, regex) is in the input;
//! - *fragment*: part of a phrase is, in order (a paste of the middle of a message, a message with a typo
//!   or with words lost), found by aligning the input's rarer words with the phrases that hold them;
//! - *lexical*: no phrase fits, but the input's words are those of a rule's title, messages and keywords
//!   (BM25), so a paraphrase still finds its article.
//!
//! Every tier works from postings of word ids: nothing loops over all rules.

use rustc_hash::FxHashMap;
use std::ops::Range;

use super::compiled::{CompiledSet, SymptomKind, verbatim_hash};
use crate::normalise::{Normalised, fold_punctuation, is_word_char, verbatim};
use crate::rule::{code, phrase::MAX_PLACEHOLDER_WORDS};

/// Which tier of evidence a match rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Lexical,
    Fragment,
    Exact,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Lexical => "lexical",
            Basis::Fragment => "fragment",
            Basis::Exact => "exact",
        }
    }
}

/// One piece of evidence for one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub rule: u32,
    /// The symptom's index in its rule; `None` for lexical evidence.
    pub symptom: Option<usize>,
    /// Byte span of the input.
    pub span: Range<usize>,
    /// The input's words (indices) it covers; empty for lexical evidence.
    pub words: Range<usize>,
    /// How literally the input holds the phrase, 0 to 3: one point each for the phrase character for
    /// character but for case, in the same case too, and with the same punctuation around it.
    pub verbatim: u8,
    pub contribution: f64,
    pub basis: Basis,
}

const NONE: u32 = u32::MAX;

/// Words held by more phrases than this do not seed fragment candidates (they are too common to say
/// which phrase is meant; they still count once a candidate is aligned).
const FRAGMENT_SEED_LIMIT: usize = 3000;
/// A fragment must match at least this many words of the phrase...
const FRAGMENT_MIN_WORDS: usize = 3;
/// ...and this much evidence (informative words weighted by rarity; see [`Alignment::evidence`]).
const FRAGMENT_MIN_EVIDENCE: f64 = 2.0;
/// A fragment never counts as much as the whole phrase.
const FRAGMENT_FACTOR: f64 = 0.95;
/// How much the share of the phrase that lines up matters (a prefix of 60% keeps 93%).
const FRAGMENT_SHARE_POWER: f64 = 0.15;
/// At most this many fragment candidates are aligned per input.
const FRAGMENT_CANDIDATES: usize = 200;

/// The input's words as ids of the set's vocabulary.
pub fn word_ids(set: &CompiledSet, norm: &Normalised) -> Vec<u32> {
    norm.words().map(|w| set.word_id(w).unwrap_or(NONE)).collect()
}

/// The input's word ids with words no rule knows replaced, where possible, by a known word one edit away
/// (a letter dropped, added, swapped with its neighbour or changed: a typo, or `l`/`1`/`i` and `0`/`o`
/// mixed up by text retyped from a screenshot), the most common such word first. Used to line up
/// fragments only: an exact match is always of the words as typed.
pub fn corrected_ids(set: &CompiledSet, norm: &Normalised, q: &[u32]) -> Option<Vec<u32>> {
    let mut out = q.to_vec();
    let mut changed = false;
    for (slot, word) in out.iter_mut().zip(norm.words()) {
        let len = word.chars().count();
        if *slot != NONE
            || !(MIN_CORRECTED_LEN..=MAX_CORRECTED_LEN).contains(&len)
            || !word.chars().any(char::is_alphabetic)
        {
            continue;
        }
        if let Some(id) = nearest_known(set, word) {
            *slot = id;
            changed = true;
        }
    }
    changed.then_some(out)
}

/// Words shorter than this are not corrected: too many known words lie one edit away.
const MIN_CORRECTED_LEN: usize = 4;
/// Nor longer than this: the work grows with the square of the length, and such words (a hash, a base64
/// blob) are not mistyped words.
const MAX_CORRECTED_LEN: usize = 40;

/// Letters tried when changing or adding one.
const ALPHABET: &str = "abcdefghijklmnopqrstuvwxyz0123456789_";

/// The known word one edit away from `word` that the most phrase parts hold.
fn nearest_known(set: &CompiledSet, word: &str) -> Option<u32> {
    let chars: Vec<char> = word.chars().collect();
    let mut best: Option<(usize, u32)> = None;
    let mut consider = |candidate: String| {
        if let Some(id) = set.word_id(&candidate) {
            let holding = set.positions.get(id).len();
            if best.is_none_or(|(n, _)| holding > n) {
                best = Some((holding, id));
            }
        }
    };
    for i in 0..chars.len() {
        let mut deleted = chars.clone();
        deleted.remove(i);
        consider(deleted.into_iter().collect());
        if i + 1 < chars.len() {
            let mut swapped = chars.clone();
            swapped.swap(i, i + 1);
            consider(swapped.into_iter().collect());
        }
        for c in ALPHABET.chars().filter(|&c| c != chars[i]) {
            let mut changed = chars.clone();
            changed[i] = c;
            consider(changed.into_iter().collect());
        }
    }
    for i in 0..=chars.len() {
        for c in ALPHABET.chars() {
            let mut added = chars.clone();
            added.insert(i, c);
            consider(added.into_iter().collect());
        }
    }
    best.map(|(_, id)| id)
}

/// Exact matches of phrase and code-name symptoms: for each symptom, its first occurrence that ends at
/// word `from` or later (0: its first occurrence).
pub fn exact_words(
    set: &CompiledSet,
    text: &str,
    q: &[u32],
    norm: &Normalised,
    from: usize,
    out: &mut Vec<Hit>,
) {
    // Segment id → starts (word index) where it occurs, and whether verbatim there.
    let mut seg_hits: FxHashMap<u32, Vec<(usize, u8)>> = FxHashMap::default();
    for (i, &w) in q.iter().enumerate() {
        if w == NONE {
            continue;
        }
        for &(seg, off) in set.anchors.get(w) {
            let Some(start) = i.checked_sub(usize::from(off)) else { continue };
            let segment = &set.segments[seg as usize];
            let words = set.segment_words(segment);
            if q.get(start..start + words.len()) == Some(words) {
                let span = norm.words_span(start, start + words.len());
                seg_hits.entry(seg).or_default().push((start, literalness(text, span, segment)));
            }
        }
    }
    let mut symptoms: Vec<u32> = seg_hits.keys().map(|&s| set.segments[s as usize].symptom).collect();
    symptoms.sort_unstable();
    symptoms.dedup();
    for sym in symptoms {
        let entry = &set.symptoms[sym as usize];
        let SymptomKind::Words { segments, .. } = &entry.kind else { continue };
        if let Some((words, verbatim)) = chain(set, segments.clone(), &seg_hits, from) {
            out.push(Hit {
                rule: entry.rule,
                symptom: Some(usize::from(entry.index)),
                span: norm.words_span(words.start, words.end),
                words,
                verbatim,
                contribution: f64::from(entry.contribution),
                basis: Basis::Exact,
            });
        }
    }
}

/// The first occurrence of segments `segs` in order, each within the wildcard's reach of the one before,
/// that ends after word `from`, and whether every segment is verbatim there.
fn chain(
    set: &CompiledSet,
    segs: Range<u32>,
    hits: &FxHashMap<u32, Vec<(usize, u8)>>,
    from: usize,
) -> Option<(Range<usize>, u8)> {
    let first = segs.start;
    'starts: for &(start, first_verbatim) in hits.get(&first)? {
        let mut end = start + set.segments[first as usize].words.len();
        let mut verbatim = first_verbatim;
        for seg in segs.start + 1..segs.end {
            let len = set.segments[seg as usize].words.len();
            let next = hits
                .get(&seg)?
                .iter()
                .copied()
                .filter(|&(s, _)| s >= end && s - end <= MAX_PLACEHOLDER_WORDS)
                .min();
            match next {
                Some((s, v)) => {
                    end = s + len;
                    verbatim = verbatim.min(v);
                }
                None => continue 'starts,
            }
        }
        if end <= from {
            continue;
        }
        return Some((start..end, verbatim));
    }
    None
}

/// How literally `text` holds a segment at `span`, 0 to 3: a point for the segment character for
/// character but for case (inner punctuation included, whitespace aside), one for the same case too, and
/// one for the same punctuation around it.
fn literalness(text: &str, span: Range<usize>, segment: &super::compiled::Segment) -> u8 {
    let Some(inside) = text.get(span.clone()) else { return 0 };
    let inside = verbatim(inside);
    if verbatim_hash(&inside.to_lowercase()) != segment.verbatim_caseless {
        return 0;
    }
    let same_case = u8::from(verbatim_hash(&inside) == segment.verbatim);
    let (head, tail) = &segment.edges;
    // The punctuation right next to the words in the input, up to the next word (read lazily: only the
    // few characters beside the span, never the whole input).
    let head_run: String = fold_punctuation(
        &text[..span.start]
            .chars()
            .rev()
            .filter(|c| !c.is_whitespace())
            .take_while(|c| !is_word_char(*c))
            .take(EDGE_LIMIT)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<String>(),
    );
    let tail_run: String = fold_punctuation(
        &text[span.end..]
            .chars()
            .filter(|c| !c.is_whitespace())
            .take_while(|c| !is_word_char(*c))
            .take(EDGE_LIMIT)
            .collect::<String>(),
    );
    // The rule's punctuation is there (a log may add more around it); none in the rule means none there.
    let head_ok = if head.is_empty() { head_run.is_empty() } else { head_run.ends_with(head.as_str()) };
    let tail_ok = if tail.is_empty() { tail_run.is_empty() } else { tail_run.starts_with(tail.as_str()) };
    1 + same_case + u8::from(head_ok && tail_ok)
}

/// Most punctuation characters read beside a phrase for its edges.
const EDGE_LIMIT: usize = 16;

/// Numeric codes in any written form.
pub fn numbers(set: &CompiledSet, text: &str, norm: &Normalised, out: &mut Vec<Hit>) {
    if set.codes.is_empty() {
        return;
    }
    for m in code::mentions(text) {
        let from = set.codes.partition_point(|&(v, _)| v < m.value);
        for &(_, sym) in set.codes[from..].iter().take_while(|&&(v, _)| v == m.value) {
            let entry = &set.symptoms[sym as usize];
            if let SymptomKind::Number(c) = &entry.kind
                && c.accepts(m.form, m.value)
            {
                out.push(Hit {
                    rule: entry.rule,
                    symptom: Some(usize::from(entry.index)),
                    span: m.span.clone(),
                    words: norm.words_within(&m.span),
                    verbatim: 0,
                    contribution: f64::from(entry.contribution),
                    basis: Basis::Exact,
                });
            }
        }
    }
}

/// Partial matches of phrases not matched whole.
pub fn fragments(
    set: &CompiledSet,
    text: &str,
    q: &[u32],
    norm: &Normalised,
    exact: &[Hit],
    out: &mut Vec<Hit>,
) {
    let matched: rustc_hash::FxHashSet<(u32, Option<usize>)> =
        exact.iter().map(|h| (h.rule, h.symptom)).collect();
    // (segment, diagonal) → number of seed words aligned on it.
    let mut diagonals: FxHashMap<(u32, i32), u16> = FxHashMap::default();
    for (i, &w) in q.iter().enumerate() {
        if w == NONE {
            continue;
        }
        let list = set.positions.get(w);
        if list.len() > FRAGMENT_SEED_LIMIT {
            continue;
        }
        for &(seg, off) in list {
            *diagonals.entry((seg, i32::from(off) - i as i32)).or_default() += 1;
        }
    }
    let mut candidates: Vec<((u32, i32), u16)> = diagonals.into_iter().filter(|&(_, n)| n >= 2).collect();
    candidates.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    candidates.truncate(FRAGMENT_CANDIDATES);
    // Per segment, its candidate diagonals, best first: a dropped or an added word shifts the diagonal,
    // so one alignment may use several.
    let mut per_segment: FxHashMap<u32, Vec<i32>> = FxHashMap::default();
    for ((seg, diag), _) in candidates {
        per_segment.entry(seg).or_default().push(diag);
    }

    // Best alignment per segment.
    let mut best: FxHashMap<u32, Alignment> = FxHashMap::default();
    for (seg, mut diagonals) in per_segment {
        let segment = &set.segments[seg as usize];
        let entry = &set.symptoms[segment.symptom as usize];
        if matched.contains(&(entry.rule, Some(usize::from(entry.index)))) {
            continue;
        }
        if let SymptomKind::Words { code: true, .. } = entry.kind {
            continue;
        }
        diagonals.truncate(MAX_DIAGONALS);
        best.insert(seg, align(set, set.segment_words(segment), q, &diagonals));
    }
    // The other parts of a phrase with a part aligned: a short part ("Physical Disk" before a
    // placeholder) may hold no word rare enough to seed a candidate of its own.
    let mut others: Vec<u32> = Vec::new();
    for &seg in best.keys() {
        if let SymptomKind::Words { segments, .. } =
            &set.symptoms[set.segments[seg as usize].symptom as usize].kind
        {
            others.extend(segments.clone().filter(|s| !best.contains_key(s)));
        }
    }
    others.sort_unstable();
    others.dedup();
    for seg in others {
        let words = set.segment_words(&set.segments[seg as usize]);
        let diagonals = frequent_diagonals(words, q);
        if !diagonals.is_empty() {
            best.insert(seg, align(set, words, q, &diagonals));
        }
    }
    // How literally the input holds each aligned part.
    let literal: FxHashMap<u32, u8> =
        best.iter().map(|(&seg, a)| (seg, fragment_literalness(set, seg, text, norm, a))).collect();
    // A phrase's parts (between wildcards) add up.
    let mut by_symptom: FxHashMap<u32, Alignment> = FxHashMap::default();
    let mut literal_by_symptom: FxHashMap<u32, u8> = FxHashMap::default();
    for (seg, a) in best {
        let symptom = set.segments[seg as usize].symptom;
        if a.count > 0 {
            let level = literal_by_symptom.entry(symptom).or_insert(u8::MAX);
            *level = (*level).min(literal[&seg]);
        }
        let total =
            by_symptom.entry(symptom).or_insert(Alignment { first: usize::MAX, ..Alignment::default() });
        total.rarity += a.rarity;
        total.evidence += a.evidence;
        total.count += a.count;
        total.first = total.first.min(a.first);
        total.last = total.last.max(a.last);
        total.positions.extend(a.positions);
    }
    for (sym, a) in by_symptom {
        if a.count < FRAGMENT_MIN_WORDS || a.evidence < FRAGMENT_MIN_EVIDENCE {
            continue;
        }
        let entry = &set.symptoms[sym as usize];
        let SymptomKind::Words { segments, .. } = &entry.kind else { continue };
        let whole: f64 = segments
            .clone()
            .flat_map(|s| set.segment_words(&set.segments[s as usize]).to_vec())
            .map(|w| rarity(set, w))
            .sum();
        let share = (a.rarity / whole.max(a.rarity)).clamp(0.0, 1.0);
        // Input words inside the aligned stretch that do not line up are disagreement (another code,
        // another name): the share of the stretch's rarity that does line up.
        // A word no rule knows (a typo, a filled-in name) counts half as much as an aligned word.
        let unknown = UNKNOWN_WORD_SHARE * a.rarity / a.count.max(1) as f64;
        let weigh = |i: usize| q.get(i).map_or(0.0, |&w| if w == NONE { unknown } else { rarity(set, w) });
        let stretch: f64 = (a.first..a.last).map(weigh).sum();
        let agreed: f64 = a.positions.iter().map(|&i| weigh(i)).sum();
        let agreement = if stretch > 0.0 { (agreed / stretch).clamp(0.0, 1.0) } else { 1.0 };
        let strength = super::score::words_specificity(a.evidence);
        let literal = literal_by_symptom.get(&sym).copied().unwrap_or(0).min(2);
        let contribution = f64::from(entry.contribution)
            * strength
            * share.powf(FRAGMENT_SHARE_POWER)
            * agreement.powi(2)
            * FRAGMENT_FACTOR
            * LITERAL_FRAGMENT[usize::from(literal)];
        let words = a.first..a.last.max(a.first);
        out.push(Hit {
            rule: entry.rule,
            symptom: Some(usize::from(entry.index)),
            span: norm.words_span(words.start, words.end),
            words,
            verbatim: 0,
            contribution,
            basis: Basis::Fragment,
        });
    }
}

/// A word held by fewer phrase parts than this share of the rarity of a unique word gives is fully
/// evidence in a fragment; more common ones count in proportion.
const RARE_SHARE: f64 = 0.5;

/// A fragment's factor by how literally the input holds it: in normal form only, character for
/// character but for case, character for character.
const LITERAL_FRAGMENT: [f64; 3] = [0.95, 0.975, 1.0];

/// How literally the input holds the aligned stretch of a segment: 0 normal form only, 1 character for
/// character but for case (whitespace aside), 2 with case too.
fn fragment_literalness(set: &CompiledSet, seg: u32, text: &str, norm: &Normalised, a: &Alignment) -> u8 {
    if a.count == 0 || a.first >= a.last {
        return 0;
    }
    let Some(stretch) = text.get(norm.words_span(a.first, a.last)) else { return 0 };
    let stretch = verbatim(stretch);
    let phrase = set.segment_text(&set.segments[seg as usize]);
    if phrase.contains(&stretch) {
        2
    } else if phrase.to_lowercase().contains(&stretch.to_lowercase()) {
        1
    } else {
        0
    }
}

/// The diagonals (input index = word index − diagonal) on which most of `words` meet the input.
fn frequent_diagonals(words: &[u32], q: &[u32]) -> Vec<i32> {
    let mut counts: FxHashMap<i32, u16> = FxHashMap::default();
    for (j, &w) in words.iter().enumerate() {
        for (i, &x) in q.iter().enumerate() {
            if x == w {
                *counts.entry(j as i32 - i as i32).or_default() += 1;
            }
        }
    }
    let mut ranked: Vec<(i32, u16)> = counts.into_iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.into_iter().take(MAX_DIAGONALS).map(|(d, _)| d).collect()
}

/// Diagonals one phrase part may use in its alignment.
const MAX_DIAGONALS: usize = 4;

/// Lines `words` up with the input `q` along `diagonals` (input index = word index − diagonal), in order:
/// each word takes the first diagonal on which it matches an input word after the previous match.
fn align(set: &CompiledSet, words: &[u32], q: &[u32], diagonals: &[i32]) -> Alignment {
    let mut a = Alignment { first: usize::MAX, ..Alignment::default() };
    let mut next = 0usize;
    for (j, &w) in words.iter().enumerate() {
        let hit = diagonals.iter().find_map(|&d| {
            let qi = usize::try_from(j as i32 - d).ok()?;
            (qi >= next && q.get(qi) == Some(&w)).then_some(qi)
        });
        if let Some(qi) = hit {
            let rare = rarity(set, w);
            a.rarity += rare;
            a.positions.push(qi);
            a.evidence += informative(set, w) * (rare / (RARE_SHARE * unique_rarity(set))).min(1.0);
            a.count += 1;
            a.first = a.first.min(qi);
            a.last = qi + 1;
            next = qi + 1;
        }
    }
    a
}

/// How one phrase part lines up with the input.
#[derive(Debug, Clone, Default)]
struct Alignment {
    /// Sum of the rarity of the words that line up.
    rarity: f64,
    /// Their informative weight, each scaled down when many phrase parts hold it: the words a fragment
    /// counts as evidence, on the scale of a phrase's informative words.
    evidence: f64,
    count: usize,
    /// The input words (indices) from the first to the last that line up.
    first: usize,
    last: usize,
    /// The input words that line up.
    positions: Vec<usize>,
}

/// Share of an aligned word's rarity that an unknown input word inside the aligned stretch counts.
const UNKNOWN_WORD_SHARE: f64 = 0.5;

/// The rarity of a word that only one phrase part holds: a fragment's strength reaches 63% at this
/// much aligned rarity.
fn unique_rarity(set: &CompiledSet) -> f64 {
    (1.0 + set.segments.len() as f64).ln()
}

/// How rare a word is among the phrase parts of the set: `ln(1 + parts / parts holding it)`.
pub fn rarity(set: &CompiledSet, w: u32) -> f64 {
    let holding = set.positions.get(w).len().max(1) as f64;
    (1.0 + set.segments.len() as f64 / holding).ln()
}

/// Informative weight of a word id (common words count a quarter).
fn informative(set: &CompiledSet, w: u32) -> f64 {
    set.word_value.get(w as usize).map_or(1.0, |v| f64::from(*v))
}
