//! The body's sections: a heading line underlined with `===` (SYMPTOMS, CAUSE, RESOLUTION, STATUS,
//! WORKAROUND, MORE INFORMATION, …), and the `Additional query words:` line. Sections end at the next
//! heading or where the article's trailer starts.

use super::header::collapse;
use super::prose::is_rule;

/// The sections of one body, in order, and the query words.
#[derive(Debug, Default)]
pub struct Sections<'a> {
    found: Vec<(String, &'a [String])>,
    pub query_words: Vec<String>,
}

impl<'a> Sections<'a> {
    /// The lines of the first section with this heading (`SYMPTOM` is taken for `SYMPTOMS`).
    pub fn get(&self, name: &str) -> Option<&'a [String]> {
        self.found
            .iter()
            .find(|(heading, _)| heading == name || (name == "SYMPTOMS" && heading == "SYMPTOM"))
            .map(|(_, lines)| *lines)
    }
}

const QUERY_WORDS: &str = "Additional query words:";

/// Finds the sections and the query words.
pub fn split(body: &[String]) -> Sections<'_> {
    let mut sections = Sections::default();
    let mut open: Option<(String, usize)> = None;
    let mut i = 0;
    while i < body.len() {
        let line = &body[i];
        if let Some(heading) = heading(line, body.get(i + 1)) {
            close(&mut sections, body, open.take(), i);
            open = Some((heading, i + 2));
            i += 2;
            continue;
        }
        if let Some(words) = line.trim_start().strip_prefix(QUERY_WORDS) {
            close(&mut sections, body, open.take(), i);
            let continued = body[i + 1..].iter().take_while(|l| !l.trim().is_empty() && !is_rule(l));
            for word in std::iter::once(words.to_string())
                .chain(continued.cloned())
                .flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            {
                if !sections.query_words.contains(&word) {
                    sections.query_words.push(word);
                }
            }
        } else if is_trailer(line) {
            close(&mut sections, body, open.take(), i);
        }
        i += 1;
    }
    close(&mut sections, body, open, body.len());
    sections
}

fn close<'a>(sections: &mut Sections<'a>, body: &'a [String], open: Option<(String, usize)>, end: usize) {
    if let Some((heading, start)) = open {
        sections.found.push((heading, body.get(start..end).unwrap_or_default()));
    }
}

/// A heading: a short line with letters and no lower case, underlined by `=` no longer than it (+4).
fn heading(line: &str, next: Option<&String>) -> Option<String> {
    let text = line.trim();
    let under = next?.trim();
    let is_heading = !under.is_empty()
        && under.bytes().all(|b| b == b'=')
        && under.len() >= 3
        && under.len() <= text.len() + 4
        && text.len() <= 60
        && text.chars().any(char::is_alphabetic)
        && !text.chars().any(char::is_lowercase);
    is_heading.then(|| collapse(text))
}

/// Where the article's trailer starts: a long `====` rule, the keyword block or the disclaimer.
fn is_trailer(line: &str) -> bool {
    let text = line.trim();
    (text.len() >= 20 && text.bytes().all(|b| b == b'='))
        || text.starts_with("Keywords          :")
        || text.starts_with("THE INFORMATION PROVIDED IN THE MICROSOFT KNOWLEDGE BASE")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn sections_and_query_words() {
        let body = lines(
            "-----\nSUMMARY\n=======\nintro\nSYMPTOM\n=======\n\nbad\nMORE INFORMATION\n================\nmore\n\n\
             Additional query words: a b\nc a\n\n======================================================================\n\
             Keywords          : kbX\n",
        );
        let sections = split(&body);
        assert_eq!(sections.get("SYMPTOMS").unwrap(), ["", "bad"]);
        assert_eq!(sections.get("MORE INFORMATION").unwrap(), ["more", ""]);
        assert_eq!(sections.get("CAUSE"), None);
        assert_eq!(sections.query_words, ["a", "b", "c"]);
    }

    #[test]
    fn prose_lines_are_not_headings() {
        assert_eq!(heading("Knowledge Base as it becomes available.", Some(&"=====".to_string())), None);
        assert_eq!(heading("CAUSE", Some(&"=".repeat(70))), None, "a trailer rule is no underline");
        assert_eq!(heading("CAUSE", Some(&"=====".to_string())).as_deref(), Some("CAUSE"));
        assert_eq!(heading("CAUSE", None), None);
    }
}
