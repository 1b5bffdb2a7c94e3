//! One pass over raw log bytes that finds every occurrence of thousands of literals, ignoring ASCII case,
//! at about one gigabyte a second per core.
//!
//! Automata do not reach that speed with ten thousand literals (a DFA's table outgrows the caches, and a
//! log shares enough words with the messages to keep it out of its start state), so this is a filter of
//! the Rabin–Karp family: each literal (five bytes or more) is represented by two of its 4-byte grams at
//! consecutive offsets, chosen to be rare; the scan hashes the gram at every second position into a bitmap
//! (a set bit is a possible literal there), so one of the two grams of every occurrence is looked at.
//! Positions whose bit is set are checked against the literals that own that gram, byte for byte.
//! Case is folded by setting bit 5 of every byte, which merges a few punctuation pairs as well; that only
//! makes the bitmap look at a few more positions, since the final check compares exactly.

use rustc_hash::FxHashMap;

/// Fewest bytes a literal may have: two grams of four at consecutive offsets.
pub const MIN_LEN: usize = 5;

/// The bitmap has 2^BITS bits (256 KiB), so that it stays in a core's L2 cache beside the read buffer.
const BITS: u32 = 21;
const FOLD: u32 = 0x2020_2020;

/// A literal to find.
#[derive(Debug, Clone)]
pub struct Literal {
    /// Lower-case ASCII (any other bytes compare exactly).
    pub bytes: Vec<u8>,
    /// Only where it stands as a whole word: no ASCII letter, digit or `_` right before or after it.
    pub word: bool,
}

/// The compiled filter.
pub struct Grams {
    bitmap: Vec<u64>,
    /// Folded gram → (literal, offset of the gram in it).
    owners: FxHashMap<u32, Vec<(u32, u8)>>,
    literals: Vec<Literal>,
}

fn gram_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) | FOLD
}

