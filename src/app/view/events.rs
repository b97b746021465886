//! The events screen: the tenant's events newest first, their filters, live updates and
//! our own bulk runs marked; the rows an event makes here and in the user view; and an
//! event shown whole.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Wrap};

use crate::api::Event;
use crate::app::events_state::{Pace, Since, WindowChoice, poll_pace};
use crate::app::keymap::{Context, KeyAction};
use crate::app::layout;
use crate::app::modal::{EventDetail, InputFor};
use crate::app::state::AppState;
use crate::bulk::duration_text;
use crate::theme::Theme;

use super::widgets::{key, key_line, safe, safe_owned, spinner};

/// Run ids are `20261130-120235123-ab12`: the table shows their start (the time the
/// run began, to the second), the event's box the whole id.
const RUN_WIDTH: usize = 16;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let [info, filters, table] = layout::events(area);
    draw_info(frame, info, state, theme);
    draw_filters(frame, filters, state, theme);
    let events = &state.events;
    if events.rows.is_empty() {
        let k = |action| key(&state.keymap, Context::Events, action);
        let text = if let Some(error) = &events.error {
            Span::styled(
                format!(
                    " Loading events failed: {} ({} tries again)",
                    safe(&error.to_string()),
                    k(KeyAction::Refresh)
                ),
                theme.error,
            )
        } else if events.loading || !events.started {
            Span::styled(
                format!(" {} loading events…", spinner(state.spinner)),
                theme.muted,
            )
        } else if !events.filter.is_empty() {
            Span::styled(
                format!(
                    " no loaded event matches /{} ({} clears it)",
                    safe(&events.filter),
                    key(&state.keymap, Context::Global, KeyAction::Dismiss)
                ),
                theme.muted,
            )
        } else {
            Span::styled(" no events match these filters", theme.muted)
        };
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), table);
        return;
    }
    let window = events
        .list
        .window(events.rows.len(), layout::rows_under_header(table));
    let start = window.start;
    let shown = events.rows[window.clone()]
        .iter()
        .filter_map(|&i| events.events.get(i));
    let columns = Columns::of(state).fit(shown, state);
    let (titles, widths) = event_widths(table.width, columns);
    let header = Row::new(titles).style(theme.header);
    let rows = events.rows[window]
        .iter()
        .enumerate()
        .filter_map(|(i, &at)| {
            let event = events.events.get(at)?;
            let ours = state.run_marks.run_of(event).is_some();
            let mut style = if ours { theme.marked } else { theme.base };
            if start + i == events.list.cursor() {
                style = style.patch(theme.selected);
            }
            let cells = event_cells(event, state, table.width, columns);
            Some(Row::new(cells).style(style))
        });
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        table,
    );
}

fn wide(width: u16) -> bool {
    width >= 100
}

/// Which columns an event row has besides its time, type and details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    /// Who it is about (not in the user view: the user is known there).
    pub user: bool,
    /// Our run that caused it (only once one of ours is known).
    pub run: bool,
    /// The longest type name of the rows shown: the type column is as wide (up to a
    /// cap), the other columns share the rest.
    pub types: u16,
}

/// The widest the type column gets: wider names are cut (the event's box has them whole).
const TYPE_CAP: u16 = 30;

impl Columns {
    /// The events screen's.
    pub fn of(state: &AppState) -> Columns {
        let runs = state.run_marks.index.as_deref().map_or(0, |m| m.runs());
        Columns {
            user: true,
            run: runs > 0,
            types: 0,
        }
    }

    /// The user view's.
    pub const USER_VIEW: Columns = Columns {
        user: false,
        run: false,
        types: 0,
    };

    /// Fits the type column to `events`, the rows shown.
    pub fn fit<'a>(mut self, events: impl Iterator<Item = &'a Event>, state: &AppState) -> Self {
        let longest = events
            .map(|e| Span::raw(safe_owned(&state.event_types.name(e.event_type_id))).width())
            .max()
            .unwrap_or(0);
        self.types = u16::try_from(longest).unwrap_or(u16::MAX).min(TYPE_CAP);
        self
    }
}

/// The titles and widths of an event row's columns; who acted is left out on a narrow
/// screen that shows whom it was about.
pub fn event_widths(width: u16, columns: Columns) -> (Vec<&'static str>, Vec<Constraint>) {
    let wide = wide(width);
    // A first column of one space, as every table of the console has. Type names run
    // long (USER_FAILED_ONELOGIN_LOGIN): the type gets the most room.
    let mut titles = vec!["", "time (UTC)", "type"];
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(if wide { 19 } else { 11 }),
        if columns.types > 0 {
            Constraint::Length(columns.types)
        } else {
            Constraint::Fill(3)
        },
    ];
    if columns.user {
        titles.push("user");
        widths.push(Constraint::Fill(3));
    }
    if wide || !columns.user {
        titles.push("by");
        widths.push(Constraint::Fill(2));
    }
    titles.push("details");
    widths.push(Constraint::Fill(match (columns.user, wide) {
        (true, true) => 3,
        (true, false) => 2,
        (false, _) => 4,
    }));
    if columns.run {
        titles.push("run");
        widths.push(Constraint::Length(RUN_WIDTH as u16));
    }
    (titles, widths)
}

