//! `L`, load every page: measured first, asked about above a tenth of what is left of the
//! rate budget, then page after page with the pacer's word on the time left.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::app::action::{Action, Command, Outcome};
use crate::app::keymap::Keymap;
use crate::app::modal::Question;
use crate::app::state::{AppState, LoadAll};
use crate::app::update::{start, update};
use crate::app::update_tests::{asked, ch, error_says, loaded, page, state_with};
use crate::bulk::{Cost, Listed, Size};
use crate::config::UserUpdateApi;

fn cost(calls: u64, left: u32) -> Cost {
    Cost {
        size: Size::Total(calls * 50),
        calls,
        left: Some(left),
        resets_in: Some(Duration::from_secs(42 * 60)),
        eta: Duration::from_secs(190),
    }
}

fn estimated(state: &mut AppState, cost: Cost) -> Vec<Command> {
    let generation = state.users.generation;
    update(
        state,
        Action::Outcome(Outcome::LoadAllEstimate {
            generation,
            result: Ok(cost),
        }),
    )
}

fn page_loads(commands: &[Command]) -> Vec<(Option<String>, u64)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::LoadUsers {
                after_cursor,
                calls_left,
                ..
            } => Some((after_cursor.clone(), *calls_left)),
            _ => None,
        })
        .collect()
}

#[test]
fn l_measures_the_search_before_loading_anything() {
    let mut state = loaded(50, Some("c1"));
    let commands = update(&mut state, ch('L'));
    assert_eq!(
        commands,
        vec![Command::EstimateLoadAll {
            generation: 1,
            query: state.users.query.clone(),
            listed: Listed {
                count: 50,
                first_id: Some(1),
                last_id: Some(50),
            },
        }]
    );
    assert_eq!(state.users.load, LoadAll::Estimating);
    // A second L while it measures sends nothing more.
    assert!(update(&mut state, ch('L')).is_empty());
}

#[test]
fn a_cheap_load_goes_without_a_question_page_after_page() {
    let mut state = loaded(50, Some("c1"));
    update(&mut state, ch('L'));
    // 3 calls of 100 left: not more than a tenth.
    let cheap = Cost {
        size: Size::Total(160),
        ..cost(3, 100)
    };
    let commands = estimated(&mut state, cheap);
    assert_eq!(asked(&state), None);
    // The pacer hears how many pages are left: 110 users, 3 pages.
    assert_eq!(page_loads(&commands), vec![(Some("c1".into()), 3)]);
    let commands = update(
        &mut state,
        Action::Outcome(Outcome::UsersPage {
            generation: 1,
            result: Ok(page(51, 50, Some("c2"))),
        }),
    );
    assert_eq!(page_loads(&commands), vec![(Some("c2".into()), 2)]);
    let commands = update(
        &mut state,
        Action::Outcome(Outcome::UsersPage {
            generation: 1,
            result: Ok(page(101, 60, None)),
        }),
    );
    assert!(commands.is_empty());
    assert!(state.users.complete);
    assert_eq!(state.users.load, LoadAll::Off);
    assert_eq!(state.users.all.len(), 160);
}

#[test]
fn above_a_tenth_of_what_is_left_it_asks_and_no_loads_nothing() {
    let mut state = loaded(50, Some("c1"));
    update(&mut state, ch('L'));
    let commands = estimated(&mut state, cost(2_000, 4_878));
    assert!(commands.is_empty(), "{commands:?}");
    assert_eq!(
        asked(&state),
        Some(Question::LoadAll {
            generation: 1,
            cost: cost(2_000, 4_878)
        })
    );
    let commands = update(&mut state, ch('n'));
    assert!(page_loads(&commands).is_empty());
    assert_eq!(asked(&state), None);
    assert_eq!(state.users.load, LoadAll::Off);
    assert_eq!(state.users.all.len(), 50, "nothing more was loaded");
}

