//! `update(&mut AppState, Action) -> Vec<Command>`: every screen flow, with no I/O and no await.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::Input;

use crate::api::{ApiError, EnvelopeMessage, ErrorKind, User, UserQuery, UserUpdate, V3UserUpdate};
use crate::config::UserUpdateApi;

use super::action::{Action, Command, Outcome, SavePart};
use super::editor_rows::{self, current_value, editor_rows, is_editable, is_integer_field};
use super::keymap::KeyAction;
use super::state::{
    AppState, Confirm, EditorState, Level, LineInput, Pending, Picker, RowKey, Screen, SortColumn,
    Toast, input_text, line_input,
};
use super::users_table;

/// How long a non-error toast stays.
const TOAST_TTL: Duration = Duration::from_secs(4);
/// Start loading the next page when the cursor is this close to the last loaded row.
const PREFETCH_ROWS: usize = 10;

/// The commands that start the console: the tenant's fields, roles, groups and first page.
pub fn start(state: &mut AppState) -> Vec<Command> {
    let mut commands = vec![Command::LoadFields, Command::LoadRoles, Command::LoadGroups];
    commands.extend(reload_users(state));
    count_in_flight(state, &commands);
    commands
}

pub fn update(state: &mut AppState, action: Action) -> Vec<Command> {
    let mut commands = match action {
        Action::Key(key) => on_key(state, key),
        Action::Paste(text) => {
            if let Some(input) = focused_input(state) {
                // A value is one line: pasted line breaks become spaces.
                input.insert_str(text.replace(['\r', '\n'], " "));
                after_input_change(state);
            }
            Vec::new()
        }
        Action::Resize { width, height } => {
            state.width = width;
            state.height = height;
            clamp_users_view(state);
            Vec::new()
        }
        Action::Tick(now) => {
            tick(state, now);
            Vec::new()
        }
        Action::Outcome(outcome) => on_outcome(state, outcome),
        Action::Exchange(exchange) => {
            push_exchange(state, exchange);
            Vec::new()
        }
        Action::ExchangesMissed(n) => {
            state.log.missed += n;
            Vec::new()
        }
        Action::Copied(result) => {
            match result {
                Ok(what) => toast(
                    state,
                    Level::Success,
                    format!("Copied {what} to the clipboard"),
                ),
                Err(e) => toast(state, Level::Error, format!("Copy failed: {e}")),
            }
            Vec::new()
        }
        Action::Written(result) => {
            match result {
                Ok(path) => toast(state, Level::Success, format!("Wrote {path}")),
                Err(e) => toast(state, Level::Error, e),
            }
            Vec::new()
        }
    };
    if state.read_only && commands.iter().any(Command::is_write) {
        commands.retain(|c| !c.is_write());
        toast(
            state,
            Level::Warning,
            "Read-only: nothing was written".into(),
        );
    }
    count_in_flight(state, &commands);
    commands
}

/// Lets time pass: turns the spinner, fades toasts.
fn tick(state: &mut AppState, now: std::time::Instant) {
    state.now = now;
    state.spinner = state.spinner.wrapping_add(1);
    state
        .toasts
        .retain(|t| t.level == Level::Error || now.duration_since(t.created) < TOAST_TTL);
}

fn count_in_flight(state: &mut AppState, commands: &[Command]) {
    state.in_flight += commands.iter().filter(|c| is_api(c)).count();
}

/// Commands that the worker answers with exactly one outcome.
fn is_api(command: &Command) -> bool {
    !matches!(
        command,
        Command::Copy { .. } | Command::WriteExport { .. } | Command::Quit
    )
}

pub fn toast(state: &mut AppState, level: Level, text: String) {
    state.status = Some((level, text.clone()));
    state.toasts.push(Toast {
        level,
        text,
        created: state.now,
    });
    // Keep the newest few: the status line and the request log hold the rest.
    if state.toasts.len() > 5 {
        state.toasts.remove(0);
    }
}

fn status(state: &mut AppState, level: Level, text: impl Into<String>) {
    state.status = Some((level, text.into()));
}

// ---------------------------------------------------------------- keys

fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Command> {
    if key.kind == crossterm::event::KeyEventKind::Release {
        return Vec::new();
    }
    let action = state.keymap.lookup(state.screen.context(), &key);
    if action == Some(KeyAction::ForceQuit) {
        state.quit = true;
        return vec![Command::Quit];
    }
    if let Some(confirm) = state.confirm.clone() {
        return on_confirm_key(state, confirm, key);
    }
    if state.help.is_some() {
        on_help_key(state, action, key);
        return Vec::new();
    }
    if focused_input(state).is_some() {
        return on_input_key(state, key);
    }
    if state.editor.as_ref().is_some_and(|e| e.picker.is_some()) {
        on_picker_key(state, action, key);
        return Vec::new();
    }
    let Some(action) = action else {
        return Vec::new();
    };
    match action {
        KeyAction::Help => {
            state.help = Some(0);
            Vec::new()
        }
        KeyAction::ScreenUsers => leave_to(state, Screen::Users),
        KeyAction::ScreenBulk => leave_to(state, Screen::Bulk),
        KeyAction::ScreenLog => leave_to(state, Screen::RequestLog),
        KeyAction::NextScreen => {
            let next = match state.screen {
                Screen::Users | Screen::Editor => Screen::Bulk,
                Screen::Bulk => Screen::RequestLog,
                Screen::RequestLog => Screen::Users,
            };
            leave_to(state, next)
        }
        KeyAction::Dismiss if dismiss_error(state) => Vec::new(),
        KeyAction::Quit | KeyAction::Dismiss => go_back(state, action == KeyAction::Quit),
        _ => match state.screen {
            Screen::Users => users_key(state, action),
            Screen::Editor => editor_key(state, action),
            Screen::RequestLog => log_key(state, action),
            Screen::Bulk => Vec::new(),
        },
    }
}

/// `Esc` first clears the newest error message: errors stay until read.
fn dismiss_error(state: &mut AppState) -> bool {
    if let Some(pos) = state.toasts.iter().rposition(|t| t.level == Level::Error) {
        state.toasts.remove(pos);
        return true;
    }
    false
}

fn go_back(state: &mut AppState, quit_key: bool) -> Vec<Command> {
    match state.screen {
        Screen::Users => {
            if !quit_key {
                if !state.users.filter.is_empty() {
                    state.users.filter.clear();
                    refilter_users(state);
                }
                return Vec::new();
            }
            if state.in_flight > 0 {
                state.confirm = Some(Confirm::Quit);
                return Vec::new();
            }
            state.quit = true;
            vec![Command::Quit]
        }
        Screen::Editor => leave_to(state, Screen::Users),
        Screen::RequestLog if state.log.detail.is_some() => {
            state.log.detail = None;
            Vec::new()
        }
        Screen::RequestLog | Screen::Bulk => {
            state.screen = if state.editor.is_some() {
                Screen::Editor
            } else {
                Screen::Users
            };
            if state.screen == Screen::Editor && quit_key {
                return leave_to(state, Screen::Users);
            }
            Vec::new()
        }
    }
}

/// Switches screens. The editor closes on the way to the user list unless it holds unsaved
/// changes: then leaving it asks first, and coming back from another screen returns to it.
fn leave_to(state: &mut AppState, target: Screen) -> Vec<Command> {
    let pending = state.editor.as_ref().is_some_and(|e| !e.pending.is_empty());
    if target == Screen::Users && state.editor.is_some() {
        if state.screen == Screen::Editor && pending {
            state.confirm = Some(Confirm::DiscardEdits);
            return Vec::new();
        }
        if pending {
            state.screen = Screen::Editor;
            status(
                state,
                Level::Info,
                "Unsaved changes: save them (Ctrl+S) or leave the editor (q)",
            );
            return Vec::new();
        }
        state.editor = None;
    }
    state.screen = target;
    Vec::new()
}

fn on_confirm_key(state: &mut AppState, confirm: Confirm, key: KeyEvent) -> Vec<Command> {
    let yes = matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y'));
    let no = matches!(
        key.code,
        KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Enter
    );
    if no {
        // Enter answers no: the safe choice has the focus.
        state.confirm = None;
        return Vec::new();
    }
    if !yes {
        return Vec::new();
    }
    state.confirm = None;
    match confirm {
        Confirm::Quit => {
            state.quit = true;
            vec![Command::Quit]
        }
        Confirm::DiscardEdits => {
            state.editor = None;
            state.screen = Screen::Users;
            status(state, Level::Info, "Unsaved changes discarded");
            Vec::new()
        }
    }
}

fn on_help_key(state: &mut AppState, action: Option<KeyAction>, key: KeyEvent) {
    let scroll = state.help.unwrap_or(0);
    state.help = match action {
        Some(KeyAction::Down) => Some(scroll.saturating_add(1)),
        Some(KeyAction::Up) => Some(scroll.saturating_sub(1)),
        Some(KeyAction::PageDown) => Some(scroll.saturating_add(10)),
        Some(KeyAction::PageUp) => Some(scroll.saturating_sub(10)),
        Some(KeyAction::Help | KeyAction::Quit | KeyAction::Dismiss) => None,
        _ if key.code == KeyCode::Enter => None,
        _ => Some(scroll),
    };
}

