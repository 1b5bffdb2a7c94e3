//! `kbx scan` end to end on logs written here: counts and line numbers in every format, encodings,
//! compression, folders, bad paths, standard input, long lines, segments and exit statuses.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const OWA: &str = "Internal error: failed to create MAPI.Session.";

fn kbx() -> Command {
    Command::cargo_bin("kbx").unwrap()
}

/// A log with the OWA message on lines 2 and 7 (line 7 wrapped onto line 8), the MAPI code on line 5,
/// near misses elsewhere.
fn sample_log() -> String {
    [
        "2024-03-01 10:00:00 INFO  service started",
        &format!("2024-03-01 10:00:01 ERROR [OWA] {OWA} (hr=0x80004005)"),
        "2024-03-01 10:00:02 WARN  failed to create a session cache",
        "2024-03-01 10:00:03 INFO  MAPILogon called",
        "2024-03-01 10:00:04 ERROR MAPILogon returned MAPI_E_TOO_MANY_SESSIONS",
        "2024-03-01 10:00:05 INFO  internal error count reset",
        "Internal error: failed to create",
        "  MAPI.Session.",
        "done",
    ]
    .join("\n")
        + "\n"
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

fn json(args: &[&str], stdin: Option<&[u8]>) -> (Value, i32) {
    let mut cmd = kbx();
    cmd.arg("scan").arg("--format").arg("json").args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_vec());
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    (serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")), out.status.code().unwrap())
}

/// (kb, count, first line, last line) per finding, in report order.
fn findings(report: &Value) -> Vec<(String, u64, u64, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kb"].as_str().unwrap().to_string(),
                f["count"].as_u64().unwrap(),
                f["first"]["line"].as_u64().unwrap(),
                f["last"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn expected() -> Vec<(String, u64, u64, u64)> {
    vec![("Q293218".into(), 2, 2, 7), ("Q121131".into(), 1, 5, 5)]
}

#[test]
fn json_gives_counts_lines_samples_and_stats() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "app.log", sample_log().as_bytes());
    let (report, code) = json(&[log.to_str().unwrap()], None);
    assert_eq!(code, 0, "no --fail-on: finding something still exits 0");
    assert_eq!(report["schema_version"], 1);
    assert_eq!(findings(&report), expected());
    let owa = &report["findings"][0];
    assert_eq!(owa["rule"], "owa-cdo-not-registered");
    assert_eq!(owa["severity"], "high");
    assert_eq!(owa["first"]["path"], log.to_str().unwrap());
    assert!(owa["first"]["text"].as_str().unwrap().ends_with("(hr=0x80004005)"));
    assert_eq!(owa["last"]["text"], "Internal error: failed to create");
    assert_eq!(owa["samples"].as_array().unwrap().len(), 2);
    let stats = &report["stats"];
    assert_eq!((stats["files"].as_u64(), stats["lines"].as_u64()), (Some(1), Some(9)));
    assert_eq!(stats["matched_lines"].as_u64(), Some(3));
    assert_eq!(stats["bytes"].as_u64(), Some(sample_log().len() as u64));
}

#[test]
fn jsonl_writes_one_object_per_matching_line_in_order() {
    let out = kbx().args(["scan", "--format", "jsonl", "-"]).write_stdin(sample_log()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let got: Vec<(&str, u64, &str)> = lines
        .iter()
        .map(|l| (l["kb"].as_str().unwrap(), l["line"].as_u64().unwrap(), l["path"].as_str().unwrap()))
        .collect();
    assert_eq!(got, [("Q293218", 2, "-"), ("Q121131", 5, "-"), ("Q293218", 7, "-")]);
    assert_eq!(lines[1]["text"], "2024-03-01 10:00:04 ERROR MAPILogon returned MAPI_E_TOO_MANY_SESSIONS");
}

#[test]
fn table_lists_severity_count_kb_title_and_first_seen() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "app.log", sample_log().as_bytes());
    let out = kbx().arg("scan").arg(&log).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| l.contains("Q")).collect();
    assert_eq!(rows.len(), 2, "{text}");
    for (row, (kb, count, line)) in rows.iter().zip([("Q293218", 2, 2), ("Q121131", 1, 5)]) {
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(&cells[1..4], &[["high", "medium"][usize::from(kb == "Q121131")], &count.to_string(), kb]);
        assert!(row.contains(&format!("app.log:{line}")), "{row}");
    }
    assert!(text.contains("2 rules found on 3 of 9 lines in 1 file"), "{text}");
}

