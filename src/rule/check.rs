//! The ids of everything the loader and `kbx rules lint` check, so that every problem in a rule set can be
//! named, documented, looked up and waived by the same short id.

use std::fmt;

use serde::Serialize;

/// One check. The loader's problems carry the check that found them; `kbx rules lint` adds the checks
/// that do not stop a rule from loading. Severity, message and fix live in `crate::lint::catalogue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// A file that cannot be read, is not UTF-8, or a folder that does not exist.
    Unreadable,
    /// YAML syntax, an unknown or missing field, a value of the wrong type.
    Schema,
    /// A rule id with characters outside letters, digits, `.`, `_`, `-`.
    InvalidId,
    /// A rule id that differs from its file name.
    IdFileName,
    /// Two rules with one id.
    DuplicateId,
    /// Two rules with one title.
    DuplicateTitle,
    /// A rule whose `kb` article has no record.
    MissingKbRecord,
    /// Two records of one article in one source.
    DuplicateKbRecord,
    /// A kb record no rule points to.
    UnusedKbRecord,
    /// An empty title.
    EmptyTitle,
    /// A rule without symptoms.
    NoSymptoms,
    /// A symptom that no input can ever match.
    NeverMatches,
    /// A regex that matches every input.
    MatchesEverything,
    /// A regex the regex crate cannot compile.
    InvalidRegex,
    /// An error code kbx cannot read.
    InvalidCode,
    /// A regex that is only a literal: a `text` symptom says the same and matches more forms.
    LiteralRegex,
    /// A rule whose only evidence is a generic code or a common phrase.
    GenericOnly,
    /// An action outside the executor's closed set.
    UnknownAction,
    /// An action value the executor refuses (`..`, UNC paths, metacharacters, unknown variables).
    UnsafeAction,
    /// A changing action without a safety level, or a safety level without an action.
    MissingSafety,
    /// A resolution step without text.
    EmptyStep,
    /// A rule without `match` examples.
    NoExamples,
    /// A rule without `no_match` examples.
    NoCounterExamples,
    /// A rule without resolution steps.
    NoResolution,
    /// A waiver that waives nothing.
    UnusedWaiver,
}

impl Check {
    /// Every check, in catalogue order.
    pub const ALL: [Check; 25] = [
        Check::Unreadable,
        Check::Schema,
        Check::InvalidId,
        Check::IdFileName,
        Check::DuplicateId,
        Check::DuplicateTitle,
        Check::MissingKbRecord,
        Check::DuplicateKbRecord,
        Check::UnusedKbRecord,
        Check::EmptyTitle,
        Check::NoSymptoms,
        Check::NeverMatches,
        Check::MatchesEverything,
        Check::InvalidRegex,
        Check::InvalidCode,
        Check::LiteralRegex,
        Check::GenericOnly,
        Check::UnknownAction,
        Check::UnsafeAction,
        Check::MissingSafety,
        Check::EmptyStep,
        Check::NoExamples,
        Check::NoCounterExamples,
        Check::NoResolution,
        Check::UnusedWaiver,
    ];

    /// The id as written in reports, docs and waivers.
    pub fn id(self) -> &'static str {
        match self {
            Check::Unreadable => "unreadable",
            Check::Schema => "schema",
            Check::InvalidId => "invalid-id",
            Check::IdFileName => "id-file-name",
            Check::DuplicateId => "duplicate-id",
            Check::DuplicateTitle => "duplicate-title",
            Check::MissingKbRecord => "missing-kb-record",
            Check::DuplicateKbRecord => "duplicate-kb-record",
            Check::UnusedKbRecord => "unused-kb-record",
            Check::EmptyTitle => "empty-title",
            Check::NoSymptoms => "no-symptoms",
            Check::NeverMatches => "never-matches",
            Check::MatchesEverything => "matches-everything",
            Check::InvalidRegex => "invalid-regex",
            Check::InvalidCode => "invalid-code",
            Check::LiteralRegex => "literal-regex",
            Check::GenericOnly => "generic-only",
            Check::UnknownAction => "unknown-action",
            Check::UnsafeAction => "unsafe-action",
            Check::MissingSafety => "missing-safety",
            Check::EmptyStep => "empty-step",
            Check::NoExamples => "no-examples",
            Check::NoCounterExamples => "no-counter-examples",
            Check::NoResolution => "no-resolution",
            Check::UnusedWaiver => "unused-waiver",
        }
    }

    /// The check with this id.
    pub fn from_id(id: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.id() == id)
    }

    /// `message` marked as found by this check, for errors raised inside deserialisation (where only a
    /// string gets through serde); `load::parse_yaml` takes the mark off again.
    pub(crate) fn tag(self, message: impl fmt::Display) -> String {
        format!("[{}] {message}", self.id())
    }

    /// The check a deserialisation message was marked with, and the message without the mark.
    pub(crate) fn untag(message: &str) -> Option<(Check, String)> {
        message.match_indices('[').find_map(|(open, _)| {
            let close = open + message[open..].find("] ")?;
            let check = Check::from_id(&message[open + 1..close])?;
            Some((check, format!("{}{}", &message[..open], &message[close + 2..])))
        })
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_unique() {
        for check in Check::ALL {
            assert_eq!(Check::from_id(check.id()), Some(check));
        }
        let mut ids: Vec<&str> = Check::ALL.iter().map(|c| c.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Check::ALL.len());
    }

    #[test]
    fn a_tag_survives_a_path_prefix_and_comes_off() {
        let message = format!("resolution[1]: {}", Check::EmptyStep.tag("a step needs text"));
        assert_eq!(
            Check::untag(&message),
            Some((Check::EmptyStep, "resolution[1]: a step needs text".into()))
        );
        assert_eq!(Check::untag("symptoms[0]: unknown field `txt`"), None);
    }
}
