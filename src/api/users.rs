//! Users over API /1 JSON: the lenient `User`, search queries, cursor pages,
//! get and update.

use std::collections::BTreeMap;
use std::fmt;

use futures::stream::{self, BoxStream, StreamExt};
use reqwest::Method;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::client::{Client, Request};
use super::envelope::{ApiError, lenient_int};

/// The API's page size limit.
pub const MAX_LIMIT: u32 = 50;

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

/// Updatable fields whose JSON value is an integer (or null).
const INT_FIELDS: &[&str] = &[
    "directory_id",
    "group_id",
    "invalid_login_attempts",
    "manager_ad_id",
    "manager_user_id",
    "state",
    "status",
    "trusted_idp_id",
];

/// Server-side search parameters of `GET /api/1/users` (besides
/// `custom_attributes.<name>`, `fields`, `sort`, `limit` and the cursors).
pub const SEARCH_PARAMS: &[&str] = &[
    "email",
    "username",
    "firstname",
    "lastname",
    "samaccountname",
    "userprincipalname",
    "external_id",
    "directory_id",
    "role_id",
    "manager_ad_id",
    "id",
    "since",
    "until",
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

fn de_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(value_to_string(Value::deserialize(d)?))
}

fn de_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
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

impl User {
    /// "First Last", or the username, the email, or `#id`.
    pub fn display_name(&self) -> String {
        let full = [self.firstname.as_deref(), self.lastname.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !full.is_empty() {
            return full;
        }
        [self.username.as_deref(), self.email.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|s| !s.is_empty())
            .map_or_else(|| format!("#{}", self.id), str::to_string)
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

    /// The field as the JSON value an update would send: integers for the
    /// integer fields, strings (never null) for the rest.
    fn update_value(&self, name: &str) -> Value {
        let text = self.field(name);
        if INT_FIELDS.contains(&name) {
            text.and_then(|t| t.parse::<i64>().ok())
                .map_or(Value::Null, Value::from)
        } else {
            Value::String(text.unwrap_or_default())
        }
    }
}

/// Sort order of a user list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    IdAsc,
    IdDesc,
}

impl SortOrder {
    pub fn as_param(self) -> &'static str {
        match self {
            SortOrder::IdAsc => "+id",
            SortOrder::IdDesc => "-id",
        }
    }
}

/// Query parameters of `GET /api/1/users`, in the order they were set. Setting
/// a parameter again replaces its value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserQuery {
    params: Vec<(String, String)>,
}

macro_rules! query_params {
    ($($name:ident),* $(,)?) => {
        $(
            #[doc = concat!("Search on `", stringify!($name), "` (wildcards `*`, negation `!`).")]
            pub fn $name(self, value: impl fmt::Display) -> Self {
                self.param(stringify!($name), value.to_string())
            }
        )*
    };
}

impl UserQuery {
    pub fn new() -> Self {
        Self::default()
    }

    query_params!(
        email,
        username,
        firstname,
        lastname,
        samaccountname,
        userprincipalname,
        external_id,
        directory_id,
        role_id,
        manager_ad_id,
        since,
        until,
    );

    /// Search by id (`id=42`, or a comma-separated list).
    pub fn id(self, value: impl fmt::Display) -> Self {
        self.param("id", value.to_string())
    }

    /// `custom_attributes.<name>=value`.
    pub fn custom_attribute(self, name: &str, value: impl fmt::Display) -> Self {
        self.param(&format!("custom_attributes.{name}"), value.to_string())
    }

    /// Only these fields (`id` is always returned).
    pub fn fields(self, fields: &[&str]) -> Self {
        self.param("fields", fields.join(","))
    }

    pub fn sort(self, order: SortOrder) -> Self {
        self.param("sort", order.as_param())
    }

    /// Page size, clamped to 1..=50.
    pub fn limit(self, n: u32) -> Self {
        self.param("limit", n.clamp(1, MAX_LIMIT).to_string())
    }

