//! How much a matched symptom counts, and how the matched symptoms of a rule add up to one score in
//! [0, 1] with a confidence band.
//!
//! Each matched symptom contributes `p = weight × specificity`, where *specificity* says how distinctive
//! the evidence is on its own: a phrase by the number of informative words it holds (a whole message
//! scores near 1, `access denied` much less), a code by whether it is one of the generic codes every
//! product returns (0x80004005 / E_FAIL scores 0.25). Evidence that several articles share is not
//! discounted: articles that quote the same message are equally right, and the match with the most
//! literal and complete evidence ranks first among them.
//!
//! Contributions combine as independent evidence (`score = 1 − Π(1 − p)`), so a second matched symptom
//! raises the score but never past 1, and one strong symptom is enough for a high score.

use serde::Serialize;

use crate::normalise::normalise;
use crate::rule::{Matcher, Symptom};

/// Words that appear in most error messages and so say little about which one this is.
const COMMON_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "been", "by", "can", "cannot", "could", "did", "do", "does",
    "error", "errors", "failed", "failure", "fails", "for", "from", "has", "have", "if", "in", "is", "it",
    "message", "no", "not", "of", "on", "or", "please", "that", "the", "this", "to", "unable", "was", "were",
    "will", "with", "you", "your",
];

/// The most any one symptom can contribute, so that no single piece of evidence is certainty.
const MAX_CONTRIBUTION: f64 = 0.9999;

/// Specificity of a generic code such as 0x80004005.
pub const GENERIC_CODE: f64 = 0.25;
/// Specificity of any other numeric code.
pub const NUMERIC_CODE: f64 = 0.7;
/// Specificity of a symbolic code name such as MAPI_E_TOO_MANY_SESSIONS.
pub const NAMED_CODE: f64 = 0.8;

/// How much a common word counts next to an informative one.
const COMMON_WORD_VALUE: f64 = 0.25;

/// Informative words in normalised text: each word not in the common-word list counts 1, each common word
/// a quarter.
pub fn informative_words(normalised: &str) -> f64 {
    normalised.split(' ').filter(|w| !w.is_empty()).map(word_value).sum()
}

/// How much an input word counts toward coverage: a quarter for a common word or a number (timestamps,
/// process ids and counters surround messages in logs), else 1.
pub fn coverage_value(word: &str) -> f64 {
    if word.bytes().all(|b| b.is_ascii_digit()) { COMMON_WORD_VALUE } else { word_value(word) }
}

/// How much one normalised word counts: 1, or a quarter for a common word.
pub fn word_value(word: &str) -> f64 {
    if COMMON_WORDS.contains(&word) { COMMON_WORD_VALUE } else { 1.0 }
}

/// Specificity from a count of informative words: `1 − e^(−n / 1.8)`, so 1 word 0.43, 3 words 0.81,
/// 5 words 0.94, 8 words 0.99; it keeps growing, so a longer matched message always counts more.
pub fn words_specificity(informative: f64) -> f64 {
    1.0 - (-informative / SPECIFICITY_SCALE).exp()
}

const SPECIFICITY_SCALE: f64 = 1.8;

/// How distinctive a symptom is on its own, in (0, 1].
pub fn specificity(symptom: &Symptom) -> f64 {
    match &symptom.matcher {
        Matcher::Text(p) => words_specificity(p.segments.iter().map(|s| informative_words(s)).sum()),
        Matcher::Regex(r) => {
            let shortest = crate::engine::literal::required_literals(r.as_str())
                .and_then(|set| set.iter().map(|l| informative_words(&normalise(l))).min_by(f64::total_cmp))
                .unwrap_or(0.0);
            words_specificity(shortest).max(0.45)
        }
        Matcher::Code(c) if c.is_generic() => GENERIC_CODE,
        Matcher::Code(crate::rule::Code::Name(_)) => NAMED_CODE,
        Matcher::Code(_) => NUMERIC_CODE,
    }
}

/// Share of a score kept when the evidence explains none of the input's words (the rest scales with the
/// share it does explain).
pub const COVERAGE_FLOOR: f64 = 0.3;

/// The factor for evidence that covers `coverage` (0 to 1) of the input's words, by informative weight.
pub fn coverage_factor(coverage: f64) -> f64 {
    COVERAGE_FLOOR + (1.0 - COVERAGE_FLOOR) * coverage.clamp(0.0, 1.0)
}

/// One symptom's contribution.
pub fn contribution(weight: f64, specificity: f64) -> f64 {
    (weight * specificity).clamp(0.0, MAX_CONTRIBUTION)
}

/// Combines contributions of independent evidence.
pub fn combine(contributions: impl IntoIterator<Item = f64>) -> f64 {
    1.0 - contributions.into_iter().fold(1.0, |miss, p| miss * (1.0 - p))
}

/// Combines a rule's evidence, strongest first: the strongest counts in full, each further piece (other
/// words of the input, matched by another symptom) at [`FURTHER_EVIDENCE`] of its value, since the
/// symptoms of one article are seldom independent.
pub fn combine_ranked(strongest_first: impl IntoIterator<Item = f64>) -> f64 {
    combine(
        strongest_first.into_iter().enumerate().map(|(i, p)| if i == 0 { p } else { p * FURTHER_EVIDENCE }),
    )
}

/// What each piece of evidence after a rule's strongest counts.
pub const FURTHER_EVIDENCE: f64 = 0.5;

/// How sure the engine is, in three bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    /// High from 0.75, medium from 0.45, low below.
    pub fn of(score: f64) -> Confidence {
        if score >= 0.75 {
            Confidence::High
        } else if score >= 0.45 {
            Confidence::Medium
        } else {
            Confidence::Low
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{Code, Phrase};

    fn sym(matcher: Matcher) -> Symptom {
        Symptom { matcher, weight: 1.0, required: false }
    }

    #[test]
    fn a_whole_message_outweighs_a_generic_code() {
        let message =
            sym(Matcher::Text(Phrase::parse("Internal error: failed to create MAPI.Session.").unwrap()));
        let generic = sym(Matcher::Code(Code::parse("0x80004005").unwrap()));
        let named = sym(Matcher::Code(Code::parse("MAPI_E_TOO_MANY_SESSIONS").unwrap()));
        assert!(specificity(&message) > 0.85, "{}", specificity(&message));
        assert!(specificity(&generic) < specificity(&named));
        assert!(specificity(&named) < specificity(&message));
        let short = sym(Matcher::Text(Phrase::parse("access denied").unwrap()));
        assert!(specificity(&short) < 0.7);
    }

    #[test]
    fn combined_evidence_stays_in_range_and_grows() {
        let one = combine([0.6]);
        let two = combine([0.6, 0.5]);
        assert!((one - 0.6).abs() < 1e-9);
        assert!(two > one && two < 1.0);
        assert_eq!(combine([]), 0.0);
        assert!(combine([MAX_CONTRIBUTION; 20]) <= 1.0);
    }

    #[test]
    fn confidence_bands() {
        assert_eq!(Confidence::of(0.9), Confidence::High);
        assert_eq!(Confidence::of(0.5), Confidence::Medium);
        assert_eq!(Confidence::of(0.2), Confidence::Low);
    }
}
