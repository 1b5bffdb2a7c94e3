//! One normal form for pasted text and rule phrases, so that case, line wraps, curly quotes, dashes and
//! punctuation never decide whether a message matches.
//!
//! Text becomes a sequence of *words* (runs of letters, digits and `_`), lower-cased and joined by single
//! spaces. Everything else (whitespace of any kind, CRLF, hard wraps, quotes, dashes, dots, colons) only
//! separates words, so `Internal error: failed to create MAPI.Session.` and a re-wrapped, upper-cased,
//! curly-quoted copy of it both read `internal error failed to create mapi session`. Each word remembers
//! where it came from, so a match in the normal form maps back to a span of the original input.

use std::ops::Range;

/// Text in normal form, with the way back to the original.
#[derive(Debug, Clone, Default)]
pub struct Normalised {
    text: String,
    words: Vec<Word>,
}

#[derive(Debug, Clone)]
struct Word {
    norm: Range<usize>,
    orig: Range<usize>,
}

/// Is `c` part of a word? Letters, digits and `_` (so `MAPI_E_TOO_MANY_SESSIONS` stays one word).
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl Normalised {
    /// Normalises `input`.
    pub fn new(input: &str) -> Self {
        let mut text = String::with_capacity(input.len());
        let mut words = Vec::new();
        let mut start: Option<(usize, usize)> = None; // (orig start, norm start)
        for (i, c) in input.char_indices() {
            if is_word_char(c) {
                if start.is_none() {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    start = Some((i, text.len()));
                }
                text.extend(c.to_lowercase());
            } else if let Some((orig, norm)) = start.take() {
                words.push(Word { norm: norm..text.len(), orig: orig..i });
            }
        }
        if let Some((orig, norm)) = start {
            words.push(Word { norm: norm..text.len(), orig: orig..input.len() });
        }
        Normalised { text, words }
    }

    /// The normal form: lower-case words separated by single spaces.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Number of words.
    pub fn word_count(&self) -> usize {
        self.words.len()
    }

    /// The words of the normal form.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.words.iter().map(|w| &self.text[w.norm.clone()])
    }

    /// True when `range` of the normal form starts and ends on word boundaries.
    pub fn on_word_boundaries(&self, range: &Range<usize>) -> bool {
        let bytes = self.text.as_bytes();
        (range.start == 0 || bytes[range.start - 1] == b' ')
            && (range.end == bytes.len() || bytes[range.end] == b' ')
    }

    /// The span of the original input holding words `first..end` (word indices).
    pub fn words_span(&self, first: usize, end: usize) -> Range<usize> {
        match (self.words.get(first), end.checked_sub(1).and_then(|l| self.words.get(l))) {
            (Some(a), Some(b)) if first < end => a.orig.start..b.orig.end,
            _ => 0..0,
        }
    }

    /// The words (indices) that overlap a byte span of the original input.
    pub fn words_within(&self, span: &Range<usize>) -> Range<usize> {
        let first = self.words.partition_point(|w| w.orig.end <= span.start);
        let end = self.words.partition_point(|w| w.orig.start < span.end);
        first..end.max(first)
    }

    /// Maps a span of the normal form (on word boundaries) back to the span of the original input that
    /// holds the same words.
    pub fn original_span(&self, range: Range<usize>) -> Range<usize> {
        if self.words.is_empty() || range.start >= range.end {
            return 0..0;
        }
        let first = self.words.partition_point(|w| w.norm.end <= range.start);
        let last = self.words.partition_point(|w| w.norm.start < range.end);
        let first = first.min(self.words.len() - 1);
        let last = last.clamp(first + 1, self.words.len()) - 1;
        self.words[first].orig.start..self.words[last].orig.end
    }
}

/// A near-verbatim form: case and punctuation kept, but curly quotes and dashes folded to ASCII, runs of
/// whitespace (line wraps included) made one space, and leading and trailing punctuation dropped. Two
/// texts with the same normal form that also agree here match character for character.
pub fn verbatim(text: &str) -> String {
    let collapsed = fold_punctuation(text).split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.trim_matches(|c: char| !is_word_char(c)).to_string()
}

/// The punctuation before the first word and after the last word of `text` (quotes, brackets, a final
/// period), with curly quotes and dashes folded to ASCII and whitespace removed.
pub fn edges(text: &str) -> (String, String) {
    let folded: String = fold_punctuation(text).chars().filter(|c| !c.is_whitespace()).collect();
    let head: String = folded.chars().take_while(|c| !is_word_char(*c)).collect();
    let tail: String = folded
        .chars()
        .rev()
        .take_while(|c| !is_word_char(*c))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (head, tail)
}

/// Curly quotes to straight ones, dashes to `-`.
pub fn fold_punctuation(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' => '"',
            '\u{2010}'..='\u{2015}' => '-',
            c => c,
        })
        .collect()
}

/// Normal form of a short phrase, as a plain string.
pub fn normalise(text: &str) -> String {
    Normalised::new(text).text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_wraps_quotes_and_punctuation_fold_away() {
        let wrapped = "INTERNAL error:\r\n  failed to create\n\u{201C}MAPI.Session\u{201D}.\u{2014}";
        assert_eq!(normalise(wrapped), "internal error failed to create mapi session");
        assert_eq!(normalise("Internal error: failed to create MAPI.Session."), normalise(wrapped));
    }

    #[test]
    fn verbatim_keeps_case_and_punctuation_but_not_wraps_or_curly_quotes() {
        assert_eq!(verbatim("  \u{201C}ID no. 0xc0020057.\u{201D}\r\n"), "ID no. 0xc0020057");
        assert_eq!(verbatim("Cannot Open\r\n  Help File"), "Cannot Open Help File");
        assert_ne!(verbatim("ID No: 1"), verbatim("ID no. 1"));
        assert_eq!(edges(" \u{201C}Setup failed ( \"\" ).\r\n"), ("\"".to_string(), "(\"\").".to_string()));
        assert_eq!(edges("plain"), (String::new(), String::new()));
    }

    #[test]
    fn underscores_keep_symbolic_codes_whole() {
        assert_eq!(normalise("returned MAPI_E_TOO_MANY_SESSIONS."), "returned mapi_e_too_many_sessions");
    }

    #[test]
    fn spans_map_back_to_the_original_text() {
        let input = "12:00 ERROR [w3wp] Internal error:\r\nfailed to create MAPI.Session. [x]";
        let n = Normalised::new(input);
        let needle = "internal error failed to create mapi session";
        let at = n.as_str().find(needle).unwrap();
        let span = n.original_span(at..at + needle.len());
        assert_eq!(&input[span], "Internal error:\r\nfailed to create MAPI.Session");
    }

    #[test]
    fn word_boundaries_are_checked() {
        let n = Normalised::new("mapilogon failed");
        assert!(n.on_word_boundaries(&(0..9)));
        assert!(!n.on_word_boundaries(&(0..4)));
        assert_eq!(n.word_count(), 2);
    }

    #[test]
    fn non_ascii_lowercasing_keeps_spans_valid() {
        let input = "ÉCHEC: İstanbul";
        let n = Normalised::new(input);
        assert_eq!(n.words().count(), 2);
        let end = n.as_str().len();
        assert_eq!(&input[n.original_span(0..end)], "ÉCHEC: İstanbul");
    }

    #[test]
    fn empty_and_punctuation_only_text_has_no_words() {
        assert_eq!(Normalised::new("  ...  \r\n").word_count(), 0);
        assert_eq!(Normalised::new("").original_span(0..3), 0..0);
    }
}
