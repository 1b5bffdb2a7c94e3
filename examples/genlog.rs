//! genlog: seeded test data for benchmarking `kbx scan` (driven by `benches/scan.sh`).
//!
//! A scan benchmark is only worth its numbers if every run scans the same input and the answer is known
//! in advance, so this example makes both, reproducibly from a seed:
//!
//! ```text
//! genlog pick --pack PACK --count N --seed S --out DIR
//! genlog log  --rules DIR --size 1Gi --seed S --out LOG --truth TRUTH.json --literals LIT.txt
//! ```
//!
//! `pick` copies N rules of a pack made by `kbx kb import` (and their kb records) into `DIR`, choosing only
//! rules whose evidence a plain literal search finds exactly where kbx does: `text` phrases of two or
//! more ASCII words, one of five letters or more, with no `<placeholder>`. Rules made only of such phrases
//! are copied verbatim; when a set larger than the pack holds is asked for, the rest are rules that also
//! had codes, regexes or other phrases, rewritten to keep just their plain phrases (and said so in a
//! comment). With one seed, the smaller sets are subsets of the larger ones.
//!
//! `log` writes a log of Event Viewer exports, Exchange message tracking, IIS W3C and application lines
//! that use the rules' own words (so a scanner cannot skip lines by vocabulary) and sometimes 2 to 4
//! consecutive words of a phrase (a near miss), and exactly one line in 10,000 that carries a whole phrase.
//! Every other line is checked before it is written, against every phrase: as a case-insensitive
//! substring (what `rg -F -i` finds), and word by word in kbx's normal form, on the line and on the
//! windows of up to three lines that end on it (what kbx scan finds, by default across lines too). So the
//! number of lines with a message is the same for `rg -c -F -i -f LIT.txt`, for kbx, and for `TRUTH.json`.
//! Lines are made in chunks of 10,000 on all cores; the output depends only on the seed.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use anyhow::{Context, Result, bail, ensure};
use rayon::prelude::*;
use serde::Deserialize;

/// Lines per chunk; each whole chunk holds exactly one message line.
const CHUNK_LINES: usize = 10_000;
/// Chunks made in parallel before they are written in order.
const BATCH_CHUNKS: usize = 16;
/// Consecutive lines kbx scan may read as one message (its `--window`, 3 by default): no phrase may
/// run across the lines of such a window, or kbx would count a line that rg does not.
const WINDOW: usize = 3;

const USAGE: &str = "usage:
  genlog pick --pack PACK --count N --seed S --out DIR
  genlog log --rules DIR --size SIZE --seed S --out LOG --truth TRUTH.json --literals LIT.txt
SIZE is bytes with an optional unit: K, M, G (powers of 1000) or Ki, Mi, Gi (powers of 1024).";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("genlog: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else { bail!("no command\n{USAGE}") };
    let mut opts = Options::parse(rest)?;
    match command.as_str() {
        "pick" => {
            let pack = PathBuf::from(opts.take("pack")?);
            let count: usize = opts.number("count")?;
            let seed: u64 = opts.number("seed")?;
            let out = PathBuf::from(opts.take("out")?);
            opts.finish()?;
            pick(&pack, count, seed, &out)
        }
        "log" => {
            let rules = PathBuf::from(opts.take("rules")?);
            let size = parse_size(&opts.take("size")?)?;
            let seed: u64 = opts.number("seed")?;
            let out = PathBuf::from(opts.take("out")?);
            let truth = PathBuf::from(opts.take("truth")?);
            let literals = PathBuf::from(opts.take("literals")?);
            opts.finish()?;
            log(&rules, size, seed, &out, &truth, &literals)
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n{USAGE}"),
    }
}

/// `--name value` pairs.
struct Options(HashMap<String, String>);

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut map = HashMap::new();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let Some(name) = arg.strip_prefix("--") else { bail!("unexpected argument `{arg}`\n{USAGE}") };
            let value = it.next().with_context(|| format!("--{name} needs a value"))?;
            ensure!(map.insert(name.to_string(), value.clone()).is_none(), "--{name} given twice");
        }
        Ok(Options(map))
    }

    fn take(&mut self, name: &str) -> Result<String> {
        self.0.remove(name).with_context(|| format!("--{name} is required\n{USAGE}"))
    }

    fn number<T: std::str::FromStr>(&mut self, name: &str) -> Result<T> {
        let value = self.take(name)?;
        value.parse().ok().with_context(|| format!("--{name} {value}: not a number"))
    }

    fn finish(self) -> Result<()> {
        match self.0.keys().next() {
            Some(name) => bail!("unknown option --{name}\n{USAGE}"),
            None => Ok(()),
        }
    }
}

/// `10M` = 10,000,000 bytes, `100Mi` = 100 × 2^20, `1Gi`, `500K`, `4096`.
fn parse_size(text: &str) -> Result<u64> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    let scale: u64 = match unit {
        "" => 1,
        "K" | "k" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        _ => bail!("size {text}: unknown unit `{unit}` (K, M, G, Ki, Mi, Gi)"),
    };
    let n: u64 = digits.parse().ok().with_context(|| format!("size {text}: not a number"))?;
    n.checked_mul(scale).filter(|&n| n > 0).with_context(|| format!("size {text} is out of range"))
}

// ---------------------------------------------------------------------------------------------------
// Randomness

/// SplitMix64: small, fast and plenty for test data; the same seed gives the same bytes everywhere.
struct Rng(u64);

impl Rng {
    /// An independent stream for one chunk (or one purpose) of a seeded run.
    fn derive(seed: u64, stream: u64) -> Rng {
        let mut mixer = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        Rng(mixer.next())
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: usize) -> bool {
        self.below(1000) < per_mille
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    fn hex32(&mut self) -> u32 {
        self.next() as u32
    }
}

// ---------------------------------------------------------------------------------------------------
// Rules

/// The parts of a rule file genlog needs; every other field is ignored.
#[derive(Deserialize)]
struct RuleHead {
    id: String,
    kb: String,
    #[serde(default)]
    symptoms: Vec<Symptom>,
}

#[derive(Deserialize)]
struct Symptom {
    text: Option<String>,
    regex: Option<String>,
    code: Option<serde_yaml::Value>,
}

/// A phrase both `rg -F -i` and kbx find exactly where the other does, in an ASCII log line: printable
/// ASCII (so case folding is the same), no `<placeholder>` wildcard, at least two words and eight
/// characters in normal form (a one-word or tiny phrase such as `0` or `on.` is a substring of half the
/// lines in any log, which a literal search would count and kbx would not), and a word of five
/// characters or more (kbx scan prefilters on such words and skips a phrase that has none).
fn plain_phrase(text: &str) -> bool {
    if !text.bytes().all(|b| (0x20..0x7f).contains(&b)) || text.contains(['<', '>']) {
        return false;
    }
    let norm = normalise(text);
    norm.len() >= 8 && norm.contains(' ') && norm.split(' ').any(|w| w.len() >= 5)
}

/// The normal form kbx matches phrases in: runs of letters, digits and `_`, lower-cased, joined by one
/// space.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalise_into(text, &mut out);
    out
}

