//! What `scan` looks for in the raw bytes before it asks the engine: for each symptom, a set of literals
//! one of which every match of the symptom contains. Where one is found the symptom is a candidate, and
//! the engine confirms it on the window of lines that ends there.
//!
//! - A phrase (or a code name): a run of its words, as a word literal. The engine matches a phrase word
//!   for word with anything but letters and digits between them, so every match holds each of its parts
//!   (between placeholders) that way, line breaks included. The run is the part's longest stretch of
//!   ASCII words, of the part whose run has the longest word (a literal needs five bytes in one word, so
//!   that either filter can take it), then the most letters (the longer the run, the rarer its grams).
//! - A regex: the literals `engine::literal` extracted (every match holds one).
//! - A numeric code: the digits of every written form the engine reads (hex with or without `0x` and
//!   leading zeros, signed and unsigned decimal).
//!
//! Generic codes (0x80004005, codes below 0x100) are not looked for: they never make a finding alone.
//! A symptom with nothing of five bytes to look for (`ALT+F4`, a 3-digit decimal code, a regex without
//! a required literal) cannot be scanned for; a rule all of whose symptoms are like that is reported by
//! [`Plan::unscannable`].

use std::collections::hash_map::Entry;
use std::hash::BuildHasher;
use std::ops::Range;

use rustc_hash::{FxBuildHasher, FxHashMap};

use super::filter::Filter;
use super::grams::{Literal, MIN_LEN};
use super::squeeze::Counted;
use crate::engine::compiled::{CompiledSet, SymptomKind};
use crate::rule::Code;

/// The widest word the choice of a run cares about: seven bytes let the filter take its widest stride.
const ENOUGH: usize = 7;

/// The compiled prefilter.
pub struct Plan {
    pub filter: Filter,
    /// Per literal: the symptoms it stands for.
    pub targets: Vec<Vec<u32>>,
    /// Per symptom: whether its match may go on past the end of its literal (more of the phrase after
    /// the run), so that windows ending on the lines after it must be confirmed too.
    pub spread: Vec<bool>,
    /// Rules with no symptom that can be looked for, by index.
    pub unscannable: Vec<usize>,
}

impl Plan {
    /// The plan for a compiled set, its filter tuned to `log`, text like what is about to be scanned
    /// (may be empty; see [`super::job::sample`]). The grams of the rules' text and of `log` are
    /// counted on a second thread while the literals are extracted.
    pub fn new(set: &CompiledSet, log: &[u8]) -> Plan {
        let sample: Vec<&str> = set.segments.iter().map(|s| set.segment_text(s)).collect();
        let (counted, (builder, spread, scannable)) = std::thread::scope(|scope| {
            let counting = scope.spawn(|| Counted::of(&sample, log));
            let extracted = extract(set);
            (counting.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), extracted)
        });
        let unscannable = set
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| (r.symptoms.start..r.symptoms.end).all(|s| !scannable[s as usize]))
            .map(|(i, _)| i)
            .collect();
        let filter = Filter::new(builder.literals, counted, &sample, log);
        Plan { filter, targets: builder.targets, spread, unscannable }
    }
}

/// The literals of every symptom, and per symptom whether its match may go on past its literal (see
/// [`Plan::spread`]) and whether it has any literal.
fn extract(set: &CompiledSet) -> (Builder, Vec<bool>, Vec<bool>) {
    let mut words: Vec<&str> = vec![""; set.vocab.len()];
    for (w, &id) in &set.vocab {
        words[id as usize] = w;
    }
    let mut builder = Builder::default();
    let mut spread = vec![false; set.symptoms.len()];
    let mut scannable = vec![false; set.symptoms.len()];
    for (sym, entry) in set.symptoms.iter().enumerate() {
        let wanted: Vec<Literal> = match &entry.kind {
            SymptomKind::Words { segments, .. } => {
                let parts: Vec<&[u32]> = (segments.start..segments.end)
                    .map(|s| set.segment_words(&set.segments[s as usize]))
                    .collect();
                match best_run(&parts, &words) {
                    Some((part, run)) => {
                        spread[sym] = part + 1 < parts.len() || run.end < parts[part].len();
                        let parts = parts[part][run].iter().map(|&w| words[w as usize].as_bytes().to_vec());
                        vec![Literal { parts: parts.collect(), word: true }]
                    }
                    None => Vec::new(),
                }
            }
            SymptomKind::Number(code) if code.is_generic() => Vec::new(),
            SymptomKind::Number(code) => {
                let forms = number_forms(code);
                if !forms.is_empty() && forms.iter().all(|f| f.len() >= MIN_LEN) {
                    forms.into_iter().map(Literal::plain).collect()
                } else {
                    Vec::new()
                }
            }
            SymptomKind::Regex(i) => match &set.regexes[*i as usize].literals {
                Some(ls) if ls.iter().all(|l| l.len() >= MIN_LEN) => {
                    ls.iter().map(|l| Literal::plain(l.as_bytes())).collect()
                }
                _ => Vec::new(),
            },
        };
        scannable[sym] = !wanted.is_empty();
        for literal in wanted {
            builder.add(literal, sym as u32);
        }
    }
    (builder, spread, scannable)
}

