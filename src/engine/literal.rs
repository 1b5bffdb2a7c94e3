//! Literals a regex cannot match without: for each regex, a set of strings one of which every match
//! contains. The engine looks for these with one literal scan and runs a regex only where its literal was
//! seen, instead of running every regex over every input.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Shortest literal worth scanning for; shorter ones would make nearly every input a candidate.
pub const MIN_LITERAL_LEN: usize = 3;

/// Most alternatives a literal set may have.
const MAX_SET: usize = 64;

/// A set of lower-case ASCII literals one of which every match of `pattern` contains, or `None` when there
/// is no such set worth using (the regex is then tried on every input).
pub fn required_literals(pattern: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new().build().parse(pattern).ok()?;
    let set = required(&hir)?;
    if set.iter().all(|s| s.len() >= MIN_LITERAL_LEN) { Some(set) } else { None }
}

/// The one string `pattern` matches (ignoring ASCII case), when the regex is nothing but a literal.
pub fn only_literal(pattern: &str) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new().build().parse(pattern).ok()?;
    exact(&hir).filter(|s| !s.is_empty())
}

/// Whether no input at all can match `pattern` (an empty class such as `[^\s\S]`).
pub fn never_matches(pattern: &str) -> bool {
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .is_ok_and(|hir| hir.properties().minimum_len().is_none())
}

/// The one string `hir` matches (ignoring ASCII case), if it matches exactly one.
fn exact(hir: &Hir) -> Option<String> {
    match hir.kind() {
        HirKind::Literal(lit) => {
            let s = std::str::from_utf8(&lit.0).ok()?;
            s.is_ascii().then(|| s.to_ascii_lowercase())
        }
        HirKind::Class(class) => folded_char(class).map(String::from),
        HirKind::Capture(c) => exact(&c.sub),
        HirKind::Concat(subs) => subs.iter().map(exact).collect(),
        HirKind::Empty => Some(String::new()),
        _ => None,
    }
}

/// A class that is one ASCII letter in either case (`(?i)a` becomes `[Aa]`) is that letter.
fn folded_char(class: &Class) -> Option<char> {
    let chars: Vec<char> = match class {
        Class::Unicode(u) => {
            let mut v = Vec::new();
            for r in u.ranges() {
                if (r.end() as u32) - (r.start() as u32) > 4 {
                    return None;
                }
                v.extend(r.start()..=r.end());
            }
            v
        }
        Class::Bytes(b) => {
            let mut v = Vec::new();
            for r in b.ranges() {
                if r.end() - r.start() > 4 {
                    return None;
                }
                v.extend((r.start()..=r.end()).map(char::from));
            }
            v
        }
    };
    let first = chars.iter().find(|c| c.is_ascii())?.to_ascii_lowercase();
    // Non-ASCII members (such as the Kelvin sign in `(?i)k`) are folds of the same letter.
    chars.iter().all(|c| !c.is_ascii() || c.to_ascii_lowercase() == first).then_some(first)
}

fn required(hir: &Hir) -> Option<Vec<String>> {
    if let Some(s) = exact(hir) {
        return (!s.is_empty()).then(|| vec![s]);
    }
    match hir.kind() {
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        HirKind::Alternation(subs) => {
            let mut set = Vec::new();
            for sub in subs {
                set.extend(required(sub)?);
            }
            set.sort();
            set.dedup();
            (set.len() <= MAX_SET).then_some(set)
        }
        HirKind::Concat(subs) => {
            let mut best: Option<Vec<String>> = None;
            let mut run = String::new();
            let consider = |cand: Vec<String>, best: &mut Option<Vec<String>>| {
                if best.as_ref().is_none_or(|b| quality(&cand) > quality(b)) {
                    *best = Some(cand);
                }
            };
            for sub in subs {
                if let Some(s) = exact(sub) {
                    run.push_str(&s);
                    continue;
                }
                if !run.is_empty() {
                    consider(vec![std::mem::take(&mut run)], &mut best);
                }
                if let Some(set) = required(sub) {
                    consider(set, &mut best);
                }
            }
            if !run.is_empty() {
                consider(vec![run], &mut best);
            }
            best
        }
        _ => None,
    }
}

/// Longer shortest member is better; fewer members break ties.
fn quality(set: &[String]) -> (usize, std::cmp::Reverse<usize>) {
    (set.iter().map(String::len).min().unwrap_or(0), std::cmp::Reverse(set.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(p: &str) -> Option<Vec<String>> {
        required_literals(p)
    }

    #[test]
    fn plain_and_case_insensitive_literals() {
        assert_eq!(lits(r"logon\.asp"), Some(vec!["logon.asp".into()]));
        assert_eq!(lits(r"(?i)MAPI\.Session"), Some(vec!["mapi.session".into()]));
    }

    #[test]
    fn the_longest_required_run_is_chosen() {
        assert_eq!(
            lits(r"error \d+ while opening the information store"),
            Some(vec![" while opening the information store".into()])
        );
    }

    #[test]
    fn alternations_give_a_set() {
        assert_eq!(lits(r"(?i)(cdo|mapi32)\.dll not registered"), Some(vec![".dll not registered".into()]));
        assert_eq!(lits(r"(?:cdo\.dll|mapi32\.dll)"), Some(vec!["cdo.dll".into(), "mapi32.dll".into()]));
    }

    #[test]
    fn regexes_without_a_useful_literal() {
        assert_eq!(lits(r"\d+"), None);
        assert_eq!(lits(r"a|\w+"), None);
        assert_eq!(lits(r"ab"), None);
        assert_eq!(lits(r"(?:foo)?ba"), None);
        assert_eq!(lits(r"(?:foo)?bar"), Some(vec!["bar".into()]));
    }
}
