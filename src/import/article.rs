//! Builds an [`Article`] from a header and body lines, whichever form they were read from.

use super::header::{Header, split_products, split_title, split_versions};
use super::prose::{is_rule, prose};
use super::{Article, Skip, codes, messages, sections, steps};

/// The article, or why it is skipped: no id or no body ([`Skip::Truncated`]); no quoted message and no
/// code in SYMPTOMS ([`Skip::NoSymptoms`]).
pub fn build(header: Header, body: &[String]) -> Result<Article, Skip> {
    let id = header.id.ok_or(Skip::Truncated)?;
    if body.iter().all(|line| line.trim().is_empty() || is_rule(line)) {
        return Err(Skip::Truncated);
    }
    let sections = sections::split(body);
    let symptoms = sections.get("SYMPTOMS").ok_or(Skip::NoSymptoms)?;
    let messages = messages::quoted(symptoms);
    let symptoms_prose = prose(symptoms);
    let codes = codes::find(&symptoms_prose);
    if messages.is_empty() && codes.is_empty() {
        return Err(Skip::NoSymptoms);
    }
    let resolution = sections
        .get("RESOLUTION")
        .filter(|lines| lines.iter().any(|l| !l.trim().is_empty()))
        .or_else(|| sections.get("WORKAROUND"))
        .map(steps::steps)
        .unwrap_or_default();
    let (title, area) = split_title(&header.title, &id);
    Ok(Article {
        title,
        area,
        products: split_products(&header.product),
        versions: split_versions(&header.versions),
        last_modified: header.last_modified,
        query_words: sections.query_words.clone(),
        messages,
        codes,
        symptoms: symptoms_prose,
        cause: sections.get("CAUSE").map(prose).unwrap_or_default(),
        resolution,
        status: sections.get("STATUS").map(prose).unwrap_or_default(),
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    fn header(id: Option<&str>) -> Header {
        Header { id: id.map(str::to_string), title: "XADM: Store Fails".into(), ..Header::default() }
    }

    #[test]
    fn skips() {
        assert_eq!(build(header(None), &body("SYMPTOMS\n========\n")), Err(Skip::Truncated));
        assert_eq!(build(header(Some("Q1")), &body("\n=====\n-----\n")), Err(Skip::Truncated));
        assert_eq!(build(header(Some("Q1")), &body("SUMMARY\n=======\n\nText.")), Err(Skip::NoSymptoms));
        assert_eq!(
            build(header(Some("Q1")), &body("SYMPTOMS\n========\n\nIt is slow.")),
            Err(Skip::NoSymptoms)
        );
    }

    #[test]
    fn workaround_stands_in_for_a_missing_resolution() {
        let article = build(
            header(Some("Q1")),
            &body(
                "SYMPTOMS\n========\n\nIt fails with 0x80040115.\n\nWORKAROUND\n==========\n\nRestart it.\n",
            ),
        )
        .unwrap();
        assert_eq!(article.codes, ["0x80040115"]);
        assert_eq!(article.area.as_deref(), Some("XADM"));
        assert_eq!(article.resolution.len(), 1);
        assert_eq!(article.resolution[0].text, "Restart it.");
    }
}
