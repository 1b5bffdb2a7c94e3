//! Reading rule files and kb records from the binary and from folders. This is the only module that calls
//! serde_yaml (deprecated upstream, prescribed here), so it can be swapped in one place; every error it
//! returns names the file, line and column, says what is wrong and what to do.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use rayon::prelude::*;
use regex::Regex;
use serde::de::DeserializeOwned;

use super::Origin;
use super::check::Check;
use super::compile::{self, Knowledge};
use super::raw::RawRule;
use crate::kb::{self, KbRecord};

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The check that found it.
    pub check: Check,
}

impl Problem {
    pub fn new(path: impl Into<PathBuf>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            position: None,
            message: message.into(),
            help: None,
            check: Check::Schema,
        }
    }

    pub fn at(mut self, line: usize, column: usize) -> Problem {
        self.position = Some((line, column));
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }

    pub fn check(mut self, check: Check) -> Problem {
        self.check = check;
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.path.display(), self.message)?,
            None => write!(f, "{}: {}", self.path.display(), self.message)?,
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Every problem found in a rule set; nothing was loaded.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} problem{} in the rule set", .problems.len(), if .problems.len() == 1 { "" } else { "s" })]
pub struct LoadError {
    pub problems: Vec<Problem>,
}

/// Which rules to load.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// Include the rules built into the binary.
    pub builtin: bool,
    /// Folders given with `--rules`.
    pub dirs: Vec<PathBuf>,
}

/// A file's text and where it came from.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub origin: Origin,
    pub text: String,
}

impl SourceFile {
    fn path(&self) -> &Path {
        self.origin.path()
    }
}

/// Loads, checks and compiles every rule and kb record the sources name.
pub fn load(sources: &Sources) -> Result<Knowledge, LoadError> {
    let (knowledge, problems) = load_lenient(sources);
    if problems.is_empty() { Ok(knowledge) } else { Err(LoadError { problems }) }
}

/// Loads every rule and record that is sound, beside every problem found in the others.
pub fn load_lenient(sources: &Sources) -> (Knowledge, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut rule_files = Vec::new();
    let mut kb_files = Vec::new();
    if sources.builtin {
        for (path, text) in crate::builtin::FILES {
            let file = SourceFile { origin: Origin::Builtin(PathBuf::from(path)), text: text.to_string() };
            if path.starts_with("kb/") {
                kb_files.push(file);
            } else {
                rule_files.push(file);
            }
        }
    }
    // Where each source's records end in `kb_files`: the built-in ones, then each folder's.
    let mut source_ends = vec![kb_files.len()];
    for dir in &sources.dirs {
        collect_dir(dir, &mut rule_files, &mut kb_files, &mut problems);
        source_ends.push(kb_files.len());
    }

    let parsed: Vec<Result<RawRule, Problem>> =
        rule_files.par_iter().map(|file| parse_yaml::<RawRule>(file.path(), &file.text, 0)).collect();
    let mut rules = Vec::new();
    for (result, file) in parsed.into_iter().zip(rule_files) {
        match result {
            Ok(raw) => rules.push((raw, file)),
            Err(p) => problems.push(p),
        }
    }
    // A record of an article that an earlier source (the built-in set, an earlier --rules folder) already
    // holds is left out: a pack may well import an article there is a curated record of. Two records of
    // one article in one source are a mistake, reported by `compile`.
    let mut records: Vec<KbRecord> = Vec::new();
    let mut earlier: std::collections::HashSet<String> = std::collections::HashSet::new();
    let parsed: Vec<Result<KbRecord, Problem>> = kb_files.par_iter().map(kb::parse).collect();
    let mut parsed = parsed.into_iter().enumerate().peekable();
    for end in source_ends {
        let mut this_source = Vec::new();
        while let Some((_, result)) = parsed.next_if(|(i, _)| *i < end) {
            match result {
                Ok(record) if earlier.contains(&record.id) => {}
                Ok(record) => this_source.push(record),
                Err(p) => problems.push(p),
            }
        }
        earlier.extend(this_source.iter().map(|r| r.id.clone()));
        records.extend(this_source);
    }
    compile::compile_lenient(rules, records, problems)
}

/// The text of a file rules or records were loaded from, read again (for positions in lint reports).
pub fn source_text(origin: &Origin) -> Option<String> {
    match origin {
        Origin::Builtin(path) => crate::builtin::FILES
            .iter()
            .find(|(p, _)| std::path::Path::new(p) == path)
            .map(|(_, t)| t.to_string()),
        Origin::File(path) => std::fs::read_to_string(path).ok(),
    }
}

/// Reads one rule again from where it was loaded (a built-in path, or a file), for reports on a rule set
/// that came from the cache.
pub fn load_rule(path: &str, builtin: bool) -> Result<super::Rule, Problem> {
    let file = if builtin {
        let text = crate::builtin::FILES
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, t)| t.to_string())
            .ok_or_else(|| Problem::new(path, "no such built-in rule"))?;
        SourceFile { origin: Origin::Builtin(PathBuf::from(path)), text }
    } else {
        let mut problems = Vec::new();
        read_file(PathBuf::from(path), &mut problems)
            .ok_or_else(|| problems.pop().unwrap_or_else(|| Problem::new(path, "cannot read")))?
    };
    let raw: RawRule = parse_yaml(file.path(), &file.text, 0)?;
    Ok(compile::build(raw, file))
}

