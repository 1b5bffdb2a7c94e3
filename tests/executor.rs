//! The executor against the in-memory machine: a plan changes nothing, a failure undoes the run's
//! earlier changes in reverse, a second run is a no-op, a prompt without elevation changes nothing, steps
//! above `safe` are never run without a person's yes, and every step lands in the audit log.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kbx::fix::audit::{self, Audit};
use kbx::fix::fake::{FakeSystem, Fault, SYSTEM_ROOT};
use kbx::fix::{
    Decision, Operator, Options, Outcome, Plan, PlannedStep, Record, Refusal, RegData, ServiceOp,
    ServiceStatus, Status, Survey, apply, survey,
};
use kbx::rule::load::{Sources, load};

const PARAMS: &str = r"HKLM\SOFTWARE\Contoso\Widget\Parameters";
const WIDGET_DLL: &str = r"C:\Program Files\Contoso\Widget\widgetcom.dll";

fn plan(id: &str) -> Plan {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fix");
    let knowledge = load(&Sources { builtin: false, dirs: vec![dir] }).expect("the fixture rules load");
    let rule = knowledge.rules.iter().find(|r| r.id == id).expect("the fixture rule exists");
    Plan::for_rule(rule)
}

/// A machine where the widget rule has work to do: the service runs, MaxThreads is 8, Mode is unset.
fn widget_machine() -> FakeSystem {
    let mut sys = FakeSystem::new();
    sys.add_service("ContosoWidget", ServiceStatus::Running);
    sys.set_value(PARAMS, "MaxThreads", RegData::Dword(8));
    sys
}

/// Answers from a script (then always `answer`) and keeps what it was asked and told.
struct Scripted {
    answers: VecDeque<Decision>,
    answer: Decision,
    can_ask: bool,
    asked: Vec<usize>,
    waited: Vec<usize>,
    heard: Vec<Record>,
}

impl Scripted {
    fn answering(answer: Decision) -> Scripted {
        Scripted {
            answers: VecDeque::new(),
            answer,
            can_ask: true,
            asked: Vec::new(),
            waited: Vec::new(),
            heard: Vec::new(),
        }
    }

    fn then(answers: &[Decision], answer: Decision) -> Scripted {
        Scripted { answers: answers.iter().copied().collect(), ..Scripted::answering(answer) }
    }
}

impl Operator for Scripted {
    fn can_ask(&self) -> bool {
        self.can_ask
    }
    fn confirm(&mut self, step: &PlannedStep) -> Decision {
        self.asked.push(step.number);
        self.answers.pop_front().unwrap_or(self.answer)
    }
    fn wait_for(&mut self, step: &PlannedStep) -> Decision {
        self.waited.push(step.number);
        self.answers.pop_front().unwrap_or(self.answer)
    }
    fn report(&mut self, record: &Record) {
        self.heard.push(record.clone());
    }
}

struct Bench {
    _dir: tempfile::TempDir,
    log: PathBuf,
    options: Options,
}

fn bench(yes: bool) -> Bench {
    let dir = tempfile::tempdir().unwrap();
    let options = Options { yes, timeout: Duration::from_secs(30), backup_dir: dir.path().join("backups") };
    Bench { log: dir.path().join("audit.jsonl"), options, _dir: dir }
}

fn run(plan: &Plan, sys: &mut FakeSystem, op: &mut Scripted, b: &Bench) -> Result<kbx::fix::Run, Refusal> {
    let mut audit = Audit::open(&b.log).unwrap();
    apply(plan, sys, op, &mut audit, &b.options)
}

fn outcomes(records: &[Record]) -> Vec<(usize, Outcome)> {
    records.iter().map(|r| (r.step, r.outcome)).collect()
}

