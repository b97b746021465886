//! A protected profile (`test` here): nothing is written before its name is typed, a wrong
//! name or Esc sends nothing and keeps what was typed, and the bulk confirmation takes the
//! name with the count.

use std::collections::BTreeMap;

use crossterm::event::KeyCode;

use crate::app::action::{Command, Outcome};
use crate::app::modal::{InputFor, Modal};
use crate::app::state::{AppState, Pending, RowKey};
use crate::app::update::update;
use crate::app::update_tests::{
    ch, ctrl_s, editing_user_1, error_says, key, loaded, move_to, typed, typing,
};

fn protected(n: i64) -> AppState {
    let mut state = loaded(n, None);
    state.protect.on = true;
    state
}

/// Edits user 1's AWS_Role to `value` and presses the save key.
fn edit_and_save(state: &mut AppState, value: &str) -> Vec<Command> {
    editing_user_1(state);
    move_to(state, &RowKey::Attribute("AWS_Role".into()));
    update(state, key(KeyCode::Enter));
    update(state, ctrl('u'));
    typed(state, value);
    update(state, key(KeyCode::Enter));
    update(state, ctrl_s())
}

fn ctrl(c: char) -> crate::app::action::Action {
    crate::app::action::Action::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char(c),
        crossterm::event::KeyModifiers::CONTROL,
    ))
}

fn box_error(state: &AppState) -> String {
    match state.modals.top() {
        Some(Modal::Input(input)) if input.purpose == InputFor::TenantName => input
            .error
            .as_ref()
            .map(|e| crate::app::view::words::note_text(e, &state.keymap))
            .unwrap_or_default(),
        other => panic!("not asking for the name: {other:?}"),
    }
}

#[test]
fn a_save_waits_for_the_profiles_name_and_sends_it_once_typed() {
    let mut state = protected(3);
    let commands = edit_and_save(&mut state, "Admin");
    assert!(commands.iter().all(|c| !c.is_write()), "{commands:?}");
    assert!(typing(&state, &InputFor::TenantName));
    assert_eq!(
        crate::app::protect::held_words(&state.protect.held),
        "1 custom attribute(s) of user 1"
    );

    // Another name sends nothing, and the box says so.
    typed(&mut state, "prod");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    assert!(box_error(&state).contains("\"prod\" is not \"test\""));
    // Letters such as `q` are text here, not keys.
    typed(&mut state, "test");
    let before = state.in_flight;
    let commands = update(&mut state, key(KeyCode::Enter));
    let mut values = BTreeMap::new();
    values.insert("AWS_Role".to_string(), "Admin".to_string());
    assert_eq!(
        commands,
        vec![Command::SetCustomAttributes { id: 1, values }]
    );
    assert!(state.modals.is_empty());
    assert_eq!(
        state.in_flight,
        before + 1,
        "the write is counted once it is sent"
    );
    assert!(state.protect.held.is_empty());
}

#[test]
fn esc_sends_nothing_and_keeps_the_change_for_another_try() {
    let mut state = protected(3);
    edit_and_save(&mut state, "Admin");
    let before = state.in_flight;
    assert!(update(&mut state, key(KeyCode::Esc)).is_empty());
    assert!(state.modals.is_empty());
    assert!(error_says(&state, "not sent"), "{:?}", state.status);
    let editor = state.editor.as_ref().expect("still editing");
    assert!(editor.saving.is_empty(), "nothing waits for an answer");
    assert_eq!(
        editor.pending.get(&RowKey::Attribute("AWS_Role".into())),
        Some(&Pending::Text("Admin".into()))
    );
    assert_eq!(
        state.in_flight, before,
        "nothing was sent, nothing is awaited"
    );
    // The next save asks again.
    update(&mut state, key(KeyCode::Esc));
    let commands = update(&mut state, ctrl_s());
    assert!(commands.iter().all(|c| !c.is_write()));
    assert!(typing(&state, &InputFor::TenantName));
}

#[test]
fn reads_go_on_while_a_write_waits() {
    let mut state = protected(3);
    edit_and_save(&mut state, "Admin");
    // An answer that arrives meanwhile is taken; the question stays.
    update(
        &mut state,
        crate::app::action::Action::Outcome(Outcome::RateLimit(None)),
    );
    assert!(typing(&state, &InputFor::TenantName));
}

#[test]
fn an_unprotected_profile_saves_at_once() {
    let mut state = loaded(3, None);
    let commands = edit_and_save(&mut state, "Admin");
    assert!(matches!(
        &commands[..],
        [Command::SetCustomAttributes { .. }]
    ));
    assert!(!typing(&state, &InputFor::TenantName));
}

#[test]
fn the_bulk_confirmation_takes_the_count_and_the_name() {
    let mut state = crate::app::bulk_tests::previewed(5);
    state.protect.on = true;
    update(&mut state, ctrl_s());
    typed(&mut state, "5");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    let refused = state
        .modals
        .input(&InputFor::TypedConfirm)
        .and_then(|i| i.error.as_ref())
        .map(|e| crate::app::view::words::note_text(e, &state.keymap))
        .expect("refused");
    assert!(refused.contains("is not \"5 test\""), "{refused}");
    typed(&mut state, "5 test");
    let commands = update(&mut state, key(KeyCode::Enter));
    assert!(
        matches!(&commands[..], [Command::BulkStart(_)]),
        "{commands:?}"
    );
    // No second question: the name came with the count.
    assert!(state.modals.is_empty());
    assert!(!state.protect.granted);
}

#[test]
fn a_factor_removal_waits_too_and_esc_says_it_was_not_removed() {
    let mut state = protected(3);
    editing_user_1(&mut state);
    state
        .modals
        .push(Modal::Ask(crate::app::modal::Question::RemoveFactor {
            user: 1,
            user_name: "Ann".into(),
            device_id: "d1".into(),
            name: "Galaxy".into(),
        }));
    let commands = update(&mut state, ch('y'));
    assert!(commands.iter().all(|c| !c.is_write()), "{commands:?}");
    assert!(typing(&state, &InputFor::TenantName));
    assert_eq!(
        crate::app::protect::held_words(&state.protect.held),
        "removing the MFA factor Galaxy of user 1"
    );
    update(&mut state, key(KeyCode::Esc));
    assert!(error_says(&state, "not sent"), "{:?}", state.status);
    let editor = state.editor.as_ref().expect("still on the user");
    assert_eq!(editor.removing, None, "no removal is awaited");
}
