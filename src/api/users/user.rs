//! The lenient `User` of API /1 and its field helpers: every field but `id`
//! may be absent, null or of the wrong JSON type, and still reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::super::envelope::lenient_int;

/// Updatable fields whose JSON value is an integer (or null).
pub(super) const INT_FIELDS: &[&str] = &[
    "directory_id",
    "group_id",
    "invalid_login_attempts",
    "manager_ad_id",
    "manager_user_id",
    "state",
    "status",
    "trusted_idp_id",
];

/// A user as API /1 returns it. Every field but `id` may be absent or null;
/// values of the wrong JSON type are coerced rather than rejected, and
/// unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct User {
    #[serde(deserialize_with = "de_id")]
    pub id: i64,
    #[serde(default, deserialize_with = "de_string")]
    pub external_id: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub firstname: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub lastname: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub distinguished_name: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub samaccountname: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub userprincipalname: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub member_of: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub company: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub department: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub comment: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub openid_name: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub locale_code: Option<String>,
    #[serde(default, deserialize_with = "de_int")]
    pub status: Option<i64>,
    #[serde(default, deserialize_with = "de_int")]
    pub state: Option<i64>,
    #[serde(default, deserialize_with = "de_int")]
    pub group_id: Option<i64>,
    #[serde(default, deserialize_with = "de_int_list")]
    pub role_id: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "de_custom_attributes")]
    pub custom_attributes: BTreeMap<String, Option<String>>,
    #[serde(default, deserialize_with = "de_int")]
    pub directory_id: Option<i64>,
    #[serde(default, deserialize_with = "de_int")]
    pub trusted_idp_id: Option<i64>,
    #[serde(default, deserialize_with = "de_int")]
    pub manager_ad_id: Option<i64>,
    #[serde(default, deserialize_with = "de_int")]
    pub manager_user_id: Option<i64>,
    #[serde(default, deserialize_with = "de_int")]
    pub invalid_login_attempts: Option<i64>,
    #[serde(default, deserialize_with = "de_string")]
    pub activated_at: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub created_at: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub updated_at: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub password_changed_at: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub invitation_sent_at: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub last_login: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub locked_until: Option<String>,
    /// Fields the contract does not list, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Any JSON value as display text: strings as they are, null as None, the
/// rest in their JSON form.
pub(crate) fn value_to_string(v: Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

pub(crate) fn de_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(value_to_string(Value::deserialize(d)?))
}

pub(crate) fn de_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    // A value that is no integer at all (e.g. "n/a") reads as absent, not as a failed page.
    Ok(lenient_int(&Value::deserialize(d)?))
}

fn de_id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = Value::deserialize(d)?;
    lenient_int(&v)
        .ok_or_else(|| serde::de::Error::custom(format!("user id {v} is not an integer")))
}

fn de_int_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<i64>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::Array(items) => Some(items.iter().filter_map(lenient_int).collect()),
        // "1,2" or a lone number.
        Value::String(s) => Some(s.split(',').filter_map(|p| p.trim().parse().ok()).collect()),
        other => Some(lenient_int(&other).into_iter().collect()),
    })
}

fn de_custom_attributes<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Option<String>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(m) => m
            .into_iter()
            .map(|(k, v)| (k, value_to_string(v)))
            .collect(),
        _ => BTreeMap::new(),
    })
}

/// Human name of a user `status`.
pub fn status_name(status: i64) -> &'static str {
    match status {
        0 => "Unactivated",
        1 => "Active",
        2 => "Suspended",
        3 => "Locked",
        4 => "Password expired",
        5 => "Awaiting password reset",
        7 => "Password pending",
        8 => "Security questions required",
        _ => "Unknown",
    }
}

/// `status_name`, with the number for unknown values: "Unknown (6)".
pub fn status_label(status: i64) -> String {
    match status_name(status) {
        "Unknown" => format!("Unknown ({status})"),
        name => name.to_string(),
    }
}

