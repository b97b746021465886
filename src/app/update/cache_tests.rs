//! The console on a cache: rows at once, a refresh applied in place, a search over the
//! whole cache, `R`, and a file that cannot be used.

use chrono::Utc;
use crossterm::event::KeyCode;
use serde_json::json;

use crate::api::User;
use crate::app::action::{Action, Command, Outcome};
use crate::app::cache_state::{CacheOpened, Source};
use crate::app::keymap::KeyAction;
use crate::app::state::AppState;
use crate::app::update::{start, update};
use crate::app::update_tests::{ch, key, state_with, typed};
use crate::app::user_row::RowBatch;
use crate::cache::CacheError;
use crate::cache::sync::{SyncKind, SyncReport};
use crate::config::UserUpdateApi;

fn user(id: i64, department: &str, title: &str) -> User {
    serde_json::from_value(json!({
        "id": id, "email": format!("u{id}@example.com"), "firstname": format!("F{id}"),
        "department": department, "title": title, "status": 1, "role_id": [id % 3]
    }))
    .unwrap()
}

fn cached(n: i64) -> AppState {
    let mut state = state_with(false, UserUpdateApi::V1);
    state.cache.enabled = true;
    let commands = start(&mut state);
    assert!(
        commands.contains(&Command::CacheOpen {
            generation: 1,
            columns: state.columns.clone()
        }),
        "{commands:?}"
    );
    assert!(
        !commands
            .iter()
            .any(|c| matches!(c, Command::LoadUsers { .. }))
    );
    let rows: Vec<User> = (1..=n)
        .map(|i| {
            user(
                i,
                if i % 2 == 0 { "Sales" } else { "IT" },
                if i % 3 == 0 {
                    "Staff Engineer"
                } else {
                    "Manager"
                },
            )
        })
        .collect();
    let opened = CacheOpened {
        complete: true,
        last_sync: Some(Utc::now() - chrono::Duration::hours(3)),
        users: n as u64,
        rows: RowBatch::of_users(&rows, &state.columns),
    };
    let commands = update(
        &mut state,
        Action::Outcome(Outcome::CacheOpened {
            generation: 1,
            result: Ok(opened),
        }),
    );
    assert_eq!(commands, vec![Command::CacheRefresh { limit: Some(200) }]);
    state
}

fn report(changed: Vec<User>, deleted: Vec<i64>) -> SyncReport {
    SyncReport {
        kind: SyncKind::Incremental,
        calls: 3,
        added: 0,
        changed: changed.len() as u64,
        deleted: deleted.len() as u64,
        users: 0,
        total: None,
        changed_users: changed,
        reload: false,
        deleted_ids: deleted,
        needs: None,
        notes: Vec::new(),
        last_sync: Some(Utc::now()),
        complete: true,
    }
}

#[test]
fn cached_users_show_at_once_and_the_line_says_how_old() {
    let state = cached(120);
    assert_eq!(state.users.rows.len(), 120);
    assert_eq!(state.cache.source, Source::Cache);
    let words = crate::app::update::cache_status_words(&state, 0).unwrap();
    assert_eq!(words, "cached 3 h ago · refreshing");
}

#[test]
fn a_refresh_updates_in_place_and_keeps_cursor_scroll_and_marks() {
    let mut state = cached(120);
    for _ in 0..60 {
        update(&mut state, key(KeyCode::Down));
    }
    update(&mut state, ch(' ')); // marks 61, the cursor goes to 62
    update(&mut state, key(KeyCode::Down)); // 63
    let before = (state.users.current_id(), state.users.list.offset());
    assert_eq!(before.0, Some(63));
    // 63 changes, 10 and 61 are deleted (61 was marked).
    let changed = user(63, "Finance", "CFO");
    update(
        &mut state,
        Action::Outcome(Outcome::CacheRefreshed(Ok(report(
            vec![changed],
            vec![10, 61],
        )))),
    );
    assert_eq!(
        state.users.current_id(),
        Some(63),
        "the cursor stays on its user"
    );
    let i = state.users.index[&63];
    assert_eq!(&*state.users.all[i].department, "Finance");
    assert_eq!(state.users.rows.len(), 118);
    assert!(!state.users.index.contains_key(&10) && !state.users.index.contains_key(&61));
    assert!(
        !state.users.list.is_marked(&61),
        "a deleted user's mark goes"
    );
    // The window moved by at most the rows removed above it.
    assert!(before.1.abs_diff(state.users.list.offset()) <= 2);
}

