//! The events screen: the first page when it is first shown, older pages as the cursor
//! nears the end (or `n`), filters sent to the API, the `/` filter over what is loaded,
//! and live polls for newer events, timed by ticks, only while the screen is shown.

use super::modal::Rejected;
use super::*;
use crate::api::{Event, EventType, Page};
use crate::app::events_state::{
    EventFilter, POLL_PAGES, Pace, Since, WindowChoice, parse_date, poll_pace,
};
use crate::audit::RunMarks;

/// The screen is shown: the first time it loads itself (and what names its rows);
/// after an absence it catches up at the next tick.
pub(super) fn enter(state: &mut AppState) -> Vec<Command> {
    let mut commands = Vec::new();
    if !state.events.started {
        commands.extend(reload(state));
    } else {
        state.events.poll.now = true;
    }
    commands.extend(names(state));
    commands
}

/// The event types (once a session) and the index of our runs (once, and after a run).
fn names(state: &mut AppState) -> Vec<Command> {
    let mut commands = Vec::new();
    if state.event_types.wanted() {
        state.event_types.loading = true;
        commands.push(Command::LoadEventTypes);
    }
    if state.run_marks.wanted() {
        state.run_marks.loading = true;
        commands.push(Command::LoadRunMarks);
    }
    commands
}

/// `E`: the events of user `id`, on the events screen.
pub(super) fn open_for_user(state: &mut AppState, id: i64) -> Vec<Command> {
    state.events.by = EventFilter::for_user(id);
    state.events.filter.clear();
    state.screen = Screen::Events;
    let mut commands = reload(state);
    commands.extend(names(state));
    commands
}

/// Forgets what is loaded and asks for the first page of the filters.
pub(super) fn reload(state: &mut AppState) -> Vec<Command> {
    let events = &mut state.events;
    events.generation += 1;
    events.events.clear();
    events.ids.clear();
    events.rows.clear();
    events.list.select(0, 0, 1);
    events.query = None;
    events.next_cursor = None;
    events.error = None;
    events.loading = true;
    events.started = true;
    events.unseen = 0;
    events.poll = Default::default();
    vec![Command::LoadEvents {
        generation: events.generation,
        filter: events.by.clone(),
    }]
}

pub(super) fn key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let height = layout::rows(state, ListId::Events);
    let len = state.events.rows.len();
    if state.events.list.key(action, len, height) {
        if state.events.list.cursor() == 0 {
            state.events.unseen = 0;
        }
        return prefetch(state);
    }
    match action {
        KeyAction::Open => {
            if let Some(event) = state.events.current().cloned() {
                user_view::open_event(state, event);
            }
        }
        KeyAction::Filter => {
            let text = state.events.filter.clone();
            modal::input(state, InputFor::EventsFilter, &text);
        }
        KeyAction::FilterUser => {
            // The user filtered on, else the one under the cursor of the users list.
            let id = state.events.by.user.or(state.users.current_id());
            let text = id.map(|id| id.to_string()).unwrap_or_default();
            modal::input(state, InputFor::EventsUser, &text);
        }
        KeyAction::FilterTypes => pick_types(state),
        KeyAction::FilterWindow => pick_window(state),
        KeyAction::ClearFilters => {
            state.events.filter.clear();
            if !state.events.by.is_empty() {
                state.events.by = EventFilter::default();
                return reload(state);
            }
            refilter(state);
        }
        KeyAction::Live => {
            let events = &mut state.events;
            events.live = !events.live;
            events.poll.due = None;
            // Turned on: look at once rather than after a whole interval.
            events.poll.now = events.live;
        }
        KeyAction::NextPage => {
            if state.events.next_cursor.is_none() && !state.events.loading {
                status(state, Level::Info, Note::text("Every page is loaded"));
            }
            return next_page(state);
        }
        KeyAction::Refresh => {
            // Names that failed are asked for again, and the run index is rebuilt.
            state.event_types.error = None;
            state.run_marks.stale = true;
            let mut commands = reload(state);
            commands.extend(names(state));
            return commands;
        }
        _ => {}
    }
    Vec::new()
}

