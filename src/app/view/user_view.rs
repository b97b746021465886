//! The user view's section line, and the sections besides the fields: roles, apps, MFA
//! factors and recent events. Each shows its own spinner and its own error line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

use crate::api::ApiError;
use crate::app::keymap::{Context, KeyAction};
use crate::app::layout;
use crate::app::list::ListState;
use crate::app::message::{Doing, Failure, Note};
use crate::app::state::{AppState, EditorState};
use crate::app::user_view::{Loaded, Section};
use crate::theme::Theme;

use super::events::{Columns, event_cells, event_widths};
use super::widgets::{key, key_line, safe_owned, spinner, wrap};
use super::words::note_text;

/// Every table of the console starts with a one-column margin.
const MARGIN: Constraint = Constraint::Length(1);

/// `Fields  Roles 3  Apps 2  MFA factors |  Events !` and the keys that walk them.
pub fn draw_sections(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    editor: &EditorState,
    theme: &Theme,
) {
    let mut spans = vec![Span::raw(" ")];
    for section in Section::ALL {
        let (count, loading, failed) = match section {
            Section::Fields => (None, editor.loading, editor.error.is_some()),
            Section::Roles => (
                editor.roles.as_ref().map(Vec::len),
                editor.roles_loading,
                editor.roles_error.is_some(),
            ),
            Section::Apps => counts(&editor.apps),
            Section::Factors => counts(&editor.factors),
            Section::Events => counts(&editor.events),
        };
        let mut label = section.title().to_string();
        if loading {
            label.push_str(&format!(" {}", spinner(state.spinner)));
        } else if failed {
            label.push_str(" !");
        } else if let Some(n) = count {
            label.push_str(&format!(" {n}"));
        }
        let style = if section == editor.section {
            theme.selected
        } else if failed {
            theme.error
        } else {
            theme.muted
        };
        spans.push(Span::styled(format!(" {label} "), style));
        spans.push(Span::raw(" "));
    }
    let context = state.context();
    spans.extend(key_line(
        &state.keymap,
        theme,
        &[(
            context,
            &[KeyAction::NextSection, KeyAction::PrevSection],
            "sections",
        )],
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn counts<T>(section: &Loaded<T>) -> (Option<usize>, bool, bool) {
    (
        section.items.as_ref().map(Vec::len),
        section.loading,
        section.error.is_some(),
    )
}

/// A section other than the fields: its key line above, its rows below.
pub fn draw(
    frame: &mut Frame,
    info: Rect,
    body: Rect,
    state: &AppState,
    editor: &EditorState,
    theme: &Theme,
) {
    draw_info(frame, info, state, editor, theme);
    let section = editor.section;
    let (error, loading, len) = match section {
        Section::Fields => return,
        Section::Roles => (
            editor.roles_error.as_ref(),
            editor.roles_loading,
            editor.roles.as_ref().map(Vec::len),
        ),
        Section::Apps => status_of(&editor.apps),
        Section::Factors => status_of(&editor.factors),
        Section::Events => status_of(&editor.events),
    };
    // The error, whole, then whatever was read before it (a failed retry keeps the rows).
    let body = match error {
        Some(e) => {
            let text = error_text(state, editor.id, section, e);
            let lines = wrap(&text, usize::from(body.width.saturating_sub(1)).max(1)).len();
            let height = u16::try_from(lines).unwrap_or(u16::MAX).min(body.height);
            let [line, rest] =
                Layout::vertical([Constraint::Length(height), Constraint::Fill(1)]).areas(body);
            // One column in, as the tables' text starts.
            let [_, line] =
                Layout::horizontal([Constraint::Length(1), Constraint::Fill(1)]).areas(line);
            frame.render_widget(
                Paragraph::new(Span::styled(text, theme.error)).wrap(Wrap { trim: true }),
                line,
            );
            rest
        }
        None => body,
    };
    let Some(len) = len else {
        if loading {
            let text = format!(
                " {} loading {} of user {}…",
                spinner(state.spinner),
                section.what(),
                editor.id
            );
            frame.render_widget(Paragraph::new(Span::styled(text, theme.muted)), body);
        }
        return;
    };
    if len == 0 {
        let text = match section {
            Section::Roles => " no roles",
            Section::Apps => " no apps",
            Section::Factors => " no MFA factors enrolled",
            _ => " no events",
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.muted)), body);
        return;
    }
    match section {
        Section::Roles => draw_roles(frame, body, state, editor, theme),
        Section::Apps => draw_apps(frame, body, editor, theme),
        Section::Factors => draw_factors(frame, body, editor, theme),
        Section::Events => draw_events(frame, body, state, editor, theme),
        Section::Fields => {}
    }
}

fn status_of<T>(section: &Loaded<T>) -> (Option<&ApiError>, bool, Option<usize>) {
    (
        section.error.as_ref(),
        section.loading,
        section.items.as_ref().map(Vec::len),
    )
}

/// The section's error as every message words it (its 403 names the scope it needs),
/// and the key that tries again.
fn error_text(state: &AppState, id: i64, section: Section, error: &ApiError) -> String {
    let note = Note::Failed {
        doing: Doing::LoadSection { id, section },
        error: Failure::Api(error.clone()),
    };
    let retry = key(&state.keymap, Context::UserView, KeyAction::Refresh);
    format!(
        "{} ({retry} tries again)",
        safe_owned(&note_text(&note, &state.keymap))
    )
}

/// "user 10002 Lucia Roberts": the start of the user view's info line, in every section.
pub(super) fn user_heading(editor: &EditorState, theme: &Theme) -> Vec<Span<'static>> {
    let name = editor
        .user
        .as_ref()
        .map(|u| u.display_name())
        .unwrap_or_default();
    vec![
        Span::styled(format!(" user {} ", editor.id), theme.accent),
        Span::styled(safe_owned(&name), theme.base.add_modifier(Modifier::BOLD)),
    ]
}

