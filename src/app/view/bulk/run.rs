//! A run: its gauge, counters, notes, and the users it could not change.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph};

use crate::app::bulk_flow::{RunPhase, RunView};
use crate::app::keymap::{Context, KeyAction};
use crate::app::layout;
use crate::app::state::AppState;
use crate::bulk::duration_text;
use crate::theme::Theme;

use super::super::widgets::{key, safe, safe_owned};
use super::super::words::failure_text;
use super::phase_name;

pub(super) fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(run) = &state.bulk.run else {
        frame.render_widget(Paragraph::new(" No run yet"), area);
        return;
    };
    let s = &run.stats;
    let [title, gauge, counters, note, failures] = layout::bulk_run(area);
    let phase_style = match run.phase {
        RunPhase::Paused | RunPhase::Cancelling => theme.warn,
        RunPhase::Finished(_) => theme.ok,
        _ => theme.info,
    };
    let id = run
        .run
        .as_deref()
        .map_or_else(String::new, |r| format!(" {}", safe(r)));
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw(format!(
                " Run{id} · {} · {} user(s) · {} call(s) · ",
                safe(&run.title),
                run.users,
                run.calls
            )),
            Span::styled(
                phase_name(&run.phase),
                phase_style.add_modifier(Modifier::BOLD),
            ),
        ])),
        title,
    );
    let settled = s.done + s.failed;
    let ratio = if run.users == 0 {
        if run.going() { 0.0 } else { 1.0 }
    } else {
        (settled as f64 / run.users as f64).clamp(0.0, 1.0)
    };
    let [_, gauge_area, _] = Layout::horizontal([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(gauge);
    frame.render_widget(
        Gauge::default()
            .gauge_style(theme.gauge)
            .ratio(ratio)
            .label(format!("{settled}/{} users", run.users)),
        gauge_area,
    );
    let eta = s
        .eta
        .filter(|_| s.remaining > 0 && run.going())
        .map_or_else(|| "-".to_string(), duration_text);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!(" done {}", s.done), theme.ok),
            Span::raw(" · "),
            Span::styled(
                format!("failed {}", s.failed),
                if s.failed > 0 {
                    theme.error
                } else {
                    theme.base
                },
            ),
            Span::raw(format!(
                " · remaining {} · {:.0} calls/min · ETA {eta} · concurrency {}",
                s.remaining,
                s.calls_per_minute,
                s.concurrency.max(1)
            )),
        ])),
        counters,
    );
    frame.render_widget(Paragraph::new(notes(run, state, theme)), note);
    draw_failures(frame, failures, run, theme);
}

/// Under the counters: how it ended and where the journal is, or what it waits for.
fn notes(run: &RunView, state: &AppState, theme: &Theme) -> Vec<Line<'static>> {
    match &run.phase {
        RunPhase::Finished(Ok(end)) => {
            let stopped = if end.stopped {
                format!(
                    " · stopped: {} on past runs resumes it",
                    key(&state.keymap, Context::BulkRuns, KeyAction::ResumeRun)
                )
            } else {
                String::new()
            };
            vec![
                Line::from(Span::styled(
                    format!(
                        " {} done, {} failed, {} not done · {} call(s) in {}{stopped}",
                        end.done,
                        end.failed,
                        end.not_done,
                        end.calls_sent,
                        duration_text(end.elapsed),
                    ),
                    if end.complete() { theme.ok } else { theme.warn },
                )),
                Line::from(Span::styled(
                    format!(" journal: {}", safe(&end.journal.display().to_string())),
                    theme.muted,
                )),
            ]
        }
        RunPhase::Finished(Err(e)) => vec![Line::from(Span::styled(
            format!(
                " The run did not start: {}",
                safe(&failure_text(&crate::app::message::Failure::Bulk(
                    e.clone()
                )))
            ),
            theme.error,
        ))],
        _ => run
            .waiting
            .iter()
            .map(|w| {
                Line::from(Span::styled(
                    format!(" waiting {}: {}", duration_text(w.wait), safe(&w.reason)),
                    theme.warn,
                ))
            })
            .collect(),
    }
}

fn draw_failures(frame: &mut Frame, area: Rect, run: &RunView, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(format!(" failures ({}) ", run.failures.len()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let window = run
        .list
        .window(run.failures.len(), layout::rows_under_header(area));
    let start = window.start;
    let lines: Vec<Line> = run.failures[window]
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let line = Line::from(vec![
                Span::raw(format!(" {} {}: ", f.id, safe(&f.label))),
                Span::styled(safe_owned(&f.message), theme.error),
            ]);
            if start + i == run.list.cursor() {
                line.style(theme.selected)
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
