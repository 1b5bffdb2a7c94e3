//! The KB article reader through the library API, on invented articles in `tests/fixtures/import/`
//! (both archive forms of each; see the README there): what is extracted, that both forms agree, that
//! folders and `.tar.gz` archives stream through `read_sources`, and that broken files are skipped, never
//! a panic.

use std::path::{Path, PathBuf};

use kbx::import::source::{Form, SourceArticle, SourceError, read_sources};
use kbx::import::{Article, EventRecord, Message, Skip, Step, parse};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

fn read(rel: &str) -> Vec<u8> {
    let path = fixtures().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn parse_text(id: &str) -> Result<Article, Skip> {
    parse(Form::Text, &read(&format!("txt/{id}.TXT")))
}

fn parse_markdown(rel: &str) -> Result<Article, Skip> {
    parse(Form::Markdown, &read(&format!("md/{rel}")))
}

fn message(text: &str) -> Message {
    Message { text: text.to_string(), event: None }
}

#[test]
fn seed_shaped_article_is_read_whole() {
    let expected = Article {
        id: "Q900001".into(),
        title: "\"Cannot Open Print Queue\" Error Message After Upgrade".into(),
        area: Some("XSPL".into()),
        products: vec!["Contoso Print Server".into()],
        versions: vec!["2.0".into(), "2.1".into()],
        last_modified: Some("14-MAR-2000".into()),
        query_words: vec!["spooler".into(), "queue".into(), "spoolext".into()],
        messages: vec![message(
            "Cannot open the print queue. The spooler service reported that the queue is unavailable.",
        )],
        codes: vec![],
        symptoms: "After you upgrade Contoso Print Server to version 2.1, a print job that is sent to a shared queue \
                   fails, and the client shows the following error message:\n\n\
                   Cannot open the print queue. The spooler service reported that the queue is unavailable.\n\n\
                   The job stays in the local queue."
            .into(),
        cause: "The upgrade leaves an old copy of the Spoolext.dll helper library registered, so the spooler cannot \
                load its queue extension."
            .into(),
        resolution: vec![
            Step {
                text: "To resolve this problem, register the new library again. At a command prompt, type \
                       \"regsvr32 c:\\contoso\\bin\\spoolext.dll\" (without the quotation marks), and then restart \
                       the spooler."
                    .into(),
                command: Some(r"regsvr32 c:\contoso\bin\spoolext.dll".into()),
            },
            Step {
                text: "After the library is registered, the spooler shows this confirmation:\n\nQueue extension loaded"
                    .into(),
                command: None,
            },
        ],
        status: String::new(),
    };
    assert_eq!(parse_text("Q900001"), Ok(expected.clone()), "Text form (CRLF line ends)");
    assert_eq!(parse_markdown("Q900001.md"), Ok(expected), "Markdown form");
}

#[test]
fn alternatives_dialog_placeholders_and_codes() {
    let article = parse_text("Q900002").expect("parses");
    let texts: Vec<&str> = article.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "The spooler could not open queue <queue name> on <servername>.",
            "Queue file <XXXXXXXX>.SPQ is damaged (code 0x80041234).",
            "Contoso Spooler The spooler stopped because the queue store for <1> could not be read. ID no: c1049999",
        ],
        "-or- splits; the dialog stays one message; placeholders become <…> spans"
    );
    assert_eq!(
        article.codes,
        [
            "0x80041234",
            "c1049999",
            "80041235",
            "0x0000007F",
            "-1811",
            "JET_errFileNotFound",
            "MAPI_E_NOT_FOUND",
            "4294966281"
        ]
    );
    assert_eq!(article.title, "Spooler Doesn't Start After a Queue Is Renamed", "0x92 in the title");
    assert_eq!(article.versions, ["2.1"]);
    assert!(article.symptoms.contains("Contoso Print Server computer"), "0xA0 is a plain space");
    assert!(article.symptoms.contains("4294966281 \u{b7} and"), "0xB7 is Windows-1252");
    assert_eq!(article.cause.lines().count(), 1, "hard wraps undone");
    assert_eq!(article.status, "Contoso has confirmed this to be a problem in Contoso Print Server 2.1.");
}

#[test]
fn numbered_steps_keep_their_commands() {
    let article = parse_markdown("Q900002.md").expect("parses");
    let commands: Vec<Option<&str>> = article.resolution.iter().map(|s| s.command.as_deref()).collect();
    assert_eq!(
        commands,
        [
            None,
            Some("net stop contosospool"),
            Some(r"ren c:\contoso\queues\store.spq store.old"),
            Some("net start contosospool")
        ]
    );
    assert_eq!(article.resolution[0].text, "To resolve this problem, rebuild the queue store:");
    assert!(article.resolution[1].text.starts_with("Stop the spooler service."), "the number is dropped");
    assert!(
        article.resolution[1].text.ends_with("\n\nnet stop contosospool"),
        "the indented command is part of its step"
    );
}

