//! An imported article as a draft rule and a kb record, written as the files a pack holds. The rule says
//! what the article's text gives: its quoted messages and codes as symptoms, its query words as keywords,
//! its cause and resolution steps (with recognised commands as typed actions); status `draft` until a
//! person reviews it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Article, Step};
use crate::rule::action::WinPath;
use crate::rule::code::Code;
use crate::rule::load::to_yaml;

/// The rule id for an imported article: `kb-q293218`.
pub fn rule_id(article: &Article) -> String {
    format!("kb-{}", article.id.to_ascii_lowercase())
}

/// The product area of an article as a tag: the title's area prefix, or `other`.
pub fn area_tag(area: Option<&str>) -> String {
    let area = area.unwrap_or("other");
    let folder: String = area
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_string();
    if folder.is_empty() { "other".to_string() } else { folder }
}

#[derive(Serialize)]
struct DraftRule<'a> {
    id: String,
    title: &'a str,
    kb: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    products: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    versions: &'a [String],
    severity: &'static str,
    status: &'static str,
    tags: Vec<String>,
    references: Vec<String>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    keywords: &'a [String],
    symptoms: Vec<DraftSymptom>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    causes: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resolution: Vec<DraftStep<'a>>,
    examples: DraftExamples,
}

#[derive(Serialize)]
struct DraftSymptom {
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    weight: f64,
}

#[derive(Serialize)]
struct DraftStep<'a> {
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<BTreeMap<&'static str, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    safety: Option<&'static str>,
}

#[derive(Serialize)]
struct DraftExamples {
    #[serde(rename = "match")]
    matches: Vec<String>,
}

/// Weight of a quoted message, of an Event Viewer description quoted alone, and of a code.
const MESSAGE_WEIGHT: f64 = 1.0;
const DESCRIPTION_WEIGHT: f64 = 0.9;
const CODE_WEIGHT: f64 = 0.8;

/// The symptoms an article gives; empty when it has none usable.
fn symptoms(article: &Article) -> Vec<DraftSymptom> {
    let mut out: Vec<DraftSymptom> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut text = |t: &str, weight: f64, out: &mut Vec<DraftSymptom>| {
        let key = crate::normalise::normalise(t);
        if crate::rule::Phrase::parse(t).is_some() && seen.insert(key) {
            out.push(DraftSymptom { text: Some(t.to_string()), code: None, weight });
        }
    };
    for m in &article.messages {
        text(&m.text, MESSAGE_WEIGHT, &mut out);
        if let Some(d) = m.event.as_ref().and_then(|e| e.description.as_deref()) {
            text(d, DESCRIPTION_WEIGHT, &mut out);
        }
    }
    let mut codes = std::collections::HashSet::new();
    for c in &article.codes {
        if let Ok(code) = Code::parse(c)
            && codes.insert(code.clone())
        {
            out.push(DraftSymptom { text: None, code: Some(c.clone()), weight: CODE_WEIGHT });
        }
    }
    out
}

/// A step's command as a typed action: regsvr32 and net start/stop with values the loader accepts, or a
/// manual step that shows the command exactly.
fn action(step: &Step) -> Option<(BTreeMap<&'static str, String>, Option<&'static str>)> {
    let command = step.command.as_deref()?.trim();
    let words: Vec<&str> = command.split_whitespace().collect();
    let typed = match words.as_slice() {
        [prog, path] if prog.eq_ignore_ascii_case("regsvr32") && WinPath::parse(path).is_ok() => {
            Some(("regsvr32", path.to_string(), "safe"))
        }
        [net, verb, name @ ..] if net.eq_ignore_ascii_case("net") && !name.is_empty() => {
            let name = name.join(" ");
            let valid =
                name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '$' | ' '));
            match verb.to_ascii_lowercase().as_str() {
                "start" if valid => Some(("service_start", name, "safe")),
                "stop" if valid => Some(("service_stop", name, "caution")),
                _ => None,
            }
        }
        _ => None,
    };
    Some(match typed {
        Some((kind, value, safety)) => (BTreeMap::from([(kind, value)]), Some(safety)),
        None => (BTreeMap::from([("manual", command.to_string())]), None),
    })
}

/// The draft rule file for `article`, or `None` when it has no usable symptom.
pub fn rule_yaml(article: &Article) -> Option<String> {
    let symptoms = symptoms(article);
    if symptoms.is_empty() {
        return None;
    }
    let mut tags = vec!["imported".to_string()];
    if let Some(area) = &article.area {
        tags.push(area_tag(Some(area)));
    }
    let example = symptoms.iter().find_map(|s| s.text.clone()).or_else(|| symptoms[0].code.clone());
    let rule = DraftRule {
        id: rule_id(article),
        title: &article.title,
        kb: &article.id,
        products: &article.products,
        versions: &article.versions,
        severity: "medium",
        status: "draft",
        tags,
        references: vec![format!("kb:{}", article.id)],
        keywords: &article.query_words,
        symptoms,
        causes: [article.cause.as_str()].into_iter().filter(|c| !c.trim().is_empty()).collect(),
        resolution: article
            .resolution
            .iter()
            .filter(|s| !s.text.trim().is_empty())
            .map(|s| {
                let (action, safety) = action(s).map_or((None, None), |(a, s)| (Some(a), s));
                DraftStep { text: &s.text, action, safety }
            })
            .collect(),
        examples: DraftExamples { matches: example.into_iter().collect() },
    };
    Some(format!(
        "# Draft imported by kbx kb import from KB article {}; review it, then set status: stable.\n{}",
        article.id,
        to_yaml(&rule)
    ))
}

