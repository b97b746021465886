//! The event types the sandbox records, and `GET /api/1/events/types`.
//!
//! Ids and names OneLogin's own record confirms: 1–6 (the Get Event Types
//! page's sample and an official SDK's test), 12 `UNLOCKED_USER`, 13
//! `CREATED_USER`, 15 `DEACTIVATED_USER`, 17 `DELETED_USER`, 19 `USER_LOCKED`
//! (a webhook consumer of real events), 11 (a password change) and 24 (an OTP
//! device removed) and 531 (a lock through the API) (published detection
//! rules, which give the ids but not the names).
//!
//! **Choices**: the names of 11, 24 and 531, and the ids and names of the
//! calls no record covers (900–903: a user updated, a role removed, a user
//! logged out, a state changed), with descriptions in
//! OneLogin's `%placeholder%` style. A client reads names from this list and
//! never hard-codes an id.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::{Need, authorize};
use super::envelope;
use super::state::Shared;

/// What happened, as the sandbox records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    RoleAssigned,
    LoggedIn,
    LoginFailed,
    PasswordChanged,
    Unlocked,
    Created,
    Deleted,
    LockedOut,
    OtpDeviceRemoved,
    LockedByApi,
    Updated,
    RoleRemoved,
    LoggedOut,
    StateChanged,
}

impl Kind {
    pub(crate) fn id(self) -> i64 {
        match self {
            Kind::RoleAssigned => 4,
            Kind::LoggedIn => 5,
            Kind::LoginFailed => 6,
            Kind::PasswordChanged => 11,
            Kind::Unlocked => 12,
            Kind::Created => 13,
            Kind::Deleted => 17,
            Kind::LockedOut => 19,
            Kind::OtpDeviceRemoved => 24,
            Kind::LockedByApi => 531,
            Kind::Updated => 900,
            Kind::RoleRemoved => 901,
            Kind::LoggedOut => 902,
            Kind::StateChanged => 903,
        }
    }
}

/// `(id, name, description)` of every type `GET /api/1/events/types` lists, by id.
pub(crate) const TYPES: &[(i64, &str, &str)] = &[
    (1, "APP_ADDED_TO_ROLE", "App %app% added to role %role%"),
    (
        2,
        "APP_REMOVED_FROM_ROLE",
        "App %app% removed from role %role%",
    ),
    (3, "USER_ASSUMED_USER", "%actor_user% assumed %user%"),
    (4, "USER_ASSIGNED_ROLE", "Assigned %role% to user %user%"),
    (
        5,
        "USER_LOGGED_INTO_ONELOGIN",
        "%user% logged into OneLogin",
    ),
    (
        6,
        "USER_FAILED_ONELOGIN_LOGIN",
        "%user% failed authentication",
    ),
    (
        11,
        "USER_CHANGED_PASSWORD",
        "%actor_user% changed password for %user%",
    ),
    (12, "UNLOCKED_USER", "%actor_user% unlocked %user%"),
    (13, "CREATED_USER", "%actor_user% created user %user%"),
    (
        15,
        "DEACTIVATED_USER",
        "%actor_user% deactivated user %user%",
    ),
    (17, "DELETED_USER", "%actor_user% deleted user %user%"),
    (
        19,
        "USER_LOCKED",
        "%user% locked out after too many failed logins",
    ),
    (
        24,
        "USER_REMOVED_OTP_DEVICE",
        "%actor_user% removed OTP device %otp_device% from %user%",
    ),
    (531, "USER_LOCKED_VIA_API", "%user% locked through the API"),
    (900, "UPDATED_USER", "%actor_user% updated %user%"),
    (
        901,
        "USER_UNASSIGNED_ROLE",
        "Removed %role% from user %user%",
    ),
    (902, "LOGGED_OUT_USER", "%actor_user% logged out %user%"),
    (
        903,
        "CHANGED_USER_STATE",
        "%actor_user% changed the state of %user%",
    ),
];

/// `GET /api/1/events/types` → `data: [{"id","name","description"}]`, not paged.
///
/// **Choice**: the page shows no `Authorization` header, but the sandbox asks for a
/// bearer token of any scope and counts the call against the budget (the page says the
/// call is rate-limited), as every other /1 call.
pub(crate) async fn list(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let granted = match authorize(&shared, &headers, Need::Read) {
        Ok(g) => g,
        Err(r) => return r.into(),
    };
    let data: Vec<Value> = TYPES
        .iter()
        .map(|(id, name, description)| json!({"id": id, "name": name, "description": description}))
        .collect();
    envelope::ok_data(Value::Array(data), Some(&granted.rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_listed(id: i64) -> bool {
        TYPES.iter().any(|(t, _, _)| *t == id)
    }

    #[test]
    fn every_kind_is_listed_once_and_ids_ascend() {
        let kinds = [
            Kind::RoleAssigned,
            Kind::LoggedIn,
            Kind::LoginFailed,
            Kind::PasswordChanged,
            Kind::Unlocked,
            Kind::Created,
            Kind::Deleted,
            Kind::LockedOut,
            Kind::OtpDeviceRemoved,
            Kind::LockedByApi,
            Kind::Updated,
            Kind::RoleRemoved,
            Kind::LoggedOut,
            Kind::StateChanged,
        ];
        for k in kinds {
            assert!(is_listed(k.id()), "{k:?}");
        }
        assert!(TYPES.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