#[test]
fn event_record_and_workaround() {
    let article = parse_text("Q900003").expect("parses");
    assert_eq!(
        article.messages,
        [Message {
            text: "Event ID: 4107 Source: ContosoSpool Type: Error Category: Queue Store Description: The queue store \
                   on <servername> reached its size limit. The spooler stopped accepting jobs."
                .into(),
            event: Some(EventRecord {
                event_id: Some("4107".into()),
                source: Some("ContosoSpool".into()),
                category: Some("Queue Store".into()),
                description: Some(
                    "The queue store on <servername> reached its size limit. The spooler stopped accepting jobs."
                        .into()
                ),
            }),
        }]
    );
    assert_eq!(article.versions, ["2.0", "2.1"], "WINDOWS:2.0; winnt:2.1");
    assert_eq!(article.area, None);
    let commands: Vec<Option<&str>> = article.resolution.iter().map(|s| s.command.as_deref()).collect();
    assert_eq!(commands, [Some(r"eseutil /d c:\contoso\queues\store.edb"), None], "WORKAROUND steps");
}

#[test]
fn both_forms_give_equal_articles() {
    for (text, markdown) in [
        ("Q900001", "Q900001.md"),
        ("Q900002", "Q900002.md"),
        ("Q900003", "kb/900/Q900003/README.md"),
        ("Q900008", "Q900008.md"),
    ] {
        let from_text = parse_text(text);
        assert!(matches!(from_text, Ok(_) | Err(Skip::NoSymptoms)), "{text}: {from_text:?}");
        assert_eq!(from_text, parse_markdown(markdown), "{text}");
    }
}

#[test]
fn an_article_without_symptoms_is_skipped() {
    assert_eq!(parse_text("Q900008"), Err(Skip::NoSymptoms));
}

#[test]
fn broken_articles_give_their_skip() {
    let cases = [
        ("Q900004.TXT", Form::Text, Skip::Truncated),
        ("Q900005.TXT", Form::Text, Skip::Empty),
        ("Q900006.TXT", Form::Text, Skip::Binary),
        ("Q900007.md", Form::Markdown, Skip::NotUtf8),
    ];
    for (name, form, skip) in cases {
        assert_eq!(parse(form, &read(&format!("broken/{name}"))), Err(skip), "{name}");
    }
    assert_eq!(parse(Form::Markdown, b""), Err(Skip::Empty));
    assert_eq!(parse(Form::Markdown, b"---\ntitle: \"Q1: T\"\n---\n"), Err(Skip::Truncated), "no body");
    assert_eq!(
        parse(Form::Text, b"TITLE   :No document line\n\nSYMPTOMS\n========\n"),
        Err(Skip::Truncated),
        "no id"
    );
}

#[test]
fn cut_off_and_mangled_articles_never_panic() {
    for rel in ["txt/Q900001.TXT", "txt/Q900002.TXT", "md/Q900002.md", "md/kb/900/Q900003/README.md"] {
        let bytes = read(rel);
        for form in [Form::Text, Form::Markdown] {
            for end in (0..=bytes.len()).step_by(3) {
                let _ = parse(form, &bytes[..end]);
            }
            // Every byte value in place of one byte, a multi-byte UTF-8 character cut in half, stray markers.
            let mut mangled = bytes.clone();
            for (i, byte) in mangled.iter_mut().enumerate().step_by(7) {
                *byte = u8::try_from(i % 256).unwrap_or(0);
            }
            let _ = parse(form, &mangled);
            let _ = parse(form, "\tSYMPTOMS\n\t========\n\t  é<A\u{e9}<FF>&#x;&#99999999;\n".as_bytes());
        }
    }
}

fn names(items: &[SourceArticle]) -> Vec<String> {
    let root = fixtures().display().to_string();
    items.iter().map(|a| a.name.replace(&root, "")).collect()
}

#[test]
fn folders_are_walked_for_article_files_only() {
    let items: Vec<SourceArticle> =
        read_sources(&[fixtures().join("md"), fixtures().join("txt/Q900001.TXT")])
            .collect::<Result<_, _>>()
            .unwrap();
    assert_eq!(
        names(&items),
        [
            "/md/Q900001.md",
            "/md/Q900002.md",
            "/md/Q900008.md",
            "/md/kb/900/Q900003/README.md",
            "/txt/Q900001.TXT"
        ],
        "name order, recursive, notes.txt passed over"
    );
    assert!(items[..4].iter().all(|a| a.form == Form::Markdown));
    assert_eq!(items[4].form, Form::Text);
    assert_eq!(items[4].bytes, read("txt/Q900001.TXT"));
}

