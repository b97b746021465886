//! Screen flows as plain functions: keys and outcomes in, state and commands out.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use crate::api::{ApiError, Exchange, Page, User};
use crate::config::UserUpdateApi;

use super::action::{Action, Command, Outcome, SavePart};
use super::keymap::Keymap;
use super::layout;
use super::modal::{InputFor, Question};
use super::state::{AppState, Level, Pending, RowKey, Screen, StateConfig, Toast};
use super::update::{start, update};

pub fn state_with(read_only: bool, user_update: UserUpdateApi) -> AppState {
    let (keymap, _) = Keymap::new(&BTreeMap::new(), read_only);
    AppState::new(StateConfig {
        tenant: test_tenant(),
        read_only,
        protected: false,
        user_update,
        columns: super::columns::with_custom(&["AWS_Role"]),
        request_log_capacity: 3,
        keymap,
        width: 120,
        height: 40,
        band: None,
    })
}

/// A toast or status message as the view words it.
pub fn text(state: &AppState, toast: &Toast) -> String {
    super::view::words::note_text(&toast.note, &state.keymap)
}

/// Whether an error message on screen says `needle`.
pub fn error_says(state: &AppState, needle: &str) -> bool {
    state
        .toasts
        .iter()
        .any(|t| t.level == Level::Error && text(state, t).contains(needle))
}

/// The question being asked, if one is.
pub fn asked(state: &AppState) -> Option<Question> {
    state.modals.question()
}

/// Whether a text input for `purpose` is open.
pub fn typing(state: &AppState, purpose: &InputFor) -> bool {
    state.modals.input(purpose).is_some()
}

/// The tenant the test console is on.
pub fn test_tenant() -> crate::tenant::Tenant {
    crate::tenant::Tenant::new("test", &reqwest::Url::parse("http://127.0.0.1:1").unwrap())
}

pub fn user(id: i64, first: &str, email: &str, aws_role: Option<&str>) -> User {
    serde_json::from_value(json!({
        "id": id, "firstname": first, "lastname": "Example", "email": email,
        "status": 1, "state": 1, "department": "Sales", "group_id": null,
        "custom_attributes": {"AWS_Role": aws_role, "skype": null}
    }))
    .unwrap()
}

pub fn page(from: i64, n: i64, after: Option<&str>) -> Page<User> {
    Page {
        items: (from..from + n)
            .map(|i| user(i, &format!("user{i}"), &format!("u{i}@example.com"), None))
            .collect(),
        after_cursor: after.map(str::to_string),
        before_cursor: None,
    }
}

pub fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Action {
    key(KeyCode::Char(c))
}

fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn ctrl_s() -> Action {
    ctrl('s')
}

pub fn typed(state: &mut AppState, text: &str) {
    for c in text.chars() {
        update(state, ch(c));
    }
}

/// A state with the first page of users loaded (generation 1).
pub fn loaded(n: i64, after: Option<&str>) -> AppState {
    let mut state = state_with(false, UserUpdateApi::V1);
    start(&mut state);
    update(
        &mut state,
        Action::Outcome(Outcome::Fields(Ok(vec!["AWS_Role".into(), "skype".into()]))),
    );
    update(
        &mut state,
        Action::Outcome(Outcome::UsersPage {
            generation: 1,
            result: Ok(page(1, n, after)),
        }),
    );
    state
}

pub fn api_error(status: u16, message: &str) -> ApiError {
    ApiError {
        kind: crate::api::ErrorKind::Envelope {
            http_status: status,
            code: i64::from(status),
            error_type: "bad request".into(),
            message: crate::api::EnvelopeMessage::Text(message.into()),
        },
        method: "PUT".into(),
        url: "http://127.0.0.1:1/api/1/users/1/set_custom_attributes".into(),
    }
}

#[test]
fn start_asks_for_fields_roles_groups_and_the_first_page() {
    let mut state = state_with(false, UserUpdateApi::V1);
    let commands = start(&mut state);
    assert_eq!(commands.len(), 5);
    assert!(matches!(
        commands[3],
        Command::LoadUsers {
            generation: 1,
            after_cursor: None,
            ..
        }
    ));
    assert_eq!(commands[4], Command::BulkListRuns);
    assert_eq!(state.in_flight, 5);
}

