//! The bulk screen, one file a step of its flow (`app::bulk_flow`): the change form, the
//! preview and its typed confirmation, the run, past runs. This file routes keys and
//! answers to the step they belong to.

use super::*;
use crate::bulk::{BulkError, Preview, Progress, RunInfo, RunLog, RunReport};

mod form;
mod preview;
mod run;
mod runs;

pub(super) use form::{commit_value, picked};
pub(super) use preview::typed_confirmation;
pub(super) use run::cancel_run;

use crate::app::bulk_flow::{BulkFlow, Refused};

pub(super) fn key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    if action == KeyAction::PastRuns {
        return runs::open(state);
    }
    match state.bulk.flow {
        BulkFlow::Editing => form::key(state, action),
        BulkFlow::Planning(_) | BulkFlow::Preview(_) => preview::key(state, action),
        BulkFlow::Watching => run::key(state, action),
        BulkFlow::PastRuns | BulkFlow::Journal(_) => runs::key(state, action),
        // Its input owns the keyboard.
        BulkFlow::Confirming(_) => Vec::new(),
    }
}

/// Esc / q inside the bulk screen: one step back; false when there is none (the screen is
/// left instead).
pub(super) fn back(state: &mut AppState) -> bool {
    if matches!(state.bulk.flow, BulkFlow::Watching) && state.bulk.running() {
        // Leaving the screen leaves the run going.
        status(state, Level::Info, Note::Hint(Hint::RunGoesOn));
        return false;
    }
    // An action's preview goes back to the users it was picked on.
    if state.bulk.flow.previewing_action() && state.bulk.back() {
        state.screen = if state.editor.is_some() {
            Screen::Editor
        } else {
            Screen::Users
        };
        return true;
    }
    state.bulk.back()
}

/// After a resize: the bulk screen's lists keep their cursor rows in view.
pub(super) fn clamp_lists(state: &mut AppState) {
    let changes = layout::rows(state, ListId::BulkChanges);
    let preview = layout::rows(state, ListId::BulkPreview);
    let failures = layout::rows(state, ListId::BulkFailures);
    let runs = layout::rows(state, ListId::BulkRuns);
    let journal = layout::rows(state, ListId::BulkJournal);
    let bulk = &mut state.bulk;
    bulk.changes_list.clamp(bulk.changes.len(), changes);
    bulk.runs.list.clamp(bulk.runs.rows.len(), runs);
    if let Some(run) = bulk.run.as_mut() {
        run.list.clamp(run.failures.len(), failures);
    }
    match &mut bulk.flow {
        BulkFlow::Preview(p) => {
            let len = p.rows();
            p.list.clamp(len, preview);
        }
        BulkFlow::Journal(Some(j)) => {
            let len = j.rows.len() + j.conflicts.len();
            j.list.clamp(len, journal);
        }
        _ => {}
    }
}

/// A status line for a transition that did not happen.
pub(super) fn refused(state: &mut AppState, why: Refused) {
    let text = match why {
        Refused::RunGoing => "A run is going: one run at a time",
        Refused::NothingToChange => "Nothing to change: every user already has these values",
        Refused::NotHere => "Not from here",
    };
    let level = match why {
        Refused::RunGoing => Level::Warning,
        _ => Level::Info,
    };
    status(state, level, Note::text(text));
}

pub(super) fn on_planned(
    state: &mut AppState,
    generation: crate::app::action::Generation,
    result: Result<Preview, BulkError>,
) {
    let selected = state.users.list.marks().len();
    let fallback = result.as_ref().ok().and_then(|p| p.fallback.clone());
    match state.bulk.planned(generation, result, selected) {
        Some(Err(e)) => failed(state, Doing::Preview, Failure::Bulk(e)),
        Some(Ok(())) => {
            if let Some(why) = fallback {
                toast(state, Level::Warning, Note::Text(why));
            }
        }
        None => {}
    }
}

pub(super) fn on_runs(state: &mut AppState, result: Result<Vec<RunInfo>, BulkError>) {
    runs::listed(state, result);
}

pub(super) fn on_journal(state: &mut AppState, result: Result<RunLog, BulkError>) {
    runs::journal_read(state, result);
}

pub(super) fn on_progress(state: &mut AppState, progress: Progress) {
    run::progress(state, progress);
}

pub(super) fn on_finished(
    state: &mut AppState,
    result: Result<RunReport, BulkError>,
) -> Vec<Command> {
    run::finished(state, result)
}
