//! Whole screens drawn on ratatui's TestBackend and compared with insta snapshots,
//! at 80x24 and 120x40.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::api::User;
use crate::theme::{ColorDepth, Theme};

use super::action::{Action, Outcome};
use super::state::{AppState, RowKey};
use super::update::update;
use super::update_tests::{ch, editing_user_1, exchange, key, loaded, move_to, typed};
use super::view;

fn render(state: &mut AppState, width: u16, height: u16) -> Terminal<TestBackend> {
    update(state, Action::Resize { width, height });
    let theme = Theme::load("dark", None, ColorDepth::TrueColor, false).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| view::draw(frame, state, &theme))
        .unwrap();
    terminal
}

fn users_state() -> AppState {
    let mut state = loaded(60, Some("next"));
    update(&mut state, ch(' '));
    update(&mut state, ch(' '));
    state.in_flight = 0;
    state
}

#[test]
fn users_screen() {
    for (w, h) in [(120, 40), (80, 24)] {
        let mut state = users_state();
        insta::assert_snapshot!(format!("users_{w}x{h}"), render(&mut state, w, h).backend());
    }
}

#[test]
fn users_filter_typing() {
    let mut state = users_state();
    update(&mut state, ch('/'));
    typed(&mut state, "user1");
    insta::assert_snapshot!(render(&mut state, 80, 24).backend());
}

#[test]
fn editor_with_a_pending_change_and_a_value_being_typed() {
    for (w, h) in [(120, 40), (80, 24)] {
        let mut state = users_state();
        update(&mut state, ch('g'));
        editing_user_1(&mut state);
        move_to(&mut state, &RowKey::Attribute("skype".into()));
        update(&mut state, ch('x'));
        move_to(&mut state, &RowKey::Attribute("AWS_Role".into()));
        update(&mut state, ch('e'));
        typed(&mut state, "Admin");
        insta::assert_snapshot!(
            format!("editor_{w}x{h}"),
            render(&mut state, w, h).backend()
        );
    }
}

#[test]
fn request_log_list_and_detail() {
    let mut state = users_state();
    update(&mut state, ch('3'));
    update(
        &mut state,
        Action::Exchange(exchange("GET", "/api/1/users?limit=50", Some(200))),
    );
    update(
        &mut state,
        Action::Exchange(exchange(
            "PUT",
            "/api/1/users/1/set_custom_attributes",
            Some(400),
        )),
    );
    update(
        &mut state,
        Action::Exchange(exchange(
            "PUT",
            "/api/1/users/1/set_custom_attributes",
            Some(200),
        )),
    );
    insta::assert_snapshot!("request_log_120x40", render(&mut state, 120, 40).backend());
    update(&mut state, key(KeyCode::Enter));
    insta::assert_snapshot!(
        "request_log_detail_80x24",
        render(&mut state, 80, 24).backend()
    );
}

#[test]
fn help_is_generated_from_the_keymap() {
    let mut state = users_state();
    update(&mut state, ch('?'));
    insta::assert_snapshot!(render(&mut state, 80, 24).backend());
}

#[test]
fn a_terminal_too_small_gets_a_message() {
    let mut state = users_state();
    let terminal = render(&mut state, 40, 10);
    let text = format!("{}", terminal.backend());
    assert!(text.contains("needs at least"), "{text}");
}

/// A profile with `color` shows the tenant's name on that band, in the tab bar and the
/// status line.
#[test]
fn a_profile_band_carries_the_tenants_name_at_both_ends() {
    let mut state = loaded(3, None);
    state.band = Some(crate::theme::Theme::band("red", ColorDepth::TrueColor, false).unwrap());
    let terminal = render(&mut state, 80, 24);
    let buffer = terminal.backend().buffer();
    let top: String = (0..6)
        .map(|x| buffer[(x, 0)].symbol().to_string())
        .collect();
    assert_eq!(top, " test ");
    assert_eq!(buffer[(1, 0)].bg, ratatui::style::Color::Red);
    assert_eq!(
        buffer[(1, 23)].bg,
        ratatui::style::Color::Red,
        "the status line"
    );
}

