//! Every class of broken rule file gives exit 2 and its exact message: file, line, column, what is wrong
//! and what to do; and every problem in the set is reported at once.

mod common;

use common::{kb_record, kbx, pack, run};

const HEAD: &str = "id: r\ntitle: The disk is full\nkb: Q1\nseverity: low\nstatus: stable\n";

/// Loads a pack holding kb/Q1.md and `files`; returns stderr with the pack's path shown as `<pack>`.
fn problems(files: &[(&str, &str)]) -> String {
    let record = kb_record("Q1");
    let mut all = vec![("kb/Q1.md", record.as_str())];
    all.extend_from_slice(files);
    let dir = pack(&all);
    let (code, out, err) = run(kbx().args(["rules", "list", "--no-builtin", "--rules"]).arg(dir.path()));
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    err.replace(&dir.path().display().to_string(), "<pack>")
}

fn one(rule: &str) -> String {
    problems(&[("rules/r.yaml", rule)])
}

const ONE: &str = "error: 1 problem in the rule set; nothing was loaded. Fix the file above and run again.\n";

#[test]
fn misspelt_field() {
    let err = one(&format!("{HEAD}symtoms:\n  - text: disk is full\n"));
    assert_eq!(
        err,
        format!(
            "<pack>/rules/r.yaml:6:1: unknown field `symtoms`, expected one of `id`, `title`, `kb`, `products`, \
             `versions`, `severity`, `status`, `tags`, `references`, `keywords`, `symptoms`, `causes`, `resolution`, `examples`\n  \
             help: did you mean `symptoms`? (the fields are listed in docs/rule-format.md)\n{ONE}"
        )
    );
}

#[test]
fn bad_yaml() {
    let err = one("id: r\ntitle: 'unclosed\nkb: Q1\n");
    assert_eq!(
        err,
        format!(
            "<pack>/rules/r.yaml:4:1: found unexpected end of stream, while scanning a quoted scalar at line 2 column 8\n  help: fix the \
             YAML syntax here: check indentation, and quote values that contain `: ` or start with a quote\n{ONE}"
        )
    );
}

#[test]
fn wrong_type() {
    let err = one(&format!("{HEAD}symptoms: disk is full\n"));
    assert!(
        err.starts_with("<pack>/rules/r.yaml:6:11: symptoms: invalid type: string \"disk is full\", expected a sequence\n  help: check the field's type"),
        "{err}"
    );
}

#[test]
fn unknown_severity() {
    let err = one("id: r\ntitle: T\nkb: Q1\nseverity: urgent\nstatus: stable\nsymptoms:\n  - text: x\n");
    assert_eq!(
        err,
        format!(
            "<pack>/rules/r.yaml:4:11: severity: unknown variant `urgent`, expected one of `info`, `low`, `medium`, \
             `high`, `critical`\n  help: fix the spelling or remove it; use one of the values above\n{ONE}"
        )
    );
}

#[test]
fn bad_regex() {
    let err = one(&format!("{HEAD}symptoms:\n  - regex: 'disk (full'\n"));
    assert!(
        err.starts_with("<pack>/rules/r.yaml:7:5: symptoms[0]: invalid regex `disk (full`: unclosed group\n"),
        "{err}"
    );
}

#[test]
fn kb_id_without_a_record() {
    let err = one(&format!("{}symptoms:\n  - text: disk is full\n", HEAD.replace("Q1", "Q2")));
    assert_eq!(
        err,
        format!(
            "<pack>/rules/r.yaml:3:5: kb article `Q2` has no record\n  help: add kb/Q2.md beside the rules folder, or correct the article id\n{ONE}"
        )
    );
}

#[test]
fn id_not_equal_to_the_file_stem() {
    let err = problems(&[("rules/disk.yaml", &format!("{HEAD}symptoms:\n  - text: disk is full\n"))]);
    assert_eq!(
        err,
        format!(
            "<pack>/rules/disk.yaml:1:5: rule id `r` does not match the file name `disk`\n  help: rename the file to `r.yaml` or set `id: disk`\n{ONE}"
        )
    );
}

