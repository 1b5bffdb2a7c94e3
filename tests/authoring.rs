//! The knowledge author's commands end to end: `rules lint` on one broken fixture per check and on the
//! real rule base, waivers, `rules test` outcomes, `explain`, `rules schema` against every rule, and
//! `rules new`.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{kbx, run};
use kbx::lint::catalogue::{self, Level};
use kbx::rule::Check;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(check: Check) -> PathBuf {
    root().join("tests/fixtures/lint").join(check.id())
}

/// What each check's fixture must make lint say.
fn expected_message(check: Check) -> &'static str {
    match check {
        Check::Unreadable => "the file is not valid UTF-8",
        Check::Schema => "unknown field `symtoms`, expected one of",
        Check::InvalidId => "`-widget-queue-stalled` is not a valid rule id",
        Check::IdFileName => "rule id `widget-queue` does not match the file name `widget-queue-stalled`",
        Check::DuplicateId => "duplicate rule id `widget-queue-stalled`",
        Check::DuplicateTitle => "has the same title as",
        Check::MissingKbRecord => "kb article `Q900009` has no record",
        Check::DuplicateKbRecord => "duplicate kb record `Q900001`",
        Check::UnusedKbRecord => "no rule points to kb record `Q900002`",
        Check::EmptyTitle => "the title is empty",
        Check::NoSymptoms => "the rule has no symptoms, so it can never match",
        Check::NeverMatches => "can never match: after normalisation it holds no letters or digits",
        Check::MatchesEverything => "regex `(queue)?` matches the empty string",
        Check::InvalidRegex => "invalid regex `(unclosed`: unclosed group",
        Check::InvalidCode => "write the code 80040111 in quotes",
        Check::LiteralRegex => "regex `queue has stopped` is only the literal \"queue has stopped\"",
        Check::GenericOnly => "every symptom is generic (code 0x80004005, text \"Access is denied.\")",
        Check::UnknownAction => "unknown field `shell`, expected one of `regsvr32`",
        Check::UnsafeAction => "`widget.dll & echo INJECTED` contains '&'",
        Check::MissingSafety => "the `registry_set` action needs a `safety` level",
        Check::EmptyStep => "a resolution step needs `text`",
        Check::NoExamples => "the rule has no `match` examples",
        Check::NoCounterExamples => "the rule has no `no_match` examples",
        Check::NoResolution => "the rule has no resolution steps",
        Check::UnusedWaiver => {
            "the waiver of `no-examples` for rule `widget-queue-stalled` waives nothing: `no-examples` finds nothing"
        }
    }
}

#[test]
fn every_check_fails_its_own_fixture_and_nothing_else() {
    let cwd = tempfile::tempdir().unwrap();
    for check in Check::ALL {
        let dir = fixture(check);
        assert!(dir.is_dir(), "no fixture for check {check}: add tests/fixtures/lint/{check}/");
        let level = catalogue::entry(check).level;
        // The waiver fixture brings its own waiver file.
        let config: Vec<PathBuf> = match check {
            Check::UnusedWaiver => vec!["--config".into(), dir.join(".kbx-lint.yaml")],
            _ => vec![],
        };
        let (code, out, err) = run(kbx()
            .current_dir(cwd.path())
            .args(["rules", "lint", "--format", "json"])
            .args(&config)
            .arg(&dir));
        let report: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{check}: {e}\n{out}{err}"));
        let found: BTreeSet<&str> =
            report["diagnostics"].as_array().unwrap().iter().map(|d| d["check"].as_str().unwrap()).collect();
        assert_eq!(found, BTreeSet::from([check.id()]), "{check}: {out}");
        let d = &report["diagnostics"][0];
        assert_eq!(d["level"], level.as_str(), "{check}");
        assert!(d["message"].as_str().unwrap().contains(expected_message(check)), "{check}: {d}");
        assert!(!d["help"].as_str().unwrap().is_empty(), "{check} says how to fix it");
        assert_ne!(d["help"], kbx::rule::load::GENERIC_HELP, "{check} gets particular advice");
        if check != Check::UnusedKbRecord {
            assert!(d["line"].is_u64() && d["column"].is_u64(), "{check} has a position: {d}");
        }
        assert_eq!(code, if level == Level::Error { 1 } else { 0 }, "{check}: exit code");

        let (_, text, _) = run(kbx().current_dir(cwd.path()).args(["rules", "lint"]).args(&config).arg(&dir));
        let first = text.lines().next().unwrap_or("");
        assert!(first.contains(&format!(": {}[{check}]: ", level.as_str())), "{check}: {first}");
        if let (Some(line), Some(col)) = (d["line"].as_u64(), d["column"].as_u64()) {
            assert!(first.contains(&format!(":{line}:{col}: ")), "{check}: {first}");
        }
    }
}