/// Human name of a user `state`.
pub fn state_name(state: i64) -> &'static str {
    match state {
        0 => "Unapproved",
        1 => "Approved",
        2 => "Rejected",
        3 => "Unlicensed",
        _ => "Unknown",
    }
}

/// `state_name`, with the number for unknown values.
pub fn state_label(state: i64) -> String {
    match state_name(state) {
        "Unknown" => format!("Unknown ({state})"),
        name => name.to_string(),
    }
}

/// A user's name as lists show it: "First Last", or the username, the email, or `#id`.
pub fn display_name(
    id: i64,
    firstname: Option<&str>,
    lastname: Option<&str>,
    username: Option<&str>,
    email: Option<&str>,
) -> String {
    let mut out = String::new();
    write_display_name(&mut out, id, firstname, lastname, username, email);
    out
}

/// [`display_name`] written at the end of `out` (a list building 100,000 names reuses
/// one buffer).
pub fn write_display_name(
    out: &mut String,
    id: i64,
    firstname: Option<&str>,
    lastname: Option<&str>,
    username: Option<&str>,
    email: Option<&str>,
) {
    let start = out.len();
    for part in [firstname, lastname]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if out.len() > start {
            out.push(' ');
        }
        out.push_str(part);
    }
    if out.len() > start {
        return;
    }
    match [username, email]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|s| !s.is_empty())
    {
        Some(name) => out.push_str(name),
        None => {
            use std::fmt::Write as _;
            let _ = write!(out, "#{id}");
        }
    }
}

impl User {
    /// "First Last", or the username, the email, or `#id`.
    pub fn display_name(&self) -> String {
        display_name(
            self.id,
            self.firstname.as_deref(),
            self.lastname.as_deref(),
            self.username.as_deref(),
            self.email.as_deref(),
        )
    }