#[test]
fn the_next_page_loads_as_the_cursor_nears_the_end() {
    let mut state = loaded(50, Some("c1"));
    assert_eq!(state.users.rows.len(), 50);
    for _ in 0..30 {
        assert!(update(&mut state, ch('j')).is_empty());
    }
    let mut commands = Vec::new();
    for _ in 0..15 {
        commands.extend(update(&mut state, ch('j')));
    }
    assert_eq!(
        commands.len(),
        1,
        "one page request, not one per key: {commands:?}"
    );
    assert!(matches!(&commands[0], Command::LoadUsers { after_cursor: Some(c), .. } if c == "c1"));
}

#[test]
fn a_page_for_a_superseded_search_is_dropped() {
    let mut state = loaded(5, None);
    update(&mut state, ch('R'));
    update(
        &mut state,
        Action::Outcome(Outcome::UsersPage {
            generation: 1,
            result: Ok(page(100, 3, None)),
        }),
    );
    assert!(state.users.all.is_empty());
    update(
        &mut state,
        Action::Outcome(Outcome::UsersPage {
            generation: 2,
            result: Ok(page(100, 3, None)),
        }),
    );
    assert_eq!(state.users.all.len(), 3);
}

#[test]
fn slash_filters_as_you_type_and_owns_the_keyboard() {
    let mut state = loaded(30, None);
    update(&mut state, ch('/'));
    typed(&mut state, "user2");
    // user2, user20..user29
    assert_eq!(state.users.rows.len(), 11);
    // q and j are text while typing: no quit, no move.
    typed(&mut state, "q");
    assert!(!state.quit);
    assert_eq!(state.users.filter, "user2q");
    assert!(state.users.rows.is_empty());
    update(&mut state, key(KeyCode::Backspace));
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.users.rows.len(), 11);
    assert!(!typing(&state, &InputFor::UsersFilter));
    // Esc on the list clears the filter.
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.users.rows.len(), 30);
}

#[test]
fn selection_toggle_all_clear_invert() {
    let mut state = loaded(10, None);
    update(&mut state, ch(' '));
    update(&mut state, ch(' '));
    assert_eq!(state.users.list.marks().len(), 2);
    assert_eq!(state.users.list.cursor(), 2);
    update(&mut state, ch('v'));
    assert_eq!(state.users.list.marks().len(), 8);
    update(&mut state, ch('A'));
    assert!(state.users.list.marks().is_empty());
    update(&mut state, ch('/'));
    typed(&mut state, "user1");
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, ch('a'));
    // user1 and user10: "select all" takes the filtered users only.
    assert_eq!(state.users.list.marks().len(), 2);
}

#[test]
fn a_bad_search_keeps_what_was_typed_and_says_why() {
    let mut state = loaded(3, None);
    update(&mut state, ch('s'));
    typed(&mut state, "colour:blue");
    let commands = update(&mut state, key(KeyCode::Enter));
    assert!(commands.is_empty());
    assert!(typing(&state, &InputFor::UsersSearch));
    assert!(error_says(&state, "colour"));
}

#[test]
fn a_good_search_reloads_from_the_tenant() {
    let mut state = loaded(3, None);
    update(&mut state, ch('s'));
    typed(&mut state, "email:kat*");
    let commands = update(&mut state, key(KeyCode::Enter));
    assert!(matches!(
        &commands[..],
        [Command::LoadUsers {
            generation: 2,
            after_cursor: None,
            ..
        }]
    ));
    assert_eq!(state.users.search, "email:kat*");
}

/// Opens user 1 and answers its load.
pub fn editing_user_1(state: &mut AppState) {
    let commands = update(state, key(KeyCode::Enter));
    assert_eq!(
        commands,
        vec![
            Command::LoadUser { id: 1 },
            Command::LoadUserRoles { id: 1 }
        ]
    );
    assert_eq!(state.screen, Screen::Editor);
    let loaded = user(1, "Ann", "ann@example.com", Some("Reader"));
    update(
        state,
        Action::Outcome(Outcome::User {
            id: 1,
            result: Ok(loaded),
        }),
    );
    update(
        state,
        Action::Outcome(Outcome::UserRoles {
            id: 1,
            result: Ok(vec![]),
        }),
    );
}