#[test]
fn the_real_rule_base_lints_clean_and_its_examples_pass() {
    let (code, out, err) = run(kbx().current_dir(root()).args(["rules", "lint"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.ends_with(": 0 errors, 0 warnings, 0 hints\n"), "{out}");
    let rules: usize = out.split(' ').next().unwrap().parse().unwrap();
    assert!(rules >= 22, "22 or more curated rules: {out}");

    let (code, out, err) = run(kbx().current_dir(root()).args(["rules", "test"]));
    assert_eq!(code, 0, "{out}{err}");
    let last = out.lines().last().unwrap();
    assert!(last.starts_with(&format!("{rules} rules: ")) && last.ends_with(" passed, 0 failed"), "{last}");
}

#[test]
fn the_catalogue_in_the_docs_is_the_catalogue_in_the_code() {
    let doc = std::fs::read_to_string(root().join("docs/lint.md")).expect("docs/lint.md exists");
    for entry in catalogue::all() {
        let row = format!("| `{}` | {} |", entry.check, entry.level.as_str());
        assert!(doc.contains(&row), "docs/lint.md lacks the row starting {row}");
    }
    let (code, out, _) = run(kbx().args(["rules", "lint", "--checks"]));
    assert_eq!(code, 0);
    assert_eq!(out.lines().filter(|l| !l.starts_with(' ')).count(), Check::ALL.len());
}

#[test]
fn waivers_leave_out_warnings_and_refuse_errors() {
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join(".kbx-lint.yaml"), "waivers:\n  widget-queue-stalled: [generic-only]\n")
        .unwrap();
    let (code, out, _) =
        run(kbx().current_dir(cwd.path()).args(["rules", "lint"]).arg(fixture(Check::GenericOnly)));
    assert_eq!(code, 0);
    assert!(out.ends_with("0 errors, 0 warnings, 0 hints (1 waived)\n"), "{out}");

    let config = cwd.path().join("strict.yaml");
    std::fs::write(&config, "waivers:\n  widget-queue-stalled: [missing-safety]\n").unwrap();
    let (code, _, err) =
        run(kbx().args(["rules", "lint", "--config"]).arg(&config).arg(fixture(Check::MissingSafety)));
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!(
            "{}:2:26: `missing-safety` is an error and cannot be waived",
            config.display()
        )),
        "{err}"
    );
}

