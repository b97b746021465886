//! The bulk screen's rows, built from plain engine data: a run's users with their status,
//! a change as a line. Pure functions.

use chrono::{DateTime, Utc};

use crate::api::Role;
use crate::bulk::{Change, Conflict, RunKind, RunLog, UserPlan, UserStatus};

use super::list::ListState;

pub fn kind_name(kind: RunKind) -> &'static str {
    match kind {
        RunKind::Apply => "apply",
        RunKind::Undo => "undo",
        other => other.name(),
    }
}

/// One value a plan changes, as the preview and the journal list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueChange {
    /// `custom_attributes.AWS_Role`, `title`, `roles`.
    pub key: String,
    pub before: String,
    pub after: String,
}

/// Each value of one user's plan, before → after.
pub fn before_after(up: &UserPlan) -> Vec<ValueChange> {
    up.changes_text()
        .into_iter()
        .map(|(key, before, after)| ValueChange { key, before, after })
        .collect()
}

/// One user of a journal, as the journal view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalRow {
    pub id: i64,
    pub label: String,
    pub status: UserStatus,
    pub changes: Vec<ValueChange>,
}

/// One run's journal on screen.
#[derive(Debug)]
pub struct JournalView {
    pub run: String,
    pub kind: RunKind,
    pub undo_of: Option<String>,
    pub created: DateTime<Utc>,
    pub finished: bool,
    /// Users the run (an undo) left alone, after the rows.
    pub conflicts: Vec<Conflict>,
    pub rows: Vec<JournalRow>,
    pub list: ListState,
}

pub fn journal_view(log: &RunLog) -> JournalView {
    JournalView {
        run: log.meta.run.clone(),
        kind: log.meta.kind,
        undo_of: log.meta.undo_of.clone(),
        created: log.meta.created,
        finished: log.finished,
        conflicts: log.meta.conflicts.clone(),
        rows: log
            .users
            .iter()
            .map(|up| JournalRow {
                id: up.id,
                label: up.label.clone(),
                status: log.user_status(up),
                changes: before_after(up),
            })
            .collect(),
        list: ListState::default(),
    }
}

fn role_names(ids: &[i64], roles: &[Role]) -> String {
    ids.iter()
        .map(|id| {
            roles
                .iter()
                .find(|r| r.id == *id)
                .map_or_else(|| format!("role {id}"), |r| format!("{} ({id})", r.name))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A change as the form lists it (raw API text: draw it through `safe`).
pub fn describe_change(change: &Change, roles: &[Role]) -> String {
    match change {
        Change::SetAttribute { name, value } => format!("set {name} = {value:?}"),
        Change::ClearAttribute { name } => format!("clear {name}"),
        Change::SetField { name, value } if value.is_empty() => format!("clear field {name}"),
        Change::SetField { name, value } => format!("set field {name} = {value:?}"),
        Change::AddRoles { ids } => format!("give role {}", role_names(ids, roles)),
        Change::RemoveRoles { ids } => format!("take away role {}", role_names(ids, roles)),
        // Lifecycle changes read the same in the form as in the engine.
        other => other.to_string(),
    }
}
