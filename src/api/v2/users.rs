//! Users over API /2: list (filters, `fields`, cursor pages, `Total-Count`), read
//! many by `user_ids`, get, create, update (core fields and custom attributes in one
//! PUT) and delete. The user is the same lenient [`User`] as on /1.

use std::collections::BTreeMap;
use std::fmt;

use futures::stream::BoxStream;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::super::client::{Client, Request};
use super::super::envelope::ApiError;
use super::super::page::{Params, every_page};
use super::super::users::{MAX_LIMIT, User, UserQuery};
use super::paging::V2Page;
use super::{Mappings, V2_MAX_IDS};

const USERS: &str = "/api/2/users";

/// Query parameters of `GET /api/2/users` (filters, `fields`, `sort`, `limit`), in the
/// order they were set; setting one again replaces its value. The first page sends
/// them (with `limit=50` unless set); later pages send the cursor alone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct V2UserQuery {
    params: Params,
}

macro_rules! v2_filters {
    ($($name:ident),* $(,)?) => {
        $(
            #[doc = concat!("Filter on `", stringify!($name), "` (wildcards `*` as on /1).")]
            pub fn $name(self, value: impl fmt::Display) -> Self {
                self.param(stringify!($name), value.to_string())
            }
        )*
    };
}

impl V2UserQuery {
    pub fn new() -> Self {
        Self::default()
    }

    v2_filters!(
        email,
        username,
        firstname,
        lastname,
        samaccountname,
        directory_id,
        external_id,
        app_id,
        created_since,
        created_until,
        updated_since,
        updated_until,
        last_login_since,
        last_login_until,
    );

    /// `user_ids=1,2,3`: these users (see [`Client::users_by_ids`] for the batch limit).
    pub fn user_ids(self, ids: &[i64]) -> Self {
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>();
        self.param("user_ids", list.join(","))
    }

    /// `custom_attributes.<shortname>=value`.
    pub fn custom_attribute(self, shortname: &str, value: impl fmt::Display) -> Self {
        self.param(&format!("custom_attributes.{shortname}"), value.to_string())
    }

    /// Only these fields; `id` is added when missing (a user is read by its id). Name
    /// `custom_attributes` to have them in a list answer, which may leave them out otherwise.
    pub fn fields(self, fields: &[&str]) -> Self {
        let mut list: Vec<&str> = fields.to_vec();
        if !list.contains(&"id") {
            list.insert(0, "id");
        }
        self.param("fields", list.join(","))
    }

    /// `sort=+firstname` / `-id`: a field with its direction.
    pub fn sort(self, spec: &str) -> Self {
        self.param("sort", spec)
    }

    /// Page size, clamped to 1..=50 (the documented most; do not rely on more).
    pub fn limit(self, n: u32) -> Self {
        self.param("limit", n.clamp(1, MAX_LIMIT).to_string())
    }

    /// Set any parameter, replacing an earlier value.
    pub fn param(mut self, key: &str, value: impl Into<String>) -> Self {
        self.params.set(key, value.into());
        self
    }

    /// The value of a parameter, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.get(key)
    }

    pub fn pairs(&self) -> &[(String, String)] {
        self.params.pairs()
    }

    /// The same search on /2, when every term of the /1 `query` has a documented /2
    /// filter: `since`/`until` become `created_since`/`created_until`, a single `id` is
    /// `user_ids`. `None` when a term has none (`userprincipalname`, `role_id`,
    /// `manager_ad_id`) or negates (`!`: /2 documents wildcards, not negation).
    /// `fields`, `sort` and `limit` are the caller's to set.
    pub fn from_v1(query: &UserQuery) -> Option<V2UserQuery> {
        let mut v2 = V2UserQuery::new();
        for (key, value) in query.pairs() {
            let same = matches!(
                key.as_str(),
                "email"
                    | "username"
                    | "firstname"
                    | "lastname"
                    | "samaccountname"
                    | "external_id"
                    | "directory_id"
            ) || key.starts_with("custom_attributes.");
            let name = match key.as_str() {
                "fields" | "sort" | "limit" => continue,
                _ if value.starts_with('!') => return None,
                _ if same => key.as_str(),
                "since" => "created_since",
                "until" => "created_until",
                "id" if value.trim().parse::<i64>().is_ok() => "user_ids",
                _ => return None,
            };
            v2 = v2.param(name, value.trim());
        }
        Some(v2)
    }

    /// The pairs of the first page: the parameters, with `limit=50` unless set.
    pub(crate) fn first_page_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = self.params.pairs().to_vec();
        if self.get("limit").is_none() {
            pairs.push(("limit".into(), MAX_LIMIT.to_string()));
        }
        pairs
    }
}

/// The body of `PUT /api/2/users/:id`: core fields and custom attributes, together.
/// A custom attribute set to `""` is cleared.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct V2UserUpdate {
    fields: Map<String, Value>,
    custom_attributes: BTreeMap<String, String>,
}