#[test]
fn hostile_names_are_drawn_as_visible_text() {
    let mut state = loaded(1, None);
    let hostile: User = serde_json::from_value(serde_json::json!({
        "id": 666, "firstname": "\u{1b}]52;c;aGVsbG8=\u{7}Mallory", "lastname": "\u{1b}[2J",
        "email": "mallory@example.com", "status": 1, "department": "\u{202e}evil",
        "custom_attributes": {"AWS_Role": "a\r\nb\u{9b}2J"}
    }))
    .unwrap();
    let generation = state.users.generation;
    update(
        &mut state,
        Action::Outcome(Outcome::UsersPage {
            generation,
            result: Ok(crate::api::Page {
                items: vec![hostile.clone()],
                after_cursor: None,
                before_cursor: None,
            }),
        }),
    );
    let screen_text = |terminal: &Terminal<TestBackend>| -> String {
        terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect()
    };
    let text = screen_text(&render(&mut state, 120, 40));
    assert!(text.contains("␛]52;c;aGVsbG8=␇Mallory"), "{text}");
    assert!(text.contains("<U+202E>evil"), "{text}");
    assert!(
        !text.chars().any(|c| c.is_control()),
        "a control character reached the buffer"
    );
    // The editor shows every value whole, once its fresh read of the user arrives.
    update(&mut state, ch('G'));
    update(&mut state, key(KeyCode::Enter));
    let answer = Outcome::User {
        id: 666,
        result: Ok(hostile),
    };
    update(&mut state, Action::Outcome(answer));
    let text = screen_text(&render(&mut state, 120, 40));
    assert!(text.contains("␛[2J"), "{text}");
    assert!(text.contains("a␍␊b<U+009B>2J"), "{text}");
    assert!(
        !text.chars().any(|c| c.is_control()),
        "a control character reached the buffer"
    );
}

/// The text inside the box whose top-right corner is the top-right-most `┐` of the body:
/// each row between its borders, joined by spaces.
fn toast_text(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let area = buffer.area;
    let cell = |x: u16, y: u16| buffer[(x, y)].symbol().to_string();
    // The toast's right border sits one column in from the edge, from the second row.
    let right = area.width - 2;
    let top = 1;
    assert_eq!(cell(right, top), "┐", "a toast at the top right");
    let left = (0..right)
        .rev()
        .find(|&x| cell(x, top) == "┌")
        .expect("its left corner");
    let mut rows = Vec::new();
    for y in top + 1..area.height {
        if cell(left, y) == "└" {
            break;
        }
        let row: String = (left + 1..right).map(|x| cell(x, y)).collect();
        rows.push(row.trim().to_string());
    }
    rows.join(" ")
}

#[test]
fn a_long_error_fits_its_box_at_80x24_and_120x40() {
    // A 429 while `L` loads every page: the message names the call, the code, when the
    // budget returns and what to do; every word of it must be on screen.
    let error = crate::api::ApiError::new(
        crate::api::ErrorKind::RateLimited {
            http_status: 429,
            reset: Some(std::time::Duration::from_secs(1_234)),
            body_start: "<html><body><h1>429 Too Many Requests</h1></body></html>".into(),
        },
        "GET",
        "https://api.us.onelogin.com/api/1/users?limit=50&after_cursor=ZmlsbGVyLWN1cnNvci0xMjM0NTY3ODkw",
    );
    for (w, h) in [(80, 24), (120, 40)] {
        let mut state = loaded(50, Some("c1"));
        update(&mut state, ch('L'));
        update(
            &mut state,
            Action::Outcome(Outcome::UsersPage {
                generation: 1,
                result: Err(error.clone()),
            }),
        );
        let toast = state.toasts.last().unwrap().clone();
        let said = super::view::words::note_text(&toast.note, &state.keymap);
        assert!(said.chars().count() > 150, "a long message: {said}");
        let shown = toast_text(&render(&mut state, w, h));
        let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(words(&shown), words(&said), "at {w}x{h}");
    }
}

