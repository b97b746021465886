//! The events screen as plain functions: loaded when first shown, paged, filtered at the
//! API and locally, followed by polls timed by ticks within the rate budget.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;

use crate::api::{EventQuery, EventType, Page, RateLimit};
use crate::app::action::{Action, Command, Outcome};
use crate::app::events_state::Since;
use crate::app::modal::{InputFor, Modal};
use crate::app::state::{AppState, Screen};
use crate::app::update::update;
use crate::app::update_tests::{ch, error_says, key, loaded, typed, typing};
use crate::audit::RunMarks;

use super::super::user_view::tests::{event, v2_error};

fn answer(state: &mut AppState, outcome: Outcome) -> Vec<Command> {
    update(state, Action::Outcome(outcome))
}

fn events_page(ids: std::ops::RangeInclusive<i64>, after: Option<&str>) -> Page<crate::api::Event> {
    Page {
        items: ids
            .rev()
            .map(|id| {
                let at = format!("2026-11-30T12:{:02}:00.000Z", id % 60);
                event(id, id % 3 + 1, 10 + id % 2, &at)
            })
            .collect(),
        after_cursor: after.map(str::to_string),
        before_cursor: None,
    }
}

/// The events screen shown, its first page (events 1..=n) answered.
pub fn on_events(n: i64, after: Option<&str>) -> AppState {
    let mut state = loaded(3, None);
    let commands = update(&mut state, ch('4'));
    assert_eq!(state.screen, Screen::Events);
    let generation = state.events.generation;
    assert_eq!(
        commands,
        vec![
            Command::LoadEvents {
                generation,
                filter: Default::default()
            },
            Command::LoadEventTypes,
            Command::LoadRunMarks,
        ]
    );
    answer(
        &mut state,
        Outcome::EventsPage {
            generation,
            query: EventQuery::new().limit(50),
            result: Ok(events_page(1..=n, after)),
        },
    );
    state
}

fn tick(state: &mut AppState, at: Instant) -> Vec<Command> {
    update(state, Action::Tick(at))
}

fn budget(remaining: u32) -> Option<RateLimit> {
    Some(RateLimit {
        limit: 5000,
        remaining,
        reset: Duration::from_secs(1200),
        observed_at: Instant::now(),
    })
}

#[test]
fn first_shown_it_loads_newest_first_and_names_types_once() {
    let mut state = on_events(30, Some("c1"));
    assert_eq!(state.events.current().map(|e| e.id), Some(30));
    answer(
        &mut state,
        Outcome::EventTypes(Ok(vec![EventType {
            id: 11,
            name: "USER_LOCKED".into(),
            description: None,
        }])),
    );
    assert_eq!(state.event_types.name(11), "USER_LOCKED");
    assert_eq!(state.event_types.name(10), "type 10");
    // Leaving and coming back asks for nothing but a catch-up poll.
    update(&mut state, ch('1'));
    answer(&mut state, Outcome::RunMarks(Default::default()));
    assert!(update(&mut state, ch('4')).is_empty());
    assert!(state.events.poll.now);
    // The cursor near the end asks for the older page, once.
    let mut more = Vec::new();
    for _ in 0..25 {
        more.extend(update(&mut state, ch('j')));
    }
    assert!(
        matches!(&more[..], [Command::LoadMoreEvents { after_cursor, .. }] if after_cursor == "c1"),
        "{more:?}"
    );
}

