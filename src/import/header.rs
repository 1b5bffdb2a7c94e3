//! The article header both forms share once read: [`Header`], and the field rules that make both forms
//! agree (the title's area prefix, versions split at commas, the article id).

/// Header fields as the form gives them, byte markers already decoded.
#[derive(Debug, Default)]
pub struct Header {
    pub id: Option<String>,
    /// The whole title, HTML entities decoded, with any `Q<id>: ` the Markdown form puts in front.
    pub title: String,
    pub product: String,
    pub versions: String,
    pub last_modified: Option<String>,
}

/// `Q<digits>` at the start of `text` (after blanks), if any.
pub fn article_id(text: &str) -> Option<String> {
    let text = text.trim_start();
    let digits = text.strip_prefix(['Q', 'q'])?;
    let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
    (end > 0).then(|| format!("Q{}", &digits[..end]))
}

/// Splits `XWEB: "Failed to Create MAPI.Session" Error Message` into the title and its area (`XWEB`).
/// Only one prefix is taken: in `SMTP: Err Msg: Read: (52) …` the area is `SMTP`. A prefix is one to three
/// words, each starting with an upper-case letter or digit, at most 24 characters, followed by `: `.
pub fn split_title(title: &str, id: &str) -> (String, Option<String>) {
    let title = collapse(title);
    let title = title
        .strip_prefix(id)
        .and_then(|rest| rest.strip_prefix(':'))
        .map(str::trim_start)
        .unwrap_or(&title)
        // The Markdown archive wrote the typographic quotes of titles as `'`; so do both forms here.
        .replace(['\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}'], "'");
    if let Some((area, rest)) = title.split_once(": ") {
        let words: Vec<&str> = area.split(' ').collect();
        let area_like = area.len() <= 24
            && words.len() <= 3
            && words.iter().all(|w| w.starts_with(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit()));
        if area_like && !rest.trim().is_empty() {
            return (rest.trim().to_string(), Some(area.to_string()));
        }
    }
    (title, None)
}

/// `WINDOWS:3.0,3.2` gives `3.0`, `3.2`; `:5.5` gives `5.5`; `WINDOWS:95; winnt:4.0` gives `95`, `4.0`.
/// Empty parts are dropped, repeats kept once.
pub fn split_versions(versions: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for platform in versions.split(';') {
        let list = platform.split_once(':').map_or(platform, |(_, list)| list);
        for version in list.split(',').map(collapse) {
            if !version.is_empty() && !out.contains(&version) {
                out.push(version);
            }
        }
    }
    out
}

/// Products: the header names one; a `;` list is split.
pub fn split_products(products: &str) -> Vec<String> {
    products.split(';').map(collapse).filter(|p| !p.is_empty()).collect()
}

/// Trims and turns every run of whitespace into one space.
pub fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_lose_id_and_area() {
        assert_eq!(
            split_title("Q293218: XWEB: \"Failed\" Error Message in OWA", "Q293218"),
            ("\"Failed\" Error Message in OWA".to_string(), Some("XWEB".to_string()))
        );
        assert_eq!(
            split_title("PC MAPI: MAPI_NEW_SESSION Fails", "Q1"),
            ("MAPI_NEW_SESSION Fails".to_string(), Some("PC MAPI".to_string()))
        );
        assert_eq!(
            split_title("SMTP: Err Msg: Read: (52) Reset", "Q1"),
            ("Err Msg: Read: (52) Reset".to_string(), Some("SMTP".to_string()))
        );
        assert_eq!(
            split_title("Managing Memory with malloc()", "Q1"),
            ("Managing Memory with malloc()".to_string(), None)
        );
        assert_eq!(split_title("the note: lower case is not an area", "Q1").1, None);
        assert_eq!(split_title("Don\u{2019}t \u{201c}Show\u{201d}", "Q1").0, "Don't 'Show'");
    }

    #[test]
    fn versions_split_at_commas_and_platforms() {
        assert_eq!(split_versions("WINDOWS:3.0,3.2"), ["3.0", "3.2"]);
        assert_eq!(split_versions(":5.5"), ["5.5"]);
        assert_eq!(split_versions("5.5"), ["5.5"]);
        assert_eq!(split_versions("WINDOWS:95; winnt:4.0,95"), ["95", "4.0"]);
        assert!(split_versions(":").is_empty());
        assert_eq!(split_versions("winnt:4.0,4.0 SP1"), ["4.0", "4.0 SP1"]);
    }

    #[test]
    fn ids() {
        assert_eq!(article_id("Q293218  23-OCT-2001").as_deref(), Some("Q293218"));
        assert_eq!(article_id("Qx"), None);
        assert_eq!(article_id(""), None);
    }
}
