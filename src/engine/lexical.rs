//! The lexical fallback: BM25 over each rule's document (its title, phrases and keywords), for pastes
//! that match no phrase, such as a paraphrase ("OWA says it can't create a MAPI session").

use rustc_hash::FxHashMap;

use super::compiled::CompiledSet;
use super::search::{Basis, Hit};
use crate::normalise::Normalised;

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Terms in more than this share of the documents carry too little to score.
const MAX_DOC_SHARE: f64 = 0.2;
/// ...but small rule sets keep every term that fewer than this many documents hold.
const MIN_DOC_LIMIT: f64 = 50.0;
/// A lexical match counts at most this much: it never outranks a phrase that matched.
pub const LEXICAL_CEILING: f64 = 0.5;
/// Lexical matches returned per input.
const LEXICAL_TOP: usize = 20;

/// Rules whose documents share the input's words, scored in (0, [`LEXICAL_CEILING`]].
pub fn search(set: &CompiledSet, q: &[u32], norm: &Normalised, out: &mut Vec<Hit>) {
    let n = set.rules.len() as f64;
    if n == 0.0 {
        return;
    }
    let mut seen = rustc_hash::FxHashSet::default();
    let mut scores: FxHashMap<u32, f64> = FxHashMap::default();
    let mut matched: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    // Rules that share an informative word with the input: sharing only common words (`of`, `the`) is
    // no evidence at all.
    let mut informative = rustc_hash::FxHashSet::default();
    let mut query_weight = 0.0;
    for (i, &w) in q.iter().enumerate() {
        if w == u32::MAX || !seen.insert(w) {
            if w == u32::MAX {
                query_weight += (n + 1.0).ln();
            }
            continue;
        }
        let list = set.lexicon.get(w);
        let df = list.len() as f64;
        let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln() * f64::from(set.word_value[w as usize]);
        query_weight += idf;
        if df == 0.0 || df > (MAX_DOC_SHARE * n).max(MIN_DOC_LIMIT) {
            continue;
        }
        for p in list {
            let tf = f64::from(p.tf);
            let len = f64::from(set.doc_len[p.rule as usize]);
            let norm_tf = tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / f64::from(set.avg_doc_len)));
            *scores.entry(p.rule).or_default() += idf * norm_tf / (K1 + 1.0);
            matched.entry(p.rule).or_default().push(i);
            if set.word_value[w as usize] >= 1.0 {
                informative.insert(p.rule);
            }
        }
    }
    if query_weight == 0.0 {
        return;
    }
    let mut ranked: Vec<(u32, f64)> = scores.into_iter().filter(|(r, _)| informative.contains(r)).collect();
    ranked.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    for (rule, s) in ranked.into_iter().take(LEXICAL_TOP) {
        let words = &matched[&rule];
        let first = words.iter().copied().min().unwrap_or(0);
        let last = words.iter().copied().max().unwrap_or(0);
        out.push(Hit {
            rule,
            symptom: None,
            span: norm.words_span(first, last + 1),
            words: 0..0,
            verbatim: 0,
            contribution: LEXICAL_CEILING * (s / query_weight).min(1.0),
            basis: Basis::Lexical,
        });
    }
}
