//! `kbx kb import` end to end on the project's own fixture articles (tests/fixtures/import/), and the
//! packs it writes used by `kbx diagnose`.

mod common;

use std::path::{Path, PathBuf};

use common::{json, kbx, run};

fn fixtures(rel: &str) -> PathBuf {
    common::root().join("tests/fixtures/import").join(rel)
}

fn import(paths: &[PathBuf], out: &Path) -> (i32, String, String) {
    run(kbx().args(["kb", "import"]).args(paths).arg("--out").arg(out))
}

fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read_to_string(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn a_folder_of_articles_becomes_a_pack_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    let (code, out, err) = import(&[fixtures("txt")], &pack);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&format!("Imported 3 of 4 articles into {} in ", pack.display())), "{out}");
    assert!(out.contains("\n  skipped      1  no_symptoms\n"), "{out}");
    let names: Vec<String> = files(&pack.join("rules")).into_iter().map(|f| f.0).collect();
    assert_eq!(names, ["kb-q900001.yaml", "kb-q900002.yaml", "kb-q900003.yaml"]);
    let rule = std::fs::read_to_string(pack.join("rules/kb-q900001.yaml")).unwrap();
    assert!(rule.contains("status: draft\n"), "{rule}");
    assert!(rule.contains("- text: Cannot open the print queue. The spooler service reported that the queue is unavailable.\n"), "{rule}");
    let summary = json(&std::fs::read_to_string(pack.join("import-summary.json")).unwrap());
    assert_eq!((summary["read"].as_u64(), summary["imported"].as_u64()), (Some(4), Some(3)));
    assert_eq!(summary["skipped"][0]["id"], "Q900008");
    assert_eq!(summary["skipped"][0]["reason"], "no_symptoms");
}

#[test]
fn both_archive_forms_import_to_the_same_rules() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("from-txt"), dir.path().join("from-md"));
    assert_eq!(import(&[fixtures("txt")], &a).0, 0);
    assert_eq!(import(&[fixtures("md")], &b).0, 0);
    assert_eq!(files(&a.join("rules")), files(&b.join("rules")));
}

#[test]
fn a_tar_gz_archive_imports_like_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("articles.tar.gz");
    let file = std::fs::File::create(&archive).unwrap();
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::fast()));
    tar.append_dir_all("txt", fixtures("txt")).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
    let (from_tar, from_dir) = (dir.path().join("a"), dir.path().join("b"));
    assert_eq!(import(&[archive], &from_tar).0, 0);
    assert_eq!(import(&[fixtures("txt")], &from_dir).0, 0);
    assert_eq!(files(&from_tar.join("rules")), files(&from_dir.join("rules")));
}

#[test]
fn broken_articles_are_skipped_with_their_reason_and_a_missing_path_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    let (code, out, err) = import(&[fixtures("broken"), PathBuf::from("no/such/folder")], &pack);
    assert_eq!(code, 2, "a missing path makes the exit 2");
    assert_eq!(err, "error: no/such/folder: no such file or folder; check the path\n");
    for line in [
        "  skipped      1  binary",
        "  skipped      1  empty",
        "  skipped      1  not_utf8",
        "  skipped      1  truncated",
    ] {
        assert!(out.contains(line), "{out}");
    }
    let summary = json(&std::fs::read_to_string(pack.join("import-summary.json")).unwrap());
    assert_eq!(summary["imported"], 0);
    assert_eq!(summary["errors"][0], "no/such/folder: no such file or folder; check the path");
}

#[test]
fn an_imported_pack_diagnoses_with_the_articles_steps() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    assert_eq!(import(&[fixtures("md")], &pack).0, 0);
    let paste = "12:01:07 spoolsv: Cannot open the print queue. The spooler service reported that\r\n the queue is unavailable.";
    let (code, out, err) = run(kbx().args(["diagnose", "--format", "json", "--rules"]).arg(&pack).arg(paste));
    assert_eq!(code, 0, "{err}");
    let first = &json(&out)["matches"][0];
    assert_eq!(first["kb"], "Q900001");
    assert_eq!(first["basis"], "exact");
    assert_eq!(first["status"], "draft");
    assert!(!first["resolution"].as_array().unwrap().is_empty(), "the article's steps are printed");
    // A fragment from the middle of the message still finds it.
    let (_, out, _) = run(kbx()
        .args(["diagnose", "--format", "json", "--rules"])
        .arg(&pack)
        .arg("spooler service reported that the queue"));
    assert_eq!(json(&out)["matches"][0]["kb"], "Q900001");
    assert_eq!(json(&out)["matches"][0]["basis"], "fragment");
}

#[test]
fn a_curated_rule_ranks_above_an_imported_draft_of_the_same_article() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    assert_eq!(import(&[fixtures("md")], &pack).0, 0);
    // A curated, stable rule for the same article in another folder.
    let curated = dir.path().join("curated");
    std::fs::create_dir_all(curated.join("rules")).unwrap();
    std::fs::create_dir_all(curated.join("kb")).unwrap();
    std::fs::copy(pack.join("kb/Q900001.md"), curated.join("kb/Q900001.md")).unwrap();
    std::fs::write(
        curated.join("rules/print-queue-unavailable.yaml"),
        "id: print-queue-unavailable\ntitle: Print queue unavailable after the 2.1 upgrade\nkb: Q900001\nseverity: medium\nstatus: stable\nsymptoms:\n  - text: 'Cannot open the print queue. The spooler service reported that the queue is unavailable.'\n",
    )
    .unwrap();
    let (code, out, err) = run(kbx()
        .args(["diagnose", "--format", "json", "--rules"])
        .arg(&pack)
        .arg("--rules")
        .arg(&curated)
        .arg("Cannot open the print queue. The spooler service reported that the queue is unavailable."));
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["matches"][0]["rule"], "print-queue-unavailable");
    assert_eq!(v["matches"][1]["rule"], "kb-q900001");
    assert_eq!(v["matches"][0]["score"], v["matches"][1]["score"]);
}

#[test]
fn a_pack_is_not_written_over_another() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    assert_eq!(import(&[fixtures("txt")], &pack).0, 0);
    let before = files(&pack.join("rules"));
    let (code, out, err) = import(&[fixtures("md")], &pack);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        format!(
            "error: {} is not empty: import into a new folder, or remove the old pack first (nothing was written)\n",
            pack.display()
        )
    );
    assert_eq!(files(&pack.join("rules")), before);
}
