//! The human view: a ranked table (comfy-table), then the best match in full: cause, numbered
//! resolution steps with their exact commands, and the evidence. Plain ASCII without colour unless the
//! caller says the terminal allows more.

use std::io;

use comfy_table::{Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Table, Width, presets};

use super::Style;
use crate::engine::Confidence;
use crate::report::{Diagnosis, Match, RuleList};

fn table(style: Style, header: &[&str]) -> Table {
    let mut t = Table::new();
    if style.color {
        t.load_style(presets::UTF8_FULL_CONDENSED).enforce_styling();
    } else {
        t.load_style(presets::ASCII_BORDERS_ONLY_CONDENSED).force_no_tty();
    }
    let cells: Vec<Cell> = header
        .iter()
        .map(|h| if style.color { Cell::new(h).add_attribute(Attribute::Bold) } else { Cell::new(h) })
        .collect();
    t.set_header(cells);
    t
}

/// Wraps column `flex` (the title) so that the table fits the width; the short columns keep their
/// content width. Without a width, lines stay as long as they are.
fn fit(t: &mut Table, style: Style, flex: usize) {
    t.set_content_arrangement(ContentArrangement::Disabled);
    let Some(width) = style.width else { return };
    let widths = t.column_max_content_widths();
    // Each column takes its content, one space of padding each side and one separator.
    let natural: usize = widths.iter().map(|w| usize::from(*w) + 3).sum::<usize>() + 1;
    let excess = natural.saturating_sub(usize::from(width));
    if excess == 0 {
        return;
    }
    let flex_width = usize::from(widths[flex]).saturating_sub(excess).max(20);
    if let Some(column) = t.column_mut(flex) {
        column.set_constraint(ColumnConstraint::UpperBoundary(Width::Fixed(flex_width as u16)));
    }
}

/// Writes `text` indented, wrapped to the width when there is one.
fn para<W: io::Write>(out: &mut W, text: &str, indent: &str, hang: &str, style: Style) -> io::Result<()> {
    match style.width {
        Some(w) => {
            let opts =
                textwrap::Options::new(usize::from(w).max(40)).initial_indent(indent).subsequent_indent(hang);
            for line in textwrap::wrap(text, opts) {
                writeln!(out, "{line}")?;
            }
            Ok(())
        }
        None => writeln!(out, "{indent}{text}"),
    }
}

fn confidence_cell(c: Confidence, style: Style) -> Cell {
    let cell = Cell::new(c.as_str());
    if !style.color {
        return cell;
    }
    cell.fg(match c {
        Confidence::High => Color::Green,
        Confidence::Medium => Color::Yellow,
        Confidence::Low => Color::Red,
    })
}

/// Writes a diagnosis.
pub fn diagnosis<W: io::Write>(mut out: W, d: &Diagnosis, style: Style) -> io::Result<()> {
    let mut t = table(style, &["#", "Score", "Confidence", "KB", "Title"]);
    for (i, m) in d.matches.iter().enumerate() {
        t.add_row(vec![
            Cell::new(i + 1),
            Cell::new(format!("{:.2}", m.score)),
            confidence_cell(m.confidence, style),
            Cell::new(&m.kb),
            Cell::new(&m.title),
        ]);
    }
    fit(&mut t, style, 4);
    writeln!(out, "{t}")?;
    if let Some(best) = d.matches.first() {
        writeln!(out)?;
        details(&mut out, best, style)?;
    }
    Ok(())
}

fn heading<W: io::Write>(out: &mut W, text: &str, style: Style) -> io::Result<()> {
    if style.color { writeln!(out, "\x1b[1m{text}\x1b[0m") } else { writeln!(out, "{text}") }
}

