//! RESOLUTION (or WORKAROUND) steps: numbered items (`1.`, `2.`) or, without numbers, prose paragraphs each
//! begin a step; indented paragraphs under one (a registry key, a command, a quoted reply) belong to it.
//! Each step keeps the first command line it gives.

use super::Step;
use super::command;
use super::prose::{Para, paragraphs};

/// The steps of a RESOLUTION or WORKAROUND section, in order.
pub fn steps(lines: &[String]) -> Vec<Step> {
    let paras = paragraphs(lines);
    let base = paras.iter().map(|p| p.indent).min().unwrap_or(0);
    let mut numbered_at: Option<usize> = None;
    let mut groups: Vec<Vec<&Para<'_>>> = Vec::new();
    for para in &paras {
        let numbered = number(para.lines[0]).is_some();
        if numbered && numbered_at.is_none() {
            numbered_at = Some(para.indent);
        }
        let starts =
            if numbered { numbered_at.is_some_and(|at| para.indent <= at) } else { para.indent <= base };
        match groups.last_mut() {
            Some(group) if !starts || is_separator(para) => group.push(para),
            _ => groups.push(vec![para]),
        }
    }
    groups.iter().map(|group| step(group, base)).collect()
}

fn step(group: &[&Para<'_>], base: usize) -> Step {
    let mut texts: Vec<String> = group.iter().map(|p| p.text()).collect();
    if let Some(first) = texts.first_mut()
        && let Some(rest) = number(first).map(str::to_string)
    {
        *first = rest;
    }
    let command = group.iter().zip(&texts).find_map(|(para, text)| {
        command::quoted(text).or_else(|| {
            if para.indent > base { para.lines.iter().find_map(|l| command::line(l)) } else { None }
        })
    });
    Step { text: texts.join("\n\n"), command }
}

/// The text after a step number (`1.`, `12)`), if the line starts with one.
fn number(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let rest = line.get(digits..)?;
    let rest = rest.strip_prefix('.').or_else(|| rest.strip_prefix(')'))?;
    ((1..=2).contains(&digits) && (rest.is_empty() || rest.starts_with(char::is_whitespace)))
        .then(|| rest.trim_start())
}

/// `-or-` or `-and-` alone: it joins the step before it.
fn is_separator(para: &Para<'_>) -> bool {
    let [line] = para.lines.as_slice() else { return false };
    matches!(line.trim().trim_matches('-').trim().to_ascii_lowercase().as_str(), "or" | "and")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Vec<Step> {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        steps(&lines)
    }

    #[test]
    fn numbered_steps_with_indented_parts() {
        let steps = run(
            "To fix this:\n\n1. Stop the spooler. At a command prompt, type:\n\n      net stop spooler\n\n\
             2. Delete the queue\n   files.\n\n   a. Sub step.\n\nThe spooler then starts.",
        );
        let texts: Vec<&str> = steps.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "To fix this:",
                "Stop the spooler. At a command prompt, type:\n\nnet stop spooler",
                "Delete the queue files.\n\na. Sub step.",
                "The spooler then starts."
            ]
        );
        assert_eq!(steps[1].command.as_deref(), Some("net stop spooler"));
        assert_eq!(steps[2].command, None);
    }

    #[test]
    fn paragraphs_are_steps_and_quoted_commands_found() {
        let steps = run(
            "Register the library again by typing\n\"regsvr32 c:\\lib\\x.dll\" (without the quotation marks).\n\n   -or-\n\nReinstall.",
        );
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].command.as_deref(), Some("regsvr32 c:\\lib\\x.dll"));
        assert!(steps[0].text.ends_with("\n\n-or-"));
        assert_eq!(steps[1].text, "Reinstall.");
    }

    #[test]
    fn numbers() {
        assert_eq!(number("1. Start"), Some("Start"));
        assert_eq!(number("  12) Stop"), Some("Stop"));
        assert_eq!(number("1.0 is old"), None);
        assert_eq!(number("1999. A year"), None);
        assert_eq!(number("Start"), None);
    }
}