#[test]
fn polls_follow_new_events_only_while_shown_and_within_the_budget() {
    let mut state = on_events(3, None);
    let t0 = Instant::now();
    // The first tick sets the time of the first poll: 30 s while the budget is unknown.
    assert!(tick(&mut state, t0).is_empty());
    assert!(tick(&mut state, t0 + Duration::from_secs(29)).is_empty());
    let commands = tick(&mut state, t0 + Duration::from_secs(30));
    let [
        Command::PollEvents {
            query,
            after_cursor: None,
            ..
        },
    ] = &commands[..]
    else {
        panic!("{commands:?}");
    };
    // Only newer than the newest shown.
    assert_eq!(query.get("since"), Some("2026-11-30T12:03:00.000Z"));
    assert!(
        tick(&mut state, t0 + Duration::from_secs(90)).is_empty(),
        "one at a time"
    );
    let generation = state.events.generation;
    let mut newer = events_page(3..=5, None);
    newer
        .items
        .push(event(2, 1, 10, "2026-11-30T12:02:00.000Z"));
    answer(
        &mut state,
        Outcome::EventsPolled {
            generation,
            result: Ok(newer),
        },
    );
    let ids: Vec<i64> = state.events.events.iter().map(|e| e.id).collect();
    assert_eq!(ids, vec![5, 4, 3, 2, 1], "new ones on top, none twice");
    assert_eq!(
        state.events.current().map(|e| e.id),
        Some(5),
        "the top follows"
    );

    // A healthy budget polls every 15 s; a low one not at all, and the screen says so.
    state.rate = budget(4000);
    let t1 = t0 + Duration::from_secs(100);
    tick(&mut state, t1);
    assert_eq!(tick(&mut state, t1 + Duration::from_secs(15)).len(), 1);
    answer(
        &mut state,
        Outcome::EventsPolled {
            generation,
            result: Ok(events_page(5..=5, None)),
        },
    );
    state.rate = budget(100);
    let t2 = t1 + Duration::from_secs(200);
    for s in [0, 60, 600] {
        assert!(tick(&mut state, t2 + Duration::from_secs(s)).is_empty());
    }
    // Not shown: nothing is sent, however long.
    state.rate = budget(4000);
    update(&mut state, ch('1'));
    for s in [700, 800, 900] {
        assert!(tick(&mut state, t2 + Duration::from_secs(s)).is_empty());
    }
    // Shown again: it catches up at once.
    update(&mut state, ch('4'));
    assert_eq!(tick(&mut state, t2 + Duration::from_secs(901)).len(), 1);
    // `f` turns live updates off.
    answer(
        &mut state,
        Outcome::EventsPolled {
            generation,
            result: Ok(events_page(5..=5, None)),
        },
    );
    update(&mut state, ch('f'));
    assert!(!state.wants_ticks() || state.in_flight > 0);
    for s in [1000, 2000] {
        assert!(tick(&mut state, t2 + Duration::from_secs(s)).is_empty());
    }
}

#[test]
fn a_long_absence_reads_on_and_a_failed_poll_stops_following() {
    let mut state = on_events(3, None);
    state.events.poll.now = true;
    let t0 = Instant::now();
    assert_eq!(tick(&mut state, t0).len(), 1);
    let generation = state.events.generation;
    // A whole page of new events and more behind it: the next page, by cursor.
    let commands = answer(
        &mut state,
        Outcome::EventsPolled {
            generation,
            result: Ok(events_page(60..=109, Some("p2"))),
        },
    );
    assert!(matches!(
        &commands[..],
        [Command::PollEvents { after_cursor: Some(c), .. }] if c == "p2"
    ));
    // The rest reaches what is shown: done.
    let commands = answer(
        &mut state,
        Outcome::EventsPolled {
            generation,
            result: Ok(events_page(3..=59, None)),
        },
    );
    assert!(commands.is_empty());
    assert_eq!(state.events.events.len(), 109);
    // A refusal is one message, and live updates stop (no message every interval).
    state.events.poll.now = true;
    tick(&mut state, t0);
    answer(
        &mut state,
        Outcome::EventsPolled {
            generation,
            result: Err(v2_error(500, "boom", "/api/1/events")),
        },
    );
    assert!(error_says(&state, "live updates are off"));
    assert!(!state.events.live);
    assert!(tick(&mut state, t0 + Duration::from_secs(600)).is_empty());
}

