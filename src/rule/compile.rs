//! Checks a whole rule set (ids, file stems, duplicates, kb records) and turns raw rules into [`Rule`]s.
//! Every problem in the set is collected before giving up, so an author fixes them in one pass.

use std::collections::{BTreeMap, HashMap};

use super::check::Check;
use super::load::{LoadError, Problem, SourceFile, problem_at_key};
use super::raw::{RawMatcher, RawRule};
use super::{Examples, Matcher, Rule, Step, Symptom};
use crate::kb::KbRecord;

/// Everything loaded: the rules, and the kb records they point to, by article id.
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    pub rules: Vec<Rule>,
    pub records: BTreeMap<String, KbRecord>,
}

impl Knowledge {
    /// The kb record of a rule.
    pub fn record(&self, rule: &Rule) -> Option<&KbRecord> {
        self.records.get(&rule.kb)
    }
}

/// A valid rule id: letters, digits, `.`, `_`, `-`, starting with a letter or digit.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Checks the set and builds the rules; `problems` are those already found while reading files.
pub fn compile(
    rules: Vec<(RawRule, SourceFile)>,
    records: Vec<KbRecord>,
    problems: Vec<Problem>,
) -> Result<Knowledge, LoadError> {
    let (knowledge, problems) = compile_lenient(rules, records, problems);
    if problems.is_empty() { Ok(knowledge) } else { Err(LoadError { problems }) }
}

/// Checks the set and builds every rule that passes, beside all the problems found: for `kbx rules lint`,
/// which goes on to check the rules that loaded.
pub fn compile_lenient(
    rules: Vec<(RawRule, SourceFile)>,
    records: Vec<KbRecord>,
    mut problems: Vec<Problem>,
) -> (Knowledge, Vec<Problem>) {
    let mut by_id: BTreeMap<String, KbRecord> = BTreeMap::new();
    for record in records {
        if let Some(first) = by_id.get(&record.id) {
            problems.push(
                Problem::new(record.origin.path(), format!("duplicate kb record `{}`", record.id))
                    .check(Check::DuplicateKbRecord)
                    .at(2, 1)
                    .help(format!("it is already defined in {}; keep one of the two", first.origin)),
            );
            continue;
        }
        by_id.insert(record.id.clone(), record);
    }

    let mut seen: HashMap<String, String> = HashMap::new();
    let mut out = Vec::with_capacity(rules.len());
    for (raw, file) in rules {
        let before = problems.len();
        check_identity(&raw, &file, &by_id, &mut seen, &mut problems);
        if problems.len() == before {
            out.push(build(raw, file));
        }
    }
    (Knowledge { rules: out, records: by_id }, problems)
}

fn check_identity(
    raw: &RawRule,
    file: &SourceFile,
    records: &BTreeMap<String, KbRecord>,
    seen: &mut HashMap<String, String>,
    problems: &mut Vec<Problem>,
) {
    let stem = file.origin.path().file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if !is_valid_id(&raw.id) {
        problems.push(
            problem_at_key(file, "id", format!("`{}` is not a valid rule id", raw.id))
                .check(Check::InvalidId)
                .help("use letters, digits, `.`, `_` and `-`, starting with a letter or digit"),
        );
    } else if raw.id != stem {
        problems.push(
            problem_at_key(file, "id", format!("rule id `{}` does not match the file name `{stem}`", raw.id))
                .check(Check::IdFileName)
                .help(format!("rename the file to `{}.yaml` or set `id: {stem}`", raw.id)),
        );
    }
    if let Some(first) = seen.get(&raw.id) {
        problems.push(
            problem_at_key(file, "id", format!("duplicate rule id `{}`", raw.id))
                .check(Check::DuplicateId)
                .help(format!("it is already used by {first}; give one of them another id")),
        );
    } else {
        seen.insert(raw.id.clone(), file.origin.to_string());
    }
    if !records.contains_key(&raw.kb) {
        problems.push(
            problem_at_key(file, "kb", format!("kb article `{}` has no record", raw.kb))
                .check(Check::MissingKbRecord)
                .help(format!("add kb/{}.md beside the rules folder, or correct the article id", raw.kb)),
        );
    }
    if raw.title.trim().is_empty() {
        problems.push(
            problem_at_key(file, "title", "the title is empty")
                .check(Check::EmptyTitle)
                .help("say in a line what goes wrong"),
        );
    }
    if raw.symptoms.is_empty() {
        problems.push(
            problem_at_key(file, "symptoms", "the rule has no symptoms, so it can never match")
                .check(Check::NoSymptoms)
                .help("add at least one `text`, `regex` or `code` symptom"),
        );
    }
}

/// Builds a rule from its parsed file, without the whole-set checks.
pub(crate) fn build(raw: RawRule, file: SourceFile) -> Rule {
    Rule {
        id: raw.id,
        title: raw.title,
        kb: raw.kb,
        products: raw.products,
        versions: raw.versions,
        severity: raw.severity,
        status: raw.status,
        tags: raw.tags,
        references: raw.references,
        keywords: raw.keywords,
        symptoms: raw
            .symptoms
            .into_iter()
            .map(|s| Symptom {
                matcher: match s.matcher {
                    RawMatcher::Text(p) => Matcher::Text(p),
                    RawMatcher::Regex(r) => Matcher::Regex(r.0),
                    RawMatcher::Code(c) => Matcher::Code(c),
                },
                weight: s.weight,
                required: s.required,
            })
            .collect(),
        causes: raw.causes,
        resolution: raw
            .resolution
            .into_iter()
            .map(|s| Step { text: s.text, action: s.action, safety: s.safety })
            .collect(),
        examples: Examples { matches: raw.examples.matches, no_match: raw.examples.no_match },
        origin: file.origin,
    }
}

/// Builds one rule from YAML, skipping the whole-set checks: for unit tests elsewhere in the crate.
#[cfg(test)]
pub(crate) fn test_rule(yaml: &str) -> Rule {
    use super::Origin;
    use super::load::parse_yaml;
    let path = std::path::PathBuf::from("test.yaml");
    let raw: RawRule = parse_yaml(&path, yaml, 0).unwrap_or_else(|p| panic!("{p}"));
    build(raw, SourceFile { origin: Origin::File(path), text: yaml.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids() {
        assert!(is_valid_id("owa-cdo-not-registered"));
        assert!(is_valid_id("Q293218.v2"));
        assert!(!is_valid_id("-leading-dash"));
        assert!(!is_valid_id("has space"));
        assert!(!is_valid_id(""));
    }
}
