//! Error codes as rules name them and as text writes them: `0x80040111`, `80040111`, `2147746065`,
//! `-2147221231` and `MAPI_E_TOO_MANY_SESSIONS` are all ways to write a code, and a rule names it once.

use std::fmt;

use regex::Regex;
use std::sync::LazyLock;

/// An error code named by a rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Code {
    /// A numeric code, kept as its 32-bit pattern (negative values wrap, as Windows prints them).
    Number {
        value: u32,
        /// The rule wrote it in decimal, so decimal mentions count even for a small value.
        decimal: bool,
    },
    /// A symbolic name such as `MAPI_E_TOO_MANY_SESSIONS` or `JET_errDiskFull`.
    Name(String),
}

/// How a number was written in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// `0x…` or a bare 8-digit hex word.
    Hex,
    /// Decimal, signed or not.
    Decimal,
}

/// Numeric codes whose unsigned decimal form is at least this are distinctive enough to match in
/// decimal; smaller ones match in decimal only if the rule wrote them in decimal.
const DECIMAL_FLOOR: u32 = 0x1_0000;

/// Codes so common that on their own they say little about which article applies.
const GENERIC_VALUES: &[u32] = &[
    0x8000_4005, // E_FAIL, MAPI_E_CALL_FAILED
    0x8000_4001, // E_NOTIMPL
    0x8000_4002, // E_NOINTERFACE
    0x8000_4003, // E_POINTER
    0x8000_4004, // E_ABORT
    0x8000_FFFF, // E_UNEXPECTED
    0x8007_0005, // E_ACCESSDENIED
    0x8007_000E, // E_OUTOFMEMORY
    0x8007_0057, // E_INVALIDARG
    0x8007_0006, // E_HANDLE
];

const GENERIC_NAMES: &[&str] = &[
    "e_fail",
    "e_notimpl",
    "e_nointerface",
    "e_pointer",
    "e_abort",
    "e_unexpected",
    "e_accessdenied",
    "e_outofmemory",
    "e_invalidarg",
    "e_handle",
    "mapi_e_call_failed",
];

/// Why a code could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCode(pub String);

impl fmt::Display for BadCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not an error code: write a hex number (`0x80040111`), a decimal number \
             (`-1808`) or a symbolic name (`MAPI_E_TOO_MANY_SESSIONS`)",
            self.0
        )
    }
}

impl Code {
    /// Reads a code as a rule writes it.
    pub fn parse(s: &str) -> Result<Code, BadCode> {
        let t = s.trim();
        let bad = || BadCode(s.to_string());
        if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            let value = parse_hex(hex).ok_or_else(bad)?;
            return Ok(Code::Number { value, decimal: false });
        }
        if t.len() == 8 && t.bytes().all(|b| b.is_ascii_hexdigit()) && !t.bytes().all(|b| b.is_ascii_digit())
        {
            return Ok(Code::Number { value: parse_hex(t).ok_or_else(bad)?, decimal: false });
        }
        if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
            // Eight digits: in error messages this is nearly always hex (`80040111`).
            return Ok(Code::Number { value: parse_hex(t).ok_or_else(bad)?, decimal: false });
        }
        if let Some(value) = parse_decimal(t) {
            return Ok(Code::Number { value, decimal: true });
        }
        let mut chars = t.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
        if first_ok && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && t.contains('_') {
            return Ok(Code::Name(t.to_string()));
        }
        Err(bad())
    }

    /// The lower-case word a symbolic code is found as in normalised text.
    pub fn name_key(&self) -> Option<String> {
        match self {
            Code::Name(n) => Some(n.to_ascii_lowercase()),
            Code::Number { .. } => None,
        }
    }

    /// Does a number written in `form` in the text name this code?
    pub fn accepts(&self, form: Form, value: u32) -> bool {
        match *self {
            Code::Number { value: v, decimal } => {
                v == value && (form == Form::Hex || decimal || v >= DECIMAL_FLOOR)
            }
            Code::Name(_) => false,
        }
    }

    /// The number, for numeric codes.
    pub fn value(&self) -> Option<u32> {
        match *self {
            Code::Number { value, .. } => Some(value),
            Code::Name(_) => None,
        }
    }

    /// True for codes that alone say little (E_FAIL and friends, and tiny numbers).
    pub fn is_generic(&self) -> bool {
        match self {
            Code::Number { value, decimal } => GENERIC_VALUES.contains(value) || (!decimal && *value < 0x100),
            Code::Name(n) => GENERIC_NAMES.contains(&n.to_ascii_lowercase().as_str()),
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Number { value, decimal: true } => write!(f, "{}", *value as i32),
            Code::Number { value, decimal: false } => write!(f, "0x{value:08X}"),
            Code::Name(n) => f.write_str(n),
        }
    }
}

