//! `update(&mut AppState, Action) -> Vec<Command>`: every screen flow, with no I/O and no await.
//!
//! A key goes to the top of the modal stack when there is one (`modal.rs`), else to the
//! screen. Results come back as outcomes; failures are kept typed as notes for the view.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crossterm::event::KeyEvent;

use crate::api::{ApiError, EnvelopeMessage, ErrorKind, User, UserUpdate, V3UserUpdate};
use crate::config::UserUpdateApi;

use super::action::{Action, Command, Outcome, SavePart};
use super::columns::{Column, Field};
use super::editor_rows::{self, current_value, editor_rows, is_editable, is_integer_field};
use super::keymap::{Context, KeyAction};
use super::layout::{self, ListId};
use super::message::{Doing, Failure, Hint, Note};
use super::modal::{Choice, Input, InputFor, Modal, Pick, PickFor, Question};
use super::state::{AppState, EditorState, Level, LoadAll, Pending, RowKey, Screen, Toast};
use super::users_table;

mod actions;
mod bulk;
mod cache;
mod columns;
mod editor;
mod events;
mod export;
mod jumps;
mod modal;
mod mouse;
mod palette;
mod protect;
mod request_log;
mod user_view;
mod users;
mod views;

pub use views::start_with as start_with_view;

#[cfg(test)]
pub(crate) use user_view::tests as user_view_tests;

use editor::{editor_key, on_saved, open_pick};
use request_log::{log_key, push_exchange};
use users::{clamp_users_view, on_users_page, reload_users, users_key};

/// How long a message other than an error stays.
const TOAST_TTL: Duration = Duration::from_secs(4);
/// Start loading the next page when the cursor is this close to the last loaded row.
const PREFETCH_ROWS: usize = 10;

/// The commands that start the console: the tenant's fields, roles, groups and first page.
pub use cache::{CHUNK as CACHE_CHUNK, FIRST as CACHE_FIRST, status_words as cache_status_words};

pub fn start(state: &mut AppState) -> Vec<Command> {
    let mut commands = vec![Command::LoadFields, Command::LoadRoles, Command::LoadGroups];
    // The cache's rows first when the profile has one; the tenant's pages otherwise.
    match cache::start(state) {
        Some(open) => commands.extend(open),
        None => commands.extend(reload_users(state)),
    }
    // An unfinished bulk run is offered at start.
    state.bulk.runs.loading = true;
    commands.push(Command::BulkListRuns);
    count_in_flight(state, &commands);
    commands
}

pub fn update(state: &mut AppState, action: Action) -> Vec<Command> {
    let mut commands = match action {
        Action::Key(key) => on_key(state, key),
        Action::Paste(text) => {
            modal::paste(state, &text);
            Vec::new()
        }
        Action::Resize { width, height } => {
            state.width = width;
            state.height = height;
            clamp_lists(state);
            Vec::new()
        }
        Action::Tick(now) => {
            tick(state, now);
            events::tick(state, now)
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
                    Note::Text(format!("Copied {what} to the clipboard")),
                ),
                Err(e) => failed(state, Doing::Copy, Failure::Local(e)),
            }
            Vec::new()
        }
        Action::Written(result) => {
            match result {
                Ok(path) => toast(state, Level::Success, Note::Text(format!("Wrote {path}"))),
                Err(e) => failed(state, Doing::Write, Failure::Local(e)),
            }
            Vec::new()
        }
        Action::ViewSaved { name, view, result } => {
            views::on_saved(state, name, view, result);
            Vec::new()
        }
        Action::ThemeSet { name, result } => {
            views::on_theme(state, name, result);
            Vec::new()
        }
        Action::Mouse(event) => mouse::on_mouse(state, event),
    };
    jumps::record(state);
    if state.read_only && commands.iter().any(Command::is_write) {
        commands.retain(|c| !c.is_write());
        toast(
            state,
            Level::Warning,
            Note::text("Read-only: nothing was written"),
        );
    }
    protect::gate(state, &mut commands);
    count_in_flight(state, &commands);
    commands
}

/// After a resize: every list keeps its cursor row inside its (new) window.
fn clamp_lists(state: &mut AppState) {
    clamp_users_view(state);
    let rows = editor_rows(state).len();
    let height = layout::rows(state, ListId::Editor);
    if let Some(editor) = state.editor.as_mut() {
        editor.list.clamp(rows, height);
    }
    user_view::clamp(state);
    let height = layout::rows(state, ListId::RequestLog);
    state.log.list.clamp(state.log.rows.len(), height);
    events::clamp(state);
    bulk::clamp_lists(state);
}

