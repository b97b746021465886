//! The user view's sections and the events screen, drawn whole at 120x40 and 80x24.

use std::sync::Arc;

use crossterm::event::KeyCode;

use super::super::action::{Action, Outcome};
use super::super::update::update;
use super::super::update::user_view_tests::{app, device, event, v2_error};
use super::super::update_tests::{ch, editing_user_1, key, loaded};
use super::render;
use crate::api::{EventQuery, EventType, Page, Role};
use crate::app::state::AppState;
use crate::audit::RunMarks;

const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

fn answer(state: &mut AppState, outcome: Outcome) {
    update(state, Action::Outcome(outcome));
}

fn types() -> Vec<EventType> {
    [
        (11, "USER_LOCKED"),
        (13, "USER_UPDATED"),
        (24, "MFA_DEVICE_REMOVED"),
        (5, "APP_ADDED_TO_USER"),
    ]
    .into_iter()
    .map(|(id, name)| EventType {
        id,
        name: name.into(),
        description: None,
    })
    .collect()
}

/// User 1 open with every section read: roles (one the tenant's list lacks), apps,
/// factors and events.
fn user_view() -> AppState {
    let mut state = loaded(3, None);
    answer(
        &mut state,
        Outcome::Roles(Ok(vec![
            Role {
                id: 3,
                name: "Sales admins".into(),
            },
            Role {
                id: 4,
                name: "Everyone".into(),
            },
        ])),
    );
    editing_user_1(&mut state);
    answer(
        &mut state,
        Outcome::UserRoles {
            id: 1,
            result: Ok(vec![3, 4, 99]),
        },
    );
    answer(&mut state, Outcome::EventTypes(Ok(types())));
    let editor = state.editor.as_mut().unwrap();
    editor.apps.items = Some(vec![
        app(1181288, "Amazon Web Services (AWS) Multi Role"),
        app(1127385, "Slack"),
    ]);
    editor.factors.items = Some(vec![
        device("3920360", "OneLogin Protect", "Ann's phone", true),
        device("3920481", "Google Authenticator", "Authenticator", false),
    ]);
    let mut removed = event(800_000_120, 1, 24, "2026-11-30T12:04:10.000Z");
    removed.otp_device_name = Some("Old phone".into());
    editor.events.items = Some(vec![
        removed,
        event(800_000_110, 1, 13, "2026-11-30T12:02:36.250Z"),
        event(800_000_100, 1, 11, "2026-11-29T09:15:00.000Z"),
    ]);
    state.in_flight = 0;
    state
}

fn goto(state: &mut AppState, sections: usize) {
    for _ in 0..sections {
        update(state, key(KeyCode::Tab));
    }
}

#[test]
fn user_roles_and_apps() {
    let mut state = user_view();
    goto(&mut state, 1);
    insta::assert_snapshot!("user_roles_80x24", render(&mut state, 80, 24).backend());
    goto(&mut state, 1);
    for (w, h) in SIZES {
        insta::assert_snapshot!(
            format!("user_apps_{w}x{h}"),
            render(&mut state, w, h).backend()
        );
    }
}

#[test]
fn user_factors_and_the_removal_question() {
    let mut state = user_view();
    goto(&mut state, 3);
    update(&mut state, ch('j'));
    insta::assert_snapshot!("user_factors_120x40", render(&mut state, 120, 40).backend());
    update(&mut state, ch('d'));
    insta::assert_snapshot!(
        "user_factor_removal_80x24",
        render(&mut state, 80, 24).backend()
    );
}

#[test]
fn user_events() {
    let mut state = user_view();
    goto(&mut state, 4);
    for (w, h) in SIZES {
        insta::assert_snapshot!(
            format!("user_events_{w}x{h}"),
            render(&mut state, w, h).backend()
        );
    }
}

#[test]
fn a_section_refused_shows_its_own_error_and_the_scope_it_needs() {
    let mut state = loaded(3, None);
    editing_user_1(&mut state);
    goto(&mut state, 2);
    let refused = v2_error(403, "Insufficient Permission", "/api/2/users/1/apps");
    answer(
        &mut state,
        Outcome::UserApps {
            id: 1,
            result: Err(refused),
        },
    );
    update(&mut state, key(KeyCode::Esc));
    state.in_flight = 0;
    insta::assert_snapshot!(
        "user_apps_refused_80x24",
        render(&mut state, 80, 24).backend()
    );
}

/// The events screen with a page of events, the types named, one bulk run of ours.
fn with_events() -> AppState {
    let mut state = loaded(3, None);
    update(&mut state, ch('4'));
    answer(&mut state, Outcome::EventTypes(Ok(types())));
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let marks = RunMarks::of_calls(
        Some("ours"),
        &[
            (
                2,
                at("2026-11-30T12:02:35Z"),
                at("2026-11-30T12:02:36Z"),
                "20261130-120235123-ab12",
            ),
            (
                3,
                at("2026-11-30T12:02:36Z"),
                at("2026-11-30T12:02:37Z"),
                "20261130-120235123-ab12",
            ),
        ],
    );
    answer(&mut state, Outcome::RunMarks(Arc::new(marks)));
    let mut items = Vec::new();
    // Newest first, ids rising with time as the tenant gives them out.
    for (i, (user, type_id, at)) in [
        (1, 24, "2026-11-30T12:04:10.000Z"),
        (3, 13, "2026-11-30T12:02:36.700Z"),
        (2, 13, "2026-11-30T12:02:35.900Z"),
        (1, 11, "2026-11-29T09:15:00.000Z"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut e = event(800_000_200 - i as i64, user, type_id, at);
        e.user_name = Some(format!("user{user} Example"));
        if type_id == 24 {
            e.actor_user_name = Some("Admin Ada".into());
            e.actor_system = None;
            e.client_id = None;
            e.otp_device_name = Some("Old phone".into());
        }
        items.push(e);
    }
    let generation = state.events.generation;
    answer(
        &mut state,
        Outcome::EventsPage {
            generation,
            query: EventQuery::new(),
            result: Ok(Page {
                items,
                after_cursor: None,
                before_cursor: None,
            }),
        },
    );
    state.in_flight = 0;
    state
}

#[test]
fn events_screen() {
    for (w, h) in SIZES {
        let mut state = with_events();
        insta::assert_snapshot!(
            format!("events_{w}x{h}"),
            render(&mut state, w, h).backend()
        );
    }
}

#[test]
fn events_screen_filtered_by_user_and_window() {
    let mut state = with_events();
    update(&mut state, ch('u'));
    insta::assert_snapshot!(
        "events_typing_a_user_80x24",
        render(&mut state, 80, 24).backend()
    );
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, ch('w'));
    update(&mut state, ch('j'));
    update(&mut state, ch('j'));
    update(&mut state, key(KeyCode::Enter));
    state.rate = Some(crate::api::RateLimit {
        limit: 5000,
        remaining: 120,
        reset: std::time::Duration::from_secs(1500),
        observed_at: state.now,
    });
    state.in_flight = 0;
    insta::assert_snapshot!(
        "events_filtered_budget_low_80x24",
        render(&mut state, 80, 24).backend()
    );
}

#[test]
fn an_event_shown_whole() {
    let mut state = with_events();
    // The second: one of our run's.
    update(&mut state, ch('j'));
    update(&mut state, key(KeyCode::Enter));
    for (w, h) in SIZES {
        insta::assert_snapshot!(
            format!("event_detail_{w}x{h}"),
            render(&mut state, w, h).backend()
        );
    }
}
