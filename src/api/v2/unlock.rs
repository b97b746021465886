//! Unlocking a user over API /2: `POST /api/2/users/:id/unlock`, and the contract's
//! fallback for a tenant that does not serve that route.

use reqwest::Method;
use serde_json::json;

use super::super::client::{Client, Request};
use super::super::envelope::ApiError;

/// The status of an active user, which the fallback sets.
const ACTIVE: i64 = 1;

impl Client {
    /// `POST /api/2/users/:id/unlock`. Any 2xx is done: the documented answer is
    /// `{"message":"User unlocked"}` (one page of the documents spells it `messsage`),
    /// and a 204 says as much. **Choice**: the body is `{}` as `application/json`, which
    /// a strict server reads where an empty body would not be JSON.
    ///
    /// When the route itself answers 404 "No Route Exists" (a tenant that does not serve
    /// it), the contract's fallback is the documented user update, `PUT /api/2/users/:id`
    /// with `{"status": 1}` (Active): one call more, and only then. A 404 about the user
    /// ("not found") is the answer and is returned as it is; so is the fallback's own error.
    pub async fn unlock_user(&self, id: i64) -> Result<(), ApiError> {
        let req = Request::new(
            Method::POST,
            self.url(&format!("/api/2/users/{id}/unlock"))?,
        )
        .json_body("{}".to_string());
        match self.call_v2(&req, true).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_no_route() => {
                tracing::debug!(id, error = %e, "unlock route not served: setting status 1 instead");
                let put = Request::new(Method::PUT, self.url(&format!("/api/2/users/{id}"))?)
                    .json_body(json!({ "status": ACTIVE }).to_string());
                // The answer is the whole user; nothing of it is needed here.
                self.call_v2(&put, true).await.map(|_| ())
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
#[path = "unlock_tests.rs"]
mod tests;