fn normalise_into(text: &str, out: &mut String) {
    out.clear();
    let mut in_word = false;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            if !in_word && !out.is_empty() {
                out.push(' ');
            }
            in_word = true;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            in_word = false;
        }
    }
}

fn read_rule(path: &Path) -> Result<(RuleHead, String)> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let head: RuleHead =
        serde_yaml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    Ok((head, text))
}

fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"));
    files.sort();
    Ok(files)
}

// ---------------------------------------------------------------------------------------------------
// pick

enum Fit {
    /// Every symptom is a plain phrase: copied as it is.
    Whole,
    /// Some symptoms are plain phrases: copied with only those.
    Part,
    Unfit,
}

fn fit(rule: &RuleHead) -> Fit {
    let plain =
        |s: &Symptom| s.regex.is_none() && s.code.is_none() && s.text.as_deref().is_some_and(plain_phrase);
    if rule.symptoms.is_empty() {
        Fit::Unfit
    } else if rule.symptoms.iter().all(plain) {
        Fit::Whole
    } else if rule.symptoms.iter().any(plain) {
        Fit::Part
    } else {
        Fit::Unfit
    }
}

fn pick(pack: &Path, count: usize, seed: u64, out: &Path) -> Result<()> {
    ensure!(count > 0, "--count must be at least 1");
    if out.exists() && fs::read_dir(out)?.next().is_some() {
        bail!("{} exists and is not empty; pick writes into a new or empty folder", out.display());
    }
    let files = yaml_files(&pack.join("rules"))?;
    ensure!(!files.is_empty(), "{} holds no rules (expected a pack made by `kbx kb import`)", pack.display());
    let rules: Vec<(PathBuf, RuleHead, String)> = files
        .into_par_iter()
        .map(|path| read_rule(&path).map(|(head, text)| (path, head, text)))
        .collect::<Result<_>>()?;

    let mut whole = Vec::new();
    let mut part = Vec::new();
    for (i, (_, rule, _)) in rules.iter().enumerate() {
        match fit(rule) {
            Fit::Whole => whole.push(i),
            Fit::Part => part.push(i),
            Fit::Unfit => {}
        }
    }
    ensure!(
        count <= whole.len() + part.len(),
        "asked for {count} rules but {} has only {} with plain phrases ({} of them only partly)",
        pack.display(),
        whole.len() + part.len(),
        part.len()
    );
    let mut rng = Rng::derive(seed, 0x7069_636b);
    rng.shuffle(&mut whole);
    rng.shuffle(&mut part);
    let from_whole = count.min(whole.len());
    let mut chosen: Vec<(usize, bool)> = whole[..from_whole].iter().map(|&i| (i, false)).collect();
    chosen.extend(part[..count - from_whole].iter().map(|&i| (i, true)));
    chosen.sort();

    fs::create_dir_all(out.join("rules"))?;
    fs::create_dir_all(out.join("kb"))?;
    let mut records = std::collections::BTreeSet::new();
    for &(i, trim) in &chosen {
        let (path, rule, text) = &rules[i];
        let target = out.join("rules").join(path.file_name().context("rule file without a name")?);
        if trim {
            fs::write(&target, trimmed_rule(text).with_context(|| format!("rewriting {}", path.display()))?)?;
        } else {
            fs::write(&target, text)?;
        }
        if records.insert(rule.kb.clone()) {
            let record = pack.join("kb").join(format!("{}.md", rule.kb));
            fs::copy(&record, out.join("kb").join(format!("{}.md", rule.kb)))
                .with_context(|| format!("copying the record of {}: {}", rule.id, record.display()))?;
        }
    }
    eprintln!(
        "genlog pick: {count} rules ({from_whole} as they are, {} trimmed to their plain phrases) and {} \
         records into {} (the pack has {} usable as they are)",
        count - from_whole,
        records.len(),
        out.display(),
        whole.len()
    );
    Ok(())
}

/// The rule with every symptom that is not a plain phrase removed.
fn trimmed_rule(text: &str) -> Result<String> {
    let mut value: serde_yaml::Value = serde_yaml::from_str(text)?;
    let symptoms = value
        .get_mut("symptoms")
        .and_then(|s| s.as_sequence_mut())
        .context("the rule has no list of symptoms")?;
    symptoms.retain(|s| {
        s.get("text").and_then(|t| t.as_str()).is_some_and(plain_phrase)
            && s.get("regex").is_none()
            && s.get("code").is_none()
    });
    let body = serde_yaml::to_string(&value)?;
    Ok(format!(
        "# Trimmed by genlog pick for the scan benchmark: only the plain text symptoms are kept.\n{body}"
    ))
}

// ---------------------------------------------------------------------------------------------------
// log: what is known about the rule set

struct Phrase {
    text: String,
    rule: usize,
    /// Byte spans of its words in `text`, for near misses.
    words: Vec<(usize, usize)>,
}

struct RuleSet {
    ids: Vec<String>,
    phrases: Vec<Phrase>,
    /// Phrase texts as written, each once: the literals `rg -F` searches for.
    literals: Vec<String>,
    /// Substring search for every literal, ASCII-lower-cased, run on ASCII-lower-cased text.
    substring: AhoCorasick,
    /// Word search in normal form: pattern ` <normal form> ` against ` <normal form of the line> `.
    words: AhoCorasick,
    /// The rules each `words` pattern belongs to.
    word_rules: Vec<Vec<usize>>,
    /// Every two consecutive words of a phrase in normal form (`"access denied"`): a phrase can run from
    /// one line into the next only if the last word of the one and the first of the next are among them.
    pairs: HashSet<String>,
}

