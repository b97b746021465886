//! Drawing: a pure function of the state and the theme. One file a screen; the modal stack's
//! overlays in `modal.rs`; every message worded in `words.rs`.

mod bulk;
mod columns;
mod editor;
mod events;
mod modal;
mod request_log;
mod user_view;
mod users;
pub mod widgets;
pub mod words;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::keymap::{Context, KeyAction};
use crate::app::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use crate::app::state::{AppState, Level, Screen, Toast};
use crate::theme::Theme;

use widgets::{key, spinner, thousands};

/// The toasts stack at most this many.
const TOASTS_SHOWN: usize = 3;
/// The widest a toast gets.
const TOAST_WIDTH: u16 = 72;

pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme) {
    let area = frame.area();
    frame.render_widget(Block::default().style(theme.base), area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "The terminal is {}x{}: onelogin-tui needs at least {MIN_WIDTH}x{MIN_HEIGHT}. Enlarge it, or press {} to quit.",
            area.width,
            area.height,
            key(&state.keymap, Context::Global, KeyAction::ForceQuit)
        );
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.warn)
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let [tabs, body, status] = layout::screen(area);
    draw_tabs(frame, tabs, state, theme);
    match state.screen {
        Screen::Users => users::draw(frame, body, state, theme),
        Screen::Editor => editor::draw(frame, body, state, theme),
        Screen::Bulk => bulk::draw(frame, body, state, theme),
        Screen::RequestLog => request_log::draw(frame, body, state, theme),
        Screen::Events => events::draw(frame, body, state, theme),
    }
    draw_status(frame, status, state, theme);
    draw_toasts(frame, body, state, theme);
    modal::draw(frame, area, body, state, theme);
}

