//! The bulk screen: a form of changes over the selection, a preview planned by the worker,
//! a typed confirmation, a run watched through its progress, past runs, undo and resume.

use super::*;
use crate::api::UPDATABLE_FIELDS;
use crate::app::action::{BulkControl, Generation};
use crate::app::bulk_rows::journal_view;
use crate::app::state::{
    BulkConfirm, BulkPreview, BulkRunView, BulkView, ChangeForm, ChangeKind, ConfirmWhat, RunPhase,
};
use crate::bulk::duration_text;
use crate::bulk::{BulkError, PlanKind, Preview, RunInfo, RunReport, Work, same_tenant};
use crate::bulk::{Change, Progress, ProgressStats, UserOutcome};

/// Rows of the bulk screen's lists: the body less its header, totals and key lines.
pub fn bulk_list_height(state: &AppState) -> usize {
    usize::from(state.height.saturating_sub(10)).max(1)
}

pub(super) fn bulk_key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    if action == KeyAction::PastRuns {
        return open_runs(state);
    }
    match state.bulk.view {
        BulkView::Form => form_key(state, action),
        BulkView::Preview => preview_key(state, action),
        BulkView::Run => run_key(state, action),
        BulkView::Runs | BulkView::Journal => runs_key(state, action),
    }
}

/// Esc / q inside the bulk screen: one level back; false when already at the form.
pub(super) fn bulk_back(state: &mut AppState) -> bool {
    let bulk = &mut state.bulk;
    match bulk.view {
        BulkView::Form => return false,
        BulkView::Preview => {
            bulk.view = BulkView::Form;
            bulk.planning = false;
            bulk.generation += 1;
        }
        BulkView::Journal => {
            bulk.view = BulkView::Runs;
            bulk.journal = None;
        }
        BulkView::Runs => {
            bulk.view = if bulk.running() {
                BulkView::Run
            } else {
                BulkView::Form
            };
        }
        BulkView::Run if bulk.running() => {
            // Leaving the screen leaves the run going; 2 comes back to it.
            status(
                state,
                Level::Info,
                "The bulk run goes on in the background: 2 shows it",
            );
            return false;
        }
        BulkView::Run => {
            bulk.view = BulkView::Form;
            bulk.run = None;
        }
    }
    true
}

fn move_cursor(cursor: &mut usize, len: usize, action: KeyAction, page: usize) -> bool {
    let last = len.saturating_sub(1);
    *cursor = match action {
        KeyAction::Up => cursor.saturating_sub(1),
        KeyAction::Down => (*cursor + 1).min(last),
        KeyAction::PageUp => cursor.saturating_sub(page),
        KeyAction::PageDown => (*cursor + page).min(last),
        KeyAction::Top => 0,
        KeyAction::Bottom => last,
        _ => return false,
    };
    true
}

// ---------------------------------------------------------------- the form

fn form_key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let page = bulk_list_height(state);
    match action {
        KeyAction::BulkSetAttribute => open_pick(state, ChangeKind::SetAttribute),
        KeyAction::BulkClearAttribute => open_pick(state, ChangeKind::ClearAttribute),
        KeyAction::BulkSetField => open_pick(state, ChangeKind::SetField),
        KeyAction::BulkAddRole => open_pick(state, ChangeKind::AddRole),
        KeyAction::BulkRemoveRole => open_pick(state, ChangeKind::RemoveRole),
        KeyAction::BulkDeleteChange => {
            let bulk = &mut state.bulk;
            if bulk.cursor < bulk.changes.len() {
                bulk.changes.remove(bulk.cursor);
                bulk.cursor = bulk.cursor.min(bulk.changes.len().saturating_sub(1));
                bulk.preview = None;
            }
        }
        KeyAction::BulkPreview => return start_preview(state),
        KeyAction::BulkApply => status(
            state,
            Level::Info,
            "Preview first (p): nothing is applied unseen",
        ),
        other => {
            let len = state.bulk.changes.len();
            move_cursor(&mut state.bulk.cursor, len, other, page);
        }
    }
    Vec::new()
}

