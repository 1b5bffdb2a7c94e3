//! Plain text for `kbx show`: one rule in full, every section in the same order, then its kb record, so
//! every rule reads the same way.

use std::io;

use crate::report::RuleDetail;

/// Writes one rule and its record.
pub fn rule<W: io::Write>(mut out: W, r: &RuleDetail) -> io::Result<()> {
    writeln!(out, "{}: {}", r.rule, r.title)?;
    writeln!(out, "  kb:         {}", r.kb)?;
    writeln!(out, "  severity:   {}", r.severity)?;
    writeln!(out, "  status:     {}", r.status)?;
    if !r.products.is_empty() {
        writeln!(out, "  products:   {}", r.products.join(", "))?;
    }
    if !r.versions.is_empty() {
        writeln!(out, "  versions:   {}", r.versions.join(", "))?;
    }
    if !r.tags.is_empty() {
        writeln!(out, "  tags:       {}", r.tags.join(", "))?;
    }
    writeln!(out, "  source:     {}", r.source)?;
    for reference in &r.references {
        writeln!(out, "  reference:  {reference}")?;
    }
    writeln!(out, "\nSymptoms")?;
    for s in &r.symptoms {
        let required = if s.required { ", required" } else { "" };
        writeln!(out, "  - {} {:?} (weight {}{required})", s.kind, s.value, s.weight)?;
    }
    if !r.causes.is_empty() {
        writeln!(out, "\nCauses")?;
        for c in &r.causes {
            writeln!(out, "  - {c}")?;
        }
    }
    if !r.resolution.is_empty() {
        writeln!(out, "\nResolution")?;
        for (i, step) in r.resolution.iter().enumerate() {
            writeln!(out, "  {}. {}", i + 1, step.text)?;
            if let Some(a) = step.action.as_ref().filter(|a| a.kind != "manual") {
                writeln!(out, "       {} ({}, {})", a.command, a.kind, step.safety.unwrap_or("unrated"))?;
            }
        }
    }
    if !r.examples.matches.is_empty() || !r.examples.no_match.is_empty() {
        writeln!(out, "\nExamples")?;
        for e in &r.examples.matches {
            writeln!(out, "  match:    {e:?}")?;
        }
        for e in &r.examples.no_match {
            writeln!(out, "  no_match: {e:?}")?;
        }
    }
    if let Some(rec) = &r.record {
        writeln!(out, "\nKB article {}: {}", rec.id, rec.title)?;
        writeln!(out, "  last modified: {}; source: {}", rec.last_modified, rec.source)?;
        writeln!(out)?;
        for line in rec.body.lines() {
            writeln!(out, "  {line}").map(|_| ())?;
        }
    }
    Ok(())
}
