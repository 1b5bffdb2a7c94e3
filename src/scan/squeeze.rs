//! The filter for thousands of literals at about a byte a nanosecond: the input is *squeezed* to its word
//! bytes (ASCII letters, digits, `_`, folded to lower case; everything between words dropped), and long
//! grams of that squeezed text are looked up at every few bytes.
//!
//! Squeezing is what lets a gram span words. A phrase matches with any separators between its words
//! (`MAPI.Session`, `failed to\r\n create`), so in the raw bytes only grams inside one word are safe, and
//! a log that uses the rules' own words (`connection`, `exchange`, `information` on every line) sends a
//! filter of in-word grams to a full comparison at a fifth of its words. Squeezed, the phrase is one
//! run of bytes (`failedtocreatemapisession`) wherever its words stand, and an 8-byte gram across two
//! words (`dtocreat`) is as rare as the pair of words.
//!
//! Each literal is represented by a run of `stride` consecutive grams of its squeezed key, chosen to be
//! rare in the start of the log and in the rules' text, as the scan's filters see them (a short gram by
//! its bit in the bitmap, a long one also with the four bytes its context filter tests); the scan looks
//! at the gram at every stride-th squeezed byte, so exactly one gram of the run is looked at wherever
//! the literal occurs. Keys of 15 bytes or more take 8-byte grams every 8 bytes; shorter ones 4-byte
//! grams every 4 bytes, or every 2 for all of them when one has only 5 or 6 (with AVX2, eight of these
//! at a time, by gathers). A long
//! gram that passes a Bloom filter is tested with the four bytes beside it in a second one, a short one
//! that passes its bitmap with the key bytes around it (exactly, in a small table); then the gram is
//! looked up exactly, and each literal that owns it is compared in full in the raw bytes, where word
//! edges and line breaks are checked.

use super::grams::{Count, Counts, LOG_WEIGHT, Literal, is_word_byte, words_after};
use super::table::{Owned, Table};

/// Fewest squeezed bytes a literal needs here (the rest go to the raw gram filter).
pub const MIN_KEY: usize = 5;

/// Squeezed bytes looked up at a time.
const BATCH: usize = 64;

/// Batches looked up before the grams that passed in them are tested.
const RUN: usize = 64;

/// Squeezed bytes past the end, zero, so that the last batch's grams can be loaded whole.
const PAD: usize = BATCH + 8;

/// How raw bytes map to squeezed ones: a word byte folded (letters to lower case, `_` to 0x7f).
#[inline(always)]
fn fold(b: u8) -> u8 {
    b | 0x20
}

/// `bytes` squeezed: its word bytes, folded.
fn squeezed(bytes: &[u8]) -> impl Iterator<Item = u8> + '_ {
    bytes.iter().filter(|&&b| is_word_byte(b)).map(|&b| fold(b))
}

/// The squeezed key of a literal (one that [`suits`]): its word bytes, folded, and how many bytes of its
/// first part come before the first of them.
fn key_of(l: &Literal) -> (Vec<u8>, usize) {
    let key = l.parts.iter().flat_map(|p| squeezed(p)).collect();
    (key, l.parts[0].iter().position(|&b| is_word_byte(b)).expect("suits"))
}

/// Whether the literal can be looked for here: it needs [`MIN_KEY`] word bytes, and one in its first
/// part (the separators after a part are not part of the literal, so the raw start of a key is known
/// only from a word byte of the first part); the rest go to the raw gram filter.
pub fn suits(l: &Literal) -> bool {
    l.parts.first().is_some_and(|p| p.iter().any(|&b| is_word_byte(b)))
        && l.parts.iter().map(|p| squeezed(p).count()).sum::<usize>() >= MIN_KEY
}

/// Reusable buffers for one thread's scan.
#[derive(Default)]
pub struct Scratch {
    /// The squeezed text, then [`PAD`] zero bytes.
    squeezed: Vec<u8>,
    /// Squeezed bytes before each 64-byte chunk of the raw text, and the total at the end.
    before: Vec<u32>,
}