pub fn move_to(state: &mut AppState, target: &RowKey) {
    let rows = super::editor_rows::editor_rows(state);
    let index = rows.iter().position(|r| r == target).unwrap();
    update(state, ch('g'));
    for _ in 0..index {
        update(state, ch('j'));
    }
}

#[test]
fn edit_a_custom_attribute_and_save_it_in_one_call() {
    let mut state = loaded(3, None);
    editing_user_1(&mut state);
    move_to(&mut state, &RowKey::Attribute("AWS_Role".into()));
    update(&mut state, key(KeyCode::Enter));
    // The editor holds the current value; replace it.
    for _ in 0.."Reader".len() {
        update(&mut state, key(KeyCode::Backspace));
    }
    typed(&mut state, "Administrator");
    update(&mut state, key(KeyCode::Enter));
    let pending = &state.editor.as_ref().unwrap().pending;
    assert_eq!(
        pending.get(&RowKey::Attribute("AWS_Role".into())),
        Some(&Pending::Text("Administrator".into()))
    );

    let commands = update(&mut state, ctrl('s'));
    let mut values = BTreeMap::new();
    values.insert("AWS_Role".to_string(), "Administrator".to_string());
    assert_eq!(
        commands,
        vec![Command::SetCustomAttributes { id: 1, values }]
    );

    update(
        &mut state,
        Action::Outcome(Outcome::Saved {
            id: 1,
            part: SavePart::CustomAttributes,
            result: Ok(None),
        }),
    );
    let editor = state.editor.as_ref().unwrap();
    assert!(editor.pending.is_empty());
    let saved = editor
        .user
        .as_ref()
        .unwrap()
        .custom_attributes
        .get("AWS_Role")
        .cloned()
        .flatten();
    assert_eq!(saved.as_deref(), Some("Administrator"));
    let status = state.status.clone().unwrap();
    assert_eq!(status.level, Level::Success);
    let text = text(&state, &status);
    assert!(text.contains("Saved custom attributes"), "{text}");
    // The list shows the new value too.
    let listed = &state.users.all[state.users.index[&1]];
    let aws_role = super::columns::Column::Custom("AWS_Role".into());
    assert_eq!(super::users_table::cell(listed, &aws_role), "Administrator");
}

#[test]
fn a_failed_save_keeps_the_change_and_names_the_field() {
    let mut state = loaded(3, None);
    editing_user_1(&mut state);
    move_to(&mut state, &RowKey::Attribute("skype".into()));
    update(&mut state, ch('e'));
    typed(&mut state, "ann.skype");
    let commands = update(&mut state, ctrl('s'));
    assert_eq!(
        commands.len(),
        1,
        "Ctrl+S while typing keeps the value and saves"
    );
    let error = api_error(
        400,
        "input custom_attributes is not valid. Valid custom_attributes -> [AWS_Role ]",
    );
    update(
        &mut state,
        Action::Outcome(Outcome::Saved {
            id: 1,
            part: SavePart::CustomAttributes,
            result: Err(error),
        }),
    );
    let editor = state.editor.as_ref().unwrap();
    assert_eq!(editor.pending.len(), 1, "nothing entered is lost");
    let toast = state
        .toasts
        .iter()
        .find(|t| t.level == Level::Error)
        .unwrap();
    let said = text(&state, toast);
    assert!(said.contains("skype"), "{said}");
    assert!(
        said.contains("input custom_attributes is not valid"),
        "{said}"
    );
}

#[test]
fn clearing_an_attribute_sends_an_empty_string() {
    let mut state = loaded(3, None);
    editing_user_1(&mut state);
    move_to(&mut state, &RowKey::Attribute("AWS_Role".into()));
    update(&mut state, ch('x'));
    let commands = update(&mut state, ctrl('s'));
    let Command::SetCustomAttributes { values, .. } = &commands[0] else {
        panic!("{commands:?}")
    };
    assert_eq!(values.get("AWS_Role").map(String::as_str), Some(""));
}

