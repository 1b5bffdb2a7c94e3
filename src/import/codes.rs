//! Error codes written in SYMPTOMS, as written: `0x8004011d`, bare `80040115`, `0x0000000A` of
//! `STOP 0x0000000A`, `-1808` of `-1808 JET_errDiskFull`, symbolic names (`MAPI_E_TOO_COMPLEX`,
//! `JET_errDiskFull`, `E_FAIL`, `ERROR_ACCESS_DENIED`) and the large decimals of `Error 4294966278`.

use std::sync::LazyLock;

use regex::Regex;

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern {pattern:?} is invalid: {e}"))
}

static HEX: LazyLock<Regex> = LazyLock::new(|| regex(r"\b0[xX][0-9A-Fa-f]{2,16}\b"));
static BARE: LazyLock<Regex> = LazyLock::new(|| regex(r"\b[0-9A-Fa-f]{8}\b"));
static SYMBOL: LazyLock<Regex> =
    LazyLock::new(|| regex(r"\b(?:JET_err[A-Za-z0-9_]+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b"));
static JET_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?:^|[^\w-])(-\d{1,6})\)?\s*\(?JET_err|JET_err\w+\s*\((-\d{1,6})\)"));
static ERROR_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\berror\s*(?::|#|number|code)?\s*(-?\d{2,10})\b"));

/// The codes in `text`, in order of appearance, each once (case-insensitively).
pub fn find(text: &str) -> Vec<String> {
    let mut found: Vec<(usize, &str)> = Vec::new();
    found.extend(HEX.find_iter(text).map(|m| (m.start(), m.as_str())));
    found.extend(
        BARE.find_iter(text)
            .filter(|m| is_bare_code(text, m.start(), m.end()))
            .map(|m| (m.start(), m.as_str())),
    );
    found.extend(SYMBOL.find_iter(text).filter(|m| is_symbol(m.as_str())).map(|m| (m.start(), m.as_str())));
    for caps in JET_NUMBER.captures_iter(text) {
        if let Some(m) = caps.get(1).or_else(|| caps.get(2)) {
            found.push((m.start(), m.as_str()));
        }
    }
    for caps in ERROR_NUMBER.captures_iter(text) {
        if let Some(m) = caps.get(1) {
            let number = m.as_str();
            let big = number.parse::<u64>().is_ok_and(|n| n >= 65_536);
            if big || number.starts_with('-') {
                found.push((m.start(), number));
            }
        }
    }
    found.sort_by_key(|&(at, _)| at);
    let mut codes: Vec<String> = Vec::new();
    for (_, code) in found {
        if !codes.iter().any(|c| c.eq_ignore_ascii_case(code)) {
            codes.push(code.to_string());
        }
    }
    codes
}

/// `MAPI_E_TOO_COMPLEX`, `JET_errDiskFull`, `E_FAIL`, `ERROR_ACCESS_DENIED`; not `MAPI_NEW_SESSION`.
fn is_symbol(name: &str) -> bool {
    name.starts_with("JET_err")
        || name.contains("_E_")
        || name.starts_with("E_")
        || name.starts_with("ERROR_")
}

/// Eight hex digits with at least four decimal digits, standing alone: not part of a GUID, a path, a file
/// name, a `0x` number, a register dump (`EAX=…`) or a hex dump (a neighbour that is also eight hex digits).
fn is_bare_code(text: &str, start: usize, end: usize) -> bool {
    let word = &text[start..end];
    if word.bytes().filter(u8::is_ascii_digit).count() < 4 {
        return false;
    }
    let before = text[..start].chars().next_back();
    let mut after = text[end..].chars();
    let next = after.next();
    if before.is_some_and(|c| matches!(c, '-' | '\\' | '/' | '.' | '=' | '$' | '{' | ':' | '@'))
        || next.is_some_and(|c| matches!(c, '-' | '\\' | '/' | '}' | ':'))
        || (next == Some('.') && after.next().is_some_and(char::is_alphanumeric))
    {
        return false;
    }
    let is_hex8 = |w: &str| w.len() == 8 && w.bytes().all(|b| b.is_ascii_hexdigit());
    let previous_word = text[..start].split_whitespace().next_back().unwrap_or_default();
    let next_word = text[end..].split_whitespace().next().unwrap_or_default();
    !(is_hex8(previous_word)
        || is_hex8(next_word)
        || previous_word.ends_with(':') && previous_word.len() == 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form() {
        assert_eq!(
            find(
                "STOP 0x0000000A then 0x8004011d, error 80040115 and -1808 JET_errDiskFull; MAPI_E_TOO_COMPLEX or E_FAIL, Error 4294966278."
            ),
            [
                "0x0000000A",
                "0x8004011d",
                "80040115",
                "-1808",
                "JET_errDiskFull",
                "MAPI_E_TOO_COMPLEX",
                "E_FAIL",
                "4294966278"
            ]
        );
    }

    #[test]
    fn not_codes() {
        assert!(find("MAPI_NEW_SESSION deadbeef cafe123a {00020400-0000-0000-C000-000000000046}").is_empty());
        assert!(find("C:\\MA3\\000162B3.MAI and Error 404 and EAX=30303030").is_empty());
        assert!(find("0000: 000c0000 005c0001 00000000 c00007d1").is_empty());
    }

    #[test]
    fn repeats_are_kept_once_in_order() {
        assert_eq!(
            find("0x8004011D then 0x8004011d, JET_errDiskFull (-1808)"),
            ["0x8004011D", "JET_errDiskFull", "-1808"]
        );
        assert_eq!(find("ID no: c1031667."), ["c1031667"]);
        assert_eq!(find("failed with Error -327"), ["-327"]);
    }
}