#[test]
fn a_plan_and_a_survey_change_nothing() {
    let plan = plan("widget-pool-exhausted");
    assert_eq!(plan.steps.len(), 5);
    assert_eq!(plan.changes(), 4);
    let sys = widget_machine();
    let said = survey(&plan, &sys);
    assert_eq!(
        said,
        vec![
            Survey::Needed,
            Survey::Needed,
            Survey::Needed,
            Survey::Already("ContosoWidget is already running".into()),
            Survey::Shown
        ]
    );
    assert!(sys.journal.is_empty(), "the survey changed something: {:?}", sys.journal);
    assert_eq!(sys.value(PARAMS, "MaxThreads"), Some(&RegData::Dword(8)));
}

#[test]
fn the_whole_run_applies_verifies_and_audits_each_step() {
    let plan = plan("widget-pool-exhausted");
    let mut sys = widget_machine();
    let b = bench(true);
    let mut op = Scripted::answering(Decision::Stop);
    let result = run(&plan, &mut sys, &mut op, &b).unwrap();
    assert_eq!(result.status, Status::Completed);
    assert_eq!(
        outcomes(&result.records),
        vec![
            (1, Outcome::Done),
            (2, Outcome::Done),
            (3, Outcome::Done),
            (4, Outcome::Done),
            (5, Outcome::Shown)
        ]
    );
    assert!(op.asked.is_empty(), "--yes asked about safe steps: {:?}", op.asked);
    assert_eq!(sys.value(PARAMS, "MaxThreads"), Some(&RegData::Dword(0x20)));
    assert_eq!(sys.value(PARAMS, "Mode"), Some(&RegData::Sz("batch".into())));
    assert_eq!(sys.status("ContosoWidget"), ServiceStatus::Running);
    // The key existed, so it was exported (`reg export KEY FILE /y`) before the registry change.
    let backup = result.records[0].backup.as_deref().expect("step 1 names its backup");
    assert!(Path::new(backup).starts_with(&b.options.backup_dir), "{backup}");
    let export = format!(r"run %SystemRoot%\System32\reg.exe export {PARAMS} {backup} /y");
    let at = sys.journal.iter().position(|j| *j == export).expect("the export ran");
    assert!(
        sys.journal[at + 1].contains("MaxThreads"),
        "the export came right before the write: {:?}",
        sys.journal
    );
    let (entries, bad) = audit::read(&b.log).unwrap();
    assert!(bad.is_empty());
    let results: Vec<(usize, &str)> = entries.iter().map(|e| (e.step, e.result.as_str())).collect();
    assert_eq!(results, vec![(1, "done"), (2, "done"), (3, "done"), (4, "done"), (5, "shown")]);
    assert!(entries.iter().all(|e| e.rule == "widget-pool-exhausted" && e.kb == "Q900100"));
    assert_eq!(entries[0].action.as_deref(), Some("registry_set"));
    assert_eq!(entries[0].backup.as_deref(), Some(backup));
    assert_eq!(op.heard, result.records, "the operator hears every record as it happens");
}

#[test]
fn a_failure_at_step_3_undoes_steps_2_and_1_in_reverse() {
    let plan = plan("widget-pool-exhausted");
    let mut sys = widget_machine();
    sys.faults.push(Fault::RegistryWrite { key: PARAMS.into(), value: "Mode".into() });
    let b = bench(true);
    let result = run(&plan, &mut sys, &mut Scripted::answering(Decision::Run), &b).unwrap();
    assert_eq!(result.status, Status::Failed { step: 3, clean: true });
    assert_eq!(
        outcomes(&result.records),
        vec![
            (1, Outcome::Done),
            (2, Outcome::Done),
            (3, Outcome::Failed),
            (3, Outcome::Undone),
            (2, Outcome::Undone),
            (1, Outcome::Undone)
        ]
    );
    assert!(result.records[2].detail.contains("injected failure writing"), "{}", result.records[2].detail);
    assert_eq!(sys.value(PARAMS, "MaxThreads"), Some(&RegData::Dword(8)), "step 1 was not put back");
    assert_eq!(sys.value(PARAMS, "Mode"), None);
    assert_eq!(sys.status("ContosoWidget"), ServiceStatus::Running, "step 2 was not put back");
    let undo_order: Vec<&String> = sys.journal.iter().skip_while(|j| !j.contains("Mode")).skip(1).collect();
    assert_eq!(
        undo_order,
        vec![
            r"registry_delete HKLM\SOFTWARE\Contoso\Widget\Parameters\Mode",
            "service_control ContosoWidget Start",
            r"registry_write HKLM\SOFTWARE\Contoso\Widget\Parameters\MaxThreads = REG_DWORD 8 (0x8)",
        ]
    );
    let (entries, _) = audit::read(&b.log).unwrap();
    let results: Vec<&str> = entries.iter().map(|e| e.result.as_str()).collect();
    assert_eq!(results, vec!["done", "done", "failed", "undone", "undone", "undone"]);
}

