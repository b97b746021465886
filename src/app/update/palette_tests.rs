//! `:` as keys: a verb runs through the same paths as its key, a wrong line stays with its
//! error, Tab completes, ↑ recalls.

use crossterm::event::KeyCode;

use crate::app::action::Command;
use crate::app::bulk_flow::{BulkFlow, PlanFor};
use crate::app::modal::{InputFor, Modal};
use crate::app::state::{AppState, Screen};
use crate::app::update::update;
use crate::app::update_tests::{ch, key, loaded, typed};
use crate::bulk::Change;

fn line(state: &AppState) -> Option<String> {
    match state.modals.top() {
        Some(Modal::Input(i)) if i.purpose == InputFor::Palette => Some(i.text()),
        _ => None,
    }
}

fn run(state: &mut AppState, text: &str) -> Vec<Command> {
    update(state, ch(':'));
    typed(state, text);
    update(state, key(KeyCode::Enter))
}

#[test]
fn a_lifecycle_verb_plans_for_the_selection_like_its_key() {
    let mut state = loaded(4, None);
    update(&mut state, ch('a'));
    let commands = run(&mut state, "lock 15");
    assert!(
        matches!(&commands[..], [Command::BulkPlan { ids, changes, .. }]
            if ids.len() == 4 && changes == &vec![Change::Lock { minutes: 15 }]),
        "{commands:?}"
    );
    assert_eq!(state.screen, Screen::Bulk);
    assert!(matches!(
        state.bulk.flow,
        BulkFlow::Planning(PlanFor::Action { .. })
    ));
}

#[test]
fn a_wrong_line_stays_with_its_error_and_tab_and_up_help() {
    let mut state = loaded(2, None);
    assert!(run(&mut state, "lock soon").is_empty());
    assert_eq!(
        line(&state).as_deref(),
        Some("lock soon"),
        "nothing typed is lost"
    );
    let Some(Modal::Input(input)) = state.modals.top() else {
        panic!("still open")
    };
    assert!(input.error.is_some());
    update(&mut state, key(KeyCode::Esc));
    assert!(state.modals.is_empty());

    update(&mut state, ch(':'));
    typed(&mut state, "ev");
    update(&mut state, key(KeyCode::Tab));
    assert_eq!(line(&state).as_deref(), Some("events "));
    let commands = update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.screen, Screen::Events);
    assert!(
        !commands.is_empty(),
        "the events screen reads its first page"
    );

    update(&mut state, ch(':'));
    update(&mut state, key(KeyCode::Up));
    assert_eq!(line(&state).as_deref(), Some("events"));
}

#[test]
fn search_and_quit_run_from_any_screen() {
    let mut state = loaded(2, None);
    update(&mut state, ch('3'));
    let commands = run(&mut state, "search email:kat*");
    assert_eq!(state.screen, Screen::Users);
    assert_eq!(state.users.search, "email:kat*");
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadUsers { .. }))
    );
    update(&mut state, ch('3'));
    state.in_flight = 0;
    assert_eq!(run(&mut state, "quit"), vec![Command::Quit]);
}