fn next_page(state: &mut AppState) -> Vec<Command> {
    let events = &mut state.events;
    if events.loading {
        return Vec::new();
    }
    let (Some(query), Some(cursor)) = (events.query.clone(), events.next_cursor.clone()) else {
        return Vec::new();
    };
    events.loading = true;
    vec![Command::LoadMoreEvents {
        generation: events.generation,
        query,
        after_cursor: cursor,
    }]
}

/// The next (older) page as the cursor nears the end; not while `/` narrows the rows
/// (the cursor is then always near the end: `n` asks on purpose).
fn prefetch(state: &mut AppState) -> Vec<Command> {
    let events = &state.events;
    if events.filter.is_empty() && events.list.cursor() + PREFETCH_ROWS >= events.rows.len() {
        return next_page(state);
    }
    Vec::new()
}

pub(super) fn on_page(
    state: &mut AppState,
    generation: u64,
    query: crate::api::EventQuery,
    result: Result<Page<Event>, ApiError>,
) -> Vec<Command> {
    if generation != state.events.generation {
        return Vec::new();
    }
    state.events.loading = false;
    match result {
        Ok(page) => {
            state.events.query = Some(query);
            state.events.next_cursor = page.after_cursor;
            let keep = state.events.current().map(|e| e.id);
            add(state, page.items);
            refilter_keeping(state, keep);
            prefetch(state)
        }
        Err(e) => {
            state.events.error = Some(e.clone());
            failed(state, Doing::LoadEvents, Failure::Api(e));
            Vec::new()
        }
    }
}

/// Adds the events not shown yet, newest first; how many were new.
fn add(state: &mut AppState, items: Vec<Event>) -> usize {
    let events = &mut state.events;
    let before = events.events.len();
    for event in items {
        if events.ids.insert(event.id) {
            events.events.push(event);
        }
    }
    let added = events.events.len() - before;
    if added > 0 {
        events.events.sort_by_key(|e| std::cmp::Reverse(e.id));
    }
    added
}

/// Time passes: a poll when one is due, the screen is shown and live, nothing else of
/// the screen's is in flight, and the rate budget allows.
pub(super) fn tick(state: &mut AppState, now: std::time::Instant) -> Vec<Command> {
    let events = &mut state.events;
    let idle = !events.loading && !events.poll.in_flight && events.query.is_some();
    if state.screen != Screen::Events || !events.live || !idle || !events.by.open_ended() {
        return Vec::new();
    }
    let Pace::Every(interval) = poll_pace(state.rate.as_ref()) else {
        events.poll.due = None;
        return Vec::new();
    };
    let due = match events.poll.due {
        _ if events.poll.now => true,
        Some(due) => now >= due,
        None => {
            events.poll.due = Some(now + interval);
            false
        }
    };
    if due { poll(state, None) } else { Vec::new() }
}

/// Asks for events newer than the newest shown (`since` its time; ids already shown
/// are dropped, so a `since` that includes its own second costs nothing).
fn poll(state: &mut AppState, after_cursor: Option<String>) -> Vec<Command> {
    let events = &mut state.events;
    let Some(mut query) = events.query.clone() else {
        return Vec::new();
    };
    if let Some(newest) = events.newest().and_then(|e| e.created_at.clone()) {
        query = query.since(newest);
    }
    events.poll.now = false;
    events.poll.due = None;
    events.poll.in_flight = true;
    if after_cursor.is_none() {
        events.poll.pages = 0;
    }
    events.poll.pages += 1;
    vec![Command::PollEvents {
        generation: events.generation,
        query,
        after_cursor,
    }]
}

