//! The archive's Markdown form (`kb/NNN/Q<id>/README.md`): Jekyll front matter with the HTML-escaped title,
//! a `## ` heading, then the body with each line behind a TAB, optionally inside `{% raw %}` … `{% endraw %}`.
//! The body opens with `Article:`/`Product(s):`/`Version(s):`/`Last Modified:` lines.

use super::Skip;
use super::decode::{html_entities, markdown_to_marked, unmark};
use super::header::{Header, article_id, collapse};

/// The header lines at the top of the body.
const HEADER_KEYS: [&str; 6] =
    ["Article", "Product(s)", "Version(s)", "Operating System(s)", "Keyword(s)", "Last Modified"];

/// The header and the body lines, each without its leading TAB.
pub fn read(bytes: &[u8]) -> Result<(Header, Vec<String>), Skip> {
    let marked = markdown_to_marked(bytes)?;
    let mut lines = marked.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line)).peekable();
    let mut header = Header::default();
    let mut heading = None;
    if lines.peek().is_some_and(|l| l.trim_end() == "---") {
        lines.next();
        for line in lines.by_ref() {
            if line.trim_end() == "---" {
                break;
            }
            if let Some(title) = line.strip_prefix("title:") {
                header.title = title_text(title.trim().trim_matches('"'));
            }
        }
    }
    let mut body = Vec::new();
    let mut in_header = true;
    for line in lines {
        let trimmed = line.trim();
        if matches!(trimmed, "{% raw %}" | "{% endraw %}") {
            continue;
        }
        if let Some(title) = line.strip_prefix("## ").filter(|_| in_header && heading.is_none()) {
            heading = Some(title_text(title));
            continue;
        }
        let line = line.strip_prefix('\t').unwrap_or(line);
        if in_header {
            if let Some((key, value)) = line.split_once(':').filter(|(k, _)| HEADER_KEYS.contains(k)) {
                let value = unmark(value);
                match key {
                    "Article" => header.id = article_id(&value),
                    "Product(s)" => header.product = value,
                    "Version(s)" => header.versions = value,
                    "Last Modified" => {
                        header.last_modified = Some(value.trim().to_string()).filter(|v| !v.is_empty());
                        in_header = false;
                    }
                    _ => {}
                }
                continue;
            }
            if trimmed.is_empty() {
                continue;
            }
            in_header = false;
        }
        body.push(unmark(line));
    }
    if header.title.is_empty() {
        header.title = heading.unwrap_or_default();
    }
    if header.id.is_none() {
        header.id = article_id(&header.title);
    }
    Ok((header, body))
}

fn title_text(raw: &str) -> String {
    collapse(&unmark(&html_entities(raw)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = "---\nlayout: page\ntitle: \"Q42: XADM: A &amp; &quot;B&quot;\"\npermalink: /kb/000/Q42/\n---\n\n\
        ## Q42: XADM: A &amp; &quot;B&quot;\n\n{% raw %}\n\n\tArticle: Q42\n\tProduct(s): Kit\n\tVersion(s): 5.5\n\
        \tOperating System(s): \n\tKeyword(s): \n\tLast Modified: 02-JAN-1999\n\t\n\tSYMPTOMS\n\t  quoted<A0>x\n\n{% endraw %}\n";

    #[test]
    fn header_and_body() {
        let (header, body) = read(ARTICLE.as_bytes()).unwrap();
        assert_eq!(header.id.as_deref(), Some("Q42"));
        assert_eq!(header.title, "Q42: XADM: A & \"B\"");
        assert_eq!(header.product, " Kit");
        assert_eq!(header.versions, " 5.5");
        assert_eq!(header.last_modified.as_deref(), Some("02-JAN-1999"));
        assert_eq!(body, ["", "SYMPTOMS", "  quoted x", "", ""]);
    }

    #[test]
    fn id_falls_back_to_the_title() {
        let (header, _) = read(b"---\ntitle: \"Q7: T\"\n---\n\tSYMPTOMS\n").unwrap();
        assert_eq!(header.id.as_deref(), Some("Q7"));
    }

    #[test]
    fn not_utf8_is_skipped() {
        assert_eq!(read(b"---\ntitle: \"Q7: \xff\"\n---\n").unwrap_err(), Skip::NotUtf8);
    }
}
