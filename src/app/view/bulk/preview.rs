//! The preview: each user's before → after (an undo's users left alone after them), with
//! the totals, the estimate and the budget above.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::app::bulk_rows::before_after;
use crate::app::keymap::{Context, KeyAction};
use crate::app::layout;
use crate::app::state::AppState;
use crate::bulk::{PlanKind, duration_text};
use crate::theme::Theme;

use super::super::widgets::{key, safe, safe_owned, spinner, thousands};
use super::{changes_cell, read_only_line};

pub(super) fn draw_planning(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let text = format!(
        " {} Planning: reading the users' current values… ({} goes back)",
        spinner(state.spinner),
        key(&state.keymap, Context::Global, KeyAction::Dismiss)
    );
    frame.render_widget(Paragraph::new(Span::styled(text, theme.info)), area);
}

pub(super) fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(view) = state.bulk.flow.preview() else {
        return;
    };
    let preview = &view.preview;
    let plan = &preview.plan;
    let conflicts = view.conflicts();
    let undo = matches!(preview.kind, PlanKind::Undo { .. });
    let [intro, table] = layout::bulk_preview(area, undo, state.read_only);
    let mut lines = Vec::new();
    if let PlanKind::Undo { of, .. } = &preview.kind {
        lines.push(Line::from(Span::styled(
            format!(
                " Undo of run {}: each user back to the value before the run",
                safe(of)
            ),
            theme.accent,
        )));
    }
    let skipped = match &preview.kind {
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
    let budget = preview.budget.map_or_else(
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
            " estimated {} at concurrency {} · {budget} · {} call(s) made to plan",
            duration_text(preview.estimate),
            preview.concurrency,
            preview.reads
        ),
        theme.muted,
    )));
    let sends: Vec<String> = plan
        .call_summary()
        .iter()
        .map(|(call, n)| format!("{} × {call}", thousands(*n as u64)))
        .collect();
    lines.push(Line::from(Span::styled(
        format!(" sends: {}", sends.join(" · ")),
        theme.muted,
    )));
    if state.read_only {
        lines.push(read_only_line(theme));
    }
    frame.render_widget(Paragraph::new(lines), intro);
    let total = view.rows();
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
    let window = view.list.window(total, layout::rows_under_header(table));
    let rows = window.map(|i| {
        let row = if let Some(up) = plan.users.get(i) {
            let change = changes_cell(&before_after(up));
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
        if i == view.list.cursor() {
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
