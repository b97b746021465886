//! The bulk screen's flows as plain functions: keys and outcomes in, state and commands out.

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::api::Role;
use crate::bulk::{
    Change, Plan, Progress, ProgressStats, RunKind, UserOutcome, plan::Desired, plan::plan_user,
};
use crate::config::UserUpdateApi;

use super::action::{Action, BulkControl, Command, Outcome};
use super::bulk_flow::{BulkFlow, RunPhase};
use super::modal::{InputFor, Modal, Question};
use super::state::{AppState, Level, Screen};
use super::update::update;
use super::update_tests::{asked, ch, key, loaded, state_with, text, typed, typing};
use crate::bulk::{Budget, PlanKind, Preview, RunInfo, RunReport, Work};

fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Users 1..=n loaded, all selected, roles known, on the bulk screen.
pub fn bulk_state(n: i64) -> AppState {
    let mut state = loaded(n, None);
    update(
        &mut state,
        Action::Outcome(Outcome::Roles(Ok(vec![
            Role {
                id: 1,
                name: "Admin".into(),
            },
            Role {
                id: 2,
                name: "Support".into(),
            },
        ]))),
    );
    update(&mut state, Action::Outcome(Outcome::BulkRuns(Ok(vec![]))));
    update(&mut state, ch('a'));
    update(&mut state, ch('2'));
    assert_eq!(state.screen, Screen::Bulk);
    state
}

/// Adds "set AWS_Role = value" through the form.
pub fn set_aws_role(state: &mut AppState, value: &str) {
    update(state, ch('a'));
    assert!(matches!(state.modals.top(), Some(Modal::Pick(_))));
    update(state, key(KeyCode::Enter)); // AWS_Role is the first field
    assert!(typing_value(state));
    typed(state, value);
    update(state, key(KeyCode::Enter));
    assert!(state.modals.is_empty());
}

/// Whether the value of a change is being typed.
fn typing_value(state: &AppState) -> bool {
    matches!(
        state.modals.top(),
        Some(Modal::Input(i)) if matches!(i.purpose, InputFor::ChangeValue { .. })
    )
}

/// The preview on screen.
fn preview(state: &AppState) -> &crate::bulk::Preview {
    &state.bulk.flow.preview().expect("a preview").preview
}

/// What the worker would answer to a BulkPlan, reading users shaped as `loaded()` makes them.
pub fn plan_for(state: &AppState, commands: &[Command]) -> Action {
    let Some(Command::BulkPlan {
        generation,
        ids,
        changes,
    }) = commands.first()
    else {
        panic!("no plan command: {commands:?}");
    };
    let desired = Desired::from_changes(changes).unwrap();
    let mut plan = Plan::default();
    for id in ids {
        let user = super::update_tests::user(
            *id,
            &format!("user{id}"),
            &format!("u{id}@example.com"),
            None,
        );
        match plan_user(&user, &desired, None, crate::config::ApiMode::Auto) {
            Some(up) => plan.users.push(up),
            None => plan.unchanged.push(*id),
        }
    }
    let _ = state;
    Action::Outcome(Outcome::BulkPlanned {
        generation: *generation,
        result: Ok(Preview {
            kind: PlanKind::Apply,
            plan,
            source: None,
            estimate: Duration::from_millis(1500),
            concurrency: 4,
            budget: Some(Budget {
                limit: 5000,
                remaining: 4990,
                reset: Duration::from_secs(1800),
                resets_at: std::time::Instant::now() + Duration::from_secs(1800),
            }),
            reads: 0,
            fallback: None,
        }),
    })
}

/// Form → preview, the worker's answer applied.
pub fn previewed(n: i64) -> AppState {
    let mut state = bulk_state(n);
    set_aws_role(&mut state, "Admin");
    let commands = update(&mut state, ch('p'));
    let answer = plan_for(&state, &commands);
    update(&mut state, answer);
    state
}