    /// Set any parameter, replacing an earlier value.
    pub fn param(mut self, key: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        match self.params.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.params.push((key.to_string(), value)),
        }
        self
    }

    /// The value of a parameter, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.params
    }

    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// The encoded query string (`email=kat*&sort=%2Bid`), without `?`.
    pub fn to_query_string(&self, after_cursor: Option<&str>) -> String {
        self.params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(after_cursor.map(|c| ("after_cursor", c)))
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Every key [`parse`](Self::parse) accepts.
    pub fn valid_keys() -> Vec<&'static str> {
        let mut keys = SEARCH_PARAMS.to_vec();
        keys.extend(["custom_attributes.<shortname>", "fields", "sort", "limit"]);
        keys
    }

    /// Parse the console's search box: space-separated `key:value` terms,
    /// double quotes around values with spaces (`title` is not searchable, but
    /// e.g. `firstname:"Mary Ann"` is), `\"` inside quotes.
    pub fn parse(text: &str) -> Result<UserQuery, String> {
        let mut q = UserQuery::new();
        let mut chars = text.chars().peekable();
        loop {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            if chars.peek().is_none() {
                return Ok(q);
            }
            let mut key = String::new();
            while let Some(c) = chars.next_if(|c| *c != ':' && !c.is_whitespace()) {
                key.push(c);
            }
            if chars.next_if_eq(&':').is_none() {
                return Err(format!(
                    "`{key}` is not a key:value term: search like email:kat* or lastname:\"van Dyke\""
                ));
            }
            let mut value = String::new();
            if chars.next_if_eq(&'"').is_some() {
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                value.push(n);
                            }
                        }
                        '"' => {
                            closed = true;
                            break;
                        }
                        c => value.push(c),
                    }
                }
                if !closed {
                    return Err(format!("the quoted value of `{key}` has no closing quote"));
                }
            } else {
                while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                    value.push(c);
                }
            }
            if value.is_empty() {
                return Err(format!("`{key}:` needs a value"));
            }
            q = q.parsed_term(&key, value)?;
        }
    }

    fn parsed_term(self, key: &str, value: String) -> Result<UserQuery, String> {
        if SEARCH_PARAMS.contains(&key) {
            return Ok(self.param(key, value));
        }
        if let Some(name) = key.strip_prefix("custom_attributes.") {
            if name.is_empty() {
                return Err("`custom_attributes.` needs a field shortname".into());
            }
            return Ok(self.param(key, value));
        }
        match key {
            "fields" => Ok(self.param("fields", value)),
            "sort" => match value.as_str() {
                "+id" | "id" | "asc" => Ok(self.sort(SortOrder::IdAsc)),
                "-id" | "desc" => Ok(self.sort(SortOrder::IdDesc)),
                other => Err(format!(
                    "sort:{other} is not supported: use sort:+id or sort:-id"
                )),
            },
            "limit" => value
                .parse::<u32>()
                .map(|n| self.limit(n))
                .map_err(|_| format!("limit:{value} is not a number (1 to 50)")),
            _ => Err(format!(
                "`{key}` is not searchable on the server; valid keys: {}",
                Self::valid_keys().join(", ")
            )),
        }
    }
}

/// application/x-www-form-urlencoded, as `Url::query_pairs_mut` writes it:
/// alphanumerics and `*-._` stay, space becomes `+`, the rest `%XX`.
pub(crate) fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl fmt::Display for UserQuery {
    /// The search-box form, which [`UserQuery::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (k, v) in &self.params {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            if v.is_empty() || v.chars().any(|c| c.is_whitespace() || c == '"') {
                write!(
                    f,
                    "{k}:\"{}\"",
                    v.replace('\\', "\\\\").replace('"', "\\\"")
                )?;
            } else {
                write!(f, "{k}:{v}")?;
            }
        }
        Ok(())
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub after_cursor: Option<String>,
    pub before_cursor: Option<String>,
}