#[test]
fn fields_go_in_one_put_with_numbers_as_numbers() {
    let mut state = loaded(3, None);
    editing_user_1(&mut state);
    move_to(&mut state, &RowKey::Field("title"));
    update(&mut state, ch('e'));
    typed(&mut state, "CTO");
    update(&mut state, key(KeyCode::Enter));
    move_to(&mut state, &RowKey::Field("state"));
    update(&mut state, ch('e'));
    update(&mut state, key(KeyCode::Backspace));
    typed(&mut state, "two");
    update(&mut state, key(KeyCode::Enter));
    assert!(error_says(&state, "whole number"));
    for _ in 0..3 {
        update(&mut state, key(KeyCode::Backspace));
    }
    typed(&mut state, "2");
    update(&mut state, key(KeyCode::Enter));
    let commands = update(&mut state, ctrl('s'));
    let Command::UpdateUser {
        id: 1,
        update: body,
    } = &commands[0]
    else {
        panic!("{commands:?}")
    };
    let body: serde_json::Value = serde_json::from_str(&body.to_json()).unwrap();
    assert_eq!(body, json!({"state": 2, "title": "CTO"}));
}

#[test]
fn v3_profiles_write_fields_as_xml() {
    let mut state = state_with(false, UserUpdateApi::V3);
    start(&mut state);
    update(
        &mut state,
        Action::Outcome(Outcome::UsersPage {
            generation: 1,
            result: Ok(page(1, 2, None)),
        }),
    );
    editing_user_1(&mut state);
    move_to(&mut state, &RowKey::Field("company"));
    update(&mut state, ch('e'));
    typed(&mut state, "A&B <Ltd>");
    let commands = update(&mut state, ctrl('s'));
    let Command::UpdateUserV3 { id: 1, update } = &commands[0] else {
        panic!("{commands:?}")
    };
    let xml = update.to_xml().unwrap();
    assert!(
        xml.contains("<company>A&amp;B &lt;Ltd&gt;</company>"),
        "{xml}"
    );
}

#[test]
fn leaving_with_unsaved_changes_asks_and_enter_means_no() {
    let mut state = loaded(3, None);
    editing_user_1(&mut state);
    move_to(&mut state, &RowKey::Attribute("AWS_Role".into()));
    update(&mut state, ch('x'));
    update(&mut state, ch('q'));
    assert_eq!(asked(&state), Some(Question::DiscardEdits));
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.screen, Screen::Editor);
    assert_eq!(state.editor.as_ref().unwrap().pending.len(), 1);
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(asked(&state), Some(Question::DiscardEdits));
    update(&mut state, ch('y'));
    assert_eq!(state.screen, Screen::Users);
    assert!(state.editor.is_none());
}

#[test]
fn read_only_binds_no_edit_and_sends_no_write() {
    let mut state = state_with(true, UserUpdateApi::V1);
    start(&mut state);
    update(
        &mut state,
        Action::Outcome(Outcome::UsersPage {
            generation: 1,
            result: Ok(page(1, 2, None)),
        }),
    );
    editing_user_1(&mut state);
    update(&mut state, ch('e'));
    assert!(state.modals.is_empty(), "nothing to type into");
    update(&mut state, ch('x'));
    assert!(update(&mut state, ctrl('s')).is_empty());
}

#[test]
fn quitting_with_work_in_flight_asks_first() {
    let mut state = state_with(false, UserUpdateApi::V1);
    start(&mut state);
    update(&mut state, ch('q'));
    assert_eq!(asked(&state), Some(Question::Quit));
    assert!(!state.quit);
    assert_eq!(update(&mut state, ch('y')), vec![Command::Quit]);
    let mut state = loaded(1, None);
    for outcome in [
        Outcome::Roles(Ok(vec![])),
        Outcome::Groups(Ok(vec![])),
        Outcome::BulkRuns(Ok(vec![])),
    ] {
        update(&mut state, Action::Outcome(outcome));
    }
    assert_eq!(state.in_flight, 0);
    assert_eq!(update(&mut state, ch('q')), vec![Command::Quit]);
}