#[test]
fn sarif_is_valid_2_1_0_with_rules_and_locations() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "app.log", sample_log().as_bytes());
    let out = kbx().arg("scan").arg("--format").arg("sarif").arg(&log).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // The crate's types are generated from the SARIF 2.1.0 schema: the output must read back into them.
    let sarif: serde_sarif::sarif::Sarif = serde_json::from_str(&text).unwrap();
    assert_eq!(sarif.version, serde_json::json!("2.1.0"));
    assert!(sarif.schema.as_deref().unwrap().contains("sarif-2.1.0"));
    let value: Value = serde_json::from_str(&text).unwrap();
    let run = &value["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "kbx");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules[0]["id"], "owa-cdo-not-registered");
    assert_eq!(rules[0]["helpUri"], "https://support.microsoft.com/kb/293218");
    let results: Vec<(&str, u64, &str)> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap(),
                loc["region"]["startLine"].as_u64().unwrap(),
                r["level"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            ("owa-cdo-not-registered", 2, "error"),
            ("owa-cdo-not-registered", 7, "error"),
            ("mapi-new-session-too-many-sessions", 5, "warning")
        ]
    );
    let uri =
        run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.ends_with("app.log"));
    // Required by the schema at every level that is present.
    for r in run["results"].as_array().unwrap() {
        assert!(r["message"]["text"].as_str().unwrap().contains("matching line"));
    }
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert!(run["invocations"][0].get("toolExecutionNotifications").is_none());
}

#[test]
fn sarif_notifies_of_inputs_not_read_and_binary_files_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    write(&logs, "app.log", sample_log().as_bytes());
    write(&logs, "core.dmp", format!("MDMP\0\0{OWA}\n").as_bytes());
    let missing = dir.path().join("gone.log");
    let out = kbx().args(["scan", "--format", "sarif"]).arg(&missing).arg(&logs).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let sarif: serde_sarif::sarif::Sarif = serde_json::from_slice(&out.stdout).unwrap();
    let invocation = &sarif.runs[0].invocations.as_ref().unwrap()[0];
    assert!(!invocation.execution_successful);
    let notes: Vec<(String, String, String)> = invocation
        .tool_execution_notifications
        .as_ref()
        .unwrap()
        .iter()
        .map(|n| {
            let at = n.locations.as_ref().unwrap()[0].physical_location.as_ref().unwrap();
            let uri = at.artifact_location.as_ref().unwrap().uri.clone().unwrap();
            (n.level.as_ref().unwrap().as_str().unwrap().to_string(), uri, n.message.text.clone().unwrap())
        })
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(notes[0].0, "error");
    assert!(notes[0].1.ends_with("gone.log") && notes[0].2.contains("no such file or folder"), "{notes:?}");
    assert_eq!(notes[1].0, "note");
    assert!(notes[1].1.ends_with("core.dmp") && notes[1].2.contains("looked binary"), "{notes:?}");
    // The finding from app.log is still there.
    assert_eq!(sarif.runs[0].results.as_ref().unwrap().len(), 3);
}

#[test]
fn encodings_compression_and_line_endings_give_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let text = sample_log();
    let utf16le: Vec<u8> =
        [0xff, 0xfe].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let utf16be: Vec<u8> =
        [0xfe, 0xff].into_iter().chain(text.encode_utf16().flat_map(u16::to_be_bytes)).collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let crlf = text.replace('\n', "\r\n");
    let bom8: Vec<u8> = [0xef, 0xbb, 0xbf].into_iter().chain(text.bytes()).collect();
    // UTF-16 without a byte-order mark, as some Windows tools write it, plain and gzipped.
    let unmarked_le = utf16le[2..].to_vec();
    let unmarked_be = utf16be[2..].to_vec();
    let mut unmarked_gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    unmarked_gz.write_all(&unmarked_le).unwrap();
    let unmarked_gz = unmarked_gz.finish().unwrap();
    for (name, bytes) in [
        ("le.log", utf16le),
        ("be.log", utf16be),
        ("unmarked-le.log", unmarked_le),
        ("unmarked-be.log", unmarked_be),
        ("unmarked-le.log.gz", unmarked_gz),
        ("app.log.gz", gz),
        ("crlf.log", crlf.into_bytes()),
        ("bom.log", bom8),
    ] {
        let path = write(dir.path(), name, &bytes);
        let (report, code) = json(&[path.to_str().unwrap()], None);
        assert_eq!((findings(&report), code), (expected(), 0), "{name}");
        let first = report["findings"][0]["first"]["text"].as_str().unwrap();
        assert!(first.starts_with("2024-03-01") && !first.ends_with('\r'), "{name}: {first:?}");
    }
}