pub(super) fn on_polled(
    state: &mut AppState,
    generation: u64,
    result: Result<Page<Event>, ApiError>,
) -> Vec<Command> {
    if generation != state.events.generation {
        return Vec::new();
    }
    state.events.poll.in_flight = false;
    match result {
        Ok(page) => {
            let count = page.items.len();
            let at_top = state.events.list.cursor() == 0;
            let keep = state.events.current().map(|e| e.id);
            let added = add(state, page.items);
            refilter_keeping(state, if at_top { None } else { keep });
            // The cursor stays on what is being read; the line above says what came.
            if !at_top {
                state.events.unseen += added;
            }
            // Every event of the page was new and more follow: read on towards the ones
            // shown, or, after a long absence, start again from the newest.
            if added == count && page.after_cursor.is_some() {
                if state.events.poll.pages < POLL_PAGES {
                    return poll(state, page.after_cursor);
                }
                let shown = state.events.events.len();
                status(state, Level::Info, Note::Hint(Hint::ManyNewEvents(shown)));
                return reload(state);
            }
            Vec::new()
        }
        Err(e) => {
            // One message, not one every interval: live updates stop until `f`.
            state.events.live = false;
            failed(state, Doing::PollEvents, Failure::Api(e));
            Vec::new()
        }
    }
}

pub(super) fn on_types(state: &mut AppState, result: Result<Vec<EventType>, ApiError>) {
    state.event_types.loading = false;
    match result {
        Ok(types) => {
            state.event_types.set(types);
            state.event_types.error = None;
            refilter(state);
        }
        Err(e) => {
            state.event_types.error = Some(e.clone());
            failed(state, Doing::LoadEventTypes, Failure::Api(e));
        }
    }
}

pub(super) fn on_marks(state: &mut AppState, marks: std::sync::Arc<RunMarks>) {
    state.run_marks.index = Some(marks);
    state.run_marks.loading = false;
    refilter(state);
}

/// A bulk run ended: the index is rebuilt now if the screen is shown, else when it is.
pub(super) fn run_finished(state: &mut AppState) -> Vec<Command> {
    state.run_marks.stale = true;
    if state.screen == Screen::Events && state.run_marks.wanted() {
        state.run_marks.loading = true;
        return vec![Command::LoadRunMarks];
    }
    Vec::new()
}

/// The rows that pass the `/` filter, the cursor kept on the same event.
pub(super) fn refilter(state: &mut AppState) {
    let keep = state.events.current().map(|e| e.id);
    refilter_keeping(state, keep);
}

fn refilter_keeping(state: &mut AppState, keep: Option<i64>) {
    let height = layout::rows(state, ListId::Events);
    let needle = state.events.filter.to_lowercase();
    let (types, marks) = (&state.event_types, &state.run_marks);
    let events = &mut state.events;
    events.rows = events
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| needle.is_empty() || haystack(e, types, marks).contains(&needle))
        .map(|(i, _)| i)
        .collect();
    let at = keep
        .and_then(|id| events.rows.iter().position(|&i| events.events[i].id == id))
        .unwrap_or(0);
    events.list.select(at, events.rows.len(), height);
}

/// What `/` matches in an event: its type's name, who, what, and our run.
fn haystack(
    event: &Event,
    types: &crate::app::events_state::EventTypes,
    marks: &crate::app::events_state::RunMarksState,
) -> String {
    let mut text = types.name(event.event_type_id);
    let parts = [
        event.user_name.as_deref(),
        event.actor_user_name.as_deref(),
        event.actor_system.as_deref(),
        event.app_name.as_deref(),
        event.role_name.as_deref(),
        event.group_name.as_deref(),
        event.otp_device_name.as_deref(),
        event.notes.as_deref(),
        event.ipaddr.as_deref(),
        event.created_at.as_deref(),
        marks.run_of(event),
    ];
    for part in parts.into_iter().flatten() {
        text.push(' ');
        text.push_str(part);
    }
    if let Some(id) = event.user_id {
        text.push_str(&format!(" {id}"));
    }
    text.to_lowercase()
}

pub(super) fn clamp(state: &mut AppState) {
    let height = layout::rows(state, ListId::Events);
    let len = state.events.rows.len();
    state.events.list.clamp(len, height);
}

fn rejected(doing: Doing, why: String) -> Rejected {
    Rejected {
        note: Box::new(Note::Failed {
            doing,
            error: Failure::Invalid(why),
        }),
        inline: false,
    }
}