/// The kb record of article `id` from the first source that has one (built-in, then each folder), read
/// afresh: for showing one rule of a set that came from the cache.
pub fn load_record(sources: &Sources, id: &str) -> Result<Option<KbRecord>, Problem> {
    let name = format!("{id}.md");
    if sources.builtin
        && let Some((path, text)) = crate::builtin::FILES.iter().find(|(p, _)| *p == format!("kb/{name}"))
    {
        let file = SourceFile { origin: Origin::Builtin(PathBuf::from(path)), text: text.to_string() };
        return kb::parse(&file).map(Some);
    }
    for dir in &sources.dirs {
        let Some(kb_dir) = layout(dir).1 else { continue };
        let direct = kb_dir.join(&name);
        let path = if direct.is_file() {
            Some(direct)
        } else {
            walkdir::WalkDir::new(&kb_dir)
                .into_iter()
                .flatten()
                .find(|e| e.file_name() == name.as_str())
                .map(|e| e.into_path())
        };
        if let Some(path) = path {
            let mut problems = Vec::new();
            return match read_file(path.clone(), &mut problems) {
                Some(file) => kb::parse(&file).map(Some),
                None => Err(problems.pop().unwrap_or_else(|| Problem::new(path, "cannot read"))),
            };
        }
    }
    Ok(None)
}

/// Where the rules and the records of a `--rules` folder are: a pack (`DIR/rules`, `DIR/kb`), a folder of
/// rules with its records in `DIR/kb`, or a folder of rules with its records beside it in `DIR/../kb`.
pub fn layout(dir: &Path) -> (PathBuf, Option<PathBuf>) {
    let (rules_dir, kb_dir) = if dir.join("rules").is_dir() {
        (dir.join("rules"), Some(dir.join("kb")))
    } else if dir.join("kb").is_dir() {
        (dir.to_path_buf(), Some(dir.join("kb")))
    } else {
        (dir.to_path_buf(), dir.parent().map(|p| p.join("kb")))
    };
    (rules_dir, kb_dir.filter(|k| k.is_dir()))
}

/// Rules and kb record files under one `--rules` folder (see docs/rule-format.md, "Where rules live").
fn collect_dir(
    dir: &Path,
    rule_files: &mut Vec<SourceFile>,
    kb_files: &mut Vec<SourceFile>,
    problems: &mut Vec<Problem>,
) {
    if !dir.is_dir() {
        problems.push(
            Problem::new(dir, "no such folder")
                .check(Check::Unreadable)
                .help("give --rules a folder that holds rule files (*.yaml), or a pack with rules/ and kb/"),
        );
        return;
    }
    let (rules_dir, kb_dir) = layout(dir);
    for path in walk(&rules_dir, &["yaml", "yml"], kb_dir.as_deref(), problems) {
        if let Some(file) = read_file(path, problems) {
            rule_files.push(file);
        }
    }
    if let Some(kb_dir) = kb_dir {
        for path in walk(&kb_dir, &["md"], None, problems) {
            if let Some(file) = read_file(path, problems) {
                kb_files.push(file);
            }
        }
    }
}

fn walk(root: &Path, extensions: &[&str], skip: Option<&Path>, problems: &mut Vec<Problem>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let walker =
        walkdir::WalkDir::new(root).sort_by_file_name().into_iter().filter_entry(|e| Some(e.path()) != skip);
    for entry in walker {
        match entry {
            Ok(e) if e.path().is_file() => {
                let ext = e.path().extension().and_then(|x| x.to_str()).unwrap_or("");
                if extensions.contains(&ext) {
                    out.push(e.into_path());
                }
            }
            Ok(_) => {}
            Err(err) => {
                let path = err.path().unwrap_or(root).to_path_buf();
                problems.push(Problem::new(path, format!("cannot read: {err}")).check(Check::Unreadable));
            }
        }
    }
    out
}

fn read_file(path: PathBuf, problems: &mut Vec<Problem>) -> Option<SourceFile> {
    match std::fs::read(&path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(SourceFile { origin: Origin::File(path), text }),
            Err(e) => {
                let (line, col) = line_col(e.as_bytes(), e.utf8_error().valid_up_to());
                problems.push(
                    Problem::new(path, "the file is not valid UTF-8")
                        .check(Check::Unreadable)
                        .at(line, col)
                        .help("save the file as UTF-8"),
                );
                None
            }
        },
        Err(e) => {
            problems.push(Problem::new(path, format!("cannot read: {e}")).check(Check::Unreadable));
            None
        }
    }
}

fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = offset - before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
    (line, col)
}

static AT_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r" at line \d+ column \d+").expect("valid pattern"));
static UNKNOWN_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"unknown (field|variant) `([^`]*)`, expected (?:one of )?(.*)").expect("valid pattern")
});

