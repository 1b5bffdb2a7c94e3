//! The catalogue of lint checks: for each, how serious it is, what it finds and how to fix it. The
//! authoring guide's table (docs/lint.md) lists the same entries; a test keeps the two equal.

use serde::Serialize;

use crate::rule::Check;

/// How serious a finding is. Errors make `kbx rules lint` exit 1 and cannot be waived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Error,
    Warning,
    Hint,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Hint => "hint",
        }
    }
}

/// One catalogue entry.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Entry {
    pub check: Check,
    pub level: Level,
    /// What the check finds.
    pub finds: &'static str,
    /// How to fix what it finds.
    pub fix: &'static str,
}

/// The entry of `check`.
pub fn entry(check: Check) -> Entry {
    use Check as C;
    use Level::{Error, Hint, Warning};
    let (level, finds, fix) = match check {
        C::Unreadable => (
            Error,
            "A file that cannot be read or is not UTF-8, or a folder that does not exist.",
            "Check the path and permissions; save the file as UTF-8.",
        ),
        C::Schema => (
            Error,
            "YAML syntax, an unknown or misspelt field, a missing field, or a value of the wrong type.",
            "Fix the field at the line and column shown; docs/rule-format.md lists every field and its type.",
        ),
        C::InvalidId => (
            Error,
            "A rule id with characters other than letters, digits, `.`, `_` and `-`.",
            "Use letters, digits, `.`, `_` and `-`, starting with a letter or digit.",
        ),
        C::IdFileName => (
            Error,
            "A rule whose id is not its file name without `.yaml`.",
            "Rename the file or change `id` so that the two agree.",
        ),
        C::DuplicateId => {
            (Error, "Two rules with the same id.", "Give one of them another id (and rename its file).")
        }
        C::DuplicateTitle => (
            Warning,
            "Two rules with the same title: people cannot tell them apart in a list of matches.",
            "Say in each title what is different about its problem (product, version, message).",
        ),
        C::MissingKbRecord => (
            Error,
            "A rule whose `kb` article has no record in kb/.",
            "Add kb/<id>.md (`kbx rules new --from` the article writes one), or correct the article id.",
        ),
        C::DuplicateKbRecord => {
            (Error, "Two records of one article in one folder.", "Keep one of the two files.")
        }
        C::UnusedKbRecord => {
            (Warning, "A kb record that no rule points to.", "Write the rule for it, or remove the record.")
        }
        C::EmptyTitle => (Error, "A rule with an empty title.", "Say in one line what goes wrong."),
        C::NoSymptoms => (
            Error,
            "A rule with no symptoms: it can never match.",
            "Add at least one `text`, `regex` or `code` symptom.",
        ),
        C::NeverMatches => (
            Error,
            "A symptom no input can match: a `text` with no letters or digits outside placeholders, or a \
             regex that matches nothing.",
            "Write the words of the message; keep placeholders for the parts that vary.",
        ),
        C::MatchesEverything => (
            Error,
            "A regex that matches the empty string, and so every input.",
            "Make at least one part of the regex required.",
        ),
        C::InvalidRegex => (
            Error,
            "A regex the regex crate cannot compile.",
            "Fix the syntax shown; see https://docs.rs/regex/latest/regex/#syntax.",
        ),
        C::InvalidCode => (
            Error,
            "An error code kbx cannot read, or a code written as a bare YAML number.",
            "Write the code in quotes as messages show it: '0x80040111', '-1808', 'MAPI_E_LOGON_FAILED'.",
        ),
        C::LiteralRegex => (
            Warning,
            "A regex that is nothing but a literal: a `text` symptom says the same, and also matches the \
             message wrapped, retyped or in other punctuation.",
            "Write it as `text:` instead of `regex:`.",
        ),
        C::GenericOnly => (
            Warning,
            "A rule whose only evidence is generic: a code every product returns (0x80004005, E_FAIL) or a \
             common phrase (`access is denied`). It would come up for thousands of unrelated problems.",
            "Add the message that is particular to this article, or mark the generic symptoms `required` \
             beside one that is.",
        ),
        C::UnknownAction => (
            Error,
            "An action outside the executor's closed set.",
            "Use one of regsvr32, service_start, service_stop, service_restart, registry_set, \
             registry_delete_value, file_exists, registry_check, service_state, file_version, manual.",
        ),
        C::UnsafeAction => (
            Error,
            "An action value the executor refuses: a relative path, `..`, a UNC path or URL, an unknown \
             environment variable, a shell metacharacter, a registry key outside HKLM/HKCU/HKCR/HKU.",
            "Use an absolute path or one under %SystemRoot%, %ProgramFiles% and the like; put anything else \
             in a `manual` step.",
        ),
        C::MissingSafety => (
            Error,
            "A step whose action changes the system but has no `safety` level, or a `safety` without an action.",
            "Add `safety: safe`, `caution` or `dangerous` to the step (or remove a stray `safety`).",
        ),
        C::EmptyStep => (
            Error,
            "A resolution step without text.",
            "Say in words what the step does, even when it has an action.",
        ),
        C::NoExamples => (
            Warning,
            "A rule without `match` examples: nothing shows that it finds its own message.",
            "Add `examples: match:` with the message as people paste it (wrapped, in a log line).",
        ),
        C::NoCounterExamples => (
            Hint,
            "A rule without `no_match` examples.",
            "Add a near miss it must not match, such as a message of a neighbouring article.",
        ),
        C::NoResolution => {
            (Hint, "A rule without resolution steps.", "Add the steps that fix the problem, in order.")
        }
        C::UnusedWaiver => (
            Warning,
            "A waiver in the waiver file that waives nothing: the check finds nothing in the rule, or no \
             rule of that id is among those linted. It would hide the check's findings if the rule regressed.",
            "Remove the check from the rule's waivers (and the rule from the file when none is left); when \
             the rule is in another folder, lint that folder too.",
        ),
    };
    Entry { check, level, finds, fix }
}

/// Every entry, in catalogue order.
pub fn all() -> Vec<Entry> {
    Check::ALL.into_iter().map(entry).collect()
}
