//! The user list: paging, the filter, the search, the sort, the selection.

use super::modal::Rejected;
use super::*;
use crate::api::Search;
use crate::app::state::{LoadAll, UsersState};
use crate::bulk::Cost;

pub(super) fn reload_users(state: &mut AppState) -> Vec<Command> {
    let users = &mut state.users;
    users.clear_rows();
    users.list.select(0, 0, 1);
    users.next_cursor = None;
    users.complete = false;
    users.pages = 0;
    users.load = LoadAll::Off;
    users.error = None;
    users.loading = true;
    vec![Command::LoadUsers {
        generation: users.generation,
        query: users.query.clone(),
        after_cursor: None,
        calls_left: 1,
    }]
}

pub(super) fn next_page(state: &mut AppState) -> Vec<Command> {
    let users = &mut state.users;
    if users.loading || users.complete {
        return Vec::new();
    }
    let Some(cursor) = users.next_cursor.clone() else {
        return Vec::new();
    };
    users.loading = true;
    // While `L` loads, the pacer hears how many pages are left, to spread them.
    let calls_left = match users.load {
        LoadAll::Loading { size, .. } => size.pages_left(users.listed()),
        _ => 1,
    };
    vec![Command::LoadUsers {
        generation: users.generation,
        query: users.query.clone(),
        after_cursor: Some(cursor),
        calls_left,
    }]
}

/// `L`: measure what the rest costs first (the worker answers `LoadAllEstimate`); the
/// first page must be in, its ids tell the density of the id range on API /1.
fn load_all(state: &mut AppState) -> Vec<Command> {
    let users = &mut state.users;
    if users.complete {
        status(state, Level::Info, Note::text("Every page is loaded"));
        return Vec::new();
    }
    if users.load != LoadAll::Off {
        return Vec::new();
    }
    if users.pages == 0 {
        users.load = LoadAll::AwaitingPage;
        return Vec::new();
    }
    users.load = LoadAll::Estimating;
    vec![estimate(users)]
}

fn estimate(users: &UsersState) -> Command {
    Command::EstimateLoadAll {
        generation: users.generation,
        query: users.query.clone(),
        listed: users.listed(),
    }
}

/// The cost of `L` is known: ask first when it spends more than a tenth of what is left.
pub(super) fn on_load_estimate(
    state: &mut AppState,
    generation: u64,
    result: Result<Cost, ApiError>,
) -> Vec<Command> {
    if generation != state.users.generation || state.users.load != LoadAll::Estimating {
        return Vec::new();
    }
    state.users.load = LoadAll::Off;
    match result {
        Ok(cost) if cost.worth_asking() => {
            modal::ask(state, Question::LoadAll { generation, cost });
            Vec::new()
        }
        Ok(cost) => load_every_page(state, generation, cost),
        Err(e) => {
            failed(state, Doing::MeasureSearch, Failure::Api(e));
            Vec::new()
        }
    }
}

/// Loads page after page until the last (the answer "yes", or a cost not worth asking).
pub(super) fn load_every_page(state: &mut AppState, generation: u64, cost: Cost) -> Vec<Command> {
    let users = &mut state.users;
    if generation != users.generation || users.complete {
        return Vec::new();
    }
    users.load = LoadAll::Loading {
        size: cost.size,
        eta: Some((cost.eta, None)),
    };
    next_page(state)
}

/// The pacer's word on how long the rest of `L` takes.
pub(super) fn on_load_pace(state: &mut AppState, generation: u64, eta: Duration) {
    if generation != state.users.generation {
        return;
    }
    if let LoadAll::Loading { eta: slot, .. } = &mut state.users.load {
        *slot = Some((eta, None));
    }
}

pub(super) fn users_key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let height = layout::rows(state, ListId::Users);
    let len = state.users.rows.len();
    if state.users.list.key(action, len, height) {
        return prefetch(state);
    }
    let users = &mut state.users;
    match action {
        KeyAction::Open => return open_user(state),
        KeyAction::Filter => {
            let text = users.filter.clone();
            modal::input(state, InputFor::UsersFilter, &text);
        }
        KeyAction::Search => {
            let text = users.search.clone();
            modal::input(state, InputFor::UsersSearch, &text);
        }
        KeyAction::LoadAll => return load_all(state),
        KeyAction::UserEvents => {
            if let Some(id) = users.current_id() {
                return super::events::open_for_user(state, id);
            }
        }
        KeyAction::Refresh => return super::cache::refresh_key(state),
        KeyAction::Actions => return super::actions::from_users(state),
        KeyAction::SortNext => {
            // Through the columns shown, in their order, then unsorted.
            let columns: Vec<&Column> = state.columns.iter().map(|s| &s.column).collect();
            let next = match &state.users.sort {
                None => columns.first().copied(),
                Some((current, _)) => columns
                    .iter()
                    .position(|c| *c == current)
                    .and_then(|i| columns.get(i + 1))
                    .copied(),
            };
            let next = next.cloned().map(|c| (c, true));
            users_table::set_sort(&mut state.users, next);
            refilter_users(state);
        }
        KeyAction::SortReverse => {
            let (column, ascending) = state
                .users
                .sort
                .clone()
                .unwrap_or((Column::Field(Field::Id), true));
            users_table::set_sort(&mut state.users, Some((column, !ascending)));
            refilter_users(state);
        }
        KeyAction::ToggleMark => {
            if let Some(id) = users.current_id() {
                users.list.toggle(id);
                users.list.key(KeyAction::Down, len, height);
            }
        }
        KeyAction::MarkAll => {
            let ids: Vec<i64> = users.row_ids().collect();
            users.list.mark_all(ids);
        }
        KeyAction::ClearMarks => users.list.clear_marks(),
        KeyAction::InvertMarks => {
            let ids: Vec<i64> = users.row_ids().collect();
            users.list.invert(ids);
        }
        _ => return Vec::new(),
    }
    prefetch(state)
}

