//! The column chooser (`:columns`): every column on offer, the shown ones checked and
//! numbered in their order, each with its width; the keys under them, from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, Paragraph};

use crate::app::keymap::{Context, KeyAction};
use crate::app::layout;
use crate::app::modal::ColumnChooser;
use crate::app::state::AppState;
use crate::theme::Theme;

use super::widgets::{key, safe};

pub fn draw(
    frame: &mut Frame,
    body: Rect,
    state: &AppState,
    chooser: &ColumnChooser,
    theme: &Theme,
) {
    let [rect, rows_area, keys] = layout::chooser(body, chooser.rows.len());
    frame.render_widget(Clear, rect);
    let k = |action| key(&state.keymap, Context::Columns, action);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(
            " the list's columns · {} applies · {} cancels ",
            k(KeyAction::Choose),
            k(KeyAction::Cancel)
        ))
        .border_style(theme.accent)
        .style(theme.base);
    frame.render_widget(block, rect);
    let height = usize::from(rows_area.height).max(1);
    let len = chooser.rows.len();
    let window = chooser.list.window(len, height);
    // Shown columns are numbered in the order the table draws them.
    let mut number = chooser.rows[..window.start].iter().filter(|r| r.on).count();
    let name_width = usize::from(rows_area.width).saturating_sub(14).max(8);
    let items: Vec<ListItem> = chooser.rows[window.clone()]
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let (mark, place) = if row.on {
                number += 1;
                ("[x]", format!("{number:>2}"))
            } else {
                ("[ ]", "  ".to_string())
            };
            let width = row
                .width
                .map_or_else(|| "auto".to_string(), |w| w.to_string());
            let name: String = safe(&row.column.name()).chars().take(name_width).collect();
            let text = format!("{mark} {place} {name:<name_width$} {width:>5}");
            let style = if window.start + i == chooser.list.cursor() {
                theme.selected
            } else if row.on {
                theme.base
            } else {
                theme.muted
            };
            ListItem::new(text).style(style)
        })
        .collect();
    frame.render_widget(List::new(items), rows_area);
    let hint = format!(
        " {} shows/hides · {}/{} moves · {}/{} width · {} auto",
        k(KeyAction::ToggleChoice),
        k(KeyAction::MoveUp),
        k(KeyAction::MoveDown),
        k(KeyAction::Wider),
        k(KeyAction::Narrower),
        k(KeyAction::AutoWidth)
    );
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(hint, theme.muted))),
        keys,
    );
}