impl RuleSet {
    fn load(dir: &Path) -> Result<RuleSet> {
        let rules_dir = if dir.join("rules").is_dir() { dir.join("rules") } else { dir.to_path_buf() };
        let files = yaml_files(&rules_dir)?;
        ensure!(!files.is_empty(), "{} holds no rule files", rules_dir.display());
        let mut heads: Vec<RuleHead> =
            files.par_iter().map(|p| read_rule(p).map(|(h, _)| h)).collect::<Result<_>>()?;
        heads.sort_by(|a, b| a.id.cmp(&b.id));

        let mut ids = Vec::new();
        let mut phrases = Vec::new();
        for head in heads {
            let rule = ids.len();
            for s in &head.symptoms {
                match (&s.text, &s.regex, &s.code) {
                    (Some(text), None, None) if plain_phrase(text) => {
                        let words = word_spans(text);
                        phrases.push(Phrase { text: text.clone(), rule, words });
                    }
                    _ => bail!(
                        "rule {} has a symptom that is not a plain text phrase; make the set with `genlog pick`",
                        head.id
                    ),
                }
            }
            ids.push(head.id);
        }

        let mut literals: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for p in &phrases {
            if seen.insert(p.text.as_str()) {
                literals.push(p.text.clone());
            }
        }
        let mut pattern_of: HashMap<String, usize> = HashMap::new();
        let mut word_patterns: Vec<String> = Vec::new();
        let mut word_rules: Vec<Vec<usize>> = Vec::new();
        for p in &phrases {
            let pattern = format!(" {} ", normalise(&p.text));
            let id = *pattern_of.entry(pattern.clone()).or_insert_with(|| {
                word_patterns.push(pattern);
                word_rules.push(Vec::new());
                word_patterns.len() - 1
            });
            if !word_rules[id].contains(&p.rule) {
                word_rules[id].push(p.rule);
            }
        }
        // The substring search runs on ASCII-lower-cased lines, so a case-sensitive automaton of lower-cased
        // literals does what `ascii_case_insensitive` would, with half the transitions.
        let lowered: Vec<String> = literals.iter().map(|l| l.to_ascii_lowercase()).collect();
        // A DFA searches fastest, but takes states × byte classes × 4 bytes: 90 MB for 1,000 rules, 850 MB
        // (and slower, from cache misses) for 10,000, where the contiguous NFA takes 27 MB.
        let total: usize = lowered.iter().map(String::len).sum();
        let kind = if total <= 200_000 { AhoCorasickKind::DFA } else { AhoCorasickKind::ContiguousNFA };
        let substring = AhoCorasick::builder().kind(Some(kind)).build(&lowered)?;
        let words = AhoCorasick::builder().kind(Some(kind)).build(&word_patterns)?;
        let mut pairs = HashSet::new();
        for pattern in &word_patterns {
            let words: Vec<&str> = pattern.split_whitespace().collect();
            pairs.extend(words.windows(2).map(|w| format!("{} {}", w[0], w[1])));
        }
        Ok(RuleSet { ids, phrases, literals, substring, words, word_rules, pairs })
    }

    /// True when `line` holds no phrase as a substring, ignoring ASCII case (what `rg -F -i` looks for).
    fn no_literal(&self, line: &str, scratch: &mut String) -> bool {
        scratch.clear();
        scratch.push_str(line);
        scratch.make_ascii_lowercase();
        !self.substring.is_match(scratch.as_str())
    }

    /// Looks for phrases word by word (what kbx looks for) in the window of lines `before` + `line`, all
    /// in normal form, and says whether one reaches into `line` at all, and whether one starts in an
    /// earlier line and goes on into `line` (a message kbx would find across lines and rg would not).
    fn reaching(&self, before: &VecDeque<String>, line: &str, joined: &mut String) -> (bool, bool) {
        joined.clear();
        for earlier in before.iter().filter(|b| !b.is_empty()) {
            joined.push(' ');
            joined.push_str(earlier);
        }
        joined.push(' ');
        let start = joined.len();
        joined.push_str(line);
        joined.push(' ');
        let mut touches = false;
        // A pattern is ` <phrase> `: the phrase's words lie between its first and last byte.
        for m in self.words.find_overlapping_iter(joined.as_str()) {
            if m.end() - 1 > start {
                touches = true;
                if m.start() + 1 < start {
                    return (true, true);
                }
            }
        }
        (touches, false)
    }

    /// True when `line` (in normal form) holds no phrase word by word. `scratch` is reused.
    fn no_phrase(&self, line: &str, scratch: &mut String) -> bool {
        scratch.clear();
        scratch.push(' ');
        scratch.push_str(line);
        scratch.push(' ');
        !self.words.is_match(scratch.as_str())
    }

    /// False when no phrase can run from the line `previous` into `line` (both in normal form), as the
    /// pair of words either side of the line break is in no phrase: the common case, which spares
    /// [`RuleSet::reaching`] on the whole window.
    fn may_span(&self, previous: &str, line: &str, scratch: &mut String) -> bool {
        match (previous.rsplit(' ').next(), line.split(' ').next()) {
            (Some(last), Some(first)) if !last.is_empty() && !first.is_empty() => {
                scratch.clear();
                scratch.push_str(last);
                scratch.push(' ');
                scratch.push_str(first);
                self.pairs.contains(scratch.as_str())
            }
            _ => true,
        }
    }

    /// True when `text` alone holds no phrase, in either sense.
    fn clean_alone(&self, text: &str) -> bool {
        let mut scratch = String::new();
        self.no_literal(text, &mut scratch)
            && !self.reaching(&VecDeque::new(), &normalise(text), &mut scratch).0
    }

    /// The rules whose phrases `line` holds word by word (what kbx reports for it).
    fn rules_in(&self, line: &str) -> Vec<usize> {
        let mut padded = String::new();
        padded_normal_form(line, &mut padded);
        let mut rules: Vec<usize> = self
            .words
            .find_overlapping_iter(padded.as_str())
            .flat_map(|m| self.word_rules[m.pattern().as_usize()].iter().copied())
            .collect();
        rules.sort_unstable();
        rules.dedup();
        rules
    }
}

/// ` <normal form> `, so that every pattern ` <phrase> ` matches on word boundaries only.
fn padded_normal_form(line: &str, out: &mut String) {
    let mut norm = std::mem::take(out);
    normalise_into(line, &mut norm);
    out.clear();
    out.push(' ');
    out.push_str(&norm);
    out.push(' ');
}

/// Byte spans of the ASCII words of `text` (plain phrases are ASCII).
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        let word = b.is_ascii_alphanumeric() || b == b'_';
        match (word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, bytes.len()));
    }
    spans
}

/// The rules' words, each as often as the phrases use it.
struct Vocabulary {
    words: Vec<String>,
    /// Running total of the counts, for weighted draws.
    cumulative: Vec<usize>,
}

