//! One API call of a user's plan: what it sends, what of it is left to do given the user's
//! values now, and the keys a re-read must look at.
//!
//! With API /2 (`api = "auto"`), fields and custom attributes go together in one
//! `PUT /api/2/users/:id`, and a role is given or taken in `/api/2/roles/:id/users` calls
//! that carry many users (the runner gathers them, [`ROLE_BATCH`] a call). With
//! `api = "v1"`, or once /2 was refused, the same calls go to API /1.
//!
//! Lifecycle calls go where the official SDKs send them: lock, logout, state and delete on
//! API /1; unlock and MFA device removal on API /2, which has no /1 twin for them (a plan
//! that needs them refuses `api = "v1"` in words).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lifecycle::{ACTIVE, Irreversible, LOCKED};
use super::plan::Values;
use super::values::Device;
use crate::api::{ApiError, Client, Mappings, UserUpdate, V2UserUpdate};

/// Users one `/api/2/roles/:id/users` call carries. No document gives a limit; 50 is the
/// page size every listing keeps to (a **choice**: a strict server may take more).
pub const ROLE_BATCH: usize = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Call {
    /// `PUT /api/1/users/:id/set_custom_attributes`, all attributes at once (seed 000).
    SetCustomAttributes { values: BTreeMap<String, String> },
    /// `PUT /api/1/users/:id`, all core fields at once.
    UpdateUser { fields: BTreeMap<String, Value> },
    /// `PUT /api/2/users/:id`: core fields and custom attributes in one call.
    #[serde(rename = "update_user_v2")]
    UpdateUserV2 {
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        fields: BTreeMap<String, Value>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        custom_attributes: BTreeMap<String, String>,
    },
    /// `PUT /api/1/users/:id/add_roles`.
    AddRoles { ids: Vec<i64> },
    /// `PUT /api/1/users/:id/remove_roles`.
    RemoveRoles { ids: Vec<i64> },
    /// The user joins `role`: `POST /api/2/roles/:role/users`, with other users.
    GrantRole { role: i64 },
    /// The user leaves `role`: `DELETE /api/2/roles/:role/users`, with other users.
    RevokeRole { role: i64 },
    /// `PUT /api/1/users/:id/lock_user` (0 minutes: the account policy's lock time).
    LockUser { minutes: u32 },
    /// `POST /api/2/users/:id/unlock` (the client falls back to a /2 PUT of status 1
    /// where the route is not served).
    UnlockUser,
    /// `PUT /api/1/users/:id/logout`.
    Logout,
    /// `PUT /api/1/users/:id/set_state`.
    SetState { state: i64 },
    /// `DELETE /api/2/mfa/users/:id/devices/:device_id`.
    RemoveDevice { device_id: String },
    /// `DELETE /api/1/users/:id`.
    DeleteUser,
}

impl Call {
    /// What the call sends, as the preview and the journal name it.
    pub fn describe(&self, id: i64) -> String {
        match self {
            Call::SetCustomAttributes { .. } => {
                format!("PUT /api/1/users/{id}/set_custom_attributes")
            }
            Call::UpdateUser { .. } => format!("PUT /api/1/users/{id}"),
            Call::UpdateUserV2 { .. } => format!("PUT /api/2/users/{id}"),
            Call::AddRoles { .. } => format!("PUT /api/1/users/{id}/add_roles"),
            Call::RemoveRoles { .. } => format!("PUT /api/1/users/{id}/remove_roles"),
            Call::GrantRole { role } => format!("POST /api/2/roles/{role}/users"),
            Call::RevokeRole { role } => format!("DELETE /api/2/roles/{role}/users"),
            Call::LockUser { .. } => format!("PUT /api/1/users/{id}/lock_user"),
            Call::UnlockUser => format!("POST /api/2/users/{id}/unlock"),
            Call::Logout => format!("PUT /api/1/users/{id}/logout"),
            Call::SetState { .. } => format!("PUT /api/1/users/{id}/set_state"),
            Call::RemoveDevice { device_id } => {
                format!("DELETE /api/2/mfa/users/{id}/devices/{device_id}")
            }
            Call::DeleteUser => format!("DELETE /api/1/users/{id}"),
        }
    }

    /// The calls of this kind, without the user: how the preview counts what it will send.
    pub fn kind(&self) -> String {
        match self {
            Call::SetCustomAttributes { .. } => "PUT /api/1/users/:id/set_custom_attributes".into(),
            Call::UpdateUser { .. } => "PUT /api/1/users/:id".into(),
            Call::UpdateUserV2 { .. } => "PUT /api/2/users/:id".into(),
            Call::AddRoles { .. } => "PUT /api/1/users/:id/add_roles".into(),
            Call::RemoveRoles { .. } => "PUT /api/1/users/:id/remove_roles".into(),
            Call::GrantRole { role } => format!("POST /api/2/roles/{role}/users"),
            Call::RevokeRole { role } => format!("DELETE /api/2/roles/{role}/users"),
            Call::LockUser { .. } => "PUT /api/1/users/:id/lock_user".into(),
            Call::UnlockUser => "POST /api/2/users/:id/unlock".into(),
            Call::Logout => "PUT /api/1/users/:id/logout".into(),
            Call::SetState { .. } => "PUT /api/1/users/:id/set_state".into(),
            Call::RemoveDevice { .. } => "DELETE /api/2/mfa/users/:id/devices/:device_id".into(),
            Call::DeleteUser => "DELETE /api/1/users/:id".into(),
        }
    }

