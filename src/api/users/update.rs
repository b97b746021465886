//! What to send to change a user: `UserUpdate` (the PUT body) and the diffs of
//! custom attributes and roles.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::user::{INT_FIELDS, User};

/// Fields `PUT /api/1/users/:id` may change (contract, "Users").
pub const UPDATABLE_FIELDS: &[&str] = &[
    "company",
    "department",
    "directory_id",
    "distinguished_name",
    "email",
    "external_id",
    "firstname",
    "group_id",
    "invalid_login_attempts",
    "lastname",
    "locale_code",
    "manager_ad_id",
    "manager_user_id",
    "member_of",
    "notes",
    "openid_name",
    "phone",
    "samaccountname",
    "state",
    "title",
    "username",
    "userprincipalname",
];

/// Which fields to send to change `before` into `after`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserUpdate {
    fields: Map<String, Value>,
}

impl UserUpdate {
    pub fn new() -> Self {
        Self::default()
    }

    /// Set a field to a JSON value (replacing an earlier value; order is kept).
    pub fn set(&mut self, field: &str, value: impl Into<Value>) -> &mut Self {
        self.fields.insert(field.to_string(), value.into());
        self
    }

    /// Builder form of [`set`](Self::set).
    pub fn with(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.set(field, value);
        self
    }

    /// Set a field from text, typed like the API wants it: integer fields get
    /// a number (empty text → null), the rest a string.
    pub fn set_text(&mut self, field: &str, text: &str) -> Result<&mut Self, String> {
        if INT_FIELDS.contains(&field) {
            let t = text.trim();
            let v = if t.is_empty() {
                Value::Null
            } else {
                Value::from(
                    t.parse::<i64>()
                        .map_err(|_| format!("{field} must be a whole number, not `{text}`"))?,
                )
            };
            Ok(self.set(field, v))
        } else {
            Ok(self.set(field, text))
        }
    }

    /// Only the updatable fields whose value differs. Absent and empty strings
    /// count as equal, so a form round trip sends nothing.
    pub fn diff(before: &User, after: &User) -> UserUpdate {
        let mut u = UserUpdate::new();
        for field in UPDATABLE_FIELDS {
            let (b, a) = (update_value(before, field), update_value(after, field));
            if a != b {
                u.set(field, a);
            }
        }
        u
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn get(&self, field: &str) -> Option<&Value> {
        self.fields.get(field)
    }

    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// Fields the API will refuse to update (not in [`UPDATABLE_FIELDS`]).
    pub fn non_updatable_fields(&self) -> Vec<&str> {
        self.fields
            .keys()
            .map(String::as_str)
            .filter(|f| !UPDATABLE_FIELDS.contains(f))
            .collect()
    }

    /// The JSON body as sent.
    pub fn to_json(&self) -> String {
        Value::Object(self.fields.clone()).to_string()
    }
}

/// The field as the JSON value an update would send: integers for the
/// integer fields, strings (never null) for the rest.
fn update_value(user: &User, name: &str) -> Value {
    let text = user.field(name);
    if INT_FIELDS.contains(&name) {
        text.and_then(|t| t.parse::<i64>().ok())
            .map_or(Value::Null, Value::from)
    } else {
        Value::String(text.unwrap_or_default())
    }
}

/// Custom attribute values to send with `set_custom_attributes` to turn
/// `before` into `after` (cleared values as `""`).
pub fn custom_attributes_diff(before: &User, after: &User) -> BTreeMap<String, String> {
    let keys: std::collections::BTreeSet<&String> = before
        .custom_attributes
        .keys()
        .chain(after.custom_attributes.keys())
        .collect();
    keys.into_iter()
        .filter_map(|k| {
            let b = before
                .custom_attributes
                .get(k)
                .cloned()
                .flatten()
                .unwrap_or_default();
            let a = after
                .custom_attributes
                .get(k)
                .cloned()
                .flatten()
                .unwrap_or_default();
            (a != b).then(|| (k.clone(), a))
        })
        .collect()
}

/// Role ids to add and to remove to turn `before` into `after`.
pub fn roles_diff(before: &User, after: &User) -> (Vec<i64>, Vec<i64>) {
    let b = before.role_id.clone().unwrap_or_default();
    let a = after.role_id.clone().unwrap_or_default();
    let add = a.iter().filter(|id| !b.contains(id)).copied().collect();
    let remove = b.iter().filter(|id| !a.contains(id)).copied().collect();
    (add, remove)
}

#[cfg(test)]
mod tests {
    use super::super::user::tests::USER;
    use super::*;

    #[test]
    fn update_diff() {
        let before: User = serde_json::from_str(USER).unwrap();
        let mut after = before.clone();
        assert!(UserUpdate::diff(&before, &after).is_empty());
        after.department = Some("Sales".into());
        after.group_id = Some(5);
        after.member_of = None; // "" → None: not a change
        after.phone = None; // a real clear
        after.status = Some(2); // not updatable through PUT
        after.custom_attributes.insert("AWS_Role".into(), None); // not through PUT either
        let d = UserUpdate::diff(&before, &after);
        assert_eq!(
            d.to_json(),
            r#"{"department":"Sales","group_id":5,"phone":""}"#
        );
        let mut back = after.clone();
        back.group_id = None;
        let d = UserUpdate::diff(&after, &back);
        assert_eq!(d.to_json(), r#"{"group_id":null}"#);
    }

    #[test]
    fn attribute_and_role_diffs() {
        let before: User = serde_json::from_str(USER).unwrap();
        let mut after = before.clone();
        after.custom_attributes.insert("AWS_Role".into(), None);
        after
            .custom_attributes
            .insert("skype".into(), Some(String::new()));
        after
            .custom_attributes
            .insert("messenger".into(), Some("m1".into()));
        after.role_id = Some(vec![2, 3]);
        let d = custom_attributes_diff(&before, &after);
        assert_eq!(
            d.into_iter().collect::<Vec<_>>(),
            [
                ("AWS_Role".to_string(), String::new()),
                ("messenger".to_string(), "m1".to_string())
            ]
        );
        assert_eq!(roles_diff(&before, &after), (vec![3], vec![1]));
    }

    #[test]
    fn update_set() {
        let mut u = UserUpdate::new();
        u.set("title", "CTO").set("bogus", 1);
        u.set_text("group_id", "12").unwrap();
        u.set_text("manager_user_id", "").unwrap();
        assert!(u.set_text("state", "x").is_err());
        assert_eq!(
            u.to_json(),
            r#"{"title":"CTO","bogus":1,"group_id":12,"manager_user_id":null}"#
        );
        assert_eq!(u.non_updatable_fields(), ["bogus"]);
        assert_eq!(u.len(), 4);
    }
}
