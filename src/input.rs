//! Turning the bytes people paste or pipe in into text: UTF-16 with a byte-order mark (what many Windows
//! tools write) is decoded, a UTF-8 BOM dropped, and bytes that are not UTF-8 replaced, never a panic.

/// Decodes `bytes` to text.
pub fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_utf16(rest, u16::from_be_bytes);
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
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
    fn invalid_utf8_and_odd_lengths_are_replaced() {
        assert_eq!(decode(b"bad \xFF byte"), "bad \u{FFFD} byte");
        assert_eq!(decode(&[0xFF, 0xFE, b'a', 0, b'b']), "a\u{FFFD}");
        assert_eq!(decode(b"\xEF\xBB\xBFhello"), "hello");
    }
}