// ---------------------------------------------------------------- text inputs

/// The text input that owns the keyboard, if one does.
fn focused_input(state: &mut AppState) -> Option<&mut LineInput> {
    match state.screen {
        Screen::Users => state
            .users
            .filter_input
            .as_mut()
            .or(state.users.search_input.as_mut()),
        Screen::Editor => state
            .editor
            .as_mut()
            .and_then(|e| e.editing.as_mut().map(|(_, i)| i)),
        Screen::RequestLog => state.log.filter_input.as_mut(),
        Screen::Bulk => None,
    }
}

/// While someone types, only Esc, Enter and Ctrl+S are ours; every other key is text.
fn on_input_key(state: &mut AppState, key: KeyEvent) -> Vec<Command> {
    let ctrl_s = key.code == KeyCode::Char('s') && key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => {
            cancel_input(state);
            Vec::new()
        }
        KeyCode::Enter => commit_input(state),
        _ if ctrl_s && state.screen == Screen::Editor => {
            let mut commands = commit_input(state);
            if state.editor.as_ref().is_some_and(|e| e.editing.is_none()) {
                commands.extend(save(state));
            }
            commands
        }
        // The text area would insert a line break: a value is one line.
        KeyCode::Char('m') if key.modifiers.contains(KeyModifiers::CONTROL) => Vec::new(),
        _ => {
            if let Some(input) = focused_input(state) {
                input.input(Input::from(key));
            }
            after_input_change(state);
            Vec::new()
        }
    }
}

/// The `/` filters follow every keystroke.
fn after_input_change(state: &mut AppState) {
    match state.screen {
        Screen::Users => {
            if let Some(input) = &state.users.filter_input {
                state.users.filter = input_text(input);
                refilter_users(state);
            }
        }
        Screen::RequestLog => {
            if let Some(input) = &state.log.filter_input {
                state.log.filter = input_text(input);
                refilter_log(state);
            }
        }
        _ => {}
    }
}

fn cancel_input(state: &mut AppState) {
    match state.screen {
        Screen::Users => {
            if state.users.filter_input.take().is_some() {
                state.users.filter.clear();
                refilter_users(state);
            }
            state.users.search_input = None;
        }
        Screen::Editor => {
            if let Some(editor) = state.editor.as_mut() {
                editor.editing = None;
            }
        }
        Screen::RequestLog => {
            if state.log.filter_input.take().is_some() {
                state.log.filter.clear();
                refilter_log(state);
            }
        }
        Screen::Bulk => {}
    }
}

fn commit_input(state: &mut AppState) -> Vec<Command> {
    match state.screen {
        Screen::Users => {
            if state.users.filter_input.take().is_some() {
                return Vec::new();
            }
            let Some(input) = state.users.search_input.as_ref() else {
                return Vec::new();
            };
            let text = input_text(input);
            let (server, local) = users_table::split_search(&text);
            match UserQuery::parse(&server) {
                Ok(query) => {
                    state.users.search_input = None;
                    state.users.search = text;
                    state.users.query = query;
                    if !local.is_empty() {
                        let names: Vec<&str> = local.iter().map(|(k, _)| k.as_str()).collect();
                        status(
                            state,
                            Level::Info,
                            format!(
                                "{} matched in the console over loaded pages (API /1 cannot search it): L loads every page",
                                names.join(", ")
                            ),
                        );
                    }
                    state.users.local_terms = local;
                    reload_users(state)
                }
                Err(e) => {
                    // The input stays open with what was typed: nothing is lost.
                    toast(state, Level::Error, format!("Search: {e}"));
                    Vec::new()
                }
            }
        }
        Screen::Editor => {
            commit_edit(state);
            Vec::new()
        }
        Screen::RequestLog => {
            state.log.filter_input = None;
            Vec::new()
        }
        Screen::Bulk => Vec::new(),
    }
}

// ---------------------------------------------------------------- users screen

fn reload_users(state: &mut AppState) -> Vec<Command> {
    let users = &mut state.users;
    users.generation += 1;
    users.all.clear();
    users.haystacks.clear();
    users.rows.clear();
    users.cursor = 0;
    users.offset = 0;
    users.next_cursor = None;
    users.complete = false;
    users.pages = 0;
    users.error = None;
    users.loading = true;
    vec![Command::LoadUsers {
        generation: users.generation,
        query: users.query.clone(),
        after_cursor: None,
    }]
}