    /// A field by its API name (`email`, `status`, `role_id`,
    /// `custom_attributes.AWS_Role`, or any extra field) as text. Role ids
    /// are comma-joined.
    pub fn field(&self, name: &str) -> Option<String> {
        if let Some(attr) = name.strip_prefix("custom_attributes.") {
            return self.custom_attributes.get(attr).cloned().flatten();
        }
        let s = |v: &Option<String>| v.clone();
        let i = |v: &Option<i64>| v.map(|n| n.to_string());
        match name {
            "id" => Some(self.id.to_string()),
            "external_id" => s(&self.external_id),
            "email" => s(&self.email),
            "username" => s(&self.username),
            "firstname" => s(&self.firstname),
            "lastname" => s(&self.lastname),
            "distinguished_name" => s(&self.distinguished_name),
            "samaccountname" => s(&self.samaccountname),
            "userprincipalname" => s(&self.userprincipalname),
            "member_of" => s(&self.member_of),
            "phone" => s(&self.phone),
            "company" => s(&self.company),
            "department" => s(&self.department),
            "title" => s(&self.title),
            "comment" => s(&self.comment),
            "openid_name" => s(&self.openid_name),
            "locale_code" => s(&self.locale_code),
            "status" => i(&self.status),
            "state" => i(&self.state),
            "group_id" => i(&self.group_id),
            "role_id" => self
                .role_id
                .as_ref()
                .map(|ids| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")),
            "directory_id" => i(&self.directory_id),
            "trusted_idp_id" => i(&self.trusted_idp_id),
            "manager_ad_id" => i(&self.manager_ad_id),
            "manager_user_id" => i(&self.manager_user_id),
            "invalid_login_attempts" => i(&self.invalid_login_attempts),
            "activated_at" => s(&self.activated_at),
            "created_at" => s(&self.created_at),
            "updated_at" => s(&self.updated_at),
            "password_changed_at" => s(&self.password_changed_at),
            "invitation_sent_at" => s(&self.invitation_sent_at),
            "last_login" => s(&self.last_login),
            "locked_until" => s(&self.locked_until),
            other => self.extra.get(other).cloned().and_then(value_to_string),
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::api::users) const USER: &str = r#"{
        "activated_at": "2016-01-21T09:20:15.990Z",
        "created_at": "2016-01-21T09:20:15.990Z",
        "email": "kat@example.com",
        "username": "kat",
        "firstname": "Kat",
        "lastname": "Jones",
        "group_id": null,
        "id": 42,
        "invalid_login_attempts": 0,
        "invitation_sent_at": null,
        "last_login": "2016-01-21T09:20:15.990Z",
        "locale_code": null,
        "manager_ad_id": null,
        "manager_user_id": null,
        "member_of": "",
        "openid_name": "kat",
        "phone": "+1 555",
        "role_id": [1, 2],
        "state": 1,
        "status": 1,
        "custom_attributes": {"AWS_Role": "Admin", "skype": null},
        "some_new_field": {"x": 1}
    }"#;

    #[test]
    fn user_reads_the_contract_shape() {
        let u: User = serde_json::from_str(USER).unwrap();
        assert_eq!(u.id, 42);
        assert_eq!(u.email.as_deref(), Some("kat@example.com"));
        assert_eq!(u.role_id, Some(vec![1, 2]));
        assert_eq!(u.group_id, None);
        assert_eq!(
            u.custom_attributes.get("AWS_Role"),
            Some(&Some("Admin".into()))
        );
        assert_eq!(u.custom_attributes.get("skype"), Some(&None));
        assert_eq!(
            u.extra.get("some_new_field"),
            Some(&serde_json::json!({"x": 1}))
        );
        assert_eq!(u.display_name(), "Kat Jones");
        assert_eq!(
            u.field("custom_attributes.AWS_Role").as_deref(),
            Some("Admin")
        );
        assert_eq!(u.field("role_id").as_deref(), Some("1,2"));
        assert_eq!(u.field("status").as_deref(), Some("1"));
        assert_eq!(u.field("some_new_field").as_deref(), Some(r#"{"x":1}"#));
        assert_eq!(u.field("nope"), None);
    }

    #[test]
    fn user_is_lenient() {
        let u: User = serde_json::from_str(
            r#"{"id":"7","phone":5551234,"title":true,"status":"2","state":1.0,"group_id":"",
                "directory_id":"n/a","role_id":["3",4,"x"],"custom_attributes":{"n":12,"b":false,"o":[1]},
                "manager_user_id":"  9 "}"#,
        )
        .unwrap();
        assert_eq!(u.id, 7);
        assert_eq!(u.phone.as_deref(), Some("5551234"));
        assert_eq!(u.title.as_deref(), Some("true"));
        assert_eq!((u.status, u.state), (Some(2), Some(1)));
        assert_eq!((u.group_id, u.directory_id), (None, None));
        assert_eq!(u.manager_user_id, Some(9));
        assert_eq!(u.role_id, Some(vec![3, 4]));
        assert_eq!(u.custom_attributes["n"].as_deref(), Some("12"));
        assert_eq!(u.custom_attributes["b"].as_deref(), Some("false"));
        assert_eq!(u.custom_attributes["o"].as_deref(), Some("[1]"));

        let minimal: User =
            serde_json::from_str(r#"{"id":1,"custom_attributes":null,"role_id":null}"#).unwrap();
        assert!(minimal.custom_attributes.is_empty());
        assert_eq!(minimal.role_id, None);
        assert_eq!(minimal.display_name(), "#1");
        assert!(serde_json::from_str::<User>(r#"{"email":"x"}"#).is_err());
        assert!(serde_json::from_str::<User>(r#"{"id":"abc"}"#).is_err());
    }

    #[test]
    fn user_round_trips_through_serialize() {
        let u: User = serde_json::from_str(USER).unwrap();
        let back: User = serde_json::from_value(serde_json::to_value(&u).unwrap()).unwrap();
        assert_eq!(u, back);
    }

    #[test]
    fn names() {
        assert_eq!(status_name(1), "Active");
        assert_eq!(status_name(8), "Security questions required");
        assert_eq!(status_name(6), "Unknown");
        assert_eq!(status_label(6), "Unknown (6)");
        assert_eq!(state_name(3), "Unlicensed");
        assert_eq!(state_label(9), "Unknown (9)");
    }
}