#[test]
fn a_second_run_is_a_no_op() {
    let plan = plan("widget-pool-exhausted");
    let mut sys = widget_machine();
    let b = bench(true);
    run(&plan, &mut sys, &mut Scripted::answering(Decision::Run), &b).unwrap();
    let changed = sys.journal.len();
    let second = run(&plan, &mut sys, &mut Scripted::answering(Decision::Run), &b).unwrap();
    assert_eq!(second.status, Status::Completed);
    assert_eq!(
        outcomes(&second.records),
        vec![
            (1, Outcome::Already),
            (2, Outcome::Already),
            (3, Outcome::Already),
            (4, Outcome::Already),
            (5, Outcome::Shown)
        ]
    );
    assert_eq!(sys.journal.len(), changed, "the second run changed: {:?}", &sys.journal[changed..]);
}

#[test]
fn without_elevation_nothing_changes() {
    let plan = plan("widget-pool-exhausted");
    let mut sys = widget_machine();
    sys.elevated = false;
    let b = bench(true);
    let err = run(&plan, &mut sys, &mut Scripted::answering(Decision::Run), &b).unwrap_err();
    assert!(matches!(err, Refusal::NotElevated { step: 1, .. }), "{err}");
    assert!(
        err.to_string().contains("Run as administrator") && err.to_string().contains("Nothing was changed")
    );
    assert!(sys.journal.is_empty(), "{:?}", sys.journal);
    assert!(audit::read(&b.log).unwrap().0.is_empty());
}

#[test]
fn the_current_users_keys_need_no_elevation() {
    let plan = plan("widget-console-com").only_step(3).unwrap();
    let mut sys = FakeSystem::new();
    sys.elevated = false;
    let result = run(&plan, &mut sys, &mut Scripted::answering(Decision::Run), &bench(false)).unwrap();
    assert_eq!(outcomes(&result.records), vec![(3, Outcome::Done)]);
    assert_eq!(
        sys.value(r"HKCU\Software\Contoso\Widget Console", ""),
        Some(&RegData::Sz("zoom 100%".into()))
    );
}

#[test]
fn steps_above_safe_are_asked_about_even_with_yes() {
    let plan = plan("widget-console-com");
    let mut sys = FakeSystem::new();
    sys.add_file(WIDGET_DLL, Some("2.0.0.1"));
    sys.add_service("ContosoWidget", ServiceStatus::Running);
    let mut op = Scripted::answering(Decision::Skip);
    let result = run(&plan, &mut sys, &mut op, &bench(true)).unwrap();
    assert_eq!(op.asked, vec![3, 4], "the caution and dangerous steps, and only those");
    assert_eq!(
        outcomes(&result.records),
        vec![(1, Outcome::Passed), (2, Outcome::Done), (3, Outcome::Declined), (4, Outcome::Declined)]
    );
    assert_eq!(sys.registered, vec![WIDGET_DLL.to_string()]);
    assert!(
        !sys.journal.iter().any(|j| j.contains("ContosoWidget") || j.contains("Console")),
        "{:?}",
        sys.journal
    );
}

