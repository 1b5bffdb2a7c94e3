//! Rules: what a KB article's symptoms look like, what causes them and how to fix them.
//!
//! `load` reads YAML files (built in, or from `--rules` folders) into [`raw`] structs, `compile` checks
//! them as a whole (ids, kb records) and produces the [`Rule`]s the engine indexes.

pub mod action;
pub mod check;
pub mod code;
pub mod compile;
pub mod load;
pub mod phrase;
pub mod raw;
pub mod template;

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use action::{Action, Safety};
pub use check::Check;
pub use code::Code;
pub use compile::Knowledge;
pub use load::{LoadError, Problem};
pub use phrase::Phrase;

/// How bad the problem an article describes is (also the values of `kbx scan --fail-on`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Deserialize,
    Serialize,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Where a rule is in its life.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Written, not yet reviewed (imported rules start here).
    Draft,
    /// Reviewed and tested.
    Stable,
    /// Kept for reference; ranks below the others.
    Deprecated,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Stable => "stable",
            Status::Deprecated => "deprecated",
        }
    }

    /// Order among matches of equal score: stable first, then draft, then deprecated.
    pub fn rank(self) -> u8 {
        match self {
            Status::Stable => 0,
            Status::Draft => 1,
            Status::Deprecated => 2,
        }
    }
}

/// Where a rule or record came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Compiled into the binary; the path is relative to the project.
    Builtin(PathBuf),
    /// Read from a file at run time.
    File(PathBuf),
}

impl Origin {
    pub fn path(&self) -> &std::path::Path {
        match self {
            Origin::Builtin(p) | Origin::File(p) => p,
        }
    }

    pub fn is_builtin(&self) -> bool {
        matches!(self, Origin::Builtin(_))
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Builtin(p) => write!(f, "{} (built in)", p.display()),
            Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// What a symptom looks for.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// A phrase, in normal form, with optional wildcards.
    Text(Phrase),
    /// A regular expression over the input as given.
    Regex(regex::Regex),
    /// An error code in any written form.
    Code(Code),
}

impl Matcher {
    /// The kind, as written in YAML.
    pub fn kind(&self) -> &'static str {
        match self {
            Matcher::Text(_) => "text",
            Matcher::Regex(_) => "regex",
            Matcher::Code(_) => "code",
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Text(p) => write!(f, "text \"{}\"", p.source),
            Matcher::Regex(r) => write!(f, "regex /{}/", r.as_str()),
            Matcher::Code(c) => write!(f, "code {c}"),
        }
    }
}

/// One piece of evidence for a rule.
#[derive(Debug, Clone)]
pub struct Symptom {
    pub matcher: Matcher,
    /// How strongly this symptom alone points at the article, in (0, 1].
    pub weight: f64,
    /// The rule never matches without this symptom.
    pub required: bool,
}

/// One resolution step.
#[derive(Debug, Clone)]
pub struct Step {
    pub text: String,
    pub action: Option<Action>,
    pub safety: Option<Safety>,
}

/// Texts the rule must and must not match; checked by the tests.
#[derive(Debug, Clone, Default)]
pub struct Examples {
    pub matches: Vec<String>,
    pub no_match: Vec<String>,
}

/// A validated rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub kb: String,
    pub products: Vec<String>,
    pub versions: Vec<String>,
    pub severity: Severity,
    pub status: Status,
    pub tags: Vec<String>,
    pub references: Vec<String>,
    /// Words people search the article by; evidence for the lexical fallback only.
    pub keywords: Vec<String>,
    pub symptoms: Vec<Symptom>,
    pub causes: Vec<String>,
    pub resolution: Vec<Step>,
    pub examples: Examples,
    pub origin: Origin,
}