/// The cells of one event, as [`event_widths`] lays them out; every text sanitized.
pub fn event_cells(
    event: &Event,
    state: &AppState,
    width: u16,
    columns: Columns,
) -> Vec<Cell<'static>> {
    let time = event
        .created_at_utc()
        .map(|t| {
            let format = if wide(width) {
                "%Y-%m-%d %H:%M:%S"
            } else {
                "%m-%d %H:%M"
            };
            t.format(format).to_string()
        })
        .or_else(|| event.created_at.as_deref().map(safe_owned))
        .unwrap_or_default();
    let mut cells = vec![
        Cell::from(""),
        Cell::from(time),
        Cell::from(safe_owned(&state.event_types.name(event.event_type_id))),
    ];
    if columns.user {
        cells.push(Cell::from(safe_owned(&user_text(event))));
    }
    if wide(width) || !columns.user {
        cells.push(Cell::from(safe_owned(&actor_text(event))));
    }
    cells.push(Cell::from(safe_owned(&details(event))));
    if columns.run {
        let run = state.run_marks.run_of(event).unwrap_or_default();
        cells.push(Cell::from(safe_owned(&shorten(run, RUN_WIDTH))));
    }
    cells
}

fn user_text(event: &Event) -> String {
    match (event.user_name.as_deref(), event.user_id) {
        (Some(name), Some(id)) if !name.trim().is_empty() => format!("{name} ({id})"),
        (_, Some(id)) => id.to_string(),
        (Some(name), None) => name.to_string(),
        (None, None) => String::new(),
    }
}

/// Who did it: an admin by name, else the system that acted (the API, a mapping).
fn actor_text(event: &Event) -> String {
    event
        .actor_user_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| event.actor_system.clone())
        .unwrap_or_default()
}

/// What it was about: the app, role, group, device, then the notes.
fn details(event: &Event) -> String {
    [
        event.app_name.as_deref().map(|a| format!("app {a}")),
        event.role_name.as_deref().map(|r| format!("role {r}")),
        event.group_name.as_deref().map(|g| format!("group {g}")),
        event
            .otp_device_name
            .as_deref()
            .map(|d| format!("device {d}")),
        event.notes.clone(),
        event.custom_message.clone(),
        event.error_description.clone(),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.trim().is_empty())
    .collect::<Vec<_>>()
    .join(" · ")
}