fn slot(folded: u32) -> u32 {
    folded.wrapping_mul(0x9E37_79B1) >> (32 - BITS)
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Grams {
    /// A filter for `literals` (each at least [`MIN_LEN`] bytes; shorter ones are never found).
    /// `sample` is text like what the literals come from (the rules' messages): grams frequent in it
    /// are avoided, since they are frequent in logs too.
    pub fn new(literals: Vec<Literal>, sample: &[&str]) -> Grams {
        let mut frequency: FxHashMap<u32, u32> = FxHashMap::default();
        let mut count = |bytes: &[u8]| {
            for at in 0..bytes.len().saturating_sub(3) {
                *frequency.entry(gram_at(bytes, at)).or_default() += 1;
            }
        };
        for text in sample {
            count(text.as_bytes());
        }
        for l in &literals {
            count(&l.bytes);
        }
        let mut bitmap = vec![0u64; 1 << (BITS - 6)];
        let mut owners: FxHashMap<u32, Vec<(u32, u8)>> = FxHashMap::default();
        for (id, l) in literals.iter().enumerate() {
            if l.bytes.len() < MIN_LEN {
                continue;
            }
            // The pair of consecutive grams least frequent together; offsets past 255 are not needed.
            let last = (l.bytes.len() - MIN_LEN).min(254);
            let cost = |at: usize| {
                frequency.get(&gram_at(&l.bytes, at)).copied().unwrap_or(0)
                    + frequency.get(&gram_at(&l.bytes, at + 1)).copied().unwrap_or(0)
            };
            let best = (0..=last).min_by_key(|&at| cost(at)).unwrap_or(0);
            for at in [best, best + 1] {
                let g = gram_at(&l.bytes, at);
                let s = slot(g);
                bitmap[(s >> 6) as usize] |= 1 << (s & 63);
                owners.entry(g).or_default().push((id as u32, at as u8));
            }
        }
        Grams { bitmap, owners, literals }
    }

    /// The literals.
    pub fn literals(&self) -> &[Literal] {
        &self.literals
    }

    /// Calls `found(start, literal)` for every occurrence of a literal in `hay`, in order of the position
    /// looked at (which is within four bytes of `start`, so nearly in order of `start`).
    pub fn find(&self, hay: &[u8], mut found: impl FnMut(usize, u32)) {
        let n = hay.len();
        if n < MIN_LEN {
            return;
        }
        let mut at = 0;
        // Two positions (at, at + 2) per 8-byte load.
        while at + 8 <= n {
            let w = u64::from_le_bytes(hay[at..at + 8].try_into().expect("8 bytes"));
            let (g0, g2) = (w as u32 | FOLD, (w >> 16) as u32 | FOLD);
            if self.marked(g0) {
                self.check(hay, at, g0, &mut found);
            }
            if self.marked(g2) {
                self.check(hay, at + 2, g2, &mut found);
            }
            at += 4;
        }
        while at + 4 <= n {
            let g = gram_at(hay, at);
            if self.marked(g) {
                self.check(hay, at, g, &mut found);
            }
            at += 2;
        }
    }

    #[inline(always)]
    fn marked(&self, folded: u32) -> bool {
        let s = slot(folded);
        self.bitmap[(s >> 6) as usize] & (1 << (s & 63)) != 0
    }

    #[cold]
    fn check(&self, hay: &[u8], at: usize, folded: u32, found: &mut impl FnMut(usize, u32)) {
        let Some(owners) = self.owners.get(&folded) else { return };
        for &(id, offset) in owners {
            let Some(start) = at.checked_sub(usize::from(offset)) else { continue };
            let lit = &self.literals[id as usize];
            let end = start + lit.bytes.len();
            if end > hay.len() || !hay[start..end].eq_ignore_ascii_case(&lit.bytes) {
                continue;
            }
            if lit.word
                && ((start > 0 && is_word_byte(hay[start - 1]))
                    || (end < hay.len() && is_word_byte(hay[end])))
            {
                continue;
            }
            found(start, id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grams(words: &[(&str, bool)]) -> Grams {
        Grams::new(
            words.iter().map(|(w, word)| Literal { bytes: w.as_bytes().to_vec(), word: *word }).collect(),
            &[],
        )
    }

    fn starts(g: &Grams, hay: &str) -> Vec<(usize, u32)> {
        let mut v = Vec::new();
        g.find(hay.as_bytes(), |s, id| v.push((s, id)));
        v.sort_unstable();
        v
    }

    #[test]
    fn finds_every_occurrence_at_any_alignment_and_case() {
        let g = grams(&[("session", true), ("8004011d", false)]);
        for pad in 0..9 {
            let hay = format!("{}MAPI.Session failed hr=0x8004011D, Session", " ".repeat(pad));
            let found = starts(&g, &hay);
            assert_eq!(found, vec![(pad + 5, 0), (pad + 25, 1), (pad + 35, 0)], "padding {pad}");
        }
    }

    #[test]
    fn word_literals_need_word_boundaries() {
        let g = grams(&[("logon", true), ("logon", false)]);
        assert_eq!(starts(&g, "MAPILogonEx"), vec![(4, 1)]);
        assert_eq!(starts(&g, "MAPI logon."), vec![(5, 0), (5, 1)]);
    }

    #[test]
    fn short_input_and_literals_at_the_edges() {
        let g = grams(&[("abcde", true)]);
        assert!(starts(&g, "abcd").is_empty());
        assert_eq!(starts(&g, "abcde"), vec![(0, 0)]);
        assert_eq!(starts(&g, "xx abcde"), vec![(3, 0)]);
        assert_eq!(starts(&g, "xxx abcde"), vec![(4, 0)]);
    }

    #[test]
    fn folded_punctuation_is_not_a_match() {
        // '[' folds onto '{' in the bitmap, but the final check is exact.
        let g = grams(&[("a{b}cd", false)]);
        assert!(starts(&g, "A[B]CD").is_empty());
        assert_eq!(starts(&g, "A{B}CD"), vec![(0, 0)]);
    }
}
