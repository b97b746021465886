//! The console on the tenant's user cache: open it at start and show its rows at once,
//! refresh in the background (`R` now), apply what a refresh changed in place (the
//! cursor, the scroll and the selection stay; a deleted user leaves), search it whole
//! when it is complete, and keep it true after our own writes. Without a usable cache
//! every path here hands back to the server's listing.

use chrono::Utc;

use super::modal::Rejected;
use super::*;
use crate::api::Search;
use crate::app::cache_state::{CacheOpened, Source};
use crate::app::user_row::RowBatch;
use crate::cache::sync::{SyncKind, SyncProgress, SyncReport};
use crate::cache::{CacheError, WriteBack};

/// Rows read from the file after the first ones, per answer.
pub const CHUNK: usize = 25_000;
/// Rows of the first answer: enough for the first screen.
pub const FIRST: usize = 500;
/// An automatic refresh that turns out to be a listing longer than this waits for `R`.
const AUTO_LISTING_CALLS: u64 = 200;

/// The start: open the cache when the profile has one (the server's listing waits for
/// the answer), else `None`.
pub(super) fn start(state: &mut AppState) -> Option<Vec<Command>> {
    if !state.cache.enabled {
        return None;
    }
    state.cache.generation += 1;
    state.cache.loading = true;
    state.users.loading = true;
    Some(vec![Command::CacheOpen {
        generation: state.cache.generation,
        columns: state.columns.clone(),
    }])
}

/// Empties the list for the cache's rows (as a reload does, without asking the server).
fn reset_list(state: &mut AppState) {
    let users = &mut state.users;
    users.clear_rows();
    users.next_cursor = None;
    users.load = LoadAll::Off;
    users.error = None;
    users.pages = 1;
    // Nothing to page: every user is here once the rows are in.
    users.complete = true;
    users.loading = false;
}

pub(super) fn on_opened(
    state: &mut AppState,
    generation: u64,
    result: Result<CacheOpened, CacheError>,
) -> Vec<Command> {
    if generation != state.cache.generation {
        return Vec::new();
    }
    match result {
        Err(e) => {
            state.cache.loading = false;
            state.cache.unusable = Some(e.to_string());
            toast(
                state,
                Level::Warning,
                Note::Text(format!("{e}. The list comes from the tenant.")),
            );
            users::reload_users(state)
        }
        Ok(opened) if opened.complete && opened.users > 0 => {
            let cache = &mut state.cache;
            cache.complete = true;
            cache.last_sync = opened.last_sync;
            cache.source = Source::Cache;
            let keep = state.users.current_id();
            reset_list(state);
            // A search set before the cache opened (`--view`, or typed meanwhile) is
            // matched over it whole, as a search typed now would be.
            let search = state.users.search.clone();
            if let Ok(s) = Search::parse(&search)
                && let Ok(local) = s.whole_local()
                && !search.is_empty()
            {
                state.users.local_terms = local;
                state.cache.searched = Some(Source::Cache);
            }
            let commands = on_rows(state, generation, Ok(opened.rows), keep);
            // Room for every cached user at once: growing by doubling would leave up to
            // half of the list's memory unused.
            users_table::reserve(&mut state.users, opened.users);
            commands
        }
        Ok(opened) => {
            // Not filled yet (or a fill stopped part way): the server's pages, and a
            // fill in the background when it is short.
            let cache = &mut state.cache;
            cache.loading = false;
            cache.complete = false;
            cache.last_sync = opened.last_sync;
            cache.source = Source::Server;
            let mut commands = users::reload_users(state);
            commands.extend(auto_refresh(state));
            commands
        }
    }
}

/// Rows from the file: into the list; the next chunk, or the end of the reading.
pub(super) fn on_rows(
    state: &mut AppState,
    generation: u64,
    result: Result<RowBatch, CacheError>,
    keep: Option<i64>,
) -> Vec<Command> {
    if generation != state.cache.generation {
        return Vec::new();
    }
    let rows = match result {
        Ok(rows) => rows,
        Err(e) => {
            state.cache.loading = false;
            failed(state, Doing::LoadUsers, Failure::Local(e.to_string()));
            return Vec::new();
        }
    };
    let more = rows.len()
        >= if state.users.all.is_empty() {
            FIRST
        } else {
            CHUNK
        };
    let after = rows.last_id();
    users_table::append_rows(&mut state.users, rows);
    refilter_keeping(state, keep.or(state.users.current_id()));
    match after {
        Some(after) if more => vec![Command::CacheLoad {
            generation,
            after,
            columns: state.columns.clone(),
        }],
        _ => {
            state.cache.loading = false;
            // Rows a refresh just wrote need no refresh of their own.
            if state.cache.fresh {
                Vec::new()
            } else {
                auto_refresh(state)
            }
        }
    }
}

