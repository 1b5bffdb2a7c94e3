//! The executor on Windows for real: these tests build only for Windows and run under Wine on Linux
//! (`bash .ci/wine-tests`, which also builds the test COM libraries from tests/windows/comtest.c and
//! says where they are in `KBX_WINE_COM_DIR`). They touch the registry under `kbx-wine-test` keys, the
//! Wine service MSIServer, and files in a temporary folder.
#![cfg(windows)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use kbx::fix::audit::{self, Audit};
use kbx::fix::windows::WindowsSystem;
use kbx::fix::{
    Decision, Operator, Options, Outcome, Plan, PlannedStep, Record, RegData, ServiceOp, ServiceStatus,
    Status, System, Tool, apply,
};
use kbx::rule::action::WinPath;
use kbx::rule::load::{Sources, load};

#[path = "windows/start.rs"]
mod start;

const TIMEOUT: Duration = Duration::from_secs(60);

/// Says yes to everything and keeps nothing: the tests read the run's records.
struct Yes;

impl Operator for Yes {
    fn can_ask(&self) -> bool {
        true
    }
    fn confirm(&mut self, _: &PlannedStep) -> Decision {
        Decision::Run
    }
    fn wait_for(&mut self, _: &PlannedStep) -> Decision {
        Decision::Run
    }
    fn report(&mut self, _: &Record) {}
}

/// The folder with kbx_ok.dll, kbx_fail.dll and kbx_noentry.dll, as a Windows path.
fn com_dir() -> String {
    let dir = std::env::var("KBX_WINE_COM_DIR")
        .expect("KBX_WINE_COM_DIR is not set: run these tests with `bash .ci/wine-tests`, which builds the test libraries");
    if dir.starts_with('/') { format!("Z:{}", dir.replace('/', "\\")) } else { dir }
}

/// Writes one rule (and its kb record) to a pack in a temporary folder.
fn pack(id: &str, yaml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("rules")).unwrap();
    std::fs::create_dir_all(dir.path().join("kb")).unwrap();
    std::fs::write(dir.path().join(format!("rules/{id}.yaml")), yaml).unwrap();
    let record = "---\nid: Q900200\ntitle: A Wine test of the executor\nlast_modified: 2020-01-01\nsource: kbx tests\n---\n\n## Symptoms\n\nA test.\n";
    std::fs::write(dir.path().join("kb/Q900200.md"), record).unwrap();
    dir
}

/// Loads one rule written for the test and returns its plan.
fn plan_from(id: &str, yaml: &str) -> (tempfile::TempDir, Plan) {
    let dir = pack(id, yaml);
    let knowledge =
        load(&Sources { builtin: false, dirs: vec![dir.path().to_path_buf()] }).expect("the test rule loads");
    let plan = Plan::for_rule(&knowledge.rules[0]);
    (dir, plan)
}

fn rule(id: &str, steps: &str) -> String {
    format!(
        "id: {id}\ntitle: A Wine test of the executor\nkb: Q900200\nseverity: low\nstatus: stable\n\
         symptoms:\n  - text: kbx wine test message\ncauses:\n  - A test.\nresolution:\n{steps}"
    )
}

fn run(plan: &Plan, sys: &mut WindowsSystem) -> (kbx::fix::Run, PathBuf, tempfile::TempDir) {
    let state = tempfile::tempdir().unwrap();
    let log = state.path().join("audit.jsonl");
    let mut audit = Audit::open(&log).unwrap();
    let options = Options { yes: true, timeout: TIMEOUT, backup_dir: state.path().join("backups") };
    let result = apply(plan, sys, &mut Yes, &mut audit, &options).expect("the run is not refused");
    (result, log, state)
}

fn outcomes(run: &kbx::fix::Run) -> Vec<(usize, Outcome)> {
    run.records.iter().map(|r| (r.step, r.outcome)).collect()
}

fn fresh_key(sys: &mut WindowsSystem, name: &str) -> String {
    let key = format!(r"HKLM\Software\kbx-wine-test\{name}");
    for value in ["Mode", "Threads", "Hosts"] {
        sys.registry_delete(&key, value).unwrap();
    }
    let _ = sys.registry_delete_empty_key(&key);
    key
}

