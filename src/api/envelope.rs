//! The /1 status envelope and every other failure (the v3 error page is read
//! beside the v3 client, in `legacy_v3/error_page.rs`; the /2 error body in
//! `v2/errors.rs`), folded into one [`ApiError`] that says which request failed, why, and
//! what the user can do next.

use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

/// How many characters of an unexpected body an error quotes.
const BODY_START_CHARS: usize = 200;

/// The `message` of a /1 status envelope: plain text, or an
/// `{"attribute", "description"}` object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvelopeMessage {
    Text(String),
    Attribute {
        attribute: String,
        description: String,
    },
}

impl fmt::Display for EnvelopeMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvelopeMessage::Text(t) => f.write_str(t),
            EnvelopeMessage::Attribute {
                attribute,
                description,
            } => write!(f, "{attribute}: {description}"),
        }
    }
}

/// What went wrong, in the form the server (or the network) reported it.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// A /1 status envelope with `"error": true` (or a non-2xx status).
    Envelope {
        http_status: u16,
        code: i64,
        error_type: String,
        message: EnvelopeMessage,
    },
    /// An API /2 error body: `{"message", "name", "statusCode"}`, and for some 422s
    /// the field problems it lists.
    V2 {
        http_status: u16,
        /// `BadRequestError`, `UnauthorizedError`, … (empty when not given).
        name: String,
        message: String,
        problems: Vec<FieldProblem>,
    },
    /// A v3 `<error><title/><message/></error>`, usually inside an HTML page.
    V3 {
        http_status: u16,
        title: String,
        message: String,
    },
    /// HTTP 429: the hourly budget is spent.
    RateLimited {
        http_status: u16,
        reset: Option<Duration>,
        body_start: String,
    },
    /// A body that is not what the API documents: a proxy's HTML, empty, truncated, not JSON.
    UnexpectedBody {
        http_status: u16,
        content_type: Option<String>,
        body_start: String,
    },
    /// No (complete) HTTP answer: DNS, connect, TLS, timeout, dropped connection.
    Transport {
        message: String,
        timeout: bool,
        connect: bool,
    },
    /// Valid JSON, but not the shape the endpoint documents.
    Decode { http_status: u16, message: String },
    /// The client was set up (or asked) wrongly; nothing was sent.
    Config(String),
}

/// A failed API call: what went wrong and which request it answers.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ApiError {
    pub kind: ErrorKind,
    /// HTTP method of the request, empty when no request was made.
    pub method: String,
    /// Full URL of the request, empty when no request was made.
    pub url: String,
}

impl ApiError {
    pub fn new(kind: ErrorKind, method: impl Into<String>, url: impl Into<String>) -> Self {
        ApiError {
            kind,
            method: method.into(),
            url: url.into(),
        }
    }

    /// A configuration error not tied to any request.
    pub fn config(message: impl Into<String>) -> Self {
        ApiError::new(ErrorKind::Config(message.into()), "", "")
    }

