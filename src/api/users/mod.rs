//! Users over API /1 JSON: list (cursor pages), get and update. The user type,
//! the query, the search grammar and the update body live beside this file.

mod query;
mod search;
mod search_local;
mod update;
mod user;

pub use query::{MAX_LIMIT, SEARCH_PARAMS, SortOrder, UserQuery};
pub use search::{
    FieldValue, LOCAL_SEARCH_FIELDS, LocalField, LocalTerm, LocalTerms, Pattern, Search,
    SearchFields,
};
pub use search_local::{ServerField, ServerTerm, ServerValue};
pub use update::{UPDATABLE_FIELDS, UserUpdate, custom_attributes_diff, roles_diff};
pub use user::{
    User, display_name, state_label, state_name, status_label, status_name, write_display_name,
};
pub(crate) use user::{de_int, de_string, value_to_string};

use futures::stream::BoxStream;
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::client::{Client, Request};
use super::envelope::ApiError;
use super::page::{Page, cursors, data_list, every_page, path_with_query};

impl Client {
    /// One page of users (at most 50), from the start or after a cursor.
    pub async fn list_users_page(
        &self,
        query: &UserQuery,
        after_cursor: Option<&str>,
    ) -> Result<Page<User>, ApiError> {
        let path = path_with_query("/api/1/users", query.wire_pairs(after_cursor));
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
        every_page(
            self,
            query,
            |client, query, cursor| async move {
                client.list_users_page(&query, cursor.as_deref()).await
            },
            |page| page.after_cursor.clone(),
        )
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
