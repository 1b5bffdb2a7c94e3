//! The stable output contract: what `diagnose` found, as plain data that every renderer (table, JSON,
//! Markdown) reads. The JSON form of these types is documented field by field in [`crate::render::json`].

use std::path::PathBuf;

use serde::Serialize;

use crate::engine::compiled::CompiledSet;
use crate::engine::{Basis, Confidence, Finding};
use crate::kb::KbRecord;
use crate::rule::{Matcher, Origin, Rule};

/// Version of the JSON output; raised on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The result of one diagnosis.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    pub schema_version: u32,
    pub matches: Vec<Match>,
}

/// One matched rule.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    pub rule: String,
    pub kb: String,
    pub title: String,
    pub score: f64,
    pub confidence: Confidence,
    /// The tier of evidence that carried the match: `exact`, `fragment` or `lexical`.
    pub basis: Basis,
    pub severity: &'static str,
    pub status: &'static str,
    pub products: Vec<String>,
    pub evidence: Vec<EvidenceItem>,
    pub causes: Vec<String>,
    pub resolution: Vec<StepItem>,
}

/// One matched symptom.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceItem {
    /// The symptom as the rule states it, e.g. `text "Internal error: …"` or `code 0x80040111`.
    pub symptom: String,
    /// `text`, `regex`, `code`, or `lexical` for words shared with the rule's title, phrases and keywords.
    pub kind: &'static str,
    /// `exact` (the whole symptom), `fragment` (part of a phrase) or `lexical`.
    pub basis: Basis,
    /// The input text it matched.
    pub matched: String,
    /// Byte offsets of `matched` in the input.
    pub start: usize,
    pub end: usize,
}

/// One resolution step.
#[derive(Debug, Clone, Serialize)]
pub struct StepItem {
    pub text: String,
    pub action: Option<ActionItem>,
    pub safety: Option<&'static str>,
}

/// A step's typed action.
#[derive(Debug, Clone, Serialize)]
pub struct ActionItem {
    /// The action type, as in the rule (`regsvr32`, `service_restart`, `manual`, …).
    pub kind: &'static str,
    /// What a person would type at a Windows command prompt to do the same.
    pub command: String,
}

impl Diagnosis {
    /// Builds the report for `input` from findings, each with its rule.
    pub fn new(input: &str, matches: &[(&Finding, &Rule)]) -> Diagnosis {
        let matches = matches.iter().map(|(f, rule)| Match::new(input, f, rule)).collect();
        Diagnosis { schema_version: SCHEMA_VERSION, matches }
    }
}

impl Match {
    fn new(input: &str, f: &Finding, rule: &Rule) -> Match {
        Match {
            rule: rule.id.clone(),
            kb: rule.kb.clone(),
            title: rule.title.clone(),
            score: (f.score * 1000.0).round() / 1000.0,
            confidence: f.confidence,
            basis: f.basis,
            severity: rule.severity.as_str(),
            status: rule.status.as_str(),
            products: rule.products.clone(),
            evidence: f
                .evidence
                .iter()
                .map(|e| {
                    let matcher: Option<&Matcher> =
                        e.symptom.and_then(|i| rule.symptoms.get(i)).map(|s| &s.matcher);
                    EvidenceItem {
                        symptom: matcher.map_or_else(|| LEXICAL_SYMPTOM.to_string(), ToString::to_string),
                        kind: matcher.map_or("lexical", Matcher::kind),
                        basis: e.basis,
                        matched: input.get(e.span.clone()).unwrap_or_default().to_string(),
                        start: e.span.start,
                        end: e.span.end,
                    }
                })
                .collect(),
            causes: rule.causes.clone(),
            resolution: steps(rule),
        }
    }
}

/// How lexical evidence is named in reports.
pub const LEXICAL_SYMPTOM: &str = "words of the title, phrases and keywords";

/// A rule's resolution steps as report items.
pub fn steps(rule: &Rule) -> Vec<StepItem> {
    rule.resolution
        .iter()
        .map(|s| StepItem {
            text: s.text.clone(),
            action: s.action.as_ref().map(|a| ActionItem { kind: a.kind(), command: a.command() }),
            safety: s.safety.map(|x| x.as_str()),
        })
        .collect()
}

