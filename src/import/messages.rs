//! The error messages quoted in SYMPTOMS: an indented block (deeper than the prose) after a sentence that
//! introduces it ("…the following error message:"). `-or-` separates alternatives, each one message; when
//! the sentence announces several ("the following error messages", "message(s)"), each paragraph (or each
//! Event Viewer record) of the block is one message, otherwise the block is one message (a dialog's title,
//! text and `ID no:` together). Event Viewer records keep their fields. Blocks introduced as something
//! else ("the following command", "…article in the Microsoft Knowledge Base:") are not messages.

use super::prose::{Para, join, paragraphs};
use super::{Message, event, placeholder};

/// Every message quoted in the SYMPTOMS lines, in order, each once.
pub fn quoted(symptoms: &[String]) -> Vec<Message> {
    let paras = paragraphs(symptoms);
    let base = paras.iter().map(|p| p.indent).min().unwrap_or(0);
    let mut out: Vec<Message> = Vec::new();
    let mut intro: Option<Intro> = None;
    let mut block: Vec<&Para<'_>> = Vec::new();
    let mut alternatives = false;
    for para in &paras {
        if is_separator(para) {
            flush(&mut out, &mut block, intro, true);
            alternatives = true;
        } else if para.indent > base {
            if intro.is_some() {
                block.push(para);
            }
        } else {
            flush(&mut out, &mut block, intro, alternatives);
            alternatives = false;
            intro = Intro::of(para);
        }
    }
    flush(&mut out, &mut block, intro, alternatives);
    let mut unique: Vec<Message> = Vec::with_capacity(out.len());
    for message in out {
        if !unique.iter().any(|m| m.text == message.text) {
            unique.push(message);
        }
    }
    unique
}

/// What "the following …" introduces when it is not a message: code, commands, registry keys, articles.
const NOT_MESSAGES: &[&str] = &[
    "article",
    "articles",
    "command",
    "commands",
    "code",
    "macro",
    "sample",
    "steps",
    "registry",
    "key",
    "syntax",
    "statement",
    "statements",
    "query",
    "script",
    "procedure",
    "function",
];

/// The sentence before a quoted block.
#[derive(Debug, Clone, Copy)]
struct Intro {
    /// It announces several messages: each paragraph of the block is one.
    plural: bool,
}

impl Intro {
    /// `Some` when the paragraph introduces a quote: it ends with `:` or speaks of "the following".
    fn of(para: &Para<'_>) -> Option<Intro> {
        let text = para.text();
        let last_sentence =
            text.trim_end_matches([':', ' ']).rsplit(". ").next().unwrap_or_default().to_lowercase();
        if !text.ends_with(':') && !last_sentence.contains("following") {
            return None;
        }
        let words: Vec<&str> =
            last_sentence.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
        let introduces_other = last_sentence.contains("knowledge base")
            || words.windows(2).any(|w| w[0] == "following" && NOT_MESSAGES.contains(&w[1]))
            || words.windows(3).any(|w| w[0] == "following" && NOT_MESSAGES.contains(&w[2]));
        if introduces_other {
            return None;
        }
        let plural = last_sentence.contains("(s)")
            || last_sentence
                .split(|c: char| !c.is_alphabetic())
                .any(|w| matches!(w, "messages" | "errors" | "events" | "entries" | "warnings"));
        Some(Intro { plural })
    }
}

/// `-or-`, `OR`, `-and-` on a line of their own.
fn is_separator(para: &Para<'_>) -> bool {
    let [line] = para.lines.as_slice() else { return false };
    let word = line.trim().trim_matches('-').trim().to_ascii_lowercase();
    matches!(word.as_str(), "or" | "and")
}

/// Turns the paragraphs of one quoted block into messages. A block that is one of several alternatives
/// (`-or-`) is one message; so is a block after an intro that announces one.
fn flush(out: &mut Vec<Message>, block: &mut Vec<&Para<'_>>, intro: Option<Intro>, alternative: bool) {
    let paras = std::mem::take(block);
    if paras.is_empty() {
        return;
    }
    let parts = if alternative || !intro.is_some_and(|i| i.plural) {
        vec![paras]
    } else if event::is_record(lines(&paras)) {
        split_records(&paras)
    } else {
        split_plural(&paras)
    };
    for part in parts {
        let lines = lines(&part);
        let text = placeholder::mark(&join(lines.iter().copied()));
        if !text.is_empty() && !is_reference_or_key(&text) {
            let event = event::is_record(lines.iter().copied()).then(|| event::record(lines.iter().copied()));
            out.push(Message { text, event });
        }
    }
}

