//! Drawing: a pure function of the state and the theme. One file a screen.

mod bulk;
mod editor;
mod help;
mod request_log;
mod users;
pub mod widgets;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::state::{AppState, Confirm, Level, Screen};
use crate::theme::Theme;

use widgets::{centered, spinner, thousands};

/// Below this the screens cannot be laid out; the user is told instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme) {
    let area = frame.area();
    frame.render_widget(Block::default().style(theme.base), area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "The terminal is {}x{}: onelogin-tui needs at least {MIN_WIDTH}x{MIN_HEIGHT}. Enlarge it, or press q to quit.",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.warn)
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let [tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_tabs(frame, tabs, state, theme);
    match state.screen {
        Screen::Users => users::draw(frame, body, state, theme),
        Screen::Editor => editor::draw(frame, body, state, theme),
        Screen::Bulk => bulk::draw(frame, body, state, theme),
        Screen::RequestLog => request_log::draw(frame, body, state, theme),
    }
    draw_status(frame, status, state, theme);
    draw_toasts(frame, body, state, theme);
    if let Some(confirm) = &state.confirm {
        draw_confirm(frame, area, state, confirm, theme);
    }
    if let Some(scroll) = state.help {
        help::draw(frame, area, state, scroll, theme);
    }
}

fn draw_tabs(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let active = match state.screen {
        Screen::Users | Screen::Editor => 0,
        Screen::Bulk => 1,
        Screen::RequestLog => 2,
    };
    let mut spans = vec![Span::styled(
        " onelogin-tui ",
        theme.accent.add_modifier(Modifier::BOLD),
    )];
    for (i, name) in ["1 Users", "2 Bulk", "3 Request log"]
        .into_iter()
        .enumerate()
    {
        let style = if i == active {
            theme.selected
        } else {
            theme.muted
        };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!(" {name} "), style));
    }
    spans.push(Span::styled("   ? help", theme.muted));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_status(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let sep = Span::styled(" │ ", theme.status_bar);
    let mut spans = vec![Span::styled(
        widgets::safe_owned(&format!(
            " {}@{}",
            state.tenant.profile,
            state.tenant.address()
        )),
        theme.status_bar,
    )];
    if state.read_only {
        spans.push(Span::styled(
            " [RO]",
            theme.warn.add_modifier(Modifier::BOLD),
        ));
    }
    spans.push(sep.clone());
    spans.push(match state.rate {
        Some(rate) => {
            let low = u64::from(rate.remaining) * 10 < u64::from(rate.limit);
            let style = if low { theme.warn } else { theme.status_bar };
            Span::styled(
                format!(
                    "budget {}/{}",
                    thousands(rate.remaining.into()),
                    thousands(rate.limit.into())
                ),
                style,
            )
        }
        None => Span::styled("budget ?", theme.status_bar),
    });
    spans.push(sep.clone());
    if state.in_flight > 0 {
        spans.push(Span::styled(
            format!("{} {} in flight", spinner(state.spinner), state.in_flight),
            theme.info,
        ));
    } else {
        spans.push(Span::styled("idle", theme.status_bar));
    }
    if !state.users.marks.is_empty() {
        spans.push(sep.clone());
        spans.push(Span::styled(
            format!("{} selected", state.users.marks.len()),
            theme.marked,
        ));
    }
    if let Some((level, text)) = &state.status {
        spans.push(sep);
        spans.push(Span::styled(
            widgets::safe_owned(text),
            level_style(*level, theme),
        ));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.status_bar),
        area,
    );
}

pub fn level_style(level: Level, theme: &Theme) -> ratatui::style::Style {
    match level {
        Level::Info => theme.info,
        Level::Success => theme.ok,
        Level::Warning => theme.warn,
        Level::Error => theme.error,
    }
}

/// Messages stack at the top right; errors stay until Esc.
fn draw_toasts(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(72);
    let mut y = area.y;
    for toast in state.toasts.iter().rev().take(3) {
        let error = toast.level == Level::Error;
        let text = widgets::safe_owned(&toast.text);
        let inner = usize::from(width.saturating_sub(2)).max(1);
        let lines = (text.chars().count().div_ceil(inner)).clamp(1, 6) as u16;
        let height = lines + 2;
        if y + height > area.y + area.height {
            break;
        }
        let rect = Rect {
            x: area.x + area.width - width - 1,
            y,
            width,
            height,
        };
        let (title, style) = match toast.level {
            Level::Error => (" error · Esc to dismiss ", theme.toast_error),
            Level::Warning => (" warning ", theme.toast_info),
            Level::Success => (" done ", theme.toast_info),
            Level::Info => (" info ", theme.toast_info),
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .title(title)
            .style(style);
        frame.render_widget(Clear, rect);
        let paragraph = Paragraph::new(text).block(block).wrap(Wrap { trim: false });
        frame.render_widget(
            if error {
                paragraph
            } else {
                paragraph.style(style)
            },
            rect,
        );
        y += height;
    }
}

fn draw_confirm(frame: &mut Frame, area: Rect, state: &AppState, confirm: &Confirm, theme: &Theme) {
    let question = match confirm {
        Confirm::Quit if state.bulk.running() => {
            "A bulk run is going. Quit? It stops cleanly (the calls in flight finish) and can be resumed: 2, then r.".to_string()
        }
        Confirm::Quit => format!(
            "{} request(s) are still in flight. Quit anyway?",
            state.in_flight
        ),
        Confirm::CancelRun => {
            "Cancel the run? The calls in flight finish, nothing else is sent; r on past runs resumes it.".to_string()
        }
        Confirm::DiscardEdits => {
            let n = state.editor.as_ref().map_or(0, |e| e.pending.len());
            format!("{n} unsaved change(s). Leave and discard them?")
        }
    };
    let rect = centered(area, 60, 7);
    frame.render_widget(Clear, rect);
    let lines = vec![
        Line::from(question),
        Line::default(),
        Line::from(vec![
            Span::styled(" y ", theme.key),
            Span::raw(" yes    "),
            Span::styled(" N / Esc ", theme.selected),
            Span::raw(" no, stay"),
        ]),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" confirm ")
        .style(theme.base)
        .border_style(theme.warn);
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        rect,
    );
}