#[derive(Serialize)]
struct RecordFront<'a> {
    id: &'a str,
    title: String,
    products: &'a [String],
    versions: &'a [String],
    last_modified: &'a str,
    source: &'a str,
}

/// The kb record file for `article`, read from `source`.
pub fn record_markdown(article: &Article, source: &str) -> String {
    let title = match &article.area {
        Some(area) => format!("{area}: {}", article.title),
        None => article.title.clone(),
    };
    let front = RecordFront {
        id: &article.id,
        title,
        products: &article.products,
        versions: &article.versions,
        last_modified: article.last_modified.as_deref().unwrap_or("unknown"),
        source,
    };
    let mut body = format!("---\n{}---\n", to_yaml(&front));
    let mut section = |name: &str, text: &str| {
        if !text.trim().is_empty() {
            body.push_str(&format!("\n## {name}\n\n{}\n", text.trim()));
        }
    };
    section("Symptoms", &article.symptoms);
    section("Cause", &article.cause);
    let steps: Vec<String> = article
        .resolution
        .iter()
        .enumerate()
        .map(|(i, s)| match &s.command {
            Some(c) => format!("{}. {}\n\n        {c}", i + 1, s.text),
            None => format!("{}. {}", i + 1, s.text),
        })
        .collect();
    section("Resolution", &steps.join("\n\n"));
    section("Status", &article.status);
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{EventRecord, Message};
    use crate::rule::load::parse_yaml;
    use crate::rule::raw::{RawMatcher, RawRule};

    fn article() -> Article {
        Article {
            id: "Q999001".into(),
            title: "Widget Service Fails to Start".into(),
            area: Some("XADM".into()),
            products: vec!["Widget Server".into()],
            versions: vec!["5.5".into()],
            last_modified: Some("01-JAN-2000".into()),
            query_words: vec!["widget".into(), "startup".into()],
            messages: vec![
                Message { text: "The widget service on <servername> could not start.".into(), event: None },
                Message {
                    text: "Event ID: 42 Source: Widget Description: The widget store is damaged.".into(),
                    event: Some(EventRecord {
                        event_id: Some("42".into()),
                        source: Some("Widget".into()),
                        category: None,
                        description: Some("The widget store is damaged.".into()),
                    }),
                },
            ],
            codes: vec!["0x8004011D".into(), "not-a-code".into()],
            symptoms: "The service stops.".into(),
            cause: "The store is damaged.".into(),
            resolution: vec![
                Step {
                    text: "Register the library.".into(),
                    command: Some(r"regsvr32 c:\winnt\system32\widget.dll".into()),
                },
                Step { text: "Stop the service.".into(), command: Some("net stop widgetsvc".into()) },
                Step { text: "Repair the store.".into(), command: Some("isinteg -fix".into()) },
                Step {
                    text: "Relative paths stay manual.".into(),
                    command: Some("regsvr32 widget.dll".into()),
                },
            ],
            status: String::new(),
        }
    }

    #[test]
    fn a_draft_rule_reads_back_through_the_loader() {
        let yaml = rule_yaml(&article()).unwrap();
        let raw: RawRule = parse_yaml(std::path::Path::new("kb-q999001.yaml"), &yaml, 0)
            .unwrap_or_else(|p| panic!("{p}\n{yaml}"));
        assert_eq!(raw.id, "kb-q999001");
        assert_eq!(raw.status, crate::rule::Status::Draft);
        assert_eq!(raw.keywords, ["widget", "startup"]);
        let kinds: Vec<String> = raw
            .symptoms
            .iter()
            .map(|s| match &s.matcher {
                RawMatcher::Text(p) => format!("text {}", p.source),
                RawMatcher::Code(c) => format!("code {c}"),
                RawMatcher::Regex(_) => "regex".into(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "text The widget service on <servername> could not start.",
                "text Event ID: 42 Source: Widget Description: The widget store is damaged.",
                "text The widget store is damaged.",
                "code 0x8004011D",
            ]
        );
        let actions: Vec<Option<String>> = raw
            .resolution
            .iter()
            .map(|s| s.action.as_ref().map(|a| format!("{} {}", a.kind(), a.command())))
            .collect();
        assert_eq!(
            actions,
            [
                Some(r"regsvr32 regsvr32 c:\winnt\system32\widget.dll".to_string()),
                Some("service_stop net stop widgetsvc".to_string()),
                Some("manual isinteg -fix".to_string()),
                Some("manual regsvr32 widget.dll".to_string()),
            ]
        );
    }

    #[test]
    fn an_article_without_messages_or_codes_gives_no_rule() {
        let bare = Article { messages: vec![], codes: vec!["nonsense".into()], ..article() };
        assert!(rule_yaml(&bare).is_none());
    }

    #[test]
    fn the_record_has_front_matter_and_sections() {
        let md = record_markdown(&article(), "test.md");
        let file = crate::rule::load::SourceFile {
            origin: crate::rule::Origin::File("kb/Q999001.md".into()),
            text: md.clone(),
        };
        let record = crate::kb::parse(&file).unwrap_or_else(|p| panic!("{p}\n{md}"));
        assert_eq!(record.title, "XADM: Widget Service Fails to Start");
        let names: Vec<&str> = record.sections().iter().map(|s| s.0).collect();
        assert_eq!(names, ["Symptoms", "Cause", "Resolution"]);
        assert!(md.contains("1. Register the library.\n\n        regsvr32 c:\\winnt\\system32\\widget.dll"));
    }

    #[test]
    fn areas_become_folders() {
        assert_eq!(area_tag(Some("PC MAPI")), "pc-mapi");
        assert_eq!(area_tag(None), "other");
    }
}
