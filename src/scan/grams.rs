//! The raw gram filter: the literals the squeezed filter ([`super::squeeze`]) cannot take, those with
//! fewer than five word bytes (a regex literal such as `c:\a\b`), found in the raw bytes ignoring ASCII
//! case; and what both filters share (the literal type, word edges, calibration counts).
//!
//! A filter of the Rabin–Karp family: each literal is represented by [`Grams::stride`] of its 4-byte
//! grams at consecutive offsets, chosen to be rare; the scan hashes the gram at every stride-th position
//! into a bitmap (a set bit is a possible literal there), so exactly one gram of every occurrence is
//! looked at. Positions whose bit is set are checked against the literals that own that gram, byte for
//! byte. Case is folded by setting bit 5 of every byte, which merges a few punctuation pairs as well;
//! that only makes the bitmap look at a few more positions, since the final check compares exactly.
//!
//! A *word* literal is a run of words, found wherever they stand as whole words one after another with
//! anything but letters, digits and `_` between them (spaces, punctuation, quotes, line breaks), which is
//! how the engine reads a phrase. Its grams lie inside one of its words, the *anchor*; the other words are
//! compared around it.

use rustc_hash::FxHashMap;

use super::table::{Owned, Table};

/// Fewest bytes the longest part of a literal may have: the grams of the smallest stride, 2.
pub const MIN_LEN: usize = 5;

/// The widest stride: grams at every fourth position, for literals with a part of 7 bytes or more.
const MAX_STRIDE: usize = 4;

/// The bitmap has 2^BITS bits (256 KiB), so that it stays in a core's L2 cache beside the read buffer.
const BITS: u32 = 21;
const FOLD: u32 = 0x2020_2020;
const FOLD8: u64 = 0x2020_2020_2020_2020;

/// A literal to find.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Literal {
    /// Lower-case ASCII (any other bytes compare exactly): the words of a word literal (each starting
    /// and ending with a word byte, as the engine's words do), else one part.
    pub parts: Vec<Vec<u8>>,
    /// Only as whole words: no ASCII letter, digit or `_` right before or after each part, and between
    /// parts at least one byte that is none of those.
    pub word: bool,
}

impl Literal {
    /// A literal compared as bytes, without regard to words.
    pub fn plain(bytes: impl Into<Vec<u8>>) -> Literal {
        Literal { parts: vec![bytes.into()], word: false }
    }

    /// The word literal of the words of `text`, split at spaces.
    #[cfg(test)]
    pub fn words(text: &str) -> Literal {
        Literal { parts: text.split(' ').map(|w| w.as_bytes().to_vec()).collect(), word: true }
    }
}

/// `n` of `pieces`, each followed by one of `seps`, in a seeded random order: a text that holds the
/// literals made of the pieces, and their near misses, at every alignment.
#[cfg(test)]
pub(super) fn mixed_text(pieces: &[&str], seps: &[&str], n: usize) -> String {
    let mut text = String::new();
    let mut state = 7u64;
    for _ in 0..n {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        text.push_str(pieces[(state >> 33) as usize % pieces.len()]);
        text.push_str(seps[(state >> 17) as usize % seps.len()]);
    }
    text
}

/// Where a gram sits in a literal, with what a quick first comparison needs, so that the many places
/// where only the gram or only its word is found are turned away without reading the literal.
#[derive(Debug, Clone, Copy)]
struct Owner {
    gram: u32,
    literal: u32,
    part: u16,
    offset: u16,
    /// The part's length, and whether it must stand as a word.
    len: u32,
    word: bool,
    /// The part's first (up to) eight bytes, folded like the grams, and the mask of those bytes.
    head: u64,
    mask: u64,
    /// The same of the next part's first bytes and of the previous part's last bytes (mask 0: none).
    next: (u64, u64),
    prev: (u64, u64),
}

impl Owner {
    fn new(gram: u32, l: &Literal, literal: u32, part: usize, offset: usize) -> Owner {
        let (head, mask) = head_at(&l.parts[part], 0);
        let next = l.parts.get(part + 1).map_or((0, 0), |p| head_at(p, 0));
        let prev = match part.checked_sub(1).map(|p| &l.parts[p]) {
            Some(p) => head_at(p, p.len().saturating_sub(8)),
            None => (0, 0),
        };
        Owner {
            gram,
            literal,
            part: part as u16,
            offset: offset as u16,
            len: l.parts[part].len() as u32,
            word: l.word,
            head,
            mask,
            next,
            prev,
        }
    }