/// Enter in the search input: the server part reloads the list, the part API /1 cannot
/// search is matched over what is loaded (and the status line says so).
pub(super) fn search(state: &mut AppState, text: &str) -> Result<Vec<Command>, Rejected> {
    if let Some(over_the_cache) = super::cache::search(state, text) {
        return over_the_cache;
    }
    let search = Search::parse(text).map_err(|e| Rejected {
        note: Box::new(Note::Failed {
            doing: Doing::Search,
            error: Failure::Invalid(e),
        }),
        inline: false,
    })?;
    let (query, local) = search.into_parts();
    state.users.search = text.to_string();
    state.users.query = query;
    if !local.is_empty() {
        let names = local.field_names().iter().map(|n| n.to_string()).collect();
        status(state, Level::Info, Note::Hint(Hint::LocalTerms(names)));
    }
    state.users.local_terms = local;
    Ok(reload_users(state))
}

/// Loads the next page as the cursor nears the end of what is loaded. Not while a filter
/// or console-side search terms narrow the list: the cursor is then always near its end,
/// and every page would ask for the next until the whole tenant (and its API budget) is
/// read. `L` loads everything on purpose.
pub(super) fn prefetch(state: &mut AppState) -> Vec<Command> {
    let users = &state.users;
    if matches!(users.load, LoadAll::Loading { .. }) {
        return next_page(state);
    }
    let narrowed = !users.filter.is_empty() || !users.local_terms.is_empty();
    if !narrowed && users.list.cursor() + PREFETCH_ROWS >= users.rows.len() {
        return next_page(state);
    }
    Vec::new()
}

pub(super) fn clamp_users_view(state: &mut AppState) {
    let height = layout::rows(state, ListId::Users);
    let len = state.users.rows.len();
    state.users.list.clamp(len, height);
}

pub(super) fn refilter_users(state: &mut AppState) {
    let selected = state.users.rows.get(state.users.list.cursor()).copied();
    users_table::refilter(&mut state.users);
    let height = layout::rows(state, ListId::Users);
    let users = &mut state.users;
    // Keep the cursor on the same user when it is still shown.
    let at = selected
        .and_then(|sel| users.rows.iter().position(|&i| i == sel))
        .unwrap_or(users.list.cursor());
    users.list.select(at, users.rows.len(), height);
}

pub(super) fn open_user(state: &mut AppState) -> Vec<Command> {
    match state.users.current_id() {
        Some(id) => open_user_id(state, id),
        None => Vec::new(),
    }
}

/// Opens user `id` in the user view.
pub(super) fn open_user_id(state: &mut AppState, id: i64) -> Vec<Command> {
    // The list keeps only what it shows: the editor reads the whole user, fresh.
    state.editor = Some(EditorState::new(id));
    state.screen = Screen::Editor;
    // The fields show the roles: both now; apps, factors and events when first shown.
    vec![Command::LoadUser { id }, Command::LoadUserRoles { id }]
}

pub(super) fn on_users_page(
    state: &mut AppState,
    generation: u64,
    result: Result<crate::api::Page<User>, ApiError>,
) -> Vec<Command> {
    if generation != state.users.generation {
        return Vec::new();
    }
    state.users.loading = false;
    match result {
        Ok(page) => {
            state.users.pages += 1;
            state.users.next_cursor = page.after_cursor.clone();
            state.users.complete = page.after_cursor.is_none();
            users_table::append(&mut state.users, page.items, &state.columns);
            refilter_users(state);
            let users = &mut state.users;
            match users.load {
                _ if users.complete => users.load = LoadAll::Off,
                LoadAll::Loading { .. } => return next_page(state),
                LoadAll::AwaitingPage => {
                    users.load = LoadAll::Estimating;
                    let mut commands = vec![estimate(users)];
                    commands.extend(prefetch(state));
                    return commands;
                }
                LoadAll::Off | LoadAll::Estimating => {}
            }
            prefetch(state)
        }
        Err(e) => {
            state.users.load = LoadAll::Off;
            state.users.error = Some(e.clone());
            failed(state, Doing::LoadUsers, Failure::Api(e));
            Vec::new()
        }
    }
}

#[cfg(test)]
#[path = "users_tests.rs"]
mod tests;
