//! The modal stack's overlays, bottom to top: the help, a question, a picker, and the text
//! inputs that are boxes of their own (the screens draw their inline inputs themselves).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, Paragraph, Wrap};

use crate::app::bulk_flow::{BulkFlow, Confirming, PlanFor};
use crate::app::keymap::{Context, KeyAction};
use crate::app::layout::{self, centered};
use crate::app::modal::{Input, InputFor, Modal, Pick, PickFor, Question};
use crate::app::state::AppState;
use crate::bulk::{Change, PlanKind};
use crate::theme::Theme;

use super::widgets::{key, safe};
use super::words::{load_all_question, note_text};

/// `area` is the whole terminal, `body` the screen between the tab and status lines.
pub fn draw(frame: &mut Frame, area: Rect, body: Rect, state: &AppState, theme: &Theme) {
    for modal in state.modals.iter() {
        match modal {
            Modal::Help { scroll } => draw_help(frame, area, state, *scroll, theme),
            Modal::Ask(question) => draw_ask(frame, area, state, question, theme),
            Modal::Event(detail) => super::events::draw_detail(frame, body, state, detail, theme),
            Modal::Pick(pick) => draw_pick(frame, body, state, pick, theme),
            Modal::Columns(chooser) => super::columns::draw(frame, body, state, chooser, theme),
            Modal::Input(input) => match input.purpose {
                InputFor::ChangeValue { .. } => draw_change_value(frame, body, state, input, theme),
                InputFor::TypedConfirm => draw_typed_confirm(frame, body, state, input, theme),
                InputFor::LockMinutes => draw_lock_minutes(frame, body, state, input, theme),
                InputFor::Palette => draw_palette(frame, area, state, input, theme),
                InputFor::TenantName => draw_tenant_name(frame, body, state, input, theme),
                // Drawn inline by their screens.
                InputFor::UsersFilter
                | InputFor::UsersSearch
                | InputFor::LogFilter
                | InputFor::EditValue(_)
                | InputFor::EventsFilter
                | InputFor::EventsUser
                | InputFor::EventsSince
                | InputFor::EventsUntil => {}
            },
        }
    }
}

/// The `?` overlay, generated from the keymap: what you see is what the keys do.
fn draw_help(frame: &mut Frame, area: Rect, state: &AppState, scroll: u16, theme: &Theme) {
    let rect = layout::help(area);
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
        format!(
            "Command line ({}): Tab completes, ↑/↓ recall",
            key(&state.keymap, Context::Global, KeyAction::Palette)
        ),
        theme.header,
    )));
    for verb in crate::app::palette::VERBS {
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {:<22}", format!("{} {}", verb.name, verb.args)),
                theme.key,
            ),
            Span::raw(verb.help),
        ]));
    }
    lines.push(Line::default());
    if state.read_only {
        lines.push(Line::from(Span::styled(
            "Read-only: no write keys are bound.",
            theme.warn,
        )));
    }
    let title = format!(
        " keys · {}{} scroll · {} closes ",
        key(&state.keymap, Context::HelpBox, KeyAction::Up),
        key(&state.keymap, Context::HelpBox, KeyAction::Down),
        key(&state.keymap, Context::HelpBox, KeyAction::Close)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(theme.accent)
        .style(theme.base);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), rect);
}

