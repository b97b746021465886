//! The body of `PUT /api/2/users/:id` and `POST /api/2/users`: a partial
//! user, core fields and `custom_attributes` together, checked as a whole.
//!
//! **Choices**: every problem is reported at once in one 422 (see
//! `v2_errors`): an unknown or read-only key (`"is not a valid attribute"`), a
//! value of the wrong type (`"must be a string"`, `"must be an integer"`), a
//! `status`/`state` out of range (`"is not included in the list"`), a
//! `group_id` that does not exist (`"does not exist"`), a taken `email` or
//! `username` (`"has already been taken"`), an unknown custom attribute
//! (field `custom_attributes.<name>`, `"is not a custom attribute of this
//! account"`), and `password` without a matching `password_confirmation`
//! (`"doesn't match password"`). `""` or `null` clears a custom attribute.
//! Passwords are checked, never stored; a new one sets `password_changed_at`.

use chrono::Utc;
use serde_json::{Map, Value};

use super::tenant::{STATES, STATUSES, Tenant, User};
use super::v2_errors::Problem;

/// String fields a /2 write may set.
const STRINGS: [&str; 16] = [
    "company",
    "comment",
    "department",
    "distinguished_name",
    "email",
    "external_id",
    "firstname",
    "lastname",
    "locale_code",
    "member_of",
    "notes",
    "openid_name",
    "phone",
    "samaccountname",
    "title",
    "username",
];

/// Integer fields a /2 write may set (`state` and `status` are checked apart).
const INTS: [&str; 6] = [
    "directory_id",
    "group_id",
    "invalid_login_attempts",
    "manager_ad_id",
    "manager_user_id",
    "trusted_idp_id",
];

/// Accepted and checked, never stored.
const PASSWORD_KEYS: [&str; 4] = [
    "password",
    "password_confirmation",
    "password_algorithm",
    "salt",
];

/// One accepted change.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    Str(String, Option<String>),
    Int(String, Option<i64>),
    Status(i64),
    State(i64),
    Custom(String, Option<String>),
    Password,
}

fn as_string(v: &Value) -> Option<Option<String>> {
    match v {
        Value::Null => Some(None),
        Value::String(s) => Some(Some(s.clone())),
        Value::Number(n) => Some(Some(n.to_string())),
        _ => None,
    }
}

fn as_int(v: &Value) -> Option<Option<i64>> {
    match v {
        Value::Null => Some(None),
        Value::Number(n) => n.as_i64().map(Some),
        Value::String(s) if s.trim().is_empty() => Some(None),
        Value::String(s) => s.trim().parse::<i64>().ok().map(Some),
        _ => None,
    }
}

/// A custom attribute value: `""` and `null` clear it.
fn as_custom(v: &Value) -> Option<Option<String>> {
    match v {
        Value::Null => Some(None),
        Value::String(s) if s.is_empty() => Some(None),
        Value::String(s) => Some(Some(s.clone())),
        Value::Number(n) => Some(Some(n.to_string())),
        Value::Bool(b) => Some(Some(b.to_string())),
        _ => None,
    }
}

/// Checks `body` against the tenant; `id` is the user written (for a create,
/// the id it will get). The changes, or every problem found.
pub(crate) fn check(
    body: &Map<String, Value>,
    tenant: &Tenant,
    id: i64,
) -> Result<Vec<Change>, Vec<Problem>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (key, value) in body {
        let k = key.as_str();
        if STRINGS.contains(&k) {
            match as_string(value) {
                Some(Some(v)) if (k == "email" || k == "username") && tenant.taken(k, &v, id) => {
                    problems.push(Problem::new(k, "has already been taken"));
                }
                Some(v) => out.push(Change::Str(key.clone(), v)),
                None => problems.push(Problem::new(k, "must be a string")),
            }
        } else if INTS.contains(&k) {
            match as_int(value) {
                Some(Some(g)) if k == "group_id" && !tenant.has_group(g) => {
                    problems.push(Problem::new(k, "does not exist"));
                }
                Some(v) => out.push(Change::Int(key.clone(), v)),
                None => problems.push(Problem::new(k, "must be an integer")),
            }
        } else if k == "status" || k == "state" {
            let valid: &[i64] = if k == "status" { &STATUSES } else { &STATES };
            match as_int(value) {
                Some(Some(n)) if valid.contains(&n) => out.push(if k == "status" {
                    Change::Status(n)
                } else {
                    Change::State(n)
                }),
                Some(_) => problems.push(Problem::new(k, "is not included in the list")),
                None => problems.push(Problem::new(k, "must be an integer")),
            }
        } else if k == "custom_attributes" {
            custom(value, tenant, &mut out, &mut problems);
        } else if PASSWORD_KEYS.contains(&k) {
            if !value.is_string() {
                problems.push(Problem::new(k, "must be a string"));
            }
        } else {
            problems.push(Problem::new(k, "is not a valid attribute"));
        }
    }
    if let Some(pw) = body.get("password").and_then(Value::as_str) {
        if body.get("password_confirmation").and_then(Value::as_str) != Some(pw) {
            problems.push(Problem::new(
                "password_confirmation",
                "doesn't match password",
            ));
        } else {
            out.push(Change::Password);
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn custom(value: &Value, tenant: &Tenant, out: &mut Vec<Change>, problems: &mut Vec<Problem>) {
    let Value::Object(attrs) = value else {
        problems.push(Problem::new("custom_attributes", "must be an object"));
        return;
    };
    for (name, v) in attrs {
        let field = format!("custom_attributes.{name}");
        if !tenant.has_field(name) {
            problems.push(Problem::new(
                field,
                "is not a custom attribute of this account",
            ));
            continue;
        }
        match as_custom(v) {
            Some(v) => out.push(Change::Custom(name.clone(), v)),
            None => problems.push(Problem::new(field, "must be a string")),
        }
    }
}

/// Applies checked changes (the caller bumps `updated_at`).
pub(crate) fn apply(user: &mut User, changes: Vec<Change>) {
    for change in changes {
        match change {
            Change::Str(f, v) => user.set_str(&f, v.as_deref()),
            Change::Int(f, v) => user.set_int(&f, v),
            Change::Status(s) => user.status = s,
            Change::State(s) => user.state = s,
            Change::Custom(name, Some(v)) => {
                user.custom.insert(name, v);
            }
            Change::Custom(name, None) => {
                user.custom.remove(&name);
            }
            Change::Password => user.set_time("password_changed_at", Some(Utc::now())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn every_problem_at_once() {
        let t = Tenant::seeded(1, 20);
        let id = *t.users.keys().nth(3).unwrap();
        let err = check(
            &body(json!({
                "email": "owner@example.com",
                "group_id": 1,
                "status": 6,
                "title": [1],
                "role_id": [1],
                "custom_attributes": {"nope": "x", "skype": "ok"},
                "password": "a",
            })),
            &t,
            id,
        )
        .unwrap_err();
        let fields: Vec<&str> = err.iter().map(|p| p.field.as_str()).collect();
        for f in [
            "email",
            "group_id",
            "status",
            "title",
            "role_id",
            "custom_attributes.nope",
            "password_confirmation",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        let ok = check(
            &body(json!({"department": "Sales", "custom_attributes": {"skype": ""}})),
            &t,
            id,
        )
        .unwrap();
        assert_eq!(
            ok,
            [
                Change::Str("department".into(), Some("Sales".into())),
                Change::Custom("skype".into(), None)
            ]
        );
    }
}
