//! A user's lifecycle on API /1, where the official SDKs still call it: lock, log out,
//! set the state, delete. Each answers status-only; nothing to read back.

use std::ops::RangeInclusive;

use reqwest::Method;

use super::client::{Auth, Client, Request};
use super::envelope::{ApiError, decode_json};
use super::users::state_name;

/// The states `set_state` takes: 0 Unapproved, 1 Approved, 2 Rejected, 3 Unlicensed.
pub const USER_STATES: RangeInclusive<i64> = 0..=3;

fn user_path(id: i64, action: &str) -> String {
    format!("/api/1/users/{id}/{action}")
}

impl Client {
    /// A status-only /1 call: done when the envelope says success. **Choice** (the
    /// documents show a status-only 200): an empty 2xx, such as a 204, is done as well.
    async fn call_done(&self, req: &Request) -> Result<(), ApiError> {
        self.authorized(|token| async move {
            let resp = self.execute(req, Auth::Bearer(&token)).await?;
            if (200..300).contains(&resp.status) && resp.body.trim().is_empty() {
                return Ok(());
            }
            decode_json(resp.status, &resp.headers, &resp.body)
                .map(|_| ())
                .map_err(|kind| self.request_error(req, kind))
        })
        .await
    }

    /// `PUT /api/1/users/:id/lock_user` with `{"locked_until": minutes}`: lock the account
    /// for that many minutes; 0 locks it for the lock period of the user's policy (with
    /// no policy, until it is unlocked). Manage All. The server refuses fewer minutes
    /// than the policy's lock period.
    pub async fn lock_user(&self, id: i64, minutes: u32) -> Result<(), ApiError> {
        let body = serde_json::json!({ "locked_until": minutes }).to_string();
        let req = Request::new(Method::PUT, self.url(&user_path(id, "lock_user"))?).json_body(body);
        self.call_done(&req).await
    }

    /// `PUT /api/1/users/:id/logout`: end the user's OneLogin sessions (not those of apps
    /// already signed in to). **Choice**: the documents show no body while the SDKs'
    /// spec declares an optional JSON object; `{}` as `application/json` is what a strict
    /// server reads either way (an empty body is not JSON).
    pub async fn logout_user(&self, id: i64) -> Result<(), ApiError> {
        let req = Request::new(Method::PUT, self.url(&user_path(id, "logout"))?)
            .json_body("{}".to_string());
        self.call_done(&req).await
    }

    /// `PUT /api/1/users/:id/set_state` with `{"state": n}` (Manage All), the only way out
    /// of Unlicensed. A state outside [`USER_STATES`] is a Config error and nothing is sent.
    pub async fn set_user_state(&self, id: i64, state: i64) -> Result<(), ApiError> {
        if !USER_STATES.contains(&state) {
            let known = USER_STATES
                .map(|s| format!("{s} {}", state_name(s)))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(ApiError::config(format!(
                "{state} is not a user state: use one of {known}"
            )));
        }
        let body = serde_json::json!({ "state": state }).to_string();
        let req = Request::new(Method::PUT, self.url(&user_path(id, "set_state"))?).json_body(body);
        self.call_done(&req).await
    }

    /// `DELETE /api/1/users/:id`: delete the user for good (Manage users). No body.
    pub async fn delete_user(&self, id: i64) -> Result<(), ApiError> {
        let req = Request::new(Method::DELETE, self.url(&format!("/api/1/users/{id}"))?);
        self.call_done(&req).await
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