fn draw_tabs(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let active = match state.screen {
        Screen::Users | Screen::Editor => 0,
        Screen::Bulk => 1,
        Screen::RequestLog => 2,
        Screen::Events => 3,
    };
    // A profile with a band shows its name in it here too: the tenant is told at both ends.
    // The words come from the layout, where a click finds its tab.
    let (lead, tabs) = layout::tabs(state);
    let mut spans = match state.band {
        Some(band) => vec![Span::styled(lead, band)],
        None => vec![Span::styled(
            lead,
            theme.accent.add_modifier(Modifier::BOLD),
        )],
    };
    for (i, (_, label)) in tabs.into_iter().enumerate() {
        let style = if i == active {
            theme.selected
        } else {
            theme.muted
        };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(label, style));
    }
    spans.push(Span::styled(
        format!(
            "   {} help",
            key(&state.keymap, Context::Global, KeyAction::Help)
        ),
        theme.muted,
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// How much of the status line's shrinkable parts to say (see [`status_spans`]).
#[derive(Debug, Clone, Copy, Default)]
struct Fit {
    /// The cache's words: 0 whole, up to `cache_state::SHORTEST`.
    cache: usize,
    /// "idle" left out, "in flight" said as the spinner and the count.
    activity_short: bool,
    /// Calls in flight left out too.
    no_activity: bool,
    /// The budget as numbers alone.
    budget_short: bool,
    /// "· ! actions" after the selection left out.
    no_actions_hint: bool,
}

impl Fit {
    /// The next shorter line, the least important words first; `None` when nothing is
    /// left to shorten.
    fn shorter(self) -> Option<Fit> {
        use crate::app::cache_state::SHORTEST;
        let mut f = self;
        match () {
            () if f.cache < 1 => f.cache = 1,
            () if !f.activity_short => f.activity_short = true,
            () if f.cache < 2 => f.cache = 2,
            () if !f.budget_short => f.budget_short = true,
            () if f.cache < 3 => f.cache = 3,
            () if !f.no_activity => f.no_activity = true,
            () if !f.no_actions_hint => f.no_actions_hint = true,
            () if f.cache < SHORTEST => f.cache = SHORTEST,
            () => return None,
        }
        Some(f)
    }
}

fn draw_status(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    // At 80 columns the whole line does not fit: shorten the least important parts first,
    // so the tenant, the budget and the cache's age and source stay whole. The message
    // comes last and gets what is left.
    let mut fit = Fit::default();
    let mut spans = status_spans(state, theme, fit);
    while Line::from(spans.clone()).width() > usize::from(area.width) {
        let Some(shorter) = fit.shorter() else {
            break;
        };
        fit = shorter;
        spans = status_spans(state, theme, fit);
    }
    if let Some(status) = &state.status {
        spans.push(Span::styled(" │ ", theme.status_bar));
        spans.push(Span::styled(
            widgets::safe_owned(&words::note_text(&status.note, &state.keymap)),
            level_style(status.level, theme),
        ));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.status_bar),
        area,
    );
}

/// The status line but its message: tenant, budget, calls in flight, the cache, the
/// selection; `fit` says how short.
fn status_spans<'a>(state: &AppState, theme: &Theme, fit: Fit) -> Vec<Span<'a>> {
    let sep = Span::styled(" │ ", theme.status_bar);
    let tenant = &state.tenant;
    let name = widgets::safe_owned(&format!(" {}@{}", tenant.profile, tenant.address()));
    let mut spans = vec![match state.band {
        Some(band) => Span::styled(format!("{name} "), band),
        None => Span::styled(name, theme.status_bar),
    }];
    if state.read_only {
        spans.push(Span::styled(
            " [RO]",
            theme.warn.add_modifier(Modifier::BOLD),
        ));
    } else if state.protect.on {
        spans.push(Span::styled(
            " [protected]",
            theme.warn.add_modifier(Modifier::BOLD),
        ));
    }
    spans.push(sep.clone());
    let label = if fit.budget_short { "" } else { "budget " };
    spans.push(match state.rate {
        Some(rate) => {
            let low = u64::from(rate.remaining) * 10 < u64::from(rate.limit);
            let style = if low { theme.warn } else { theme.status_bar };
            Span::styled(
                format!(
                    "{label}{}/{}",
                    thousands(rate.remaining.into()),
                    thousands(rate.limit.into())
                ),
                style,
            )
        }
        None => Span::styled("budget ?", theme.status_bar),
    });
    let activity = match (state.in_flight, fit.activity_short) {
        _ if fit.no_activity => None,
        (0, false) => Some(Span::styled("idle", theme.status_bar)),
        (0, true) => None,
        (n, short) => Some(Span::styled(
            format!(
                "{} {n}{}",
                spinner(state.spinner),
                if short { "" } else { " in flight" }
            ),
            theme.info,
        )),
    };
    if let Some(activity) = activity {
        spans.push(sep.clone());
        spans.push(activity);
    }
    if let Some(words) = crate::app::update::cache_status_words(state, fit.cache) {
        spans.push(sep.clone());
        spans.push(Span::styled(widgets::safe_owned(&words), theme.status_bar));
    }
    let selected = state.users.list.marks().len();
    if selected > 0 {
        spans.push(sep);
        spans.push(Span::styled(format!("{selected} selected"), theme.marked));
        let actions = state.keymap.key(Context::Users, KeyAction::Actions);
        if state.screen == Screen::Users && !actions.is_empty() && !fit.no_actions_hint {
            spans.push(Span::styled(
                format!(" · {actions} actions"),
                theme.status_bar,
            ));
        }
    }
    spans
}

pub fn level_style(level: Level, theme: &Theme) -> ratatui::style::Style {
    match level {
        Level::Info => theme.info,
        Level::Success => theme.ok,
        Level::Warning => theme.warn,
        Level::Error => theme.error,
    }
}

/// Messages stack at the top right, newest first; errors stay until dismissed. A box is as
/// tall as its text: the newest may take the whole body, and a text longer still ends in
/// "…" (the whole error is in the request log and the log file).
fn draw_toasts(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(TOAST_WIDTH);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let mut y = area.y;
    for toast in state.toasts.iter().rev().take(TOASTS_SHOWN) {
        let room = usize::from((area.y + area.height).saturating_sub(y)).saturating_sub(2);
        if room == 0 {
            break;
        }
        let text = widgets::safe_owned(&words::note_text(&toast.note, &state.keymap));
        let mut lines = widgets::wrap(&text, inner);
        if lines.len() > room {
            lines.truncate(room);
            if let Some(last) = lines.last_mut() {
                widgets::end_with_ellipsis(last, inner);
            }
        }
        let height = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .saturating_add(2);
        let rect = Rect {
            x: area.x + area.width - width - 1,
            y,
            width,
            height,
        };
        draw_toast(frame, rect, toast, lines, state, theme);
        y += height;
    }
}

fn draw_toast(
    frame: &mut Frame,
    rect: Rect,
    toast: &Toast,
    lines: Vec<String>,
    state: &AppState,
    theme: &Theme,
) {
    let (title, style) = match toast.level {
        Level::Error => (
            format!(
                " error · {} to dismiss ",
                key(&state.keymap, Context::Global, KeyAction::Dismiss)
            ),
            theme.toast_error,
        ),
        Level::Warning => (" warning ".to_string(), theme.toast_info),
        Level::Success => (" done ".to_string(), theme.toast_info),
        Level::Info => (" info ".to_string(), theme.toast_info),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .style(style);
    frame.render_widget(Clear, rect);
    let lines: Vec<Line> = lines.into_iter().map(Line::from).collect();
    let paragraph = Paragraph::new(lines).block(block);
    frame.render_widget(
        if toast.level == Level::Error {
            paragraph
        } else {
            paragraph.style(style)
        },
        rect,
    );
}