/// The run of consecutive ASCII words to look for a phrase by: (part, word range), the parts being ids
/// into `words`. Prefers a run with a word of [`ENOUGH`] bytes, then the one with the most letters;
/// `None` when no run has a word of [`MIN_LEN`] bytes.
fn best_run(parts: &[&[u32]], words: &[&str]) -> Option<(usize, Range<usize>)> {
    // (capped longest word, letters) of the best run so far, and the run.
    let mut best_key = (0, 0);
    let mut best = None;
    for (p, ids) in parts.iter().enumerate() {
        // The length of the i-th word, `None` when it is not ASCII.
        let len = |i: usize| Some(words[ids[i] as usize]).filter(|w| w.is_ascii()).map(str::len);
        let mut start = 0;
        while start < ids.len() {
            let end = (start..ids.len()).find(|&i| len(i).is_none()).unwrap_or(ids.len());
            let longest = (start..end).filter_map(len).max().unwrap_or(0);
            let key = (longest.min(ENOUGH), (start..end).filter_map(len).sum());
            if longest >= MIN_LEN && (best.is_none() || key > best_key) {
                (best_key, best) = (key, Some((p, start..end)));
            }
            start = end + 1;
        }
    }
    best
}

#[derive(Default)]
struct Builder {
    literals: Vec<Literal>,
    targets: Vec<Vec<u32>>,
    /// A literal's hash, and the first literal with that hash: a literal equal to it is the same one
    /// (another with the same hash is simply kept apart, at no cost but a second look-up).
    ids: FxHashMap<u64, u32>,
}

impl Builder {
    fn add(&mut self, mut literal: Literal, symptom: u32) {
        literal.parts.iter_mut().for_each(|p| p.make_ascii_lowercase());
        let next = self.literals.len() as u32;
        let id = match self.ids.entry(FxBuildHasher.hash_one(&literal)) {
            Entry::Occupied(e) if self.literals[*e.get() as usize] == literal => *e.get(),
            Entry::Occupied(_) => next,
            Entry::Vacant(e) => *e.insert(next),
        };
        if id == next {
            self.literals.push(literal);
            self.targets.push(Vec::new());
        }
        let targets = &mut self.targets[id as usize];
        if !targets.contains(&symptom) {
            targets.push(symptom);
        }
    }
}
/// Lower-case literals one of which every mention of `code` that the engine accepts contains (see
/// `rule::code::mentions`): the hex digits without leading zeros (with `0x` or zeros before them when
/// there are fewer than five), and the decimal forms.
fn number_forms(code: &Code) -> Vec<Vec<u8>> {
    let Some(value) = code.value() else { return Vec::new() };
    let mut forms: Vec<String> = Vec::new();
    if code.accepts(crate::rule::code::Form::Hex, value) {
        // `0x` and the digits, or some zeros before them: five bytes that every such mention holds.
        let hex = format!("{value:x}");
        match hex.len() {
            0..=2 => forms.push(hex),
            3 => forms.extend([format!("0x{hex}"), format!("x0{hex}"), format!("00{hex}")]),
            4 => forms.extend([format!("x{hex}"), format!("0{hex}")]),
            _ => forms.push(hex),
        }
    }
    if code.accepts(crate::rule::code::Form::Decimal, value) {
        forms.push(value.to_string());
        let signed = value as i32;
        if signed < 0 {
            forms.push(signed.to_string());
        }
    }
    forms.into_iter().map(String::into_bytes).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::compile::test_rule;

    fn plan(symptoms: &str) -> (CompiledSet, Plan) {
        let rule = test_rule(&format!(
            "id: r\ntitle: t\nkb: Q1\nseverity: low\nstatus: stable\nsymptoms:\n{symptoms}"
        ));
        let set = CompiledSet::build(&[rule]);
        let plan = Plan::new(&set, &[]);
        (set, plan)
    }

    fn literals(p: &Plan) -> Vec<String> {
        let mut v: Vec<String> = p
            .filter
            .literals()
            .iter()
            .map(|l| l.parts.iter().map(|w| String::from_utf8_lossy(w)).collect::<Vec<_>>().join(" "))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn phrases_are_looked_for_by_a_run_of_their_words() {
        let (_, p) = plan("  - text: 'Internal error: failed to create MAPI.Session.'\n");
        assert_eq!(literals(&p), ["internal error failed to create mapi session"]);
        assert_eq!(p.spread, [false]);
        assert!(p.unscannable.is_empty());
    }

    #[test]
    fn a_placeholder_or_a_foreign_word_ends_the_run_and_the_longest_word_picks_it() {
        let (_, p) = plan("  - text: 'Server <name> refused the connection from <client> unexpectedly'\n");
        assert_eq!(literals(&p), ["refused the connection from"]);
        assert_eq!(p.spread, [true], "the end of the phrase may be on the next line");
        let (_, p) = plan("  - text: 'Zugriff verweigert für Benutzer Administrator'\n");
        assert_eq!(literals(&p), ["benutzer administrator"]);
        assert_eq!(p.spread, [false]);
    }

    #[test]
    fn codes_are_looked_for_in_every_written_form() {
        let (_, p) = plan("  - code: '0x8004011D'\n");
        assert_eq!(literals(&p), ["-2147221219", "2147746077", "8004011d"]);
        let (_, p) = plan("  - code: '0x52E'\n");
        assert_eq!(literals(&p), ["0052e", "0x52e", "x052e"]);
    }

    #[test]
    fn symptoms_with_the_same_literal_share_it() {
        let (_, p) = plan(
            "  - text: 'Failed to create MAPI.Session'\n  - text: 'failed to create mapi session'\n  \
             - text: 'failed to create MAPI'\n",
        );
        assert_eq!(literals(&p), ["failed to create mapi", "failed to create mapi session"]);
        let shared = p.filter.literals().iter().position(|l| l.parts.len() == 5).expect("the phrase");
        assert_eq!(p.targets[shared], [0, 1]);
    }

    #[test]
    fn generic_codes_and_short_phrases_are_not_looked_for() {
        let (_, p) = plan("  - code: '0x80004005'\n  - text: 'ALT+F4'\n");
        assert!(literals(&p).is_empty());
        assert_eq!(p.unscannable, vec![0]);
    }
}