    /// The HTTP status of the answer, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match &self.kind {
            ErrorKind::Envelope { http_status, .. }
            | ErrorKind::V2 { http_status, .. }
            | ErrorKind::V3 { http_status, .. }
            | ErrorKind::RateLimited { http_status, .. }
            | ErrorKind::UnexpectedBody { http_status, .. }
            | ErrorKind::Decode { http_status, .. } => Some(*http_status),
            ErrorKind::Transport { .. } | ErrorKind::Config(_) => None,
        }
    }

    /// The server's own words: the envelope message (`attribute: description`
    /// for object messages), the /2 message with its field problems, or the v3 error message.
    pub fn envelope_message(&self) -> Option<String> {
        match &self.kind {
            ErrorKind::Envelope { message, .. } => Some(message.to_string()),
            ErrorKind::V2 {
                message, problems, ..
            } => Some(super::v2::words(message, problems)),
            ErrorKind::V3 { title, message, .. } => Some(format!("{title}: {message}")),
            _ => None,
        }
    }

    /// Worth trying again later: server errors, rate limiting, network trouble, a success
    /// whose body is garbled (cut short, empty, a page that is no JSON: the server said yes
    /// but the answer did not arrive whole), and a JSON answer of any status that stops
    /// short (what it said is unknown: a 401 cut short may be the token's expiry). A write
    /// retried on that is re-read first by the bulk engine; the console does not retry
    /// writes. A 4xx page that is whole (a proxy's HTML 404) is an answer.
    pub fn is_retryable(&self) -> bool {
        match &self.kind {
            ErrorKind::Transport { .. } | ErrorKind::RateLimited { .. } => true,
            ErrorKind::UnexpectedBody { http_status, .. } if (200..300).contains(http_status) => {
                true
            }
            ErrorKind::UnexpectedBody {
                content_type,
                body_start,
                ..
            } if cut_json(content_type.as_deref(), body_start) => true,
            ErrorKind::Config(_) => false,
            _ => self.http_status().is_some_and(|s| s >= 500 || s == 429),
        }
    }

    /// A 401 "Authentication Failure": the token (or the client credentials)
    /// were refused. A fresh token may help; "Insufficient Permission" is not this.
    /// On /2, any 401 that does not blame the credential's permissions.
    pub fn is_auth_failure(&self) -> bool {
        match &self.kind {
            ErrorKind::Envelope {
                http_status: 401,
                message: EnvelopeMessage::Text(t),
                ..
            } => t.trim().eq_ignore_ascii_case("Authentication Failure"),
            ErrorKind::V2 {
                http_status: 401,
                message,
                ..
            } => !super::v2::blames_permission(message),
            _ => false,
        }
    }

    /// A 401 "Insufficient Permission": the credential's scope is too low
    /// (on /2 a 401 or 403 whose message says so).
    pub fn is_insufficient_permission(&self) -> bool {
        match &self.kind {
            ErrorKind::Envelope {
                http_status: 401,
                message: EnvelopeMessage::Text(t),
                ..
            } => t.trim().eq_ignore_ascii_case("Insufficient Permission"),
            ErrorKind::V2 {
                http_status: 401 | 403,
                message,
                ..
            } => super::v2::blames_permission(message),
            _ => false,
        }
    }

    /// A 404 "No Route Exists": the method and path are not served here (a wrong base URL,
    /// or a tenant without that API /2 route), as opposed to a 404 about a missing user.
    /// Only the server's words tell the two apart; a 404 with no readable words is not this.
    pub fn is_no_route(&self) -> bool {
        self.http_status() == Some(404)
            && self
                .envelope_message()
                .is_some_and(|m| super::v2::says_no_route(&m))
    }

    /// The field problems of a /2 error (a 422 that lists them); empty otherwise.
    pub fn field_problems(&self) -> &[FieldProblem] {
        match &self.kind {
            ErrorKind::V2 { problems, .. } => problems,
            _ => &[],
        }
    }

    /// How long to wait before trying again, when the server said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match &self.kind {
            ErrorKind::RateLimited { reset, .. } => *reset,
            _ => None,
        }
    }

    /// The path (and query) of the failed request, for one-line messages.
    pub fn path(&self) -> String {
        super::exchange::path_and_query(&self.url)
    }

    /// What the user should do next (the table in `hints.rs`).
    pub fn hint(&self) -> &'static str {
        super::hints::hint(&self.kind, &self.path())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.method.is_empty() {
            write!(f, "{} {} → ", self.method, self.path())?;
        }
        match &self.kind {
            ErrorKind::Envelope {
                http_status,
                code,
                error_type,
                message,
            } => {
                write!(f, "{http_status}")?;
                if !error_type.is_empty() {
                    write!(f, " {}", one_line(error_type))?;
                }
                if *code != i64::from(*http_status) {
                    write!(f, " (code {code})")?;
                }
                write!(f, ": {}", one_line(&message.to_string()))?;
            }
            ErrorKind::V2 {
                http_status,
                name,
                message,
                problems,
            } => {
                write!(f, "{http_status}")?;
                if !name.is_empty() {
                    write!(f, " {}", one_line(name))?;
                }
                write!(f, ": {}", one_line(&super::v2::words(message, problems)))?;
            }
            ErrorKind::V3 {
                http_status,
                title,
                message,
            } => write!(
                f,
                "{http_status} {}: {}",
                one_line(title),
                one_line(message)
            )?,
            ErrorKind::RateLimited {
                http_status, reset, ..
            } => {
                write!(f, "{http_status} rate limited")?;
                if let Some(r) = reset {
                    write!(f, " (resets in {}s)", r.as_secs())?;
                }
            }
            ErrorKind::UnexpectedBody {
                http_status,
                content_type,
                body_start,
            } => {
                // A header value may hold a tab (HTTP allows it): shown on one line too.
                let ct = content_type
                    .as_deref()
                    .map_or_else(|| "no content type".to_string(), one_line);
                if body_start.is_empty() {
                    write!(f, "{http_status} with an empty body ({ct})")?;
                } else {
                    write!(f, "{http_status} unexpected {ct} body: \"{body_start}\"")?;
                }
            }
            ErrorKind::Transport {
                message,
                timeout,
                connect,
            } => {
                let what = if *timeout {
                    "timed out"
                } else if *connect {
                    "connection failed"
                } else {
                    "network error"
                };
                write!(f, "{what}: {}", one_line(message))?;
            }
            ErrorKind::Decode {
                http_status,
                message,
            } => write!(f, "{http_status} unexpected answer: {}", one_line(message))?,
            ErrorKind::Config(m) => write!(f, "configuration: {}", one_line(m))?,
        }
        write!(f, " — {}", self.hint())
    }
}

use super::v2::FieldProblem;
use crate::sanitize::one_line;

