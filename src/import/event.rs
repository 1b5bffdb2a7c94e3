//! Event Viewer records quoted in SYMPTOMS (`Event ID:` / `Source:` / `Category:` / `Description:` lines,
//! the description possibly wrapped or unlabelled) read into an [`EventRecord`].

use super::EventRecord;
use super::placeholder;
use super::prose::join;

/// The labels an Event Viewer record is written with.
const LABELS: [&str; 12] = [
    "event id",
    "eventid",
    "event type",
    "event source",
    "event category",
    "source",
    "category",
    "type",
    "description",
    "date",
    "time",
    "computer",
];

/// `("event id", "2125")` for `Event ID: 2125` (or `Event ID 2125`); `None` for a line that is not a
/// labelled field.
pub fn field(line: &str) -> Option<(&'static str, &str)> {
    let line = line.trim();
    if let Some((label, value)) = line.split_once(':') {
        let label = label.trim().to_ascii_lowercase();
        if let Some(label) = LABELS.iter().find(|l| **l == label) {
            return Some((label, value.trim()));
        }
    }
    let number = line.get(..9).filter(|l| l.eq_ignore_ascii_case("event id ")).and_then(|_| line.get(9..))?;
    number.trim().bytes().all(|b| b.is_ascii_digit()).then(|| ("event id", number.trim()))
}

/// The fields of a line, which may hold two columns of them (`Date: <date>      Event ID: 4116`).
pub fn fields(line: &str) -> Vec<(&'static str, &str)> {
    let line = line.trim();
    // Cells start where a label follows a wide gap; the text between belongs to the cell before.
    let mut starts = vec![0];
    let mut at = 0;
    while let Some(gap) = line[at..].find("   ") {
        let cell = at + gap + line[at + gap..].len() - line[at + gap..].trim_start().len();
        if field(&line[cell..]).is_some() {
            starts.push(cell);
        }
        at = cell.max(at + gap + 1);
    }
    starts.push(line.len());
    let cells: Vec<&str> = starts.windows(2).map(|w| &line[w[0]..w[1]]).collect();
    let parsed: Vec<(&'static str, &str)> = cells.iter().filter_map(|cell| field(cell)).collect();
    if parsed.len() == cells.len() { parsed } else { field(line).into_iter().collect() }
}

/// Whether a line gives an event id (`Event ID: 2125`, `EventID: 2013`, `Event ID 9311`, in any column).
pub fn has_event_id(line: &str) -> bool {
    fields(line).iter().any(|(label, _)| matches!(*label, "event id" | "eventid"))
}

/// Whether these lines hold an Event Viewer record (an event id field).
pub fn is_record<'a>(lines: impl IntoIterator<Item = &'a str>) -> bool {
    lines.into_iter().any(has_event_id)
}

/// The record's fields. The description is the `Description:` value and every unlabelled line after it,
/// or, with no `Description:` label, the unlabelled lines after the first field.
pub fn record<'a>(lines: impl IntoIterator<Item = &'a str>) -> EventRecord {
    let mut record = EventRecord::default();
    let mut description: Option<Vec<&str>> = None;
    let mut seen_field = false;
    for line in lines {
        if let Some(description) = description.as_mut() {
            description.push(line);
            continue;
        }
        let fields = fields(line);
        if fields.is_empty() {
            if seen_field {
                description = Some(vec![line]);
            }
            continue;
        }
        for (label, value) in fields {
            seen_field = true;
            let owned = Some(value.to_string()).filter(|v| !v.is_empty());
            match label {
                "event id" | "eventid" => record.event_id = owned,
                "source" | "event source" => record.source = owned,
                "category" | "event category" => record.category = owned,
                "description" => description = Some(vec![value]),
                _ => {}
            }
        }
    }
    record.description = description.map(|lines| placeholder::mark(&join(lines))).filter(|d| !d.is_empty());
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labelled_record() {
        let lines = [
            "Event ID: 2125",
            "Source: MSExchangeMTA",
            "Type: Error",
            "Category: Resource",
            "Description: Statistics for the",
            "  server <servername>.",
        ];
        assert!(is_record(lines));
        let record = record(lines);
        assert_eq!(record.event_id.as_deref(), Some("2125"));
        assert_eq!(record.source.as_deref(), Some("MSExchangeMTA"));
        assert_eq!(record.category.as_deref(), Some("Resource"));
        assert_eq!(record.description.as_deref(), Some("Statistics for the server <servername>."));
    }

    #[test]
    fn unlabelled_description_and_tight_labels() {
        let lines = ["Event ID:70", "Source:CCMC", "Export of %1 failed.", "Try again."];
        let record = record(lines);
        assert_eq!(record.event_id.as_deref(), Some("70"));
        assert_eq!(record.source.as_deref(), Some("CCMC"));
        assert_eq!(record.description.as_deref(), Some("Export of <1> failed. Try again."));
        assert!(!is_record(["Source: the manual", "Description: none"]));
    }

    #[test]
    fn two_columns_and_labels_without_colons() {
        let record = record([
            "Date:     <date>         Event ID: 4116",
            "Time:     <time>         Source:   MSExchangeIMC",
            "Computer: <ServerName>   Category: Internal Processing",
            "Description:",
            "An error was returned.",
        ]);
        assert_eq!(record.event_id.as_deref(), Some("4116"));
        assert_eq!(record.source.as_deref(), Some("MSExchangeIMC"));
        assert_eq!(record.category.as_deref(), Some("Internal Processing"));
        assert_eq!(record.description.as_deref(), Some("An error was returned."));
        assert!(has_event_id("Event ID 9311"));
        assert!(has_event_id("EventID: 2013"));
        assert!(!has_event_id("Event ID is shown"));
    }

    #[test]
    fn empty_description_label_takes_the_next_lines() {
        let record = record(["Event ID: 1005", "Description:", "Unable to start."]);
        assert_eq!(record.description.as_deref(), Some("Unable to start."));
    }
}