    /// What the call does that no undo brings back, if anything.
    pub fn irreversible(&self) -> Option<Irreversible> {
        match self {
            Call::DeleteUser => Some(Irreversible::Delete),
            Call::RemoveDevice { .. } => Some(Irreversible::FactorRemoval),
            Call::Logout => Some(Irreversible::Logout),
            _ => None,
        }
    }

    /// Whether a 404 about the user or the device may mean the call is done (its target
    /// gone): the runner then re-reads before it decides.
    pub fn gone_may_be_done(&self) -> bool {
        matches!(self, Call::DeleteUser | Call::RemoveDevice { .. })
    }

    /// Whether the call goes to API /2 and may fall back to /1 (unlock and MFA device
    /// removal go to /2 alone: there is nothing on /1 to fall back to).
    pub fn uses_v2(&self) -> bool {
        matches!(
            self,
            Call::UpdateUserV2 { .. } | Call::GrantRole { .. } | Call::RevokeRole { .. }
        )
    }

    /// A role given or taken in a call shared by many users: (role, given?).
    pub fn batch(&self) -> Option<(i64, bool)> {
        match self {
            Call::GrantRole { role } => Some((*role, true)),
            Call::RevokeRole { role } => Some((*role, false)),
            _ => None,
        }
    }

    /// What of this call is still to do, given the user's values now; `None`
    /// when it is already done (e.g. its answer was lost after it was applied).
    /// Calls are idempotent except role changes, which the API refuses to
    /// repeat: those shrink to the roles still missing (or still present).
    /// A lock is done when the status is Locked, an unlock when a status was read and it
    /// is not Locked, a state when it matches, a device removal when the device is gone,
    /// a delete when the user is gone; a logout is always sent again (it is harmless).
    pub fn remaining(&self, now: &Values) -> Option<Call> {
        let attrs = |values: &BTreeMap<String, String>| -> BTreeMap<String, String> {
            values
                .iter()
                .filter(|(k, v)| now.custom_attributes.get(*k) != Some(*v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let fields = |fields: &BTreeMap<String, Value>| -> BTreeMap<String, Value> {
            fields
                .iter()
                .filter(|(k, v)| now.fields.get(*k) != Some(*v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let have = now.roles.clone().unwrap_or_default();
        let call = match self {
            Call::SetCustomAttributes { values } => Call::SetCustomAttributes {
                values: attrs(values),
            },
            Call::UpdateUser { fields: f } => Call::UpdateUser { fields: fields(f) },
            Call::UpdateUserV2 {
                fields: f,
                custom_attributes,
            } => Call::UpdateUserV2 {
                fields: fields(f),
                custom_attributes: attrs(custom_attributes),
            },
            Call::AddRoles { ids } => Call::AddRoles {
                ids: ids.iter().filter(|i| !have.contains(i)).copied().collect(),
            },
            Call::RemoveRoles { ids } => Call::RemoveRoles {
                ids: ids.iter().filter(|i| have.contains(i)).copied().collect(),
            },
            Call::GrantRole { role } if have.contains(role) => return None,
            Call::RevokeRole { role } if !have.contains(role) => return None,
            Call::GrantRole { .. } | Call::RevokeRole { .. } => self.clone(),
            Call::LockUser { .. } if now.status == Some(LOCKED) => return None,
            Call::UnlockUser if now.status.is_some_and(|s| s != LOCKED) => return None,
            Call::SetState { state } if now.state == Some(*state) => return None,
            Call::RemoveDevice { device_id }
                if now
                    .devices
                    .as_ref()
                    .is_some_and(|d| d.iter().all(|d| d.device_id != *device_id)) =>
            {
                return None;
            }
            Call::DeleteUser if now.exists == Some(false) => return None,
            Call::LockUser { .. }
            | Call::UnlockUser
            | Call::Logout
            | Call::SetState { .. }
            | Call::RemoveDevice { .. }
            | Call::DeleteUser => self.clone(),
        };
        (!call.is_empty()).then_some(call)
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Call::SetCustomAttributes { values } => values.is_empty(),
            Call::UpdateUser { fields } => fields.is_empty(),
            Call::UpdateUserV2 {
                fields,
                custom_attributes,
            } => fields.is_empty() && custom_attributes.is_empty(),
            Call::AddRoles { ids } | Call::RemoveRoles { ids } => ids.is_empty(),
            Call::GrantRole { .. }
            | Call::RevokeRole { .. }
            | Call::LockUser { .. }
            | Call::UnlockUser
            | Call::Logout
            | Call::SetState { .. }
            | Call::RemoveDevice { .. }
            | Call::DeleteUser => false,
        }
    }

    /// The role ids this call gives or takes.
    pub fn roles(&self) -> BTreeSet<i64> {
        match self {
            Call::AddRoles { ids } | Call::RemoveRoles { ids } => ids.iter().copied().collect(),
            Call::GrantRole { role } | Call::RevokeRole { role } => BTreeSet::from([*role]),
            _ => BTreeSet::new(),
        }
    }

    /// A template of the keys this call touches, for [`Values::of_user`]: for roles,
    /// the role ids to look at; a present lifecycle key means "read it".
    pub fn keys(&self) -> Values {
        let mut v = Values::default();
        let names = |values: &BTreeMap<String, String>| {
            values.keys().map(|k| (k.clone(), String::new())).collect()
        };
        let fields = |fields: &BTreeMap<String, Value>| {
            fields.keys().map(|k| (k.clone(), Value::Null)).collect()
        };
        match self {
            Call::SetCustomAttributes { values } => v.custom_attributes = names(values),
            Call::UpdateUser { fields: f } => v.fields = fields(f),
            Call::UpdateUserV2 {
                fields: f,
                custom_attributes,
            } => {
                v.fields = fields(f);
                v.custom_attributes = names(custom_attributes);
            }
            Call::AddRoles { .. }
            | Call::RemoveRoles { .. }
            | Call::GrantRole { .. }
            | Call::RevokeRole { .. } => v.roles = Some(self.roles().into_iter().collect()),
            Call::LockUser { .. } | Call::UnlockUser => v.status = Some(ACTIVE),
            Call::SetState { state } => v.state = Some(*state),
            Call::RemoveDevice { device_id } => {
                v.devices = Some(vec![Device {
                    device_id: device_id.clone(),
                    kind: String::new(),
                    name: String::new(),
                }]);
            }
            Call::DeleteUser => v.exists = Some(true),
            // Nothing to look at: a logout is sent again whatever the re-read says.
            Call::Logout => {}
        }
        v
    }

    /// Sends the call once for user `id`, on API /1 alone when `v1` (a role change then
    /// goes as that user's own `add_roles` / `remove_roles`).
    pub async fn send(&self, client: &Client, id: i64, v1: bool) -> Result<(), ApiError> {
        match self {
            Call::SetCustomAttributes { values } => client.set_custom_attributes(id, values).await,
            Call::UpdateUser { fields } => send_v1_fields(client, id, fields).await,
            Call::UpdateUserV2 {
                fields,
                custom_attributes,
            } if v1 => {
                if !custom_attributes.is_empty() {
                    client.set_custom_attributes(id, custom_attributes).await?;
                }
                if !fields.is_empty() {
                    send_v1_fields(client, id, fields).await?;
                }
                Ok(())
            }
            Call::UpdateUserV2 {
                fields,
                custom_attributes,
            } => {
                let mut update = V2UserUpdate::default();
                for (k, v) in fields {
                    update.set(k, v.clone());
                }
                for (k, v) in custom_attributes {
                    update.set_attribute(k, v);
                }
                client
                    .update_user_v2(id, &update, Mappings::default())
                    .await
                    .map(|_| ())
            }
            Call::AddRoles { ids } => client.add_roles(id, ids).await,
            Call::RemoveRoles { ids } => client.remove_roles(id, ids).await,
            Call::GrantRole { role } if v1 => client.add_roles(id, &[*role]).await,
            Call::RevokeRole { role } if v1 => client.remove_roles(id, &[*role]).await,
            Call::GrantRole { role } => client.add_role_users(*role, &[id]).await,
            Call::RevokeRole { role } => client.remove_role_users(*role, &[id]).await,
            Call::LockUser { minutes } => client.lock_user(id, *minutes).await,
            // No /1 twin: these go to /2 even once other calls fell back to /1.
            Call::UnlockUser => client.unlock_user(id).await,
            Call::RemoveDevice { device_id } => client.remove_mfa_device(id, device_id).await,
            Call::Logout => client.logout_user(id).await,
            Call::SetState { state } => client.set_user_state(id, *state).await,
            Call::DeleteUser => client.delete_user(id).await,
        }
    }
}

async fn send_v1_fields(
    client: &Client,
    id: i64,
    fields: &BTreeMap<String, Value>,
) -> Result<(), ApiError> {
    let mut u = UserUpdate::new();
    for (k, v) in fields {
        u.set(k, v.clone());
    }
    client.update_user(id, &u).await.map(|_| ())
}