fn open_pick(state: &mut AppState, kind: ChangeKind) {
    let options: Vec<(String, String)> = match kind {
        ChangeKind::SetAttribute | ChangeKind::ClearAttribute => state
            .fields
            .iter()
            .map(|f| (f.clone(), f.clone()))
            .collect(),
        ChangeKind::SetField => UPDATABLE_FIELDS
            .iter()
            .map(|f| ((*f).to_string(), (*f).to_string()))
            .collect(),
        ChangeKind::AddRole | ChangeKind::RemoveRole => state
            .roles
            .iter()
            .map(|r| (r.id.to_string(), format!("{} ({})", r.name, r.id)))
            .collect(),
    };
    if options.is_empty() {
        let what = match kind {
            ChangeKind::AddRole | ChangeKind::RemoveRole => "roles",
            _ => "custom attribute fields",
        };
        status(
            state,
            Level::Warning,
            format!("The tenant's {what} are not loaded (yet): nothing to pick from"),
        );
        return;
    }
    state.bulk.form = Some(ChangeForm::Pick {
        kind,
        options,
        cursor: 0,
    });
}

/// Keys while the form's picker is open: it owns them (Esc closes, Enter picks).
pub(super) fn on_pick_key(
    state: &mut AppState,
    action: Option<KeyAction>,
    key: KeyEvent,
) -> Vec<Command> {
    let page = bulk_list_height(state);
    let Some(ChangeForm::Pick {
        kind,
        options,
        cursor,
    }) = state.bulk.form.as_mut()
    else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => state.bulk.form = None,
        KeyCode::Enter => {
            let kind = *kind;
            let Some((value, _)) = options.get(*cursor).cloned() else {
                state.bulk.form = None;
                return Vec::new();
            };
            state.bulk.form = None;
            let id = value.parse::<i64>().unwrap_or_default();
            match kind {
                ChangeKind::SetAttribute | ChangeKind::SetField => {
                    state.bulk.form = Some(ChangeForm::Value {
                        kind,
                        name: value,
                        input: line_input(""),
                    });
                }
                ChangeKind::ClearAttribute => {
                    push_change(state, Change::ClearAttribute { name: value })
                }
                ChangeKind::AddRole => push_change(state, Change::AddRoles { ids: vec![id] }),
                ChangeKind::RemoveRole => push_change(state, Change::RemoveRoles { ids: vec![id] }),
            }
        }
        _ => {
            if let Some(action) = action {
                move_cursor(cursor, options.len(), action, page);
            }
        }
    }
    Vec::new()
}

/// Enter in the value input: the change joins the list (a field's value is checked first).
fn commit_value(state: &mut AppState) {
    let Some(ChangeForm::Value { kind, name, input }) = state.bulk.form.as_ref() else {
        return;
    };
    let value = input_text(input);
    let change = match kind {
        ChangeKind::SetField => {
            if let Err(e) = crate::bulk::plan::typed_field(name, &value) {
                // The input stays open with what was typed.
                toast(state, Level::Error, format!("{name}: {e}"));
                return;
            }
            Change::SetField {
                name: name.clone(),
                value,
            }
        }
        _ => Change::SetAttribute {
            name: name.clone(),
            value,
        },
    };
    state.bulk.form = None;
    push_change(state, change);
}

/// Adds a change; an earlier change of the same value is replaced (the last one would win anyway).
fn push_change(state: &mut AppState, change: Change) {
    let bulk = &mut state.bulk;
    let attr = |c: &Change| match c {
        Change::SetAttribute { name, .. } | Change::ClearAttribute { name } => Some(name.clone()),
        _ => None,
    };
    let field = |c: &Change| match c {
        Change::SetField { name, .. } => Some(name.clone()),
        _ => None,
    };
    let roles = |c: &Change| match c {
        Change::AddRoles { ids } | Change::RemoveRoles { ids } => ids.clone(),
        _ => Vec::new(),
    };
    bulk.changes.retain(|c| {
        !((attr(c).is_some() && attr(c) == attr(&change))
            || (field(c).is_some() && field(c) == field(&change))
            || roles(c).iter().any(|id| roles(&change).contains(id)))
    });
    bulk.changes.push(change);
    bulk.cursor = bulk.changes.len() - 1;
    bulk.preview = None;
}

