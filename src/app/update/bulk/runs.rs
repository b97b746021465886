//! Past runs and one run's journal: undo and resume start here.

use super::super::modal;
use super::*;
use crate::app::bulk_flow::PlanFor;
use crate::app::bulk_rows::journal_view;
use crate::bulk::same_tenant;

pub(super) fn open(state: &mut AppState) -> Vec<Command> {
    match state.bulk.open_past_runs() {
        Ok(()) => vec![Command::BulkListRuns],
        Err(why) => {
            refused(state, why);
            Vec::new()
        }
    }
}

fn selected(state: &AppState) -> Option<RunInfo> {
    state
        .bulk
        .runs
        .rows
        .get(state.bulk.runs.list.cursor())
        .cloned()
}

pub(super) fn key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let journal_rows = layout::rows(state, ListId::BulkJournal);
    let runs_rows = layout::rows(state, ListId::BulkRuns);
    let moved = match &mut state.bulk.flow {
        BulkFlow::Journal(Some(journal)) => {
            let len = journal.rows.len() + journal.conflicts.len();
            journal.list.key(action, len, journal_rows)
        }
        BulkFlow::PastRuns => {
            let runs = &mut state.bulk.runs;
            runs.list.key(action, runs.rows.len(), runs_rows)
        }
        _ => false,
    };
    if moved {
        return Vec::new();
    }
    match action {
        KeyAction::Refresh => open(state),
        KeyAction::Open => match state.bulk.open_journal() {
            Some(path) => vec![Command::BulkOpenRun { path }],
            None => Vec::new(),
        },
        KeyAction::UndoRun => undo(state),
        KeyAction::ResumeRun => resume(state),
        _ => Vec::new(),
    }
}

/// Refuses a run of another tenant here, in the console's words.
fn other_tenant(state: &mut AppState, row: &RunInfo) -> bool {
    match same_tenant(&row.run, &row.tenant, &state.tenant) {
        Ok(()) => false,
        Err(other) => {
            let error = Failure::Bulk(BulkError::OtherTenant(other));
            toast(
                state,
                Level::Warning,
                Note::Failed {
                    doing: Doing::Preview,
                    error,
                },
            );
            true
        }
    }
}

fn undo(state: &mut AppState) -> Vec<Command> {
    let Some(row) = selected(state) else {
        return Vec::new();
    };
    if other_tenant(state, &row) {
        return Vec::new();
    }
    match state.bulk.plan(PlanFor::Undo {
        run: row.run.clone(),
    }) {
        Ok(generation) => vec![Command::BulkPlanUndo {
            generation,
            path: row.path,
        }],
        Err(why) => {
            refused(state, why);
            Vec::new()
        }
    }
}

fn resume(state: &mut AppState) -> Vec<Command> {
    let Some(row) = selected(state) else {
        return Vec::new();
    };
    if row.finished {
        status(
            state,
            Level::Info,
            Note::Text(format!("Run {} is finished: nothing to resume", row.run)),
        );
        return Vec::new();
    }
    if other_tenant(state, &row) {
        return Vec::new();
    }
    match state.bulk.confirm_resume(&row) {
        Ok(_) => modal::input(state, InputFor::TypedConfirm, ""),
        Err(why) => refused(state, why),
    }
    Vec::new()
}

/// The journal folder was listed: at start, an unfinished run of this tenant is offered.
pub(super) fn listed(state: &mut AppState, result: Result<Vec<RunInfo>, BulkError>) {
    let asked = state.bulk.runs.loading && matches!(state.bulk.flow, BulkFlow::PastRuns);
    state.bulk.runs.loading = false;
    let rows = match result {
        Ok(rows) => rows,
        Err(e) => {
            // At start nobody asked: the error waits for the user to open past runs.
            if asked {
                failed(state, Doing::ReadRuns, Failure::Bulk(e));
            }
            return;
        }
    };
    let rows_on_screen = layout::rows(state, ListId::BulkRuns);
    let runs = &mut state.bulk.runs;
    runs.rows = rows;
    let cursor = runs.list.cursor();
    runs.list.select(cursor, runs.rows.len(), rows_on_screen);
    if state.bulk.offered_resume {
        return;
    }
    state.bulk.offered_resume = true;
    let here = state.tenant.clone();
    let unfinished = state
        .bulk
        .runs
        .rows
        .iter()
        .position(|r| !r.finished && same_tenant(&r.run, &r.tenant, &here).is_ok());
    let Some(i) = unfinished else {
        return;
    };
    let row = state.bulk.runs.rows[i].clone();
    // `2` opens past runs on it, `r` resumes it.
    if state.bulk.open_past_runs().is_ok() {
        state.bulk.runs.loading = false;
        let len = state.bulk.runs.rows.len();
        state.bulk.runs.list.select(i, len, rows_on_screen);
    }
    toast(
        state,
        Level::Warning,
        Note::Hint(Hint::UnfinishedRun {
            run: row.run.clone(),
            left: row.users.saturating_sub(row.done),
            users: row.users,
            read_only: state.read_only,
        }),
    );
}

pub(super) fn journal_read(state: &mut AppState, result: Result<RunLog, BulkError>) {
    match result {
        Ok(log) => state.bulk.journal_read(journal_view(&log)),
        Err(e) => {
            state.bulk.journal_failed();
            failed(state, Doing::ReadJournal, Failure::Bulk(e));
        }
    }
}