/// One line of `kbx rules list`.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSummary {
    pub id: String,
    pub kb: String,
    pub title: String,
    pub severity: &'static str,
    pub status: &'static str,
    pub symptoms: usize,
    /// Where the rule was loaded from.
    pub source: String,
}

/// The list of loaded rules.
#[derive(Debug, Clone, Serialize)]
pub struct RuleList {
    pub schema_version: u32,
    pub rules: Vec<RuleSummary>,
}

impl RuleList {
    /// The rules of a compiled set (which the cache gives without reading a rule file).
    pub fn new(set: &CompiledSet) -> RuleList {
        let rules = set
            .rules
            .iter()
            .map(|r| {
                let path = PathBuf::from(&r.path);
                RuleSummary {
                    id: r.id.clone(),
                    kb: r.kb.clone(),
                    title: r.title.clone(),
                    severity: r.severity.as_str(),
                    status: r.status.as_str(),
                    symptoms: r.symptoms.len(),
                    source: if r.builtin { Origin::Builtin(path) } else { Origin::File(path) }.to_string(),
                }
            })
            .collect();
        RuleList { schema_version: SCHEMA_VERSION, rules }
    }
}

/// One rule in full, with its kb record, for `kbx show --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct RuleDetail {
    pub schema_version: u32,
    pub rule: String,
    pub kb: String,
    pub title: String,
    pub products: Vec<String>,
    pub versions: Vec<String>,
    pub severity: &'static str,
    pub status: &'static str,
    pub tags: Vec<String>,
    pub references: Vec<String>,
    pub symptoms: Vec<SymptomItem>,
    pub causes: Vec<String>,
    pub resolution: Vec<StepItem>,
    pub examples: ExampleItems,
    pub source: String,
    pub record: Option<RecordItem>,
}

/// A symptom as the rule states it.
#[derive(Debug, Clone, Serialize)]
pub struct SymptomItem {
    pub kind: &'static str,
    pub value: String,
    pub weight: f64,
    pub required: bool,
}

/// A rule's examples.
#[derive(Debug, Clone, Serialize)]
pub struct ExampleItems {
    #[serde(rename = "match")]
    pub matches: Vec<String>,
    pub no_match: Vec<String>,
}

/// A kb record.
#[derive(Debug, Clone, Serialize)]
pub struct RecordItem {
    pub id: String,
    pub title: String,
    pub products: Vec<String>,
    pub versions: Vec<String>,
    pub last_modified: String,
    pub source: String,
    pub body: String,
}

impl RuleDetail {
    pub fn new(rule: &Rule, record: Option<&KbRecord>) -> RuleDetail {
        RuleDetail {
            schema_version: SCHEMA_VERSION,
            rule: rule.id.clone(),
            kb: rule.kb.clone(),
            title: rule.title.clone(),
            products: rule.products.clone(),
            versions: rule.versions.clone(),
            severity: rule.severity.as_str(),
            status: rule.status.as_str(),
            tags: rule.tags.clone(),
            references: rule.references.clone(),
            symptoms: rule
                .symptoms
                .iter()
                .map(|s| SymptomItem {
                    kind: s.matcher.kind(),
                    value: match &s.matcher {
                        Matcher::Text(p) => p.source.clone(),
                        Matcher::Regex(r) => r.as_str().to_string(),
                        Matcher::Code(c) => c.to_string(),
                    },
                    weight: s.weight,
                    required: s.required,
                })
                .collect(),
            causes: rule.causes.clone(),
            resolution: steps(rule),
            examples: ExampleItems {
                matches: rule.examples.matches.clone(),
                no_match: rule.examples.no_match.clone(),
            },
            source: rule.origin.to_string(),
            record: record.map(|r| RecordItem {
                id: r.id.clone(),
                title: r.title.clone(),
                products: r.products.clone(),
                versions: r.versions.clone(),
                last_modified: r.last_modified.clone(),
                source: r.source.clone(),
                body: r.body.clone(),
            }),
        }
    }
}