impl V2UserUpdate {
    pub fn new() -> Self {
        Self::default()
    }

    /// Set a core field (replacing an earlier value; order is kept). A
    /// `custom_attributes` object is taken apart into [`set_attribute`](Self::set_attribute)s.
    pub fn set(&mut self, field: &str, value: impl Into<Value>) -> &mut Self {
        match (field, value.into()) {
            ("custom_attributes", Value::Object(values)) => {
                for (name, v) in values {
                    let text = match v {
                        Value::Null => String::new(),
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    self.set_attribute(&name, text);
                }
            }
            (field, value) => {
                self.fields.insert(field.to_string(), value);
            }
        }
        self
    }

    /// Set a custom attribute by shortname; `""` clears it.
    pub fn set_attribute(&mut self, shortname: &str, value: impl Into<String>) -> &mut Self {
        self.custom_attributes
            .insert(shortname.to_string(), value.into());
        self
    }

    /// Builder form of [`set`](Self::set).
    pub fn with(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.set(field, value);
        self
    }

    /// Builder form of [`set_attribute`](Self::set_attribute).
    pub fn with_attribute(mut self, shortname: &str, value: impl Into<String>) -> Self {
        self.set_attribute(shortname, value);
        self
    }

    /// The /1 parts of a change as one /2 body: fields (as a /1 `UserUpdate` holds
    /// them) and custom attribute values.
    pub fn from_parts(fields: &Map<String, Value>, attributes: &BTreeMap<String, String>) -> Self {
        V2UserUpdate {
            fields: fields.clone(),
            custom_attributes: attributes.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.custom_attributes.is_empty()
    }

    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    pub fn custom_attributes(&self) -> &BTreeMap<String, String> {
        &self.custom_attributes
    }

    /// The JSON body as sent: the fields, then `custom_attributes` when any.
    pub fn to_json(&self) -> String {
        let mut body = self.fields.clone();
        if !self.custom_attributes.is_empty() {
            body.insert(
                "custom_attributes".into(),
                serde_json::json!(self.custom_attributes),
            );
        }
        Value::Object(body).to_string()
    }
}

/// The user of a /2 answer: the bare object (or, leniently, a one-element list).
fn one_user(v: &Value, req: &Request) -> Result<User, ApiError> {
    let obj = match v {
        Value::Array(items) => match items.as_slice() {
            [one] => one,
            _ => v,
        },
        other => other,
    };
    if !obj.is_object() {
        return Err(req.decode_error("the answer is not a user object"));
    }
    User::deserialize(obj).map_err(|e| req.decode_error(format!("user: {e}")))
}

impl Client {
    /// One page of users (at most 50): the first page of `query`, or the one after
    /// `cursor` (then the cursor is sent alone).
    pub async fn list_users_v2(
        &self,
        query: &V2UserQuery,
        cursor: Option<&str>,
    ) -> Result<V2Page<User>, ApiError> {
        self.v2_page(USERS, &query.first_page_pairs(), cursor, "user")
            .await
    }

    /// Every page of `query`, following `After-Cursor` until there is none. Ends
    /// after the first error (which is yielded).
    pub fn list_users_v2_pages(
        &self,
        query: V2UserQuery,
    ) -> BoxStream<'static, Result<V2Page<User>, ApiError>> {
        every_page(
            self,
            query,
            |client, query, cursor| async move { client.list_users_v2(&query, cursor.as_deref()).await },
            |page| page.after_cursor.clone(),
        )
    }

    /// `GET /api/2/users?user_ids=…&limit=50`: the users found among `ids` (at most 50,
    /// else a Config error and nothing is sent; none: no call). One call, unless the
    /// server pages smaller than asked, when its cursor is followed. A user left out
    /// is not proof it does not exist: confirm with [`Client::get_user_v2`].
    pub async fn users_by_ids(&self, ids: &[i64], fields: &[&str]) -> Result<Vec<User>, ApiError> {
        if ids.len() > V2_MAX_IDS {
            return Err(ApiError::config(format!(
                "{} user ids in one user_ids read: at most {V2_MAX_IDS} (split them into batches)",
                ids.len()
            )));
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = V2UserQuery::new().user_ids(ids);
        if !fields.is_empty() {
            query = query.fields(fields);
        }
        self.v2_all_pages(USERS, &query.first_page_pairs(), "user")
            .await
    }

    /// `GET /api/2/users/:id`.
    pub async fn get_user_v2(&self, id: i64) -> Result<User, ApiError> {
        let req = Request::new(Method::GET, self.url(&format!("{USERS}/{id}"))?);
        let answer = self.call_v2(&req, false).await?;
        one_user(&answer.value, &req)
    }

    /// `POST /api/2/users` with these fields; returns the new user.
    pub async fn create_user_v2(&self, user: &Map<String, Value>) -> Result<User, ApiError> {
        let req = Request::new(Method::POST, self.url(USERS)?)
            .json_body(Value::Object(user.clone()).to_string());
        let answer = self.call_v2(&req, false).await?;
        one_user(&answer.value, &req)
    }

    /// `PUT /api/2/users/:id?mappings=…`: core fields and custom attributes in one
    /// call; returns the updated user. With [`Mappings::Async`] role mappings run after
    /// the answer, so a read right after may not show them yet. An empty update is a
    /// Config error (nothing is sent).
    pub async fn update_user_v2(
        &self,
        id: i64,
        update: &V2UserUpdate,
        mappings: Mappings,
    ) -> Result<User, ApiError> {
        if update.is_empty() {
            return Err(ApiError::config(format!(
                "an empty update for user {id}: nothing to send"
            )));
        }
        let path = format!("{USERS}/{id}?mappings={}", mappings.as_param());
        let req = Request::new(Method::PUT, self.url(&path)?).json_body(update.to_json());
        let answer = self.call_v2(&req, false).await?;
        match answer.value {
            // A 204: read back what stuck.
            Value::Null => self.get_user_v2(id).await,
            v => one_user(&v, &req),
        }
    }

    /// `DELETE /api/2/users/:id` (204).
    pub async fn delete_user_v2(&self, id: i64) -> Result<(), ApiError> {
        let req = Request::new(Method::DELETE, self.url(&format!("{USERS}/{id}"))?);
        self.call_v2(&req, true).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::page::query_string;
    use super::*;

    #[test]
    fn query_builder() {
        let q = V2UserQuery::new()
            .email("kat*")
            .custom_attribute("AWS_Role", "Admin")
            .updated_since("2024-05-01T00:00:00Z")
            .fields(&["email", "custom_attributes"])
            .sort("+firstname")
            .limit(500)
            .email("!bob@example.com");
        assert_eq!(
            query_string(
                q.first_page_pairs()
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
            ),
            "email=%21bob%40example.com&custom_attributes.AWS_Role=Admin&updated_since=2024-05-01T00%3A00%3A00Z&fields=id%2Cemail%2Ccustom_attributes&sort=%2Bfirstname&limit=50"
        );
        // limit=50 unless set.
        let q = V2UserQuery::new().user_ids(&[3, 1, 2]);
        assert_eq!(
            q.first_page_pairs(),
            [
                ("user_ids".to_string(), "3,1,2".to_string()),
                ("limit".to_string(), "50".to_string())
            ]
        );
        assert_eq!(V2UserQuery::new().limit(0).get("limit"), Some("1"));
        assert_eq!(
            V2UserQuery::new().fields(&["id", "x"]).get("fields"),
            Some("id,x")
        );
    }

    #[test]
    fn a_v1_search_on_v2_when_every_term_has_a_filter() {
        let v1 = UserQuery::new()
            .email("kat*")
            .custom_attribute("AWS_Role", "Admin")
            .since("2024-01-01T00:00:00Z")
            .id(42)
            .fields(&["id", "email"])
            .limit(50);
        let v2 = V2UserQuery::from_v1(&v1).unwrap();
        assert_eq!(
            v2.pairs(),
            [
                ("email".to_string(), "kat*".to_string()),
                (
                    "custom_attributes.AWS_Role".to_string(),
                    "Admin".to_string()
                ),
                (
                    "created_since".to_string(),
                    "2024-01-01T00:00:00Z".to_string()
                ),
                ("user_ids".to_string(), "42".to_string()),
            ]
        );
        assert_eq!(
            V2UserQuery::from_v1(&UserQuery::new()),
            Some(V2UserQuery::new())
        );
        for no_filter in [
            UserQuery::new().role_id(7),
            UserQuery::new().userprincipalname("a@b"),
            UserQuery::new().manager_ad_id(3),
            UserQuery::new().email("!bob@example.com"),
        ] {
            assert_eq!(V2UserQuery::from_v1(&no_filter), None, "{no_filter:?}");
        }
    }

    #[test]
    fn update_body_holds_fields_and_attributes() {
        let mut u = V2UserUpdate::new();
        assert!(u.is_empty());
        u.set("department", "Sales").set("group_id", Value::Null);
        u.set_attribute("AWS_Role", "Admin")
            .set_attribute("skype", "");
        assert_eq!(
            u.to_json(),
            r#"{"department":"Sales","group_id":null,"custom_attributes":{"AWS_Role":"Admin","skype":""}}"#
        );
        // A custom_attributes object set as a field lands among the attributes.
        let v = V2UserUpdate::new().with(
            "custom_attributes",
            serde_json::json!({"a": "1", "b": null, "c": 2}),
        );
        assert!(v.fields().is_empty());
        assert_eq!(
            v.to_json(),
            r#"{"custom_attributes":{"a":"1","b":"","c":"2"}}"#
        );
        assert_eq!(
            V2UserUpdate::new().with("title", "CTO").to_json(),
            r#"{"title":"CTO"}"#
        );
    }
}