impl Vocabulary {
    fn new(set: &RuleSet) -> Result<Vocabulary> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &set.phrases {
            for &(s, e) in &p.words {
                *counts.entry(&p.text[s..e]).or_default() += 1;
            }
        }
        let mut words = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0;
        // A word that is itself a phrase, or holds one, could never be used.
        for (word, count) in counts {
            if set.clean_alone(word) {
                total += count;
                words.push(word.to_string());
                cumulative.push(total);
            }
        }
        ensure!(!words.is_empty(), "the rules' phrases have no usable words");
        Ok(Vocabulary { words, cumulative })
    }

    fn draw(&self, rng: &mut Rng) -> &str {
        let x = rng.below(*self.cumulative.last().expect("not empty"));
        &self.words[self.cumulative.partition_point(|&c| c <= x)]
    }

    /// `n` words separated by `sep`.
    fn phrase(&self, rng: &mut Rng, n: usize, sep: &str, out: &mut String) {
        for i in 0..n {
            if i > 0 {
                out.push_str(sep);
            }
            out.push_str(self.draw(rng));
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// log: lines

/// What a benign line carries besides its format's own fields.
#[derive(Clone, Copy)]
enum Payload {
    Plain,
    /// Several words of the rules' vocabulary.
    Vocabulary,
    /// 2 to 4 consecutive words of one phrase, never all of it.
    NearMiss,
}

struct Generator<'a> {
    set: &'a RuleSet,
    vocabulary: Vocabulary,
    /// Phrases of three or more words, where a strict part makes a near miss.
    long_phrases: Vec<usize>,
    /// Milliseconds since 1970 of the first line.
    start_ms: u64,
    seed: u64,
}

/// One chunk of finished lines.
struct Chunk {
    bytes: Vec<u8>,
    /// End offset (after the line terminator) of every line.
    ends: Vec<usize>,
    /// The message line: its index in the chunk, the rule whose phrase was put in, and every rule it
    /// matches.
    message: Option<(usize, usize, Vec<usize>)>,
    rejected: usize,
}

const SERVERS: &[&str] = &[
    "EXCH01",
    "EXCH02",
    "MBX-03",
    "MBX-04",
    "HUB01",
    "CAS-01",
    "DC1",
    "DC2",
    "FS-PROD-7",
    "SQL01",
    "WEB-IIS2",
    "CONTOSO-EX5",
    "NWTRADERS-DC",
    "FABRIKAM-MB2",
    "GATEWAY-01",
];
const DOMAINS: &[&str] = &["contoso.com", "fabrikam.local", "nwtraders.msft", "corp.example.org"];
const USERS: &[&str] = &[
    "jsmith",
    "adatum.svc",
    "kmeyer",
    "lchen",
    "administrator",
    "svc-backup",
    "rgarcia",
    "mwilson",
    "tnguyen",
    "exadmin",
    "ppatel",
    "bkowalski",
    "healthmailbox01",
    "scanner",
];
const EVENT_SOURCES: &[&str] = &[
    "MSExchangeIS",
    "MSExchangeTransport",
    "MSExchangeSA",
    "MSExchangeMTA",
    "MSExchangeIS Mailbox Store",
    "W3SVC",
    "Service Control Manager",
    "Userenv",
    "NETLOGON",
    "MSSQLSERVER",
    "Perflib",
    "ESE",
    "DCOM",
    "Srv",
    "Tcpip",
    "EventLog",
    "MSExchangeAL",
    "IISADMIN",
    "LoadPerf",
    "Winlogon",
    "MSExchangeDSAccess",
];
const CATEGORIES: &[&str] =
    &["None", "General", "Devices", "Logons", "Performance", "Transport", "(7)", "Replication", "Service"];
const EVENT_TYPES: &[&str] =
    &["Information", "Information", "Information", "Warning", "Error", "Success Audit"];
const LEVELS: &[&str] = &["INFO ", "INFO ", "INFO ", "DEBUG", "WARN ", "ERROR", "TRACE"];
const COMPONENTS: &[&str] = &[
    "StoreDriver",
    "SmtpReceive",
    "RpcClientAccess",
    "MailboxReplication",
    "TransportService",
    "OwaAuth",
    "SyncWorker",
    "BackupAgent",
    "DirectoryCache",
    "QueueManager",
    "HttpProxy",
    "CalendarRepair",
];
const PATHS: &[&str] = &[
    r"C:\Program Files\Exchsrvr\mdbdata\priv1.edb",
    r"C:\Program Files\Exchsrvr\bin\store.exe",
    r"D:\Exchange\Logs\E00000A3F.log",
    r"C:\WINNT\system32\inetsrv\w3wp.exe",
    r"C:\Windows\System32\LogFiles\W3SVC1\ex030514.log",
    r"E:\MSSQL\Data\tempdb.mdf",
    r"C:\Documents and Settings\All Users\Application Data\Microsoft\Network\Downloader\qmgr0.dat",
    r"C:\inetpub\wwwroot\exchweb\bin\auth\owaauth.dll",
    r"F:\Backups\Weekly\SG1-full.bkf",
];
const URIS: &[&str] = &[
    "/exchange/",
    "/exchweb/bin/auth/owalogon.asp",
    "/owa/auth/logon.aspx",
    "/Microsoft-Server-ActiveSync",
    "/rpc/rpcproxy.dll",
    "/exadmin/admin/",
    "/public/",
    "/default.htm",
    "/iisadmpwd/aexp2b.asp",
    "/scripts/report.dll",
    "/EWS/Exchange.asmx",
    "/autodiscover/autodiscover.xml",
];
const AGENTS: &[&str] = &[
    "Mozilla/4.0+(compatible;+MSIE+6.0;+Windows+NT+5.1;+SV1)",
    "Mozilla/5.0+(Windows+NT+6.1;+WOW64;+Trident/7.0;+rv:11.0)+like+Gecko",
    "Microsoft-Server-ActiveSync/6.5",
    "MSRPC",
    "Microsoft+Office/12.0+(Windows+NT+5.1;+Microsoft+Office+Outlook+12.0)",
    "-",
];
const SUBJECTS: &[&str] = &[
    "Weekly status report",
    "RE: budget review",
    "FW: updated schedule",
    "Lunch on Friday?",
    "Out of Office: holidays",
    "Meeting moved",
    "Invoice 2231 attached",
    "Minutes from the planning call",
    "Server maintenance window",
    "Welcome aboard",
    "Quarterly numbers",
];
const NOTES: &[&str] = &[
    "The service entered the running state.",
    "Online defragmentation has completed a full pass.",
    "The scheduled backup finished.",
    "The connection was closed by the remote host.",
    "The message was queued for delivery.",
    "A checkpoint was written to the log.",
    "User logon succeeded.",
    "The directory cache was refreshed.",
    "Replication cycle finished.",
    "The worker process was recycled.",
    "Mailbox move completed.",
    "Certificate validation succeeded.",
    "The index was rebuilt.",
    "Configuration reloaded.",
];
const TRACKING_EVENTS: &[&str] = &["1019", "1020", "1027", "1028", "1031", "1033", "1034", "1036", "1042"];
const EVENTS_2007: &[&str] = &["RECEIVE", "DELIVER", "SEND", "SUBMIT", "TRANSFER", "DSN", "DEFER", "RESOLVE"];
const SMTP_STATUS: &[&str] = &["250 2.6.0", "250 2.1.5", "451 4.4.0", "550 5.1.1", "421 4.3.2", "250 2.0.0"];
const VERBS: &[&str] = &["GET", "GET", "GET", "POST", "PROPFIND", "BPROPPATCH", "RPC_IN_DATA", "OPTIONS"];

impl Chunk {
    /// Line `i` without its line ending.
    fn line(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        let bytes = &self.bytes[start..self.ends[i]];
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        std::str::from_utf8(bytes).expect("lines are made from strings")
    }
}

impl Generator<'_> {
    /// Chunk `index`: lines `index × 10,000 ..`, one of them (at a seeded place) a message line.
    fn chunk(&self, index: u64) -> Result<Chunk> {
        let mut rng = Rng::derive(self.seed, index + 1);
        // Not among the first lines, which the writer may leave out (see `boundary`).
        let message_at = rng.between(WINDOW + 1, CHUNK_LINES - 1);
        let mut chunk = Chunk {
            bytes: Vec::with_capacity(CHUNK_LINES * 200),
            ends: Vec::with_capacity(CHUNK_LINES),
            message: None,
            rejected: 0,
        };
        let mut line = String::with_capacity(512);
        let mut scratch = String::with_capacity(512);
        let mut joined = String::with_capacity(2048);
        // Normal forms of the lines before this one that share a window with it, oldest first.
        let mut before: VecDeque<String> = VecDeque::with_capacity(WINDOW);
        let mut norm = String::with_capacity(512);
        for i in 0..CHUNK_LINES {
            let ms = self.start_ms + (index * CHUNK_LINES as u64 + i as u64) * 37 + rng.below(37) as u64;
            if i == message_at {
                let phrase = &self.set.phrases[self.pick_phrase(&mut rng)];
                let mut attempts = 0;
                loop {
                    line.clear();
                    self.message_line(&mut rng, ms, &phrase.text, &mut line);
                    normalise_into(&line, &mut norm);
                    let spans = before.back().is_some_and(|p| self.set.may_span(p, &norm, &mut scratch))
                        && self.set.reaching(&before, &norm, &mut joined).1;
                    if !spans {
                        break;
                    }
                    attempts += 1;
                    ensure!(attempts < 100, "cannot place a message after the lines before it: {line}");
                }
                let rules = self.set.rules_in(&line);
                ensure!(rules.contains(&phrase.rule), "a message line lost its phrase: {line}");
                chunk.message = Some((i, phrase.rule, rules));
            } else {
                let mut attempts = 0;
                loop {
                    let payload = match (attempts >= 20, rng.below(1000)) {
                        (true, _) => Payload::Plain,
                        (false, 0..250) => Payload::Vocabulary,
                        (false, 250..285) => Payload::NearMiss,
                        _ => Payload::Plain,
                    };
                    line.clear();
                    self.benign_line(&mut rng, ms, payload, &mut line);
                    if self.set.no_literal(&line, &mut scratch) {
                        normalise_into(&line, &mut norm);
                        if self.set.no_phrase(&norm, &mut scratch)
                            && !(before.back().is_some_and(|p| self.set.may_span(p, &norm, &mut scratch))
                                && self.set.reaching(&before, &norm, &mut joined).0)
                        {
                            break;
                        }
                    }
                    attempts += 1;
                    chunk.rejected += 1;
                    ensure!(attempts < 200, "cannot make a line free of every phrase; the last try: {line}");
                }
            }
            chunk.bytes.extend_from_slice(line.as_bytes());
            chunk.bytes.extend_from_slice(if rng.chance(30) { b"\r\n" } else { b"\n" });
            chunk.ends.push(chunk.bytes.len());
            // This line's normal form joins the window; the oldest one's buffer is reused.
            let mut recycled = if before.len() == WINDOW - 1 {
                before.pop_front().unwrap_or_default()
            } else {
                String::new()
            };
            std::mem::swap(&mut recycled, &mut norm);
            before.push_back(recycled);
        }
        Ok(chunk)
    }

    /// A uniformly chosen rule, then one of its phrases.
    fn pick_phrase(&self, rng: &mut Rng) -> usize {
        let rule = rng.below(self.set.ids.len());
        let first = self.set.phrases.partition_point(|p| p.rule < rule);
        let end = self.set.phrases.partition_point(|p| p.rule <= rule);
        rng.between(first, end - 1)
    }

    /// A log prefix, the phrase verbatim, sometimes a short suffix.
    fn message_line(&self, rng: &mut Rng, ms: u64, phrase: &str, out: &mut String) {
        let level = rng.pick(&["ERROR", "ERROR", "WARN", "FATAL"]);
        match rng.below(3) {
            0 => {
                iso_time(ms, true, out);
                let _ = write!(
                    out,
                    " [{level}] {}[{}:{}] ",
                    rng.pick(COMPONENTS),
                    rng.between(200, 9000),
                    rng.between(1, 400)
                );
            }
            1 => {
                let _ = write!(out, "{}\t", if level == "WARN" { "Warning" } else { "Error" });
                us_time(ms, '\t', out);
                let _ = write!(
                    out,
                    "\t{}\t{}\t{}\tN/A\t{}\t",
                    rng.pick(EVENT_SOURCES),
                    rng.pick(CATEGORIES),
                    rng.between(1, 12000),
                    rng.pick(SERVERS)
                );
            }
            _ => {
                iso_time(ms, false, out);
                let _ = write!(out, " {level} {} {}: ", rng.pick(SERVERS), rng.pick(EVENT_SOURCES));
            }
        }
        out.push_str(phrase);
        match rng.below(6) {
            0 => {
                let _ = write!(out, " (hr=0x{:08X})", rng.hex32());
            }
            1 => {
                let _ = write!(out, " [{}]", rng.pick(SERVERS));
            }
            2 => {
                let _ = write!(out, " (after {} ms)", rng.between(1, 90000));
            }
            _ => {}
        }
    }

    /// Free text for a line's message field, with the payload in it, words separated by `sep`.
    fn text(&self, rng: &mut Rng, payload: Payload, sep: &str, out: &mut String) {
        match payload {
            Payload::Plain => {
                let note = rng.pick(NOTES);
                if sep == " " {
                    out.push_str(note);
                } else {
                    out.push_str(&note.replace(' ', sep));
                }
            }
            Payload::Vocabulary => {
                let n = rng.between(3, 8);
                self.vocabulary.phrase(rng, n, sep, out);
            }
            Payload::NearMiss => {
                let phrase = &self.set.phrases[rng.pick(&self.long_phrases)];
                let words = phrase.words.len();
                let take = rng.between(2, 4.min(words - 1));
                let first = rng.below(words - take + 1);
                let part = &phrase.text[phrase.words[first].0..phrase.words[first + take - 1].1];
                if sep == " " {
                    out.push_str(part);
                } else {
                    out.push_str(&part.replace(' ', sep));
                }
            }
        }
    }

    fn benign_line(&self, rng: &mut Rng, ms: u64, payload: Payload, out: &mut String) {
        match rng.below(100) {
            0..30 => self.event_line(rng, ms, payload, out),
            30..42 => self.tracking_line(rng, ms, payload, out),
            42..50 => self.tracking_csv_line(rng, ms, payload, out),
            50..75 => self.iis_line(rng, ms, payload, out),
            _ => self.app_line(rng, ms, payload, out),
        }
    }

    /// An Event Viewer export row, tab- or comma-separated.
    fn event_line(&self, rng: &mut Rng, ms: u64, payload: Payload, out: &mut String) {
        let comma = rng.chance(400);
        let sep = if comma { ',' } else { '\t' };
        let _ = write!(out, "{}{sep}", rng.pick(EVENT_TYPES));
        us_time(ms, sep, out);
        let user = if rng.chance(600) {
            "N/A".to_string()
        } else {
            format!(
                "{}\\{}",
                rng.pick(DOMAINS).split('.').next().unwrap_or("CORP").to_uppercase(),
                rng.pick(USERS)
            )
        };
        let _ = write!(
            out,
            "{sep}{}{sep}{}{sep}{}{sep}{user}{sep}{}{sep}",
            rng.pick(EVENT_SOURCES),
            rng.pick(CATEGORIES),
            rng.between(1, 12000),
            rng.pick(SERVERS)
        );
        if comma {
            out.push('"');
        }
        let mut note = String::new();
        self.text(rng, payload, " ", &mut note);
        match (payload, rng.below(4)) {
            (Payload::Plain, _) | (_, 0) => out.push_str(&note),
            (_, 1) => {
                let _ = write!(out, "{} Additional data: {note}.", rng.pick(NOTES));
            }
            (_, 2) => {
                let _ = write!(out, "Context {}: {note}", guid(rng));
            }
            _ => {
                let _ = write!(out, "{note} (file {}, code 0x{:08X})", rng.pick(PATHS), rng.hex32());
            }
        }
        if rng.chance(300) {
            let _ = write!(out, " For more information, see {}.", rng.pick(PATHS));
        }
        if comma {
            out.push('"');
        }
    }

    /// An Exchange 2000/2003 message tracking row (tab-separated).
    fn tracking_line(&self, rng: &mut Rng, ms: u64, payload: Payload, out: &mut String) {
        let server = rng.pick(SERVERS);
        let domain = rng.pick(DOMAINS);
        let (y, mo, d, h, mi, s) = civil(ms);
        let mut subject = String::new();
        match payload {
            Payload::Plain => subject.push_str(rng.pick(SUBJECTS)),
            _ => {
                if rng.chance(300) {
                    subject.push_str("RE: ");
                }
                self.text(rng, payload, " ", &mut subject);
            }
        }
        let stamp = format!("{y}-{mo}-{d} {h}:{mi:02}:{s:02} GMT");
        let (client, host, user) = (ip(rng), rng.pick(SERVERS).to_lowercase(), rng.pick(USERS));
        let _ = write!(
            out,
            "{}\t{client}\t{host}.{domain}\t-\t{server}\t{user}@{domain}\t",
            stamp.replacen(' ', "\t", 1)
        );
        let (event, id, size) = (rng.pick(TRACKING_EVENTS), guid(rng), rng.between(900, 2_500_000));
        let _ = write!(out, "{event}\t<{id}@{server}.{domain}>\t0\t0\t{size}\t1\t{stamp}\t0\t");
        let (build, sender) = (rng.between(0, 4000), rng.pick(USERS));
        let _ = write!(out, "Version: 6.0.3790.{build}\t-\t{subject}\t{sender}@{domain}\t-");
    }

    /// An Exchange 2007+ message tracking row (CSV).
    fn tracking_csv_line(&self, rng: &mut Rng, ms: u64, payload: Payload, out: &mut String) {
        let server = rng.pick(SERVERS);
        let domain = rng.pick(DOMAINS);
        iso_time(ms, true, out);
        let mut subject = String::new();
        match payload {
            Payload::Plain => subject.push_str(rng.pick(SUBJECTS)),
            _ => self.text(rng, payload, " ", &mut subject),
        }
        let (from, to, next_hop, conn) = (ip(rng), ip(rng), rng.pick(SERVERS), rng.next());
        let _ = write!(out, ",{from},{server},{to},{next_hop},{conn:016X},{server}\\Default {server},SMTP");
        let (event, internal, id) = (rng.pick(EVENTS_2007), rng.between(10_000, 99_999_999), guid(rng));
        let _ = write!(out, ",{event},{internal},<{}@{domain}>", id.to_lowercase());
        let (user, status, size) = (rng.pick(USERS), rng.pick(SMTP_STATUS), rng.between(900, 2_500_000));
        let _ = write!(out, ",{user}@{domain},{status},{size},1,,,\"{subject}\"");
        let (sender, direction) = (rng.pick(USERS), if rng.chance(500) { "Originating" } else { "Incoming" });
        let _ = write!(out, ",{sender}@{domain},{sender}@{domain},,{direction}");
    }

    /// An IIS W3C extended log row.
    fn iis_line(&self, rng: &mut Rng, ms: u64, payload: Payload, out: &mut String) {
        let (y, mo, d, h, mi, s) = civil(ms);
        let _ = write!(
            out,
            "{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} W3SVC{} {} {} {} {} ",
            rng.between(1, 3),
            rng.pick(SERVERS),
            ip(rng),
            rng.pick(VERBS),
            rng.pick(URIS)
        );
        match (payload, rng.below(3)) {
            (Payload::Plain, 0) => out.push('-'),
            (Payload::Plain, _) => {
                let _ = write!(
                    out,
                    "Cmd=Sync&User={}&DeviceId={:08X}{:08X}&DeviceType=PocketPC",
                    rng.pick(USERS),
                    rng.hex32(),
                    rng.hex32()
                );
            }
            _ => {
                out.push_str("q=");
                self.text(rng, payload, "+", out);
                let _ = write!(out, "&id={:08x}", rng.hex32());
            }
        }
        let _ = write!(
            out,
            " {} {} {} HTTP/1.1 {} - mail.{} {} {} {} {} {} {}",
            rng.pick(&[80, 443, 443]),
            if rng.chance(300) { "-".to_string() } else { format!("CONTOSO\\{}", rng.pick(USERS)) },
            ip(rng),
            rng.pick(AGENTS),
            rng.pick(DOMAINS),
            rng.pick(&[200, 200, 200, 200, 302, 304, 401, 403, 404, 500, 503]),
            rng.between(0, 3),
            rng.pick(&[0, 0, 0, 64, 1236, 995]),
            rng.between(180, 90_000),
            rng.between(200, 4000),
            rng.between(0, 30_000)
        );
    }

    /// An application log row with key=value fields.
    fn app_line(&self, rng: &mut Rng, ms: u64, payload: Payload, out: &mut String) {
        iso_time(ms, rng.chance(500), out);
        let _ = write!(
            out,
            " [{}] {}[{}:{}] ",
            rng.pick(LEVELS),
            rng.pick(COMPONENTS),
            rng.between(200, 9000),
            rng.between(1, 400)
        );
        match payload {
            Payload::Plain => self.text(rng, payload, " ", out),
            _ => {
                out.push_str(rng.pick(&["detail=\"", "op=\"", "msg=\"", "note: \""]));
                self.text(rng, payload, " ", out);
                out.push('"');
            }
        }
        if rng.chance(500) {
            let _ = write!(out, " path={}", rng.pick(PATHS));
        }
        if rng.chance(600) {
            let _ = write!(out, " hr=0x{:08X}", rng.hex32());
        }
        let _ = write!(out, " elapsed={}ms", rng.between(0, 45_000));
        if rng.chance(500) {
            let _ = write!(out, " corr={{{}}} host={}", guid(rng), rng.pick(SERVERS));
        }
    }
}

