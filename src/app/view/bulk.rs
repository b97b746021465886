//! The bulk edits screen: the change form, the preview, the typed confirmation, a run's
//! progress, past runs and a run's journal. Lists are windowed: only visible rows are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Gauge, Paragraph, Row, Table, Wrap};

use crate::app::bulk_rows::{before_after, describe_change, kind_name};
use crate::app::keymap::{Context, KeyAction};
use crate::app::state::{AppState, BulkView, ChangeForm, ConfirmWhat, RunPhase};
use crate::app::update::{follow_cursor, scroll_offset};
use crate::bulk::{PlanKind, duration_text};
use crate::theme::Theme;

use super::widgets::{centered, safe, safe_owned, spinner, thousands};

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let [head, body, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_head(frame, head, state, theme);
    match state.bulk.view {
        BulkView::Form => draw_form(frame, body, state, theme),
        BulkView::Preview => draw_preview(frame, body, state, theme),
        BulkView::Run => draw_run(frame, body, state, theme),
        BulkView::Runs => draw_runs(frame, body, state, theme),
        BulkView::Journal => draw_journal(frame, body, state, theme),
    }
    draw_keys(frame, keys, state, theme);
    if let Some(form) = &state.bulk.form {
        draw_change_form(frame, area, state, form, theme);
    }
    if state.bulk.confirm.is_some() {
        draw_typed_confirm(frame, area, state, theme);
    }
}