#[test]
fn invalid_bytes_are_tolerated() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"x\xff\xfd garbage \xc3\n".to_vec();
    bytes.push(0x80);
    bytes.extend_from_slice(format!(" {OWA} ").as_bytes());
    bytes.extend_from_slice(b"\xe2\x82\n");
    let path = write(dir.path(), "bad.log", &bytes);
    let (report, code) = json(&[path.to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert_eq!(findings(&report), [("Q293218".to_string(), 1, 2, 2)]);
    assert!(report["findings"][0]["first"]["text"].as_str().unwrap().contains('\u{fffd}'));
}

#[test]
fn empty_files_folders_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "logs/empty.log", b"");
    write(dir.path(), "logs/a/app.log", sample_log().as_bytes());
    write(dir.path(), "logs/b/more.log", format!("x\n{OWA}\n").as_bytes());
    let logs = dir.path().join("logs");
    let (report, code) = json(&[logs.to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert_eq!(report["stats"]["files"], 3);
    assert_eq!(report["findings"][0]["count"], 3);
    assert!(report["findings"][0]["last"]["path"].as_str().unwrap().ends_with("more.log"));
    assert_eq!(report["findings"][0]["last"]["line"], 2);

    let (report, code) = json(&[dir.path().join("logs/empty.log").to_str().unwrap()], None);
    assert_eq!(
        (code, report["stats"]["lines"].as_u64(), report["findings"].as_array().unwrap().len()),
        (0, Some(0), 0)
    );

    // A missing file is named on stderr, the rest is still scanned, and the exit is 2.
    let missing = dir.path().join("nope.log");
    let out = kbx()
        .args(["scan", "--format", "json"])
        .arg(&missing)
        .arg(dir.path().join("logs/a/app.log"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("nope.log: no such file or folder; check the path"), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings(&report), expected());
    assert_eq!(report["errors"][0]["path"], missing.to_str().unwrap());
}

#[test]
fn binary_files_found_in_folders_are_skipped_and_named_ones_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    write(&logs, "app.log", sample_log().as_bytes());
    // A dump holding the message among NUL bytes, and the same gzipped: binary once decompressed.
    let dump = [&b"MDMP\0\0\x01\0"[..], format!("\0{OWA}\0\n").as_bytes()].concat();
    let dump_path = write(&logs, "w3wp.dmp", &dump);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&dump).unwrap();
    write(&logs, "old/w3wp.dmp.gz", &gz.finish().unwrap());
    // Text: UTF-16 with a BOM and without one (NUL bytes until decoded), and a log whose first NUL
    // comes late.
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(format!("{OWA}\n").encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    write(&logs, "le.log", &utf16);
    let unmarked: Vec<u8> = format!("{OWA}\n").encode_utf16().flat_map(u16::to_be_bytes).collect();
    write(&logs, "be.log", &unmarked);
    let late = format!("{}\0\n{OWA}\n", "x".repeat(70_000));
    write(&logs, "late.log", late.as_bytes());
    // Over one segment, so that it would be split if it were scanned.
    let mut big = b"\0\0\0\0\n".to_vec();
    while big.len() <= 17 << 20 {
        big.extend_from_slice(b"filler line of a binary file\n");
    }
    let big_lines = big.iter().filter(|&&b| b == b'\n').count() as u64;
    big.extend_from_slice(format!("{OWA}\n").as_bytes());
    let big_path = write(&logs, "big.bin", &big);

    let out = kbx().args(["scan", "--format", "json"]).arg(&logs).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["stats"]["files"], 4, "app.log, be.log, late.log, le.log");
    assert_eq!(report["stats"]["skipped"], 3);
    let skipped: Vec<&str> =
        report["skipped"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    let named = |p: &str| p.rsplit(['/', '\\']).next().unwrap().to_string();
    assert_eq!(
        skipped.iter().map(|p| named(p)).collect::<Vec<_>>(),
        ["big.bin", "w3wp.dmp.gz", "w3wp.dmp"],
        "in input order"
    );
    // Two in app.log, one each in be.log, late.log and le.log; none from the binary files.
    assert_eq!(findings(&report)[0], ("Q293218".to_string(), 5, 2, 1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("3 files found in folders looked binary") && stderr.contains("w3wp.dmp"),
        "{stderr}"
    );

    // Named, a binary file is scanned as text, split into segments when large.
    let (report, code) = json(&[dump_path.to_str().unwrap(), big_path.to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert_eq!(report["stats"]["skipped"], 0);
    assert_eq!(findings(&report), [("Q293218".to_string(), 2, 1, big_lines + 1)]);
    assert_eq!(report["findings"][0]["last"]["path"], big_path.to_str().unwrap());
}

#[test]
fn an_input_that_cannot_be_read_is_named_while_the_scan_goes_on() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command as Process, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("gone.log");
    // Standard input stays open after the missing file: the scan is not over until it closes.
    let mut child = Process::new(env!("CARGO_BIN_EXE_kbx"))
        .args(["scan", "--format", "jsonl"])
        .arg(&missing)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stderr).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(std::time::Duration::from_secs(60));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{OWA}\n").as_bytes()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let line = line.expect("the missing file is named before standard input ends");
    assert!(line.contains("gone.log: no such file or folder"), "{line}");
    assert_eq!(out.status.code(), Some(2));
    let row: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((row["kb"].as_str(), row["path"].as_str()), (Some("Q293218"), Some("-")));
}

#[test]
fn standard_input_is_read_when_no_path_is_given() {
    let (report, code) = json(&["--fail-on", "medium"], Some(sample_log().as_bytes()));
    assert_eq!(code, 1);
    assert_eq!(findings(&report), expected());
    assert_eq!(report["findings"][0]["first"]["path"], "-");
}

#[test]
fn fail_on_sets_the_exit_status_by_severity() {
    let input = "MAPILogon returned MAPI_E_TOO_MANY_SESSIONS\n"; // medium
    for (level, code) in [("low", 1), ("medium", 1), ("high", 0), ("critical", 0)] {
        let (_, got) = json(&["--fail-on", level, "-"], Some(input.as_bytes()));
        assert_eq!(got, code, "--fail-on {level}");
    }
    let (report, code) = json(&["--fail-on", "info"], Some(b"nothing to see\n"));
    assert_eq!((code, report["findings"].as_array().unwrap().len()), (0, 0));
}

#[test]
fn a_window_of_one_line_does_not_join_lines() {
    let (report, _) = json(&["--window", "1"], Some(sample_log().as_bytes()));
    assert_eq!(findings(&report), [("Q293218".to_string(), 1, 2, 2), ("Q121131".to_string(), 1, 5, 5)]);
}

/// A big log written in pieces: (bytes, lines where the OWA message is, total lines).
fn big_log(path: &Path, lines: usize) -> Vec<u64> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut at = Vec::new();
    for i in 1..=lines {
        if i % 9973 == 0 {
            writeln!(out, "2024-03-01 ERROR {OWA} #{i}").unwrap();
            at.push(i as u64);
        } else {
            writeln!(out, "2024-03-01 10:00:00.{i:06} INFO  worker {} finished internal job {i}", i % 7)
                .unwrap();
        }
    }
    at
}

#[test]
fn segments_scanned_in_parallel_keep_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    // About 25 MB: two segments and a half.
    let at = big_log(&path, 400_000);
    for threads in ["1", "2"] {
        let out =
            kbx().args(["scan", "--format", "jsonl", "--threads", threads]).arg(&path).output().unwrap();
        let lines: Vec<u64> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["line"].as_u64().unwrap())
            .collect();
        assert_eq!(lines, at, "--threads {threads}");
    }
    let (report, _) = json(&[path.to_str().unwrap()], None);
    assert_eq!(report["stats"]["lines"], 400_000);
    assert_eq!(report["stats"]["files"], 1);
}