#[test]
fn duplicate_id_names_both_files() {
    let rule = format!("{HEAD}symptoms:\n  - text: disk is full\n");
    let err = problems(&[("rules/a/r.yaml", &rule), ("rules/b/r.yaml", &rule)]);
    assert_eq!(
        err,
        format!(
            "<pack>/rules/b/r.yaml:1:5: duplicate rule id `r`\n  help: it is already used by <pack>/rules/a/r.yaml; give one of them another id\n{ONE}"
        )
    );
}

#[test]
fn a_symptom_with_two_kinds() {
    let err = one(&format!("{HEAD}symptoms:\n  - text: disk is full\n    code: '0x1234'\n"));
    assert!(err.starts_with("<pack>/rules/r.yaml:7:3: symptoms: a symptom has exactly one of `text`, `regex` or `code`: split it into several symptoms\n"), "{err}");
}

#[test]
fn a_symptom_that_can_never_match() {
    let err = one(&format!("{HEAD}symptoms:\n  - text: '...'\n"));
    assert!(err.starts_with("<pack>/rules/r.yaml:7:5: symptoms[0]: text `...` can never match"), "{err}");
}

#[test]
fn an_unquoted_small_code_is_ambiguous() {
    let err = one(&format!("{HEAD}symptoms:\n  - code: 10\n"));
    assert!(err.starts_with("<pack>/rules/r.yaml:7:5: symptoms[0]: write the code 10 in quotes"), "{err}");
}

#[test]
fn weight_out_of_range() {
    let err = one(&format!("{HEAD}symptoms:\n  - text: disk is full\n    weight: 2\n"));
    assert!(err.contains("weight 2 is out of range: use a number above 0 and at most 1"), "{err}");
}

const STEP: &str = "symptoms:\n  - text: disk is full\nresolution:\n  - text: fix it\n    action:\n";

#[test]
fn an_action_outside_the_allowed_set() {
    let err = one(&format!("{HEAD}{STEP}      format_disk: 'C:'\n"));
    assert!(err.starts_with("<pack>/rules/r.yaml:11:7: resolution[0].action: unknown field `format_disk`, expected one of `regsvr32`,"), "{err}");
}

#[test]
fn shell_injection_in_an_action_is_refused_at_load() {
    let err = one(&format!("{HEAD}{STEP}      regsvr32: 'cdo.dll & echo INJECTED'\n    safety: safe\n"));
    assert!(
        err.starts_with("<pack>/rules/r.yaml:11:7: resolution[0].action: `cdo.dll & echo INJECTED` contains '&', a character a command shell interprets"),
        "{err}"
    );
}

#[test]
fn an_empty_string_in_multi_string_registry_data_is_refused() {
    for data in [r"a\0\0b", r"\0a", r"a\0"] {
        let set = format!(
            "      registry_set: {{key: 'HKLM\\SOFTWARE\\Widget', value: Hosts, type: REG_MULTI_SZ, data: '{data}'}}\n    safety: caution\n"
        );
        let err = one(&format!("{HEAD}{STEP}{set}"));
        assert!(
            err.starts_with(&format!(
                "<pack>/rules/r.yaml:11:7: resolution[0].action: REG_MULTI_SZ data `{data}` holds an empty string"
            )) && err.contains("Leave it out"),
            "{data}: {err}"
        );
    }
}

#[test]
fn an_action_without_a_safety_level() {
    let err = one(&format!("{HEAD}{STEP}      service_restart: W3SVC\n"));
    assert!(
        err.starts_with("<pack>/rules/r.yaml:9:3: resolution: the `service_restart` action needs a `safety` level: safe, caution or dangerous\n"),
        "{err}"
    );
}

#[test]
fn a_bad_kb_record() {
    let err = problems(&[
        ("kb/Q3.md", "---\nid: Q3\ntitle: T\nlast_modifed: 2020\nsource: s\n---\n"),
        ("rules/r.yaml", &format!("{HEAD}symptoms:\n  - text: disk is full\n")),
    ]);
    assert!(err.starts_with("<pack>/kb/Q3.md:4:1: unknown field `last_modifed`"), "{err}");
    assert!(err.contains("help: did you mean `last_modified`?"), "{err}");
}