fn next_page(state: &mut AppState) -> Vec<Command> {
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

fn users_key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
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
            users.load_all = true;
            return next_page(state);
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
            state.users.sort = next.map(|c| (c, true));
            refilter_users(state);
        }
        KeyAction::SortReverse => {
            let current = state.users.sort.unwrap_or((SortColumn::Id, true));
            state.users.sort = Some((current.0, !current.1));
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

/// Loads the next page as the cursor nears the end of what is loaded.
fn prefetch(state: &mut AppState) -> Vec<Command> {
    let users = &state.users;
    if users.cursor + PREFETCH_ROWS >= users.rows.len() || users.load_all {
        return next_page(state);
    }
    Vec::new()
}

fn clamp_users_view(state: &mut AppState) {
    let height = state.list_height();
    let users = &mut state.users;
    users.cursor = users.cursor.min(users.rows.len().saturating_sub(1));
    users.offset = scroll_offset(users.offset, users.cursor, height);
}

/// Keeps `cursor` inside a window of `height` rows that starts at `offset`.
pub fn scroll_offset(offset: usize, cursor: usize, height: usize) -> usize {
    if cursor < offset {
        cursor
    } else if cursor >= offset + height {
        cursor + 1 - height
    } else {
        offset
    }
}

fn refilter_users(state: &mut AppState) {
    let selected = state.users.rows.get(state.users.cursor).copied();
    users_table::refilter(&mut state.users, &state.columns);
    // Keep the cursor on the same user when it is still shown.
    if let Some(pos) = selected.and_then(|sel| state.users.rows.iter().position(|&i| i == sel)) {
        state.users.cursor = pos;
    }
    clamp_users_view(state);
}

fn open_user(state: &mut AppState) -> Vec<Command> {
    let Some(user) = state
        .users
        .rows
        .get(state.users.cursor)
        .map(|&i| state.users.all[i].clone())
    else {
        return Vec::new();
    };
    let id = user.id;
    state.editor = Some(EditorState::new(id, Some(user)));
    state.screen = Screen::Editor;
    vec![Command::LoadUser { id }]
}

fn on_users_page(
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

// ---------------------------------------------------------------- editor

fn editor_key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let rows = editor_rows(state);
    let height = state.list_height();
    let Some(editor) = state.editor.as_mut() else {
        return Vec::new();
    };
    let last = rows.len().saturating_sub(1);
    match action {
        KeyAction::Up => editor.cursor = editor.cursor.saturating_sub(1),
        KeyAction::Down => editor.cursor = (editor.cursor + 1).min(last),
        KeyAction::PageUp => editor.cursor = editor.cursor.saturating_sub(height),
        KeyAction::PageDown => editor.cursor = (editor.cursor + height).min(last),
        KeyAction::Top => editor.cursor = 0,
        KeyAction::Bottom => editor.cursor = last,
        KeyAction::Refresh => {
            if !editor.pending.is_empty() {
                toast(
                    state,
                    Level::Warning,
                    "Save or undo (u) the pending changes before reloading".into(),
                );
                return Vec::new();
            }
            editor.loading = true;
            return vec![Command::LoadUser { id: editor.id }];
        }
        KeyAction::Edit => {
            if let Some(key) = rows.get(editor.cursor).cloned() {
                start_edit(state, key);
            }
            return Vec::new();
        }
        KeyAction::ClearValue => {
            match rows.get(editor.cursor) {
                Some(key @ RowKey::Attribute(_)) => {
                    let key = key.clone();
                    set_pending(state, key, Pending::Text(String::new()));
                }
                Some(_) => status(
                    state,
                    Level::Warning,
                    "x clears custom attributes; edit a field with Enter",
                ),
                None => {}
            }
            return Vec::new();
        }
        KeyAction::Revert => {
            if let Some(key) = rows.get(editor.cursor) {
                editor.pending.remove(key);
            }
        }
        KeyAction::Save => return save(state),
        _ => {}
    }
    if let Some(editor) = state.editor.as_mut() {
        editor.offset = scroll_offset(editor.offset, editor.cursor, height);
    }
    Vec::new()
}

fn start_edit(state: &mut AppState, key: RowKey) {
    let Some(editor) = state.editor.as_ref() else {
        return;
    };
    let Some(user) = editor.user.as_ref() else {
        status(state, Level::Warning, "The user is still loading");
        return;
    };
    if !is_editable(&key, state.user_update) {
        status(
            state,
            Level::Warning,
            format!("{} is read-only", key.label()),
        );
        return;
    }
    let picker = match &key {
        RowKey::Group => {
            let chosen = match editor.pending.get(&key) {
                Some(Pending::Group(g)) => *g,
                _ => user.group_id,
            };
            let mut options = vec![(0, "(no group)".to_string())];
            options.extend(state.groups.iter().map(|g| (g.id, g.name.clone())));
            let cursor = options
                .iter()
                .position(|(id, _)| Some(*id) == chosen)
                .unwrap_or(0);
            Some(Picker {
                key: key.clone(),
                options,
                chosen: chosen.into_iter().collect(),
                cursor,
                multi: false,
            })
        }
        RowKey::Roles => {
            let chosen: BTreeSet<i64> = match editor.pending.get(&key) {
                Some(Pending::Roles(set)) => set.clone(),
                _ => editor
                    .roles
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
            };
            let options = state.roles.iter().map(|r| (r.id, r.name.clone())).collect();
            Some(Picker {
                key: key.clone(),
                options,
                chosen,
                cursor: 0,
                multi: true,
            })
        }
        _ => None,
    };
    let text = match editor.pending.get(&key) {
        Some(Pending::Text(t)) => t.clone(),
        _ => current_value(
            user,
            editor.roles.as_deref(),
            &key,
            &state.groups,
            &state.roles,
        ),
    };
    if let Some(editor) = state.editor.as_mut() {
        match picker {
            Some(picker) => editor.picker = Some(picker),
            None => editor.editing = Some((key, line_input(&text))),
        }
    }
}

fn commit_edit(state: &mut AppState) {
    let Some(editor) = state.editor.as_mut() else {
        return;
    };
    let Some((key, input)) = editor.editing.as_ref() else {
        return;
    };
    let (key, text) = (key.clone(), input_text(input).trim().to_string());
    if let RowKey::Field(name) = key
        && is_integer_field(name)
        && !text.is_empty()
        && text.parse::<i64>().is_err()
    {
        toast(
            state,
            Level::Error,
            format!("{name} must be a whole number (or empty to clear it); {text:?} is not"),
        );
        return;
    }
    editor.editing = None;
    set_pending(state, key, Pending::Text(text));
}

/// Records a change, or forgets it when it equals the saved value.
fn set_pending(state: &mut AppState, key: RowKey, value: Pending) {
    let (groups, roles) = (&state.groups, &state.roles);
    let Some(editor) = state.editor.as_mut() else {
        return;
    };
    let Some(user) = editor.user.as_ref() else {
        return;
    };
    let unchanged = match (&value, &key) {
        (Pending::Text(text), _) => {
            *text == current_value(user, editor.roles.as_deref(), &key, groups, roles)
        }
        (Pending::Group(group), _) => *group == user.group_id,
        (Pending::Roles(set), _) => {
            *set == editor
                .roles
                .clone()
                .unwrap_or_default()
                .into_iter()
                .collect::<BTreeSet<_>>()
        }
    };
    if unchanged {
        editor.pending.remove(&key);
    } else {
        editor.pending.insert(key, value);
    }
}

fn on_picker_key(state: &mut AppState, action: Option<KeyAction>, key: KeyEvent) {
    let Some(editor) = state.editor.as_mut() else {
        return;
    };
    let Some(picker) = editor.picker.as_mut() else {
        return;
    };
    let last = picker.options.len().saturating_sub(1);
    let toggle = |picker: &mut Picker| {
        if let Some((id, _)) = picker.options.get(picker.cursor) {
            if picker.multi {
                if !picker.chosen.remove(id) {
                    picker.chosen.insert(*id);
                }
            } else {
                picker.chosen = std::iter::once(*id).collect();
            }
        }
    };
    match (key.code, action) {
        (KeyCode::Esc, _) => editor.picker = None,
        (KeyCode::Char(' '), _) => toggle(picker),
        (KeyCode::Enter, _) => {
            if !picker.multi {
                toggle(picker);
            }
            let picker = editor.picker.take();
            if let Some(picker) = picker {
                let value = if picker.multi {
                    Pending::Roles(picker.chosen)
                } else {
                    Pending::Group(picker.chosen.into_iter().next().filter(|id| *id != 0))
                };
                set_pending(state, picker.key, value);
            }
        }
        (_, Some(KeyAction::Up)) => picker.cursor = picker.cursor.saturating_sub(1),
        (_, Some(KeyAction::Down)) => picker.cursor = (picker.cursor + 1).min(last),
        (_, Some(KeyAction::Top)) => picker.cursor = 0,
        (_, Some(KeyAction::Bottom)) => picker.cursor = last,
        _ => {}
    }
}

/// `Ctrl+S`: every pending change in the fewest calls.
fn save(state: &mut AppState) -> Vec<Command> {
    let v3 = state.user_update == UserUpdateApi::V3;
    let Some(editor) = state.editor.as_mut() else {
        return Vec::new();
    };
    if editor.pending.is_empty() {
        status(state, Level::Info, "Nothing to save");
        return Vec::new();
    }
    if !editor.saving.is_empty() {
        status(state, Level::Info, "A save is still running");
        return Vec::new();
    }
    let id = editor.id;
    let mut attributes = BTreeMap::new();
    let mut update = UserUpdate::default();
    let mut v3_update = V3UserUpdate::default();
    let mut roles_change = None;
    for (key, value) in &editor.pending {
        match (key, value) {
            (RowKey::Attribute(name), Pending::Text(text)) => {
                attributes.insert(name.clone(), text.clone());
            }
            (RowKey::Field(name), Pending::Text(text)) => {
                if v3 {
                    v3_update = v3_update.with(name, text.as_str());
                } else {
                    update.set(name, editor_rows::json_value(name, text));
                }
            }
            (RowKey::Group, Pending::Group(group)) => {
                if v3 {
                    v3_update = v3_update
                        .with("group_id", group.map(|g| g.to_string()).unwrap_or_default());
                } else {
                    update.set(
                        "group_id",
                        group.map_or(serde_json::Value::Null, serde_json::Value::from),
                    );
                }
            }
            (RowKey::Roles, Pending::Roles(set)) => {
                let current: BTreeSet<i64> = editor
                    .roles
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                let add: Vec<i64> = set.difference(&current).copied().collect();
                let remove: Vec<i64> = current.difference(set).copied().collect();
                roles_change = Some((add, remove));
            }
            _ => {}
        }
    }
    let mut commands = Vec::new();
    if !attributes.is_empty() {
        commands.push((
            SavePart::CustomAttributes,
            Command::SetCustomAttributes {
                id,
                values: attributes,
            },
        ));
    }
    if v3 && !v3_update.is_empty() {
        commands.push((
            SavePart::Fields,
            Command::UpdateUserV3 {
                id,
                update: v3_update,
            },
        ));
    } else if !update.is_empty() {
        commands.push((SavePart::Fields, Command::UpdateUser { id, update }));
    }
    if let Some((add, remove)) = roles_change {
        if !add.is_empty() {
            commands.push((SavePart::AddRoles, Command::AddRoles { id, role_ids: add }));
        }
        if !remove.is_empty() {
            commands.push((
                SavePart::RemoveRoles,
                Command::RemoveRoles {
                    id,
                    role_ids: remove,
                },
            ));
        }
    }
    editor.saving = commands.iter().map(|(part, _)| *part).collect();
    editor.save_results.clear();
    let count = commands.len();
    status(
        state,
        Level::Info,
        format!(
            "Saving… ({count} call{})",
            if count == 1 { "" } else { "s" }
        ),
    );
    commands.into_iter().map(|(_, c)| c).collect()
}

/// The rows a save part writes.
fn part_of(key: &RowKey) -> SavePart {
    match key {
        RowKey::Attribute(_) => SavePart::CustomAttributes,
        RowKey::Field(_) | RowKey::Group => SavePart::Fields,
        RowKey::Roles => SavePart::AddRoles,
    }
}

fn on_saved(state: &mut AppState, id: i64, part: SavePart, result: Result<Option<User>, ApiError>) {
    let Some(editor) = state.editor.as_mut().filter(|e| e.id == id) else {
        // The editor was closed meanwhile: report, so nothing happens unseen.
        match result {
            Ok(_) => status(
                state,
                Level::Success,
                format!("Saved {} of user {id}", part.label()),
            ),
            Err(e) => toast(
                state,
                Level::Error,
                format!("Saving {} of user {id} failed: {e}", part.label()),
            ),
        }
        return;
    };
    editor.saving.remove(&part);
    let roles_part = matches!(part, SavePart::AddRoles | SavePart::RemoveRoles);
    let keys: Vec<RowKey> = editor
        .pending
        .keys()
        .filter(|k| part_of(k) == part || (roles_part && **k == RowKey::Roles))
        .cloned()
        .collect();
    let names = keys
        .iter()
        .map(RowKey::label)
        .collect::<Vec<_>>()
        .join(", ");
    match result {
        Ok(updated) => {
            if let Some(user) = editor.user.as_mut() {
                for key in &keys {
                    apply_saved(user, &mut editor.roles, key, editor.pending.get(key), part);
                }
                if let Some(updated) = updated {
                    *user = updated;
                }
            }
            // Roles are written by two calls: the pending set goes once both answered.
            let roles_done = !editor.saving.contains(&SavePart::AddRoles)
                && !editor.saving.contains(&SavePart::RemoveRoles);
            for key in &keys {
                if *key != RowKey::Roles || roles_done {
                    editor.pending.remove(key);
                }
            }
            editor.save_results.push((part, Ok(())));
            let user = editor.user.clone();
            if let Some(user) = user {
                users_table::replace(&mut state.users, user, &state.columns);
            }
        }
        Err(e) => {
            let named = name_failed_field(&e).unwrap_or(names);
            editor.save_results.push((part, Err(e.to_string())));
            toast(
                state,
                Level::Error,
                format!("Saving {} ({named}) failed: {e}", part.label()),
            );
        }
    }
    let Some(editor) = state.editor.as_ref() else {
        return;
    };
    if editor.saving.is_empty() {
        let failed = editor
            .save_results
            .iter()
            .filter(|(_, r)| r.is_err())
            .count();
        let saved: Vec<&str> = editor
            .save_results
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(p, _)| p.label())
            .collect();
        if failed == 0 {
            status(
                state,
                Level::Success,
                format!("Saved {} — 200 success: Success", saved.join(", ")),
            );
        } else if saved.is_empty() {
            status(
                state,
                Level::Error,
                "Nothing was saved: see the message; your changes are still pending",
            );
        } else {
            status(
                state,
                Level::Warning,
                format!(
                    "Saved {}; {failed} call(s) failed: those changes are still pending",
                    saved.join(", ")
                ),
            );
        }
    }
}

