//! One block of whole lines: the literal filter's hits, and the engine's confirmation of each window of
//! lines that ends where a literal does.
//!
//! A *window* is up to `window` consecutive lines joined by their line breaks, which the engine reads as
//! spaces: a message wrapped over lines (an Event Viewer description, a quoted dialog) matches as if it
//! were on one. A match is confirmed on the window that ends on its last line and is reported on its
//! first line, once per rule and line. Each block starts with the lines before it ([`CONTEXT_WINDOWS`]
//! windows' worth), which are searched again but never reported, so a block finds everything that ends
//! in its own lines whatever came before.

use std::borrow::Cow;

use memchr::{memchr, memchr_iter, memrchr};

use super::Scanner;
use super::squeeze::Scratch;

/// How many windows of lines before its own lines a block carries: one for a match that started
/// there, one more for the literals of a candidate that triggered there.
pub const CONTEXT_WINDOWS: usize = 2;

/// Longest line text reported; longer lines are cut at a character boundary and end with `…`.
pub const MAX_TEXT: usize = 4096;

/// A rule found on a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineMatch {
    /// Index of the rule in the compiled set.
    pub rule: u32,
    /// Line number in the job (0 = its first own line).
    pub line: i64,
    /// The line, without its line break, cut at [`MAX_TEXT`].
    pub text: String,
}

/// Lines of input to scan: `bytes[..own]` are context lines (each ending in `\n`), then the block's own
/// lines; the last line may lack its `\n` (end of input, or a line cut because it is too long).
pub struct Block<'a> {
    pub bytes: &'a [u8],
    pub own: usize,
    /// The number of the line at `bytes[0]`.
    pub first_line: i64,
}

/// What a job keeps between its blocks.
#[derive(Default)]
pub struct State {
    /// (start, end, literal) found in the block.
    hits: Vec<(usize, usize, u32)>,
    /// The filter's buffers.
    scratch: Scratch,
    spans: Vec<Span>,
    /// (rule, line) reported lately, so a match found again from a later window is not counted twice.
    recent: Vec<(u32, i64)>,
}

/// Lines `from..=to` (line numbers) whose windows to confirm.
type Span = (i64, i64);

impl Scanner {
    /// Scans one block, appending its matches (ordered by line) to `out`; returns the number of line
    /// breaks in its own lines.
    pub fn scan_block(&self, st: &mut State, block: &Block<'_>, out: &mut Vec<LineMatch>) -> u64 {
        let bytes = block.bytes;
        let window = self.window as i64;
        st.hits.clear();
        let hits = &mut st.hits;
        let max_breaks = self.window - 1;
        self.plan
            .filter
            .find(bytes, max_breaks, &mut st.scratch, |start, end, lit| hits.push((start, end, lit)));
        st.hits.sort_unstable();

        // The windows that end on the last line of a literal found (and on the lines after it, when the
        // symptom's match may go on past the literal).
        st.spans.clear();
        let (mut pos, mut line) = (0usize, block.first_line);
        for &(start, end, lit) in &st.hits {
            line += memchr_iter(b'\n', &bytes[pos..start]).count() as i64;
            pos = start;
            let last = line + memchr_iter(b'\n', &bytes[start..end]).count() as i64;
            let spread = self.plan.targets[lit as usize].iter().any(|&s| self.plan.spread[s as usize]);
            st.spans.push((last, if spread { last.max(line + window - 1) } else { last }));
        }
        let spans = merged(&mut st.spans);

        let own_first = block.first_line + memchr_iter(b'\n', &bytes[..block.own]).count() as i64;
        let own_breaks = memchr_iter(b'\n', &bytes[block.own..]).count() as u64;
        let last_line = own_first + own_breaks as i64 - i64::from(bytes.last() == Some(&b'\n'));
        let first_out = out.len();
        let mut lines = LineWalker { bytes, pos: 0, line: block.first_line };
        for &(from, to) in spans {
            for l in from.max(own_first)..=to.min(last_line) {
                let start = lines.seek(l);
                self.confirm(&mut st.recent, bytes, start, l, out);
            }
        }
        st.recent.retain(|&(_, l)| l > last_line - 2 * window);
        out[first_out..].sort_by_key(|m| (m.line, m.rule));
        own_breaks
    }