#[test]
fn with_no_one_to_ask_a_step_above_safe_is_refused_before_anything_runs() {
    let plan = plan("widget-console-com");
    let mut sys = FakeSystem::new();
    sys.add_file(WIDGET_DLL, None);
    let mut op = Scripted { can_ask: false, ..Scripted::answering(Decision::Run) };
    let err = run(&plan, &mut sys, &mut op, &bench(true)).unwrap_err();
    assert!(matches!(err, Refusal::CannotConfirm { step: 3, safety: "caution" }), "{err}");
    assert!(sys.journal.is_empty());
    // Without --yes even a safe step needs someone to say yes.
    let safe_only = plan.only_step(2).unwrap();
    let err = run(&safe_only, &mut sys, &mut op, &bench(false)).unwrap_err();
    assert!(matches!(err, Refusal::CannotConfirm { step: 2, safety: "safe" }), "{err}");
    assert!(sys.journal.is_empty());
}

#[test]
fn stopping_keeps_what_was_done_and_ends_the_run() {
    let plan = plan("widget-pool-exhausted");
    let mut sys = widget_machine();
    let mut op = Scripted::answering(Decision::Stop);
    let result = run(&plan, &mut sys, &mut op, &bench(false)).unwrap();
    assert_eq!(result.status, Status::Stopped { step: 1, clean: true });
    assert_eq!(outcomes(&result.records), vec![(1, Outcome::Declined)]);
    assert!(sys.journal.is_empty());
}

#[test]
fn regsvr32_failures_are_explained_and_a_registration_is_kept_on_undo() {
    // The library is missing: the precondition stops the run before regsvr32 is started.
    let step2 = plan("widget-console-com").only_step(2).unwrap();
    let mut sys = FakeSystem::new();
    let result = run(&step2, &mut sys, &mut Scripted::answering(Decision::Run), &bench(true)).unwrap();
    assert_eq!(result.status, Status::Failed { step: 2, clean: true });
    assert!(
        result.records[0].detail.contains(r"widgetcom.dll does not exist"),
        "{}",
        result.records[0].detail
    );
    assert!(!sys.journal.iter().any(|j| j.contains("regsvr32")));

    // regsvr32 itself fails: its exit code is named.
    sys.add_file(WIDGET_DLL, None);
    sys.faults.push(Fault::ToolExit { tool: kbx::fix::Tool::Regsvr32, code: 5 });
    let result = run(&step2, &mut sys, &mut Scripted::answering(Decision::Run), &bench(true)).unwrap();
    assert_eq!(
        result.records[0].detail,
        "regsvr32 exited with 5: the library's DllRegisterServer reported a failure"
    );

    // A later failure leaves the registration in place and says so.
    let mut sys = FakeSystem::new();
    sys.add_file(WIDGET_DLL, None);
    sys.add_service("ContosoWidget", ServiceStatus::Stopped);
    sys.faults.push(Fault::Service { name: "ContosoWidget".into(), op: ServiceOp::Start });
    let mut plan = plan("widget-console-com");
    plan.steps.retain(|s| s.number != 3);
    let mut op = Scripted::answering(Decision::Run);
    let result = run(&plan, &mut sys, &mut op, &bench(true)).unwrap();
    assert_eq!(
        outcomes(&result.records),
        vec![
            (1, Outcome::Passed),
            (2, Outcome::Done),
            (4, Outcome::Failed),
            (4, Outcome::Undone),
            (2, Outcome::Kept)
        ]
    );
    assert!(result.records[4].detail.contains("registration stays"));
    assert_eq!(
        sys.status("ContosoWidget"),
        ServiceStatus::Stopped,
        "the restart's undo leaves it stopped as it was"
    );
}

#[test]
fn a_service_that_never_settles_times_out_and_the_run_is_undone() {
    let plan = plan("widget-pool-exhausted");
    let mut sys = widget_machine();
    sys.faults.push(Fault::ServiceHangs { name: "ContosoWidget".into() });
    sys.faults.push(Fault::ServiceHangs { name: "ContosoWidget".into() });
    let b = bench(true);
    let result = run(&plan, &mut sys, &mut Scripted::answering(Decision::Run), &b).unwrap();
    assert_eq!(result.status, Status::Failed { step: 2, clean: false });
    assert!(result.records[1].detail.contains("did not finish within 30 s"), "{}", result.records[1].detail);
    // Step 1 is still put back even though the service's own undo hangs too.
    assert_eq!(outcomes(&result.records)[2..], [(2, Outcome::UndoFailed), (1, Outcome::Undone)]);
    assert_eq!(sys.value(PARAMS, "MaxThreads"), Some(&RegData::Dword(8)));
}

