//! Turning the bytes people paste or pipe in into text: UTF-16 (what many Windows tools write, with a
//! byte-order mark or without one) is decoded, a UTF-8 BOM dropped, and bytes that are not UTF-8
//! replaced, never a panic.

/// Decodes `bytes` to text.
pub fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_utf16(rest, u16::from_be_bytes);
    }
    match utf16_unmarked(bytes) {
        Some(Utf16::Le) => return decode_utf16(bytes, u16::from_le_bytes),
        Some(Utf16::Be) => return decode_utf16(bytes, u16::from_be_bytes),
        None => {}
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

/// The byte order of UTF-16 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf16 {
    Le,
    Be,
}

/// The first bytes [`utf16_unmarked`] weighs.
const WEIGHED: usize = 4096;

/// Whether `head`, the first bytes of some input without a byte-order mark, is UTF-16 all the same (as
/// some Windows tools and redirections write it), and in which byte order. It is when NUL bytes stand
/// in only one half of the byte pairs (the high byte of every ASCII character: spaces, digits, line
/// breaks), in at least a quarter of the pairs and in two at least. UTF-8 text has no NUL bytes;
/// binary data (a dump, a program) has them in both halves.
pub fn utf16_unmarked(head: &[u8]) -> Option<Utf16> {
    let pairs = head[..head.len().min(WEIGHED)].chunks_exact(2);
    let n = pairs.len();
    let (mut first, mut second) = (0, 0);
    for pair in pairs {
        first += usize::from(pair[0] == 0);
        second += usize::from(pair[1] == 0);
    }
    match (first, second) {
        (0, nul) if nul >= 2 && nul * 4 >= n => Some(Utf16::Le),
        (nul, 0) if nul >= 2 && nul * 4 >= n => Some(Utf16::Be),
        _ => None,
    }
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks(2).map(|c| if c.len() == 2 { unit([c[0], c[1]]) } else { 0xFFFD });
    char::decode_utf16(units).map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, le: bool) -> Vec<u8> {
        let mut out = if le { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
        for u in text.encode_utf16() {
            out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    }

    #[test]
    fn utf16_with_a_bom_is_decoded() {
        assert_eq!(decode(&utf16("MAPI_E_TOO_MANY_SESSIONS\r\n", true)), "MAPI_E_TOO_MANY_SESSIONS\r\n");
        assert_eq!(decode(&utf16("Cdo.dll — é", false)), "Cdo.dll — é");
    }

    #[test]
    fn utf16_without_a_bom_is_told_by_its_nul_bytes() {
        let le = &utf16("MAPI_E_TOO_MANY_SESSIONS\r\n", true)[2..];
        let be = &utf16("Cdo.dll — é\n", false)[2..];
        assert_eq!(utf16_unmarked(le), Some(Utf16::Le));
        assert_eq!(utf16_unmarked(be), Some(Utf16::Be));
        assert_eq!(decode(le), "MAPI_E_TOO_MANY_SESSIONS\r\n");
        assert_eq!(decode(be), "Cdo.dll — é\n");
        // Mostly Cyrillic: the spaces and digits still put NUL bytes in a quarter of the pairs.
        let ru = &utf16("Ошибка 1053: служба не ответила вовремя\r\n", true)[2..];
        assert_eq!(utf16_unmarked(ru), Some(Utf16::Le));
        assert_eq!(decode(ru), "Ошибка 1053: служба не ответила вовремя\r\n");
    }

    #[test]
    fn text_and_binary_data_are_not_taken_for_utf16() {
        assert_eq!(utf16_unmarked(b"Internal error: failed to create MAPI.Session.\n"), None);
        assert_eq!(utf16_unmarked("Ошибка 1053".as_bytes()), None);
        // NUL bytes in both halves of the pairs: a program's header, a dump.
        assert_eq!(utf16_unmarked(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0"), None);
        // NUL bytes in one half, but too few for text.
        assert_eq!(utf16_unmarked(b"abcdefghijklmno\0"), None);
        assert_eq!(utf16_unmarked(b""), None);
        assert_eq!(utf16_unmarked(b"a"), None);
        assert_eq!(decode(b"plain\0"), "plain\0");
    }

    #[test]
    fn invalid_utf8_and_odd_lengths_are_replaced() {
        assert_eq!(decode(b"bad \xFF byte"), "bad \u{FFFD} byte");
        assert_eq!(decode(&[0xFF, 0xFE, b'a', 0, b'b']), "a\u{FFFD}");
        assert_eq!(decode(b"\xEF\xBB\xBFhello"), "hello");
    }
}
