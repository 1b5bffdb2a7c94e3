//! The rule file as written: serde structs that mirror the YAML, with `deny_unknown_fields` everywhere
//! and value checks inside deserialisation, so every mistake is reported at its own line and column.
//! `compile` turns these into the validated [`crate::rule::Rule`].

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};

use super::action::{Action, Safety};
use super::check::Check;
use super::code::Code;
use super::phrase::Phrase;
use super::{Severity, Status};

/// A rule file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "kbx rule",
    description = "A kbx rule: how to recognise the problem one KB article describes, its causes and the steps that fix it. See docs/rule-format.md."
)]
pub struct RawRule {
    pub id: String,
    pub title: String,
    pub kb: String,
    #[serde(default)]
    pub products: Vec<String>,
    #[serde(default)]
    pub versions: Vec<String>,
    pub severity: Severity,
    pub status: Status,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub symptoms: Vec<RawSymptom>,
    #[serde(default)]
    pub causes: Vec<String>,
    #[serde(default)]
    pub resolution: Vec<RawStep>,
    #[serde(default)]
    pub examples: RawExamples,
}

/// The JSON Schema of the rule format (`kbx rules schema`), generated from these types.
pub fn schema() -> schemars::Schema {
    let mut schema = schemars::schema_for!(RawRule);
    schema.insert("$id".into(), SCHEMA_ID.into());
    schema
}

/// Where the schema is said to live; editors take the schema from the file the `$schema` line names.
pub const SCHEMA_ID: &str = "https://kbx.invalid/schema/rule.json";

/// One piece of evidence: exactly one of `text`, `regex`, `code`.
#[derive(Debug)]
pub struct RawSymptom {
    pub matcher: RawMatcher,
    pub weight: f64,
    pub required: bool,
}

#[derive(Debug)]
pub enum RawMatcher {
    Text(Phrase),
    Regex(Pattern),
    Code(Code),
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "Symptom",
    extend("oneOf" = [{ "required": ["text"] }, { "required": ["regex"] }, { "required": ["code"] }])
)]
struct SymptomFields {
    /// A phrase, usually the exact error message; `<name>` stands for a part that varies.
    #[serde(default)]
    text: Option<Phrase>,
    /// A regular expression (regex crate syntax) over the input as given.
    #[serde(default)]
    regex: Option<Pattern>,
    /// An error code, in quotes: '0x80040111', '-1808', 'MAPI_E_TOO_MANY_SESSIONS'.
    #[serde(default)]
    code: Option<CodeField>,
    /// How strongly this symptom alone points at the article, above 0 and at most 1 (default 1).
    #[serde(default)]
    weight: Option<Weight>,
    /// When true, the rule never matches unless this symptom does.
    #[serde(default)]
    required: bool,
}

/// Weight of a symptom when a rule does not give one.
pub const DEFAULT_WEIGHT: f64 = 1.0;

impl<'de> Deserialize<'de> for RawSymptom {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f = SymptomFields::deserialize(d)?;
        let matcher = match (f.text, f.regex, f.code) {
            (Some(t), None, None) => RawMatcher::Text(t),
            (None, Some(r), None) => RawMatcher::Regex(r),
            (None, None, Some(c)) => RawMatcher::Code(c.0),
            (None, None, None) => {
                return Err(serde::de::Error::custom("a symptom needs one of `text`, `regex` or `code`"));
            }
            _ => {
                return Err(serde::de::Error::custom(
                    "a symptom has exactly one of `text`, `regex` or `code`: split it into several symptoms",
                ));
            }
        };
        Ok(RawSymptom { matcher, weight: f.weight.map_or(DEFAULT_WEIGHT, |w| w.0), required: f.required })
    }
}

/// A weight in (0, 1].
struct Weight(f64);

impl<'de> Deserialize<'de> for Weight {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = f64::deserialize(d)?;
        if w > 0.0 && w <= 1.0 {
            Ok(Weight(w))
        } else {
            Err(serde::de::Error::custom(format!(
                "weight {w} is out of range: use a number above 0 and at most 1 (1 = this alone identifies the article)"
            )))
        }
    }
}

