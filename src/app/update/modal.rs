//! The keys of whatever is on top of the modal stack, and the one way each is closed.
//!
//! Help scrolls and closes; a question is answered; a text input takes every key but its
//! own (commit, cancel, clear); a picker moves, toggles and chooses. Whatever closes a
//! modal goes through [`close`], which carries out what the closing means.

use ratatui_textarea::Input as TextInput;

use super::*;

/// Asks `question` (y / N).
pub(super) fn ask(state: &mut AppState, question: Question) {
    state.modals.push(Modal::Ask(question));
}

/// Opens a text input for `purpose`, holding `text`.
pub(super) fn input(state: &mut AppState, purpose: InputFor, text: &str) {
    state
        .modals
        .push(Modal::Input(Box::new(Input::new(purpose, text))));
}

/// Opens a picker.
pub(super) fn pick(state: &mut AppState, pick: Pick) {
    state.modals.push(Modal::Pick(Box::new(pick)));
}

/// How a modal ended.
enum Closed {
    /// Esc, or "no".
    Cancelled,
    /// "yes", or the choices taken.
    Answered,
}

pub(super) fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Command> {
    let context = state.key_context();
    let action = state.keymap.lookup(context, &key);
    match state.modals.top_mut() {
        Some(Modal::Help { .. }) => {
            help_key(state, action);
            Vec::new()
        }
        Some(Modal::Ask(_)) => match action {
            Some(KeyAction::Yes) => close(state, Closed::Answered),
            Some(KeyAction::No) => close(state, Closed::Cancelled),
            _ => Vec::new(),
        },
        Some(Modal::Input(_)) => input_key(state, action, key),
        Some(Modal::Pick(_)) => pick_key(state, action),
        Some(Modal::Event(_)) => event_key(state, action),
        Some(Modal::Columns(_)) => match action {
            Some(KeyAction::Cancel) => close(state, Closed::Cancelled),
            Some(KeyAction::Choose) if columns::can_apply(state) => close(state, Closed::Answered),
            Some(KeyAction::Choose) => Vec::new(),
            _ => {
                columns::key(state, action);
                Vec::new()
            }
        },
        None => Vec::new(),
    }
}

/// An event shown whole: scroll, close.
fn event_key(state: &mut AppState, action: Option<KeyAction>) -> Vec<Command> {
    if action == Some(KeyAction::Close) {
        return close(state, Closed::Cancelled);
    }
    let page = u16::try_from(layout::rows(state, ListId::EventDetail)).unwrap_or(u16::MAX);
    let Some(Modal::Event(detail)) = state.modals.top_mut() else {
        return Vec::new();
    };
    // The box wraps long values: the last line is not known here, the view stops there.
    detail.scroll = match action {
        Some(KeyAction::Down) => detail.scroll.saturating_add(1),
        Some(KeyAction::Up) => detail.scroll.saturating_sub(1),
        Some(KeyAction::PageDown) => detail.scroll.saturating_add(page),
        Some(KeyAction::PageUp) => detail.scroll.saturating_sub(page),
        Some(KeyAction::Top) => 0,
        _ => detail.scroll,
    };
    Vec::new()
}

fn help_key(state: &mut AppState, action: Option<KeyAction>) {
    let page = layout::rows(state, ListId::Help);
    let last = u16::try_from(layout::help_lines(state).saturating_sub(page)).unwrap_or(u16::MAX);
    let page = u16::try_from(page).unwrap_or(u16::MAX);
    let Some(Modal::Help { scroll }) = state.modals.top_mut() else {
        return;
    };
    *scroll = match action {
        Some(KeyAction::Down) => scroll.saturating_add(1),
        Some(KeyAction::Up) => scroll.saturating_sub(1),
        Some(KeyAction::PageDown) => scroll.saturating_add(page),
        Some(KeyAction::PageUp) => scroll.saturating_sub(page),
        Some(KeyAction::Top) => 0,
        Some(KeyAction::Bottom) => last,
        Some(KeyAction::Close) => {
            state.modals.pop();
            return;
        }
        _ => *scroll,
    }
    .min(last);
}

