//! The literal filter `scan` runs over the raw bytes, in one of two designs chosen per scan:
//!
//! - the gram filter ([`super::grams`]): a few bytes of each literal, looked at every few bytes. Cheapest
//!   when the literals' bytes are rare in the log (up to a few thousand rules);
//! - the word-pair filter ([`super::words`]) for literals of plain words, beside the gram filter for the
//!   rest (codes, regex literals): every word of the input hashed and each pair of adjacent words looked
//!   up. A constant cost per word, but it stays low when the log is full of the rules' own words, where
//!   the gram filter would stop at nearly every word.
//!
//! The choice is made on the start of the input (the same sample the filters are tuned with), by what
//! each design would cost on it: positions or words looked at, plus full comparisons, each weighted by
//! what it costs on this kind of machine; the word design's cost includes the gram pass it still runs for
//! codes and regex literals. Without a sample (standard input, or a file that cannot be read ahead) the
//! word filter is taken for large sets of literals. Both designs find exactly the same occurrences of
//! the literals `plan` builds (each has a word of [`super::grams::MIN_LEN`] bytes).

use super::grams::{Grams, Literal};
use super::words::{self, Words};

/// Relative costs, in nanoseconds on the machine the benchmarks ran on: a position the gram filter
/// looks at, a word the word filter hashes, a full comparison either one starts.
const GRAM_POSITION: f64 = 0.7;
const WORD: f64 = 9.0;
const CHECK: f64 = 40.0;
/// Without a sample (standard input), the word filter is taken from this many literals.
const WORDS_FROM: usize = 2000;

/// The filters over one list of literals; hits carry the index in that list.
pub struct Filter {
    literals: Vec<Literal>,
    words: Option<Words>,
    /// The gram filter and, for each of its literals, the index in `literals`.
    grams: Option<(Grams, Vec<u32>)>,
}

impl Filter {
    /// Filters for `literals`, tuned to `log` (the start of the input) and `sample` (the rules' text).
    pub fn new(literals: Vec<Literal>, sample: &[&str], log: &[u8]) -> Filter {
        let all: Vec<u32> = (0..literals.len() as u32).collect();
        let (by_words, by_grams): (Vec<u32>, Vec<u32>) =
            all.iter().partition(|&&i| words::suits(&literals[i as usize]));
        let grams_of = |ids: &[u32]| {
            (!ids.is_empty()).then(|| {
                let own = ids.iter().map(|&i| literals[i as usize].clone()).collect();
                (Grams::new(own, sample, log), ids.to_vec())
            })
        };
        if by_words.is_empty() {
            return Filter { grams: grams_of(&all), literals, words: None };
        }
        if log.is_empty() {
            return if literals.len() >= WORDS_FROM {
                Filter {
                    words: Some(Words::new(&literals, &by_words, sample, log)),
                    grams: grams_of(&by_grams),
                    literals,
                }
            } else {
                Filter { grams: grams_of(&all), literals, words: None }
            };
        }
        let all_grams = grams_of(&all).expect("there are literals");
        let gram_cost =
            |g: &Grams| (log.len() / g.stride()) as f64 * GRAM_POSITION + g.flagged(log) as f64 * CHECK;
        let by_grams_cost = gram_cost(&all_grams.0);
        // The word filter costs at least its words: when that is already more, it need not be built.
        if words::count(log) as f64 * WORD >= by_grams_cost {
            return Filter { grams: Some(all_grams), literals, words: None };
        }
        let words = Words::new(&literals, &by_words, sample, log);
        let (count, hits) = words.probes(log);
        let rest = grams_of(&by_grams);
        let by_words_cost =
            count as f64 * WORD + hits as f64 * CHECK + rest.as_ref().map_or(0.0, |(g, _)| gram_cost(g));
        if by_words_cost < by_grams_cost {
            Filter { words: Some(words), grams: rest, literals }
        } else {
            Filter { grams: Some(all_grams), literals, words: None }
        }
    }

    pub fn literals(&self) -> &[Literal] {
        &self.literals
    }

    /// Whether the word-pair filter was chosen.
    pub fn by_words(&self) -> bool {
        self.words.is_some()
    }