/// Cursors from `pagination` (missing, null or empty all mean "none").
pub(crate) fn cursors(v: &Value) -> (Option<String>, Option<String>) {
    let get = |k: &str| {
        v.get("pagination")
            .and_then(|p| p.get(k))
            .and_then(|c| match c {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
    };
    (get("after_cursor"), get("before_cursor"))
}

/// The list in `data`, each item deserialised; `what` names the item type in errors.
pub(crate) fn data_list<T: serde::de::DeserializeOwned>(
    v: &Value,
    req: &Request,
    what: &str,
) -> Result<Vec<T>, ApiError> {
    let items = match v.get("data") {
        Some(Value::Array(items)) => items,
        Some(Value::Null) => return Ok(Vec::new()),
        None => return Err(req.decode_error(format!("the answer has no `data` list of {what}s"))),
        Some(_) => return Err(req.decode_error(format!("`data` is not a list of {what}s"))),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            T::deserialize(item)
                .map_err(|e| req.decode_error(format!("{what} #{i} in `data`: {e}")))
        })
        .collect()
}

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
            let (b, a) = (before.update_value(field), after.update_value(field));
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

impl Client {
    /// One page of users (at most 50), from the start or after a cursor.
    pub async fn list_users_page(
        &self,
        query: &UserQuery,
        after_cursor: Option<&str>,
    ) -> Result<Page<User>, ApiError> {
        let qs = query.to_query_string(after_cursor);
        let path = if qs.is_empty() {
            "/api/1/users".to_string()
        } else {
            format!("/api/1/users?{qs}")
        };
        let req = Request::new(Method::GET, self.url(&path)?);
        let v = self.call(&req).await?;
        let items = data_list::<User>(&v, &req, "user")?;
        let (after_cursor, before_cursor) = cursors(&v);
        Ok(Page {
            items,
            after_cursor,
            before_cursor,
        })
    }

    /// Every page, following `after_cursor` until it is null. Ends after the
    /// first error (which is yielded).
    pub fn list_users(&self, query: UserQuery) -> BoxStream<'static, Result<Page<User>, ApiError>> {
        // State: (client, query, cursor of the next page, done); None cursor = first page.
        let start = (self.clone(), query, None::<String>, false);
        stream::unfold(start, |(client, query, cursor, done)| async move {
            if done {
                return None;
            }
            match client.list_users_page(&query, cursor.as_deref()).await {
                Ok(page) => {
                    // A repeated cursor would loop forever: stop instead.
                    let next = page
                        .after_cursor
                        .clone()
                        .filter(|c| Some(c) != cursor.as_ref());
                    let done = next.is_none();
                    Some((Ok(page), (client, query, next, done)))
                }
                Err(e) => Some((Err(e), (client, query, None, true))),
            }
        })
        .boxed()
    }

    /// One user (the answer is a one-element list).
    pub async fn get_user(&self, id: i64) -> Result<User, ApiError> {
        let req = Request::new(Method::GET, self.url(&format!("/api/1/users/{id}"))?);
        let v = self.call(&req).await?;
        first_user(&v, &req)
    }

    /// Send exactly the fields in `update`; returns the updated user.
    pub async fn update_user(&self, id: i64, update: &UserUpdate) -> Result<User, ApiError> {
        let req = Request::new(Method::PUT, self.url(&format!("/api/1/users/{id}"))?)
            .json_body(update.to_json());
        let v = self.call(&req).await?;
        match v.get("data") {
            Some(Value::Array(items)) if !items.is_empty() => first_user(&v, &req),
            Some(Value::Object(_)) => first_user(&v, &req),
            // Status-only success: read the user back so the caller sees what stuck.
            _ => self.get_user(id).await,
        }
    }
}

