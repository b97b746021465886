//! The user view's sections: switching between them, loading each the first time it is
//! shown, retrying one, and removing an MFA factor (asked first).

use super::*;
use crate::api::{Event, MfaDevice, UserApp};
use crate::app::modal::EventDetail;
use crate::app::user_view::{Loaded, Section};

/// A key on the user view: section keys in any section, then the section's own.
pub(super) fn key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let Some(editor) = state.editor.as_ref() else {
        return Vec::new();
    };
    let section = editor.section;
    match action {
        KeyAction::NextSection => return show(state, section.next()),
        KeyAction::PrevSection => return show(state, section.previous()),
        KeyAction::UserEvents => {
            let id = editor.id;
            return events::open_for_user(state, id);
        }
        KeyAction::Actions => return actions::from_user_view(state),
        _ => {}
    }
    if section == Section::Fields {
        return editor_key(state, action);
    }
    if action == KeyAction::Refresh {
        return reload(state, section);
    }
    let height = layout::rows(state, ListId::UserSection);
    let Some(editor) = state.editor.as_mut() else {
        return Vec::new();
    };
    let len = section_len(editor);
    if section_list(editor, section).key(action, len, height) {
        return Vec::new();
    }
    match (section, action) {
        (Section::Factors, KeyAction::RemoveFactor) => ask_remove(state),
        (Section::Events, KeyAction::Open) => {
            let event = editor.events.current().cloned();
            if let Some(event) = event {
                open_event(state, event);
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Shows `section`, loading it when it has never been read.
pub(super) fn show(state: &mut AppState, section: Section) -> Vec<Command> {
    let Some(editor) = state.editor.as_mut() else {
        return Vec::new();
    };
    editor.section = section;
    let mut commands = match section {
        // The fields and roles are read when the view opens.
        Section::Fields | Section::Roles => Vec::new(),
        Section::Apps if editor.apps.wanted() => reload(state, section),
        Section::Factors if editor.factors.wanted() => reload(state, section),
        Section::Events if editor.events.wanted() => reload(state, section),
        _ => Vec::new(),
    };
    if section == Section::Events && state.event_types.wanted() {
        state.event_types.loading = true;
        commands.push(Command::LoadEventTypes);
    }
    commands
}

/// Reads `section` again (`r`): only that section, the others stay as they are.
pub(super) fn reload(state: &mut AppState, section: Section) -> Vec<Command> {
    let Some(editor) = state.editor.as_mut() else {
        return Vec::new();
    };
    let id = editor.id;
    match section {
        Section::Fields => editor_key(state, KeyAction::Refresh),
        Section::Roles => {
            if editor.roles_loading {
                return Vec::new();
            }
            editor.roles_loading = true;
            editor.roles_error = None;
            vec![Command::LoadUserRoles { id }]
        }
        Section::Apps => started(&mut editor.apps, Command::LoadUserApps { id }),
        Section::Factors => started(&mut editor.factors, Command::LoadUserFactors { id }),
        Section::Events => {
            let mut commands = started(&mut editor.events, Command::LoadUserEvents { id });
            // A refresh also tries the type names again if they failed.
            if state.event_types.error.is_some() {
                state.event_types.error = None;
            }
            if state.event_types.wanted() {
                state.event_types.loading = true;
                commands.push(Command::LoadEventTypes);
            }
            commands
        }
    }
}

/// A bulk run ended: the open user may be one it changed (an action from this view is),
/// so what is shown of it is read again; unsaved edits keep the fields as they are.
pub(super) fn after_run(state: &mut AppState) -> Vec<Command> {
    let Some(editor) = state.editor.as_ref() else {
        return Vec::new();
    };
    let mut sections = Vec::new();
    if editor.pending.is_empty() {
        sections.push(Section::Fields);
    }
    if editor.apps.items.is_some() {
        sections.push(Section::Apps);
    }
    if editor.factors.items.is_some() {
        sections.push(Section::Factors);
    }
    if editor.events.items.is_some() {
        sections.push(Section::Events);
    }
    sections
        .into_iter()
        .flat_map(|section| reload(state, section))
        .collect()
}

fn started<T>(section: &mut Loaded<T>, command: Command) -> Vec<Command> {
    if section.start() {
        vec![command]
    } else {
        Vec::new()
    }
}

fn section_len(editor: &EditorState) -> usize {
    match editor.section {
        Section::Fields => 0,
        Section::Roles => editor.roles.as_ref().map_or(0, Vec::len),
        Section::Apps => editor.apps.len(),
        Section::Factors => editor.factors.len(),
        Section::Events => editor.events.len(),
    }
}

fn section_list(editor: &mut EditorState, section: Section) -> &mut crate::app::list::ListState {
    match section {
        Section::Fields => &mut editor.list,
        Section::Roles => &mut editor.roles_list,
        Section::Apps => &mut editor.apps.list,
        Section::Factors => &mut editor.factors.list,
        Section::Events => &mut editor.events.list,
    }
}

/// After a resize or a reload: every section's cursor on a row, in its window.
pub(super) fn clamp(state: &mut AppState) {
    let height = layout::rows(state, ListId::UserSection);
    let Some(editor) = state.editor.as_mut() else {
        return;
    };
    let roles = editor.roles.as_ref().map_or(0, Vec::len);
    editor.roles_list.clamp(roles, height);
    let apps = editor.apps.len();
    editor.apps.list.clamp(apps, height);
    let factors = editor.factors.len();
    editor.factors.list.clamp(factors, height);
    let events = editor.events.len();
    editor.events.list.clamp(events, height);
}

/// The answer to a section's read: its rows, or its own error (and a message).
fn answered<T>(
    state: &mut AppState,
    id: i64,
    section: Section,
    result: Result<Vec<T>, ApiError>,
    slot: fn(&mut EditorState) -> &mut Loaded<T>,
) {
    let Some(editor) = state.editor.as_mut().filter(|e| e.id == id) else {
        return;
    };
    let failure = result.as_ref().err().cloned();
    slot(editor).finish(result);
    clamp(state);
    if let Some(e) = failure {
        failed(state, Doing::LoadSection { id, section }, Failure::Api(e));
    }
}

pub(super) fn on_roles(state: &mut AppState, id: i64, result: Result<Vec<i64>, ApiError>) {
    let Some(editor) = state.editor.as_mut().filter(|e| e.id == id) else {
        return;
    };
    editor.roles_loading = false;
    match result {
        Ok(roles) => {
            editor.roles = Some(roles);
            editor.roles_error = None;
            clamp(state);
        }
        Err(e) => {
            editor.roles_error = Some(e.clone());
            let section = Section::Roles;
            failed(state, Doing::LoadSection { id, section }, Failure::Api(e));
        }
    }
}

pub(super) fn on_apps(state: &mut AppState, id: i64, result: Result<Vec<UserApp>, ApiError>) {
    answered(state, id, Section::Apps, result, |e| &mut e.apps);
}

pub(super) fn on_factors(state: &mut AppState, id: i64, result: Result<Vec<MfaDevice>, ApiError>) {
    answered(state, id, Section::Factors, result, |e| &mut e.factors);
}

pub(super) fn on_events(state: &mut AppState, id: i64, result: Result<Vec<Event>, ApiError>) {
    // Newest first, whatever order the page came in.
    let result = result.map(|mut events| {
        events.sort_by_key(|e| std::cmp::Reverse(e.id));
        events
    });
    answered(state, id, Section::Events, result, |e| &mut e.events);
}

/// The removal key: a question naming the factor and the user.
fn ask_remove(state: &mut AppState) {
    let Some(editor) = state.editor.as_ref() else {
        return;
    };
    if editor.removing.is_some() {
        status(
            state,
            Level::Info,
            Note::text("A factor is being removed: wait for the answer"),
        );
        return;
    }
    let Some(device) = editor.factors.current() else {
        return;
    };
    let user_name = editor
        .user
        .as_ref()
        .map(|u| u.display_name())
        .unwrap_or_default();
    let question = Question::RemoveFactor {
        user: editor.id,
        user_name,
        device_id: device.device_id.clone(),
        name: factor_name(device),
    };
    modal::ask(state, question);
}

/// How messages name a factor: the user's name for it and its type.
pub fn factor_name(device: &MfaDevice) -> String {
    let kind = device
        .type_display_name
        .as_deref()
        .or(device.auth_factor_name.as_deref())
        .unwrap_or("factor");
    match device.user_display_name.as_deref() {
        Some(name) if !name.trim().is_empty() && name != kind => format!("{name} ({kind})"),
        _ => kind.to_string(),
    }
}

/// "Yes" to the question: the call.
pub(super) fn remove_factor(
    state: &mut AppState,
    user: i64,
    device_id: String,
    name: String,
) -> Vec<Command> {
    if state.read_only {
        return Vec::new();
    }
    let Some(editor) = state.editor.as_mut().filter(|e| e.id == user) else {
        return Vec::new();
    };
    editor.removing = Some(device_id.clone());
    status(
        state,
        Level::Info,
        Note::Text(format!("Removing the MFA factor {name}…")),
    );
    vec![Command::RemoveFactor {
        id: user,
        device_id,
        name,
    }]
}

/// The removal answered: the list is read again either way (it is the truth now).
pub(super) fn on_removed(
    state: &mut AppState,
    id: i64,
    name: String,
    result: Result<(), ApiError>,
) -> Vec<Command> {
    match result {
        Ok(()) => toast(
            state,
            Level::Success,
            Note::Text(format!("Removed the MFA factor {name} from user {id}")),
        ),
        Err(e) => failed(state, Doing::RemoveFactor { id, name }, Failure::Api(e)),
    }
    let Some(editor) = state.editor.as_mut().filter(|e| e.id == id) else {
        return Vec::new();
    };
    editor.removing = None;
    // The removal left an event: the events section reads again when next shown.
    if !editor.events.loading {
        editor.events.items = None;
    }
    let mut commands = reload(state, Section::Factors);
    if state
        .editor
        .as_ref()
        .is_some_and(|e| e.section == Section::Events)
    {
        commands.extend(reload(state, Section::Events));
    }
    commands
}

/// Enter on an event: every key it came with, in a box.
pub(super) fn open_event(state: &mut AppState, event: Event) {
    let type_name = state.event_types.name(event.event_type_id);
    let run = state.run_marks.run_of(&event).map(str::to_string);
    state.modals.push(Modal::Event(Box::new(EventDetail {
        event,
        type_name,
        run,
        scroll: 0,
    })));
}

#[cfg(test)]
#[path = "user_view_tests.rs"]
pub(crate) mod tests;