#[test]
fn a_search_over_a_complete_cache_matches_every_term_here() {
    let mut state = cached(120);
    update(&mut state, ch('s'));
    typed(&mut state, "department:Sales title:*Engineer* email:u1*");
    // Live: applied as typed, nothing sent.
    let ids: Vec<i64> = state.users.row_ids().collect();
    assert_eq!(ids, vec![12, 18, 102, 108, 114, 120]);
    let commands = update(&mut state, key(KeyCode::Enter));
    assert!(commands.is_empty(), "{commands:?}");
    assert_eq!(state.cache.searched, Some(Source::Cache));
    let words = crate::app::update::cache_status_words(&state, 0).unwrap();
    assert!(words.ends_with("search: from the cache"), "{words}");
    // A term only the server's grammar knows is matched here too: role_id.
    update(&mut state, ch('s'));
    update(
        &mut state,
        Action::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char('u'),
            crossterm::event::KeyModifiers::CONTROL,
        )),
    );
    typed(&mut state, "role_id:2 department:IT");
    update(&mut state, key(KeyCode::Enter));
    assert!(state.users.row_ids().all(|id| id % 3 == 2 && id % 2 == 1));
}

#[test]
fn r_refreshes_the_cache_and_without_one_reloads() {
    let mut state = cached(10);
    update(
        &mut state,
        Action::Outcome(Outcome::CacheRefreshed(Ok(report(vec![], vec![])))),
    );
    let r = state
        .keymap
        .key(crate::app::keymap::Context::Users, KeyAction::Refresh);
    assert_eq!(r, "R");
    let commands = update(&mut state, ch('R'));
    assert_eq!(commands, vec![Command::CacheRefresh { limit: None }]);
    let mut plain = state_with(false, UserUpdateApi::V1);
    start(&mut plain);
    let commands = update(&mut plain, ch('R'));
    assert!(
        matches!(commands.as_slice(), [Command::LoadUsers { .. }]),
        "{commands:?}"
    );
}

#[test]
fn a_file_that_cannot_be_used_is_said_and_the_tenant_lists() {
    let mut state = state_with(false, UserUpdateApi::V1);
    state.cache.enabled = true;
    start(&mut state);
    let e = CacheError::Locked {
        path: "/c/users.sqlite3".into(),
    };
    let commands = update(
        &mut state,
        Action::Outcome(Outcome::CacheOpened {
            generation: 1,
            result: Err(e),
        }),
    );
    assert!(
        matches!(commands.as_slice(), [Command::LoadUsers { .. }]),
        "{commands:?}"
    );
    assert!(
        state
            .toasts
            .iter()
            .any(|t| crate::app::update_tests::text(&state, t).contains("locked"))
    );
    let words = crate::app::update::cache_status_words(&state, 0).unwrap();
    assert_eq!(words, "cache not used (see the message)");
}

#[test]
fn a_short_fill_starts_by_itself_and_a_long_one_waits_for_r() {
    let mut state = state_with(false, UserUpdateApi::V1);
    state.cache.enabled = true;
    start(&mut state);
    let opened = CacheOpened {
        complete: false,
        last_sync: None,
        users: 0,
        rows: RowBatch::default(),
    };
    let commands = update(
        &mut state,
        Action::Outcome(Outcome::CacheOpened {
            generation: 1,
            result: Ok(opened),
        }),
    );
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadUsers { .. }))
    );
    assert!(commands.contains(&Command::CacheRefresh { limit: Some(200) }));
    let mut waits = report(vec![], vec![]);
    waits.kind = SyncKind::NotStarted;
    waits.needs = Some(2_001);
    update(
        &mut state,
        Action::Outcome(Outcome::CacheRefreshed(Ok(waits))),
    );
    let words = crate::app::update::cache_status_words(&state, 0).unwrap();
    assert_eq!(words, "not cached · R fills it (2,001 calls)");
}