impl Scratch {
    /// Squeezes `hay`.
    fn fill(&mut self, hay: &[u8]) {
        self.squeezed.clear();
        self.before.clear();
        self.squeezed.reserve(hay.len() + 2 * PAD);
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("ssse3") && std::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has the features each function is compiled for.
            unsafe {
                if std::is_x86_feature_detected!("avx2") {
                    simd::squeeze_avx2(hay, &mut self.squeezed, &mut self.before)
                } else {
                    simd::squeeze(hay, &mut self.squeezed, &mut self.before)
                }
            };
            self.squeezed.resize(self.squeezed.len() + PAD, 0);
            return;
        }
        self.fill_portable(hay);
    }

    /// [`Scratch::fill`] a byte at a time.
    fn fill_portable(&mut self, hay: &[u8]) {
        self.squeezed.clear();
        self.before.clear();
        for chunk in hay.chunks(64) {
            self.before.push(self.squeezed.len() as u32);
            self.squeezed.extend(squeezed(chunk));
        }
        self.before.push(self.squeezed.len() as u32);
        self.squeezed.resize(self.squeezed.len() + PAD, 0);
    }

    /// Squeezed bytes (without the padding).
    fn len(&self) -> usize {
        self.squeezed.len() - PAD
    }

    /// The raw position of squeezed byte `at` (< [`Scratch::len`]).
    fn raw(&self, hay: &[u8], at: usize) -> usize {
        let chunk = self.before.partition_point(|&b| b as usize <= at) - 1;
        let mut skip = at - self.before[chunk] as usize;
        let start = chunk * 64;
        for (i, &b) in hay[start..].iter().enumerate() {
            if is_word_byte(b) {
                if skip == 0 {
                    return start + i;
                }
                skip -= 1;
            }
        }
        unreachable!("squeezed byte {at} lies in chunk {chunk}")
    }
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::{
        __m128i, __m256i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_shuffle_epi8, _mm_storeu_si128, _mm256_and_si256,
        _mm256_castsi256_si128, _mm256_cmpeq_epi8, _mm256_cmpgt_epi8, _mm256_extracti128_si256,
        _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi8,
    };

    /// For each 8-bit mask, the shuffle that gathers the masked bytes of the low (`[0]`) or high (`[1]`)
    /// half of 16 to the front.
    static GATHER: [[[u8; 16]; 256]; 2] = gather();

    const fn gather() -> [[[u8; 16]; 256]; 2] {
        let mut t = [[[0x80u8; 16]; 256]; 2];
        let mut half = 0;
        while half < 2 {
            let mut m = 0;
            while m < 256 {
                let (mut bit, mut n) = (0, 0);
                while bit < 8 {
                    if m & (1 << bit) != 0 {
                        t[half][m][n] = (8 * half + bit) as u8;
                        n += 1;
                    }
                    bit += 1;
                }
                m += 1;
            }
            half += 1;
        }
        t
    }

    /// Bit k: whether the 4-byte gram at `4 * k` of the 64 bytes at `at` is set in the bitmap `words`
    /// under [`super::Bits`]' hash.
    ///
    /// # Safety
    /// AVX2 is enabled, 64 bytes can be read at `at`, and `words` has `1 << (32 - shift - 5)` words.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub unsafe fn four_grams(at: *const u8, words: &[u32], shift: u32) -> u32 {
        use std::arch::x86_64::{
            _mm_cvtsi32_si128, _mm256_andnot_si256, _mm256_castsi256_ps, _mm256_i32gather_epi32,
            _mm256_loadu_si256, _mm256_movemask_ps, _mm256_mullo_epi32, _mm256_set1_epi32, _mm256_sllv_epi32,
            _mm256_srl_epi32, _mm256_srli_epi32,
        };
        let mut mask = 0;
        for half in 0..2 {
            // SAFETY: within the 64 bytes at `at`; the gather's indices are below words.len() (the hash
            // has 32 - shift bits, the index 5 fewer).
            unsafe {
                let v = _mm256_loadu_si256(at.add(32 * half).cast());
                let mul = _mm256_set1_epi32(super::BITS_MUL as i32);
                let h = _mm256_srl_epi32(_mm256_mullo_epi32(v, mul), _mm_cvtsi32_si128(shift as i32));
                let w = _mm256_i32gather_epi32::<4>(words.as_ptr().cast(), _mm256_srli_epi32::<5>(h));
                // The bit to the sign: shifted left by 31 minus its place in the word.
                let bit = _mm256_sllv_epi32(w, _mm256_andnot_si256(h, _mm256_set1_epi32(31)));
                mask |= (_mm256_movemask_ps(_mm256_castsi256_ps(bit)) as u32) << (8 * half);
            }
        }
        mask
    }

    /// Word bytes of `v` as a 16-bit mask.
    #[inline(always)]
    unsafe fn word_mask(v: __m128i) -> u32 {
        // SAFETY (of the intrinsics): SSE2 is part of x86-64.
        unsafe {
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
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(alpha, digit), underscore)) as u32
        }
    }

    /// Word bytes of `v` as a 32-bit mask.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn word_mask_32(v: __m256i) -> u32 {
        let lower = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
        let alpha = _mm256_and_si256(
            _mm256_cmpgt_epi8(lower, _mm256_set1_epi8(b'a' as i8 - 1)),
            _mm256_cmpgt_epi8(_mm256_set1_epi8(b'z' as i8 + 1), lower),
        );
        let digit = _mm256_and_si256(
            _mm256_cmpgt_epi8(v, _mm256_set1_epi8(b'0' as i8 - 1)),
            _mm256_cmpgt_epi8(_mm256_set1_epi8(b'9' as i8 + 1), v),
        );
        let underscore = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'_' as i8));
        _mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(alpha, digit), underscore)) as u32
    }

    /// Stores the bytes of `folded` that the 16-bit mask `m` marks at `dst + *j`, 16 bytes at a time (of
    /// which the first `m.count_ones()` count), and advances `*j` past them.
    ///
    /// # Safety
    /// 24 bytes can be written at `dst + *j`.
    #[inline(always)]
    unsafe fn compact(folded: __m128i, m: u32, dst: *mut u8, j: &mut usize) {
        let (lo, hi) = ((m & 0xff) as usize, ((m >> 8) & 0xff) as usize);
        // SAFETY: the first store writes 16 bytes at *j, the second at *j plus at most 8.
        unsafe {
            let g = _mm_loadu_si128(GATHER[0][lo].as_ptr().cast());
            _mm_storeu_si128(dst.add(*j).cast(), _mm_shuffle_epi8(folded, g));
            *j += lo.count_ones() as usize;
            let g = _mm_loadu_si128(GATHER[1][hi].as_ptr().cast());
            _mm_storeu_si128(dst.add(*j).cast(), _mm_shuffle_epi8(folded, g));
            *j += hi.count_ones() as usize;
        }
    }

    /// [`squeeze`] finding the word bytes of 32 bytes at a time.
    #[target_feature(enable = "avx2,popcnt")]
    pub unsafe fn squeeze_avx2(hay: &[u8], out: &mut Vec<u8>, before: &mut Vec<u32>) {
        // SAFETY: as the caller's.
        unsafe { squeeze_with::<true>(hay, out, before) }
    }

    /// Appends the folded word bytes of `hay` to `out` (which has room for `hay.len() + 32` bytes) and
    /// the squeezed count before each 64-byte chunk to `before`, then the total.
    #[target_feature(enable = "ssse3,popcnt")]
    pub unsafe fn squeeze(hay: &[u8], out: &mut Vec<u8>, before: &mut Vec<u32>) {
        // SAFETY: as the caller's.
        unsafe { squeeze_with::<false>(hay, out, before) }
    }

    /// [`squeeze`], 32 bytes at a time with AVX2 (`WIDE`, only where the caller has it enabled).
    #[inline(always)]
    unsafe fn squeeze_with<const WIDE: bool>(hay: &[u8], out: &mut Vec<u8>, before: &mut Vec<u32>) {
        assert!(out.is_empty() && out.capacity() >= hay.len() + 32);
        let dst = out.as_mut_ptr();
        let mut j = 0usize;
        let mut at = 0;
        while at < hay.len() {
            before.push(j as u32);
            let end = (at + 64).min(hay.len());
            // SAFETY (of both loops): 32 or 16 bytes of `hay` are read at `at`. Every store writes 16
            // bytes at `j` ≤ `at` plus at most 24, so below hay.len() + 8, within the capacity asserted
            // above; only the first j bytes are kept.
            while WIDE && at + 32 <= end {
                unsafe {
                    let v = _mm256_loadu_si256(hay.as_ptr().add(at).cast());
                    let m = word_mask_32(v);
                    let folded = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
                    compact(_mm256_castsi256_si128(folded), m & 0xffff, dst, &mut j);
                    compact(_mm256_extracti128_si256::<1>(folded), m >> 16, dst, &mut j);
                }
                at += 32;
            }
            while at + 16 <= end {
                unsafe {
                    let v = _mm_loadu_si128(hay.as_ptr().add(at).cast());
                    compact(_mm_or_si128(v, _mm_set1_epi8(0x20)), word_mask(v), dst, &mut j);
                }
                at += 16;
            }
            while at < end {
                let b = hay[at];
                // SAFETY: j ≤ at < capacity.
                unsafe { dst.add(j).write(super::fold(b)) };
                j += usize::from(super::is_word_byte(b));
                at += 1;
            }
        }
        before.push(j as u32);
        // SAFETY: the first j bytes were written above.
        unsafe { out.set_len(j) };
    }
}

