//! The users screen: search line, the windowed table, load progress.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, LineGauge, Paragraph, Row, Table};

use crate::app::columns::{Column, ColumnSpec, Field};
use crate::app::keymap::{Context, KeyAction};
use crate::app::layout;
use crate::app::modal::InputFor;
use crate::app::state::{AppState, LoadAll};
use crate::app::users_table::cell;
use crate::bulk::{Size, duration_text};
use crate::theme::Theme;

use super::widgets::{key, safe, safe_owned, spinner};

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let [info, table] = layout::info_and_list(area);
    draw_info(frame, info, state, theme);
    let users = &state.users;
    if users.rows.is_empty() {
        let text = if let Some(error) = &users.error {
            Line::from(Span::styled(
                format!(" {}", safe(&error.to_string())),
                theme.error,
            ))
        } else if users.loading {
            Line::from(Span::styled(
                format!(" {} loading users…", spinner(state.spinner)),
                theme.muted,
            ))
        } else if !users.filter.is_empty() {
            Line::from(Span::styled(
                format!(
                    " no loaded user matches the filter ({} clears it)",
                    key(&state.keymap, Context::Global, KeyAction::Dismiss)
                ),
                theme.muted,
            ))
        } else {
            Line::from(Span::styled(" no users match this search", theme.muted))
        };
        frame.render_widget(Paragraph::new(text), table);
        return;
    }
    let columns = &state.columns;
    let header = Row::new(
        std::iter::once(Cell::from(" ")).chain(columns.iter().map(|spec| {
            // An attribute's shortname comes from the tenant: made safe like a cell.
            let mut title = safe_owned(spec.column.title());
            if let Some((_, ascending)) = users.sort.as_ref().filter(|(s, _)| *s == spec.column) {
                title.push_str(if *ascending { " ▲" } else { " ▼" });
            }
            Cell::from(title)
        })),
    )
    .style(theme.header);
    // Build only the rows that fit: the table's cost stays flat however many users are loaded.
    let window = users
        .list
        .window(users.rows.len(), layout::rows_under_header(table));
    let start = window.start;
    let rows = users.rows[window].iter().enumerate().map(|(i, &index)| {
        let user = &users.all[index];
        let marked = users.list.is_marked(&user.id);
        let mut cells = vec![Cell::from(if marked { "*" } else { " " })];
        cells.extend(
            columns
                .iter()
                .map(|c| Cell::from(safe_owned(&cell(user, &c.column)))),
        );
        let mut style = if marked { theme.marked } else { theme.base };
        if start + i == users.list.cursor() {
            style = style.patch(theme.selected);
        }
        Row::new(cells).style(style)
    });
    let widths = widths(columns, table.width);
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        table,
    );
}

/// A fixed width where the column has one; else ids and codes narrow, text sharing the room.
fn widths(columns: &[ColumnSpec], width: u16) -> Vec<Constraint> {
    // "Password pending" fits at 120 columns; at 80 the department needs the room more.
    let status = if width >= 100 { 16 } else { 11 };
    std::iter::once(Constraint::Length(1))
        .chain(columns.iter().map(|spec| match (spec.width, &spec.column) {
            (Some(w), _) => Constraint::Length(w),
            (None, Column::Field(Field::Id)) => Constraint::Length(8),
            (None, Column::Field(Field::Name)) => Constraint::Fill(3),
            (None, Column::Field(Field::Email)) => Constraint::Fill(4),
            (None, Column::Field(Field::Status)) => Constraint::Length(status),
            (None, Column::Field(Field::State)) => Constraint::Length(11),
            (None, Column::Field(f)) if f.numeric() => Constraint::Length(9),
            (None, _) => Constraint::Fill(2),
        }))
        .collect()
}

/// The line above the table: the input being typed, or what is shown and how much is loaded.
fn draw_info(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let users = &state.users;
    let filter = state.modals.input(&InputFor::UsersFilter);
    let search = state.modals.input(&InputFor::UsersSearch);
    let prompt = match (filter, search) {
        (Some(input), _) => Some(("/", input)),
        (None, Some(input)) => Some(("search ", input)),
        (None, None) => None,
    };
    if let Some((label, input)) = prompt {
        let [l, field] = Layout::horizontal([
            Constraint::Length(label.len() as u16 + 1),
            Constraint::Fill(1),
        ])
        .areas(area);
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {label}"), theme.key)),
            l,
        );
        frame.render_widget(&input.text, field);
        return;
    }
    if users.load != LoadAll::Off {
        draw_load_all(frame, area, state, theme);
        return;
    }
    let mut spans = vec![Span::styled(
        format!(" {} of {} users", users.rows.len(), users.all.len()),
        theme.base,
    )];
    if users.loading {
        spans.push(Span::styled(
            format!(
                "  {} loading page {}…",
                spinner(state.spinner),
                users.pages + 1
            ),
            theme.info,
        ));
    } else if users.complete {
        spans.push(Span::styled("  (all loaded)", theme.muted));
    } else if users.next_cursor.is_some() {
        spans.push(Span::styled(
            format!(
                "  (more: {} loads all)",
                key(&state.keymap, Context::Users, KeyAction::LoadAll)
            ),
            theme.muted,
        ));
    }
    if !users.search.is_empty() {
        spans.push(Span::styled(
            format!("  search: {}", safe(&users.search)),
            theme.accent,
        ));
    }
    if !users.filter.is_empty() {
        spans.push(Span::styled(
            format!("  filter: /{}", safe(&users.filter)),
            theme.accent,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// `L` at work: "12,350 of 100,000" and a gauge where API /2 told the total, else the
/// count and how far through the search's id range the pages have come (pages arrive in
/// id order; one call told the highest id); the time left as the pacer told it.
fn draw_load_all(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let users = &state.users;
    let LoadAll::Loading { size, eta } = users.load else {
        let text = format!(
            " {} measuring the search before loading every page…",
            spinner(state.spinner)
        );
        frame.render_widget(Paragraph::new(Span::styled(text, theme.info)), area);
        return;
    };
    let listed = users.listed();
    let count = match size {
        Size::Total(_) => format!(" {} ", size.progress_text(listed)),
        Size::LastId(_) => format!(" {}, page {} ", size.progress_text(listed), users.pages + 1),
    };
    let [text, gauge] = Layout::horizontal([
        Constraint::Length(count.len() as u16 + 2),
        Constraint::Fill(1),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(Span::styled(
            format!("{}{count}", spinner(state.spinner)),
            theme.info,
        )),
        text,
    );
    let Some(ratio) = size.ratio(listed) else {
        frame.render_widget(
            Paragraph::new(Span::styled("loading every page…", theme.muted)),
            gauge,
        );
        return;
    };
    let mut label = format!("{:>3.0}% loaded", ratio * 100.0);
    if let Some((eta, told)) = eta {
        let gone = told.map_or(Duration::ZERO, |t| state.now.saturating_duration_since(t));
        let left = eta.saturating_sub(gone);
        label.push_str(&format!(" · {} left", duration_text(left)));
    }
    let widget = LineGauge::default()
        .ratio(ratio)
        .label(label)
        .filled_style(theme.gauge)
        .unfilled_style(theme.muted);
    frame.render_widget(widget, gauge);
}
