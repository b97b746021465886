//! The change form: pick what to change (a picker), type its value (an input), and the
//! list of changes that a preview will plan over the selection.

use super::super::modal::{self, Rejected};
use super::*;
use crate::api::UPDATABLE_FIELDS;
use crate::app::bulk_flow::PlanFor;
use crate::app::list::ListState;
use crate::app::state::ChangeKind;
use crate::bulk::Change;

pub(super) fn key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let rows = layout::rows(state, ListId::BulkChanges);
    let bulk = &mut state.bulk;
    if bulk.changes_list.key(action, bulk.changes.len(), rows) {
        return Vec::new();
    }
    match action {
        KeyAction::BulkSetAttribute => open_pick(state, ChangeKind::SetAttribute),
        KeyAction::BulkClearAttribute => open_pick(state, ChangeKind::ClearAttribute),
        KeyAction::BulkSetField => open_pick(state, ChangeKind::SetField),
        KeyAction::BulkAddRole => open_pick(state, ChangeKind::AddRole),
        KeyAction::BulkRemoveRole => open_pick(state, ChangeKind::RemoveRole),
        KeyAction::BulkDeleteChange => state.bulk.remove_change(rows),
        KeyAction::BulkPreview => return plan(state),
        KeyAction::BulkApply => status(state, Level::Info, Note::Hint(Hint::PreviewFirst)),
        _ => {}
    }
    Vec::new()
}

fn open_pick(state: &mut AppState, kind: ChangeKind) {
    let options: Vec<(Choice, String)> = match kind {
        ChangeKind::SetAttribute | ChangeKind::ClearAttribute => state
            .fields
            .iter()
            .map(|f| (Choice::Attribute(f.clone()), f.clone()))
            .collect(),
        ChangeKind::SetField => UPDATABLE_FIELDS
            .iter()
            .map(|f| (Choice::Field(f), (*f).to_string()))
            .collect(),
        ChangeKind::AddRole | ChangeKind::RemoveRole => state
            .roles
            .iter()
            .map(|r| (Choice::Role(r.id), format!("{} ({})", r.name, r.id)))
            .collect(),
    };
    if options.is_empty() {
        let what = match kind {
            ChangeKind::AddRole | ChangeKind::RemoveRole => "roles",
            _ => "custom attribute fields",
        };
        status(
            state,
            Level::Warning,
            Note::Text(format!(
                "The tenant's {what} are not loaded (yet): nothing to pick from"
            )),
        );
        return;
    }
    modal::pick(
        state,
        Pick {
            purpose: PickFor::Change(kind),
            options,
            list: ListState::default(),
            multi: false,
        },
    );
}

/// A choice was taken in the picker: values are typed next, the rest joins the list.
pub(in crate::app::update) fn picked(
    state: &mut AppState,
    kind: ChangeKind,
    choice: Choice,
) -> Vec<Command> {
    let change = match (kind, choice) {
        (ChangeKind::SetAttribute, Choice::Attribute(name)) => {
            modal::input(state, InputFor::ChangeValue { kind, name }, "");
            return Vec::new();
        }
        (ChangeKind::SetField, Choice::Field(name)) => {
            let name = name.to_string();
            modal::input(state, InputFor::ChangeValue { kind, name }, "");
            return Vec::new();
        }
        (ChangeKind::ClearAttribute, Choice::Attribute(name)) => Change::ClearAttribute { name },
        (ChangeKind::AddRole, Choice::Role(id)) => Change::AddRoles { ids: vec![id] },
        (ChangeKind::RemoveRole, Choice::Role(id)) => Change::RemoveRoles { ids: vec![id] },
        // The picker offers only choices of its kind.
        _ => return Vec::new(),
    };
    let rows = layout::rows(state, ListId::BulkChanges);
    state.bulk.push_change(change, rows);
    Vec::new()
}

/// Enter in the value input: the change joins the list (a field's value is checked first).
pub(in crate::app::update) fn commit_value(
    state: &mut AppState,
    kind: ChangeKind,
    name: &str,
    value: &str,
) -> Result<Vec<Command>, Rejected> {
    let change = match kind {
        ChangeKind::SetField => {
            crate::bulk::plan::typed_field(name, value).map_err(|e| Rejected {
                note: Box::new(Note::Failed {
                    doing: Doing::Value(name.to_string()),
                    error: Failure::Invalid(e),
                }),
                inline: false,
            })?;
            Change::SetField {
                name: name.to_string(),
                value: value.to_string(),
            }
        }
        _ => Change::SetAttribute {
            name: name.to_string(),
            value: value.to_string(),
        },
    };
    let rows = layout::rows(state, ListId::BulkChanges);
    state.bulk.push_change(change, rows);
    Ok(Vec::new())
}

/// `p`: plan the changes over the selection (the users' values are read fresh).
pub(super) fn plan(state: &mut AppState) -> Vec<Command> {
    if state.users.list.marks().is_empty() {
        status(state, Level::Warning, Note::Hint(Hint::NoSelection));
        return Vec::new();
    }
    if state.bulk.changes.is_empty() {
        status(state, Level::Info, Note::Hint(Hint::NoChanges));
        return Vec::new();
    }
    // The plan reads the users' current values fresh (one call per 50 users): what the
    // list loaded may be minutes old, and the list keeps only the columns it shows.
    match state.bulk.plan(PlanFor::Changes) {
        Ok(generation) => vec![Command::BulkPlan {
            generation,
            ids: state.users.list.marks().iter().copied().collect(),
            changes: state.bulk.changes.clone(),
        }],
        Err(why) => {
            refused(state, why);
            Vec::new()
        }
    }
}
