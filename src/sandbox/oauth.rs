//! `/auth/`: OAuth2 client-credentials tokens (v2 bare, legacy wrapped),
//! revoke, and the rate-limit status. None of these count against the limit.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde_json::{Value, json};

use super::Scope;
use super::auth::{ClientRef, parse_bearer, parse_client_credentials};
use super::envelope::Reject;
use super::envelope::{self, Order};
use super::state::Shared;
use super::tenant::format_time;

/// An empty body counts as `{}`; anything else must be a JSON object.
fn json_body(body: &[u8]) -> Result<serde_json::Map<String, Value>, Reject> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(envelope::json_not_valid().into()),
    }
}

/// The client credentials of the header: 400 when absent or unreadable,
/// 401 when they match no credential.
fn client(shared: &Shared, headers: &HeaderMap) -> Result<(Scope, ClientRef), Reject> {
    let Some((id, secret)) = parse_client_credentials(headers) else {
        return Err(envelope::auth_info_incorrect().into());
    };
    shared
        .lock()
        .auth
        .check(&id, &secret)
        .ok_or_else(|| envelope::authentication_failure().into())
}

fn issue(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, Reject> {
    let (scope, who) = client(shared, headers)?;
    let body = json_body(body)?;
    if body.get("grant_type").and_then(Value::as_str) != Some("client_credentials") {
        return Err(envelope::bad_request("grant_type is incorrect/absent").into());
    }
    let mut st = shared.lock();
    let ttl = st.token_ttl;
    let issued = st.auth.issue(scope, who, ttl, Instant::now());
    Ok(json!({
        "access_token": issued.access_token,
        "created_at": format_time(&Utc::now()),
        "expires_in": ttl.as_secs().max(1),
        "refresh_token": issued.refresh_token,
        "token_type": "bearer",
        "account_id": st.account_id,
    }))
}

/// `POST /auth/oauth2/v2/token`: the token object, bare.
pub(crate) async fn token_v2(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match issue(&shared, &headers, &body) {
        Ok(token) => envelope::json_response(StatusCode::OK, &token),
        Err(r) => r.into(),
    }
}

/// `POST /auth/oauth2/token`: the token object wrapped in the envelope.
pub(crate) async fn token_legacy(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match issue(&shared, &headers, &body) {
        Ok(token) => envelope::ok_data(json!([token]), None),
        Err(r) => r.into(),
    }
}

/// `POST /auth/oauth2/revoke`, body `{"access_token": "…"}`.
pub(crate) async fn revoke(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = client(&shared, &headers) {
        return r.into();
    }
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r.into(),
    };
    let Some(token) = body.get("access_token").and_then(Value::as_str) else {
        return envelope::bad_request("access_token is incorrect/absent");
    };
    // As OAuth2 revocation does: an unknown token is not an error.
    shared.lock().auth.revoke(token);
    envelope::ok_status(Order::Natural, None)
}

/// `GET /auth/rate_limit` (bearer).
pub(crate) async fn rate_limit(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let Some(token) = parse_bearer(&headers) else {
        return envelope::auth_info_incorrect();
    };
    let now = Instant::now();
    let mut st = shared.lock();
    if st.auth.validate(&token, now).is_none() {
        return envelope::authentication_failure();
    }
    let mut r = st.rate.peek(now);
    // A storm whose 429s carry the headers says the same here: spent until it ends.
    if let Some((until, true)) = st.faults.kinds.storm_at(now) {
        let left = until.saturating_duration_since(now);
        r.remaining = 0;
        r.reset = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    }
    envelope::ok_data(
        json!({
            "X-RateLimit-Limit": r.limit,
            "X-RateLimit-Remaining": r.remaining,
            "X-RateLimit-Reset": r.reset,
        }),
        None,
    )
}