/// A gram of the squeezed text as a number: 8 bytes from `at`, little-endian.
#[inline(always)]
fn gram8(bytes: &[u8; BATCH + 8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// The low four bytes of a gram: a 4-byte gram. A key's 8-byte gram is always above it (its bytes are
/// never 0), but one loaded next to the padding need not be: the pass that found a gram says its length.
const LOW4: u64 = 0xffff_ffff;

/// A Bloom filter of two bits in one 64-bit word, for the 8-byte grams (about 32 bits a key, so that it
/// stays under a tenth full, up to 256 KiB, which a core's L2 cache holds beside the buffers).
struct Bloom {
    words: Vec<u64>,
    shift: u32,
}

impl Bloom {
    fn of(keys: &[u64]) -> Bloom {
        let words = (keys.len() / 2).next_power_of_two().clamp(16, 1 << 15);
        let mut bloom = Bloom { words: vec![0; words], shift: 64 - words.trailing_zeros() };
        keys.iter().for_each(|&k| bloom.insert(k));
        bloom
    }

    /// The word and the two bits of a key: the word from the product's top bits, the bits from the
    /// middle ones (both well mixed; the low bits of a product depend only on the low bits of the key).
    #[inline(always)]
    fn place(&self, key: u64) -> (usize, u64) {
        let h = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let bits = (1u64 << ((h >> 32) & 63)) | (1u64 << ((h >> 38) & 63));
        ((h >> self.shift) as usize & (self.words.len() - 1), bits)
    }

    /// Bit k: whether the 8-byte gram at `8 * k` of the batch may be a key's (k < 8).
    #[inline(always)]
    fn batch(&self, bytes: &[u8; BATCH + 8]) -> u32 {
        let mut mask = 0;
        for k in 0..BATCH / 8 {
            mask |= u32::from(self.maybe(gram8(bytes, 8 * k))) << k;
        }
        mask
    }

    fn insert(&mut self, key: u64) {
        let (w, bits) = self.place(key);
        self.words[w] |= bits;
    }

    #[inline(always)]
    fn maybe(&self, key: u64) -> bool {
        let (w, bits) = self.place(key);
        self.words[w] & bits == bits
    }
}

/// A bitmap of one bit a key, for the few 4-byte grams: 64 bits a key, up to 16 KiB (the L1 cache). The
/// hash and the words have 32 bits, so that AVX2 looks up eight grams at once ([`simd::four_grams`]).
struct Bits {
    words: Vec<u32>,
    /// 32 minus the bits of a bit's index.
    shift: u32,
}

/// The multiplier of [`Bits`]' hash.
const BITS_MUL: u32 = 0x9E37_79B1;

/// Bits of the largest bitmap (16 KiB).
const MOST_BITS: usize = 1 << 17;

/// [`Bits::shift`] of the largest bitmap.
const MOST_SHIFT: u32 = 32 - MOST_BITS.trailing_zeros();

impl Bits {
    /// An empty bitmap for `keys` keys.
    fn sized(keys: usize) -> Bits {
        let words = (2 * keys).next_power_of_two().clamp(32, MOST_BITS / 32);
        Bits { words: vec![0; words], shift: 32 - (32 * words).trailing_zeros() }
    }

    /// The bit of a key in the largest bitmap, [`MOST_BITS`] bits: shifted right by
    /// [`Bits::coarser`], its bit in this one.
    fn place_in_most(key: u32) -> usize {
        (key.wrapping_mul(BITS_MUL) >> MOST_SHIFT) as usize
    }

    /// How many times fewer bits this bitmap has than the largest, as a power of two.
    fn coarser(&self) -> u32 {
        self.shift - MOST_SHIFT
    }

    fn insert(&mut self, key: u32) {
        let b = self.place(key);
        self.words[b / 32] |= 1 << (b % 32);
    }

    /// The bit of a key.
    #[inline(always)]
    fn place(&self, key: u32) -> usize {
        (key.wrapping_mul(BITS_MUL) >> self.shift) as usize
    }

    #[inline(always)]
    fn maybe(&self, key: u32) -> bool {
        let b = self.place(key);
        self.words[b / 32] & (1 << (b % 32)) != 0
    }

    /// Bit k: whether the 4-byte gram at `4 * k + from` of the batch may be a key's (k < 16).
    #[inline(always)]
    fn batch<const AVX2: bool>(&self, bytes: &[u8; BATCH + 8], from: usize) -> u32 {
        #[cfg(target_arch = "x86_64")]
        if AVX2 {
            // SAFETY: AVX2 is true only where the CPU has AVX2 (`Squeeze::find` checks, as do the tests);
            // the 64 bytes read from `from` ≤ 2 are in the batch's 72.
            return unsafe { simd::four_grams(bytes[from..].as_ptr(), &self.words, self.shift) };
        }
        let mut mask = 0;
        for k in 0..BATCH / 4 {
            let at = 4 * k + from;
            mask |= u32::from(self.maybe(gram8(bytes, at) as u32)) << k;
        }
        mask
    }
}

/// A literal's gram: the gram, which literal, and where the gram starts in its squeezed key.
#[derive(Debug, Clone, Copy)]
struct Owner {
    gram: u64,
    literal: u32,
    offset: u32,
}

impl Owned for Owner {
    fn gram(&self) -> u64 {
        self.gram
    }
}

/// Where a literal's squeezed key is kept, and how many raw bytes come before its first word byte.
#[derive(Debug, Clone, Copy, Default)]
struct Key {
    at: u32,
    len: u32,
    lead: u32,
}

/// The compiled filter over some of the literals (those that [`suits`]).
pub struct Squeeze {
    /// 8-byte grams every 8 squeezed bytes, for keys of [`LONG`] bytes or more.
    long: Option<Bloom>,
    /// 4-byte grams every `stride` bytes for the shorter keys: 4 when they all have 7 bytes, else 2.
    short: Option<(Bits, usize)>,
    /// Each long gram with the four key bytes after it, or else before it ([`Side`]): a gram that passed
    /// is looked up in the table only when its neighbours in the text can be a key's.
    context: Bloom,
    /// Each short gram with the key bytes around it ([`Around`]), for the same purpose.
    around: Table<Around>,
    table: Table<Owner>,
    /// Per literal of the caller's list (unused for those not here).
    keys: Vec<Key>,
    key_bytes: Vec<u8>,
}

/// Which neighbours of a long gram a context key holds.
#[derive(Debug, Clone, Copy)]
enum Side {
    After = 1,
    Before = 2,
}

/// A long gram with four neighbouring bytes, as a key of the context filter.
#[inline(always)]
fn context_key(gram: u64, next: u32, side: Side) -> u64 {
    (gram.rotate_left(29) ^ u64::from(next).wrapping_mul(0xC2B2_AE3D_27D4_EB4F) ^ side as u64)
        .wrapping_mul(0x1656_67B1_9E37_79F9)
}

/// The context key of the long gram at `at` of `key`: a key of [`LONG`] bytes has four on one side of
/// each of its 8-byte grams.
fn context_of(key: &[u8], at: usize, gram: u64) -> u64 {
    let four = |i: usize| u32::from_le_bytes(key[i..i + 4].try_into().expect("4 bytes"));
    if at + 8 + 4 <= key.len() {
        context_key(gram, four(at + 8), Side::After)
    } else {
        context_key(gram, four(at - 4), Side::Before)
    }
}

/// A short gram of a key with the key bytes around it, up to four on each side, as the bytes and masks
/// to compare with the four bytes of text before and after the gram. A 4-byte gram is often common
/// (`erro`, `ndow`), while the gram and these bytes are up to 12 bytes of the key (all of one of up to 8
/// bytes); exact and few, they are kept in a small table rather than a filter.
#[derive(Debug, Clone, Copy)]
struct Around {
    gram: u64,
    before: u32,
    before_mask: u32,
    after: u32,
    after_mask: u32,
}

impl Owned for Around {
    fn gram(&self) -> u64 {
        self.gram
    }
}

impl Around {
    /// The short gram at `at` of `key`.
    fn of(key: &[u8], at: usize, gram: u64) -> Around {
        // Little-endian: the bytes right before the gram are the high ones of the four before it.
        let b = at.min(4);
        let mut before = [0u8; 4];
        before[4 - b..].copy_from_slice(&key[at - b..at]);
        let a = (key.len() - at - 4).min(4);
        let mut after = [0u8; 4];
        after[..a].copy_from_slice(&key[at + 4..at + 4 + a]);
        Around {
            gram,
            before: u32::from_le_bytes(before),
            before_mask: u32::MAX.checked_shl(8 * (4 - b) as u32).unwrap_or(0),
            after: u32::from_le_bytes(after),
            after_mask: u32::MAX.checked_shr(8 * (4 - a) as u32).unwrap_or(0),
        }
    }

    /// Whether the four bytes of text `before` and `after` the gram hold the key's.
    #[inline(always)]
    fn holds(&self, before: u32, after: u32) -> bool {
        before & self.before_mask == self.before && after & self.after_mask == self.after
    }
}

/// Keys of this many squeezed bytes or more are looked for by 8-byte grams: a run of 8 of them.
const LONG: usize = 15;

/// Counts the 8- and 4-byte grams of `raw` squeezed (`text` is a buffer to reuse), the 4-byte ones by
/// their bit in the largest bitmap.
fn count_grams(long: &mut Counts, short: &mut Counts, raw: &[u8], count: Count, text: &mut Vec<u8>) {
    text.clear();
    text.extend(squeezed(raw));
    for w in text.windows(4) {
        short.bump(Bits::place_in_most(u32::from_le_bytes(w.try_into().expect("4 bytes"))), count);
    }
    for w in text.windows(8) {
        long.bump(slot(u64::from_le_bytes(w.try_into().expect("8 bytes"))), count);
    }
}

/// How often the grams of the rules' text and of the log sample occur, as the choice of each literal's
/// grams weighs them. Counted before the literals are known (the short grams by their bit in the
/// largest bitmap, folded to the one the literals need), so that counting can go on beside the
/// literals' extraction.
pub struct Counted {
    long: Counts,
    short: Counts,
    wide: Wide,
}

impl Counted {
    /// The grams of `sample` (the rules' text) and of `log` (the start of the input), counted.
    pub fn of(sample: &[&str], log: &[u8]) -> Counted {
        let (mut long, mut short) = (Counts::new(1 << 20), Counts::new(MOST_BITS));
        let mut text = Vec::new();
        for rules_text in sample {
            count_grams(&mut long, &mut short, rules_text.as_bytes(), Count::Rules, &mut text);
        }
        count_grams(&mut long, &mut short, log, Count::Log, &mut text);
        // `text` holds the log sample squeezed, from the call just above.
        let wide = Wide::of(&text);
        Counted { long, short, wide }
    }
}

/// Approximate counts of the 12-byte runs of squeezed text (a long gram with its context's four bytes),
/// taken at every [`WIDE_STEP`]-th byte: enough to tell the common ones. Small (512 KiB), so that
/// counting them costs few cache misses; a slot's count is raised by others that share it, and
/// saturates at 255.
struct Wide(Vec<u8>);

impl Wide {
    fn of(squeezed: &[u8]) -> Wide {
        let mut counts = vec![0u8; 1 << 19];
        for w in squeezed.windows(12).step_by(WIDE_STEP) {
            let c = &mut counts[Wide::slot(w)];
            *c = c.saturating_add(1);
        }
        Wide(counts)
    }

    fn slot(twelve: &[u8]) -> usize {
        let gram = u64::from_le_bytes(twelve[..8].try_into().expect("8 bytes"));
        let next = u32::from_le_bytes(twelve[8..12].try_into().expect("4 bytes"));
        let h = (gram ^ u64::from(next).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17))
            .wrapping_mul(0xA076_1D64_78BD_642F);
        (h >> 45) as usize
    }

    /// About how often `twelve` occurs in the text.
    fn get(&self, twelve: &[u8]) -> u64 {
        WIDE_STEP as u64 * u64::from(self.0[Wide::slot(twelve)])
    }
}

/// How much more a long gram that passes its context filter costs (the literals that own it are then
/// compared in full) than one stopped there.
const WIDE_WEIGHT: u64 = 4;

/// The 12-byte runs of the log sample are counted at every this many bytes.
const WIDE_STEP: usize = 4;

/// A gram's slot in [`Counts`].
fn slot(gram: u64) -> usize {
    (gram.wrapping_mul(0xA076_1D64_78BD_642F) >> 44) as usize
}

/// Where the run of `stride` consecutive costs with the least sum starts (the first such), if any.
fn cheapest_run(costs: &[u64], stride: usize) -> Option<usize> {
    let mut sum: u64 = costs.get(..stride)?.iter().sum();
    let mut best = (sum, 0);
    for start in 1..=costs.len() - stride {
        sum = sum - costs[start - 1] + costs[start + stride - 1];
        if sum < best.0 {
            best = (sum, start);
        }
    }
    Some(best.1)
}

/// The gram of `n` bytes (8 or 4) at `at` of a key, as the scan computes it.
fn gram_of(key: &[u8], at: usize, n: usize) -> u64 {
    let mut b = [0u8; 8];
    b[..n].copy_from_slice(&key[at..at + n]);
    u64::from_le_bytes(b)
}

impl Squeeze {
    /// A filter for `literals` (indices into the caller's list, each one that [`suits`]), its grams
    /// chosen by how rare `counted` found them in the start of the input, then in the rules' text.
    pub fn new(all: &[Literal], ids: &[u32], counted: Counted) -> Squeeze {
        let mut keys = vec![Key::default(); all.len()];
        let mut key_bytes = Vec::new();
        for &id in ids {
            let (key, lead) = key_of(&all[id as usize]);
            keys[id as usize] = Key { at: key_bytes.len() as u32, len: key.len() as u32, lead: lead as u32 };
            key_bytes.extend(key);
        }
        let key = |id: u32| {
            let k = keys[id as usize];
            &key_bytes[k.at as usize..(k.at + k.len) as usize]
        };
        let short_keys: Vec<usize> = ids.iter().map(|&i| key(i).len()).filter(|&n| n < LONG).collect();
        let short_stride = short_keys.iter().map(|&n| if n >= 7 { 4 } else { 2 }).min().unwrap_or(4);
        // The short grams are weighed by their bit in the bitmap, which is what the scan sees: a gram that
        // shares its bit with a common one of the log would pass as often as that one.
        let mut bits = Bits::sized(short_stride * short_keys.len());
        let Counted { long: mut long_counts, short, wide } = counted;
        let mut short_counts = short.folded(bits.coarser());

        let mut owners = Vec::new();
        let (mut long_grams, mut short_grams) = (Vec::new(), Vec::new());
        let (mut contexts, mut around) = (Vec::new(), Vec::new());
        let (mut slots, mut each) = (Vec::new(), Vec::new());
        for &id in ids {
            let key = key(id);
            let (n, stride, counts) = if key.len() >= LONG {
                (8, 8, &mut long_counts)
            } else {
                (4, short_stride, &mut short_counts)
            };
            // Each gram's slot in the counts, what finding it would cost, then the cheapest run of
            // `stride` of them.
            slots.clear();
            slots.extend((0..=key.len() - n).map(|at| {
                let gram = gram_of(key, at, n);
                if n == 8 { slot(gram) } else { bits.place(gram as u32) }
            }));
            each.clear();
            each.extend(slots.iter().map(|&s| counts.cost(s)));
            let Some(mut best) = cheapest_run(&each, stride) else { continue };
            // A long gram costs more when its context passes too: weighed by the 12 key bytes from it (or,
            // near the end, up to it). Only where the run chosen holds a gram of the log sample: otherwise
            // it holds none with its context either, and stays the cheapest.
            let seen = |at: usize| counts.log(slots[at]) > 0;
            if n == 8 && (best..best + stride).any(seen) {
                for (at, cost) in each.iter_mut().enumerate().filter(|&(at, _)| seen(at)) {
                    let from = if at + 12 <= key.len() { at } else { at - 4 };
                    *cost += WIDE_WEIGHT * LOG_WEIGHT * wide.get(&key[from..from + 12]);
                }
                best = cheapest_run(&each, stride).expect("as before");
            }
            for (at, &slot) in slots.iter().enumerate().skip(best).take(stride) {
                let gram = gram_of(key, at, n);
                counts.bump(slot, Count::Taken);
                owners.push(Owner { gram, literal: id, offset: at as u32 });
                if n == 8 {
                    long_grams.push(gram);
                    contexts.push(context_of(key, at, gram));
                } else {
                    short_grams.push(gram);
                    around.push(Around::of(key, at, gram));
                }
            }
        }
        let long = (!long_grams.is_empty()).then(|| Bloom::of(&long_grams));
        short_grams.iter().for_each(|&g| bits.insert(g as u32));
        let short = (!short_grams.is_empty()).then_some((bits, short_stride));
        let context = Bloom::of(&contexts);
        key_bytes.extend([0; 8]);
        let around = Table::new(around);
        Squeeze { long, short, context, around, table: Table::new(owners), keys, key_bytes }
    }

    /// Calls `found(start, end, literal)` for every occurrence in `hay` of a literal of this filter whose
    /// separators hold at most `max_breaks` line breaks.
    pub fn find(
        &self,
        hay: &[u8],
        max_breaks: usize,
        literals: &[Literal],
        scratch: &mut Scratch,
        found: &mut impl FnMut(usize, usize, u32),
    ) {
        scratch.fill(hay);
        let mut ctx = Ctx { hay, max_breaks, literals, scratch, found };
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            return unsafe { self.find_avx2(&mut ctx) };
        }
        self.find_with::<false>(&mut ctx);
    }

    /// [`Squeeze::find_with`] compiled for AVX2, which looks up the short grams eight at a time.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn find_avx2(&self, ctx: &mut Ctx<'_, impl FnMut(usize, usize, u32)>) {
        self.find_with::<true>(ctx);
    }

    /// The scan for the passes this filter has.
    #[inline(always)]
    fn find_with<const AVX2: bool>(&self, ctx: &mut Ctx<'_, impl FnMut(usize, usize, u32)>) {
        match (self.long.is_some(), self.short.as_ref().map(|s| s.1)) {
            (true, None) => self.find_by::<true, false, false, AVX2>(ctx),
            (true, Some(4)) => self.find_by::<true, true, false, AVX2>(ctx),
            (true, Some(_)) => self.find_by::<true, true, true, AVX2>(ctx),
            (false, Some(4)) => self.find_by::<false, true, false, AVX2>(ctx),
            (false, Some(_)) => self.find_by::<false, true, true, AVX2>(ctx),
            (false, None) => {}
        }
    }

    /// The scan: with the long grams or not, the short ones or not, these every 2 bytes or 4, and with
    /// AVX2 (only where it is enabled) or not.
    #[inline(always)]
    fn find_by<const LONG8: bool, const SHORT: bool, const EVERY_2: bool, const AVX2: bool>(
        &self,
        ctx: &mut Ctx<'_, impl FnMut(usize, usize, u32)>,
    ) {
        let len = ctx.scratch.len();
        // A run of batches at a time: the look-ups first, free of branches so that their loads overlap,
        // each batch with a gram that passed noted without a branch either (the next note overwrites one
        // with none); then the grams that passed, so that which batches have one is never guessed.
        let mut passed = [(0usize, 0u32, 0u32, 0u32); RUN];
        let mut run = 0;
        while run < len {
            let end = (run + RUN * BATCH).min(len);
            let mut noted = 0;
            let mut at = run;
            while at < end {
                let bytes: &[u8; BATCH + 8] =
                    ctx.scratch.squeezed[at..at + BATCH + 8].try_into().expect("padded");
                let (mut long, mut short, mut short2) = (0u32, 0u32, 0u32);
                if let (true, Some(bloom)) = (LONG8, &self.long) {
                    long = bloom.batch(bytes);
                }
                if let (true, Some((bits, _))) = (SHORT, &self.short) {
                    short = bits.batch::<AVX2>(bytes, 0);
                    if EVERY_2 {
                        short2 = bits.batch::<AVX2>(bytes, 2);
                    }
                }
                passed[noted] = (at, long, short, short2);
                noted += usize::from(long | short | short2 != 0);
                at += BATCH;
            }
            for &(at, long, short, short2) in &passed[..noted] {
                let bytes: &[u8; BATCH + 8] =
                    ctx.scratch.squeezed[at..at + BATCH + 8].try_into().expect("padded");
                for (mut hits, step, offset, n) in [(long, 8, 0, 8), (short, 4, 0, 4), (short2, 4, 2, 4)] {
                    let mask = if n == 8 { u64::MAX } else { LOW4 };
                    while hits != 0 {
                        let i = step * hits.trailing_zeros() as usize + offset;
                        hits &= hits - 1;
                        let gram = gram8(bytes, i) & mask;
                        if self.in_context(&ctx.scratch.squeezed, at + i, gram, n) {
                            self.check(ctx, at + i, gram);
                        }
                    }
                }
            }
            run = end;
        }
    }

    /// Whether the bytes around `gram` (of `n` bytes, at squeezed byte `at`) can be a key's.
    #[inline(always)]
    fn in_context(&self, sq: &[u8], at: usize, gram: u64, n: usize) -> bool {
        // The text is padded past any gram's next four bytes.
        let four = |i: usize| u32::from_le_bytes(sq[i..i + 4].try_into().expect("4 bytes"));
        if n == 4 {
            // Before the start of the text, zeros, which no key holds.
            let before =
                if at >= 4 { four(at - 4) } else { four(0).checked_shl(8 * (4 - at) as u32).unwrap_or(0) };
            let after = four(at + 4);
            return self.around.get(gram).iter().any(|a| a.holds(before, after));
        }
        self.context.maybe(context_key(gram, four(at + n), Side::After))
            || (at >= 4 && self.context.maybe(context_key(gram, four(at - 4), Side::Before)))
    }

    /// Compares each literal that owns `gram`, found at squeezed byte `at`, in full.
    #[cold]
    fn check(&self, ctx: &mut Ctx<'_, impl FnMut(usize, usize, u32)>, at: usize, gram: u64) {
        let sq = &ctx.scratch.squeezed;
        for o in self.table.get(gram) {
            let k = self.keys[o.literal as usize];
            let Some(start) = at.checked_sub(o.offset as usize) else { continue };
            let key = &self.key_bytes[k.at as usize..(k.at + k.len) as usize];
            // The first eight bytes at once (the key is followed by 8 bytes, the text by its padding),
            // then the rest; a key holds no 0 byte, so it never matches into the padding.
            let n = key.len().min(8);
            let first = |b: &[u8]| u64::from_le_bytes(b[..8].try_into().expect("8 bytes")) << (64 - 8 * n);
            if first(&sq[start..]) != first(&self.key_bytes[k.at as usize..])
                || sq.get(start..start + key.len()) != Some(key)
            {
                continue;
            }
            let Some(raw) = ctx.scratch.raw(ctx.hay, start).checked_sub(k.lead as usize) else { continue };
            if let Some(end) = matches_at(ctx.hay, raw, &ctx.literals[o.literal as usize], ctx.max_breaks) {
                (ctx.found)(raw, end, o.literal);
            }
        }
    }
}

