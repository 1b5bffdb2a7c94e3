//! The original plain-text form (`Q<id>.TXT`): a `DOCUMENT:`/`TITLE   :`/`PRODUCT :`/`PROD/VER:` header up
//! to the first blank line, then the body. LF or CRLF line ends; raw bytes are read as
//! [`decode`](super::decode) says.

use super::Skip;
use super::decode::{text_to_marked, unmark};
use super::header::{Header, article_id, collapse};

/// The header and the body lines, each without its first leading space (the Markdown form dropped it too,
/// so indentation compares equal across forms).
pub fn read(bytes: &[u8]) -> Result<(Header, Vec<String>), Skip> {
    let marked = text_to_marked(bytes);
    let mut lines = marked.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line));
    let mut header = Header::default();
    for line in lines.by_ref() {
        let line = line.trim_start();
        if line.is_empty() {
            break;
        }
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = unmark(value);
        match key.trim_end() {
            "DOCUMENT" => {
                header.id = article_id(&value);
                header.last_modified = value.split_whitespace().find(|w| is_date(w)).map(str::to_string);
            }
            "TITLE" => header.title = collapse(&value),
            "PRODUCT" => header.product = value,
            "PROD/VER" => header.versions = value,
            _ => {}
        }
    }
    let body = lines.map(|line| unmark(line.strip_prefix(' ').unwrap_or(line))).collect();
    Ok((header, body))
}

/// `23-OCT-2001`.
fn is_date(word: &str) -> bool {
    let parts: Vec<&str> = word.split('-').collect();
    matches!(parts.as_slice(), [d, m, y]
        if (1..=2).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit())
            && m.len() == 3 && m.bytes().all(|b| b.is_ascii_alphabetic())
            && y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_body() {
        let (header, body) = read(
            b"DOCUMENT:Q42  02-JAN-1999  [mail]\r\nTITLE   :XADM: A &amp; B\r\nPRODUCT :Kit\r\nPROD/VER::5.5\r\n\r\n \
              SYMPTOMS\r\n    quoted\xa0x\r\n",
        )
        .unwrap();
        assert_eq!(header.id.as_deref(), Some("Q42"));
        assert_eq!(header.last_modified.as_deref(), Some("02-JAN-1999"));
        assert_eq!(header.title, "XADM: A &amp; B", "no entity decoding in the Text form");
        assert_eq!(header.product, "Kit");
        assert_eq!(header.versions, ":5.5");
        assert_eq!(body, ["SYMPTOMS", "   quoted x", ""]);
    }

    #[test]
    fn no_document_line_gives_no_id() {
        let (header, _) = read(b"hello\nworld\n").unwrap();
        assert_eq!(header.id, None);
    }
}
