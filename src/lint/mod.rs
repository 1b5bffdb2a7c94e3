//! `kbx rules lint`: every problem in a rule set, each named by a check from the [`catalogue`], with where
//! it is and how to fix it. The loader's own problems (which stop a rule from loading) come first; then
//! the checks of rules that load but would serve people badly (generic evidence, no examples, …).

pub mod catalogue;
pub mod waivers;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::engine::literal;
use crate::engine::score;
use crate::normalise::normalise;
use crate::rule::load::{GENERIC_HELP, Problem, Sources, key_position, load_lenient, source_text};
use crate::rule::{Check, Knowledge, Matcher, Rule, Symptom};
pub use catalogue::Level;
pub use waivers::Waivers;

/// Version of the JSON output of `kbx rules lint`.
pub const SCHEMA_VERSION: u32 = 1;

/// A text symptom below this specificity (fewer than about 1.7 informative words) is generic.
const GENERIC_SPECIFICITY: f64 = 0.6;

/// Messages so common across products that they identify no article by themselves (normal form).
const GENERIC_PHRASES: &[&str] = &[
    "access denied",
    "access is denied",
    "an error occurred",
    "an unknown error occurred",
    "catastrophic failure",
    "file not found",
    "general failure",
    "internal error",
    "invalid parameter",
    "logon failure",
    "not enough memory",
    "operation failed",
    "out of memory",
    "permission denied",
    "the operation failed",
    "the parameter is incorrect",
    "the rpc server is unavailable",
    "the system cannot find the file specified",
    "the system cannot find the path specified",
    "timeout expired",
    "unknown error",
    "unspecified error",
];

/// One thing lint found.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub check: Check,
    pub level: Level,
    pub path: String,
    /// 1-based, when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The rule it concerns, when it concerns one.
    pub rule: Option<String>,
    pub message: String,
    /// What to do about it.
    pub help: String,
}

/// Counts over a lint run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Rules that loaded.
    pub rules: usize,
    pub records: usize,
    pub errors: usize,
    pub warnings: usize,
    pub hints: usize,
    /// Findings left out by a waiver.
    pub waived: usize,
}

/// What `kbx rules lint` reports.
#[derive(Debug, Clone, Serialize)]
pub struct LintReport {
    pub schema_version: u32,
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
}

impl LintReport {
    /// Whether any error-level check failed.
    pub fn failed(&self) -> bool {
        self.summary.errors > 0
    }
}

/// Lints the rules and records `sources` name.
pub fn lint(sources: &Sources, waivers: &Waivers) -> LintReport {
    let (knowledge, problems) = load_lenient(sources);
    // A record whose rule failed to load would read as unused: records are checked on a sound set only.
    let sound = problems.is_empty();
    let mut found: Vec<Diagnostic> = problems.into_iter().map(from_problem).collect();
    found.extend(check_set(&knowledge, sound));
    for rule in &knowledge.rules {
        found.extend(check_rule(rule));
    }
    let mut summary =
        Summary { rules: knowledge.rules.len(), records: knowledge.records.len(), ..Summary::default() };
    let before = found.len();
    let mut used = BTreeSet::new();
    found.retain(|d| match d.rule.as_deref() {
        Some(rule) if waivers.waives(rule, d.check) => {
            used.insert((rule.to_string(), d.check));
            false
        }
        _ => true,
    });
    summary.waived = before - found.len();
    // A rule that failed to load has not been checked, so its waivers cannot be judged.
    if sound {
        found.extend(unused_waivers(waivers, &used, &knowledge));
    }
    found.sort_by(|a, b| (&a.path, a.line, a.column, a.check).cmp(&(&b.path, b.line, b.column, b.check)));
    for d in &found {
        match d.level {
            Level::Error => summary.errors += 1,
            Level::Warning => summary.warnings += 1,
            Level::Hint => summary.hints += 1,
        }
    }
    LintReport { schema_version: SCHEMA_VERSION, diagnostics: found, summary }
}