fn guid(rng: &mut Rng) -> String {
    let a = rng.next();
    let b = rng.next();
    format!(
        "{:08X}-{:04X}-{:04X}-{:04X}-{:012X}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFFF,
        b >> 48,
        b & 0xFFFF_FFFF_FFFF
    )
}

fn ip(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!("10.{}.{}.{}", rng.below(256), rng.below(256), rng.between(1, 254)),
        1 => format!("192.168.{}.{}", rng.below(256), rng.between(1, 254)),
        _ => format!("172.{}.{}.{}", rng.between(16, 31), rng.below(256), rng.between(1, 254)),
    }
}

/// (year, month, day, hour, minute, second) of a time in milliseconds since 1970 (UTC).
fn civil(ms: u64) -> (u64, u64, u64, u64, u64, u64) {
    let secs = ms / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Days since 1970-01-01 to a date in the proleptic Gregorian calendar, counting eras of 400 years
    // from 0000-03-01 so that the leap day falls at the end of each year.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day, rem / 3600, rem / 60 % 60, rem % 60)
}

/// `2003-05-14 09:12:44` or `2003-05-14T09:12:44.123Z`.
fn iso_time(ms: u64, t_and_millis: bool, out: &mut String) {
    let (y, mo, d, h, mi, s) = civil(ms);
    if t_and_millis {
        let _ = write!(out, "{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z", ms % 1000);
    } else {
        let _ = write!(out, "{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
    }
}

/// `5/14/2003<sep>9:12:44 AM`, as Event Viewer exports it.
fn us_time(ms: u64, sep: char, out: &mut String) {
    let (y, mo, d, h, mi, s) = civil(ms);
    let (h12, half) = match h {
        0 => (12, "AM"),
        1..12 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    let _ = write!(out, "{mo}/{d}/{y}{sep}{h12}:{mi:02}:{s:02} {half}");
}

// ---------------------------------------------------------------------------------------------------
// log

fn log(rules: &Path, size: u64, seed: u64, out: &Path, truth: &Path, literals: &Path) -> Result<()> {
    let started = Instant::now();
    let set = RuleSet::load(rules)?;
    write_literals(&set, literals)?;

    let vocabulary = Vocabulary::new(&set)?;
    let long_phrases: Vec<usize> =
        (0..set.phrases.len()).filter(|&i| set.phrases[i].words.len() >= 3).collect();
    ensure!(!long_phrases.is_empty(), "no phrase has three words or more; near misses need one");
    // Somewhere in 2003-2004, the era of the archive's articles.
    let start_ms = 1_041_379_200_000 + Rng::derive(seed, 0x7469_6d65).below(365 * 86_400_000) as u64;
    let generator = Generator { set: &set, vocabulary, long_phrases, start_ms, seed };

    let file = fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let mut written: u64 = 0;
    let mut lines: u64 = 0;
    let mut rejected: u64 = 0;
    let mut per_rule: BTreeMap<&str, u64> = BTreeMap::new();
    let mut inserted: BTreeMap<&str, u64> = BTreeMap::new();
    let mut message_lines: u64 = 0;
    let mut dropped: u64 = 0;
    // Normal forms of the last lines written, for the windows that span two chunks.
    let mut tail: VecDeque<String> = VecDeque::new();
    let mut next_chunk: u64 = 0;
    'outer: while written < size {
        // A chunk is about 2 MB: make no more than the rest of the log needs.
        let wanted = ((size - written) / 1_500_000 + 1).min(BATCH_CHUNKS as u64);
        let batch: Vec<Chunk> = (next_chunk..next_chunk + wanted)
            .into_par_iter()
            .map(|i| generator.chunk(i))
            .collect::<Result<_>>()?;
        next_chunk += wanted;
        for chunk in batch {
            rejected += chunk.rejected as u64;
            let first = boundary(&set, &tail, &chunk)?;
            dropped += first as u64;
            let start = if first == 0 { 0 } else { chunk.ends[first - 1] };
            // Lines `first..keep`: the rest of the chunk, or up to the first line that reaches `size`.
            let remaining = size - written;
            let keep = if ((chunk.bytes.len() - start) as u64) < remaining {
                chunk.ends.len()
            } else {
                first + chunk.ends[first..].partition_point(|&e| ((e - start) as u64) < remaining) + 1
            };
            let end = chunk.ends[keep - 1];
            writer.write_all(&chunk.bytes[start..end])?;
            written += (end - start) as u64;
            lines += (keep - first) as u64;
            for i in keep.saturating_sub(WINDOW - 1).max(first)..keep {
                tail.push_back(normalise(chunk.line(i)));
                if tail.len() > WINDOW - 1 {
                    tail.pop_front();
                }
            }
            if let Some((at, rule, matched)) = &chunk.message
                && *at < keep
            {
                message_lines += 1;
                *inserted.entry(&set.ids[*rule]).or_default() += 1;
                for &r in matched {
                    *per_rule.entry(&set.ids[r]).or_default() += 1;
                }
            }
            if written >= size {
                break 'outer;
            }
        }
    }
    writer.flush()?;

    let report = serde_json::json!({
        "lines": lines,
        "message_lines": message_lines,
        "bytes": written,
        "seed": seed,
        "rules": set.ids.len(),
        "literals": set.literals.len(),
        "per_rule": per_rule,
        "inserted": inserted,
    });
    fs::write(truth, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("writing {}", truth.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "genlog log: {} bytes, {lines} lines, {message_lines} with a message, {} rules, {} literals; \
         {rejected} candidate lines held a phrase and were redrawn, {dropped} left out where chunks meet; \
         {seconds:.1} s ({:.0} MB/s)",
        written,
        set.ids.len(),
        set.literals.len(),
        written as f64 / 1e6 / seconds
    );
    Ok(())
}

/// How many lines at the start of `chunk` to leave out so that no phrase runs from the lines written
/// before it (`tail`) into it. Chunks are made in parallel, each knowing nothing of the one before, so
/// the lines whose window reaches back into the previous chunk are checked here; a line that completes a
/// phrase begun there is dropped (rare: about one chunk in a hundred).
fn boundary(set: &RuleSet, tail: &VecDeque<String>, chunk: &Chunk) -> Result<usize> {
    let mut joined = String::new();
    // Whether the lines from `first` on follow the tail without a phrase across the break.
    let mut joins = |first: usize| {
        let mut window = tail.clone();
        for i in first..(first + WINDOW - 1).min(chunk.ends.len()) {
            let norm = normalise(chunk.line(i));
            if set.reaching(&window, &norm, &mut joined).1 {
                return false;
            }
            window.push_back(norm);
            if window.len() > WINDOW - 1 {
                window.pop_front();
            }
        }
        true
    };
    let mut first = 0;
    while !joins(first) {
        first += 1;
        ensure!(
            chunk.message.as_ref().is_none_or(|m| first < m.0),
            "cannot join two chunks without a phrase across them"
        );
    }
    Ok(first)
}

/// `LIT.txt` (each phrase as written, for `rg -F -i -f`) and `LIT.regex.txt` (escaped, for `rg -i -f`).
fn write_literals(set: &RuleSet, path: &Path) -> Result<()> {
    let mut plain = String::new();
    let mut escaped = String::new();
    for literal in &set.literals {
        plain.push_str(literal);
        plain.push('\n');
        escaped.push_str(&regex::escape(literal));
        escaped.push('\n');
    }
    fs::write(path, plain).with_context(|| format!("writing {}", path.display()))?;
    let name = path.file_name().and_then(|n| n.to_str()).context("--literals needs a file name")?;
    let stem = name.strip_suffix(".txt").unwrap_or(name);
    let regex_path = path.with_file_name(format!("{stem}.regex.txt"));
    fs::write(&regex_path, escaped).with_context(|| format!("writing {}", regex_path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10M").unwrap(), 10_000_000);
        assert_eq!(parse_size("100Mi").unwrap(), 100 << 20);
        assert_eq!(parse_size("1Gi").unwrap(), 1 << 30);
        assert!(parse_size("1X").is_err());
    }

    #[test]
    fn normal_form_and_plain_phrases() {
        assert_eq!(normalise("Access-denied: MAPI.Session."), "access denied mapi session");
        assert!(plain_phrase("Access denied"));
        assert!(!plain_phrase("0"));
        assert!(!plain_phrase("failed on <server>"));
        assert!(!plain_phrase("on."));
        assert!(!plain_phrase("ALT+F4 key"));
    }

    fn rule_set(phrases: &[&str]) -> (tempfile::TempDir, RuleSet) {
        let dir = tempfile::tempdir().unwrap();
        for (i, phrase) in phrases.iter().enumerate() {
            let rule = format!("id: r{i}\nkb: Q{i}\nsymptoms:\n  - text: '{phrase}'\n");
            fs::write(dir.path().join(format!("r{i}.yaml")), rule).unwrap();
        }
        let set = RuleSet::load(dir.path()).unwrap();
        (dir, set)
    }

    fn chunk_of(lines: &[&str]) -> Chunk {
        let mut chunk = Chunk { bytes: Vec::new(), ends: Vec::new(), message: None, rejected: 0 };
        for line in lines {
            chunk.bytes.extend_from_slice(line.as_bytes());
            chunk.bytes.extend_from_slice(b"\r\n");
            chunk.ends.push(chunk.bytes.len());
        }
        chunk
    }

    #[test]
    fn phrases_across_lines_are_found() {
        let (_dir, set) = rule_set(&["Cannot open the mailbox store", "File creation error"]);
        let mut joined = String::new();
        let mut scratch = String::new();
        let before: VecDeque<String> =
            ["2003 05 14 info open", "retry: cannot open the"].map(normalise).into();
        // From the line before into this one, and from two lines before.
        assert_eq!(set.reaching(&before, &normalise("Mailbox store, 3 items"), &mut joined), (true, true));
        assert!(set.may_span(&before[1], "mailbox store 3 items", &mut scratch));
        assert!(!set.may_span(&before[1], "queue 3 items", &mut scratch));
        let before: VecDeque<String> = ["x cannot", "open the"].map(normalise).into();
        assert_eq!(set.reaching(&before, "mailbox store", &mut joined), (true, true));
        // Wholly inside an earlier line: not this line's business.
        let before: VecDeque<String> = [normalise("Error: file creation error")].into();
        assert_eq!(set.reaching(&before, "all good", &mut joined), (false, false));
        // Wholly inside this line.
        assert_eq!(set.reaching(&VecDeque::new(), "a file creation error", &mut joined), (true, false));
        assert!(!set.clean_alone("FILE-CREATION error!"));
        assert!(!set.clean_alone("xfile creation errors"), "a substring is enough for rg");
        assert!(set.clean_alone("file creation is fine"));
    }

    #[test]
    fn chunks_meet_without_a_phrase_across_them() {
        let (_dir, set) = rule_set(&["File creation error"]);
        let tail: VecDeque<String> = ["1 queue ok", "Additional data: File Creation"].map(normalise).into();
        let chunk = chunk_of(&["Error 5/14/2003 9:12:44 AM", "ERROR again", "Information 5/14/2003", "x"]);
        assert_eq!(boundary(&set, &tail, &chunk).unwrap(), 2);
        let chunk = chunk_of(&["Information 5/14/2003", "Error", "x"]);
        assert_eq!(boundary(&set, &tail, &chunk).unwrap(), 0);
        assert_eq!(chunk.line(1), "Error");
    }

    #[test]
    fn dates() {
        assert_eq!(civil(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(civil(1_052_903_564_000), (2003, 5, 14, 9, 12, 44));
    }
}
