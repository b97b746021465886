//! The `?` overlay, generated from the keymap: what you see is what the keys do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::state::AppState;
use crate::theme::Theme;

use super::widgets::centered;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, scroll: u16, theme: &Theme) {
    let rect = centered(area, 76, area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let mut lines = Vec::new();
    for (context, rows) in state.keymap.help() {
        if rows.is_empty() {
            continue;
        }
        lines.push(Line::from(Span::styled(context.title(), theme.header)));
        for (keys, help) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<22}"), theme.key),
                Span::raw(help),
            ]));
        }
        lines.push(Line::default());
    }
    lines.push(Line::from(Span::styled(
        "While typing, every key is text but Esc (cancel), Enter (keep), Ctrl+S (keep and save); Ctrl+U clears.",
        theme.muted,
    )));
    if state.read_only {
        lines.push(Line::from(Span::styled(
            "Read-only: no write keys are bound.",
            theme.warn,
        )));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" keys · ↑↓ scroll · Esc or ? closes ")
        .border_style(theme.accent)
        .style(theme.base);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), rect);
}