/// The waivers that left no finding out: their check found nothing in the rule, or the rule was not
/// linted.
fn unused_waivers(
    waivers: &Waivers,
    used: &BTreeSet<(String, Check)>,
    knowledge: &Knowledge,
) -> Vec<Diagnostic> {
    let linted: BTreeSet<&str> = knowledge.rules.iter().map(|r| r.id.as_str()).collect();
    waivers
        .each()
        .filter(|&(rule, check, _)| !used.contains(&(rule.to_string(), check)))
        .map(|(rule, check, at)| {
            let why = if linted.contains(rule) {
                format!("`{check}` finds nothing in it")
            } else {
                format!("no rule `{rule}` is among those linted")
            };
            let message = format!("the waiver of `{check}` for rule `{rule}` waives nothing: {why}");
            Diagnostic::new(Check::UnusedWaiver, waivers.path(), at, Some(rule.to_string()), message)
        })
        .collect()
}

/// A loader problem as a finding; its own help when it is particular, else the catalogue's fix.
fn from_problem(p: Problem) -> Diagnostic {
    let mut d = Diagnostic::new(p.check, &p.path, p.position, waivers::rule_of(&p.path), p.message);
    if let Some(help) = p.help.filter(|h| h != GENERIC_HELP) {
        d.help = help;
    }
    d
}

impl Diagnostic {
    /// A finding of `check` at `path` (and `position`), with the catalogue's level and fix.
    fn new(
        check: Check,
        path: &Path,
        position: Option<(usize, usize)>,
        rule: Option<String>,
        message: String,
    ) -> Diagnostic {
        let entry = catalogue::entry(check);
        Diagnostic {
            check,
            level: entry.level,
            path: path.display().to_string(),
            line: position.map(|(l, _)| l),
            column: position.map(|(_, c)| c),
            rule,
            message,
            help: entry.fix.to_string(),
        }
    }
}

/// A finding about `rule`, at `position` in its file.
fn about(rule: &Rule, check: Check, position: Option<(usize, usize)>, message: String) -> Diagnostic {
    Diagnostic::new(check, rule.origin.path(), position, Some(rule.id.clone()), message)
}

/// Checks across rules: duplicate titles, and (when every rule loaded) records no rule uses.
fn check_set(k: &Knowledge, sound: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut titles: BTreeMap<String, &Rule> = BTreeMap::new();
    for rule in &k.rules {
        let key = normalise(&rule.title);
        match titles.get(&key) {
            Some(first) => {
                let text = source_text(&rule.origin).unwrap_or_default();
                out.push(about(
                    rule,
                    Check::DuplicateTitle,
                    key_position(&text, "title"),
                    format!("rule `{}` has the same title as `{}`: \"{}\"", rule.id, first.id, rule.title),
                ));
            }
            None => {
                titles.insert(key, rule);
            }
        }
    }
    for (id, record) in k.records.iter().filter(|_| sound) {
        if !k.rules.iter().any(|r| &r.kb == id) {
            let message = format!("no rule points to kb record `{id}`");
            out.push(Diagnostic::new(Check::UnusedKbRecord, record.origin.path(), None, None, message));
        }
    }
    out
}

/// Checks of one rule that loaded.
fn check_rule(rule: &Rule) -> Vec<Diagnostic> {
    let text = source_text(&rule.origin).unwrap_or_default();
    let mut out = Vec::new();
    for (i, symptom) in rule.symptoms.iter().enumerate() {
        let Matcher::Regex(re) = &symptom.matcher else { continue };
        let at = item_position(&text, "symptoms", i);
        if literal::never_matches(re.as_str()) {
            out.push(about(
                rule,
                Check::NeverMatches,
                at,
                format!("regex `{}` can never match anything", re.as_str()),
            ));
        } else if let Some(lit) = literal::only_literal(re.as_str()) {
            out.push(about(
                rule,
                Check::LiteralRegex,
                at,
                format!(
                    "regex `{}` is only the literal \"{lit}\": write it as a `text` symptom",
                    re.as_str()
                ),
            ));
        }
    }
    if !rule.symptoms.is_empty() && rule.symptoms.iter().all(is_generic) {
        let what: Vec<String> = rule.symptoms.iter().map(|s| s.matcher.to_string()).collect();
        out.push(about(
            rule,
            Check::GenericOnly,
            key_position(&text, "symptoms"),
            format!(
                "every symptom is generic ({}): the rule would match many unrelated problems",
                what.join(", ")
            ),
        ));
    }
    let examples = key_position(&text, "examples").or_else(|| key_position(&text, "id"));
    if rule.examples.matches.is_empty() {
        out.push(about(rule, Check::NoExamples, examples, "the rule has no `match` examples".to_string()));
    }
    if rule.examples.no_match.is_empty() {
        out.push(about(
            rule,
            Check::NoCounterExamples,
            examples,
            "the rule has no `no_match` examples".to_string(),
        ));
    }
    if rule.resolution.is_empty() {
        let at = key_position(&text, "resolution").or_else(|| key_position(&text, "id"));
        out.push(about(rule, Check::NoResolution, at, "the rule has no resolution steps".to_string()));
    }
    out
}

