//! `kbx kb import`: reads articles from files, folders and archives, and writes a pack: `rules/` with a
//! draft rule per article that has usable symptoms (its product area as a tag), `kb/` with a record per imported article, and
//! `import-summary.json` saying what was imported and why each other article was skipped.
//!
//! Articles are parsed and written in parallel, in batches, as the sources stream in.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::source::{SourceArticle, read_sources};
use super::{Skip, draft, parse};

/// Articles handled per parallel batch.
const BATCH: usize = 1024;

/// Why an article was skipped, for the summary.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Skipped {
    /// Where it was read from.
    pub source: String,
    /// The article id, when it could be read.
    pub id: Option<String>,
    /// `empty`, `binary`, `not_utf8`, `truncated`, `no_symptoms` or `duplicate`.
    pub reason: &'static str,
    /// More about the reason.
    pub detail: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub schema_version: u32,
    /// Article files read.
    pub read: usize,
    /// Draft rules (and records) written.
    pub imported: usize,
    /// Skipped, by reason.
    pub skipped_by_reason: std::collections::BTreeMap<&'static str, usize>,
    /// Problems with the sources themselves (an unreadable file, a corrupt archive).
    pub errors: Vec<String>,
    /// Every skipped article.
    pub skipped: Vec<Skipped>,
}

/// A failure that stops the import.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

pub(crate) fn skip_reason(skip: &Skip) -> (&'static str, &'static str) {
    match skip {
        Skip::Empty => ("empty", "the file is empty"),
        Skip::Binary => ("binary", "the file holds binary data, not text"),
        Skip::NotUtf8 => ("not_utf8", "the file is not valid UTF-8"),
        Skip::Truncated => ("truncated", "the article is cut off: no id or no body after the header"),
        Skip::NoSymptoms => ("no_symptoms", "no quoted error message and no error code in SYMPTOMS"),
    }
}

/// The outcome for one article.
enum Outcome {
    Imported { id: String, rule_path: PathBuf, rule: String, record_path: PathBuf, record: String },
    Skipped(Skipped),
}

fn handle(article: &SourceArticle, out: &Path) -> Outcome {
    let skipped = |id: Option<String>, skip: &Skip| {
        let (reason, detail) = skip_reason(skip);
        Outcome::Skipped(Skipped { source: article.name.clone(), id, reason, detail: detail.to_string() })
    };
    let parsed = match parse(article.form, &article.bytes) {
        Ok(a) => a,
        Err(skip) => return skipped(id_from_name(&article.name), &skip),
    };
    match draft::rule_yaml(&parsed) {
        None => skipped(Some(parsed.id.clone()), &Skip::NoSymptoms),
        Some(rule) => Outcome::Imported {
            // One folder: a pack of thousands of rules loads faster from one folder than from hundreds
            // (the product area is a tag of each rule).
            rule_path: out.join("rules").join(format!("{}.yaml", draft::rule_id(&parsed))),
            record_path: out.join("kb").join(format!("{}.md", parsed.id)),
            record: draft::record_markdown(&parsed, &article.name),
            id: parsed.id,
            rule,
        },
    }
}

/// The article id a file name gives (`…/Q293218.TXT`, `…/Q121131/README.md`), for articles that cannot
/// be read.
fn id_from_name(name: &str) -> Option<String> {
    name.rsplit(['/', '\\', ':'])
        .map(|part| part.split('.').next().unwrap_or(part))
        .find(|stem| {
            stem.len() > 1 && stem.starts_with(['Q', 'q']) && stem[1..].bytes().all(|b| b.is_ascii_digit())
        })
        .map(str::to_ascii_uppercase)
}

/// Imports the articles under `paths` into the pack `out`; `progress(done)` is called after each batch.
pub fn import(
    paths: &[PathBuf],
    out: &Path,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Summary, PackError> {
    let mut summary = Summary { schema_version: 1, ..Summary::default() };
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut made_dirs: HashSet<PathBuf> = HashSet::new();
    let mut batch: Vec<SourceArticle> = Vec::with_capacity(BATCH);
    let mut sources = read_sources(paths).peekable();
    while sources.peek().is_some() {
        batch.clear();
        for item in sources.by_ref() {
            match item {
                Ok(a) => batch.push(a),
                Err(e) => summary.errors.push(e.to_string()),
            }
            if batch.len() == BATCH {
                break;
            }
        }
        let outcomes: Vec<Outcome> = batch.par_iter().map(|a| handle(a, out)).collect();
        let mut writes = Vec::new();
        for (outcome, article) in outcomes.into_iter().zip(&batch) {
            summary.read += 1;
            match outcome {
                Outcome::Skipped(s) => summary.skipped.push(s),
                Outcome::Imported { id, rule_path, rule, record_path, record } => {
                    if let Some(first) = seen.get(&id) {
                        summary.skipped.push(Skipped {
                            source: article.name.clone(),
                            detail: format!("article {id} was already imported from {first}"),
                            id: Some(id),
                            reason: "duplicate",
                        });
                        continue;
                    }
                    seen.insert(id, article.name.clone());
                    for dir in [rule_path.parent(), record_path.parent()].into_iter().flatten() {
                        if made_dirs.insert(dir.to_path_buf()) {
                            std::fs::create_dir_all(dir)
                                .map_err(|source| PackError::Write { path: dir.to_path_buf(), source })?;
                        }
                    }
                    writes.push((rule_path, rule));
                    writes.push((record_path, record));
                    summary.imported += 1;
                }
            }
        }
        writes.par_iter().try_for_each(|(path, text)| {
            std::fs::write(path, text).map_err(|source| PackError::Write { path: path.clone(), source })
        })?;
        progress(summary.read);
    }
    for s in &summary.skipped {
        *summary.skipped_by_reason.entry(s.reason).or_default() += 1;
    }
    let path = out.join("import-summary.json");
    std::fs::create_dir_all(out).map_err(|source| PackError::Write { path: out.to_path_buf(), source })?;
    let json = serde_json::to_string_pretty(&summary).expect("the summary serialises");
    std::fs::write(&path, json + "\n").map_err(|source| PackError::Write { path, source })?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_file_names() {
        assert_eq!(id_from_name("txt/010/Q10022.TXT").as_deref(), Some("Q10022"));
        assert_eq!(id_from_name("a.tar.gz:kb/121/Q121131/README.md").as_deref(), Some("Q121131"));
        assert_eq!(id_from_name("notes/readme.md"), None);
    }
}