/// The field an error envelope names, as `{attribute, description}`.
fn name_failed_field(error: &ApiError) -> Option<String> {
    match &error.kind {
        ErrorKind::Envelope {
            message: EnvelopeMessage::Attribute { attribute, .. },
            ..
        } => Some(attribute.clone()),
        _ => None,
    }
}

fn apply_saved(
    user: &mut User,
    roles: &mut Option<Vec<i64>>,
    key: &RowKey,
    value: Option<&Pending>,
    part: SavePart,
) {
    match (key, value) {
        (RowKey::Attribute(name), Some(Pending::Text(text))) => {
            let value = if text.is_empty() {
                None
            } else {
                Some(text.clone())
            };
            user.custom_attributes.insert(name.clone(), value);
        }
        (RowKey::Field(name), Some(Pending::Text(text))) => {
            editor_rows::set_field(user, name, text)
        }
        (RowKey::Group, Some(Pending::Group(group))) => user.group_id = *group,
        (RowKey::Roles, Some(Pending::Roles(set))) => {
            let mut current: BTreeSet<i64> =
                roles.clone().unwrap_or_default().into_iter().collect();
            match part {
                SavePart::AddRoles => current.extend(
                    set.difference(&current.clone())
                        .copied()
                        .collect::<Vec<_>>(),
                ),
                SavePart::RemoveRoles => current.retain(|r| set.contains(r)),
                _ => {}
            }
            *roles = Some(current.into_iter().collect());
        }
        _ => {}
    }
}

