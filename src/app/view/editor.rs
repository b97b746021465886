//! The user editor: every field and custom attribute, pending changes marked, inline editing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table};

use crate::api::{state_name, status_name};
use crate::app::editor_rows::{current_value, editor_rows, is_editable};
use crate::app::keymap::{Context, KeyAction};
use crate::app::layout;
use crate::app::modal::{InputFor, Modal};
use crate::app::state::{AppState, EditorState, Pending, RowKey};
use crate::app::user_view::Section;
use crate::theme::Theme;

use super::user_view;
use super::widgets::{key, safe, safe_owned, spinner};

const LABEL_WIDTH: u16 = 24;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(editor) = state.editor.as_ref() else {
        return;
    };
    let [info, sections, table] = layout::user_view(area);
    user_view::draw_sections(frame, sections, state, editor, theme);
    if editor.section != Section::Fields {
        user_view::draw(frame, info, table, state, editor, theme);
        return;
    }
    draw_info(frame, info, state, editor, theme);
    let Some(user) = editor.user.as_ref() else {
        let text = match &editor.error {
            Some(e) => Span::styled(format!(" {}", safe(&e.to_string())), theme.error),
            None => Span::styled(
                format!(" {} loading user {}…", spinner(state.spinner), editor.id),
                theme.muted,
            ),
        };
        frame.render_widget(Paragraph::new(text), table);
        return;
    };
    let rows = editor_rows(state);
    let window = editor
        .list
        .window(rows.len(), layout::rows_under_header(table));
    let (start, end) = (window.start, window.end);
    let header = Row::new(vec![
        Cell::from(" "),
        Cell::from("field"),
        Cell::from("value"),
    ])
    .style(theme.header);
    let body = rows[start..end].iter().enumerate().map(|(i, key)| {
        let current = current_value(
            user,
            editor.roles.as_deref(),
            key,
            &state.groups,
            &state.roles,
        );
        let editable = is_editable(key, state.user_update);
        let pending = editor.pending.get(key);
        let marker = if pending.is_some() { "*" } else { " " };
        let label = match key {
            RowKey::Attribute(name) if !state.fields.contains(name) => {
                format!("{name} (not on tenant)")
            }
            RowKey::Attribute(name) => format!("{name} (custom)"),
            other => other.label(),
        };
        let value = match pending {
            Some(p) => {
                let new = pending_text(p, state);
                let new = if new.is_empty() {
                    "(cleared)".to_string()
                } else {
                    safe_owned(&new)
                };
                Line::from(vec![
                    Span::styled(
                        safe_owned(&current),
                        theme.muted.add_modifier(Modifier::CROSSED_OUT),
                    ),
                    Span::styled(" → ", theme.muted),
                    Span::styled(new, theme.changed),
                ])
            }
            None => Line::from(Span::raw(safe_owned(&decorate(key, &current, user)))),
        };
        let mut style = if editable { theme.base } else { theme.muted };
        if start + i == editor.list.cursor() {
            style = style.patch(theme.selected);
        }
        Row::new(vec![
            Cell::from(marker),
            Cell::from(label),
            Cell::from(value),
        ])
        .style(style)
    });
    let widths = [
        Constraint::Length(1),
        Constraint::Length(LABEL_WIDTH),
        Constraint::Fill(1),
    ];
    frame.render_widget(
        Table::new(body, widths).header(header).column_spacing(1),
        table,
    );

    // The value being typed sits over its row's value cell.
    let cursor = editor.list.cursor();
    if let Some(input) = editing(state)
        && cursor >= start
        && cursor < end
    {
        let y = table.y + 1 + u16::try_from(cursor - start).unwrap_or(0);
        let x = table.x + 1 + 1 + LABEL_WIDTH + 1;
        let rect = Rect {
            x,
            y,
            width: table.width.saturating_sub(x - table.x),
            height: 1,
        };
        frame.render_widget(Clear, rect);
        frame.render_widget(input, rect);
    }
}

/// The value being typed, if a row is being edited.
fn editing(state: &AppState) -> Option<&ratatui_textarea::TextArea<'static>> {
    state.modals.iter().find_map(|m| match m {
        Modal::Input(input) if matches!(input.purpose, InputFor::EditValue(_)) => Some(&input.text),
        _ => None,
    })
}

/// Status and state are numbers on the wire; show their names beside them.
fn decorate(key: &RowKey, value: &str, _user: &crate::api::User) -> String {
    match (key, value.parse::<i64>()) {
        (RowKey::Field("status"), Ok(n)) => format!("{n} ({})", status_name(n)),
        (RowKey::Field("state"), Ok(n)) => format!("{n} ({})", state_name(n)),
        _ => value.to_string(),
    }
}

fn pending_text(pending: &Pending, state: &AppState) -> String {
    match pending {
        Pending::Text(text) => text.clone(),
        Pending::Group(None) => String::new(),
        Pending::Group(Some(id)) => state
            .groups
            .iter()
            .find(|g| g.id == *id)
            .map_or_else(|| id.to_string(), |g| g.name.clone()),
        Pending::Roles(ids) => ids
            .iter()
            .map(|id| {
                state
                    .roles
                    .iter()
                    .find(|r| r.id == *id)
                    .map_or_else(|| id.to_string(), |r| r.name.clone())
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn draw_info(frame: &mut Frame, area: Rect, state: &AppState, editor: &EditorState, theme: &Theme) {
    let keys = |action| state.keymap.keys_of(Context::Editor, action);
    let mut spans = super::user_view::user_heading(editor, theme);
    if !editor.pending.is_empty() {
        spans.push(Span::styled(
            format!("  {} unsaved", editor.pending.len()),
            theme.changed,
        ));
    }
    if !editor.saving.is_empty() {
        spans.push(Span::styled(
            format!("  {} saving…", spinner(state.spinner)),
            theme.info,
        ));
    }
    if editing(state).is_some() {
        let k = |action| key(&state.keymap, Context::Input, action);
        spans.push(Span::styled(
            format!(
                "  {} keeps · {} cancels · {} keeps and saves",
                k(KeyAction::Commit),
                k(KeyAction::Cancel),
                key(&state.keymap, Context::Editor, KeyAction::Save)
            ),
            theme.muted,
        ));
    } else if !state.read_only {
        let mut text = format!(
            "  {} edit · {} clear · {} undo · {} save",
            keys(KeyAction::Edit),
            keys(KeyAction::ClearValue),
            keys(KeyAction::Revert),
            keys(KeyAction::Save)
        );
        // The actions key when the line has room for it (`?` lists it anyway).
        let actions = format!(" · {} actions", keys(KeyAction::Actions));
        let used: usize = spans.iter().map(Span::width).sum();
        if used + text.chars().count() + actions.chars().count() <= usize::from(area.width) {
            text.push_str(&actions);
        }
        spans.push(Span::styled(text, theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