#[test]
fn selection_form_preview_typed_number_then_run() {
    let mut state = bulk_state(5);
    set_aws_role(&mut state, "Admin");
    assert_eq!(
        state.bulk.changes,
        vec![Change::SetAttribute {
            name: "AWS_Role".into(),
            value: "Admin".into()
        }]
    );
    let commands = update(&mut state, ch('p'));
    let Command::BulkPlan { ids, .. } = &commands[0] else {
        panic!("{commands:?}");
    };
    assert_eq!(ids, &vec![1, 2, 3, 4, 5]);
    assert!(matches!(state.bulk.flow, BulkFlow::Planning(_)));
    let answer = plan_for(&state, &commands);
    update(&mut state, answer);
    assert_eq!(preview(&state).plan.users.len(), 5);
    assert_eq!(preview(&state).plan.calls(), 5);

    assert!(update(&mut state, ctrl('s')).is_empty());
    assert!(matches!(state.bulk.flow, BulkFlow::Confirming(_)));
    assert!(typing(&state, &InputFor::TypedConfirm));
    // While the number is typed, `p` and `q` are text.
    typed(&mut state, "5");
    let commands = update(&mut state, key(KeyCode::Enter));
    assert_eq!(commands.len(), 1);
    let Command::BulkStart(work) = &commands[0] else {
        panic!("{commands:?}");
    };
    assert!(
        matches!(&**work, Work::Plan(p) if p.kind == PlanKind::Apply && p.plan.users.len() == 5)
    );
    assert!(commands[0].is_write());
    assert!(matches!(state.bulk.flow, BulkFlow::Watching));
    assert!(state.modals.is_empty());
    assert!(state.bulk.running());
    assert!(state.in_flight > 0, "a run counts as work in flight");
}

#[test]
fn a_wrong_number_starts_nothing_and_esc_cancels() {
    let mut state = previewed(5);
    update(&mut state, ctrl('s'));
    typed(&mut state, "4");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    let refused = |state: &AppState| {
        let input = state
            .modals
            .input(&InputFor::TypedConfirm)
            .expect("still asking");
        let note = input.error.as_ref().expect("a refusal");
        super::view::words::note_text(note, &state.keymap)
    };
    assert!(refused(&state).contains("is not 5"), "{}", refused(&state));
    // Enter with nothing typed is no either: Cancel is the default.
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    assert!(refused(&state).contains("Type 5"), "{}", refused(&state));
    assert!(update(&mut state, key(KeyCode::Esc)).is_empty());
    assert!(state.modals.is_empty());
    assert!(!state.bulk.running());
    assert!(
        matches!(state.bulk.flow, BulkFlow::Preview(_)),
        "back to the same preview"
    );
}

#[test]
fn no_selection_says_how_to_select() {
    let mut state = bulk_state(3);
    update(&mut state, ch('1'));
    update(&mut state, ch('A'));
    update(&mut state, ch('2'));
    set_aws_role(&mut state, "x");
    assert!(update(&mut state, ch('p')).is_empty());
    let status = state.status.clone().unwrap();
    let said = text(&state, &status);
    assert!(said.contains("Space") && said.contains("a every"), "{said}");
    assert!(matches!(state.bulk.flow, BulkFlow::Editing));
}

#[test]
fn form_builds_roles_fields_and_removes_changes() {
    let mut state = bulk_state(2);
    update(&mut state, ch('+'));
    update(&mut state, ch('j'));
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, ch('-'));
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, ch('x'));
    update(&mut state, ch('j'));
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(
        state.bulk.changes,
        vec![
            Change::AddRoles { ids: vec![2] },
            Change::RemoveRoles { ids: vec![1] },
            Change::ClearAttribute {
                name: "skype".into()
            },
        ]
    );
    // A field's value is checked before it joins the list.
    update(&mut state, ch('f'));
    let pos = crate::api::UPDATABLE_FIELDS
        .iter()
        .position(|f| *f == "group_id")
        .unwrap();
    for _ in 0..pos {
        update(&mut state, ch('j'));
    }
    update(&mut state, key(KeyCode::Enter));
    typed(&mut state, "abc");
    update(&mut state, key(KeyCode::Enter));
    assert!(typing_value(&state), "the value stays for another try");
    assert!(state.toasts.iter().any(|t| t.level == Level::Error));
    update(&mut state, key(KeyCode::Esc));
    assert!(state.modals.is_empty());
    assert_eq!(state.bulk.changes.len(), 3);
    update(&mut state, ch('d'));
    assert_eq!(state.bulk.changes.len(), 2);
}

