//! `update(&mut AppState, Action) -> Vec<Command>`: every screen flow, with no I/O and no await.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::Input;

use crate::api::{ApiError, EnvelopeMessage, ErrorKind, Search, User, UserUpdate, V3UserUpdate};
use crate::config::UserUpdateApi;

use super::action::{Action, Command, Outcome, SavePart};
use super::editor_rows::{self, current_value, editor_rows, is_editable, is_integer_field};
use super::keymap::KeyAction;
use super::state::{
    AppState, Confirm, EditorState, Level, LineInput, Pending, Picker, RowKey, Screen, SortColumn,
    Toast, input_text, line_input,
};
use super::users_table;

pub mod bulk;
mod editor;
mod request_log;
mod users;

use editor::{commit_edit, editor_key, on_picker_key, on_saved, save};
use request_log::{log_key, push_exchange, refilter_log};
use users::{clamp_users_view, on_users_page, refilter_users, reload_users, users_key};

/// How long a non-error toast stays.
const TOAST_TTL: Duration = Duration::from_secs(4);
/// Start loading the next page when the cursor is this close to the last loaded row.
const PREFETCH_ROWS: usize = 10;

/// The commands that start the console: the tenant's fields, roles, groups and first page.
pub fn start(state: &mut AppState) -> Vec<Command> {
    let mut commands = vec![Command::LoadFields, Command::LoadRoles, Command::LoadGroups];
    commands.extend(reload_users(state));
    // An unfinished bulk run is offered at start.
    state.bulk.runs_loading = true;
    commands.push(Command::BulkListRuns);
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
        Command::Copy { .. }
            | Command::WriteExport { .. }
            | Command::Quit
            | Command::BulkControl(_)
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
    let action = state.keymap.lookup(state.context(), &key);
    if action == Some(KeyAction::ForceQuit) {
        // A bulk run is asked about once; a second Ctrl+C at the question quits.
        if state.bulk.running() && state.confirm != Some(Confirm::Quit) {
            state.confirm = Some(Confirm::Quit);
            return Vec::new();
        }
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
    if state.screen == Screen::Bulk && state.bulk.form.is_some() {
        return bulk::on_pick_key(state, action, key);
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
        KeyAction::Quit | KeyAction::Dismiss
            if state.screen == Screen::Bulk && bulk::bulk_back(state) =>
        {
            Vec::new()
        }
        KeyAction::Quit | KeyAction::Dismiss => go_back(state, action == KeyAction::Quit),
        _ => match state.screen {
            Screen::Users => users_key(state, action),
            Screen::Editor => editor_key(state, action),
            Screen::RequestLog => log_key(state, action),
            Screen::Bulk => bulk::bulk_key(state, action),
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
        Confirm::CancelRun => bulk::cancel_run(state),
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
        Screen::Bulk => bulk::focused_bulk_input(state),
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
        // Readline's Ctrl+U (kill to line start), which shell users expect; the text
        // area's own binding of it is undo.
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            if let Some(input) = focused_input(state) {
                input.delete_line_by_head();
            }
            after_input_change(state);
            Vec::new()
        }
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
        Screen::Bulk => bulk::cancel_bulk_input(state),
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
            match Search::parse(&text) {
                Ok(search) => {
                    let (query, local) = search.into_parts();
                    state.users.search_input = None;
                    state.users.search = text;
                    state.users.query = query;
                    if !local.is_empty() {
                        let names = local.field_names();
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
        Screen::Bulk => bulk::commit_bulk_input(state),
    }
}

// ---------------------------------------------------------------- outcomes

fn on_outcome(state: &mut AppState, outcome: Outcome) -> Vec<Command> {
    if !matches!(outcome, Outcome::RateLimit(_) | Outcome::BulkProgress(_)) {
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
        Outcome::LastId { generation, result } => {
            // Without it the gauge is only a count: not worth an error message.
            if generation == state.users.generation {
                state.users.last_id = result.ok().flatten();
            }
        }
        Outcome::User { id, result } => {
            let Some(editor) = state.editor.as_mut().filter(|e| e.id == id) else {
                return Vec::new();
            };
            editor.loading = false;
            match result {
                Ok((user, roles)) => {
                    users_table::replace(&mut state.users, &user, &state.columns);
                    editor.user = Some(user);
                    editor.roles = Some(roles);
                    editor.error = None;
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
        Outcome::BulkPlanned { generation, result } => bulk::on_planned(state, generation, result),
        Outcome::BulkRuns(result) => bulk::on_runs(state, result),
        Outcome::BulkJournal(result) => bulk::on_journal(state, result),
        Outcome::BulkProgress(progress) => bulk::on_progress(state, progress),
        Outcome::BulkFinished(result) => return bulk::on_finished(state, result),
    }
    Vec::new()
}

/// Keeps `cursor` inside a window of `height` rows over a list of `len`, the window starting
/// at `offset`. When the cursor leaves the window, the window jumps half its height (the
/// cursor lands mid-window) rather than one row: walking down a long list then rewrites the
/// table once per half page instead of on every key, which is what a slow SSH link feels
/// (a one-row scroll of a 120x40 table rewrites every row, ~3.6 KB).
pub fn scroll_offset(offset: usize, cursor: usize, height: usize, len: usize) -> usize {
    let last_window = len.saturating_sub(height);
    let offset = offset.min(last_window);
    if cursor < offset {
        cursor.saturating_sub(height / 2)
    } else if cursor >= offset + height {
        (cursor + height / 2 + 1)
            .saturating_sub(height)
            .min(last_window)
    } else {
        offset
    }
}

/// A window that follows the cursor one row at a time, for views that keep no offset.
pub fn follow_cursor(cursor: usize, height: usize) -> usize {
    (cursor + 1).saturating_sub(height)
}
