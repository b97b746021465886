//! The API /1 status envelope and the JSON answers built on it.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::rate_limit::RateHeaders;

pub(crate) const JSON_UTF8: &str = "application/json; charset=utf-8";

/// The `message` of a status: a sentence or an attribute/description pair.
#[derive(Debug, Clone)]
pub(crate) enum Msg {
    Text(String),
    Attr {
        attribute: String,
        description: String,
    },
}

impl Msg {
    pub(crate) fn text(s: impl Into<String>) -> Msg {
        Msg::Text(s.into())
    }

    pub(crate) fn attr(attribute: impl Into<String>, description: impl Into<String>) -> Msg {
        Msg::Attr {
            attribute: attribute.into(),
            description: description.into(),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            Msg::Text(s) => Value::String(s.clone()),
            Msg::Attr {
                attribute,
                description,
            } => json!({ "attribute": attribute, "description": description }),
        }
    }
}

/// Key order of the status object. OneLogin's own answers use both; the
/// client must not depend on either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// `error, code, type, message` (the shared auth/id errors in the docs).
    Natural,
    /// `code, error, message, type` (set_custom_attributes in the docs).
    Alphabetical,
}

/// The `type` word OneLogin uses for a code.
pub(crate) fn type_for(code: StatusCode) -> &'static str {
    match code.as_u16() {
        200..=299 => "success",
        400 => "bad request",
        401 => "Unauthorized",
        403 => "forbidden",
        404 => "not found",
        422 => "unprocessable entity",
        429 => "too many requests",
        _ => "internal server error",
    }
}

pub(crate) fn status_value(code: StatusCode, msg: &Msg, order: Order) -> Value {
    let error = !code.is_success();
    let mut m = Map::new();
    match order {
        Order::Natural => {
            m.insert("error".into(), Value::Bool(error));
            m.insert("code".into(), json!(code.as_u16()));
            m.insert("type".into(), json!(type_for(code)));
            m.insert("message".into(), msg.to_value());
        }
        Order::Alphabetical => {
            m.insert("code".into(), json!(code.as_u16()));
            m.insert("error".into(), Value::Bool(error));
            m.insert("message".into(), msg.to_value());
            m.insert("type".into(), json!(type_for(code)));
        }
    }
    Value::Object(m)
}

/// A JSON answer with the house content type.
pub(crate) fn json_response(code: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = code;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    resp
}

/// An error envelope, status only, no rate-limit headers.
pub(crate) fn error(code: StatusCode, msg: Msg) -> Response {
    error_ordered(code, msg, Order::Natural)
}

pub(crate) fn error_ordered(code: StatusCode, msg: Msg, order: Order) -> Response {
    json_response(code, &json!({ "status": status_value(code, &msg, order) }))
}

pub(crate) fn bad_request(msg: &str) -> Response {
    error(StatusCode::BAD_REQUEST, Msg::text(msg))
}

pub(crate) fn auth_info_incorrect() -> Response {
    bad_request("Authorization Information is incorrect")
}

pub(crate) fn authentication_failure() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        Msg::text("Authentication Failure"),
    )
}

pub(crate) fn insufficient_permission() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        Msg::text("Insufficient Permission"),
    )
}

pub(crate) fn forbidden_user() -> Response {
    error(
        StatusCode::FORBIDDEN,
        Msg::text("user is not authorized to access this User"),
    )
}

pub(crate) fn id_incorrect() -> Response {
    error(StatusCode::BAD_REQUEST, Msg::attr("id", "ID is incorrect"))
}

pub(crate) fn user_not_found(id: i64) -> Response {
    error(
        StatusCode::NOT_FOUND,
        Msg::text(format!("User for id {id} was not found")),
    )
}

pub(crate) fn no_route() -> Response {
    error(StatusCode::NOT_FOUND, Msg::text("No Route Exists"))
}

pub(crate) fn json_not_valid() -> Response {
    bad_request("Input JSON is not valid")
}

pub(crate) fn success_status() -> Value {
    status_value(StatusCode::OK, &Msg::text("Success"), Order::Natural)
}

/// A status-only 200 answer.
pub(crate) fn ok_status(order: Order, rate: Option<&RateHeaders>) -> Response {
    let status = status_value(StatusCode::OK, &Msg::text("Success"), order);
    with_rate(
        json_response(StatusCode::OK, &json!({ "status": status })),
        rate,
    )
}

/// A 200 answer with `data`.
pub(crate) fn ok_data(data: Value, rate: Option<&RateHeaders>) -> Response {
    with_rate(
        json_response(
            StatusCode::OK,
            &json!({ "status": success_status(), "data": data }),
        ),
        rate,
    )
}

/// A 200 list answer with `pagination` and `data`.
pub(crate) fn ok_list(data: Vec<Value>, pagination: Value, rate: &RateHeaders) -> Response {
    with_rate(
        json_response(
            StatusCode::OK,
            &json!({ "status": success_status(), "pagination": pagination, "data": data }),
        ),
        Some(rate),
    )
}

fn with_rate(mut resp: Response, rate: Option<&RateHeaders>) -> Response {
    if let Some(rate) = rate {
        rate.apply(resp.headers_mut());
    }
    resp
}

/// A finished error answer on its way out of a helper. Boxed so that
/// `Result<T, Reject>` stays small.
#[derive(Debug)]
pub(crate) struct Reject(Box<Response>);

impl From<Response> for Reject {
    fn from(r: Response) -> Reject {
        Reject(Box::new(r))
    }
}

impl From<Reject> for Response {
    fn from(r: Reject) -> Response {
        *r.0
    }
}