/// The refresh that follows the start (and a bulk run): incremental on API /2; on /1
/// it is a full listing, which the user starts.
fn auto_refresh(state: &mut AppState) -> Vec<Command> {
    let cache = &mut state.cache;
    if cache.refreshing || cache.unusable.is_some() || (cache.v1 && cache.complete) {
        return Vec::new();
    }
    cache.refreshing = true;
    vec![Command::CacheRefresh {
        limit: Some(AUTO_LISTING_CALLS),
    }]
}

/// `R` on the users list: refresh the cache now (whatever it costs, paced); without a
/// usable cache, reload from the tenant as before.
pub(super) fn refresh_key(state: &mut AppState) -> Vec<Command> {
    let cache = &mut state.cache;
    if !cache.enabled || cache.unusable.is_some() {
        return users::reload_users(state);
    }
    if cache.refreshing {
        status(
            state,
            Level::Info,
            Note::text("The cache is being refreshed"),
        );
        return Vec::new();
    }
    cache.refreshing = true;
    cache.waiting = None;
    vec![Command::CacheRefresh { limit: None }]
}

pub(super) fn on_progress(state: &mut AppState, progress: SyncProgress) {
    state.cache.progress = Some(progress);
}

pub(super) fn on_refreshed(
    state: &mut AppState,
    result: Result<SyncReport, CacheError>,
) -> Vec<Command> {
    let cache = &mut state.cache;
    cache.refreshing = false;
    cache.progress = None;
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            let shown = if cache.source == Source::Cache {
                "the list shows the cache as it was"
            } else {
                "the list comes from the tenant"
            };
            toast(
                state,
                Level::Warning,
                Note::Text(format!("The cache refresh stopped: {e}; {shown}")),
            );
            return Vec::new();
        }
    };
    if report.kind == SyncKind::NotStarted {
        cache.waiting = Some(report.needs);
        return Vec::new();
    }
    cache.waiting = None;
    cache.fresh = true;
    cache.complete = report.complete;
    cache.last_sync = report.last_sync;
    let words = format!(
        "Cache refreshed in {} calls: {} new, {} changed, {} deleted",
        report.calls, report.added, report.changed, report.deleted
    );
    status(state, Level::Info, Note::Text(words));
    let cache = &mut state.cache;
    if cache.source == Source::Server || report.reload {
        // A fill just ended, or too much changed to apply row by row: read the file.
        cache.generation += 1;
        cache.loading = true;
        return vec![Command::CacheOpen {
            generation: cache.generation,
            columns: state.columns.clone(),
        }];
    }
    in_place(state, &report.changed_users, &report.deleted_ids);
    Vec::new()
}

/// Changed users updated and deleted ones removed where they are: the cursor stays on
/// its user (the window too).
fn in_place(state: &mut AppState, changed: &[crate::api::User], deleted: &[i64]) {
    let keep = state.users.current_id();
    let rows = RowBatch::of_users(changed, &state.columns);
    users_table::append_rows(&mut state.users, rows);
    users_table::remove(&mut state.users, deleted);
    refilter_keeping(state, keep);
}

/// After a bulk run, the worker kept what it wrote in the cache: the list (when it
/// shows the cache) follows in place.
pub(super) fn on_written(state: &mut AppState, result: Result<WriteBack, CacheError>) {
    match result {
        Ok(back) if state.cache.source == Source::Cache => {
            in_place(state, &back.changed_users, &back.deleted_ids);
        }
        Ok(_) => {}
        Err(e) if state.cache.unusable.is_none() => {
            let key = state
                .keymap
                .key(super::super::keymap::Context::Users, KeyAction::Refresh);
            toast(
                state,
                Level::Warning,
                Note::Text(format!(
                    "The cache was not brought up to date after the run: {e}; {key} refreshes it"
                )),
            );
        }
        Err(_) => {}
    }
}