    /// Whether the part can stand at `start..end` of `hay` by its first bytes, its edges and its
    /// neighbours' first bytes (a necessary condition, not a sufficient one).
    #[inline]
    fn may_match(&self, hay: &[u8], start: usize, end: usize) -> bool {
        if end > hay.len() || head_at(hay, start).0 & self.mask != self.head {
            return false;
        }
        if !self.word {
            return true;
        }
        if (start > 0 && is_word_byte(hay[start - 1])) || (end < hay.len() && is_word_byte(hay[end])) {
            return false;
        }
        if self.next.1 != 0 {
            let Some(i) = hay[end..].iter().position(|&b| is_word_byte(b)) else { return false };
            if head_at(hay, end + i).0 & self.next.1 != self.next.0 {
                return false;
            }
        }
        if self.prev.1 != 0 {
            let Some(i) = hay[..start].iter().rposition(|&b| is_word_byte(b)) else { return false };
            let n = (self.prev.1.count_ones() / 8) as usize;
            if i + 1 < n || head_at(hay, i + 1 - n).0 & self.prev.1 != self.prev.0 {
                return false;
            }
        }
        true
    }
}

impl Owned for Owner {
    fn gram(&self) -> u64 {
        u64::from(self.gram)
    }
}

/// Up to eight bytes from `at` as a little-endian word folded like the grams, with the mask of the bytes
/// there (fewer at the end of `bytes`).
#[inline(always)]
fn head_at(bytes: &[u8], at: usize) -> (u64, u64) {
    if let Some(eight) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(eight.try_into().expect("8 bytes"));
        return (word | FOLD8, u64::MAX);
    }
    let n = bytes.len().saturating_sub(at).min(8);
    let mut word = [0u8; 8];
    word[..n].copy_from_slice(&bytes[at..at + n]);
    let mask = if n == 8 { u64::MAX } else { (1u64 << (8 * n)) - 1 };
    ((u64::from_le_bytes(word) | FOLD8) & mask, mask)
}

/// The compiled filter.
pub struct Grams {
    bitmap: Vec<u64>,
    table: Table<Owner>,
    literals: Vec<Literal>,
    stride: usize,
}

/// Approximate counts for choosing what to look for, in both filters: a slot per hash of a gram (each
/// filter hashes its own grams, to fewer than 2^20 slots). A slot holds, in 4 bytes so that weighing a
/// gram costs one cache miss and the table stays small, how often its grams occur in the rules' text and
/// in the log sample, and how many literals have taken one of them. The log's count saturates at 65,535,
/// which a 1 MiB sample reaches only for a gram on nearly every line; the others at 255.
pub(super) struct Counts(Vec<Slot>);

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    rules: u8,
    taken: u8,
    log: u16,
}

/// Which count of a slot to raise.
#[derive(Debug, Clone, Copy)]
pub(super) enum Count {
    /// An occurrence in the rules' text.
    Rules,
    /// An occurrence in the log sample.
    Log,
    /// A literal is looked for by the gram.
    Taken,
}

/// How much more one occurrence in the log sample weighs than one in the rules.
pub(super) const LOG_WEIGHT: u64 = 64;

impl Counts {
    /// Counts of `slots` slots, all zero.
    pub(super) fn new(slots: usize) -> Counts {
        let mut slots = vec![Slot::default(); slots];
        // Fresh zeroed memory is mapped a page at a time as it is first written, and the counts are
        // written in no order: touch the pages in order first, which costs the system far less.
        for page in slots.chunks_mut(4096 / size_of::<Slot>()) {
            // Through black_box, which hides that the slot already holds zeros, so the store is kept.
            *std::hint::black_box(&mut page[0]) = Slot::default();
        }
        Counts(slots)
    }

    /// The counts with every `1 << by` neighbouring slots added into one: as if counted into a table of
    /// that many times fewer slots, whose slot is a gram's slot here shifted right by `by`.
    pub(super) fn folded(&self, by: u32) -> Counts {
        let add = |a: Slot, b: &Slot| Slot {
            rules: a.rules.saturating_add(b.rules),
            taken: a.taken.saturating_add(b.taken),
            log: a.log.saturating_add(b.log),
        };
        Counts(self.0.chunks(1 << by).map(|group| group.iter().fold(Slot::default(), add)).collect())
    }

