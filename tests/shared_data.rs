//! The shared-data tier: tests that read `../shared` (the seed articles and the helpdesk query set) at
//! run time. They are `#[ignore]`d so that `cargo test` passes on a clone of the project alone; `.ci/run`
//! runs them with `cargo test -- --ignored`, and they fail, never skip, when the data is missing.

mod common;

use std::path::PathBuf;

use common::{json, kbx, run};

/// `../shared`, or `$KBX_SHARED`; panics with what to do when it is not there.
fn shared() -> PathBuf {
    common::shared(&["seeds", "eval/dev-queries.jsonl"])
}

fn read(rel: &str) -> String {
    let path = shared().join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The text of a section (`SYMPTOMS`, underlined with `=`) of a KB article in either archive form.
fn section(article: &str, name: &str) -> String {
    let lines: Vec<&str> = article.lines().map(|l| l.trim_end_matches('\r')).collect();
    let start = lines
        .windows(2)
        .position(|w| w[0].trim() == name && w[1].trim().starts_with("==="))
        .unwrap_or_else(|| panic!("no {name} section"));
    let body: Vec<&str> = lines[start + 2..]
        .iter()
        .take_while(|l| !l.trim().chars().all(|c| c.is_ascii_uppercase() || c == ' ') || l.trim().is_empty())
        .copied()
        .collect();
    body.join("\n")
}

fn first_kb(text: &str) -> String {
    let (code, out, err) = run(kbx().args(["diagnose", "--format", "json"]).write_stdin(text.to_string()));
    assert_eq!(code, 0, "no match for {text:?}: {err}");
    json(&out)["matches"][0]["kb"].as_str().expect("a kb").to_string()
}

#[test]
#[ignore = "needs ../shared; run by .ci/run"]
fn q293218_seed_symptoms_rank_it_first() {
    let article = read("seeds/Q293218.TXT");
    let symptoms = section(&article, "SYMPTOMS");
    let quoted: Vec<&str> = symptoms.lines().filter(|l| l.starts_with("   ")).map(str::trim).collect();
    assert_eq!(quoted, ["Internal error: failed to create MAPI.Session."]);
    assert_eq!(first_kb(quoted[0]), "Q293218");
    assert_eq!(first_kb(&symptoms), "Q293218");
    assert_eq!(first_kb(&article), "Q293218", "the whole article, pasted");
}

#[test]
#[ignore = "needs ../shared; run by .ci/run"]
fn q121131_seed_symptoms_rank_it_first() {
    let article = read("seeds/Q121131.md");
    let symptoms = section(&article, "SYMPTOMS");
    assert!(symptoms.contains("MAPI_E_TOO_MANY_SESSIONS"), "{symptoms}");
    assert_eq!(first_kb(&symptoms), "Q121131");
    assert_eq!(first_kb(&article), "Q121131", "the whole article, pasted");
}

#[test]
#[ignore = "needs ../shared; run by .ci/run"]
fn the_dev_queries_for_the_seed_articles_rank_them_first() {
    let queries = read("eval/dev-queries.jsonl");
    let mut checked = 0;
    for line in queries.lines() {
        let q: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        let accept: Vec<&str> =
            q["accept"].as_array().expect("accept").iter().filter_map(|a| a.as_str()).collect();
        if !accept.iter().any(|a| *a == "Q293218" || *a == "Q121131") {
            continue;
        }
        let got = first_kb(q["text"].as_str().expect("text"));
        assert!(accept.contains(&got.as_str()), "{}: ranked {got} first", q["id"]);
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} queries for the seed articles");
}