/// The best match in full.
fn details<W: io::Write>(out: &mut W, m: &Match, style: Style) -> io::Result<()> {
    heading(out, &format!("{}: {}", m.kb, m.title), style)?;
    let mut facts =
        vec![format!("rule {}", m.rule), format!("severity {}", m.severity), m.status.to_string()];
    if !m.products.is_empty() {
        facts.push(m.products.join(", "));
    }
    para(out, &facts.join(" · "), "", "", style)?;
    if !m.causes.is_empty() {
        writeln!(out)?;
        heading(out, "Cause", style)?;
        for cause in &m.causes {
            para(out, cause, "  ", "  ", style)?;
        }
    }
    if !m.resolution.is_empty() {
        writeln!(out)?;
        heading(out, "Resolution", style)?;
        for (i, step) in m.resolution.iter().enumerate() {
            para(out, &step.text, &format!("  {}. ", i + 1), "     ", style)?;
            if let Some(action) = &step.action {
                if action.kind == "manual" {
                    para(out, &format!("[manual] {}", action.command), "       ", "         ", style)?;
                } else {
                    // Commands stay on one line, exactly as they are typed.
                    let safety = step.safety.map(|s| format!("   [{s}]")).unwrap_or_default();
                    writeln!(out, "       {}{safety}", action.command)?;
                }
            }
        }
    }
    if !m.evidence.is_empty() {
        writeln!(out)?;
        heading(out, "Evidence", style)?;
        for e in &m.evidence {
            let line = format!("{} matched {:?} at {}..{}", e.symptom, e.matched, e.start, e.end);
            para(out, &line, "  ", "    ", style)?;
        }
    }
    Ok(())
}

/// Writes the list of rules.
pub fn rule_list<W: io::Write>(mut out: W, list: &RuleList, style: Style) -> io::Result<()> {
    let mut t = table(style, &["Rule", "KB", "Title", "Severity", "Status", "Symptoms"]);
    for r in &list.rules {
        t.add_row(vec![
            Cell::new(&r.id),
            Cell::new(&r.kb),
            Cell::new(&r.title),
            Cell::new(r.severity),
            Cell::new(r.status),
            Cell::new(r.symptoms),
        ]);
    }
    fit(&mut t, style, 2);
    writeln!(out, "{t}")
}

/// Writes an evaluation: metrics per kind and overall, then the misses if any.
pub fn eval<W: io::Write>(mut out: W, report: &crate::eval::Report, style: Style) -> io::Result<()> {
    let mut t = table(style, &["Kind", "Queries", "hit@1", "hit@3", "MRR"]);
    let row = |name: &str, m: &crate::eval::Metrics| {
        vec![
            Cell::new(name),
            Cell::new(m.queries),
            Cell::new(format!("{:.3}", m.hit_at_1)),
            Cell::new(format!("{:.3}", m.hit_at_3)),
            Cell::new(format!("{:.3}", m.mrr)),
        ]
    };
    for (kind, m) in &report.by_kind {
        t.add_row(row(kind, m));
    }
    t.add_row(row("overall", &report.overall));
    fit(&mut t, style, 0);
    writeln!(out, "{t}")?;
    if !report.misses.is_empty() {
        writeln!(out, "\nMisses ({})", report.misses.len())?;
        for m in &report.misses {
            let first = match &m.first {
                Some((kb, rule, score, basis)) => format!("{kb} ({rule}, {score:.3}, {basis})"),
                None => "nothing".to_string(),
            };
            let rank =
                m.rank.map_or_else(|| "not in top 10".to_string(), |r| format!("right answer at rank {r}"));
            writeln!(
                out,
                "  {} [{}]: expected {}; first was {first}; {rank}",
                m.id,
                m.kind,
                m.accept.join(" or ")
            )?;
        }
    }
    Ok(())
}

/// The scan table: severity, count, KB, title, first seen (path:line), most severe first.
pub fn scan<W: io::Write>(
    mut out: W,
    report: &crate::scan::summary::ScanReport,
    style: Style,
) -> io::Result<()> {
    if report.findings.is_empty() {
        return writeln!(
            out,
            "No known problems in {} line{} of {} file{}.",
            report.stats.totals.lines,
            super::plural(report.stats.totals.lines),
            report.stats.totals.files,
            super::plural(report.stats.totals.files)
        );
    }
    let mut t = table(style, &["Severity", "Count", "KB", "Title", "First seen"]);
    for f in &report.findings {
        t.add_row(vec![
            Cell::new(f.severity.as_str()),
            Cell::new(f.count),
            Cell::new(&f.kb),
            Cell::new(&f.title),
            Cell::new(format!("{}:{}", f.first.path, f.first.line)),
        ]);
    }
    fit(&mut t, style, 3);
    writeln!(out, "{t}")?;
    let s = &report.stats.totals;
    writeln!(
        out,
        "{} rule{} found on {} of {} lines in {} file{} ({:.2} s). `kbx show KB` gives the cause and the steps.",
        report.findings.len(),
        super::plural(report.findings.len() as u64),
        s.matched_lines,
        s.lines,
        s.files,
        super::plural(s.files),
        report.stats.seconds
    )
}