/// A regular expression, checked when read.
#[derive(Debug, Clone)]
pub struct Pattern(pub regex::Regex);

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match regex::Regex::new(&s) {
            Ok(r) if r.is_match("") => Err(serde::de::Error::custom(Check::MatchesEverything.tag(format!(
                "regex `{s}` matches the empty string, so it would match every input: make at least one part required"
            )))),
            Ok(r) => Ok(Pattern(r)),
            Err(e) => {
                // The regex crate's message ends with a line `error: <what is wrong>`.
                let text = e.to_string();
                let what = text.lines().last().unwrap_or(&text).trim_start_matches("error: ").to_string();
                Err(serde::de::Error::custom(Check::InvalidRegex.tag(format!("invalid regex `{s}`: {what}"))))
            }
        }
    }
}

/// An error code: a string, or a YAML number large enough that hex or decimal cannot be confused.
struct CodeField(Code);

impl<'de> Deserialize<'de> for CodeField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Scalar {
            Int(i64),
            Text(String),
        }
        match Scalar::deserialize(d).map_err(|_| {
            serde::de::Error::custom("a code is a string such as '0x80040111' or 'MAPI_E_TOO_MANY_SESSIONS'")
        })? {
            Scalar::Text(s) => {
                Code::parse(&s).map(CodeField).map_err(|e| serde::de::Error::custom(Check::InvalidCode.tag(e)))
            }
            // YAML reads 80040111 as a decimal number, though messages mean hex: only quotes can tell.
            Scalar::Int(n) => Err(serde::de::Error::custom(Check::InvalidCode.tag(format!(
                "write the code {n} in quotes, exactly as messages show it (code: '{n}'), so that hex and decimal are not confused"
            )))),
        }
    }
}

/// One resolution step.
#[derive(Debug)]
pub struct RawStep {
    pub text: String,
    pub action: Option<Action>,
    pub safety: Option<Safety>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Step")]
struct StepFields {
    text: String,
    #[serde(default)]
    action: Option<Action>,
    #[serde(default)]
    safety: Option<Safety>,
}

impl<'de> Deserialize<'de> for RawStep {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f = StepFields::deserialize(d)?;
        if f.text.trim().is_empty() {
            return Err(serde::de::Error::custom(
                Check::EmptyStep.tag("a resolution step needs `text`: say in words what the step does"),
            ));
        }
        match (&f.action, f.safety) {
            (Some(a), None) if a.changes_system() => {
                return Err(serde::de::Error::custom(Check::MissingSafety.tag(format!(
                    "the `{}` action needs a `safety` level: safe, caution or dangerous",
                    a.kind()
                ))));
            }
            (None, Some(_)) => {
                return Err(serde::de::Error::custom(
                    Check::MissingSafety.tag(
                        "`safety` is set but the step has no `action`: remove `safety` or add an action",
                    ),
                ));
            }
            _ => {}
        }
        Ok(RawStep { text: f.text, action: f.action, safety: f.safety })
    }
}

/// Example texts the rule must and must not match.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Examples")]
pub struct RawExamples {
    #[serde(default, rename = "match")]
    pub matches: Vec<String>,
    #[serde(default)]
    pub no_match: Vec<String>,
}

/// Schemas of the hand-written deserialisers: each is the schema of the fields it reads, or a string.
macro_rules! schema_as {
    ($ty:ty, $name:literal, $body:expr) => {
        impl JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }

            fn json_schema(generator: &mut SchemaGenerator) -> Schema {
                #[allow(clippy::redundant_closure_call)]
                ($body)(generator)
            }
        }
    };
}

schema_as!(RawSymptom, "Symptom", SymptomFields::json_schema);
schema_as!(RawStep, "Step", StepFields::json_schema);
schema_as!(Phrase, "Phrase", |_: &mut SchemaGenerator| super::action::string_schema(
    "A phrase matched after normalisation, as whole words; `<name>` is a wildcard of up to 12 words.",
    None
));
schema_as!(Pattern, "Regex", |_: &mut SchemaGenerator| super::action::string_schema(
    "A regular expression in regex crate syntax; add (?i) for case-insensitive matching.",
    None
));
schema_as!(CodeField, "Code", |_: &mut SchemaGenerator| super::action::string_schema(
    "An error code in quotes: hex ('0x80040111' or 8 hex digits), decimal ('-1808') or a symbolic name with an underscore.",
    None
));
schema_as!(Weight, "Weight", |_: &mut SchemaGenerator| json_schema!({
    "type": "number",
    "exclusiveMinimum": 0,
    "maximum": 1
}));
