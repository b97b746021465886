//! The user list: paging, the filter, the sort, the selection.

use super::*;

pub(super) fn reload_users(state: &mut AppState) -> Vec<Command> {
    let users = &mut state.users;
    users.generation += 1;
    users.all.clear();
    users.index.clear();
    users.sorted.clear();
    users.haystacks = Default::default();
    users.rows.clear();
    users.cursor = 0;
    users.offset = 0;
    users.next_cursor = None;
    users.complete = false;
    users.pages = 0;
    users.load_all = false;
    users.last_id = None;
    users.error = None;
    users.loading = true;
    vec![Command::LoadUsers {
        generation: users.generation,
        query: users.query.clone(),
        after_cursor: None,
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
    vec![Command::LoadUsers {
        generation: users.generation,
        query: users.query.clone(),
        after_cursor: Some(cursor),
    }]
}

pub(super) fn users_key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let height = state.list_height();
    let users = &mut state.users;
    let last = users.rows.len().saturating_sub(1);
    match action {
        KeyAction::Up => users.cursor = users.cursor.saturating_sub(1),
        KeyAction::Down => users.cursor = (users.cursor + 1).min(last),
        KeyAction::PageUp => users.cursor = users.cursor.saturating_sub(height),
        KeyAction::PageDown => users.cursor = (users.cursor + height).min(last),
        KeyAction::Top => users.cursor = 0,
        KeyAction::Bottom => users.cursor = last,
        KeyAction::Open => return open_user(state),
        KeyAction::Filter => users.filter_input = Some(line_input(&users.filter)),
        KeyAction::Search => users.search_input = Some(line_input(&users.search)),
        KeyAction::LoadAll => {
            if users.complete {
                status(state, Level::Info, "Every page is loaded");
                return Vec::new();
            }
            users.load_all = true;
            let generation = users.generation;
            let query = users.query.clone();
            let mut commands = vec![Command::LoadLastId { generation, query }];
            commands.extend(next_page(state));
            return commands;
        }
        KeyAction::Refresh => return reload_users(state),
        KeyAction::SortNext => {
            let columns = users_table::sort_columns(state.columns.len());
            let next = match state.users.sort {
                None => columns.first().copied(),
                Some((current, _)) => columns
                    .iter()
                    .position(|c| *c == current)
                    .and_then(|i| columns.get(i + 1))
                    .copied(),
            };
            users_table::set_sort(&mut state.users, next.map(|c| (c, true)));
            refilter_users(state);
        }
        KeyAction::SortReverse => {
            let current = state.users.sort.unwrap_or((SortColumn::Id, true));
            users_table::set_sort(&mut state.users, Some((current.0, !current.1)));
            refilter_users(state);
        }
        KeyAction::ToggleMark => {
            if let Some(id) = users.rows.get(users.cursor).map(|&i| users.all[i].id) {
                if !users.marks.remove(&id) {
                    users.marks.insert(id);
                }
                users.cursor = (users.cursor + 1).min(last);
            }
        }
        KeyAction::MarkAll => {
            let ids: Vec<i64> = users.rows.iter().map(|&i| users.all[i].id).collect();
            users.marks.extend(ids);
        }
        KeyAction::ClearMarks => users.marks.clear(),
        KeyAction::InvertMarks => {
            for &i in &users.rows {
                let id = users.all[i].id;
                if !users.marks.remove(&id) {
                    users.marks.insert(id);
                }
            }
        }
        _ => {}
    }
    clamp_users_view(state);
    prefetch(state)
}

/// Loads the next page as the cursor nears the end of what is loaded. Not while a filter
/// or console-side search terms narrow the list: the cursor is then always near its end,
/// and every page would ask for the next until the whole tenant (and its API budget) is
/// read. `L` loads everything on purpose.
pub(super) fn prefetch(state: &mut AppState) -> Vec<Command> {
    let users = &state.users;
    if users.load_all {
        return next_page(state);
    }
    let narrowed = !users.filter.is_empty() || !users.local_terms.is_empty();
    if !narrowed && users.cursor + PREFETCH_ROWS >= users.rows.len() {
        return next_page(state);
    }
    Vec::new()
}

pub(super) fn clamp_users_view(state: &mut AppState) {
    let height = state.list_height();
    let users = &mut state.users;
    users.cursor = users.cursor.min(users.rows.len().saturating_sub(1));
    users.offset = scroll_offset(users.offset, users.cursor, height, users.rows.len());
}

pub(super) fn refilter_users(state: &mut AppState) {
    let selected = state.users.rows.get(state.users.cursor).copied();
    users_table::refilter(&mut state.users);
    // Keep the cursor on the same user when it is still shown.
    if let Some(pos) = selected.and_then(|sel| state.users.rows.iter().position(|&i| i == sel)) {
        state.users.cursor = pos;
    }
    clamp_users_view(state);
}

pub(super) fn open_user(state: &mut AppState) -> Vec<Command> {
    let Some(id) = state
        .users
        .rows
        .get(state.users.cursor)
        .map(|&i| state.users.all[i].id)
    else {
        return Vec::new();
    };
    // The list keeps only what it shows: the editor reads the whole user, fresh.
    state.editor = Some(EditorState::new(id, None));
    state.screen = Screen::Editor;
    vec![Command::LoadUser { id }]
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
            if state.users.complete {
                state.users.load_all = false;
            }
            users_table::append(&mut state.users, page.items, &state.columns);
            refilter_users(state);
            if state.users.load_all {
                return next_page(state);
            }
            prefetch(state)
        }
        Err(e) => {
            state.users.load_all = false;
            state.users.error = Some(e.to_string());
            toast(state, Level::Error, format!("Loading users failed: {e}"));
            Vec::new()
        }
    }
}
