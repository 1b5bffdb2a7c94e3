//! Bytes to text, the same way for both archive forms, so that both forms of an article read equal.
//!
//! The Markdown archive was made from the plain text by writing every byte that is not a TAB or printable
//! ASCII as a marker like `<A0>`. [`text_to_marked`] and [`markdown_to_marked`] bring either form's bytes
//! to that marked text (raw bytes of a Text file become markers; valid UTF-8 keeps its characters), and
//! [`unmark`] then decodes markers in one place: bytes 0x80–0xFF as Windows-1252 (a no-break space
//! becomes a plain space), `<7F>` dropped.
//!
//! Marker-shaped text is ambiguous: the original articles also hold `<00>`, `<1C>`, `<03>` as literal
//! text (NetBIOS name suffixes, 126 of the archive's 148 control-range `<XX>` are literal) and `<CD>`,
//! `<DD>`, `<F5>` (a CD-ROM drive, an HTML tag, a function key). Those stay as written in both forms.

use super::Skip;

/// Windows-1252 for 0x80–0x9F; `None` for the five bytes it leaves undefined.
const CP1252_HIGH: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// Marker-shaped text in the high range that the archive uses literally, never as a byte marker.
const LITERAL_NAMES: [&str; 11] = ["CD", "DD", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9"];

/// The longest entity name (between `&` and `;`) looked at.
const MAX_ENTITY: usize = 10;

/// Share of NUL/control bytes above which a file is taken as binary.
const BINARY_SHARE: f64 = 0.10;

/// Whether a byte is kept as itself in marked text: TAB, line ends and printable ASCII.
fn plain(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | b'\r' | 0x20..=0x7e)
}

/// Checks the bytes before any parsing: empty, binary.
pub fn check(bytes: &[u8]) -> Result<(), Skip> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Skip::Empty);
    }
    let control = bytes.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)).count();
    // Both counts are far below 2^52, so the casts are exact.
    if control as f64 > bytes.len() as f64 * BINARY_SHARE {
        return Err(Skip::Binary);
    }
    Ok(())
}

/// A Text file as marked text: valid UTF-8 keeps its characters, anything else is read byte by byte.
/// Control characters become markers either way, as the Markdown archive wrote them.
pub fn text_to_marked(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => mark_controls(text),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len() + 16);
            for &byte in bytes {
                push_byte(&mut out, byte);
            }
            out
        }
    }
}

/// A Markdown file as marked text; it must be valid UTF-8.
pub fn markdown_to_marked(bytes: &[u8]) -> Result<String, Skip> {
    let text = std::str::from_utf8(bytes).map_err(|_| Skip::NotUtf8)?;
    Ok(mark_controls(text))
}

fn mark_controls(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match u8::try_from(c) {
            Ok(byte) if byte < 0x80 && !plain(byte) => push_byte(&mut out, byte),
            _ => out.push(c),
        }
    }
    out
}

fn push_byte(out: &mut String, byte: u8) {
    if plain(byte) {
        out.push(char::from(byte));
    } else {
        out.push_str(&format!("<{byte:02X}>"));
    }
}

/// Decodes the byte markers of one line of marked text (see the module doc); a no-break space, raw or
/// decoded, becomes a plain space.
pub fn unmark(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        match marker(tail) {
            Some(decoded) => {
                if let Some(c) = decoded {
                    out.push(c);
                }
                rest = &tail[4..];
            }
            None => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out.replace('\u{a0}', " ")
}

/// `Some(decoded)` when `text` starts with a byte marker (`Some(None)`: the byte is dropped).
fn marker(text: &str) -> Option<Option<char>> {
    let bytes = text.as_bytes();
    if bytes.len() < 4 || bytes[3] != b'>' {
        return None;
    }
    let hex = text.get(1..3)?;
    if !hex.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)) || LITERAL_NAMES.contains(&hex)
    {
        return None;
    }
    let byte = u8::from_str_radix(hex, 16).ok()?;
    match byte {
        0x7f => Some(None),
        0x80..=0x9f => Some(CP1252_HIGH[usize::from(byte - 0x80)]),
        0xa0 => Some(Some(' ')),
        0xa1..=0xff => Some(Some(char::from(byte))),
        _ => None,
    }
}

/// Decodes the HTML entities the Markdown archive wrote in titles: named (`&quot;`, `&amp;`, `&lt;`,
/// `&gt;`, `&apos;`, `&nbsp;`) and numeric (`&#92;`, `&#x5C;`). Anything else is kept as written.
pub fn html_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let decoded = tail.get(1..).and_then(|t| t.split_once(';')).and_then(|(name, _)| {
            if name.len() > MAX_ENTITY {
                return None;
            }
            let c = match name {
                "quot" => '"',
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "apos" => '\'',
                "nbsp" => ' ',
                _ => {
                    let code = match name.strip_prefix('#') {
                        Some(hex) if hex.starts_with(['x', 'X']) => {
                            u32::from_str_radix(hex.get(1..)?, 16).ok()?
                        }
                        Some(dec) => dec.parse().ok()?,
                        None => return None,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, name.len() + 2))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &tail[len..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_bytes_and_markers_decode_alike() {
        let raw = text_to_marked(b"a\xa0b \x92c\x7f \xb7 d");
        assert_eq!(raw, "a<A0>b <92>c<7F> <B7> d");
        assert_eq!(unmark(&raw), "a b \u{2019}c \u{b7} d");
        let md = markdown_to_marked("a<A0>b <92>c<7F> <B7> d".as_bytes()).unwrap();
        assert_eq!(unmark(&md), unmark(&raw));
    }

    #[test]
    fn literal_marker_shaped_text_is_kept() {
        assert_eq!(
            unmark("DOMAIN<1C> and <00>, <CD>:\\setup, press <F5>, <20>"),
            "DOMAIN<1C> and <00>, <CD>:\\setup, press <F5>, <20>"
        );
        assert_eq!(unmark("<servername> <A0"), "<servername> <A0");
    }

    #[test]
    fn control_bytes_become_markers_in_both_forms() {
        assert_eq!(text_to_marked(b"x\x1by"), "x<1B>y");
        assert_eq!(markdown_to_marked("x\u{1b}y".as_bytes()).unwrap(), "x<1B>y");
        assert_eq!(text_to_marked("caf\u{e9}".as_bytes()), "caf\u{e9}", "valid UTF-8 is read as UTF-8");
    }

    #[test]
    fn undefined_cp1252_bytes_are_dropped() {
        assert_eq!(unmark("a<81>b<9D>c"), "abc");
    }

    #[test]
    fn checks_empty_binary_and_utf8() {
        assert_eq!(check(b" \r\n\t"), Err(Skip::Empty));
        assert_eq!(check(b"\0\0\0\0abc"), Err(Skip::Binary));
        assert_eq!(check(b"DOCUMENT:Q1\x1b"), Ok(()));
        assert_eq!(markdown_to_marked(b"---\n\xff"), Err(Skip::NotUtf8));
    }

    #[test]
    fn entities() {
        assert_eq!(
            html_entities("&quot;A&quot; &amp; &lt;B&gt; &#92; &#x5C; &bogus; & x"),
            "\"A\" & <B> \\ \\ &bogus; & x"
        );
        assert_eq!(html_entities("&#99999999999;"), "&#99999999999;");
    }
}
