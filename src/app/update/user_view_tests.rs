//! The user view's sections as plain functions: loaded on demand, each with its own
//! spinner and error, retried alone; a factor removed after a question.

use crossterm::event::KeyCode;
use serde_json::json;

use crate::api::{ApiError, ErrorKind, Event, MfaDevice, UserApp};
use crate::app::action::{Action, Command, Outcome};
use crate::app::keymap::Context;
use crate::app::modal::{Modal, Question};
use crate::app::state::{AppState, Level, RowKey, Screen};
use crate::app::update::update;
use crate::app::update_tests::{
    asked, ch, editing_user_1, error_says, key, loaded, move_to, state_with, text,
};
use crate::app::user_view::Section;
use crate::config::UserUpdateApi;

/// A /2 refusal of `path` with these words.
pub fn v2_error(status: u16, message: &str, path: &str) -> ApiError {
    ApiError::new(
        ErrorKind::V2 {
            http_status: status,
            name: "ForbiddenError".into(),
            message: message.into(),
            problems: vec![],
        },
        "GET",
        format!("http://127.0.0.1:1{path}"),
    )
}

pub fn app(id: i64, name: &str) -> UserApp {
    serde_json::from_value(json!({
        "id": id, "name": name, "login_id": id * 10, "provisioning_status": "enabled",
        "provisioning_state": "unknown", "provisioning_enabled": false
    }))
    .unwrap()
}

pub fn device(id: &str, kind: &str, name: &str, default: bool) -> MfaDevice {
    serde_json::from_value(json!({
        "device_id": id, "type_display_name": kind, "user_display_name": name,
        "auth_factor_name": kind, "default": default
    }))
    .unwrap()
}

pub fn event(id: i64, user: i64, type_id: i64, at: &str) -> Event {
    serde_json::from_value(json!({
        "id": id, "created_at": at, "user_id": user, "user_name": "Ann Example",
        "event_type_id": type_id, "actor_system": "API", "client_id": "ours",
        "notes": "via the API", "x_unknown_key": {"nested": [1, 2]}
    }))
    .unwrap()
}

fn section(state: &AppState) -> Section {
    state.editor.as_ref().unwrap().section
}

fn answer(state: &mut AppState, outcome: Outcome) -> Vec<Command> {
    update(state, Action::Outcome(outcome))
}

#[test]
fn enter_reads_the_fields_and_roles_only_and_each_section_loads_when_first_shown() {
    let mut state = loaded(3, None);
    editing_user_1(&mut state);
    assert_eq!(section(&state), Section::Fields);
    // Roles were read with the fields: showing them asks nothing.
    assert!(update(&mut state, key(KeyCode::Tab)).is_empty());
    assert_eq!(section(&state), Section::Roles);
    assert_eq!(state.context(), Context::UserView);
    // Apps: one read, and its spinner.
    assert_eq!(
        update(&mut state, key(KeyCode::Tab)),
        vec![Command::LoadUserApps { id: 1 }]
    );
    assert!(state.editor.as_ref().unwrap().apps.loading);
    // Walking away and back while it loads asks nothing more.
    assert_eq!(
        update(&mut state, key(KeyCode::Tab)),
        vec![Command::LoadUserFactors { id: 1 }]
    );
    assert!(update(&mut state, key(KeyCode::BackTab)).is_empty());
    answer(
        &mut state,
        Outcome::UserApps {
            id: 1,
            result: Ok(vec![app(5, "Slack"), app(6, "AWS")]),
        },
    );
    let editor = state.editor.as_ref().unwrap();
    assert!(!editor.apps.loading);
    assert_eq!(editor.apps.len(), 2);
    assert!(
        update(&mut state, key(KeyCode::Tab)).is_empty(),
        "factors still loading"
    );
    // Events: the user's newest page, and the type names once a session.
    assert_eq!(
        update(&mut state, key(KeyCode::Tab)),
        vec![Command::LoadUserEvents { id: 1 }, Command::LoadEventTypes]
    );
    // Shift+Tab walks back; past the first section it comes round to the last.
    update(&mut state, key(KeyCode::BackTab));
    assert_eq!(section(&state), Section::Factors);
    for _ in 0..4 {
        update(&mut state, key(KeyCode::BackTab));
    }
    assert_eq!(section(&state), Section::Events);
    // An answer for a user no longer shown is dropped.
    answer(
        &mut state,
        Outcome::UserApps {
            id: 2,
            result: Ok(vec![]),
        },
    );
    assert_eq!(state.editor.as_ref().unwrap().apps.len(), 2);
}

