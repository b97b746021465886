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
use crate::bulk::{Conflict, PlanKind, duration_text};
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
    let heading = view.heading();
    let cannot_undo = view.cannot_undo();
    let [intro, table] = layout::bulk_preview(
        area,
        heading.is_some(),
        cannot_undo.is_some(),
        state.read_only,
    );
    let mut lines = Vec::new();
    if let Some(text) = heading {
        lines.push(Line::from(Span::styled(
            format!(" {}", safe(text)),
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
    let sends = if sends.is_empty() {
        "nothing".to_string()
    } else {
        sends.join(" · ")
    };
    lines.push(Line::from(Span::styled(
        format!(" sends: {sends}"),
        theme.muted,
    )));
    if let Some(text) = cannot_undo {
        lines.push(Line::from(Span::styled(format!(" ⚠ {text}"), theme.warn)));
    }
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
    // After the users changed: an undo's users left alone, then those not restored.
    let others: Vec<(&Conflict, &str)> = conflicts
        .iter()
        .map(|c| (c, "left alone"))
        .chain(view.not_restored().iter().map(|c| (c, "not restored")))
        .collect();
    let window = view.list.window(total, layout::rows_under_header(table));
    let rows = window.filter_map(|i| {
        let row = if let Some(up) = plan.users.get(i) {
            let change = changes_cell(&before_after(up));
            Row::new(vec![
                Cell::from(up.id.to_string()),
                Cell::from(safe_owned(&up.label)),
                Cell::from(change),
            ])
        } else {
            let (c, what) = others.get(i - plan.users.len()).copied()?;
            Row::new(vec![
                Cell::from(c.id.to_string()),
                Cell::from(safe_owned(&c.label)),
                Cell::from(format!("{what}: {}", safe(&c.reason))),
            ])
            .style(theme.warn)
        };
        Some(if i == view.list.cursor() {
            row.style(theme.selected)
        } else {
            row
        })
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
