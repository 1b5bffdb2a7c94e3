//! The filter for word literals (runs of words, as phrases are matched): the input is cut into words —
//! runs of ASCII letters, digits and `_`, found 64 bytes at a time (SSE2 on x86-64) — each word is
//! hashed once, and each word and each pair of adjacent words is looked up in a 16 KiB bitmap that stays
//! in the L1 cache and, for the few that pass it, a 256 KiB one. A literal of several words is looked for by the pair of adjacent words in it that
//! is rarest at the start of the log being scanned; a literal of one word by that word. Where the bitmap
//! says yes, the literals that own the key are compared in full around it.
//!
//! Looking pairs up rather than bytes of one word is what keeps a log that uses the rules' own words
//! (`device`, `admin`, `not found` on every line) from sending the filter to the full comparison at
//! every other word: a pair of words is far rarer than either word.

use rustc_hash::FxHashMap;

use super::grams::{Counts, Literal, MIN_LEN, is_word_byte, words_after, words_before};

/// The bitmap has 2^BITS bits (256 KiB); before it, a small one of 2^SMALL bits (16 KiB) that stays in
/// the L1 cache turns most words away without touching the big one.
const BITS: u32 = 21;
const SMALL: u32 = 17;
const FOLD8: u64 = 0x2020_2020_2020_2020;

/// Where a key sits in a literal.
#[derive(Debug, Clone, Copy)]
struct Owner {
    literal: u32,
    /// The literal's word that ends the key (the second of a pair, or the one word).
    last: u32,
}

/// The compiled word filter over some of the literals (those whose parts are all whole words).
pub struct Words {
    small: Vec<u64>,
    bitmap: Vec<u64>,
    /// Whether any literal is a single word (else single words need no look-up).
    singles: bool,
    owners: FxHashMap<u64, Vec<Owner>>,
}

/// Whether the literal can be looked for by its words: a word literal whose parts are all plain words,
/// one of them [`MIN_LEN`] bytes long (as the gram filter needs, so that both find the same).
pub fn suits(l: &Literal) -> bool {
    l.word
        && l.parts.iter().any(|p| p.len() >= MIN_LEN)
        && l.parts.iter().all(|p| !p.is_empty() && p.iter().all(|&b| is_word_byte(b)))
}

