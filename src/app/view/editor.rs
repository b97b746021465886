//! The user editor: every field and custom attribute, pending changes marked, inline editing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, List, ListItem, Paragraph, Row, Table};

use crate::api::{state_name, status_name};
use crate::app::editor_rows::{current_value, editor_rows, is_editable};
use crate::app::keymap::{Context, KeyAction};
use crate::app::state::{AppState, EditorState, Pending, Picker, RowKey};
use crate::theme::Theme;

use super::widgets::{centered, safe, safe_owned, spinner};

const LABEL_WIDTH: u16 = 24;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(editor) = state.editor.as_ref() else {
        return;
    };
    let [info, table] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    draw_info(frame, info, state, editor, theme);
    let Some(user) = editor.user.as_ref() else {
        let text = match &editor.error {
            Some(e) => Span::styled(format!(" {}", safe(e)), theme.error),
            None => Span::styled(
                format!(" {} loading user {}…", spinner(state.spinner), editor.id),
                theme.muted,
            ),
        };
        frame.render_widget(Paragraph::new(text), table);
        return;
    };
    let rows = editor_rows(state);
    let height = usize::from(table.height.saturating_sub(1));
    let start = editor.offset.min(rows.len());
    let end = (start + height).min(rows.len());
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
        if start + i == editor.cursor {
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
    if let Some((_, input)) = &editor.editing
        && editor.cursor >= start
        && editor.cursor < end
    {
        let y = table.y + 1 + (editor.cursor - start) as u16;
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
    if let Some(picker) = &editor.picker {
        draw_picker(frame, area, picker, theme);
    }
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
    let name = editor
        .user
        .as_ref()
        .map(|u| u.display_name())
        .unwrap_or_default();
    let keys = |action| state.keymap.keys_of(Context::Editor, action);
    let mut spans = vec![
        Span::styled(format!(" user {} ", editor.id), theme.accent),
        Span::styled(safe_owned(&name), theme.base.add_modifier(Modifier::BOLD)),
    ];
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
    if editor.editing.is_some() {
        spans.push(Span::styled(
            "  Enter keeps · Esc cancels · Ctrl+S keeps and saves",
            theme.muted,
        ));
    } else if !state.read_only {
        spans.push(Span::styled(
            format!(
                "  {} edit · {} clear · {} undo · {} save",
                keys(KeyAction::Edit),
                keys(KeyAction::ClearValue),
                keys(KeyAction::Revert),
                keys(KeyAction::Save)
            ),
            theme.muted,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_picker(frame: &mut Frame, area: Rect, picker: &Picker, theme: &Theme) {
    let height = (picker.options.len() as u16 + 2)
        .min(area.height.saturating_sub(2))
        .max(3);
    let rect = centered(area, 48, height);
    frame.render_widget(Clear, rect);
    let visible = usize::from(height.saturating_sub(2));
    let offset = picker.cursor.saturating_sub(visible.saturating_sub(1));
    let items: Vec<ListItem> = picker
        .options
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, (id, name))| {
            let mark = if picker.chosen.contains(id) {
                "[x]"
            } else {
                "[ ]"
            };
            let style = if i == picker.cursor {
                theme.selected
            } else {
                theme.base
            };
            ListItem::new(format!("{mark} {}", safe(name))).style(style)
        })
        .collect();
    let title = if picker.multi {
        " roles · Space toggles · Enter keeps · Esc cancels "
    } else {
        " group · Enter chooses · Esc cancels "
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(theme.accent)
        .style(theme.base);
    frame.render_widget(List::new(items).block(block), rect);
}
