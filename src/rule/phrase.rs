//! A `text` symptom: a phrase matched in normal form, where `<placeholder>` spans are wildcards that stand
//! for whatever the real message holds there (a server name, a path, an address).

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Deserializer};

use super::check::Check;
use crate::normalise::normalise;

/// Most words a placeholder may stand for.
pub const MAX_PLACEHOLDER_WORDS: usize = 12;

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<[^<>\r\n]{1,60}>").expect("placeholder pattern is valid"));

/// A phrase as written and as matched.
#[derive(Debug, Clone)]
pub struct Phrase {
    /// As the rule wrote it.
    pub source: String,
    /// The literal parts in normal form, in order; placeholders lie between them. Placeholders before the
    /// first or after the last part add nothing and are dropped.
    pub segments: Vec<String>,
    /// The same parts in near-verbatim form ([`crate::normalise::verbatim`]).
    pub verbatim: Vec<String>,
    /// The punctuation around each part ([`crate::normalise::edges`]).
    pub edges: Vec<(String, String)>,
}

impl Phrase {
    /// Reads a phrase; `None` when nothing matchable is left after normalisation.
    pub fn parse(source: &str) -> Option<Phrase> {
        let parts: Vec<&str> = PLACEHOLDER.split(source).filter(|p| !normalise(p).is_empty()).collect();
        if parts.is_empty() {
            return None;
        }
        Some(Phrase {
            source: source.to_string(),
            segments: parts.iter().map(|p| normalise(p)).collect(),
            verbatim: parts.iter().map(|p| crate::normalise::verbatim(p)).collect(),
            edges: parts.iter().map(|p| crate::normalise::edges(p)).collect(),
        })
    }

    /// True when the phrase has wildcards between its parts.
    pub fn has_gaps(&self) -> bool {
        self.segments.len() > 1
    }

    /// A regex over normal-form text that finds the whole phrase, wildcards included.
    pub fn gap_regex(&self) -> Regex {
        let mut pattern = String::from(r"(?:^| )(");
        for (i, seg) in self.segments.iter().enumerate() {
            if i > 0 {
                pattern.push_str(&format!(r"(?: [^ ]+){{0,{MAX_PLACEHOLDER_WORDS}}} "));
            }
            pattern.push_str(&regex::escape(seg));
        }
        pattern.push_str(")(?: |$)");
        Regex::new(&pattern).expect("escaped segments form a valid regex")
    }
}

impl<'de> Deserialize<'de> for Phrase {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Phrase::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(Check::NeverMatches.tag(format!(
                "text `{s}` can never match: after normalisation it holds no letters or digits outside placeholders"
            )))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_split_the_phrase() {
        let p = Phrase::parse("The server <servername> is not available.").unwrap();
        assert_eq!(p.segments, vec!["the server", "is not available"]);
        assert!(p.has_gaps());
        let re = p.gap_regex();
        assert!(re.is_match(&normalise("error: The server EXCH-01.corp.local is not available")));
        assert!(!re.is_match(&normalise("is not available: the server")));
        let far = format!("the server {} is not available", "word ".repeat(MAX_PLACEHOLDER_WORDS + 1));
        assert!(!re.is_match(&normalise(&far)));
    }

    #[test]
    fn edge_placeholders_are_dropped_and_empty_phrases_refused() {
        let p = Phrase::parse("<file> could not be found").unwrap();
        assert_eq!(p.segments, vec!["could not be found"]);
        assert!(!p.has_gaps());
        assert!(Phrase::parse("<only a placeholder>").is_none());
        assert!(Phrase::parse(" ... ").is_none());
    }
}