/// A reference to another article (`Q150796 5250 Emulator …`) or a registry key, quoted like a message.
fn is_reference_or_key(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or_default();
    let article = first.len() >= 5
        && first.strip_prefix('Q').is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
        && text.len() > first.len();
    article || first.starts_with("HKEY_")
}

/// The lines of some paragraphs.
fn lines<'a>(part: &[&Para<'a>]) -> Vec<&'a str> {
    part.iter().flat_map(|p| p.lines.iter().copied()).collect()
}

/// Several Event Viewer records: each starts at a paragraph that gives an event id.
fn split_records<'p, 'a>(paras: &[&'p Para<'a>]) -> Vec<Vec<&'p Para<'a>>> {
    let mut parts: Vec<Vec<&Para<'_>>> = Vec::new();
    for &para in paras {
        match parts.last_mut() {
            Some(part) if !para.lines.iter().any(|l| event::has_event_id(l)) => part.push(para),
            _ => parts.push(vec![para]),
        }
    }
    parts
}

/// Several messages: one a paragraph, except that a deeper paragraph belongs to the one before.
fn split_plural<'p, 'a>(paras: &[&'p Para<'a>]) -> Vec<Vec<&'p Para<'a>>> {
    let first_indent = paras.first().map_or(0, |p| p.indent);
    let mut parts: Vec<Vec<&Para<'_>>> = Vec::new();
    for &para in paras {
        match parts.last_mut() {
            Some(part) if para.indent > first_indent => part.push(para),
            _ => parts.push(vec![para]),
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(section: &str) -> Vec<String> {
        let lines: Vec<String> = section.lines().map(str::to_string).collect();
        quoted(&lines).into_iter().map(|m| m.text).collect()
    }

    #[test]
    fn one_wrapped_message() {
        assert_eq!(
            texts(
                "When you start, you receive the following\nerror message:\n\n  Cannot reach the\n  spooler.\n\nThen it stops."
            ),
            ["Cannot reach the spooler."]
        );
    }

    #[test]
    fn alternatives_split_at_or() {
        assert_eq!(
            texts(
                "One of these appears:\n\n  First one.\n\n  -or-\n\n  Second one.\n\n-or-\n\n  Third one.\n"
            ),
            ["First one.", "Second one.", "Third one."]
        );
    }

    #[test]
    fn a_dialog_stays_one_message_unless_several_are_announced() {
        let dialog = "  Spooler\n\n  The queue is full.\n\n  ID no: c1041234\n";
        assert_eq!(
            texts(&format!("This message appears:\n\n{dialog}")),
            ["Spooler The queue is full. ID no: c1041234"]
        );
        assert_eq!(
            texts("These error messages appear:\n\n  Queue full.\n\n  Queue empty.\n     (detail)\n"),
            ["Queue full.", "Queue empty. (detail)"]
        );
    }

    #[test]
    fn each_alternative_is_one_message() {
        assert_eq!(
            texts(
                "These errors are logged:\n\n  Spooler\n\n  The spooler failed.\n\n-or-\n\n  Queue\n\n  The queue failed.\n"
            ),
            ["Spooler The spooler failed.", "Queue The queue failed."]
        );
    }

    #[test]
    fn blocks_without_an_intro_are_not_messages() {
        assert!(texts("Text here.\n\n  - a list item\n").is_empty());
        assert!(
            texts("See the following article in the Microsoft Knowledge Base:\n\n  Q123456 Spooler Fails\n")
                .is_empty()
        );
        assert!(texts("Type the following command:\n\n  spool /reset\n").is_empty());
        assert!(texts("It fails under this key:\n\n  HKEY_LOCAL_MACHINE\\Spool\n").is_empty());
        assert!(texts("  Only indented.\n").is_empty());
    }

    #[test]
    fn event_records_keep_their_fields() {
        let lines: Vec<String> = "The following events are logged:\n\n  Event ID: 7\n  Source: Spool\n\n  Description: Queue\n  full.\n\n  Event ID: 8\n  Source: Spool\n"
            .lines()
            .map(str::to_string)
            .collect();
        let messages = quoted(&lines);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].text, "Event ID: 7 Source: Spool Description: Queue full.");
        let event = messages[0].event.as_ref().unwrap();
        assert_eq!(event.description.as_deref(), Some("Queue full."));
        assert_eq!(messages[1].event.as_ref().unwrap().event_id.as_deref(), Some("8"));
    }
}