/// `L` measured, and loading (a cost worth no question).
fn loading_all(size: crate::bulk::Size) -> AppState {
    let mut state = loaded(50, Some("c1"));
    update(&mut state, ch('L'));
    update(
        &mut state,
        Action::Outcome(Outcome::LoadAllEstimate {
            generation: 1,
            result: Ok(crate::bulk::Cost {
                size,
                calls: 2,
                left: Some(5_000),
                resets_in: None,
                eta: std::time::Duration::from_secs(75),
            }),
        }),
    );
    state
}

#[test]
fn load_all_shows_a_gauge_of_the_id_range() {
    let mut state = loading_all(crate::bulk::Size::LastId(Some(101)));
    let text = format!("{}", render(&mut state, 80, 24).backend());
    assert!(text.contains("49% loaded"), "{text}");
    assert!(text.contains("50 users, page 2"), "{text}");
}

#[test]
fn load_all_shows_the_total_and_the_time_left() {
    let mut state = loading_all(crate::bulk::Size::Total(200));
    let text = format!("{}", render(&mut state, 80, 24).backend());
    assert!(text.contains("50 of 200"), "{text}");
    assert!(text.contains("25% loaded · 1m15s left"), "{text}");
}

#[test]
fn the_load_all_question_says_the_cost_and_the_keymaps_keys() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut state = loaded(50, Some("c1"));
        let mut ask = std::collections::BTreeMap::new();
        ask.insert("yes".to_string(), vec!["o".to_string()]);
        let mut overrides = std::collections::BTreeMap::new();
        overrides.insert("ask".to_string(), ask);
        state.keymap = super::keymap::Keymap::new(&overrides, false).0;
        update(&mut state, ch('L'));
        update(
            &mut state,
            Action::Outcome(Outcome::LoadAllEstimate {
                generation: 1,
                result: Ok(crate::bulk::Cost {
                    size: crate::bulk::Size::Total(100_000),
                    calls: 2_000,
                    left: Some(4_878),
                    resets_in: Some(std::time::Duration::from_secs(42 * 60)),
                    eta: std::time::Duration::from_secs(190),
                }),
            }),
        );
        let text = format!("{}", render(&mut state, w, h).backend());
        assert!(
            text.contains("≈ 2,000 calls, 41% of what is left"),
            "{text}"
        );
        assert!(text.contains("100,000 users"), "{text}");
        assert!(text.contains("│o  yes"), "the keymap's yes key: {text}");
    }
}

mod bulk {
    use std::time::Duration;

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::super::action::{Action, Outcome};
    use super::super::bulk_tests::{bulk_state, previewed, run_row, running, set_aws_role};
    use super::super::update::update;
    use super::super::update_tests::{ch, key, typed};
    use super::render;
    use crate::bulk::{Progress, ProgressStats, RunKind, UserOutcome};

    const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

    #[test]
    fn bulk_form() {
        for (w, h) in SIZES {
            let mut state = bulk_state(20);
            set_aws_role(&mut state, "Administrator");
            update(&mut state, ch('+'));
            update(&mut state, key(KeyCode::Enter));
            update(&mut state, ch('a'));
            update(&mut state, key(KeyCode::Enter));
            typed(&mut state, "Read");
            state.in_flight = 0;
            insta::assert_snapshot!(
                format!("bulk_form_{w}x{h}"),
                render(&mut state, w, h).backend()
            );
        }
    }

    #[test]
    fn bulk_form_without_a_selection() {
        let mut state = bulk_state(3);
        update(&mut state, ch('1'));
        update(&mut state, ch('A'));
        update(&mut state, ch('2'));
        state.in_flight = 0;
        insta::assert_snapshot!(render(&mut state, 80, 24).backend());
    }

    #[test]
    fn bulk_preview() {
        for (w, h) in SIZES {
            let mut state = previewed(40);
            state.in_flight = 0;
            insta::assert_snapshot!(
                format!("bulk_preview_{w}x{h}"),
                render(&mut state, w, h).backend()
            );
        }
    }

    #[test]
    fn bulk_confirm() {
        for (w, h) in SIZES {
            let mut state = previewed(40);
            update(
                &mut state,
                Action::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
            );
            typed(&mut state, "4");
            update(&mut state, key(KeyCode::Enter));
            typed(&mut state, "4");
            state.in_flight = 0;
            insta::assert_snapshot!(
                format!("bulk_confirm_{w}x{h}"),
                render(&mut state, w, h).backend()
            );
        }
    }