pub(super) fn focused_bulk_input(state: &mut AppState) -> Option<&mut LineInput> {
    let bulk = &mut state.bulk;
    if let Some(confirm) = bulk.confirm.as_mut() {
        return Some(&mut confirm.input);
    }
    match bulk.form.as_mut() {
        Some(ChangeForm::Value { input, .. }) => Some(input),
        _ => None,
    }
}

pub(super) fn cancel_bulk_input(state: &mut AppState) {
    if state.bulk.confirm.take().is_some() {
        status(state, Level::Info, "Cancelled: nothing was written");
        return;
    }
    state.bulk.form = None;
}

pub(super) fn commit_bulk_input(state: &mut AppState) -> Vec<Command> {
    if state.bulk.confirm.is_some() {
        return commit_confirm(state);
    }
    commit_value(state);
    Vec::new()
}

// ---------------------------------------------------------------- preview

fn start_preview(state: &mut AppState) -> Vec<Command> {
    if state.users.marks.is_empty() {
        status(
            state,
            Level::Warning,
            "No users selected: on the users screen (1), Space selects a row, a every filtered user",
        );
        return Vec::new();
    }
    if state.bulk.changes.is_empty() {
        status(
            state,
            Level::Info,
            "No changes yet: a set attribute, x clear, f field, + give role, - take role",
        );
        return Vec::new();
    }
    let mut ids: Vec<i64> = state.users.marks.iter().copied().collect();
    ids.sort_unstable();
    // The plan reads the users' current values fresh (one call per 50 users): what the
    // list loaded may be minutes old, and the list keeps only the columns it shows.
    let bulk = &mut state.bulk;
    bulk.generation += 1;
    bulk.planning = true;
    bulk.preview = None;
    bulk.view = BulkView::Preview;
    vec![Command::BulkPlan {
        generation: bulk.generation,
        ids,
        changes: bulk.changes.clone(),
    }]
}

fn preview_key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let page = bulk_list_height(state);
    match action {
        KeyAction::BulkPreview => {
            let undo = state
                .bulk
                .preview
                .as_ref()
                .is_some_and(|p| matches!(p.ready.kind, PlanKind::Undo { .. }));
            if !undo {
                return start_preview(state);
            }
        }
        KeyAction::BulkApply => ask_to_apply(state),
        other => {
            if let Some(preview) = state.bulk.preview.as_mut() {
                let conflicts = match &preview.ready.kind {
                    PlanKind::Undo { conflicts, .. } => conflicts.len(),
                    PlanKind::Apply => 0,
                };
                let len = preview.ready.plan.users.len() + conflicts;
                if move_cursor(&mut preview.cursor, len, other, page) {
                    preview.offset = scroll_offset(preview.offset, preview.cursor, page, len);
                }
            }
        }
    }
    Vec::new()
}

fn ask_to_apply(state: &mut AppState) {
    if state.bulk.running() {
        status(state, Level::Warning, "A run is going: one run at a time");
        return;
    }
    let Some(preview) = state.bulk.preview.as_ref() else {
        status(state, Level::Info, "The preview is not ready yet");
        return;
    };
    let users = preview.ready.plan.users.len();
    if users == 0 {
        status(
            state,
            Level::Info,
            "Nothing to change: every user already has these values",
        );
        return;
    }
    state.bulk.confirm = Some(BulkConfirm {
        what: ConfirmWhat::Preview,
        users,
        input: line_input(""),
        error: None,
    });
}