/// Lets time pass: turns the spinner, fades messages (errors stay until read).
fn tick(state: &mut AppState, now: std::time::Instant) {
    state.now = now;
    state.spinner = state.spinner.wrapping_add(1);
    let fresh = |t: &mut Toast| {
        let seen = *t.seen.get_or_insert(now);
        t.level == Level::Error || now.duration_since(seen) < TOAST_TTL
    };
    state.toasts.retain_mut(fresh);
    if state.status.as_mut().is_some_and(|s| !fresh(s)) {
        state.status = None;
    }
    if let LoadAll::Loading {
        eta: Some((_, told @ None)),
        ..
    } = &mut state.users.load
    {
        *told = Some(now);
    }
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
            | Command::SaveView { .. }
            | Command::SetTheme { .. }
            | Command::ExportCsv { .. }
            | Command::Quit
            | Command::SwitchProfile { .. }
            | Command::BulkControl(_)
            | Command::CacheWrite { .. }
    )
}

/// A message over the screen, and on the status line.
pub fn toast(state: &mut AppState, level: Level, note: Note) {
    let toast = Toast {
        level,
        note,
        seen: None,
    };
    state.status = Some(toast.clone());
    state.toasts.push(toast);
    // Keep the newest few: the status line and the request log hold the rest.
    if state.toasts.len() > 5 {
        state.toasts.remove(0);
    }
}

/// A message on the status line only.
fn status(state: &mut AppState, level: Level, note: Note) {
    state.status = Some(Toast {
        level,
        note,
        seen: None,
    });
}

/// An error message: what was being done, and the error as it came.
fn failed(state: &mut AppState, doing: Doing, error: Failure) {
    toast(state, Level::Error, Note::Failed { doing, error });
}

// ---------------------------------------------------------------- keys

fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Command> {
    if key.kind == crossterm::event::KeyEventKind::Release {
        return Vec::new();
    }
    if state.keymap.is(Context::Global, KeyAction::ForceQuit, &key) {
        // A bulk run is asked about once; a second Ctrl+C at the question quits.
        if state.runs_going() && state.modals.question() != Some(Question::Quit) {
            modal::ask(state, Question::Quit);
            return Vec::new();
        }
        state.quit = true;
        return vec![Command::Quit];
    }
    if !state.modals.is_empty() {
        return modal::on_key(state, key);
    }
    let Some(action) = state.keymap.lookup(state.context(), &key) else {
        return Vec::new();
    };
    match action {
        KeyAction::Help => {
            state.modals.push(Modal::Help { scroll: 0 });
            Vec::new()
        }
        KeyAction::ScreenUsers => leave_to(state, Screen::Users),
        KeyAction::ScreenBulk => leave_to(state, Screen::Bulk),
        KeyAction::ScreenLog => leave_to(state, Screen::RequestLog),
        KeyAction::ScreenEvents => leave_to(state, Screen::Events),
        KeyAction::Palette => palette::open(state),
        KeyAction::JumpBack => jumps::back(state),
        KeyAction::JumpForward => jumps::forward(state),
        KeyAction::JumpToggle => jumps::toggle(state),
        KeyAction::NextScreen => {
            let next = match state.screen {
                Screen::Users | Screen::Editor => Screen::Bulk,
                Screen::Bulk => Screen::RequestLog,
                Screen::RequestLog => Screen::Events,
                Screen::Events => Screen::Users,
            };
            leave_to(state, next)
        }
        KeyAction::Dismiss if dismiss_error(state) => Vec::new(),
        KeyAction::Quit | KeyAction::Dismiss
            if state.screen == Screen::Bulk && bulk::back(state) =>
        {
            Vec::new()
        }
        KeyAction::Quit | KeyAction::Dismiss => go_back(state, action == KeyAction::Quit),
        _ => screen_key(state, action),
    }
}

/// A key for the screen itself (the mouse's wheel comes here as ↑/↓ too).
fn screen_key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    match state.screen {
        Screen::Users => users_key(state, action),
        Screen::Editor => user_view::key(state, action),
        Screen::RequestLog => log_key(state, action),
        Screen::Events => events::key(state, action),
        Screen::Bulk => bulk::key(state, action),
    }
}

/// `Esc` first clears the newest error message: errors stay until read.
fn dismiss_error(state: &mut AppState) -> bool {
    if let Some(pos) = state.toasts.iter().rposition(|t| t.level == Level::Error) {
        state.toasts.remove(pos);
        if state
            .status
            .as_ref()
            .is_some_and(|s| s.level == Level::Error)
        {
            state.status = None;
        }
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
                    users::refilter_users(state);
                }
                return Vec::new();
            }
            if state.in_flight > 0 || state.runs_going() {
                modal::ask(state, Question::Quit);
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
        Screen::Events if !quit_key && !state.events.filter.is_empty() => {
            state.events.filter.clear();
            events::refilter(state);
            Vec::new()
        }
        Screen::RequestLog | Screen::Bulk | Screen::Events => {
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
            modal::ask(state, Question::DiscardEdits);
            return Vec::new();
        }
        if pending {
            state.screen = Screen::Editor;
            status(state, Level::Info, Note::Hint(Hint::UnsavedChanges));
            return Vec::new();
        }
        state.editor = None;
    }
    let entering = state.screen != target;
    state.screen = target;
    if target == Screen::Events && entering {
        return events::enter(state);
    }
    Vec::new()
}