    /// Calls `found(start, end, literal)` for every occurrence of a literal in `hay` whose separators
    /// hold at most `max_breaks` line breaks (in no particular order).
    pub fn find(&self, hay: &[u8], max_breaks: usize, mut found: impl FnMut(usize, usize, u32)) {
        if let Some(w) = &self.words {
            w.find(hay, max_breaks, &self.literals, &mut found);
        }
        if let Some((g, ids)) = &self.grams {
            g.find(hay, max_breaks, |s, e, i| found(s, e, ids[i as usize]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(text: &str) -> Literal {
        Literal { parts: text.split(' ').map(|w| w.as_bytes().to_vec()).collect(), word: true }
    }

    fn hits(f: &Filter, hay: &str) -> Vec<(usize, usize, u32)> {
        let mut v = Vec::new();
        f.find(hay.as_bytes(), 0, |s, e, id| v.push((s, e, id)));
        v.sort_unstable();
        v
    }

    /// The filter of one design, whatever the costs say, tuned to `log`.
    fn forced(literals: &[Literal], by_words: bool, log: &[u8]) -> Filter {
        let all: Vec<u32> = (0..literals.len() as u32).collect();
        let (w, g): (Vec<u32>, Vec<u32>) =
            all.iter().partition(|&&i| by_words && words::suits(&literals[i as usize]));
        let own = |ids: &[u32]| ids.iter().map(|&i| literals[i as usize].clone()).collect::<Vec<_>>();
        Filter {
            words: (!w.is_empty()).then(|| Words::new(literals, &w, &[], log)),
            grams: (!g.is_empty()).then(|| (Grams::new(own(&g), &[], log), g.clone())),
            literals: literals.to_vec(),
        }
    }

    #[test]
    fn both_designs_find_exactly_the_same_occurrences_in_a_mixed_text() {
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
        let mut literals: Vec<Literal> = texts.iter().map(|t| literal(t)).collect();
        literals.push(Literal { parts: vec![b"8004011d".to_vec()], word: false });
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
        let mut hay = String::new();
        let mut state = 7u64;
        for _ in 0..20_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            hay.push_str(pieces[(state >> 33) as usize % pieces.len()]);
            hay.push_str(seps[(state >> 17) as usize % seps.len()]);
        }
        for phrase in texts {
            hay.push_str(phrase);
            hay.push_str("; ");
        }
        // Tuned to the text itself (so the rarest pair, not the first, keys each phrase) and untuned.
        for (log, max_breaks) in [(hay.as_bytes(), 0), (hay.as_bytes(), 1), (&[][..], 3)] {
            let mut a = Vec::new();
            forced(&literals, true, log).find(hay.as_bytes(), max_breaks, |s, e, id| a.push((s, e, id)));
            let mut b = Vec::new();
            forced(&literals, false, log).find(hay.as_bytes(), max_breaks, |s, e, id| b.push((s, e, id)));
            a.sort_unstable();
            b.sort_unstable();
            assert!(a.len() > 100, "the text holds many occurrences ({})", a.len());
            assert_eq!(a, b, "up to {max_breaks} line breaks");
        }
    }

    #[test]
    fn both_designs_find_the_same_and_the_log_decides_between_them() {
        let literals = vec![
            literal("the device is busy now"),
            literal("refused the connection"),
            Literal { parts: vec![b"8004011d".to_vec()], word: false },
        ];
        // A log full of the literals' words: the word filter is cheaper.
        let busy = "device busy, device ready: device is the connection; refused connection\n".repeat(2000);
        // A log that shares nothing with them: the gram filter is.
        let quiet = "2024-01-01 INFO job 42 ok\n".repeat(2000);
        let by_words = Filter::new(literals.clone(), &[], busy.as_bytes());
        let by_grams = Filter::new(literals, &[], quiet.as_bytes());
        assert!(by_words.by_words() && !by_grams.by_words());
        let hay = "x: The device is busy now, hr=0x8004011D; server refused the\nconnection";
        let want = [(3, 25, 0), (32, 40, 2)];
        assert_eq!(hits(&by_words, hay), want);
        assert_eq!(hits(&by_grams, hay), want);
    }
}