// ---------------------------------------------------------------- outcomes

fn on_outcome(state: &mut AppState, outcome: Outcome) -> Vec<Command> {
    if !matches!(outcome, Outcome::RateLimit(_)) {
        state.in_flight = state.in_flight.saturating_sub(1);
    }
    match outcome {
        Outcome::Fields(Ok(fields)) => {
            state.fields = fields;
            let unknown: Vec<&String> = state
                .columns
                .iter()
                .filter(|c| !state.fields.contains(c))
                .collect();
            if !unknown.is_empty() {
                let list = unknown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                toast(
                    state,
                    Level::Warning,
                    format!("ui.columns names fields this tenant lacks: {list}"),
                );
            }
        }
        Outcome::Fields(Err(e)) => toast(
            state,
            Level::Error,
            format!("Loading custom attribute fields failed: {e}"),
        ),
        Outcome::Roles(Ok(roles)) => state.roles = roles,
        Outcome::Roles(Err(e)) => toast(state, Level::Error, format!("Loading roles failed: {e}")),
        Outcome::Groups(Ok(groups)) => state.groups = groups,
        Outcome::Groups(Err(e)) => {
            toast(state, Level::Error, format!("Loading groups failed: {e}"))
        }
        Outcome::UsersPage { generation, result } => {
            return on_users_page(state, generation, result);
        }
        Outcome::User { id, result } => {
            let Some(editor) = state.editor.as_mut().filter(|e| e.id == id) else {
                return Vec::new();
            };
            editor.loading = false;
            match result {
                Ok((user, roles)) => {
                    editor.user = Some(user.clone());
                    editor.roles = Some(roles);
                    editor.error = None;
                    users_table::replace(&mut state.users, user, &state.columns);
                }
                Err(e) => {
                    editor.error = Some(e.to_string());
                    toast(
                        state,
                        Level::Error,
                        format!("Loading user {id} failed: {e}"),
                    );
                }
            }
        }
        Outcome::Saved { id, part, result } => on_saved(state, id, part, result),
        Outcome::RateLimit(rate) => {
            if rate.is_some() {
                state.rate = rate;
            }
        }
    }
    Vec::new()
}

