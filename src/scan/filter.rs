//! The literal filter `scan` runs over the raw bytes: the squeezed-gram filter ([`super::squeeze`]) for
//! every literal with five word bytes or more, and the raw gram filter ([`super::grams`]) for the few
//! that have fewer (a regex literal such as `c:\a\b`), which squeezing would leave too short to be
//! selective. The second pass runs only when such literals exist.

use super::grams::{Grams, Literal};
use super::squeeze::{self, Counted, Scratch, Squeeze};

/// The filters over one list of literals; hits carry the index in that list.
pub struct Filter {
    literals: Vec<Literal>,
    squeeze: Option<Squeeze>,
    /// The raw gram filter and, for each of its literals, the index in `literals`.
    grams: Option<(Grams, Vec<u32>)>,
}

impl Filter {
    /// Filters for `literals`, tuned to `log` (the start of the input) and `sample` (the rules' text),
    /// whose grams `counted` holds counted ([`Counted::of`]).
    pub fn new(literals: Vec<Literal>, counted: Counted, sample: &[&str], log: &[u8]) -> Filter {
        let all: Vec<u32> = (0..literals.len() as u32).collect();
        let (squeezed, raw): (Vec<u32>, Vec<u32>) =
            all.iter().partition(|&&i| squeeze::suits(&literals[i as usize]));
        let grams = (!raw.is_empty()).then(|| {
            let own = raw.iter().map(|&i| literals[i as usize].clone()).collect();
            (Grams::new(own, sample, log), raw)
        });
        let squeeze = (!squeezed.is_empty()).then(|| Squeeze::new(&literals, &squeezed, counted));
        Filter { literals, squeeze, grams }
    }

    pub fn literals(&self) -> &[Literal] {
        &self.literals
    }

    /// Calls `found(start, end, literal)` for every occurrence of a literal in `hay` whose separators
    /// hold at most `max_breaks` line breaks (in no particular order).
    pub fn find(
        &self,
        hay: &[u8],
        max_breaks: usize,
        scratch: &mut Scratch,
        mut found: impl FnMut(usize, usize, u32),
    ) {
        if let Some(s) = &self.squeeze {
            s.find(hay, max_breaks, &self.literals, scratch, &mut found);
        }
        if let Some((g, ids)) = &self.grams {
            g.find(hay, max_breaks, |s, e, i| found(s, e, ids[i as usize]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::grams::mixed_text;

    fn hits(f: &Filter, hay: &str) -> Vec<(usize, usize, u32)> {
        let mut v = Vec::new();
        f.find(hay.as_bytes(), 0, &mut Scratch::default(), |s, e, id| v.push((s, e, id)));
        v.sort_unstable();
        v
    }

    /// The filter with every literal in the raw gram filter, tuned to `log`.
    fn all_raw(literals: &[Literal], log: &[u8]) -> Filter {
        let ids = (0..literals.len() as u32).collect();
        Filter {
            squeeze: None,
            grams: Some((Grams::new(literals.to_vec(), &[], log), ids)),
            literals: literals.to_vec(),
        }
    }

    #[test]
    fn the_squeezed_and_the_raw_filter_find_exactly_the_same_occurrences_in_a_mixed_text() {
        let long = "w".repeat(70);
        let longer = format!("{long} is the word {long}");
        let texts = [
            "failed to create mapi session",
            "logon",
            "device is busy",
            "the connection refused now",
            "status_object_name_not_found here",
            "status_object_name_collision here",
            "error error error state",
            longer.as_str(),
        ];
        let mut literals: Vec<Literal> = texts.iter().map(|t| Literal::words(t)).collect();
        literals.push(Literal::plain("8004011d"));
        // Every literal's words, shuffled with near misses, in many separators, cases and alignments.
        let pieces = [
            "STATUS_OBJECT_NAME_NOT_FOUND",
            "status_object_name_collision",
            "here",
            "error",
            "state",
            long.as_str(),
            "word",
            "Failed",
            "to",
            "create",
            "MAPI",
            "Session",
            "logon",
            "LOGONS",
            "device",
            "is",
            "busy",
            "the",
            "connection",
            "refused",
            "now",
            "0x8004011D",
            "MAPILogon",
            "sessions",
            "x",
        ];
        let seps = [" ", "  ", ".", ", ", "\r\n", "\n  ", "\"", "_", "é"];
        let mut hay = mixed_text(&pieces, &seps, 20_000);
        for phrase in texts {
            hay.push_str(phrase);
            hay.push_str("; ");
        }
        // Tuned to the text itself (so the rarest pair, not the first, keys each phrase) and untuned.
        for (log, max_breaks) in [(hay.as_bytes(), 0), (hay.as_bytes(), 1), (&[][..], 3)] {
            let mut a = Vec::new();
            let mut scratch = Scratch::default();
            Filter::new(literals.clone(), Counted::of(&[], log), &[], log).find(
                hay.as_bytes(),
                max_breaks,
                &mut scratch,
                |s, e, id| a.push((s, e, id)),
            );
            let mut b = Vec::new();
            all_raw(&literals, log)
                .find(hay.as_bytes(), max_breaks, &mut scratch, |s, e, id| b.push((s, e, id)));
            a.sort_unstable();
            b.sort_unstable();
            assert!(a.len() > 100, "the text holds many occurrences ({})", a.len());
            assert_eq!(a, b, "up to {max_breaks} line breaks");
        }
    }

    #[test]
    fn a_literal_with_few_word_bytes_is_looked_for_in_the_raw_bytes() {
        let literals = vec![
            Literal::words("the device is busy now"),
            Literal::plain("c:\\a\\b"),
            Literal::plain("8004011d"),
        ];
        let f = Filter::new(literals, Counted::of(&[], &[]), &[], &[]);
        assert!(f.squeeze.is_some());
        assert_eq!(f.grams.as_ref().map(|(_, ids)| ids.clone()), Some(vec![1]));
        let hay = "x: The device is busy now, at C:\\A\\B hr=0x8004011D";
        assert_eq!(hits(&f, hay), [(3, 25, 0), (30, 36, 1), (42, 50, 2)]);
    }
}