#[test]
fn read_only_binds_no_apply_undo_or_resume() {
    let mut state = state_with(true, UserUpdateApi::V1);
    state.screen = Screen::Bulk;
    let (map, _) = (state.keymap.clone(), ());
    use super::keymap::Context;
    let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
    let u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::NONE);
    let r = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE);
    assert_eq!(map.lookup(Context::Bulk, &ctrl_s), None);
    assert_eq!(map.lookup(Context::BulkRuns, &u), None);
    assert_eq!(map.lookup(Context::BulkRuns, &r), None);
    // Even a start that got through is dropped.
    let mut state = previewed(2);
    state.read_only = true;
    update(&mut state, ctrl('s'));
    typed(&mut state, "2");
    let commands = update(&mut state, key(KeyCode::Enter));
    assert!(commands.is_empty());
}

fn stats(done: usize, failed: usize, users: usize, paused: bool) -> ProgressStats {
    ProgressStats {
        users,
        done,
        failed,
        remaining: users - done - failed,
        calls_sent: done + failed,
        calls_left: users - done - failed,
        calls_per_minute: 120.0,
        eta: Some(Duration::from_secs(3)),
        elapsed: Duration::from_secs(2),
        paused,
        concurrency: 4,
    }
}

/// A run of 5 going, started from the preview.
pub fn running(n: i64) -> AppState {
    let mut state = previewed(n);
    update(&mut state, ctrl('s'));
    typed(&mut state, &n.to_string());
    update(&mut state, key(KeyCode::Enter));
    update(
        &mut state,
        Action::Outcome(Outcome::BulkProgress(Progress::Started {
            run: "20250102-101112345-ab12".into(),
            users: n as usize,
            calls: n as usize,
        })),
    );
    state
}

#[test]
fn progress_moves_the_gauge_and_keys_steer_the_run() {
    let mut state = running(5);
    let in_flight = state.in_flight;
    update(
        &mut state,
        Action::Outcome(Outcome::BulkProgress(Progress::User {
            id: 2,
            label: "u2@example.com".into(),
            outcome: UserOutcome::Failed {
                message: "400 input custom_attributes is not valid".into(),
                retryable: false,
            },
            stats: stats(1, 1, 5, false),
        })),
    );
    assert_eq!(state.in_flight, in_flight, "progress is not an answer");
    let run = state.bulk.run.as_ref().unwrap();
    assert_eq!(run.phase, RunPhase::Running);
    assert_eq!((run.stats.done, run.stats.failed), (1, 1));
    assert_eq!(run.failures.len(), 1);

    assert_eq!(
        update(&mut state, ch(' ')),
        vec![Command::BulkControl(BulkControl::Pause)]
    );
    assert_eq!(state.bulk.run.as_ref().unwrap().phase, RunPhase::Paused);
    assert_eq!(
        update(&mut state, ch(' ')),
        vec![Command::BulkControl(BulkControl::Resume)]
    );
    assert_eq!(
        update(&mut state, ch('+')),
        vec![Command::BulkControl(BulkControl::Concurrency(5))]
    );
    assert_eq!(
        update(&mut state, ch('-')),
        vec![Command::BulkControl(BulkControl::Concurrency(4))]
    );
    // Cancel asks; Enter means no.
    assert!(update(&mut state, ch('c')).is_empty());
    assert_eq!(asked(&state), Some(Question::CancelRun));
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(asked(&state), None);
    update(&mut state, ch('c'));
    assert_eq!(
        update(&mut state, ch('y')),
        vec![Command::BulkControl(BulkControl::Cancel)]
    );
    assert_eq!(state.bulk.run.as_ref().unwrap().phase, RunPhase::Cancelling);

    let commands = update(
        &mut state,
        Action::Outcome(Outcome::BulkFinished(Ok(RunReport {
            run: "20250102-101112345-ab12".into(),
            journal: PathBuf::from("/tmp/x.jsonl"),
            done: 1,
            failed: 1,
            not_done: 3,
            unchanged: 0,
            calls_sent: 2,
            elapsed: Duration::from_secs(2),
            stopped: true,
            journal_error: None,
        }))),
    );
    assert_eq!(state.in_flight, in_flight - 1 + 2);
    assert!(commands.contains(&Command::BulkListRuns));
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadUsers { .. })),
        "stale values are reloaded"
    );
    assert!(!state.bulk.running());
}

