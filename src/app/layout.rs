//! Where everything sits on screen, computed once for the views and for `update`: a page of
//! a list is as long as the view draws it, because both ask here.

use ratatui::layout::{Constraint, Flex, Layout, Rect};

use super::keymap::{Context, KeyAction};
use super::state::{AppState, Screen};

/// Below this the screens cannot be laid out; the user is told instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

/// The terminal: the tab line, the screen's body, the status line.
pub fn screen(area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// The tab line's words: what comes first (the profile in its band, else the program's
/// name), then each screen's tab. The view draws these; a click finds its tab in them.
pub fn tabs(state: &AppState) -> (String, Vec<(Screen, String)>) {
    let lead = match state.band {
        Some(_) => {
            crate::sanitize::for_terminal(&format!(" {} ", state.tenant.profile)).into_owned()
        }
        None => " onelogin-tui ".to_string(),
    };
    let tabs = [
        (Screen::Users, KeyAction::ScreenUsers, "Users"),
        (Screen::Bulk, KeyAction::ScreenBulk, "Bulk"),
        (Screen::RequestLog, KeyAction::ScreenLog, "Request log"),
        (Screen::Events, KeyAction::ScreenEvents, "Events"),
    ]
    .into_iter()
    .map(|(screen, action, name)| {
        let k = state.keymap.key(Context::Global, action);
        let label = if k.is_empty() {
            format!(" {name} ")
        } else {
            format!(" {k} {name} ")
        };
        (screen, label)
    })
    .collect();
    (lead, tabs)
}

/// The screen whose tab is drawn at column `x` of the tab line (a space between tabs).
pub fn tab_at(state: &AppState, x: u16) -> Option<Screen> {
    let width = |text: &str| ratatui::text::Span::raw(text).width();
    let (lead, tabs) = tabs(state);
    let mut at = width(&lead) + 1;
    let x = usize::from(x);
    for (screen, label) in tabs {
        let w = width(&label);
        if (at..at + w).contains(&x) {
            return Some(screen);
        }
        at += w + 1;
    }
    None
}

/// A screen's body: an information line over its list or table.
pub fn info_and_list(body: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(body)
}

/// The user view: who and the keys, the section line, the section's list.
pub fn user_view(body: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(body)
}

/// The events screen: what is shown and how it is followed, the filters, the table.
pub fn events(body: Rect) -> [Rect; 3] {
    user_view(body)
}

/// An event shown whole: a bordered box over most of the body.
pub fn detail(body: Rect) -> Rect {
    centered(body, 100, body.height)
}

/// The bulk screen: the step line, the step's body, the key line.
pub fn bulk(body: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(body)
}

/// The change form: the targets (and the read-only note) over the list of changes.
pub fn bulk_form(body: Rect, read_only: bool) -> [Rect; 2] {
    let intro = 1 + u16::from(read_only);
    Layout::vertical([Constraint::Length(intro), Constraint::Fill(1)]).areas(body)
}

/// The preview: its totals and the calls it sends (an undo names its run first) over the
/// table of users.
/// `head`: a line says what the preview is of (an undo, an action); `warn`: a line says
/// what cannot be undone.
pub fn bulk_preview(body: Rect, head: bool, warn: bool, read_only: bool) -> [Rect; 2] {
    let intro = 3 + u16::from(head) + u16::from(warn) + u16::from(read_only);
    Layout::vertical([Constraint::Length(intro), Constraint::Fill(1)]).areas(body)
}

/// A run: title, gauge, counters, two lines of notes, then its failures.
pub fn bulk_run(body: Rect) -> [Rect; 5] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Fill(1),
    ])
    .areas(body)
}

/// Past runs: a count line over the table.
pub fn bulk_runs(body: Rect) -> [Rect; 2] {
    info_and_list(body)
}

/// One run's journal: two lines about it over its users.
pub fn bulk_journal(body: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(body)
}

/// A picker over `options` choices, centred in `area`, bordered.
pub fn picker(area: Rect, options: usize) -> Rect {
    let height = u16::try_from(options)
        .unwrap_or(u16::MAX)
        .saturating_add(2)
        .min(area.height.saturating_sub(2))
        .max(3);
    // Wide enough for a title that names its three keys.
    centered(area, 54, height)
}

