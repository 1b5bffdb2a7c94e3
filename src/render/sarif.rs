//! SARIF 2.1.0 for code-scanning dashboards, built from serde-sarif's types (generated from the
//! specification's schema): each rule found is a `reportingDescriptor` whose `helpUri` is its KB article,
//! each matching line a `result` located by file and line. The run's `invocation` says whether every input
//! was read, with a notification for each one that was not (an error) or was skipped as binary (a note).

use std::io;

use serde_sarif::sarif::{
    ArtifactContent, ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult,
    ResultLevel, Run, Sarif, Tool, ToolComponent,
};

use super::plural;
use crate::rule::Severity;
use crate::scan::summary::ScanReport;

/// The schema address SARIF 2.1.0 files name.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The address of a KB article (`Q293218` → its support.microsoft.com page).
pub fn kb_uri(kb: &str) -> String {
    let number = kb.trim_start_matches(['Q', 'q']);
    format!("https://support.microsoft.com/kb/{number}")
}

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Info => ResultLevel::Note,
        Severity::Low | Severity::Medium => ResultLevel::Warning,
        Severity::High | Severity::Critical => ResultLevel::Error,
    }
}

/// A path as a SARIF artifact URI: forward slashes, relative paths kept relative.
fn uri(path: &str) -> String {
    path.replace('\\', "/")
}

/// Writes `report` as SARIF: one result per sample line of each finding (all of them with `--samples`
/// large enough), and the finding's count in the message.
pub fn write<W: io::Write>(mut out: W, report: &ScanReport) -> io::Result<()> {
    let rules: Vec<ReportingDescriptor> = report
        .findings
        .iter()
        .map(|f| {
            ReportingDescriptor::builder()
                .id(f.rule.clone())
                .name(f.kb.clone())
                .short_description(MultiformatMessageString::builder().text(f.title.clone()).build())
                .help_uri(kb_uri(&f.kb))
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(serde_json::to_value(level(f.severity)).unwrap_or_default())
                        .build(),
                )
                .build()
        })
        .collect();
    let mut results = Vec::new();
    for (index, f) in report.findings.iter().enumerate() {
        let places = if f.samples.is_empty() { std::slice::from_ref(&f.first) } else { &f.samples[..] };
        for place in places {
            let region = Region::builder()
                .start_line(place.line as i64)
                .snippet(ArtifactContent::builder().text(place.text.clone()).build())
                .build();
            let location = Location::builder()
                .physical_location(
                    PhysicalLocation::builder()
                        .artifact_location(ArtifactLocation::builder().uri(uri(&place.path)).build())
                        .region(region)
                        .build(),
                )
                .build();
            let text = format!("{} ({}; {} matching line{} in all)", f.title, f.kb, f.count, plural(f.count));
            results.push(
                SarifResult::builder()
                    .rule_id(f.rule.clone())
                    .rule_index(index as i64)
                    .level(level(f.severity))
                    .message(Message::builder().text(text).build())
                    .locations(vec![location])
                    .build(),
            );
        }
    }
    let driver = ToolComponent::builder()
        .name("kbx")
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://support.microsoft.com/")
        .rules(rules)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .invocations(vec![invocation(report)])
        .results(results)
        .build();
    let sarif = Sarif::builder().schema(SCHEMA).version(serde_json::json!("2.1.0")).runs(vec![run]).build();
    serde_json::to_writer_pretty(&mut out, &sarif)?;
    writeln!(out)
}

/// The run's invocation: successful when every input was read; a notification for each input that was
/// not (level `error`) or that was skipped as binary (level `note`), located at the input.
fn invocation(report: &ScanReport) -> Invocation {
    let at = |path: &str| {
        Location::builder()
            .physical_location(
                PhysicalLocation::builder()
                    .artifact_location(ArtifactLocation::builder().uri(uri(path)).build())
                    .build(),
            )
            .build()
    };
    let notify = |level: &str, path: &str, text: String| {
        Notification::builder()
            .level(serde_json::json!(level))
            .message(Message::builder().text(text).build())
            .locations(vec![at(path)])
            .build()
    };
    let notifications: Vec<Notification> = (report.errors.iter())
        .map(|e| notify("error", &e.path, e.message.clone()))
        .chain(report.skipped.iter().map(|path| {
            notify("note", path, format!("{path}: {}; not scanned", crate::scan::job::LOOKS_BINARY))
        }))
        .collect();
    let invocation = Invocation::builder().execution_successful(report.errors.is_empty());
    if notifications.is_empty() {
        invocation.build()
    } else {
        invocation.tool_execution_notifications(notifications).build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kb_ids_become_article_addresses() {
        assert_eq!(kb_uri("Q293218"), "https://support.microsoft.com/kb/293218");
    }

    #[test]
    fn windows_paths_become_uris() {
        assert_eq!(uri(r"logs\app.log"), "logs/app.log");
    }
}
