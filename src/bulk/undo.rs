//! Undo: restore the before-values of a run's users whose current values are
//! still what the run wrote; list (and leave alone) the others.
//!
//! What "the run wrote" means per call: calls confirmed `ok` in the journal
//! must still show their after-values, or the user is a conflict. Calls sent
//! without a recorded answer count only if their after-values are there now.
//!
//! A lock is undone by an unlock, an unlock by a lock for the minutes its old
//! `locked_until` had left, a state by the state before. Logouts, MFA factor removals
//! and deletes have no inverse: they are listed as what cannot be undone, apart from
//! the conflicts.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::journal::{CallStatus, Conflict, RunLog};
use super::lifecycle::{ACTIVE, Irreversible, LOCKED, Lockout, irreversible_text};
use super::plan::{Call, Desired, Needs, UserPlan, Values, fields_for, plan_user};
use super::values::{NOT_READ, STATUS};
use crate::api::{USER_STATES, User, state_label, status_label};
use crate::config::ApiMode;

/// What an undo does not restore because nothing can, or because there is nothing left
/// to restore (a lock that would have ended by now).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CannotUndo {
    /// The run's (possibly) applied calls that have no inverse, by kind.
    pub counts: Vec<(Irreversible, usize)>,
    /// Each user with something not restored, and why.
    pub users: Vec<Conflict>,
}

impl CannotUndo {
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// "cannot be undone: 37 deletes, 2 factor removals, 5 logouts".
    pub fn summary(&self) -> Option<String> {
        irreversible_text(&self.counts)
    }
}

/// The undo of a run: the users to restore, those changed since (left alone), and what
/// cannot be undone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UndoPlan {
    pub users: Vec<UserPlan>,
    pub conflicts: Vec<Conflict>,
    pub cannot_undo: CannotUndo,
}

fn show_status(s: Option<i64>) -> String {
    s.map_or_else(|| "not read".into(), |s| format!("{s} {}", status_label(s)))
}

fn show_state(s: Option<i64>) -> String {
    s.map_or_else(|| "not read".into(), |s| format!("{s} {}", state_label(s)))
}

