//! `kbx diagnose` end to end through the real binary: both seed articles in the ways people paste them,
//! every output format, every input route, and the exit codes.

mod common;

use common::{json, kb_record, kbx, pack, run};

const OWA: &str = "Internal error: failed to create MAPI.Session.";

fn first_kb(args: &[&str], stdin: Option<&[u8]>) -> String {
    let mut cmd = kbx();
    cmd.arg("diagnose").arg("--format").arg("json").args(args);
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes.to_vec());
    }
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 0, "stderr: {err}");
    json(&out)["matches"][0]["kb"].as_str().expect("a first match").to_string()
}

#[test]
fn owa_message_as_quoted_prints_the_article_cause_and_regsvr32_step() {
    let (code, out, err) = run(kbx().args(["diagnose", OWA]));
    assert_eq!(code, 0, "{err}");
    let first_row = out.lines().find(|l| l.contains("| 1 ")).expect("a first row");
    assert!(first_row.contains("Q293218"), "{out}");
    assert!(
        out.contains("Cause\n  The Collaboration Data Objects library (Cdo.dll) is not registered"),
        "{out}"
    );
    assert!(out.contains("  2. Register the Collaboration Data Objects library again.\n       regsvr32 %SystemRoot%\\system32\\cdo.dll   [safe]"), "{out}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn owa_message_rewrapped_in_another_case_or_inside_a_log_line_still_ranks_first() {
    let pastes: [&[u8]; 4] = [
        b"Internal error: failed to\r\n   create MAPI.Session.\r\n",
        b"INTERNAL ERROR: FAILED TO CREATE MAPI.SESSION.",
        b"2026-11-14 12:39:25,793 ERROR [w3wp:2094] Internal error: failed to create MAPI.Session. [corr=7f3a9c1e]",
        "\u{201C}Internal error: failed to create MAPI.Session\u{201D}".as_bytes(),
    ];
    for paste in pastes {
        assert_eq!(first_kb(&[], Some(paste)), "Q293218", "{}", String::from_utf8_lossy(paste));
    }
}

#[test]
fn too_many_sessions_ranks_q121131_first_in_json() {
    assert_eq!(first_kb(&["MAPILogon returned MAPI_E_TOO_MANY_SESSIONS"], None), "Q121131");
    assert_eq!(first_kb(&["mapilogon", "returned", "mapi_e_too_many_sessions"], None), "Q121131");
    assert_eq!(
        first_kb(&[], Some(b"1999-10-29 10:02:11 mailer.exe[88]: MAPILogon(MAPI_NEW_SESSION)\n  -> MAPI_E_TOO_MANY_SESSIONS\n")),
        "Q121131"
    );
}

#[test]
fn json_output_has_every_documented_field() {
    let (code, out, _) = run(kbx().args(["diagnose", "--format", "json", OWA]));
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["schema_version"], 1);
    let m = &v["matches"][0];
    assert_eq!(m["rule"], "owa-cdo-not-registered");
    assert_eq!(m["kb"], "Q293218");
    assert_eq!(m["confidence"], "high");
    assert_eq!(m["severity"], "high");
    assert_eq!(m["status"], "stable");
    let score = m["score"].as_f64().expect("score is a number");
    assert!(score > 0.9 && score <= 1.0, "{score}");
    assert_eq!(m["products"][0], "Microsoft Exchange Server");
    let e = &m["evidence"][0];
    assert_eq!(e["kind"], "text");
    assert_eq!(e["symptom"], format!("text \"{OWA}\""));
    assert_eq!(e["matched"], "Internal error: failed to create MAPI.Session");
    assert_eq!((e["start"].as_u64(), e["end"].as_u64()), (Some(0), Some(45)));
    assert!(m["causes"][0].as_str().expect("a cause").contains("Cdo.dll"));
    let step = &m["resolution"][1];
    assert_eq!(step["action"]["kind"], "regsvr32");
    assert_eq!(step["action"]["command"], "regsvr32 %SystemRoot%\\system32\\cdo.dll");
    assert_eq!(step["safety"], "safe");
    assert!(m["resolution"][0]["action"].is_null());
}

#[test]
fn markdown_output_lists_matches_and_commands() {
    let (code, out, _) = run(kbx().args(["diagnose", "--format", "markdown", OWA]));
    assert_eq!(code, 0);
    assert!(
        out.starts_with("| # | Score | Confidence | KB | Title |\n| --- | --- | --- | --- | --- |\n| 1 | "),
        "{out}"
    );
    assert!(out.lines().nth(2).unwrap().contains(" | high | Q293218 | OWA logon fails with "), "{out}");
    assert!(
        out.contains("   ```bat\n   regsvr32 %SystemRoot%\\system32\\cdo.dll\n   ```\n   Safety: safe."),
        "{out}"
    );
}