#[test]
fn yes_loads_every_page() {
    let mut state = loaded(50, Some("c1"));
    update(&mut state, ch('L'));
    estimated(&mut state, cost(11, 100));
    assert!(asked(&state).is_some(), "11 of 100 is more than a tenth");
    let commands = update(&mut state, ch('y'));
    assert_eq!(page_loads(&commands), vec![(Some("c1".into()), 10)]);
    assert!(matches!(
        state.users.load,
        LoadAll::Loading {
            size: Size::Total(550),
            ..
        }
    ));
}

#[test]
fn a_tenth_exactly_is_not_asked_about() {
    let mut state = loaded(50, Some("c1"));
    update(&mut state, ch('L'));
    let commands = estimated(&mut state, cost(10, 100));
    assert_eq!(asked(&state), None);
    assert_eq!(page_loads(&commands).len(), 1);
}

#[test]
fn the_answer_keys_are_the_keymaps() {
    let mut state = loaded(50, Some("c1"));
    let mut ask = BTreeMap::new();
    ask.insert("yes".to_string(), vec!["o".to_string()]);
    let mut overrides = BTreeMap::new();
    overrides.insert("ask".to_string(), ask);
    state.keymap = Keymap::new(&overrides, false).0;
    update(&mut state, ch('L'));
    estimated(&mut state, cost(2_000, 4_878));
    // `y` is not "yes" any more: the question stays.
    assert!(update(&mut state, ch('y')).is_empty());
    assert!(asked(&state).is_some());
    let commands = update(&mut state, ch('o'));
    assert_eq!(page_loads(&commands).len(), 1);
    assert_eq!(asked(&state), None);
}

#[test]
fn l_before_the_first_page_measures_once_it_is_in() {
    let mut state = state_with(false, UserUpdateApi::V1);
    start(&mut state);
    assert!(update(&mut state, ch('L')).is_empty());
    assert_eq!(state.users.load, LoadAll::AwaitingPage);
    let commands = update(
        &mut state,
        Action::Outcome(Outcome::UsersPage {
            generation: 1,
            result: Ok(page(1, 50, Some("c1"))),
        }),
    );
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::EstimateLoadAll { listed, .. } if listed.count == 50)),
        "{commands:?}"
    );
    assert_eq!(state.users.load, LoadAll::Estimating);
}

#[test]
fn an_estimate_for_an_older_search_is_dropped() {
    let mut state = loaded(50, Some("c1"));
    update(&mut state, ch('L'));
    update(&mut state, ch('R'));
    let commands = update(
        &mut state,
        Action::Outcome(Outcome::LoadAllEstimate {
            generation: 1,
            result: Ok(cost(2_000, 4_878)),
        }),
    );
    assert!(commands.is_empty());
    assert_eq!(asked(&state), None);
}

#[test]
fn a_failed_estimate_is_said_and_loads_nothing() {
    let mut state = loaded(50, Some("c1"));
    update(&mut state, ch('L'));
    let error = crate::api::ApiError::config("no");
    let commands = update(
        &mut state,
        Action::Outcome(Outcome::LoadAllEstimate {
            generation: 1,
            result: Err(error),
        }),
    );
    assert!(commands.is_empty());
    assert!(error_says(&state, "Measuring the search"));
    assert_eq!(state.users.load, LoadAll::Off);
}

#[test]
fn the_pacers_eta_counts_down_from_the_tick_that_sees_it() {
    let mut state = loaded(50, Some("c1"));
    update(&mut state, ch('L'));
    estimated(&mut state, cost(3, 100));
    update(
        &mut state,
        Action::Outcome(Outcome::LoadPace {
            generation: 1,
            eta: Duration::from_secs(90),
        }),
    );
    let t = Instant::now();
    update(&mut state, Action::Tick(t));
    assert!(matches!(
        state.users.load,
        LoadAll::Loading {
            eta: Some((d, Some(told))),
            ..
        } if d == Duration::from_secs(90) && told == t
    ));
}