/// The column chooser over `options` columns: the bordered box, its rows, and the key
/// line under them inside the border.
pub fn chooser(area: Rect, options: usize) -> [Rect; 3] {
    let height = u16::try_from(options)
        .unwrap_or(u16::MAX)
        .saturating_add(3)
        .min(area.height.saturating_sub(2))
        .max(4);
    let rect = centered(area, 64, height);
    let inside = Rect {
        x: rect.x.saturating_add(1),
        y: rect.y.saturating_add(1),
        width: rect.width.saturating_sub(2),
        height: rect.height.saturating_sub(2),
    };
    let [rows, keys] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inside);
    [rect, rows, keys]
}

/// The `?` help box.
pub fn help(area: Rect) -> Rect {
    centered(area, 76, area.height.saturating_sub(2))
}

/// A rectangle of at most `width` x `height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// Rows of an area under its header line (a table's header, a block's top border).
pub fn rows_under_header(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(1)).max(1)
}

/// Rows inside a bordered box.
pub fn rows_inside_border(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(2)).max(1)
}

/// Lines of the `?` help: the keymap's tables, and a last line in read-only mode.
pub fn help_lines(state: &AppState) -> usize {
    // The keys, then the command line's verbs (a title, the verbs, a blank line).
    state.keymap.help_len() + super::palette::VERBS.len() + 2 + usize::from(state.read_only)
}

/// The lists `update` pages through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListId {
    Users,
    /// The user view's fields.
    Editor,
    /// The user view's other sections.
    UserSection,
    Events,
    /// The lines of one event.
    EventDetail,
    RequestLog,
    /// The text of one exchange.
    ExchangeDetail,
    BulkChanges,
    BulkPreview,
    BulkFailures,
    BulkRuns,
    BulkJournal,
    /// A picker with this many choices.
    Picker(usize),
    /// The column chooser with this many columns.
    Chooser(usize),
    Help,
}

/// How many rows of `list` are on screen at the state's terminal size.
pub fn rows(state: &AppState, list: ListId) -> usize {
    let area = Rect::new(0, 0, state.width, state.height);
    let [_, body, _] = screen(area);
    let [_, under_info] = info_and_list(body);
    let [_, bulk_body, _] = bulk(body);
    match list {
        ListId::Users | ListId::RequestLog => rows_under_header(under_info),
        ListId::Events => rows_under_header(events(body)[2]),
        ListId::Editor | ListId::UserSection => rows_under_header(user_view(body)[2]),
        ListId::EventDetail => rows_inside_border(detail(body)),
        ListId::ExchangeDetail => usize::from(under_info.height).max(1),
        ListId::BulkChanges => rows_under_header(bulk_form(bulk_body, state.read_only)[1]),
        ListId::BulkPreview => {
            let preview = state.bulk.flow.preview();
            let head = preview.is_some_and(|p| p.heading().is_some());
            let warn = preview.is_some_and(|p| p.cannot_undo().is_some());
            rows_under_header(bulk_preview(bulk_body, head, warn, state.read_only)[1])
        }
        ListId::BulkFailures => rows_under_header(bulk_run(bulk_body)[4]),
        ListId::BulkRuns => rows_under_header(bulk_runs(bulk_body)[1]),
        ListId::BulkJournal => rows_under_header(bulk_journal(bulk_body)[1]),
        ListId::Picker(options) => rows_inside_border(picker(body, options)),
        ListId::Chooser(options) => usize::from(chooser(body, options)[1].height).max(1),
        ListId::Help => rows_inside_border(help(area)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_users_is_the_table_less_its_header() {
        // 40 lines: tabs, info, header and status take 4.
        let area = Rect::new(0, 0, 120, 40);
        let [_, body, _] = screen(area);
        let [_, table] = info_and_list(body);
        assert_eq!(rows_under_header(table), 36);
        let [_, bulk_body, _] = bulk(body);
        assert_eq!(rows_under_header(bulk_form(bulk_body, false)[1]), 34);
        assert_eq!(rows_under_header(bulk_form(bulk_body, true)[1]), 33);
        assert_eq!(rows_under_header(bulk_run(bulk_body)[4]), 30);
    }

    #[test]
    fn a_picker_fits_its_choices_or_the_screen() {
        let body = Rect::new(0, 1, 80, 22);
        assert_eq!(picker(body, 3).height, 5);
        assert_eq!(picker(body, 300).height, 20);
        assert_eq!(rows_inside_border(picker(body, 300)), 18);
    }
}