#[test]
fn table_output_is_stable() {
    let (code, out, _) = run(kbx().args(["diagnose", "MAPILogon returned MAPI_E_TOO_MANY_SESSIONS"]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn nothing_matched_exits_1_with_a_hint() {
    let (code, out, err) = run(kbx().args(["diagnose", "the printer is out of paper"]));
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "kbx: no known article matches this text; try a shorter fragment of the message, or add --rules DIR\n"
    );
    let (code, out, _) = run(kbx().args(["diagnose", "--format", "json", "the printer is out of paper"]));
    assert_eq!(code, 1);
    assert_eq!(json(&out), serde_json::json!({"schema_version": 1, "matches": []}));
}

#[test]
fn empty_input_is_refused_with_exit_1() {
    for stdin in ["", "  \r\n\t "] {
        let (code, out, err) = run(kbx().arg("diagnose").write_stdin(stdin));
        assert_eq!((code, out.as_str()), (1, ""));
        assert_eq!(
            err,
            "kbx: no text to diagnose: give the error message as an argument, with --file PATH, or on standard input\n"
        );
    }
}

#[test]
fn a_dash_reads_standard_input() {
    let (code, out, _) = run(kbx().args(["diagnose", "--format", "json", "-"]).write_stdin(OWA));
    assert_eq!(code, 0);
    assert_eq!(json(&out)["matches"][0]["kb"], "Q293218");
}

#[test]
fn utf16_files_with_a_bom_or_without_one_are_decoded() {
    let dir = tempfile::tempdir().unwrap();
    for (name, le, bom) in [
        ("le.txt", true, true),
        ("be.txt", false, true),
        ("le-nobom.txt", true, false),
        ("be-nobom.txt", false, false),
    ] {
        let mut bytes = match (bom, le) {
            (false, _) => vec![],
            (true, true) => vec![0xFF, 0xFE],
            (true, false) => vec![0xFE, 0xFF],
        };
        for u in format!("12:00 w3wp {OWA}\r\n").encode_utf16() {
            bytes.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(first_kb(&["--file", path.to_str().unwrap()], None), "Q293218", "{name}");
        assert_eq!(first_kb(&[], Some(&bytes)), "Q293218", "{name} on standard input");
    }
}

#[test]
fn invalid_utf8_is_replaced_not_fatal() {
    let mut bytes = b"\xff\xfe\xfd garbage \xc3 ".to_vec();
    bytes.extend_from_slice(OWA.as_bytes());
    bytes.extend_from_slice(b" \x80");
    // Starts with FF FE: read as UTF-16; the message must still not crash kbx.
    let (code, _, err) = run(kbx().arg("diagnose").write_stdin(bytes[2..].to_vec()));
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = run(kbx().arg("diagnose").write_stdin(bytes));
    assert!(code == 0 || code == 1, "UTF-16 misread must not be an error: {code}");
}

#[test]
fn unreadable_file_is_an_error_naming_it() {
    let (code, out, err) = run(kbx().args(["diagnose", "--file", "no/such/file.log"]));
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.starts_with("error: cannot read no/such/file.log: "), "{err}");
}

#[test]
fn usage_mistakes_exit_2() {
    for args in [
        &["diagnose", "--min-score", "2", "x"][..],
        &["diagnose", "--top", "0", "x"],
        &["diagnose", "--format", "xml", "x"],
        &["frobnicate"],
    ] {
        let (code, _, err) = run(kbx().args(args));
        assert_eq!(code, 2, "{args:?}: {err}");
    }
    let (code, _, err) = run(kbx().args(["diagnose", "--no-builtin", "x"]));
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: no rules are loaded: drop --no-builtin, or give --rules DIR with rule files in it\n"
    );
}

const DISK_RULE: &str = "id: disk-full\ntitle: The store disk is full\nkb: Q9\nseverity: high\nstatus: stable\nsymptoms:\n  - text: 'JET_errDiskFull'\n  - code: '-1808'\n";

#[test]
fn extra_rule_folders_load_beside_or_instead_of_the_builtin_rules() {
    let dir = pack(&[("rules/store/disk-full.yaml", DISK_RULE), ("kb/Q9.md", &kb_record("Q9"))]);
    let rules = dir.path().to_str().unwrap();
    assert_eq!(first_kb(&["--rules", rules, "-1808 JET_errDiskFull"], None), "Q9");
    assert_eq!(first_kb(&["--rules", rules, OWA], None), "Q293218");
    let (code, _, _) = run(kbx().args(["diagnose", "--no-builtin", "--rules", rules, OWA]));
    assert_eq!(code, 1, "the built-in rules were left out");
    // A rules folder whose kb/ is its sibling.
    let (code, out, _) = run(kbx()
        .args(["diagnose", "--format", "json", "--rules"])
        .arg(dir.path().join("rules"))
        .arg("error 4294965488"));
    assert_eq!(code, 0);
    assert_eq!(json(&out)["matches"][0]["evidence"][0]["symptom"], "code -1808");
}

#[test]
fn top_limits_the_number_of_matches() {
    let both = "MAPI_E_TOO_MANY_SESSIONS after Internal error: failed to create MAPI.Session.";
    let (_, out, _) = run(kbx().args(["diagnose", "--format", "json", both]));
    assert_eq!(json(&out)["matches"].as_array().unwrap().len(), 2);
    let (_, out, _) = run(kbx().args(["diagnose", "--format", "json", "--top", "1", both]));
    let v = json(&out);
    assert_eq!(v["matches"].as_array().unwrap().len(), 1);
    assert_eq!(v["matches"][0]["kb"], "Q293218");
}