fn draw_head(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let current = match state.bulk.view {
        BulkView::Form => 0,
        BulkView::Preview => 1,
        BulkView::Run => 2,
        BulkView::Runs | BulkView::Journal => 3,
    };
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
        && state.bulk.view != BulkView::Run
        && run.phase != RunPhase::Finished
    {
        spans.push(Span::styled(
            format!(
                "   run {}/{} {}",
                run.stats.done + run.stats.failed,
                run.users,
                phase_name(run.phase)
            ),
            theme.info,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The key line: what the current view's keys do, from the keymap.
fn draw_keys(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let mut pairs: Vec<(String, &str)> = Vec::new();
    /// Each action's first key (`?` lists them all); an action with no key in this mode
    /// (read-only) is left out.
    fn push(
        pairs: &mut Vec<(String, &'static str)>,
        state: &AppState,
        context: Context,
        entries: &[(KeyAction, &'static str)],
    ) {
        for &(action, label) in entries {
            let keys = state.keymap.keys_of(context, action);
            if let Some(k) = keys.split('/').next().filter(|k| !k.is_empty()) {
                pairs.push((k.to_string(), label));
            }
        }
    }
    use KeyAction::*;
    let bulk = &state.bulk;
    if bulk.confirm.is_some() {
        pairs.push(("Enter".into(), "confirm"));
        pairs.push(("Esc".into(), "cancel"));
    } else if let Some(form) = &bulk.form {
        match form {
            ChangeForm::Pick { .. } => pairs.push(("↑↓ Enter".into(), "pick")),
            ChangeForm::Value { .. } => pairs.push(("Enter".into(), "add the change")),
        }
        pairs.push(("Esc".into(), "cancel"));
    } else {
        match bulk.view {
            BulkView::Form => {
                let attributes = [
                    (BulkSetAttribute, "set attr"),
                    (BulkClearAttribute, "clear attr"),
                    (BulkSetField, "field"),
                ];
                push(&mut pairs, state, Context::Bulk, &attributes);
                let add = state.keymap.keys_of(Context::Bulk, BulkAddRole);
                let remove = state.keymap.keys_of(Context::Bulk, BulkRemoveRole);
                pairs.push((format!("{add}/{remove}"), "role"));
                let rest = [
                    (BulkDeleteChange, "remove"),
                    (BulkPreview, "preview"),
                    (PastRuns, "past runs"),
                ];
                push(&mut pairs, state, Context::Bulk, &rest);
            }
            BulkView::Preview => {
                push(
                    &mut pairs,
                    state,
                    Context::Bulk,
                    &[(BulkApply, "apply (asks)")],
                );
                pairs.push(("p".into(), "again"));
                pairs.push(("Esc".into(), "back to the changes"));
                push(&mut pairs, state, Context::Bulk, &[(PastRuns, "past runs")]);
            }
            BulkView::Run if bulk.running() => {
                let run = [(BulkPause, "pause/resume"), (BulkCancel, "cancel")];
                push(&mut pairs, state, Context::BulkRun, &run);
                pairs.push(("+/-".into(), "concurrency"));
                push(
                    &mut pairs,
                    state,
                    Context::BulkRun,
                    &[(PastRuns, "past runs")],
                );
            }
            BulkView::Run => {
                pairs.push(("Esc".into(), "new changes"));
                let past = [(PastRuns, "past runs (undo)")];
                push(&mut pairs, state, Context::BulkRun, &past);
            }
            BulkView::Runs => {
                let runs = [(Open, "journal"), (UndoRun, "undo"), (ResumeRun, "resume")];
                push(&mut pairs, state, Context::BulkRuns, &runs);
                pairs.push(("R".into(), "reload"));
                pairs.push(("Esc".into(), "back"));
            }
            BulkView::Journal => {
                let journal = [(UndoRun, "undo"), (ResumeRun, "resume")];
                push(&mut pairs, state, Context::BulkRuns, &journal);
                pairs.push(("Esc".into(), "back to past runs"));
            }
        }
    }
    let mut spans = vec![Span::raw(" ")];
    for (k, label) in pairs {
        spans.push(Span::styled(k, theme.key));
        spans.push(Span::styled(format!(" {label}  "), theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn read_only_line(theme: &Theme) -> Line<'static> {
    Line::from(Span::styled(
        " Read-only mode: bulk edits are disabled. Changes can be built and previewed, not applied.",
        theme.warn,
    ))
}

fn draw_form(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let mut lines = Vec::new();
    let marked = state.users.marks.len();
    if marked == 0 {
        lines.push(Line::from(Span::styled(
            " No users selected. On the users screen (1), Space selects a row, a every filtered user.",
            theme.warn,
        )));
    } else {
        lines.push(Line::from(vec![
            Span::raw(" Targets: "),
            Span::styled(
                format!("{} user(s)", thousands(marked as u64)),
                theme.marked,
            ),
            Span::styled(" selected on the users screen (1)", theme.muted),
        ]));
    }
    if state.read_only {
        lines.push(read_only_line(theme));
    }
    let top = wrapped_height(&lines, area.width);
    let [intro, list] =
        Layout::vertical([Constraint::Length(top), Constraint::Fill(1)]).areas(area);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), intro);
    let changes = &state.bulk.changes;
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(format!(" changes ({}) ", changes.len()));
    if changes.is_empty() {
        let text = vec![
            Line::from(" No changes yet. Add one:"),
            Line::from(vec![
                Span::styled("   a ", theme.key),
                Span::raw(" set a custom attribute     "),
                Span::styled(" x ", theme.key),
                Span::raw(" clear a custom attribute"),
            ]),
            Line::from(vec![
                Span::styled("   f ", theme.key),
                Span::raw(" set a user field           "),
                Span::styled(" + ", theme.key),
                Span::raw(" give a role"),
            ]),
            Line::from(vec![
                Span::styled("   - ", theme.key),
                Span::raw(" take a role away"),
            ]),
            Line::default(),
            Line::from(Span::styled(
                " Then p previews each selected user's before → after; nothing is written yet.",
                theme.muted,
            )),
        ];
        frame.render_widget(
            Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
            list,
        );
        return;
    }
    let inner = block.inner(list);
    frame.render_widget(block, list);
    let height = usize::from(inner.height);
    let start = follow_cursor(state.bulk.cursor, height.max(1));
    let lines: Vec<Line> = changes
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, c)| {
            let text = format!(" {}. {}", i + 1, safe(&describe_change(c, &state.roles)));
            if i == state.bulk.cursor {
                Line::from(Span::styled(text, theme.selected))
            } else {
                Line::from(text)
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_change_form(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    form: &ChangeForm,
    theme: &Theme,
) {
    match form {
        ChangeForm::Pick {
            kind,
            options,
            cursor,
        } => {
            let height = (options.len() as u16 + 2)
                .min(area.height.saturating_sub(4))
                .max(3);
            let rect = centered(area, 48, height);
            frame.render_widget(Clear, rect);
            let block = Block::default()
                .borders(Borders::ALL)
                .title(format!(" {} ", kind.title()))
                .style(theme.base)
                .border_style(theme.accent);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let rows = usize::from(inner.height).max(1);
            let start = follow_cursor(*cursor, rows);
            let lines: Vec<Line> = options
                .iter()
                .enumerate()
                .skip(start)
                .take(rows)
                .map(|(i, (_, label))| {
                    let text = format!(" {}", safe(label));
                    if i == *cursor {
                        Line::from(Span::styled(text, theme.selected))
                    } else {
                        Line::from(text)
                    }
                })
                .collect();
            frame.render_widget(Paragraph::new(lines), inner);
        }
        ChangeForm::Value { kind, name, input } => {
            let rect = centered(area, 60, 6);
            frame.render_widget(Clear, rect);
            let block = Block::default()
                .borders(Borders::ALL)
                .title(format!(" {}: {} ", kind.title(), safe(name)))
                .style(theme.base)
                .border_style(theme.accent);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let [label, field, note] = Layout::vertical([
                Constraint::Length(1),
                Constraint::Length(1),
                Constraint::Length(2),
            ])
            .areas(inner);
            frame.render_widget(
                Paragraph::new(format!(
                    " New value for {} selected user(s):",
                    state.users.marks.len()
                )),
                label,
            );
            let mut input = input.clone();
            input.set_style(theme.selected);
            input.set_cursor_line_style(theme.selected);
            frame.render_widget(&input, field);
            frame.render_widget(
                Paragraph::new(Span::styled(
                    " Enter adds the change · Esc cancels · empty text clears",
                    theme.muted,
                ))
                .wrap(Wrap { trim: false }),
                note,
            );
        }
    }
}

fn draw_preview(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(preview) = &state.bulk.preview else {
        let text = if state.bulk.planning {
            format!(
                " {} Planning: reading the values the console has not loaded…",
                spinner(state.spinner)
            )
        } else {
            " No preview: p makes one from the changes".to_string()
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.info)), area);
        return;
    };
    let ready = &preview.ready;
    let plan = &ready.plan;
    let conflicts: &[crate::bulk::Conflict] = match &ready.kind {
        PlanKind::Undo { conflicts, .. } => conflicts,
        PlanKind::Apply => &[],
    };
    let mut lines = Vec::new();
    if let PlanKind::Undo { of, .. } = &ready.kind {
        lines.push(Line::from(Span::styled(
            format!(
                " Undo of run {}: each user back to the value before the run",
                safe(of)
            ),
            theme.accent,
        )));
    }
    let skipped = match &ready.kind {
        PlanKind::Apply => format!("{} unchanged user(s) skipped", plan.unchanged.len()),
        PlanKind::Undo { .. } => format!("{} changed since, left alone", conflicts.len()),
    };
    lines.push(Line::from(vec![
        Span::raw(" "),
        Span::styled(
            format!("{} user(s)", thousands(plan.users.len() as u64)),
            theme.marked,
        ),
        Span::raw(format!(
            " to change · {} call(s) · {skipped}",
            thousands(plan.calls() as u64)
        )),
    ]));
    let budget = ready.budget.map_or_else(
        || "budget not reported yet".to_string(),
        |b| {
            format!(
                "budget {}/{}",
                thousands(b.remaining.into()),
                thousands(b.limit.into())
            )
        },
    );
    lines.push(Line::from(Span::styled(
        format!(
            " estimated {} at concurrency {} · {budget} · {} read call(s) made",
            duration_text(ready.estimate),
            ready.concurrency,
            ready.reads
        ),
        theme.muted,
    )));
    if state.read_only {
        lines.push(read_only_line(theme));
    }
    let top = wrapped_height(&lines, area.width);
    let [intro, table] =
        Layout::vertical([Constraint::Length(top), Constraint::Fill(1)]).areas(area);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), intro);
    let total = plan.users.len() + conflicts.len();
    if total == 0 {
        frame.render_widget(
            Paragraph::new(Span::styled(
                " Nothing to change: every user already has these values.",
                theme.ok,
            )),
            table,
        );
        return;
    }
    let height = usize::from(table.height.saturating_sub(1)).max(1);
    let start = scroll_offset(preview.offset, preview.cursor, height, total).min(total);
    let end = (start + height).min(total);
    let rows = (start..end).map(|i| {
        let row = if let Some(up) = plan.users.get(i) {
            let change = before_after(up)
                .iter()
                .map(|(k, b, a)| format!("{}: {} → {}", short_key(k), safe(b), safe(a)))
                .collect::<Vec<_>>()
                .join("; ");
            Row::new(vec![
                Cell::from(up.id.to_string()),
                Cell::from(safe_owned(&up.label)),
                Cell::from(change),
            ])
        } else {
            let c = &conflicts[i - plan.users.len()];
            Row::new(vec![
                Cell::from(c.id.to_string()),
                Cell::from(safe_owned(&c.label)),
                Cell::from(format!("left alone: {}", safe(&c.reason))),
            ])
            .style(theme.warn)
        };
        if i == preview.cursor {
            row.style(theme.selected)
        } else {
            row
        }
    });
    let widths = [
        Constraint::Length(8),
        Constraint::Percentage(35),
        Constraint::Fill(1),
    ];
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(["id", "user", "before → after"]).style(theme.header))
            .column_spacing(1),
        table,
    );
}

/// `custom_attributes.AWS_Role` → `AWS_Role`: the column is narrow.
fn short_key(key: &str) -> String {
    safe_owned(key.strip_prefix("custom_attributes.").unwrap_or(key))
}

fn draw_typed_confirm(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(confirm) = &state.bulk.confirm else {
        return;
    };
    let verb = match (
        &confirm.what,
        state.bulk.preview.as_ref().map(|p| &p.ready.kind),
    ) {
        (ConfirmWhat::Resume { run, .. }, _) => format!("Resume run {}", safe(run)),
        (_, Some(PlanKind::Undo { of, .. })) => format!("Undo run {}", safe(of)),
        _ => "Apply the changes".to_string(),
    };
    let rect = centered(area, 64, 9);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" confirm · Esc cancels ")
        .style(theme.base)
        .border_style(theme.warn);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [text, field, error] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    let lines = vec![
        Line::from(vec![
            Span::raw(format!(" {verb}: ")),
            Span::styled(format!("{} user(s)", confirm.users), theme.marked),
        ]),
        Line::from(format!(
            " on profile `{}` (tenant {})",
            safe(&state.tenant.profile),
            safe(&state.tenant.address())
        )),
        Line::default(),
        Line::from(vec![
            Span::raw(" Type "),
            Span::styled(
                confirm.users.to_string(),
                theme.accent.add_modifier(Modifier::BOLD),
            ),
            Span::raw(" and Enter to confirm; Esc cancels:"),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines), text);
    let [_, input_area] =
        Layout::horizontal([Constraint::Length(1), Constraint::Length(12)]).areas(field);
    let mut input = confirm.input.clone();
    input.set_style(theme.selected);
    input.set_cursor_line_style(theme.selected);
    frame.render_widget(&input, input_area);
    if let Some(e) = &confirm.error {
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {e}"), theme.error)).wrap(Wrap { trim: false }),
            error,
        );
    }
}

fn phase_name(phase: RunPhase) -> &'static str {
    match phase {
        RunPhase::Starting => "starting",
        RunPhase::Running => "running",
        RunPhase::Paused => "paused",
        RunPhase::Cancelling => "cancelling",
        RunPhase::Finished => "finished",
    }
}

fn draw_run(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(run) = &state.bulk.run else {
        frame.render_widget(Paragraph::new(" No run yet"), area);
        return;
    };
    let s = &run.stats;
    let [title, gauge, counters, note, failures] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Fill(1),
    ])
    .areas(area);
    let phase_style = match run.phase {
        RunPhase::Paused | RunPhase::Cancelling => theme.warn,
        RunPhase::Finished => theme.ok,
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
                phase_name(run.phase),
                phase_style.add_modifier(Modifier::BOLD),
            ),
        ])),
        title,
    );
    let settled = s.done + s.failed;
    let ratio = if run.users == 0 {
        if run.phase == RunPhase::Finished {
            1.0
        } else {
            0.0
        }
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
        .filter(|_| s.remaining > 0 && run.phase != RunPhase::Finished)
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
    let mut notes = Vec::new();
    match &run.end {
        Some(Ok(end)) => {
            notes.push(Line::from(Span::styled(
                format!(
                    " {} done, {} failed, {} not done · {} call(s) in {}{}",
                    end.done,
                    end.failed,
                    end.not_done,
                    end.calls_sent,
                    duration_text(end.elapsed),
                    if end.stopped {
                        " · stopped: r on past runs resumes it"
                    } else {
                        ""
                    }
                ),
                if end.failed + end.not_done > 0 {
                    theme.warn
                } else {
                    theme.ok
                },
            )));
            notes.push(Line::from(Span::styled(
                format!(" journal: {}", safe(&end.journal.display().to_string())),
                theme.muted,
            )));
        }
        Some(Err(e)) => notes.push(Line::from(Span::styled(
            format!(" The run did not start: {}", safe(&e.to_string())),
            theme.error,
        ))),
        None => {
            if let Some(w) = &run.waiting {
                notes.push(Line::from(Span::styled(
                    format!(" {}", safe(w)),
                    theme.warn,
                )));
            }
        }
    }
    frame.render_widget(Paragraph::new(notes), note);
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(format!(" failures ({}) ", run.failures.len()));
    let inner = block.inner(failures);
    frame.render_widget(block, failures);
    let height = usize::from(inner.height);
    let start = run.offset.min(run.failures.len().saturating_sub(height));
    let lines: Vec<Line> = run
        .failures
        .iter()
        .skip(start)
        .take(height)
        .map(|(id, label, message)| {
            Line::from(vec![
                Span::raw(format!(" {id} {}: ", safe(label))),
                Span::styled(safe_owned(message), theme.error),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// RFC 3339 UTC → "2025-01-02 10:11 UTC".
fn when(created: &str) -> String {
    let t = created.replace('T', " ");
    match t.get(..16) {
        Some(short) => format!("{short} UTC"),
        None => t,
    }
}

fn draw_runs(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let bulk = &state.bulk;
    let [info, table] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let unfinished = bulk.runs.iter().filter(|r| !r.finished).count();
    let text = if bulk.runs_loading && bulk.runs.is_empty() {
        format!(" {} reading the journal folder…", spinner(state.spinner))
    } else if state.read_only {
        format!(
            " {} run(s), {unfinished} unfinished · read-only: undo and resume are disabled",
            bulk.runs.len()
        )
    } else {
        format!(
            " {} run(s), {unfinished} unfinished, newest first",
            bulk.runs.len()
        )
    };
    frame.render_widget(Paragraph::new(Span::styled(text, theme.muted)), info);
    if bulk.runs.is_empty() {
        if !bulk.runs_loading {
            frame.render_widget(
                Paragraph::new(Span::styled(" No runs yet.", theme.muted)),
                table,
            );
        }
        return;
    }
    let height = usize::from(table.height.saturating_sub(1)).max(1);
    let start = scroll_offset(bulk.runs_offset, bulk.runs_cursor, height, bulk.runs.len())
        .min(bulk.runs.len());
    let end = (start + height).min(bulk.runs.len());
    let rows = bulk.runs[start..end].iter().enumerate().map(|(i, r)| {
        let state_text = if r.finished { "finished" } else { "unfinished" };
        let kind = match &r.undo_of {
            Some(_) => "undo",
            None => kind_name(r.kind),
        };
        let mut row = Row::new(vec![
            Cell::from(when(&r.created)),
            Cell::from(kind),
            Cell::from(r.users.to_string()),
            Cell::from(format!("{}/{}", r.done, r.failed)),
            Cell::from(Span::styled(
                state_text,
                if r.finished { theme.base } else { theme.warn },
            )),
            Cell::from(safe_owned(&r.run)),
        ]);
        if start + i == bulk.runs_cursor {
            row = row.style(theme.selected);
        }
        row
    });
    let widths = [
        Constraint::Length(20),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Length(10),
        Constraint::Fill(1),
    ];
    frame.render_widget(
        Table::new(rows, widths)
            .header(
                Row::new(["started", "kind", "users", "done/fail", "state", "run"])
                    .style(theme.header),
            )
            .column_spacing(1),
        table,
    );
}

fn draw_journal(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(journal) = &state.bulk.journal else {
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!(" {} reading the journal…", spinner(state.spinner)),
                theme.info,
            )),
            area,
        );
        return;
    };
    let [info, table] = Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(area);
    let lines = vec![
        Line::from(vec![
            Span::raw(format!(
                " Run {} · {} · {} · ",
                safe(&journal.run),
                safe(&journal.kind),
                when(&journal.created)
            )),
            Span::styled(
                if journal.finished {
                    "finished"
                } else {
                    "unfinished"
                },
                if journal.finished {
                    theme.ok
                } else {
                    theme.warn
                },
            ),
        ]),
        Line::from(Span::styled(
            format!(
                " {} user(s){}",
                journal.rows.len(),
                if journal.conflicts.is_empty() {
                    String::new()
                } else {
                    format!(
                        " · {} left alone (changed since the run undone)",
                        journal.conflicts.len()
                    )
                }
            ),
            theme.muted,
        )),
    ];
    frame.render_widget(Paragraph::new(lines), info);
    let total = journal.rows.len() + journal.conflicts.len();
    let height = usize::from(table.height.saturating_sub(1)).max(1);
    let start = scroll_offset(journal.offset, journal.cursor, height, total).min(total);
    let end = (start + height).min(total);
    let rows = (start..end).map(|i| {
        let row = if let Some(r) = journal.rows.get(i) {
            let change = r
                .changes
                .iter()
                .map(|(k, b, a)| format!("{}: {} → {}", short_key(k), safe(b), safe(a)))
                .collect::<Vec<_>>()
                .join("; ");
            let style = if r.status == "done" {
                theme.ok
            } else if r.status.starts_with("failed") {
                theme.error
            } else {
                theme.warn
            };
            Row::new(vec![
                Cell::from(r.id.to_string()),
                Cell::from(safe_owned(&r.label)),
                Cell::from(Span::styled(safe_owned(&r.status), style)),
                Cell::from(change),
            ])
        } else {
            let (id, label, reason) = &journal.conflicts[i - journal.rows.len()];
            Row::new(vec![
                Cell::from(id.to_string()),
                Cell::from(safe_owned(label)),
                Cell::from(Span::styled("left alone", theme.warn)),
                Cell::from(safe_owned(reason)),
            ])
        };
        if i == journal.cursor {
            row.style(theme.selected)
        } else {
            row
        }
    });
    let widths = [
        Constraint::Length(7),
        Constraint::Percentage(28),
        Constraint::Length(12),
        Constraint::Fill(1),
    ];
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(["id", "user", "status", "before → after"]).style(theme.header))
            .column_spacing(1),
        table,
    );
}

/// Rows `lines` take once wrapped at `width`.
fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    lines
        .iter()
        .map(|l| l.width().div_ceil(width).max(1))
        .sum::<usize>()
        .try_into()
        .unwrap_or(u16::MAX)
}