#[test]
fn every_problem_in_the_set_is_reported() {
    let err = problems(&[
        ("rules/a.yaml", &format!("{}symptoms:\n  - text: disk is full\n", HEAD.replace("id: r", "id: a2"))),
        ("rules/b.yaml", "id: b\ntitel: x\n"),
        ("rules/r.yaml", &format!("{}symptoms:\n  - text: disk is full\n", HEAD.replace("Q1", "Q404"))),
    ]);
    let located: Vec<&str> = err.lines().filter(|l| l.starts_with("<pack>/")).collect();
    assert_eq!(located.len(), 3, "{err}");
    assert!(located[0].starts_with("<pack>/rules/b.yaml:2:1: unknown field `titel`"), "{err}");
    assert!(located[1].starts_with("<pack>/rules/a.yaml:1:5: rule id `a2` does not match"), "{err}");
    assert!(located[2].starts_with("<pack>/rules/r.yaml:3:5: kb article `Q404` has no record"), "{err}");
    assert!(
        err.ends_with(
            "error: 3 problems in the rule set; nothing was loaded. Fix the files above and run again.\n"
        ),
        "{err}"
    );
}

#[test]
fn a_missing_rules_folder() {
    let (code, _, err) = run(kbx().args(["diagnose", "--rules", "no/such/dir", "x"]));
    assert_eq!(code, 2);
    assert!(err.starts_with("no/such/dir: no such folder\n  help: give --rules a folder"), "{err}");
}

#[test]
fn a_rule_file_that_is_not_utf8() {
    let dir = pack(&[("kb/Q1.md", &kb_record("Q1"))]);
    std::fs::create_dir_all(dir.path().join("rules")).unwrap();
    std::fs::write(dir.path().join("rules/r.yaml"), b"id: r\ntitle: caf\xe9\n").unwrap();
    let (code, _, err) = run(kbx().args(["rules", "list", "--rules"]).arg(dir.path()));
    assert_eq!(code, 2);
    assert!(
        err.contains("rules/r.yaml:2:11: the file is not valid UTF-8\n  help: save the file as UTF-8"),
        "{err}"
    );
}

#[test]
fn two_records_of_one_article_in_one_folder() {
    let err = problems(&[
        ("kb/old/Q1.md", &kb_record("Q1")),
        ("rules/r.yaml", &format!("{HEAD}symptoms:\n  - text: disk is full\n")),
    ]);
    assert!(err.starts_with("<pack>/kb/old/Q1.md:2:1: duplicate kb record `Q1`\n  help: it is already defined in <pack>/kb/Q1.md"), "{err}");
}

#[test]
fn a_record_in_two_folders_is_taken_from_the_first() {
    let rule = format!("{HEAD}symptoms:\n  - text: disk is full\n");
    let a = pack(&[("kb/Q1.md", &kb_record("Q1")), ("rules/r.yaml", &rule)]);
    let b = pack(&[("kb/Q1.md", &kb_record("Q1"))]);
    let (code, _, err) = run(kbx()
        .args(["rules", "list", "--no-builtin", "--rules"])
        .arg(a.path())
        .arg("--rules")
        .arg(b.path()));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_regex_that_matches_nothing_is_refused() {
    let err = one(&format!("{HEAD}symptoms:\n  - regex: '(?i)(logon\\.asp)?'\n"));
    assert!(
        err.starts_with(
            "<pack>/rules/r.yaml:7:5: symptoms[0]: regex `(?i)(logon\\.asp)?` matches the empty string"
        ),
        "{err}"
    );
}

#[test]
fn an_unquoted_eight_digit_code_is_refused() {
    let err = one(&format!("{HEAD}symptoms:\n  - code: 80040111\n"));
    assert!(
        err.starts_with("<pack>/rules/r.yaml:7:5: symptoms[0]: write the code 80040111 in quotes"),
        "{err}"
    );
}

#[test]
fn a_rule_file_with_a_byte_order_mark_is_read() {
    let rule = format!("\u{feff}{HEAD}symptoms:\n  - text: disk is full\n");
    let dir = pack(&[("kb/Q1.md", &kb_record("Q1")), ("rules/r.yaml", &rule)]);
    let (code, _, err) = run(kbx().args(["rules", "list", "--no-builtin", "--rules"]).arg(dir.path()));
    assert_eq!(code, 0, "{err}");
}
