//! `kbx diagnose --batch`, `kbx rules eval`, and the compiled cache of `--rules` folders.

mod common;

use common::{json, kb_record, kbx, pack, run};

const OWA: &str = "Internal error: failed to create MAPI.Session.";

#[test]
fn batch_answers_every_line_in_order_and_names_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("pastes.jsonl");
    std::fs::write(
        &input,
        format!(
            "{{\"id\": \"a\", \"text\": \"{OWA}\"}}\nnot json\n\n{{\"id\": 7, \"text\": \"MAPILogon returned MAPI_E_TOO_MANY_SESSIONS\"}}\n{{\"id\": \"c\", \"text\": \"printer out of paper\"}}\n"
        ),
    )
    .unwrap();
    let (code, out, err) = run(kbx().args(["diagnose", "--batch"]).arg(&input));
    assert_eq!(code, 2, "a bad line makes the exit 2");
    assert_eq!(
        err,
        format!(
            "{}:2: skipped: not a {{\"id\", \"text\"}} line: expected ident at line 1 column 2\n",
            input.display()
        )
    );
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["matches"][0]["kb"], "Q293218");
    assert_eq!(lines[0]["matches"][0]["resolution"][1]["action"]["kind"], "regsvr32");
    assert_eq!(lines[1]["id"], 7);
    assert_eq!(lines[1]["matches"][0]["kb"], "Q121131");
    assert_eq!(lines[2]["matches"], serde_json::json!([]));
}

#[test]
fn batch_lines_with_a_bom_or_bytes_that_are_not_utf8_are_still_answered() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("pastes.jsonl");
    let mut bytes = b"\xEF\xBB\xBF{\"id\": 1, \"text\": \"MAPI_E_TOO_MANY_SESSIONS\"}\r\n".to_vec();
    bytes.extend_from_slice(
        b"{\"id\": 2, \"text\": \"\xFF\xFE Internal error: failed to create MAPI.Session.\"}\n",
    );
    std::fs::write(&input, bytes).unwrap();
    let (code, out, err) = run(kbx().args(["diagnose", "--batch"]).arg(&input));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["matches"][0]["kb"], "Q121131");
    assert_eq!(lines[1]["matches"][0]["kb"], "Q293218");
}

#[test]
fn eval_reports_hits_per_kind_and_lists_misses() {
    let dir = tempfile::tempdir().unwrap();
    let queries = dir.path().join("q.jsonl");
    std::fs::write(
        &queries,
        format!(
            "{{\"id\": \"1\", \"kind\": \"exact\", \"text\": \"{OWA}\", \"accept\": [\"Q293218\"]}}\n\
             {{\"id\": \"2\", \"kind\": \"logline\", \"text\": \"10:00 MAPI_E_TOO_MANY_SESSIONS\", \"accept\": [\"Q121131\"]}}\n\
             {{\"id\": \"3\", \"kind\": \"logline\", \"text\": \"{OWA}\", \"accept\": [\"Q121131\"]}}\n"
        ),
    )
    .unwrap();
    let (code, out, _) = run(kbx().args(["rules", "eval", "--format", "json", "--misses"]).arg(&queries));
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["overall"]["queries"], 3);
    assert_eq!(v["by_kind"]["exact"]["hit_at_1"], 1.0);
    assert_eq!(v["by_kind"]["logline"]["hit_at_1"], 0.5);
    assert_eq!(v["misses"][0]["id"], "3");
    assert_eq!(v["misses"][0]["first"][0], "Q293218");
    let (_, table, _) = run(kbx().args(["rules", "eval", "--misses"]).arg(&queries));
    assert!(table.contains("| overall   3         0.667   0.667   0.667 |"), "{table}");
    assert!(
        table.contains("  3 [logline]: expected Q121131; first was Q293218 (owa-cdo-not-registered, "),
        "{table}"
    );
}

#[test]
fn eval_names_a_bad_query_line() {
    let dir = tempfile::tempdir().unwrap();
    let queries = dir.path().join("q.jsonl");
    std::fs::write(&queries, "{\"id\": \"1\"}\n").unwrap();
    let (code, _, err) = run(kbx().args(["rules", "eval"]).arg(&queries));
    assert_eq!(code, 2);
    assert!(err.starts_with(&format!("error: {}:1: not a query line", queries.display())), "{err}");
}

fn disk_rule(phrase: &str) -> String {
    format!(
        "id: disk-full\ntitle: The disk is full\nkb: Q9\nseverity: high\nstatus: stable\nsymptoms:\n  - text: '{phrase}'\n"
    )
}

/// The first match's KB id, if it rests on the rule's symptoms (not only on lexical similarity).
fn first_kb(dir: &std::path::Path, text: &str) -> Option<String> {
    let (_, out, err) =
        run(kbx().args(["diagnose", "--format", "json", "--no-builtin", "--rules"]).arg(dir).arg(text));
    assert!(!err.starts_with("error"), "{err}");
    let first = &json(&out)["matches"][0];
    if first["basis"] == "lexical" {
        return None;
    }
    first["kb"].as_str().map(str::to_string)
}

