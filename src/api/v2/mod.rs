//! API /2 beside /1: users, custom attribute definitions, role membership, unlocking,
//! a user's apps and MFA devices: the calls OneLogin asks new work to use where /2 has them.
//!
//! What differs from /1, and lives here: answers are bare (no status wrapper),
//! resource calls send `Authorization: bearer <token>` (a space, no colon), errors are
//! `{"message","name","statusCode"}` (`errors.rs`), and lists page by `cursor` alone
//! with `Total-Count` (`paging.rs`). What is shared goes through the client's one
//! pipeline: the token and its renewal, the redacted request log, the rate-limit state
//! (an answer without `X-RateLimit-*` leaves it as it was), the error type.

mod apps;
mod attributes;
mod errors;
mod mfa;
mod paging;
mod roles;
mod unlock;
mod users;

pub use apps::UserApp;
pub use attributes::AttributeDefinition;
pub use errors::FieldProblem;
pub(crate) use errors::{blames_permission, says_no_route, words};
pub use mfa::MfaDevice;
pub use paging::V2Page;
pub use users::{V2UserQuery, V2UserUpdate};

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::client::{Auth, Client, Request};
use super::envelope::ApiError;
pub(crate) use errors::decode_v2;

/// The most user ids one `user_ids=` read takes (one page), and the batch size for
/// role membership changes.
pub const V2_MAX_IDS: usize = 50;

/// When a user update runs the tenant's role mappings: query `mappings=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mappings {
    /// After the answer (the API's default): a read right after may not show them yet.
    #[default]
    Async,
    /// Before the answer.
    Sync,
    /// Not at all.
    Disabled,
}

impl Mappings {
    pub fn as_param(self) -> &'static str {
        match self {
            Mappings::Async => "async",
            Mappings::Sync => "sync",
            Mappings::Disabled => "disabled",
        }
    }
}

/// A decoded /2 answer and the headers paging reads.
pub(crate) struct V2Answer {
    pub value: Value,
    pub headers: HeaderMap,
}

impl Client {
    /// An authenticated /2 call through the one pipeline: `bearer <token>`, renewed and
    /// retried once after an authentication failure, decoded as /2. `empty_ok`: the
    /// call may answer with no body (its value is then `Null`).
    pub(crate) async fn call_v2(
        &self,
        req: &Request,
        empty_ok: bool,
    ) -> Result<V2Answer, ApiError> {
        self.authorized(|token| async move {
            let resp = self.execute(req, Auth::BearerV2(&token)).await?;
            let value = decode_v2(resp.status, &resp.headers, &resp.body, empty_ok)
                .map_err(|kind| self.request_error(req, kind))?;
            Ok(V2Answer {
                value,
                headers: resp.headers,
            })
        })
        .await
    }
}

#[cfg(test)]
mod http_tests;