/// Refilters, the cursor staying on user `keep` while it is shown (the window too).
fn refilter_keeping(state: &mut AppState, keep: Option<i64>) {
    users_table::refilter(&mut state.users);
    let height = layout::rows(state, ListId::Users);
    let users = &mut state.users;
    let at = keep
        .and_then(|id| users.index.get(&id).copied())
        .and_then(|i| users.rows.iter().position(|&r| r == i))
        .unwrap_or(users.list.cursor());
    users.list.select(at, users.rows.len(), height);
}

/// The search over a complete cache: every term matched here, at once. `None` when the
/// search must go to the server (no cache, or not complete).
pub(super) fn search(state: &mut AppState, text: &str) -> Option<Result<Vec<Command>, Rejected>> {
    if !state.cache.enabled {
        return None;
    }
    if state.cache.source != Source::Cache || !state.cache.complete {
        state.cache.searched = Some(Source::Server);
        return None;
    }
    let parsed = Search::parse(text).and_then(|s| s.whole_local().map(|local| (s, local)));
    let (search, local) = match parsed {
        Ok(found) => found,
        Err(e) => {
            return Some(Err(Rejected {
                note: Box::new(Note::Failed {
                    doing: Doing::Search,
                    error: Failure::Invalid(e),
                }),
                inline: false,
            }));
        }
    };
    apply_search(state, text, search, local);
    let (shown, all) = (state.users.rows.len(), state.users.all.len());
    let words = format!(
        "{} of {} cached users match (from the cache)",
        crate::bulk::thousands(shown as u64),
        crate::bulk::thousands(all as u64)
    );
    status(state, Level::Info, Note::Text(words));
    Some(Ok(Vec::new()))
}

fn apply_search(state: &mut AppState, text: &str, search: Search, local: crate::api::LocalTerms) {
    let keep = state.users.current_id();
    state.users.search = text.to_string();
    state.users.query = search.into_parts().0;
    state.users.local_terms = local;
    state.cache.searched = Some(Source::Cache);
    refilter_keeping(state, keep);
}

/// As the search box is typed in, over a complete cache: each text that reads as a
/// search is applied at once (a half-typed term keeps the last one that read).
pub(super) fn live_search(state: &mut AppState, text: &str) {
    if !state.cache.enabled || state.cache.source != Source::Cache || !state.cache.complete {
        return;
    }
    if let Ok(search) = Search::parse(text)
        && let Ok(local) = search.whole_local()
    {
        apply_search(state, text, search, local);
    }
}

/// After the editor read or saved user `id`: its fresh values go to the cache.
pub(super) fn after_user_change(state: &AppState, id: i64) -> Vec<Command> {
    if !state.cache.enabled || state.cache.unusable.is_some() {
        return Vec::new();
    }
    match state
        .editor
        .as_ref()
        .filter(|e| e.id == id)
        .and_then(|e| e.user.clone())
    {
        Some(mut user) => {
            if let Some(roles) = state.editor.as_ref().and_then(|e| e.roles.clone()) {
                user.role_id = Some(roles);
            }
            vec![Command::CacheWrite { users: vec![user] }]
        }
        None => Vec::new(),
    }
}

/// After a bulk run, the list's values are stale: a list of the tenant's pages is read
/// again; a list of the cache stays, and the worker's write-back of the run (see
/// [`on_written`]) updates it in place.
pub(super) fn after_bulk(state: &mut AppState) -> Vec<Command> {
    let cache = &state.cache;
    if cache.enabled && cache.unusable.is_none() && cache.source == Source::Cache {
        return Vec::new();
    }
    users::reload_users(state)
}

/// What the status line says of the cache, with the refresh key as bound; `level`
/// shortens it for a narrow terminal (0 whole, up to [`crate::app::cache_state::SHORTEST`]).
pub fn status_words(state: &AppState, level: usize) -> Option<String> {
    let key = state
        .keymap
        .key(super::super::keymap::Context::Users, KeyAction::Refresh);
    state.cache.status_text(Utc::now(), &key, level)
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