#[test]
fn quitting_during_a_run_asks_first() {
    let mut state = running(3);
    assert!(update(&mut state, ctrl('c')).is_empty());
    assert_eq!(asked(&state), Some(Question::Quit));
    assert_eq!(update(&mut state, ctrl('c')), vec![Command::Quit]);
    let mut state = running(3);
    update(&mut state, ch('q')); // back to the users screen: the run goes on
    update(&mut state, ch('q'));
    assert_eq!(asked(&state), Some(Question::Quit));
}

pub fn run_row(run: &str, finished: bool, kind: RunKind) -> RunInfo {
    RunInfo {
        run: run.into(),
        path: PathBuf::from(format!("/runs/{run}.jsonl")),
        kind,
        created: "2025-01-02T10:11:12.345Z".parse().unwrap(),
        tenant: super::update_tests::test_tenant(),
        undo_of: None,
        users: 20,
        done: if finished { 20 } else { 7 },
        failed: 0,
        finished,
    }
}

#[test]
fn an_unfinished_run_is_offered_at_start_and_r_asks_to_resume() {
    let mut state = loaded(3, None);
    update(
        &mut state,
        Action::Outcome(Outcome::BulkRuns(Ok(vec![
            run_row("20250103-000000000-0001", true, RunKind::Apply),
            run_row("20250102-000000000-0002", false, RunKind::Apply),
        ]))),
    );
    assert!(
        state
            .toasts
            .iter()
            .any(|t| text(&state, t).contains("2 then r") && text(&state, t).contains("13 of 20"))
    );
    update(&mut state, ch('2'));
    assert!(matches!(state.bulk.flow, BulkFlow::PastRuns));
    assert_eq!(state.bulk.runs.list.cursor(), 1);
    update(&mut state, ch('r'));
    typed(&mut state, "13");
    let commands = update(&mut state, key(KeyCode::Enter));
    assert!(matches!(
        &commands[0],
        Command::BulkStart(w) if matches!(**w, Work::Resume(_))
    ));
}

#[test]
fn undo_from_past_runs_plans_then_asks() {
    let mut state = bulk_state(3);
    update(
        &mut state,
        Action::Outcome(Outcome::BulkRuns(Ok(vec![run_row(
            "20250103-000000000-0001",
            true,
            RunKind::Apply,
        )]))),
    );
    update(&mut state, ch('h'));
    assert!(matches!(state.bulk.flow, BulkFlow::PastRuns));
    let commands = update(&mut state, key(KeyCode::Enter));
    assert!(matches!(commands[0], Command::BulkOpenRun { .. }));
    assert!(matches!(state.bulk.flow, BulkFlow::Journal(None)));
    let commands = update(&mut state, ch('u'));
    let Command::BulkPlanUndo { generation, .. } = commands[0] else {
        panic!("{commands:?}");
    };
    assert!(matches!(state.bulk.flow, BulkFlow::Planning(_)));
    let user = super::update_tests::user(1, "a", "a@example.com", Some("Admin"));
    let desired = Desired::from_changes(&[Change::ClearAttribute {
        name: "AWS_Role".into(),
    }])
    .unwrap();
    let plan = Plan {
        users: vec![plan_user(&user, &desired, None, crate::config::ApiMode::Auto).unwrap()],
        unchanged: vec![],
    };
    update(
        &mut state,
        Action::Outcome(Outcome::BulkPlanned {
            generation,
            result: Ok(Preview {
                kind: PlanKind::Undo {
                    of: "20250103-000000000-0001".into(),
                    conflicts: vec![],
                    cannot_undo: Default::default(),
                },
                plan,
                source: None,
                estimate: Duration::from_millis(200),
                concurrency: 4,
                budget: None,
                reads: 1,
                fallback: None,
            }),
        }),
    );
    update(&mut state, ctrl('s'));
    typed(&mut state, "1");
    let commands = update(&mut state, key(KeyCode::Enter));
    assert!(matches!(
        &commands[0],
        Command::BulkStart(w) if matches!(&**w, Work::Plan(p) if matches!(p.kind, PlanKind::Undo { .. }))
    ));
}