#[test]
fn after_a_bulk_run_the_cached_list_stays_and_takes_the_write_back_in_place() {
    let mut state = cached(120);
    for _ in 0..30 {
        update(&mut state, key(KeyCode::Down));
    }
    assert_eq!(state.users.current_id(), Some(31));
    let commands = update(
        &mut state,
        Action::Outcome(Outcome::BulkFinished(Ok(crate::bulk::RunReport {
            run: "20250102-101112345-ab12".into(),
            journal: "/tmp/x.jsonl".into(),
            done: 3,
            failed: 0,
            not_done: 0,
            unchanged: 0,
            calls_sent: 3,
            elapsed: std::time::Duration::from_secs(1),
            stopped: false,
            journal_error: None,
        }))),
    );
    assert!(
        !commands
            .iter()
            .any(|c| matches!(c, Command::LoadUsers { .. })),
        "the cached list is not swapped for the tenant's first page: {commands:?}"
    );
    assert_eq!(state.users.rows.len(), 120);
    // The worker read 31 and 40 again and saw 50 deleted.
    let back = crate::cache::WriteBack {
        calls: 1,
        changed_users: vec![user(31, "Legal", "Counsel"), user(40, "Legal", "Clerk")],
        deleted_ids: vec![50],
    };
    update(&mut state, Action::Outcome(Outcome::CacheWritten(Ok(back))));
    assert_eq!(state.users.rows.len(), 119);
    assert_eq!(state.users.current_id(), Some(31), "the cursor stays");
    let i = state.users.index[&40];
    assert_eq!(&*state.users.all[i].department, "Legal");
    assert!(!state.users.index.contains_key(&50));
    // A search over the cache sees the new values.
    update(&mut state, ch('s'));
    typed(&mut state, "department:Legal");
    let ids: Vec<i64> = state.users.row_ids().collect();
    assert_eq!(ids, vec![31, 40]);
}

/// The status line at 80 columns: the least important words go first, so the tenant,
/// the budget and the cache's age, its refresh and the search's source stay whole.
#[test]
fn at_80_columns_the_cache_words_that_matter_fit() {
    let line = |state: &mut AppState| {
        update(
            state,
            Action::Resize {
                width: 80,
                height: 24,
            },
        );
        let theme =
            crate::theme::Theme::load("dark", None, crate::theme::ColorDepth::TrueColor, false)
                .unwrap();
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
        terminal
            .draw(|frame| crate::app::view::draw(frame, state, &theme))
            .unwrap();
        let buffer = terminal.backend().buffer();
        (0..80)
            .map(|x| buffer[(x, 23)].symbol().to_string())
            .collect::<String>()
    };
    let mut state = cached(120);
    state.tenant = crate::tenant::Tenant::new(
        "sandbox",
        &reqwest::Url::parse("http://127.0.0.1:44831").unwrap(),
    );
    state.rate = Some(crate::api::RateLimit {
        limit: 5_000,
        remaining: 4_985,
        reset: std::time::Duration::from_secs(3_000),
        observed_at: std::time::Instant::now(),
    });
    state.in_flight = 1;
    state.cache.progress = Some(crate::cache::sync::SyncProgress {
        listed: 12_000,
        total: Some(100_000),
        calls: 240,
    });
    let text = line(&mut state);
    assert_eq!(
        text.trim_end(),
        " sandbox@127.0.0.1:44831 │ 4,985/5,000 │ | 1 │ cached 3 h ago · refreshing 12%"
    );
    // Idle after the refresh, a search answered by the cache.
    state.in_flight = 0;
    update(
        &mut state,
        Action::Outcome(Outcome::CacheRefreshed(Ok(report(vec![], vec![])))),
    );
    update(&mut state, ch('s'));
    typed(&mut state, "department:Sales");
    update(&mut state, key(KeyCode::Enter));
    let text = line(&mut state);
    assert!(
        text.starts_with(
            " sandbox@127.0.0.1:44831 │ budget 4,985/5,000 │ cached just now · search: cache"
        ),
        "{text}"
    );
    // A search while a refresh runs: the refresh is said; the search's source, the
    // last resort, goes (its message after it says it, as far as it fits).
    state.cache.refreshing = true;
    state.in_flight = 1;
    let text = line(&mut state);
    assert!(
        text.starts_with(
            " sandbox@127.0.0.1:44831 │ 4,985/5,000 │ cached just now · refreshing │ 60 of"
        ),
        "{text}"
    );
}