fn input_key(state: &mut AppState, action: Option<KeyAction>, key: KeyEvent) -> Vec<Command> {
    let editing_value = matches!(
        state.modals.top(),
        Some(Modal::Input(input)) if matches!(input.purpose, InputFor::EditValue(_))
    );
    // The editor's own save key keeps the value and saves everything pending.
    if editing_value && state.keymap.is(Context::Editor, KeyAction::Save, &key) {
        let mut commands = commit(state);
        if !matches!(state.modals.top(), Some(Modal::Input(_))) {
            commands.extend(editor::save(state));
        }
        return commands;
    }
    match action {
        Some(KeyAction::Cancel) => close(state, Closed::Cancelled),
        Some(KeyAction::Commit) => commit(state),
        Some(action @ (KeyAction::Complete | KeyAction::Older | KeyAction::Newer)) => {
            palette::key(state, action);
            Vec::new()
        }
        Some(KeyAction::ClearLine) => {
            if let Some(input) = state.modals.top_input_mut() {
                input.text.delete_line_by_head();
                input.text.delete_line_by_end();
            }
            after_edit(state);
            Vec::new()
        }
        // The text area would insert a line break: a value is one line.
        _ if is_line_break(&key) => Vec::new(),
        _ => {
            if let Some(input) = state.modals.top_input_mut() {
                input.text.input(TextInput::from(key));
            }
            after_edit(state);
            Vec::new()
        }
    }
}

fn is_line_break(key: &KeyEvent) -> bool {
    use crossterm::event::{KeyCode, KeyModifiers};
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    matches!(key.code, KeyCode::Enter) || (ctrl && matches!(key.code, KeyCode::Char('m' | 'j')))
}

/// Pasted text goes to the input on top; a value is one line, so line breaks become spaces.
pub(super) fn paste(state: &mut AppState, text: &str) {
    if let Some(input) = state.modals.top_input_mut() {
        input.text.insert_str(text.replace(['\r', '\n'], " "));
        after_edit(state);
    }
}

/// The `/` filters follow every keystroke.
fn after_edit(state: &mut AppState) {
    let Some(Modal::Input(input)) = state.modals.top() else {
        return;
    };
    match input.purpose {
        InputFor::UsersFilter => {
            state.users.filter = input.text();
            users::refilter_users(state);
        }
        InputFor::LogFilter => {
            state.log.filter = input.text();
            request_log::refilter_log(state);
        }
        InputFor::EventsFilter => {
            state.events.filter = input.text();
            events::refilter(state);
        }
        InputFor::UsersSearch => {
            let text = input.text();
            super::cache::live_search(state, &text);
        }
        _ => {}
    }
}

/// Why a submitted text was not taken; the input stays open.
pub(super) struct Rejected {
    pub note: Box<Note>,
    /// Shown in the input's own box (a typed confirmation is cleared), not as a message.
    pub inline: bool,
}

/// Enter in a text input: its text goes where the input is for. A refused text stays for
/// another try, nothing typed is lost (the typed confirmation starts empty again).
fn commit(state: &mut AppState) -> Vec<Command> {
    let Some(Modal::Input(mut input)) = state.modals.pop() else {
        return Vec::new();
    };
    let text = input.text();
    let result = match &input.purpose {
        InputFor::UsersFilter | InputFor::LogFilter | InputFor::EventsFilter => Ok(Vec::new()),
        InputFor::EventsUser => events::commit_user(state, &text),
        InputFor::EventsSince => events::commit_date(state, &text, true),
        InputFor::EventsUntil => events::commit_date(state, &text, false),
        InputFor::UsersSearch => users::search(state, &text),
        InputFor::EditValue(key) => editor::commit_value(state, key.clone(), &text),
        InputFor::ChangeValue { kind, name } => bulk::commit_value(state, *kind, name, &text),
        InputFor::TypedConfirm => bulk::typed_confirmation(state, &text),
        InputFor::LockMinutes => actions::commit_minutes(state, &text),
        InputFor::Palette => palette::run(state, &text),
        InputFor::TenantName => protect::commit_name(state, &text),
    };
    match result {
        Ok(commands) => commands,
        Err(rejected) => {
            if rejected.inline {
                input.error = Some(*rejected.note);
                // A confirmation is typed afresh; any other text stays to be corrected.
                if matches!(input.purpose, InputFor::TypedConfirm | InputFor::TenantName) {
                    input.text = super::super::modal::line_input("");
                }
            } else {
                toast(state, Level::Error, *rejected.note);
            }
            state.modals.push(Modal::Input(input));
            Vec::new()
        }
    }
}

fn pick_key(state: &mut AppState, action: Option<KeyAction>) -> Vec<Command> {
    let Some(Modal::Pick(pick)) = state.modals.top() else {
        return Vec::new();
    };
    let rows = layout::rows(state, ListId::Picker(pick.options.len()));
    let Some(Modal::Pick(pick)) = state.modals.top_mut() else {
        return Vec::new();
    };
    let len = pick.options.len();
    match action {
        Some(KeyAction::Cancel) => close(state, Closed::Cancelled),
        Some(KeyAction::ToggleChoice) => {
            let row = pick.list.cursor();
            if pick.multi {
                pick.list.toggle(row);
            } else if row < len {
                pick.list.mark_only(row);
            }
            Vec::new()
        }
        Some(KeyAction::Choose) => {
            if !pick.multi {
                if len == 0 {
                    return close(state, Closed::Cancelled);
                }
                let row = pick.list.cursor();
                pick.list.mark_only(row);
            }
            close(state, Closed::Answered)
        }
        Some(action) => {
            pick.list.key(action, len, rows);
            Vec::new()
        }
        None => Vec::new(),
    }
}

