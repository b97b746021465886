//! The bulk screen's rows, built from plain engine data: a run's users with their status,
//! a change as a line. Pure functions.

use crate::api::Role;
use crate::bulk::{Change, RunKind, RunLog, UserPlan, UserStatus};

use super::state::{JournalRow, JournalView};

pub fn kind_name(kind: RunKind) -> &'static str {
    match kind {
        RunKind::Apply => "apply",
        RunKind::Undo => "undo",
    }
}

/// A user's status as the journal view words it.
pub fn status_text(status: &UserStatus) -> String {
    match status {
        UserStatus::Done => "done".into(),
        UserStatus::Failed(e) => format!("failed: {e}"),
        UserStatus::Unconfirmed => "sent, no answer recorded".into(),
        UserStatus::Partly => "partly done".into(),
        UserStatus::NotSent => "not sent".into(),
    }
}

/// (key, before, after) of one user's plan.
pub fn before_after(up: &UserPlan) -> Vec<(String, String, String)> {
    let after = up.after.describe();
    up.before
        .describe()
        .into_iter()
        .zip(after)
        .map(|((k, b), (_, a))| (k, b, a))
        .collect()
}

pub fn journal_view(log: &RunLog) -> JournalView {
    JournalView {
        run: log.meta.run.clone(),
        kind: match &log.meta.undo_of {
            Some(of) => format!("undo of {of}"),
            None => kind_name(log.meta.kind).into(),
        },
        created: log.meta.created.clone(),
        finished: log.finished,
        conflicts: log
            .meta
            .conflicts
            .iter()
            .map(|c| (c.id, c.label.clone(), c.reason.clone()))
            .collect(),
        rows: log
            .users
            .iter()
            .map(|up| JournalRow {
                id: up.id,
                label: up.label.clone(),
                status: status_text(&log.user_status(up)),
                changes: before_after(up),
            })
            .collect(),
        cursor: 0,
        offset: 0,
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
    }
}
