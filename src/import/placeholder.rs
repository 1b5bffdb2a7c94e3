//! Placeholders in quoted messages, written as `<…>` spans so that matching can treat them as wildcards:
//! `<servername>` stays, `[friendly name]` becomes `<friendly name>`, a run of four or more `X`
//! (`XXXXXXXX`, `msgxxxx.ccm`) becomes `<XXXXXXXX>`, and `%1` becomes `<1>`.

/// The text with its placeholders as `<…>` spans. Text already inside `<…>` is kept as it is.
pub fn mark(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(end) = span_end(&chars, i, '<', '>') {
            out.extend(&chars[i..=end]);
            i = end + 1;
        } else if let Some(end) =
            span_end(&chars, i, '[', ']').filter(|&end| is_bracket_name(&chars[i + 1..end]))
        {
            out.push('<');
            out.extend(&chars[i + 1..end]);
            out.push('>');
            i = end + 1;
        } else if c == 'x' || c == 'X' {
            let run = chars[i..].iter().take_while(|&&c| c == 'x' || c == 'X').count();
            if run >= 4 {
                out.push('<');
                out.extend(&chars[i..i + run]);
                out.push('>');
            } else {
                out.extend(&chars[i..i + run]);
            }
            i += run;
        } else if c == '%' && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
            let digits = chars[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            out.push('<');
            out.extend(&chars[i + 1..=i + digits]);
            out.push('>');
            i += 1 + digits;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The text with every `<…>` span removed and whitespace collapsed: what is left to compare when
/// placeholders may hold anything.
pub fn strip(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some(end) = span_end(&chars, i, '<', '>') {
            out.push(' ');
            i = end + 1;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The index of the closing character of a span opened at `start`: non-empty, at most 40 characters,
/// not starting with a space, no nested opener.
fn span_end(chars: &[char], start: usize, open: char, close: char) -> Option<usize> {
    if chars.get(start) != Some(&open)
        || chars.get(start + 1).is_none_or(|c| c.is_whitespace() || *c == close)
    {
        return None;
    }
    chars[start + 1..].iter().take(41).position(|&c| c == close || c == open).and_then(|at| {
        let end = start + 1 + at;
        (chars[end] == close).then_some(end)
    })
}

/// `[friendly name]`, `[path]`: lower-case words, at least two characters; not `[r]`, `[SQL Server]`, `[005]`.
fn is_bracket_name(inner: &[char]) -> bool {
    inner.len() >= 2
        && inner.first().is_some_and(char::is_ascii_lowercase)
        && inner.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, ' ' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_spans() {
        assert_eq!(
            mark("Error 29 Alias does not exist [friendly name]"),
            "Error 29 Alias does not exist <friendly name>"
        );
        assert_eq!(mark("Mailbox XXXXXXXX at msgxxxx.ccm"), "Mailbox <XXXXXXXX> at msg<xxxx>.ccm");
        assert_eq!(mark("Box XXX and Xerxes"), "Box XXX and Xerxes");
        assert_eq!(mark("The file %1 on %23."), "The file <1> on <23>.");
        assert_eq!(
            mark("at <Hex Memory Address> on <servername>"),
            "at <Hex Memory Address> on <servername>"
        );
        assert_eq!(mark("already <XXXXXXXX> here"), "already <XXXXXXXX> here");
    }

    #[test]
    fn other_brackets_stay() {
        assert_eq!(
            mark("[Microsoft][ODBC SQL Server Driver] [005] for 0 [r] access"),
            "[Microsoft][ODBC SQL Server Driver] [005] for 0 [r] access"
        );
        assert_eq!(mark("a < b and 100%"), "a < b and 100%");
        assert_eq!(mark("[unclosed name"), "[unclosed name");
    }

    #[test]
    fn strip_removes_spans() {
        assert_eq!(strip("Select <postoffice name>?  now"), "Select ? now");
        assert_eq!(strip("a <b"), "a <b");
    }
}