fn commit_confirm(state: &mut AppState) -> Vec<Command> {
    let Some(confirm) = state.bulk.confirm.as_mut() else {
        return Vec::new();
    };
    let typed = input_text(&confirm.input);
    if typed.trim() != confirm.users.to_string() {
        confirm.error = Some(if typed.trim().is_empty() {
            format!("Type {} to confirm, or Esc to cancel", confirm.users)
        } else {
            format!(
                "{:?} is not {}: nothing was written",
                typed.trim(),
                confirm.users
            )
        });
        confirm.input = line_input("");
        return Vec::new();
    }
    let Some(confirm) = state.bulk.confirm.take() else {
        return Vec::new();
    };
    let (work, title, users, calls) = match confirm.what {
        ConfirmWhat::Preview => {
            let Some(preview) = state.bulk.preview.take() else {
                return Vec::new();
            };
            let ready = preview.ready;
            let users = ready.plan.users.len();
            let calls = ready.plan.calls();
            let title = match &ready.kind {
                PlanKind::Apply => "apply".to_string(),
                PlanKind::Undo { of, .. } => format!("undo of {of}"),
            };
            (Work::Plan(Box::new(ready)), title, users, calls)
        }
        ConfirmWhat::Resume { path, run } => (
            Work::Resume(path),
            format!("resume of {run}"),
            confirm.users,
            0,
        ),
    };
    state.bulk.run = Some(BulkRunView {
        run: None,
        title,
        users,
        calls,
        stats: ProgressStats {
            users,
            remaining: users,
            ..ProgressStats::default()
        },
        phase: RunPhase::Starting,
        failures: Vec::new(),
        waiting: None,
        end: None,
        offset: 0,
    });
    state.bulk.view = BulkView::Run;
    vec![Command::BulkStart(Box::new(work))]
}

pub(super) fn on_planned(
    state: &mut AppState,
    generation: Generation,
    result: Result<Preview, BulkError>,
) {
    if generation != state.bulk.generation {
        return;
    }
    state.bulk.planning = false;
    match result {
        Ok(ready) => {
            let targets = match &ready.kind {
                PlanKind::Apply => state.users.marks.len(),
                PlanKind::Undo { conflicts, .. } => ready.plan.users.len() + conflicts.len(),
            };
            state.bulk.preview = Some(BulkPreview {
                ready,
                targets,
                cursor: 0,
                offset: 0,
            });
        }
        Err(e) => {
            let undo = state.bulk.view == BulkView::Preview && state.bulk.changes.is_empty();
            state.bulk.view = if undo { BulkView::Runs } else { BulkView::Form };
            toast(state, Level::Error, format!("Preview failed: {e}"));
        }
    }
}

// ---------------------------------------------------------------- the run

fn run_key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let page = bulk_list_height(state);
    let Some(run) = state.bulk.run.as_mut() else {
        return Vec::new();
    };
    let live = run.phase != RunPhase::Finished && run.phase != RunPhase::Cancelling;
    match action {
        KeyAction::BulkPause if live => {
            let (phase, control) = if run.phase == RunPhase::Paused {
                (RunPhase::Running, BulkControl::Resume)
            } else {
                (RunPhase::Paused, BulkControl::Pause)
            };
            run.phase = phase;
            return vec![Command::BulkControl(control)];
        }
        KeyAction::BulkCancel if live => state.confirm = Some(Confirm::CancelRun),
        KeyAction::MoreConcurrency | KeyAction::LessConcurrency if live => {
            let now = run.stats.concurrency.max(1);
            let n = if action == KeyAction::MoreConcurrency {
                (now + 1).min(crate::bulk::execute::MAX_CONCURRENCY)
            } else {
                now.saturating_sub(1).max(1)
            };
            run.stats.concurrency = n;
            return vec![Command::BulkControl(BulkControl::Concurrency(n))];
        }
        KeyAction::BulkPause
        | KeyAction::BulkCancel
        | KeyAction::MoreConcurrency
        | KeyAction::LessConcurrency => {
            status(state, Level::Info, "The run is not going");
        }
        other => {
            let len = run.failures.len();
            let mut cursor = run.offset;
            if move_cursor(&mut cursor, len, other, page) {
                run.offset = cursor;
            }
        }
    }
    Vec::new()
}

/// The answer to the cancel question.
pub(super) fn cancel_run(state: &mut AppState) -> Vec<Command> {
    match state.bulk.run.as_mut() {
        Some(run) if run.phase != RunPhase::Finished => {
            run.phase = RunPhase::Cancelling;
            status(
                state,
                Level::Info,
                "Cancelling: the calls in flight finish, then the run stops (r resumes it from past runs)",
            );
            vec![Command::BulkControl(BulkControl::Cancel)]
        }
        _ => Vec::new(),
    }
}