#[test]
fn the_machine_is_read_as_windows_reports_it() {
    let sys = WindowsSystem;
    assert!(sys.elevated().unwrap(), "Wine reports an administrator");
    let root = sys.expand(r"%SystemRoot%\System32\kernel32.dll").unwrap();
    assert!(root.to_ascii_lowercase().ends_with(r"\system32\kernel32.dll") && root.contains(':'), "{root}");
    assert!(sys.file_exists(&root).unwrap());
    let version = sys.file_version(&root).unwrap().expect("kernel32.dll has a version resource");
    assert_eq!(version.split('.').count(), 4, "{version}");
    assert!(sys.expand(r"%TEMP%\x.dll").is_err(), "only the allowed variables expand");
    assert_eq!(sys.service_status("kbxNoSuchService").unwrap(), ServiceStatus::Missing);
}

#[test]
fn a_registry_change_is_backed_up_verified_and_undone_after_a_later_failure() {
    let mut sys = WindowsSystem;
    let key = fresh_key(&mut sys, "undo");
    sys.registry_write(&key, "Mode", &RegData::Sz("before".into())).unwrap();
    // A type kbx does not read as data: the undo must write back the very bytes.
    let binary = RegData::Other { kind: 3, bytes: vec![1, 2, 3] };
    sys.registry_write(&key, "Threads", &binary).unwrap();
    let steps = format!(
        "  - text: Set the mode.\n    action:\n      registry_set: {{key: '{key}', value: Mode, type: REG_SZ, data: after}}\n    safety: safe\n\
         \x20 - text: Set the thread count.\n    action:\n      registry_set: {{key: '{key}', value: Threads, type: REG_DWORD, data: 7}}\n    safety: safe\n\
         \x20 - text: Start a service that does not exist.\n    action:\n      service_start: kbxNoSuchService\n    safety: safe\n"
    );
    let (_dir, plan) = plan_from("wine-registry-undo", &rule("wine-registry-undo", &steps));
    let (result, log, _state) = run(&plan, &mut sys);
    assert_eq!(result.status, Status::Failed { step: 3, clean: true }, "{:#?}", result.records);
    assert_eq!(
        outcomes(&result),
        [
            (1, Outcome::Done),
            (2, Outcome::Done),
            (3, Outcome::Failed),
            (2, Outcome::Undone),
            (1, Outcome::Undone)
        ]
    );
    assert!(
        result.records[2].detail.contains("no service is named kbxNoSuchService"),
        "{}",
        result.records[2].detail
    );
    assert_eq!(sys.registry_read(&key, "Mode").unwrap(), Some(RegData::Sz("before".into())));
    assert_eq!(sys.registry_read(&key, "Threads").unwrap(), Some(binary));

    // The backup is the key as `reg export` wrote it before step 1 changed it.
    let backup = result.records[0].backup.as_deref().expect("step 1 was backed up");
    let bytes = std::fs::read(backup).unwrap();
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    let text = String::from_utf16_lossy(&units);
    assert!(text.contains("Windows Registry Editor Version 5.00"), "{text}");
    assert!(text.contains(r"kbx-wine-test\undo]") && text.contains(r#""Mode"="before""#), "{text}");

    let (entries, bad) = audit::read(&log).unwrap();
    assert!(bad.is_empty());
    let results: Vec<&str> = entries.iter().map(|e| e.result.as_str()).collect();
    assert_eq!(results, ["done", "done", "failed", "undone", "undone"]);
    assert_eq!(entries[0].backup.as_deref(), Some(backup));
}

#[test]
fn a_registry_change_that_succeeds_stays_and_a_second_run_is_a_no_op() {
    let mut sys = WindowsSystem;
    let key = fresh_key(&mut sys, "keep");
    let steps = format!(
        "  - text: Set the thread count.\n    action:\n      registry_set: {{key: '{key}', value: Threads, type: REG_DWORD, data: 0x10}}\n    safety: safe\n"
    );
    let (_dir, plan) = plan_from("wine-registry-keep", &rule("wine-registry-keep", &steps));
    let (first, _, _s1) = run(&plan, &mut sys);
    assert_eq!(outcomes(&first), [(1, Outcome::Done)]);
    assert_eq!(first.records[0].backup, None, "a key that did not exist has nothing to back up");
    assert_eq!(sys.registry_read(&key, "Threads").unwrap(), Some(RegData::Dword(16)));
    let (second, _, _s2) = run(&plan, &mut sys);
    assert_eq!(outcomes(&second), [(1, Outcome::Already)]);
    fresh_key(&mut sys, "keep");
}

#[test]
fn a_multi_string_value_and_the_empty_list_are_written_and_verified() {
    let mut sys = WindowsSystem;
    let key = fresh_key(&mut sys, "multi");
    for (data, want) in [(r"a\0b", vec!["a".to_string(), "b".to_string()]), ("", vec![])] {
        let steps = format!(
            "  - text: Set the hosts.\n    action:\n      registry_set: {{key: '{key}', value: Hosts, type: REG_MULTI_SZ, data: '{data}'}}\n    safety: safe\n"
        );
        let (_dir, plan) = plan_from("wine-registry-multi", &rule("wine-registry-multi", &steps));
        let (first, _, _s1) = run(&plan, &mut sys);
        assert_eq!(outcomes(&first), [(1, Outcome::Done)], "{data}: {:#?}", first.records);
        assert_eq!(sys.registry_read(&key, "Hosts").unwrap(), Some(RegData::MultiSz(want)), "{data}");
        let (second, _, _s2) = run(&plan, &mut sys);
        assert_eq!(outcomes(&second), [(1, Outcome::Already)], "{data}: {:#?}", second.records);
    }
    fresh_key(&mut sys, "multi");
}

#[test]
fn regsvr32_registers_the_test_library() {
    let mut sys = WindowsSystem;
    let _ = sys.registry_delete(r"HKCU\Software\kbx-wine-test\comtest", "Registered");
    let dll = format!(r"{}\kbx_ok.dll", com_dir());
    let steps =
        format!("  - text: Register the library.\n    action:\n      regsvr32: '{dll}'\n    safety: safe\n");
    let (_dir, plan) = plan_from("wine-regsvr32", &rule("wine-regsvr32", &steps));
    let (result, _, _state) = run(&plan, &mut sys);
    assert_eq!(result.status, Status::Completed, "{:#?}", result.records);
    assert_eq!(result.records[0].detail, format!("regsvr32 registered {dll}"));
    assert_eq!(
        sys.registry_read(r"HKCU\Software\kbx-wine-test\comtest", "Registered").unwrap(),
        Some(RegData::Dword(1)),
        "DllRegisterServer did not run"
    );
}

#[test]
fn regsvr32_failures_come_back_as_their_exit_codes() {
    let mut sys = WindowsSystem;
    let dir = com_dir();
    let code =
        |sys: &mut WindowsSystem, dll: String| sys.run(Tool::Regsvr32, &["/s".into(), dll], TIMEOUT).unwrap();
    assert_eq!(code(&mut sys, format!(r"{dir}\no-such-library.dll")), 3, "a missing library");
    assert_eq!(code(&mut sys, format!(r"{dir}\kbx_noentry.dll")), 4, "no DllRegisterServer entry point");
    assert_eq!(code(&mut sys, format!(r"{dir}\kbx_fail.dll")), 5, "DllRegisterServer failed");

    // Through the executor the failure is named, not just numbered.
    let steps = format!(
        "  - text: Register.\n    action:\n      regsvr32: '{dir}\\kbx_fail.dll'\n    safety: safe\n"
    );
    let (_d, plan) = plan_from("wine-regsvr32-fail", &rule("wine-regsvr32-fail", &steps));
    let (result, _, _state) = run(&plan, &mut sys);
    assert_eq!(result.status, Status::Failed { step: 1, clean: true });
    assert_eq!(
        result.records[0].detail,
        "regsvr32 exited with 5: the library's DllRegisterServer reported a failure"
    );
}

#[test]
fn an_injection_attempt_stays_inert() {
    // The loader refuses it outright …
    assert!(WinPath::parse("cdo.dll & echo INJECTED").is_err());
    let dir = pack(
        "wine-injection",
        &rule(
            "wine-injection",
            "  - text: Register.\n    action:\n      regsvr32: 'cdo.dll & echo INJECTED'\n    safety: safe\n",
        ),
    );
    let err = load(&Sources { builtin: false, dirs: vec![dir.path().to_path_buf()] }).unwrap_err();
    assert!(
        err.problems.iter().any(|p| p.message.contains("a character a command shell interprets")),
        "{err:?}"
    );

    // … and even handed straight to the machine, no shell ever sees it: regsvr32 gets one argument,
    // fails to load a library of that name, and nothing is written.
    let marker = dir.path().join("injected.txt");
    let mut sys = WindowsSystem;
    let arg = format!(r"{}\cdo.dll & echo INJECTED > {}", dir.path().display(), marker.display());
    assert_eq!(sys.run(Tool::Regsvr32, &["/s".into(), arg], TIMEOUT).unwrap(), 3);
    assert!(!marker.exists(), "the shell ran the injected command");
}

#[test]
fn a_wine_service_stops_and_starts() {
    let mut sys = WindowsSystem;
    if sys.service_status("MSIServer").unwrap() == ServiceStatus::Running {
        sys.service_control("MSIServer", ServiceOp::Stop, TIMEOUT).unwrap();
    }
    assert_eq!(sys.service_status("MSIServer").unwrap(), ServiceStatus::Stopped);
    let steps = "  - text: Start the installer service.\n    action:\n      service_start: MSIServer\n    safety: safe\n\
                 \x20 - text: Stop it again.\n    action:\n      service_stop: MSIServer\n    safety: safe\n";
    let (_dir, plan) = plan_from("wine-service", &rule("wine-service", steps));
    let only_start = plan.clone().only_step(1).unwrap();
    let (started, _, _s1) = run(&only_start, &mut sys);
    assert_eq!(outcomes(&started), [(1, Outcome::Done)], "{:#?}", started.records);
    assert_eq!(sys.service_status("MSIServer").unwrap(), ServiceStatus::Running);
    let (again, _, _s2) = run(&only_start, &mut sys);
    assert_eq!(outcomes(&again), [(1, Outcome::Already)]);
    let only_stop = plan.only_step(2).unwrap();
    let (stopped, _, _s3) = run(&only_stop, &mut sys);
    assert_eq!(outcomes(&stopped), [(2, Outcome::Done)], "{:#?}", stopped.records);
    assert_eq!(sys.service_status("MSIServer").unwrap(), ServiceStatus::Stopped);
}

#[test]
fn the_command_line_applies_a_fix() {
    let mut sys = WindowsSystem;
    let key = fresh_key(&mut sys, "cli");
    let steps = format!(
        "  - text: Set the mode.\n    action:\n      registry_set: {{key: '{key}', value: Mode, type: REG_SZ, data: cli}}\n    safety: safe\n"
    );
    let (dir, _) = plan_from("wine-cli", &rule("wine-cli", &steps));
    let state = tempfile::tempdir().unwrap();
    let out = start::output(
        std::process::Command::new(env!("CARGO_BIN_EXE_kbx"))
            .args(["fix", "wine-cli", "--apply", "--yes", "--no-builtin", "--rules"])
            .arg(dir.path())
            .env("KBX_STATE_DIR", state.path()),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(r"step 1: done: ") && stdout.contains("Done: every step"), "{stdout}");
    assert_eq!(sys.registry_read(&key, "Mode").unwrap(), Some(RegData::Sz("cli".into())));
    let (entries, _) = audit::read(&Path::new(state.path()).join("audit.jsonl")).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].rule, "wine-cli");
    fresh_key(&mut sys, "cli");
}