#[test]
fn a_file_named_directly_is_taken_whatever_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exported article");
    std::fs::write(&path, read("md/Q900001.md")).unwrap();
    let items: Vec<SourceArticle> = read_sources(&[path]).collect::<Result<_, _>>().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].form, Form::Markdown, "by content: the first line is ---");
    assert_eq!(parse(items[0].form, &items[0].bytes), parse_markdown("Q900001.md"));
}

/// A `.tar.gz` with both forms of the fixtures in the archive's layout, plus entries that are not articles.
fn build_archive(path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::fast()));
    let mut add = |name: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, bytes).unwrap();
    };
    add("kb/900/Q900001/README.md", &read("md/Q900001.md"));
    add("kb/900/Q900002/README.md", &read("md/Q900002.md"));
    add("kb/900/notes/README.md", b"not in a Q folder");
    add("txt/900/Q900001.TXT", &read("txt/Q900001.TXT"));
    add("txt/900/q900002.txt", &read("txt/Q900002.TXT"));
    add("txt/900/index.html", b"<html></html>");
    let mut dir = tar::Header::new_gnu();
    dir.set_entry_type(tar::EntryType::Directory);
    dir.set_size(0);
    dir.set_mode(0o755);
    dir.set_cksum();
    tar.append_data(&mut dir, "kb/900/Q900003/", std::io::empty()).unwrap();
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_size(0);
    link.set_mode(0o777);
    tar.append_link(&mut link, "kb/900/Q900009/README.md", "../nowhere/README.md").unwrap();
    tar.into_inner().unwrap().finish().unwrap();
}

#[test]
fn tar_gz_archives_stream_through_read_sources() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("articles.tar.gz");
    build_archive(&archive);
    let items: Vec<SourceArticle> =
        read_sources(std::slice::from_ref(&archive)).collect::<Result<_, _>>().unwrap();
    let prefix = format!("{}:", archive.display());
    let names: Vec<&str> = items.iter().map(|a| a.name.strip_prefix(&prefix).unwrap()).collect();
    assert_eq!(
        names,
        [
            "kb/900/Q900001/README.md",
            "kb/900/Q900002/README.md",
            "txt/900/Q900001.TXT",
            "txt/900/q900002.txt"
        ],
        "articles only, in archive order"
    );
    let forms: Vec<Form> = items.iter().map(|a| a.form).collect();
    assert_eq!(forms, [Form::Markdown, Form::Markdown, Form::Text, Form::Text]);
    let parsed: Vec<Article> = items.iter().map(|a| parse(a.form, &a.bytes).unwrap()).collect();
    assert_eq!(parsed[0], parsed[2]);
    assert_eq!(parsed[1], parsed[3]);
    assert_eq!(Ok(parsed[0].clone()), parse_text("Q900001"));
}

#[test]
fn reading_can_stop_part_way_through_an_archive() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("articles.tgz");
    build_archive(&archive);
    let mut sources = read_sources(&[archive]);
    assert!(sources.next().is_some_and(|first| first.is_ok()));
    drop(sources);
}

#[test]
fn source_errors_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder");
    let corrupt = dir.path().join("corrupt.tar.gz");
    std::fs::write(&corrupt, b"\x1f\x8b\x08\x00 this is not gzip data at all").unwrap();
    let truncated = dir.path().join("truncated.tar.gz");
    build_archive(&truncated);
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();

    let results: Vec<Result<SourceArticle, SourceError>> =
        read_sources(&[missing.clone(), corrupt.clone(), truncated.clone()]).collect();
    let errors: Vec<&SourceError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(matches!(errors[0], SourceError::Missing { path } if *path == missing), "{errors:?}");
    assert!(errors[0].to_string().contains("no-such-folder"));
    assert!(matches!(errors[1], SourceError::Archive { path, .. } if *path == corrupt), "{errors:?}");
    assert!(errors[1].to_string().contains("corrupt.tar.gz"));
    let last = results.last().unwrap().as_ref().unwrap_err();
    assert!(matches!(last, SourceError::Archive { path, .. } if *path == truncated), "{last:?}");
}

#[cfg(unix)]
#[test]
fn broken_symlinks_in_folders_are_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Q900001.TXT"), read("txt/Q900001.TXT")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone.TXT"), dir.path().join("Q900002.TXT")).unwrap();
    std::fs::create_dir(dir.path().join("Q900003.md")).unwrap();
    let results: Vec<Result<SourceArticle, SourceError>> =
        read_sources(&[dir.path().to_path_buf()]).collect();
    assert_eq!(results.len(), 1, "{results:?}");
    assert!(results[0].as_ref().is_ok_and(|a| a.name.ends_with("Q900001.TXT")));
}
