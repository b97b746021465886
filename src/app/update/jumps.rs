//! `[`, `]` and `-`: going back to a screen or a user seen before. Every move the user
//! makes is recorded after each update; a jump goes through the same paths as the keys
//! (leaving unsaved edits still asks first).

use super::*;
use crate::app::jumps::Place;

/// Where the user is now.
fn here(state: &AppState) -> Place {
    Place {
        screen: state.screen,
        user: (state.screen == Screen::Editor)
            .then(|| state.editor.as_ref().map(|e| e.id))
            .flatten(),
    }
}

/// After every update: a new place is a visit.
pub(super) fn record(state: &mut AppState) {
    let place = here(state);
    state.jumps.visit(place);
}

pub(super) fn back(state: &mut AppState) -> Vec<Command> {
    match state.jumps.back() {
        Some((i, place)) => jump(state, i, place),
        None => nowhere(state, "Nothing before this"),
    }
}

pub(super) fn forward(state: &mut AppState) -> Vec<Command> {
    match state.jumps.forward() {
        Some((i, place)) => jump(state, i, place),
        None => nowhere(state, "Nothing after this"),
    }
}

/// `-`: the place before, as a new visit (recorded after the update).
pub(super) fn toggle(state: &mut AppState) -> Vec<Command> {
    match state.jumps.toggle() {
        Some(place) => go(state, place),
        None => nowhere(state, "Nothing seen before this"),
    }
}

fn nowhere(state: &mut AppState, text: &'static str) -> Vec<Command> {
    status(state, Level::Info, Note::text(text));
    Vec::new()
}

/// Goes to `place`, the `i`th of the history; the history's position moves only when the
/// move happened (leaving unsaved edits may ask first).
fn jump(state: &mut AppState, i: usize, place: Place) -> Vec<Command> {
    let commands = go(state, place);
    if here(state) == place {
        state.jumps.moved_to(i);
    }
    commands
}

fn go(state: &mut AppState, place: Place) -> Vec<Command> {
    let Some(id) = place.user else {
        return leave_to(state, place.screen);
    };
    if let Some(editor) = &state.editor {
        if editor.id == id {
            state.screen = Screen::Editor;
            return Vec::new();
        }
        if !editor.pending.is_empty() {
            state.screen = Screen::Editor;
            status(state, Level::Info, Note::Hint(Hint::UnsavedChanges));
            return Vec::new();
        }
    }
    // The user is read afresh, as opening it from the list does.
    users::open_user_id(state, id)
}

#[cfg(test)]
#[path = "jumps_tests.rs"]
mod tests;