fn parse_hex(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    let wide = u64::from_str_radix(s, 16).ok()?;
    u32::try_from(wide).ok()
}

fn parse_decimal(s: &str) -> Option<u32> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    let n = if neg { -n } else { n };
    if n < i64::from(i32::MIN) || n > i64::from(u32::MAX) {
        return None;
    }
    // Negative codes wrap to their unsigned 32-bit pattern, as `Error 4294966278` prints -1018.
    Some(n as u32)
}

/// A number found in text, in the form it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub form: Form,
    pub value: u32,
    pub span: std::ops::Range<usize>,
}

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b0x([0-9a-f]{1,16})\b|(-?)\b([0-9a-f]{8}|[0-9]{3,10})\b")
        .expect("the number pattern is valid")
});

/// Every number in `text` that could be an error code, each in every form it can be read in.
pub fn mentions(text: &str) -> Vec<Mention> {
    let mut out = Vec::new();
    for caps in NUMBER.captures_iter(text) {
        let whole = caps.get(0).expect("group 0 always matches");
        if let Some(hex) = caps.get(1) {
            if let Some(value) = parse_hex(hex.as_str()) {
                out.push(Mention { form: Form::Hex, value, span: whole.range() });
            }
            continue;
        }
        let digits = caps.get(3).expect("one branch matched").as_str();
        let neg = caps.get(2).is_some_and(|m| !m.is_empty());
        let span = whole.range();
        if digits.len() == 8
            && !neg
            && let Some(value) = parse_hex(digits)
        {
            out.push(Mention { form: Form::Hex, value, span: span.clone() });
        }
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            let signed = if neg { format!("-{digits}") } else { digits.to_string() };
            if let Some(value) = parse_decimal(&signed) {
                out.push(Mention { form: Form::Decimal, value, span });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(code: &str, text: &str) -> bool {
        let code = Code::parse(code).unwrap();
        mentions(text).iter().any(|m| code.accepts(m.form, m.value))
    }

    #[test]
    fn a_hex_code_matches_in_every_written_form() {
        for text in [
            "failed with 0x80040111.",
            "failed with 0X80040111",
            "error 80040111 occurred",
            "error 2147746065",
            "hr=-2147221231",
        ] {
            assert!(finds("0x80040111", text), "{text}");
        }
        assert!(!finds("0x80040111", "error 0x80040112"));
        assert!(!finds("0x80040111", "id 180040111x"));
    }

    #[test]
    fn small_negative_codes_match_signed_and_unsigned() {
        assert!(finds("-1808", "-1808 JET_errDiskFull"));
        assert!(finds("-1018", "Error 4294966278"));
        assert!(!finds("-1808", "port 1808 open"));
    }

    #[test]
    fn small_hex_codes_do_not_match_plain_decimals() {
        assert!(finds("0x0000000A", "STOP 0x0000000A (0x00000000)"));
        assert!(finds("0xA", "STOP 0x0000000a"));
        assert!(!finds("0x0000000A", "retry 10 times"));
    }

    #[test]
    fn names_and_bad_codes() {
        assert_eq!(
            Code::parse("MAPI_E_TOO_MANY_SESSIONS").unwrap().name_key().as_deref(),
            Some("mapi_e_too_many_sessions")
        );
        assert!(Code::parse("0xZZ").is_err());
        assert!(Code::parse("not a code").is_err());
        assert!(Code::parse("hello").is_err());
    }

    #[test]
    fn generic_codes_are_known() {
        assert!(Code::parse("0x80004005").unwrap().is_generic());
        assert!(Code::parse("E_FAIL").unwrap().is_generic());
        assert!(!Code::parse("0x80040111").unwrap().is_generic());
        assert!(!Code::parse("MAPI_E_TOO_MANY_SESSIONS").unwrap().is_generic());
    }

    #[test]
    fn display_is_canonical() {
        assert_eq!(Code::parse("80040111").unwrap().to_string(), "0x80040111");
        assert_eq!(Code::parse("-1808").unwrap().to_string(), "-1808");
    }
}