#[test]
fn a_section_that_fails_keeps_its_error_to_itself_and_r_retries_only_it() {
    let mut state = loaded(3, None);
    editing_user_1(&mut state);
    update(&mut state, key(KeyCode::Tab));
    update(&mut state, key(KeyCode::Tab));
    let refused = v2_error(403, "Insufficient Permission", "/api/2/users/1/apps");
    answer(
        &mut state,
        Outcome::UserApps {
            id: 1,
            result: Err(refused),
        },
    );
    // The message names the section, the user and the scope that reads it.
    assert!(error_says(&state, "Loading the apps of user 1 failed"));
    assert!(error_says(&state, "Read Users"));
    let editor = state.editor.as_ref().unwrap();
    assert!(editor.apps.error.is_some() && editor.apps.items.is_none());
    // The other sections are untouched: the fields are there, factors load on their own.
    assert!(editor.user.is_some() && editor.error.is_none());
    assert_eq!(
        update(&mut state, key(KeyCode::Tab)),
        vec![Command::LoadUserFactors { id: 1 }]
    );
    update(&mut state, key(KeyCode::BackTab));
    // Showing a failed section again does not hammer it; r asks again, for it alone.
    update(&mut state, key(KeyCode::BackTab));
    assert!(update(&mut state, key(KeyCode::Tab)).is_empty());
    assert_eq!(
        update(&mut state, ch('r')),
        vec![Command::LoadUserApps { id: 1 }]
    );
    assert!(state.editor.as_ref().unwrap().apps.error.is_none());
    // In the fields, r reads the user and its roles again.
    for _ in 0..2 {
        update(&mut state, key(KeyCode::BackTab));
    }
    assert_eq!(section(&state), Section::Fields);
    assert_eq!(
        update(&mut state, ch('r')),
        vec![
            Command::LoadUser { id: 1 },
            Command::LoadUserRoles { id: 1 }
        ]
    );
}

#[test]
fn roles_that_fail_leave_the_fields_and_cannot_be_edited_blind() {
    let mut state = loaded(3, None);
    update(&mut state, key(KeyCode::Enter));
    answer(
        &mut state,
        Outcome::UserRoles {
            id: 1,
            result: Err(v2_error(500, "boom", "/api/1/users/1/roles")),
        },
    );
    let user = crate::app::update_tests::user(1, "Ann", "ann@example.com", None);
    answer(
        &mut state,
        Outcome::User {
            id: 1,
            result: Ok(user),
        },
    );
    assert!(error_says(&state, "Loading the roles of user 1 failed"));
    let editor = state.editor.as_ref().unwrap();
    assert!(editor.user.is_some() && editor.roles.is_none());
    move_to(&mut state, &RowKey::Roles);
    update(&mut state, ch('e'));
    assert!(state.modals.is_empty(), "no role picker over unknown roles");
    let status = state.status.clone().unwrap();
    assert!(text(&state, &status).contains("could not be read"));
}

/// User 1's factors shown: two of them, the cursor on the second.
fn on_factors(state: &mut AppState) {
    editing_user_1(state);
    for _ in 0..3 {
        update(state, key(KeyCode::Tab));
    }
    answer(
        state,
        Outcome::UserFactors {
            id: 1,
            result: Ok(vec![
                device("11", "OneLogin Protect", "My phone", true),
                device("12", "Google Authenticator", "Authenticator", false),
            ]),
        },
    );
    update(state, ch('j'));
}

