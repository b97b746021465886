//! The rows of the user editor: which fields, in which order, which are editable, and how
//! a typed value becomes the JSON the API expects.

use crate::api::{Group, Role, UPDATABLE_FIELDS, User, V3_ELEMENTS};
use crate::config::UserUpdateApi;

use super::state::{AppState, RowKey};

/// Core fields in the order an admin reads them. Read-only ones are shown, not editable.
const CORE_FIELDS: &[&str] = &[
    "id",
    "firstname",
    "lastname",
    "email",
    "username",
    "title",
    "department",
    "company",
    "phone",
    "status",
    "state",
];

/// Directory and identity fields, after group and roles.
const MORE_FIELDS: &[&str] = &[
    "samaccountname",
    "userprincipalname",
    "distinguished_name",
    "member_of",
    "external_id",
    "directory_id",
    "manager_ad_id",
    "manager_user_id",
    "openid_name",
    "locale_code",
    "invalid_login_attempts",
];

/// Timestamps, last.
const TIME_FIELDS: &[&str] = &[
    "created_at",
    "updated_at",
    "activated_at",
    "last_login",
    "password_changed_at",
    "locked_until",
];

const INTEGER_FIELDS: &[&str] = &[
    "status",
    "state",
    "group_id",
    "directory_id",
    "manager_ad_id",
    "manager_user_id",
    "invalid_login_attempts",
];

/// The editor's rows for the user being edited.
pub fn editor_rows(state: &AppState) -> Vec<RowKey> {
    let mut rows: Vec<RowKey> = CORE_FIELDS.iter().map(|f| RowKey::Field(f)).collect();
    rows.push(RowKey::Group);
    rows.push(RowKey::Roles);
    // Every field of the tenant, empty ones too; then any value the user holds for a field
    // that is gone from the tenant, so it can still be seen.
    rows.extend(state.fields.iter().cloned().map(RowKey::Attribute));
    if let Some(user) = state.editor.as_ref().and_then(|e| e.user.as_ref()) {
        rows.extend(
            user.custom_attributes
                .keys()
                .filter(|k| !state.fields.contains(k))
                .cloned()
                .map(RowKey::Attribute),
        );
    }
    rows.extend(MORE_FIELDS.iter().map(|f| RowKey::Field(f)));
    rows.extend(TIME_FIELDS.iter().map(|f| RowKey::Field(f)));
    rows
}

pub fn is_editable(key: &RowKey, api: UserUpdateApi) -> bool {
    match key {
        // What each API accepts is the client's knowledge; the editor only asks.
        RowKey::Field(name) => match api {
            UserUpdateApi::V1 => UPDATABLE_FIELDS.contains(name),
            UserUpdateApi::V3 => V3_ELEMENTS.contains(&name.replace('_', "-").as_str()),
        },
        RowKey::Attribute(_) | RowKey::Group | RowKey::Roles => true,
    }
}

pub fn is_integer_field(name: &str) -> bool {
    INTEGER_FIELDS.contains(&name)
}

/// The value as the API has it, as text ("" when unset).
pub fn current_value(
    user: &User,
    user_roles: Option<&[i64]>,
    key: &RowKey,
    groups: &[Group],
    roles: &[Role],
) -> String {
    match key {
        RowKey::Field(name) => user.field(name).unwrap_or_default(),
        RowKey::Attribute(name) => user
            .custom_attributes
            .get(name)
            .cloned()
            .flatten()
            .unwrap_or_default(),
        RowKey::Group => match user.group_id {
            Some(id) => groups
                .iter()
                .find(|g| g.id == id)
                .map_or_else(|| id.to_string(), |g| g.name.clone()),
            None => String::new(),
        },
        RowKey::Roles => match user_roles {
            Some(ids) => ids
                .iter()
                .map(|id| {
                    roles
                        .iter()
                        .find(|r| r.id == *id)
                        .map_or_else(|| id.to_string(), |r| r.name.clone())
                })
                .collect::<Vec<_>>()
                .join(", "),
            None => "…".into(),
        },
    }
}

/// The JSON value for `PUT /api/1/users/:id`: numbers for integer fields (empty → null).
pub fn json_value(name: &str, text: &str) -> serde_json::Value {
    if is_integer_field(name) {
        return text
            .trim()
            .parse::<i64>()
            .map_or(serde_json::Value::Null, serde_json::Value::from);
    }
    serde_json::Value::String(text.to_string())
}

/// Applies a saved value to the local copy of the user.
pub fn set_field(user: &mut User, name: &str, text: &str) {
    let int = text.trim().parse::<i64>().ok();
    let string = if text.is_empty() {
        None
    } else {
        Some(text.to_string())
    };
    match name {
        "firstname" => user.firstname = string,
        "lastname" => user.lastname = string,
        "email" => user.email = string,
        "username" => user.username = string,
        "title" => user.title = string,
        "department" => user.department = string,
        "company" => user.company = string,
        "phone" => user.phone = string,
        "samaccountname" => user.samaccountname = string,
        "userprincipalname" => user.userprincipalname = string,
        "distinguished_name" => user.distinguished_name = string,
        "member_of" => user.member_of = string,
        "external_id" => user.external_id = string,
        "openid_name" => user.openid_name = string,
        "locale_code" => user.locale_code = string,
        "status" => user.status = int,
        "state" => user.state = int,
        "directory_id" => user.directory_id = int,
        "manager_ad_id" => user.manager_ad_id = int,
        "manager_user_id" => user.manager_user_id = int,
        "invalid_login_attempts" => user.invalid_login_attempts = int,
        _ => {}
    }
}