#[test]
fn rule_tests_name_each_failing_case_and_the_rule_that_won() {
    let dir = root().join("tests/fixtures/rules-test");
    let (code, out, _) = run(kbx().args(["rules", "test", "--no-builtin"]).arg(&dir));
    assert_eq!(code, 1, "{out}");
    let fails: Vec<&str> = out.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(fails.len(), 3, "{out}");
    assert!(
        fails[0].starts_with("FAIL widget-missing match \"Printer tray two is out of paper\": missing"),
        "{out}"
    );
    assert!(fails[1].starts_with("FAIL widget-noisy no_match ") && fails[1].contains(": noisy"), "{out}");
    assert!(
        fails[2].starts_with("FAIL widget-outranked match \"The widget queue has stopped accepting items\": outranked: widget-queue-stalled ranked first"),
        "{out}"
    );
    assert_eq!(out.lines().last(), Some("4 rules: 6 passed, 3 failed"));

    let (_, json, _) = run(kbx().args(["rules", "test", "--no-builtin", "--format", "json"]).arg(&dir));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let outcomes: BTreeSet<&str> =
        report["cases"].as_array().unwrap().iter().map(|c| c["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, BTreeSet::from(["missing", "noisy", "outranked", "validated"]));
}

#[test]
fn explain_shows_each_symptom_and_the_score_arithmetic() {
    let text = "10:12 W3SVC1 GET /exchange/logon.asp 500 Internal error: failed to create MAPI.Session.";
    let (code, out, err) = run(kbx().args(["explain", "owa-cdo-not-registered", text]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("[1] text \"Internal error: failed to create MAPI.Session.\""), "{out}");
    assert!(
        out.contains("    matched at bytes 41..86: \"Internal error: failed to create MAPI.Session\""),
        "{out}"
    );
    assert!(out.contains("not counted: a stronger symptom of this rule matched the same words"), "{out}");
    assert!(out.contains("\nevidence = 1 − (1 − "), "{out}");
    assert!(out.contains("\nrank: 1 (first)\n"), "{out}");

    let (code, out, _) =
        run(kbx().args(["explain", "Q293218", "Internal error: failed to open the message store"]));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("closest text at bytes 0..42: \"Internal error: failed to open the message\""),
        "{out}"
    );

    let (code, _, err) = run(kbx().args(["explain", "no-such-rule", "x"]));
    assert_eq!(code, 2);
    assert!(err.contains("no rule has the id or KB article `no-such-rule`"), "{err}");
}

fn validator() -> jsonschema::Validator {
    let (code, out, _) = run(kbx().args(["rules", "schema"]));
    assert_eq!(code, 0);
    let schema: serde_json::Value = serde_json::from_str(&out).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(yaml_files(&path));
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
    out
}

#[test]
fn every_rule_validates_against_the_schema_and_mistakes_do_not() {
    let validator = validator();
    let files = yaml_files(&root().join("rules"));
    assert!(files.len() >= 22);
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let value = kbx::rule::load::yaml_to_json(path, &text).unwrap();
        let errors: Vec<String> = validator.iter_errors(&value).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {}", path.display(), errors.join("; "));
    }
    for check in [Check::Schema, Check::UnknownAction, Check::NoSymptoms] {
        let path = fixture(check).join("rules/widget-queue-stalled.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let value = kbx::rule::load::yaml_to_json(&path, &text).unwrap();
        assert!(
            !validator.is_valid(&value) || check == Check::NoSymptoms,
            "{check} fixture should not validate"
        );
    }
    let two_matchers = serde_json::json!({
        "id": "r", "title": "t", "kb": "Q1", "severity": "low", "status": "draft",
        "symptoms": [{"text": "a b c", "code": "0x80040111"}]
    });
    assert!(!validator.is_valid(&two_matchers), "a symptom has exactly one matcher");
}

#[test]
fn rules_new_writes_a_template_that_lints_and_tests_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(kbx().current_dir(dir.path()).args(["rules", "new", "--kb", "Q123456"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        dir.path().join("rules/kb-q123456.yaml").is_file() && dir.path().join("kb/Q123456.md").is_file(),
        "{err}"
    );
    let (code, out, _) = run(kbx().current_dir(dir.path()).args(["rules", "lint"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("1 rule, 1 record: 0 errors"), "{out}");
    let (code, out, _) = run(kbx().current_dir(dir.path()).args(["rules", "test", "--no-builtin"]));
    assert_eq!((code, out.lines().last()), (0, Some("1 rule: 2 passed, 0 failed")), "{out}");

    let (code, _, err) = run(kbx().current_dir(dir.path()).args(["rules", "new", "--kb", "Q123456"]));
    assert_eq!(code, 2);
    assert!(err.contains("rules/kb-q123456.yaml already exists"), "{err}");

    let (code, _, err) = run(kbx().current_dir(dir.path()).args(["rules", "new", "--kb", "123456"]));
    assert_eq!(code, 2);
    assert!(err.contains("`123456` is not a KB article id"), "{err}");
}

#[test]
fn rules_new_from_an_article_prefills_a_draft_in_either_form() {
    for (form, file) in
        [("md", "tests/fixtures/import/md/Q900001.md"), ("txt", "tests/fixtures/import/txt/Q900001.TXT")]
    {
        let dir = tempfile::tempdir().unwrap();
        let (code, _, err) =
            run(kbx().current_dir(dir.path()).args(["rules", "new", "--from"]).arg(root().join(file)));
        assert_eq!(code, 0, "{form}: {err}");
        let rule = std::fs::read_to_string(dir.path().join("rules/kb-q900001.yaml")).unwrap();
        assert!(rule.contains("status: draft") && rule.contains("kb: Q900001"), "{form}: {rule}");
        let (code, out, _) = run(kbx().current_dir(dir.path()).args(["rules", "lint", "--format", "json"]));
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!((code, &report["summary"]["errors"]), (0, &serde_json::json!(0)), "{form}: {out}");
    }
}
