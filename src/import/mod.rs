//! Reading KB articles: either archive form (the Markdown `kb/NNN/Q<id>/README.md` with Jekyll front matter
//! and a tab-indented body, or the original plain text `Q<id>.TXT` with a `DOCUMENT:`/`TITLE   :` header),
//! from files, folders or `.tar.gz` archives, into [`Article`]s: the facts a draft rule and a kb record are
//! made from. `pack` (elsewhere) turns articles into rule files.

pub mod draft;
pub mod pack;
pub mod source;
mod tarball;
// The parsers: see the modules' own docs.
mod article;
mod codes;
mod command;
mod decode;
mod event;
mod header;
mod markdown;
mod messages;
pub mod placeholder;
mod prose;
mod sections;
mod steps;
mod text;

/// Parses one article file of the given form. Both forms of the same article give equal `Article`s.
/// Never panics; what cannot be imported comes back as a [`Skip`].
pub fn parse(form: source::Form, bytes: &[u8]) -> Result<Article, Skip> {
    decode::check(bytes)?;
    let (header, body) = match form {
        source::Form::Markdown => markdown::read(bytes)?,
        source::Form::Text => text::read(bytes)?,
    };
    article::build(header, &body)
}

/// One article, as read from either form. Both forms of the same article give equal `Article`s.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Article {
    /// `Q293218`.
    pub id: String,
    /// The title with HTML entities decoded and the area prefix removed:
    /// `"Failed to Create MAPI.Session" Error Message in OWA`.
    pub title: String,
    /// The area prefix of the title without its colon (`XWEB`, `XADM`, `PC MAPI`, `Err Msg`, `WD97`), if any.
    pub area: Option<String>,
    /// Products, as the header gives them (`Microsoft Exchange`, `Microsoft Mail For PC Networks`).
    pub products: Vec<String>,
    /// Versions, as the header gives them, split at commas (`5.5`; `WINDOWS:3.0,3.2` gives `3.0`, `3.2`).
    pub versions: Vec<String>,
    /// Last modified, as written (`23-OCT-2001`), if given.
    pub last_modified: Option<String>,
    /// The "Additional query words", split at whitespace, in order, deduplicated.
    pub query_words: Vec<String>,
    /// Every error message quoted in SYMPTOMS, in order.
    pub messages: Vec<Message>,
    /// Error codes written in SYMPTOMS (including in messages), as written, in order, deduplicated:
    /// `0x8004011d`, `80040115`, `0x0000000A` (from `STOP 0x0000000A`), `-1808`, `MAPI_E_TOO_COMPLEX`,
    /// `JET_errDiskFull`, `4294966278`.
    pub codes: Vec<String>,
    /// The SYMPTOMS section as prose: hard wraps undone, paragraphs separated by a blank line.
    pub symptoms: String,
    /// The CAUSE section as prose, like `symptoms`; empty if there is none.
    pub cause: String,
    /// RESOLUTION steps in order (WORKAROUND when there is no RESOLUTION); empty if neither exists.
    pub resolution: Vec<Step>,
    /// The STATUS section as prose; empty if there is none.
    pub status: String,
}

/// A quoted error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The message on one line: hard wraps undone, paragraphs of a multi-paragraph dialog joined with a
    /// single space, placeholders (`<servername>`, `XXXXXXXX`, `[friendly name]`, `%1`) written as
    /// `<…>` spans, e.g. `Error 29 Alias does not exist <friendly name>`.
    pub text: String,
    /// For an Event Viewer record, its fields.
    pub event: Option<EventRecord>,
}

/// An Event Viewer record quoted as `Event ID:` / `Source:` / `Description:` lines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventRecord {
    pub event_id: Option<String>,
    pub source: Option<String>,
    pub category: Option<String>,
    /// The description on one line, placeholders as in [`Message::text`].
    pub description: Option<String>,
}

/// One resolution step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The step's text as prose, hard wraps undone.
    pub text: String,
    /// A command line the step tells the reader to type, exactly as written, without the
    /// `"…" (without the quotation marks)` wrapping: `regsvr32 c:\winnt\system32\cdo.dll`, `net stop msexchangemta`.
    pub command: Option<String>,
}

/// Why an article was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The file is empty or only whitespace.
    Empty,
    /// The file holds binary data (NUL bytes or mostly control characters).
    Binary,
    /// The file is not valid UTF-8 and could not be read as an article.
    NotUtf8,
    /// The header or body is cut off (no article id, or no body after the header).
    Truncated,
    /// Neither a quoted error message nor an error code in SYMPTOMS (or no SYMPTOMS).
    NoSymptoms,
}
