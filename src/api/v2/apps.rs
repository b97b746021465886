//! The apps a user can reach: `GET /api/2/users/:id/apps`, a bare list.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::super::client::Client;
use super::super::envelope::{ApiError, lenient_bool};
use super::super::roles::{de_id, de_text};
use super::super::users::{de_int, de_string};

/// One app a user has access to. Only `id` is required; the rest may be absent, null or
/// of another JSON type than the documents suggest (a number for a status, `"true"` for
/// a flag) and still reads. Keys the contract does not name are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UserApp {
    #[serde(deserialize_with = "de_id")]
    pub id: i64,
    #[serde(default, deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_string")]
    pub icon_url: Option<String>,
    /// The user's login to the app, when it has one.
    #[serde(default, deserialize_with = "de_int")]
    pub login_id: Option<i64>,
    /// As text: the documents name it without saying whether it is a word or a number.
    #[serde(default, deserialize_with = "de_string")]
    pub provisioning_status: Option<String>,
    /// As text, for the same reason.
    #[serde(default, deserialize_with = "de_string")]
    pub provisioning_state: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub provisioning_enabled: Option<bool>,
    /// Keys the contract does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn de_opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(lenient_bool(&Value::deserialize(d)?))
}

impl Client {
    /// The apps user `id` can reach, every page read. **Choice** (the documents show one
    /// bare list and no paging for this call): nothing is sent in the query (a /2 route
    /// refuses parameters it does not know), and an `After-Cursor` header, if one comes,
    /// is followed as on every /2 list.
    pub async fn user_apps(&self, id: i64) -> Result<Vec<UserApp>, ApiError> {
        self.v2_all_pages(&format!("/api/2/users/{id}/apps"), &[], "app")
            .await
    }
}

#[cfg(test)]
#[path = "apps_tests.rs"]
mod tests;