    #[inline]
    pub(super) fn bump(&mut self, slot: usize, count: Count) {
        let s = &mut self.0[slot];
        match count {
            Count::Rules => s.rules = s.rules.saturating_add(1),
            Count::Log => s.log = s.log.saturating_add(1),
            Count::Taken => s.taken = s.taken.saturating_add(1),
        }
    }

    /// How often the grams of `slot` occur in the log sample.
    #[inline]
    pub(super) fn log(&self, slot: usize) -> u64 {
        u64::from(self.0[slot].log)
    }

    /// What looking for a literal by a gram in `slot` costs: how often the gram is met (in the log sample
    /// above all, then in the rules' text), times how many literals already share it.
    #[inline]
    pub(super) fn cost(&self, slot: usize) -> u64 {
        let Slot { rules, taken, log } = self.0[slot];
        (u64::from(rules) + LOG_WEIGHT * u64::from(log) + 1) * (1 + u64::from(taken))
    }
}

fn gram_slot(folded: u32) -> usize {
    (folded.wrapping_mul(0x85EB_CA6B) >> 12) as usize
}

fn count_grams(counts: &mut Counts, bytes: &[u8], count: Count) {
    for at in 0..bytes.len().saturating_sub(3) {
        counts.bump(gram_slot(gram_at(bytes, at)), count);
    }
}

fn gram_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) | FOLD
}

fn slot(folded: u32) -> u32 {
    folded.wrapping_mul(0x9E37_79B1) >> (32 - BITS)
}

pub(super) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn longest_part(l: &Literal) -> usize {
    l.parts.iter().map(Vec::len).max().unwrap_or(0)
}

impl Grams {
    /// A filter for `literals` (those whose longest part is shorter than [`MIN_LEN`] are never found).
    /// Grams frequent in `log` (the start of what is about to be scanned; may be empty) are avoided
    /// first, then those frequent in `sample`, text like what the literals come from (the rules'
    /// messages), since they are frequent in logs too.
    pub fn new(literals: Vec<Literal>, sample: &[&str], log: &[u8]) -> Grams {
        let mut counts = Counts::new(1 << 20);
        for text in sample {
            count_grams(&mut counts, text.as_bytes(), Count::Rules);
        }
        for l in &literals {
            l.parts.iter().for_each(|p| count_grams(&mut counts, p, Count::Rules));
        }
        // The widest stride every literal's longest part allows: a part of n bytes holds n − 3 grams.
        let stride = literals
            .iter()
            .map(longest_part)
            .filter(|&n| n >= MIN_LEN)
            .map(|n| (n - 3).min(MAX_STRIDE))
            .min()
            .unwrap_or(MAX_STRIDE);
        count_grams(&mut counts, log, Count::Log);
        let (bitmap, table) = Grams::choose(&literals, stride, &mut counts);
        Grams { bitmap, table, literals, stride }
    }

    /// Picks each literal's grams: the run of `stride` consecutive grams, in any of its parts, least
    /// frequent in the log sample, then in the rules, and least shared with the literals before it.
    fn choose(literals: &[Literal], stride: usize, counts: &mut Counts) -> (Vec<u64>, Table<Owner>) {
        let mut bitmap = vec![0u64; 1 << (BITS - 6)];
        let mut owners: FxHashMap<u32, Vec<Owner>> = FxHashMap::default();
        for (id, l) in literals.iter().enumerate() {
            let runs = l.parts.iter().enumerate().flat_map(|(p, bytes)| {
                let last = bytes.len().saturating_sub(3 + stride).min(usize::from(u16::MAX));
                (0..=last).filter(move |_| bytes.len() >= 3 + stride).map(move |at| (p, at))
            });
            let cost = |&(p, at): &(usize, usize)| -> u64 {
                (at..at + stride).map(|a| counts.cost(gram_slot(gram_at(&l.parts[p], a)))).sum()
            };
            let Some((part, best)) = runs.min_by_key(cost) else { continue };
            for at in best..best + stride {
                let g = gram_at(&l.parts[part], at);
                counts.bump(gram_slot(g), Count::Taken);
                let s = slot(g);
                bitmap[(s >> 6) as usize] |= 1 << (s & 63);
                owners.entry(g).or_default().push(Owner::new(g, l, id as u32, part, at));
            }
        }
        (bitmap, Table::new(owners.into_values().flatten().collect()))
    }

