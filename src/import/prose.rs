//! Paragraphs of an article body: lines split at blank lines, indentation measured, hard wraps undone.
//! Messages, steps and prose are all read from these.

/// A run of non-blank lines; `indent` is its first line's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Para<'a> {
    pub indent: usize,
    pub lines: Vec<&'a str>,
}

impl Para<'_> {
    /// The paragraph on one line: hard wraps undone, whitespace runs made one space.
    pub fn text(&self) -> String {
        join(self.lines.iter().copied())
    }
}

/// The width of a line's leading whitespace (a TAB runs to the next multiple of 8).
pub fn indent(line: &str) -> usize {
    let mut width = 0;
    for c in line.chars() {
        match c {
            ' ' => width += 1,
            '\t' => width = (width / 8 + 1) * 8,
            _ => break,
        }
    }
    width
}

/// Whether a line is only a rule of `-` or `=` (an underline or a separator).
pub fn is_rule(line: &str) -> bool {
    let line = line.trim();
    line.len() >= 3 && (line.bytes().all(|b| b == b'-') || line.bytes().all(|b| b == b'='))
}

/// Splits lines into paragraphs at blank lines and rules, and also where a line ending in `:` is followed
/// by a deeper line (a quoted block with no blank line before it) or a line is shallower than the
/// paragraph's first (the prose after such a block).
pub fn paragraphs(lines: &[String]) -> Vec<Para<'_>> {
    let mut out: Vec<Para<'_>> = Vec::new();
    let mut current: Option<Para<'_>> = None;
    for line in lines {
        if line.trim().is_empty() || is_rule(line) {
            out.extend(current.take());
            continue;
        }
        let depth = indent(line);
        match current.as_mut() {
            Some(para)
                if depth >= para.indent
                    && !(depth > para.indent
                        && para.lines.last().is_some_and(|l| l.trim_end().ends_with(':'))) =>
            {
                para.lines.push(line);
            }
            _ => {
                out.extend(current.take());
                current = Some(Para { indent: depth, lines: vec![line] });
            }
        }
    }
    out.extend(current);
    out
}

/// Lines joined with single spaces, trimmed.
pub fn join<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for word in lines.into_iter().flat_map(str::split_whitespace) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A section as prose: each paragraph on one line, paragraphs separated by a blank line.
pub fn prose(lines: &[String]) -> String {
    paragraphs(lines).iter().map(Para::text).collect::<Vec<_>>().join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn wraps_are_undone_and_paragraphs_kept() {
        let body =
            lines("You may receive the\nfollowing  error:\n\n   Cannot   open\n   the file.\n-----\nDone.");
        assert_eq!(prose(&body), "You may receive the following error:\n\nCannot open the file.\n\nDone.");
    }

    #[test]
    fn a_quote_without_a_blank_line_is_its_own_paragraph() {
        let body = lines("the following error:\n   Access denied\n   here\nnot deeper:\nsame level");
        let paras = paragraphs(&body);
        assert_eq!(paras.len(), 3);
        assert_eq!(paras[1], Para { indent: 3, lines: vec!["   Access denied", "   here"] });
        assert_eq!(paras[0].text(), "the following error:");
        assert_eq!(paragraphs(&lines("a:\nb:\nc")).len(), 1, "same depth continues the paragraph");
    }

    #[test]
    fn indentation() {
        assert_eq!(indent("   x"), 3);
        assert_eq!(indent("  \tx"), 8);
        assert_eq!(indent(""), 0);
    }
}