fn show(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

fn attributes_written(values: &BTreeMap<String, String>, now: &Values) -> Result<(), String> {
    for (k, v) in values {
        let have = now.custom_attributes.get(k).cloned().unwrap_or_default();
        if &have != v {
            return Err(format!(
                "custom_attributes.{k} is now {have:?}; the run wrote {v:?}"
            ));
        }
    }
    Ok(())
}

fn fields_written(
    fields: &BTreeMap<String, serde_json::Value>,
    now: &Values,
) -> Result<(), String> {
    for (k, v) in fields {
        let have = now.fields.get(k).cloned().unwrap_or_default();
        if &have != v {
            return Err(format!(
                "{k} is now {}; the run wrote {}",
                show(&have),
                show(v)
            ));
        }
    }
    Ok(())
}

/// Whether a call's values are still what it wrote; the difference if not.
fn still_written(call: &Call, now: &Values) -> Result<(), String> {
    let have = now.roles.clone().unwrap_or_default();
    match call {
        Call::SetCustomAttributes { values } => attributes_written(values, now),
        Call::UpdateUser { fields } => fields_written(fields, now),
        Call::UpdateUserV2 {
            fields,
            custom_attributes,
        } => {
            attributes_written(custom_attributes, now)?;
            fields_written(fields, now)
        }
        Call::AddRoles { ids } => match ids.iter().find(|r| !have.contains(r)) {
            Some(r) => Err(format!("role {r}, which the run added, is gone")),
            None => Ok(()),
        },
        Call::GrantRole { role } if !have.contains(role) => {
            Err(format!("role {role}, which the run added, is gone"))
        }
        Call::RemoveRoles { ids } => match ids.iter().find(|r| have.contains(r)) {
            Some(r) => Err(format!("role {r}, which the run removed, is back")),
            None => Ok(()),
        },
        Call::RevokeRole { role } if have.contains(role) => {
            Err(format!("role {role}, which the run removed, is back"))
        }
        Call::GrantRole { .. } | Call::RevokeRole { .. } => Ok(()),
        Call::LockUser { .. } if now.status != Some(LOCKED) => Err(format!(
            "status is now {} (unlocked since, or the lock ended); the run locked the account",
            show_status(now.status)
        )),
        Call::UnlockUser if now.status != Some(ACTIVE) => Err(format!(
            "status is now {}; the run unlocked the account",
            show_status(now.status)
        )),
        Call::SetState { state } if now.state != Some(*state) => Err(format!(
            "state is now {}; the run set {}",
            show_state(now.state),
            show_state(Some(*state))
        )),
        Call::LockUser { .. } | Call::UnlockUser | Call::SetState { .. } => Ok(()),
        // No inverse: listed as what cannot be undone, never as a conflict.
        Call::Logout | Call::RemoveDevice { .. } | Call::DeleteUser => Ok(()),
    }
}

/// The minutes a lock that ends at `until` has left at `now` (at least one); 0 (the
/// account policy's lock time, or no end without a policy) when it had no end. An
/// ended lock is an error that says when it ended.
fn minutes_left(until: Option<&str>, now: DateTime<Utc>) -> Result<u32, String> {
    let Some(text) = until else {
        return Ok(0);
    };
    let Ok(end) = DateTime::parse_from_rfc3339(text) else {
        return Ok(0);
    };
    let left = end.with_timezone(&Utc) - now;
    if left <= chrono::TimeDelta::zero() {
        return Err(format!(
            "not locked again: the lock the run ended would have ended at {text}"
        ));
    }
    let minutes = (left.num_seconds() + 59) / 60;
    Ok(u32::try_from(minutes).unwrap_or(u32::MAX).max(1))
}

/// What restores `call`: its keys' before-values (roles: the opposite change; a lock:
/// an unlock; an unlock: a lock for the minutes left). An error says why nothing is
/// restored.
fn restore(
    call: &Call,
    up: &UserPlan,
    d: &mut Desired,
    mode: ApiMode,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let attributes = |values: &BTreeMap<String, String>, d: &mut Desired| {
        for k in values.keys() {
            let before = up
                .before
                .custom_attributes
                .get(k)
                .cloned()
                .unwrap_or_default();
            d.custom_attributes.insert(k.clone(), before);
        }
    };
    let fields = |fields: &BTreeMap<String, serde_json::Value>, d: &mut Desired| {
        for k in fields.keys() {
            let before = up.before.fields.get(k).cloned().unwrap_or_default();
            d.fields.insert(k.clone(), before);
        }
    };
    match call {
        Call::SetCustomAttributes { values } => attributes(values, d),
        Call::UpdateUser { fields: f } => fields(f, d),
        Call::UpdateUserV2 {
            fields: f,
            custom_attributes,
        } => {
            attributes(custom_attributes, d);
            fields(f, d);
        }
        Call::AddRoles { ids } => d.remove_roles.extend(ids.iter().copied()),
        Call::RemoveRoles { ids } => d.add_roles.extend(ids.iter().copied()),
        Call::GrantRole { role } => {
            d.remove_roles.insert(*role);
        }
        Call::RevokeRole { role } => {
            d.add_roles.insert(*role);
        }
        // An unlock makes the account Active: the status before the lock only when it was
        // Active (or not read). Any other status (Suspended, Unactivated, …) is put back
        // as it was by a /2 PUT of `status`, which ends the lock too; never activated by
        // an undo. /1 cannot write a status: then the account stays locked, and says so.
        Call::LockUser { .. } => match (up.before.status, mode) {
            (Some(s), ApiMode::Auto) if s != ACTIVE && s != NOT_READ => {
                d.fields.insert(STATUS.into(), serde_json::Value::from(s));
            }
            (Some(s), ApiMode::V1) if s != ACTIVE && s != NOT_READ => {
                return Err(format!(
                    "left locked: its status before the run was {}; an unlock makes it \
                     1 Active and API /1 cannot set a status: set it by hand",
                    show_status(Some(s))
                ));
            }
            _ => d.lifecycle.lock = Some(Lockout::Unlock),
        },
        Call::UnlockUser => {
            let minutes = minutes_left(up.before.locked_until.as_deref(), now)?;
            d.lifecycle.lock = Some(Lockout::Lock { minutes });
        }
        Call::SetState { .. } => match up.before.state {
            Some(s) if USER_STATES.contains(&s) => d.lifecycle.state = Some(s),
            _ => return Err("the state before the run was not read: it is left as it is".into()),
        },
        Call::Logout | Call::RemoveDevice { .. } | Call::DeleteUser => {}
    }
    Ok(())
}

/// Whether a call's journal status says it was, or may have been, applied.
fn maybe_applied(status: &CallStatus) -> bool {
    match status {
        CallStatus::Ok | CallStatus::Sent => true,
        // A refusal by the API (4xx) applied nothing.
        CallStatus::Failed { retryable, .. } => *retryable,
        CallStatus::Pending => false,
    }
}

/// What of `up`'s calls has no inverse and was (maybe) applied, by kind.
fn irreversible_of(log: &RunLog, up: &UserPlan) -> Vec<(Irreversible, usize)> {
    super::lifecycle::count_irreversible(
        up.calls
            .iter()
            .enumerate()
            .filter(|(i, _)| maybe_applied(&log.status(up.id, *i)))
            .map(|(_, c)| c),
    )
}

/// "the run deleted the user (it cannot be restored)", … for one user.
fn irreversible_words(counts: &[(Irreversible, usize)]) -> Vec<String> {
    counts
        .iter()
        .map(|(kind, n)| match kind {
            Irreversible::Delete => "the run deleted the user (it cannot be restored)".into(),
            Irreversible::FactorRemoval => {
                format!("the run removed {n} MFA factor(s) (the user must enroll again)")
            }
            Irreversible::Logout => {
                "the run ended the user's sessions (they do not come back)".into()
            }
        })
        .collect()
}

/// The undo of a run, from the users as they are now (read with [`needs_for_log`]), in
/// the calls `mode` allows: (users to restore, conflicts). See [`undo_plan`] for what
/// cannot be undone as well.
pub fn plan_undo(
    log: &RunLog,
    current: &HashMap<i64, User>,
    mode: ApiMode,
) -> (Vec<UserPlan>, Vec<Conflict>) {
    let plan = undo_plan(log, current, mode, Utc::now());
    (plan.users, plan.conflicts)
}

/// The undo of a run at `now`: users missing from `current` are conflicts, except those
/// the run deleted, which cannot be undone.
pub fn undo_plan(
    log: &RunLog,
    current: &HashMap<i64, User>,
    mode: ApiMode,
    now: DateTime<Utc>,
) -> UndoPlan {
    let mut out = UndoPlan::default();
    let mut counts: BTreeMap<Irreversible, usize> = BTreeMap::new();
    for up in &log.users {
        let gone = irreversible_of(log, up);
        for (k, n) in &gone {
            *counts.entry(*k).or_default() += n;
        }
        let mut cannot = irreversible_words(&gone);
        let deleted = gone.iter().any(|(k, _)| *k == Irreversible::Delete);
        let Some(user) = current.get(&up.id) else {
            if deleted {
                out.cannot_undo.users.push(Conflict {
                    id: up.id,
                    label: up.label.clone(),
                    reason: cannot.join("; "),
                });
            } else {
                out.conflicts.push(Conflict {
                    id: up.id,
                    label: up.label.clone(),
                    reason: "the user no longer exists".into(),
                });
            }
            continue;
        };
        let now_values = Values::of_user(user, &up.keys());
        let mut desired = Desired::default();
        let mut conflict: Option<String> = None;
        for (i, call) in up.calls.iter().enumerate() {
            let restored = match log.status(up.id, i) {
                CallStatus::Ok => match still_written(call, &now_values) {
                    Ok(_) => restore(call, up, &mut desired, mode, now),
                    Err(why) => {
                        conflict = Some(why);
                        break;
                    }
                },
                // Maybe applied: undo it only if its values are there.
                CallStatus::Sent | CallStatus::Failed { .. } => {
                    if still_written(call, &now_values).is_ok() {
                        restore(call, up, &mut desired, mode, now)
                    } else {
                        Ok(())
                    }
                }
                CallStatus::Pending => Ok(()),
            };
            if let Err(why) = restored {
                cannot.push(why);
            }
        }
        if !cannot.is_empty() {
            out.cannot_undo.users.push(Conflict {
                id: up.id,
                label: up.label.clone(),
                reason: cannot.join("; "),
            });
        }
        if let Some(reason) = conflict {
            out.conflicts.push(Conflict {
                id: up.id,
                label: up.label.clone(),
                reason: format!("changed since the run: {reason}"),
            });
            continue;
        }
        if let Some(p) = plan_user(user, &desired, up.row, mode) {
            out.users.push(p);
        }
    }
    out.cannot_undo.counts = counts.into_iter().collect();
    out
}

/// What reading a run's users for its undo takes: every key its calls touched.
pub fn needs_for_log(log: &RunLog) -> Needs {
    let mut d = Desired::default();
    for up in &log.users {
        let keys = up.keys();
        for k in keys.custom_attributes.into_keys() {
            d.custom_attributes.insert(k, String::new());
        }
        for k in keys.fields.into_keys() {
            d.fields.insert(k, serde_json::Value::Null);
        }
        d.add_roles.extend(keys.roles.unwrap_or_default());
        if keys.status.is_some() {
            d.lifecycle.lock = Some(Lockout::Unlock);
        }
        if keys.state.is_some() {
            d.lifecycle.state = keys.state;
        }
    }
    // Removed devices and deleted users have no inverse: no device is read; a deleted
    // user shows as unknown.
    Needs {
        fields: fields_for([&d]),
        roles: d.add_roles.clone(),
        devices: false,
    }
}
