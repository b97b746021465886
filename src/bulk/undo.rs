//! Undo: restore the before-values of a run's users whose current values are
//! still what the run wrote; list (and leave alone) the others.
//!
//! What "the run wrote" means per call: calls confirmed `ok` in the journal
//! must still show their after-values, or the user is a conflict. Calls sent
//! without a recorded answer count only if their after-values are there now.

use std::collections::HashMap;

use super::journal::{CallStatus, Conflict, RunLog};
use super::plan::{Call, Desired, UserPlan, Values, plan_user};
use crate::api::User;

fn show(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// Whether a call's values are still what it wrote; the difference if not.
fn still_written(call: &Call, now: &Values) -> Result<(), String> {
    match call {
        Call::SetCustomAttributes { values } => {
            for (k, v) in values {
                let have = now.custom_attributes.get(k).cloned().unwrap_or_default();
                if &have != v {
                    return Err(format!(
                        "custom_attributes.{k} is now {have:?}; the run wrote {v:?}"
                    ));
                }
            }
        }
        Call::UpdateUser { fields } => {
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
        }
        Call::AddRoles { ids } => {
            let have = now.roles.clone().unwrap_or_default();
            if let Some(r) = ids.iter().find(|r| !have.contains(r)) {
                return Err(format!("role {r}, which the run added, is gone"));
            }
        }
        Call::RemoveRoles { ids } => {
            let have = now.roles.clone().unwrap_or_default();
            if let Some(r) = ids.iter().find(|r| have.contains(r)) {
                return Err(format!("role {r}, which the run removed, is back"));
            }
        }
    }
    Ok(())
}

/// What restores `call`: its keys' before-values (roles: the opposite change).
fn restore(call: &Call, up: &UserPlan, d: &mut Desired) {
    match call {
        Call::SetCustomAttributes { values } => {
            for k in values.keys() {
                let before = up
                    .before
                    .custom_attributes
                    .get(k)
                    .cloned()
                    .unwrap_or_default();
                d.custom_attributes.insert(k.clone(), before);
            }
        }
        Call::UpdateUser { fields } => {
            for k in fields.keys() {
                let before = up.before.fields.get(k).cloned().unwrap_or_default();
                d.fields.insert(k.clone(), before);
            }
        }
        Call::AddRoles { ids } => d.remove_roles.extend(ids.iter().copied()),
        Call::RemoveRoles { ids } => d.add_roles.extend(ids.iter().copied()),
    }
}

/// The undo of a run, from the users as they are now (read with the keys of
/// each user's `after`). Users missing from `current` are conflicts.
pub fn plan_undo(log: &RunLog, current: &HashMap<i64, User>) -> (Vec<UserPlan>, Vec<Conflict>) {
    let mut users = Vec::new();
    let mut conflicts = Vec::new();
    for up in &log.users {
        let Some(user) = current.get(&up.id) else {
            conflicts.push(Conflict {
                id: up.id,
                label: up.label.clone(),
                reason: "the user no longer exists".into(),
            });
            continue;
        };
        let now = Values::of_user(user, &up.after);
        let mut desired = Desired::default();
        let mut conflict: Option<String> = None;
        for (i, call) in up.calls.iter().enumerate() {
            match log.status(up.id, i) {
                CallStatus::Ok => match still_written(call, &now) {
                    Ok(_) => restore(call, up, &mut desired),
                    Err(why) => {
                        conflict = Some(why);
                        break;
                    }
                },
                // Maybe applied: undo it only if its values are there.
                CallStatus::Sent | CallStatus::Failed { .. } => {
                    if still_written(call, &now).is_ok() {
                        restore(call, up, &mut desired);
                    }
                }
                CallStatus::Pending => {}
            }
        }
        if let Some(reason) = conflict {
            conflicts.push(Conflict {
                id: up.id,
                label: up.label.clone(),
                reason: format!("changed since the run: {reason}"),
            });
            continue;
        }
        if let Some(p) = plan_user(user, &desired, up.row) {
            users.push(p);
        }
    }
    (users, conflicts)
}

/// The `fields=` needed to read a run's users for an undo.
pub fn fields_for_log(log: &RunLog) -> Vec<String> {
    let mut d = Desired::default();
    for up in &log.users {
        for k in up.after.custom_attributes.keys() {
            d.custom_attributes.insert(k.clone(), String::new());
        }
        for k in up.after.fields.keys() {
            d.fields.insert(k.clone(), serde_json::Value::Null);
        }
        if up.after.roles.is_some() {
            d.add_roles.insert(0);
        }
    }
    super::plan::fields_for([&d])
}