// ---------------------------------------------------------------- request log

fn push_exchange(state: &mut AppState, exchange: std::sync::Arc<crate::api::Exchange>) {
    let log = &mut state.log;
    let seq = log.base + log.entries.len() as u64;
    let keep = super::request_log::matches(&exchange, &log.filter, log.errors_only);
    log.entries.push_back(exchange);
    if keep {
        log.rows.push(seq);
    }
    while log.entries.len() > log.capacity {
        log.entries.pop_front();
        log.base += 1;
        if log.rows.first().is_some_and(|&s| s < log.base) {
            log.rows.remove(0);
            log.cursor = log.cursor.saturating_sub(1);
        }
        if log.detail.is_some_and(|(s, _)| s < log.base) {
            log.detail = None;
        }
    }
    if log.follow {
        log.cursor = log.rows.len().saturating_sub(1);
    }
    let height = state.list_height();
    state.log.offset = scroll_offset(state.log.offset, state.log.cursor, height);
}

fn refilter_log(state: &mut AppState) {
    let log = &mut state.log;
    let selected = log.rows.get(log.cursor).copied();
    log.rows = log
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| super::request_log::matches(e, &log.filter, log.errors_only))
        .map(|(i, _)| log.base + i as u64)
        .collect();
    log.cursor = selected
        .and_then(|s| log.rows.iter().position(|&r| r >= s))
        .unwrap_or(log.rows.len().saturating_sub(1));
    let height = state.list_height();
    state.log.offset = scroll_offset(
        state.log.offset.min(state.log.cursor),
        state.log.cursor,
        height,
    );
}

