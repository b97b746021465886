//! The request log's `r` (send again) and `W` (HAR), as keys in and commands out.

use crossterm::event::KeyCode;

use crate::app::action::{Action, Command};
use crate::app::modal::Question;
use crate::app::update::update;
use crate::app::update_tests::{asked, ch, exchange, key, loaded, state_with, typed};
use crate::config::UserUpdateApi;

fn log_of(state: &mut crate::app::state::AppState) {
    update(state, ch('3'));
    for (method, path, status) in [
        ("GET", "/api/1/users?limit=50", Some(200)),
        ("PUT", "/api/1/users/1/set_custom_attributes", Some(400)),
    ] {
        update(state, Action::Exchange(exchange(method, path, status)));
    }
}

#[test]
fn a_read_goes_again_at_once_and_a_write_asks_first() {
    let mut state = loaded(1, None);
    log_of(&mut state);
    update(&mut state, ch('g'));
    let commands = update(&mut state, ch('r'));
    assert!(
        matches!(&commands[..], [Command::Resend { method, url, .. }]
            if method == "GET" && url.ends_with("/api/1/users?limit=50")),
        "{commands:?}"
    );
    update(&mut state, ch('j'));
    assert!(update(&mut state, ch('r')).is_empty());
    assert!(matches!(asked(&state), Some(Question::Resend { .. })));
    let commands = update(&mut state, ch('y'));
    assert!(
        matches!(&commands[..], [Command::Resend { method, body: Some(_), .. }] if method == "PUT"),
        "{commands:?}"
    );
}

#[test]
fn read_only_sends_a_read_again_but_never_a_write() {
    let mut state = state_with(true, UserUpdateApi::V1);
    log_of(&mut state);
    update(&mut state, ch('G'));
    assert!(update(&mut state, ch('r')).is_empty());
    assert!(asked(&state).is_none(), "not even asked");
    update(&mut state, ch('g'));
    assert_eq!(update(&mut state, ch('r')).len(), 1);
}

#[test]
fn w_writes_what_the_filter_shows_as_har() {
    let mut state = loaded(1, None);
    log_of(&mut state);
    update(&mut state, ch('/'));
    typed(&mut state, "status:4xx");
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.log.rows.len(), 1);
    let commands = update(&mut state, ch('W'));
    let [
        Command::WriteExport {
            extension,
            contents,
            ..
        },
    ] = &commands[..]
    else {
        panic!("{commands:?}")
    };
    assert_eq!(extension, "har");
    let har: serde_json::Value = serde_json::from_str(contents).unwrap();
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "the filtered part only");
    assert_eq!(entries[0]["response"]["status"], 400);
}

#[test]
fn a_token_call_is_refused_before_any_question() {
    let mut state = loaded(1, None);
    update(&mut state, ch('3'));
    update(
        &mut state,
        Action::Exchange(exchange("POST", "/auth/oauth2/v2/token", Some(200))),
    );
    assert!(update(&mut state, ch('r')).is_empty());
    assert!(asked(&state).is_none());
    let said = state
        .status
        .as_ref()
        .map(|s| crate::app::view::words::note_text(&s.note, &state.keymap));
    assert!(
        said.is_some_and(|s| s.contains("credentials")),
        "{:?}",
        state.status
    );
}
