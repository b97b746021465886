//! API /2 answers: bare JSON bodies (no status wrapper), the /2 error object,
//! the gate in /2 words, and the rule that refuses unknown query parameters.
//!
//! An error is `{"message": "...", "name": "BadRequestError", "statusCode": 400}`.
//! **Choice** (the document only says "some 422s carry a list of field
//! problems"): a 422 for field problems adds
//! `"errors": [{"field": "email", "message": "has already been taken"}]`, one
//! entry per problem, and its `message` is `"Validation failed: "` followed by
//! each `"<field> <message>"`, joined by `"; "`.
//!
//! **Choices** for what /2 says where /1 has a known sentence: the same codes
//! and sentences as /1, in the /2 object: 400 "Authorization Information is
//! incorrect", 401 "Authentication Failure", 401 "Insufficient Permission",
//! 403 "user is not authorized to access this User", 404 "User for id N was
//! not found", 404 "No Route Exists", 400 "ID is incorrect". A spent budget
//! answers the same HTML 429 as /1. Error answers carry no rate-limit headers.

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::auth::{ClientRef, Denied, Need, admit};
use super::envelope::{self, Reject};
use super::query;
use super::rate_limit::{self, RateHeaders};
use super::state::Shared;
use super::{Scope, users};

/// One field problem of a 422.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) field: String,
    pub(crate) message: String,
}

impl Problem {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The `name` /2 gives a status code.
pub(crate) fn name_for(code: StatusCode) -> &'static str {
    match code.as_u16() {
        400 => "BadRequestError",
        401 => "UnauthorizedError",
        403 => "ForbiddenError",
        404 => "NotFoundError",
        409 => "ConflictError",
        422 => "UnprocessableEntityError",
        429 => "TooManyRequestsError",
        _ => "InternalServerError",
    }
}

/// The /2 error object, no rate-limit headers.
pub(crate) fn error(code: StatusCode, message: impl Into<String>) -> Response {
    envelope::json_response(code, &error_value(code, message.into(), None))
}

fn error_value(code: StatusCode, message: String, problems: Option<&[Problem]>) -> Value {
    let mut m = Map::new();
    m.insert("message".into(), Value::String(message));
    m.insert("name".into(), json!(name_for(code)));
    m.insert("statusCode".into(), json!(code.as_u16()));
    if let Some(problems) = problems {
        let list = problems
            .iter()
            .map(|p| json!({ "field": p.field, "message": p.message }))
            .collect();
        m.insert("errors".into(), Value::Array(list));
    }
    Value::Object(m)
}

/// 422 with the list of field problems.
pub(crate) fn unprocessable(problems: &[Problem]) -> Response {
    let words: Vec<String> = problems
        .iter()
        .map(|p| format!("{} {}", p.field, p.message))
        .collect();
    let message = format!("Validation failed: {}", words.join("; "));
    let code = StatusCode::UNPROCESSABLE_ENTITY;
    envelope::json_response(code, &error_value(code, message, Some(problems)))
}

pub(crate) fn bad_request(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

pub(crate) fn no_route() -> Response {
    error(StatusCode::NOT_FOUND, "No Route Exists")
}

pub(crate) fn user_not_found(id: i64) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!("User for id {id} was not found"),
    )
}

pub(crate) fn forbidden_user() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "user is not authorized to access this User",
    )
}

pub(crate) fn json_not_valid() -> Response {
    bad_request("Input JSON is not valid")
}

/// The gate's refusal in /2 words.
pub(crate) fn denied(d: Denied) -> Response {
    match d {
        Denied::Header => bad_request("Authorization Information is incorrect"),
        Denied::Token => error(StatusCode::UNAUTHORIZED, "Authentication Failure"),
        Denied::RateLimited => rate_limit::too_many_requests(),
        Denied::Scope => error(StatusCode::UNAUTHORIZED, "Insufficient Permission"),
    }
}