/// `text` cut to `width` characters, ending in "…" when cut.
fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// How many are shown, whether more are loading, and how new ones are followed.
fn draw_info(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let events = &state.events;
    if let Some(input) = state.modals.input(&InputFor::EventsFilter) {
        let [label, field] =
            Layout::horizontal([Constraint::Length(2), Constraint::Fill(1)]).areas(area);
        frame.render_widget(Paragraph::new(Span::styled(" /", theme.key)), label);
        frame.render_widget(&input.text, field);
        return;
    }
    let k = |action| key(&state.keymap, Context::Events, action);
    let mut spans = vec![Span::raw(format!(
        " {} of {} events",
        events.rows.len(),
        events.events.len()
    ))];
    if events.loading {
        spans.push(Span::styled(
            format!("  {} loading…", spinner(state.spinner)),
            theme.info,
        ));
    } else if events.next_cursor.is_some() {
        spans.push(Span::styled(
            format!("  (older: {})", k(KeyAction::NextPage)),
            theme.muted,
        ));
    } else if events.started && events.error.is_none() {
        spans.push(Span::styled("  (all loaded)", theme.muted));
    }
    spans.push(live_span(state, theme));
    if events.unseen > 0 {
        spans.push(Span::styled(
            format!(
                "  {} new above ({})",
                events.unseen,
                key(&state.keymap, Context::Global, KeyAction::Top)
            ),
            theme.accent,
        ));
    }
    if let Some(marks) = state.run_marks.index.as_deref().filter(|m| m.runs() > 0) {
        spans.push(Span::styled(
            format!("  our bulk runs: {}", marks.runs()),
            theme.marked,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Live updates: on and how often, off (and the key that turns them on), or paused for
/// the rate budget.
fn live_span(state: &AppState, theme: &Theme) -> Span<'static> {
    let events = &state.events;
    let live = key(&state.keymap, Context::Events, KeyAction::Live);
    if !events.live {
        return Span::styled(format!("  live off ({live} follows)"), theme.muted);
    }
    if !events.by.open_ended() {
        return Span::styled("  not live: the window has an end", theme.muted);
    }
    match poll_pace(state.rate.as_ref()) {
        Pace::Every(every) => {
            let polling = if events.poll.in_flight {
                format!(" {}", spinner(state.spinner))
            } else {
                String::new()
            };
            Span::styled(
                format!("  live · every {} s{polling}", every.as_secs()),
                theme.ok,
            )
        }
        // The status line shows the budget itself: say why, and until when.
        Pace::Low { .. } => {
            let refill = state
                .rate
                .map(|r| format!(" until it refills in {}", duration_text(r.reset_in())))
                .unwrap_or_default();
            Span::styled(format!("  live paused: budget low{refill}"), theme.warn)
        }
    }
}

/// The filters sent to the API, and the keys that set them.
fn draw_filters(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let prompt = [
        (InputFor::EventsUser, " user id: "),
        (InputFor::EventsSince, " since (UTC): "),
        (InputFor::EventsUntil, " until (UTC): "),
    ]
    .into_iter()
    .find_map(|(purpose, label)| state.modals.input(&purpose).map(|i| (label, i)));
    if let Some((label, input)) = prompt {
        let [l, field] =
            Layout::horizontal([Constraint::Length(label.len() as u16), Constraint::Fill(1)])
                .areas(area);
        frame.render_widget(Paragraph::new(Span::styled(label, theme.key)), l);
        frame.render_widget(&input.text, field);
        return;
    }
    let by = &state.events.by;
    let mut parts = Vec::new();
    if let Some(user) = by.user {
        parts.push(format!("user {user}"));
    }
    match by.types.as_slice() {
        [] => {}
        [one] => parts.push(safe_owned(&state.event_types.name(*one))),
        many => parts.push(format!("{} types", many.len())),
    }
    match by.since {
        Some(Since::Ago(ago)) => parts.push(window_words(ago)),
        Some(Since::At(at)) => parts.push(format!("since {}", at.format("%Y-%m-%d %H:%M"))),
        None => {}
    }
    if let Some(until) = by.until {
        parts.push(format!("until {}", until.format("%Y-%m-%d %H:%M")));
    }
    if !state.events.filter.is_empty() {
        parts.push(format!("/{}", safe(&state.events.filter)));
    }
    let mut spans = if parts.is_empty() {
        vec![Span::styled(" every event ", theme.muted)]
    } else {
        vec![Span::styled(
            format!(" {} ", parts.join(" · ")),
            theme.accent,
        )]
    };
    let c = Context::Events;
    spans.extend(key_line(
        &state.keymap,
        theme,
        &[
            (c, &[KeyAction::FilterUser], "user"),
            (c, &[KeyAction::FilterTypes], "types"),
            (c, &[KeyAction::FilterWindow], "time"),
            (c, &[KeyAction::Filter], "text"),
            (c, &[KeyAction::ClearFilters], "clear"),
        ],
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// "the last hour", as the picker said it.
fn window_words(ago: std::time::Duration) -> String {
    WindowChoice::ALL
        .into_iter()
        .find(|c| c.ago() == Some(ago))
        .map_or_else(
            || format!("the last {}", duration_text(ago)),
            |c| c.label().to_string(),
        )
}

/// An event shown whole: every key it came with (unknown ones too), sanitized.
pub fn draw_detail(
    frame: &mut Frame,
    body: Rect,
    state: &AppState,
    detail: &EventDetail,
    theme: &Theme,
) {
    let rect = layout::detail(body);
    let k = |action| key(&state.keymap, Context::Detail, action);
    let title = format!(
        " event {} · {}{} scroll · {} closes ",
        detail.event.id,
        k(KeyAction::Up),
        k(KeyAction::Down),
        k(KeyAction::Close)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(theme.accent)
        .style(theme.base);
    let label = |text: &str| Span::styled(format!("{:<24}", safe(text)), theme.muted);
    let mut lines = vec![Line::from(vec![
        label("type"),
        Span::styled(safe_owned(&detail.type_name), theme.accent),
    ])];
    if let Some(run) = &detail.run {
        lines.push(Line::from(vec![
            label("bulk run"),
            Span::styled(format!("{} (ours)", safe(run)), theme.marked),
        ]));
    }
    for (name, value) in detail.event.to_map() {
        let value = match value {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        lines.push(Line::from(vec![
            label(&name),
            Span::raw(safe_owned(&value)),
        ]));
    }
    // As tall as the event (long values wrap), at most the body.
    let width = usize::from(rect.width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let rect = layout::centered(rect, rect.width, height.min(rect.height));
    frame.render_widget(Clear, rect);
    let inner = layout::rows_inside_border(rect);
    let last = rows.saturating_sub(inner);
    let scroll = detail.scroll.min(u16::try_from(last).unwrap_or(u16::MAX));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        rect,
    );
}