#[test]
fn a_key_the_run_created_is_removed_by_the_undo() {
    let mut plan = plan("widget-pool-exhausted");
    plan.steps.truncate(2);
    let mut sys = FakeSystem::new();
    sys.add_service("ContosoWidget", ServiceStatus::Running);
    sys.faults.push(Fault::Service { name: "ContosoWidget".into(), op: ServiceOp::Stop });
    let result = run(&plan, &mut sys, &mut Scripted::answering(Decision::Run), &bench(true)).unwrap();
    assert_eq!(result.status, Status::Failed { step: 2, clean: true });
    assert_eq!(result.records[0].backup, None, "there was no key to back up");
    for made in [PARAMS, r"HKLM\SOFTWARE\Contoso\Widget", r"HKLM\SOFTWARE\Contoso"] {
        assert!(!sys.has_key(made), "{made}, made by step 1, is still there");
    }
    assert!(sys.has_key(r"HKLM\SOFTWARE"), "a key that was there before went: {:?}", sys.journal);
}

#[test]
fn a_survey_names_the_expanded_path_it_looked_for() {
    let plan = plan("widget-console-com").only_step(1).unwrap();
    let mut sys = FakeSystem::new();
    assert_eq!(survey(&plan, &sys), vec![Survey::Blocked(format!("{WIDGET_DLL} does not exist"))]);
    sys.add_file(WIDGET_DLL, None);
    assert_eq!(survey(&plan, &sys), vec![Survey::Holds(format!("{WIDGET_DLL} exists"))]);
    let regsvr32 = format!(r"{SYSTEM_ROOT}\System32\regsvr32.exe");
    assert!(sys.files.contains_key(&regsvr32.to_ascii_lowercase()), "the tools are where %SystemRoot% says");
}

#[test]
fn a_restart_after_a_change_runs_the_first_time_and_not_the_second() {
    let full = plan("widget-queue-depth");
    let mut sys = widget_machine();
    let mut op = Scripted::answering(Decision::Run);
    let first = run(&full, &mut sys, &mut op, &bench(true)).unwrap();
    assert_eq!(first.status, Status::Completed);
    assert_eq!(outcomes(&first.records), [(1, Outcome::Done), (2, Outcome::Shown), (3, Outcome::Done)]);
    assert_eq!(op.waited, [2], "the manual step before the restart waits for the person");
    assert!(sys.journal.iter().any(|j| j == "service_control ContosoWidget Stop"), "{:?}", sys.journal);

    // Without the person's step in between, a second run has nothing to do.
    let mut direct = full.clone();
    direct.steps.retain(|s| s.number != 2);
    let changed = sys.journal.len();
    let second = run(&direct, &mut sys, &mut Scripted::answering(Decision::Run), &bench(true)).unwrap();
    assert_eq!(outcomes(&second.records), [(1, Outcome::Already), (3, Outcome::Already)]);
    assert_eq!(sys.journal.len(), changed);

    // With it, the restart runs again: what the person did may need it.
    let third = run(&full, &mut sys, &mut Scripted::answering(Decision::Run), &bench(true)).unwrap();
    assert_eq!(outcomes(&third.records), [(1, Outcome::Already), (2, Outcome::Shown), (3, Outcome::Done)]);
}