#[test]
fn the_cache_is_used_and_a_changed_file_invalidates_it() {
    let dir = pack(&[
        ("rules/disk-full.yaml", &disk_rule("The store disk is full")),
        ("kb/Q9.md", &kb_record("Q9")),
    ]);
    assert_eq!(first_kb(dir.path(), "error: the store disk is full").as_deref(), Some("Q9"));
    let cache: Vec<_> = std::fs::read_dir(dir.path().join(".kbx-cache")).unwrap().flatten().collect();
    assert_eq!(cache.len(), 1, "one compiled cache file");
    // Served from the cache: same answer, with the rule read back from its file for the report.
    let (_, out, _) = run(kbx()
        .args(["diagnose", "--format", "json", "--no-builtin", "--rules"])
        .arg(dir.path())
        .arg("the store disk is full"));
    assert_eq!(json(&out)["matches"][0]["title"], "The disk is full");
    // Change the phrase (same file size is not enough to hide the change: mtime moves too).
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(dir.path().join("rules/disk-full.yaml"), disk_rule("The log volume is out of space"))
        .unwrap();
    assert_eq!(first_kb(dir.path(), "error: the store disk is full"), None);
    assert_eq!(first_kb(dir.path(), "the log volume is out of space").as_deref(), Some("Q9"));
}

#[test]
fn one_cache_serves_the_folder_however_it_is_spelt() {
    let dir = pack(&[
        ("rules/disk-full.yaml", &disk_rule("The store disk is full")),
        ("kb/Q9.md", &kb_record("Q9")),
    ]);
    let (parent, name) = (dir.path().parent().unwrap(), dir.path().file_name().unwrap());
    let cache_file = || {
        let entries: Vec<_> = std::fs::read_dir(dir.path().join(".kbx-cache")).unwrap().flatten().collect();
        assert_eq!(entries.len(), 1, "one compiled cache file");
        (entries[0].file_name(), entries[0].metadata().unwrap().modified().unwrap())
    };
    // Compiled with a relative spelling, from the folder above the pack.
    let relative = |command: &str, tail: &str| -> (i32, String, String) {
        run(kbx()
            .current_dir(parent)
            .args([command, "--format", "json", "--no-builtin", "--rules"])
            .arg(name)
            .arg(tail))
    };
    let (code, out, err) = relative("diagnose", "the store disk is full");
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["matches"][0]["kb"], "Q9");
    let compiled = cache_file();
    // Read back with other spellings, from elsewhere: the same cache file, not written again, and the
    // rule file found from here (diagnose and show read it back for the report).
    let spellings = [dir.path().to_path_buf(), dir.path().join("."), dir.path().join("rules").join("..")];
    for spelt in spellings {
        let (code, out, err) = run(kbx()
            .current_dir("/")
            .args(["diagnose", "--format", "json", "--no-builtin", "--rules"])
            .arg(&spelt)
            .arg("the store disk is full"));
        assert_eq!(code, 0, "{}: {err}", spelt.display());
        assert_eq!(json(&out)["matches"][0]["title"], "The disk is full", "{}", spelt.display());
        let (code, out, err) =
            run(kbx().current_dir("/").args(["show", "disk-full", "--no-builtin", "--rules"]).arg(&spelt));
        assert_eq!(code, 0, "{}: {err}", spelt.display());
        assert!(out.contains("The disk is full"), "{out}");
        assert_eq!(cache_file(), compiled, "{} recompiled", spelt.display());
    }
    let (code, _, err) = relative("show", "disk-full");
    assert_eq!(code, 0, "{err}");
    assert_eq!(cache_file(), compiled);
}

#[test]
fn a_broken_file_after_caching_is_reported() {
    let dir = pack(&[
        ("rules/disk-full.yaml", &disk_rule("The store disk is full")),
        ("kb/Q9.md", &kb_record("Q9")),
    ]);
    assert_eq!(first_kb(dir.path(), "the store disk is full").as_deref(), Some("Q9"));
    std::fs::write(dir.path().join("rules/disk-full.yaml"), "id: disk-full\ntitel: x\n").unwrap();
    let (code, _, err) = run(kbx().args(["diagnose", "--no-builtin", "--rules"]).arg(dir.path()).arg("x"));
    assert_eq!(code, 2);
    assert!(err.contains("rules/disk-full.yaml:2:1: unknown field `titel`"), "{err}");
}

#[test]
fn an_added_file_is_seen() {
    let dir = pack(&[
        ("rules/disk-full.yaml", &disk_rule("The store disk is full")),
        ("kb/Q9.md", &kb_record("Q9")),
    ]);
    assert_eq!(first_kb(dir.path(), "printer jammed"), None);
    std::fs::write(
        dir.path().join("rules/printer.yaml"),
        "id: printer\ntitle: Printer jam\nkb: Q9\nseverity: low\nstatus: stable\nsymptoms:\n  - text: 'printer jammed'\n",
    )
    .unwrap();
    assert_eq!(first_kb(dir.path(), "printer jammed").as_deref(), Some("Q9"));
}
