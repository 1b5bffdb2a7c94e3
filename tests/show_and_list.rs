//! `kbx show` and `kbx rules list` through the real binary.

mod common;

use common::{json, kbx, run};

#[test]
fn show_by_kb_id_prints_the_rule_and_its_record() {
    let (code, out, err) = run(kbx().args(["show", "Q293218"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("owa-cdo-not-registered: OWA logon fails with"), "{out}");
    assert!(out.contains("\n  kb:         Q293218\n"), "{out}");
    assert!(out.contains("       regsvr32 %SystemRoot%\\system32\\cdo.dll (regsvr32, safe)\n"), "{out}");
    assert!(
        out.contains("\nKB article Q293218: XWEB: \"Failed to Create MAPI.Session\" Error Message in OWA\n"),
        "{out}"
    );
    assert!(out.contains("  ## Cause\n"), "{out}");
}

#[test]
fn show_by_rule_id_in_json_has_the_record() {
    let (code, out, _) = run(kbx().args(["show", "mapi-new-session-too-many-sessions", "--format", "json"]));
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["kb"], "Q121131");
    assert_eq!(v["symptoms"][0]["kind"], "code");
    assert_eq!(v["symptoms"][0]["value"], "MAPI_E_TOO_MANY_SESSIONS");
    assert_eq!(v["record"]["last_modified"], "1999-10-29");
    assert_eq!(v["resolution"][0]["action"]["kind"], "manual");
    assert!(v["source"].as_str().unwrap().ends_with("(built in)"));
}

#[test]
fn show_an_unknown_id_suggests_the_nearest() {
    let (code, out, err) = run(kbx().args(["show", "Q293219"]));
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(err, "kbx: no rule has the id or KB article `Q293219`; did you mean `Q293218`?\n");
}

#[test]
fn rules_list_shows_every_rule() {
    let (code, out, _) = run(kbx().args(["rules", "list"]));
    assert_eq!(code, 0);
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| Rule")).collect();
    assert!(rows.iter().any(|r| r.contains("owa-cdo-not-registered") && r.contains("Q293218")), "{out}");
    let (_, out, _) = run(kbx().args(["rules", "list", "--format", "json"]));
    let v = json(&out);
    let rules = v["rules"].as_array().unwrap();
    let owa = rules.iter().find(|r| r["id"] == "owa-cdo-not-registered").expect("listed");
    assert_eq!(
        (owa["kb"].as_str(), owa["severity"].as_str(), owa["status"].as_str()),
        (Some("Q293218"), Some("high"), Some("stable"))
    );
    assert_eq!(owa["symptoms"], 3);
    let files = walk_yaml(&common::root().join("rules"));
    assert_eq!(rules.len(), files, "one listed rule per file in rules/");
}

fn walk_yaml(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(
            |p| {
                if p.is_dir() {
                    walk_yaml(&p)
                } else {
                    usize::from(p.extension().is_some_and(|e| e == "yaml"))
                }
            },
        )
        .sum()
}

#[test]
fn rules_list_of_a_folder_comes_from_its_cache_and_sees_a_changed_file() {
    let rule = |title: &str| {
        format!(
            "id: disk-full\ntitle: {title}\nkb: Q9\nseverity: high\nstatus: stable\nsymptoms:\n  - text: 'The store disk is full'\n  - code: '0x80070070'\n"
        )
    };
    let dir = common::pack(&[
        ("rules/disk-full.yaml", &rule("The disk is full")),
        ("kb/Q9.md", &common::kb_record("Q9")),
    ]);
    let list = || {
        let (code, out, err) =
            run(kbx().args(["rules", "list", "--format", "json", "--no-builtin", "--rules"]).arg(dir.path()));
        assert_eq!(code, 0, "{err}");
        json(&out)["rules"].as_array().unwrap().clone()
    };
    let first = list();
    assert!(dir.path().join(".kbx-cache").is_dir(), "the listing compiled and cached the folder");
    let again = list();
    assert_eq!(first, again, "served from the cache, the same list");
    assert_eq!(again.len(), 1);
    assert_eq!((again[0]["id"].as_str(), again[0]["symptoms"].as_u64()), (Some("disk-full"), Some(2)));
    let source = dir.path().join("rules/disk-full.yaml");
    assert_eq!(again[0]["source"].as_str(), source.to_str());
    // A changed file is seen (the modification time moves).
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&source, rule("The store volume ran out of space")).unwrap();
    assert_eq!(list()[0]["title"], "The store volume ran out of space");
}
