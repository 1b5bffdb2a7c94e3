//! Plain-text reports for knowledge authors: lint findings, rule test cases, the lint catalogue and
//! `explain`. Each line stands alone (`path:line:col: level[check]: message`), so editors and CI logs
//! can jump to it.

use std::io;

use super::plural;
use crate::examples::{Kind, TestReport};
use crate::explain::{Explanation, Status};
use crate::lint::LintReport;
use crate::lint::catalogue::Entry;

/// `kbx rules lint`: one block per finding, then the summary line.
pub fn lint<W: io::Write>(mut out: W, report: &LintReport) -> io::Result<()> {
    for d in &report.diagnostics {
        let place = match (d.line, d.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", d.path),
            _ => d.path.clone(),
        };
        writeln!(out, "{place}: {}[{}]: {}", d.level.as_str(), d.check, d.message)?;
        writeln!(out, "  help: {}", d.help)?;
    }
    let s = &report.summary;
    let waived = if s.waived > 0 { format!(" ({} waived)", s.waived) } else { String::new() };
    writeln!(
        out,
        "{} rule{}, {} record{}: {} error{}, {} warning{}, {} hint{}{waived}",
        s.rules,
        plural(s.rules as u64),
        s.records,
        plural(s.records as u64),
        s.errors,
        plural(s.errors as u64),
        s.warnings,
        plural(s.warnings as u64),
        s.hints,
        plural(s.hints as u64),
    )
}

/// `kbx rules lint --checks`: the catalogue.
pub fn checks<W: io::Write>(mut out: W, entries: &[Entry]) -> io::Result<()> {
    for e in entries {
        writeln!(out, "{} ({})\n  finds: {}\n  fix:   {}", e.check, e.level.as_str(), e.finds, e.fix)?;
    }
    Ok(())
}

/// `kbx rules test`: failing cases (every case with `verbose`), then `N passed, N failed`.
pub fn test<W: io::Write>(mut out: W, report: &TestReport, verbose: bool) -> io::Result<()> {
    for c in report.cases.iter().filter(|c| verbose || !c.outcome.passed()) {
        let mark = if c.outcome.passed() { "ok  " } else { "FAIL" };
        let kind = match c.kind {
            Kind::Match => "match",
            Kind::NoMatch => "no_match",
        };
        write!(out, "{mark} {} {kind} {:?}: {}", c.rule, short(&c.text), c.outcome.as_str())?;
        match (&c.winner, c.winner_score, c.score) {
            (Some(w), Some(ws), Some(own)) => {
                write!(out, ": {w} ranked first ({ws:.3} against {own:.3})")?;
            }
            (Some(w), Some(ws), None) => write!(out, ": {w} ranked first ({ws:.3})")?,
            _ => {}
        }
        if !c.outcome.passed() {
            write!(out, "  [{}]", c.path)?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "{} rule{}: {} passed, {} failed",
        report.rules,
        plural(report.rules as u64),
        report.passed,
        report.failed
    )
}

fn short(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 70 { format!("{}…", one.chars().take(69).collect::<String>()) } else { one }
}

/// `kbx explain`: each symptom, then the arithmetic.
pub fn explain<W: io::Write>(mut out: W, e: &Explanation, text: &str) -> io::Result<()> {
    writeln!(out, "{} ({}): {}", e.rule, e.kb, e.title)?;
    writeln!(out, "input: {} byte{}", text.len(), plural(text.len() as u64))?;
    writeln!(out)?;
    for s in &e.symptoms {
        let required = if s.required { ", required" } else { "" };
        writeln!(
            out,
            "[{}] {}  (weight {:.2} × specificity {:.2} = {:.3}{required})",
            s.index + 1,
            s.symptom,
            s.weight,
            s.specificity,
            s.weight * s.specificity
        )?;
        match (s.status, &s.span, &s.matched) {
            (Status::NotMatched, _, _) => writeln!(out, "    not matched")?,
            (status, Some((a, b)), Some(m)) => {
                writeln!(out, "    {} at bytes {a}..{b}: {m:?}", status.as_str())?
            }
            (status, _, _) => writeln!(out, "    {}", status.as_str())?,
        }
        if let Some(n) = &s.near_miss {
            writeln!(
                out,
                "    closest text at bytes {}..{}: {:?} ({:.0}% alike)",
                n.start,
                n.end,
                n.text,
                n.similarity * 100.0
            )?;
        }
        if let Some(c) = s.contribution {
            writeln!(out, "    counts {c:.3}")?;
        }
        if let Some(note) = &s.note {
            writeln!(out, "    {note}")?;
        }
    }
    writeln!(out)?;
    match &e.score {
        None => writeln!(out, "score: the rule does not match this text")?,
        Some(a) if a.basis == crate::engine::Basis::Lexical => {
            writeln!(out, "lexical: only words shared with the title, phrases and keywords")?;
            writeln!(
                out,
                "score = {:.3} ({} confidence): a suggestion, not a match of the rule's symptoms; rank {}",
                a.score,
                a.confidence.as_str(),
                a.rank
            )?;
        }
        Some(a) => {
            if let Some(l) = a.lexical {
                writeln!(out, "lexical: words shared with the title, phrases and keywords count {l:.3}")?;
            }
            let terms: Vec<String> = a
                .contributions
                .iter()
                .enumerate()
                .map(|(i, p)| if i == 0 { format!("(1 − {p:.3})") } else { format!("(1 − {p:.3}/2)") })
                .collect();
            writeln!(out, "evidence = 1 − {} = {:.3}", terms.join(" × "), a.evidence)?;
            if a.best_coverage > 0.0 {
                writeln!(
                    out,
                    "coverage factor = 0.3 + 0.7 × {:.3} / {:.3} = {:.3}",
                    a.coverage, a.best_coverage, a.coverage_factor
                )?;
            } else {
                writeln!(
                    out,
                    "coverage factor = 1 (no rule's phrases matched, so there is nothing to compare)"
                )?;
            }
            writeln!(
                out,
                "score = {:.3} × {:.3} = {:.3} ({} confidence, {} basis)",
                a.evidence,
                a.coverage_factor,
                a.score,
                a.confidence.as_str(),
                a.basis.as_str()
            )?;
            match &a.first {
                None => writeln!(out, "rank: 1 (first)")?,
                Some(first) => writeln!(out, "rank: {} ({first} ranked first)", a.rank)?,
            }
        }
    }
    Ok(())
}
