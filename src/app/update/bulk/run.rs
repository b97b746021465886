//! The run on screen: pause, cancel, concurrency; its progress and its end.

use super::*;
use crate::app::action::BulkControl;
use crate::app::bulk_flow::{RunPhase, Waiting};
use crate::bulk::UserOutcome;

pub(super) fn key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let rows = layout::rows(state, ListId::BulkFailures);
    let Some(run) = state.bulk.run.as_mut() else {
        return Vec::new();
    };
    let steer = matches!(
        action,
        KeyAction::BulkPause
            | KeyAction::BulkCancel
            | KeyAction::MoreConcurrency
            | KeyAction::LessConcurrency
    );
    if steer && !run.steerable() {
        status(state, Level::Info, Note::text("The run is not going"));
        return Vec::new();
    }
    match action {
        KeyAction::BulkPause => {
            let (phase, control) = if run.phase == RunPhase::Paused {
                (RunPhase::Running, BulkControl::Resume)
            } else {
                (RunPhase::Paused, BulkControl::Pause)
            };
            run.phase = phase;
            vec![Command::BulkControl(control)]
        }
        KeyAction::BulkCancel => {
            super::super::modal::ask(state, Question::CancelRun);
            Vec::new()
        }
        KeyAction::MoreConcurrency | KeyAction::LessConcurrency => {
            let now = run.stats.concurrency.max(1);
            let n = if action == KeyAction::MoreConcurrency {
                (now + 1).min(crate::bulk::execute::MAX_CONCURRENCY)
            } else {
                now.saturating_sub(1).max(1)
            };
            run.stats.concurrency = n;
            vec![Command::BulkControl(BulkControl::Concurrency(n))]
        }
        other => {
            run.list.key(other, run.failures.len(), rows);
            Vec::new()
        }
    }
}

/// The answer to the cancel question.
pub(in crate::app::update) fn cancel_run(state: &mut AppState) -> Vec<Command> {
    match state.bulk.run.as_mut() {
        Some(run) if run.steerable() => {
            run.phase = RunPhase::Cancelling;
            status(state, Level::Info, Note::Hint(Hint::Cancelling));
            vec![Command::BulkControl(BulkControl::Cancel)]
        }
        _ => Vec::new(),
    }
}

pub(super) fn progress(state: &mut AppState, progress: Progress) {
    if let Progress::Notice(text) = progress {
        toast(state, Level::Warning, Note::Text(text));
        return;
    }
    let Some(run) = state.bulk.run.as_mut() else {
        return;
    };
    let follow = |run: &mut crate::app::bulk_flow::RunView, stats: crate::bulk::ProgressStats| {
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
            if matches!(outcome, UserOutcome::Failed { .. }) {
                run.failed(id, label, &outcome);
            }
            follow(run, stats);
        }
        Progress::Waiting { wait, reason } => run.waiting = Some(Waiting { wait, reason }),
        Progress::Tick(stats) => {
            if stats.calls_sent > run.stats.calls_sent {
                run.waiting = None;
            }
            follow(run, stats);
        }
        Progress::Finished(stats) => follow(run, stats),
        Progress::Notice(_) => {}
    }
}

pub(super) fn finished(state: &mut AppState, result: Result<RunReport, BulkError>) -> Vec<Command> {
    match &result {
        Ok(report) => {
            let level = if report.complete() {
                Level::Success
            } else {
                Level::Warning
            };
            toast(state, level, Note::RunEnded(report.clone()));
        }
        Err(e) => failed(state, Doing::StartRun, Failure::Bulk(e.clone())),
    }
    state.bulk.finished(result);
    // The values on the users screen are stale now: the next plan must not reuse them.
    state.bulk.runs.loading = true;
    let mut commands = vec![Command::BulkListRuns];
    commands.extend(super::super::cache::after_bulk(state));
    commands.extend(super::super::user_view::after_run(state));
    commands
}
