//! Markdown output, for pasting a diagnosis into a ticket or a chat: a summary table, then every match in
//! full with its commands in code blocks.

use std::io;

use crate::report::Diagnosis;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Writes a diagnosis as Markdown.
pub fn diagnosis<W: io::Write>(mut out: W, d: &Diagnosis) -> io::Result<()> {
    writeln!(out, "| # | Score | Confidence | KB | Title |")?;
    writeln!(out, "| --- | --- | --- | --- | --- |")?;
    for (i, m) in d.matches.iter().enumerate() {
        writeln!(
            out,
            "| {} | {:.2} | {} | {} | {} |",
            i + 1,
            m.score,
            m.confidence.as_str(),
            cell(&m.kb),
            cell(&m.title)
        )?;
    }
    for (i, m) in d.matches.iter().enumerate() {
        writeln!(out, "\n## {}. {}: {}\n", i + 1, m.kb, m.title)?;
        writeln!(out, "Rule `{}`, severity {}, {}.", m.rule, m.severity, m.status)?;
        if !m.causes.is_empty() {
            writeln!(out, "\n### Cause\n")?;
            for c in &m.causes {
                writeln!(out, "- {c}")?;
            }
        }
        if !m.resolution.is_empty() {
            writeln!(out, "\n### Resolution\n")?;
            for (n, step) in m.resolution.iter().enumerate() {
                writeln!(out, "{}. {}", n + 1, step.text)?;
                if let Some(a) = step.action.as_ref().filter(|a| a.kind != "manual") {
                    let safety = step.safety.unwrap_or("unrated");
                    writeln!(out, "\n   ```bat\n   {}\n   ```\n   Safety: {safety}.\n", a.command)?;
                }
            }
        }
        if !m.evidence.is_empty() {
            writeln!(out, "\n### Evidence\n")?;
            for e in &m.evidence {
                writeln!(out, "- {} matched `{}`", e.symptom, e.matched.replace('`', "'"))?;
            }
        }
    }
    Ok(())
}
