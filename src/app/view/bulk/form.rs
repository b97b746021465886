//! The change form: the targets, then the changes to apply to them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::bulk_rows::describe_change;
use crate::app::keymap::{Context, KeyAction};
use crate::app::layout;
use crate::app::state::AppState;
use crate::theme::Theme;

use super::super::widgets::{key, safe, thousands};
use super::read_only_line;

pub(super) fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let k = |context, action| key(&state.keymap, context, action);
    let [intro, list] = layout::bulk_form(area, state.read_only);
    let marked = state.users.list.marks().len();
    let mut lines = vec![if marked == 0 {
        Line::from(Span::styled(
            format!(
                " No users selected: on the users screen ({}), {} selects, {} selects all shown.",
                k(Context::Global, KeyAction::ScreenUsers),
                k(Context::Users, KeyAction::ToggleMark),
                k(Context::Users, KeyAction::MarkAll)
            ),
            theme.warn,
        ))
    } else {
        Line::from(vec![
            Span::raw(" Targets: "),
            Span::styled(
                format!("{} user(s)", thousands(marked as u64)),
                theme.marked,
            ),
            Span::styled(
                format!(
                    " selected on the users screen ({})",
                    k(Context::Global, KeyAction::ScreenUsers)
                ),
                theme.muted,
            ),
        ])
    }];
    if state.read_only {
        lines.push(read_only_line(theme));
    }
    frame.render_widget(Paragraph::new(lines), intro);
    let changes = &state.bulk.changes;
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(format!(" changes ({}) ", changes.len()));
    if changes.is_empty() {
        let pair = |action, label: &str| {
            vec![
                Span::styled(format!(" {} ", k(Context::Bulk, action)), theme.key),
                Span::raw(format!(" {label:<28}")),
            ]
        };
        let text = vec![
            Line::from(" No changes yet. Add one:"),
            Line::from(
                [
                    vec![Span::raw("  ")],
                    pair(KeyAction::BulkSetAttribute, "set a custom attribute"),
                    pair(KeyAction::BulkClearAttribute, "clear a custom attribute"),
                ]
                .concat(),
            ),
            Line::from(
                [
                    vec![Span::raw("  ")],
                    pair(KeyAction::BulkSetField, "set a user field"),
                    pair(KeyAction::BulkAddRole, "give a role"),
                ]
                .concat(),
            ),
            Line::from(
                [
                    vec![Span::raw("  ")],
                    pair(KeyAction::BulkRemoveRole, "take a role away"),
                ]
                .concat(),
            ),
            Line::default(),
            Line::from(Span::styled(
                format!(
                    " Then {} previews each selected user's before → after; nothing is written yet.",
                    k(Context::Bulk, KeyAction::BulkPreview)
                ),
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
    let cursor = state.bulk.changes_list.cursor();
    let window = state
        .bulk
        .changes_list
        .window(changes.len(), usize::from(inner.height));
    let lines: Vec<Line> = window
        .map(|i| {
            let text = format!(
                " {}. {}",
                i + 1,
                safe(&describe_change(&changes[i], &state.roles))
            );
            if i == cursor {
                Line::from(Span::styled(text, theme.selected))
            } else {
                Line::from(text)
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