fn draw_ask(frame: &mut Frame, area: Rect, state: &AppState, question: &Question, theme: &Theme) {
    let text = question_text(state, question);
    // One line of words wraps into three; more lines get more room.
    let height = if text.len() > 1 { 9 } else { 7 };
    let rect = centered(area, 60, height);
    frame.render_widget(Clear, rect);
    let mut lines: Vec<Line> = text.into_iter().map(Line::from).collect();
    lines.extend([
        Line::default(),
        Line::from(vec![
            Span::styled(
                format!(" {} ", state.keymap.key(Context::Ask, KeyAction::Yes)),
                theme.key,
            ),
            Span::raw(" yes    "),
            Span::styled(
                format!(" {} ", state.keymap.keys_of(Context::Ask, KeyAction::No)),
                theme.selected,
            ),
            Span::raw(" no, stay"),
        ]),
    ]);
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

fn question_text(state: &AppState, question: &Question) -> Vec<String> {
    let text = match question {
        Question::Quit if !state.bulk.running() && !state.runs_elsewhere.is_empty() => format!(
            "A bulk run is going on profile {}. Quit? It stops cleanly (the calls in flight finish) and can be resumed there: {}, then {}.",
            safe(&state.runs_elsewhere.join(", ")),
            key(&state.keymap, Context::Global, KeyAction::ScreenBulk),
            key(&state.keymap, Context::BulkRuns, KeyAction::ResumeRun)
        ),
        Question::Quit if state.bulk.running() => format!(
            "A bulk run is going. Quit? It stops cleanly (the calls in flight finish) and can be resumed: {}, then {}.",
            key(&state.keymap, Context::Global, KeyAction::ScreenBulk),
            key(&state.keymap, Context::BulkRuns, KeyAction::ResumeRun)
        ),
        Question::Quit => format!(
            "{} request(s) are still in flight. Quit anyway?",
            state.in_flight
        ),
        Question::CancelRun => format!(
            "Cancel the run? The calls in flight finish, nothing else is sent; {} on past runs resumes it.",
            key(&state.keymap, Context::BulkRuns, KeyAction::ResumeRun)
        ),
        Question::DiscardEdits => {
            let n = state.editor.as_ref().map_or(0, |e| e.pending.len());
            format!("{n} unsaved change(s). Leave and discard them?")
        }
        Question::LoadAll { cost, .. } => return load_all_question(cost),
        Question::RemoveFactor {
            user,
            user_name,
            name,
            ..
        } => format!(
            "Remove the MFA factor {} from user {user} {}? It cannot be undone: the user enrolls it again.",
            safe(name),
            safe(user_name)
        ),
        Question::Resend { what, .. } => format!(
            "Send {} again to profile `{}` (tenant {})? It is a write: it changes the tenant as it did the first time.",
            safe(what),
            safe(&state.tenant.profile),
            safe(&state.tenant.address())
        ),
    };
    vec![text]
}

fn draw_pick(frame: &mut Frame, body: Rect, state: &AppState, pick: &Pick, theme: &Theme) {
    let rect = layout::picker(body, pick.options.len());
    frame.render_widget(Clear, rect);
    let rows = layout::rows_inside_border(rect);
    let k = |action| key(&state.keymap, Context::Pick, action);
    // What it is for, then its keys: many choices toggle and keep, one is chosen.
    let title = |what: &str, many: bool| {
        if many {
            format!(
                " {what} · {} toggles · {} keeps · {} cancels ",
                k(KeyAction::ToggleChoice),
                k(KeyAction::Choose),
                k(KeyAction::Cancel)
            )
        } else {
            format!(
                " {what} · {} chooses · {} cancels ",
                k(KeyAction::Choose),
                k(KeyAction::Cancel)
            )
        }
    };
    // The users an action is for come first: a long name still leaves the keys room.
    let whom = safe(action_for(state));
    let (title, marks) = match pick.purpose {
        PickFor::Roles => (title("roles", true), true),
        PickFor::Group => (title("group", false), true),
        PickFor::Change(kind) => (format!(" {} ", kind.title()), false),
        PickFor::EventTypes => (title("types", true), true),
        PickFor::Window => (title("time window", false), false),
        PickFor::Action => (title(&whom, false), false),
        PickFor::State => (title(&format!("state for {whom}"), false), false),
    };
    let items: Vec<ListItem> = pick
        .options
        .iter()
        .enumerate()
        .skip(pick.list.window(pick.options.len(), rows).start)
        .take(rows)
        .map(|(i, (_, label))| {
            let text = if marks {
                let mark = if pick.list.is_marked(&i) {
                    "[x]"
                } else {
                    "[ ]"
                };
                format!("{mark} {}", safe(label))
            } else {
                format!(" {}", safe(label))
            };
            let style = if i == pick.list.cursor() {
                theme.selected
            } else {
                theme.base
            };
            ListItem::new(text).style(style)
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(theme.accent)
        .style(theme.base);
    frame.render_widget(List::new(items).block(block), rect);
}

/// A boxed input's text, highlighted as the field that has the keyboard.
fn draw_text(frame: &mut Frame, area: Rect, input: &Input, theme: &Theme) {
    let mut text = input.text.clone();
    text.set_style(theme.selected);
    text.set_cursor_line_style(theme.selected);
    frame.render_widget(&text, area);
}

/// A box over the body with a title and a border in `border`; returns its inside.
fn open_box(frame: &mut Frame, rect: Rect, title: String, border: Style, theme: &Theme) -> Rect {
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .style(theme.base)
        .border_style(border);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner
}

fn draw_change_value(
    frame: &mut Frame,
    body: Rect,
    state: &AppState,
    input: &Input,
    theme: &Theme,
) {
    let InputFor::ChangeValue { kind, name } = &input.purpose else {
        return;
    };
    let title = format!(" {}: {} ", kind.title(), safe(name));
    let inner = open_box(frame, centered(body, 60, 6), title, theme.accent, theme);
    let [label, field, note] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(format!(
            " New value for {} selected user(s):",
            state.users.list.marks().len()
        )),
        label,
    );
    draw_text(frame, field, input, theme);
    let k = |action| key(&state.keymap, Context::Input, action);
    frame.render_widget(
        Paragraph::new(Span::styled(
            format!(
                " {} adds the change · {} cancels · empty text clears",
                k(KeyAction::Commit),
                k(KeyAction::Cancel)
            ),
            theme.muted,
        ))
        .wrap(Wrap { trim: false }),
        note,
    );
}

/// The command line, over the status line; its error or Tab's candidates on the row above.
fn draw_palette(frame: &mut Frame, area: Rect, state: &AppState, input: &Input, theme: &Theme) {
    let [_, above, line] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let [colon, field] =
        Layout::horizontal([Constraint::Length(2), Constraint::Fill(1)]).areas(line);
    frame.render_widget(Clear, line);
    frame.render_widget(Paragraph::new(Span::styled(" :", theme.key)), colon);
    draw_text(frame, field, input, theme);
    let note = match &input.error {
        Some(e) => Some(Span::styled(
            format!(" {}", safe(&note_text(e, &state.keymap))),
            theme.error,
        )),
        None if !state.palette.options.is_empty() => Some(Span::styled(
            format!(" {}", state.palette.options.join("  ")),
            theme.muted,
        )),
        None => None,
    };
    if let Some(note) = note {
        frame.render_widget(Clear, above);
        frame.render_widget(Paragraph::new(note).style(theme.base), above);
    }
}

fn draw_lock_minutes(
    frame: &mut Frame,
    body: Rect,
    state: &AppState,
    input: &Input,
    theme: &Theme,
) {
    let title = format!(" lock {} ", safe(action_for(state)));
    let inner = open_box(frame, centered(body, 64, 6), title, theme.accent, theme);
    let [label, field, note] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(" Lock for how many minutes? (empty or 0: the policy's time)")
            .wrap(Wrap { trim: false }),
        label,
    );
    draw_text(frame, field, input, theme);
    let k = |action| key(&state.keymap, Context::Input, action);
    let text = match &input.error {
        Some(e) => Span::styled(
            format!(" {}", safe(&note_text(e, &state.keymap))),
            theme.error,
        ),
        None => Span::styled(
            format!(
                " {} previews (nothing is sent yet) · {} cancels",
                k(KeyAction::Commit),
                k(KeyAction::Cancel)
            ),
            theme.muted,
        ),
    };
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), note);
}