/// Parses YAML into `T`; `line_offset` is added to line numbers (for front matter after a `---` line).
/// The one place serde_yaml is called.
pub(crate) fn parse_yaml<T: DeserializeOwned>(
    path: &Path,
    text: &str,
    line_offset: usize,
) -> Result<T, Problem> {
    serde_yaml::from_str(text.strip_prefix('\u{feff}').unwrap_or(text)).map_err(|e| {
        // The first position is the error's own (reported in front); later ones are context to keep.
        let message = AT_LINE.replace(&e.to_string(), "").into_owned();
        let message = message.strip_prefix(": ").unwrap_or(&message).to_string();
        let (check, message) = Check::untag(&message).unwrap_or_else(|| (classify(&message), message));
        let mut problem = Problem::new(path, message.clone()).check(check);
        if let Some(loc) = e.location() {
            problem = problem.at(loc.line() + line_offset, loc.column());
        }
        problem.help(help_for(&message))
    })
}

/// A YAML file as a JSON value (to check a rule file against the JSON Schema).
pub fn yaml_to_json(path: &Path, text: &str) -> Result<serde_json::Value, Problem> {
    parse_yaml(path, text, 0)
}

/// Writes `value` as YAML (for rule files made by `kbx kb import`).
pub(crate) fn to_yaml<T: serde::Serialize>(value: &T) -> String {
    serde_yaml::to_string(value).expect("plain structs of strings and lists always serialise")
}

/// The check behind a serde message that carries no mark of its own: a misspelt action key is an action
/// outside the closed set, a step without `text` is an empty step, anything else is the schema.
fn classify(message: &str) -> Check {
    let path = message.split(": ").next().unwrap_or("");
    if message.contains("unknown field") && path.ends_with("action") {
        Check::UnknownAction
    } else if message.contains("missing field `text`") && path.starts_with("resolution") {
        Check::EmptyStep
    } else {
        Check::Schema
    }
}

/// The help of a YAML or type error that no more particular advice fits.
pub const GENERIC_HELP: &str = "see docs/rule-format.md for the rule format";

/// What to do about a YAML or type error.
fn help_for(message: &str) -> String {
    if let Some(c) = UNKNOWN_NAME.captures(message) {
        let what = if &c[1] == "field" {
            "the fields are listed in docs/rule-format.md"
        } else {
            "use one of the values above"
        };
        let wrong = &c[2];
        let expected: Vec<&str> =
            c[3].split(", ").map(|s| s.trim_matches(|ch| ch == '`' || ch == ' ')).collect();
        let best = expected
            .iter()
            .map(|e| (strsim::jaro_winkler(wrong, e), *e))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        return match best {
            Some((_, name)) => format!("did you mean `{name}`? ({what})"),
            None => format!("fix the spelling or remove it; {what}"),
        };
    }
    if message.contains("missing field") {
        return "add the field; docs/rule-format.md says what it holds".to_string();
    }
    if message.contains("invalid type") {
        return "check the field's type in docs/rule-format.md; put numbers meant as text in quotes, \
                such as versions: ['5.5']"
            .to_string();
    }
    if message.contains("while parsing")
        || message.contains("while scanning")
        || message.contains("did not find expected")
    {
        return "fix the YAML syntax here: check indentation, and quote values that contain `: ` or start with a quote".to_string();
    }
    GENERIC_HELP.to_string()
}

/// The line and column of a top-level `key:`'s value, for problems found after parsing.
pub(crate) fn key_position(text: &str, key: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let rest = line.strip_prefix(key)?.strip_prefix(':')?;
        let col = key.len() + 2 + rest.len() - rest.trim_start().len();
        Some((i + 1, col))
    })
}

/// A problem about a top-level key of a file, positioned at that key's value.
pub(crate) fn problem_at_key(file: &SourceFile, key: &str, message: impl Into<String>) -> Problem {
    let p = Problem::new(file.path(), message);
    match key_position(&file.text, key) {
        Some((line, col)) => p.at(line, col),
        None => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_positions_point_at_the_value() {
        let text = "id: a-rule\ntitle: x\nkb:   Q1\n";
        assert_eq!(key_position(text, "id"), Some((1, 5)));
        assert_eq!(key_position(text, "kb"), Some((3, 7)));
        assert_eq!(key_position(text, "severity"), None);
    }

    #[test]
    fn misspelt_fields_get_a_suggestion() {
        let help = help_for("unknown field `symtoms`, expected one of `id`, `title`, `symptoms`");
        assert_eq!(help, "did you mean `symptoms`? (the fields are listed in docs/rule-format.md)");
        let help = help_for("unknown variant `urgnt`, expected one of `low`, `urgent`");
        assert_eq!(help, "did you mean `urgent`? (use one of the values above)");
    }

    #[test]
    fn line_and_column_of_a_byte_offset() {
        assert_eq!(line_col(b"ab\ncd", 4), (2, 2));
        assert_eq!(line_col(b"abc", 0), (1, 1));
    }
}
