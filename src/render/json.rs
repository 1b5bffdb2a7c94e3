//! JSON output, for scripts and pipelines. Every document carries `schema_version` (now 1), raised on any
//! incompatible change; fields may be added without raising it.
//!
//! `kbx diagnose --format json` writes one object:
//!
//! | field | type | meaning |
//! | --- | --- | --- |
//! | `schema_version` | integer | version of this layout (1) |
//! | `matches` | array | matched rules, best first; empty when nothing matched |
//! | `matches[].rule` | string | rule id |
//! | `matches[].kb` | string | KB article id, e.g. `Q293218` |
//! | `matches[].title` | string | rule title |
//! | `matches[].score` | number | 0 to 1, rounded to 3 decimals |
//! | `matches[].confidence` | string | `high` (score ≥ 0.75), `medium` (≥ 0.45) or `low` |
//! | `matches[].basis` | string | the tier of evidence that carried the match: `exact`, `fragment` or `lexical` |
//! | `matches[].severity` | string | `info`, `low`, `medium`, `high` or `critical` |
//! | `matches[].status` | string | `stable`, `draft` or `deprecated` |
//! | `matches[].products` | array of strings | products the article applies to |
//! | `matches[].evidence` | array | the symptoms that matched, in the rule's order |
//! | `matches[].evidence[].symptom` | string | the symptom as stated, e.g. `code MAPI_E_TOO_MANY_SESSIONS` |
//! | `matches[].evidence[].kind` | string | `text`, `regex`, `code`, or `lexical` (words shared with the rule's title, phrases and keywords) |
//! | `matches[].evidence[].basis` | string | `exact` (the whole symptom), `fragment` (part of a phrase) or `lexical` |
//! | `matches[].evidence[].matched` | string | the input text it matched |
//! | `matches[].evidence[].start`, `.end` | integers | byte offsets of `matched` in the input as decoded (UTF-8, byte-order mark dropped, invalid bytes replaced) |
//! | `matches[].causes` | array of strings | likely causes |
//! | `matches[].resolution` | array | steps in order |
//! | `matches[].resolution[].text` | string | what to do |
//! | `matches[].resolution[].action` | object or null | `{"kind", "command"}`: the typed action and the command a person would type |
//! | `matches[].resolution[].safety` | string or null | `safe`, `caution` or `dangerous` |
//!
//! `kbx rules list --format json` writes `{"schema_version", "rules": [{"id", "kb", "title", "severity",
//! "status", "symptoms", "source"}]}`; `kbx show --format json` writes one rule in full with its kb record.
//!
//! `kbx diagnose --batch FILE.jsonl` writes one line `{"id", "matches"}` per input line, `id` as given and
//! `matches` exactly as above. `kbx rules eval --format json` writes `{"schema_version", "overall",
//! "by_kind": {KIND: {"queries", "hit_at_1", "hit_at_3", "mrr"}}, "misses": [{"id", "kind", "accept",
//! "first": [kb, rule, score, basis] or null, "rank"}]}`.

use std::io;

use serde::Serialize;

/// Writes `value` as pretty JSON and a newline.
pub fn write<W: io::Write, T: Serialize>(mut out: W, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::other)?;
    writeln!(out)
}

/// Writes `value` as one line of JSON.
pub fn write_line<W: io::Write, T: Serialize>(mut out: W, value: &T) -> io::Result<()> {
    serde_json::to_writer(&mut out, value).map_err(io::Error::other)?;
    writeln!(out)
}
