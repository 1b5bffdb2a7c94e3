//! `kbx fix` from the command line: the plan, the refusal to apply off Windows, the .cmd script, --step,
//! the audit history, and the errors a person can make. These also run under Wine (.ci/wine-tests), so
//! they start kbx with std's `Command` (assert_cmd's piped standard input fails there).

use std::path::Path;
use std::process::Command;

#[path = "windows/start.rs"]
mod start;

/// The `kbx` binary with a fixed, plain environment (no colour, fixed width, no terminal).
fn kbx() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kbx"));
    cmd.env_remove("NO_COLOR").env("COLUMNS", "100").env("TERM", "dumb");
    cmd
}

/// Runs kbx and returns (exit code, stdout, stderr).
fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = start::output(cmd);
    (
        out.status.code().expect("kbx exits with a code"),
        String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    )
}

fn fixtures() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fix").display().to_string()
}

#[test]
fn the_q293218_plan_names_the_exact_regsvr32_command() {
    let (code, out, err) = run(kbx().args(["fix", "Q293218"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Plan for owa-cdo-not-registered (Q293218):"), "{out}");
    assert!(out.contains("3 steps: 1 change, 0 checks, 2 shown only."), "{out}");
    let step2: Vec<&str> = out.lines().skip_while(|l| !l.starts_with("2. ")).take(8).collect();
    assert_eq!(
        step2,
        [
            "2. Register the Collaboration Data Objects library again.",
            "   action:    regsvr32",
            r"   runs:      %SystemRoot%\System32\regsvr32.exe /s %SystemRoot%\system32\cdo.dll",
            "   safety:    safe",
            "   elevation: needed (Run as administrator)",
            r"   before:    %SystemRoot%\system32\cdo.dll exists",
            "   verify:    regsvr32 exits with 0 (DllRegisterServer succeeded)",
            "   undo:      none: the registration stays (unregistering could break what used the library before)",
        ]
    );
    assert!(out.contains("Nothing was run."), "{out}");
    // On Windows the plan also reads the machine: Wine has no Cdo.dll, so applying would stop at step 2.
    #[cfg(windows)]
    assert!(
        out.contains(r"now:       applying would stop here: C:\windows\system32\cdo.dll does not exist"),
        "{out}"
    );
}

#[test]
fn the_plan_as_json_carries_the_argv() {
    let (code, out, _) = run(kbx().args(["fix", "Q293218", "--format", "json"]));
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["rule"], "owa-cdo-not-registered");
    let step = &doc["steps"][1];
    assert_eq!(step["kind"], "change");
    assert_eq!(step["action_name"], "regsvr32");
    assert_eq!(step["program"]["program"], r"%SystemRoot%\System32\regsvr32.exe");
    assert_eq!(step["program"]["args"], serde_json::json!(["/s", r"%SystemRoot%\system32\cdo.dll"]));
    assert_eq!(step["safety"], "safe");
    assert_eq!(step["elevation"], true);
    assert_eq!(doc["steps"][0]["kind"], "note");
}

#[cfg(not(windows))]
#[test]
fn apply_is_refused_off_windows_after_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) =
        run(kbx().args(["fix", "Q293218", "--apply", "--yes"]).env("KBX_STATE_DIR", dir.path()));
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains(r"regsvr32.exe /s %SystemRoot%\system32\cdo.dll"), "the plan is printed: {out}");
    assert!(
        err.contains("`kbx fix --apply` changes the Windows machine kbx runs on")
            && err.contains("nothing was run")
            && err.contains("kbx fix --script owa-cdo-not-registered"),
        "{err}"
    );
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing is written, not even the log");
}