fn log_key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let height = state.list_height();
    if let Some((seq, scroll)) = state.log.detail {
        let scroll = match action {
            KeyAction::Up => scroll.saturating_sub(1),
            KeyAction::Down => scroll.saturating_add(1),
            KeyAction::PageUp => scroll.saturating_sub(height as u16),
            KeyAction::PageDown => scroll.saturating_add(height as u16),
            KeyAction::Top => 0,
            KeyAction::CopyCurl => return copy_curl(state, seq),
            KeyAction::WriteLog => return write_log(state),
            _ => scroll,
        };
        state.log.detail = Some((seq, scroll));
        return Vec::new();
    }
    let log = &mut state.log;
    let last = log.rows.len().saturating_sub(1);
    match action {
        KeyAction::Up => {
            log.cursor = log.cursor.saturating_sub(1);
            log.follow = false;
        }
        KeyAction::Down => log.cursor = (log.cursor + 1).min(last),
        KeyAction::PageUp => {
            log.cursor = log.cursor.saturating_sub(height);
            log.follow = false;
        }
        KeyAction::PageDown => log.cursor = (log.cursor + height).min(last),
        KeyAction::Top => {
            log.cursor = 0;
            log.follow = false;
        }
        KeyAction::Bottom => log.cursor = last,
        KeyAction::Follow => {
            log.follow = !log.follow;
            if log.follow {
                log.cursor = last;
            }
        }
        KeyAction::Open => log.detail = log.rows.get(log.cursor).map(|&s| (s, 0)),
        KeyAction::Filter => log.filter_input = Some(line_input(&log.filter)),
        KeyAction::ErrorsOnly => {
            log.errors_only = !log.errors_only;
            refilter_log(state);
            return Vec::new();
        }
        KeyAction::CopyCurl => {
            if let Some(seq) = log.rows.get(log.cursor).copied() {
                return copy_curl(state, seq);
            }
        }
        KeyAction::WriteLog => return write_log(state),
        _ => {}
    }
    state.log.offset = scroll_offset(state.log.offset, state.log.cursor, height);
    Vec::new()
}

fn copy_curl(state: &mut AppState, seq: u64) -> Vec<Command> {
    let Some(exchange) = state.log.get(seq) else {
        return Vec::new();
    };
    let what = format!("curl for {} {}", exchange.method, exchange.path());
    vec![Command::Copy {
        what,
        text: exchange.to_curl(),
    }]
}

fn write_log(state: &mut AppState) -> Vec<Command> {
    let contents: String = state
        .log
        .rows
        .iter()
        .filter_map(|&s| state.log.get(s))
        .map(|e| e.to_jsonl() + "\n")
        .collect();
    vec![Command::WriteExport {
        stem: "request-log".into(),
        extension: "jsonl".into(),
        contents,
    }]
}
