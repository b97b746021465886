//! The values of a user a plan touches (before, after, or as read now), and how the
//! preview words them.
//!
//! Every key is optional and left out of the journal when empty, so journals written
//! before a key existed read back unchanged. A key that is present means "looked at":
//! [`Values::of_user`] reads from a user the keys a template holds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::plan::typed_field;
use crate::api::{MfaDevice, User, state_label, status_label};

/// A `status` or `state` the read did not return (shown as "(not read)").
pub const NOT_READ: i64 = -1;

/// One MFA device, as a plan keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub device_id: String,
    /// `type_display_name`, else `auth_factor_name` ("SMS", "Google Authenticator").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `user_display_name` ("Work phone").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

impl Device {
    pub fn of(d: &MfaDevice) -> Device {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let kind = [&d.type_display_name, &d.auth_factor_name]
            .into_iter()
            .map(text)
            .find(|s| !s.trim().is_empty())
            .unwrap_or_default();
        Device {
            device_id: d.device_id.clone(),
            kind,
            name: text(&d.user_display_name),
        }
    }

    fn describe(&self) -> String {
        match (self.kind.is_empty(), self.name.is_empty()) {
            (false, false) => format!("{} {:?} ({})", self.kind, self.name, self.device_id),
            (false, true) => format!("{} ({})", self.kind, self.device_id),
            (true, false) => format!("{:?} ({})", self.name, self.device_id),
            (true, true) => format!("device {}", self.device_id),
        }
    }
}

/// The values of a user a plan touches (before, after, or as read now).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Values {
    /// Shortname → value, `""` for unset.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_attributes: BTreeMap<String, String>,
    /// Core field → JSON value as `PUT` sends it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Value>,
    /// Of the roles the plan gives or takes, those the user has, sorted; only when roles
    /// change. (With API /2 the console reads a role's members, not every role of a user.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<i64>>,
    /// `status` (3 Locked), when the plan locks or unlocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i64>,
    /// `locked_until`, read with `status`: when the lock ends (none: no end, or not locked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<String>,
    /// `state` (0 Unapproved, 1 Approved, 2 Rejected, 3 Unlicensed), when the plan sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<i64>,
    /// The MFA devices a removal looks at: before, those it removes; after, none of them;
    /// read again, every device the user has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<Device>>,
    /// Whether the user exists, when the plan deletes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
}

pub(super) fn attr_of(user: &User, name: &str) -> String {
    user.custom_attributes
        .get(name)
        .cloned()
        .flatten()
        .unwrap_or_default()
}

/// `status` as a field: only an undo writes it (a lock's, to put back a status other
/// than Active); no change a person types sets it.
pub const STATUS: &str = "status";

pub(super) fn field_of(user: &User, name: &str) -> Value {
    if name == STATUS {
        return user.status.map_or(Value::Null, Value::from);
    }
    let text = user.field(name).unwrap_or_default();
    typed_field(name, &text).unwrap_or(Value::Null)
}

pub(super) fn roles_of(user: &User) -> Vec<i64> {
    let mut r = user.role_id.clone().unwrap_or_default();
    r.sort_unstable();
    r.dedup();
    r
}

impl Values {
    /// Reads from `user` the same keys `like` holds; for roles, which of the role ids in
    /// `like.roles` the user has. Devices are not part of a user: [`Values::devices`] is
    /// left empty here (see `plan_reads::read_values`); `exists` is true (it was read).
    pub fn of_user(user: &User, like: &Values) -> Values {
        Values {
            custom_attributes: like
                .custom_attributes
                .keys()
                .map(|k| (k.clone(), attr_of(user, k)))
                .collect(),
            fields: like
                .fields
                .keys()
                .map(|k| (k.clone(), field_of(user, k)))
                .collect(),
            roles: like.roles.as_ref().map(|looked_at| {
                roles_of(user)
                    .into_iter()
                    .filter(|r| looked_at.contains(r))
                    .collect()
            }),
            status: like.status.and(user.status),
            locked_until: like.status.and(user.locked_until.clone()),
            state: like.state.and(user.state),
            devices: None,
            exists: like.exists.map(|_| true),
        }
    }

    /// A user the tenant no longer has (a 404 on the user itself).
    pub fn gone() -> Values {
        Values {
            exists: Some(false),
            devices: Some(Vec::new()),
            ..Values::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.custom_attributes.is_empty()
            && self.fields.is_empty()
            && self.roles.is_none()
            && self.status.is_none()
            && self.state.is_none()
            && self.devices.is_none()
            && self.exists.is_none()
    }

    /// Whether reading these keys needs the user itself (not only its MFA devices).
    pub fn needs_user(&self) -> bool {
        self.devices.is_none()
            || !Values {
                devices: None,
                ..self.clone()
            }
            .is_empty()
    }

    /// Each key as `name: value` text, for previews and reports. A plan's before and
    /// after hold the same keys, so their lists line up.
    pub fn describe(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .custom_attributes
            .iter()
            .map(|(k, v)| (format!("custom_attributes.{k}"), show_text(v)))
            .collect();
        out.extend(self.fields.iter().map(|(k, v)| {
            let text = match v.as_i64() {
                Some(s) if k == STATUS => show_code(s, status_label),
                _ => show_value(v),
            };
            (k.clone(), text)
        }));
        if let Some(r) = &self.roles {
            out.push(("roles".into(), format!("{r:?}")));
        }
        if let Some(s) = self.state {
            out.push(("state".into(), show_code(s, state_label)));
        }
        if let Some(s) = self.status {
            let mut text = show_code(s, status_label);
            if let Some(until) = &self.locked_until {
                text.push_str(&format!(" until {until}"));
            }
            out.push(("status".into(), text));
        }
        if let Some(devices) = &self.devices {
            let text = if devices.is_empty() {
                "(none)".to_string()
            } else {
                devices
                    .iter()
                    .map(Device::describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push(("mfa devices".into(), text));
        }
        if let Some(exists) = self.exists {
            let text = if exists { "exists" } else { "deleted" };
            out.push(("user".into(), text.into()));
        }
        out
    }
}

fn show_code(code: i64, label: fn(i64) -> String) -> String {
    if code == NOT_READ {
        "(not read)".into()
    } else {
        format!("{code} {}", label(code))
    }
}

fn show_text(v: &str) -> String {
    if v.is_empty() {
        "(empty)".into()
    } else {
        format!("{v:?}")
    }
}

fn show_value(v: &Value) -> String {
    match v {
        Value::Null => "(empty)".into(),
        Value::String(s) => show_text(s),
        other => other.to_string(),
    }
}