pub(super) fn on_progress(state: &mut AppState, progress: Progress) {
    let Some(run) = state.bulk.run.as_mut() else {
        return;
    };
    let follow = |run: &mut BulkRunView, stats: ProgressStats| {
        if matches!(run.phase, RunPhase::Running | RunPhase::Paused) {
            run.phase = if stats.paused {
                RunPhase::Paused
            } else {
                RunPhase::Running
            };
        }
        run.stats = stats;
    };
    match progress {
        Progress::Started {
            run: id,
            users,
            calls,
        } => {
            run.run = Some(id);
            run.users = users;
            run.calls = calls;
            run.stats.users = users;
            run.stats.remaining = users;
            if run.phase == RunPhase::Starting {
                run.phase = RunPhase::Running;
            }
        }
        Progress::User {
            id,
            label,
            outcome,
            stats,
        } => {
            if let UserOutcome::Failed { message, .. } = outcome {
                run.failures.push((id, label, message));
            }
            follow(run, stats);
        }
        Progress::Waiting { wait, reason } => {
            run.waiting = Some(format!("waiting {}: {reason}", duration_text(wait)));
        }
        Progress::Tick(stats) => {
            if stats.calls_sent > run.stats.calls_sent {
                run.waiting = None;
            }
            follow(run, stats);
        }
        Progress::Finished(stats) => follow(run, stats),
    }
}

pub(super) fn on_finished(
    state: &mut AppState,
    result: Result<RunReport, BulkError>,
) -> Vec<Command> {
    let message = match &result {
        Ok(end) => {
            let level = if end.failed > 0 || end.not_done > 0 || end.journal_error.is_some() {
                Level::Warning
            } else {
                Level::Success
            };
            let mut text = format!(
                "Run {}: {} done, {} failed, {} not done, {} call(s) in {}",
                end.run,
                end.done,
                end.failed,
                end.not_done,
                end.calls_sent,
                duration_text(end.elapsed)
            );
            if let Some(e) = &end.journal_error {
                text.push_str(&format!("; the journal failed: {e}"));
            }
            if end.not_done > 0 {
                text.push_str(": r on past runs (h) resumes it");
            }
            (level, text)
        }
        Err(e) => (Level::Error, format!("The bulk run did not start: {e}")),
    };
    match state.bulk.run.as_mut() {
        Some(run) => {
            run.phase = RunPhase::Finished;
            run.waiting = None;
            run.end = Some(result);
        }
        None => {
            state.bulk.run = Some(BulkRunView {
                run: None,
                title: "run".into(),
                users: 0,
                calls: 0,
                stats: ProgressStats::default(),
                phase: RunPhase::Finished,
                failures: Vec::new(),
                waiting: None,
                end: Some(result),
                offset: 0,
            });
        }
    }
    toast(state, message.0, message.1);
    // The values on the users screen are stale now: the next plan must not reuse them.
    state.bulk.runs_loading = true;
    let mut commands = vec![Command::BulkListRuns];
    commands.extend(super::users::reload_users(state));
    commands
}

// ---------------------------------------------------------------- past runs

fn open_runs(state: &mut AppState) -> Vec<Command> {
    state.bulk.view = BulkView::Runs;
    state.bulk.journal = None;
    state.bulk.runs_loading = true;
    vec![Command::BulkListRuns]
}

fn selected_run(state: &AppState) -> Option<RunInfo> {
    state.bulk.runs.get(state.bulk.runs_cursor).cloned()
}