fn draw_info(frame: &mut Frame, area: Rect, state: &AppState, editor: &EditorState, theme: &Theme) {
    let mut spans = user_heading(editor, theme);
    spans.push(Span::raw(" "));
    let c = Context::UserView;
    let entries: &[(Context, &[KeyAction], &str)] = match editor.section {
        Section::Factors if !editor.factors.is_empty() => &[
            (c, &[KeyAction::RemoveFactor], "remove"),
            (c, &[KeyAction::Refresh], "reload"),
            (c, &[KeyAction::Actions], "actions"),
        ],
        Section::Events => &[
            (c, &[KeyAction::Open], "show"),
            (c, &[KeyAction::UserEvents], "all on the events screen"),
            (c, &[KeyAction::Refresh], "reload"),
        ],
        _ => &[
            (c, &[KeyAction::Refresh], "reload"),
            (c, &[KeyAction::Actions], "actions"),
        ],
    };
    spans.extend(key_line(&state.keymap, theme, entries));
    if editor.removing.is_some() {
        spans.push(Span::styled(
            format!("{} removing…", spinner(state.spinner)),
            theme.info,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The rows of a section's window, the cursor's highlighted.
fn window_rows<'a, T>(
    items: &'a [T],
    list: &ListState,
    area: Rect,
) -> impl Iterator<Item = (bool, &'a T)> {
    let window = list.window(items.len(), layout::rows_under_header(area));
    let start = window.start;
    items[window]
        .iter()
        .enumerate()
        .map(move |(i, item)| (start + i == list.cursor(), item))
}

fn styled<'a>(row: Row<'a>, selected: bool, theme: &Theme) -> Row<'a> {
    if selected {
        row.style(theme.base.patch(theme.selected))
    } else {
        row.style(theme.base)
    }
}

fn draw_roles(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    editor: &EditorState,
    theme: &Theme,
) {
    let Some(ids) = editor.roles.as_ref() else {
        return;
    };
    let header = Row::new(["", "id", "role"]).style(theme.header);
    let rows = window_rows(ids, &editor.roles_list, area).map(|(selected, id)| {
        // The tenant's role list names it; a role it does not hold shows its id.
        let name = state.roles.iter().find(|r| r.id == *id).map_or_else(
            || format!("role {id} (not in the role list)"),
            |r| safe_owned(&r.name),
        );
        let cells = vec![Cell::from(""), Cell::from(id.to_string()), Cell::from(name)];
        styled(Row::new(cells), selected, theme)
    });
    let widths = [MARGIN, Constraint::Length(12), Constraint::Fill(1)];
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

fn text(value: Option<&str>) -> String {
    value.map(safe_owned).unwrap_or_default()
}

fn draw_apps(frame: &mut Frame, area: Rect, editor: &EditorState, theme: &Theme) {
    let Some(apps) = editor.apps.items.as_ref() else {
        return;
    };
    let header = Row::new([
        "",
        "app",
        "id",
        "login id",
        "prov. state",
        "prov. status",
        "enabled",
    ])
    .style(theme.header);
    let rows = window_rows(apps, &editor.apps.list, area).map(|(selected, app)| {
        let enabled = match app.provisioning_enabled {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        };
        let cells = vec![
            Cell::from(""),
            Cell::from(safe_owned(&app.name)),
            Cell::from(app.id.to_string()),
            Cell::from(app.login_id.map(|l| l.to_string()).unwrap_or_default()),
            Cell::from(text(app.provisioning_state.as_deref())),
            Cell::from(text(app.provisioning_status.as_deref())),
            Cell::from(enabled),
        ];
        styled(Row::new(cells), selected, theme)
    });
    let widths = [
        MARGIN,
        Constraint::Fill(1),
        Constraint::Length(9),
        Constraint::Length(10),
        Constraint::Length(11),
        Constraint::Length(12),
        Constraint::Length(7),
    ];
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

fn draw_factors(frame: &mut Frame, area: Rect, editor: &EditorState, theme: &Theme) {
    let Some(devices) = editor.factors.items.as_ref() else {
        return;
    };
    let header = Row::new(["", "factor", "name", "default", "device id"]).style(theme.header);
    let rows = window_rows(devices, &editor.factors.list, area).map(|(selected, device)| {
        let kind = device
            .type_display_name
            .as_deref()
            .or(device.auth_factor_name.as_deref());
        let mut name = text(device.user_display_name.as_deref());
        if editor.removing.as_deref() == Some(device.device_id.as_str()) {
            name.push_str(" (removing…)");
        }
        let cells = vec![
            Cell::from(""),
            Cell::from(text(kind)),
            Cell::from(name),
            Cell::from(if device.default { "default" } else { "" }),
            Cell::from(safe_owned(&device.device_id)),
        ];
        styled(Row::new(cells), selected, theme)
    });
    let widths = [
        MARGIN,
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Length(7),
        Constraint::Length(12),
    ];
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

fn draw_events(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    editor: &EditorState,
    theme: &Theme,
) {
    let Some(events) = editor.events.items.as_ref() else {
        return;
    };
    // The user is known here: no user column.
    let shown = window_rows(events, &editor.events.list, area).map(|(_, e)| e);
    let columns = Columns::USER_VIEW.fit(shown, state);
    let (titles, widths) = event_widths(area.width, columns);
    let header = Row::new(titles).style(theme.header);
    let rows = window_rows(events, &editor.events.list, area).map(|(selected, event)| {
        styled(
            Row::new(event_cells(event, state, area.width, columns)),
            selected,
            theme,
        )
    });
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}