fn first_user(v: &Value, req: &Request) -> Result<User, ApiError> {
    if let Some(obj @ Value::Object(_)) = v.get("data") {
        return User::deserialize(obj)
            .map_err(|e| req.decode_error(format!("user in `data`: {e}")));
    }
    data_list::<User>(v, req, "user")?
        .into_iter()
        .next()
        .ok_or_else(|| req.decode_error("`data` holds no user"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = r#"{
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

    #[test]
    fn query_builder_order_and_encoding() {
        let q = UserQuery::new()
            .email("kat*")
            .custom_attribute("AWS_Role", "Admin")
            .sort(SortOrder::IdDesc)
            .fields(&["id", "email"])
            .limit(500)
            .email("!bob@example.com");
        assert_eq!(
            q.pairs()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>(),
            [
                "email=!bob@example.com",
                "custom_attributes.AWS_Role=Admin",
                "sort=-id",
                "fields=id,email",
                "limit=50"
            ]
        );
        assert_eq!(
            q.to_query_string(Some("abc+/=")),
            "email=%21bob%40example.com&custom_attributes.AWS_Role=Admin&sort=-id&fields=id%2Cemail&limit=50&after_cursor=abc%2B%2F%3D"
        );
        assert_eq!(
            UserQuery::new()
                .sort(SortOrder::IdAsc)
                .to_query_string(None),
            "sort=%2Bid"
        );
        assert_eq!(UserQuery::new().limit(0).get("limit"), Some("1"));
        let q = UserQuery::new().role_id(5).id(42).directory_id("7");
        assert_eq!(q.to_query_string(None), "role_id=5&id=42&directory_id=7");
    }

    #[test]
    fn query_parse() {
        let q = UserQuery::parse(r#"  email:kat*  custom_attributes.AWS_Role:Admin firstname:"Mary \"M\" Ann" sort:-id limit:10"#)
            .unwrap();
        assert_eq!(q.get("email"), Some("kat*"));
        assert_eq!(q.get("custom_attributes.AWS_Role"), Some("Admin"));
        assert_eq!(q.get("firstname"), Some(r#"Mary "M" Ann"#));
        assert_eq!(q.get("sort"), Some("-id"));
        assert_eq!(q.get("limit"), Some("10"));
        assert_eq!(UserQuery::parse(&q.to_string()).unwrap(), q);
        assert!(UserQuery::parse("").unwrap().is_empty());

        let e = UserQuery::parse("department:Sales").unwrap_err();
        assert!(e.contains("`department` is not searchable"), "{e}");
        assert!(
            e.contains("email") && e.contains("custom_attributes.<shortname>"),
            "{e}"
        );
        assert!(UserQuery::parse(r#"title:"Head of IT""#).is_err());
        assert!(UserQuery::parse("kat").unwrap_err().contains("key:value"));
        assert!(UserQuery::parse("email:").is_err());
        assert!(
            UserQuery::parse(r#"email:"open"#)
                .unwrap_err()
                .contains("closing quote")
        );
        assert!(UserQuery::parse("sort:name").is_err());
        assert!(UserQuery::parse("limit:many").is_err());
        assert!(UserQuery::parse("custom_attributes.:x").is_err());
    }

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

    #[test]
    fn pages_and_cursors() {
        let v: Value = serde_json::from_str(
            r#"{"status":{"error":false,"code":200,"type":"success","message":"Success"},
                "pagination":{"before_cursor":null,"after_cursor":"Y3Vyc29y","previous_link":null,"next_link":"https://x/api/1/users?after_cursor=Y3Vyc29y"},
                "data":[{"id":1},{"id":2,"email":"b@x"}]}"#,
        )
        .unwrap();
        assert_eq!(cursors(&v), (Some("Y3Vyc29y".into()), None));
        let req = Request::new(
            Method::GET,
            reqwest::Url::parse("http://127.0.0.1/api/1/users").unwrap(),
        );
        let users: Vec<User> = data_list(&v, &req, "user").unwrap();
        assert_eq!(users.len(), 2);
        let bad: Value = serde_json::from_str(r#"{"data":[{"id":1},{"email":"x"}]}"#).unwrap();
        let e = data_list::<User>(&bad, &req, "user").unwrap_err();
        assert!(e.to_string().contains("user #1"), "{e}");
        let no_data: Value = serde_json::from_str(r#"{"status":{"error":false}}"#).unwrap();
        assert!(data_list::<User>(&no_data, &req, "user").is_err());
        let last: Value = serde_json::from_str(
            r#"{"pagination":{"before_cursor":"","after_cursor":null},"data":[]}"#,
        )
        .unwrap();
        assert_eq!(cursors(&last), (None, None));
        assert_eq!(first_user(&v, &req).unwrap().id, 1);
        assert!(first_user(&last, &req).is_err());
    }
}
