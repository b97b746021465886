//! The bulk edits screen: a placeholder until bulk edits land.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::state::AppState;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let marked = state.users.marks.len();
    let lines = vec![
        Line::from(Span::styled("Bulk edits", theme.accent)),
        Line::default(),
        Line::from(
            "Changing many users at once (preview, paced apply, journal, resume, undo, CSV)",
        ),
        Line::from("arrives with the bulk edits work. This screen is its place."),
        Line::default(),
        Line::from(Span::styled(
            format!("{marked} user(s) selected on the users screen (1) will be its targets."),
            theme.muted,
        )),
    ];
    frame.render_widget(
        Paragraph::new(lines)
            .style(theme.base)
            .wrap(Wrap { trim: false }),
        area,
    );
}