    /// Every how many bytes a gram is looked at: 4 when every literal has a part of seven bytes or more,
    /// down to 2 when one has only five.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Calls `found(start, end, literal)` for every occurrence of a literal in `hay` whose separators
    /// hold at most `max_breaks` line breaks, in order of the position looked at (inside the occurrence).
    pub fn find(&self, hay: &[u8], max_breaks: usize, mut found: impl FnMut(usize, usize, u32)) {
        match self.stride {
            4 => self.find_by::<4>(hay, max_breaks, &mut found),
            3 => self.find_by::<3>(hay, max_breaks, &mut found),
            _ => self.find_by::<2>(hay, max_breaks, &mut found),
        }
    }

    fn find_by<const S: usize>(
        &self,
        hay: &[u8],
        max_breaks: usize,
        found: &mut impl FnMut(usize, usize, u32),
    ) {
        let n = hay.len();
        let mut at = 0;
        // Two positions (at, at + S) per 8-byte load.
        while at + 8 <= n {
            let w = u64::from_le_bytes(hay[at..at + 8].try_into().expect("8 bytes"));
            let (g0, g1) = (w as u32 | FOLD, (w >> (8 * S)) as u32 | FOLD);
            if self.marked(g0) {
                self.check(hay, at, g0, max_breaks, found);
            }
            if self.marked(g1) {
                self.check(hay, at + S, g1, max_breaks, found);
            }
            at += 2 * S;
        }
        while at + 4 <= n {
            let g = gram_at(hay, at);
            if self.marked(g) {
                self.check(hay, at, g, max_breaks, found);
            }
            at += S;
        }
    }

    #[inline(always)]
    fn marked(&self, folded: u32) -> bool {
        let s = slot(folded);
        self.bitmap[(s >> 6) as usize] & (1 << (s & 63)) != 0
    }

    #[cold]
    fn check(
        &self,
        hay: &[u8],
        at: usize,
        folded: u32,
        max_breaks: usize,
        found: &mut impl FnMut(usize, usize, u32),
    ) {
        for o in self.table.get(u64::from(folded)) {
            let Some(start) = at.checked_sub(usize::from(o.offset)) else { continue };
            let end = start + o.len as usize;
            if !o.may_match(hay, start, end) {
                continue;
            }
            let lit = &self.literals[o.literal as usize];
            let part = usize::from(o.part);
            if !hay[start..end].eq_ignore_ascii_case(&lit.parts[part]) {
                continue;
            }
            if !lit.word {
                found(start, end, o.literal);
                continue;
            }
            let mut breaks = 0;
            let Some(first) = words_before(hay, start, &lit.parts[..part], &mut breaks, max_breaks) else {
                continue;
            };
            let Some(last) = words_after(hay, end, &lit.parts[part + 1..], &mut breaks, max_breaks) else {
                continue;
            };
            found(first, last, o.literal);
        }
    }
}

/// The start of `words` standing whole, in order, before byte `end` (each followed by a separator), or
/// `None`; counts the line breaks crossed into `breaks`.
fn words_before(
    hay: &[u8],
    mut end: usize,
    words: &[Vec<u8>],
    breaks: &mut usize,
    max_breaks: usize,
) -> Option<usize> {
    for w in words.iter().rev() {
        let sep_end = end;
        while end > 0 && !is_word_byte(hay[end - 1]) {
            end -= 1;
            *breaks += usize::from(hay[end] == b'\n');
        }
        if end == sep_end || *breaks > max_breaks {
            return None;
        }
        let start = end.checked_sub(w.len())?;
        if !hay[start..end].eq_ignore_ascii_case(w) || (start > 0 && is_word_byte(hay[start - 1])) {
            return None;
        }
        end = start;
    }
    Some(end)
}