#[test]
fn a_restart_that_cannot_start_again_brings_the_service_back() {
    let plan = plan("widget-queue-depth");
    let mut sys = widget_machine();
    sys.faults.push(Fault::Service { name: "ContosoWidget".into(), op: ServiceOp::Start });
    let result = run(&plan, &mut sys, &mut Scripted::answering(Decision::Run), &bench(true)).unwrap();
    assert_eq!(result.status, Status::Failed { step: 3, clean: true });
    assert_eq!(
        outcomes(&result.records),
        [
            (1, Outcome::Done),
            (2, Outcome::Shown),
            (3, Outcome::Failed),
            (3, Outcome::Undone),
            (1, Outcome::Undone)
        ]
    );
    assert_eq!(sys.status("ContosoWidget"), ServiceStatus::Running, "the restart's undo starts it again");
    assert_eq!(sys.value(PARAMS, "QueueDepth"), None);
}

#[test]
fn stopping_at_a_prompt_undoes_what_the_run_changed() {
    let plan = plan("widget-pool-exhausted");
    let mut sys = widget_machine();
    let mut op = Scripted::then(&[Decision::Run, Decision::Run], Decision::Stop);
    let result = run(&plan, &mut sys, &mut op, &bench(false)).unwrap();
    assert_eq!(result.status, Status::Stopped { step: 3, clean: true });
    assert_eq!(
        outcomes(&result.records),
        [
            (1, Outcome::Done),
            (2, Outcome::Done),
            (3, Outcome::Declined),
            (2, Outcome::Undone),
            (1, Outcome::Undone)
        ]
    );
    assert_eq!(sys.status("ContosoWidget"), ServiceStatus::Running, "the stopped service is started again");
    assert_eq!(sys.value(PARAMS, "MaxThreads"), Some(&RegData::Dword(8)));
}

#[test]
fn a_step_left_out_is_reported_and_the_run_is_not_complete() {
    let plan = plan("widget-pool-exhausted");
    let mut sys = widget_machine();
    let mut op = Scripted::then(&[Decision::Run, Decision::Skip], Decision::Run);
    let result = run(&plan, &mut sys, &mut op, &bench(false)).unwrap();
    assert_eq!(result.status, Status::LeftOut { steps: vec![2] });
    assert_eq!(outcomes(&result.records)[1], (2, Outcome::Declined));
    assert_eq!(sys.value(PARAMS, "Mode"), Some(&RegData::Sz("batch".into())), "the steps after it still ran");
}

#[test]
fn a_manual_step_that_later_changes_wait_for_cannot_be_skipped_without_a_person() {
    let plan = plan("widget-queue-depth");
    let mut sys = widget_machine();
    let mut op = Scripted { can_ask: false, ..Scripted::answering(Decision::Run) };
    let err = run(&plan, &mut sys, &mut op, &bench(true)).unwrap_err();
    assert!(matches!(err, Refusal::CannotWait { step: 2 }), "{err}");
    assert!(sys.journal.is_empty());
    // Stopping while the person should carry it out undoes step 1.
    let mut op = Scripted::answering(Decision::Stop);
    let result = run(&plan, &mut sys, &mut op, &bench(true)).unwrap();
    assert_eq!(result.status, Status::Stopped { step: 2, clean: true });
    assert_eq!(sys.value(PARAMS, "QueueDepth"), None);
}

#[cfg(target_os = "linux")]
#[test]
fn a_run_that_cannot_write_its_audit_log_stops_and_undoes() {
    let plan = plan("widget-pool-exhausted");
    let mut sys = widget_machine();
    let mut audit = Audit::open(Path::new("/dev/full")).unwrap();
    let b = bench(true);
    let result =
        apply(&plan, &mut sys, &mut Scripted::answering(Decision::Run), &mut audit, &b.options).unwrap();
    assert_eq!(result.status, Status::Failed { step: 1, clean: true });
    assert_eq!(outcomes(&result.records), [(1, Outcome::Done), (1, Outcome::Failed), (1, Outcome::Undone)]);
    assert!(
        result.records[1].detail.contains("cannot write the audit log /dev/full"),
        "{}",
        result.records[1].detail
    );
    assert_eq!(sys.value(PARAMS, "MaxThreads"), Some(&RegData::Dword(8)));
}
