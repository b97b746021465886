//! Role membership over API /2: `/api/2/roles/:id/users`. Reading pages like any /2
//! list; adding and removing take a bare array of user ids (an object is refused).

use reqwest::Method;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::super::client::{Client, Request};
use super::super::envelope::{ApiError, lenient_int};
use super::super::users::MAX_LIMIT;

/// One member as `GET /api/2/roles/:id/users` lists them: `{"id", …}`, or leniently a
/// bare id. A row marked `"assigned": false` (listed on request only) is no member.
struct Member(Option<i64>);

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let (id, assigned) = match &v {
            Value::Object(o) => (
                o.get("id").and_then(lenient_int),
                o.get("assigned").and_then(Value::as_bool).unwrap_or(true),
            ),
            other => (lenient_int(other), true),
        };
        match id {
            Some(id) => Ok(Member(assigned.then_some(id))),
            None => Err(serde::de::Error::custom(format!(
                "a role member without an integer id: {v}"
            ))),
        }
    }
}

/// The body of a membership change: a bare JSON array of ids.
pub(crate) fn ids_body(user_ids: &[i64]) -> String {
    serde_json::json!(user_ids).to_string()
}

fn users_path(role_id: i64) -> String {
    format!("/api/2/roles/{role_id}/users")
}

impl Client {
    /// The ids of every user holding the role, every page read (50 a page).
    pub async fn role_user_ids(&self, role_id: i64) -> Result<Vec<i64>, ApiError> {
        let first = [("limit".to_string(), MAX_LIMIT.to_string())];
        let members: Vec<Member> = self
            .v2_all_pages(&users_path(role_id), &first, "role member")
            .await?;
        Ok(members.into_iter().filter_map(|m| m.0).collect())
    }

    /// Give the role to these users in one call (Manage All). No ids: no call.
    pub async fn add_role_users(&self, role_id: i64, user_ids: &[i64]) -> Result<(), ApiError> {
        self.change_role_users(Method::POST, role_id, user_ids)
            .await
    }

    /// Take the role from these users in one call (Manage All). No ids: no call.
    pub async fn remove_role_users(&self, role_id: i64, user_ids: &[i64]) -> Result<(), ApiError> {
        self.change_role_users(Method::DELETE, role_id, user_ids)
            .await
    }

    async fn change_role_users(
        &self,
        method: Method,
        role_id: i64,
        user_ids: &[i64],
    ) -> Result<(), ApiError> {
        if user_ids.is_empty() {
            return Ok(());
        }
        let req =
            Request::new(method, self.url(&users_path(role_id))?).json_body(ids_body(user_ids));
        // POST answers `[{"id":…}]`, DELETE may answer 204: either is done.
        self.call_v2(&req, true).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::super::paging::bare_list;
    use super::*;

    #[test]
    fn members_and_bodies() {
        let req = Request::new(
            Method::GET,
            reqwest::Url::parse("http://127.0.0.1/api/2/roles/5/users").unwrap(),
        );
        let v = serde_json::json!([
            {"id": 11, "name": "Kat", "assigned": true},
            {"id": "12"},
            13,
            {"id": 14, "assigned": false}
        ]);
        let members: Vec<Member> = bare_list(&v, &req, "role member").unwrap();
        let ids: Vec<i64> = members.into_iter().filter_map(|m| m.0).collect();
        assert_eq!(ids, [11, 12, 13]);
        assert!(
            bare_list::<Member>(&serde_json::json!([{"name": "x"}]), &req, "role member").is_err()
        );
        assert_eq!(ids_body(&[123, 456]), "[123,456]");
    }
}