#[test]
fn the_script_quotes_every_value_asks_above_safe_and_keeps_percent_literal() {
    let (code, out, err) =
        run(kbx().args(["fix", "--script", "--no-builtin", "--rules", &fixtures(), "widget-console-com"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\r\n"), "a .cmd script has CRLF line ends");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "@echo off");
    for expected in [
        r#"if not exist "%ProgramFiles%\Contoso\Widget\widgetcom.dll" goto failed"#,
        r#""%SystemRoot%\System32\regsvr32.exe" /s "%ProgramFiles%\Contoso\Widget\widgetcom.dll""#,
        "set /p ANSWER=Step 3 is caution: type yes to run it: ",
        r#"if /i not "%ANSWER%"=="yes" goto step3_done"#,
        r#""%SystemRoot%\System32\reg.exe" add "HKCU\Software\Contoso\Widget Console" /ve /t REG_SZ /d "zoom 100%%" /f"#,
        "set /p ANSWER=Step 4 is dangerous: type yes to run it: ",
        r#""%SystemRoot%\System32\sc.exe" query "ContosoWidget" | "%SystemRoot%\System32\find.exe" "STOPPED" >nul || "%SystemRoot%\System32\net.exe" stop "ContosoWidget""#,
        "setlocal EnableExtensions DisableDelayedExpansion",
        "exit /b 1",
    ] {
        assert!(lines.contains(&expected), "missing `{expected}` in:\n{out}");
    }
    // The safe registration is not asked about.
    assert!(!out.contains("Step 2 is safe"), "{out}");
}

#[test]
fn the_script_backs_up_before_a_registry_change() {
    let (code, out, _) =
        run(kbx().args(["fix", "--script", "--no-builtin", "--rules", &fixtures(), "widget-pool-exhausted"]));
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    let key = r#""HKLM\SOFTWARE\Contoso\Widget\Parameters""#;
    let reg = r#""%SystemRoot%\System32\reg.exe""#;
    let query =
        lines.iter().position(|l| *l == format!("{reg} query {key} >nul 2>&1")).expect("the query line");
    assert_eq!(
        lines[query..query + 8],
        [
            format!("{reg} query {key} >nul 2>&1").as_str(),
            "if errorlevel 1 goto step1_nobackup",
            format!(r#"{reg} export {key} "%TEMP%\kbx-widget-pool-exhausted-%KBXRUN%-step1.reg" /y >nul"#)
                .as_str(),
            "if errorlevel 1 goto failed",
            r"echo Backed up HKLM\SOFTWARE\Contoso\Widget\Parameters to %TEMP%\kbx-widget-pool-exhausted-%KBXRUN%-step1.reg",
            ":step1_nobackup",
            format!(r#"{reg} add {key} /v "MaxThreads" /t REG_DWORD /d 32 /f"#).as_str(),
            "if errorlevel 1 goto failed",
        ]
    );
}

#[test]
fn a_script_is_refused_for_values_cmd_would_misread() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("rules")).unwrap();
    std::fs::create_dir_all(dir.path().join("kb")).unwrap();
    std::fs::copy(Path::new(&fixtures()).join("kb/Q900100.md"), dir.path().join("kb/Q900100.md")).unwrap();
    let rule = std::fs::read_to_string(Path::new(&fixtures()).join("rules/widget-pool-exhausted.yaml"))
        .unwrap()
        .replace("data: batch", "data: 'groß'");
    std::fs::write(dir.path().join("rules/widget-pool-exhausted.yaml"), rule).unwrap();
    let rules = dir.path().display().to_string();
    let (code, out, err) =
        run(kbx().args(["fix", "--script", "--no-builtin", "--rules", &rules, "widget-pool-exhausted"]));
    assert_eq!(code, 2, "{out}");
    assert!(out.is_empty(), "no half script: {out}");
    assert!(
        err.contains("step 3 has a value outside ASCII (`groß`)") && err.contains("kbx fix --apply"),
        "{err}"
    );
}

/// A pack with the widget rule, its text changed by `edit`.
fn edited_pack(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("rules")).unwrap();
    std::fs::create_dir_all(dir.path().join("kb")).unwrap();
    std::fs::copy(Path::new(&fixtures()).join("kb/Q900100.md"), dir.path().join("kb/Q900100.md")).unwrap();
    let rule =
        std::fs::read_to_string(Path::new(&fixtures()).join("rules/widget-pool-exhausted.yaml")).unwrap();
    std::fs::write(dir.path().join("rules/widget-pool-exhausted.yaml"), edit(rule)).unwrap();
    dir
}

#[test]
fn injection_through_any_action_value_is_refused_when_the_rule_loads() {
    for (what, yaml) in [
        (
            "a value to delete",
            "      registry_delete_value: {key: 'HKLM\\SOFTWARE\\Contoso', value: 'a\" & shutdown /r & rem \"'}",
        ),
        (
            "a value to check",
            "      registry_check: {key: 'HKLM\\SOFTWARE\\Contoso', value: x, data: 'y & calc'}",
        ),
        ("a version", "      file_version: {path: 'C:\\x.dll', minimum: '5.5 & calc'}"),
    ] {
        let pack = edited_pack(|r| r.replace("      manual: 'widgetctl submit --test'", yaml));
        let rules = pack.path().display().to_string();
        let (code, out, err) =
            run(kbx().args(["fix", "--script", "--no-builtin", "--rules", &rules, "widget-pool-exhausted"]));
        assert_eq!(code, 2, "{what}: {out}");
        assert!(out.is_empty(), "{what}: {out}");
        assert!(
            err.contains("a character a command shell interprets") || err.contains("is not a file version"),
            "{what}: {err}"
        );
    }
}

#[test]
fn a_manual_step_over_several_lines_is_echoed_on_one() {
    let pack = edited_pack(|r| {
        r.replace(
            "      manual: 'widgetctl submit --test'",
            "      manual: |\n        widgetctl submit --test\n        shutdown /r /t 0",
        )
    });
    let rules = pack.path().display().to_string();
    let (code, out, err) =
        run(kbx().args(["fix", "--script", "--no-builtin", "--rules", &rules, "widget-pool-exhausted"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("echo MANUAL: widgetctl submit --test shutdown /r /t 0 \r\npause\r\n"), "{out}");
    assert!(!out.lines().any(|l| l.trim_start().starts_with("shutdown")), "{out}");
}

#[test]
fn step_picks_one_step_and_names_the_range_when_wrong() {
    let (code, out, _) = run(kbx().args(["fix", "Q293218", "--step", "2"]));
    assert_eq!(code, 0);
    assert!(out.contains("1 step: 1 change, 0 checks, 0 shown only."), "{out}");
    let (code, _, err) = run(kbx().args(["fix", "Q293218", "--step", "9"]));
    assert_eq!(code, 2);
    assert_eq!(
        err.trim(),
        "error: rule `owa-cdo-not-registered` has 3 steps: --step takes a number from 1 to 3"
    );
}

#[test]
fn an_unknown_rule_and_a_misused_flag_are_errors() {
    let (code, _, err) = run(kbx().args(["fix", "Q999999"]));
    assert_eq!(code, 2);
    assert!(err.contains("no rule has the id or KB article `Q999999`"), "{err}");
    let (code, _, err) = run(kbx().args(["fix", "Q293218", "--yes"]));
    assert_eq!(code, 2);
    assert!(err.contains("--apply"), "{err}");
    let (code, _, err) = run(kbx().args(["fix"]));
    assert_eq!(code, 2);
    assert!(err.contains("RULE"), "{err}");
}

#[test]
fn history_shows_the_audit_log_and_reports_lines_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(kbx().args(["fix", "--history"]).env("KBX_STATE_DIR", dir.path()));
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        format!("No applied steps recorded in {}.", dir.path().join("audit.jsonl").display())
    );

    let entry = |step: usize, rule: &str, kb: &str, result: &str| {
        serde_json::json!({
            "time": "2026-11-21T10:15:00Z", "user": "CORP\\admin", "rule": rule, "kb": kb, "step": step,
            "action": "registry_set", "effect": "sets a value", "result": result, "detail": "d",
            "backup": "C:\\ProgramData\\kbx\\backups\\x.reg"
        })
        .to_string()
    };
    let log = format!(
        "{}\n{{not json\n{}\n",
        entry(1, "widget-pool-exhausted", "Q900100", "done"),
        entry(2, "owa-cdo-not-registered", "Q293218", "failed")
    );
    std::fs::write(dir.path().join("audit.jsonl"), log).unwrap();
    let (code, out, err) = run(kbx().args(["fix", "--history"]).env("KBX_STATE_DIR", dir.path()));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            r"2026-11-21T10:15:00Z  CORP\admin  widget-pool-exhausted (Q900100) step 1  registry_set: done: d  [backup: C:\ProgramData\kbx\backups\x.reg]",
            r"2026-11-21T10:15:00Z  CORP\admin  owa-cdo-not-registered (Q293218) step 2  registry_set: failed: d  [backup: C:\ProgramData\kbx\backups\x.reg]",
        ]
    );
    assert!(err.contains("audit.jsonl:2: not an audit entry") && err.contains("left in the file"), "{err}");
    let (_, out, _) =
        run(kbx().args(["fix", "--history", "Q293218", "--format", "json"]).env("KBX_STATE_DIR", dir.path()));
    let entries: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(entries.as_array().map(Vec::len), Some(1));
    assert_eq!(entries[0]["result"], "failed");
}

#[test]
fn every_built_in_change_has_a_plan_with_its_elevation_and_undo() {
    let (_, out, _) = run(kbx().args(["rules", "list", "--format", "json"]));
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<String> =
        list["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    assert!(ids.len() >= 20, "{out}");
    let mut changes = 0;
    for id in ids {
        let (code, out, err) = run(kbx().args(["fix", &id, "--format", "json"]));
        assert_eq!(code, 0, "{id}: {err}");
        let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
        for step in plan["steps"].as_array().unwrap().iter().filter(|s| s["kind"] == "change") {
            changes += 1;
            assert!(step["safety"].is_string(), "{id}: {step}");
            assert!(step["undo"].is_string() && step["verify"].is_string(), "{id}: {step}");
        }
    }
    assert!(changes >= 13, "the built-in rules carry at least 13 changes, found {changes}");
}