/// The one close path: pops the top modal and does what its closing means.
fn close(state: &mut AppState, how: Closed) -> Vec<Command> {
    let Some(modal) = state.modals.pop() else {
        return Vec::new();
    };
    match (modal, how) {
        (Modal::Help { .. } | Modal::Event(_), _)
        | (Modal::Ask(_) | Modal::Columns(_), Closed::Cancelled) => Vec::new(),
        (Modal::Columns(chooser), Closed::Answered) => {
            columns::set(state, chooser.chosen());
            Vec::new()
        }
        (Modal::Ask(question), Closed::Answered) => answer(state, question),
        (Modal::Input(input), Closed::Cancelled) if input.purpose == InputFor::TenantName => {
            protect::dropped(state)
        }
        (Modal::Input(input), Closed::Cancelled) => {
            cancelled_input(state, &input.purpose);
            Vec::new()
        }
        // An input is answered through `commit`, which checks the text first.
        (Modal::Input(_), Closed::Answered) => Vec::new(),
        (Modal::Pick(pick), Closed::Cancelled) => {
            if matches!(pick.purpose, PickFor::Action | PickFor::State) {
                actions::dropped(state);
            }
            Vec::new()
        }
        (Modal::Pick(pick), Closed::Answered) => {
            let chosen = pick.chosen();
            match pick.purpose {
                PickFor::Roles => {
                    let ids = chosen
                        .iter()
                        .filter_map(|c| match c {
                            Choice::Role(id) => Some(*id),
                            _ => None,
                        })
                        .collect();
                    editor::set_pending(state, RowKey::Roles, Pending::Roles(ids));
                    Vec::new()
                }
                PickFor::Group => {
                    let group = chosen.iter().find_map(|c| match c {
                        Choice::Group(g) => Some(*g),
                        _ => None,
                    });
                    if let Some(group) = group {
                        editor::set_pending(state, RowKey::Group, Pending::Group(group));
                    }
                    Vec::new()
                }
                PickFor::Change(kind) => match chosen.into_iter().next() {
                    Some(choice) => bulk::picked(state, kind, choice),
                    None => Vec::new(),
                },
                PickFor::EventTypes => events::picked_types(state, chosen),
                PickFor::Action | PickFor::State => match chosen.into_iter().next() {
                    Some(choice) => actions::picked(state, choice),
                    None => Vec::new(),
                },
                PickFor::Window => match chosen.into_iter().next() {
                    Some(Choice::Window(choice)) => events::picked_window(state, choice),
                    _ => Vec::new(),
                },
            }
        }
    }
}

fn cancelled_input(state: &mut AppState, purpose: &InputFor) {
    match purpose {
        InputFor::UsersFilter => {
            state.users.filter.clear();
            users::refilter_users(state);
        }
        InputFor::LogFilter => {
            state.log.filter.clear();
            request_log::refilter_log(state);
        }
        InputFor::TypedConfirm => {
            state.bulk.cancel_confirm();
            status(
                state,
                Level::Info,
                Note::text("Cancelled: nothing was written"),
            );
        }
        InputFor::EventsFilter => {
            state.events.filter.clear();
            events::refilter(state);
        }
        InputFor::LockMinutes => actions::dropped(state),
        InputFor::Palette => state.palette.opened(),
        InputFor::TenantName
        | InputFor::UsersSearch
        | InputFor::EditValue(_)
        | InputFor::ChangeValue { .. }
        | InputFor::EventsUser
        | InputFor::EventsSince
        | InputFor::EventsUntil => {}
    }
}

fn answer(state: &mut AppState, question: Question) -> Vec<Command> {
    match question {
        Question::Quit => {
            state.quit = true;
            vec![Command::Quit]
        }
        Question::DiscardEdits => {
            state.editor = None;
            state.screen = Screen::Users;
            status(state, Level::Info, Note::text("Unsaved changes discarded"));
            Vec::new()
        }
        Question::CancelRun => bulk::cancel_run(state),
        Question::LoadAll { generation, cost } => users::load_every_page(state, generation, cost),
        Question::RemoveFactor {
            user,
            device_id,
            name,
            ..
        } => user_view::remove_factor(state, user, device_id, name),
        Question::Resend {
            what,
            method,
            url,
            body,
        } => vec![Command::Resend {
            what,
            method,
            url,
            body,
        }],
    }
}