/// The end of `words` standing whole, in order, after byte `start` (each after a separator), or `None`;
/// counts the line breaks crossed into `breaks`.
pub(super) fn words_after(
    hay: &[u8],
    mut start: usize,
    words: &[Vec<u8>],
    breaks: &mut usize,
    max_breaks: usize,
) -> Option<usize> {
    for w in words {
        let sep_start = start;
        while start < hay.len() && !is_word_byte(hay[start]) {
            *breaks += usize::from(hay[start] == b'\n');
            start += 1;
        }
        if start == sep_start || *breaks > max_breaks {
            return None;
        }
        let end = start + w.len();
        if end > hay.len()
            || !hay[start..end].eq_ignore_ascii_case(w)
            || (end < hay.len() && is_word_byte(hay[end]))
        {
            return None;
        }
        start = end;
    }
    Some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(text: &str, word: bool) -> Literal {
        if word { Literal::words(text) } else { Literal::plain(text) }
    }

    fn grams(literals: &[(&str, bool)]) -> Grams {
        Grams::new(literals.iter().map(|(t, word)| literal(t, *word)).collect(), &[], &[])
    }

    fn found(g: &Grams, hay: &str, max_breaks: usize) -> Vec<(usize, usize, u32)> {
        let mut v = Vec::new();
        g.find(hay.as_bytes(), max_breaks, |s, e, id| v.push((s, e, id)));
        v.sort_unstable();
        v
    }

    #[test]
    fn finds_every_occurrence_at_any_alignment_and_case_with_every_stride() {
        // Longest parts of 5, 6 and 7 bytes give strides 2, 3 and 4.
        for (word, stride) in [("sessi", 2), ("sessio", 3), ("session", 4)] {
            let g = grams(&[(word, true), ("8004011d", false)]);
            assert_eq!(g.stride(), stride);
            let n = word.len();
            for pad in 0..9 {
                let upper = word.to_uppercase();
                let hay = format!("{}MAPI.{upper} failed hr=0x8004011D, {word}", " ".repeat(pad));
                let s = pad + 5;
                let code = s + n + 13;
                let last = code + 10;
                let want = vec![(s, s + n, 0), (code, code + 8, 1), (last, last + n, 0)];
                assert_eq!(found(&g, &hay, 0), want, "{word}, padding {pad}");
            }
        }
    }

    #[test]
    fn word_literals_need_word_boundaries() {
        let g = grams(&[("logon", true), ("logon", false)]);
        assert_eq!(found(&g, "MAPILogonEx", 0), vec![(4, 9, 1)]);
        assert_eq!(found(&g, "MAPI logon.", 0), vec![(5, 10, 0), (5, 10, 1)]);
    }

    #[test]
    fn runs_of_words_match_across_any_separators_within_the_line_breaks_allowed() {
        let g = grams(&[("failed to create mapi session", true)]);
        let hay = "x: Failed to  create \"MAPI.Session\".";
        assert_eq!(found(&g, hay, 0), vec![(3, 34, 0)]);
        let wrapped = "Failed to\r\n create MAPI.\nSession";
        assert!(found(&g, wrapped, 1).is_empty(), "two line breaks, one allowed");
        assert_eq!(found(&g, wrapped, 2), vec![(0, wrapped.len(), 0)]);
        for miss in ["failed to create MAPISession", "failedto create mapi session", "failed to create mapi"]
        {
            assert!(found(&g, miss, 0).is_empty(), "{miss}");
        }
        assert!(found(&g, "not failed to create mapi sessions", 0).is_empty(), "a longer last word");
    }

    #[test]
    fn short_input_and_literals_at_the_edges() {
        let g = grams(&[("abcde", true)]);
        assert!(found(&g, "abcd", 0).is_empty());
        assert_eq!(found(&g, "abcde", 0), vec![(0, 5, 0)]);
        assert_eq!(found(&g, "xx abcde", 0), vec![(3, 8, 0)]);
        assert_eq!(found(&g, "xxx abcde", 0), vec![(4, 9, 0)]);
    }

    #[test]
    fn folded_punctuation_is_not_a_match() {
        // '[' folds onto '{' in the bitmap, but the final check is exact.
        let g = grams(&[("a{b}cd", false)]);
        assert!(found(&g, "A[B]CD", 0).is_empty());
        assert_eq!(found(&g, "A{B}CD", 0), vec![(0, 6, 0)]);
    }

    #[test]
    fn calibration_moves_the_grams_off_words_the_log_is_full_of() {
        let log = "server connection: connection to server lost\n".repeat(2000);
        let g = Grams::new(vec![literal("server refused the connection", true)], &[], log.as_bytes());
        assert!(g.table.owners().iter().all(|o| o.part == 1), "grams inside `refused`");
        let hay = format!("{log}SERVER refused the\nconnection\n{log}");
        let at = log.len();
        assert_eq!(found(&g, &hay, 1), vec![(at, at + 29, 0)]);
    }

    #[test]
    fn many_literals_owning_the_same_gram_are_all_checked() {
        let texts: Vec<String> = (0..300).map(|i| format!("session lost {i}")).collect();
        let g = Grams::new(texts.iter().map(|t| literal(t, true)).collect(), &[], &[]);
        let hay = "x session lost 7, session lost 299; session lost 300";
        let ids: Vec<u32> = found(&g, hay, 0).into_iter().map(|(_, _, id)| id).collect();
        assert_eq!(ids, [7, 299]);
    }
}