#[test]
fn removing_a_factor_asks_with_its_name_then_calls_and_reloads() {
    let mut state = loaded(3, None);
    on_factors(&mut state);
    assert!(update(&mut state, ch('d')).is_empty());
    let Some(Question::RemoveFactor {
        user,
        device_id,
        name,
        ..
    }) = asked(&state)
    else {
        panic!("no question: {:?}", asked(&state));
    };
    assert_eq!((user, device_id.as_str()), (1, "12"));
    assert_eq!(name, "Authenticator (Google Authenticator)");
    // Enter means no.
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    assert!(asked(&state).is_none());
    update(&mut state, ch('d'));
    let commands = update(&mut state, ch('y'));
    assert_eq!(
        commands,
        vec![Command::RemoveFactor {
            id: 1,
            device_id: "12".into(),
            name: "Authenticator (Google Authenticator)".into()
        }]
    );
    assert!(state.editor.as_ref().unwrap().removing.is_some());
    let commands = answer(
        &mut state,
        Outcome::FactorRemoved {
            id: 1,
            device_id: "12".into(),
            name: "Authenticator (Google Authenticator)".into(),
            result: Ok(()),
        },
    );
    assert_eq!(commands, vec![Command::LoadUserFactors { id: 1 }]);
    let done = state.toasts.last().unwrap();
    assert_eq!(done.level, Level::Success);
    assert!(text(&state, done).contains("Removed the MFA factor Authenticator"));
    assert!(state.editor.as_ref().unwrap().removing.is_none());

    // A refusal is a message; the list is read again all the same.
    update(&mut state, ch('d'));
    update(&mut state, ch('y'));
    let commands = answer(
        &mut state,
        Outcome::FactorRemoved {
            id: 1,
            device_id: "12".into(),
            name: "x".into(),
            result: Err(v2_error(
                401,
                "Insufficient Permission",
                "/api/2/mfa/users/1/devices/12",
            )),
        },
    );
    assert!(error_says(
        &state,
        "Removing the MFA factor x of user 1 failed"
    ));
    assert!(error_says(&state, "Manage All"));
    assert_eq!(commands.len(), 0, "the reload is still in flight");
}

#[test]
fn read_only_binds_no_removal_and_sends_none() {
    let mut state = state_with(true, UserUpdateApi::V1);
    crate::app::update::start(&mut state);
    answer(
        &mut state,
        Outcome::UsersPage {
            generation: 1,
            result: Ok(crate::app::update_tests::page(1, 2, None)),
        },
    );
    on_factors(&mut state);
    update(&mut state, ch('d'));
    update(&mut state, key(KeyCode::Delete));
    assert!(asked(&state).is_none(), "no removal key in read-only mode");
    // Even an answered question would send nothing.
    state.modals.push(Modal::Ask(Question::RemoveFactor {
        user: 1,
        user_name: String::new(),
        device_id: "12".into(),
        name: "x".into(),
    }));
    assert!(update(&mut state, ch('y')).is_empty());
}

#[test]
fn events_of_the_user_open_whole_and_e_takes_them_to_the_events_screen() {
    let mut state = loaded(3, None);
    editing_user_1(&mut state);
    update(&mut state, key(KeyCode::BackTab));
    assert_eq!(section(&state), Section::Events);
    answer(
        &mut state,
        Outcome::UserEvents {
            id: 1,
            result: Ok(vec![
                event(10, 1, 13, "2026-11-30T12:00:00.000Z"),
                event(12, 1, 11, "2026-11-30T12:02:00.000Z"),
            ]),
        },
    );
    let events = &state.editor.as_ref().unwrap().events;
    assert_eq!(events.current().map(|e| e.id), Some(12), "newest first");
    update(&mut state, key(KeyCode::Enter));
    let Some(Modal::Event(detail)) = state.modals.top() else {
        panic!("no event shown");
    };
    assert_eq!(detail.event.id, 12);
    assert_eq!(detail.type_name, "type 11", "the types are not loaded yet");
    assert!(detail.event.to_map().contains_key("x_unknown_key"));
    update(&mut state, ch('j'));
    update(&mut state, key(KeyCode::Esc));
    assert!(state.modals.is_empty());
    let commands = update(&mut state, ch('E'));
    assert_eq!(state.screen, Screen::Events);
    assert_eq!(state.events.by.user, Some(1));
    assert!(matches!(&commands[0], Command::LoadEvents { filter, .. } if filter.user == Some(1)));
    // Back from the events screen: the user view, where it was.
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.screen, Screen::Editor);
    assert_eq!(section(&state), Section::Events);
}