/// Whether a symptom alone says little about which article this is: a generic code, a common message, a
/// phrase of one or two ordinary words, a regex with no literal worth the name.
pub fn is_generic(symptom: &Symptom) -> bool {
    match &symptom.matcher {
        Matcher::Code(c) => c.is_generic(),
        Matcher::Text(p) => is_generic_phrase(&p.segments.join(" ")),
        Matcher::Regex(re) => literal::required_literals(re.as_str())
            .is_none_or(|set| set.iter().any(|l| is_generic_phrase(&normalise(l)))),
    }
}

/// Whether words in normal form are a common message, or too few informative words to tell articles apart.
fn is_generic_phrase(normalised: &str) -> bool {
    GENERIC_PHRASES.contains(&normalised)
        || score::words_specificity(score::informative_words(normalised)) < GENERIC_SPECIFICITY
}

/// The position of item `index` of the top-level list `key` (its `- ` line), or of the key itself.
fn item_position(text: &str, key: &str, index: usize) -> Option<(usize, usize)> {
    let (key_line, _) = key_position(text, key)
        .or_else(|| text.lines().position(|l| l.trim_end() == format!("{key}:")).map(|i| (i + 1, 1)))?;
    let mut indent = None;
    let mut seen = 0;
    for (i, line) in text.lines().enumerate().skip(key_line) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let this = line.len() - trimmed.len();
        if this == 0 && !trimmed.starts_with("- ") {
            break;
        }
        if trimmed.starts_with("- ") && indent.is_none_or(|d| d == this) {
            indent = Some(this);
            if seen == index {
                return Some((i + 1, this + 3));
            }
            seen += 1;
        }
    }
    key_position(text, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::compile::test_rule;

    fn symptom(yaml: &str) -> Symptom {
        test_rule(&format!("id: r\ntitle: t\nkb: Q1\nseverity: low\nstatus: draft\nsymptoms:\n  - {yaml}\n"))
            .symptoms
            .remove(0)
    }

    #[test]
    fn generic_evidence_is_told_from_particular_evidence() {
        assert!(is_generic(&symptom("code: '0x80004005'")));
        assert!(is_generic(&symptom("text: Access is denied.")));
        assert!(is_generic(&symptom("text: 'error: failed'")));
        assert!(!is_generic(&symptom("code: MAPI_E_TOO_MANY_SESSIONS")));
        assert!(!is_generic(&symptom("text: 'Internal error: failed to create MAPI.Session.'")));
        assert!(is_generic(&symptom(r"regex: '\d+'")));
        assert!(!is_generic(&symptom(r"regex: 'MAPI_E_\w+ while opening the message store \d+'")));
    }

    #[test]
    fn list_items_are_found_by_index() {
        let text = "id: r\nsymptoms:\n  - text: a\n    weight: 1\n  # note\n  - code: '0x1'\nexamples: {}\n";
        assert_eq!(item_position(text, "symptoms", 0), Some((3, 5)));
        assert_eq!(item_position(text, "symptoms", 1), Some((6, 5)));
        let flush = "symptoms:\n- text: a\n- text: b\ncauses: []\n";
        assert_eq!(item_position(flush, "symptoms", 1), Some((3, 3)));
    }
}