#[test]
fn filters_go_to_the_api_and_slash_filters_what_is_loaded() {
    let mut state = on_events(9, None);
    // `/` narrows the loaded events as you type.
    update(&mut state, ch('/'));
    typed(&mut state, "12:07");
    assert_eq!(state.events.rows.len(), 1);
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.events.rows.len(), 9, "Esc clears it");
    // A user id reloads from the tenant; a word is refused and stays to be fixed.
    update(&mut state, ch('u'));
    assert!(typing(&state, &InputFor::EventsUser));
    // The user under the users list's cursor is offered.
    assert_eq!(
        state.modals.input(&InputFor::EventsUser).unwrap().text(),
        "1"
    );
    update(&mut state, key(KeyCode::Backspace));
    typed(&mut state, "ann");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    assert!(error_says(&state, "not a user id"));
    assert!(typing(&state, &InputFor::EventsUser));
    for _ in 0..3 {
        update(&mut state, key(KeyCode::Backspace));
    }
    typed(&mut state, "7");
    let commands = update(&mut state, key(KeyCode::Enter));
    assert!(
        matches!(&commands[..], [Command::LoadEvents { filter, .. }] if filter.user == Some(7))
    );
    assert!(state.events.events.is_empty(), "the old rows are gone");
    // A time window from the picker: the last hour.
    update(&mut state, ch('w'));
    assert!(matches!(state.modals.top(), Some(Modal::Pick(_))));
    update(&mut state, ch('j'));
    let commands = update(&mut state, key(KeyCode::Enter));
    assert_eq!(
        state.events.by.since,
        Some(Since::Ago(Duration::from_secs(3600)))
    );
    assert_eq!(commands.len(), 1);
    // A typed start: a bad date says how to write one.
    update(&mut state, ch('w'));
    for _ in 0..3 {
        update(&mut state, ch('j'));
    }
    update(&mut state, key(KeyCode::Enter));
    assert!(typing(&state, &InputFor::EventsSince));
    typed(&mut state, "yesterday");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    assert!(error_says(&state, "is not a date"));
    update(&mut state, ch('u'));
    for _ in 0.."yesterdayu".len() {
        update(&mut state, key(KeyCode::Backspace));
    }
    typed(&mut state, "2026-11-30 08:00");
    assert_eq!(update(&mut state, key(KeyCode::Enter)).len(), 1);
    assert!(matches!(state.events.by.since, Some(Since::At(_))));
    // Types need the tenant's list first; then a picker of their names.
    update(&mut state, ch('t'));
    assert!(state.modals.is_empty());
    answer(
        &mut state,
        Outcome::EventTypes(Ok(vec![
            EventType {
                id: 11,
                name: "USER_LOCKED".into(),
                description: None,
            },
            EventType {
                id: 5,
                name: "APP_ADDED".into(),
                description: None,
            },
        ])),
    );
    update(&mut state, ch('t'));
    update(&mut state, ch('j'));
    update(&mut state, ch(' '));
    let commands = update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.events.by.types, vec![11]);
    assert_eq!(commands.len(), 1);
    // `x` clears every filter.
    let commands = update(&mut state, ch('x'));
    assert!(state.events.by.is_empty());
    assert!(matches!(&commands[..], [Command::LoadEvents { .. }]));
}

#[test]
fn enter_shows_an_event_whole_and_our_runs_are_marked() {
    let mut state = on_events(3, None);
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let marks = RunMarks::of_calls(
        Some("ours"),
        &[(
            3,
            at("2026-11-30T12:02:59Z"),
            at("2026-11-30T12:03:01Z"),
            "20261130-120235123-ab12",
        )],
    );
    answer(&mut state, Outcome::RunMarks(std::sync::Arc::new(marks)));
    // Event 2 is about user 3, at 12:02:00: outside the call. Event 3? user 1.
    let marked: Vec<i64> = state
        .events
        .events
        .iter()
        .filter(|e| state.run_marks.run_of(e).is_some())
        .map(|e| e.id)
        .collect();
    assert!(marked.is_empty(), "{marked:?}");
    // The `/` filter finds an event by our run's name.
    let ours = event(4, 3, 11, "2026-11-30T12:03:00.000Z");
    let generation = state.events.generation;
    answer(
        &mut state,
        Outcome::EventsPolled {
            generation,
            result: Ok(Page {
                items: vec![ours],
                after_cursor: None,
                before_cursor: None,
            }),
        },
    );
    update(&mut state, ch('/'));
    typed(&mut state, "ab12");
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.events.rows.len(), 1);
    update(&mut state, key(KeyCode::Enter));
    let Some(Modal::Event(detail)) = state.modals.top() else {
        panic!("no detail");
    };
    assert_eq!(detail.run.as_deref(), Some("20261130-120235123-ab12"));
    update(&mut state, ch('q'));
    assert!(state.modals.is_empty(), "q closes the box, not the console");
    assert!(!state.quit);
    // A bulk run ends while the screen is shown: the index is rebuilt.
    let commands = answer(
        &mut state,
        Outcome::BulkFinished(Err(crate::bulk::BulkError::Busy)),
    );
    assert!(commands.contains(&Command::LoadRunMarks), "{commands:?}");
}

#[test]
fn a_failed_first_page_is_shown_and_r_tries_again() {
    let mut state = loaded(3, None);
    update(&mut state, ch('4'));
    let generation = state.events.generation;
    answer(
        &mut state,
        Outcome::EventsPage {
            generation,
            query: EventQuery::new(),
            result: Err(crate::app::update_tests::api_error(
                401,
                "Insufficient Permission",
            )),
        },
    );
    assert!(state.events.error.is_some());
    assert!(error_says(&state, "Loading events failed"));
    // No polls without a first page.
    state.events.poll.now = true;
    assert!(tick(&mut state, Instant::now()).is_empty());
    let commands = update(&mut state, ch('r'));
    assert!(matches!(&commands[0], Command::LoadEvents { .. }));
    assert!(state.events.error.is_none());
}
