//! Undo: restore the before-values of a run's users whose current values are
//! still what the run wrote; list (and leave alone) the others.
//!
//! What "the run wrote" means per call: calls confirmed `ok` in the journal
//! must still show their after-values, or the user is a conflict. Calls sent
//! without a recorded answer count only if their after-values are there now.

use std::collections::{BTreeMap, HashMap};

use super::journal::{CallStatus, Conflict, RunLog};
use super::plan::{Call, Desired, Needs, UserPlan, Values, fields_for, plan_user};
use crate::api::User;
use crate::config::ApiMode;

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
    }
}

/// What restores `call`: its keys' before-values (roles: the opposite change).
fn restore(call: &Call, up: &UserPlan, d: &mut Desired) {
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
    }
}

/// The undo of a run, from the users as they are now (read with [`needs_for_log`]), in
/// the calls `mode` allows. Users missing from `current` are conflicts.
pub fn plan_undo(
    log: &RunLog,
    current: &HashMap<i64, User>,
    mode: ApiMode,
) -> (Vec<UserPlan>, Vec<Conflict>) {
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
        let now = Values::of_user(user, &up.keys());
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
        if let Some(p) = plan_user(user, &desired, up.row, mode) {
            users.push(p);
        }
    }
    (users, conflicts)
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
    }
    Needs {
        fields: fields_for([&d]),
        roles: d.add_roles.clone(),
    }
}