#[test]
fn ctrl_c_quits_even_while_typing() {
    let mut state = loaded(1, None);
    update(&mut state, ch('/'));
    assert_eq!(update(&mut state, ctrl('c')), vec![Command::Quit]);
}

#[test]
fn the_status_line_fades_like_a_message_and_errors_stay_until_read() {
    let mut state = loaded(3, None);
    state.in_flight = 0;
    update(&mut state, ch('L'));
    assert_eq!(
        state.status.as_ref().map(|s| text(&state, s)).as_deref(),
        Some("Every page is loaded")
    );
    assert!(
        state.wants_ticks(),
        "a fading message keeps the clock going"
    );
    // However long the console sat idle before, the message is shown for a while from the
    // first tick that sees it.
    let t0 = Instant::now() + Duration::from_secs(60);
    update(&mut state, Action::Tick(t0));
    assert!(state.status.is_some(), "still shown at its first tick");
    update(&mut state, Action::Tick(t0 + Duration::from_secs(5)));
    assert!(state.status.is_none(), "the status line is cleared");
    assert!(!state.wants_ticks(), "and the clock stops");
    // An error stays on the status line until it is dismissed.
    update(
        &mut state,
        Action::Outcome(Outcome::Roles(Err(api_error(500, "boom")))),
    );
    update(
        &mut state,
        Action::Tick(Instant::now() + Duration::from_secs(120)),
    );
    assert_eq!(state.status.as_ref().map(|s| s.level), Some(Level::Error));
    update(&mut state, key(KeyCode::Esc));
    assert!(state.status.is_none());
}

#[test]
fn errors_stay_until_dismissed_and_esc_reads_them_first() {
    let mut state = loaded(1, None);
    update(
        &mut state,
        Action::Outcome(Outcome::Roles(Err(api_error(500, "boom")))),
    );
    update(
        &mut state,
        Action::Tick(Instant::now() + Duration::from_secs(60)),
    );
    assert!(error_says(&state, "boom"));
    update(&mut state, ch('/'));
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, ch('3'));
    assert_eq!(state.screen, Screen::RequestLog);
    let before = state.toasts.len();
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.toasts.len(), before - 1);
}

