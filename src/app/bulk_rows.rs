//! The bulk screen's rows, built from plain engine data: a run's users with their status,
//! a run's counts for the past-runs list, a change as a line. Pure functions.

use crate::api::Role;
use crate::bulk::{CallStatus, Change, RunKind, RunLog, UserPlan};

use super::action::RunRow;
use super::state::{JournalRow, JournalView};

/// Where one user of a run stands, from the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserStatus {
    Done,
    Failed(String),
    /// Sent without a recorded answer: it may or may not have been applied.
    Unconfirmed,
    /// Some calls done, others never sent.
    Partly,
    NotSent,
}

impl UserStatus {
    pub fn text(&self) -> String {
        match self {
            UserStatus::Done => "done".into(),
            UserStatus::Failed(e) => format!("failed: {e}"),
            UserStatus::Unconfirmed => "sent, no answer recorded".into(),
            UserStatus::Partly => "partly done".into(),
            UserStatus::NotSent => "not sent".into(),
        }
    }
}

pub fn user_status(log: &RunLog, up: &UserPlan) -> UserStatus {
    let statuses: Vec<CallStatus> = (0..up.calls.len()).map(|i| log.status(up.id, i)).collect();
    if let Some(error) = statuses.iter().find_map(|s| match s {
        CallStatus::Failed { error, .. } => Some(error.clone()),
        _ => None,
    }) {
        return UserStatus::Failed(error);
    }
    if statuses.iter().all(|s| *s == CallStatus::Ok) {
        UserStatus::Done
    } else if statuses.contains(&CallStatus::Sent) {
        UserStatus::Unconfirmed
    } else if statuses.contains(&CallStatus::Ok) {
        UserStatus::Partly
    } else {
        UserStatus::NotSent
    }
}

pub fn kind_name(kind: RunKind) -> &'static str {
    match kind {
        RunKind::Apply => "apply",
        RunKind::Undo => "undo",
    }
}

/// A run's line in the past-runs list.
pub fn run_row(log: &RunLog) -> RunRow {
    let mut done = 0;
    let mut failed = 0;
    for up in &log.users {
        match user_status(log, up) {
            UserStatus::Done => done += 1,
            UserStatus::Failed(_) => failed += 1,
            _ => {}
        }
    }
    RunRow {
        run: log.meta.run.clone(),
        path: log.path.clone(),
        kind: log.meta.kind,
        created: log.meta.created.clone(),
        profile: log.meta.profile.clone(),
        tenant: log.meta.tenant.clone(),
        undo_of: log.meta.undo_of.clone(),
        users: log.users.len(),
        done,
        failed,
        finished: log.finished,
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
                status: user_status(log, up).text(),
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
