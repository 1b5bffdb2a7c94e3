//! KB article records (`kb/Q<id>.md`): YAML front matter with the article's facts, and a Markdown body with
//! its Symptoms, Cause, Resolution and Status in the project's own words. `kbx show` prints them.

use serde::Deserialize;

use crate::rule::Origin;
use crate::rule::load::{Problem, SourceFile, parse_yaml};

/// One article record.
#[derive(Debug, Clone)]
pub struct KbRecord {
    pub id: String,
    pub title: String,
    pub products: Vec<String>,
    pub versions: Vec<String>,
    pub last_modified: String,
    pub source: String,
    /// The Markdown after the front matter.
    pub body: String,
    pub origin: Origin,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: String,
    title: String,
    #[serde(default)]
    products: Vec<String>,
    #[serde(default)]
    versions: Vec<String>,
    last_modified: String,
    source: String,
}

impl KbRecord {
    /// The body's `## ` sections, as (heading, text) pairs in order.
    pub fn sections(&self) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(start) = find_heading(rest) {
            let after = &rest[start + 3..];
            let (heading, body) = after.split_once('\n').unwrap_or((after, ""));
            let end = find_heading(body).unwrap_or(body.len());
            out.push((heading.trim(), body[..end].trim()));
            rest = &body[end..];
        }
        out
    }
}

fn find_heading(text: &str) -> Option<usize> {
    if text.starts_with("## ") {
        return Some(0);
    }
    text.find("\n## ").map(|i| i + 1)
}

/// Reads a record: `---`, YAML front matter, `---`, Markdown body.
pub fn parse(file: &SourceFile) -> Result<KbRecord, Problem> {
    let path = file.origin.path();
    let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
    let missing = || {
        Problem::new(path, "a kb record starts with YAML front matter between two `---` lines")
            .at(1, 1)
            .help("begin the file with `---`, the fields id, title, products, versions, last_modified, source, then `---`")
    };
    let after_open =
        text.strip_prefix("---\n").or_else(|| text.strip_prefix("---\r\n")).ok_or_else(missing)?;
    let close = after_open
        .match_indices("\n---")
        .find(|(i, _)| {
            let tail = &after_open[i + 4..];
            tail.is_empty() || tail.starts_with('\n') || tail.starts_with("\r\n")
        })
        .map(|(i, _)| i)
        .ok_or_else(missing)?;
    let yaml = &after_open[..close + 1];
    let body = after_open[close + 4..].trim_start_matches(['\r', '\n']);
    let front: FrontMatter = parse_yaml(path, yaml, 1)?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if front.id != stem {
        return Err(Problem::new(
            path,
            format!("kb record id `{}` does not match the file name `{stem}`", front.id),
        )
        .at(2, 1)
        .help(format!("name the file `{}.md` or set `id: {stem}`", front.id)));
    }
    Ok(KbRecord {
        id: front.id,
        title: front.title,
        products: front.products,
        versions: front.versions,
        last_modified: front.last_modified,
        source: front.source,
        body: body.to_string(),
        origin: file.origin.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file(name: &str, text: &str) -> SourceFile {
        SourceFile { origin: Origin::File(PathBuf::from(name)), text: text.to_string() }
    }

    const RECORD: &str = "---\nid: Q1\ntitle: T\nlast_modified: 1999-10-29\nsource: test\n---\n\n## Symptoms\nIt breaks.\n\n## Cause\nA bug.\n";

    #[test]
    fn front_matter_and_sections() {
        let r = parse(&file("kb/Q1.md", RECORD)).unwrap();
        assert_eq!(r.id, "Q1");
        assert_eq!(r.sections(), vec![("Symptoms", "It breaks."), ("Cause", "A bug.")]);
    }

    #[test]
    fn errors_name_the_line_of_the_file() {
        let bad = RECORD.replace("title: T", "titel: T");
        let p = parse(&file("kb/Q1.md", &bad)).unwrap_err();
        assert_eq!(p.position.map(|(l, _)| l), Some(3), "{p}");
        assert!(p.message.starts_with("unknown field `titel`"), "{p}");
        let p = parse(&file("kb/Q2.md", RECORD)).unwrap_err();
        assert!(p.message.contains("does not match the file name"), "{p}");
        assert!(parse(&file("kb/Q1.md", "no front matter")).is_err());
    }
}
