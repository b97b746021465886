//! Past runs, and one run's journal: each user's status and before → after.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::app::bulk_rows::{JournalView, kind_name};
use crate::app::layout;
use crate::app::state::AppState;
use crate::bulk::UserStatus;
use crate::theme::Theme;

use super::super::widgets::{safe, safe_owned, spinner};
use super::changes_cell;

/// "2025-01-02 10:11 UTC".
fn when(created: &DateTime<Utc>) -> String {
    created.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub(super) fn draw_runs(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let runs = &state.bulk.runs;
    let [info, table] = layout::bulk_runs(area);
    let unfinished = runs.rows.iter().filter(|r| !r.finished).count();
    let text = if runs.loading && runs.rows.is_empty() {
        format!(" {} reading the journal folder…", spinner(state.spinner))
    } else if state.read_only {
        format!(
            " {} run(s), {unfinished} unfinished · read-only: undo and resume are disabled",
            runs.rows.len()
        )
    } else {
        format!(
            " {} run(s), {unfinished} unfinished, newest first",
            runs.rows.len()
        )
    };
    frame.render_widget(Paragraph::new(Span::styled(text, theme.muted)), info);
    if runs.rows.is_empty() {
        if !runs.loading {
            frame.render_widget(
                Paragraph::new(Span::styled(" No runs yet.", theme.muted)),
                table,
            );
        }
        return;
    }
    let window = runs
        .list
        .window(runs.rows.len(), layout::rows_under_header(table));
    let start = window.start;
    let rows = runs.rows[window].iter().enumerate().map(|(i, r)| {
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
        if start + i == runs.list.cursor() {
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

/// A user's status as the journal view words it.
fn status_text(status: &UserStatus) -> String {
    match status {
        UserStatus::Done => "done".into(),
        UserStatus::Failed(e) => format!("failed: {e}"),
        UserStatus::Unconfirmed => "sent, no answer recorded".into(),
        UserStatus::Partly => "partly done".into(),
        UserStatus::NotSent => "not sent".into(),
    }
}

pub(super) fn draw_journal(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    journal: &Option<Box<JournalView>>,
    theme: &Theme,
) {
    let Some(journal) = journal else {
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!(" {} reading the journal…", spinner(state.spinner)),
                theme.info,
            )),
            area,
        );
        return;
    };
    let [info, table] = layout::bulk_journal(area);
    let kind = match &journal.undo_of {
        Some(of) => format!("undo of {of}"),
        None => kind_name(journal.kind).to_string(),
    };
    let (finished, finished_style) = if journal.finished {
        ("finished", theme.ok)
    } else {
        ("unfinished", theme.warn)
    };
    let left_alone = if journal.conflicts.is_empty() {
        String::new()
    } else {
        format!(
            " · {} left alone (changed since the run undone)",
            journal.conflicts.len()
        )
    };
    let lines = vec![
        Line::from(vec![
            Span::raw(format!(
                " Run {} · {} · {} · ",
                safe(&journal.run),
                safe(&kind),
                when(&journal.created)
            )),
            Span::styled(finished, finished_style),
        ]),
        Line::from(Span::styled(
            format!(" {} user(s){left_alone}", journal.rows.len()),
            theme.muted,
        )),
    ];
    frame.render_widget(Paragraph::new(lines), info);
    let total = journal.rows.len() + journal.conflicts.len();
    let window = journal.list.window(total, layout::rows_under_header(table));
    let rows = window.map(|i| {
        let row = if let Some(r) = journal.rows.get(i) {
            let change = changes_cell(&r.changes);
            let style = match r.status {
                UserStatus::Done => theme.ok,
                UserStatus::Failed(_) => theme.error,
                _ => theme.warn,
            };
            Row::new(vec![
                Cell::from(r.id.to_string()),
                Cell::from(safe_owned(&r.label)),
                Cell::from(Span::styled(safe_owned(&status_text(&r.status)), style)),
                Cell::from(change),
            ])
        } else {
            let c = &journal.conflicts[i - journal.rows.len()];
            Row::new(vec![
                Cell::from(c.id.to_string()),
                Cell::from(safe_owned(&c.label)),
                Cell::from(Span::styled("left alone", theme.warn)),
                Cell::from(safe_owned(&c.reason)),
            ])
        };
        if i == journal.list.cursor() {
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