// ---------------------------------------------------------------- outcomes

fn on_outcome(state: &mut AppState, outcome: Outcome) -> Vec<Command> {
    let answers = !matches!(
        outcome,
        Outcome::RateLimit(_)
            | Outcome::BulkProgress(_)
            | Outcome::LoadPace { .. }
            | Outcome::ReadsWaiting { .. }
            | Outcome::CacheProgress(_)
    );
    if answers {
        state.in_flight = state.in_flight.saturating_sub(1);
    }
    match outcome {
        Outcome::Fields(Ok(fields)) => {
            state.fields = fields;
            let unknown: Vec<&str> = state
                .columns
                .iter()
                .filter_map(|c| match &c.column {
                    Column::Custom(name) if !state.fields.contains(name) => Some(name.as_str()),
                    _ => None,
                })
                .collect();
            if !unknown.is_empty() {
                let list = unknown.join(", ");
                toast(
                    state,
                    Level::Warning,
                    Note::Text(format!(
                        "The list's columns name custom attributes this tenant lacks: {list}"
                    )),
                );
            }
        }
        Outcome::Fields(Err(e)) => failed(state, Doing::LoadFields, Failure::Api(e)),
        Outcome::Roles(Ok(roles)) => state.roles = roles,
        Outcome::Roles(Err(e)) => failed(state, Doing::LoadRoles, Failure::Api(e)),
        Outcome::Groups(Ok(groups)) => state.groups = groups,
        Outcome::Groups(Err(e)) => failed(state, Doing::LoadGroups, Failure::Api(e)),
        Outcome::UsersPage { generation, result } => {
            return on_users_page(state, generation, result);
        }
        Outcome::LoadAllEstimate { generation, result } => {
            return users::on_load_estimate(state, generation, result);
        }
        Outcome::LoadPace { generation, eta } => users::on_load_pace(state, generation, eta),
        Outcome::ReadsWaiting { wait, reason } => {
            status(state, Level::Info, Note::Paced { wait, reason });
        }
        Outcome::User { id, result } => {
            editor::on_user(state, id, result);
            return cache::after_user_change(state, id);
        }
        Outcome::UserRoles { id, result } => user_view::on_roles(state, id, result),
        Outcome::UserApps { id, result } => user_view::on_apps(state, id, result),
        Outcome::UserFactors { id, result } => user_view::on_factors(state, id, result),
        Outcome::FactorRemoved {
            id, name, result, ..
        } => return user_view::on_removed(state, id, name, result),
        Outcome::UserEvents { id, result } => user_view::on_events(state, id, result),
        Outcome::Resent { what, result } => request_log::on_resent(state, what, result),
        Outcome::EventTypes(result) => events::on_types(state, result),
        Outcome::EventsPage {
            generation,
            query,
            result,
        } => return events::on_page(state, generation, query, result),
        Outcome::EventsPolled { generation, result } => {
            return events::on_polled(state, generation, result);
        }
        Outcome::RunMarks(marks) => events::on_marks(state, marks),
        Outcome::Saved { id, part, result } => {
            let ok = result.is_ok();
            on_saved(state, id, part, result);
            if ok {
                return cache::after_user_change(state, id);
            }
        }
        Outcome::RateLimit(rate) => {
            if rate.is_some() {
                state.rate = rate;
            }
        }
        Outcome::BulkPlanned { generation, result } => bulk::on_planned(state, generation, result),
        Outcome::BulkRuns(result) => bulk::on_runs(state, result),
        Outcome::BulkJournal(result) => bulk::on_journal(state, result),
        Outcome::BulkProgress(progress) => bulk::on_progress(state, progress),
        Outcome::BulkFinished(result) => {
            let mut commands = bulk::on_finished(state, result);
            commands.extend(events::run_finished(state));
            return commands;
        }
        Outcome::CacheOpened { generation, result } => {
            return cache::on_opened(state, generation, result);
        }
        Outcome::CacheRows { generation, result } => {
            return cache::on_rows(state, generation, result, None);
        }
        Outcome::CacheProgress(progress) => cache::on_progress(state, progress),
        Outcome::CacheRefreshed(result) => return cache::on_refreshed(state, result),
        Outcome::CacheWritten(result) => cache::on_written(state, result),
    }
    Vec::new()
}
