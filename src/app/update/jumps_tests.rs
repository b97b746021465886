//! `[`, `]` and `-` as keys: back and forward through screens and opened users.

use crossterm::event::KeyCode;

use crate::app::action::Command;
use crate::app::state::{AppState, Screen};
use crate::app::update::update;
use crate::app::update_tests::{ch, key, loaded};

fn at(state: &AppState) -> (Screen, Option<i64>) {
    let user = (state.screen == Screen::Editor)
        .then(|| state.editor.as_ref().map(|e| e.id))
        .flatten();
    (state.screen, user)
}

#[test]
fn back_and_forward_walk_screens_and_users_and_reopen_a_user() {
    let mut state = loaded(3, None);
    update(&mut state, key(KeyCode::Enter)); // user 1
    update(&mut state, ch('q'));
    update(&mut state, ch('j'));
    update(&mut state, key(KeyCode::Enter)); // user 2
    update(&mut state, ch('3'));
    assert_eq!(at(&state), (Screen::RequestLog, None));

    update(&mut state, ch('['));
    assert_eq!(at(&state), (Screen::Editor, Some(2)));
    update(&mut state, ch('['));
    assert_eq!(at(&state), (Screen::Users, None));
    // User 1's view was closed: going back to it reads it again.
    let commands = update(&mut state, ch('['));
    assert_eq!(at(&state), (Screen::Editor, Some(1)));
    assert!(
        commands.contains(&Command::LoadUser { id: 1 }),
        "{commands:?}"
    );
    update(&mut state, ch(']'));
    update(&mut state, ch(']'));
    assert_eq!(at(&state), (Screen::Editor, Some(2)));
    update(&mut state, ch(']'));
    assert_eq!(at(&state), (Screen::RequestLog, None));
    update(&mut state, ch(']'));
    assert_eq!(
        at(&state),
        (Screen::RequestLog, None),
        "nothing after the last"
    );
}

#[test]
fn dash_goes_between_the_last_two() {
    let mut state = loaded(3, None);
    update(&mut state, ch('4'));
    update(&mut state, ch('3'));
    update(&mut state, ch('-'));
    assert_eq!(at(&state), (Screen::Events, None));
    update(&mut state, ch('-'));
    assert_eq!(at(&state), (Screen::RequestLog, None));
    update(&mut state, ch('-'));
    assert_eq!(at(&state), (Screen::Events, None));
    // After going back, `-` returns to where `[` left from.
    update(&mut state, ch('['));
    assert_eq!(at(&state), (Screen::RequestLog, None));
    update(&mut state, ch('-'));
    assert_eq!(at(&state), (Screen::Events, None));
}

#[test]
fn unsaved_edits_are_not_left_by_a_jump() {
    let mut state = loaded(3, None);
    update(&mut state, ch('3'));
    update(&mut state, ch('1'));
    crate::app::update_tests::editing_user_1(&mut state);
    let aws_role = crate::app::state::RowKey::Attribute("AWS_Role".into());
    crate::app::update_tests::move_to(&mut state, &aws_role);
    update(&mut state, ch('x')); // AWS_Role cleared: pending
    assert!(!state.editor.as_ref().unwrap().pending.is_empty());
    update(&mut state, ch('['));
    update(&mut state, ch('['));
    // The user list would close the view: the question is asked, nothing is lost.
    assert_eq!(
        crate::app::update_tests::asked(&state),
        Some(crate::app::modal::Question::DiscardEdits)
    );
    assert!(state.editor.as_ref().is_some_and(|e| !e.pending.is_empty()));
}