fn draw_typed_confirm(
    frame: &mut Frame,
    body: Rect,
    state: &AppState,
    input: &Input,
    theme: &Theme,
) {
    let BulkFlow::Confirming(confirming) = &state.bulk.flow else {
        return;
    };
    let verb = match &**confirming {
        Confirming::Resume { run, .. } => format!("Resume run {}", safe(run)),
        Confirming::Plan(p) => match &p.preview.kind {
            PlanKind::Undo { of, .. } => format!("Undo run {}", safe(of)),
            PlanKind::Apply => match &p.of {
                PlanFor::Action {
                    change: Change::Delete,
                    ..
                } => "Delete for good".to_string(),
                PlanFor::Action { change, .. } => capitalized(&change.to_string()),
                _ => "Apply the changes".to_string(),
            },
        },
    };
    let users = confirming.users();
    let answer = crate::app::protect::confirm_answer(
        confirming.answer(),
        &state.protect,
        &state.tenant.profile,
    );
    let cannot = match &**confirming {
        Confirming::Plan(p) => p.preview.plan.irreversible_text(),
        Confirming::Resume { .. } => None,
    };
    let k = |action| key(&state.keymap, Context::Input, action);
    let title = format!(" confirm · {} cancels ", k(KeyAction::Cancel));
    let inner = open_box(frame, centered(body, 64, 9), title, theme.warn, theme);
    let [text, field, error] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    let lines = vec![
        Line::from(vec![
            Span::raw(format!(" {verb}: ")),
            Span::styled(format!("{users} user(s)"), theme.marked),
        ]),
        Line::from(format!(
            " on profile `{}` (tenant {})",
            safe(&state.tenant.profile),
            safe(&state.tenant.address())
        )),
        match cannot {
            Some(text) => Line::from(Span::styled(format!(" {text}"), theme.warn)),
            None => Line::default(),
        },
        Line::from(vec![
            Span::raw(" Type "),
            Span::styled(answer.clone(), theme.accent.add_modifier(Modifier::BOLD)),
            Span::raw(format!(
                " and {} to confirm; {} cancels:",
                k(KeyAction::Commit),
                k(KeyAction::Cancel)
            )),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines), text);
    draw_answer(frame, field, error, state, input, theme);
}

/// A protected tenant: the held writes, and the profile's name to type.
fn draw_tenant_name(frame: &mut Frame, body: Rect, state: &AppState, input: &Input, theme: &Theme) {
    let k = |action| key(&state.keymap, Context::Input, action);
    let title = format!(
        " protected tenant · {} sends nothing ",
        k(KeyAction::Cancel)
    );
    let inner = open_box(frame, centered(body, 64, 9), title, theme.warn, theme);
    let [text, field, error] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    let name = safe(&state.tenant.profile);
    let lines = vec![
        Line::from(vec![
            Span::raw(" Profile "),
            Span::styled(format!("`{name}`"), state.band.unwrap_or(theme.marked)),
            Span::raw(format!(
                " (tenant {}) is protected.",
                safe(&state.tenant.address())
            )),
        ]),
        Line::from(format!(
            " To send: {}",
            safe(&crate::app::protect::held_words(&state.protect.held))
        )),
        Line::default(),
        Line::from(vec![
            Span::raw(" Type "),
            Span::styled(name.to_string(), theme.accent.add_modifier(Modifier::BOLD)),
            Span::raw(format!(" and {} to send:", k(KeyAction::Commit))),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text);
    draw_answer(frame, field, error, state, input, theme);
}

/// A typed answer's line and, under it, why the last one was refused.
fn draw_answer(
    frame: &mut Frame,
    field: Rect,
    error: Rect,
    state: &AppState,
    input: &Input,
    theme: &Theme,
) {
    let [_, input_area] =
        Layout::horizontal([Constraint::Length(1), Constraint::Fill(1)]).areas(field);
    draw_text(frame, input_area, input, theme);
    if let Some(e) = &input.error {
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!(" {}", safe(&note_text(e, &state.keymap))),
                theme.error,
            ))
            .wrap(Wrap { trim: false }),
            error,
        );
    }
}

/// "Lock for 30 minute(s)" from "lock for 30 minute(s)".
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Whom the action being picked goes to: "20 selected user(s)".
fn action_for(state: &AppState) -> &str {
    state.bulk.action.as_ref().map_or("", |t| t.label.as_str())
}