#[test]
fn a_line_longer_than_the_buffer_is_scanned_in_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let mut long = "word ".repeat(300_000); // 1.5 MB
    long.insert_str(700_000, &format!(" {OWA} "));
    let text = format!("first\n{long}\n{OWA}\n");
    let path = write(dir.path(), "long.log", text.as_bytes());
    let (report, _) = json(&[path.to_str().unwrap()], None);
    assert_eq!(findings(&report), [("Q293218".to_string(), 2, 2, 3)]);
    let shown = report["findings"][0]["first"]["text"].as_str().unwrap();
    assert!(shown.len() <= 4096 + 3 && shown.ends_with('…'), "{}", shown.len());
    assert_eq!(report["stats"]["lines"], 3);
}

#[test]
fn messages_are_found_whatever_stands_between_their_words_among_many_near_misses() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let mut want = Vec::new();
    for i in 1..=3000u64 {
        let line = match i % 1000 {
            17 => "ERROR  Internal   error:\tfailed to create 'MAPI.Session'.".to_string(),
            500 => "ERROR internal-error, failed to create \"MAPI\" . SESSION".to_string(),
            _ => format!("WARN internal error {i}: failed to create MAPI profile; session {i} kept"),
        };
        if matches!(i % 1000, 17 | 500) {
            want.push(i);
        }
        text.push_str(&line);
        text.push('\n');
    }
    // The file is read ahead to tune the filter: its words are everywhere, the message is not.
    let path = write(dir.path(), "busy.log", text.as_bytes());
    let out = kbx().args(["scan", "--format", "jsonl"]).arg(&path).output().unwrap();
    let lines: Vec<u64> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, want);
}
