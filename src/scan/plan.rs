//! What `scan` looks for in the raw bytes before it asks the engine: for each symptom, one to
//! [`MAX_SLOTS`] *slots*, each a set of literals one of which every match of the symptom contains. A
//! symptom is a candidate on a line when all its slots were seen within the window of lines; only then
//! does the engine confirm it.
//!
//! - A phrase (or a code name): its rarest words of five characters or more, each a slot of its own
//!   (a phrase is matched word by word, so its words are the only text a match must hold verbatim).
//! - A regex: one slot, the literals `engine::literal` extracted (every match holds one).
//! - A numeric code: one slot, the digits of every written form the engine reads (hex with or without
//!   `0x` and leading zeros, signed and unsigned decimal).
//!
//! Generic codes (0x80004005, codes below 0x100) are not looked for: they never make a finding alone.
//! A symptom with nothing of five bytes to look for (`ALT+F4`, a 3-digit decimal code, a regex without
//! a required literal) cannot be scanned for; a rule all of whose symptoms are like that is reported by
//! [`Plan::unscannable`].

use rustc_hash::FxHashMap;

use super::grams::{Grams, Literal, MIN_LEN};
use crate::engine::compiled::{CompiledSet, SymptomKind};
use crate::rule::Code;

/// Most slots per symptom: two rare words together make a benign line sharing one of them no candidate.
pub const MAX_SLOTS: usize = 2;

/// The compiled prefilter.
pub struct Plan {
    pub grams: Grams,
    /// Per literal: the (symptom, slot) pairs it fills.
    pub targets: Vec<Vec<(u32, u8)>>,
    /// Per symptom: how many slots it has (0: not looked for).
    pub slots: Vec<u8>,
    /// Per phrase symptom: its ASCII words of three letters or more, lower case. A candidate is confirmed
    /// only where all of them are present, which turns away the many lines that share a message's rare
    /// words but not the message, before the engine reads anything.
    pub words: Vec<Vec<Vec<u8>>>,
    /// Rules with no symptom that can be looked for, by index.
    pub unscannable: Vec<usize>,
}

impl Plan {
    /// The plan for a compiled set.
    pub fn new(set: &CompiledSet) -> Plan {
        let mut words: Vec<&str> = vec![""; set.vocab.len()];
        for (w, &id) in &set.vocab {
            words[id as usize] = w;
        }
        let mut builder = Builder::default();
        let mut slots = vec![0u8; set.symptoms.len()];
        let mut all_words = vec![Vec::new(); set.symptoms.len()];
        for (sym, entry) in set.symptoms.iter().enumerate() {
            if let SymptomKind::Words { segments, .. } = &entry.kind {
                let mut ws: Vec<Vec<u8>> = (segments.start..segments.end)
                    .flat_map(|s| set.segment_words(&set.segments[s as usize]).iter().copied())
                    .map(|id| words[id as usize])
                    .filter(|w| w.len() >= 3 && w.is_ascii())
                    .map(|w| w.as_bytes().to_vec())
                    .collect();
                ws.sort_unstable_by_key(|w| std::cmp::Reverse(w.len()));
                ws.dedup();
                all_words[sym] = ws;
            }
            let wanted: Vec<Vec<(Vec<u8>, bool)>> = match &entry.kind {
                SymptomKind::Words { segments, .. } => {
                    let mut ids: Vec<u32> = (segments.start..segments.end)
                        .flat_map(|s| set.segment_words(&set.segments[s as usize]).iter().copied())
                        .filter(|&id| {
                            let w = words[id as usize];
                            w.len() >= MIN_LEN && w.is_ascii()
                        })
                        .collect();
                    ids.sort_unstable();
                    ids.dedup();
                    // Rarest first (fewest places among the phrases), then longest.
                    ids.sort_by_key(|&id| {
                        (set.positions.get(id).len(), std::cmp::Reverse(words[id as usize].len()))
                    });
                    ids.iter()
                        .take(MAX_SLOTS)
                        .map(|&id| vec![(words[id as usize].as_bytes().to_vec(), true)])
                        .collect()
                }
                SymptomKind::Number(code) if code.is_generic() => Vec::new(),
                SymptomKind::Number(code) => {
                    let forms = number_forms(code);
                    if !forms.is_empty() && forms.iter().all(|f| f.len() >= MIN_LEN) {
                        vec![forms.into_iter().map(|f| (f, false)).collect()]
                    } else {
                        Vec::new()
                    }
                }
                SymptomKind::Regex(i) => match &set.regexes[*i as usize].literals {
                    Some(ls) if ls.iter().all(|l| l.len() >= MIN_LEN) => {
                        vec![ls.iter().map(|l| (l.as_bytes().to_vec(), false)).collect()]
                    }
                    _ => Vec::new(),
                },
            };
            slots[sym] = wanted.len() as u8;
            for (slot, alternatives) in wanted.into_iter().enumerate() {
                for (bytes, word) in alternatives {
                    builder.add(bytes, word, sym as u32, slot as u8);
                }
            }
        }
        let unscannable = set
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| (r.symptoms.start..r.symptoms.end).all(|s| slots[s as usize] == 0))
            .map(|(i, _)| i)
            .collect();
        let sample: Vec<&str> = set.segments.iter().map(|s| set.segment_text(s)).collect();
        let grams = Grams::new(builder.literals, &sample);
        Plan { grams, targets: builder.targets, slots, words: all_words, unscannable }
    }
}

#[derive(Default)]
struct Builder {
    literals: Vec<Literal>,
    targets: Vec<Vec<(u32, u8)>>,
    ids: FxHashMap<(Vec<u8>, bool), u32>,
}

impl Builder {
    fn add(&mut self, bytes: Vec<u8>, word: bool, symptom: u32, slot: u8) {
        let bytes = bytes.to_ascii_lowercase();
        let next = self.literals.len() as u32;
        let id = *self.ids.entry((bytes.clone(), word)).or_insert(next);
        if id == next {
            self.literals.push(Literal { bytes, word });
            self.targets.push(Vec::new());
        }
        let targets = &mut self.targets[id as usize];
        if !targets.contains(&(symptom, slot)) {
            targets.push((symptom, slot));
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
        let plan = Plan::new(&set);
        (set, plan)
    }

    fn literals(p: &Plan) -> Vec<String> {
        let mut v: Vec<String> =
            p.grams.literals().iter().map(|l| String::from_utf8_lossy(&l.bytes).into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn phrases_are_looked_for_by_their_rarest_long_words() {
        let (_, p) = plan("  - text: 'Internal error: failed to create MAPI.Session.'\n");
        assert_eq!(p.slots, vec![2]);
        assert_eq!(literals(&p), ["internal", "session"]);
        assert!(p.unscannable.is_empty());
    }

    #[test]
    fn codes_are_looked_for_in_every_written_form() {
        let (_, p) = plan("  - code: '0x8004011D'\n");
        assert_eq!(p.slots, vec![1]);
        assert_eq!(literals(&p), ["-2147221219", "2147746077", "8004011d"]);
        let (_, p) = plan("  - code: '0x52E'\n");
        assert_eq!(literals(&p), ["0052e", "0x52e", "x052e"]);
    }

    #[test]
    fn generic_codes_and_short_phrases_are_not_looked_for() {
        let (_, p) = plan("  - code: '0x80004005'\n  - text: 'ALT+F4'\n");
        assert_eq!(p.slots, vec![0, 0]);
        assert_eq!(p.unscannable, vec![0]);
    }
}