/// Enter in the user input: an id, or nothing for every user.
pub(super) fn commit_user(state: &mut AppState, text: &str) -> Result<Vec<Command>, Rejected> {
    let text = text.trim();
    let user = if text.is_empty() {
        None
    } else {
        match text.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                let why = format!("{text:?} is not a user id (a whole number; empty: every user)");
                return Err(rejected(Doing::Value("user".into()), why));
            }
        }
    };
    if state.events.by.user == user {
        return Ok(Vec::new());
    }
    state.events.by.user = user;
    Ok(reload(state))
}

/// Enter in a date input: the window's start or end (empty clears it).
pub(super) fn commit_date(
    state: &mut AppState,
    text: &str,
    start: bool,
) -> Result<Vec<Command>, Rejected> {
    let name = if start { "since" } else { "until" };
    let at = if text.trim().is_empty() {
        None
    } else {
        Some(parse_date(text).map_err(|why| rejected(Doing::Value(name.into()), why))?)
    };
    let by = &mut state.events.by;
    if start {
        by.since = at.map(Since::At);
    } else {
        by.until = at;
    }
    Ok(reload(state))
}

fn pick_types(state: &mut AppState) {
    let types = &state.event_types;
    if !types.loaded {
        let failed = types.error.is_some();
        status(
            state,
            Level::Warning,
            Note::Hint(Hint::TypesNotLoaded { failed }),
        );
        return;
    }
    let chosen = &state.events.by.types;
    let options: Vec<(Choice, String)> = types
        .list
        .iter()
        .map(|t| (Choice::EventType(t.id), format!("{} ({})", t.name, t.id)))
        .collect();
    let marked: Vec<usize> = types
        .list
        .iter()
        .enumerate()
        .filter(|(_, t)| chosen.contains(&t.id))
        .map(|(i, _)| i)
        .collect();
    let at = marked.first().copied().unwrap_or(0);
    open_pick(state, PickFor::EventTypes, options, marked, at, true);
}

fn pick_window(state: &mut AppState) {
    let options: Vec<(Choice, String)> = WindowChoice::ALL
        .iter()
        .map(|c| (Choice::Window(*c), c.label().to_string()))
        .collect();
    let by = &state.events.by;
    let current = match by.since {
        None if by.until.is_none() => WindowChoice::AnyTime,
        Some(Since::Ago(ago)) => WindowChoice::ALL
            .into_iter()
            .find(|c| c.ago() == Some(ago))
            .unwrap_or(WindowChoice::TypeSince),
        Some(Since::At(_)) => WindowChoice::TypeSince,
        None => WindowChoice::TypeUntil,
    };
    let at = WindowChoice::ALL
        .iter()
        .position(|c| *c == current)
        .unwrap_or(0);
    open_pick(state, PickFor::Window, options, [at], at, false);
}

/// The types picked: the API filters by them.
pub(super) fn picked_types(state: &mut AppState, chosen: Vec<Choice>) -> Vec<Command> {
    let mut ids: Vec<i64> = chosen
        .into_iter()
        .filter_map(|c| match c {
            Choice::EventType(id) => Some(id),
            _ => None,
        })
        .collect();
    ids.sort_unstable();
    if ids == state.events.by.types {
        return Vec::new();
    }
    state.events.by.types = ids;
    reload(state)
}

/// A time window picked: a relative one at once, a typed one through its input.
pub(super) fn picked_window(state: &mut AppState, choice: WindowChoice) -> Vec<Command> {
    let by = &mut state.events.by;
    match choice {
        WindowChoice::AnyTime => {
            by.since = None;
            by.until = None;
        }
        WindowChoice::TypeSince | WindowChoice::TypeUntil => {
            let start = choice == WindowChoice::TypeSince;
            let current = if start {
                match by.since {
                    Some(Since::At(t)) => Some(t),
                    _ => None,
                }
            } else {
                by.until
            };
            let text = current
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default();
            let purpose = if start {
                InputFor::EventsSince
            } else {
                InputFor::EventsUntil
            };
            modal::input(state, purpose, &text);
            return Vec::new();
        }
        relative => {
            by.since = relative.ago().map(Since::Ago);
            by.until = None;
        }
    }
    reload(state)
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