    /// Confirms the window that ends on line `line` (starting at byte `start`).
    fn confirm(
        &self,
        recent: &mut Vec<(u32, i64)>,
        bytes: &[u8],
        start: usize,
        line: i64,
        out: &mut Vec<LineMatch>,
    ) {
        let end = memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let wstart = line_start_back(bytes, start, self.window - 1);
        // Decoded in two parts, so that `from` is exact even where bad bytes were replaced.
        let before = String::from_utf8_lossy(&bytes[wstart..start]);
        let current = String::from_utf8_lossy(&bytes[start..end]);
        let from = before.len();
        let text: Cow<'_, str> =
            if before.is_empty() { current } else { Cow::Owned(before.into_owned() + &current) };
        let first_line = line - text[..from].bytes().filter(|&b| b == b'\n').count() as i64;
        for f in self.engine.exact(&text, from) {
            if f.score < super::MIN_SCORE {
                continue;
            }
            let Some(at) = f.evidence.iter().map(|e| e.span.start).min() else { continue };
            let matched = first_line + text[..at].bytes().filter(|&b| b == b'\n').count() as i64;
            let key = (f.rule as u32, matched);
            if recent.contains(&key) {
                continue;
            }
            recent.push(key);
            let lstart = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let lend = text[at..].find('\n').map_or(text.len(), |i| at + i);
            out.push(LineMatch { rule: f.rule as u32, line: matched, text: shown(&text[lstart..lend]) });
        }
    }
}

/// The start of the line `back` lines before the one holding byte `at` (0: that line's own start), or
/// of the first line when there are fewer.
fn line_start_back(bytes: &[u8], at: usize, back: usize) -> usize {
    let mut start = memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
    for _ in 0..back {
        match start.checked_sub(1) {
            Some(nl) => start = memrchr(b'\n', &bytes[..nl]).map_or(0, |i| i + 1),
            None => break,
        }
    }
    start
}

/// Sorts `spans` and merges those that overlap or touch, in place; returns the merged ones.
fn merged(spans: &mut Vec<Span>) -> &[Span] {
    spans.sort_unstable();
    let mut n = 0;
    for i in 0..spans.len() {
        let span = spans[i];
        if n > 0 && span.0 <= spans[n - 1].1 + 1 {
            spans[n - 1].1 = spans[n - 1].1.max(span.1);
        } else {
            spans[n] = span;
            n += 1;
        }
    }
    spans.truncate(n);
    spans
}

/// A line as reported: without its `\r`, at most [`MAX_TEXT`] bytes.
pub fn shown(line: &str) -> String {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.len() <= MAX_TEXT {
        return line.to_string();
    }
    let mut cut = MAX_TEXT;
    while !line.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &line[..cut])
}

/// Finds line starts moving forward through a block.
struct LineWalker<'a> {
    bytes: &'a [u8],
    /// Start of line `line`.
    pos: usize,
    line: i64,
}

impl LineWalker<'_> {
    /// The start of line `target` (at or after the current line).
    fn seek(&mut self, target: i64) -> usize {
        while self.line < target {
            match memchr(b'\n', &self.bytes[self.pos..]) {
                Some(i) => {
                    self.pos += i + 1;
                    self.line += 1;
                }
                None => break,
            }
        }
        self.pos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_starts_going_back() {
        let text = b"one\ntwo\nthree\n";
        assert_eq!(line_start_back(text, 9, 0), 8, "inside `three`: its own start");
        assert_eq!(line_start_back(text, 8, 1), 4);
        assert_eq!(line_start_back(text, 8, 2), 0);
        assert_eq!(line_start_back(text, 8, 5), 0, "fewer lines than asked");
        assert_eq!(line_start_back(text, 2, 1), 0);
    }

    #[test]
    fn touching_spans_merge_whatever_their_order() {
        let mut spans = vec![(7, 7), (4, 4), (6, 8), (1, 3), (10, 10)];
        assert_eq!(merged(&mut spans), [(1, 4), (6, 8), (10, 10)]);
    }
}