fn runs_key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let page = bulk_list_height(state);
    match action {
        KeyAction::Refresh => return open_runs(state),
        KeyAction::Open if state.bulk.view == BulkView::Runs => {
            if let Some(row) = selected_run(state) {
                state.bulk.view = BulkView::Journal;
                state.bulk.journal = None;
                return vec![Command::BulkOpenRun { path: row.path }];
            }
        }
        KeyAction::UndoRun => {
            let Some(row) = selected_run(state) else {
                return Vec::new();
            };
            if let Some(why) = refuse_run(state, &row) {
                status(state, Level::Warning, why);
                return Vec::new();
            }
            let bulk = &mut state.bulk;
            bulk.generation += 1;
            bulk.planning = true;
            bulk.preview = None;
            bulk.view = BulkView::Preview;
            // The form's changes are not the plan of an undo.
            bulk.changes.clear();
            return vec![Command::BulkPlanUndo {
                generation: bulk.generation,
                path: row.path,
            }];
        }
        KeyAction::ResumeRun => {
            let Some(row) = selected_run(state) else {
                return Vec::new();
            };
            if row.finished {
                status(
                    state,
                    Level::Info,
                    format!("Run {} is finished: nothing to resume", row.run),
                );
                return Vec::new();
            }
            if let Some(why) = refuse_run(state, &row) {
                status(state, Level::Warning, why);
                return Vec::new();
            }
            state.bulk.confirm = Some(BulkConfirm {
                what: ConfirmWhat::Resume {
                    path: row.path.clone(),
                    run: row.run.clone(),
                },
                users: row.users.saturating_sub(row.done),
                input: line_input(""),
                error: None,
            });
        }
        other => {
            if state.bulk.view == BulkView::Journal {
                if let Some(journal) = state.bulk.journal.as_mut() {
                    let len = journal.rows.len();
                    if move_cursor(&mut journal.cursor, len, other, page) {
                        journal.offset = scroll_offset(journal.offset, journal.cursor, page, len);
                    }
                }
            } else {
                let len = state.bulk.runs.len();
                if move_cursor(&mut state.bulk.runs_cursor, len, other, page) {
                    state.bulk.runs_offset =
                        scroll_offset(state.bulk.runs_offset, state.bulk.runs_cursor, page, len);
                }
            }
        }
    }
    Vec::new()
}

/// Why a run cannot be undone or resumed from here, if it cannot.
fn refuse_run(state: &AppState, row: &RunInfo) -> Option<String> {
    if state.bulk.running() {
        return Some("A run is going: one run at a time".into());
    }
    same_tenant(&row.run, &row.tenant, &state.tenant).err().map(|o| {
        format!(
            "Run {} was made on tenant {} (profile `{}`), this console is on {}: start the console with that profile",
            o.run,
            o.made_on.address(),
            o.made_on.profile,
            o.here.address()
        )
    })
}

pub(super) fn on_runs(state: &mut AppState, result: Result<Vec<RunInfo>, BulkError>) {
    state.bulk.runs_loading = false;
    let rows = match result {
        Ok(rows) => rows,
        Err(e) => {
            if state.screen == Screen::Bulk {
                toast(
                    state,
                    Level::Error,
                    format!("Reading past runs failed: {e}"),
                );
            }
            return;
        }
    };
    state.bulk.runs = rows;
    state.bulk.runs_cursor = state
        .bulk
        .runs_cursor
        .min(state.bulk.runs.len().saturating_sub(1));
    if !state.bulk.offered_resume {
        state.bulk.offered_resume = true;
        let here = state.tenant.clone();
        if let Some((i, row)) = state
            .bulk
            .runs
            .iter()
            .enumerate()
            .find(|(_, r)| !r.finished && same_tenant(&r.run, &r.tenant, &here).is_ok())
            .map(|(i, r)| (i, r.clone()))
        {
            // `2` opens past runs on it, `r` resumes it.
            state.bulk.view = BulkView::Runs;
            state.bulk.runs_cursor = i;
            let left = row.users.saturating_sub(row.done);
            let hint = if state.read_only {
                "(read-only: resume it without --read-only)"
            } else {
                "2 then r resumes it"
            };
            toast(
                state,
                Level::Warning,
                format!(
                    "Unfinished bulk run {} ({left} of {} user(s) left): {hint}",
                    row.run, row.users
                ),
            );
        }
    }
}

pub(super) fn on_journal(state: &mut AppState, result: Result<crate::bulk::RunLog, BulkError>) {
    match result {
        Ok(log) => {
            if state.bulk.view == BulkView::Journal {
                state.bulk.journal = Some(journal_view(&log));
            }
        }
        Err(e) => {
            if state.bulk.view == BulkView::Journal {
                state.bulk.view = BulkView::Runs;
            }
            toast(
                state,
                Level::Error,
                format!("Reading the journal failed: {e}"),
            );
        }
    }
}
