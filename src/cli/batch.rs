//! `kbx diagnose --batch FILE.jsonl`: many pastes in one process, one JSON line out per line in.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::{ExitStatus, KnowledgeArgs};
use crate::engine::{Engine, Query};
use crate::report::{Diagnosis, Match};
use crate::rule::Rule;

#[derive(Deserialize)]
struct Paste {
    id: serde_json::Value,
    text: String,
}

#[derive(Serialize)]
struct Answer<'a> {
    id: &'a serde_json::Value,
    matches: Vec<Match>,
}

/// Reads `path` line by line and writes an answer line for each; a bad line is named on stderr, the rest
/// still answered, and the exit is 2.
pub(crate) fn run(path: &Path, knowledge: &KnowledgeArgs, query: Query) -> anyhow::Result<ExitStatus> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let loaded = knowledge.load_compiled()?;
    let known = loaded.knowledge;
    let engine = Engine::new(loaded.set);
    let mut rules: HashMap<usize, Rule> = HashMap::new();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut status = ExitStatus::Success;
    for (i, bytes) in std::io::BufReader::new(file).split(b'\n').enumerate() {
        let bytes = bytes.with_context(|| format!("cannot read {}", path.display()))?;
        // Bytes that are not UTF-8 are replaced (a line is never lost to them); a BOM is dropped.
        let line = String::from_utf8_lossy(&bytes);
        let line = line.trim_start_matches('\u{feff}').trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let paste: Paste = match serde_json::from_str(line) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{}:{}: skipped: not a {{\"id\", \"text\"}} line: {e}", path.display(), i + 1);
                status = ExitStatus::Error;
                continue;
            }
        };
        let findings = engine.diagnose(&paste.text, &query);
        for f in &findings {
            if let std::collections::hash_map::Entry::Vacant(slot) = rules.entry(f.rule) {
                slot.insert(
                    super::rules_of(&engine, known.as_ref(), std::slice::from_ref(f))?.remove(0).into_owned(),
                );
            }
        }
        let pairs: Vec<_> = findings.iter().map(|f| (f, &rules[&f.rule])).collect();
        let diagnosis = Diagnosis::new(&paste.text, &pairs);
        crate::render::json::write_line(&mut out, &Answer { id: &paste.id, matches: diagnosis.matches })?;
    }
    out.flush()?;
    Ok(status)
}