/// A word's hash: its first sixteen bytes folded to lower case, and its length. Never 0.
#[inline(always)]
fn word_hash(hay: &[u8], start: usize, end: usize) -> u64 {
    let len = end - start;
    let a = load(hay, start, len.min(8));
    let b = if len > 8 { load(hay, start + 8, (len - 8).min(8)) } else { 0 };
    ((a ^ b.rotate_left(23) ^ ((len as u64) << 56)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 1) | 1
}

/// `n` (≤ 8) bytes from `at`, folded, as a little-endian word.
#[inline(always)]
fn load(hay: &[u8], at: usize, n: usize) -> u64 {
    let mask = if n == 8 { u64::MAX } else { (1u64 << (8 * n)) - 1 };
    let word = match hay.get(at..at + 8) {
        Some(eight) => u64::from_le_bytes(eight.try_into().expect("8 bytes")),
        None => {
            let mut b = [0u8; 8];
            b[..n].copy_from_slice(&hay[at..at + n]);
            u64::from_le_bytes(b)
        }
    };
    (word | FOLD8) & mask
}

fn single_key(h: u64) -> u64 {
    h.wrapping_mul(0xD6E8_FEB8_6659_FD93) ^ 0x5555
}

fn pair_key(first: u64, second: u64) -> u64 {
    (first.rotate_left(31) ^ second).wrapping_mul(0xA076_1D64_78BD_642F)
}

fn bit(key: u64) -> usize {
    (key >> (64 - BITS)) as usize
}

/// Bits 26.. of the key: well mixed by the multiplication (the low bits of a product depend only on the
/// low bits of what was multiplied), and apart from the big bitmap's top bits.
fn small_bit(key: u64) -> usize {
    (key >> 26) as usize & ((1 << SMALL) - 1)
}

/// A key's slot in [`Counts`].
fn count_slot(key: u64) -> usize {
    (key >> 44) as usize
}

/// Counts every word and pair of adjacent words of `text`.
fn count_keys(counts: &mut Counts, text: &[u8]) {
    let mut prev = 0;
    each_word(text, |s, e| {
        let h = word_hash(text, s, e);
        counts.bump(count_slot(single_key(h)));
        counts.bump(count_slot(pair_key(prev, h)));
        prev = h;
    });
}

impl Words {
    /// A filter for `literals` (indices into the caller's list, each one that [`suits`]), keyed against
    /// how often each word and pair occurs in `log` (the start of the input) and in `sample` (text like
    /// the rules').
    pub fn new(all: &[Literal], ids: &[u32], sample: &[&str], log: &[u8]) -> Words {
        let mut rules = Counts::new();
        for text in sample {
            count_keys(&mut rules, text.as_bytes());
        }
        let mut in_log = Counts::new();
        count_keys(&mut in_log, log);
        let mut bitmap = vec![0u64; 1 << (BITS - 6)];
        let mut small = vec![0u64; 1 << (SMALL - 6)];
        let mut singles = false;
        let mut owners: FxHashMap<u64, Vec<Owner>> = FxHashMap::default();
        for &id in ids {
            let parts = &all[id as usize].parts;
            let hashes: Vec<u64> = parts.iter().map(|p| word_hash(p, 0, p.len())).collect();
            let keys: Vec<(u64, usize)> = if hashes.len() == 1 {
                vec![(single_key(hashes[0]), 0)]
            } else {
                (1..hashes.len()).map(|k| (pair_key(hashes[k - 1], hashes[k]), k)).collect()
            };
            let cost = |&(key, _): &(u64, usize)| {
                (Counts::frequency(&rules, &in_log, count_slot(key)) + 1)
                    * (1 + owners.get(&key).map_or(0, Vec::len) as u64)
            };
            let Some(&(key, last)) = keys.iter().min_by_key(|k| cost(k)) else { continue };
            bitmap[bit(key) >> 6] |= 1 << (bit(key) & 63);
            small[small_bit(key) >> 6] |= 1 << (small_bit(key) & 63);
            singles |= parts.len() == 1;
            owners.entry(key).or_default().push(Owner { literal: id, last: last as u32 });
        }
        Words { small, bitmap, singles, owners }
    }

    #[inline(always)]
    fn marked(&self, key: u64) -> bool {
        let s = small_bit(key);
        if self.small[s >> 6] & (1 << (s & 63)) == 0 {
            return false;
        }
        let b = bit(key);
        self.bitmap[b >> 6] & (1 << (b & 63)) != 0
    }

    /// (words, look-ups that pass the bitmap) in `hay`: what a pass over text like `hay` costs.
    pub fn probes(&self, hay: &[u8]) -> (usize, usize) {
        let (mut words, mut hits, mut prev) = (0, 0, 0);
        each_word(hay, |s, e| {
            let h = word_hash(hay, s, e);
            words += 1;
            hits += usize::from(self.singles && self.marked(single_key(h)));
            hits += usize::from(prev != 0 && self.marked(pair_key(prev, h)));
            prev = h;
        });
        (words, hits)
    }

    /// Calls `found(start, end, literal)` for every occurrence in `hay` of a literal of this filter whose
    /// separators hold at most `max_breaks` line breaks.
    pub fn find(
        &self,
        hay: &[u8],
        max_breaks: usize,
        literals: &[Literal],
        found: &mut impl FnMut(usize, usize, u32),
    ) {
        let mut prev = 0;
        each_word(hay, |s, e| {
            let h = word_hash(hay, s, e);
            let single = single_key(h);
            if self.singles && self.marked(single) {
                self.check(hay, s, e, single, max_breaks, literals, found);
            }
            let pair = pair_key(prev, h);
            if prev != 0 && self.marked(pair) {
                self.check(hay, s, e, pair, max_breaks, literals, found);
            }
            prev = h;
        });
    }

    #[cold]
    #[allow(clippy::too_many_arguments)]
    fn check(
        &self,
        hay: &[u8],
        start: usize,
        end: usize,
        key: u64,
        max_breaks: usize,
        literals: &[Literal],
        found: &mut impl FnMut(usize, usize, u32),
    ) {
        let Some(owners) = self.owners.get(&key) else { return };
        for o in owners {
            let parts = &literals[o.literal as usize].parts;
            let k = o.last as usize;
            if !hay[start..end].eq_ignore_ascii_case(&parts[k]) {
                continue;
            }
            let mut breaks = 0;
            let Some(first) = words_before(hay, start, &parts[..k], &mut breaks, max_breaks) else {
                continue;
            };
            let Some(last) = words_after(hay, end, &parts[k + 1..], &mut breaks, max_breaks) else {
                continue;
            };
            found(first, last, o.literal);
        }
    }
}

/// How many words `hay` holds.
pub fn count(hay: &[u8]) -> usize {
    let mut n = 0;
    each_word(hay, |_, _| n += 1);
    n
}

/// Calls `word(start, end)` for every maximal run of word bytes in `hay`, in order.
#[inline(always)]
fn each_word(hay: &[u8], mut word: impl FnMut(usize, usize)) {
    let n = hay.len();
    let mut next = mask_at(hay, 0);
    let mut carry = 0u64;
    let mut base = 0;
    while base < n {
        let m = next;
        next = if base + 64 < n { mask_at(hay, base + 64) } else { 0 };
        let mut starts = m & !((m << 1) | carry);
        carry = m >> 63;
        while starts != 0 {
            let i = starts.trailing_zeros() as usize;
            starts &= starts - 1;
            let run = (!(m >> i)).trailing_zeros() as usize;
            let mut end = base + i + run;
            if i + run == 64 {
                let more = (!next).trailing_zeros() as usize;
                end += more;
                if more == 64 {
                    while end < n && is_word_byte(hay[end]) {
                        end += 1;
                    }
                }
            }
            word(base + i, end.min(n));
        }
        base += 64;
    }
}

/// Bit `i` is set when `hay[at + i]` is a word byte (bits past the end are clear).
#[inline(always)]
fn mask_at(hay: &[u8], at: usize) -> u64 {
    match hay.get(at..at + 64) {
        Some(chunk) => mask64(chunk.try_into().expect("64 bytes")),
        None => hay[at..].iter().enumerate().fold(0, |m, (i, &b)| m | (u64::from(is_word_byte(b)) << i)),
    }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn mask64(chunk: &[u8; 64]) -> u64 {
    use std::arch::x86_64::{
        _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8,
        _mm_or_si128, _mm_set1_epi8,
    };
    let mut mask = 0u64;
    for lane in 0..4 {
        // SAFETY: SSE2 is part of x86-64; the load reads 16 of the chunk's 64 bytes, unaligned.
        let bits = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().add(16 * lane).cast());
            let lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let alpha = _mm_and_si128(
                _mm_cmpgt_epi8(lower, _mm_set1_epi8(b'a' as i8 - 1)),
                _mm_cmplt_epi8(lower, _mm_set1_epi8(b'z' as i8 + 1)),
            );
            let digit = _mm_and_si128(
                _mm_cmpgt_epi8(v, _mm_set1_epi8(b'0' as i8 - 1)),
                _mm_cmplt_epi8(v, _mm_set1_epi8(b'9' as i8 + 1)),
            );
            let underscore = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'_' as i8));
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(alpha, digit), underscore)) as u16
        };
        mask |= u64::from(bits) << (16 * lane);
    }
    mask
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn mask64(chunk: &[u8; 64]) -> u64 {
    chunk.iter().enumerate().fold(0, |m, (i, &b)| m | (u64::from(is_word_byte(b)) << i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(hay: &str) -> Vec<&str> {
        let mut v = Vec::new();
        each_word(hay.as_bytes(), |s, e| v.push(&hay[s..e]));
        v
    }

    #[test]
    fn words_are_found_across_chunk_edges_and_at_the_ends() {
        assert_eq!(words_of("MAPI_E_TOO_MANY, x.y  z9"), ["MAPI_E_TOO_MANY", "x", "y", "z9"]);
        assert!(words_of("").is_empty() && words_of(" .;\n").is_empty());
        for pad in 55..70 {
            let hay = format!("{}abcdefghij klm{}", "-".repeat(pad), "n".repeat(70));
            let want = ["abcdefghij".to_string(), format!("klm{}", "n".repeat(70))];
            assert_eq!(words_of(&hay), want, "padding {pad}");
        }
        let long = "w".repeat(200);
        assert_eq!(words_of(&format!("{long} é {long}")), [long.as_str(), long.as_str()]);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_simd_mask_agrees_with_the_byte_test() {
        let chunk: Vec<u8> = (0..=255u8).collect();
        for at in [0, 64, 128, 192] {
            let c: &[u8; 64] = chunk[at..at + 64].try_into().unwrap();
            let want = c.iter().enumerate().fold(0u64, |m, (i, &b)| m | (u64::from(is_word_byte(b)) << i));
            assert_eq!(mask64(c), want, "bytes {at}..");
        }
    }

    fn literal(text: &str) -> Literal {
        Literal { parts: text.split(' ').map(|w| w.as_bytes().to_vec()).collect(), word: true }
    }

    fn find(literals: &[Literal], hay: &str, max_breaks: usize) -> Vec<(usize, usize, u32)> {
        let ids: Vec<u32> = (0..literals.len() as u32).collect();
        let w = Words::new(literals, &ids, &[], &[]);
        let mut v = Vec::new();
        w.find(hay.as_bytes(), max_breaks, literals, &mut |s, e, id| v.push((s, e, id)));
        v.sort_unstable();
        v
    }

    #[test]
    fn runs_of_words_and_single_words_are_found_whole_in_any_case() {
        let lits = [literal("failed to create mapi session"), literal("logon")];
        let hay = "x: FAILED to  create \"MAPI.Session\". logon MAPILogonEx logons";
        assert_eq!(find(&lits, hay, 0), [(3, 34, 0), (37, 42, 1)]);
        let wrapped = "Failed to\r\n create MAPI.\nSession";
        assert!(find(&lits, wrapped, 1).is_empty(), "two line breaks, one allowed");
        assert_eq!(find(&lits, wrapped, 2), [(0, wrapped.len(), 0)]);
        for miss in [
            "failed to create MAPISession",
            "failedto create mapi session",
            "not failed to create mapi sessions",
        ] {
            assert!(find(&lits, miss, 0).is_empty(), "{miss}");
        }
    }

    #[test]
    fn calibration_keys_a_literal_by_its_pair_the_log_lacks() {
        let log = "the device is ready; the device is busy? no: device is ready\n".repeat(500);
        let lits = [literal("the device is busy now")];
        let w = Words::new(&lits, &[0], &[], log.as_bytes());
        let key = *w.owners.keys().next().unwrap();
        let h = |s: &str| word_hash(s.as_bytes(), 0, s.len());
        assert_eq!(key, pair_key(h("busy"), h("now")), "the pair the log never has");
        let hay = format!("{log}The device is busy now.\n");
        let mut v = Vec::new();
        w.find(hay.as_bytes(), 0, &lits, &mut |s, e, id| v.push((s, e, id)));
        assert_eq!(v, [(log.len(), log.len() + 22, 0)]);
    }

    #[test]
    fn only_literals_of_plain_words_suit() {
        assert!(suits(&literal("refused the connection")));
        assert!(!suits(&literal("is is")), "no word of five bytes: the gram filter could not find it either");
        assert!(!suits(&Literal { parts: vec![], word: true }));
        assert!(!suits(&literal("can't connect")));
        assert!(!suits(&Literal { parts: vec![b"8004011d".to_vec()], word: false }));
    }
}