    /// `!` → delete on 3 selected users: the preview says what it is and what cannot be
    /// undone; the confirmation asks for the count and the word.
    #[test]
    fn action_delete_confirm() {
        for (w, h) in SIZES {
            let mut state = crate::app::update_tests::loaded(3, None);
            update(&mut state, ch('a'));
            update(&mut state, ch('!'));
            for _ in 0..5 {
                update(&mut state, key(KeyCode::Down));
            }
            let commands = update(&mut state, key(KeyCode::Enter));
            let answer = crate::app::bulk_tests::plan_for(&state, &commands);
            update(&mut state, answer);
            update(
                &mut state,
                Action::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
            );
            typed(&mut state, "3");
            update(&mut state, key(KeyCode::Enter));
            state.in_flight = 0;
            insta::assert_snapshot!(
                format!("action_delete_confirm_{w}x{h}"),
                render(&mut state, w, h).backend()
            );
        }
    }

    #[test]
    fn bulk_running() {
        for (w, h) in SIZES {
            let mut state = running(40);
            for (id, message) in [
                (
                    7,
                    "400 input custom_attributes is not valid. Valid custom_attributes -> [AWS_Role skype messenger ]",
                ),
                (9, "404 User not found \u{1b}[31m"),
            ] {
                update(
                    &mut state,
                    Action::Outcome(Outcome::BulkProgress(Progress::User {
                        id,
                        label: format!("u{id}@example.com"),
                        outcome: UserOutcome::Failed {
                            message: message.into(),
                            retryable: false,
                        },
                        stats: ProgressStats::default(),
                    })),
                );
            }
            update(
                &mut state,
                Action::Outcome(Outcome::BulkProgress(Progress::Tick(ProgressStats {
                    users: 40,
                    done: 23,
                    failed: 2,
                    remaining: 15,
                    calls_sent: 25,
                    calls_left: 15,
                    calls_per_minute: 212.0,
                    eta: Some(Duration::from_secs(4)),
                    elapsed: Duration::from_secs(7),
                    paused: false,
                    concurrency: 4,
                }))),
            );
            state.in_flight = 0;
            insta::assert_snapshot!(
                format!("bulk_running_{w}x{h}"),
                render(&mut state, w, h).backend()
            );
        }
    }

    #[test]
    fn bulk_past_runs() {
        for (w, h) in SIZES {
            let mut state = bulk_state(3);
            update(&mut state, ch('h'));
            let mut undo = run_row("20250103-091500123-00aa", true, RunKind::Undo);
            undo.undo_of = Some("20250102-101112345-ab12".into());
            update(
                &mut state,
                Action::Outcome(Outcome::BulkRuns(Ok(vec![
                    undo,
                    run_row("20250102-101112345-ab12", true, RunKind::Apply),
                    run_row("20250101-080000000-1234", false, RunKind::Apply),
                ]))),
            );
            state.in_flight = 0;
            insta::assert_snapshot!(
                format!("bulk_past_runs_{w}x{h}"),
                render(&mut state, w, h).backend()
            );
        }
    }
}

#[path = "view_audit_tests.rs"]
mod audit;

/// `:columns`: the chooser over the list, the shown columns checked and numbered, the
/// keys from the keymap; then the list in the chosen columns, one with a fixed width.
#[test]
fn the_column_chooser_and_the_chosen_columns() {
    let mut state = loaded(8, None);
    update(&mut state, ch(':'));
    typed(&mut state, "columns");
    update(&mut state, key(KeyCode::Enter));
    state.in_flight = 0;
    insta::assert_snapshot!("column_chooser_80x24", render(&mut state, 80, 24).backend());
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, ch(':'));
    typed(
        &mut state,
        "columns set id,email:24,custom_attributes.AWS_Role,title",
    );
    update(&mut state, key(KeyCode::Enter));
    state.status = None;
    insta::assert_snapshot!(
        "users_chosen_columns_80x24",
        render(&mut state, 80, 24).backend()
    );
}