/// What a scan of one block passes around.
struct Ctx<'a, F> {
    hay: &'a [u8],
    max_breaks: usize,
    literals: &'a [Literal],
    scratch: &'a Scratch,
    found: &'a mut F,
}

/// The end of `l` when it stands at `start` of `hay` (a word literal: whole words, with at most
/// `max_breaks` line breaks between them).
pub(super) fn matches_at(hay: &[u8], start: usize, l: &Literal, max_breaks: usize) -> Option<usize> {
    let first = l.parts.first()?;
    let end = start + first.len();
    if !hay.get(start..end)?.eq_ignore_ascii_case(first) {
        return None;
    }
    if !l.word {
        return Some(end);
    }
    if start > 0 && is_word_byte(hay[start - 1]) {
        return None;
    }
    if l.parts.len() == 1 {
        return (end == hay.len() || !is_word_byte(hay[end])).then_some(end);
    }
    words_after(hay, end, &l.parts[1..], &mut 0, max_breaks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::grams::mixed_text;

    fn find(literals: &[Literal], hay: &str, log: &str, max_breaks: usize) -> Vec<(usize, usize, u32)> {
        let ids: Vec<u32> = (0..literals.len() as u32).collect();
        let s = Squeeze::new(literals, &ids, Counted::of(&[], log.as_bytes()));
        let mut v = Vec::new();
        s.find(hay.as_bytes(), max_breaks, literals, &mut Scratch::default(), &mut |a, b, id| {
            v.push((a, b, id))
        });
        v.sort_unstable();
        v
    }

    /// Every occurrence, by comparing each literal at every position.
    fn oracle(literals: &[Literal], hay: &str, max_breaks: usize) -> Vec<(usize, usize, u32)> {
        let mut v = Vec::new();
        for start in 0..hay.len() {
            for (id, l) in literals.iter().enumerate() {
                if let Some(end) = matches_at(hay.as_bytes(), start, l, max_breaks) {
                    v.push((start, end, id as u32));
                }
            }
        }
        v
    }

    #[test]
    fn the_cheapest_run_is_the_first_with_the_least_sum() {
        assert_eq!(cheapest_run(&[5, 1, 1, 9, 1, 1, 0], 2), Some(5));
        assert_eq!(cheapest_run(&[5, 1, 1, 9, 1, 1, 0], 3), Some(4));
        assert_eq!(cheapest_run(&[4, 1, 1, 9, 1, 1, 4], 2), Some(1), "the first of two");
        assert_eq!(cheapest_run(&[3, 3], 2), Some(0));
        assert_eq!(cheapest_run(&[3], 2), None);
    }

    #[test]
    fn squeezing_keeps_folded_word_bytes_and_maps_each_back() {
        let hay = format!("{}MAPI.Session_x -- é 0x8004011D\r\n{}", "=".repeat(70), "ab ".repeat(40));
        let mut s = Scratch::default();
        s.fill(hay.as_bytes());
        let want: Vec<u8> = squeezed(hay.as_bytes()).collect();
        assert_eq!(&s.squeezed[..s.len()], want.as_slice());
        assert_eq!(&want[..23], b"mapisession\x7fx0x8004011d");
        let raws: Vec<usize> = (0..s.len()).map(|i| s.raw(hay.as_bytes(), i)).collect();
        let words: Vec<usize> = (0..hay.len()).filter(|&i| is_word_byte(hay.as_bytes()[i])).collect();
        assert_eq!(raws, words);
        let mut portable = Scratch::default();
        portable.fill_portable(hay.as_bytes());
        assert_eq!((&portable.squeezed, &portable.before), (&s.squeezed, &s.before));
        // Every byte value, at every offset in a chunk of 16 and of 32, and tails of every length, by each
        // way of squeezing the CPU has.
        let all: Vec<u8> = (0..=255u8).cycle().take(256 * 33).collect();
        for text in std::iter::once(&all[..]).chain((0..200).map(|n| &all[7 * n..8 * n])) {
            portable.fill_portable(text);
            s.fill(text);
            assert_eq!((&portable.squeezed, &portable.before), (&s.squeezed, &s.before));
            #[cfg(target_arch = "x86_64")]
            for (feature, ok) in [
                ("ssse3", std::is_x86_feature_detected!("ssse3")),
                ("avx2", std::is_x86_feature_detected!("avx2")),
            ] {
                if !ok || !std::is_x86_feature_detected!("popcnt") {
                    continue;
                }
                let (mut squeezed, mut before) = (Vec::with_capacity(text.len() + 32), Vec::new());
                // SAFETY: the CPU has the features.
                unsafe {
                    if feature == "avx2" {
                        simd::squeeze_avx2(text, &mut squeezed, &mut before)
                    } else {
                        simd::squeeze(text, &mut squeezed, &mut before)
                    }
                }
                squeezed.resize(squeezed.len() + PAD, 0);
                assert_eq!(
                    (&portable.squeezed, &portable.before),
                    (&squeezed, &before),
                    "{feature}, {} bytes",
                    text.len()
                );
            }
        }
    }

    #[test]
    fn phrases_are_found_across_any_separators_and_in_any_case() {
        let lits = [Literal::words("failed to create mapi session"), Literal::words("logon")];
        let hay = "x: FAILED to  create \"MAPI.Session\". logon MAPILogonEx logons";
        assert_eq!(find(&lits, hay, "", 0), [(3, 34, 0), (37, 42, 1)]);
        let wrapped = "Failed to\r\n create MAPI.\nSession";
        assert!(find(&lits, wrapped, "", 1).is_empty(), "two line breaks, one allowed");
        assert_eq!(find(&lits, wrapped, "", 2), [(0, wrapped.len(), 0)]);
        for miss in
            ["failed to create MAPISession", "failedto create mapi session", "failed to create mapi sessions"]
        {
            assert!(find(&lits, miss, "", 0).is_empty(), "{miss}");
        }
    }

    #[test]
    fn codes_are_found_as_bytes_with_what_comes_before_their_first_word_byte() {
        let lits = [
            Literal::plain("-2147221219"),
            Literal::plain("c:\\winnt\\system32"),
            Literal::plain("8004011d"),
        ];
        let hay = "hr=-2147221219 at C:\\WINNT\\System32\\x (0x8004011Dfoo)";
        assert_eq!(find(&lits, hay, "", 0), [(3, 14, 0), (18, 35, 1), (41, 49, 2)]);
        assert!(find(&lits, "2147221219 c:winnt\\system32", "", 0).is_empty());
    }

    #[test]
    fn every_occurrence_is_found_once_at_any_alignment_and_for_every_key_length() {
        // Keys of 5, 6, 12, 15 and 13 squeezed bytes: both gram lengths; the short keys every 2 bytes
        // with `abcde` and `abcdef` among them, every 4 without.
        let all = ["abcde", "abc def", "logon session", "mapi session lost", "a b c d e f g h i j k l m"];
        for texts in [&all[..], &all[2..]] {
            let lits: Vec<Literal> = texts.iter().map(|t| Literal::words(t)).collect();
            // Word bytes before the literals move them to every alignment of the squeezed text.
            for pad in 0..17 {
                let mut hay = format!("{} -", "z".repeat(pad));
                for t in texts {
                    hay.push_str(&t.replace(' ', ".").to_uppercase());
                    hay.push_str(" x ");
                    hay.push_str(t);
                    hay.push_str("; ");
                }
                let got = find(&lits, &hay, "", 0);
                assert_eq!(got, oracle(&lits, &hay, 0), "padding {pad}");
                assert_eq!(got.len(), 2 * texts.len(), "padding {pad}");
            }
        }
    }

    #[test]
    fn a_short_gram_passes_its_context_only_where_up_to_four_key_bytes_on_each_side_stand() {
        for key in ["error26", "windows98", "abcde"] {
            let lits = [Literal::words(key)];
            let s = Squeeze::new(&lits, &[0], Counted::of(&[], b""));
            let near =
                format!("{key} {} x{key} {key}1 error 27 windows 95 abcdf {key}", &key[..key.len() - 1]);
            let mut scratch = Scratch::default();
            scratch.fill(near.as_bytes());
            let sq = &scratch.squeezed[..scratch.len()];
            let key = key.as_bytes();
            // The grams chosen for the key: a run of four (every 4 bytes), or of two (every 2).
            let chosen = s.table.owners();
            assert_eq!(chosen.len(), s.short.as_ref().expect("short grams").1);
            for &Owner { gram, offset, .. } in chosen {
                let o = offset as usize;
                // The key bytes the context holds: all of a key of up to 8 bytes.
                let (from, to) = (o.saturating_sub(4), (o + 8).min(key.len()));
                assert!(key.len() > 8 || (from, to) == (0, key.len()));
                for at in 0..=sq.len() - 4 {
                    let stands = at + from >= o && sq[at + from - o..].starts_with(&key[from..to]);
                    let passes = gram_of(sq, at, 4) == gram && s.in_context(&scratch.squeezed, at, gram, 4);
                    assert_eq!(passes, stands, "{} gram {o} at {at}", String::from_utf8_lossy(key));
                }
            }
        }
    }

    #[test]
    fn a_random_text_of_near_misses_gives_what_comparing_everywhere_gives() {
        let texts = [
            "failed to create mapi session",
            "logon",
            "device is busy",
            "the connection refused now",
            "status_object_name_not_found here",
            "error error error state",
        ];
        let mut lits: Vec<Literal> = texts.iter().map(|t| Literal::words(t)).collect();
        lits.extend([Literal::plain("8004011d"), Literal::plain("0x52e"), Literal::plain("-2147221219")]);
        let pieces = [
            "STATUS_OBJECT_NAME_NOT_FOUND",
            "here",
            "error",
            "state",
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
            "0x52E",
            "-2147221219",
            "x",
        ];
        let seps = [" ", "  ", ".", ", ", "\r\n", "\n  ", "\"", "_", "é", ""];
        let hay = mixed_text(&pieces, &seps, 20_000);
        for max_breaks in [0, 1, 3] {
            // Tuned to the text itself (so the rarest grams, not the first, key each literal) and not.
            for log in [hay.as_str(), ""] {
                let got = find(&lits, &hay, log, max_breaks);
                assert!(got.len() > 100, "the text holds many occurrences ({})", got.len());
                assert_eq!(got, oracle(&lits, &hay, max_breaks), "up to {max_breaks} line breaks");
            }
        }
    }

    #[test]
    fn calibration_keys_a_literal_by_grams_the_log_lacks() {
        let log = "the device is ready; the device is busy? no: device is ready\n".repeat(500);
        let lits = [Literal::words("the device is busy now")];
        let s = Squeeze::new(&lits, &[0], Counted::of(&[], log.as_bytes()));
        // `thedeviceisbusynow`: the run of eight grams that ends with the key holds the three the log
        // lacks (`eisbusyn`, `isbusyno`, `sbusynow`); every other run holds fewer.
        let offsets: Vec<u32> = s.table.owners().iter().map(|o| o.offset).collect();
        assert_eq!(offsets.iter().min(), Some(&3), "{offsets:?}");
        assert_eq!(offsets.iter().max(), Some(&10), "{offsets:?}");
        let hay = format!("{log}The device is busy now.\n");
        let mut v = Vec::new();
        s.find(hay.as_bytes(), 0, &lits, &mut Scratch::default(), &mut |a, b, id| v.push((a, b, id)));
        assert_eq!(v, [(log.len(), log.len() + 22, 0)]);
    }

    /// Where the grams chosen for `literal`, tuned to `log`, start in its squeezed key.
    fn chosen_offsets(literal: &Literal, log: &str) -> Vec<u32> {
        let s = Squeeze::new(std::slice::from_ref(literal), &[0], Counted::of(&[], log.as_bytes()));
        s.table.owners().iter().map(|o| o.offset).collect()
    }

    #[test]
    fn a_long_gram_whose_context_is_common_in_the_log_is_avoided() {
        // Sixteen bytes: nine 8-byte grams, so two runs of eight, which share all but the first gram
        // (`abcdefgh`) and the last (`ijklmnop`).
        let offsets = |log: &str| chosen_offsets(&Literal::words("abcdefgh ijklmnop"), log);
        // The last gram is the more common in the log, but the first is met with the key's next four
        // bytes (`ijkl`), so that each of those would pass the context filter too.
        let log = format!("{}{}", "abcdefgh ijkl zz\n".repeat(100), "qq ijklmnop\n".repeat(150));
        assert_eq!(offsets(&log), (1..9).collect::<Vec<u32>>());
        // Met with other bytes after it, the first gram is the cheaper.
        let log = format!("{}{}", "abcdefgh zz\n".repeat(100), "qq ijklmnop\n".repeat(150));
        assert_eq!(offsets(&log), (0..8).collect::<Vec<u32>>());
    }

    #[test]
    fn a_short_gram_is_weighed_by_its_bit_so_one_sharing_the_bit_of_a_common_gram_is_avoided() {
        // `abcdefgh` has five 4-byte grams, so two runs of four: from 0 or from 1. Untuned, the first.
        let offsets = |log: &str| chosen_offsets(&Literal::words("abcdefgh"), log);
        assert_eq!(offsets(""), [0, 1, 2, 3]);
        // A gram of other letters on the bit of `abcd` (the bitmap of one short key's four grams), none
        // of whose turns (the log repeats it) falls on the bit of another gram of the key.
        let bits = Bits::sized(4);
        let place = |g: &[u8]| bits.place(u32::from_le_bytes(g.try_into().unwrap()));
        let key = b"abcdefgh";
        let common = (0..11u32.pow(4))
            .map(|i| [0, 1, 2, 3].map(|d| b'p' + (i / 11u32.pow(d) % 11) as u8))
            .find(|g| {
                let turns = [0, 1, 2, 3].map(|r| [g[r], g[(r + 1) % 4], g[(r + 2) % 4], g[(r + 3) % 4]]);
                place(g) == place(&key[..4])
                    && turns.iter().all(|t| key.windows(4).skip(1).all(|k| place(t) != place(k)))
            })
            .expect("a gram on that bit");
        let log = format!("{} ", std::str::from_utf8(&common).unwrap()).repeat(300);
        assert_eq!(
            offsets(&log),
            [1, 2, 3, 4],
            "`{}` shares the bit of `abcd`",
            String::from_utf8_lossy(&common)
        );
        // Counts do not stop at a few hundred: a gram on 1,000 lines weighs more than one on 300.
        let log = format!("{}{}", "abcd\n".repeat(1000), "efgh\n".repeat(300));
        assert_eq!(offsets(&log), [1, 2, 3, 4]);
        let log = format!("{}{}", "abcd\n".repeat(300), "efgh\n".repeat(1000));
        assert_eq!(offsets(&log), [0, 1, 2, 3]);
    }

    #[test]
    fn short_grams_counted_by_their_bit_in_the_largest_bitmap_and_folded_count_as_in_a_smaller_one() {
        let pieces = ["error", "event", "5000", "user", "windows", "_", "q"];
        let rules = mixed_text(&pieces, &[" ", ". "], 20_000);
        let log = mixed_text(&pieces, &["\n", " - "], 50_000);
        let counted = Counted::of(&[&rules], log.as_bytes());
        for keys in [1, 100, 3_000, 100_000] {
            let bits = Bits::sized(keys);
            let slots = 32 * bits.words.len();
            let mut direct = Counts::new(slots);
            for (text, count) in [(&rules, Count::Rules), (&log, Count::Log)] {
                let text: Vec<u8> = squeezed(text.as_bytes()).collect();
                for w in text.windows(4) {
                    direct.bump(bits.place(u32::from_le_bytes(w.try_into().unwrap())), count);
                }
            }
            let folded = counted.short.folded(bits.coarser());
            assert!((0..slots).any(|s| direct.log(s) > 0));
            for s in 0..slots {
                assert_eq!((folded.cost(s), folded.log(s)), (direct.cost(s), direct.log(s)), "{keys} keys");
            }
        }
    }

    #[test]
    fn the_short_grams_of_a_batch_are_looked_up_alike_eight_at_a_time_and_one_by_one() {
        // Batches of random word bytes; the keys are grams spread over the first batches, so that many
        // bits are set.
        let pieces: Vec<String> = "abcdefghij0123_".chars().map(String::from).collect();
        let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
        let text = mixed_text(&pieces, &[""], 64 * (BATCH + 8)).into_bytes();
        for count in [1, 30, 900] {
            let keys: Vec<u64> = (0..count)
                .map(|i| {
                    let at = i * 131 % (8 * BATCH);
                    u64::from(u32::from_le_bytes(text[at..at + 4].try_into().unwrap()))
                })
                .collect();
            let mut bits = Bits::sized(keys.len());
            keys.iter().for_each(|&k| bits.insert(k as u32));
            let mut set = 0;
            for batch in text.chunks_exact(BATCH + 8) {
                let batch: &[u8; BATCH + 8] = batch.try_into().unwrap();
                for from in [0, 2] {
                    let expected = (0..BATCH / 4).fold(0, |m, k| {
                        let at = 4 * k + from;
                        m | u32::from(bits.maybe(u32::from_le_bytes(batch[at..at + 4].try_into().unwrap())))
                            << k
                    });
                    set += expected.count_ones();
                    assert_eq!(bits.batch::<false>(batch, from), expected);
                    #[cfg(target_arch = "x86_64")]
                    if std::is_x86_feature_detected!("avx2") {
                        assert_eq!(bits.batch::<true>(batch, from), expected, "{count} keys, from {from}");
                    }
                }
            }
            assert!(set > 0, "some grams are keys");
        }
    }

    #[test]
    fn literals_need_five_word_bytes() {
        assert!(suits(&Literal::words("mapi session")) && suits(&Literal::plain("0x52e")));
        assert!(!suits(&Literal::plain("c:\\a\\b")), "three word bytes");
        assert!(!suits(&Literal::words("is it")));
        let unanchored = Literal { parts: vec![b"--".to_vec(), b"verbose".to_vec()], word: true };
        assert!(!suits(&unanchored), "no word byte in the first part to place the key from");
    }
}