pub fn exchange(method: &str, path: &str, status: Option<u16>) -> Arc<Exchange> {
    Arc::new(Exchange {
        id: 0,
        // A fixed time keeps snapshots stable.
        started_at: chrono::DateTime::parse_from_rfc3339("2026-11-23T15:20:01.123Z")
            .unwrap()
            .into(),
        method: method.into(),
        url: format!("http://127.0.0.1:1{path}"),
        request_headers: vec![("Authorization".into(), "bearer:[REDACTED]".into())],
        request_body: Some(r#"{"custom_attributes":{"AWS_Role":"Admin"}}"#.into()),
        status,
        response_headers: vec![],
        response_body: Some(
            r#"{"status":{"error":false,"code":200,"type":"success","message":"Success"}}"#.into(),
        ),
        duration: Duration::from_millis(12),
        error: None,
    })
}

#[test]
fn the_request_log_follows_filters_and_keeps_a_bounded_buffer() {
    let mut state = loaded(1, None);
    update(&mut state, ch('3'));
    for (method, path, status) in [
        ("GET", "/api/1/users", Some(200)),
        ("PUT", "/api/1/users/1/set_custom_attributes", Some(400)),
        ("GET", "/api/1/roles", None),
        ("PUT", "/api/1/users/2/set_custom_attributes", Some(200)),
    ] {
        update(&mut state, Action::Exchange(exchange(method, path, status)));
    }
    // Capacity 3: the oldest went.
    assert_eq!(state.log.entries.len(), 3);
    assert_eq!(state.log.rows, vec![1, 2, 3]);
    assert_eq!(state.log.list.cursor(), 2, "following the newest");
    update(&mut state, ch('e'));
    assert_eq!(state.log.rows, vec![1, 2], "400 and no answer");
    update(&mut state, ch('e'));
    update(&mut state, ch('/'));
    typed(&mut state, "set_custom");
    assert_eq!(state.log.rows, vec![1, 3]);
    update(&mut state, key(KeyCode::Enter));
    let commands = update(&mut state, ch('c'));
    let [Command::Copy { text, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert!(text.contains("$ONELOGIN_TOKEN"), "{text}");
    assert!(
        text.contains("/api/1/users/2/set_custom_attributes"),
        "{text}"
    );
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(
        state.log.detail,
        Some(crate::app::state::Detail { seq: 3, scroll: 0 })
    );
    let commands = update(&mut state, ch('w'));
    let [Command::WriteExport { contents, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert_eq!(contents.lines().count(), 2);
}

#[test]
fn a_failed_page_load_is_shown_and_the_console_keeps_running() {
    let mut state = state_with(false, UserUpdateApi::V1);
    start(&mut state);
    let error = api_error(401, "Authentication Failure");
    update(
        &mut state,
        Action::Outcome(Outcome::UsersPage {
            generation: 1,
            result: Err(error),
        }),
    );
    let error = state.users.error.as_ref().unwrap().to_string();
    assert!(error.contains("Authentication Failure"), "{error}");
    assert!(!state.users.loading);
    // R tries again.
    let commands = update(&mut state, ch('R'));
    assert!(matches!(
        &commands[..],
        [Command::LoadUsers { generation: 2, .. }]
    ));
}

#[test]
fn a_reload_forgets_the_old_rows_index() {
    let mut state = loaded(3, None);
    let commands = update(&mut state, ch('R'));
    let Some(Command::LoadUsers { generation, .. }) = commands.first() else {
        panic!("{commands:?}");
    };
    // The tenant answers other users now: ids 101..103 where 1..3 were.
    update(
        &mut state,
        Action::Outcome(Outcome::UsersPage {
            generation: *generation,
            result: Ok(page(101, 3, None)),
        }),
    );
    let users = &state.users;
    assert_eq!(users.all.len(), 3);
    let mut indexed: Vec<(i64, usize)> = users.index.iter().map(|(k, v)| (*k, *v)).collect();
    indexed.sort_unstable();
    assert_eq!(indexed, vec![(101, 0), (102, 1), (103, 2)], "no stale id");
}

#[test]
fn a_smaller_terminal_keeps_the_cursor_on_screen() {
    let mut state = loaded(60, None);
    editing_user_1(&mut state);
    let rows = super::editor_rows::editor_rows(&state).len();
    for _ in 0..30 {
        update(&mut state, ch('j'));
    }
    let on_screen = |state: &AppState| {
        let list = &state.editor.as_ref().unwrap().list;
        let height = layout::rows(state, layout::ListId::Editor);
        list.window(rows, height).contains(&list.cursor())
    };
    assert!(on_screen(&state), "at 120x40");
    update(
        &mut state,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    assert_eq!(state.editor.as_ref().unwrap().list.cursor(), 30);
    assert!(
        on_screen(&state),
        "at 80x24, the window followed the cursor"
    );
}

#[test]
fn walking_down_the_list_scrolls_once_per_half_page() {
    let mut state = loaded(200, None);
    let mut offsets = std::collections::BTreeSet::new();
    for _ in 0..150 {
        update(&mut state, ch('j'));
        offsets.insert(state.users.list.offset());
    }
    // 36 rows a page at 120x40: the window moved 7 times in steps of 19, not 114 times by one.
    let steps: Vec<usize> = offsets.iter().copied().collect();
    assert_eq!(steps, vec![0, 19, 38, 57, 76, 95, 114, 133]);
}

#[test]
fn a_filter_does_not_read_the_whole_tenant_page_by_page() {
    let mut state = loaded(50, Some("c1"));
    update(&mut state, ch('/'));
    let mut commands = Vec::new();
    for c in "user4".chars() {
        commands.extend(update(&mut state, ch(c)));
    }
    commands.extend(update(&mut state, key(KeyCode::Enter)));
    commands.extend(update(&mut state, ch('j')));
    assert!(commands.is_empty(), "no page asked for: {commands:?}");
    assert_eq!(state.users.rows.len(), 11);
    // L still loads everything on purpose (measuring what it costs first).
    let commands = update(&mut state, ch('L'));
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::EstimateLoadAll { .. })),
        "{commands:?}"
    );
}