/// The first ~200 characters of a body, on one line, cleaned by the one sanitizer.
pub(crate) fn body_start(body: &str) -> String {
    let mut chars = body.chars();
    let start: String = chars.by_ref().take(BODY_START_CHARS).collect();
    let mut out = one_line(&start);
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// A body sent as JSON that begins as JSON does but did not parse: it was cut short.
fn cut_json(content_type: Option<&str>, body_start: &str) -> bool {
    content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("json"))
        && body_start.trim_start().starts_with(['{', '['])
}

/// Seconds from `Retry-After` or `X-RateLimit-Reset`, if either parses.
pub(crate) fn reset_from_headers(headers: &HeaderMap) -> Option<Duration> {
    ["retry-after", "x-ratelimit-reset"]
        .iter()
        .find_map(|name| {
            headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs)
        })
}

/// A 429, whatever its body says: when the budget comes back, if the headers tell.
pub(crate) fn rate_limited(http_status: u16, headers: &HeaderMap, body: &str) -> ErrorKind {
    ErrorKind::RateLimited {
        http_status,
        reset: reset_from_headers(headers),
        body_start: body_start(body),
    }
}

/// A body that is not what the API documents, quoted by its start.
pub(crate) fn unexpected_body(http_status: u16, headers: &HeaderMap, body: &str) -> ErrorKind {
    ErrorKind::UnexpectedBody {
        http_status,
        content_type: headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body_start: body_start(body),
    }
}

/// An integer that may arrive as a number or a numeric string.
pub(crate) fn lenient_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A yes/no that may arrive as a bool, `"true"`/`"false"` (any case) or 1/0.
pub(crate) fn lenient_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        Value::Number(n) => match n.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Read an envelope-ish error object: `{"status": {...}}`, or the bare forms
/// other OneLogin endpoints use (`{"statusCode","name","message"}`,
/// `{"error","error_description"}`).
pub(crate) fn envelope_error(http_status: u16, v: &Value) -> Option<ErrorKind> {
    let obj = v.as_object()?;
    let (src, code_key, type_key) = match obj.get("status") {
        Some(Value::Object(s)) => (s, "code", "type"),
        _ => (obj, "statusCode", "name"),
    };
    let code = src
        .get(code_key)
        .or_else(|| src.get("code"))
        .and_then(lenient_int)
        .unwrap_or(i64::from(http_status));
    let error_type = src
        .get(type_key)
        .or_else(|| src.get("type"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let message = match src.get("message") {
        Some(Value::String(s)) => EnvelopeMessage::Text(s.clone()),
        Some(Value::Object(m)) => {
            let text = |k: &str| match m.get(k) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            EnvelopeMessage::Attribute {
                attribute: text("attribute"),
                description: text("description"),
            }
        }
        Some(Value::Null) | None => {
            // OAuth-style `{"error":"invalid_client","error_description":"…"}`.
            match (src.get("error_description"), src.get("error")) {
                (Some(Value::String(d)), _) => EnvelopeMessage::Text(d.clone()),
                (_, Some(Value::String(e))) => EnvelopeMessage::Text(e.clone()),
                _ => return None,
            }
        }
        Some(other) => EnvelopeMessage::Text(other.to_string()),
    };
    Some(ErrorKind::Envelope {
        http_status,
        code,
        error_type,
        message,
    })
}

/// Whether a `status` object says error: `"error": true`, or failing that a
/// non-success type or an error code.
fn status_says_error(status: &serde_json::Map<String, Value>) -> bool {
    match status.get("error") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        Some(Value::Number(n)) => n.as_i64() != Some(0),
        _ => {
            let bad_type = status
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| !t.eq_ignore_ascii_case("success"));
            let bad_code = status
                .get("code")
                .and_then(lenient_int)
                .is_some_and(|c| c >= 400);
            bad_type || bad_code
        }
    }
}

/// Turn a /1 answer into its JSON value or the error it carries.
///
/// - 429 → `RateLimited` whatever the body.
/// - body not JSON (HTML, empty, truncated) → `UnexpectedBody`.
/// - a `status` object saying error, or any non-2xx → `Envelope` (or
///   `UnexpectedBody` if no error can be read from it).
/// - otherwise the whole JSON value (bare answers like the v2 token pass through).
pub(crate) fn decode_json(
    http_status: u16,
    headers: &HeaderMap,
    body: &str,
) -> Result<Value, ErrorKind> {
    if http_status == 429 {
        return Err(rate_limited(http_status, headers, body));
    }
    let unexpected = || unexpected_body(http_status, headers, body);
    let value: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(_) => return Err(unexpected()),
    };
    let ok_status = (200..300).contains(&http_status);
    let wrapped_error = match value.get("status") {
        Some(Value::Object(s)) => status_says_error(s),
        _ => false,
    };
    if ok_status && !wrapped_error {
        return Ok(value);
    }
    match envelope_error(http_status, &value) {
        Some(kind) => Err(kind),
        None => Err(unexpected()),
    }
}

#[cfg(test)]
#[path = "envelope_tests.rs"]
mod tests;