/// What a /2 call learns at the gate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pass {
    pub(crate) scope: Scope,
    /// The credential the token was issued to (events carry its `client_id`).
    pub(crate) client: ClientRef,
    /// The window's state, `None` when /2 answers carry no rate-limit headers.
    pub(crate) rate: Option<RateHeaders>,
}

/// The /2 gate: the same bearer forms, budget and scopes as /1.
pub(crate) fn gate(shared: &Shared, headers: &HeaderMap, need: Need) -> Result<Pass, Reject> {
    let granted = admit(shared, headers, need).map_err(denied)?;
    let with_headers = shared.lock().v2_rate_headers;
    Ok(Pass {
        scope: granted.scope,
        client: granted.client,
        rate: with_headers.then_some(granted.rate),
    })
}

/// The gate of a call on one user: the gate, then an integer id.
pub(crate) fn gate_user(
    shared: &Shared,
    headers: &HeaderMap,
    need: Need,
    raw_id: &str,
) -> Result<(Pass, i64), Reject> {
    let pass = gate(shared, headers, need)?;
    let id = raw_id
        .trim()
        .parse::<i64>()
        .map_err(|_| bad_request("ID is incorrect"))?;
    Ok((pass, id))
}

/// The account owner may be changed only with Manage All (as on /1).
pub(crate) fn owner_guard(shared: &Shared, pass: &Pass, id: i64) -> Result<(), Reject> {
    if shared.lock().tenant.owner_id == Some(id) && pass.scope != Scope::ManageAll {
        return Err(forbidden_user().into());
    }
    Ok(())
}

/// The decoded query; any key `allowed` refuses → 400 "query parameter(s) not allowed: a, b".
pub(crate) fn query(
    uri: &Uri,
    allowed: impl Fn(&str) -> bool,
) -> Result<Vec<(String, String)>, Reject> {
    let pairs = query::pairs(uri).ok_or_else(|| bad_request("Query string is not valid"))?;
    let mut refused: Vec<&str> = Vec::new();
    for (k, _) in &pairs {
        if !allowed(k) && !refused.contains(&k.as_str()) {
            refused.push(k);
        }
    }
    if !refused.is_empty() {
        return Err(bad_request(format!(
            "query parameter(s) not allowed: {}",
            refused.join(", ")
        ))
        .into());
    }
    Ok(pairs)
}

/// A JSON body: empty or unreadable → 400 "Input JSON is not valid".
pub(crate) fn json_body(body: &[u8]) -> Result<Value, Reject> {
    serde_json::from_slice::<Value>(body).map_err(|_| json_not_valid().into())
}

/// A bare JSON answer, with the rate headers the gate allowed.
pub(crate) fn ok(code: StatusCode, body: &Value, pass: &Pass) -> Response {
    with_rate(envelope::json_response(code, body), pass)
}

/// 204, no body.
pub(crate) fn no_content(pass: &Pass) -> Response {
    let mut resp = Response::new(axum::body::Body::empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    with_rate(resp, pass)
}

pub(crate) fn with_rate(mut resp: Response, pass: &Pass) -> Response {
    if let Some(rate) = &pass.rate {
        rate.apply(resp.headers_mut());
    }
    resp
}

/// Sets a header when the value is valid header text.
pub(crate) fn set_header(resp: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

/// A user from the path that must exist: 404 otherwise.
pub(crate) fn existing_user(shared: &Shared, id: i64) -> Result<(), Reject> {
    if shared.lock().tenant.users.contains_key(&id) {
        Ok(())
    } else {
        Err(user_not_found(id).into())
    }
}

/// `users::parse_date` under its /2 names: 400 naming the parameter.
pub(crate) fn date(key: &str, raw: &str) -> Result<chrono::DateTime<chrono::Utc>, Reject> {
    users::parse_date(raw)
        .ok_or_else(|| bad_request(format!("{key} is not a valid ISO-8601 date")).into())
}
