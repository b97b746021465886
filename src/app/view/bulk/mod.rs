//! The bulk edits screen, one file a step of its flow: the change form, the preview, the
//! run, past runs and a run's journal. Lists are windowed: only visible rows are built.
//! The typed confirmation and the pickers are drawn with the modal stack.

mod form;
mod preview;
mod run;
mod runs;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::bulk_flow::{BulkFlow, RunPhase};
use crate::app::keymap::{Context, KeyAction};
use crate::app::layout;
use crate::app::modal::{InputFor, Modal};
use crate::app::state::AppState;
use crate::theme::Theme;

use super::widgets::{key_line, safe};
use crate::app::bulk_rows::ValueChange;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let [head, body, keys] = layout::bulk(area);
    draw_head(frame, head, state, theme);
    match &state.bulk.flow {
        BulkFlow::Editing => form::draw(frame, body, state, theme),
        BulkFlow::Planning(_) | BulkFlow::Preview(_) | BulkFlow::Confirming(_) => {
            match state.bulk.flow.preview() {
                Some(_) => preview::draw(frame, body, state, theme),
                None if matches!(state.bulk.flow, BulkFlow::Planning(_)) => {
                    preview::draw_planning(frame, body, state, theme)
                }
                // A resume being confirmed: the list it was asked from stays behind.
                None => runs::draw_runs(frame, body, state, theme),
            }
        }
        BulkFlow::Watching => run::draw(frame, body, state, theme),
        BulkFlow::PastRuns => runs::draw_runs(frame, body, state, theme),
        BulkFlow::Journal(journal) => runs::draw_journal(frame, body, state, journal, theme),
    }
    draw_keys(frame, keys, state, theme);
}

fn draw_head(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let current = state.bulk.flow.step();
    let mut spans = vec![Span::raw(" ")];
    for (i, name) in ["changes", "preview", "run", "past runs"]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            spans.push(Span::styled(" › ", theme.muted));
        }
        let style = if i == current {
            theme.accent.add_modifier(Modifier::BOLD)
        } else {
            theme.muted
        };
        spans.push(Span::styled(name, style));
    }
    if let Some(run) = &state.bulk.run
        && !matches!(state.bulk.flow, BulkFlow::Watching)
        && run.going()
    {
        spans.push(Span::styled(
            format!(
                "   run {}/{} {}",
                run.stats.done + run.stats.failed,
                run.users,
                phase_name(&run.phase)
            ),
            theme.info,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The key line: what the current step's keys do (or the open picker's or input's), from
/// the keymap.
fn draw_keys(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    use Context::{Bulk, BulkRun, BulkRuns, Global, Input, Pick};
    use KeyAction::*;
    let entries: Vec<(Context, &[KeyAction], &str)> = match (state.modals.top(), &state.bulk.flow) {
        (Some(Modal::Pick(_)), _) => vec![
            (Global, &[Up, Down], "move"),
            (Pick, &[Choose], "pick"),
            (Pick, &[Cancel], "cancel"),
        ],
        (Some(Modal::Input(input)), _) => {
            let commit = match input.purpose {
                InputFor::TypedConfirm => "confirm",
                _ => "add the change",
            };
            vec![(Input, &[Commit], commit), (Input, &[Cancel], "cancel")]
        }
        (_, BulkFlow::Editing) => vec![
            (Bulk, &[BulkSetAttribute], "set attr"),
            (Bulk, &[BulkClearAttribute], "clear attr"),
            (Bulk, &[BulkSetField], "field"),
            (Bulk, &[BulkAddRole, BulkRemoveRole], "role"),
            (Bulk, &[BulkDeleteChange], "remove"),
            (Bulk, &[BulkPreview], "preview"),
            (Bulk, &[PastRuns], "past runs"),
        ],
        (_, BulkFlow::Planning(_) | BulkFlow::Preview(_) | BulkFlow::Confirming(_)) => {
            let mut keys: Vec<(Context, &[KeyAction], &str)> =
                vec![(Bulk, &[BulkApply], "apply (asks)")];
            if state.bulk.flow.previewing_undo() {
                keys.push((Global, &[Dismiss], "back to past runs"));
            } else if state.bulk.flow.previewing_action() {
                keys.push((Bulk, &[BulkPreview], "again"));
                keys.push((Global, &[Dismiss], "back to the users"));
            } else {
                keys.push((Bulk, &[BulkPreview], "again"));
                keys.push((Global, &[Dismiss], "back to the changes"));
            }
            keys.push((Bulk, &[PastRuns], "past runs"));
            keys
        }
        (_, BulkFlow::Watching) if state.bulk.running() => vec![
            (BulkRun, &[BulkPause], "pause/resume"),
            (BulkRun, &[BulkCancel], "cancel"),
            (BulkRun, &[MoreConcurrency, LessConcurrency], "concurrency"),
            (BulkRun, &[PastRuns], "past runs"),
        ],
        (_, BulkFlow::Watching) => vec![
            (Global, &[Dismiss], "new changes"),
            (BulkRun, &[PastRuns], "past runs (undo)"),
        ],
        (_, BulkFlow::PastRuns) => vec![
            (BulkRuns, &[Open], "journal"),
            (BulkRuns, &[UndoRun], "undo"),
            (BulkRuns, &[ResumeRun], "resume"),
            (BulkRuns, &[Refresh], "reload"),
            (Global, &[Dismiss], "back"),
        ],
        (_, BulkFlow::Journal(_)) => vec![
            (BulkRuns, &[UndoRun], "undo"),
            (BulkRuns, &[ResumeRun], "resume"),
            (Global, &[Dismiss], "back to past runs"),
        ],
    };
    let spans = key_line(&state.keymap, theme, &entries);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn read_only_line(theme: &Theme) -> Line<'static> {
    Line::from(Span::styled(
        " Read-only: changes can be built and previewed, not applied.",
        theme.warn,
    ))
}

fn phase_name(phase: &RunPhase) -> &'static str {
    match phase {
        RunPhase::Starting => "starting",
        RunPhase::Running => "running",
        RunPhase::Paused => "paused",
        RunPhase::Cancelling => "cancelling",
        RunPhase::Finished(_) => "finished",
    }
}

/// `AWS_Role: "a" → "b"; title: …`, safe to draw: a user's changes in one cell.
fn changes_cell(changes: &[ValueChange]) -> String {
    changes
        .iter()
        .map(|c| {
            // `custom_attributes.AWS_Role` → `AWS_Role`: the column is narrow.
            let key = c.key.strip_prefix("custom_attributes.").unwrap_or(&c.key);
            format!("{}: {} → {}", safe(key), safe(&c.before), safe(&c.after))
        })
        .collect::<Vec<_>>()
        .join("; ")
}
