//! `!` as a user meets it: the picker, the minutes, the preview on the bulk screen, and the
//! typed confirmation that asks for a word when the action cannot be undone.

use crossterm::event::KeyCode;

use crate::bulk::{Change, Work};
use crate::config::UserUpdateApi;

use super::action::{Action, Command, Outcome};
use super::bulk_flow::{BulkFlow, PlanFor};
use super::bulk_tests::plan_for;
use super::modal::{InputFor, Modal, PickFor};
use super::state::{AppState, Screen};
use super::update::update;
use super::update_tests::{ch, key, loaded, page, state_with, typed};

fn picking(state: &AppState) -> Option<PickFor> {
    match state.modals.top() {
        Some(Modal::Pick(p)) => Some(p.purpose),
        _ => None,
    }
}

/// Down `n` rows in the picker, then Enter.
fn choose(state: &mut AppState, n: usize) -> Vec<Command> {
    for _ in 0..n {
        update(state, key(KeyCode::Down));
    }
    update(state, key(KeyCode::Enter))
}

fn planned(commands: &[Command]) -> (Vec<i64>, Vec<Change>) {
    match commands.first() {
        Some(Command::BulkPlan { ids, changes, .. }) => (ids.clone(), changes.clone()),
        other => panic!("no plan: {other:?}"),
    }
}

#[test]
fn lock_the_selection_for_minutes_plans_it_and_shows_the_preview() {
    let mut state = loaded(5, None);
    update(&mut state, ch('a')); // every user selected
    update(&mut state, ch('!'));
    assert_eq!(picking(&state), Some(PickFor::Action));
    assert_eq!(
        state.bulk.action.as_ref().map(|t| t.label.as_str()),
        Some("5 selected user(s)")
    );
    // Lock is the first action: it asks for minutes, and refuses what is not a number.
    assert!(choose(&mut state, 0).is_empty());
    typed(&mut state, "soon");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    let Some(Modal::Input(input)) = state.modals.top() else {
        panic!("the minutes input stays");
    };
    assert_eq!(input.purpose, InputFor::LockMinutes);
    assert!(input.error.is_some());
    for _ in 0.."soon".len() {
        update(&mut state, key(KeyCode::Backspace));
    }
    typed(&mut state, "30");
    let commands = update(&mut state, key(KeyCode::Enter));
    let (ids, changes) = planned(&commands);
    assert_eq!(ids, vec![1, 2, 3, 4, 5]);
    assert_eq!(changes, vec![Change::Lock { minutes: 30 }]);
    assert_eq!(state.screen, Screen::Bulk);
    assert!(matches!(
        state.bulk.flow,
        BulkFlow::Planning(PlanFor::Action { .. })
    ));
    // The form's own list of changes is left as it was.
    assert!(state.bulk.changes.is_empty());
    let answer = plan_for(&state, &commands);
    update(&mut state, answer);
    let preview = state.bulk.flow.preview().expect("a preview");
    assert_eq!(preview.targets, 5);
    assert_eq!(preview.preview.plan.users.len(), 5);
    // A lock has an inverse: the count alone confirms it.
    assert_eq!(preview.cannot_undo(), None);
    // `p` plans the same action again, not the form's changes.
    let again = update(&mut state, ch('p'));
    assert_eq!(planned(&again), (ids, changes));
}

#[test]
fn without_a_selection_it_is_the_user_under_the_cursor() {
    let mut state = loaded(3, None);
    update(&mut state, key(KeyCode::Down));
    update(&mut state, ch('!'));
    assert_eq!(
        state.bulk.action.as_ref().map(|t| t.ids.clone()),
        Some(vec![2])
    );
    // Set state is the fourth; approved is offered first.
    assert!(choose(&mut state, 3).is_empty());
    assert_eq!(picking(&state), Some(PickFor::State));
    let commands = update(&mut state, key(KeyCode::Enter));
    assert_eq!(
        planned(&commands),
        (vec![2], vec![Change::SetState { state: 1 }])
    );
}

#[test]
fn a_delete_asks_for_the_count_and_the_word() {
    let mut state = loaded(4, None);
    update(&mut state, ch('a'));
    update(&mut state, ch('!'));
    let commands = choose(&mut state, 5); // delete, the last
    assert_eq!(planned(&commands).1, vec![Change::Delete]);
    let answer = plan_for(&state, &commands);
    update(&mut state, answer);
    let preview = state.bulk.flow.preview().expect("a preview");
    assert_eq!(preview.cannot_undo(), Some("cannot be undone: 4 deletes"));
    update(&mut state, super::update_tests::ctrl_s());
    // The count alone is not enough.
    typed(&mut state, "4");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    assert!(!state.bulk.running());
    let Some(Modal::Input(input)) = state.modals.top() else {
        panic!("still asking");
    };
    let refusal = super::view::words::note_text(input.error.as_ref().unwrap(), &state.keymap);
    assert!(refusal.contains("\"4 delete\""), "{refusal}");
    typed(&mut state, "4  delete");
    let commands = update(&mut state, key(KeyCode::Enter));
    assert!(
        matches!(commands.as_slice(), [Command::BulkStart(w)] if matches!(**w, Work::Plan(_))),
        "{commands:?}"
    );
    assert!(state.bulk.running());
}

#[test]
fn cancelling_the_picker_writes_nothing_and_read_only_binds_no_action() {
    let mut state = loaded(2, None);
    update(&mut state, ch('!'));
    assert!(update(&mut state, key(KeyCode::Esc)).is_empty());
    assert!(state.modals.is_empty());
    assert!(state.bulk.action.is_none());
    assert_eq!(state.screen, Screen::Users);

    let mut state = state_with(true, UserUpdateApi::V1);
    crate::app::update::start(&mut state);
    update(
        &mut state,
        Action::Outcome(Outcome::UsersPage {
            generation: 1,
            result: Ok(page(1, 2, None)),
        }),
    );
    assert_eq!(state.users.rows.len(), 2);
    update(&mut state, ch('a'));
    update(&mut state, ch('!'));
    assert!(state.modals.is_empty());
    assert!(state.bulk.action.is_none());
}
